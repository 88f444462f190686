"""Draw the pictures of docs/vanishing-gradients.md; run it before ``mkdocs build``.

    python docs/gen_diagnostics.py            writes docs/img/vanishing_*.svg
    python docs/gen_diagnostics.py OUT_DIR    writes OUT_DIR/img/vanishing_*.svg

One experiment: the same six-layer network (2-16-16-16-16-16-1, a sigmoid output unit,
seed 0) with sigmoid, tanh or relu hidden units, trained on the two moons by plain
gradient descent with ``fit(..., diagnostics=True)``. Needs matplotlib; takes about 15 s.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import numpy as np

from tinygrad_edu import data, nn
from tinygrad_edu.plot import layer_curves
from tinygrad_edu.train import History, fit

SIZES = [2, 16, 16, 16, 16, 16, 1]  # six layers of weights
HIDDEN = ("sigmoid", "tanh", "relu")
COLORS = {"sigmoid": "tab:red", "tanh": "tab:blue", "relu": "tab:green"}
LR, EPOCHS = 0.5, 1000


def train_all(epochs: int = EPOCHS) -> dict[str, History]:
    """Train the network once per hidden activation; the histories carry the diagnostics."""
    X, y = data.moons(200, noise=0.1, seed=0)
    histories = {}
    for hidden in HIDDEN:
        model = nn.MLP(SIZES, hidden=hidden, output="sigmoid", seed=0)
        histories[hidden] = fit(model, X, y, lr=LR, steps=epochs, diagnostics=True)
    return histories


def first_step(histories: dict[str, History], plt: Any) -> Any:
    """‖δ_l‖ / ‖δ_6‖ per layer at the first step, with (¼)^(6 − l) for comparison."""
    fig, ax = plt.subplots(figsize=(6.4, 4.0))
    layers = np.arange(1, len(SIZES))
    for hidden, history in histories.items():
        deltas = np.array(history.delta_norm[0])
        ax.plot(layers, deltas / deltas[-1], "o-", color=COLORS[hidden], label=f"{hidden} hidden")
    quarter = 0.25 ** (layers[-1] - layers)
    ax.plot(layers, quarter, "k--", linewidth=1, label=r"$(1/4)^{6-l}$: ¼ per layer")
    ax.set_yscale("log")
    ax.set_xticks(layers)
    ax.set_xlabel("layer l (1 = next to the inputs, 6 = output)")
    ax.set_ylabel(r"$\|\delta_l\| \;/\; \|\delta_6\|$")
    ax.set_title("How much of the output's δ reaches each layer (first step)")
    ax.legend()
    return fig


def losses(histories: dict[str, History], plt: Any) -> Any:
    """The three loss curves in one picture."""
    fig, ax = plt.subplots(figsize=(6.4, 3.6))
    for hidden, history in histories.items():
        ax.plot(history.loss, color=COLORS[hidden], label=f"{hidden} hidden")
    ax.set_yscale("log")
    ax.set_xlabel("epoch")
    ax.set_ylabel("mean squared error")
    ax.set_title("Training loss, plain gradient descent (lr 0.5)")
    ax.legend()
    return fig


def per_layer(histories: dict[str, History], plt: Any) -> Any:
    """Per network (a row): ‖δ_l‖ of every layer per epoch, and the saturated units."""
    fig, axes = plt.subplots(len(histories), 2, figsize=(7.2, 8.0), sharex=True)
    for row, (hidden, history) in zip(axes, histories.items()):
        layer_curves(row[0], history.delta_norm, rf"{hidden} hidden: $\|\delta_l\|$ per layer")
        units = "dead or saturated" if hidden == "relu" else "saturated"
        layer_curves(row[1], history.saturated, f"{hidden} hidden: {units} units", log=False)
        row[0].set_ylim(1e-6, 1e-1)
        row[1].set_ylim(-0.03, 1.03)
    # the sigmoid network's saturation panel stays empty: room for the legend
    axes[0][1].legend(title="layer l (6 = output)", ncol=2, loc="center")
    for ax in axes[-1]:
        ax.set_xlabel("epoch")
    fig.tight_layout()
    return fig


PICTURES = {
    "vanishing_first_step": first_step,
    "vanishing_loss": losses,
    "vanishing_per_layer": per_layer,
}


def write_pictures(out: Path, epochs: int = EPOCHS) -> list[Path]:
    """Train, draw every picture to ``out/img/<name>.svg``; the paths written."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.rcParams["svg.hashsalt"] = "vanishing-gradients"  # the same file on every run
    histories = train_all(epochs)
    (out / "img").mkdir(parents=True, exist_ok=True)
    written = []
    for name, draw in PICTURES.items():
        fig = draw(histories, plt)
        path = out / "img" / f"{name}.svg"
        fig.savefig(path, metadata={"Date": None}, bbox_inches="tight")
        plt.close(fig)
        written.append(path)
    return written


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent
    for path in write_pictures(target):
        print(f"wrote {path}")
