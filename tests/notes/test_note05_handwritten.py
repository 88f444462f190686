"""Note 05 (handwritten worked example): one full iteration, to 1e-12 against exact arithmetic.

The note's network: inputs x_1, x_2 → two linear hidden units h_1, h_2 → one linear output
ŷ, no biases:

    h_1 = x_1 w_1 + x_2 w_3      h_2 = x_1 w_2 + x_2 w_4      ŷ = h_1 w_5 + h_2 w_6

with x = (2, 3), target y = 1, (w_1..w_6) = (0.11, 0.12, 0.21, 0.08, 0.14, 0.15),
Error = ½ (ŷ − y)², learning rate α = 0.05 and w_new = w_old − α ∂Error/∂w, where with
Δ = ŷ − y:

    ∂E/∂w_5 = Δ h_1   ∂E/∂w_6 = Δ h_2   ∂E/∂w_1 = Δ w_5 x_1   ∂E/∂w_2 = Δ w_6 x_1
    ∂E/∂w_3 = Δ w_5 x_2                  ∂E/∂w_4 = Δ w_6 x_2

In tinygrad_edu's W[out, in] layout (row = the unit the weight goes into):

    layer 1: W = [[w_1, w_3],     row h_1: from x_1, from x_2
                  [w_2, w_4]]     row h_2: from x_1, from x_2
    layer 2: W = [[w_5, w_6]]     row ŷ:   from h_1, from h_2

so on the value engine w_1 = "w1_11", w_3 = "w1_12", w_2 = "w1_21", w_4 = "w1_22",
w_5 = "w2_11", w_6 = "w2_12".

The note's slips (all of them: tests/test_notes05.py): it rounds ŷ = 0.191 to 0.19 and the
new weights to two decimals, and its final table lists w_3 (old) as 0.11 and w_3 (new) as
0.12 although its own forward pass uses w_3 = 0.21; exactly,
w_3 (new) = 0.21 + 0.05 · 0.809 · 0.14 · 3.
"""

from fractions import Fraction

import numpy as np
import pytest

from tinygrad_edu import Tensor, Value, mse_loss, nn
from tinygrad_edu.optim import SGD

# --- the note's numbers, exactly -----------------------------------------------------------

x_1, x_2, y = Fraction(2), Fraction(3), Fraction(1)
alpha = Fraction("0.05")
w = {
    "w_1": Fraction("0.11"),
    "w_2": Fraction("0.12"),
    "w_3": Fraction("0.21"),
    "w_4": Fraction("0.08"),
    "w_5": Fraction("0.14"),
    "w_6": Fraction("0.15"),
}
h_1 = x_1 * w["w_1"] + x_2 * w["w_3"]
h_2 = x_1 * w["w_2"] + x_2 * w["w_4"]
y_hat = h_1 * w["w_5"] + h_2 * w["w_6"]
Error = Fraction(1, 2) * (y_hat - y) ** 2
Delta = y_hat - y
gradient = {  # ∂Error/∂w, by the note's chain rule
    "w_5": Delta * h_1,
    "w_6": Delta * h_2,
    "w_1": Delta * w["w_5"] * x_1,
    "w_2": Delta * w["w_6"] * x_1,
    "w_3": Delta * w["w_5"] * x_2,
    "w_4": Delta * w["w_6"] * x_2,
}
w_new = {name: w[name] - alpha * gradient[name] for name in w}

# Where each of the note's weights lives: (layer index, (row = into, column = from)).
NOTE_TO_W = {
    "w_1": (0, (0, 0)),
    "w_3": (0, (0, 1)),
    "w_2": (0, (1, 0)),
    "w_4": (0, (1, 1)),
    "w_5": (1, (0, 0)),
    "w_6": (1, (0, 1)),
}
# The same on the value engine, by label.
NOTE_TO_LABEL = {
    "w_1": "w1_11",
    "w_3": "w1_12",
    "w_2": "w1_21",
    "w_4": "w1_22",
    "w_5": "w2_11",
    "w_6": "w2_12",
}


def note_weights():
    W1 = np.zeros((2, 2))
    W2 = np.zeros((1, 2))
    for name, (layer, index) in NOTE_TO_W.items():
        (W1, W2)[layer][index] = float(w[name])
    return [(W1, None), (W2, None)]


def test_the_exact_numbers_are_the_notes():
    assert (h_1, h_2, y_hat) == (Fraction("0.85"), Fraction("0.48"), Fraction("0.191"))
    assert Error == Fraction(1, 2) * (Fraction("0.191") - 1) ** 2
    assert w_new["w_5"] == Fraction("0.1743825")
    assert w_new["w_6"] == Fraction("0.169416")
    assert w_new["w_1"] == Fraction("0.121326")
    assert (
        w_new["w_3"]
        == Fraction("0.21") + Fraction("0.05") * Fraction("0.809") * Fraction("0.14") * 3
    )


