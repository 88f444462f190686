"""Drawings read like the notes: inputs and targets named, x1 above x2 and h1 above h2, and
every symbol on an arrow explained in the legend."""

import re
import shutil

import numpy as np
import pytest

from tinygrad_edu import Tensor, Value, mse_loss, nn, viz

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is missing")


def note05_error() -> Value:
    """The handwritten note's 2-2-1 network: h1 = x1 w1 + x2 w3, h2 = x1 w2 + x2 w4."""
    x1, x2 = Value(2.0, label="x1"), Value(3.0, label="x2")
    w = [Value(v, label=f"w{i}") for i, v in enumerate([0.11, 0.12, 0.21, 0.08, 0.14, 0.15], 1)]
    h1 = x1 * w[0] + x2 * w[2]
    h2 = x1 * w[1] + x2 * w[3]
    h1.label, h2.label = "h1", "h2"
    y_hat = h1 * w[4] + h2 * w[5]
    error = mse_loss([y_hat], [1.0], reduction="half_sum")
    error.backward()
    return error


def positions(drawing) -> dict[str, tuple[float, float]]:
    """label -> (x, y) of each labelled record, from Graphviz's own layout (y grows upwards)."""
    names = {
        name: label
        for name, label in re.findall(r'\t(\w+) \[.*?tooltip="([^"(]*?) \(', drawing.source)
    }
    places = {}
    for line in drawing.pipe(format="plain").decode().splitlines():
        parts = line.split()
        if parts[0] == "node" and names.get(parts[1]):
            places[names[parts[1]]] = (float(parts[2]), float(parts[3]))
    return places


def test_targets_given_as_numbers_are_labelled_t():
    single = mse_loss([Value(0.5)], [1.0])
    assert [p.label for p in single.parents] == ["", "t"]
    rows = mse_loss([[Value(0.5)], [Value(0.2)]], np.array([[1.0], [0.0]]))
    assert [p.label for p in rows.parents[2:]] == ["t1", "t2"]
    mine = Value(1.0, label="target")  # a Value of the user's keeps its own name
    assert mse_loss([Value(0.5)], [mine]).parents[1].label == "target"
    tensor = mse_loss(Tensor(np.zeros((3, 1)), requires_grad=True), np.ones((3, 1)))
    assert tensor.parents[1].label == "t"
    source = viz.draw_graph(note05_error()).source
    assert "<B>t</B>" in source and 'tooltip="t (input / constant)"' in source


@needs_dot
def test_x1_is_drawn_above_x2_and_h1_above_h2_left_to_right():
    at = positions(viz.draw_graph(note05_error(), "LR"))
    assert at["x1"][1] > at["x2"][1]
    assert at["h1"][1] > at["h2"][1]
    assert at["w1"][1] > at["w2"][1] > at["w3"][1] > at["w4"][1]
    assert at["w5"][1] > at["w6"][1]


@needs_dot
def test_x1_is_drawn_left_of_x2_and_h1_left_of_h2_top_to_bottom():
    at = positions(viz.draw_graph(note05_error(), "TB"))
    assert at["x1"][0] < at["x2"][0]
    assert at["h1"][0] < at["h2"][0]


@needs_dot
def test_collapsed_neurons_come_in_the_notes_order():
    model = nn.MLP([2, 6, 6, 1], hidden="tanh", output="sigmoid", engine="value", seed=0)
    loss = mse_loss(model([0.3, -0.7]), [1.0], reduction="half_sum")
    loss.backward()
    drawing = viz.draw_graph(loss, collapse="neuron")
    heights = {}
    for line in drawing.pipe(format="plain").decode().splitlines():
        parts = line.split()
        if parts[0] == "node":
            heights[parts[1]] = float(parts[3])
    # the box of unit j of layer 1 names its bias b¹ⱼ
    box_of = {
        j: name
        for name, label in re.findall(r"\t(b\d+) \[label=<(.*?)> shape", drawing.source)
        for j in range(1, 7)
        if f"b<SUP>1</SUP><SUB>{j}</SUB>" in label
    }
    assert [heights[box_of[j]] for j in range(1, 7)] == sorted(
        (heights[box_of[j]] for j in range(1, 7)), reverse=True
    )
    x = {
        label: name
        for name, label in re.findall(r'\t(b\d+) \[.*?tooltip="(x\d) \(', drawing.source)
    }
    assert heights[x["x1"]] > heights[x["x2"]]


@pytest.mark.parametrize(
    "reduction, label",
    # E = ½ Σ (O − t)², Σ (O − t)², (1/n) Σ (O − t)² with n = 3: ∂E/∂O = (O − t), 2 (O − t), …
    [("half_sum", "g·(O−t)"), ("sum", "g·2(O−t)"), ("mean", "g·2(O−t)/3")],
)
def test_the_mse_arrows_say_which_factor_the_reduction_gives(reduction, label):
    pred = Tensor(np.array([[0.3], [0.9], [0.1]]), requires_grad=True, label="O")
    loss = mse_loss(pred, np.array([[0.0], [1.0], [0.5]]), reduction=reduction)
    loss.backward()
    source = viz.draw_graph(loss, edge_derivatives=True).source
    into_mse = re.findall(r'-> op\d+ \[label="([^"]*)"', source)
    assert sorted(into_mse) == sorted([label, "−" + label])


def test_every_symbol_on_a_tensor_graphs_arrows_is_defined_in_the_legend():
    X = Tensor(np.random.default_rng(0).normal(size=(5, 2)), label="X")
    model = nn.MLP([2, 3, 1], hidden="tanh", output="sigmoid", seed=0)
    loss = mse_loss(model(X), np.ones((5, 1)))
    loss.backward()
    source = viz.draw_graph(loss, edge_derivatives=True).source
    legend = source[source.index("cluster_legend") :]
    defined = set()
    for cell in re.findall(r"<TD[^>]*>([^<]*)</TD>", legend):
        if ":" in cell:  # "a, b (A, B): the op's inputs; y: its result"
            for part in cell.split(";"):
                defined |= set(re.findall(r"\b[A-Za-z]\b", part.split(":")[0]))
    labels = re.findall(r'-> op\d+ \[label="([^"]*)"', source)
    assert labels
    for label in labels:
        for symbol in re.findall(r"[A-Za-z]+", label):
            assert symbol in defined, (
                f"{symbol!r} in the arrow label {label!r} is not in the legend"
            )
