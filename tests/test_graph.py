"""The graph core: topological order, the iterative walk, no_grad."""

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
