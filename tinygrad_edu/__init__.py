"""tinygrad_edu: reverse-mode autograd for learning backpropagation.

The public names (docs/semantics.md): the two engines, ``no_grad``, the losses and
``detect_anomaly`` at the top; the rest in submodules (``nn``, ``optim``, ``data``, ``rules``,
``compare``, ``viz``, ``stepper``, ``train`` …).

``import tinygrad_edu`` loads only the core: the graph, the op table, both engines, the
losses, ``nn``, ``optim`` and ``data``. Every other module (and graphviz, matplotlib,
PyTorch) loads the first time it is used: ``tinygrad_edu.compare`` imports ``compare`` then
(``__getattr__`` below), as ``from tinygrad_edu import compare`` always did.
"""

from __future__ import annotations

# First of all: the command's one-line Ctrl-C while the rest imports (launch.py).
from . import launch  # noqa: F401

# isort: split
from typing import TYPE_CHECKING, Any

from . import data, nn, optim
from .graph import no_grad
from .losses import cross_entropy_loss, mse_loss
from .tensor import Tensor
from .value import Parameter, Value

if TYPE_CHECKING:  # what __getattr__ gives, for type checkers
    from .anomaly import detect_anomaly

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


def __getattr__(name: str) -> Any:
    """A module outside the core (or ``detect_anomaly``), imported the first time it is asked
    for; Python calls this only for a name the package does not have yet."""
    # "import tinygrad_edu.x", not "from . import x": the latter asks the package for x
    # first, which would call this function again.
    found: Any
    if name == "detect_anomaly":
        from .anomaly import detect_anomaly as found
    elif name == "anomaly":
        import tinygrad_edu.anomaly as found
    elif name == "compare":
        import tinygrad_edu.compare as found
    elif name == "diagnostics":
        import tinygrad_edu.diagnostics as found
    elif name == "exercises":
        import tinygrad_edu.exercises as found
    elif name == "feedback":
        import tinygrad_edu.feedback as found
    elif name == "notes05":
        import tinygrad_edu.notes05 as found
    elif name == "plot":
        import tinygrad_edu.plot as found
    elif name == "rules":
        import tinygrad_edu.rules as found
    elif name == "saving":
        import tinygrad_edu.saving as found
    elif name == "stepper":
        import tinygrad_edu.stepper as found
    elif name == "trace":
        import tinygrad_edu.trace as found
    elif name == "train":
        import tinygrad_edu.train as found
    elif name == "viz":
        import tinygrad_edu.viz as found
    else:
        raise AttributeError(f"module 'tinygrad_edu' has no attribute {name!r}")
    return found
