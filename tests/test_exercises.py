"""`tinygrad-edu check`: the exercises' grader.

The reference solutions in tests/exercise_solutions/ are written independently of
tinygrad_edu.rules (loops, outer products), so a pass means the grader's expected values
equal the notes' formulas. Each typical wrong solution must fail with its matching hint,
and the untouched stubs must fail with one clear line per case.
"""

import importlib.util
import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tinygrad_edu import cli, exercises
from tinygrad_edu.exercises import EXERCISES
from tinygrad_edu.feedback import (
    CANCELLED_F_PRIME,
    DIVIDED_BY_N,
    EXTRA_HALF,
    HALF,
    HINTS,
    MISSING_F_PRIME,
    NET_FOR_O,
    SIGN,
    TIMES_N,
    TRANSPOSED,
)
from tinygrad_edu.runner import check_file

REPO = Path(__file__).resolve().parents[1]
STUBS = sorted((REPO / "tinygrad_edu" / "exercise_stubs").glob("[0-9]*.py"))
SOLUTIONS = REPO / "tests" / "exercise_solutions"
EXERCISES_BY_STUB = {e.stub: e for e in EXERCISES.values()}


def check(path, capsys):
    code = cli.main(["check", str(path)])
    out, err = capsys.readouterr()
    return code, out, err


def test_there_are_fourteen_stubs_in_the_order_of_the_notes_each_with_a_solution():
    assert [p.name for p in STUBS] == [e.stub for e in EXERCISES.values()]
    assert len(STUBS) == 14
    assert sorted(p.name for p in SOLUTIONS.glob("*.py")) == [p.name for p in STUBS]
    notes = [e.note for e in EXERCISES.values()]
    numbered = [n for n in notes if n.startswith("note ")]
    assert numbered == sorted(numbered) and {n[-2:] for n in numbered} == {
        "01",
        "02",
        "03",
        "04",
        "05",
    }
    assert all(n == "beyond" for n in notes[len(numbered) :])
    for stub, exercise in zip(STUBS, EXERCISES.values()):  # the stubs hold the formula only
        text = stub.read_text(encoding="utf-8")
        number = int(stub.name[:2])
        note = exercise.note if exercise.note.startswith("note") else "beyond the notes"
        assert text.startswith(f'"""Exercise {number} ({note}): '), stub.name
        assert "raise NotImplementedError" in text and f"tinygrad-edu check {stub.name}" in text
        assert f"def {exercise.name}(" in text or f"class {exercise.name}:" in text


@pytest.mark.parametrize("stub", STUBS, ids=[p.stem for p in STUBS])
def test_each_reference_solution_passes_every_case(stub, capsys):
    code, out, err = check(SOLUTIONS / stub.name, capsys)
    assert code == 0, out
    assert "FAIL" not in out and err == ""
    lines = out.splitlines()
    total = len(EXERCISES_BY_STUB[stub.name].cases())
    assert sum(line.startswith("PASS") for line in lines) == total >= 3
    assert lines[-1] == f"{total}/{total} cases pass"


@pytest.mark.parametrize("stub", STUBS, ids=[p.stem for p in STUBS])
def test_an_untouched_stub_fails_cleanly(stub, capsys):
    code, out, err = check(stub, capsys)
    assert code == 1 and err == ""
    total = len(EXERCISES_BY_STUB[stub.name].cases())
    assert out.count("not implemented yet") == total
    assert "Traceback" not in out
    assert out.splitlines()[-1] == f"0/{total} cases pass"


