"""The way on to PyTorch: an MLP's weights as a ``torch.nn.Sequential``, and back.

``MLP.to_torch()`` and ``MLP.from_torch()`` (in :mod:`tinygrad_edu.nn`) are built on the two
functions here. Both layouts agree already: a ``torch.nn.Linear`` stores its weight with
shape (out, in), exactly as ``get_weights()`` does, and computes x Wᵀ + b. Each layer
becomes a ``Linear`` followed by its activation's module (``Sigmoid()``,
``LeakyReLU(negative_slope=0.01)``, …; a linear layer has none).

PyTorch is optional: it is imported only inside these functions, and a missing PyTorch
gives an ImportError that says how to install its CPU build. Which module, with which
arguments, stands for which activation is a column of the op table (``ops.py``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Union

import numpy as np

from . import ops

INSTALL = "pip install torch --index-url https://download.pytorch.org/whl/cpu"

# The torch.nn module class name → our activation's row, from the op table (a Linear
# without an activation module after it, or with Identity, is a linear layer)
ROWS = {op.torch.name: op for op in ops.TABLE if op.is_activation and op.torch is not None}
DTYPES = {"float64": np.float64, "float32": np.float32}

Weights = list[tuple[np.ndarray, Union[np.ndarray, None]]]


def import_torch(where: str) -> Any:
    """The ``torch`` module, or an ImportError that says how to install it."""
    try:
        import torch
    except ImportError:
        raise ImportError(
            f"{where} needs PyTorch, which is not installed. Install its CPU build with:  {INSTALL}"
        ) from None
    return torch


def to_sequential(weights: Weights, activations: Sequence[str], dtype: Any) -> Any:
    """A ``torch.nn.Sequential`` of ``Linear`` + activation modules holding copies of
    ``weights`` (``get_weights()`` layout), in ``dtype`` (float64 or float32)."""
    torch = import_torch("to_torch")
    torch_dtype = getattr(torch, np.dtype(dtype).name)
    modules = []
    for (W, b), name in zip(weights, activations):
        linear = torch.nn.Linear(W.shape[1], W.shape[0], bias=b is not None, dtype=torch_dtype)
        with torch.no_grad():  # copy_: torch's parameters never share our arrays' memory
            linear.weight.copy_(torch.from_numpy(np.asarray(W)))
            if b is not None:
                linear.bias.copy_(torch.from_numpy(np.asarray(b)))
        modules.append(linear)
        op = ops.activation(name, "to_torch")
        if op.torch is None:
            raise ValueError(f"to_torch: the activation {name!r} has no PyTorch module here")
        if op.chain is not ops.Chain.IDENTITY:  # the identity needs no module
            modules.append(getattr(torch.nn, op.torch.name)(**dict(op.torch.args)))
    return torch.nn.Sequential(*modules)


@dataclass
class TorchNetwork:
    """What :func:`read_sequential` found: enough to build an ``MLP`` and load its weights."""

    sizes: list[int]
    activations: list[str]
    bias: bool
    weights: Weights
    dtype: Any


def supported() -> str:
    """What ``from_torch`` accepts, module by module with its arguments (from the op table)."""
    modules = ", ".join(str(op.torch) for op in ROWS.values())
    return f"Linear layers (float64 or float32), each followed by at most one of {modules}"


def read_sequential(sequential: Any) -> TorchNetwork:
    """The layers, activations and weights (copies, float64 arrays) of a Sequential of
    ``Linear`` layers, each followed by at most one activation module of the op table
    (:func:`supported` lists them).

    Anything an ``MLP`` cannot hold is refused with a ValueError naming the layer: other
    modules, or an activation module with other arguments (``LeakyReLU(0.2)``), widths that
    do not chain, some layers with a bias and some without, hidden layers with different
    activations, a dtype other than float64 or float32 (bfloat16, float16), weights on the
    meta device (shapes without numbers).
    """
    torch = import_torch("MLP.from_torch")
    if not isinstance(sequential, torch.nn.Sequential):
        raise TypeError(
            f"MLP.from_torch: expected a torch.nn.Sequential, got {type(sequential).__name__}"
        )
    accepted = supported()
    linears: list[Any] = []
    activations: list[str] = []
    for index, module in enumerate(sequential):
        kind = type(module).__name__
        where = f"MLP.from_torch: layer {index} ({kind})"
        if isinstance(module, torch.nn.Linear):
            if linears and len(activations) < len(linears):
                activations.append(ops.IDENTITY.name)  # the previous Linear had no activation
            linears.append(module)
        elif kind in ROWS and type(module) is getattr(torch.nn, kind):
            op = ROWS[kind]
            _check_arguments(module, op, where)
            if len(activations) == len(linears):
                raise ValueError(f"{where} does not follow a Linear; an MLP takes {accepted}")
            activations.append(op.name)
        else:
            raise ValueError(f"{where} is not supported; an MLP takes {accepted}")
    if not linears:
        raise ValueError(f"MLP.from_torch: the Sequential has no Linear layer; it needs {accepted}")
    if len(activations) < len(linears):
        activations.append(ops.IDENTITY.name)
    sizes, dtype = _sizes(linears), _dtype(linears)  # checked before any number is read
    return TorchNetwork(
        sizes=sizes,
        activations=_check_activations(activations),
        bias=_has_bias(linears),
        weights=[_weights(linear) for linear in linears],
        dtype=dtype,
    )


def _check_arguments(module: Any, op: ops.Op, where: str) -> None:
    """The module's arguments are those of the row's module (LeakyReLU's slope 0.01, …)."""
    assert op.torch is not None
    for key, accepted in op.torch.accepts:
        value = getattr(module, key, None)
        if value not in accepted:
            shown = " or ".join(f"{key}={v!r}" for v in accepted)
            raise ValueError(
                f"{where} has {key}={value!r}; an MLP's {op.name!r} is {op.torch} ({shown})"
            )


def _sizes(linears: list[Any]) -> list[int]:
    sizes = [linears[0].in_features]
    for l, linear in enumerate(linears):
        if linear.in_features != sizes[-1]:
            raise ValueError(
                f"MLP.from_torch: Linear {l} takes {linear.in_features} inputs, but the layer "
                f"before it has {sizes[-1]} outputs"
            )
        sizes.append(linear.out_features)
    return sizes


def _check_activations(activations: list[str]) -> list[str]:
    hidden = set(activations[:-1])
    if len(hidden) > 1:
        raise ValueError(
            f"MLP.from_torch: the hidden layers use different activations {activations[:-1]}; "
            "an MLP has one activation for all hidden layers"
        )
    return activations


def _has_bias(linears: list[Any]) -> bool:
    biases = [linear.bias is not None for linear in linears]
    if len(set(biases)) > 1:
        raise ValueError(
            f"MLP.from_torch: some Linear layers have a bias and some do not ({biases}); "
            "an MLP has biases in every layer or in none"
        )
    return biases[0]


def _weights(linear: Any) -> tuple[np.ndarray, np.ndarray | None]:
    W = linear.weight.detach().cpu().numpy().astype(np.float64)
    b = None if linear.bias is None else linear.bias.detach().cpu().numpy().astype(np.float64)
    return W, b


def _dtype(linears: list[Any]) -> Any:
    """The one dtype of every weight and bias, float64 or float32; refused before reading:
    bfloat16 or float16 by name, and parameters on the meta device (no numbers in them)."""
    params = [p for linear in linears for p in (linear.weight, linear.bias) if p is not None]
    for l, linear in enumerate(linears):
        if any(p.device.type == "meta" for p in (linear.weight, linear.bias) if p is not None):
            raise ValueError(
                f"MLP.from_torch: Linear {l} is on the meta device: it has shapes but no "
                "numbers to copy (move it to the CPU with its weights, e.g. "
                "module.to_empty(device='cpu') then load_state_dict)"
            )
    names = {str(p.dtype).removeprefix("torch.") for p in params}
    if len(names) != 1 or not names <= DTYPES.keys():
        raise ValueError(
            f"MLP.from_torch: the Linear layers' dtype is {', '.join(sorted(names))}; an MLP "
            "takes float64 or float32, the same in every layer (convert it first, e.g. "
            "sequential.double())"
        )
    return DTYPES[names.pop()]
