"""Tensor: an n-d NumPy array that remembers how it was computed.

Each op computes its result and, right beside it, one small function per parent that turns
the gradient of the result ``g`` into the gradient for that parent (a vector-Jacobian
product): for ``a * b`` these are ``g * b`` and ``g * a``. The backward walk calls them and
adds each result into the parent's ``.grad``. Where NumPy broadcast an operand, its function
also sums the gradient back to the operand's shape (``unbroadcast``).

The functions close over the parents' arrays, never over the result itself, so the graph
has no reference cycles and is freed as soon as the user drops the result.
"""

from __future__ import annotations

import functools
import math
import numbers
import operator
import warnings
from collections.abc import Callable, Iterable, Sequence
from typing import Any, Union

import numpy as np

from . import checks, graph, ops
from .checks import as_float

Grad = Callable[[np.ndarray], np.ndarray]
Operand = Union["Tensor", np.ndarray, float, int]
Shape = Union[int, Sequence[int]]


def _shape_of(shape: tuple[Any, ...]) -> tuple[int, ...]:
    """``f(2, 3)`` and ``f((2, 3))`` alike, as NumPy and PyTorch accept both."""
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    try:  # operator.index: 2 and np.int64(2) pass, 2.5 is refused rather than truncated
        return tuple(operator.index(n) for n in shape)
    except TypeError:
        raise TypeError(f"Tensor: a shape must be integers, got {shape!r}") from None


def _new_shape(shape: tuple[Any, ...]) -> tuple[int, ...]:
    """The shape of a new tensor (zeros, ones, randn): integers ≥ 0."""
    dims = _shape_of(shape)
    if any(n < 0 for n in dims):
        raise ValueError(f"Tensor: a new tensor's shape cannot be negative, got {dims}")
    return dims


