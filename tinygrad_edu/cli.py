"""The ``tinygrad-edu`` command: watch backpropagation from the shell.

    tinygrad-edu demo             train an MLP on a generated dataset, print autograd vs the
                                  δ rules, write the graph and a loss plot
    tinygrad-edu graph            draw the computation graph of a small network
    tinygrad-edu compare          autograd vs δ rules vs finite differences, per parameter
    tinygrad-edu worked-example   replay the handwritten note's iteration, number by number
    tinygrad-edu step             write an offline page that steps through backpropagation
    tinygrad-edu exercises DIR    copy the exercises' stubs into DIR and list them
    tinygrad-edu check FILE       grade an exercise: a pass/fail line per case, with a hint
    tinygrad-edu explore          train a network live in the browser (a local page)
    tinygrad-edu grade DIR --out grades.csv   grade a class: one folder per student

Each subcommand is two functions: ``add_<name>`` declares its options and ``run_<name>``
does the work and returns the exit code. ``COMMANDS`` lists the ``add_`` functions, so a
new subcommand is two functions and one line there.

Bad arguments end the program with ONE line on stderr and exit code 2 (argparse itself
prints the usage and the error on two lines; :class:`_Parser` keeps just the error).
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import math
import os
import sys
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

import numpy as np

# What the parser needs; each command imports the rest when it runs (so --help is quick).
from . import __version__, data, launch, notes05, ops, runner, viz
from .cost import count_parameters, finite_difference_seconds
from .exercises import EXERCISES
from .nn import MLP
from .runner import DEFAULT_TIMEOUT, ExerciseFileError, Limits, check_file

PROG = "tinygrad-edu"
ACTIVATIONS = ops.ACTIVATIONS  # --hidden and --output: every activation of the op table
ENGINES = ("tensor", "value")
DATASETS = ("xor", "moons", "spirals", "sine")
GRAPH_FORMATS = (".svg", ".png", ".pdf", ".dot")
PAGE_FORMATS = (".html", ".htm")


class UsageError(Exception):
    """Arguments that parse one by one but do not fit together (e.g. sizes vs dataset)."""


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one line: ``tinygrad-edu demo: error: ...``.

    It takes no abbreviations (``--out`` never stands for ``--output``); every subparser is
    one too (``add_subparsers`` makes them of the parser's own class).
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("allow_abbrev", False)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")

    def _print_message(self, message: str, file: Any = None) -> None:
        # Python 3.11.3 and older write to a closed stream (None) and end in an
        # AttributeError; a closed stdout or stderr quietly shows nothing, as newer ones do.
        if message and file is not None:
            with contextlib.suppress(OSError):
                file.write(message)


# --- limits: refused before any work starts, so nothing runs for hours or fills the memory ---

MAX_WIDTH = 10_000  # units in one layer
MAX_PARAMETERS = {"tensor": 1_000_000, "value": 10_000}  # weights and biases of a network
MAX_EPOCHS = 1_000_000  # demo
MAX_SAMPLES = 10_000  # compare --samples
MAX_STEPS = 100  # step: iterations on one page
MAX_STEP_ENTRIES = 2_000  # step: a page shows every parameter at every iteration
# compare checks every parameter by central differences: two forward passes per
# parameter. Refused when that would take more than about COMPARE_SECONDS (cost.py's
# estimate).
COMPARE_SECONDS = 2.0
# graph: Graphviz's layout time grows faster than the drawing (6,000 boxes and arrows take
# about 2 s, 17,000 about 30 s), so a drawing above MAX_DRAWN is refused before `dot` runs.
MAX_DRAWN = 6_000


def check_network(sizes: Sequence[int], engine: str) -> None:
    """Refuse a network too big to build (UsageError naming the sizes and the limit)."""
    n = count_parameters(sizes)
    if n > MAX_PARAMETERS[engine]:
        raise UsageError(
            f"--sizes {','.join(map(str, sizes))} has {n:,} parameters, more than the "
            f"{MAX_PARAMETERS[engine]:,} the {engine} engine takes here"
        )


def check_compare_cost(sizes: Sequence[int], samples: int, engine: str) -> None:
    """Refuse a finite-difference check that would take more than about COMPARE_SECONDS."""
    n = count_parameters(sizes)
    seconds = finite_difference_seconds(sizes, samples, engine)
    if seconds > COMPARE_SECONDS:
        raise UsageError(
            f"comparing --sizes {','.join(map(str, sizes))} on {samples} samples "
            f"({engine} engine) means {2 * n:,} forward passes, about {seconds:,.0f} s; "
            f"the limit is {COMPARE_SECONDS:g} s: use smaller --sizes or --samples"
        )


# --- output paths: each checked before any work, so no run ends in a traceback ----------


def check_output(option: str, text: str, kind: str) -> Path:
    """The path an option names, checked before any work starts.

    ``kind`` is "file" (a file is written there), "dir" (a folder is made or filled there),
    "page" (an HTML file, ending in one of PAGE_FORMATS) or "drawing" (a file ending in one
    of GRAPH_FORMATS; without Graphviz's ``dot`` its ``.dot`` source, which must not hold
    another drawing's). The parent folder must exist
    and the path must be writable: an empty path, a folder where a file is wanted and the
    reverse, a missing parent, a name too long or a read-only place each raise a UsageError
    that names the path. A missing file is created and removed again to be sure.
    """

    def fail(why: str) -> NoReturn:
        raise UsageError(f"{option} {text!r}: {why}")

    if not text:
        fail("an empty path")
    path = Path(text)
    try:
        if kind == "dir":
            if path.exists() and not path.is_dir():
                fail("is a file; a folder is wanted")
        elif path.is_dir() or text.endswith(("/", os.sep)):
            fail("is a folder; a file is wanted")
        suffixes = {"drawing": GRAPH_FORMATS, "page": PAGE_FORMATS}.get(kind)
        if suffixes and path.suffix.lower() not in suffixes:
            fail(f"the file must end in {', '.join(suffixes)}")
        parent = path.parent
        if not parent.exists():
            fail(f"the folder {str(parent)!r} does not exist")
        if not parent.is_dir():
            fail(f"{str(parent)!r} is not a folder")
        _probe_writable(path, kind)
        if kind == "drawing" and path.suffix.lower() != ".dot" and not viz.dot_available():
            viz.dot_fallback(path)
    except FileExistsError as error:
        fail(str(error).removeprefix("render: "))
    except OSError as error:
        fail(f"cannot be written ({error.strerror or error})")
    return path


def _probe_writable(path: Path, kind: str) -> None:
    """Raise OSError unless ``path`` (a file, or a folder for kind "dir") can be written."""
    if kind == "dir":
        if path.is_dir():
            import tempfile

            with tempfile.TemporaryFile(dir=path):
                pass
        else:
            path.mkdir()
            path.rmdir()
    elif path.exists():
        with open(path, "ab"):  # opening to append changes nothing
            pass
    else:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL))
        path.unlink()


# --- argument types: each turns one string into a value, or says in one line why not ----


def sizes_type(text: str) -> list[int]:
    """``"2,3,1"`` → ``[2, 3, 1]``: at least two layer widths, all positive integers."""
    parts = text.split(",")
    if any(not part.strip() for part in parts):
        raise argparse.ArgumentTypeError(f"{text!r} has an empty width; write e.g. 2,3,1")
    widths = []
    for part in parts:
        try:
            widths.append(int(part))
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"{part.strip()!r} in {text!r} is not a whole number; write e.g. 2,3,1"
            ) from None
    if len(widths) < 2:
        raise argparse.ArgumentTypeError(
            f"{text!r}: a network needs at least two layer widths (inputs, outputs), e.g. 2,3,1"
        )
    if any(width <= 0 for width in widths):
        raise argparse.ArgumentTypeError(f"{text!r}: every layer width must be at least 1")
    if any(width > MAX_WIDTH for width in widths):
        raise argparse.ArgumentTypeError(
            f"{text!r}: every layer width must be at most {MAX_WIDTH:,}"
        )
    return widths


def _convert(text: str, kind: type[Any], what: str) -> Any:
    """``kind(text)``, or the one-line argparse error "'x' is not <what>"."""
    try:
        return kind(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not {what}") from None


def positive_float(text: str) -> float:
    """A finite number > 0 (a learning rate)."""
    value: float = _convert(text, float, "a number")
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"{text!r}: must be a positive finite number")
    return value


def int_up_to(upper: int) -> Callable[[str], int]:
    """The argument type "a whole number from 1 to ``upper``" (epochs, samples, steps)."""

    def whole_number(text: str) -> int:
        value: int = _convert(text, int, "a whole number")
        if value < 1:
            raise argparse.ArgumentTypeError(f"{text!r}: must be at least 1")
        if value > upper:
            raise argparse.ArgumentTypeError(f"{text!r}: must be at most {upper:,}")
        return value

    return whole_number


def seed_type(text: str) -> int:
    """A whole number ≥ 0 (NumPy's generators take no negative seeds)."""
    value: int = _convert(text, int, "a whole number")
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text!r}: must be 0 or more")
    return value


# --- the shared options ---------------------------------------------------------------


def _add_model_options(
    p: argparse.ArgumentParser,
    *,
    sizes: list[int] | None,
    hidden: str,
    output: str | None,
    engine: str,
    sizes_help: str = "",
    output_help: str = "",
) -> None:
    """--sizes, --hidden, --output, --engine, --seed (defaults differ per subcommand)."""
    default_sizes = ",".join(map(str, sizes)) if sizes else None
    p.add_argument(
        "--sizes",
        type=sizes_type,
        default=sizes,
        metavar="N,N,...",
        help=sizes_help or f"layer widths, inputs first (default: {default_sizes})",
    )
    p.add_argument(
        "--hidden",
        choices=ACTIVATIONS,
        default=hidden,
        help=f"activation of the hidden layers (default: {hidden})",
    )
    p.add_argument(
        "--output",
        choices=ACTIVATIONS,
        default=output,
        help=output_help or f"activation of the output layer (default: {output})",
    )
    p.add_argument(
        "--engine",
        choices=ENGINES,
        default=engine,
        help=f"tensor: one array per layer; value: one node per weight (default: {engine})",
    )
    p.add_argument(
        "--seed", type=seed_type, default=0, metavar="N", help="random seed (default: 0)"
    )


# --- demo -------------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoDefaults:
    """What `demo` trains with when the options are left out, for one dataset and engine."""

    hidden_width: int
    lr: float
    epochs: int
    samples: int | None = None  # train on the first N samples only (None: all of them)


# Each default run ends trained within seconds: a mean squared error below 0.02 (0.005
# for sine), as docs/cli.md states and tests/test_cli.py checks, without the loss spike
# that η = 0.2 gave sine. The value engine builds one node per weight per sample in pure
# Python, so it trains on a subset for fewer epochs.
DEMO_DEFAULTS = {
    ("xor", "tensor"): DemoDefaults(hidden_width=4, lr=0.5, epochs=1000),
    ("moons", "tensor"): DemoDefaults(hidden_width=8, lr=0.5, epochs=1000),
    ("spirals", "tensor"): DemoDefaults(hidden_width=32, lr=1.0, epochs=2000),
    ("sine", "tensor"): DemoDefaults(hidden_width=16, lr=0.05, epochs=2000),
    ("xor", "value"): DemoDefaults(hidden_width=4, lr=0.5, epochs=300),
    ("moons", "value"): DemoDefaults(hidden_width=8, lr=0.5, epochs=300, samples=32),
    ("spirals", "value"): DemoDefaults(hidden_width=16, lr=1.0, epochs=400, samples=30),
    ("sine", "value"): DemoDefaults(hidden_width=16, lr=0.05, epochs=400, samples=32),
}


def add_demo(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "demo",
        help="train an MLP on a toy dataset, compare autograd with the δ rules, draw it",
        description="Print the autograd-vs-δ-rules table for the untrained network (before "
        "training, where the gradients are large enough to read), train an MLP on a "
        "generated dataset (with a progress bar), and write the computation graph, a "
        "loss / decision-boundary plot and the per-layer training diagnostics (‖δ‖, "
        "‖∂E/∂W‖, saturated units) into the --out folder.",
    )
    p.add_argument(
        "--dataset", choices=DATASETS, default="moons", help="generated dataset (default: moons)"
    )
    _add_model_options(
        p,
        sizes=None,
        hidden="tanh",
        output=None,
        engine="tensor",
        sizes_help="layer widths, inputs first (default: the dataset's inputs, a hidden "
        "layer, the dataset's outputs, e.g. 2,8,1 for moons)",
        output_help="activation of the output layer (default: sigmoid; linear for sine)",
    )
    p.add_argument(
        "--lr", type=positive_float, default=None, help="learning rate (default: per dataset)"
    )
    p.add_argument(
        "--epochs",
        type=int_up_to(MAX_EPOCHS),
        default=None,
        help=f"training epochs, at most {MAX_EPOCHS:,} (default: per dataset)",
    )
    p.add_argument(
        "--out",
        default="tinygrad_edu_demo",
        metavar="DIR",
        help="folder for graph.svg, loss.png and diagnostics.png (default: tinygrad_edu_demo/)",
    )
    p.set_defaults(run=run_demo, outputs={"out": "dir"})


def _load_dataset(name: str, seed: int) -> tuple[np.ndarray, np.ndarray]:
    if name == "xor":
        return data.xor()
    if name == "moons":
        return data.moons(200, noise=0.1, seed=seed)
    if name == "spirals":
        return data.spirals(300, classes=3, seed=seed)
    return data.sine(100, seed=seed)


def _fit_sizes(
    sizes: list[int] | None, X: np.ndarray, y: np.ndarray, dataset: str, engine: str = "tensor"
) -> list[int]:
    """The given sizes, checked against the dataset, or the demo's default that fits it."""
    n_in, n_out = X.shape[1], y.shape[1]
    if sizes is None:
        return [n_in, DEMO_DEFAULTS[dataset, engine].hidden_width, n_out]
    if sizes[0] != n_in or sizes[-1] != n_out:
        raise UsageError(
            f"--sizes {','.join(map(str, sizes))} does not fit dataset {dataset}: it has "
            f"{n_in} input(s) and {n_out} output(s), so the sizes must start with {n_in} and "
            f"end with {n_out}"
        )
    return sizes


def run_demo(args: argparse.Namespace) -> int:
    from . import plot, train

    X, y = _load_dataset(args.dataset, args.seed)
    sizes = _fit_sizes(args.sizes, X, y, args.dataset, args.engine)
    check_compare_cost(sizes, 4, args.engine)  # the table printed before training
    output = args.output or ("linear" if args.dataset == "sine" else "sigmoid")
    settings = DEMO_DEFAULTS[args.dataset, args.engine]
    lr = args.lr if args.lr is not None else settings.lr
    epochs = args.epochs if args.epochs is not None else settings.epochs
    model = MLP(sizes, hidden=args.hidden, output=output, engine=args.engine, seed=args.seed)

    X_train, y_train = X, y
    if settings.samples is not None and len(X) > settings.samples:
        # One Value per weight per sample is slow in pure Python: a subset keeps it brisk.
        X_train, y_train = X[: settings.samples], y[: settings.samples]
        print(f"{args.engine} engine: training on the first {settings.samples} of {len(X)} samples")
    print(
        f"dataset {args.dataset} ({len(X_train)} samples), MLP {','.join(map(str, sizes))} "
        f"hidden={args.hidden} output={output} engine={args.engine}, "
        f"SGD η={lr:g} momentum=0.9, {epochs} epochs"
    )
    # Compared before training, where the gradients are large enough to read.
    print()
    print("autograd vs δ rules vs finite differences, untrained net, first 4 training samples:")
    ok = _print_compare(model, X_train[:4], y_train[:4])
    print()

    with warnings.catch_warnings():  # a diverging loss: said once below, in our words
        warnings.simplefilter("ignore", train.DivergenceWarning)
        history = train.fit(
            model,
            X_train,
            y_train,
            lr=lr,
            steps=epochs,
            momentum=0.9,
            progress=True,
            diagnostics=True,
        )
    losses = history.loss
    if history.diverged_at is not None:  # no accuracy or plots of a network of NaNs
        k = history.diverged_at
        warning = train.DivergenceWarning("", k, epochs, losses[k], lr, "epoch")
        print(warning.said_by(f"{PROG} demo: error"), file=sys.stderr)
        return 1
    print(f"loss (mean squared error): {losses[0]:.5f} at the start, {losses[-1]:.5f} at the end")
    if args.dataset != "sine":
        print(f"training accuracy: {100 * train.accuracy(model, X_train, y_train):.1f} %")

    args.out.mkdir(parents=True, exist_ok=True)
    print()
    graph_file = plot.loss_graph(model, X_train[:4], y_train[:4], args.out / "graph.svg")
    print(f"wrote {graph_file}")
    picture = args.out / "loss.png"
    if plot.training(model, X, y, X_train, y_train, losses, args.dataset, picture) is None:
        print("matplotlib is not installed: no loss plot (pip install matplotlib)")
    else:
        print(f"wrote {picture}")
        title = f"{args.dataset}, MLP {','.join(map(str, sizes))} ({args.hidden} hidden)"
        pictured = plot.diagnostics(history, args.out / "diagnostics.png", title, model.activations)
        print(f"wrote {pictured}")
    return 0 if ok else 1


def _print_compare(model: Any, X: np.ndarray, y: np.ndarray, max_entries: int | None = 4) -> bool:
    """Print the three-way table (autograd, δ rules, finite differences); True if they agree.

    ``max_entries``: gradient entries shown per parameter (None: all of them).
    """
    from .compare import compare

    report = compare(model, X, y)
    print(report.table(max_entries=max_entries))
    return bool(report.ok)


# --- graph ------------------------------------------------------------------------------


def add_graph(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "graph",
        help="draw the computation graph of a small network to a file",
        description="Build a small MLP, run one sample forward and backward through it, "
        "and draw the graph of its loss with every value and gradient. The file type "
        "follows --out: .svg, .png, .pdf, or .dot for the Graphviz source.",
    )
    _add_model_options(p, sizes=[2, 3, 1], hidden="sigmoid", output="linear", engine="value")
    p.add_argument(
        "--out",
        default="graph.svg",
        metavar="FILE",
        help="file to write: .svg, .png, .pdf or .dot (default: graph.svg)",
    )
    p.add_argument(
        "--collapse",
        choices=viz.COLLAPSE_MODES,
        default="auto",
        help="auto: one box per neuron or layer once the graph is big; none: every node; "
        "neuron or layer: always so (default: auto)",
    )
    p.add_argument(
        "--forward-only", action="store_true", help="draw the values only, before backward()"
    )
    p.add_argument(
        "--derivatives",
        action="store_true",
        help="label each arrow with its local derivative ∂out/∂in",
    )
    p.add_argument(
        "--deltas",
        action="store_true",
        help="show the δ of the notes' rules beside autograd's gradient of each net input",
    )
    p.set_defaults(run=run_graph, outputs={"out": "drawing"})


def run_graph(args: argparse.Namespace) -> int:
    from . import rules, train

    if args.forward_only and args.deltas:
        raise UsageError("--deltas needs the backward pass; leave out --forward-only")
    model = MLP(
        args.sizes, hidden=args.hidden, output=args.output, engine=args.engine, seed=args.seed
    )
    # One sample (inputs rounded, so the drawing stays short) and a target of ones.
    x = np.random.default_rng(args.seed).normal(size=(1, args.sizes[0])).round(2)
    t = np.ones((1, args.sizes[-1]))
    loss = train.loss_of(model, x, t, reduction="half_sum")  # the notes' E, so δ = ∂E/∂net
    loss.label = "E"
    options: dict[str, Any] = {"show_grad": not args.forward_only, "collapse": args.collapse}
    if not args.forward_only:
        loss.backward()
    if args.derivatives:
        options["edge_derivatives"] = True
    if args.deltas:
        options["deltas"] = rules.backward(model.get_weights(), model.activations, x, t)
    drawing = viz.draw_graph(loss, **options)
    check_drawing_size(len(drawing.body), args.sizes, args.collapse)
    print(f"wrote {viz.render(drawing, args.out)}")
    return 0


def check_drawing_size(drawn: int, sizes: Sequence[int], collapse: str) -> None:
    """Refuse a drawing of more than MAX_DRAWN boxes and arrows (``drawn``) before Graphviz
    spends minutes laying it out."""
    if drawn > MAX_DRAWN:
        raise UsageError(
            f"--sizes {','.join(map(str, sizes))} with --collapse {collapse} draws {drawn:,} "
            f"boxes and arrows, more than the {MAX_DRAWN:,} Graphviz lays out in a few "
            "seconds: use --collapse auto or layer, or smaller --sizes"
        )


# --- compare ----------------------------------------------------------------------------


def add_compare(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "compare",
        help="autograd vs δ rules vs finite differences for an architecture",
        description="Build the MLP given by --sizes/--hidden/--output and print, for every "
        "parameter, the gradient of E = ½ Σ (O − t)² by autograd, by the notes' δ rules "
        "and by central finite differences, with the largest errors. Exit code 1 if they "
        "disagree. Inputs and targets are random (seeded) unless --dataset is given.",
    )
    _add_model_options(p, sizes=[2, 3, 1], hidden="sigmoid", output="linear", engine="tensor")
    p.add_argument(
        "--dataset",
        choices=DATASETS,
        default=None,
        help="take the samples from this dataset (default: random inputs and targets)",
    )
    p.add_argument(
        "--samples",
        type=int_up_to(MAX_SAMPLES),
        default=4,
        metavar="N",
        help=f"batch size, at most {MAX_SAMPLES:,} (default: 4)",
    )
    p.set_defaults(run=run_compare)


def run_compare(args: argparse.Namespace) -> int:
    if args.dataset is not None:
        X, y = _load_dataset(args.dataset, args.seed)
        _fit_sizes(args.sizes, X, y, args.dataset)
        X, y = X[: args.samples], y[: args.samples]
        check_compare_cost(args.sizes, len(X), args.engine)
    else:
        check_compare_cost(args.sizes, args.samples, args.engine)
        rng = np.random.default_rng(args.seed)
        X = rng.normal(size=(args.samples, args.sizes[0]))
        y = rng.uniform(size=(args.samples, args.sizes[-1]))
    model = MLP(
        args.sizes, hidden=args.hidden, output=args.output, engine=args.engine, seed=args.seed
    )
    source = f"dataset {args.dataset}" if args.dataset else f"random (seed {args.seed})"
    print(
        f"MLP {','.join(map(str, args.sizes))} hidden={args.hidden} output={args.output} "
        f"engine={args.engine}; {len(X)} samples, inputs and targets {source}"
    )
    ok = _print_compare(model, X, y, max_entries=None)
    return 0 if ok else 1


# --- worked-example ---------------------------------------------------------------------


def add_worked_example(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "worked-example",
        help="replay the handwritten note's backpropagation iteration step by step",
        description="Replay note 05 (a 2-2-1 network of linear units without biases, "
        "x = (2, 3), target 1): the forward values, the error, each gradient, each updated "
        "weight and an old-vs-new table, all computed by the Value engine, and point out "
        "where the note's own table slips.",
    )
    p.add_argument(
        "--lr",
        type=positive_float,
        default=notes05.LR,
        help=f"learning rate η (the note writes α; default: {notes05.LR}, the note's)",
    )
    p.add_argument(
        "--html",
        nargs="?",
        const="worked_example.html",
        default=None,
        metavar="PATH",
        help="also write the step-through page of this example (as `step` does; "
        "PATH defaults to worked_example.html)",
    )
    p.set_defaults(run=run_worked_example, outputs={"html": "page"})


def run_worked_example(args: argparse.Namespace) -> int:
    print("\n".join(notes05.report(notes05.replay(args.lr))))
    if args.html is not None:
        path = _write_note_page(args.html, args.lr)
        print(f"\nwrote {path}: open it in a browser and step with the arrow keys")
    return 0


def _write_note_page(path: Path, lr: float) -> Path:
    """The step-through page of note 05 (two iterations), as `step` writes it by default."""
    from .stepper import stepper

    model = MLP([2, 2, 1], "linear", "linear", bias=False, engine="value")
    model.set_weights(notes05.weights())
    x, t = list(notes05.X), [notes05.TARGET]
    return stepper(model, x, t, lr=lr, steps=2, path=path, remarks=notes05.remarks(lr))


# --- step -------------------------------------------------------------------------------


def floats_type(text: str) -> list[float]:
    """Numbers separated by commas: "2,3" → [2.0, 3.0]."""
    try:
        values = [float(v) for v in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r}: expected numbers separated by commas, e.g. 2,3"
        ) from None
    if not all(math.isfinite(v) for v in values):
        raise argparse.ArgumentTypeError(f"{text!r}: the numbers must be finite")
    return values


