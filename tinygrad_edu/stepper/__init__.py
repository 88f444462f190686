"""The step-through page: backpropagation one number at a time, in one offline HTML file.

``stepper(model, x, t)`` trains a copy of an MLP on the Value engine for a few iterations
and records every number while it is computed: each unit's net input and output (forward),
the error E = ½ Σ_k (O_k − t_k)² (for a softmax output cross-entropy E = −Σ_k t_k log O_k,
with δ_k = O_k − t_k), the backward walk as ``backward(trace=True)`` recorded it
(each δ_j = ∂E/∂net_j and each ∂E/∂w, in the walk's reverse topological order, with the δ of
``rules`` — the notes' closed form — beside autograd's), and each SGD update old → new.
``stepper(root)`` does the same for any graph of Values: its forward values, then the walk.

Three stages, one module each:

- :mod:`.record` runs the model (through :func:`tinygrad_edu.train.fit`) or walks the graph
  and keeps every number in typed dataclasses;
- :mod:`.frames` turns a recording into the page's steps: a sentence in the notes' terms
  and the numbers each press of "next" fills in;
- :mod:`.render` (with :mod:`.layout` for the drawing) writes the page: ``assets/page.html``
  with ``page.css``, ``page.js`` and the frames as JSON written into it. Nothing is
  fetched from a network. A last section walks a graph with a reused value twice — in
  topological order (the engine) and naively — and puts the naive walk's wrong gradient
  beside the right one.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .. import checks, nn, ops
from ..train import warn_at_caller
from ..value import Value
from .frames import Frame, graph_frames, network_frames
from .record import GraphRecording, NetworkRecording, as_rows, record_graph, record_network
from .render import graph_page, network_page

__all__ = [
    "Frame",
    "GraphRecording",
    "NetworkRecording",
    "frames_for",
    "recording",
    "stepper",
]


def recording(
    model_or_root: Any, x: Any = None, t: Any = None, lr: float = 0.05, steps: int = 2
) -> NetworkRecording | GraphRecording:
    """Run ``stepper``'s recording without writing a page (arguments as for :func:`stepper`)."""
    rec = _record(model_or_root, x, t, lr, steps)
    _warn_if_diverged(rec)
    return rec


def _warn_if_diverged(rec: NetworkRecording | GraphRecording) -> None:
    """One DivergenceWarning at the learner's line when the loss of an iteration was NaN or
    infinite (the page shows those numbers as text)."""
    warning = rec.divergence() if isinstance(rec, NetworkRecording) else None
    if warning is not None:
        warn_at_caller(warning)


def _record(
    model_or_root: Any, x: Any, t: Any, lr: float, steps: int
) -> NetworkRecording | GraphRecording:
    if isinstance(model_or_root, nn.Network):  # any network: it is copied by its weights
        if x is None or t is None:
            raise ValueError("stepper: an MLP needs x (inputs) and t (targets)")
        if isinstance(steps, bool) or not isinstance(steps, int) or steps < 1:
            raise ValueError(f"stepper: steps must be a positive integer, got {steps!r}")
        X = as_rows(x, model_or_root.sizes[0], "x")
        T = as_rows(t, model_or_root.sizes[-1], "t")
        if ops.OPS[model_or_root.activations[-1]].layer_wide:  # cross-entropy's targets
            T = checks.class_targets(T, T.shape, "stepper: t of a softmax output")
        if len(X) != len(T):
            raise ValueError(f"stepper: x has {len(X)} rows and t has {len(T)}; they must match")
        return record_network(model_or_root, X, T, lr, steps)
    if isinstance(model_or_root, Value):
        if x is not None or t is not None:
            raise ValueError("stepper: x and t are for a model; a Value's graph is already built")
        return record_graph(model_or_root)
    raise TypeError(f"stepper: expected an nn.MLP or a Value, got {type(model_or_root).__name__}")


def frames_for(
    rec: NetworkRecording | GraphRecording, remarks: Mapping[str, str] | None = None
) -> list[Frame]:
    """The page's steps for a recording (``remarks`` as for :func:`stepper`)."""
    if isinstance(rec, NetworkRecording):
        return network_frames(rec, remarks or {})
    return graph_frames(rec)


def stepper(
    model_or_root: Any,
    x: Any = None,
    t: Any = None,
    lr: float = 0.05,
    steps: int = 2,
    path: str | Path = "stepper.html",
    title: str | None = None,
    remarks: Mapping[str, str] | None = None,
) -> Path:
    """Write one self-contained HTML page that steps through backpropagation; return its path.

    ``model_or_root`` is an ``nn.MLP`` (either engine; ``x`` and ``t`` required: one sample of
    shape (in,) and (out,), or N rows, taken in turn) or a ``Value`` whose graph is already
    built. For an MLP the page shows ``steps`` training iterations of SGD with learning rate
    ``lr`` on E = ½ Σ_k (O_k − t_k)² (a softmax output: on cross-entropy E = −Σ_k t_k log O_k,
    ``t`` one-hot or probability rows, with the notes' δ_k = O_k − t_k), computed by the
    Value engine on a copy of the model's weights (the model itself is not changed). For a
    Value it shows the forward values and the backward walk. ``remarks`` adds a sentence to
    a parameter's update step in the first iteration (keyed by the page's name of the
    parameter, e.g. ``"w3"``). A loss that becomes NaN or infinite is shown as text and
    reported once, as a ``train.DivergenceWarning`` naming the iteration.
    """
    path = Path(path)
    rec = _record(model_or_root, x, t, lr, steps)
    _warn_if_diverged(rec)
    if isinstance(rec, NetworkRecording):
        page = network_page(rec, frames_for(rec, remarks), title)
    else:
        page = graph_page(rec, frames_for(rec), title)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(page, encoding="utf-8")
    return path
