"""Memory: a graph lives exactly as long as the user holds its result, and training does not grow.

The engines build no reference cycles (a node points to its parents, never to its children;
a Tensor's gradient functions close over the parents' arrays, never over the result), so
CPython's reference counting frees a graph the moment its last result is dropped — no
``gc.collect()`` needed — and no module keeps a cache of tensors.
"""

import gc
import tracemalloc
import weakref
from collections.abc import Iterator

import numpy as np
import pytest

from tinygrad_edu import Tensor, Value, detect_anomaly, graph, mse_loss, nn, optim


@pytest.fixture
def no_cycle_collector() -> Iterator[None]:
    """Switch the cycle collector off, so only reference counting can free anything."""
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def tensor_graph() -> tuple[Tensor, list[Tensor], Tensor]:
    """A small graph with a reused intermediate: (leaf, intermediates, scalar loss)."""
    x = Tensor(np.linspace(-1.0, 1.0, 6).reshape(2, 3), requires_grad=True)
    W = Tensor(np.ones((3, 2)), requires_grad=True)
    h = (x @ W).sigmoid()
    out = h * h + h.exp()
    return x, [h, out], mse_loss(out, np.zeros((2, 2)))


def value_graph() -> tuple[Value, list[Value], Value]:
    a, b = Value(0.5), Value(-1.5)
    c = (a * b).tanh()
    d = c * c + c.exp() / b
    return a, [c, d], d.relu() + a


@pytest.mark.parametrize("build", [tensor_graph, value_graph], ids=["tensor", "value"])
@pytest.mark.parametrize("anomaly", [False, True], ids=["plain", "anomaly-mode"])
def test_graph_is_freed_by_refcounting_once_the_result_is_dropped(
    build, anomaly, no_cycle_collector
):
    if anomaly:
        with detect_anomaly():
            leaf, intermediates, loss = build()
            loss.backward()
    else:
        leaf, intermediates, loss = build()
        loss.backward()
    refs = [weakref.ref(node) for node in graph.topological_order(loss) if node.parents]
    assert len(refs) >= 4
    del intermediates
    assert all(ref() is not None for ref in refs)  # the loss still holds its graph
    del loss
    assert [ref() for ref in refs] == [None] * len(refs)  # freed without gc.collect()
    assert leaf.grad is not None  # the leaf and its gradient stay with the user


@pytest.mark.parametrize("build", [tensor_graph, value_graph], ids=["tensor", "value"])
def test_cycle_collector_finds_no_nodes_in_cycles(build):
    gc.collect()
    gc.set_debug(gc.DEBUG_SAVEALL)  # keep what the collector would free in gc.garbage
    try:
        leaf, _, loss = build()
        loss.backward()
        del leaf, loss, _
        gc.collect()
        stuck = [
            obj
            for obj in gc.garbage
            if isinstance(obj, graph.Node)
            or getattr(obj, "__module__", "").startswith("tinygrad_edu")
        ]
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
    assert stuck == []


@pytest.mark.parametrize("engine", ["tensor", "value"])
def test_model_and_its_graphs_are_freed_after_training_no_global_caches(engine, no_cycle_collector):
    model = nn.MLP([2, 3, 1], engine=engine, seed=0)
    opt = optim.Adam(model.parameters(), lr=0.01)
    x, t = np.array([0.5, -1.0]), np.array([1.0])
    for _ in range(3):
        opt.zero_grad()
        out = model(x if engine == "value" else x[None, :])
        loss = mse_loss(out, list(t) if engine == "value" else t[None, :])
        loss.backward()
        opt.step()
    refs = [weakref.ref(p) for p in model.parameters()]
    refs += [weakref.ref(n) for n in graph.topological_order(loss) if n.parents]
    del model, opt, out, loss
    # Nothing else (no module-level cache, no optimizer, no registry) holds a node.
    assert [ref() for ref in refs] == [None] * len(refs)


def train(engine: str, Optimizer: type, steps: int, marks: tuple[int, ...]) -> dict[int, int]:
    """Train a 2-4-1 net on XOR; the bytes tracemalloc sees allocated at each mark."""
    model = nn.MLP([2, 4, 1], hidden="tanh", engine=engine, seed=0)
    opt = Optimizer(model.parameters(), lr=0.05)
    X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    T = np.array([[0.0], [1.0], [1.0], [0.0]])
    memory = {}
    tracemalloc.start()
    try:
        for step in range(1, steps + 1):
            opt.zero_grad()
            if engine == "tensor":
                loss = mse_loss(model(X), T)
            else:  # one sample per step: the value engine takes one sample at a time
                loss = mse_loss(model(X[step % 4]), list(T[step % 4]))
            loss.backward()
            opt.step()
            if step in marks:
                memory[step] = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    return memory


@pytest.mark.parametrize("Optimizer", [optim.SGD, optim.Adam])
@pytest.mark.parametrize("engine", ["tensor", "value"])
def test_training_1000_steps_does_not_grow_memory(engine, Optimizer):
    memory = train(engine, Optimizer, steps=1000, marks=(100, 1000))
    # A leak of one small node per step would add 900 × ≥ 100 bytes = 90 kB by step 1000.
    assert memory[1000] - memory[100] < 16_000, memory