# (the function, the wrong body, the hint it must get): what a student writes
E = exercises
SIG = "O = 1 / (1 + np.exp(-net))\n    "
TANH = "O = np.tanh(net)\n    "
WRONG = [
    ("sigmoid_derivative(net)", "return net * (1 - net)", NET_FOR_O),
    ("sigmoid_derivative(net)", SIG + "return O * (O - 1)", SIGN),
    ("sigmoid_derivative(net)", SIG + "return O", E.O_FOR_DERIVATIVE),
    ("sigmoid_derivative(net)", SIG + "return 1 - O**2", E.TANH_FOR_SIGMOID),
    ("sigmoid_derivative(net)", SIG + "return 2 * O * (1 - O)", HALF),
    ("output_delta(net, O, t)", "return O - t", MISSING_F_PRIME),
    ("output_delta(net, O, t)", "return (t - O) * O * (1 - O)", SIGN),
    ("output_delta(net, O, t)", "return 2 * (O - t) * O * (1 - O)", HALF),
    ("output_delta(net, O, t)", "return 0.5 * (O - t) * O * (1 - O)", EXTRA_HALF),
    ("output_delta(net, O, t)", "return (O - t) * net * (1 - net)", NET_FOR_O),
    ("output_delta(net, O, t)", "return (net - t) * O * (1 - O)", NET_FOR_O),
    ("output_delta(net, O, t)", "return (O - t) * O * (1 - O) / len(O)", DIVIDED_BY_N),
    ("output_delta(net, O, t)", "return (O - t) * O * (1 - O) * len(O)", TIMES_N),
    ("hidden_delta(net, O, W_next, delta_next)", "return delta_next @ W_next", MISSING_F_PRIME),
    (
        "hidden_delta(net, O, W_next, delta_next)",
        "return O * (1 - O) * (delta_next @ W_next.T)",
        TRANSPOSED,
    ),
    (
        "hidden_delta(net, O, W_next, delta_next)",
        "return net * (1 - net) * (delta_next @ W_next)",
        NET_FOR_O,
    ),
    (
        "hidden_delta(net, O, W_next, delta_next)",
        "return O * (1 - O) * (delta_next @ W_next) / len(O)",
        DIVIDED_BY_N,
    ),
    ("sample_gradients(delta, O_prev)", "return np.outer(O_prev, delta), delta", TRANSPOSED),
    ("sample_gradients(delta, O_prev)", "return -np.outer(delta, O_prev), -delta", SIGN),
    (
        "sample_gradients(delta, O_prev)",
        "return np.outer(delta, O_prev), delta * O_prev.sum()",
        E.DB_TIMES_INPUT,
    ),
    ("linear_output_delta(net, O, t)", "return (O - t) * O * (1 - O)", E.SIGMOID_ON_LINEAR),
    ("linear_output_delta(net, O, t)", "return t - O", SIGN),
    ("linear_output_delta(net, O, t)", "return 2 * (O - t)", HALF),
    ("linear_output_delta(net, O, t)", "return (O - t) / len(O)", DIVIDED_BY_N),
    (
        "augmented_gradient(delta, O_prev)",
        "return delta.T @ np.hstack([O_prev, np.ones((len(O_prev), 1))])",
        E.BIAS_LAST,
    ),
    (
        "augmented_gradient(delta, O_prev)",
        "return delta.T @ np.hstack([np.zeros((len(O_prev), 1)), O_prev])",
        E.CONSTANT_ZERO,
    ),
    (
        "augmented_gradient(delta, O_prev)",
        "return delta.T @ np.hstack([np.ones((len(O_prev), 1)), O_prev]) / len(delta)",
        DIVIDED_BY_N,
    ),
    (
        "augmented_gradient(delta, O_prev)",
        "return np.hstack([np.ones((len(O_prev), 1)), O_prev]).T @ delta",
        TRANSPOSED,
    ),
    ("tanh_derivative(net)", "return 1 - net**2", NET_FOR_O),
    ("tanh_derivative(net)", TANH + "return O * (1 - O)", E.SIGMOID_FOR_TANH),
    ("tanh_derivative(net)", TANH + "return 1 - O", E.NO_SQUARE),
    ("tanh_derivative(net)", TANH + "return O**2 - 1", SIGN),
    ("bias_gradient(delta)", "return delta.mean(axis=0)", DIVIDED_BY_N),
    ("bias_gradient(delta)", "return -delta.sum(axis=0)", SIGN),
    ("bias_gradient(delta)", "return delta.sum(axis=1)", E.SUM_OVER_UNITS),
    ("weight_gradient(delta, O_prev)", "return O_prev.T @ delta", TRANSPOSED),
    ("weight_gradient(delta, O_prev)", "return delta.T @ O_prev / len(delta)", DIVIDED_BY_N),
    ("weight_gradient(delta, O_prev)", "return delta.T @ O_prev * len(delta)", TIMES_N),
    ("weight_gradient(delta, O_prev)", "return -(delta.T @ O_prev)", SIGN),
    ("mean_output_delta(net, O, t)", "return (O - t) * O * (1 - O)", E.HALF_SUM_DELTA),
    (
        "mean_output_delta(net, O, t)",
        "return 2 / len(O) * (O - t) * O * (1 - O)",
        E.MEAN_OVER_SAMPLES,
    ),
    ("mean_output_delta(net, O, t)", "return (O - t) * O * (1 - O) / O.size", E.NO_TWO),
    ("mean_output_delta(net, O, t)", "return 2 * (O - t) * O * (1 - O)", E.NO_MEAN),
    ("mean_output_delta(net, O, t)", "return 2 / O.size * (t - O) * O * (1 - O)", SIGN),
    ("momentum_step(W, grad, velocity, lr, momentum)", "return W - lr * grad, grad", E.NO_MOMENTUM),
    (
        "momentum_step(W, grad, velocity, lr, momentum)",
        "v = momentum * velocity - lr * grad\n    return W + v, v",
        E.OTHER_CONVENTION,
    ),
    (
        "momentum_step(W, grad, velocity, lr, momentum)",
        "v = momentum * velocity + (1 - momentum) * grad\n    return W - lr * v, v",
        E.AVERAGED,
    ),
    (
        "momentum_step(W, grad, velocity, lr, momentum)",
        "return W - lr * velocity, momentum * velocity + grad",
        E.OLD_VELOCITY,
    ),
    (
        "momentum_step(W, grad, velocity, lr, momentum)",
        "velocity *= momentum\n    velocity += grad\n    W -= lr * velocity\n"
        "    return W, velocity",
        E.IN_PLACE,
    ),
    (
        "momentum_step(W, grad, velocity, lr, momentum)",
        "v = momentum * velocity + grad\n    return W + lr * v, v",
        SIGN,
    ),
    ("softmax_delta(net, O, t)", "return (O - t) * O * (1 - O)", CANCELLED_F_PRIME),
    ("softmax_delta(net, O, t)", "return -t / O", E.MINUS_T_OVER_O),
    ("softmax_delta(net, O, t)", "return t - O", SIGN),
    ("softmax_delta(net, O, t)", "return net - t", NET_FOR_O),
    ("softmax_delta(net, O, t)", "return (O - t) / len(O)", DIVIDED_BY_N),
]