def add_step(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "step",
        help="write an offline HTML page that steps through backpropagation",
        description="Write ONE self-contained HTML page (it needs no network) that steps, "
        "with buttons and the arrow keys, through each forward value, the error, each δ and "
        "gradient in the order autograd's walk visits them (the δ rules beside them) and each "
        "weight update, iteration by iteration. The defaults are note 05's worked example: "
        "2-2-1, linear, no biases, x = (2, 3), target 1, w1..w6 = 0.11, 0.12, 0.21, 0.08, "
        "0.14, 0.15, learning rate 0.05. Other sizes start from seeded random weights.",
    )
    _add_model_options(p, sizes=[2, 2, 1], hidden="linear", output="linear", engine="value")
    p.add_argument("--bias", action="store_true", help="give every unit a bias (note 05: none)")
    p.add_argument(
        "--x",
        type=floats_type,
        default=None,
        metavar="X,X,...",
        help="the input (default: note 05's 2,3 for two inputs, else 0.5 for each input)",
    )
    p.add_argument(
        "--t",
        type=floats_type,
        default=None,
        metavar="T,T,...",
        help="the target (default: note 05's 1 for one output, else 0.5 for each output)",
    )
    p.add_argument(
        "--lr",
        type=positive_float,
        default=notes05.LR,
        help=f"learning rate η (default: {notes05.LR})",
    )
    p.add_argument(
        "--steps",
        type=int_up_to(MAX_STEPS),
        default=2,
        metavar="N",
        help=f"training iterations on the page, at most {MAX_STEPS} (default: 2)",
    )
    p.add_argument(
        "--out",
        default="stepper.html",
        metavar="PATH",
        help="the HTML file written, ending in .html or .htm (default: stepper.html)",
    )
    p.set_defaults(run=run_step, outputs={"out": "page"})


