"""The op table: every op and activation described once.

A row (:class:`Op`) carries what a reader, a drawing or a page needs to know about an op:

- ``name``: the op's name, as a node's ``.op`` holds it and the CLI's choices list it;
- ``derivatives``: ∂out/∂parent for each parent in the notes' form, as text;
- ``edges``: what the incoming gradient g becomes for each parent (the vector-Jacobian
  product), as ``viz`` writes it on the arrows of a Tensor graph (a, b the op's inputs,
  y its result);

and an *activation* (an op that ends a neuron) is its row, whole:

- ``forward`` and ``derivative``: f(net) and f′ on NumPy arrays (the Tensor engine and
  ``rules``); ``float_forward`` and ``float_derivative``: the same on Python floats (the
  Value engine). f′ takes (net, O) and is written with the output O = f(net) where the
  notes write it so (sigmoid O (1 − O), tanh 1 − O²);
- ``chain``: how the gradient g from above passes through f′ (:class:`Chain`): a product,
  a switch (relu: g or exactly 0) or, for the identity, g itself;
- ``formula``, ``derivative_text`` and ``derivative_numbers``: the narration of the
  step-through page ("{O}" and "{net}" are filled in with a unit's names or numbers);
- ``bounds``: the outputs f approaches where f′ → 0, which the diagnostics count as
  saturated (None: f′ stays away from 0);
- ``init``: the weight initialisation that suits it ("he" for the ReLU family);
- ``layer_wide``: f of one unit reads the net of every unit of its layer (softmax); such an
  activation ends the output layer only, and its f′ is a Jacobian, not one number per unit;
- ``torch``: its ``torch.nn`` module with the arguments that make it the same function
  (:class:`TorchModule`; None: not bridged).

Both engines build their activation methods (``Value.sigmoid``, ``Tensor.relu``, …) from
the rows, and everything else — ``nn``'s modules, ``rules``, ``compare``, the diagnostics,
``viz``, the stepper, the CLI and the bridge to PyTorch — reads them here. Adding an
activation is one row below (docs/adding-an-op.md).
"""

from __future__ import annotations

import enum
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

ArrayFn = Callable[[np.ndarray], np.ndarray]
DerivativeFn = Callable[[np.ndarray, np.ndarray], np.ndarray]  # f′(net, out)
FloatFn = Callable[[float], float]
FloatDerivativeFn = Callable[[float, float], float]  # f′(net, out) on floats


class Chain(enum.Enum):
    """How an activation's node turns the gradient g of its output into its net's, g · f′."""

    PRODUCT = "g · f′(net)"
    # f′ is 1 or 0 (relu): g where f′ is 1, exactly 0 where it is 0 (a dead unit passes back
    # 0 even for an inf or NaN g, where 0 · inf would be NaN), as PyTorch's relu does
    SWITCH = "g where f′(net) = 1, else exactly 0"
    IDENTITY = "g"  # f is the identity (linear): g passes on unchanged, nothing copied


@dataclass(frozen=True)
class TorchModule:
    """A ``torch.nn`` module: its class name, the keyword arguments ``to_torch`` makes it
    with, and the attribute values ``from_torch`` accepts (for each attribute, the values
    that make it this activation)."""

    name: str
    args: tuple[tuple[str, Any], ...] = ()
    accepts: tuple[tuple[str, tuple[Any, ...]], ...] = ()

    def __str__(self) -> str:
        return f"{self.name}({', '.join(f'{k}={v!r}' for k, v in self.args)})"


def torch_module(name: str, accepts: dict[str, tuple[Any, ...]] | None = None, **args: Any) -> Any:
    """``TorchModule(name, args)``; an argument is accepted back with its own value only,
    unless ``accepts`` lists the values (also of attributes left at PyTorch's default)."""
    accepted = {key: (value,) for key, value in args.items()} | (accepts or {})
    return TorchModule(name, tuple(args.items()), tuple(accepted.items()))


