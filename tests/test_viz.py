"""Drawing: the DOT source holds the graph (counted node by node), rendering gives real
SVG/PNG/PDF, and without Graphviz's `dot` the library writes the source and says so in one
line. Expected numbers come from the math module and the notes' δ formulas, not from viz."""

import math
import re
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest

from tinygrad_edu import Parameter, Tensor, Value, mse_loss, nn, viz

needs_dot = pytest.mark.skipif(
    shutil.which("dot") is None, reason="Graphviz `dot` is not installed (apt-get install graphviz)"
)

# --- reading DOT source back ----------------------------------------------------------

NODE_LINE = re.compile(r"^\s*(\w+) \[(.*)\]$", re.M)
EDGE_LINE = re.compile(r"^\s*(\w+) -> (\w+)(?: \[(.*)\])?$", re.M)
LABEL = re.compile(r'\blabel=("(?:[^"\\]|\\.)*"|<.*>|[^\s\]]+)')


def label_of(attrs: str) -> str:
    match = LABEL.search(attrs or "")
    return match.group(1).strip('"') if match else ""


def nodes(source: str, prefix: str) -> dict[str, str]:
    """name -> attributes of the nodes named prefix + a number (n3, op3, b3)."""
    return {
        name: attrs
        for name, attrs in NODE_LINE.findall(source)
        if re.fullmatch(prefix + r"\d+", name)
    }


def edges(source: str) -> list[tuple[str, str, str]]:
    return EDGE_LINE.findall(source)


def grad_in(record: str) -> float:
    return float(re.search(r"grad ([^\s<]+)<", record).group(1))


def tooltip_label(record: str) -> str:
    """The raw label a record keeps in its tooltip ("" for an unlabelled value)."""
    match = re.search(r'tooltip="([^"(]*?) \(', record)
    return match.group(1) if match else ""


def neuron_expression():
    """(a*b + c).tanh() with a=2, b=-3, c=10, after backward."""
    a, b, c = Value(2.0, label="a"), Value(-3.0, label="b"), Value(10.0, label="c")
    out = (a * b + c).tanh()
    out.backward()
    return a, b, c, out


def record_named(source: str, label: str) -> tuple[str, str]:
    [(name, attrs)] = [(n, r) for n, r in nodes(source, "n").items() if f"<B>{label}</B>" in r]
    return name, attrs


# --- the graph structure --------------------------------------------------------------


def test_scalar_expression_has_one_record_per_value_one_op_per_result():
    *_, out = neuron_expression()
    source = viz.draw_graph(out).source
    records, ops = nodes(source, "n"), nodes(source, "op")
    # a, b, c, a*b, a*b + c, tanh(...)
    assert len(records) == 6
    assert sorted(label_of(attrs) for attrs in ops.values()) == sorted(["*", "+", "tanh"])
    # one arrow out of each op, one into it per operand: 3 + (2 + 2 + 1)
    assert len(edges(source)) == 8
    for label in "abc":
        assert f"<B>{label}</B>" in source


def test_op_node_connects_its_operands_to_its_result():
    *_, out = neuron_expression()
    source = viz.draw_graph(out).source
    [mul] = [name for name, attrs in nodes(source, "op").items() if label_of(attrs) == "*"]
    into = sorted(tooltip_label(nodes(source, "n")[t]) for t, h, _ in edges(source) if h == mul)
    assert into == ["a", "b"]
    [result] = [h for t, h, _ in edges(source) if t == mul]
    assert "data -6<" in nodes(source, "n")[result]  # a * b = 2 * (-3)


def test_records_show_data_and_gradients_from_backward():
    *_, out = neuron_expression()
    source = viz.draw_graph(out).source
    d_tanh = 1 - math.tanh(2.0 * -3.0 + 10.0) ** 2  # tanh' = 1 - tanh²
    for label, expected in (("a", d_tanh * -3.0), ("b", d_tanh * 2.0), ("c", d_tanh)):
        assert grad_in(record_named(source, label)[1]) == pytest.approx(expected, rel=1e-3)
    assert f"data {math.tanh(4.0):.4g}<" in source