def run_step(args: argparse.Namespace) -> int:
    from . import train
    from .stepper import stepper

    sizes = args.sizes
    note = sizes == [2, 2, 1] and not args.bias
    note_x, note_t = list(notes05.X), [notes05.TARGET]
    x = args.x if args.x is not None else note_x if sizes[0] == 2 else [0.5] * sizes[0]
    t = args.t if args.t is not None else note_t if sizes[-1] == 1 else [0.5] * sizes[-1]
    if len(x) != sizes[0]:
        raise UsageError(f"--x has {len(x)} numbers but the network has {sizes[0]} inputs")
    if len(t) != sizes[-1]:
        raise UsageError(f"--t has {len(t)} numbers but the network has {sizes[-1]} outputs")
    entries = count_parameters(sizes) * args.steps
    if entries > MAX_STEP_ENTRIES:
        raise UsageError(
            f"--sizes {','.join(map(str, sizes))} and --steps {args.steps} make "
            f"{count_parameters(sizes):,} parameters × {args.steps} iterations = {entries:,} "
            f"entries on the page; at most {MAX_STEP_ENTRIES:,}"
        )
    model = MLP(sizes, args.hidden, args.output, bias=args.bias, engine=args.engine, seed=args.seed)
    remarks: dict[str, str] = {}
    if note:
        model.set_weights(notes05.weights())
        if (args.hidden, args.output, x, t) == ("linear", "linear", note_x, note_t):
            remarks = notes05.remarks(args.lr)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", train.DivergenceWarning)
        path = stepper(model, x, t, lr=args.lr, steps=args.steps, path=args.out, remarks=remarks)
    print(f"wrote {path}: open it in a browser and step with the arrow keys")
    for warning in caught:  # a loss that became NaN or inf: the page shows it, we say it
        if isinstance(warning.message, train.DivergenceWarning):
            print(warning.message.said_by(f"{PROG} step: note"), file=sys.stderr)
        else:
            warnings.showwarning(
                warning.message, warning.category, warning.filename, warning.lineno
            )
    return 0


