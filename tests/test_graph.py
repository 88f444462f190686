"""The graph core: topological order, the iterative walk, no_grad."""

import math

from tinygrad_edu import Value, no_grad
from tinygrad_edu.graph import is_grad_enabled, topological_order


def test_topological_order_puts_every_node_after_its_parents():
    a, b = Value(1.0), Value(2.0)
    c = a * b
    d = c + a
    e = d * c
    order = topological_order(e)
    position = {id(n): i for i, n in enumerate(order)}
    assert len(order) == len({id(n) for n in order}) == 5
    for node in order:
        for parent in node.parents:
            assert position[id(parent)] < position[id(node)]
    assert order[-1] is e


def test_topological_order_without_leaves_lists_the_op_results_in_the_same_order():
    a, b = Value(1.0), Value(2.0)
    c = a * b
    d = c + a
    e = d * c
    assert topological_order(e, leaves=False) == [c, d, e]
    assert topological_order(e, leaves=False) == [n for n in topological_order(e) if n.parents]
    assert topological_order(a, leaves=False) == []  # a leaf alone: nothing to walk


def test_a_chain_of_ops_is_walked_in_the_order_of_the_depth_first_search():
    # each op node with at most one parent made by an op (an MLP's step): the backward's
    # list comes from walking down the chain; it must be the search's list exactly
    x, w = Value(0.5), Value(-2.0)
    net = x * w + 1.0  # "*" then "+": the constant 1 is a leaf
    out = net.tanh()
    loss = out * out.data  # a constant made from a number: still a chain
    chain = topological_order(loss, leaves=False)
    assert chain == [n for n in topological_order(loss) if n.parents]
    assert [n.op for n in chain] == ["*", "+", "tanh", "*"]
    assert chain[-1] is loss and chain[0] is net.parents[0]


def test_a_node_used_twice_or_a_diamond_is_not_taken_for_a_chain():
    # s * s reaches s twice and a diamond reaches h by two paths: each node once, and the
    # gradient of s² = tanh(a)² is 2 s (1 − s²), not twice or half of it
    a = Value(0.3)
    s = (a * 1.0).tanh()
    square = s * s
    order = topological_order(square, leaves=False)
    assert order == [n for n in topological_order(square) if n.parents]
    assert len(order) == len({id(n) for n in order}) == 3
    square.backward()
    t = math.tanh(0.3)
    assert math.isclose(a.grad, 2 * t * (1 - t * t), rel_tol=1e-12)
    h = a * 2.0
    top = h.tanh() + h.sigmoid()
    order = topological_order(top, leaves=False)
    assert order == [n for n in topological_order(top) if n.parents]
    assert len(order) == len({id(n) for n in order}) == 4 and order[0] is h


def test_backward_from_a_leaf_accumulates_like_any_leaf():
    x = Value(3.0)
    x.backward()
    x.backward()
    assert x.grad == 2.0  # d x / d x, added twice (PyTorch does the same)


def test_topological_order_of_a_deep_chain_needs_no_recursion():
    x = Value(0.0)
    for _ in range(200_000):
        x = x + 1
    assert len(topological_order(x)) == 400_001  # each step adds a constant leaf and a sum


def test_no_grad_nests_and_restores_on_error():
    assert is_grad_enabled()
    try:
        with no_grad():
            with no_grad():
                assert not is_grad_enabled()
            assert not is_grad_enabled()
            raise RuntimeError("inside")
    except RuntimeError:
        pass
    assert is_grad_enabled()


def _run_inside_block_in_another_thread(block, check_here):
    """Thread A enters ``block`` and waits there while this thread runs ``check_here``."""
    import threading

    entered, release = threading.Event(), threading.Event()
    seen_in_a = []

    def thread_a():
        with block():
            entered.set()
            release.wait(timeout=30)
            seen_in_a.append(is_grad_enabled())

    a = threading.Thread(target=thread_a)
    a.start()
    try:
        assert entered.wait(timeout=30)
        check_here()
    finally:
        release.set()
        a.join(timeout=30)
    return seen_in_a


def test_no_grad_is_per_thread():
    """As torch.no_grad: a thread inside the block does not stop graph building elsewhere."""
    import threading

    import numpy as np

    from tinygrad_edu import Tensor

    def check_here():
        assert is_grad_enabled()
        v = Value(2.0) * Value(3.0)
        t = Tensor(np.ones(2), requires_grad=True) * 2.0
        assert len(v.parents) == 2 and len(t.parents) == 2
        v.backward()
        assert v.parents[0].grad == 3.0  # d(ab)/da = b
        # a third thread, started while A is inside no_grad, builds graphs too
        built = []
        b = threading.Thread(target=lambda: built.append(len((Value(1.0) + 1.0).parents)))
        b.start()
        b.join(timeout=30)
        assert built == [2]

    seen_in_a = _run_inside_block_in_another_thread(no_grad, check_here)
    assert seen_in_a == [False]  # thread A itself stayed inside no_grad throughout
    assert is_grad_enabled() and len((Value(1.0) * 2.0).parents) == 2


def test_detect_anomaly_is_per_thread():
    """As torch.autograd.detect_anomaly: another thread's NaN flows on silently."""
    import math

    import pytest

    from tinygrad_edu.anomaly import AnomalyError, detect_anomaly, is_anomaly_enabled

    def check_here():
        assert not is_anomaly_enabled()
        y = Value(1e308) * 10.0  # inf, no AnomalyError: this thread is not in the block
        assert math.isinf(y.data)

    _run_inside_block_in_another_thread(detect_anomaly, check_here)

    errors = []

    def in_block():
        with detect_anomaly():
            try:
                Value(1e308) * 10.0
            except AnomalyError as error:
                errors.append(error)

    import threading

    t = threading.Thread(target=in_block)
    t.start()
    t.join(timeout=30)
    assert len(errors) == 1  # inside its own block, the thread is checked
    # and this thread, in a block of its own, too
    with pytest.raises(AnomalyError), detect_anomaly():
        Value(1e308) * 10.0