def test_rankdir_lands_in_graph_attributes():
    *_, out = neuron_expression()
    assert re.search(r"graph \[[^\]]*rankdir=LR", viz.draw_graph(out).source)
    assert re.search(r"graph \[[^\]]*rankdir=TB", viz.draw_graph(out, rankdir="TB").source)


def test_forward_only_drawing_has_no_gradients():
    *_, out = neuron_expression()
    source = viz.draw_graph(out, show_grad=False).source
    assert "grad" not in source
    assert "data -6<" in source


def test_show_data_false_hides_the_numbers():
    *_, out = neuron_expression()
    source = viz.draw_graph(out, show_data=False).source
    assert "data" not in source and "grad" in source


def test_edge_labels_are_the_local_derivatives():
    *_, out = neuron_expression()
    source = viz.draw_graph(out, edge_derivatives=True).source
    op_name = {name: label_of(attrs) for name, attrs in nodes(source, "op").items()}
    rec_label = {name: tooltip_label(attrs) for name, attrs in nodes(source, "n").items()}
    labelled = {
        (op_name[h], rec_label.get(t, "")): float(label_of(attrs))
        for t, h, attrs in edges(source)
        if h in op_name
    }
    # ∂(ab)/∂a = b, ∂(ab)/∂b = a, ∂(u + c)/∂c = 1, tanh'(4) = 1 - tanh(4)²
    assert labelled[("*", "a")] == -3.0
    assert labelled[("*", "b")] == 2.0
    assert labelled[("+", "c")] == 1.0
    [tanh_in] = [v for (op, _), v in labelled.items() if op == "tanh"]
    assert tanh_in == pytest.approx(1 - math.tanh(4.0) ** 2, rel=1e-3)
    assert "∂out/∂in" in source  # the legend explains the numbers


def test_value_used_twice_gets_two_arrows_each_with_its_derivative():
    a = Value(3.0, label="a")
    out = a * a
    out.backward()
    source = viz.draw_graph(out, edge_derivatives=True).source
    into_op = [attrs for t, h, attrs in edges(source) if h.startswith("op")]
    assert len(into_op) == 2
    assert [float(label_of(x)) for x in into_op] == [3.0, 3.0]  # they sum to d(a²)/da = 6
    assert grad_in(record_named(source, "a")[1]) == 6.0


def test_tensor_graph_records_show_shape_dtype_and_a_summary():
    W = Tensor(np.arange(6.0).reshape(2, 3) / 10, requires_grad=True, label="W")
    x = Tensor([1.0, 2.0, 3.0], label="x")
    out = (W @ x).sigmoid().sum()
    out.backward()
    source = viz.draw_graph(out).source
    assert len(nodes(source, "n")) == 5  # W, x, W@x, sigmoid, sum
    assert sorted(label_of(a) for a in nodes(source, "op").values()) == ["@", "sigmoid", "sum"]
    assert len(edges(source)) == 7  # 3 out of ops + 2 into @ + 1 + 1
    _, w_record = record_named(source, "W")
    assert "shape (2, 3)" in w_record and "float64" in w_record
    # six numbers are summarized: mean 0.25, min 0, max 0.5
    assert "mean 0.25<BR/>min 0  max 0.5" in w_record
    assert "data [1, 2, 3]" in record_named(source, "x")[1]
    assert "grad" not in record_named(source, "x")[1]  # x never gets a gradient
    s = 1 / (1 + np.exp(-(W.data @ x.data)))
    expected_grad = np.outer(s * (1 - s), x.data)  # d Σσ(Wx) / dW = σ'(Wx) xᵀ
    summary = r"grad mean ([^\s<]+)<BR/>min ([^\s<]+)  max ([^\s<]+)<"
    grad_text = re.search(summary, w_record).groups()
    np.testing.assert_allclose(
        [float(g) for g in grad_text],
        [expected_grad.mean(), expected_grad.min(), expected_grad.max()],
        rtol=1e-3,
    )


