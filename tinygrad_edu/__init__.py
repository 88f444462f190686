"""tinygrad_edu: reverse-mode autograd for learning backpropagation.

The public names (docs/semantics.md): the two engines, ``no_grad`` and ``mse_loss`` at the top;
the rest in submodules (``nn``, ``optim``, ``rules``, ``compare``, ``viz``, ``data``).
"""

# First of all: the command's one-line Ctrl-C while the rest imports (launch.py).
from . import launch  # noqa: F401

# isort: split
# trace, viz and stepper install the hooks the engines call (backward(trace=True), Jupyter
# display, viz.stepper): importing them here means a user never has to.
from . import compare, data, nn, optim, rules, stepper, trace, viz  # noqa: F401
from .anomaly import detect_anomaly
from .graph import no_grad
from .losses import cross_entropy_loss, mse_loss
from .tensor import Tensor
from .value import Parameter, Value

__version__ = "0.1.0"
__all__ = [
    "Parameter",
    "Tensor",
    "Value",
    "compare",
    "cross_entropy_loss",
    "data",
    "detect_anomaly",
    "mse_loss",
    "nn",
    "no_grad",
    "optim",
    "rules",
    "viz",
]
