"""Neural-network building blocks: Module, Linear, activations, Sequential, MLP.

A layer computes  net = W x + b,  out = f(net)  with ``W`` of shape (out, in), as PyTorch
stores it: row j holds the weights *into* unit j, column i the weights *from* input i.
For a batch of row vectors X of shape (N, in) that is  X Wᵀ + b.

``MLP(sizes, engine="tensor")`` builds it from :class:`Linear` layers (one Tensor per W);
``MLP(sizes, engine="value")`` builds it from :class:`Neuron` s of ``Value`` s (one node per
weight, and per neuron one node for net = Σ w x + b and one for f), so a drawing shows every
weight of the notes. Value-engine labels, with layers,
units and inputs counted from 1:

- ``w{l}_{j}{i}``: the weight of layer l into unit j from input i, i.e. ``W[j-1, i-1]`` of
  layer l (``w1_21``: layer 1, unit 2, input 1). When j or i has two digits a comma keeps
  the name readable and unique: ``w1_12,3``.
- ``b{l}_{j}``: the bias of unit j of layer l (``b1_2``).
- ``x{i}``: input i, when the input is given as plain numbers.

Note 03 writes w_ki (into k from i) — the same order as here. Note 01 writes W_ij for the
weight from i to j, i.e. our ``W[j, i]``.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, Union, runtime_checkable

import numpy as np

from . import checks, ops, torch_bridge, value
from .graph import Node, no_grad
from .tensor import Tensor, affine
from .value import Parameter, Value, softmax

Param = Node  # a Tensor or a Value
Weights = list[tuple[np.ndarray, Union[np.ndarray, None]]]

ACTIVATIONS = ops.ACTIVATIONS  # every activation of one unit in the op table (ops.py)
OUTPUT_ACTIVATIONS = ops.OUTPUT_ACTIVATIONS  # and what may end the output layer (softmax)
WEIGHTS_ARE_FLOATS = "integer weights cannot take a gradient step"


# --- Module: the parameter bookkeeping every model shares ------------------------------


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
        from . import saving

        saving.save(self, path)

    def load(self, path: str | os.PathLike[str]) -> Module:
        """Read a file written by ``save`` into this model (all or nothing); returns self.

        Every array's name, shape and dtype is checked against this model before any of
        its data is read, and loading never runs code stored in the file
        (:mod:`tinygrad_edu.saving`).
        """
        from . import saving

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


# --- layers ----------------------------------------------------------------------------


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
        if x.data.dtype != dtype:
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


def _check_size(n: Any, what: str) -> int:
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"{what} must be a positive integer, got {n!r}")
    return int(n)


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
globals().update(ACTIVATION_MODULES)


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


# --- the value engine: one Value per weight -----------------------------------------------


def weight_label(layer: int, unit: int, input: int) -> str:
    """``w{l}_{j}{i}``, with a comma between j and i when either has two digits."""
    sep = "," if unit > 9 or input > 9 else ""
    return f"w{layer}_{unit}{sep}{input}"


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


# --- MLP: the notes' fully connected network, on either engine ---------------------------


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

    engine = ""  # "tensor" or "value": set by each implementation

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

    def forward(self, x: Any) -> Tensor:
        return self._forward(x, None)

    def forward_layers(self, x: Any) -> list[tuple[Any, Any]]:
        record: list[tuple[Any, Any]] = []
        self._forward(x, record)
        return record

    def _forward(self, x: Any, record: list[tuple[Any, Any]] | None) -> Tensor:
        """The forward pass; with a ``record`` list, each layer's (net, out) is appended."""
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
            x = getattr(net, activation)()
            if record is not None:
                record.append((net, x))
        return x

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


ENGINES = ("tensor", "value")
IMPLEMENTATIONS: dict[str, type[MLP]] = {"tensor": TensorMLP, "value": ValueMLP}