UPDATE = """
def one_update(weights, x, t, lr):
    outs = [x]
    for W in weights:
        outs.append(W @ outs[-1])
    delta = {output}
    new = [None] * len(weights)
    for l in range(len(weights) - 1, -1, -1):
        new[l] = weights[l] {step} lr * np.outer(delta, outs[l])
        delta = {back}
    return new
"""
RIGHT_UPDATE = {"output": "outs[-1] - t", "step": "-", "back": "weights[l].T @ delta"}
IN_PLACE_UPDATE = """
def one_update(weights, x, t, lr):
    outs = [x]
    for W in weights:
        outs.append(W @ outs[-1])
    delta = outs[-1] - t
    for l in range(len(weights) - 1, -1, -1):
        g = np.outer(delta, outs[l])
        delta = weights[l].T @ delta
        weights[l] -= lr * g
    return weights
"""
WRONG += [
    ("", UPDATE.format(**{**RIGHT_UPDATE, "step": "+"}), SIGN),
    ("", UPDATE.format(**{**RIGHT_UPDATE, "output": "2 * (outs[-1] - t)"}), HALF),
    ("", UPDATE.format(**{**RIGHT_UPDATE, "back": "weights[l] @ delta"}), TRANSPOSED),
    ("", UPDATE.format(**{**RIGHT_UPDATE, "back": "new[l].T @ delta"}), E.UPDATED_WEIGHTS),
    ("", IN_PLACE_UPDATE, E.IN_PLACE),  # right numbers, but the caller's weights changed
]

