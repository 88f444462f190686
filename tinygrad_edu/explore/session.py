"""One training session: the settings, the data, the network, its optimizer and its history.

The server holds exactly one :class:`Session` and calls it under a lock. Every method that
the page reaches returns plain JSON-able data (or bytes); nothing here knows about HTTP.

A step is the notes' loop on the library's engine: forward the next ``batch`` training
points (in order, wrapping round), the error (mean squared error, or cross-entropy for a
softmax output), ``zero_grad``, ``backward``, one SGD step with momentum and L2
(``optim.SGD(weight_decay=)``). The per-layer ‖δ‖ and ‖∂E/∂W‖ are read from the same pass
(``diagnostics.LayerRecorder``).
"""

from __future__ import annotations

import base64
import tempfile
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np

from .. import compare as comparing
from .. import ops, optim, rules, train, viz
from ..cost import count_parameters, finite_difference_seconds
from ..diagnostics import LayerRecorder, saturation
from ..graph import no_grad
from ..losses import cross_entropy_loss, mse_loss
from ..nn import MLP
from ..stepper import NetworkRecording, frames_for, recording
from ..stepper.render import network_page
from .playground import (
    DATASETS,
    ENGINES,
    FEATURES,
    Data,
    SettingError,
    Settings,
    check_cost,
    checked,
    features,
    make_data,
    output_of,
)

OUTPUT_GRID = 48  # the output's heatmap: OUTPUT_GRID² points
UNIT_GRID = 20  # each unit's small heatmap
# what the page writes for each activation: f, f′ with names and f′ with numbers
OP_TEXTS = {
    name: {
        "formula": ops.OPS[name].formula,
        "derivative": ops.OPS[name].derivative_text,
        "numbers": ops.OPS[name].derivative_numbers,
    }
    for name in ops.OUTPUT_ACTIVATIONS
}
CURVE_DIGITS = 5  # significant digits of a curve's points and of the dots' places
HISTORY = 200  # points kept per curve; beyond, every other one is dropped
COMPARE_SECONDS = 3.0  # the three-way table's finite differences, estimated before
REQUEST_SECONDS = 5.0  # the steps of one request, estimated before
DRAWN_WEIGHTS = 2_000  # the step-through page and the graph show every weight: at most


def loss_node(model: Any, X: np.ndarray, t: np.ndarray) -> Any:
    """The error the session trains on: cross-entropy (mean) for softmax, else MSE (mean)."""
    out = model(X)
    if ops.OPS[model.activations[-1]].layer_wide:  # softmax, whose error is cross-entropy
        return cross_entropy_loss(out, t)
    return mse_loss(out, t)


def outputs(weights: Any, activations: Any, X: np.ndarray) -> list[np.ndarray]:
    """Every layer's output O for the rows of X: ``rules.forward``'s numbers, but each
    product summed by ``einsum`` in one thread. A multithreaded BLAS product of a few
    thousand rows (the heatmaps' grid) costs tens of times more on two busy cores."""
    out, layers = X, []
    for (W, b), name in zip(weights, activations):
        net = np.einsum("ni,ji->nj", out, W)
        out = rules.activate(name, net if b is None else net + b)
        layers.append(out)
    return layers


def _bytes(values: np.ndarray, low: float, high: float) -> str:
    """Values mapped from [low, high] (clipped) to 0 … 255, as base64 (the page's heatmaps)."""
    scaled = (np.clip(values, low, high) - low) / (high - low) * 255.0
    return base64.b64encode(np.rint(scaled).astype(np.uint8).tobytes()).decode("ascii")


def _floats(a: Any, digits: int = 17) -> Any:
    """An array (or a number) as nested lists of floats, NaN and ±inf as None: JSON has
    neither, and a network that diverged still has to be drawn. ``digits`` < 17 rounds
    to that many significant digits (what a curve or a dot needs, in fewer bytes)."""
    a = np.asarray(a, dtype=float)
    if digits < 17:
        with np.errstate(all="ignore"):
            scale = 10.0 ** (digits - 1 - np.floor(np.log10(np.abs(np.where(a == 0, 1, a)))))
            a = np.where(np.isfinite(scale), np.round(a * scale) / scale, a)
    finite = np.isfinite(a)
    if finite.all():
        return a.tolist()
    return np.where(finite, a, np.full(a.shape, None, dtype=object)).tolist()