# --- check: grade an exercise ----------------------------------------------------------


def add_check(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "check",
        help="grade an exercise file: a pass/fail line per case, with a hint",
        description="Run the function an exercise file defines (e.g. "
        "02_output_delta.py) on fixed cases and compare it with the notes' δ rules: one "
        "PASS or FAIL line per case, and for a FAIL the first wrong entry and a hint. Exit "
        "code 0 when every case passes, 1 otherwise, 2 for a path that is not an exercise.",
    )
    p.add_argument(
        "file", type=Path, metavar="FILE", help="the exercise file to grade (.py or .ipynb)"
    )
    add_timeout(p)
    p.set_defaults(run=run_check)


def add_timeout(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--timeout",
        type=positive_seconds,
        default=DEFAULT_TIMEOUT,
        metavar="S",
        help=f"seconds each case may take (default {DEFAULT_TIMEOUT:g}); the learner's code "
        "runs in a child process that is stopped after that",
    )


def positive_seconds(text: str) -> float:
    """A time limit: a positive number of seconds, at most an hour."""
    value = positive_float(text)
    if value > 3600:
        raise argparse.ArgumentTypeError(f"{text!r}: must be at most 3600 seconds")
    return value


def run_check(args: argparse.Namespace) -> int:
    try:
        result = check_file(args.file, Limits(timeout=args.timeout))
    except ExerciseFileError as error:
        raise UsageError(str(error)) from None
    print("\n".join(result.lines))
    if result.output:
        print("what your file printed:")
        print("\n".join("    " + line for line in result.output.splitlines()))
    return 0 if result.ok else 1


