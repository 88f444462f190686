"""Neural-network building blocks: Module, Linear, activations, Sequential, MLP.

One room per idea, each a file of this package:

- :mod:`.module`: ``Module``, the parameter bookkeeping every model shares (names, state);
- :mod:`.layers`: ``Linear``, the activation modules (one per row of the op table) and
  ``Sequential``, all on the Tensor engine;
- :mod:`.mlp`: ``MLP``, the notes' fully connected network whichever engine computes it,
  and the ``Network`` protocol every such network offers;
- :mod:`.tensor_mlp`: ``TensorMLP``, the MLP on the Tensor engine (a Linear per layer);
- :mod:`.value_mlp`: ``ValueMLP``, the MLP on the Value engine (a ``Neuron`` per unit).

Everything is importable from ``tinygrad_edu.nn`` as before.

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

from .layers import (
    ACTIVATION_MODULES,
    ACTIVATIONS,
    OUTPUT_ACTIVATIONS,
    WEIGHTS_ARE_FLOATS,
    Activation,
    Linear,
    Sequential,
    init_weights,
)
from .mlp import ENGINES, IMPLEMENTATIONS, MLP, Network, Slot, weight_label
from .module import Module, Param, Weights
from .tensor_mlp import TensorMLP
from .value_mlp import Neuron, ValueLayer, ValueMLP

globals().update(ACTIVATION_MODULES)  # Sigmoid, Tanh, ReLU, Identity, …: named as in torch.nn


__all__ = [  # and the activation modules (globals above), which the op table names
    "ACTIVATIONS",
    "ACTIVATION_MODULES",
    "ENGINES",
    "IMPLEMENTATIONS",
    "MLP",
    "OUTPUT_ACTIVATIONS",
    "WEIGHTS_ARE_FLOATS",
    "Activation",
    "Linear",
    "Module",
    "Network",
    "Neuron",
    "Param",
    "Sequential",
    "Slot",
    "TensorMLP",
    "ValueLayer",
    "ValueMLP",
    "Weights",
    "init_weights",
    "weight_label",
]
__all__ += list(ACTIVATION_MODULES)
