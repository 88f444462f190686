"""The recorded backward walk: backward(trace=True) and the naive walk it is contrasted with."""

from __future__ import annotations

import random
from fractions import Fraction

import note05
import numpy as np
import pytest

from tinygrad_edu import Tensor, Value, graph, mse_loss
from tinygrad_edu.trace import BackwardTrace, naive_backward


def _children(root: Value) -> dict[int, list[Value]]:
    """For every node of the graph, the nodes that use it (one entry per use)."""
    children: dict[int, list[Value]] = {}
    for node in graph.topological_order(root):
        for parent in node.parents:
            children.setdefault(id(parent), []).append(node)
    return children


# note 05's w1..w6
WEIGHTS = [0.11, 0.12, 0.21, 0.08, 0.14, 0.15]


def _worked_example() -> tuple[dict[str, Value], Value]:
    """Note 05's 2-2-1 linear network without biases, built from Values by hand."""
    x1, x2 = Value(2.0, label="x1"), Value(3.0, label="x2")
    w = {f"w{i}": Value(v, label=f"w{i}") for i, v in enumerate(WEIGHTS, 1)}
    h1 = x1 * w["w1"] + x2 * w["w3"]
    h2 = x1 * w["w2"] + x2 * w["w4"]
    y_hat = h1 * w["w5"] + h2 * w["w6"]
    loss = mse_loss([y_hat], [1.0], reduction="half_sum")
    return w, loss


def _random_graph(seed: int) -> Value:
    """A random expression over 3 leaves where intermediate values are reused."""
    rng = random.Random(seed)
    pool = [Value(rng.uniform(0.5, 1.5), label=f"a{i}") for i in range(3)]
    for _ in range(12):
        a, b = rng.choice(pool), rng.choice(pool)
        op = rng.choice(["+", "*", "-", "tanh"])
        if op == "+":
            pool.append(a + b)
        elif op == "*":
            pool.append(a * b)
        elif op == "-":
            pool.append(a - b)
        else:
            pool.append(a.tanh())
    return sum(pool[3:], Value(0.0))


@pytest.mark.parametrize("seed", range(5))
def test_recorded_order_is_a_reverse_topological_order(seed: int) -> None:
    root = _random_graph(seed)
    trace = root.backward(trace=True)
    assert isinstance(trace, BackwardTrace)
    position = {id(node): i for i, node in enumerate(trace.order)}
    # every node of the graph exactly once
    assert len(position) == len(trace.order) == len(graph.topological_order(root))
    assert trace.order[0] is root
    # a node comes after every node that uses it
    for node in trace.order:
        for parent in node.parents:
            assert position[id(parent)] > position[id(node)]


@pytest.mark.parametrize("seed", range(5))
def test_traced_walk_gives_bit_for_bit_the_plain_gradients(seed: int) -> None:
    plain, traced = _random_graph(seed), _random_graph(seed)
    plain.backward()
    traced.backward(trace=True)
    plain_nodes = graph.topological_order(plain)
    traced_nodes = graph.topological_order(traced)
    assert [n.grad for n in plain_nodes] == [n.grad for n in traced_nodes]
    # a second call accumulates into leaves exactly as the plain walk does
    plain.backward()
    traced.backward(trace=True)
    assert [n.grad for n in plain_nodes] == [n.grad for n in traced_nodes]


@pytest.mark.parametrize("seed", range(5))
def test_push_entries_sum_to_the_final_gradients(seed: int) -> None:
    root = _random_graph(seed)
    trace = root.backward(trace=True)
    total: dict[int, float] = {id(root): 1.0}
    for push in trace.pushes:
        total[id(push.parent)] = total.get(id(push.parent), 0.0) + push.added
    for node in trace.order:
        assert total[id(node)] == node.grad


def test_before_and_after_chain_and_added_is_local_times_grad() -> None:
    root = _random_graph(7)
    trace = root.backward(trace=True)
    last_after: dict[int, float] = {}
    for step in trace.steps:
        assert step.grad == step.node.grad  # complete when visited
        assert len(step.local) == len(step.node.parents)
        for push, local in zip(step.pushes, step.local):
            assert push.local == local
            assert push.added == local * step.grad
            assert push.before == last_after.get(id(push.parent), 0.0)
            assert push.after == push.before + push.added
            last_after[id(push.parent)] = push.after