@dataclass(frozen=True)
class Op:
    """One op of the engines; the fields after ``edges`` are set for activations only."""

    name: str
    derivatives: tuple[str, ...]  # ∂out/∂parent per parent, as the notes write it
    edges: tuple[str, ...]  # the VJP per parent: what g becomes (viz's arrow labels)
    forward: ArrayFn | None = None  # O = f(net) on an array
    derivative: DerivativeFn | None = None  # f′(net, O) on arrays, in the notes' form
    float_forward: FloatFn | None = None  # O = f(net) on a float (the Value engine)
    float_derivative: FloatDerivativeFn | None = None  # f′(net, O) on floats
    chain: Chain = Chain.PRODUCT  # how g passes through f′ (see Chain)
    formula: str = ""  # f(net) as the page writes it
    derivative_text: str = ""  # f′ with "{O}" (output) and "{net}" (net input) to fill in
    derivative_numbers: str | None = None  # f′ with numbers filled in; None: show f′'s value
    bounds: tuple[float, float] | None = None  # outputs where f′ → 0 (saturation); None: none
    init: str = "xavier"  # the weight initialisation that suits the activation
    layer_wide: bool = False  # f reads the whole layer's net (softmax): an output only
    torch: TorchModule | None = None  # its torch.nn module, for MLP.to_torch / from_torch

    @property
    def is_activation(self) -> bool:
        return self.forward is not None


# --- the activations on arrays ----------------------------------------------------------


def like(value: float, x: Any) -> Any:
    """``value`` as an operand for the float array ``x``: a read-only 0-d array of x's dtype.

    It gives exactly what the Python number gives (NumPy casts the number to the array's
    dtype), but NumPy works out a Python number's dtype anew at every call: on the small
    arrays of a 2-16-16-1 network ``g * like(lr, g)`` costs about a third less than
    ``lr * g`` (docs/performance.md). Anything but a float array or NumPy float gets the
    number itself back.
    """
    if type(x) is float:  # a Value's gradient: no exception raised and caught per call
        return value
    try:  # two dict look-ups once the constant exists
        return _CONSTANTS[x.dtype][value]
    except (AttributeError, KeyError):
        return _new_constant(value, x)


# dtype -> value -> the constant (or the number itself, for a dtype that is not a float)
_CONSTANTS: dict[Any, dict[float, Any]] = {}


def _new_constant(value: float, x: Any) -> Any:
    dtype = getattr(x, "dtype", None)
    if dtype is None:  # a Python number, a list: the number as it is
        return value
    constants = _CONSTANTS.setdefault(dtype, {})
    if len(constants) > 64:  # many learning rates (a schedule): start again
        constants.clear()
    constant: Any
    if dtype.kind == "f":
        constant = np.array(value, dtype=dtype)
        constant.flags.writeable = False
    else:  # e.g. an integer array, which the number itself turns into floats
        constant = value
    constants[value] = constant
    return constant


def _sigmoid(net: np.ndarray) -> np.ndarray:
    # σ(net) = ½ tanh(½ net) + ½: the same function as 1 / (1 + e^(−net)), but tanh never
    # overflows and needs no branch on the sign of net. Four numpy calls (the two-branch form
    # took eight), the last three in place; accurate to an ulp of 1 (docs/numerics.md).
    half = like(0.5, net)
    s: Any = net * half
    if type(s) is np.ndarray:
        np.tanh(s, out=s)  # in place: one new array for the whole activation
    else:  # a NumPy scalar (from a 0-d net), which cannot be written into
        s = np.tanh(s)
    s *= half
    s += half
    return s


def _sigmoid_float(net: float) -> float:
    # 1 / (1 + e^(−net)) with e^x of a non-positive x only, so it never overflows, and
    # accurate to an ulp of σ itself (the array form's tanh is accurate to an ulp of 1)
    if net >= 0.0:
        return 1.0 / (1.0 + math.exp(-net))
    e = math.exp(net)
    return e / (1.0 + e)


def _sigmoid_prime(net: Any, out: Any) -> Any:
    d = like(1.0, out) - out  # σ′ = σ (1 − σ) = O (1 − O), on arrays and floats alike
    d *= out  # (in place for an array: d is new)
    return d


def _tanh_prime(net: Any, out: Any) -> Any:
    return like(1.0, out) - out * out  # tanh′ = 1 − tanh² = 1 − O², arrays and floats


def _silu_prime(sigmoid: Callable[[Any], Any]) -> Callable[[Any, Any], Any]:
    """silu′(net) = σ + net σ (1 − σ) = σ (1 + net (1 − σ)), with ``sigmoid`` the row's σ on
    arrays or on floats. Stable: at net = ±1e300, 1 − σ or σ is exactly 0 and nothing
    overflows (σ + O (1 − σ), with the output, would lose everything to 1e300 − 1e300)."""

    def f_prime(net: Any, out: Any) -> Any:
        s = sigmoid(net)
        return s * (1 + net * (1 - s))

    return f_prime


