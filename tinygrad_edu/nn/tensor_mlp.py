"""``TensorMLP``: the MLP on the Tensor engine, one :class:`Linear` per layer (W and b one
Tensor each); the forward pass is  net = x Wᵀ + b,  out = f(net)  per layer, for one sample
(in,) or a batch (N, in) at once.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..tensor import Tensor, affine
from .layers import Linear, _as_input
from .mlp import MLP, Slot
from .module import Module, Weights

# Tensor's methods by name (the activations): what getattr finds on a node of ops
_TENSOR_METHODS = vars(Tensor)


class TensorMLP(MLP):
    """The MLP on the Tensor engine: a :class:`Linear` per layer, W and b one Tensor each."""

    engine = "tensor"

    def _layer(self, l: int, W: np.ndarray, b: np.ndarray | None, activation: str) -> Module:
        layer = Linear(W.shape[1], W.shape[0], b is not None, dtype=self.dtype)
        layer.weight.data[...] = W
        layer.weight.label = f"W{l}"
        if layer.bias is not None:
            layer.bias.data[...] = b
            layer.bias.label = f"b{l}"
        return layer

    def forward_layers(self, x: Any) -> list[tuple[Any, Any]]:
        record: list[tuple[Any, Any]] = []
        self._forward(x, record)
        return record

    def _forward(self, x: Any, record: list[tuple[Any, Any]] | None = None) -> Tensor:
        """The forward pass; with a ``record`` list, each layer's (net, out) is appended."""
        if type(x) is not Tensor or x.data.dtype is not self.dtype:  # (a call less if it is)
            x = _as_input(x, self.dtype, "MLP")  # plain data cast to the model's dtype
        n_in, shape = self.sizes[0], x.data.shape
        if len(shape) not in (1, 2) or shape[-1] != n_in:
            raise ValueError(
                f"MLP: expected input of shape (N, {n_in}) or ({n_in},), got {x.shape}"
            )
        # x fits the first layer and each layer the next, so the layers' own checks of the
        # input are skipped: net = x Wᵀ + b, then e.g. net.sigmoid()
        for layer, activation in zip(self.layers, self.activations):
            net = affine(x, layer.weight, layer.bias)
            # the method from the class's dict: no bound method made (0.45 k fewer a layer)
            x = _TENSOR_METHODS[activation](net)
            if record is not None:
                record.append((net, x))
        return x

    forward = _forward  # (model(x) then costs one call less)
    # model(x) is the forward pass itself: Module.__call__'s *args call costs 2 k more a step
    __call__ = _forward

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "forward" in vars(cls):  # a subclass's own forward is what model(x) calls
            cls.__call__ = Module.__call__  # type: ignore[method-assign]

    def slots(self) -> list[Slot]:
        """Per layer, W's entries row by row (the parameter W), then b's (the parameter b)."""
        slots: list[Slot] = []
        for l, n_out in enumerate(self.sizes[1:], 1):
            for j in range(n_out):
                slots += self._slots_of(l, j, bias=False)
            for j in range(n_out):
                slots += self._slots_of(l, j, weights=False)
        return slots

    def _layout(self, read: Callable[[Any], Any]) -> Weights:
        return [
            (
                np.array(read(layer.weight), dtype=self.dtype),
                None if layer.bias is None else np.array(read(layer.bias), dtype=self.dtype),
            )
            for layer in self.layers
        ]

    def _numbers(self, out: Tensor) -> np.ndarray:
        return np.array(out.data)

    def _assign(self, weights: Weights) -> None:
        for layer, (W, b) in zip(self.layers, weights):
            layer.weight.data[...] = W
            if b is not None:
                layer.bias.data[...] = b
