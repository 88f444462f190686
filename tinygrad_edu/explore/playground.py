"""The explorer's data and settings: 2-D point sets, input features, checked settings.

Everything here is plain data and NumPy, so the lines "copy as Python" gives can build the
same data with :func:`make_data` and train as :class:`~tinygrad_edu.explore.session.Session`
does. A setting from the page is checked here, whole, before anything changes: a bad one
raises :class:`SettingError` naming the setting and the value.
"""

from __future__ import annotations

import csv
import math
import numbers
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from .. import data, ops
from ..cost import count_parameters, forward_seconds

DATASETS = ("xor", "moons", "spirals", "sine", "circle", "gauss")
REGRESSION = ("sine",)
# name -> (what the page writes, f(x1, x2))
FEATURES: dict[str, tuple[str, Any]] = {
    "x1": ("X₁", lambda a, b: a),
    "x2": ("X₂", lambda a, b: b),
    "x1^2": ("X₁²", lambda a, b: a * a),
    "x2^2": ("X₂²", lambda a, b: b * b),
    "x1x2": ("X₁X₂", lambda a, b: a * b),
    "sin x1": ("sin X₁", lambda a, b: np.sin(a)),
    "sin x2": ("sin X₂", lambda a, b: np.sin(b)),
}
ENGINES = ("tensor", "value")
MAX_POINTS = 5_000
MAX_CLASSES = 10
# A step (and the frame drawn after it) estimated to take longer than this is refused, by
# the estimate the command's limits use (cost.py).
STEP_SECONDS = 0.5
GRID_POINTS = 48 * 48 + 20 * 20  # the output's heatmap and every unit's small one


class SettingError(ValueError):
    """A setting from the page (or the URL) that cannot be used; the message names it."""


@dataclass(frozen=True)
class Settings:
    """Everything that decides a run: the same settings give the same numbers, bit for bit."""

    dataset: str = "moons"
    classes: int = 3  # spirals only
    points: int = 200
    noise: float = 0.1
    test: float = 0.5  # the share of the points held out
    seed: int = 0
    features: tuple[str, ...] = ("x1", "x2")
    hidden: tuple[int, ...] = (4, 4)
    activation: str = "tanh"
    output: str = "auto"  # softmax for several classes, sigmoid for two, linear for sine
    engine: str = "tensor"
    lr: float = 0.03
    batch: int = 10
    momentum: float = 0.0
    l2: float = 0.0

    # changing one of these keeps the network and its epoch; any other starts again
    LIVE = ("lr", "batch", "momentum", "l2")


class Data(NamedTuple):
    """A point set split into training and test points; ``label`` per point (a class, or
    the target value for regression) and ``t`` the targets the network trains on."""

    X_train: np.ndarray  # (n, 2) raw points
    t_train: np.ndarray  # (n, outputs)
    label_train: np.ndarray  # (n,)
    X_test: np.ndarray
    t_test: np.ndarray
    label_test: np.ndarray
    classes: int  # 0 for regression


# --- the point sets -------------------------------------------------------------------------


