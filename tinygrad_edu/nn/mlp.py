"""``MLP``: the notes' fully connected network, whichever engine computes it.

``MLP(sizes, engine="tensor")`` builds a :class:`~tinygrad_edu.nn.TensorMLP`,
``engine="value"`` a :class:`~tinygrad_edu.nn.ValueMLP`; both implement the
:class:`Network` protocol that ``compare``, the drawings, the stepper and the CLI use. This
file holds what the two share: the checks of the sizes and activations, the initial
weights, ``set_weights`` / ``get_weights`` in one layout, the notes' names of the weights
(:class:`Slot`, :func:`weight_label`), the state and the bridge to PyTorch.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Protocol, runtime_checkable

import numpy as np

from .. import checks, ops, torch_bridge
from ..graph import no_grad
from .layers import ACTIVATIONS, OUTPUT_ACTIVATIONS, WEIGHTS_ARE_FLOATS, init_weights
from .module import Module, Weights, _check_state

ENGINES = ("tensor", "value")
# engine -> its implementation; each registers itself when its file is imported (nn/__init__)
IMPLEMENTATIONS: dict[str, type[MLP]] = {}


def weight_label(layer: int, unit: int, input: int) -> str:
    """``w{l}_{j}{i}``, with a comma between j and i when either has two digits."""
    sep = "," if unit > 9 or input > 9 else ""
    return f"w{layer}_{unit}{sep}{input}"


@dataclass(frozen=True)
class Slot:
    """Where one scalar weight lives: layer ``layer`` (from 1), in its ``W`` or ``b``, at
    ``index`` ((j, i) into W of shape (out, in), (j,) into b), and its name in the notes."""

    layer: int
    kind: str  # "W" or "b"
    index: tuple[int, ...]
    name: str  # w1_21 (layer 1, unit 2, input 1), b1_2


@runtime_checkable
class Network(Protocol):
    """What every fully connected network offers, whichever engine computes it.

    ``compare``, the drawings, the stepper and the CLI use only this, never the engine:

    - ``sizes`` ([2, 3, 1]), ``activations`` (one name per layer), ``dtype``;
    - ``model(x)``: the forward pass of one sample (in,) or a batch (N, in);
    - ``parameters()`` / ``named_parameters()`` in the notes' order, layer by layer: the
      tensor engine W1, b1, W2, b2 …; the value engine unit by unit, each unit's weights
      then its bias (w1_11, w1_12, b1_1, w1_21, …);
    - ``get_weights()`` / ``set_weights(...)``: per layer (W of shape (out, in), b of shape
      (out,) or None), copies; ``get_gradients()`` the parameters' ``.grad`` the same way;
    - ``slots()``: one :class:`Slot` per scalar weight, listing the entries of
      ``parameters()`` in order (each parameter's entries row by row);
    - ``predict(x)``: the outputs as a NumPy array, without building a graph;
    - ``forward_layers(x)``: the same forward pass, keeping each layer's ``(net, out)``
      nodes, so that after ``backward`` ``net``'s gradient is the layer's δ = ∂E/∂net.
    """

    sizes: list[int]
    activations: list[str]
    dtype: np.dtype[Any]

    def __call__(self, x: Any) -> Any: ...
    def parameters(self) -> list[Any]: ...
    def named_parameters(self) -> list[tuple[str, Any]]: ...
    def get_weights(self) -> Weights: ...
    def set_weights(self, weights: Sequence[tuple[Any, Any]]) -> None: ...
    def get_gradients(self) -> Weights: ...
    def slots(self) -> list[Slot]: ...
    def predict(self, x: Any) -> np.ndarray: ...
    def forward_layers(self, x: Any) -> list[tuple[Any, Any]]: ...


class MLP(Module):
    """A fully connected network: ``sizes=[2, 3, 1]`` is the notes' 2-3-1 network.

    Every hidden layer uses ``hidden``, the last layer ``output`` (an activation of the op
    table: sigmoid, tanh, relu, linear, …; or ``"softmax"``, whose natural loss is
    ``cross_entropy_loss``: then δ_output = O − t). ``activations`` lists one name per layer, e.g.
    ``["sigmoid", "linear"]``. The same ``seed`` gives the same initial weights on both
    engines.

    ``MLP(..., engine="tensor")`` builds a :class:`TensorMLP` (one Tensor per W and b),
    ``engine="value"`` a :class:`ValueMLP` (one Value per weight, as the notes draw it).
    Both are MLPs and implement the :class:`Network` protocol.

    Called on one sample of shape (in,) or a batch of shape (N, in), the tensor engine
    returns a Tensor of shape (out,) or (N, out); the value engine a list of ``out`` Values,
    or for a batch N such lists, one per sample. ``mse_loss`` takes either with the same
    NumPy targets, so one training loop runs on both engines.
    """

    engine: ClassVar[str] = ""  # "tensor" or "value": set by each implementation

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """A subclass that names its own ``engine`` is that engine's implementation: the
        class ``MLP(..., engine=...)`` builds (``TensorMLP``, ``ValueMLP``)."""
        super().__init_subclass__(**kwargs)
        if "engine" in vars(cls):
            IMPLEMENTATIONS[cls.engine] = cls

    def __new__(cls, *args: Any, **kwargs: Any) -> MLP:
        if cls is MLP:  # the entry point: pick the implementation of the engine
            engine = kwargs.get("engine", args[4] if len(args) > 4 else "tensor")
            if engine not in IMPLEMENTATIONS:
                raise ValueError(f"MLP: unknown engine {engine!r}, expected one of {ENGINES}")
            cls = IMPLEMENTATIONS[engine]
        return super().__new__(cls)

    def __init__(
        self,
        sizes: Sequence[int],
        hidden: str = "sigmoid",
        output: str = "linear",
        bias: bool = True,
        engine: str | None = None,
        seed: int | None = None,
        dtype: Any = np.float64,
    ) -> None:
        if engine is not None and engine != self.engine:
            raise ValueError(
                f"{type(self).__name__}: engine must be {self.engine!r}, got {engine!r}"
            )
        if isinstance(sizes, np.ndarray):
            sizes = sizes.tolist()
        if isinstance(sizes, (str, bytes)) or not isinstance(sizes, Sequence):
            raise ValueError(f"MLP: sizes must be a list of layer widths, got {sizes!r}")
        if len(sizes) < 2:
            raise ValueError(f"MLP: sizes needs at least two widths (in, out), got {list(sizes)}")
        for n in sizes:
            checks.positive_int(n, f"MLP: every size in {list(sizes)}")
        if hidden not in ACTIVATIONS:
            hint = " (it reads a whole layer: only the output may use it)" * (
                hidden in OUTPUT_ACTIVATIONS
            )
            raise ValueError(
                f"MLP: unknown hidden activation {hidden!r}, expected {ACTIVATIONS}{hint}"
            )
        if output not in OUTPUT_ACTIVATIONS:
            raise ValueError(
                f"MLP: unknown output activation {output!r}, expected {OUTPUT_ACTIVATIONS}"
            )
        self.dtype = checks.float_dtype(dtype, "MLP", WEIGHTS_ARE_FLOATS)
        self.sizes = [int(n) for n in sizes]
        self.hidden, self.output = hidden, output
        self.activations = [hidden] * (len(sizes) - 2) + [output]
        self.bias = bool(bias)
        rng = np.random.default_rng(seed)
        self.layers: list[Any] = []
        for l, (n_in, n_out, act) in enumerate(zip(sizes, sizes[1:], self.activations), 1):
            W, b = init_weights(rng, n_in, n_out, ops.OPS[act].init, self.bias)
            self.layers.append(self._layer(l, W, b, act))

    def _layer(self, l: int, W: np.ndarray, b: np.ndarray | None, activation: str) -> Module:
        """Layer ``l`` of this engine, holding the initial weights W (out, in) and b."""
        raise NotImplementedError

    def _assign(self, weights: Weights) -> None:
        """Copy checked (W, b) pairs into the parameters."""
        raise NotImplementedError

    # --- weights as numpy arrays, the same layout for both engines ----------------------

    def set_weights(self, weights: Sequence[tuple[Any, Any]]) -> None:
        """Load a ``get_weights()``-style list; all of it is checked before anything changes."""
        self._assign(self._check_weights(weights))

    def slots(self) -> list[Slot]:
        """One :class:`Slot` per scalar weight, in the order of ``parameters()`` and of each
        parameter's entries (row by row)."""
        raise NotImplementedError

    def forward_layers(self, x: Any) -> list[tuple[Any, Any]]:
        """The forward pass of ``model(x)``, keeping every layer's nodes: ``[(net, out), …]``,
        layer 1 first; the last ``out`` is what ``model(x)`` returns. After ``backward``,
        each ``net``'s gradient is the notes' δ = ∂E/∂net of that layer (``diagnostics``
        reads it). For a batch on the value engine, ``net`` and ``out`` are one list of
        Values per sample, as the outputs are."""
        raise NotImplementedError

    def _slots_of(self, l: int, j: int, weights: bool = True, bias: bool = True) -> list[Slot]:
        """The slots of unit j (from 0) of layer l: its weights w{l}_{j+1}{i}, then its bias."""
        slots = []
        if weights:
            n_in = self.sizes[l - 1]
            slots = [Slot(l, "W", (j, i), weight_label(l, j + 1, i + 1)) for i in range(n_in)]
        if bias and self.bias:
            slots.append(Slot(l, "b", (j,), f"b{l}_{j + 1}"))
        return slots

    def _check_weights(self, weights: Sequence[tuple[Any, Any]]) -> Weights:
        n_layers = len(self.layers)
        if not isinstance(weights, (list, tuple)) or len(weights) != n_layers:
            got = len(weights) if isinstance(weights, (list, tuple)) else type(weights).__name__
            raise ValueError(
                f"MLP.set_weights: expected a list of {n_layers} (W, b) pairs "
                f"for sizes {self.sizes}, got {got}"
            )
        checked: Weights = []
        for l, (pair, n_in, n_out) in enumerate(zip(weights, self.sizes, self.sizes[1:]), 1):
            if not isinstance(pair, (list, tuple)) or len(pair) != 2:
                raise ValueError(f"MLP.set_weights: layer {l} must be a (W, b) pair, got {pair!r}")
            W = checks.real_array(pair[0], f"MLP.set_weights: W of layer {l}")
            if W.shape != (n_out, n_in):
                raise ValueError(
                    f"MLP.set_weights: W of layer {l} must have shape ({n_out}, {n_in}) "
                    f"(out, in), got {W.shape}"
                )
            b = pair[1]
            if self.bias and b is None:
                raise ValueError(f"MLP.set_weights: layer {l} needs a bias of shape ({n_out},)")
            if not self.bias and b is not None:
                raise ValueError(
                    f"MLP.set_weights: this MLP has no biases; b of layer {l} must be None"
                )
            if b is not None:
                b = checks.real_array(b, f"MLP.set_weights: b of layer {l}")
                if b.shape != (n_out,):
                    raise ValueError(
                        f"MLP.set_weights: b of layer {l} must have shape ({n_out},), got {b.shape}"
                    )
            checked.append((W, b))
        return checked

    def predict(self, x: Any) -> np.ndarray:
        """The outputs for one sample (in,) or a batch (N, in) as a NumPy array (out,) or
        (N, out), without building a graph."""
        with no_grad():
            return self._numbers(self(x))

    def _numbers(self, out: Any) -> np.ndarray:
        """The forward pass's result as an array."""
        raise NotImplementedError

    def get_weights(self) -> Weights:
        """[(W, b), …] per layer: copies, W of shape (out, in), b of shape (out,) or None."""
        return self._layout(lambda p: p.data)

    def get_gradients(self) -> Weights:
        """[(dW, db), …] per layer: the parameters' ``.grad`` laid out as ``get_weights``
        lays out the weights (copies; zeros where no gradient reached a parameter)."""
        return self._layout(lambda p: np.zeros(np.shape(p.data)) if p.grad is None else p.grad)

    def _layout(self, read: Callable[[Any], Any]) -> Weights:
        """``read(parameter)`` for every parameter, as [(W, b), …] arrays of the model's dtype."""
        raise NotImplementedError

    # --- the way on: the same network in PyTorch ----------------------------------------

    def to_torch(self) -> Any:
        """A ``torch.nn.Sequential`` with this network's weights (copies): per layer a
        ``torch.nn.Linear`` and the activation module (none for a linear layer), in this
        model's dtype. Its outputs and gradients equal ours. Needs PyTorch, which is
        optional (``pip install torch --index-url https://download.pytorch.org/whl/cpu``)."""
        return torch_bridge.to_sequential(self.get_weights(), self.activations, self.dtype)

    @classmethod
    def from_torch(cls, sequential: Any, engine: str = "tensor") -> MLP:
        """An MLP with the weights (copies) of a ``torch.nn.Sequential`` of ``Linear`` layers,
        each followed by at most one activation module of the op table (``Sigmoid()``,
        ``LeakyReLU(negative_slope=0.01)``, …: ``torch_bridge.supported()`` lists them);
        anything else is refused with an error naming the layer. The tensor engine keeps the
        dtype (float64 or float32); the value engine computes in float64, and a
        float32 network's numbers become float64 Values exactly (every float32 is one)."""
        network = torch_bridge.read_sequential(sequential)
        hidden = network.activations[0] if len(network.activations) > 1 else "sigmoid"
        model = cls(
            network.sizes,
            hidden,
            network.activations[-1],
            bias=network.bias,
            engine=engine,
            dtype=np.float64 if engine == "value" else network.dtype,
        )
        model.set_weights(network.weights)
        return model

    # --- state: per layer, so a file moves between engines ------------------------------

    def state_dict(self) -> dict[str, np.ndarray]:
        """{"layers.0.weight": W, "layers.0.bias": b, …} — the same keys on both engines."""
        state = {}
        for l, (W, b) in enumerate(self.get_weights()):
            state[f"layers.{l}.weight"] = W
            if b is not None:
                state[f"layers.{l}.bias"] = b
        return state

    def load_state_dict(self, state: dict[str, Any]) -> None:
        expected = {name: (a.shape, self.dtype) for name, a in self.state_dict().items()}
        arrays = _check_state(state, expected, self)
        self.set_weights(
            [
                (arrays[f"layers.{l}.weight"], arrays.get(f"layers.{l}.bias"))
                for l in range(len(self.layers))
            ]
        )

    def __repr__(self) -> str:
        return (
            f"MLP(sizes={self.sizes}, hidden={self.hidden!r}, output={self.output!r}, "
            f"bias={self.bias}, engine={self.engine!r})"
        )
