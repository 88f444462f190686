"""Softmax and cross-entropy on both engines: values, δ = O − t, stability, bad targets.

Expected values come from the formulas written out here with ``math`` (exact small cases),
from central finite differences, and from PyTorch where it is installed (marked torch).
"""

import math

import numpy as np
import pytest

from tinygrad_edu import Tensor, Value, compare, cross_entropy_loss, nn, no_grad, rules
from tinygrad_edu.compare import central_difference
from tinygrad_edu.value import softmax

RNG = np.random.default_rng(7)
LOGITS = RNG.normal(size=(5, 4)) * 2
CLASSES = np.array([0, 3, 1, 3, 2])
ONE_HOT = np.eye(4)[CLASSES]
SOFT = RNG.dirichlet(np.ones(4), size=5)  # probability rows summing to 1


def softmax_by_hand(z):
    """O_k = e^(z_k) / Σ_j e^(z_j), with math.exp on each number (small z only)."""
    e = [math.exp(v) for v in z]
    return [v / sum(e) for v in e]


def loss_by_hand(logits, t, reduction):
    """E = −c Σ_n Σ_k t_nk log O_nk, c = 1/N for "mean"."""
    total = -sum(
        t_k * math.log(O_k)
        for z, row in zip(logits, t)
        for O_k, t_k in zip(softmax_by_hand(z), row)
    )
    return total / len(logits) if reduction == "mean" else total


def value_rows(z):
    return [[Value(float(v)) for v in row] for row in z]


def grads_of(rows):
    return np.array([[v.grad for v in row] for row in rows])


# --- values and δ = O − t, no torch needed ------------------------------------------------


def test_two_equal_logits_give_log_2_and_delta_of_a_half():
    # O = (½, ½) and t = (1, 0): E = −log ½ = log 2, δ = O − t = (−½, ½)
    z = Tensor([[0.0, 0.0]], requires_grad=True)
    loss = cross_entropy_loss(z, [0])
    loss.backward()
    assert loss.item() == pytest.approx(math.log(2), abs=1e-15)
    assert z.grad.tolist() == [[-0.5, 0.5]]


def test_log_3_logit_gives_a_quarter_and_three_quarters():
    # e^0 : e^(ln 3) = 1 : 3, so O = (¼, ¾); with t = class 1, E = −log ¾ and δ = (¼, −¼)
    for pred in ([Value(0.0), Value(math.log(3))], Tensor([0.0, math.log(3)], requires_grad=True)):
        loss = cross_entropy_loss(pred, 1, reduction="sum")
        loss.backward()
        grad = [v.grad for v in pred] if isinstance(pred, list) else pred.grad.tolist()
        assert loss.item() == pytest.approx(-math.log(0.75), abs=1e-15)
        assert grad == pytest.approx([0.25, -0.25], abs=1e-15)