# The scalar engine: the reference solution with one mistake at a time.
ENGINE = (SOLUTIONS / "14_scalar_engine.py").read_text(encoding="utf-8")
ENGINE_MISTAKES = [
    ("return (1.0 - self.data**2,)", "return (1.0 - self.parents[0].data ** 2,)", E.TANH_OF_INPUT),
    ("return (b.data, a.data)", "return (a.data, b.data)", E.OWN_FACTOR),
    ("parent.grad += local * node.grad", "parent.grad = local * node.grad", E.NOT_ACCUMULATED),
    ("for node in reversed(order):", "for node in order:", E.FORWARD_WALK),
    ("self.grad = 1.0", "self.grad = 0.0", E.NO_SEED),
    ("parent.grad += local * node.grad", "parent.grad -= local * node.grad", E.SUBTRACTED),
    ("self.grad = 1.0", "self.grad = -1.0", SIGN),
]
for right, wrong, label in ENGINE_MISTAKES:
    assert right in ENGINE
    WRONG.append(("", ENGINE.replace(right, wrong), label))


def source(signature, body):
    if not signature:  # a whole function
        return "import numpy as np\n" + body
    return f"import numpy as np\n\n\ndef {signature}:\n    {body}\n"


@pytest.mark.parametrize("signature, body, label", WRONG, ids=[w[2] for w in WRONG])
def test_each_typical_wrong_solution_fails_with_the_matching_hint_of_its_own(
    signature, body, label, tmp_path, capsys
):
    path = tmp_path / "attempt.py"
    path.write_text(source(signature, body), encoding="utf-8")
    code, out, err = check(path, capsys)
    assert code == 1 and err == ""
    assert f"hint ({label})" in out, out
    assert "expected" in out and "Traceback" not in out
    # the hint's text is the exercise's own, not the general one of compare(rules=...)
    name = out.split()[1]
    case = EXERCISES[name].cases()[0]
    assert label in case.hints, f"{name} has no text of its own for {label!r}"
    assert HINTS.get(label, "\0") not in out


def test_sigmoid_derivative_of_the_wrong_sign_hears_about_sigma_prime_not_the_output_delta(
    tmp_path, capsys
):
    path = tmp_path / "attempt.py"
    path.write_text(source("sigmoid_derivative(net)", SIG + "return O * (O - 1)"), "utf-8")
    out = check(path, capsys)[1]
    assert out.count("σ′ = O (1 − O) is positive") == 3
    assert "O − t" not in out and "t − O" not in out


@pytest.mark.parametrize("n, case", [(3, 2), (2, 3)])
def test_a_mean_over_the_batch_is_told_as_1_over_n_at_every_n(n, case, tmp_path, capsys):
    # hidden_delta's case 2 has N = 3 samples, case 3 has N = 2: both say "divided by N"
    body = "return O * (1 - O) * (delta_next @ W_next) / len(O)"
    path = tmp_path / "attempt.py"
    path.write_text(source("hidden_delta(net, O, W_next, delta_next)", body), "utf-8")
    out = check(path, capsys)[1]
    block = out.split(f"case {case} (")[1].split("FAIL")[0]
    assert f"hint (divided by N): it is 1/N of the right value (N = {n} samples)" in block
    assert "forgotten ½" not in out


def test_a_note05_update_that_changes_the_callers_weights_fails_every_case(tmp_path, capsys):
    path = tmp_path / "attempt.py"
    path.write_text(source("", IN_PLACE_UPDATE), "utf-8")
    out = check(path, capsys)[1]
    assert out.count("hint (changed in place)") == 3 and out.splitlines()[-1] == "0/3 cases pass"


def test_the_right_update_written_here_passes(tmp_path, capsys):
    path = tmp_path / "attempt.py"
    path.write_text(source("", UPDATE.format(**RIGHT_UPDATE)), encoding="utf-8")
    assert check(path, capsys)[0] == 0


def test_a_failing_case_names_the_entry_and_both_numbers(tmp_path, capsys):
    path = tmp_path / "attempt.py"
    path.write_text(source("output_delta(net, O, t)", "return O - t"), encoding="utf-8")
    result = check_file(path)
    assert result.passed == 0 and result.total == 4
    line = next(line for line in result.lines if line.strip().startswith("δ at [0, 0]:"))
    assert "expected" in line and "got" in line


