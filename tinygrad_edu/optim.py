"""Optimizers: SGD (with momentum) and Adam, with PyTorch's update formulas and defaults.

Both work on Tensor parameters (``.data`` updated in place; a parameter whose ``.grad`` is
None is skipped, as PyTorch does) and on Value parameters (``.data`` a float; a ``.grad`` of
exactly 0.0 counts as no gradient and is skipped the same way). The
arithmetic is written once: a gradient is an ndarray or a float, and ``+ - * / ** 0.5``
mean the same for both. So does ``p.data -= update``: in place for an array (a layer keeps
its array), a new float for a Value.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np

from . import checks
from .graph import Node
from .ops import like

Param = Node  # a Tensor or a Value


def _received_gradient(p: Param, i: int, optimizer: str) -> Any:
    """``p.grad``, or None when no gradient reached ``p`` (then ``step`` skips it).

    A Tensor's ``.grad`` is None until a backward pass reaches it. A Value's is a float that
    starts at 0.0, so an exact 0.0 counts as "no gradient": a Value stepped only once
    gradients start to reach it counts its Adam steps as PyTorch's ``state['step']`` does.
    A Tensor's gradient must have the parameter's dtype, as PyTorch checks on assignment.
    """
    g = p.grad
    if type(g) is float:
        return g if g != 0.0 else None
    # ("is not" first: numpy has one dtype object per type, the comparison costs more)
    if g is not None and g.dtype is not p.data.dtype and g.dtype != p.data.dtype:
        raise ValueError(
            f"{optimizer}: parameter {i} has dtype {p.data.dtype} but its gradient has dtype "
            f"{g.dtype}; they must match (a float32 model gets float32 gradients)"
        )
    return g


class Optimizer:
    """Holds the parameter list; subclasses define ``step()``."""

    def __init__(self, params: Iterable[Param], lr: float) -> None:
        name = type(self).__name__
        if isinstance(params, Node) or not isinstance(params, Iterable):
            raise TypeError(
                f"{name}: params must be a list of parameters, got {type(params).__name__}"
            )
        self.params = list(params)
        if not self.params:
            raise ValueError(f"{name}: got an empty parameter list")
        seen: dict[int, int] = {}
        for i, p in enumerate(self.params):
            if not isinstance(p, Node):
                raise TypeError(
                    f"{name}: parameters must be Tensors or Values, got {type(p).__name__}"
                )
            if id(p) in seen:  # it would be stepped twice per step()
                raise ValueError(
                    f"{name}: parameter {i} is the same object as parameter {seen[id(p)]}; "
                    "some parameters appear more than once in the list (PyTorch refuses "
                    "this too)"
                )
            seen[id(p)] = i
        self.lr = checks.number_in(lr, f"{type(self).__name__}: lr")
        # what each parameter's gradient is reset to (None, 0.0: never changed in place), so
        # that zero_grad costs no call per parameter
        self._cleared = [(p, p._zero_grad_value()) for p in self.params]

    def zero_grad(self) -> None:
        """Reset every gradient: None for a Tensor (PyTorch's set_to_none), 0.0 for a Value."""
        for p, cleared in self._cleared:
            p.grad = cleared

    def step(self) -> None:
        raise NotImplementedError


class SGD(Optimizer):
    """Stochastic gradient descent, as ``torch.optim.SGD``.

    Without momentum:  p ← p − lr · g   (the notes' ΔW = −η ∂E/∂W).
    With momentum μ:   b ← μ b + g  (b = g on the first step),  p ← p − lr · b.
    With weight decay λ (L2 regularisation), g is first replaced by g + λ p: the gradient
    of E + ½ λ ‖p‖², as ``torch.optim.SGD`` adds it (biases included).
    """

    def __init__(
        self,
        params: Iterable[Param],
        lr: float = 1e-3,
        momentum: float = 0.0,
        weight_decay: float = 0.0,
    ) -> None:
        super().__init__(params, lr)
        self.momentum = checks.number_in(momentum, "SGD: momentum")
        self.weight_decay = checks.number_in(weight_decay, "SGD: weight_decay")
        self.buffers: list[Any] = [None] * len(self.params)

    def step(self) -> None:
        lr, plain, ndarray = self.lr, self.momentum == 0.0 and self.weight_decay == 0.0, np.ndarray
        dtype, rate = None, lr  # lr as a 0-d array of the last gradient's dtype (``like``)
        for i, p in enumerate(self.params):
            g = p.grad
            # the common case: an array of p's dtype ("is": numpy has one dtype object per
            # type), no weight decay, no momentum
            if type(g) is ndarray and (kind := g.dtype) is p.data.dtype and plain:
                if kind is not dtype:  # (a 0-d array of g's dtype: the same, but cheaper)
                    dtype, rate = kind, like(lr, g)
                p.data -= rate * g
                continue
            g = _received_gradient(p, i, "SGD")  # a Value's float, no gradient, another dtype
            if g is None:  # no gradient reached it: skipped, as PyTorch does
                continue
            if not plain:
                g = self._direction(i, p, g)
            p.data -= like(lr, g) * g

    def _direction(self, i: int, p: Param, g: Any) -> Any:
        """What parameter i moves against: g with weight decay and momentum applied."""
        g = _decayed(g, p, self.weight_decay)
        momentum = self.momentum
        if momentum != 0.0:
            b = self.buffers[i]
            if b is None:  # a copy: .grad of a Tensor accumulates in place
                b = g.copy() if isinstance(g, np.ndarray) else g
            else:
                b = like(momentum, b) * b + g
            self.buffers[i] = b
            g = b
        return g


def _decayed(g: Any, p: Param, weight_decay: float) -> Any:
    """g + λ p (a new array: ``.grad`` is left as it is, as PyTorch leaves it), or g for λ = 0."""
    if weight_decay == 0.0:
        return g
    return g + like(weight_decay, g) * p.data


class Adam(Optimizer):
    """Adam, as ``torch.optim.Adam`` (L2 weight decay as it adds it; no amsgrad).

    With step count t and gradient g:
        m ← β₁ m + (1 − β₁) g            (running mean of g)
        v ← β₂ v + (1 − β₂) g²           (running mean of g²)
        p ← p − lr / (1 − β₁ᵗ) · m / (√v / √(1 − β₂ᵗ) + ε)
    The divisions by 1 − βᵗ undo the bias of m and v towards their zero start. With
    ``weight_decay`` λ, g is g + λ p first (L2 in the gradient, as ``torch.optim.Adam``; not
    AdamW's decoupled decay).
    """

    def __init__(
        self,
        params: Iterable[Param],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
    ) -> None:
        super().__init__(params, lr)
        if not isinstance(betas, (tuple, list)) or len(betas) != 2:
            raise ValueError(f"Adam: betas must be a pair (beta1, beta2), got {betas!r}")
        self.betas = (
            checks.number_in(betas[0], "Adam: betas[0]", high=1.0),
            checks.number_in(betas[1], "Adam: betas[1]", high=1.0),
        )
        self.eps = checks.number_in(eps, "Adam: eps")
        self.weight_decay = checks.number_in(weight_decay, "Adam: weight_decay")
        n = len(self.params)
        self.t = [0] * n  # per parameter, as PyTorch: a step without a gradient is not counted
        self.m: list[Any] = [0.0] * n
        self.v: list[Any] = [0.0] * n

    def step(self) -> None:
        beta1, beta2 = self.betas
        for i, p in enumerate(self.params):
            g = _received_gradient(p, i, "Adam")
            if g is None:  # no gradient reached it: skipped, its step count kept, as PyTorch
                continue
            g = _decayed(g, p, self.weight_decay)
            self.t[i] += 1
            t = self.t[i]
            self.m[i] = beta1 * self.m[i] + (1 - beta1) * g
            self.v[i] = beta2 * self.v[i] + (1 - beta2) * g * g
            step_size = self.lr / (1 - beta1**t)
            denom = self.v[i] ** 0.5 / math.sqrt(1 - beta2**t) + self.eps  # √v, a float for a Value
            p.data -= step_size * self.m[i] / denom