# --- explore: the local page ------------------------------------------------------------


def port_type(text: str) -> int:
    """A TCP port, 0 … 65535 (0: any free port)."""
    value: int = _convert(text, int, "a whole number")
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"{text!r}: a port is 0 … 65535")
    return value


def add_explore(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "explore",
        help="train a network live in the browser: a local page on 127.0.0.1",
        description="Start a local web server on 127.0.0.1 and print the page's URL (with a "
        "random token) as the first line. The page trains a network on the library's engines "
        "while you watch: data sets, features, layers, activations, learning rate, the "
        "output and every unit as heatmaps, the numbers of each unit, and on pause the "
        "three-way table (autograd, δ rules, finite differences). Ctrl-C stops it.",
    )
    p.add_argument("--port", type=port_type, default=0, help="the port (default 0: any free one)")
    p.add_argument("--open", action="store_true", help="open the page in the default browser")
    p.add_argument(
        "--data", type=Path, default=None, metavar="CSV", help="your own points: x1,x2,label rows"
    )
    p.add_argument(
        "--rules",
        type=Path,
        default=None,
        metavar="FILE.py",
        help="your own backward(weights, activations, x, t), checked in the three-way table",
    )
    p.set_defaults(run=run_explore)


def run_explore(args: argparse.Namespace) -> int:
    from .explore import Session, SettingError, serve
    from .explore.playground import load_rules, read_points

    try:
        points = None if args.data is None else read_points(args.data)
        own = None if args.rules is None else load_rules(args.rules)
        session = Session(points, own)
    except (SettingError, ValueError) as error:
        raise UsageError(str(error)) from None
    try:
        serve(session, args.port, args.open)
    except OSError as error:
        if error.errno in (errno.EADDRINUSE, errno.EACCES):
            raise UsageError(f"--port {args.port}: {error.strerror}") from None
        raise
    return 0