def test_big_tensor_is_summarized_not_printed():
    big = Tensor(np.linspace(-1.0, 1.0, 1000), requires_grad=True, label="big")
    out = (big * big).sum()
    source = viz.draw_graph(out).source
    assert "mean" in source and len(source) < 4000
    assert "float32" in viz.draw_graph(Tensor(np.ones(3, dtype=np.float32)) * 2.0).source


def test_tensor_edges_show_the_vector_jacobian_product():
    A = Tensor(np.ones((2, 2)), requires_grad=True, label="A")
    B = Tensor(np.ones((2, 2)), requires_grad=True, label="B")
    source = viz.draw_graph((A @ B).sum(), edge_derivatives=True).source
    records = nodes(source, "n")
    into = {tooltip_label(records[t]): label_of(a) for t, _, a in edges(source) if t in records}
    assert into["A"] == "g·Bᵀ" and into["B"] == "Aᵀ·g"  # dA = g Bᵀ, dB = Aᵀ g


def test_linear_layer_is_one_node_whose_edges_show_the_notes_rules():
    layer = nn.Linear(3, 2, seed=0)
    layer.weight.label, layer.bias.label = "W", "b"
    x = Tensor(np.ones((4, 3)), requires_grad=True, label="x")
    source = viz.draw_graph(layer(x).sum(), edge_derivatives=True).source
    assert [attrs for attrs in nodes(source, "op").values() if 'label="@ᵀ+b"' in attrs]
    records = nodes(source, "n")
    into = {tooltip_label(records[t]): label_of(a) for t, _, a in edges(source) if t in records}
    # net = x Wᵀ + b:  ∂E/∂x = g W,  ∂E/∂W = gᵀ x (δᵀ O_prev),  ∂E/∂b = Σ over samples of g
    assert (into["x"], into["W"], into["b"]) == ("g·W", "gᵀ·x", "Σ g")


def test_roles_are_coloured_and_the_legend_names_them():
    W = Tensor(np.ones((1, 2)), requires_grad=True, label="W")
    x = Tensor([1.0, 2.0], label="x")
    source = viz.draw_graph((W @ x).tanh()).source
    colour = {role: fill for role, (_, fill) in viz.ROLES.items()}
    assert f'BGCOLOR="{colour["parameter"]}"' in record_named(source, "W")[1]
    assert f'BGCOLOR="{colour["input"]}"' in record_named(source, "x")[1]
    records = nodes(source, "n")
    root = max(records, key=lambda name: int(name[1:]))  # the root comes last
    assert f'BGCOLOR="{colour["root"]}"' in records[root]
    legend = source[source.index("cluster_legend") :]
    for text, _ in viz.ROLES.values():
        assert text in legend


def test_parameters_argument_decides_which_value_leaves_are_parameters():
    w, x = Value(1.0, label="gain"), Value(2.0, label="w_not_a_weight")
    source = viz.draw_graph(w * x, parameters=[w]).source
    assert "gain (parameter)" in source and "w_not_a_weight (input / constant)" in source


def test_labels_use_the_notes_subscripts_and_keep_the_raw_text():
    assert viz.label_html("x1") == "x<SUB>1</SUB>"
    assert viz.label_html("b_1") == "b<SUB>1</SUB>"
    assert viz.label_html("w1_21") == "w<SUP>1</SUP><SUB>21</SUB>"
    assert viz.label_html("w1_12,3") == "w<SUP>1</SUP><SUB>12,3</SUB>"
    assert viz.label_html("x1w1") == "x1w1"
    assert viz.label_html("a<b&c") == "a&lt;b&amp;c"
    source = viz.draw_graph(Parameter(0.5, label="w1_21") * 2.0).source
    assert "w<SUP>1</SUP><SUB>21</SUB>" in source and 'tooltip="w1_21 (parameter)"' in source
    # a leaf is a parameter because it says so, never because of its label
    source = viz.draw_graph(Value(0.5, label="w1_21") * 2.0).source
    assert 'tooltip="w1_21 (input / constant)"' in source