@pytest.mark.parametrize(
    "text, message",
    [
        ("def output_delta(net, O, t)\n    return O\n", "line 1: SyntaxError"),
        (
            "import numpy as np\nraise RuntimeError('oops')\n",
            "running the file raised RuntimeError",
        ),
        ("def output_delta(net, O, t):\n    return undefined\n", "raised NameError"),
        ("def output_delta(net, O, t):\n    return 'text'\n", "expected a numpy array"),
        ("def one_update(weights, x, t, lr):\n    return 3\n", "expected a list of 2 matrices"),
        ("def output_delta(net, O, t):\n    O - t\n", "returned None: is the `return` line"),
        (
            "def one_update(weights, x, t, lr):\n    return [W.T for W in weights]\n",
            "returned a matrix of shape (2, 1) for layer 2, expected (1, 2)",
        ),
        ("def one_update(weights, x, t, lr):\n    return 'W'\n", "returned str, expected a list"),
        (
            "import numpy as np\ndef sample_gradients(delta, O_prev):\n"
            "    return np.outer(delta, O_prev)\n",
            "returned an array of shape (1, 2), expected a pair (dW, db)",
        ),
        (
            "def momentum_step(W, grad, velocity, lr, momentum):\n    W - lr * grad\n",
            "returned None, expected a pair (W_new, velocity_new)",
        ),
        (
            "def momentum_step(W, grad, velocity, lr, momentum):\n    return W.T, velocity\n",
            "returned a new W of shape (3, 2), expected (2, 3)",
        ),
        (  # an engine without tanh: the graph cannot even be built
            "class Scalar:\n    def __init__(self, data):\n        self.data = data\n",
            "raised AttributeError",
        ),
        (  # an engine whose grads are not numbers
            ENGINE.replace("self.grad = 1.0", "self.grad = 'one'"),
            "raised TypeError",
        ),
    ],
)
def test_a_broken_attempt_gets_one_clear_line(text, message, tmp_path, capsys):
    path = tmp_path / "attempt.py"
    path.write_text(text, encoding="utf-8")
    code, out, err = check(path, capsys)
    assert code == 1 and err == ""
    assert message in out and "Traceback" not in out


def test_a_shape_error_in_the_learners_code_gets_the_shape_hint(tmp_path, capsys):
    path = tmp_path / "attempt.py"
    body = "return O * (1 - O) * (W_next @ delta_next)"  # W δ_next: shapes do not fit
    path.write_text(source("hidden_delta(net, O, W_next, delta_next)", body), encoding="utf-8")
    code, out, _ = check(path, capsys)
    assert code == 1 and "raised ValueError" in out and "hint: check the shapes" in out


@pytest.mark.parametrize(
    "name, text, message",
    [
        ("missing.py", None, "cannot read it"),
        ("notes.txt", "x", "expected a Python file (.py) or a notebook (.ipynb)"),
        ("other.py", "def f():\n    pass\n", "defines none of the exercises' functions"),
    ],
)
def test_a_path_that_is_not_an_exercise_is_a_usage_error(name, text, message, tmp_path, capsys):
    path = tmp_path / name
    if text is not None:
        path.write_text(text, encoding="utf-8")
    code, out, err = check(path, capsys)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and message in err and err.startswith("tinygrad-edu check:")


def test_a_directory_is_a_usage_error(tmp_path, capsys):
    folder = tmp_path / "dir.py"
    folder.mkdir()
    code, _, err = check(folder, capsys)
    assert code == 2 and "cannot read it" in err and err.count("\n") == 1


def test_the_command_line_exit_codes(tmp_path):
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO), env.get("PYTHONPATH", "")) if p)
    codes = [
        subprocess.run(
            [sys.executable, "-m", "tinygrad_edu", "check", str(path)],
            capture_output=True,
            text=True,
            env=env,
            cwd=tmp_path,
            timeout=120,
        ).returncode
        for path in (SOLUTIONS / "02_output_delta.py", STUBS[1], tmp_path / "nope.py")
    ]
    assert codes == [0, 1, 2]


def test_every_exercise_has_at_least_three_cases():
    assert all(len(e.cases()) >= 3 for e in EXERCISES.values())