# --- exercises: give the stubs out --------------------------------------------------------


def add_exercises(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "exercises",
        help="copy the exercises' stubs into a folder and list them",
        description="Copy the exercises' stubs (shipped inside the package) into DIR, made "
        "if missing, and list them with the note and formula each practises. A file of the "
        "same name that differs from the stub (your work?) stops the copy unless --force.",
    )
    p.add_argument("dir", type=Path, metavar="DIR", help="the folder to copy the stubs into")
    p.add_argument("--force", action="store_true", help="overwrite files of the same names")
    p.set_defaults(run=run_exercises)


def run_exercises(args: argparse.Namespace) -> int:
    folder = check_output("DIR", str(args.dir), "dir")
    try:
        written = runner.copy_stubs(folder, force=args.force)
    except ExerciseFileError as error:
        raise UsageError(str(error)) from None
    by_stub = {exercise.stub: exercise for exercise in EXERCISES.values()}
    print(f"copied {len(written)} exercises into {folder}:")
    width = max(len(path.name) for path in written)
    notes = max(len(exercise.note) for exercise in EXERCISES.values())
    for path in written:
        exercise = by_stub.get(path.name)
        what = f"{exercise.note:<{notes}}  {exercise.name}: {exercise.formula}" if exercise else ""
        print(f"  {path.name:<{width}}  {what}".rstrip())
    print(f"fill one in, then: {PROG} check {written[0]}")
    return 0