def test_a_value_used_twice_gets_one_push_per_use() -> None:
    a = Value(2.0, label="a")
    y = a * a + a  # dy/da = 2a + 1 = 5
    trace = y.backward(trace=True)
    into_a = [p for p in trace.pushes if p.parent is a]
    assert len(into_a) == 3
    assert sum(p.added for p in into_a) == a.grad == 5.0


def test_a_reused_intermediate_value_gets_a_push_from_each_child() -> None:
    x, w, v1, v2 = Value(2.0), Value(0.5), Value(3.0), Value(-1.0)
    h = x * w
    y = v1 * h + v2 * h
    trace = y.backward(trace=True)
    into_h = [p for p in trace.pushes if p.parent is h]
    assert [p.added for p in into_h] in ([3.0, -1.0], [-1.0, 3.0])
    assert len(_children(y)[id(h)]) == 2
    # h pushes into w once, with its complete gradient v1 + v2 = 2
    into_w = [p for p in trace.pushes if p.parent is w]
    assert [p.added for p in into_w] == [2.0 * 2.0]


def test_worked_example_gradients_match_the_note_exactly() -> None:
    w, loss = _worked_example()
    trace = loss.backward(trace=True)
    ws = {k: Fraction(str(v)) for k, v in zip(w, WEIGHTS)}
    expected = note05.iteration(ws)["grad"]  # Δ = prediction − actual = −0.809
    for name, value in w.items():
        assert value.grad == pytest.approx(float(expected[name]), rel=1e-12)
    # each weight is used once, so exactly one += reaches it
    for value in w.values():
        assert sum(p.parent is value for p in trace.pushes) == 1


def test_trace_prints_each_push_with_before_and_after() -> None:
    a = Value(2.0, label="a")
    b = Value(3.0, label="b")
    c = a * b
    c.label = "c"
    text = str(c.backward(trace=True))
    assert "a.grad += 3 · 1  :  0 → 3" in text
    assert "b.grad += 2 · 1  :  0 → 2" in text
    assert text.splitlines()[1].lstrip().startswith("1. c")


def test_tensor_trace_pushes_sum_to_gradients_and_skip_constants() -> None:
    rng = np.random.default_rng(0)
    W = Tensor(rng.normal(size=(3, 2)), requires_grad=True, label="W")
    b = Tensor(rng.normal(size=(3,)), requires_grad=True, label="b")
    X = Tensor(rng.normal(size=(4, 2)), label="X")  # a constant: gets no push
    h = (X @ W.T + b).tanh()
    loss = (h * h).sum()
    trace = loss.backward(trace=True)
    assert all(p.parent is not X for p in trace.pushes)
    for leaf in (W, b):
        pushes = [p.added for p in trace.pushes if p.parent is leaf]
        assert len(pushes) == 1
        np.testing.assert_array_equal(pushes[0], leaf.grad)
    # independent check: d/dW Σ tanh(z)² = Σ_n 2 h (1 − h²) x
    z = X.data @ W.data.T + b.data
    g = 2 * np.tanh(z) * (1 - np.tanh(z) ** 2)
    np.testing.assert_allclose(W.grad, g.T @ X.data, rtol=1e-12)
    np.testing.assert_allclose(b.grad, g.sum(axis=0), rtol=1e-12)


def test_naive_walk_overcounts_through_a_reused_intermediate() -> None:
    x, w = Value(2.0), Value(0.5)
    v1, v2 = Value(3.0), Value(-1.0)
    h = x * w
    y = v1 * h + v2 * h
    naive, _ = naive_backward(y)
    y.backward()
    # dy/dw = (v1 + v2) x = 4; the naive walk pushes h's partial gradient (v1) first,
    # then its whole gradient (v1 + v2) again: (v1 + (v1 + v2)) x = 10
    assert w.grad == 4.0
    assert naive[id(w)] == 10.0
    # h itself still receives the right total; only what lies above it is wrong
    assert naive[id(h)] == h.grad == 2.0


def test_naive_walk_is_right_when_only_leaves_are_reused() -> None:
    w, loss = _worked_example()
    naive, pushes = naive_backward(loss)
    loss.backward()
    for value in w.values():
        assert naive[id(value)] == pytest.approx(value.grad, rel=1e-12)
    assert len(pushes) > 0


def test_naive_walk_rejects_tensors() -> None:
    with pytest.raises(TypeError, match="naive_backward"):
        naive_backward(Tensor([1.0], requires_grad=True).sum())  # type: ignore[arg-type]
