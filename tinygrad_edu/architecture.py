"""The layers of the package: which module may import which. Data only; it imports nothing.

A module imports only from its own layer or a lower one (earlier in this list), and never
in a circle.
``tests/test_architecture.py`` reads every module's imports (also those inside functions)
and fails on an upward or circular one; ``docs/architecture.md`` shows this table.
Something a lower layer must reach above it (``backward(trace=True)``, Jupyter display)
goes through a hook the upper module installs when imported (``graph.install_hook``).
"""

from __future__ import annotations

# (layer name, {module: what it holds, in one line}) from the bottom up. A package (a folder)
# is one entry; "__init__" is the package's own top-level names.
LAYERS: tuple[tuple[str, dict[str, str]], ...] = (
    (
        "core",
        {
            "architecture": "this table of layers",
            "graph": "Node, topological order, THE backward walk and its observers, no_grad, hooks",
            "ops": "the op table: per op its name, f, f′ in the notes' form and its texts",
            "checks": "the shared input checks: real numbers, float arrays, sizes, weights",
            "launch": "the command's first moments: one-line Ctrl-C while the package imports",
        },
    ),
    (
        "engines",
        {
            "value": "Value: a float per node; each op its forward and local derivatives",
            "tensor": "Tensor: an ndarray per node; each op its forward and one VJP per parent",
        },
    ),
    (
        "models",
        {
            "losses": "mse_loss and cross_entropy_loss: one node each, for either engine",
            "nn": "Module, Linear, activations, Sequential; MLP (TensorMLP, ValueMLP: Network)",
            "optim": "SGD and Adam, as PyTorch writes them",
            "data": "toy datasets in numpy (xor, moons, spirals, sine) and the 8×8 digits",
            "torch_bridge": "MLP.to_torch / from_torch: the same network in PyTorch",
        },
    ),
    (
        "the notes",
        {
            "rules": "the notes by hand in numpy: forward, δ rules, gradient-descent step",
            "compare": "finite differences, gradcheck, autograd vs δ rules vs finite diff.",
            "grading": "a learner's own δ rules checked against the notes', with hints",
        },
    ),
    (
        "looking",
        {
            "trace": "an observer of the walk: backward(trace=True)'s recording",
            "anomaly": "an observer of ops and the walk: the first NaN/inf, named",
            "viz": "graphviz drawings of a graph (draw_graph, render)",
        },
    ),
    (
        "applications",
        {
            "train": "fit / predict / accuracy: the one training loop (demo, stepper, examples)",
            "diagnostics": "per layer and step: gradient norms, ‖δ‖, saturated units",
            "notes05": "note 05's worked example as data: its numbers, the replay, its slips",
            "plot": "matplotlib pictures of a training run; the drawing of a model's loss graph",
            "stepper": "step-through page: record -> frames -> render; assets/: HTML, CSS, JS",
            "exercises": "the exercises' catalogue: stubs, notes, cases, the verdict on a case",
            "exercise_stubs": "the exercises' stub files, copied out by tinygrad-edu exercises",
            "child": "the child process that runs one learner's file; the no-pickle messages",
            "runner": "check a learner's file in a child process with limits; judged here",
            "explore": "the local training page: session, server (127.0.0.1, token), assets/",
        },
    ),
    (
        "entry",
        {
            "cli": "the tinygrad-edu command: arguments, checks and dispatch",
            "__main__": "python -m tinygrad_edu",
            "__init__": "the top-level names; imports trace, viz, stepper (their hooks)",
        },
    ),
)


def layer_of(module: str) -> int:
    """The layer number (1 = core) of a module named as in ``LAYERS``; KeyError if unlisted."""
    for number, (_, modules) in enumerate(LAYERS, 1):
        if module in modules:
            return number
    raise KeyError(module)