def test_check_has_help_and_needs_a_file(capsys):
    with pytest.raises(SystemExit) as exit_:
        cli.main(["check", "--help"])
    assert exit_.value.code == 0
    assert capsys.readouterr().out.startswith("usage: tinygrad-edu check")
    with pytest.raises(SystemExit) as exit_:
        cli.main(["check"])
    err = capsys.readouterr().err
    assert exit_.value.code == 2 and err.count("\n") == 1 and "FILE" in err


# --- the reference solutions against finite differences and the notes' own numbers ---------
#
# The solutions pass the grader (above); here each is checked against an independent source,
# so that a pass means the grader's expected values are the derivatives they claim to be.


def solution(stub):
    spec = importlib.util.spec_from_file_location(stub[:-3], SOLUTIONS / stub)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def numeric_gradient(f, x, eps=1e-6):
    """∂f/∂x by central differences, entry by entry."""
    x = np.array(x, dtype=float)
    grad = np.zeros_like(x)
    for index in np.ndindex(x.shape):
        step = np.zeros_like(x)
        step[index] = eps
        grad[index] = (f(x + step) - f(x - step)) / (2 * eps)
    return grad


def sigma(z):
    return 1.0 / (1.0 + np.exp(-z))


def cases_of(name):
    return [case.args for case in EXERCISES[name].cases()]


def test_the_activation_derivatives_are_the_slopes_of_the_activations():
    sig, tanh = solution("01_sigmoid_derivative.py"), solution("07_tanh_derivative.py")
    for (net,) in cases_of("sigmoid_derivative") + cases_of("tanh_derivative"):
        for f, f_prime in ((sigma, sig.sigmoid_derivative), (np.tanh, tanh.tanh_derivative)):
            slope = numeric_gradient(lambda z, f=f: f(z).sum(), net)
            np.testing.assert_allclose(f_prime(net), slope, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize(
    "name, stub, error",
    [
        # E = ½ Σ (σ(net) − t)², the notes' error of a sigmoid output
        ("output_delta", "02_output_delta.py", lambda net, t: 0.5 * ((sigma(net) - t) ** 2).sum()),
        # a linear output: O = net
        (
            "linear_output_delta",
            "05_linear_output_delta.py",
            lambda net, t: 0.5 * ((net - t) ** 2).sum(),
        ),
        # PyTorch's mean over every entry, no ½
        ("mean_output_delta", "11_mean_error.py", lambda net, t: ((sigma(net) - t) ** 2).mean()),
        # cross-entropy of the softmax, row by row (summed over the samples)
        (
            "softmax_delta",
            "13_softmax_cross_entropy.py",
            lambda net, t: -(t * (net - np.log(np.exp(net).sum(axis=1, keepdims=True)))).sum(),
        ),
    ],
)
def test_each_output_delta_is_the_derivative_of_its_error_by_net(name, stub, error):
    function = getattr(solution(stub), name)
    for net, O, t in cases_of(name):
        delta = numeric_gradient(lambda z, t=t: error(z, t), net)
        np.testing.assert_allclose(function(net, O, t), delta, rtol=1e-5, atol=1e-9)


def test_the_hidden_delta_is_the_derivative_through_the_next_layer():
    # To first order E changes by Σ δ_next · Δnet_next, and net_next = σ(net) W_nextᵀ + b.
    hidden = solution("03_hidden_delta.py").hidden_delta
    for net, O, W_next, delta_next in cases_of("hidden_delta"):

        def error(z, W_next=W_next, delta_next=delta_next):
            return (delta_next * (sigma(z) @ W_next.T)).sum()

        delta = numeric_gradient(error, net)
        np.testing.assert_allclose(hidden(net, O, W_next, delta_next), delta, rtol=1e-5, atol=1e-9)


def test_the_weight_and_bias_gradients_are_derivatives_of_the_error():
    # With δ = ∂E/∂net fixed, E changes to first order by Σ_n δ_n · (W x_n + b): its
    # derivatives by W and b are ∂E/∂W and ∂E/∂b (summed over the samples).
    def by_W_and_b(delta, O_prev):
        delta, O_prev = np.atleast_2d(delta), np.atleast_2d(O_prev)
        W = np.zeros((delta.shape[1], O_prev.shape[1]))
        b = np.zeros(delta.shape[1])
        dW = numeric_gradient(lambda w: (delta * (O_prev @ w.T + b)).sum(), W)
        db = numeric_gradient(lambda c: (delta * (O_prev @ W.T + c)).sum(), b)
        return dW, db

    sample = solution("04_sample_gradients.py").sample_gradients
    for delta, O_prev in cases_of("sample_gradients"):
        for got, want in zip(sample(delta, O_prev), by_W_and_b(delta, O_prev)):
            np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-9)
    weight = solution("09_weight_gradient.py").weight_gradient
    for delta, O_prev in cases_of("weight_gradient"):
        np.testing.assert_allclose(weight(delta, O_prev), by_W_and_b(delta, O_prev)[0], rtol=1e-6)
    bias = solution("08_bias_gradient.py").bias_gradient
    for (delta,) in cases_of("bias_gradient"):
        want = by_W_and_b(delta, np.ones((len(delta), 1)))[1]
        np.testing.assert_allclose(bias(delta), want, rtol=1e-6)
    augmented = solution("06_bias_as_weight.py").augmented_gradient
    for delta, O_prev in cases_of("augmented_gradient"):
        dW, db = by_W_and_b(delta, O_prev)
        np.testing.assert_allclose(augmented(delta, O_prev), np.column_stack([db, dW]), rtol=1e-6)