@pytest.mark.parametrize("reduction", ["mean", "sum"])
@pytest.mark.parametrize("target", [CLASSES, ONE_HOT, SOFT], ids=["indices", "one-hot", "soft"])
def test_delta_is_o_minus_t_over_n_on_both_engines(reduction, target):
    t = ONE_HOT if target is CLASSES else target
    c = 1 / len(LOGITS) if reduction == "mean" else 1.0
    O = np.array([softmax_by_hand(z) for z in LOGITS])
    expected = c * (O - t)  # the notes' δ_output = O − t, ÷N for the mean

    x = Tensor(LOGITS, requires_grad=True)
    loss = cross_entropy_loss(x, target, reduction)
    loss.backward()
    assert loss.item() == pytest.approx(loss_by_hand(LOGITS, t, reduction), rel=1e-13)
    np.testing.assert_allclose(x.grad, expected, rtol=1e-12, atol=1e-15)

    rows = value_rows(LOGITS)
    value_loss = cross_entropy_loss(rows, target, reduction)
    value_loss.backward()
    assert value_loss.item() == pytest.approx(loss.item(), rel=1e-13)
    np.testing.assert_allclose(grads_of(rows), expected, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_loss_gradient_matches_finite_differences(reduction):
    def loss_at(z):
        return cross_entropy_loss(Tensor(z), SOFT, reduction).item()

    x = Tensor(LOGITS, requires_grad=True)
    cross_entropy_loss(x, SOFT, reduction).backward()
    np.testing.assert_allclose(x.grad, central_difference(loss_at, LOGITS), atol=1e-8)


def test_softmax_jacobian_matches_finite_differences_on_both_engines():
    g = RNG.normal(size=LOGITS.shape)  # d(final)/dO, a random direction

    def projected(z):
        return float(np.sum(g * np.array([softmax_by_hand(row) for row in z])))

    numeric = central_difference(projected, LOGITS)
    x = Tensor(LOGITS, requires_grad=True)
    (x.softmax() * Tensor(g)).sum().backward()
    np.testing.assert_allclose(x.grad, numeric, atol=1e-8)

    rows = value_rows(LOGITS)
    out = [softmax(row) for row in rows]
    terms = [o * float(gk) for row, g_row in zip(out, g) for o, gk in zip(row, g_row)]
    sum(terms[1:], terms[0]).backward()
    np.testing.assert_allclose(grads_of(rows), numeric, atol=1e-8)


def test_log_softmax_is_the_log_of_softmax_and_its_gradient_matches_finite_differences():
    g = RNG.normal(size=LOGITS.shape)
    x = Tensor(LOGITS, requires_grad=True)
    out = x.log_softmax()
    np.testing.assert_allclose(out.data, np.log([softmax_by_hand(z) for z in LOGITS]), rtol=1e-13)
    (out * Tensor(g)).sum().backward()
    numeric = central_difference(lambda z: float(np.sum(g * Tensor(z).log_softmax().data)), LOGITS)
    np.testing.assert_allclose(x.grad, numeric, atol=1e-8)


def test_the_loss_is_one_node_hanging_from_the_nets_of_a_softmax():
    x = Tensor(LOGITS, requires_grad=True)
    O = x.softmax()
    loss = cross_entropy_loss(O, CLASSES)
    assert loss.op == "cross_entropy" and loss.parents == (x,)  # softmax + CE: one step
    rows = value_rows(LOGITS)
    loss = cross_entropy_loss([softmax(row) for row in rows], CLASSES)
    assert loss.op == "cross_entropy"
    assert list(loss.parents) == [v for row in rows for v in row]


def test_softmax_outputs_made_under_no_grad_give_the_same_loss():
    expected = cross_entropy_loss(Tensor(LOGITS), CLASSES).item()
    with no_grad():
        tensor_loss = cross_entropy_loss(Tensor(LOGITS).softmax(), CLASSES).item()
        value_loss = cross_entropy_loss([softmax(r) for r in value_rows(LOGITS)], CLASSES).item()
    assert tensor_loss == pytest.approx(expected, rel=1e-12)
    assert value_loss == pytest.approx(expected, rel=1e-12)


def test_probabilities_whose_nets_were_not_kept_get_the_gradient_of_minus_t_log_o():
    # O made under no_grad is a leaf: the loss's derivative is then ∂E/∂O = −t / O
    with no_grad():
        O = softmax([Value(0.0), Value(math.log(3))])  # (¼, ¾)
    cross_entropy_loss(O, 1, reduction="sum").backward()
    assert [o.grad for o in O] == pytest.approx([0.0, -1 / 0.75], abs=1e-15)


# --- the forms pred may take: nets, a softmax's output, whole rows selected from it ------

QUARTERS = [[0.0, math.log(3)], [2.0, -1.0], [0.5, 0.5]]  # row 0: O = (¼, ¾)


@pytest.mark.parametrize(
    "select, classes",
    [
        (lambda P: P[:1], [1]),  # the issue's case: −log ¾, not 0.4741
        (lambda P: P[0], 1),  # one sample, shape (C,)
        (lambda P: P[[2, 0, 0]], [0, 1, 0]),  # reordered and repeated samples
        (lambda P: P[np.array([True, False, True])], [1, 1]),  # a mask
        (lambda P: P[1:][1:], [0]),  # a selection of a selection
        (lambda P: P[..., :], [0, 0, 1]),  # every row, every class
    ],
)
def test_rows_selected_from_a_softmax_output_are_the_same_rows_of_the_nets(select, classes):
    # the loss of the selected rows is the loss of the same rows of the nets, and its
    # gradient δ = O − t lands on those rows (summed where a row is picked twice)
    z = Tensor(QUARTERS, requires_grad=True)
    loss = cross_entropy_loss(select(z.softmax()), classes)
    loss.backward()
    rows = select(np.arange(3))
    picked = np.atleast_1d(rows)
    t = np.eye(2)[np.atleast_1d(classes)]
    O = np.array([softmax_by_hand(row) for row in np.array(QUARTERS)[picked]])
    assert loss.item() == pytest.approx(loss_by_hand(np.array(QUARTERS)[picked], t, "mean"))
    expected = np.zeros((3, 2))
    np.add.at(expected, picked, (O - t) / len(picked))
    np.testing.assert_allclose(z.grad, expected, rtol=1e-14, atol=1e-16)


def test_the_issues_case_is_minus_log_three_quarters():
    P = Tensor(QUARTERS).softmax()  # no graph needed: P itself is a softmax's output
    assert cross_entropy_loss(P, [1, 0, 0]).item() == pytest.approx(
        loss_by_hand(QUARTERS, np.eye(2)[[1, 0, 0]], "mean")
    )
    z = Tensor(QUARTERS, requires_grad=True)
    assert cross_entropy_loss(z.softmax()[:1], [1]).item() == pytest.approx(-math.log(0.75))


def test_rows_selected_from_extreme_nets_read_the_nets_not_the_underflowed_probabilities():
    z = Tensor([[1e4, -1e4], [0.0, 0.0]], requires_grad=True)
    loss = cross_entropy_loss(z.softmax()[:1], [1], reduction="sum")  # O_1 = e^(−2e4) = 0
    loss.backward()
    assert loss.item() == 2e4  # not the 708 a probability of 0 would give
    assert z.grad.tolist() == [[1.0, -1.0], [0.0, 0.0]]


@pytest.mark.parametrize(
    "move",
    [
        lambda P: P[:, ::-1],  # classes reordered
        lambda P: P[:, :1],  # a class cut off
        lambda P: P.T,
        lambda P: P.reshape(2, 3),
        lambda P: P.linear(),
        lambda P: P[:2].T[:, :2],
    ],
    ids=["reversed-classes", "cut-class", "transpose", "reshape", "linear", "chain"],
)
def test_other_moves_of_a_softmax_output_are_an_error_naming_the_forms(move):
    P = Tensor(QUARTERS, requires_grad=True).softmax()
    with pytest.raises(ValueError, match=r"other than selecting whole rows .*pred may be the nets"):
        cross_entropy_loss(move(P), np.zeros(move(P).shape[:-1], int))


def test_a_selection_whose_graph_was_not_kept_is_an_error_when_its_rows_sum_to_1():
    P = Tensor(QUARTERS).softmax()  # nothing requires grad: P[:1] keeps no graph
    with pytest.raises(ValueError, match=r"made by getitem whose graph was not kept .* sum to 1"):
        cross_entropy_loss(P[:1], [1])
    with no_grad():
        P = Tensor(QUARTERS, requires_grad=True).softmax()
        with pytest.raises(ValueError, match="cannot be told whether it holds nets"):
            cross_entropy_loss(P[[0, 1]], [1, 0])
    # nets selected without a graph are nets: their rows do not sum to 1
    z = Tensor(QUARTERS)
    assert cross_entropy_loss(z[:1], [1]).item() == pytest.approx(-math.log(0.75))


def test_value_outputs_of_one_softmax_in_another_order_are_scored_in_that_order():
    # [O_1, O_0] with class 0 is −log O_1 = −log ¾, δ on the nets (¼, −¼)
    nets = [Value(0.0), Value(math.log(3))]
    O = softmax(nets)
    loss = cross_entropy_loss([O[1], O[0]], 0, reduction="sum")
    loss.backward()
    assert loss.item() == pytest.approx(-math.log(0.75), abs=1e-15)
    assert [v.grad for v in nets] == pytest.approx([0.25, -0.25], abs=1e-15)
    assert loss.parents == (nets[1], nets[0])  # still one step from the nets
    with no_grad():  # probabilities without their nets: read in the row's order too
        O = softmax([Value(0.0), Value(math.log(3))])
    assert cross_entropy_loss([O[1], O[0]], 0).item() == pytest.approx(-math.log(0.75))


def test_value_rows_that_are_not_one_softmaxs_outputs_are_an_error_naming_the_forms():
    nets = [Value(0.0), Value(math.log(3))]
    O, other = softmax(nets), softmax([Value(1.0), Value(2.0)])
    with no_grad():
        kept_none = softmax([Value(0.0), Value(math.log(3))])
    for row in ([O[0], O[0]], [O[1]], [O[0], nets[1]], [O[0], other[1]], kept_none[:1] * 2):
        with pytest.raises(ValueError, match="not exactly the outputs of one softmax call"):
            cross_entropy_loss(row, 0)


@pytest.mark.torch
def test_selected_rows_and_reordered_outputs_match_torch_on_the_nets():
    torch = pytest.importorskip("torch")
    z = Tensor(QUARTERS, requires_grad=True)
    loss = cross_entropy_loss(z.softmax()[[2, 0]], [0, 1])
    loss.backward()
    x = torch.tensor(QUARTERS, dtype=torch.float64, requires_grad=True)
    reference = torch.nn.functional.cross_entropy(x[[2, 0]], torch.tensor([0, 1]))
    reference.backward()
    assert loss.item() == pytest.approx(reference.item(), rel=1e-14)
    np.testing.assert_allclose(z.grad, x.grad.numpy(), rtol=1e-14, atol=1e-16)
    nets = [Value(v) for v in QUARTERS[1]]
    O = softmax(nets)
    cross_entropy_loss([O[1], O[0]], 1).backward()
    x = torch.tensor(QUARTERS[1][::-1], dtype=torch.float64, requires_grad=True)
    torch.nn.functional.cross_entropy(x, torch.tensor(1)).backward()
    assert [v.grad for v in nets] == pytest.approx(x.grad.numpy()[::-1].tolist(), rel=1e-14)


# --- a −inf logit on another class adds nothing; a loss of exactly 0 is +0.0 --------------

MINUS_INF_TARGETS = {"indices": [0], "one-hot": [[1.0, 0.0, 0.0]], "soft": [[0.5, 0.0, 0.5]]}


def loss_and_grad(engine, z, target, reduction="mean"):
    if engine == "tensor":
        pred = Tensor(z, requires_grad=True)
        loss = cross_entropy_loss(pred, target, reduction)
        loss.backward()
        return loss.item(), pred.grad
    rows = value_rows(z)
    loss = cross_entropy_loss(rows, target, reduction)
    loss.backward()
    return loss.item(), grads_of(rows)


def as_probabilities(target):
    """Class indices as one-hot rows of 3 classes; probability rows as they are."""
    return np.eye(3)[target] if np.ndim(target) == 1 else target


@pytest.mark.filterwarnings("error")  # no NumPy warning either
@pytest.mark.parametrize("engine", ["tensor", "value"])
@pytest.mark.parametrize("target", list(MINUS_INF_TARGETS))
def test_a_minus_inf_logit_on_another_class_adds_nothing(engine, target):
    # nets (0, −inf, 1): O = (1, 0, e) / (1 + e); t = 0 on the −inf class, so 0 · log 0 adds
    # nothing: E = −Σ t_k log O_k over the other classes, δ = O − t with O = 0 there
    t = np.array(as_probabilities(MINUS_INF_TARGETS[target]))
    O = [1 / (1 + math.e), 0.0, math.e / (1 + math.e)]
    expected = -sum(t_k * math.log(O_k) for t_k, O_k in zip(t[0], O) if t_k)
    loss, grad = loss_and_grad(engine, [[0.0, -math.inf, 1.0]], MINUS_INF_TARGETS[target])
    assert loss == pytest.approx(expected, rel=1e-15)
    assert loss == pytest.approx(math.log(1 + math.e), rel=1e-15) or target == "soft"
    np.testing.assert_allclose(grad, [np.array(O) - t[0]], rtol=1e-15, atol=0)
    assert grad[0, 1] == 0.0


@pytest.mark.parametrize("engine", ["tensor", "value"])
@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_a_loss_of_exactly_zero_is_plus_zero(engine, reduction):
    # O = (1, 0): log O = 0 for the target class, so E = −1 · 0 = 0, written +0.0
    loss, grad = loss_and_grad(engine, [[0.0, -math.inf]], [0], reduction)
    assert loss == 0.0 and math.copysign(1.0, loss) == 1.0
    assert grad.tolist() == [[0.0, 0.0]]


@pytest.mark.torch
@pytest.mark.parametrize("engine", ["tensor", "value"])
@pytest.mark.parametrize("target", [0, 1, 2])
@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_minus_inf_logits_match_torch(engine, target, reduction):
    torch = pytest.importorskip("torch")
    z = [[0.0, -math.inf, 1.0], [0.0, -math.inf, -math.inf]]
    with np.errstate(all="ignore"):
        loss, grad = loss_and_grad(engine, z, [target, 0], reduction)
    x = torch.tensor(z, dtype=torch.float64, requires_grad=True)
    reference = torch.nn.functional.cross_entropy(x, torch.tensor([target, 0]), reduction=reduction)
    reference.backward()
    np.testing.assert_array_equal(loss, reference.item())  # inf where the target's net is −inf
    assert math.copysign(1.0, loss) == math.copysign(1.0, reference.item())
    np.testing.assert_allclose(grad, x.grad.numpy(), rtol=1e-15, atol=0)


# --- extreme logits stay finite ----------------------------------------------------------------


@pytest.mark.parametrize("engine", ["tensor", "value"])
def test_logits_of_1e4_give_a_finite_loss_and_gradient(engine):
    z = [[1e4, -1e4, 0.0], [-1e4, -1e4, 1e4]]
    # class 1 of row 0: log-sum-exp = 1e4, so E_0 = 1e4 − (−1e4) = 2e4; row 1 is right: E_1 = 0
    if engine == "tensor":
        x = Tensor(z, requires_grad=True)
        loss = cross_entropy_loss(x, [1, 2], reduction="sum")
        loss.backward()
        grad = x.grad
        probabilities = Tensor(z).softmax().data
    else:
        rows = value_rows(np.array(z))
        loss = cross_entropy_loss(rows, [1, 2], reduction="sum")
        loss.backward()
        grad = grads_of(rows)
        probabilities = np.array([[o.data for o in softmax(r)] for r in value_rows(np.array(z))])
    assert loss.item() == 2e4
    np.testing.assert_array_equal(grad, [[1.0, -1.0, 0.0], [0.0, 0.0, 0.0]])  # O − t
    np.testing.assert_array_equal(probabilities, [[1.0, 0.0, 0.0], [0.0, 0.0, 1.0]])


def test_float32_logits_of_1e4_stay_finite_and_float32():
    x = Tensor(np.array([[1e4, -1e4]], dtype=np.float32), requires_grad=True)
    loss = cross_entropy_loss(x, [1])
    loss.backward()
    assert loss.dtype == np.float32 and x.grad.dtype == np.float32
    assert loss.item() == 2e4 and x.grad.tolist() == [[1.0, -1.0]]


# --- bad targets and inputs: errors that name the problem ----------------------------------


@pytest.mark.parametrize("engine", ["tensor", "value"])
@pytest.mark.parametrize(
    "target, error, match",
    [
        (np.array([0, 1, 2]), ValueError, r"shape \(3,\).*indices of shape \(5,\).*\(5, 4\)"),
        (
            np.array([0, 3, 1, 4, 2]),
            ValueError,
            r"class index 4 \(sample 3\) is out of range.*0 … 3",
        ),
        (np.array([0, -1, 1, 3, 2]), ValueError, r"class index -1 \(sample 1\) is negative"),
        (CLASSES.astype(float), TypeError, r"class indices and must be integers.*float64"),
        (ONE_HOT * 0.5, ValueError, r"must sum to 1; row 0 sums to 0.5"),
        (ONE_HOT - 0.25 * (ONE_HOT == 0) + 0.75 * ONE_HOT, ValueError, "≥ 0; row 0"),
        (CLASSES.astype(bool), TypeError, "dtype bool"),
        (np.array(["a"] * 5), TypeError, "class indices .integers. or probabilities"),
    ],
    ids=[
        "shape",
        "out-of-range",
        "negative",
        "float",
        "sum",
        "negative-probability",
        "bool",
        "str",
    ],
)
def test_bad_targets_are_errors_naming_the_problem(engine, target, error, match):
    pred = Tensor(LOGITS) if engine == "tensor" else value_rows(LOGITS)
    with pytest.raises(error, match=match):
        cross_entropy_loss(pred, target)


def test_bad_pred_and_reduction_are_errors():
    with pytest.raises(ValueError, match=r"unknown reduction 'half_sum'.*\('mean', 'sum'\)"):
        cross_entropy_loss(Tensor(LOGITS), CLASSES, reduction="half_sum")
    with pytest.raises(
        ValueError, match=r"pred must have shape \(N, C\) or \(C,\), got \(2, 2, 2\)"
    ):
        cross_entropy_loss(Tensor(np.zeros((2, 2, 2))), np.zeros((2, 2), dtype=int))
    with pytest.raises(TypeError, match="pred must be a Tensor, a list of Values"):
        cross_entropy_loss(LOGITS, CLASSES)
    with pytest.raises(ValueError, match=r"pred has no outputs \(shape \(0,\)\)"):
        cross_entropy_loss([], 0)
    with pytest.raises(ValueError, match="rows of pred have different lengths"):
        cross_entropy_loss([[Value(1.0)], [Value(1.0), Value(2.0)]], [0, 0])


@pytest.mark.parametrize("shape", [(), (3, 0)], ids=["0-d", "no-units"])
@pytest.mark.parametrize("method", ["softmax", "log_softmax"])
def test_softmax_of_a_tensor_without_units_is_an_error(method, shape):
    with pytest.raises(ValueError, match=rf"Tensor {method}: needs the nets .* got shape"):
        getattr(Tensor(np.zeros(shape)), method)()


def test_softmax_of_a_single_value_is_an_error():
    with pytest.raises(TypeError, match="softmax: needs a layer's nets"):
        nn.Softmax()(Value(1.0))


# --- the softmax output layer: rules and compare ----------------------------------------------

X = RNG.normal(size=(6, 3))
Y = np.array([0, 1, 2, 2, 1, 0])


@pytest.mark.parametrize("engine", ["tensor", "value"])
@pytest.mark.parametrize("target", [Y, np.eye(3)[Y]], ids=["indices", "one-hot"])
def test_compare_agrees_three_ways_for_a_softmax_output(engine, target):
    model = nn.MLP([3, 4, 3], hidden="tanh", output="softmax", engine=engine, seed=3)
    report = compare.compare(model, X, target)
    assert report.ok, report.table()
    assert report.table().startswith("E = −Σ t log O")
    assert report.loss == pytest.approx(len(X) * cross_entropy_loss(model(X), Y).item())


def test_rules_output_delta_is_o_minus_t_and_the_hidden_delta_follows_the_notes():
    model = nn.MLP([3, 4, 3], hidden="sigmoid", output="softmax", seed=3)
    (W1, b1), (W2, b2) = model.get_weights()
    t = np.eye(3)[Y]
    records = rules.backward(model.get_weights(), model.activations, X, Y)
    # the forward pass and the δ rules written out here
    O1 = 1 / (1 + np.exp(-(X @ W1.T + b1)))
    O2 = np.array([softmax_by_hand(z) for z in O1 @ W2.T + b2])
    delta2 = O2 - t  # softmax with cross-entropy: δ_output = O − t
    delta1 = O1 * (1 - O1) * (delta2 @ W2)  # δ_hidden = f′(net) · (Wᵀ δ_next)
    np.testing.assert_allclose(records[1].delta, delta2, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(records[0].delta, delta1, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(records[1].dW, delta2.T @ O1, rtol=1e-12, atol=1e-15)


def test_compare_checks_a_learners_softmax_rules_and_names_a_cancelled_f_prime():
    model = nn.MLP([3, 4, 3], hidden="tanh", output="softmax", seed=3)

    def right(weights, activations, x, t):
        return [(r.delta, r.dW, r.db) for r in rules.backward(weights, activations, x, t)]

    def kept_f_prime(weights, activations, x, t):
        (W1, b1), (W2, b2) = weights
        O1 = np.tanh(x @ W1.T + b1)
        O2 = np.array([softmax_by_hand(z) for z in O1 @ W2.T + b2])
        delta2 = (O2 - t) * O2 * (1 - O2)  # the sigmoid's habit: an f′ that cancels here
        delta1 = (1 - O1**2) * (delta2 @ W2)
        return [(d, d.T @ O, d.sum(axis=0)) for d, O in ((delta1, x), (delta2, O1))]

    assert compare.compare(model, X, np.eye(3)[Y], rules=right).ok
    report = compare.compare(model, X, np.eye(3)[Y], rules=kept_f_prime)
    assert not report.ok
    assert "layer 2 (output)" in str(report.finding)
    assert "an f′ that cancels" in str(report.finding)


def test_softmax_is_for_the_output_layer_only():
    with pytest.raises(ValueError, match=r"hidden activation 'softmax'.*only the output"):
        nn.MLP([2, 3, 2], hidden="softmax")
    with pytest.raises(ValueError, match=r"hidden activation 'softmax'.*only the output"):
        rules.forward(
            [(np.ones((2, 2)), None), (np.ones((2, 2)), None)], ["softmax", "linear"], [1, 2]
        )


def test_both_engines_give_the_same_softmax_mlp():
    tensor = nn.MLP([3, 4, 3], hidden="relu", output="softmax", seed=5)
    value = nn.MLP([3, 4, 3], hidden="relu", output="softmax", engine="value", seed=5)
    out = np.array([[o.data for o in row] for row in value(X)])
    np.testing.assert_allclose(tensor(X).data, out, rtol=1e-13)
    np.testing.assert_allclose(out.sum(axis=1), 1.0, rtol=1e-15)


def test_a_softmax_network_can_be_drawn_on_both_engines():
    viz = pytest.importorskip("tinygrad_edu.viz")
    for engine in ("tensor", "value"):
        model = nn.MLP([2, 2], output="softmax", engine=engine, seed=0)
        loss = cross_entropy_loss(model([[1.0, 2.0]]), [1])
        loss.backward()
        source = viz.draw_graph(loss, edge_derivatives=True).source
        assert "cross_entropy" in source


# --- PyTorch as the oracle -------------------------------------------------------------------


@pytest.mark.torch
@pytest.mark.parametrize("reduction", ["mean", "sum"])
@pytest.mark.parametrize("target", [CLASSES, SOFT], ids=["indices", "probabilities"])
@pytest.mark.parametrize("scale", [1.0, 1e4], ids=["moderate", "extreme"])
def test_matches_torch_cross_entropy(reduction, target, scale):
    import torch

    z = LOGITS * scale
    tz = torch.tensor(z, requires_grad=True)
    tt = torch.tensor(target)
    expected = torch.nn.functional.cross_entropy(tz, tt, reduction=reduction)
    expected.backward()

    x = Tensor(z, requires_grad=True)
    loss = cross_entropy_loss(x, target, reduction)
    loss.backward()
    assert loss.item() == pytest.approx(expected.item(), rel=1e-12)
    np.testing.assert_allclose(x.grad, tz.grad.numpy(), rtol=1e-12, atol=1e-15)

    rows = value_rows(z)
    value_loss = cross_entropy_loss([softmax(row) for row in rows], target, reduction)
    value_loss.backward()
    assert value_loss.item() == pytest.approx(expected.item(), rel=1e-12)
    np.testing.assert_allclose(grads_of(rows), tz.grad.numpy(), rtol=1e-12, atol=1e-15)


@pytest.mark.torch
@pytest.mark.parametrize("scale", [1.0, 1e4], ids=["moderate", "extreme"])
def test_softmax_and_log_softmax_match_torch(scale):
    import torch

    z, g = LOGITS * scale, RNG.normal(size=LOGITS.shape)
    for method in ("softmax", "log_softmax"):
        tz = torch.tensor(z, requires_grad=True)
        out = getattr(torch, method)(tz, dim=-1)
        (out * torch.tensor(g)).sum().backward()
        x = Tensor(z, requires_grad=True)
        ours = getattr(x, method)()
        (ours * Tensor(g)).sum().backward()
        np.testing.assert_allclose(ours.data, out.detach().numpy(), rtol=1e-13, atol=1e-300)
        np.testing.assert_allclose(x.grad, tz.grad.numpy(), rtol=1e-12, atol=1e-15)
        assert np.all(np.isfinite(ours.data)) and np.all(np.isfinite(x.grad))


@pytest.mark.torch
@pytest.mark.parametrize("engine", ["tensor", "value"])
def test_softmax_mlp_gradients_match_torch(engine):
    import torch

    model = nn.MLP([3, 4, 3], hidden="tanh", output="softmax", engine=engine, seed=2)
    (W1, b1), (W2, b2) = model.get_weights()
    params = [torch.tensor(a, requires_grad=True) for a in (W1, b1, W2, b2)]
    net = torch.tanh(torch.tensor(X) @ params[0].T + params[1]) @ params[2].T + params[3]
    torch.nn.functional.cross_entropy(net, torch.tensor(Y)).backward()

    cross_entropy_loss(model(X), Y).backward()
    ours = [a for pair in model.get_gradients() for a in pair]
    for got, p in zip(ours, params):
        np.testing.assert_allclose(got, p.grad.numpy(), rtol=1e-12, atol=1e-15)


@pytest.mark.torch
@pytest.mark.parametrize("engine", ["tensor", "value"])
def test_a_softmax_mlp_goes_to_torch_and_back(engine):
    import torch

    model = nn.MLP([3, 4, 3], hidden="tanh", output="softmax", engine=engine, seed=4)
    sequential = model.to_torch()
    assert isinstance(sequential[-1], torch.nn.Softmax) and sequential[-1].dim == -1
    out = sequential(torch.tensor(X))
    loss = torch.nn.functional.nll_loss(torch.log(out), torch.tensor(Y))  # −mean log O_true
    loss.backward()
    cross_entropy_loss(model(X), Y).backward()
    ours = np.array([[o.data for o in row] for row in model(X)]) if engine == "value" else None
    np.testing.assert_allclose(
        model(X).data if engine == "tensor" else ours, out.detach().numpy(), rtol=1e-12
    )
    torch_grads = [p.grad.numpy() for p in sequential.parameters()]
    for got, expected in zip([a for pair in model.get_gradients() for a in pair], torch_grads):
        np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-14)

    back = nn.MLP.from_torch(sequential)
    assert back.activations == ["tanh", "softmax"]
    sequential[-1].dim = 0
    with pytest.raises(ValueError, match=r"layer 3 \(Softmax\) has dim=0.*dim=-1"):
        nn.MLP.from_torch(sequential)