def unbroadcast(grad: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Sum ``grad`` down to ``shape``: the gradient of NumPy broadcasting.

    A value broadcast along an axis was used once per position on that axis, so its
    gradient is the sum over that axis (over prepended axes, and over size-1 axes).
    """
    if grad.shape == shape:
        return grad
    if grad.shape[1:] == shape:  # one prepended axis, as a bias added to a batch
        return grad.sum(axis=0)
    grad = grad.sum(axis=tuple(range(grad.ndim - len(shape))))
    stretched = tuple(i for i, n in enumerate(shape) if n == 1 and grad.shape[i] != 1)
    return grad.sum(axis=stretched, keepdims=True) if stretched else grad


def _identity(g: np.ndarray) -> np.ndarray:
    """g ↦ g: the gradient function of ``+`` (both operands) and ``linear`` (∂out/∂in = 1).

    One shared function rather than a new ``lambda g: g`` per op: a node then holds no new
    function object for the cyclic garbage collector to walk (docs/performance.md).
    """
    return g


def _chain(f_prime: ops.DerivativeFn, net: np.ndarray, out: np.ndarray, g: np.ndarray) -> Any:
    """g ⊙ f′(net, O): the chain rule for an activation, f′ being ∂out/∂net.

    f′ returns a new array, so g is multiplied into it in place: the notes' δ = g ⊙ f′(net)
    without a third array (as the hand-written ``delta *= f_prime``). An activation's
    gradient function is ``functools.partial(_chain, f_prime, net, out)``: one object per
    node and one Python call per backward, where a lambda around this was two of each.
    """
    local = f_prime(net, out)
    local *= g
    return local


def _select(f_prime: ops.DerivativeFn, net: np.ndarray, out: np.ndarray, g: np.ndarray) -> Any:
    """g where f′(net, O) is 1 and exactly 0 where it is 0: the chain rule through a switch.

    A dead relu unit passes back 0 whatever comes from above, even inf or NaN (as PyTorch's
    relu). While g is finite, g · f′ is that (f′ a mask of booleans: no copy into floats);
    only an inf or NaN in g needs np.where (which costs about twice the product, and
    0 · inf would be NaN with a warning).
    """
    on = f_prime(net, out)
    if np.isfinite(g).all():
        return g * on
    return np.where(on, g, 0)


def _power_slope(a: np.ndarray, n: Any, out: np.ndarray) -> Any:
    """n a^(n−1), the derivative of a^n, where ``out`` is a^n.

    For |n| < 1 at a tiny a, a^(n−1) overflows where n a^(n−1) is finite (n = −0.01 at
    a = 1e-306: 1e309 · 0.01): there it is n a^n / a, from the forward's a^n.
    """
    if np.all(np.abs(n) >= 1):  # then |n a^(n−1)| ≥ |a^(n−1)|: its overflow is the derivative's
        return n * a ** (n - 1)  # (grouped as PyTorch does)
    with np.errstate(over="ignore"):
        slope = n * a ** (n - 1)
    beyond = np.isinf(slope) & np.isfinite(out) & (a != 0)
    return np.where(beyond, n * out / np.where(beyond, a, 1), slope) if beyond.any() else slope


def _pow_grad_base(g: np.ndarray, a: np.ndarray, b: np.ndarray, out: Any) -> np.ndarray:
    """g · b a^(b-1), exactly 0 where b = 0 (a^0 = 1 does not depend on a), as PyTorch."""
    with np.errstate(divide="ignore", invalid="ignore"):  # 0^(-1) = inf, then selected away
        return np.where(b == 0, 0, g * _power_slope(a, b, out))


def _pow_grad_exponent(g: np.ndarray, a: np.ndarray, b: np.ndarray, out: Any) -> np.ndarray:
    """g · a^b ln a, with 0 where a = 0 and b ≥ 0 (0^b is constant there), as PyTorch."""
    with np.errstate(divide="ignore", invalid="ignore"):  # ln 0 = -inf, then selected away
        return g * np.where((a == 0) & (b >= 0), 0, out * np.log(a))


def _own_if_leaf(grad: np.ndarray, g: np.ndarray, parent: Tensor) -> np.ndarray:
    """``grad`` for ``parent``, copied if parent is a leaf and grad is g or a view of it.

    "+", "-", reshape, transpose and a one-sample bias pass their gradient g on unchanged
    (or as a view), so the same memory could reach two leaves: ``w_a.grad is w_b.grad``
    after ``x @ (w_a + w_b)``. A leaf's gradient is its own array, as in PyTorch. An array
    an op computed afresh (g · b, g @ W, a sum) goes to one parent only: it is kept as it
    is, so the common case copies nothing.
    """
    if parent.parents or not (
        grad is g or (grad.base is not None and (grad.base is g or grad.base is g.base))
    ):
        return grad
    return grad.copy()


def _summed_back_to(shape: tuple[int, ...], grad_fn: Grad) -> Grad:
    """``grad_fn`` followed by summing its result back to ``shape`` (see ``unbroadcast``)."""
    return lambda g: unbroadcast(grad_fn(g), shape)


def _product_in_layout(x: np.ndarray, y: np.ndarray, like: np.ndarray) -> np.ndarray:
    """``x @ y``, laid out in memory as ``like`` is (the operand whose gradient this is).

    In ``x @ W.T`` the operand ``W.T`` is a transposed view of W. Computing its gradient
    as (yᵀ xᵀ)ᵀ — the same BLAS call as x @ y — gives it W's own layout, so W's gradient
    needs no transposing copy and W -= lr · dW reads memory in order.
    """
    transposed = like.flags.f_contiguous and not like.flags.c_contiguous
    if transposed and x.ndim == 2 and y.ndim == 2:
        return (y.T @ x.T).T
    return x @ y


class Scatter:
    """The gradient function of ``t[index]``: g added into zeros of t's shape at ``index``.

    An object rather than a closure, so that the index stays readable: ``cross_entropy_loss``
    selects the same rows of a softmax's nets as ``pred`` selects of its output.
    """

    __slots__ = ("shape", "dtype", "index")

    def __init__(self, shape: tuple[int, ...], dtype: np.dtype[Any], index: Any) -> None:
        self.shape, self.dtype, self.index = shape, dtype, index

    def __call__(self, g: np.ndarray) -> np.ndarray:
        full = np.zeros(self.shape, dtype=self.dtype)
        np.add.at(full, self.index, g)  # add.at: an element picked twice gets both gradients
        return full


# object.__new__ under a name of its own: looking ``__new__`` up on the class each time costs
# more than the rest of making a node
_new = object.__new__


class Tensor(graph.Node):
    """An n-d array node. ``data`` is an ndarray, ``grad`` an ndarray of the same shape or None."""

    # own_grads: every gradient function gives its parent a new array of the parent's dtype,
    # as checked when the op ran (affine's), so the walk keeps each without checking it
    __slots__ = ("requires_grad", "grad_fns", "own_grads")
    # Make NumPy hand `array * tensor` over to Tensor.__rmul__.
    __array_ufunc__ = None

    def __init__(self, data: Any, requires_grad: bool = False, label: str = "") -> None:
        self.data = checks.float_array(data, requires_grad=requires_grad)
        self.grad: np.ndarray | None = None
        self.requires_grad = bool(requires_grad)
        self.parents: tuple[Tensor, ...] = ()
        self.op = ""
        self.label = label if type(label) is str else graph.checked_label(label, "Tensor")
        self.grad_fns: tuple[Grad, ...] = ()
        self.own_grads = False

    @staticmethod
    def from_op(data: np.ndarray, parents: tuple[Tensor, ...], op: str, *grad_fns: Grad) -> Tensor:
        """A new node made by ``op``: how every op of this engine, and yours, makes its result.

        ``data`` is the result's array; ``grad_fns`` holds, for each parent, the function
        g ↦ that parent's gradient (the vector-Jacobian product, already in the parent's
        shape), e.g. for y = a * b: ``Tensor.from_op(a.data * b.data, (a, b), "*",
        lambda g: g * b.data, lambda g: g * a.data)``. It records its parents only if a
        gradient can flow (outside ``no_grad``, some parent requiring grad). See
        docs/adding-an-op.md.
        """
        out = _new(Tensor)
        out.data = data
        out.grad = None
        out.op = op
        out.label = ""
        out.own_grads = False
        if graph.grad_everywhere or graph.modes.grad_enabled:
            for parent in parents:  # a loop rather than any(...): no generator made per op
                if parent.requires_grad:
                    out.requires_grad, out.parents, out.grad_fns = True, parents, grad_fns
                    break
            else:
                out.requires_grad, out.parents, out.grad_fns = False, (), ()
        else:
            out.requires_grad, out.parents, out.grad_fns = False, (), ()
        if graph.observing_somewhere and graph.modes.observers:  # one flag check when off
            for observer in graph.modes.observers:
                observer.on_op(out, parents)
        return out

    # --- the walk's protocol (graph.Node) ---------------------------------------------

    def _zero_grad_value(self) -> None:
        return None

    def clear_grad(self) -> None:
        self.grad = None  # (what the graph core's clear_grad does, one call shorter per step)

    def _accumulate(self, grad: np.ndarray) -> None:
        dtype = self.data.dtype
        # e.g. a float64 gradient for a float32 tensor ("is" first: numpy shares one dtype
        # object per type, so the common case skips the slower comparison)
        if grad.dtype is not dtype and grad.dtype != dtype:
            grad = grad.astype(dtype)
        if self.grad is None:
            # Kept without a copy (a weight's gradient is as big as the weight). An op node's
            # may be shared with another node's ("+" passes its gradient on unchanged); a
            # leaf's never is (_own_if_leaf), and it must be writable for the user: a
            # read-only one (a view from sum, or the half-sum loss's O − t) is copied.
            # (A NumPy scalar, which a 0-d op gives, is read-only too: np.array makes it a
            # 0-d ndarray, as a 0-d leaf's gradient is in NumPy's and PyTorch's terms.)
            if not self.parents and not grad.flags.writeable:
                grad = np.array(grad)
            self.grad = grad
        else:
            # A new array, never +=, since the first one may be shared with another node
            # (asarray: the sum of two 0-d arrays is a NumPy scalar).
            total = self.grad + grad
            self.grad = total if type(total) is np.ndarray else np.asarray(total)

    @property
    def is_parameter(self) -> bool:  # type: ignore[override]
        """A leaf that requires grad: what an optimizer updates."""
        return self.requires_grad and not self.parents

    @property
    def local(self) -> tuple[Grad, ...]:  # type: ignore[override]
        """∂self/∂parent for each parent, as the function g ↦ that parent's gradient."""
        return self.grad_fns

    def chain_rule(self) -> list[tuple[graph.Node, Grad, np.ndarray]]:
        g = self.grad
        if g is None:  # no gradient reached this node
            return []
        return [
            (parent, grad_fn, _own_if_leaf(grad_fn(g), g, parent))
            for parent, grad_fn in zip(self.parents, self.grad_fns)
            if parent.requires_grad  # constants and inputs get no gradient
        ]

    def _push_grads(self, nodes: Iterable[Any]) -> None:  # (Tensors: one engine per graph)
        # chain_rule's pushes, node after node, without building lists (the walk's fast path)
        for node in nodes:
            g = node.grad
            if g is None:  # no gradient reached this node
                continue
            if node.own_grads:  # new arrays of the parents' dtypes: nothing to check
                for parent, grad_fn in zip(node.parents, node.grad_fns):
                    if parent.requires_grad:
                        if parent.grad is None:
                            parent.grad = grad_fn(g)
                        else:
                            parent._accumulate(grad_fn(g))
                continue
            for parent, grad_fn in zip(node.parents, node.grad_fns):
                if not parent.requires_grad:  # skip work for constants and inputs
                    continue
                grad = grad_fn(g)  # in parent's shape
                # The common case written out (what _own_if_leaf and _accumulate do then,
                # without two calls per edge): a node's first gradient, in its dtype, is kept
                # as it is; for a leaf only an array of its own (new, writable, not g itself).
                if (
                    parent.grad is None
                    and grad.dtype is parent.data.dtype
                    and (
                        parent.parents
                        or (grad.base is None and grad is not g and grad.flags.writeable)
                    )
                ):
                    parent.grad = grad
                else:
                    parent._accumulate(_own_if_leaf(grad, g, parent))

    def backward(self, grad: Any = None, trace: bool = False) -> Any:
        """d self / d node for every node of the graph, added into each ``.grad``.

        ``grad`` is d(final)/d(self); it may be left out only when ``self`` has one element.
        With ``trace=True`` the same walk is recorded and returned (see ``trace.py``).
        """
        if not self.requires_grad:
            raise ValueError(
                "Tensor.backward: this tensor does not require grad "
                "(make a leaf with requires_grad=True, and do not call it inside no_grad())"
            )
        if grad is None:
            data = self.data
            if data.ndim == 0:  # a loss: a new 0-d 1 is 4× faster than ones_like
                seed = np.array(1.0, data.dtype)
            elif data.size == 1:
                seed = np.ones_like(data)
            else:
                raise ValueError(
                    f"Tensor.backward: grad can be left out only for a single-element tensor, "
                    f"this one has shape {self.shape}; pass grad= of that shape"
                )
        else:
            seed = checks.float_array(grad, "Tensor.backward grad")
            if seed.shape != self.shape:
                raise ValueError(
                    f"Tensor.backward: grad has shape {seed.shape}, the tensor has {self.shape}"
                )
        if trace:  # imported here, where it is needed: see graph.py
            from .trace import record_backward

            return record_backward(self, seed)
        graph.backward(self, seed)
        return None

    # --- plain attributes -------------------------------------------------------------

    @property
    def shape(self) -> tuple[int, ...]:
        return self.data.shape

    @property
    def ndim(self) -> int:
        return self.data.ndim

    @property
    def size(self) -> int:
        return self.data.size

    @property
    def dtype(self) -> np.dtype[Any]:
        return self.data.dtype

    def __bool__(self) -> bool:
        """As NumPy: one element has a truth value; more, or none, raise a ValueError."""
        try:
            return bool(self.data)
        except ValueError as error:
            raise ValueError(f"Tensor of shape {self.shape}: {error}") from None

    def __len__(self) -> int:
        if self.ndim == 0:
            raise TypeError("len() of a 0-d Tensor")
        return len(self.data)

    def numpy(self) -> np.ndarray:
        """The data as an ndarray (shared, not copied)."""
        return self.data

    def item(self) -> float:
        """The single element as a Python float."""
        if self.data.size != 1:
            raise ValueError(f"Tensor.item: needs a single element, the shape is {self.shape}")
        return float(self.data.item())

    def detach(self) -> Tensor:
        """The same data as a new leaf that does not require grad."""
        return Tensor.from_op(self.data, (), "")

    # --- constructors -----------------------------------------------------------------

    @classmethod
    def zeros(cls, *shape: Any, dtype: Any = np.float64, requires_grad: bool = False) -> Tensor:
        return cls._filled(np.zeros, "Tensor.zeros", shape, dtype, requires_grad)

    @classmethod
    def ones(cls, *shape: Any, dtype: Any = np.float64, requires_grad: bool = False) -> Tensor:
        return cls._filled(np.ones, "Tensor.ones", shape, dtype, requires_grad)

    @classmethod
    def randn(
        cls,
        *shape: Any,
        dtype: Any = np.float64,
        requires_grad: bool = False,
        seed: int | None = None,
    ) -> Tensor:
        """Standard normal samples; the same ``seed`` gives the same numbers."""
        rng = np.random.default_rng(seed)

        def samples(dims: tuple[int, ...], dtype: np.dtype[Any]) -> np.ndarray:
            return rng.standard_normal(dims).astype(dtype)  # float64 draws: the same numbers

        return cls._filled(samples, "Tensor.randn", shape, dtype, requires_grad)

    @classmethod
    def _filled(
        cls, fill: Callable[..., np.ndarray], what: str, shape: Any, dtype: Any, grad: bool
    ) -> Tensor:
        """A new tensor of ``shape`` from ``fill(shape, dtype=...)``; a float dtype only."""
        dims, kind = _new_shape(shape), checks.float_dtype(dtype, what)
        try:
            data = fill(dims, dtype=kind)
        except (ValueError, MemoryError) as error:  # e.g. Tensor.zeros(10**20)
            raise ValueError(f"{what}: cannot make an array of shape {dims}: {error}") from None
        return cls(data, requires_grad=grad)

    # --- binary ops (NumPy broadcasting; the walk sums gradients back) ----------------

    def _operand(self, other: Any, op: str) -> Tensor:
        """The other operand as a Tensor that broadcasts with self.

        A Python number becomes a constant of self's dtype, so float32 stays float32.
        """
        if type(other) is not Tensor:  # a Tensor is the common case: skip these checks
            if isinstance(other, graph.Node) and not isinstance(other, Tensor):
                raise TypeError(
                    f"Tensor {op}: cannot combine a Tensor with a {type(other).__name__}"
                )
            if isinstance(other, numbers.Real) and not isinstance(other, bool):
                try:
                    constant = np.asarray(other, dtype=self.dtype)
                except OverflowError:  # an int beyond float range: say which op
                    constant = np.asarray(as_float(other, f"Tensor {op}"))
                return Tensor.from_op(constant, (), "")
            if not isinstance(other, Tensor):
                other = Tensor.from_op(checks.float_array(other, f"Tensor {op}"), (), "")
        # Equal shapes, or other's shape the end of self's (adding a bias), always broadcast:
        # skip the general check, which costs about as much as adding two small arrays.
        shape, other_shape = self.data.shape, other.data.shape
        if other_shape != shape and other_shape != shape[len(shape) - len(other_shape) :]:
            try:
                np.broadcast_shapes(shape, other_shape)
            except ValueError:
                raise ValueError(
                    f"Tensor {op}: shapes {self.shape} and {other.shape} cannot be broadcast"
                ) from None
        return other

    def _elementwise(self, b: Tensor, out: Any, op: str, grad_a: Grad, grad_b: Grad) -> Tensor:
        """The node of an elementwise op of self and b, with NumPy broadcasting.

        An operand whose shape differs from the result's was broadcast, so its gradient is
        summed back to its own shape. That is decided here, once per op, so the backward walk
        never has to compare shapes.
        """
        shape = out.shape  # (a 0-d result may be a numpy scalar: it has a shape too)
        if self.data.shape != shape:
            grad_a = _summed_back_to(self.data.shape, grad_a)
        if b.data.shape != shape:
            grad_b = _summed_back_to(b.data.shape, grad_b)
        return _from_op(out, (self, b), op, grad_a, grad_b)

    def __add__(self, other: Operand) -> Tensor:
        b = self._operand(other, "+")
        return self._elementwise(b, self.data + b.data, "+", _identity, _identity)

    def __sub__(self, other: Operand) -> Tensor:
        b = self._operand(other, "-")
        return self._elementwise(b, self.data - b.data, "-", _identity, np.negative)

    def __mul__(self, other: Operand) -> Tensor:
        b = self._operand(other, "*")
        a = self
        # g ↦ b g and g ↦ a g, as partial objects: one object each, where a lambda is a
        # function and a cell (fewer objects for the collector to walk in a big graph)
        grad_a, grad_b = (
            functools.partial(np.multiply, b.data),
            functools.partial(np.multiply, a.data),
        )
        return a._elementwise(b, a.data * b.data, "*", grad_a, grad_b)

    def __truediv__(self, other: Operand) -> Tensor:
        b = self._operand(other, "/")
        a = self
        q = a.data / b.data
        # d(a/b)/da = 1/b, d(a/b)/db = -a/b² computed as -(a/b)/b with the quotient q of the
        # forward (as PyTorch): b·b would overflow or underflow where -a/b² is finite (a = b =
        # 1e-200 gives -1e200, not -inf), and x / x gets 1/x - (x/x)/x = 0 exactly
        return a._elementwise(b, q, "/", lambda g: g / b.data, lambda g: -g * (q / b.data))

    def __pow__(self, exponent: Operand) -> Tensor:
        a = self
        if isinstance(exponent, numbers.Real) and not isinstance(exponent, bool):
            n = as_float(exponent, "Tensor ** exponent")
            if n == 0.0:  # a ** 0 = 1 everywhere (0 ** 0 too): its derivative is exactly 0
                return Tensor.from_op(a.data**n, (a,), f"**{exponent}", np.zeros_like)
            power = a.data**n
            # d(a^n)/da = n a^(n-1)
            return Tensor.from_op(
                power, (a,), f"**{exponent}", lambda g: g * _power_slope(a.data, n, power)
            )
        b = self._operand(exponent, "**")
        out = a.data**b.data
        # d(a^b)/da = b a^(b-1), d(a^b)/db = a^b ln a, with PyTorch's choices where a^b is
        # constant: 0 for a where b = 0, and 0 for b where a = 0 and b ≥ 0 (there a^(b-1)
        # and ln a are infinite, and would give NaN)
        return a._elementwise(
            b,
            out,
            "**",
            lambda g: _pow_grad_base(g, a.data, b.data, out),
            lambda g: _pow_grad_exponent(g, a.data, b.data, out),
        )

    def __radd__(self, other: Operand) -> Tensor:
        return self._operand(other, "+") + self

    def __rsub__(self, other: Operand) -> Tensor:
        return self._operand(other, "-") - self

    def __rmul__(self, other: Operand) -> Tensor:
        return self._operand(other, "*") * self

    def __rtruediv__(self, other: Operand) -> Tensor:
        return self._operand(other, "/") / self

    def __neg__(self) -> Tensor:
        return Tensor.from_op(-self.data, (self,), "neg", np.negative)

    def __matmul__(self, other: Operand) -> Tensor:
        return self.matmul(other)

    def __rmatmul__(self, other: Operand) -> Tensor:
        return self._as_tensor(other, "@").matmul(self)

    def _as_tensor(self, other: Any, op: str) -> Tensor:
        if isinstance(other, Tensor):
            return other
        if isinstance(other, graph.Node):
            raise TypeError(f"Tensor {op}: cannot combine a Tensor with a {type(other).__name__}")
        return Tensor.from_op(checks.float_array(other, f"Tensor {op}"), (), "")

    def matmul(self, other: Operand) -> Tensor:
        """Matrix product ``self @ other`` (1-d and n-d as NumPy's matmul).

        For C = A B: dA = g Bᵀ and dB = Aᵀ g. A 1-d operand is treated as a row (on the
        left) or a column (on the right) and its axis dropped again, as NumPy does.
        """
        a, b = self, self._as_tensor(other, "@")
        if a.ndim == 0 or b.ndim == 0:
            raise ValueError(
                f"Tensor @: needs arrays of 1 or more dims, got {a.shape} and {b.shape}"
            )
        A = a.data if a.ndim > 1 else a.data[None, :]
        B = b.data if b.ndim > 1 else b.data[:, None]
        if A.shape[-1] != B.shape[-2]:
            raise ValueError(
                f"Tensor @: shapes {a.shape} and {b.shape} are not aligned "
                f"(inner sizes {A.shape[-1]} and {B.shape[-2]})"
            )
        try:
            C = A @ B
        except ValueError:  # the batch axes (all but the last two) do not broadcast
            raise ValueError(
                f"Tensor @: shapes {a.shape} and {b.shape}: batch axes {A.shape[:-2]} and "
                f"{B.shape[:-2]} cannot be broadcast"
            ) from None
        out = C
        if a.ndim == 1:
            out = out[..., 0, :]
        if b.ndim == 1:
            out = out[..., 0]

        def grad_a(g: np.ndarray) -> np.ndarray:
            dA = _product_in_layout(g.reshape(C.shape), np.swapaxes(B, -1, -2), like=A)
            return unbroadcast(dA, A.shape).reshape(a.shape)

        def grad_b(g: np.ndarray) -> np.ndarray:
            dB = _product_in_layout(np.swapaxes(A, -1, -2), g.reshape(C.shape), like=B)
            return unbroadcast(dB, B.shape).reshape(b.shape)

        return Tensor.from_op(out, (a, b), "@", grad_a, grad_b)

    # --- reductions and shape ops -----------------------------------------------------

    def sum(self, axis: int | tuple[int, ...] | None = None, keepdims: bool = False) -> Tensor:
        """Sum over ``axis`` (all axes when None). Each input gets the gradient of its sum."""
        try:
            out = self.data.sum(axis=axis, keepdims=keepdims)
        except np.exceptions.AxisError as error:
            raise ValueError(f"Tensor.sum: {error}") from None
        except ValueError as error:  # e.g. axis=(0, 0): "duplicate value in 'axis'"
            raise ValueError(f"Tensor.sum: axis {axis!r} for shape {self.shape}: {error}") from None
        except TypeError:  # numpy's own message does not say which op or argument
            raise TypeError(f"Tensor.sum: axis must be int(s) or None, got {axis!r}") from None
        shape = self.shape

        def grad(g: np.ndarray) -> np.ndarray:
            if axis is not None and not keepdims:
                g = np.expand_dims(g, axis)
            return np.broadcast_to(g, shape)

        return Tensor.from_op(np.asarray(out), (self,), "sum", grad)

    def mean(self, axis: int | tuple[int, ...] | None = None, keepdims: bool = False) -> Tensor:
        """The sum divided by the number of elements summed.

        As NumPy: the mean of no elements is 0 / 0 = NaN, with a RuntimeWarning.
        """
        total = self.sum(axis, keepdims)
        count = self.size // total.size if total.size else 1  # (an empty result: any count)
        if count == 0:  # the mean of nothing: 0 / 0, as NaN · 0 (no warning again in backward)
            warnings.warn("Mean of empty slice.", RuntimeWarning, stacklevel=2)
            return total * math.nan
        return total / count

    def reshape(self, *shape: Any) -> Tensor:
        new_shape = _shape_of(shape)
        try:
            out = self.data.reshape(new_shape)
        except ValueError:
            raise ValueError(
                f"Tensor.reshape: cannot reshape {self.shape} ({self.size} elements) "
                f"into {new_shape}"
            ) from None
        old_shape = self.shape
        return Tensor.from_op(out, (self,), "reshape", lambda g: g.reshape(old_shape))

    def transpose(self, *axes: Any) -> Tensor:
        """Reverse the axes, or permute them as ``axes`` says (as NumPy)."""
        perm = _shape_of(axes) if axes else tuple(reversed(range(self.ndim)))
        try:
            out = self.data.transpose(perm)
        except ValueError as error:
            raise ValueError(
                f"Tensor.transpose: axes {perm} for shape {self.shape}: {error}"
            ) from None
        # The inverse permutation, in plain Python (np.argsort costs more than the whole op);
        # "% ndim" turns a negative axis such as -1 into its position.
        inverse = tuple(sorted(range(self.ndim), key=lambda i: perm[i] % self.ndim))
        return Tensor.from_op(out, (self,), "transpose", lambda g: g.transpose(inverse))

    @property
    def T(self) -> Tensor:
        return self.transpose()

    def __getitem__(self, index: Any) -> Tensor:
        parts = index if type(index) is tuple else (index,)
        if any(isinstance(part, graph.Node) for part in parts):
            # A Tensor holds floats, and NumPy refuses a float index; truncating it (or
            # reading a mask of 1.0/0.0 as the rows 1 and 0) would be a silent wrong answer.
            raise TypeError(
                "Tensor[...]: cannot index with a Tensor or a Value; use ints, slices, or a "
                "NumPy array of ints or bools (e.g. t[t.data > 0])"
            )
        try:
            out = self.data[index]
        except IndexError as error:
            raise IndexError(f"Tensor[...]: {error} (shape {self.shape})") from None
        scatter = Scatter(self.shape, self.dtype, index)
        return Tensor.from_op(np.asarray(out), (self,), "getitem", scatter)

    # --- elementwise functions: value and derivative side by side ---------------------

    def exp(self) -> Tensor:
        e = np.exp(self.data)
        return Tensor.from_op(e, (self,), "exp", lambda g: g * e)  # (e^x)' = e^x

    def log(self) -> Tensor:
        x = self.data
        return Tensor.from_op(np.log(x), (self,), "log", lambda g: g / x)  # (ln x)' = 1/x

    def _nets(self, op: str) -> np.ndarray:
        """The data, once it has a last axis with at least one net (a layer's units)."""
        if self.data.ndim == 0 or self.data.shape[-1] == 0:
            raise ValueError(
                f"Tensor {op}: needs the nets of at least one unit along the last axis, "
                f"got shape {self.shape}"
            )
        return self.data

    def softmax(self) -> Tensor:
        """O = softmax(net) along the last axis (each row of a batch), as one node.

        Stable for any net (the row max is subtracted first, ``ops.softmax``). Its VJP,
        from ∂O_k/∂net_j = O_k (δ_kj − O_j):  g ↦ O ⊙ (g − Σ_k g_k O_k)  per row.
        """
        out = ops.softmax(self._nets("softmax"))

        def grad(g: np.ndarray) -> np.ndarray:
            return out * (g - np.sum(g * out, axis=-1, keepdims=True))

        return Tensor.from_op(out, (self,), "softmax", grad)

    def log_softmax(self) -> Tensor:
        """log softmax(net) along the last axis as one node, by log-sum-exp (``ops.log_softmax``).

        ∂(log O_k)/∂net_j = δ_kj − O_j, so its VJP is  g ↦ g − O Σ_k g_k  per row.
        """
        out = ops.log_softmax(self._nets("log_softmax"))

        def grad(g: np.ndarray) -> np.ndarray:
            return g - np.exp(out) * np.sum(g, axis=-1, keepdims=True)

        return Tensor.from_op(out, (self,), "log_softmax", grad)

    # --- display ----------------------------------------------------------------------

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, str]:
        """Jupyter shows a node as the drawing of its graph (viz, imported when it is shown)."""
        from .viz import draw_graph

        return draw_graph(self)._repr_mimebundle_(include, exclude)

    def __repr__(self) -> str:
        body = np.array2string(self.data, separator=", ", prefix="Tensor(", threshold=20)
        extras = [f"dtype={self.dtype}"] if self.dtype != np.float64 else []
        if self.requires_grad:
            extras.append("requires_grad=True")
        if self.op:
            extras.append(f"op={self.op!r}")
        if self.label:
            extras.append(f"label={self.label!r}")
        return f"Tensor({', '.join([body, *extras])})"