def test_one_update_gives_note_05s_new_weights():
    update = solution("10_one_update.py").one_update
    W1, W2 = [np.array([[0.11, 0.21], [0.12, 0.08]]), np.array([[0.14, 0.15]])]
    new1, new2 = update([W1, W2], np.array([2.0, 3.0]), np.array([1.0]), 0.05)
    # note 05 by hand: Δ = ŷ − t = −0.809; w_new = w − η Δ · (its input) · (the w after it)
    d = 0.191 - 1.0
    np.testing.assert_allclose(new2, [[0.14 - 0.05 * d * 0.85, 0.15 - 0.05 * d * 0.48]])
    np.testing.assert_allclose(
        new1,
        [
            [0.11 - 0.05 * d * 0.14 * 2, 0.21 - 0.05 * d * 0.14 * 3],
            [0.12 - 0.05 * d * 0.15 * 2, 0.08 - 0.05 * d * 0.15 * 3],
        ],
    )
    assert new2[0, 0] == pytest.approx(0.174, abs=5e-4)  # the note's rounded w5
    assert new1[0, 1] == pytest.approx(0.227, abs=5e-4)  # w3 (the note's own table slips)


def test_one_update_steps_against_the_numeric_gradient_of_the_error():
    update = solution("10_one_update.py").one_update
    for weights, x, t, lr in cases_of("one_update")[1:]:

        def error(Ws, x=x, t=t):
            out = x
            for W in Ws:
                out = W @ out
            return 0.5 * ((out - t) ** 2).sum()

        new = update([W.copy() for W in weights], x, t, lr)
        for l, W in enumerate(weights):

            def error_of_layer(w, l=l, weights=weights, error=error):
                return error([w if k == l else V for k, V in enumerate(weights)])

            want = W - lr * numeric_gradient(error_of_layer, W)
            np.testing.assert_allclose(new[l], want, rtol=1e-6, atol=1e-9)


def test_the_momentum_step_written_out():
    step = solution("12_momentum.py").momentum_step
    W, g, b = np.array([1.0, -2.0]), np.array([0.5, 0.25]), np.array([0.1, -0.2])
    W_new, b_new = step(W, g, b, 0.1, 0.9)
    np.testing.assert_allclose(b_new, [0.9 * 0.1 + 0.5, 0.9 * -0.2 + 0.25])
    np.testing.assert_allclose(W_new, [1.0 - 0.1 * 0.59, -2.0 - 0.1 * 0.07])


@pytest.mark.torch
def test_the_momentum_cases_agree_with_pytorchs_sgd():
    torch = pytest.importorskip("torch")
    step = solution("12_momentum.py").momentum_step
    for W, g, b, lr, mu in cases_of("momentum_step"):
        p = torch.nn.Parameter(torch.tensor(W))
        optimizer = torch.optim.SGD([p], lr=lr, momentum=mu)
        optimizer.state[p]["momentum_buffer"] = torch.tensor(b) if b.any() else None
        p.grad = torch.tensor(g)
        optimizer.step()
        np.testing.assert_allclose(step(W, g, b, lr, mu)[0], p.detach().numpy(), rtol=1e-12)


