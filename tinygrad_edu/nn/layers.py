"""The layers of the Tensor engine: ``Linear``, the activation modules, ``Sequential``.

A layer computes  net = x Wᵀ + b  with ``W`` of shape (out, in), as PyTorch stores it, and
an activation module applies f of one row of the op table (``Tanh()``, ``ReLU()``, …).
``init_weights`` is the initialisation both engines' MLPs use.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

import numpy as np

from .. import checks, ops
from ..tensor import Tensor, affine
from ..value import Value, softmax
from .module import Module, Param

ACTIVATIONS = ops.ACTIVATIONS  # every activation of one unit in the op table (ops.py)
OUTPUT_ACTIVATIONS = ops.OUTPUT_ACTIVATIONS  # and what may end the output layer (softmax)
WEIGHTS_ARE_FLOATS = "integer weights cannot take a gradient step"


def init_weights(
    rng: np.random.Generator, n_in: int, n_out: int, init: str, bias: bool
) -> tuple[np.ndarray, np.ndarray | None]:
    """Initial (W, b) for a layer of ``n_in`` -> ``n_out`` units.

    ``init="xavier"`` (Glorot, for sigmoid/tanh/linear): W ~ U(−a, a), a = √(6 / (in + out)),
    which keeps the variance of net inputs and of gradients about the same layer to layer.
    ``init="he"`` (for relu, which zeroes half its inputs): W ~ N(0, 2 / in).
    Biases as PyTorch's Linear: b ~ U(−1/√in, 1/√in).
    """
    if init == "he":
        W = rng.normal(0.0, math.sqrt(2.0 / n_in), size=(n_out, n_in))
    elif init == "xavier":
        limit = math.sqrt(6.0 / (n_in + n_out))
        W = rng.uniform(-limit, limit, size=(n_out, n_in))
    else:
        raise ValueError(f"init_weights: unknown init {init!r}, expected 'xavier' or 'he'")
    bound = 1.0 / math.sqrt(n_in)
    b = rng.uniform(-bound, bound, size=n_out) if bias else None
    return W, b


def _as_input(x: Any, dtype: np.dtype[Any], where: str) -> Tensor:
    """The input of a tensor-engine model, in the model's dtype.

    Plain data (a list, a NumPy array) is cast to ``dtype``: a float32 model fed float64
    data from ``data.moons()`` computes in float32. A Tensor already has a dtype of its own;
    one that differs from the model's is refused naming both, as PyTorch does.
    """
    if isinstance(x, Tensor):
        # ("is not" first: numpy has one dtype object per type, the comparison costs more)
        if x.data.dtype is not dtype and x.data.dtype != dtype:
            raise ValueError(
                f"{where}: the input Tensor has dtype {x.data.dtype} and the model has dtype "
                f"{dtype}; they must match (pass the plain array, which is cast, or make the "
                "Tensor with that dtype)"
            )
        return x
    x = Tensor(x, label="x")  # named as the target is (t), so a drawing shows both
    if x.data.dtype != dtype:
        x.data = x.data.astype(dtype)  # a fresh leaf of our own: recast before any op
    return x


class Linear(Module):
    """y = x Wᵀ + b, with ``weight`` W of shape (out, in) and ``bias`` b of shape (out,)."""

    def __init__(
        self,
        in_features: int,
        out_features: int,
        bias: bool = True,
        seed: int | np.random.Generator | None = None,
        init: str = "xavier",
        dtype: Any = np.float64,
    ) -> None:
        self.in_features = checks.positive_int(in_features, "Linear in_features")
        self.out_features = checks.positive_int(out_features, "Linear out_features")
        self.dtype = checks.float_dtype(dtype, "Linear", WEIGHTS_ARE_FLOATS)
        rng = np.random.default_rng(seed)
        W, b = init_weights(rng, self.in_features, self.out_features, init, bias)
        self.weight = Tensor(W.astype(self.dtype), requires_grad=True, label="weight")
        self.bias = (
            None if b is None else Tensor(b.astype(self.dtype), requires_grad=True, label="bias")
        )

    def forward(self, x: Any) -> Tensor:
        """x Wᵀ + b; plain data is cast to the layer's dtype, a Tensor must already have it."""
        x = _as_input(x, self.dtype, "Linear")
        shape = x.data.shape
        if len(shape) not in (1, 2) or shape[-1] != self.in_features:
            raise ValueError(
                f"Linear: expected input of shape (N, {self.in_features}) or "
                f"({self.in_features},), got {x.shape}"
            )
        return affine(x, self.weight, self.bias)  # x Wᵀ + b as one node

    def __repr__(self) -> str:
        bias = self.bias is not None
        return (
            f"Linear(in_features={self.in_features}, out_features={self.out_features}, bias={bias})"
        )


