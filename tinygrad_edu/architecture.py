"""The layers of the package, as its imports make them. Data only; it imports nothing.

A module's layer is its depth in the import graph: 1 for a module that imports nothing of
the package, otherwise one more than the highest layer it imports. So a module imports
only from lower layers, never in a circle, and sits right above the highest of them.
``tests/test_architecture.py`` reads every module's imports (also those inside functions)
and fails unless each module is declared at exactly that depth; ``docs/architecture.md``
and the README show this table. No module is reached by naming it in a string: what the
engines offer from a module above the core (``backward(trace=True)``, Jupyter's drawing) is
imported inside the method that needs it, and that module sits below the engines.
"""

from __future__ import annotations

# (layer name, {module: what it holds, in one line}) from the bottom up. A package (a folder)
# is one entry; "__init__" is the package's own top-level names.
LAYERS: tuple[tuple[str, dict[str, str]], ...] = (
    (
        "core",
        {
            "architecture": "this table of layers",
            "graph": "Node, topological order, THE backward walk and its observers, no_grad",
            "ops": "the op table: per op its name, f, f′ in the notes' form and its texts",
            "launch": "the command's first moments: one-line Ctrl-C while the package imports",
            "cost": "the size guards' cost model: seconds per multiply-add and layer call",
            "exercise_stubs": "the exercises' stub files, copied out by tinygrad-edu exercises",
        },
    ),
    (
        "on the core",
        {
            "checks": "the shared input checks: real numbers, float arrays, sizes, weights",
            "trace": "an observer of the walk: backward(trace=True)'s recording",
            "anomaly": "an observer of ops and the walk: the first NaN/inf, named",
            "viz": "graphviz drawings of a graph (draw_graph, render)",
            "torch_bridge": "MLP.to_torch / from_torch: the same network in PyTorch",
            "diagnostics": "per layer and step: gradient norms, ‖δ‖, saturated units",
        },
    ),
    (
        "engines",
        {
            "value": "Value: a float per node; each op its forward and local derivatives",
            "tensor": "Tensor: an ndarray per node; each op its forward and one VJP per parent",
            "rules": "the notes by hand in numpy: forward, δ rules, gradient-descent step",
            "optim": "SGD and Adam, as PyTorch writes them",
            "data": "toy datasets in numpy (xor, moons, spirals, sine) and the 8×8 digits",
            "saving": "Module.save / load: an .npz file, each header checked before any data",
        },
    ),
    (
        "models",
        {
            "losses": "mse_loss and cross_entropy_loss: one node each, for either engine",
            "nn": "a file each: Module; Linear, activations; MLP, Network; TensorMLP; ValueMLP",
            "feedback": "where a learner's own δ rules first differ from the notes', with hints",
        },
    ),
    (
        "using models",
        {
            "train": "fit / predict / accuracy: the one training loop (demo, stepper, examples)",
            "compare": "finite differences, gradcheck, autograd vs δ rules vs finite diff.",
            "notes05": "note 05's worked example as data: its numbers, the replay, its slips",
            "exercises": "the exercises' catalogue: stubs, notes, cases, the verdict on a case",
        },
    ),
    (
        "pages, pictures, the child process",
        {
            "plot": "matplotlib pictures of a training run; the drawing of a model's loss graph",
            "stepper": "step-through page: record -> frames -> render; assets/: HTML, CSS, JS",
            "child": "the child process that runs one learner's file; the no-pickle messages",
        },
    ),
    (
        "the package and its tools",
        {
            "__init__": "the top-level names",
            "runner": "learners' files in child processes with limits, judged here; a class's CSV",
            "explore": "the local training page: session, server (127.0.0.1, token), assets/",
        },
    ),
    ("command", {"cli": "the tinygrad-edu command: arguments, checks and dispatch"}),
    ("python -m", {"__main__": "python -m tinygrad_edu"}),
)


def layer_of(module: str) -> int:
    """The layer number (1 = core) of a module named as in ``LAYERS``; KeyError if unlisted."""
    for number, (_, modules) in enumerate(LAYERS, 1):
        if module in modules:
            return number
    raise KeyError(module)