def test_node_names_are_stable_between_runs():
    assert (
        viz.draw_graph(neuron_expression()[3]).source
        == viz.draw_graph(neuron_expression()[3]).source
    )


# --- highlighting ---------------------------------------------------------------------


def test_highlighting_a_node_marks_its_path_to_the_root():
    a, _, _, out = neuron_expression()
    source = viz.draw_graph(out, highlight=a).source
    red = [(t, h) for t, h, attrs in edges(source) if viz.HIGHLIGHT_COLOUR in attrs]
    # a -> * -> ab -> + -> sum -> tanh -> out: six arrows; b -> * and c -> + stay plain
    assert len(red) == 6
    marked = {n for n, attrs in nodes(source, "n").items() if 'BORDER="3"' in attrs}
    assert len(marked) == 4  # a, a*b, a*b + c, the root
    assert record_named(source, "a")[0] in marked
    assert record_named(source, "b")[0] not in marked


def test_highlighting_a_list_marks_only_those_nodes():
    _, _, c, out = neuron_expression()
    source = viz.draw_graph(out, highlight=[c]).source
    assert len([1 for *_, attrs in edges(source) if viz.HIGHLIGHT_COLOUR in attrs]) == 0
    assert 'BORDER="3"' in record_named(source, "c")[1]


def test_highlighting_a_node_outside_the_graph_is_an_error():
    *_, out = neuron_expression()
    with pytest.raises(ValueError, match="highlight"):
        viz.draw_graph(out, highlight=Value(1.0))


# --- collapsing big scalar graphs ----------------------------------------------------


def value_mlp_loss(sizes, seed=0):
    model = nn.MLP(sizes, hidden="sigmoid", output="linear", engine="value", seed=seed)
    x = np.linspace(-1.0, 1.0, sizes[0])
    loss = mse_loss(model(list(x)), [0.5] * sizes[-1], reduction="half_sum")
    loss.backward()
    return model, x, loss


def test_value_mlp_weights_read_like_the_notes():
    model, _, loss = value_mlp_loss([2, 3, 1])
    source = viz.draw_graph(loss).source
    # 2·3 + 3 hidden weights and biases, 3 + 1 output: all 13 coloured as parameters
    assert source.count("(parameter)") == 13
    for name, _ in model.named_parameters():
        assert f'tooltip="{name} (parameter)"' in source
    assert "w<SUP>1</SUP><SUB>21</SUB>" in source  # layer 1, into unit 2, from input 1
    assert "b<SUP>2</SUP><SUB>1</SUB>" in source
    assert 'tooltip="x1 (input / constant)"' in source


def test_large_scalar_graph_collapses_to_neurons_with_a_note():
    _, _, loss = value_mlp_loss([2, 8, 8, 1])
    source = viz.draw_graph(loss).source  # default max_nodes
    assert "Collapsed to neuron level" in source and "max_nodes=150" in source
    boxes = nodes(source, "b")
    # 2 inputs, 8 + 8 + 1 neurons, the target t, the loss
    assert len(boxes) == 21
    assert "<B>t</B>" in source
    assert source.count("<B>sigmoid neuron</B>") == 16
    assert source.count("<B>linear neuron</B>") == 1
    # every input feeds every first-layer neuron, and so on: 16 + 64 + 8 + 1, and t → loss
    assert len(edges(source)) == 90
    assert not nodes(source, "op")