def _points(name: str, n: int, noise: float, classes: int, rng: np.random.Generator) -> Any:
    """(X (n, 2), label (n,)) of a generated set; labels are classes, or sin x₁ for sine."""
    if name == "moons":
        X, y = data.moons(n, noise=noise, seed=int(rng.integers(2**31)))
        return X, y[:, 0].astype(int)
    if name == "spirals":
        X, y = data.spirals(n, classes=classes, noise=noise, seed=int(rng.integers(2**31)))
        return X, y.argmax(axis=1)
    if name == "xor":  # Playground's: the four quadrants, a margin around the axes
        X = rng.uniform(-1.0, 1.0, size=(n, 2))
        X += np.where(X > 0, 0.05, -0.05)
        label = (X[:, 0] * X[:, 1] > 0).astype(int)
    elif name == "circle":  # a disc of class 1 inside a ring of class 0
        radius = np.concatenate([rng.uniform(0, 0.5, n // 2), rng.uniform(0.7, 1.0, n - n // 2)])
        angle = rng.uniform(0, 2 * math.pi, n)
        X = np.stack([radius * np.cos(angle), radius * np.sin(angle)], axis=1)
        label = (np.arange(n) < n // 2).astype(int)
    elif name == "gauss":  # two blobs
        label = (np.arange(n) < n // 2).astype(int)
        centres = np.where(label[:, None] == 1, 0.5, -0.5)
        X = centres + rng.normal(0.0, 0.25, size=(n, 2))
    else:  # sine: regression, t = sin x₁
        X = rng.uniform(-math.pi, math.pi, size=(n, 2))
        label = np.sin(X[:, 0]) + noise * rng.standard_normal(n)
        return X, label
    return X + noise * rng.standard_normal((n, 2)), label


def read_points(path: str | Path) -> tuple[np.ndarray, np.ndarray]:
    """The learner's own points: a CSV file of rows ``x1,x2,label`` (a header line allowed).

    A label is a class (0, 1, 2 …, whole numbers) or, when any label is not whole, a target
    value (regression). Raises ValueError naming the file, the line and what is wrong.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        why = getattr(error, "strerror", None) or str(error)
        raise ValueError(f"--data {str(path)!r}: cannot be read ({why})") from None
    rows: list[list[float]] = []
    for number, row in enumerate(csv.reader(text.splitlines()), 1):
        if not row or all(not cell.strip() for cell in row):
            continue
        if len(row) != 3:
            raise ValueError(
                f"--data {str(path)!r} line {number}: expected 3 columns x1,x2,label, "
                f"got {len(row)}"
            )
        try:
            values = [float(cell) for cell in row]
        except ValueError:
            if not rows and number == 1:
                continue  # a header line
            raise ValueError(
                f"--data {str(path)!r} line {number}: {','.join(row)!r} is not three numbers"
            ) from None
        if not all(math.isfinite(v) and abs(v) <= 1e6 for v in values):
            raise ValueError(
                f"--data {str(path)!r} line {number}: numbers must be finite and at most "
                f"1e6 in size, got {','.join(row)!r}"
            )
        rows.append(values)
    if len(rows) < 4:
        raise ValueError(f"--data {str(path)!r}: needs at least 4 points, found {len(rows)}")
    if len(rows) > MAX_POINTS:
        raise ValueError(f"--data {str(path)!r}: at most {MAX_POINTS:,} points, found {len(rows)}")
    table = np.array(rows)
    label = table[:, 2]
    if np.all(label == np.round(label)):
        if label.min() < 0 or label.max() >= MAX_CLASSES:
            raise ValueError(
                f"--data {str(path)!r}: class labels must be 0 … {MAX_CLASSES - 1}, "
                f"got {label.min():g} … {label.max():g}"
            )
        return table[:, :2], label.astype(int)
    return table[:, :2], label


def output_of(settings: Settings, classes: int) -> tuple[str, int]:
    """The output activation and the number of output units for ``classes`` (0: regression)."""
    output = settings.output
    if output == "auto":
        output = "softmax" if classes > 2 else "sigmoid" if classes == 2 else "linear"
    layer_wide = ops.OPS[output].layer_wide  # softmax: one unit per class (its row says)
    if classes > 2 and not layer_wide:
        raise SettingError(f"output {output!r}: {classes} classes need the softmax output")
    if layer_wide:
        if classes < 2:
            raise SettingError(f"output {output!r}: needs a set of classes, not regression")
        return output, classes
    return output, 1


def make_data(settings: Settings, points: Any = None) -> Data:
    """The settings' points (or the CSV's ``points``: (X, label)), split with the seed."""
    rng = np.random.default_rng(settings.seed)
    if points is None:
        X, label = _points(settings.dataset, settings.points, settings.noise, settings.classes, rng)
        regression = settings.dataset in REGRESSION
    else:
        X, label = points
        regression = label.dtype.kind == "f"
    order = rng.permutation(len(X))
    X, label = X[order], label[order]
    classes = 0 if regression else max(2, int(label.max()) + 1)
    _, outputs = output_of(settings, classes)
    t = label[:, None].astype(float) if outputs == 1 else np.eye(outputs)[label]
    n_test = min(len(X) - 1, round(settings.test * len(X)))
    cut = len(X) - n_test
    return Data(X[:cut], t[:cut], label[:cut], X[cut:], t[cut:], label[cut:], classes)


def features(X: np.ndarray, names: tuple[str, ...]) -> np.ndarray:
    """The network's inputs: one column per feature name, from the raw points (n, 2)."""
    return np.stack([FEATURES[name][1](X[:, 0], X[:, 1]) for name in names], axis=1)


# --- checking the settings ------------------------------------------------------------------


def _number(value: Any, key: str, low: float, high: float, whole: bool = False) -> Any:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise SettingError(f"{key} must be a number, got {value!r}")
    x = float(value)
    if not math.isfinite(x) or not low <= x <= high:
        raise SettingError(f"{key} must be between {low:g} and {high:g}, got {value!r}")
    if whole:
        if x != math.floor(x):
            raise SettingError(f"{key} must be a whole number, got {value!r}")
        return int(x)
    return x


def _choice(value: Any, key: str, choices: tuple[str, ...]) -> str:
    if value not in choices:
        raise SettingError(f"{key} must be one of {', '.join(choices)}; got {value!r}")
    return str(value)


def checked(changes: Any, base: Settings, csv_points: Any = None) -> Settings:
    """``base`` with ``changes`` (a dict from the page) applied, every field checked.

    Unknown keys, wrong types, values out of range, an unknown activation, an empty feature
    list and a network whose step would cost more than about STEP_SECONDS each raise
    SettingError with the setting's name.
    """
    if not isinstance(changes, dict):
        raise SettingError(f"settings must be an object, got {type(changes).__name__}")
    fields = dict(base.__dict__)
    unknown = sorted(set(changes) - set(fields))
    if unknown:
        raise SettingError(f"unknown setting(s): {', '.join(map(str, unknown))}")
    fields.update(changes)
    datasets = (*DATASETS, "csv") if csv_points is not None else DATASETS
    hidden = fields["hidden"]
    if not isinstance(hidden, (list, tuple)) or len(hidden) > 16:
        raise SettingError(f"hidden must be a list of at most 16 widths, got {hidden!r}")
    names = fields["features"]
    if not isinstance(names, (list, tuple)) or not names or len(set(names)) != len(names):
        raise SettingError(f"features must be a non-empty list without repeats, got {names!r}")
    settings = Settings(
        dataset=_choice(fields["dataset"], "dataset", datasets),
        classes=_number(fields["classes"], "classes", 2, MAX_CLASSES, whole=True),
        points=_number(fields["points"], "points", 4, MAX_POINTS, whole=True),
        noise=_number(fields["noise"], "noise", 0.0, 1.0),
        test=_number(fields["test"], "test", 0.0, 0.9),
        seed=_number(fields["seed"], "seed", 0, 2**31 - 1, whole=True),
        features=tuple(_choice(name, "features", tuple(FEATURES)) for name in names),
        hidden=tuple(_number(w, "hidden width", 1, 10**4, whole=True) for w in hidden),
        activation=_choice(fields["activation"], "activation", ops.ACTIVATIONS),
        output=_choice(fields["output"], "output", ("auto", *ops.OUTPUT_ACTIVATIONS)),
        engine=_choice(fields["engine"], "engine", ENGINES),
        lr=_number(fields["lr"], "lr", 1e-6, 10.0),
        batch=_number(fields["batch"], "batch", 1, MAX_POINTS, whole=True),
        momentum=_number(fields["momentum"], "momentum", 0.0, 0.999),
        l2=_number(fields["l2"], "l2", 0.0, 1.0),
    )
    if settings.dataset == "csv" and csv_points is None:
        raise SettingError("dataset 'csv' needs --data points.csv")
    classes = 0 if settings.dataset in REGRESSION else settings.classes
    if settings.dataset == "csv":
        label = csv_points[1]
        classes = 0 if label.dtype.kind == "f" else max(2, int(label.max()) + 1)
    elif settings.dataset != "spirals" and classes:
        classes = 2
    _, outputs = output_of(settings, classes)
    sizes = [len(settings.features), *settings.hidden, outputs]
    check_cost(sizes, settings.batch, settings.engine)
    return settings


def check_cost(sizes: list[int], batch: int, engine: str) -> float:
    """The estimated seconds of one step and its frame (the batch's pass on the engine, the
    heatmaps' on the tensor engine); refused above STEP_SECONDS."""
    seconds = forward_seconds(sizes, batch, engine) + forward_seconds(sizes, GRID_POINTS, "tensor")
    weights = count_parameters(sizes)
    if seconds > STEP_SECONDS:
        raise SettingError(
            f"a {'-'.join(map(str, sizes))} network ({weights:,} weights) with batch {batch} "
            f"on the {engine} engine takes about {seconds:,.1f} s a step; the limit is "
            f"{STEP_SECONDS:g} s: use fewer or narrower layers"
        )
    return seconds


def load_rules(path: str | Path) -> Any:
    """The function ``backward(weights, activations, x, t)`` (or the only function) a
    learner's Python file defines, as ``compare(..., rules=)`` takes it.

    The file is the learner's own, named on their own command line, and runs in this
    process. Raises ValueError naming the file and what is wrong.
    """
    path = Path(path)
    if path.suffix != ".py":
        raise ValueError(f"--rules {str(path)!r}: expected a Python file ending in .py")
    try:
        source = path.read_text(encoding="utf-8-sig")
        code = compile(source, str(path), "exec")
    except (OSError, UnicodeDecodeError) as error:
        why = getattr(error, "strerror", None) or str(error)
        raise ValueError(f"--rules {str(path)!r}: cannot be read ({why})") from None
    except SyntaxError as error:
        raise ValueError(f"--rules {str(path)!r} line {error.lineno}: {error.msg}") from None
    namespace: dict[str, Any] = {"__name__": "learner_rules", "__file__": str(path)}
    try:
        exec(code, namespace)
    except Exception as error:
        raise ValueError(
            f"--rules {str(path)!r}: running it raised {type(error).__name__}: {error}"
        ) from None
    functions = {
        name: f
        for name, f in namespace.items()
        if callable(f) and getattr(f, "__module__", None) == "learner_rules"
    }
    if callable(namespace.get("backward")):
        return namespace["backward"]
    if len(functions) == 1:
        return next(iter(functions.values()))
    raise ValueError(
        f"--rules {str(path)!r}: define backward(weights, activations, x, t) returning "
        f"[(delta, dW, db), …] (found {', '.join(functions) or 'no function'})"
    )