def _largest(difference: np.ndarray) -> float | None:
    """max |difference|, or None where a column holds NaN (a learner's wrong shape)."""
    largest = float(np.max(np.abs(difference), initial=0.0))
    return largest if np.isfinite(largest) else None


class Session:
    """The explorer's one run. ``csv_points``: the learner's (X, label) from ``--data``;
    ``learner_rules``: a backward pass as ``compare(..., rules=)`` takes it."""

    def __init__(
        self,
        csv_points: Any = None,
        learner_rules: Callable[..., Any] | None = None,
        settings: Settings | None = None,
    ) -> None:
        self.csv_points = csv_points
        self.learner_rules = learner_rules
        base = settings or Settings(dataset="csv" if csv_points is not None else "moons")
        self.settings = checked({}, base, csv_points)
        self.reset()

    # --- changing the run -------------------------------------------------------------------

    def reset(self) -> None:
        """Start again from the settings: the same data, the seed's initial weights."""
        s = self.settings
        self.data: Data = make_data(s, self.csv_points if s.dataset == "csv" else None)
        self.output, outputs = output_of(s, self.data.classes)
        self.inputs_train = features(self.data.X_train, s.features)
        self.inputs_test = features(self.data.X_test, s.features)
        sizes = [len(s.features), *s.hidden, outputs]
        self.model: Any = MLP(sizes, s.activation, self.output, engine=s.engine, seed=s.seed)
        self.optimizer = optim.SGD(
            self.model.parameters(), lr=s.lr, momentum=s.momentum, weight_decay=s.l2
        )
        self.steps = 0
        self.history: dict[str, list[Any]] = {
            "step": [],
            "train": [],
            "test": [],
            "delta": [],
            "gradW": [],
            "saturated": [],
        }
        self.stride = 1
        self.last_stats: dict[str, list[float]] | None = None
        self.focus = 0
        self._record(None)

    def apply(self, changes: Any) -> bool:
        """Apply the page's changes (all checked first); True when the run started again."""
        new = checked(changes, self.settings, self.csv_points)
        live = {
            name for name in Settings.LIVE if getattr(new, name) != getattr(self.settings, name)
        }
        restart = any(
            getattr(new, name) != getattr(self.settings, name)
            for name in asdict(new)
            if name not in Settings.LIVE
        )
        before = dict(self.__dict__)  # reset() replaces attributes, never changes them
        self.settings = new
        if restart:
            try:
                self.reset()
            except Exception:  # checked settings build; should one fail, the run stays
                self.__dict__.update(before)
                raise
        elif live:
            self.optimizer.lr = new.lr
            self.optimizer.momentum = new.momentum
            self.optimizer.weight_decay = new.l2
        return restart

    # --- training ---------------------------------------------------------------------------

    def batch_rows(self) -> list[int]:
        """The training points of the next step: ``batch`` in order, wrapping round."""
        n, b = len(self.inputs_train), self.settings.batch
        return [(self.steps * b + i) % n for i in range(b)]

    def step(self, n: int = 1) -> None:
        """``n`` training steps (refused when they would take more than REQUEST_SECONDS)."""
        sizes, s = self.model.sizes, self.settings
        seconds = n * check_cost(sizes, s.batch, s.engine)
        if seconds > REQUEST_SECONDS:
            raise SettingError(
                f"{n} steps of this network take about {seconds:.0f} s; at most "
                f"{REQUEST_SECONDS:g} s at a time: ask for fewer"
            )
        for _ in range(n):
            rows = self.batch_rows()
            recorder = LayerRecorder(self.model)
            error = loss_node(recorder, self.inputs_train[rows], self.data.t_train[rows])
            self.optimizer.zero_grad()
            error.backward()
            self.last_stats = recorder.measure()
            self.optimizer.step()
            self.steps += 1
            if self.steps % self.stride == 0:
                self._record(self.last_stats)

    def losses(self) -> tuple[float, float]:
        """The error over all training points and over all test points (nan without any)."""
        twin = (
            self.model if self.settings.engine == "tensor" else train.copy_on(self.model, "tensor")
        )
        values = []
        with no_grad():
            for X, t in (
                (self.inputs_train, self.data.t_train),
                (self.inputs_test, self.data.t_test),
            ):
                values.append(float(loss_node(twin, X, t).data) if len(X) else float("nan"))
        return values[0], values[1]

    def _record(self, stats: dict[str, list[float]] | None) -> None:
        h = self.history
        if len(h["step"]) >= HISTORY:  # keep every other point, record half as often
            for key in h:
                h[key] = h[key][::2]
            self.stride *= 2
        train_loss, test_loss = self.losses()
        h["step"].append(self.steps)  # kept as JSON takes it: NaN as None
        self.loss = {"train": _floats(train_loss), "test": _floats(test_loss)}  # exact
        h["train"].append(_floats(train_loss, CURVE_DIGITS))
        h["test"].append(_floats(test_loss, CURVE_DIGITS))
        nan = [None] * len(self.model.activations)
        for key, name in (
            ("delta", "delta_norm"),
            ("gradW", "grad_W_norm"),
            ("saturated", "saturated"),
        ):
            h[key].append(_floats(stats[name], CURVE_DIGITS) if stats else nan)

    # --- what the page shows ------------------------------------------------------------------

    def bounds(self) -> list[float]:
        """The drawn square of the input plane: all points, with a margin."""
        X = np.concatenate([self.data.X_train, self.data.X_test])
        low, high = X.min(axis=0), X.max(axis=0)
        pad = 0.1 * np.maximum(high - low, 1e-9)
        return [
            float(low[0] - pad[0]),
            float(high[0] + pad[0]),
            float(low[1] - pad[1]),
            float(high[1] + pad[1]),
        ]

    def _grid(self, size: int) -> np.ndarray:
        x0, x1, y0, y1 = self.bounds()
        xs = np.linspace(x0, x1, size)
        ys = np.linspace(y1, y0, size)  # row 0 at the top
        gx, gy = np.meshgrid(xs, ys)
        return np.stack([gx.ravel(), gy.ravel()], axis=1)

    def heatmaps(self) -> dict[str, Any]:
        """The output over the plane, and every feature's and unit's small heatmap."""
        weights, acts = self.model.get_weights(), self.model.activations
        out = outputs(weights, acts, features(self._grid(OUTPUT_GRID), self.settings.features))[-1]
        if ops.OPS[self.output].layer_wide:  # softmax: one unit per class
            output = {
                "kind": "classes",
                "cls": _bytes(out.argmax(axis=1).astype(float), 0, 255),
                "p": _bytes(out.max(axis=1), 0.0, 1.0),
            }
        elif self.data.classes:
            output = {"kind": "value", "v": _bytes(2 * out[:, 0] - 1, -1.0, 1.0)}
        else:
            output = {"kind": "value", "v": _bytes(out[:, 0], -1.0, 1.0)}
        small_inputs = features(self._grid(UNIT_GRID), self.settings.features)
        small = outputs(weights, acts, small_inputs)
        scale = np.maximum(np.abs(small_inputs).max(axis=0), 1e-12)
        units = [[_bytes(small_inputs[:, i] / scale[i], -1, 1) for i in range(len(scale))]]
        for layer, name in zip(small, acts):
            row = ops.OPS[name]  # outputs in [0, 1] (sigmoid, softmax) drawn on [−1, 1]
            o = 2 * layer - 1 if row.layer_wide or row.bounds == (0.0, 1.0) else layer
            units.append([_bytes(o[:, j], -1.0, 1.0) for j in range(o.shape[1])])
        return {"output": output, "units": units, "outputGrid": OUTPUT_GRID, "unitGrid": UNIT_GRID}

    def point(self, index: int) -> tuple[np.ndarray, np.ndarray]:
        """Training point ``index``'s network input and target."""
        if not 0 <= index < len(self.inputs_train):
            raise SettingError(f"point must be 0 … {len(self.inputs_train) - 1}, got {index}")
        return self.inputs_train[index], self.data.t_train[index]

    def unit_details(self) -> list[dict[str, Any]]:
        """For the focused training point, per layer: inputs, net, O and the notes' δ."""
        x, t = self.point(self.focus)
        weights, acts = self.model.get_weights(), self.model.activations
        forward = rules.forward(weights, acts, x)
        backward = rules.backward(weights, acts, x, t)
        layers, inputs = [], x
        for fw, bw, name in zip(forward, backward, acts):
            wide = ops.OPS[name].layer_wide  # softmax: f′ is a Jacobian, δ = O − t
            layers.append(
                {
                    "x": _floats(inputs),
                    "net": _floats(fw.net),
                    "out": _floats(fw.out),
                    "fprime": None if wide else _floats(rules.derivative(name, fw.net, fw.out)),
                    "delta": _floats(bw.delta),
                }
            )
            inputs = fw.out
        layers[-1]["t"] = _floats(t)
        return layers

    def state(self) -> dict[str, Any]:
        """Everything the page draws after a step."""
        d = self.data
        weights = self.model.get_weights()
        grads = self.model.get_gradients() if self.steps else None
        h = self.history
        return {
            "settings": _settings_json(self.settings),
            "steps": self.steps,
            "epoch": self.steps * self.settings.batch / max(1, len(d.X_train)),
            "sizes": self.model.sizes,
            "activations": self.model.activations,
            "loss": self.loss,
            "history": h,
            "weights": [[_floats(W), None if b is None else _floats(b)] for W, b in weights],
            "grads": None
            if grads is None
            else [[_floats(W), None if b is None else _floats(b)] for W, b in grads],
            "saturated": self._saturated_units(),
            "points": {
                "train": _floats(d.X_train, CURVE_DIGITS),
                "trainLabel": _floats(d.label_train, CURVE_DIGITS),
                "test": _floats(d.X_test, CURVE_DIGITS),
                "testLabel": _floats(d.label_test, CURVE_DIGITS),
                "classes": d.classes,
            },
            "bounds": self.bounds(),
            "heatmaps": self.heatmaps(),
            "focus": self.focus,
            "units": self.unit_details(),
            "rules": self.learner_rules is not None,
            "ops": OP_TEXTS,
            "choices": self.choices(),
        }

    def choices(self) -> dict[str, Any]:
        """What the page's menus offer: read off the op table and the data sets."""
        return {
            "datasets": [*DATASETS, *(["csv"] if self.csv_points is not None else [])],
            "activations": list(ops.ACTIVATIONS),
            "outputs": ["auto", *ops.OUTPUT_ACTIVATIONS],
            "features": {name: text for name, (text, _) in FEATURES.items()},
            "engines": list(ENGINES),
        }

    def _saturated_units(self) -> list[list[bool]]:
        """Per hidden and output unit: saturated (sigmoid/tanh) or dead (relu) on the
        training points, as ``diagnostics.saturation`` counts it, unit by unit."""
        layers = outputs(self.model.get_weights(), self.model.activations, self.inputs_train)
        return [
            [saturation(name, layer[:, [j]]) > 0.9 for j in range(layer.shape[1])]
            for layer, name in zip(layers, self.model.activations)
        ]

    # --- looking closer ---------------------------------------------------------------------

    def compare(self) -> dict[str, Any]:
        """The three-way table for the next step's batch: autograd, δ rules (or the
        learner's), finite differences; the largest disagreements and a learner's finding."""
        rows = self.batch_rows()
        X, t = self.inputs_train[rows], self.data.t_train[rows]
        sizes = self.model.sizes
        weights = count_parameters(sizes)
        seconds = finite_difference_seconds(sizes, len(rows), self.settings.engine)
        if seconds > COMPARE_SECONDS:
            raise SettingError(
                f"the finite differences for {weights:,} weights on a batch of {len(rows)} take "
                f"about {seconds:,.0f} s on the {self.settings.engine} engine; use a smaller "
                "batch or network (or the tensor engine)"
            )
        try:
            report = comparing.compare(self.model, X, t, rules=self.learner_rules)
        except comparing.RulesError as error:  # the learner's function raised: say so, go on
            raise SettingError(str(error)) from None
        table: list[dict[str, Any]] = []
        for row in report.rows:
            a, r, f = row.autograd, row.rules, row.finite_difference
            table.append(
                {
                    "name": row.name,
                    "autograd_rules": _largest(a - r),
                    "autograd_fd": _largest(a - f),
                    "rules_fd": _largest(r - f),
                    "ok": row.ok,
                }
            )
        finding = report.finding
        return {
            "rows": table,
            "rulesName": report.rules_name,
            "error": report.error,
            "samples": report.samples,
            "max": {
                key: None
                if any(row[key] is None for row in table)
                else max((row[key] for row in table), default=0.0)
                for key in ("autograd_rules", "autograd_fd", "rules_fd")
            },
            "ok": report.ok,
            "finding": None
            if finding is None
            else {
                "where": finding.where,
                "expected": None if finding.expected is None else _floats(finding.expected),
                "got": None if finding.got is None else _floats(finding.got),
                "hint": finding.hint,
                "text": str(finding),
            },
        }

    def stepper_page(self, index: int) -> str:
        """The step-through page for training point ``index`` with the current weights."""
        x, t = self.point(index)
        self._check_drawable("the step-through page")
        rec = recording(self.model, x, t, lr=self.settings.lr, steps=1)
        assert isinstance(rec, NetworkRecording)  # a network's recording, not a graph's
        return network_page(rec, frames_for(rec), None)

    def graph_svg(self, index: int) -> bytes:
        """The computation graph of one training point's error, as an SVG drawing."""
        x, t = self.point(index)
        self._check_drawable("the graph")
        if not viz.dot_available():
            raise SettingError("drawing the graph needs Graphviz's `dot` program on the PATH")
        twin = train.copy_on(self.model, "value")
        error = loss_node(twin, x, t)
        error.backward()
        return bytes(viz.draw_graph(error, show_grad=True, collapse="auto").pipe(format="svg"))

    def _check_drawable(self, what: str) -> None:
        weights = sum(int(np.size(p.data)) for p in self.model.parameters())
        if weights > DRAWN_WEIGHTS:
            raise SettingError(
                f"{what} shows every one of the network's {weights:,} weights; at most "
                f"{DRAWN_WEIGHTS:,}: use a smaller network"
            )

    def weights_npz(self) -> bytes:
        """The network's weights as ``Module.save`` writes them."""
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "weights.npz"
            self.model.save(path)
            return path.read_bytes()

    def python(self) -> str:
        """The lines that reproduce this run with the library."""
        s = self.settings
        return PYTHON.format(
            settings="Settings(\n"
            + "".join(f"    {k}={v!r},\n" for k, v in asdict(s).items())
            + ")",
            data="make_data(settings)"
            if s.dataset != "csv"
            else "make_data(settings, read_points('points.csv'))",
            steps=self.steps,
        )


def _settings_json(s: Settings) -> dict[str, Any]:
    d = asdict(s)
    d["features"], d["hidden"] = list(s.features), list(s.hidden)
    return d


PYTHON = """\
from tinygrad_edu import optim
from tinygrad_edu.explore.playground import Settings, features, make_data, output_of, read_points
from tinygrad_edu.explore.session import loss_node
from tinygrad_edu.nn import MLP

settings = {settings}
data = {data}
X = features(data.X_train, settings.features)
output, outputs = output_of(settings, data.classes)
sizes = [len(settings.features), *settings.hidden, outputs]
model = MLP(sizes, settings.activation, output, engine=settings.engine, seed=settings.seed)
optimizer = optim.SGD(
    model.parameters(), lr=settings.lr, momentum=settings.momentum, weight_decay=settings.l2
)
for step in range({steps}):
    rows = [(step * settings.batch + i) % len(X) for i in range(settings.batch)]
    error = loss_node(model, X[rows], data.t_train[rows])
    optimizer.zero_grad()
    error.backward()
    optimizer.step()
print(float(loss_node(model, X, data.t_train).data))
"""