def test_the_mapping_puts_the_notes_weights_where_the_forward_pass_needs_them():
    (W1, _), (W2, _) = note_weights()
    np.testing.assert_array_equal(W1, [[0.11, 0.21], [0.12, 0.08]])
    np.testing.assert_array_equal(W2, [[0.14, 0.15]])


@pytest.mark.parametrize("engine", ["tensor", "value"])
def test_one_iteration_of_note_05_on_an_mlp(engine):
    model = nn.MLP([2, 2, 1], hidden="linear", output="linear", bias=False, engine=engine)
    model.set_weights(note_weights())
    if engine == "tensor":
        hidden = model.layers[0](Tensor([2.0, 3.0])).data  # linear units: h = net
        out = model(Tensor([2.0, 3.0]))
        E = mse_loss(out, np.array([1.0]), reduction="half_sum")
        y_model = out.data[0]
    else:
        hidden = [v.data for v in model.layers[0]([Value(2.0), Value(3.0)])]
        out = model([2.0, 3.0])
        E = mse_loss(out, [1.0], reduction="half_sum")
        y_model = out[0].data

    # STEP 2 and 3: forward pass and error
    assert hidden[0] == pytest.approx(float(h_1), abs=1e-12)  # 0.85
    assert hidden[1] == pytest.approx(float(h_2), abs=1e-12)  # 0.48
    assert y_model == pytest.approx(float(y_hat), abs=1e-12)  # 0.191
    assert float(np.asarray(E.data)) == pytest.approx(float(Error), abs=1e-12)

    # STEP 4: backpropagation, every gradient
    E.backward()
    if engine == "tensor":
        grads = [layer.weight.grad for layer in model.layers]
        for name, (layer, index) in NOTE_TO_W.items():
            assert grads[layer][index] == pytest.approx(float(gradient[name]), abs=1e-12), name
    else:
        p = dict(model.named_parameters())
        for name, label in NOTE_TO_LABEL.items():
            assert p[label].grad == pytest.approx(float(gradient[name]), abs=1e-12), name

    # ... and the update w_new = w_old − α ∂E/∂w, by one SGD step
    SGD(model.parameters(), lr=0.05).step()
    W = [W_l for W_l, _ in model.get_weights()]
    for name, (layer, index) in NOTE_TO_W.items():
        assert W[layer][index] == pytest.approx(float(w_new[name]), abs=1e-12), name
    assert W[1][0, 0] == pytest.approx(0.1743825, abs=1e-12)  # w_5
    assert W[1][0, 1] == pytest.approx(0.169416, abs=1e-12)  # w_6
    assert W[0][0, 0] == pytest.approx(0.121326, abs=1e-12)  # w_1
    assert W[0][0, 1] == pytest.approx(0.21 + 0.05 * 0.809 * 0.14 * 3, abs=1e-12)  # w_3


def test_one_iteration_of_note_05_with_plain_values_as_the_note_writes_it():
    v = {name: Value(float(value), label=name) for name, value in w.items()}
    x1, x2 = Value(2.0), Value(3.0)
    h1 = x1 * v["w_1"] + x2 * v["w_3"]
    h2 = x1 * v["w_2"] + x2 * v["w_4"]
    prediction = h1 * v["w_5"] + h2 * v["w_6"]
    error = 0.5 * (prediction - 1.0) ** 2
    error.backward()
    for name in w:
        assert v[name].grad == pytest.approx(float(gradient[name]), abs=1e-12), name
    SGD(list(v.values()), lr=0.05).step()
    for name in w:
        assert v[name].data == pytest.approx(float(w_new[name]), abs=1e-12), name


def test_the_notes_rounded_table_and_its_w3_slip():
    # The note's final table (old, new), rounded to two decimals.
    table = {
        "w_1": ("0.11", "0.12"),
        "w_2": ("0.12", "0.13"),
        "w_3": ("0.11", "0.12"),
        "w_4": ("0.08", "0.10"),
        "w_5": ("0.14", "0.17"),
        "w_6": ("0.15", "0.17"),
    }
    for name in ("w_1", "w_2", "w_4", "w_5", "w_6"):
        old, new = table[name]
        assert Fraction(old) == w[name]
        assert round(w_new[name], 2) == Fraction(new), name
    # w_3: the table's old value is not the 0.21 its forward pass used, and its new value
    # is off; the exact update from 0.21 is 0.226989 ≈ 0.23.
    assert Fraction(table["w_3"][0]) != w["w_3"]
    assert w_new["w_3"] == Fraction("0.226989")
    assert round(w_new["w_3"], 2) == Fraction("0.23") != Fraction(table["w_3"][1])
