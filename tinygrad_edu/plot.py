"""Pictures of a model and its training: the loss curve, the fit or decision regions, the
per-layer diagnostics (matplotlib), and the graph of the loss (Graphviz, through viz).

matplotlib is optional (``pip install tinygrad_edu[plot]``): without it :func:`training`
and :func:`diagnostics` draw nothing and return None.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .diagnostics import what_saturation_counts
from .train import loss_of, predict_fast
from .viz import render


def training(
    model: Any,
    X: np.ndarray,
    y: np.ndarray,
    X_train: np.ndarray,
    y_train: np.ndarray,
    losses: list[float],
    dataset: str,
    path: Path,
) -> Path | None:
    """Loss curve, and the decision boundary (2-d inputs) or the fitted curve (1-d) to ``path``.

    Returns the path written, or None when matplotlib is not installed.
    """
    plt = _pyplot()
    if plt is None:
        return None
    fig, (ax_loss, ax_fit) = plt.subplots(1, 2, figsize=(10, 4))
    ax_loss.plot(losses)
    ax_loss.set_yscale("log")
    ax_loss.set_xlabel("epoch")
    ax_loss.set_ylabel("mean squared error")
    ax_loss.set_title("training loss")
    if X.shape[1] == 1:
        curve(ax_fit, model, X, y)
        ax_fit.set_title(f"{dataset}: data and the trained model")
    else:
        boundary(ax_fit, model, X_train, y_train)
        ax_fit.set_title(f"{dataset}: training samples and decision regions")
    fig.tight_layout()
    fig.savefig(path, dpi=80)
    plt.close(fig)
    return path


def diagnostics(
    history: Any,
    path: Path,
    title: str = "",
    activations: Sequence[str] | None = None,
    loss_name: str = "mean squared error",
) -> Path | None:
    """The loss beside the per-layer diagnostics of ``fit(..., diagnostics=True)``: ‖δ_l‖,
    ‖∂E/∂W_l‖ and the saturated fraction of each layer l, per epoch, to ``path``.

    ``activations`` (the model's, one per layer) lets the title say what the fraction
    counts: saturated sigmoid or tanh units, dead relu units. ``loss_name`` names what
    ``history.loss`` holds (fit's default reduction: the mean squared error).
    Returns the path written, or None when matplotlib is not installed.
    """
    plt = _pyplot()
    if plt is None:
        return None
    fig, axes = plt.subplots(2, 2, figsize=(9, 6.5), sharex=True)
    (ax_loss, ax_delta), (ax_grad, ax_saturated) = axes
    ax_loss.plot(history.loss, color="k")
    ax_loss.set_yscale("log")
    ax_loss.set_title(f"training loss: {loss_name}")
    layer_curves(ax_delta, history.delta_norm, "‖δ‖ = ‖∂E/∂net‖ per layer")
    layer_curves(ax_grad, history.grad_W_norm, "‖∂E/∂W‖ per layer")
    layer_curves(ax_saturated, history.saturated, saturation_title(activations), log=False)
    ax_saturated.set_ylim(-0.03, 1.03)
    ax_delta.legend(title="layer", fontsize=8, ncol=2)
    for ax in (ax_grad, ax_saturated):
        ax.set_xlabel("epoch")
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path, dpi=80)
    plt.close(fig)
    return path


def saturation_title(activations: Sequence[str] | None) -> str:
    """The title of the saturation panel: what its fraction counts, layer by layer."""
    if activations is None:
        return "fraction of units saturated (sigmoid, tanh) or dead (relu)"
    layers: dict[str, list[str]] = {}
    for number, activation in enumerate(activations, 1):
        layers.setdefault(what_saturation_counts(activation), []).append(str(number))
    parts = [f"layer {', '.join(numbers)}: {what}" for what, numbers in layers.items()]
    return "fraction of units\n" + "\n".join(parts)


def layer_curves(ax: Any, per_step: Any, title: str, log: bool = True) -> None:
    """One line per layer (layer 1 lightest, the output layer darkest) of a (steps, layers)
    table such as ``history.delta_norm``; a log scale shows the factors between layers."""
    values = np.asarray(per_step, dtype=float)
    n_layers = values.shape[1]
    colors = _layer_colors(n_layers)
    for l in range(n_layers):
        ax.plot(values[:, l], color=colors[l], label=f"{l + 1}")
    if log and np.any(values > 0):
        ax.set_yscale("log")
    ax.set_title(title)


def _layer_colors(n: int) -> list[Any]:
    """``n`` shades of one colour map, light to dark: layer 1 to the output layer."""
    import matplotlib

    cmap = matplotlib.colormaps["viridis_r"]
    return [cmap(0.15 + 0.85 * l / max(n - 1, 1)) for l in range(n)]


def _pyplot() -> Any:
    """matplotlib.pyplot drawing to files (never a window), or None when not installed."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    return plt


def curve(ax: Any, model: Any, X: np.ndarray, y: np.ndarray) -> None:
    """The samples of a 1-d regression and the model's curve over their range."""
    grid = np.linspace(X.min(), X.max(), 200).reshape(-1, 1)
    ax.scatter(X[:, 0], y[:, 0], s=10, color="tab:blue", label="data")
    ax.plot(grid[:, 0], predict_fast(model, grid)[:, 0], color="tab:red", label="model")
    ax.legend()


def boundary(ax: Any, model: Any, X: np.ndarray, y: np.ndarray) -> None:
    """The samples of a 2-d classification over the regions the model assigns."""
    pad = 0.5
    xs = np.linspace(X[:, 0].min() - pad, X[:, 0].max() + pad, 120)
    ys = np.linspace(X[:, 1].min() - pad, X[:, 1].max() + pad, 120)
    gx, gy = np.meshgrid(xs, ys)
    pred = predict_fast(model, np.column_stack([gx.ravel(), gy.ravel()]))
    labels = y.argmax(axis=1) if y.shape[1] > 1 else (y[:, 0] > 0.5).astype(int)
    if pred.shape[1] > 1:
        ax.contourf(gx, gy, pred.argmax(axis=1).reshape(gx.shape), alpha=0.3, cmap="viridis")
    else:
        ax.contourf(gx, gy, pred[:, 0].reshape(gx.shape), levels=20, alpha=0.4, cmap="RdBu_r")
        ax.contour(gx, gy, pred[:, 0].reshape(gx.shape), levels=[0.5], colors="k")
    cmap = "viridis" if pred.shape[1] > 1 else "RdBu_r"  # class 0 blue, class 1 red
    ax.scatter(X[:, 0], X[:, 1], c=labels, s=12, cmap=cmap, edgecolors="k", linewidths=0.3)


def loss_graph(model: Any, X: np.ndarray, y: np.ndarray, path: Path) -> Path:
    """Draw the graph of E = ½ Σ (O − t)² on (X, y), after backward so gradients show.

    The tensor engine's graph of a small batch has a handful of nodes; a network with one
    node per weight (the value engine: a parameter per slot) has that many per sample, so it
    is drawn for one sample. Without Graphviz's ``dot`` program, :func:`viz.render` writes
    the .dot source and says so in one line.
    """
    if len(model.parameters()) == len(model.slots()):
        X, y = X[:1], y[:1]
    model.zero_grad()
    loss = loss_of(model, X, y, reduction="half_sum")
    loss.label = "E"  # the notes' E = ½ Σ (O − t)², named as the demo's table names it
    loss.backward()
    return render(loss, path)