_GELU_A, _GELU_B = math.sqrt(2.0 / math.pi), 0.044715  # u = a (net + b net³), PyTorch's


def _gelu(
    sigmoid: Callable[[Any], Any], clip: Callable[[Any], Any]
) -> tuple[Callable[[Any], Any], Callable[[Any, Any], Any]]:
    """PyTorch's tanh approximation of GELU and its f′, with ``sigmoid`` the row's σ and
    ``clip`` a clip to [−30, 30], on arrays or on floats.

    gelu(net) = ½ net (1 + tanh u) = net σ(2u), u = a (net + b net³), and
    gelu′ = σ(2u) + net σ(2u) (1 − σ(2u)) 2u′ = σ(2u) (1 + net (1 − σ(2u)) 2u′),
    2u′ = 2a (1 + 3b net²). Beyond |net| = 30, σ(2u) is exactly 0 or 1 in float64 and
    float32 alike, so u is computed from the clipped net: net³ never overflows (PyTorch's
    own f′ is NaN at ±1e300, where 0 · ∞ meets), and at ±1e300 f′ is exactly 1 or 0.
    """

    def two_u(c: Any) -> Any:
        return (2 * _GELU_A) * c * (1 + _GELU_B * c * c)

    def f(net: Any) -> Any:
        return net * sigmoid(two_u(clip(net)))

    def f_prime(net: Any, out: Any) -> Any:
        c = clip(net)
        s = sigmoid(two_u(c))
        return s * (1 + net * (1 - s) * ((2 * _GELU_A) * (1 + (3 * _GELU_B) * c * c)))

    return f, f_prime


_GELU_ARRAYS = _gelu(_sigmoid, lambda net: np.clip(net, -30.0, 30.0))
_GELU_FLOATS = _gelu(_sigmoid_float, lambda net: min(max(net, -30.0), 30.0))


def log_softmax(net: np.ndarray) -> np.ndarray:
    """log O_k = net_k − log Σ_j e^(net_j) along the last axis, by log-sum-exp.

    Subtracting the row's largest net first changes nothing (the factor e^(−max) cancels)
    but keeps every exponent ≤ 0, so e^x cannot overflow and the largest term is exactly 1,
    so the sum cannot underflow to 0 and its log is finite: stable for nets of ±1e4.
    """
    shifted = net - np.max(net, axis=-1, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=-1, keepdims=True))


def softmax(net: np.ndarray) -> np.ndarray:
    """O_k = e^(net_k) / Σ_j e^(net_j) along the last axis, stable (the row max subtracted)."""
    e = np.exp(net - np.max(net, axis=-1, keepdims=True))  # every exponent ≤ 0
    return e / np.sum(e, axis=-1, keepdims=True)