def test_collapse_goes_to_layer_level_when_neurons_are_still_too_many():
    _, _, loss = value_mlp_loss([2, 8, 8, 1])
    source = viz.draw_graph(loss, max_nodes=10).source
    assert "Collapsed to layer level" in source
    # the inputs x1, x2; the target t (not an input); three layers; the loss
    assert len(nodes(source, "b")) == 6
    assert "<B>x<SUB>1</SUB>, x<SUB>2</SUB></B>" in source and "<B>t</B>" in source
    assert len(edges(source)) == 5  # inputs → layer 1 → 2 → 3 → loss, and t → loss
    assert "8 sigmoid neurons, 24 parameters" in source  # layer 1: 8 × (2 weights + bias)
    assert "8 sigmoid neurons, 72 parameters" in source


def test_too_many_arrows_between_neurons_also_means_layer_level():
    _, _, loss = value_mlp_loss([2, 8, 8, 1])
    # 20 neuron boxes fit under 40, but their 89 arrows are more than 2 × 40
    assert "Collapsed to layer level" in viz.draw_graph(loss, max_nodes=40).source
    assert "Collapsed to neuron level" in viz.draw_graph(loss, max_nodes=45).source


def test_small_graph_is_drawn_in_full_and_collapse_none_never_collapses():
    _, _, loss = value_mlp_loss([2, 3, 1])
    assert "Collapsed" not in viz.draw_graph(loss).source
    _, _, big = value_mlp_loss([2, 40, 40, 1])
    source = viz.draw_graph(big, collapse="none").source
    # a neuron is its "w·x+b" node and its activation; then the "mse": 163 > 150
    ops = 2 * (40 + 40 + 1) + 1
    assert "Collapsed" not in source and len(nodes(source, "op")) == ops > 150


def test_deep_chain_draws_without_recursion():
    x = Value(1.0, label="x")
    y = x
    for _ in range(3000):
        y = y * 1.0001
    source = viz.draw_graph(y, collapse="none").source
    assert len(nodes(source, "op")) == 3000
    assert "Collapsed" in viz.draw_graph(y).source


# --- the notes' δ beside autograd's gradient -----------------------------------------


def notes_deltas(model, x, t):
    """δ per layer for a sigmoid hidden / linear output net and E = ½ Σ (O − t)² (note 01)."""
    (W1, b1), (W2, b2) = model.get_weights()
    O1 = 1 / (1 + np.exp(-(W1 @ x + b1)))
    O2 = W2 @ O1 + b2
    delta2 = (O2 - t) * 1.0  # linear: f' = 1
    delta1 = O1 * (1 - O1) * (W2.T @ delta2)  # δ_j = O_j (1 − O_j) Σ_k δ_k W_kj
    return [delta1, delta2]


def test_deltas_from_the_notes_agree_with_autograd_on_every_unit():
    model, x, loss = value_mlp_loss([2, 3, 1])
    deltas = notes_deltas(model, x, np.array([0.5]))
    source = viz.draw_graph(loss, deltas=deltas).source
    assert source.count("δ rules") == 4 and source.count("✓") == 4 and "✗" not in source
    neurons = viz.draw_graph(loss, deltas=deltas, collapse="neuron").source
    assert neurons.count("✓") == 4
    # the δ of hidden unit 2 is printed beside the net input of the unit with w1_21
    assert f"δ rules {deltas[0][1]:.4g} ✓" in neurons


def test_wrong_deltas_are_flagged():
    model, x, loss = value_mlp_loss([2, 3, 1])
    delta1, delta2 = notes_deltas(model, x, np.array([0.5]))
    source = viz.draw_graph(loss, deltas=[2 * delta1, delta2]).source
    assert source.count("✗") == 3 and source.count("✓") == 1


def test_deltas_follow_the_parameter_order_when_given():
    model, x, loss = value_mlp_loss([2, 3, 1])
    deltas = notes_deltas(model, x, np.array([0.5]))
    source = viz.draw_graph(loss, deltas=deltas, parameters=model.parameters()).source
    assert source.count("✓") == 4 and "✗" not in source


def tensor_mlp_loss():
    """A 2-3-1 tensor MLP on a batch of two samples, E = ½ Σ (O − t)², after backward."""
    model = nn.MLP([2, 3, 1], engine="tensor", seed=1)
    X, T = np.array([[0.0, 1.0], [1.0, -1.0]]), np.array([[1.0], [0.0]])
    loss = mse_loss(model(X), T, reduction="half_sum")
    loss.backward()
    return model, X, T, loss