def evaluate(graph, override=None):
    """The root's value of a plain-data graph; ``override`` = (k, value) replaces node k."""
    leaves, ops = graph
    values = [float(v) for v in leaves]
    if override and override[0] < len(values):
        values[override[0]] = override[1]
    for op, i, j in ops:
        a, b = values[i], values[j]
        values.append(a + b if op == "+" else a * b if op == "*" else math.tanh(a))
        if override and override[0] == len(values) - 1:
            values[-1] = override[1]
    return values[-1], values


def test_the_scalar_engine_gives_every_node_the_numeric_derivative_of_the_root():
    engine = solution("14_scalar_engine.py").Scalar
    for graph in cases_of("Scalar"):
        grads = exercises.run_engine(engine, graph)
        _, values = evaluate(graph)
        for k, v in enumerate(values):
            eps = 1e-6
            slope = (evaluate(graph, (k, v + eps))[0] - evaluate(graph, (k, v - eps))[0]) / (
                2 * eps
            )
            assert grads[k] == pytest.approx(slope, rel=1e-5, abs=1e-8)


def test_every_hint_an_exercise_can_give_is_its_own():
    # the labels its candidates carry, the sign and the factors 2 and ½, and 1/N and N
    # where a case has several samples: each has a text written for that exercise
    for name, exercise in EXERCISES.items():
        cases = exercise.cases()
        labels = {SIGN, HALF, EXTRA_HALF}
        if any(case.samples > 1 for case in cases):
            labels |= {DIVIDED_BY_N, TIMES_N}
        for case in cases:
            labels |= {label for found in case.candidates for label, _ in found}
            assert case.hints == cases[0].hints  # one set of hints per exercise
        assert labels <= set(cases[0].hints), (name, labels - set(cases[0].hints))


def test_a_wrong_engine_is_told_which_node_of_the_spelled_out_graph_is_wrong(tmp_path, capsys):
    path = tmp_path / "attempt.py"
    path.write_text(ENGINE.replace("for node in reversed(order):", "for node in order:"), "utf-8")
    lines = check(path, capsys)[1].splitlines()
    # tanh(a · b + c), a = 0.5, b = −1.2, c = 0.3: ∂root/∂a = (1 − tanh²(−0.3)) · b
    grad_a = (1 - math.tanh(0.5 * -1.2 + 0.3) ** 2) * -1.2
    assert lines[1].strip() == (
        "the grads of the nodes (leaves 0, 1, 2; 3 = 0 · 1; 4 = 3 + 2; 5 = tanh 4), "
        f"at [0]: expected {grad_a:+.6g}, got +0"
    )


def test_the_docs_list_every_exercise_with_its_note_in_order():
    page = (REPO / "docs" / "check-your-rules.md").read_text(encoding="utf-8")
    rows = [line for line in page.splitlines() if line.startswith("| `") and ".py` |" in line]
    assert len(rows) == len(EXERCISES)
    for row, exercise in zip(rows, EXERCISES.values()):
        note = exercise.note[5:7] if exercise.note.startswith("note") else "beyond"
        assert row.startswith(f"| `{exercise.stub}` | {note} | ") and exercise.name in row, row


@pytest.mark.parametrize(
    "signature, body, got",
    [
        ("softmax_delta(net, O, t)", "return np.full_like(O, np.nan)", "got nan"),
        ("mean_output_delta(net, O, t)", "return (O - t) * 1e300 * 1e300", "got inf"),
        ("tanh_derivative(net)", "return -np.inf * np.ones_like(net)", "got -inf"),
    ],
)
def test_non_finite_results_fail_with_the_entry_and_the_formula(
    signature, body, got, tmp_path, capsys
):
    path = tmp_path / "attempt.py"
    path.write_text(source(signature, body), encoding="utf-8")
    code, out, _ = check(path, capsys)
    assert code == 1 and "PASS" not in out and got in out
    assert "hint (no known pattern): no simple pattern" in out
