"""An MLP with a softmax output on both engines: forward_layers, fit(diagnostics=True) and
the step-through page, with cross-entropy and the notes' δ = O − t.

Expected values are written out here: softmax as e^net / Σ e^net and cross-entropy as
−Σ t log O in numpy, and central finite differences of that error.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest

from tinygrad_edu import losses, nn
from tinygrad_edu.compare import central_difference
from tinygrad_edu.stepper import stepper
from tinygrad_edu.train import fit

ENGINES = ["tensor", "value"]
X = np.array([[0.5, -1.0], [1.0, 2.0], [-0.3, 0.7]])
T = np.array([[0.0, 1.0, 0.0], [1.0, 0.0, 0.0], [0.2, 0.3, 0.5]])


def model(engine: str) -> nn.MLP:
    return nn.MLP([2, 3, 3], hidden="tanh", output="softmax", engine=engine, seed=4)


def by_hand(weights, x):
    """[(net, out), …] per layer: tanh hidden layers, then softmax written out."""
    layers, o = [], x
    for l, (W, b) in enumerate(weights):
        net = o @ W.T + b
        if l == len(weights) - 1:
            e = np.exp(net)
            o = e / e.sum(axis=-1, keepdims=True)
        else:
            o = np.tanh(net)
        layers.append((net, o))
    return layers


def cross_entropy(weights, x, t, mean=True):
    out = by_hand(weights, x)[-1][1]
    e = -np.sum(t * np.log(out))
    return e / len(x) if mean else e


def numbers(nodes):
    return nodes.data if hasattr(nodes, "data") else [[v.data for v in row] for row in nodes]


@pytest.mark.parametrize("engine", ENGINES)
def test_forward_layers_of_a_softmax_mlp_keep_every_net_and_output(engine):
    m = model(engine)
    expected = by_hand(m.get_weights(), X)
    for (net, out), (net_e, out_e) in zip(m.forward_layers(X), expected):
        np.testing.assert_allclose(numbers(net), net_e, rtol=1e-12)
        np.testing.assert_allclose(numbers(out), out_e, rtol=1e-12)
    net, out = m.forward_layers(X[1])[-1]
    read = (lambda n: n.data) if engine == "tensor" else (lambda n: [v.data for v in n])
    np.testing.assert_allclose(read(out), expected[-1][1][1], rtol=1e-12)
    np.testing.assert_allclose(read(net), expected[-1][0][1], rtol=1e-12)


@pytest.mark.parametrize("engine", ENGINES)
def test_fit_with_diagnostics_measures_a_softmax_mlp(engine):
    m = model(engine)
    weights = []

    def loss(model_, xb, yb):
        return losses.cross_entropy_loss(model_(xb), yb)

    history = fit(
        m,
        X,
        T,
        lr=0.2,
        steps=3,
        loss=loss,
        diagnostics=True,
        on_step=lambda step: weights.append(m.get_weights()),
    )
    for step, W in enumerate(weights):
        out = by_hand(W, X)[-1][1]
        assert history.loss[step] == pytest.approx(cross_entropy(W, X, T), rel=1e-12)
        # the output δ of the mean cross-entropy: (O − t) / N
        assert history.delta_norm[step][-1] == pytest.approx(np.linalg.norm((out - T) / len(X)))
        flat = np.concatenate([np.concatenate([w.ravel(), b]) for w, b in W])

        def error(theta, W=W):
            rebuilt, k = [], 0
            for w, b in W:
                rebuilt.append(
                    (theta[k : k + w.size].reshape(w.shape), theta[k + w.size :][: b.size])
                )
                k += w.size + b.size
            return cross_entropy(rebuilt, X, T)

        numeric, k = central_difference(error, flat), 0
        for l, (w, b) in enumerate(W):
            dW, db = numeric[k : k + w.size], numeric[k + w.size : k + w.size + b.size]
            k += w.size + b.size
            assert history.grad_W_norm[step][l] == pytest.approx(np.linalg.norm(dW), rel=1e-6)
            assert history.grad_b_norm[step][l] == pytest.approx(np.linalg.norm(db), rel=1e-6)


# --- the step-through page --------------------------------------------------------------


def frames_of(path: Path) -> list[dict]:
    page = path.read_text(encoding="utf-8")
    match = re.search(r'<script type="application/json" id="frames">(.*?)</script>', page, re.S)
    assert match
    return json.loads(match.group(1))


def shown_at_end(frames: list[dict], iteration: int) -> dict[str, float]:
    last = max(i for i, f in enumerate(frames) if f["iteration"] == iteration)
    start = max(i for i in range(last + 1) if frames[i]["reset"])
    shown: dict[str, float] = {}
    for frame in frames[start : last + 1]:
        shown.update({k: v["value"] for k, v in frame["values"].items()})
    return shown


@pytest.fixture(scope="module")
def pages(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("softmax_page")
    return {
        engine: stepper(
            model(engine), X[:2], T[:2], lr=0.1, steps=2, path=folder / f"{engine}.html"
        )
        for engine in ENGINES
    }


def test_both_engines_give_the_same_softmax_page(pages):
    assert frames_of(pages["tensor"]) == frames_of(pages["value"])
    page = pages["value"].read_text(encoding="utf-8")
    assert "E = −Σ t log O" in page  # the error box says which error it is
    assert "½ Σ (O − t)²" not in page.split('<section id="order">')[0]


def test_the_softmax_page_shows_the_notes_numbers(pages):
    frames = frames_of(pages["value"])
    W = model("value").get_weights()
    for sample, iteration in ((0, 1), (1, 2)):
        x, t = X[sample], T[sample]
        shown = shown_at_end(frames, iteration)
        (_, h), (_, out) = by_hand(W, x)
        assert [shown[f"ŷ{k}:out"] for k in (1, 2, 3)] == pytest.approx(out, rel=1e-12)
        assert shown["E:value"] == pytest.approx(-np.sum(t * np.log(out)), rel=1e-12)
        # the notes' δ = O − t for the output, autograd and the δ rules alike
        for k in (1, 2, 3):
            assert shown[f"ŷ{k}:delta"] == pytest.approx(out[k - 1] - t[k - 1], rel=1e-12)
            assert shown[f"ŷ{k}:rule"] == pytest.approx(out[k - 1] - t[k - 1], rel=1e-12)
            assert shown[f"ŷ{k}:dout"] == "nan"  # never formed by the fused walk
        # the hidden δ = (1 − O²) Σ_k δ_k W_kj, written out
        hidden = (1 - h**2) * ((out - t) @ W[1][0])
        assert [shown[f"h{j}:delta"] for j in (1, 2, 3)] == pytest.approx(hidden, rel=1e-12)
        # every ∂E/∂w against finite differences; w numbered source-major per layer
        flat = np.concatenate([np.concatenate([w.ravel(), b]) for w, b in W])

        def error(theta, W=W, x=x, t=t):
            rebuilt, k = [], 0
            for w, b in W:
                rebuilt.append(
                    (theta[k : k + w.size].reshape(w.shape), theta[k + w.size :][: b.size])
                )
                k += w.size + b.size
            return cross_entropy(rebuilt, x[None], t[None])

        numeric, k, n_w, n_b = central_difference(error, flat), 0, 0, 0
        for w, _ in W:
            n_out, n_in = w.shape
            for i in range(n_in):
                for j in range(n_out):
                    n_w += 1
                    assert shown[f"w{n_w}:grad"] == pytest.approx(
                        numeric[k + j * n_in + i], abs=1e-8
                    )
            for j in range(n_out):
                n_b += 1
                assert shown[f"b{n_b}:grad"] == pytest.approx(numeric[k + w.size + j], abs=1e-8)
            k += w.size + n_out
        W = new_weights(shown, W)  # iteration 2 starts from the updated weights


def new_weights(shown: dict[str, float], W):
    """The weights after the update, read from the page's "new" numbers (source-major)."""
    out, n_w, n_b = [], 0, 0
    for w, b in W:
        w, b = w.copy(), b.copy()
        for i in range(w.shape[1]):
            for j in range(w.shape[0]):
                n_w += 1
                w[j, i] = shown[f"w{n_w}:new"]
        for j in range(w.shape[0]):
            n_b += 1
            b[j] = shown[f"b{n_b}:new"]
        out.append((w, b))
    return out