def test_deltas_on_a_tensor_mlp_batch():
    model, X, T, loss = tensor_mlp_loss()
    (W1, b1), (W2, b2) = model.get_weights()
    O1 = 1 / (1 + np.exp(-(X @ W1.T + b1)))
    delta2 = O1 @ W2.T + b2 - T  # linear output: δ = (O − t) · 1
    delta1 = O1 * (1 - O1) * (delta2 @ W2)
    source = viz.draw_graph(loss, deltas=[delta1, delta2]).source
    assert source.count("✓") == 2 and "✗" not in source


def test_tensor_graph_collapses_to_one_box_per_layer_and_keeps_its_inputs():
    *_, loss = tensor_mlp_loss()
    source = viz.draw_graph(loss, collapse="neuron").source
    assert "<B>sigmoid layer</B>" in source and "<B>linear layer</B>" in source
    # X and the targets, two layers, the loss; X -> layer 1 -> layer 2 -> loss <- targets
    assert len(nodes(source, "b")) == 5 and len(edges(source)) == 4
    assert "W<SUB>1</SUB>, b<SUB>1</SUB>" in source


def test_tensor_deltas_of_the_wrong_shape_are_an_error():
    model = nn.MLP([2, 3, 1], engine="tensor", seed=1)
    loss = mse_loss(model(np.ones((2, 2))), np.ones((2, 1)), reduction="half_sum")
    with pytest.raises(ValueError, match="deltas for layer 1 has shape"):
        viz.draw_graph(loss, deltas=[np.zeros((5, 3)), np.zeros((2, 1))])


def test_options_after_show_grad_are_keyword_only():
    # docs/semantics.md orders draw_graph(root, rankdir, show_grad, ...); the rest are named.
    with pytest.raises(TypeError):
        viz.draw_graph(Value(1.0), "LR", False, True)


def test_deltas_with_the_wrong_number_of_layers_are_an_error():
    _, _, loss = value_mlp_loss([2, 3, 1])
    with pytest.raises(ValueError, match="deltas has 1 layers"):
        viz.draw_graph(loss, deltas=[np.zeros(3)])


def test_deltas_from_the_rules_module():
    rules = pytest.importorskip("tinygrad_edu.rules")
    model, x, loss = value_mlp_loss([2, 3, 1])
    records = rules.backward(model.get_weights(), ["sigmoid", "linear"], x, np.array([0.5]))
    source = viz.draw_graph(loss, deltas=records).source
    assert source.count("✓") == 4 and "✗" not in source


# --- rendering, with and without `dot` ------------------------------------------------


@needs_dot
def test_render_writes_valid_svg_png_and_pdf(tmp_path):
    *_, out = neuron_expression()
    svg = viz.render(out, tmp_path / "graph.svg")
    root = ET.parse(svg).getroot()
    assert root.tag.endswith("svg")
    assert "tanh" in "".join(root.itertext())
    assert viz.render(out, tmp_path / "graph.png").read_bytes().startswith(b"\x89PNG")
    assert viz.render(out, tmp_path / "graph.pdf").read_bytes().startswith(b"%PDF")


@needs_dot
def test_digraph_render_writes_svg(tmp_path):
    *_, out = neuron_expression()
    written = viz.draw_graph(out).render(outfile=tmp_path / "g.svg")
    assert ET.parse(written).getroot().tag.endswith("svg")


def hide_dot(monkeypatch, tmp_path):
    empty = tmp_path / "no-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))


def test_without_dot_render_writes_the_source_and_one_line(tmp_path, monkeypatch, capsys):
    *_, out = neuron_expression()
    hide_dot(monkeypatch, tmp_path)
    written = viz.render(out, tmp_path / "graph.svg")
    assert written == tmp_path / "graph.dot"
    assert written.read_text().startswith("digraph")
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and "apt-get install graphviz" in lines[0]
    assert not (tmp_path / "graph.svg").exists()


