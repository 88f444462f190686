"""Neural-network building blocks: Module, Linear, activations, Sequential, MLP.

A layer computes  net = W x + b,  out = f(net)  with ``W`` of shape (out, in), as PyTorch
stores it: row j holds the weights *into* unit j, column i the weights *from* input i.
For a batch of row vectors X of shape (N, in) that is  X Wᵀ + b.

``MLP(sizes, engine="tensor")`` builds it from :class:`Linear` layers (one Tensor per W);
``MLP(sizes, engine="value")`` builds it from :class:`Neuron` s of ``Value`` s (one node per
weight), so a drawing shows every weight of the notes. Value-engine labels, with layers,
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
import tempfile
import zipfile
from collections.abc import Iterator, Sequence
from typing import Any, Union

import numpy as np

from . import ops
from .tensor import Tensor, _affine
from .value import Value, sum_values

Param = Union[Tensor, Value]
Weights = list[tuple[np.ndarray, Union[np.ndarray, None]]]

ACTIVATIONS = ops.ACTIVATIONS  # every activation of the op table (ops.py)
ENGINES = ("tensor", "value")


# --- Module: the parameter bookkeeping every model shares ------------------------------


def _walk(item: Any, name: str) -> Iterator[tuple[str, Param]]:
    """(name, parameter) for every parameter inside ``item`` (a module, list or leaf)."""
    if isinstance(item, Module):
        yield from item._named_parameters(name + ".")
    elif isinstance(item, (list, tuple)):
        for i, element in enumerate(item):
            yield from _walk(element, f"{name}.{i}")
    elif isinstance(item, Value) or (isinstance(item, Tensor) and item.requires_grad):
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
            param.grad = param._zero_grad_value()

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
        """Write ``state_dict()`` to an ``.npz`` file, atomically.

        The arrays go to a temporary file in the same folder, which then replaces ``path``
        in one step (``os.replace``): a crash mid-write never leaves a half-written file
        where a good one was.
        """
        path = os.fspath(path)
        state = self.state_dict()
        folder = os.path.dirname(os.path.abspath(path))
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=".npz")
        try:
            with os.fdopen(fd, "wb") as file:
                # mkstemp makes the file private (0600); give it the mode open() would.
                umask = os.umask(0)
                os.umask(umask)
                os.chmod(tmp, 0o666 & ~umask)
                np.savez(file, **state)  # type: ignore[arg-type]
                file.flush()
                os.fsync(file.fileno())
            os.replace(tmp, path)
        except BaseException:
            os.unlink(tmp)
            raise

    def load(self, path: str | os.PathLike[str]) -> Module:
        """Read a file written by ``save`` into this model (all or nothing); returns self.

        ``allow_pickle=False``: loading never runs code stored in the file.
        """
        try:
            with np.load(path, allow_pickle=False) as file:
                state = {name: file[name] for name in file.files}
        except FileNotFoundError:
            raise
        except (OSError, ValueError, EOFError, KeyError, zipfile.BadZipFile) as error:
            raise ValueError(
                f"{type(self).__name__}.load: {os.fspath(path)!r} is not a readable .npz file "
                f"written by save() (truncated or corrupt?): {error}"
            ) from None
        self.load_state_dict(state)
        return self


def _shape_dtype(param: Param) -> tuple[tuple[int, ...], np.dtype[Any]]:
    if isinstance(param, Tensor):
        return param.shape, param.dtype
    return (), np.dtype(np.float64)


def _check_state(
    state: dict[str, Any], expected: dict[str, tuple[tuple[int, ...], np.dtype[Any]]], model: Any
) -> dict[str, np.ndarray]:
    """The arrays of ``state`` once names, shapes and dtypes all match ``expected``."""
    where = f"{type(model).__name__}.load_state_dict"
    missing = [name for name in expected if name not in state]
    unexpected = [name for name in state if name not in expected]
    if missing or unexpected:
        raise ValueError(
            f"{where}: the names do not match this model (missing {missing}, "
            f"unexpected {unexpected}); was it saved from a different architecture?"
        )
    arrays = {}
    for name, (shape, dtype) in expected.items():
        array = np.asarray(state[name])
        if array.shape != shape:
            raise ValueError(
                f"{where}: {name!r} has shape {array.shape}, this model has {shape} "
                "(saved from a different architecture?)"
            )
        if array.dtype != dtype:
            raise ValueError(f"{where}: {name!r} has dtype {array.dtype}, this model has {dtype}")
        arrays[name] = array
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
        self.in_features = _check_size(in_features, "Linear in_features")
        self.out_features = _check_size(out_features, "Linear out_features")
        rng = np.random.default_rng(seed)
        W, b = init_weights(rng, self.in_features, self.out_features, init, bias)
        self.weight = Tensor(W.astype(dtype), requires_grad=True, label="weight")
        self.bias = None if b is None else Tensor(b.astype(dtype), requires_grad=True, label="bias")

    def forward(self, x: Any) -> Tensor:
        x = x if isinstance(x, Tensor) else Tensor(x)
        shape = x.data.shape
        if len(shape) not in (1, 2) or shape[-1] != self.in_features:
            raise ValueError(
                f"Linear: expected input of shape (N, {self.in_features}) or "
                f"({self.in_features},), got {x.shape}"
            )
        return _affine(x, self.weight, self.bias)  # x Wᵀ + b as one node

    def __repr__(self) -> str:
        bias = self.bias is not None
        return (
            f"Linear(in_features={self.in_features}, out_features={self.out_features}, bias={bias})"
        )


def _activate(x: Any, name: str) -> Any:
    """Apply the activation method ``name`` to a Tensor, a Value or a list of Values."""
    if isinstance(x, (Tensor, Value)):  # the common case first
        return getattr(x, name)()
    if isinstance(x, (list, tuple)):
        return [_activate(v, name) for v in x]
    return getattr(Tensor(x), name)()


class Activation(Module):
    """Any activation of the op table by name: ``Activation("tanh")`` is ``Tanh()``."""

    def __init__(self, name: str) -> None:
        self.name = ops.activation(name, "Activation").name

    def forward(self, x: Any) -> Any:
        return _activate(x, self.name)

    def __repr__(self) -> str:
        return f"Activation({self.name!r})"


class Sigmoid(Module):
    """f(net) = 1 / (1 + e^(−net)),  f′ = f (1 − f)."""

    def forward(self, x: Any) -> Any:
        return _activate(x, "sigmoid")


class Tanh(Module):
    """f(net) = tanh(net),  f′ = 1 − f²."""

    def forward(self, x: Any) -> Any:
        return _activate(x, "tanh")


class ReLU(Module):
    """f(net) = max(0, net),  f′ = 1 for net > 0, else 0."""

    def forward(self, x: Any) -> Any:
        return _activate(x, "relu")


class Identity(Module):
    """f(net) = net,  f′ = 1 — as a "linear" node of its own, so drawings show it."""

    def forward(self, x: Any) -> Any:
        return _activate(x, "linear")


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
            Value(float(w), label=weight_label(layer, unit, i + 1)) for i, w in enumerate(weights)
        ]
        self.b = None if bias is None else Value(float(bias), label=f"b{layer}_{unit}")
        self.activation = activation

    def forward(self, x: Sequence[Value]) -> Value:
        terms = [w_i * x_i for w_i, x_i in zip(self.w, x)]
        if self.b is not None:
            terms.append(self.b)
        net = sum_values(terms)  # one "+" node: net = Σ_i w_i x_i + b
        return _activate(net, self.activation)


class ValueLayer(Module):
    """A layer of Neurons: unit j gets row j of W and b[j]."""

    def __init__(self, W: np.ndarray, b: np.ndarray | None, activation: str, layer: int) -> None:
        self.neurons = [
            Neuron(W[j], None if b is None else b[j], activation, layer, j + 1)
            for j in range(W.shape[0])
        ]

    def forward(self, x: Sequence[Value]) -> list[Value]:
        return [neuron(x) for neuron in self.neurons]


# --- MLP: the notes' fully connected network, on either engine ---------------------------


class MLP(Module):
    """A fully connected network: ``sizes=[2, 3, 1]`` is the notes' 2-3-1 network.

    Every hidden layer uses ``hidden``, the last layer ``output`` (one of sigmoid, tanh,
    relu, linear). ``activations`` lists one name per layer, e.g. ``["sigmoid", "linear"]``.
    The same ``seed`` gives the same initial weights on both engines.
    """

    def __init__(
        self,
        sizes: Sequence[int],
        hidden: str = "sigmoid",
        output: str = "linear",
        bias: bool = True,
        engine: str = "tensor",
        seed: int | None = None,
        dtype: Any = np.float64,
    ) -> None:
        if isinstance(sizes, np.ndarray):
            sizes = sizes.tolist()
        if isinstance(sizes, (str, bytes)) or not isinstance(sizes, Sequence):
            raise ValueError(f"MLP: sizes must be a list of layer widths, got {sizes!r}")
        if len(sizes) < 2:
            raise ValueError(f"MLP: sizes needs at least two widths (in, out), got {list(sizes)}")
        for n in sizes:
            _check_size(n, f"MLP: every size in {list(sizes)}")
        for what, name in (("hidden", hidden), ("output", output)):
            if name not in ACTIVATIONS:
                raise ValueError(f"MLP: unknown {what} activation {name!r}, expected {ACTIVATIONS}")
        if engine not in ENGINES:
            raise ValueError(f"MLP: unknown engine {engine!r}, expected one of {ENGINES}")
        self.dtype = np.dtype(dtype)
        if engine == "value" and self.dtype != np.float64:
            raise ValueError(f"MLP: the value engine computes in float64, got dtype {self.dtype}")
        self.sizes = [int(n) for n in sizes]
        self.hidden, self.output = hidden, output
        self.activations = [hidden] * (len(sizes) - 2) + [output]
        self.bias = bool(bias)
        self.engine = engine

        rng = np.random.default_rng(seed)
        self.layers: list[Any] = []
        for l, (n_in, n_out, act) in enumerate(zip(sizes, sizes[1:], self.activations), 1):
            init = ops.OPS[act].init  # "he" for the ReLU family, else "xavier"
            layer: Linear | ValueLayer
            if engine == "tensor":
                layer = Linear(n_in, n_out, self.bias, seed=rng, init=init, dtype=self.dtype)
                layer.weight.label = f"W{l}"
                if layer.bias is not None:
                    layer.bias.label = f"b{l}"
            else:
                W, b = init_weights(rng, n_in, n_out, init, self.bias)
                layer = ValueLayer(W, b, act, l)
            self.layers.append(layer)

    def named_parameters(self) -> list[tuple[str, Param]]:
        """Tensor engine: "layers.0.weight", "layers.0.bias", …; value engine: the labels."""
        if self.engine == "value":
            return [(param.label, param) for param in self._value_parameters()]
        return super().named_parameters()

    def _value_parameters(self) -> Iterator[Value]:
        for layer in self.layers:
            for neuron in layer.neurons:
                yield from neuron.w
                if neuron.b is not None:
                    yield neuron.b

    def forward(self, x: Any) -> Any:
        if self.engine == "value":
            return self._forward_values(x)
        return self._forward_tensor(x)

    def _forward_tensor(self, x: Any) -> Tensor:
        x = x if isinstance(x, Tensor) else Tensor(x)
        n_in, shape = self.sizes[0], x.data.shape
        if len(shape) not in (1, 2) or shape[-1] != n_in:
            raise ValueError(
                f"MLP: expected input of shape (N, {n_in}) or ({n_in},), got {x.shape}"
            )
        # x fits the first layer and each layer the next, so the layers' own checks of the
        # input are skipped: net = x Wᵀ + b, then e.g. net.sigmoid()
        for layer, activation in zip(self.layers, self.activations):
            x = getattr(_affine(x, layer.weight, layer.bias), activation)()
        return x

    def _forward_values(self, x: Any) -> list[Value]:
        n_in = self.sizes[0]
        if isinstance(x, Tensor) or np.ndim(x) != 1 or len(x) != n_in:
            shape = x.shape if isinstance(x, Tensor) else np.shape(x)
            raise ValueError(
                f"MLP (value engine): expected one sample of shape ({n_in},) "
                f"(a sequence of {n_in} numbers or Values), got shape {shape}"
            )
        out = [v if isinstance(v, Value) else Value(v, label=f"x{i}") for i, v in enumerate(x, 1)]
        for layer in self.layers:
            out = layer(out)
        return out

    # --- weights as numpy arrays, the same layout for both engines ----------------------

    def get_weights(self) -> Weights:
        """[(W, b), …] per layer: copies, W of shape (out, in), b of shape (out,) or None."""
        if self.engine == "tensor":
            return [
                (layer.weight.data.copy(), None if layer.bias is None else layer.bias.data.copy())
                for layer in self.layers
            ]
        weights: Weights = []
        for layer in self.layers:
            W = np.array([[w.data for w in neuron.w] for neuron in layer.neurons])
            b = np.array([neuron.b.data for neuron in layer.neurons]) if self.bias else None
            weights.append((W, b))
        return weights

    def set_weights(self, weights: Sequence[tuple[Any, Any]]) -> None:
        """Load a ``get_weights()``-style list; all of it is checked before anything changes."""
        checked = self._check_weights(weights)
        for layer, (W, b) in zip(self.layers, checked):
            if self.engine == "tensor":
                layer.weight.data[...] = W
                if b is not None:
                    layer.bias.data[...] = b
                continue
            for j, neuron in enumerate(layer.neurons):
                for i, w in enumerate(neuron.w):
                    w.data = float(W[j, i])
                if b is not None:
                    neuron.b.data = float(b[j])

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
            W = _real_array(pair[0], f"MLP.set_weights: W of layer {l}")
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
                b = _real_array(b, f"MLP.set_weights: b of layer {l}")
                if b.shape != (n_out,):
                    raise ValueError(
                        f"MLP.set_weights: b of layer {l} must have shape ({n_out},), got {b.shape}"
                    )
            checked.append((W, b))
        return checked

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


def _real_array(data: Any, what: str) -> np.ndarray:
    """A float64 copy of ``data``, or a TypeError naming what was wrong."""
    if isinstance(data, Tensor):
        data = data.data
    try:
        array = np.asarray(data)
    except ValueError as error:  # e.g. ragged nested lists
        raise ValueError(f"{what}: cannot make an array of {data!r}: {error}") from None
    if array.dtype.kind not in "fiu":
        raise TypeError(f"{what}: expected real numbers, got dtype {array.dtype}")
    return array.astype(np.float64)
