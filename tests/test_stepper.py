"""The step-through page: one offline file whose every number is a recorded engine value.

The recording (typed dataclasses) and the frames the page replays are checked here; the
page's behaviour in a browser is checked in test_browser.py. Expected numbers come from
note 05's worked example redone here in exact arithmetic (fractions), from central finite
differences, or from the Value engine run by hand.
"""

from __future__ import annotations

import itertools
import json
import math
import re
from fractions import Fraction
from pathlib import Path
from typing import Any

import note05
import numpy as np
import pytest

from tinygrad_edu import Value, nn
from tinygrad_edu.compare import central_difference
from tinygrad_edu.stepper import NetworkRecording, recording, stepper
from tinygrad_edu.stepper.layout import Box, R, label_box, network_layout, text_block
from tinygrad_edu.stepper.record import network
from tinygrad_edu.stepper.render import asset
from tinygrad_edu.train import DivergenceWarning

F = Fraction
NOTE_W = {"w1": "0.11", "w2": "0.12", "w3": "0.21", "w4": "0.08", "w5": "0.14", "w6": "0.15"}
NOTE_X, NOTE_T, NOTE_LR = (2, 3), 1, F("0.05")


def note_model(engine: str = "value") -> nn.MLP:
    """Note 05's 2-2-1 linear network without biases (W rows = the weights into a unit)."""
    m = nn.MLP([2, 2, 1], hidden="linear", output="linear", bias=False, engine=engine)
    w = {k: float(v) for k, v in NOTE_W.items()}
    m.set_weights(
        [
            (np.array([[w["w1"], w["w3"]], [w["w2"], w["w4"]]]), None),
            (np.array([[w["w5"], w["w6"]]]), None),
        ]
    )
    return m


def note_iteration(w: dict[str, Fraction]) -> dict[str, Any]:
    """One iteration of note 05 in exact arithmetic: forward, error, gradients, update."""
    return note05.iteration(w, NOTE_LR)


def frames_of(page: str) -> list[dict[str, Any]]:
    match = re.search(r'<script type="application/json" id="frames">(.*?)</script>', page, re.S)
    assert match, "the page carries its recorded frames as JSON"
    assert "<" not in match.group(1), "nothing in the data can close its <script>"
    return json.loads(match.group(1))


def state_after(frames: list[dict[str, Any]], i: int) -> dict[str, tuple[str, float]]:
    """What the page shows after step i: replay from the last reset, as the script does.

    Keys are the recording's: "h1:out" is unit h1's output, "w3:new" the updated w3.
    """
    start = max(k for k in range(i + 1) if frames[k]["reset"])
    shown: dict[str, tuple[str, float]] = {}
    for frame in frames[start : i + 1]:
        shown.update({k: (v["text"], v["value"]) for k, v in frame["values"].items()})
    return shown


def end_of(frames: list[dict[str, Any]], iteration: int) -> dict[str, tuple[str, float]]:
    return state_after(frames, max(i for i, f in enumerate(frames) if f["iteration"] == iteration))


def reads_as(text: str, exact: Fraction) -> bool:
    """True when ``text`` is ``exact`` to six significant digits (a real minus sign)."""
    assert "-" not in text, "the page writes a real minus sign"
    shown = Fraction(text.replace("−", "-"))
    if exact == 0:
        return shown == 0
    digits = Fraction(10) ** (math.floor(math.log10(abs(exact))) - 5)
    return abs(shown - exact) <= digits / 2