# --- grade: a whole class ------------------------------------------------------------------


def add_grade(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "grade",
        help="grade a folder of submissions, one folder per student, into a CSV",
        description="Grade SUBMISSIONS: one folder per student (its name is the student's), "
        "each with the student's files named as the stubs (.py or .ipynb). Every file runs "
        "in a child process of its own with the time and memory limits, two at a time. "
        "Writes the CSV student,exercise,passed,total,first_failure (a missing file: 0 of "
        "total, 'missing') and prints a summary line.",
    )
    p.add_argument("submissions", type=Path, metavar="SUBMISSIONS", help="the class's folder")
    p.add_argument("--out", required=True, metavar="CSV", help="the CSV file to write")
    p.add_argument(
        "--json",
        metavar="DIR",
        help="also write one Gradescope results.json-shaped file per student into DIR",
    )
    add_timeout(p)
    p.set_defaults(run=run_grade, outputs={"out": "file", "json": "dir"})


def run_grade(args: argparse.Namespace) -> int:
    try:
        grades = runner.grade_folder(args.submissions, Limits(timeout=args.timeout))
    except runner.SubmissionsError as error:
        raise UsageError(str(error)) from None
    runner.write_csv(grades, args.out)
    print(runner.summary(grades))
    print(f"wrote {args.out}")
    if args.json is not None:
        written = runner.write_json(grades, args.json)
        print(f"wrote {len(written)} results.json files into {args.json}")
    return 0