def test_without_dot_two_pictures_of_one_name_never_overwrite_each_others_source(
    tmp_path, monkeypatch, capsys
):
    *_, out = neuron_expression()
    hide_dot(monkeypatch, tmp_path)
    written = viz.render(out, tmp_path / "g.png")
    assert written == tmp_path / "g.dot"
    assert f"wrote the DOT source {written} instead of {tmp_path / 'g.png'}" in (
        capsys.readouterr().err
    )
    source = written.read_text()
    with pytest.raises(FileExistsError, match=r"g\.dot holds the DOT source of g\.png"):
        viz.render(out, tmp_path / "g.pdf")
    assert written.read_text() == source
    assert viz.render(out, tmp_path / "g.png") == written  # the same picture again: fine
    (tmp_path / "own.dot").write_text("digraph { a }\n")
    with pytest.raises(FileExistsError, match="not written for it"):
        viz.render(out, tmp_path / "own.svg")
    assert (tmp_path / "own.dot").read_text() == "digraph { a }\n"


def test_without_dot_digraph_render_keeps_the_source(tmp_path, monkeypatch, capsys):
    *_, out = neuron_expression()
    hide_dot(monkeypatch, tmp_path)
    written = viz.draw_graph(out).render(tmp_path / "g.gv", format="svg")
    assert Path(written).read_text().startswith("digraph")
    assert len(capsys.readouterr().err.strip().splitlines()) == 1


def test_dot_suffix_writes_source_even_with_dot(tmp_path):
    *_, out = neuron_expression()
    assert viz.render(out, tmp_path / "g.dot").read_text().startswith("digraph")


def test_render_rejects_unknown_formats(tmp_path):
    with pytest.raises(ValueError, match="unknown format"):
        viz.render(Value(1.0), tmp_path / "g.txt")


# --- Jupyter ---------------------------------------------------------------------------


@needs_dot
def test_values_tensors_and_drawings_show_as_svg_in_jupyter():
    *_, out = neuron_expression()
    for shown in (out, Tensor([1.0, 2.0], requires_grad=True).sum(), viz.draw_graph(out)):
        bundle = shown._repr_mimebundle_()
        assert ET.fromstring(bundle["image/svg+xml"].encode()).tag.endswith("svg")


def test_without_dot_jupyter_gets_text_not_a_traceback(tmp_path, monkeypatch):
    *_, out = neuron_expression()
    hide_dot(monkeypatch, tmp_path)
    bundle = out._repr_mimebundle_()
    assert list(bundle) == ["text/plain"]
    assert "apt-get install graphviz" in bundle["text/plain"] and "digraph" in bundle["text/plain"]


# --- bad input -----------------------------------------------------------------------


def test_bad_arguments_name_the_problem():
    with pytest.raises(TypeError, match="root must be a Value or a Tensor"):
        viz.draw_graph(3.0)
    with pytest.raises(ValueError, match="rankdir"):
        viz.draw_graph(Value(1.0), rankdir="XY")
    with pytest.raises(ValueError, match="collapse"):
        viz.draw_graph(Value(1.0), collapse="sideways")
    with pytest.raises(ValueError, match="max_nodes"):
        viz.draw_graph(Value(1.0), max_nodes=0)


