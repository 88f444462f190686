"""Note 04 (Buchwald & Schulz, exercise 1): autograd equals its closed forms on any N_I-N_H-N_O.

The note's network: N_I inputs → N_H sigmoid hidden neurons → N_O sigmoid outputs, fully
connected, with biases; E = ½ Σ_k (O^O_k − t_k)². Its two results, with x the net input
of a neuron and O its output:

    ∂E/∂w^O_ji = (O^O_i − t_i) sig(x^O_i) (1 − sig(x^O_i)) O^H_j
    ∂E/∂w^H_ji = Σ_k (O^O_k − t_k) sig(x^O_k) (1 − sig(x^O_k)) w^O_ik
                 · sig(x^H_i) (1 − sig(x^H_i)) O^I_j

In these derivations w_ji is the weight FROM neuron j (previous layer) TO neuron i, so in
tinygrad_edu's W[out, in] layout

    w^H_ji = layer-1 W[i, j]        w^O_ji = layer-2 W[i, j]

(its variable list words it "for neuron j with the incoming neuron i"; the derivation is
what we follow, and the test below is what settles it). The note does not write out the
bias gradients; the same chain with ∂x/∂b = 1 gives them:

    ∂E/∂b^O_i = (O^O_i − t_i) sig(x^O_i) (1 − sig(x^O_i))
    ∂E/∂b^H_i = Σ_k (O^O_k − t_k) sig(x^O_k) (1 − sig(x^O_k)) w^O_ik sig(x^H_i) (1 − sig(x^H_i))
"""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tinygrad_edu import Tensor, mse_loss, nn


def sig(x):
    return 1.0 / (1.0 + math.exp(-x))


def note_04_gradients(W_H, b_H, W_O, b_O, O_I, t):
    """The note's closed forms, element by element. w^L_ji is W_L[i, j] (from j to i)."""
    N_I, N_H, N_O = len(O_I), len(b_H), len(b_O)

    def w_H(j, i):
        return W_H[i, j]

    def w_O(j, i):
        return W_O[i, j]

    x_H = [sum(w_H(j, i) * O_I[j] for j in range(N_I)) + b_H[i] for i in range(N_H)]
    O_H = [sig(x) for x in x_H]
    x_O = [sum(w_O(j, i) * O_H[j] for j in range(N_H)) + b_O[i] for i in range(N_O)]
    O_O = [sig(x) for x in x_O]

    dE_dw_O = np.zeros((N_H, N_O))  # indexed [j, i] as the note writes w^O_ji
    for j in range(N_H):
        for i in range(N_O):
            dE_dw_O[j, i] = (O_O[i] - t[i]) * sig(x_O[i]) * (1 - sig(x_O[i])) * O_H[j]
    dE_dw_H = np.zeros((N_I, N_H))  # indexed [j, i]: w^H_ji
    for j in range(N_I):
        for i in range(N_H):
            dE_dw_H[j, i] = sum(
                (O_O[k] - t[k])
                * sig(x_O[k])
                * (1 - sig(x_O[k]))
                * w_O(i, k)
                * sig(x_H[i])
                * (1 - sig(x_H[i]))
                * O_I[j]
                for k in range(N_O)
            )
    dE_db_O = [(O_O[i] - t[i]) * sig(x_O[i]) * (1 - sig(x_O[i])) for i in range(N_O)]
    dE_db_H = [
        sum((O_O[k] - t[k]) * sig(x_O[k]) * (1 - sig(x_O[k])) * w_O(i, k) for k in range(N_O))
        * sig(x_H[i])
        * (1 - sig(x_H[i]))
        for i in range(N_H)
    ]
    return dE_dw_H, dE_db_H, dE_dw_O, dE_db_O


def check_against_note_04(sizes, seed, engine):
    N_I, N_H, N_O = sizes
    rng = np.random.default_rng(seed)
    W_H, b_H = rng.normal(size=(N_H, N_I)), rng.normal(size=N_H)
    W_O, b_O = rng.normal(size=(N_O, N_H)), rng.normal(size=N_O)
    O_I, t = rng.normal(size=N_I), rng.uniform(size=N_O)

    model = nn.MLP(sizes, hidden="sigmoid", output="sigmoid", engine=engine)
    model.set_weights([(W_H, b_H), (W_O, b_O)])
    if engine == "tensor":
        mse_loss(model(Tensor(O_I)), t, reduction="half_sum").backward()
        (L_H, L_O) = model.layers
        grads = L_H.weight.grad, L_H.bias.grad, L_O.weight.grad, L_O.bias.grad
    else:
        mse_loss(model(list(O_I)), list(t), reduction="half_sum").backward()
        p = dict(model.named_parameters())  # "w{layer}_{into}{from}": w^H_ji is "w1_{i}{j}"
        grads = (
            np.array(
                [[p[nn.weight_label(1, i + 1, j + 1)].grad for j in range(N_I)] for i in range(N_H)]
            ),
            np.array([p[f"b1_{i + 1}"].grad for i in range(N_H)]),
            np.array(
                [[p[nn.weight_label(2, i + 1, j + 1)].grad for j in range(N_H)] for i in range(N_O)]
            ),
            np.array([p[f"b2_{i + 1}"].grad for i in range(N_O)]),
        )
    dW_H, db_H, dW_O, db_O = grads

    dE_dw_H, dE_db_H, dE_dw_O, dE_db_O = note_04_gradients(W_H, b_H, W_O, b_O, O_I, t)
    for j in range(N_H):
        for i in range(N_O):  # w^O_ji = W_O[i, j]
            assert dW_O[i, j] == pytest.approx(dE_dw_O[j, i], rel=1e-11, abs=1e-15)
    for j in range(N_I):
        for i in range(N_H):  # w^H_ji = W_H[i, j]
            assert dW_H[i, j] == pytest.approx(dE_dw_H[j, i], rel=1e-11, abs=1e-15)
    np.testing.assert_allclose(db_O, dE_db_O, rtol=1e-11, atol=1e-15)
    np.testing.assert_allclose(db_H, dE_db_H, rtol=1e-11, atol=1e-15)


@pytest.mark.parametrize("engine", ["tensor", "value"])
def test_closed_forms_of_note_04_on_a_3_4_2_network(engine):
    check_against_note_04((3, 4, 2), seed=0, engine=engine)


@settings(max_examples=40, deadline=None)
@given(
    N_I=st.integers(1, 6),
    N_H=st.integers(1, 6),
    N_O=st.integers(1, 5),
    seed=st.integers(0, 2**32 - 1),
)
def test_closed_forms_of_note_04_on_random_N_I_N_H_N_O(N_I, N_H, N_O, seed):
    check_against_note_04((N_I, N_H, N_O), seed, engine="tensor")


@pytest.mark.parametrize("sizes, seed", [((1, 1, 1), 1), ((5, 2, 4), 2), ((2, 6, 3), 3)])
def test_closed_forms_of_note_04_on_the_value_engine(sizes, seed):
    check_against_note_04(sizes, seed, engine="value")