@pytest.fixture(scope="module")
def note_page(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    path = tmp_path_factory.mktemp("stepper") / "worked_example.html"
    out = stepper(note_model(), x=NOTE_X, t=[NOTE_T], lr=float(NOTE_LR), steps=2, path=path)
    return out, out.read_text(encoding="utf-8")


# --- one offline file --------------------------------------------------------------------


def test_page_is_one_file_that_loads_nothing_from_a_network(note_page: tuple[Path, str]) -> None:
    path, page = note_page
    assert path.exists() and list(path.parent.iterdir()) == [path]
    assert "http://" not in page and "https://" not in page
    assert "<link" not in page and not re.search(r"<script[^>]+src=", page)
    assert "<svg" in page and "<style>" in page
    assert page.count("<html") == 1


def test_the_pages_style_and_script_are_the_packages_asset_files(
    note_page: tuple[Path, str],
) -> None:
    _, page = note_page
    for name in ("page.css", "page.js"):
        text = asset(name)
        assert len(text) > 1000 and text in page, name
    assert f"<style>{asset('page.css')}</style>" in page
    assert page.count("<script>") == 1


def test_the_recording_holds_note_05s_numbers_in_exact_arithmetic() -> None:
    rec = recording(note_model(), x=NOTE_X, t=[NOTE_T], lr=float(NOTE_LR), steps=2)
    assert isinstance(rec, NetworkRecording)
    net = rec.network
    assert net.units == [["x1", "x2"], ["h1", "h2"], ["ŷ"]]
    assert [(p.name, p.layer, p.unit, p.source) for p in net.params] == [
        ("w1", 1, 0, 0), ("w2", 1, 1, 0), ("w3", 1, 0, 1), ("w4", 1, 1, 1),
        ("w5", 2, 0, 0), ("w6", 2, 0, 1),
    ]  # fmt: skip
    w = {k: F(v) for k, v in NOTE_W.items()}
    for run in rec.iterations:
        exact = note_iteration(w)
        assert run.old == pytest.approx({k: float(v) for k, v in w.items()}, rel=1e-12)
        assert run.out[1] == pytest.approx([float(exact["h1"]), float(exact["h2"])], rel=1e-12)
        assert run.out[2] == pytest.approx([float(exact["y"])], rel=1e-12)
        assert run.loss == pytest.approx(float(exact["E"]), rel=1e-12)
        deltas = [float(exact["delta_h1"]), float(exact["delta_h2"])]
        assert run.delta[1] == pytest.approx(deltas, rel=1e-12)
        assert run.rule_delta[1] == pytest.approx(deltas, rel=1e-12)
        for k, g in exact["grad"].items():
            assert run.grad[k] == pytest.approx(float(g), rel=1e-12)
            assert run.rule_grad[k] == pytest.approx(float(g), rel=1e-12)
        assert run.new == pytest.approx({k: float(v) for k, v in exact["new"].items()}, rel=1e-12)
        w = exact["new"]
    # the walk as the page shows it: ŷ's δ, then w5, w6 and the hidden units' δ
    first = rec.iterations[0]
    shown = [v.param.name if v.param else net.units[v.layer][v.unit] for v in first.visits]
    assert sorted(shown) == ["h1", "h2", "w1", "w2", "w3", "w4", "w5", "w6", "ŷ"]
    assert shown[0] == "ŷ" and len(first.trace) > len(shown)  # the walk visits more nodes


# --- the worked example's numbers ----------------------------------------------------------


def test_worked_example_numbers_match_exact_arithmetic(note_page: tuple[Path, str]) -> None:
    _, page = note_page
    frames = frames_of(page)
    w = {k: F(v) for k, v in NOTE_W.items()}
    it1 = note_iteration(w)
    end1 = end_of(frames, 1)
    expected = {
        "h1:out": it1["h1"],  # h1 = 0.85
        "h2:out": it1["h2"],  # h2 = 0.48
        "ŷ:out": it1["y"],  # ŷ = 0.191
        "E:value": it1["E"],
        "ŷ:delta": it1["delta_y"],  # −0.809
        "h1:delta": it1["delta_h1"],
        "h2:delta": it1["delta_h2"],
        **{f"{k}:grad": g for k, g in it1["grad"].items()},
        **{f"{k}:new": v for k, v in it1["new"].items()},
    }
    for cell, exact in expected.items():
        text, value = end1[cell]
        assert value == pytest.approx(float(exact), rel=1e-12, abs=1e-15), cell
        assert reads_as(text, exact), (cell, text, float(exact))
    # the note slips on w3: from its own w3 = 0.21 the update is 0.226989, not 0.12
    assert it1["new"]["w3"] == F("0.226989")
    assert end1["w3:new"][0] == "0.226989"


def test_delta_rules_sit_beside_autograd_and_agree(note_page: tuple[Path, str]) -> None:
    _, page = note_page
    frames = frames_of(page)
    end = state_after(frames, len(frames) - 1)
    rules = [c for c in end if c.endswith(":rule")]
    assert len(rules) == 3 + 6  # a δ per unit, a gradient per weight
    for cell in rules:
        name = cell.removesuffix(":rule")
        autograd = f"{name}:grad" if name[0] in "wb" else f"{name}:delta"
        assert end[cell][1] == pytest.approx(end[autograd][1], rel=1e-12, abs=1e-15)
    # each δ sentence names both
    texts = [f["sentence"] for f in frames]
    deltas = [t for t in texts if t.startswith(("Output unit", "Hidden unit"))]
    assert all("the δ rule gives" in t for t in deltas)
    assert len(deltas) == 2 * 3  # three units, two iterations
    assert any("δ_k = (O_k − t_k) · 1 = (0.191 − 1) · 1 = −0.809" in t for t in deltas)


def test_next_iteration_starts_from_the_updated_weights(note_page: tuple[Path, str]) -> None:
    _, page = note_page
    frames = frames_of(page)
    w = {k: F(v) for k, v in NOTE_W.items()}
    it2 = note_iteration(note_iteration(w)["new"])
    start2 = next(i for i, f in enumerate(frames) if f["iteration"] == 2)
    assert frames[start2]["reset"] and frames[start2]["phase"] == "start"
    end2 = state_after(frames, len(frames) - 1)
    assert end2["ŷ:out"][1] == pytest.approx(float(it2["y"]), rel=1e-12)
    assert end2["E:value"][1] == pytest.approx(float(it2["E"]), rel=1e-12)
    for k, v in it2["new"].items():
        assert end2[f"{k}:new"][1] == pytest.approx(float(v), rel=1e-12)


def test_steps_go_forward_error_backward_update_in_each_iteration(
    note_page: tuple[Path, str],
) -> None:
    _, page = note_page
    frames = frames_of(page)
    rank = {"start": 0, "forward": 1, "error": 2, "backward": 3, "update": 4}
    for it in (1, 2):
        phases = [rank[f["phase"]] for f in frames if f["iteration"] == it]
        assert phases == sorted(phases)
        assert [f["phase"] for f in frames if f["iteration"] == it].count("update") == 6
    # 1 start + 3 units + error + walk header + 3 δ + 6 gradients + 6 updates
    assert len(frames) == 2 * 21


def test_backward_steps_follow_the_recorded_reverse_topological_order(
    note_page: tuple[Path, str],
) -> None:
    _, page = note_page
    frames = [f for f in frames_of(page) if f["iteration"] == 1 and f["phase"] == "backward"]
    first_set = {}
    for i, f in enumerate(frames):
        for cell in f["values"]:
            first_set.setdefault(cell, i)
    # a unit's δ before the δ of the units feeding it, a weight's gradient after its unit's δ
    assert first_set["ŷ:delta"] < first_set["h1:delta"]
    assert first_set["ŷ:delta"] < first_set["h2:delta"]
    for w, unit in (("w1", "h1"), ("w3", "h1"), ("w2", "h2"), ("w5", "ŷ")):
        assert first_set[f"{unit}:delta"] < first_set[f"{w}:grad"]


def test_remarks_join_a_weights_update_sentence(tmp_path: Path) -> None:
    path = stepper(
        note_model(),
        NOTE_X,
        [NOTE_T],
        steps=1,
        path=tmp_path / "p.html",
        remarks={"w3": "The note's table slips here."},
    )
    texts = [f["sentence"] for f in frames_of(path.read_text(encoding="utf-8"))]
    w3 = next(t for t in texts if t.startswith("Update w3"))
    assert w3.endswith("The note's table slips here.")
    assert "0.21 − 0.05 · (−0.33978) = 0.226989" in w3


def test_model_is_not_changed_and_both_engines_give_the_same_page(tmp_path: Path) -> None:
    value_model, tensor_model = note_model("value"), note_model("tensor")
    before = value_model.get_weights()
    a = stepper(value_model, NOTE_X, [NOTE_T], path=tmp_path / "a.html")
    b = stepper(tensor_model, NOTE_X, [NOTE_T], path=tmp_path / "b.html")
    for (W0, _), (W1, _) in zip(before, value_model.get_weights()):
        np.testing.assert_array_equal(W0, W1)
    assert frames_of(a.read_text(encoding="utf-8")) == frames_of(b.read_text(encoding="utf-8"))


# --- other networks ---------------------------------------------------------------------


def _sigmoid_model(sizes: list[int]) -> nn.MLP:
    return nn.MLP(sizes, hidden="sigmoid", output="sigmoid", bias=True, seed=3)


def test_gradients_on_a_3_4_2_sigmoid_network_match_finite_differences(tmp_path: Path) -> None:
    model = _sigmoid_model([3, 4, 2])
    x, t = np.array([0.5, -1.0, 2.0]), np.array([0.2, 0.9])
    page = stepper(model, x, t, steps=1, path=tmp_path / "p.html").read_text(encoding="utf-8")
    end = state_after(frames_of(page), len(frames_of(page)) - 1)
    weights = model.get_weights()
    flat = np.concatenate([np.concatenate([W.ravel(), b]) for W, b in weights])

    def error(theta: np.ndarray) -> float:
        o, k = x, 0
        for W, _ in weights:
            n_out, n_in = W.shape
            Wk = theta[k : k + W.size].reshape(n_out, n_in)
            bk = theta[k + W.size : k + W.size + n_out]
            k += W.size + n_out
            o = 1 / (1 + np.exp(-(Wk @ o + bk)))
        return float(0.5 * np.sum((o - t) ** 2))

    numeric = central_difference(error, flat)
    # the page numbers weights source-major per layer (w1 = x1→unit 1, w2 = x1→unit 2, …)
    k, n_w, n_b = 0, 0, 0
    for W, _ in weights:
        n_out, n_in = W.shape
        for i in range(n_in):
            for j in range(n_out):
                n_w += 1
                assert end[f"w{n_w}:grad"][1] == pytest.approx(numeric[k + j * n_in + i], abs=1e-8)
        for j in range(n_out):
            n_b += 1
            assert end[f"b{n_b}:grad"][1] == pytest.approx(numeric[k + W.size + j], abs=1e-8)
        k += W.size + n_out


def test_order_view_uses_the_networks_reused_hidden_outputs(tmp_path: Path) -> None:
    model = _sigmoid_model([3, 4, 2])
    x, t = np.array([0.5, -1.0, 2.0]), np.array([0.2, 0.9])
    rec = recording(model, x, t, steps=1)
    assert isinstance(rec, NetworkRecording) and rec.order.own_network
    order = rec.order
    assert order.right == [rec.iterations[0].grad[name] for name in order.names]
    wrong = {n for n, r, w in zip(order.names, order.right, order.naive) if not math.isclose(r, w)}
    # a hidden output feeds two output units: the naive walk overcounts below it only
    assert wrong == {f"w{n}" for n in range(1, 13)} | {f"b{n}" for n in range(1, 5)}
    # the page shows the same verdict per row
    page = stepper(model, x, t, steps=1, path=tmp_path / "p.html").read_text(encoding="utf-8")
    section = page[page.index('<section id="order">') :]
    rows = re.findall(r'<tr class="(same|wrong)"><th>(\w+)</th>', section)
    assert {name for mark, name in rows if mark == "wrong"} == wrong


def test_order_view_example_shows_the_naive_walks_wrong_gradient(
    note_page: tuple[Path, str],
) -> None:
    _, page = note_page
    # h = w·x used by O1 = v1·h and O2 = v2·h; E = ½((O1 − 1)² + (O2 − 0)²), x = 2, w = 0.5,
    # v1 = 0.3, v2 = −0.2. Right: ∂E/∂w = x (v1 (O1 − 1) + v2 O2). The naive walk pushes
    # h's partial gradient v1 (O1 − 1) first and the whole again: x (2 v1 (O1 − 1) + v2 O2).
    x, w, v1, v2 = F(2), F("0.5"), F("0.3"), F("-0.2")
    h = x * w
    g1, g2 = v1 * h - 1, v2 * h
    right, naive = x * (v1 * g1 + v2 * g2), x * (2 * v1 * g1 + v2 * g2)
    rec = recording(note_model(), x=NOTE_X, t=[NOTE_T])
    order = rec.order
    assert order.example is not None and order.reused == ["h"]  # note 05 reuses nothing
    assert order.names[0] == "w"
    assert order.right[0] == pytest.approx(float(right), rel=1e-12)
    assert order.naive[0] == pytest.approx(float(naive), rel=1e-12)
    assert right != naive
    section = page[page.index('<section id="order">') :]
    assert f'data-value="{order.naive[0]!r}"' in section  # the page shows both


@pytest.mark.parametrize("sizes", [[2, 2, 1], [2, 3, 1], [3, 4, 2]])
def test_weight_labels_do_not_overlap_each_other_or_the_units(sizes: list[int]) -> None:
    twin = nn.MLP(sizes, hidden="sigmoid", output="sigmoid", engine="value", seed=0)
    net = network(twin)
    lay = network_layout(net)
    labels = [label_box(n, *c) for n, c in lay.labels.items()]
    units = [_circle(x, y, R) for layer in lay.pos for x, y in layer]
    units += [text_block(x, y) for layer in lay.pos for x, y in layer]
    assert len(labels) == sum(a * b for a, b in itertools.pairwise(sizes))
    for i, a in enumerate(labels):
        assert not any(a.hits(b, pad=0) for b in labels[i + 1 :])
        assert not any(a.hits(b, pad=0) for b in units)
        assert not a.hits(lay.error_box, pad=0)
        assert a.x0 >= 0 and a.x1 <= lay.width and a.y0 >= 0 and a.y1 <= lay.height


def _circle(x: float, y: float, r: float) -> Box:
    return Box(x - r, y - r, x + r, y + r)


# --- a graph of Values --------------------------------------------------------------------


def test_value_graph_page_records_each_push_with_before_and_after(tmp_path: Path) -> None:
    a, b = Value(2.0, label="a"), Value(-0.5, label="b")
    c = a * b
    c.label = "c"
    d = c * c + a  # c is used twice, a twice
    d.label = "d"
    page = stepper(d, path=tmp_path / "g.html").read_text(encoding="utf-8")
    frames = frames_of(page)
    # dd/da = 2 c b + 1 = 2 (a b) b + 1, dd/db = 2 c a
    exact_a = 2 * (F(2) * F("-0.5")) * F("-0.5") + 1
    exact_b = 2 * (F(2) * F("-0.5")) * F(2)
    end = state_after(frames, len(frames) - 1)
    grads = {k: v[1] for k, v in end.items() if k.endswith(":grad")}
    assert float(exact_a) in grads.values() and float(exact_b) in grads.values()
    visit_c = next(f["sentence"] for f in frames if f["sentence"].startswith("Visit c"))
    # c's gradient 2c = −2 is pushed into a (local b) and b (local a): a had 1 from d = … + a
    assert "a.grad += (−0.5) · (−2): 1 → 2" in visit_c
    assert "b.grad += 2 · (−2): 0 → −4" in visit_c
    assert "Reused here: c" in page


def test_bad_arguments_get_clear_errors(tmp_path: Path) -> None:
    model = note_model()
    with pytest.raises(TypeError, match=r"nn\.MLP or a Value"):
        stepper([1, 2], path=tmp_path / "x.html")
    with pytest.raises(ValueError, match="needs x"):
        stepper(model, path=tmp_path / "x.html")
    with pytest.raises(ValueError, match=r"x must have shape \(2,\)"):
        stepper(model, x=[1, 2, 3], t=[1], path=tmp_path / "x.html")
    with pytest.raises(ValueError, match="steps"):
        stepper(model, x=NOTE_X, t=[1], steps=0, path=tmp_path / "x.html")
    with pytest.raises(ValueError, match="rows"):
        stepper(model, x=[[1, 2], [3, 4]], t=[1], path=tmp_path / "x.html")
    with pytest.raises(ValueError, match="x and t are for a model"):
        stepper(Value(1.0) * 2, x=[1], path=tmp_path / "x.html")
    assert not (tmp_path / "x.html").exists()


# --- the command line ---------------------------------------------------------------------


def test_step_command_writes_the_worked_example_page(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from tinygrad_edu.cli import main

    assert main(["step", "--out", str(tmp_path / "s.html")]) == 0
    assert "wrote" in capsys.readouterr().out
    page = (tmp_path / "s.html").read_text(encoding="utf-8")
    frames = frames_of(page)
    w = {k: F(v) for k, v in NOTE_W.items()}
    it1 = note_iteration(w)
    end1 = end_of(frames, 1)
    assert end1["ŷ:out"][1] == pytest.approx(float(it1["y"]), rel=1e-12)  # 0.191
    assert end1["w3:new"][1] == pytest.approx(float(it1["new"]["w3"]), rel=1e-12)
    w3 = next(f["sentence"] for f in frames if f["sentence"].startswith("Update w3"))
    assert "table lists w3 as 0.11 → 0.12" in w3 and "uses w3 = 0.21" in w3
    # the same page as `worked-example --html`
    assert main(["worked-example", "--html", str(tmp_path / "w.html")]) == 0
    assert frames_of((tmp_path / "w.html").read_text(encoding="utf-8")) == frames


def test_step_command_rejects_inputs_that_do_not_fit(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from tinygrad_edu.cli import main

    assert main(["step", "--x", "1,2,3", "--out", str(tmp_path / "s.html")]) == 2
    err = capsys.readouterr().err.strip()
    assert err == "tinygrad-edu step: error: --x has 3 numbers but the network has 2 inputs"
    with pytest.raises(SystemExit) as exit_info:
        main(["step", "--t", "one"])
    assert exit_info.value.code == 2
    assert not (tmp_path / "s.html").exists()


# --- the embedded JSON: every "<" escaped, no Infinity/NaN ---------------------------------


def _strict_frames(page: str) -> tuple[str, list[dict[str, Any]]]:
    """The JSON text of the frames and the frames, parsed as strictly as JSON.parse does."""
    match = re.search(r'<script type="application/json" id="frames">(.*?)</script>', page, re.S)
    assert match, "the page carries its recorded frames as JSON"

    def refuse(constant: str) -> Any:
        raise ValueError(f"not JSON: {constant}")

    return match.group(1), json.loads(match.group(1), parse_constant=refuse)


def _script_label_graph() -> Value:
    a, big = Value(2.0, label="<!--<script>"), Value(1e308, label="big")
    return (a * big * 10.0).tanh() + a  # a * big * 10 overflows to inf; tanh(inf) = 1


def test_page_json_escapes_every_less_than_sign(tmp_path: Path) -> None:
    page = stepper(_script_label_graph(), path=tmp_path / "label.html").read_text()
    text, frames = _strict_frames(page)
    assert "<" not in text
    assert "<!--<script>" in frames[0]["sentence"]  # the label itself survives, decoded


@pytest.mark.filterwarnings("ignore:overflow encountered:RuntimeWarning")  # meant to
def test_page_json_has_no_infinity_or_nan_and_shows_them_as_text(tmp_path: Path) -> None:
    page = stepper(_script_label_graph(), path=tmp_path / "inf.html").read_text()
    _, frames = _strict_frames(page)
    shown = [cell for f in frames for cell in f["values"].values()]
    assert {"text": "inf", "value": "inf"} in shown  # 2 · 1e308 · 10: text and value "inf"
    # `tinygrad-edu step --x 1e308,1e308`: note 05's network; its outputs stay finite, E is inf
    model = nn.MLP([2, 2, 1], hidden="linear", output="linear", bias=False, engine="value")
    model.set_weights(
        [(np.array([[0.11, 0.21], [0.12, 0.08]]), None), (np.array([[0.14, 0.15]]), None)]
    )
    with pytest.warns(DivergenceWarning, match="iteration 1 of 2, before any update"):
        page = stepper(model, x=[1e308, 1e308], t=[1.0], path=tmp_path / "cli.html").read_text()
    text, frames = _strict_frames(page)
    assert "Infinity" not in text and "NaN" not in text
    values = [cell["value"] for f in frames for cell in f["values"].values()]
    assert any(v in ("inf", "−inf", "nan") for v in values)
    assert all(isinstance(v, str) or math.isfinite(v) for v in values)


def test_stepper_rejects_strings_as_data(tmp_path: Path) -> None:
    model = nn.MLP([2, 2, 1], engine="value", seed=0)
    with pytest.raises(TypeError, match="stepper: x: expected numbers, got list of dtype <U1"):
        stepper(model, x=["a", "b"], t=[1.0], path=tmp_path / "s.html")
    with pytest.raises(TypeError, match="stepper: t: expected numbers"):
        stepper(model, x=[1.0, 2.0], t=["a"], path=tmp_path / "s.html")