TABLE: tuple[Op, ...] = (
    # --- activations: the ops that end a neuron --------------------------------------
    Op(
        "sigmoid",
        ("O (1 − O)",),
        ("g·y(1−y)",),
        forward=_sigmoid,
        derivative=_sigmoid_prime,
        float_forward=_sigmoid_float,
        float_derivative=_sigmoid_prime,
        formula="σ(net) = 1 / (1 + e^(−net))",
        derivative_text="{O} (1 − {O})",
        derivative_numbers="{O} · (1 − {O})",
        bounds=(0.0, 1.0),
        torch=torch_module("Sigmoid"),
    ),
    Op(
        "tanh",
        ("1 − O²",),
        ("g·(1−y²)",),
        forward=np.tanh,
        derivative=_tanh_prime,
        float_forward=math.tanh,
        float_derivative=_tanh_prime,
        formula="tanh(net)",
        derivative_text="(1 − {O}²)",
        derivative_numbers="(1 − {O}²)",
        bounds=(-1.0, 1.0),
        torch=torch_module("Tanh"),
    ),
    Op(
        "relu",
        ("[net > 0]",),
        ("g·[a>0]",),
        forward=lambda net: np.maximum(net, 0),  # (a NaN stays NaN, as in PyTorch)
        # [net > 0] as "not net ≤ 0": a NaN net passes its gradient on, as in PyTorch; a
        # mask of booleans, which the switch multiplies g by without a copy into floats
        derivative=lambda net, out: ~(net <= 0),
        float_forward=lambda net: 0.0 if net <= 0.0 else net,
        float_derivative=lambda net, out: 0.0 if net <= 0.0 else 1.0,
        chain=Chain.SWITCH,  # 0 at the kink, as PyTorch
        formula="max(0, net)",
        derivative_text="[{net} > 0]",
        bounds=(0.0, math.inf),  # a switch: the units at 0 for every sample are dead
        init="he",
        torch=torch_module("ReLU"),
    ),
    Op(
        "linear",  # the notes' "purelin": the identity as a node of its own
        ("1",),
        ("g",),
        forward=lambda net: net,  # the same array: nothing copied
        derivative=lambda net, out: np.ones_like(out),  # f′ = 1
        float_forward=lambda net: net,
        float_derivative=lambda net, out: 1.0,
        chain=Chain.IDENTITY,
        formula="net (linear)",
        derivative_text="1",
        derivative_numbers="1",
        torch=torch_module("Identity"),  # the identity needs no module: to_torch writes none
    ),
    Op(
        "softplus",  # a smooth relu
        ("1 − e^(−O)",),
        ("g·(1−e^(−y))",),
        forward=lambda net: np.logaddexp(0, net),  # ln(1 + e^net), stable at any net
        derivative=lambda net, out: -np.expm1(-out),  # softplus′ = σ(net) = 1 − e^(−O)
        # ln(1 + e^net) as max(net, 0) + ln(1 + e^(−|net|)): e^x of x ≤ 0 only
        float_forward=lambda net: max(net, 0.0) + math.log1p(math.exp(-abs(net))),
        float_derivative=lambda net, out: -math.expm1(-out),
        formula="ln(1 + e^net)",
        derivative_text="(1 − e^(−{O}))",
        derivative_numbers="(1 − e^(−{O}))",
        bounds=(0.0, math.inf),  # f′ = 1 − e^(−O) → 0 as O → 0
        # PyTorch's defaults; above net = 20 it returns net itself (ours differs by < 3e-9)
        torch=torch_module("Softplus", accepts={"beta": (1.0,), "threshold": (20.0,)}),
    ),
    Op(
        "leaky_relu",  # slope 0.01 below 0, PyTorch's default
        ("1 if net > 0, else 0.01",),
        ("g·(1 or 0.01)",),
        forward=lambda net: np.where(net > 0, net, 0.01 * net),
        derivative=lambda net, out: np.where(net > 0, 1.0, 0.01).astype(net.dtype),
        float_forward=lambda net: net if net > 0.0 else 0.01 * net,
        float_derivative=lambda net, out: 1.0 if net > 0.0 else 0.01,
        formula="net if net > 0, else 0.01 net",
        derivative_text="(1 if {net} > 0, else 0.01)",
        init="he",
        torch=torch_module("LeakyReLU", negative_slope=0.01),
    ),
    Op(
        "silu",  # net · σ(net), also called swish: a smooth relu that dips below 0
        ("σ(net) (1 + net (1 − σ(net)))",),
        ("g·σ(a)(1+a(1−σ(a)))",),
        forward=lambda net: net * _sigmoid(net),
        derivative=_silu_prime(_sigmoid),
        float_forward=lambda net: net * _sigmoid_float(net),
        float_derivative=_silu_prime(_sigmoid_float),
        formula="net · σ(net)",
        derivative_text="σ({net}) (1 + {net} (1 − σ({net})))",
        # f′ → 0 as net → −∞, where O → 0 (from below); a net within about ±0.002 of 0 has
        # an output that near 0 too, though f′ ≈ ½ there (rare among a layer's nets)
        bounds=(0.0, math.inf),
        init="he",
        torch=torch_module("SiLU"),
    ),
    Op(
        "gelu",  # PyTorch's tanh approximation of net · Φ(net): net σ(2u)
        ("σ(2u) (1 + 2 net (1 − σ(2u)) u′)",),  # u = √(2/π) (net + 0.044715 net³)
        ("g·gelu′(a)",),
        forward=_GELU_ARRAYS[0],
        derivative=_GELU_ARRAYS[1],
        float_forward=_GELU_FLOATS[0],
        float_derivative=_GELU_FLOATS[1],
        formula="½ net (1 + tanh u), u = √(2/π) (net + 0.044715 net³)",
        derivative_text="σ(2u) (1 + 2 {net} (1 − σ(2u)) u′)",
        bounds=(0.0, math.inf),  # as silu: f′ → 0 as net → −∞, where O → 0
        init="he",
        torch=torch_module("GELU", approximate="tanh"),
    ),
    # --- a layer-wide activation: each O_k reads the net of every unit of the layer --------
    Op(
        "softmax",
        ("O_k (δ_kj − O_j)",),  # ∂O_k/∂net_j: the Jacobian, δ_kj = 1 if k = j else 0
        ("O⊙(g − Σ g·O)",),
        forward=softmax,
        formula="softmax(net)_k = e^(net_k) / Σ_j e^(net_j)",
        derivative_text="{O}_k (δ_kj − {O}_j)",
        layer_wide=True,
        # over the units of a layer: the last axis, which is axis 1 of an MLP's (N, units)
        torch=torch_module("Softmax", accepts={"dim": (-1, 1)}, dim=-1),
    ),
    # --- the other ops of the engines ------------------------------------------------
    Op("log_softmax", ("δ_kj − O_j",), ("g − O·Σ g",)),
    Op("+", ("1", "1"), ("g", "g")),
    Op("-", ("1", "−1"), ("g", "−g")),
    Op("*", ("b", "a"), ("g·b", "g·a")),
    Op("/", ("1/b", "−a/b²"), ("g/b", "−g·a/b²")),
    Op("**", ("b·aᵇ⁻¹", "aᵇ·ln a"), ("g·b·aᵇ⁻¹", "g·aᵇ·ln a")),
    Op("**n", ("n·aⁿ⁻¹",), ("g·n·aⁿ⁻¹",)),  # a number exponent; the node's op is "**2" etc.
    Op("neg", ("−1",), ("−g",)),
    Op("exp", ("eᵃ",), ("g·eᵃ",)),
    Op("log", ("1/a",), ("g/a",)),
    Op("@", ("Bᵀ", "Aᵀ"), ("g·Bᵀ", "Aᵀ·g")),
    Op("@ᵀ", ("W", "x"), ("g·W", "gᵀ·x")),  # x Wᵀ as one node (nn.Linear without bias)
    Op("@ᵀ+b", ("W", "x", "1"), ("g·W", "gᵀ·x", "Σ g")),  # x Wᵀ + b as one node
    Op("sum", ("1",), ("g spread out",)),
    Op("reshape", ("1",), ("g reshaped back",)),
    Op("transpose", ("1",), ("gᵀ",)),
    Op("getitem", ("1",), ("g scattered back",)),
    Op("mse", ("2c(O−t)", "−2c(O−t)"), ("g·2c(O−t)", "−g·2c(O−t)")),  # viz shows c's value
    # E = −c Σ t log O with O = softmax(net), on the nets: δ = ∂E/∂net = c (O − t)
    Op("cross_entropy", ("c(O−t)",), ("g·c(O−t)",)),
)

