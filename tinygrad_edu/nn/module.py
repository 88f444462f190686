"""``Module``: the parameter bookkeeping every model shares, as ``torch.nn.Module``.

A module's parameters are the leaves it holds that take gradients, found in its attributes
(sub-modules, lists and tuples of them) in the order they were set, each named by its path
("0.weight", "layers.1.bias"). ``state_dict`` / ``load_state_dict`` copy them out and in;
``save`` / ``load`` write and read them as an ``.npz`` file (:mod:`tinygrad_edu.saving`).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any, Union

import numpy as np

from .. import checks
from ..graph import Node
from ..tensor import Tensor

Param = Node  # a Tensor or a Value
Weights = list[tuple[np.ndarray, Union[np.ndarray, None]]]


def _walk(item: Any, name: str) -> Iterator[tuple[str, Param]]:
    """(name, parameter) for every parameter inside ``item`` (a module, list or leaf)."""
    if isinstance(item, Module):
        yield from item._named_parameters(name + ".")
    elif isinstance(item, (list, tuple)):
        for i, element in enumerate(item):
            yield from _walk(element, f"{name}.{i}")
    elif isinstance(item, Node) and item.requires_grad and not item.parents:
        yield name, item


class Module:
    """Base class of every model, as ``torch.nn.Module``: parameters, zero_grad, state.

    A subclass sets its parameters and sub-modules as attributes (lists of them are fine)
    and defines ``forward``. Attributes whose name starts with "_" are not searched.
    """

    def forward(self, *args: Any) -> Any:
        raise NotImplementedError(f"{type(self).__name__} does not define forward()")

    def __call__(self, *args: Any) -> Any:
        return self.forward(*args)

    def _named_parameters(self, prefix: str) -> Iterator[tuple[str, Param]]:
        for name, item in vars(self).items():
            if not name.startswith("_"):
                yield from _walk(item, prefix + name)

    def named_parameters(self) -> list[tuple[str, Param]]:
        """(name, parameter) pairs in definition order; a shared parameter appears once."""
        seen: set[int] = set()
        pairs = []
        for name, param in self._named_parameters(""):
            if id(param) not in seen:
                seen.add(id(param))
                pairs.append((name, param))
        return pairs

    def parameters(self) -> list[Param]:
        """Every trainable leaf (Tensors with requires_grad, Values), for an optimizer."""
        return [param for _, param in self.named_parameters()]

    def zero_grad(self) -> None:
        """Reset every parameter's gradient (None for a Tensor, 0.0 for a Value)."""
        for param in self.parameters():
            param.clear_grad()

    def state_dict(self) -> dict[str, np.ndarray]:
        """name -> a numpy copy of the parameter's data."""
        return {name: np.array(param.data) for name, param in self.named_parameters()}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Copy ``state`` into the parameters; checks everything before changing anything."""
        params = dict(self.named_parameters())
        arrays = _check_state(state, {n: _shape_dtype(p) for n, p in params.items()}, self)
        for name, param in params.items():
            if isinstance(param, Tensor):
                param.data[...] = arrays[name]
            else:
                param.data = float(arrays[name])

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write ``state_dict()`` to an ``.npz`` file at exactly ``path``, atomically.

        The file is what ``numpy.savez`` writes, so ``np.load`` reads it (see
        :mod:`tinygrad_edu.saving`, imported here on first use, and docs/saving.md).
        """
        from .. import saving

        saving.save(self, path)

    def load(self, path: str | os.PathLike[str]) -> Module:
        """Read a file written by ``save`` into this model (all or nothing); returns self.

        Every array's name, shape and dtype is checked against this model before any of
        its data is read, and loading never runs code stored in the file
        (:mod:`tinygrad_edu.saving`).
        """
        from .. import saving

        saving.load(self, path)
        return self


def _shape_dtype(param: Param) -> tuple[tuple[int, ...], np.dtype[Any]]:
    if isinstance(param, Tensor):
        return param.shape, param.dtype
    return (), np.dtype(np.float64)


def _check_state(
    state: dict[str, Any], expected: dict[str, tuple[tuple[int, ...], np.dtype[Any]]], model: Any
) -> dict[str, np.ndarray]:
    """The arrays of ``state`` once names, shapes and dtypes all match ``expected``."""
    arrays = {name: np.asarray(array) for name, array in state.items()}
    problem = checks.state_mismatch({n: (a.shape, a.dtype) for n, a in arrays.items()}, expected)
    if problem is not None:
        raise ValueError(f"{type(model).__name__}.load_state_dict: {problem}")
    return arrays