# Tensor.from_op for the ops of every training step: a global is found faster than a
# class's static method (a look-up through the class each call)
_from_op = Tensor.from_op


def _activation_method(op: ops.Op) -> Callable[[Tensor], Tensor]:
    """``Tensor.<name>()`` for the activation row ``op``: O = f(net) and, going back,
    g ⊙ f′(net, O) as the row's ``chain`` says, both from the row (``ops.py``)."""
    f, f_prime, name = op.forward, op.derivative, op.name
    assert f is not None and f_prime is not None  # an activation of one unit has both
    grad_of = {ops.Chain.PRODUCT: _chain, ops.Chain.SWITCH: _select}.get(op.chain)

    if grad_of is None:  # the identity (Chain.IDENTITY): O is net itself, g passes on unchanged

        def identity(self: Tensor) -> Tensor:
            return _from_op(self.data, (self,), name, _identity)

        return identity

    def method(self: Tensor) -> Tensor:
        net = self.data
        out = f(net)
        return _from_op(out, (self,), name, functools.partial(grad_of, f_prime, net, out))

    return method


# Tensor.sigmoid(), Tensor.relu(), …: one method per activation of one unit in the op table.
ops.install_activations(Tensor, _activation_method)


def affine(x: Tensor, weight: Tensor, bias: Tensor | None) -> Tensor:
    """net = x Wᵀ + b as one node: what ``nn.Linear`` computes, W of shape (out, in).

    One node per layer, as PyTorch's ``addmm``, instead of three (``W.T``, ``@``, ``+``): at
    small sizes a node's bookkeeping costs more than its arithmetic (docs/performance.md).
    Its op is "@ᵀ+b" ("@ᵀ" without a bias). With g = ∂E/∂net, the notes' δ, the rules:

        ∂E/∂x = g W      ∂E/∂W = gᵀ x  (δᵀ O_prev)      ∂E/∂b = Σ_samples g

    ∂E/∂W comes out in W's own (out, in) layout. ``x`` is (N, in) or (in,); the caller
    checks the shapes.
    """
    X, W = x.data, weight.data
    single = X.ndim == 1  # one sample (in,): ∂E/∂W is the outer product g xᵀ, ∂E/∂b is g

    def grad_x(g: np.ndarray) -> np.ndarray:
        return np.dot(g, W)

    def grad_weight(g: np.ndarray) -> np.ndarray:
        return np.outer(g, X) if single else np.dot(g.T, X)

    # np.dot rather than @, here and in the gradients: for small and transposed operands
    # (g.T) the matmul ufunc may use numpy's own loop instead of BLAS; np.dot always calls
    # BLAS. Measured on the 2-16-16-1 training step: 6 % fewer instructions.
    net = np.dot(X, W.T)
    if bias is None:
        return _from_op(net, (x, weight), "@ᵀ", grad_x, grad_weight)
    # Σ_samples g as the product 1ᵀ g: one BLAS call, cheaper than a reduction over axis 0
    # (g has net's dtype: the walk keeps each gradient in its node's dtype)
    grad_bias: Grad = _identity if single else functools.partial(np.dot, _ones(len(X), net.dtype))
    net += bias.data  # in place: net is a new array
    out = _from_op(net, (x, weight, bias), "@ᵀ+b", grad_x, grad_weight, grad_bias)
    # A batch whose x, W and b share one dtype: each gradient is a new array from np.dot in
    # that dtype (g has net's), so the walk need not check it (checked here, once per layer)
    if not single:
        out.own_grads = X.dtype is W.dtype is bias.data.dtype
    return out


@functools.lru_cache(maxsize=16)
def _ones(n: int, dtype: np.dtype[Any]) -> np.ndarray:
    """A read-only vector of n ones: 1ᵀ g sums the rows of g (kept for the next batch)."""
    ones = np.ones(n, dtype)
    ones.flags.writeable = False
    return ones