OPS: dict[str, Op] = {op.name: op for op in TABLE}
# The identity: a layer without an activation (as PyTorch writes a linear layer) has it.
IDENTITY: Op = next(op for op in TABLE if op.chain is Chain.IDENTITY)
# The activations of one unit, in the table's order: what nn.MLP, rules and --hidden/--output
# accept for any layer.
ACTIVATIONS: tuple[str, ...] = tuple(
    op.name for op in TABLE if op.is_activation and not op.layer_wide
)
# What the output layer may use besides: the layer-wide activations (softmax).
OUTPUT_ACTIVATIONS: tuple[str, ...] = tuple(op.name for op in TABLE if op.is_activation)


def op_of(name: str) -> Op:
    """The row of a node's op: "**2" finds the row "**n"; KeyError for an unknown op."""
    if name.startswith("**") and name != "**":
        return OPS["**n"]
    return OPS[name]


def install_activations(engine: type, method_of: Callable[[Op], Callable[..., Any]]) -> None:
    """Give an engine's node class one method per activation of one unit, ``method_of(row)``,
    named and documented from its row: how ``Value.sigmoid`` and ``Tensor.relu`` are made."""
    for op in TABLE:
        if op.is_activation and not op.layer_wide:
            method = method_of(op)
            method.__name__ = method.__qualname__ = op.name
            method.__doc__ = f"O = {op.formula}, as a {op.name!r} node; f′ = {op.derivatives[0]}."
            setattr(engine, op.name, method)


def activation(name: str, where: str = "activation") -> Op:
    """The row of the activation ``name`` (softmax included), or a ValueError listing them."""
    op = OPS.get(name) if isinstance(name, str) else None
    if op is None or not op.is_activation:
        raise ValueError(
            f"{where}: unknown activation {name!r}, expected one of {OUTPUT_ACTIVATIONS}"
        )
    return op