def test_signature_follows_the_documented_order_root_rankdir_show_grad():
    from tinygrad_edu import Value
    from tinygrad_edu.viz import draw_graph

    a = Value(2.0, label="a")
    y = a * 3.0
    y.backward()
    with_grads, without = draw_graph(y, "TB", True).source, draw_graph(y, "TB", False).source
    assert "rankdir=TB" in without
    assert "grad" in with_grads and "grad" not in without.replace("show_grad", "")


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"precision": -1}, ValueError, "precision must be an int from 1 to 17, got -1"),
        ({"precision": 0}, ValueError, "precision must be an int from 1 to 17, got 0"),
        ({"precision": 10**400}, ValueError, "precision must be an int from 1 to 17"),
        ({"precision": 2.5}, TypeError, "precision must be an int from 1 to 17, got 2.5"),
        ({"precision": "4"}, TypeError, "precision must be an int"),
        ({"max_nodes": "5"}, TypeError, "max_nodes must be a positive int or None, got '5'"),
        ({"max_nodes": 2.5}, TypeError, "max_nodes must be a positive int or None, got 2.5"),
    ],
)
def test_precision_and_max_nodes_are_checked_by_name(kwargs, error, match):
    with pytest.raises(error, match=match):
        viz.draw_graph(Value(1.0) * 2.0, **kwargs)


@needs_dot
@pytest.mark.parametrize("bad", ["\x1b", "\x00", "\x07", "\n", "\x7f"])
def test_labels_with_control_characters_still_render(bad, tmp_path):
    import subprocess

    a = Value(1.0, label=f"a{bad}[31m")
    b = Value(2.0, label=f"w1_2{bad}")  # also one in the notes' w¹₂ notation
    drawing = viz.draw_graph(a * b, edge_derivatives=True)
    result = subprocess.run(
        ["dot", "-Tsvg"], input=drawing.source.encode(), capture_output=True, timeout=60
    )
    assert result.returncode == 0, result.stderr.decode()
    svg = ET.fromstring(result.stdout)
    text = "".join(svg.itertext())
    escape = repr(bad)[1:-1]  # the label shows the character as its escape, e.g. \x1b
    assert f"a{escape}[31m" in text
    assert f"a{bad}[31m" not in drawing.source


@pytest.mark.parametrize("engine", ["value", "tensor"])
def test_layers_count_the_targets_apart_from_the_inputs(engine):
    # 3 inputs and 2 targets: one box says "3 inputs", another "2 targets" (not "5 inputs")
    model = nn.MLP([3, 4, 2], hidden="sigmoid", output="linear", engine=engine, seed=0)
    x, t = np.ones((5, 3)), np.ones((5, 2))
    if engine == "value":  # unlabelled inputs, so the box counts them (t: t1_1 … t5_2)
        x = [[Value(v) for v in row] for row in x]
    loss = mse_loss(model(x), t, reduction="half_sum")
    source = viz.draw_graph(loss, collapse="layer").source
    if engine == "value":
        assert "<B>15 inputs</B>" in source and "<B>10 targets</B>" in source
    else:  # one array each, named as the notes name them
        assert "<B>x</B>" in source and "<B>t</B>" in source
    assert "inputs</B>" not in source.replace("15 inputs</B>", "")


@pytest.mark.parametrize(
    ("reduction", "text"), [("half_sum", "½Σ(O−t)²"), ("sum", "Σ(O−t)²"), ("mean", "Σ(O−t)²/6")]
)
def test_the_squared_error_is_drawn_as_what_it_computes(reduction, text):
    # E = ½ Σ (O − t)² of the demo's table is not drawn as "mse" (which reads as the mean)
    O, t = Tensor(np.arange(6.0).reshape(3, 2), requires_grad=True), np.zeros((3, 2))
    loss = mse_loss(O, t, reduction=reduction)
    c = {"half_sum": 0.5, "sum": 1.0, "mean": 1 / 6}[reduction]
    assert float(loss.data) == pytest.approx(c * np.sum(np.arange(6.0) ** 2))
    full = viz.draw_graph(loss).source
    assert f'label="{text}"' in full and "label=mse" not in full


def test_the_tensor_input_is_named_as_the_target_is():
    model = nn.MLP([2, 3, 1], hidden="tanh", output="sigmoid", seed=0)
    loss = mse_loss(model(np.ones((4, 2))), np.ones((4, 1)), reduction="half_sum")
    source = viz.draw_graph(loss).source
    assert "<B>x</B>" in source and "<B>t</B>" in source