# --- main -------------------------------------------------------------------------------

COMMANDS: list[Callable[[Any], None]] = [
    add_demo,
    add_graph,
    add_compare,
    add_worked_example,
    add_step,
    add_exercises,
    add_check,
    add_explore,
    add_grade,
]


def build_parser() -> argparse.ArgumentParser:
    """The ``tinygrad-edu`` parser with one subparser per entry of ``COMMANDS``.

    Its ``--help`` ends with the options each subcommand takes, read off the subparsers.
    """
    parser = _Parser(
        prog=PROG,
        description="tinygrad_edu: train, draw and check small networks, and replay the "
        "notes' backpropagation by hand.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for add in COMMANDS:
        add(subparsers)
    lines = ["options per command (COMMAND --help tells what each does):"]
    for name, options in options_per_command(parser).items():
        lines.append(f"  {name:<16}{' '.join(options) or '(none)'}")
    parser.epilog = "\n".join(lines)
    return parser


def _subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    """Each subcommand's name and parser."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def options_per_command(parser: argparse.ArgumentParser) -> dict[str, list[str]]:
    """The long options each subcommand takes (besides --help), in declaration order."""
    return {
        name: [
            option
            for action in sub._actions
            for option in action.option_strings
            if option.startswith("--") and option != "--help"
        ]
        for name, sub in _subparsers(parser).items()
    }


def _check_arguments(args: argparse.Namespace) -> None:
    """The checks that need several arguments or the file system, before any work starts."""
    sizes, engine = getattr(args, "sizes", None), getattr(args, "engine", None)
    if sizes is not None and engine is not None:
        check_network(sizes, engine)
    for dest, kind in getattr(args, "outputs", {}).items():
        if getattr(args, dest) is not None:
            option = "--" + dest.replace("_", "-")
            setattr(args, dest, check_output(option, getattr(args, dest), kind))


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code.

    0 done, 1 a check failed (or the output could not be written, or there is no standard
    output at all), 2 bad usage, 130 stopped with Ctrl-C. Every error is one line on
    stderr, never a traceback.
    """
    launch.release()  # Ctrl-C is a KeyboardInterrupt again, caught below
    if sys.stdout is None:  # started with file descriptor 1 closed: nowhere to answer
        return 1
    where = PROG
    try:
        parser = build_parser()
        args, extra = parser.parse_known_args(argv)
        if args.command is None:
            if extra:
                parser.error(f"unrecognized arguments: {' '.join(extra)}")
            parser.print_help(sys.stderr)
            return 2
        if extra:
            _subparsers(parser)[args.command].error(f"unrecognized arguments: {' '.join(extra)}")
        where = f"{PROG} {args.command}"
        _check_arguments(args)
        code = int(args.run(args))
        sys.stdout.flush()  # a full stdout (/dev/full) fails here, not at exit
        return code
    except UsageError as error:
        _say(f"{where}: error: {error}")
        return 2
    except KeyboardInterrupt:
        _say(f"\n{where}: interrupted (Ctrl-C)")
        return 130
    except OSError as error:
        # Point stdout at devnull so Python's flush at exit does not fail a second time
        # (as the Python docs advise for a closed pipe).
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        if not isinstance(error, BrokenPipeError):  # the reader went away (`| head`): quiet
            _say(f"{where}: error: {error.strerror or error}: {error.filename or 'stdout'}")
        return 1


def _say(line: str) -> None:
    """One line on stderr; nothing when stderr is closed (print would use stdout instead)."""
    if sys.stderr is not None:
        print(line, file=sys.stderr)