def test_the_softmax_page_narrates_softmax_cross_entropy_and_delta(pages):
    frames = frames_of(pages["value"])
    first = [f for f in frames if f["iteration"] == 1]
    sentences = [f["sentence"] for f in first]
    forward = [s for f, s in zip(first, sentences) if f["phase"] == "forward"]
    # every net of the softmax layer comes before its outputs
    assert [s.split(":")[0] for s in forward[-6:]] == [
        "Forward, unit ŷ1",
        "Forward, unit ŷ2",
        "Forward, unit ŷ3",
        "Softmax, unit ŷ1",
        "Softmax, unit ŷ2",
        "Softmax, unit ŷ3",
    ]
    error = next(s for f, s in zip(first, sentences) if f["phase"] == "error")
    assert error.startswith("Error: E = −Σ_k t_k log O_k = −(0 · log ")
    assert sum("δ_k = O_k − t_k" in s for s in sentences) == 3
    assert any("δ_j = O_j − t_j" in s for s in sentences)  # why the walk skips ∂E/∂O


def test_the_softmax_page_wants_probability_targets(tmp_path: Path):
    with pytest.raises(ValueError, match=r"stepper: t of a softmax output.*sum"):
        stepper(model("value"), X[0], [0.5, 0.7, 0.0], path=tmp_path / "p.html")
