"""The benchmark suite: it runs, it compares like with like, it reports. No timing is asserted.

A benchmark is only as good as the claim that its contestants do the same work, so most
tests here check that: the numpy step by hand gives the notes' δ-rule update (from
``tinygrad_edu.rules``), and every engine starts from the same weights and reaches the same
loss and the same weights after a step.
"""

from __future__ import annotations

import functools
import gc
import itertools
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tinygrad_edu import Tensor, detect_anomaly, nn, rules
from tinygrad_edu.anomaly import AnomalyError
from tinygrad_edu.graph import topological_order

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # benchmarks/ is a folder of the repository, not installed
    sys.path.insert(0, str(ROOT))

from benchmarks import (  # noqa: E402
    bare_engine,
    deep_graphs,
    report,
    startup,
    tensor_engine,
    timing,
    value_engine,
)
from benchmarks.numpy_step import HandMLP  # noqa: E402

# --- the floor: numpy by hand --------------------------------------------------------------


@pytest.mark.parametrize("method", ["step", "step_fresh"])
@pytest.mark.parametrize("output", ["linear", "sigmoid"])
@pytest.mark.parametrize("hidden", ["sigmoid", "tanh", "relu"])
def test_hand_numpy_step_is_the_notes_delta_rule_update(hidden, output, method):
    rng = np.random.default_rng(1)
    weights = [
        (rng.standard_normal((4, 3)), rng.standard_normal(4)),
        (rng.standard_normal((2, 4)), rng.standard_normal(2)),
    ]
    activations = [hidden, output]
    x, t = rng.standard_normal((5, 3)), rng.standard_normal((5, 2))
    lr = 0.05

    expected_out = rules.forward(weights, activations, x)[-1].out
    records = rules.backward(weights, activations, x, t)
    expected = rules.sgd_step(weights, rules.gradients(records), lr)

    hand = HandMLP(weights, activations)
    loss = getattr(hand, method)(x, t, lr)
    assert loss == pytest.approx(0.5 * np.sum((expected_out - t) ** 2), rel=1e-12)
    for (W, b), (W_expected, b_expected) in zip(hand.weights, expected):
        np.testing.assert_allclose(W, W_expected, rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(b, b_expected, rtol=1e-12, atol=1e-12)


def test_hand_numpy_step_keeps_float32():
    weights = [(np.ones((3, 2)), np.zeros(3)), (np.ones((1, 3)), np.zeros(1))]
    hand = HandMLP(weights, ["sigmoid", "linear"], dtype=np.float32)
    x = np.ones((4, 2), np.float32)
    hand.step(x, np.zeros((4, 1), np.float32), 0.1)
    assert all(W.dtype == np.float32 and b.dtype == np.float32 for W, b in hand.weights)


# --- the contestants do the same work ----------------------------------------------------------


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_tensor_engine_and_hand_step_reach_the_same_weights(dtype):
    sizes, batch = tensor_engine.SIZES["tiny"]
    x, t = tensor_engine.make_batch(sizes, batch, dtype)
    model = nn.MLP(sizes, hidden="sigmoid", output="linear", seed=0, dtype=dtype)
    hand_step = tensor_engine.by_hand(model, x, t)  # copies the weights first
    ours_step = tensor_engine.ours(model, x, t)
    assert ours_step() == pytest.approx(hand_step(), rel=1e-5)
    hand = hand_step.__closure__[0].cell_contents  # the HandMLP inside the lambda
    tol = 1e-5 if dtype == np.float32 else 1e-12
    for (W, b), (W_hand, b_hand) in zip(model.get_weights(), hand.weights):
        np.testing.assert_allclose(W, W_hand, rtol=tol, atol=tol)
        np.testing.assert_allclose(b, b_hand, rtol=tol, atol=tol)
        assert W_hand.dtype == dtype


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_bare_engine_makes_the_floors_step(dtype):
    # the experiment of performance.md's third pass: same loss, same weights as the δ rules
    sizes, batch = tensor_engine.SIZES["tiny"]
    x, t = tensor_engine.make_batch(sizes, batch, dtype)
    model = nn.MLP(sizes, hidden="sigmoid", output="linear", seed=0, dtype=dtype)
    bare = bare_engine.BareMLP(model.get_weights(), model.activations)
    hand = HandMLP(model.get_weights(), model.activations, dtype=dtype)
    tol = 1e-5 if dtype == np.float32 else 1e-12
    for _ in range(3):
        assert bare.step(x, t, 0.01) == pytest.approx(hand.step(x, t, 0.01), rel=tol)
    for (W, b), (W_hand, b_hand) in zip(bare.params, hand.weights):
        np.testing.assert_allclose(W.data, W_hand, rtol=tol, atol=tol)
        np.testing.assert_allclose(b.data, b_hand, rtol=tol, atol=tol)
        assert W.data.dtype == dtype and W.grad.dtype == dtype
    with pytest.raises(ValueError, match="sigmoid hidden layers and a linear output"):
        bare_engine.BareMLP(model.get_weights(), ["relu", "relu", "linear"])


def test_bare_engine_quick_run_times_all_four():
    results = bare_engine.run(quick=True)
    for dtype in ("float32", "float64"):
        losses = results[dtype]["first_loss"]
        assert max(losses.values()) == pytest.approx(min(losses.values()), rel=1e-5)
        assert set(results[dtype]["vs_floor"]) == {"numpy_fresh", "bare", "tinygrad_edu"}


@pytest.mark.torch
def test_pytorch_step_starts_from_the_same_weights_and_loss():
    pytest.importorskip("torch")
    sizes, batch = tensor_engine.SIZES["tiny"]
    x, t = tensor_engine.make_batch(sizes, batch, np.float64)
    model = nn.MLP(sizes, hidden="sigmoid", output="linear", seed=0)
    torch_step = tensor_engine.pytorch(model, x, t)
    ours_step = tensor_engine.ours(model, x, t)
    for _ in range(3):  # the same loss before each of three steps
        assert torch_step() == pytest.approx(ours_step(), rel=1e-10)


def test_value_engine_and_micrograd_compute_the_same_loss_and_update():
    pytest.importorskip("micrograd")
    X, Y = value_engine.make_data(8)
    ours = value_engine.Ours(X, Y)
    theirs = value_engine.Micrograd(X, Y, ours.model.get_weights())
    for _ in range(2):  # the loss matches, then again after one SGD step each
        assert ours.build().data == pytest.approx(theirs.build().data, rel=1e-12)
        ours.step()
        theirs.step()
    ours_params = [p.data for p in ours.model.parameters()]
    theirs_params = [p.data for p in theirs.model.parameters()]
    # micrograd lists each neuron's weights then its bias, as nn.MLP does
    assert ours_params == pytest.approx(theirs_params, rel=1e-12)
    # Per sample, a neuron is one "w·x+b" node (net = Σ w x + b) and its activation; plus
    # the sample's inputs and target as leaves; then one "mse" node.
    sizes = value_engine.SIZES
    per_sample = sum(2 * n_out for n_out in sizes[1:])
    per_sample += sizes[0] + sizes[-1]
    assert ours.count_nodes(ours.build()) == len(X) * per_sample + 1
    # micrograd sums with binary "+" (n per neuron, bias included) and has no output node
    # for its linear layer; its loss adds a "-", "**" and "+" per sample, then a "*" and 1/n
    mg_neurons = sum(n_out * (2 * n_in + 1) for n_in, n_out in itertools.pairwise(sizes)) - 1
    assert theirs.count_nodes(theirs.build()) == len(X) * (mg_neurons + sizes[0] + 4) + 3


def test_holding_previous_loss_keeps_the_last_loss_only_inside_the_block():
    X, Y = value_engine.make_data(3)
    engine = value_engine.Ours(X, Y)
    engine.step()
    assert engine.previous is None  # a step frees its graph on return
    with value_engine.holding_previous_loss(engine):
        engine.step()
        first = engine.previous
        engine.step()
        assert first is not None and engine.previous is not first
    assert engine.previous is None and not engine.hold_previous


# --- the timing harness ------------------------------------------------------------------------


def test_interleaved_rotates_the_order_and_runs_settle_and_warmup_untimed():
    calls: list[str] = []

    def workload(name):
        def run():
            calls.append(name)
            return {"phase": 1.0}

        return run

    timings = timing.interleaved(
        {"a": workload("a"), "b": workload("b")},
        repeats=2,
        calls={"a": 2, "b": 1},
        warmup=1,
        settle=1,
    )
    # each loop is one settle call plus the timed calls; the first of the workloads
    # alternates: b in the warm-up, then a, then b
    a, b = ["a"] * 3, ["b"] * 2
    assert calls == b + a + a + b + b + a
    assert [len(t.per_call) for t in timings.values()] == [2, 2]
    assert timings["a"].phase_median("phase") == 1.0


def test_gc_disabled_restores_the_collector():
    assert gc.isenabled()
    with timing.gc_disabled():
        assert not gc.isenabled()
    assert gc.isenabled()


# --- the engine's own use of the collector ---------------------------------------------------


def test_backward_leaves_the_collector_as_it_found_it():
    x = Tensor([1.0, 2.0], requires_grad=True)
    (x * x).sum().backward()
    assert gc.isenabled()
    gc.disable()
    try:
        (x * x).sum().backward()
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_backward_switches_the_collector_back_on_after_an_error():
    x = Tensor([0.0], requires_grad=True)
    with detect_anomaly():
        y = (x**0.5).sum()  # forward: 0, fine; backward: 0.5 / sqrt(0) = inf
        with pytest.raises(AnomalyError):
            y.backward()
    assert gc.isenabled()


# --- what the collector has to walk: counts, not seconds ---------------------------------------


def _tracked_objects_kept(build):
    """Collector-tracked objects that ``build()``'s result keeps alive, and the result."""
    gc.collect()
    before = len(gc.get_objects())
    root = build()
    gc.collect()  # untracks tuples of plain numbers, as every young collection does
    return len(gc.get_objects()) - before, root


@pytest.mark.parametrize(
    "engine, most",
    # per link y * 1.0001 + 0: two op nodes and two constant leaves. A Value op node is the
    # node and its tuple of parents (its tuple of float derivatives is untracked); a Tensor
    # op node adds its tuple of gradient functions, and "*" one object per function.
    [("value", 6), ("tensor", 10)],
)
def test_a_chain_keeps_a_fixed_number_of_tracked_objects_per_link(engine, most):
    build = deep_graphs.chain_builder(engine)
    per_link = []
    for links in (250, 2_500):  # the same per link at 1,000 and 10,000 nodes: linear
        n_nodes = links * deep_graphs.NODES_PER_LINK
        kept, root = _tracked_objects_kept(functools.partial(build, n_nodes))
        assert len(topological_order(root)) == 2 * links * 2 + 1  # ops, constants, the leaf
        per_link.append(kept / links)
        del root
    assert per_link[0] == pytest.approx(per_link[1], abs=0.05) and per_link[1] <= most + 0.05


def test_value_step_graph_keeps_two_tracked_objects_per_node_and_frees_them_without_the_collector():
    X, Y = value_engine.make_data(5)
    engine = value_engine.Ours(X, Y)
    kept, loss = _tracked_objects_kept(engine.build)
    nodes = engine.count_nodes(loss)
    assert kept <= 2 * nodes + 2  # each node and its tuple of parents (+ the inputs' list)
    gc.collect()
    gc.disable()
    try:
        before = len(gc.get_objects())
        del loss  # reference counting alone frees the whole graph: there is no cycle in it
        assert before - len(gc.get_objects()) >= kept - 2
    finally:
        gc.enable()


# --- the report --------------------------------------------------------------------------------


def test_report_marks_met_and_missed_targets():
    value = {
        "sizes": [2, 16, 16, 1],
        "points": 100,
        "step": {
            "ours": 0.1,
            "ours (GC off)": 0.05,
            "ours (holding)": 0.2,
            "micrograd": 1.0,
            "micrograd (GC off)": 0.1,
            "micrograd (holding)": 1.2,
        },
        "build": {"ours": 0.06, "micrograd": 0.9},
        "backward": {"ours": 0.03, "micrograd": 0.05},
        "gc": {
            "ours": {"collections": [200, 20, 1], "seconds": 0.04},
            "micrograd": {"collections": [500, 50, 4], "seconds": 0.8},
        },
        "memory_per_node": {"ours": 300.0, "micrograd": 500.0},
        "nodes": {"ours": 1000, "micrograd": 1000},
    }
    text, targets = report.value_section(value)
    assert "10.0×" in text  # micrograd 1.0 s ÷ ours 0.1 s
    # every figure with its spread: times with quartiles, ratios paired round by round
    value["spread"] = {"step": {"ours": (0.09, 0.11), "micrograd": (0.999, 1.2)}}
    value["speedup"] = {"step": {"median": 9.5, "spread": (9.0, 10.5)}}
    text, _ = report.value_section(value)
    assert (
        "| training step (GC on, as users run it) | 100 ms (90.00-110 ms) "
        "| 1000 ms (999-1200 ms) | 9.50× (9.00-10.50) |"
    ) in text
    # bytes per step: 300 B × 1,000 nodes against 500 B × 1,000
    assert "| memory per step (the graph) | 0.3 MB | 0.5 MB | 1.7× |" in text
    verdicts = {what.split(" ")[1]: ok for what, ok, _ in targets}
    assert verdicts == {"step": False, "memory": False}  # 10× < 20×, and 0.6 > 0.5
    value["speedup"]["step"] = {"median": 25.0, "spread": (24.0, 26.0)}  # round by round
    verdicts = {what.split(" ")[1]: ok for what, ok, _ in report.value_section(value)[1]}
    assert verdicts == {"step": True, "memory": False}


def test_tensor_report_splits_the_ratio_at_the_step_with_new_arrays():
    def paired(median, low, high):
        return {"median": median, "spread": (low, high)}

    run = {
        "size": "tiny",
        "layers": [2, 16, 16, 1],
        "batch": 100,
        "dtype": "float32",
        "seconds": {"tinygrad_edu": 100e-6, "numpy": 50e-6, "numpy_fresh": 60e-6},
        "spread": {},
        "ratios": {"numpy": paired(2.0, 1.9, 2.1), "numpy_fresh": paired(1.6, 1.5, 1.7)},
        "fresh_vs_numpy": paired(1.2, 1.1, 1.3),
        "peak_bytes": {"tinygrad_edu": 8000, "numpy": 1000},
        "output_dtype": "float32",
        "grad_dtypes": ["float32"],
    }
    text, targets = report.tensor_section({"threads": "1", "runs": [run]}, "one thread")
    assert "| numpy, new arrays | ÷ new arrays | new arrays ÷ numpy |" in text
    # ours ÷ the floor, then the step with new arrays, ours ÷ it, and it ÷ the floor
    assert "| 50 µs | 2.00× (1.90-2.10) | 60 µs | 1.60× (1.50-1.70) | 1.20× (1.10-1.30) |" in text
    assert [ok for _, ok, _ in targets] == [False]  # the target is against the floor: 2 > 1.3


def test_deep_report_gives_each_ratio_its_widest_range():
    def engine(small, large, small_range, large_range):
        times = {"build": 0.0, "backward": 0.0, "gc": 0.0, "full_collections_per_chain": 0.0}
        return {
            "sizes": [10_000, 1_000_000],
            "gc_on": {
                "10000": {**times, "build_backward": small},
                "1000000": {**times, "build_backward": large},
            },
            "gc_on_spread": {"10000": small_range, "1000000": large_range},
            "gc_off": {"10000": {"build_backward": 1.0}, "1000000": {"build_backward": 1.1}},
            "tracked_per_node": 1.5,
        }

    deep = {
        "tensor": engine(2.0, 3.0, (1.8, 2.5), (2.7, 3.6)),
        "torch": engine(4.0, 4.0, (3.0, 5.0), (4.0, 4.0)),
    }
    _, targets = report.deep_section(deep)
    shown = {what: (ok, value) for what, ok, value in targets}
    # growth 3.0 / 2.0; at least 2.7 / 2.5, at most 3.6 / 1.8; GC off 1.1 / 1.0
    growth = "Tensor (0-d) chain: build + backward per node at 1,000,000 ≤ 1.2× that at 10,000"
    assert shown[growth] == (False, "1.50× (range 1.08-2.00; GC off: 1.10×)")
    # ours ÷ PyTorch at 10⁴: 2.0 / 4.0; at least 1.8 / 5.0, at most 2.5 / 3.0
    assert shown["Tensor 0-d chain per node ≤ PyTorch's, 10,000 nodes"] == (
        True,
        "0.50× (range 0.36-0.83)",
    )


def test_startup_pairs_each_command_with_numpy_in_the_same_round(monkeypatch):
    """Round r is slow for everyone (load from elsewhere): the paired difference ignores it."""
    calls: list[str] = []
    base = {"import numpy": 0.1, "import tinygrad_edu": 0.14, "tinygrad-edu --help": 0.35}

    def fake(command, env):
        name = next(n for n, c in startup.commands().items() if c == command)
        calls.append(name)
        round_ = calls.count(name) - 2  # -1: the untimed round
        slow = 0.0 if round_ < 0 else [0.0, 0.3, 0.05][round_]
        return base[name] + slow, (base[name] + slow / 10) / 2  # wall, CPU

    monkeypatch.setattr(startup, "run_once", fake)
    result = startup.measure(3)
    assert calls[3:6] == list(base) and calls[6:9] != calls[3:6]  # the order rotates
    for name, clocks in result["commands"].items():
        assert clocks["wall"]["over_numpy"] == pytest.approx(base[name] - 0.1)
        assert clocks["wall"]["median"] == pytest.approx(base[name] + 0.05)
        assert clocks["cpu"]["over_numpy"] == pytest.approx((base[name] - 0.1) / 2)
    text, targets = report.startup_section(result)
    assert {what.split("`")[1]: ok for what, ok, _ in targets} == {
        "import tinygrad_edu": True,  # 20 ms of CPU time over numpy's: within 50
        "tinygrad-edu --help": False,  # 125 ms: not within 100
    }
    # CPU: median (0.14 + 0.005) / 2; of fewer than 4 rounds the lowest and highest instead
    # of quartiles: (0.14 + 0) / 2 and (0.14 + 0.03) / 2. Wall: 0.14 + 0.05, 0.14 … 0.44.
    row = "| `import tinygrad_edu` | 72.50 ms (70.00-85.00 ms) | +20 ms (+20 to +20) "
    assert row + "| 190 ms (140-440 ms) | +40 ms (+40 to +40) |" in text


# --- the whole suite, quickly ------------------------------------------------------------------


def test_quick_run_of_the_whole_suite_writes_tables_and_chart(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--quick", "--out", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    text = (tmp_path / "performance-results.md").read_text()
    for heading in (
        "Value engine vs micrograd",
        "Deep graphs",
        "Tensor engine, one thread",
        "Start-up",
    ):
        assert heading in text
    assert "### Targets" in text and "Tensor engine, default threads" in text
    assert "numpy, new arrays" in text
    results = json.loads((tmp_path / "benchmark.json").read_text())
    assert results["value"]["step"]["ours"] > 0
    for run in results["tensor_1"]["runs"]:  # float32 stays float32, gradients included
        assert run["output_dtype"] == run["dtype"] and run["grad_dtypes"] == [run["dtype"]]
    # micrograd's verdict is recorded (or "not installed"); every engine counts its objects
    assert results["deep"]["value"]["micrograd"]
    assert all(r["tracked_per_node"] > 0 for r in results["deep"].values())
    if "matplotlib" in sys.modules or _has("matplotlib"):
        assert (tmp_path / "benchmark.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def _has(module: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(module) is not None