def _activate(x: Any, name: str) -> Any:
    """Apply the activation method ``name`` to a Tensor, a Value or a list of Values.

    A layer-wide activation (softmax) reads a whole layer: on Values it takes a list of nets
    (one sample), or a list of such lists (a batch), and gives the list of outputs O.
    """
    if isinstance(x, (Tensor, Value)):  # the common case first
        if isinstance(x, Value) and ops.OPS[name].layer_wide:
            raise TypeError(f"{name}: needs a layer's nets (a list of Values), got one Value")
        return getattr(x, name)()
    if isinstance(x, (list, tuple)):
        if ops.OPS[name].layer_wide and all(isinstance(v, Value) for v in x):
            return softmax(x)
        return [_activate(v, name) for v in x]
    return getattr(Tensor(x), name)()


class Activation(Module):
    """Any activation of the op table by name: ``Activation("tanh")`` is ``Tanh()``.

    Each activation with a PyTorch module also has a class named as that module, made from
    its row (``ACTIVATION_MODULES``): ``Tanh()``, ``Identity()`` for linear, ``LeakyReLU()``
    with PyTorch's slope 0.01, ``Softmax()`` over the last axis (pair it with
    ``cross_entropy_loss``), …
    """

    def __init__(self, name: str) -> None:
        self.name = ops.activation(name, "Activation").name

    def forward(self, x: Any) -> Any:
        return _activate(x, self.name)

    def __repr__(self) -> str:
        return f"Activation({self.name!r})"


def _activation_class(op: ops.Op, name: str) -> type[Activation]:
    """``name()``, the Module of the activation row ``op`` (a subclass of Activation)."""

    class Named(Activation):
        def __init__(self) -> None:
            super().__init__(op.name)

        def __repr__(self) -> str:
            return f"{name}()"

    Named.__name__ = Named.__qualname__ = name
    Named.__doc__ = f"f(net) = {op.formula},  f′ = {op.derivatives[0]} (the {op.name!r} op)."
    return Named


# Sigmoid, Tanh, ReLU, Identity, Softplus, LeakyReLU, Softmax, …: named as in torch.nn
ACTIVATION_MODULES: dict[str, type[Activation]] = {
    op.torch.name: _activation_class(op, op.torch.name)
    for op in ops.TABLE
    if op.is_activation and op.torch is not None
}
globals().update(ACTIVATION_MODULES)  # Sigmoid, Tanh, …: names of this module too


class Sequential(Module):
    """Modules applied one after the other; parameters named "0.weight", "2.bias", …"""

    def __init__(self, *modules: Module) -> None:
        for module in modules:
            if not isinstance(module, Module):
                raise TypeError(f"Sequential: expected Modules, got {type(module).__name__}")
        self.modules = list(modules)

    def _named_parameters(self, prefix: str) -> Iterator[tuple[str, Param]]:
        for i, module in enumerate(self.modules):
            yield from module._named_parameters(f"{prefix}{i}.")

    def forward(self, x: Any) -> Any:
        for module in self.modules:
            x = module(x)
        return x

    def __getitem__(self, i: int) -> Module:
        return self.modules[i]

    def __len__(self) -> int:
        return len(self.modules)
