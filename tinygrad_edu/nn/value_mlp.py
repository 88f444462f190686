"""``ValueMLP``: the MLP on the Value engine, one :class:`Neuron` per unit and one Value
per weight, labelled as the notes name it (``w1_21``: layer 1, into unit 2, from input 1;
``b1_2``), so that a drawing shows every weight of the notes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .. import ops, value
from ..tensor import Tensor
from ..value import Parameter, Value
from .layers import _activate
from .mlp import MLP, Slot, weight_label
from .module import Module, Param, Weights


class Neuron(Module):
    """One unit: out = f(Σ_i w_i x_i + b), every weight a Value of its own."""

    def __init__(
        self, weights: np.ndarray, bias: float | None, activation: str, layer: int, unit: int
    ) -> None:
        self.w = [
            Parameter(float(w), label=weight_label(layer, unit, i + 1))
            for i, w in enumerate(weights)
        ]
        self.b = None if bias is None else Parameter(float(bias), label=f"b{layer}_{unit}")
        self.activation = activation

    def net(self, x: Sequence[Value]) -> Value:
        """net = Σ_i w_i x_i + b, as one "w·x+b" node (``value.affine``)."""
        return value.affine(x, self.w, self.b)

    def forward(self, x: Sequence[Value]) -> Value:
        return _activate(self.net(x), self.activation)


class ValueLayer(Module):
    """A layer of Neurons: unit j gets row j of W and b[j]. A layer-wide activation
    (softmax) is applied to all the units' nets together."""

    def __init__(self, W: np.ndarray, b: np.ndarray | None, activation: str, layer: int) -> None:
        self.neurons = [
            Neuron(W[j], None if b is None else b[j], activation, layer, j + 1)
            for j in range(W.shape[0])
        ]
        self.activation = activation
        self.layer_wide = ops.OPS[activation].layer_wide

    def nets(self, x: Sequence[Value]) -> list[Value]:
        """net_j = Σ_i w_ji x_i + b_j of every unit j."""
        return [neuron.net(x) for neuron in self.neurons]

    def activate(self, nets: list[Value]) -> list[Value]:
        """O = f(net) unit by unit, or for a layer-wide activation all nets together
        (O = softmax(net_1, …, net_C))."""
        if self.layer_wide:
            return _activate(nets, self.activation)
        return [_activate(v, self.activation) for v in nets]

    def forward(self, x: Sequence[Value]) -> list[Value]:
        return self.activate(self.nets(x))


class ValueMLP(MLP):
    """The MLP on the Value engine: a :class:`ValueLayer` of :class:`Neuron` s per layer,
    one Value per weight, labelled as the notes name it (``w1_21``, ``b1_2``)."""

    engine = "value"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.dtype != np.float64:
            raise ValueError(f"MLP: the value engine computes in float64, got dtype {self.dtype}")
        by_name = {p.label: p for layer in self.layers for p in layer.parameters()}
        self._params = [by_name[slot.name] for slot in self.slots()]  # the notes' order

    def _layer(self, l: int, W: np.ndarray, b: np.ndarray | None, activation: str) -> Module:
        return ValueLayer(W, b, activation, l)

    def slots(self) -> list[Slot]:
        """Per layer, per unit (a row of W with its bias): w{l}_{j}1, w{l}_{j}2, …, b{l}_{j}."""
        return [
            slot
            for l, n in enumerate(self.sizes[1:], 1)
            for j in range(n)
            for slot in self._slots_of(l, j)
        ]

    def named_parameters(self) -> list[tuple[str, Param]]:
        """(label, Value) per weight in the notes' order: layer 1 unit by unit (w1_11, w1_12,
        b1_1, w1_21, …), then layer 2."""
        return [(param.label, param) for param in self._params]

    def forward(self, x: Any) -> list[Any]:
        """One sample (in,) gives a list of ``out`` Values; a batch (N, in) gives N such lists."""
        if self._is_batch(x):
            return [self._forward_sample(row, None) for row in x]
        return self._forward_sample(x, None)

    def forward_layers(self, x: Any) -> list[tuple[Any, Any]]:
        if not self._is_batch(x):
            record: list[tuple[Any, Any]] = []
            self._forward_sample(x, record)
            return record
        per_sample = []
        for row in x:
            record = []
            self._forward_sample(row, record)
            per_sample.append(record)
        # per layer: (the nets of every sample, the outputs of every sample)
        return [
            ([sample[l][0] for sample in per_sample], [sample[l][1] for sample in per_sample])
            for l in range(len(self.layers))
        ]

    def _is_batch(self, x: Any) -> bool:
        """True for a batch (N, in), False for one sample (in,); a ValueError for the rest."""
        n_in, shape = self.sizes[0], np.shape(x)
        if isinstance(x, Tensor):
            raise ValueError(
                f"MLP (value engine): expected one sample as a sequence of {n_in} numbers or "
                f"Values, or a batch (N, {n_in}), got a Tensor of shape {x.shape} (pass "
                "x.data.tolist(), or use engine='tensor')"
            )
        if len(shape) not in (1, 2) or shape[-1] != n_in:
            raise ValueError(
                f"MLP (value engine): expected one sample of shape ({n_in},) or a batch of "
                f"shape (N, {n_in}) (numbers or Values; not a Tensor), got shape {shape}"
            )
        return len(shape) == 2

    def _forward_sample(self, x: Any, record: list[tuple[Any, Any]] | None) -> list[Value]:
        """One sample through the layers; with a ``record`` list, each layer's (net, out)
        lists of Values are appended."""
        out = [v if isinstance(v, Value) else Value(v, label=f"x{i}") for i, v in enumerate(x, 1)]
        for layer in self.layers:
            net = layer.nets(out)
            out = layer.activate(net)
            if record is not None:
                record.append((net, out))
        return out

    def _layout(self, read: Callable[[Any], Any]) -> Weights:
        layout: list[tuple[np.ndarray, np.ndarray | None]] = [
            (np.zeros((n_out, n_in)), np.zeros(n_out) if self.bias else None)
            for n_in, n_out in zip(self.sizes, self.sizes[1:])
        ]
        for param, slot in zip(self._params, self.slots()):
            W, b = layout[slot.layer - 1]
            (W if slot.kind == "W" else b)[slot.index] = float(read(param))  # type: ignore[index]
        return layout

    def _numbers(self, out: list[Any]) -> np.ndarray:
        if out and isinstance(out[0], list):  # a batch: one list per sample
            return np.array([[o.data for o in row] for row in out])
        return np.array([o.data for o in out])

    def _assign(self, weights: Weights) -> None:
        for param, slot in zip(self._params, self.slots()):
            W, b = weights[slot.layer - 1]
            param.data = float((W if slot.kind == "W" else b)[slot.index])  # type: ignore[index]
