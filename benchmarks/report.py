"""Turning the suite's results into Markdown tables, a verdict per target, and a chart."""

from __future__ import annotations

from typing import Any

# The targets of issues 7 and 15, as (description, test on the results).
VALUE_SPEEDUP = 20.0  # tinygrad_edu Value step at least this many times faster than micrograd
VALUE_MEMORY = 0.5  # bytes per node at most this fraction of micrograd's
# Tensor step at most this many times the numpy δ-rule step, per size
TENSOR_VS_NUMPY = {"tiny": 1.3, "medium": 1.1, "large": 1.1}
TENSOR_VS_TORCH = 1.0  # Tensor step at most this many times PyTorch's (1 thread), tiny and medium
DEEP_GROWTH = 1.2  # per-node time at 10⁶ nodes at most this many times that at 10⁴
# A fresh process: at most this many seconds more than one that imports numpy alone (issue 22)
STARTUP_OVER_NUMPY = {"import tinygrad_edu": 0.050, "tinygrad-edu --help": 0.100}
ENGINE_NAMES = {"value": "Value", "tensor": "Tensor (0-d)", "torch": "PyTorch (0-d)"}


def _ms(seconds: float) -> str:
    if seconds >= 0.1:
        return f"{seconds * 1e3:.0f} ms"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds * 1e6:.0f} µs"


def _spread_ms(seconds: float, spread: Any) -> str:
    """A time with its spread: "51.08 ms (49.90-52.31)" (quartiles, or lowest-highest)."""
    if spread is None:
        return _ms(seconds)
    low, high = _ms(spread[0]).split(), _ms(spread[1])
    same_unit = high.endswith(" " + low[1])
    return f"{_ms(seconds)} ({low[0] if same_unit else ' '.join(low)}-{high})"


def _ratio(ratio: dict[str, Any]) -> str:
    """A ratio of paired runs with its spread: "31.4× (30.2-33.0)"."""
    low, high = ratio["spread"]
    digits = 1 if ratio["median"] >= 10 else 2
    return f"{ratio['median']:.{digits}f}× ({low:.{digits}f}-{high:.{digits}f})"


def _table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def _mark(ok: bool) -> str:
    return "✅" if ok else "❌"


def value_section(v: dict[str, Any]) -> tuple[str, list[tuple[str, bool, str]]]:
    """The Value-vs-micrograd table and its targets."""
    targets: list[tuple[str, bool, str]] = []
    sizes = "-".join(map(str, v["sizes"]))
    text = [f"### Value engine vs micrograd ({sizes} MLP, {v['points']} points, one SGD step)\n"]
    if "micrograd" not in v["step"]:
        text.append("micrograd is not installed: only tinygrad_edu was timed.\n")
    has_mg = "micrograd" in v["step"]
    header = (
        ["", "tinygrad_edu", "micrograd", "micrograd ÷ tinygrad_edu"]
        if has_mg
        else ["", "tinygrad_edu"]
    )
    rows = []
    spread = v.get("spread", {})
    for label, key, phase in (
        ("training step (GC on, as users run it)", "step", ""),
        ("— of which: build the graph (forward + loss)", "build", ""),
        ("— of which: zero_grad + backward", "backward", ""),
        ("training step, GC off", "step", " (GC off)"),
        ("training step, GC on, previous loss still held ¹", "step", " (holding)"),
    ):
        row_spread = spread.get(key + phase, {})
        row = [label, _spread_ms(v[key]["ours" + phase], row_spread.get("ours"))]
        if has_mg:
            theirs = v[key]["micrograd" + phase]
            row.append(_spread_ms(theirs, row_spread.get("micrograd")))
            paired = v.get("speedup", {}).get(key + phase)
            row.append(_ratio(paired) if paired else f"{theirs / v[key]['ours' + phase]:.1f}×")
        rows.append(row)
    gc_row = ["time in the cyclic GC per step"]
    for name in ["ours", "micrograd"] if has_mg else ["ours"]:
        gc = v["gc"][name]
        full = gc["collections"][2]
        gc_row.append(f"{_ms(gc['seconds'])} ({full:.1f} full collections)")
    rows.append(gc_row + ([""] if has_mg else []))
    mem = v["memory_per_node"]
    step_bytes = {name: mem[name] * v["nodes"][name] for name in mem}
    mem_row = ["memory per node (tracemalloc)", f"{mem['ours']:.0f} B"]
    step_row = ["memory per step (the graph)", f"{step_bytes['ours'] / 1e6:.1f} MB"]
    nodes_row = ["nodes made per step", f"{v['nodes']['ours']:,}"]
    if has_mg:
        mem_row += [f"{mem['micrograd']:.0f} B", f"{mem['micrograd'] / mem['ours']:.1f}×"]
        ratio = step_bytes["micrograd"] / step_bytes["ours"]
        step_row += [f"{step_bytes['micrograd'] / 1e6:.1f} MB", f"{ratio:.1f}×"]
        nodes_row += [f"{v['nodes']['micrograd']:,}", ""]
    rows += [mem_row, step_row, nodes_row]
    text.append(_table(header, rows))
    text.append(
        "\n¹ As in a loop at module level, `for k in range(n): loss = ...`: the previous "
        "step's graph is still referenced while the next one is built, so the collector "
        "walks both. A step written as a function (the first row) frees it on return.\n"
        "\nTimes: medians of the repeats, with their quartiles in brackets. Ratios: "
        "micrograd ÷ tinygrad_edu in each round (the two timed one after the other), the "
        "median and quartiles of those.\n"
    )
    if has_mg:
        paired = v.get("speedup", {}).get("step")
        speedup = paired["median"] if paired else v["step"]["micrograd"] / v["step"]["ours"]
        memory = mem["ours"] / mem["micrograd"]
        targets.append(
            (
                f"Value step ≥ {VALUE_SPEEDUP:g}× faster than micrograd",
                speedup >= VALUE_SPEEDUP,
                _ratio(paired) if paired else f"{speedup:.1f}×",
            )
        )
        targets.append(
            (
                f"Value memory per node ≤ {VALUE_MEMORY:g}× micrograd's",
                memory <= VALUE_MEMORY,
                f"{memory:.2f}×",
            )
        )
    return "\n".join(text) + "\n", targets


def _vs(run: dict[str, Any], name: str) -> float:
    """tinygrad_edu ÷ engine ``name`` in one tensor run: the median of the per-round ratios
    when they were recorded, else the ratio of the medians."""
    if name in run.get("ratios", {}):
        return float(run["ratios"][name]["median"])
    return float(run["seconds"]["tinygrad_edu"] / run["seconds"][name])


def tensor_section(t: dict[str, Any], title: str) -> tuple[str, list[tuple[str, bool, str]]]:
    """One table of Tensor vs numpy vs PyTorch (one thread setting) and its targets."""
    targets: list[tuple[str, bool, str]] = []
    has_torch = any("torch" in run["seconds"] for run in t["runs"])
    has_fresh = all("numpy_fresh" in run["seconds"] for run in t["runs"])
    header = ["size", "dtype", "tinygrad_edu", "numpy δ rules", "÷ numpy"]
    if has_fresh:
        header += ["numpy, new arrays", "÷ new arrays", "new arrays ÷ numpy"]
    if has_torch:
        header += [f"PyTorch ({t['torch_threads']} thr.)", "÷ PyTorch"]
    header += ["peak memory ÷ numpy"]
    rows = []
    for run in t["runs"]:
        s, spread = run["seconds"], run.get("spread", {})
        ratios = run.get("ratios", {})
        vs = {name: _vs(run, name) for name in s if name != "tinygrad_edu"}
        shown = {
            name: _ratio(ratios[name]) if name in ratios else f"{vs[name]:.2f}×" for name in vs
        }
        layers = "-".join(map(str, run["layers"]))
        row = [f"{run['size']} {layers}, batch {run['batch']}", run["dtype"]]
        row += [_spread_ms(s["tinygrad_edu"], spread.get("tinygrad_edu"))]
        row += [_spread_ms(s["numpy"], spread.get("numpy")), shown["numpy"]]
        if has_fresh:
            row += [_spread_ms(s["numpy_fresh"], spread.get("numpy_fresh")), shown["numpy_fresh"]]
            row.append(_ratio(run["fresh_vs_numpy"]) if "fresh_vs_numpy" in run else "")
        if has_torch:
            row += [_spread_ms(s["torch"], spread.get("torch")), shown["torch"]]
        peak = run["peak_bytes"]
        row.append(f"{peak['tinygrad_edu'] / max(peak['numpy'], 1):.1f}×")
        rows.append(row)
        where = f"{run['size']} {run['dtype']} ({title})"
        limit = TENSOR_VS_NUMPY[run["size"]]
        targets.append(
            (
                f"Tensor step ≤ {limit:g}× numpy δ rules, {where}",
                vs["numpy"] <= limit,
                shown["numpy"],
            )
        )
        if has_torch and t["threads"] == "1" and run["size"] in ("tiny", "medium"):
            targets.append(
                (
                    f"Tensor step ≤ {TENSOR_VS_TORCH:g}× PyTorch 1 thread, {where}",
                    vs["torch"] <= TENSOR_VS_TORCH,
                    shown["torch"],
                )
            )
        seen = {run["output_dtype"], *run.get("grad_dtypes", [])}
        if seen != {run["dtype"]}:  # float32 must stay float32 in outputs and gradients
            targets.append((f"{run['dtype']} stays {run['dtype']}", False, ", ".join(seen)))
    text = (
        f"### Tensor engine, {title}\n\n"
        + _table(header, rows)
        + "\n\nTimes: medians of the repeats (quartiles, or lowest-highest of 3). Ratios: "
        "tinygrad_edu ÷ the other in each round (the two timed one after the other), the "
        "median and spread of those.\n"
    )
    return text, targets


def _widest(top: Any, bottom: Any) -> str:
    """The range a ratio of two medians can take given each one's (lowest, highest) over
    its runs, which were not paired: "(range 0.92-2.18)"."""
    return f"(range {top[0] / bottom[1]:.2f}-{top[1] / bottom[0]:.2f})"


def deep_section(d: dict[str, Any]) -> tuple[str, list[tuple[str, bool, str]]]:
    """Per-node times of the deep chains per engine, collector on and off, and the targets."""
    header = ["engine", "nodes", "build", "backward", "build + backward (range)", "of which GC"]
    header += ["full GCs / chain", "build + backward, GC off", "tracked objects / node"]
    rows = []
    targets = []
    for engine, r in d.items():
        on, off, spread = r["gc_on"], r["gc_off"], r["gc_on_spread"]
        for n in map(str, r["sizes"]):
            low, high = spread[n]
            rows.append(
                [
                    ENGINE_NAMES.get(engine, engine),
                    f"{int(n):,}",
                    f"{on[n]['build'] * 1e6:.2f} µs",
                    f"{on[n]['backward'] * 1e6:.2f} µs",
                    f"{on[n]['build_backward'] * 1e6:.2f} µs ({low * 1e6:.2f}-{high * 1e6:.2f})",
                    f"{on[n]['gc'] * 1e6:.2f} µs",
                    f"{on[n]['full_collections_per_chain']:.1f}",
                    f"{off[n]['build_backward'] * 1e6:.2f} µs",
                    f"{r['tracked_per_node']:.2f}",
                ]
            )
        first, last = str(r["sizes"][0]), str(r["sizes"][-1])
        growth = on[last]["build_backward"] / on[first]["build_backward"]
        growth_off = off[last]["build_backward"] / off[first]["build_backward"]
        if engine != "torch":
            targets.append(
                (
                    f"{ENGINE_NAMES[engine]} chain: build + backward per node at {int(last):,} "
                    f"≤ {DEEP_GROWTH:g}× that at {int(first):,}",
                    growth <= DEEP_GROWTH,
                    f"{growth:.2f}× {_widest(spread[last], spread[first])[:-1]}; "
                    f"GC off: {growth_off:.2f}×)",
                )
            )
    if "tensor" in d and "torch" in d:
        for n in map(str, d["tensor"]["sizes"]):
            ours = d["tensor"]["gc_on"][n]["build_backward"]
            theirs = d["torch"]["gc_on"][n]["build_backward"]
            ranges = d["tensor"]["gc_on_spread"][n], d["torch"]["gc_on_spread"][n]
            targets.append(
                (
                    f"Tensor 0-d chain per node ≤ PyTorch's, {int(n):,} nodes",
                    ours <= theirs,
                    f"{ours / theirs:.2f}× {_widest(*ranges)}",
                )
            )
    text = (
        "### Deep graphs: time per node of a chain y ← y · 1.0001 + 0\n\n"
        + _table(header, rows)
        + "\n\nMedians of 3 runs (range: lowest-highest), collector on unless noted. "
        "Tracked objects / node: what the collector has to walk per node of a live graph. "
        "The ratios in the targets (growth, and ours ÷ PyTorch, whose process is another) "
        "come with the widest range they can take between the runs' lowest and highest.\n"
    )
    mg = d.get("value", {}).get("micrograd", {})
    if mg:
        verdicts = ", ".join(f"{int(n):,} nodes: {v}" for n, v in mg.items())
        text += f"\nmicrograd on the same chains: {verdicts}.\n"
    return text, targets


def startup_section(s: dict[str, Any]) -> tuple[str, list[tuple[str, bool, str]]]:
    """Whole-process start-up times and what each costs over ``import numpy`` alone (the
    targets read on the CPU time, which waiting for a core does not inflate)."""
    rows, targets = [], []
    for name, clocks in s["commands"].items():
        row = [f"`{name}`"]
        for clock in ("cpu", "wall"):
            timed = clocks[clock]
            low, high = timed["over_numpy_spread"]
            over = f"{timed['over_numpy'] * 1e3:+.0f} ms ({low * 1e3:+.0f} to {high * 1e3:+.0f})"
            row += [_spread_ms(timed["median"], timed["spread"]), over]
        rows.append(row)
        if name in STARTUP_OVER_NUMPY:
            limit, cpu = STARTUP_OVER_NUMPY[name], clocks["cpu"]
            ok = cpu["over_numpy"] <= limit
            targets.append((f"`{name}` within {limit * 1e3:.0f} ms of numpy alone", ok, row[2]))
    header = ["a new process runs", "CPU time", "CPU, more than numpy alone (paired)"]
    header += ["wall-clock", "wall-clock, more than numpy alone"]
    text = f"### Start-up ({s['rounds']} rounds, bytecode cached)\n\n" + _table(header, rows)
    return text + "\n", targets


def markdown(results: dict[str, Any]) -> str:
    """The whole results section: machine, tables, and the targets with ✅/❌."""
    parts = ["## Results\n"]
    m = results["machine"]
    parts.append(
        f"Measured {m['date']} on {m['cpu']} ({m['cores']} cores), Linux, Python {m['python']}, "
        f"numpy {m['numpy']} ({m['blas']}), PyTorch {m['torch']}, micrograd {m['micrograd']}; "
        f"load average {m['load_before']:.2f} before and {m['load_after']:.2f} after. "
        f"Command: `{m['command']}`.\n"
    )
    targets: list[tuple[str, bool, str]] = []
    for key, make in (
        ("value", value_section),
        ("deep", deep_section),
        ("startup", startup_section),
    ):
        if key in results:
            text, found = make(results[key])
            parts.append(text)
            targets += found
    for key, title in (("tensor_1", "one thread"), ("tensor_default", "default threads")):
        if key in results:
            t = results[key]
            text, found = tensor_section(t, title)
            note = (
                "numpy's BLAS and PyTorch limited to one thread each."
                if t["threads"] == "1"
                else f"numpy's BLAS and PyTorch ({t['torch_threads']} threads) as they come."
            )
            parts.append(text + "\n" + note + "\n")
            targets += found
    skipped = [s for r in results.values() if isinstance(r, dict) for s in r.get("skipped", [])]
    if skipped:
        parts.append("Skipped: " + "; ".join(sorted(set(skipped))) + ".\n")
    if targets:
        rows = [[_mark(ok), what, got] for what, ok, got in targets]
        parts.append("### Targets\n\n" + _table(["", "target", "measured"], rows) + "\n")
    return "\n".join(parts)


def chart(results: dict[str, Any], path: str) -> bool:
    """Draw the three panels into ``path`` (PNG); False when matplotlib is missing."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.6))
    if "value" in results:
        _value_panel(axes[0], results["value"])
    key = "tensor_1" if "tensor_1" in results else "tensor_default"
    if key in results:
        _tensor_panel(axes[1], results[key])
    if "deep" in results:
        _deep_panel(axes[2], results["deep"])
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True


def _value_panel(ax: Any, v: dict[str, Any]) -> None:
    names = [n for n in ("ours", "micrograd") if n in v["step"]]
    labels = {"ours": "tinygrad_edu", "micrograd": "micrograd"}
    x = range(len(names))
    gc_on = [v["step"][n] * 1e3 for n in names]
    gc_off = [v["step"][n + " (GC off)"] * 1e3 for n in names]
    ax.bar([i - 0.2 for i in x], gc_on, width=0.4, label="GC on (as users run it)")
    ax.bar([i + 0.2 for i in x], gc_off, width=0.4, label="GC off")
    ax.set_xticks(list(x), [labels[n] for n in names])
    ax.set_ylabel("ms per training step")
    sizes = "-".join(map(str, v["sizes"]))
    ax.set_title(f"Value engine: {sizes} MLP, {v['points']} points")
    ax.legend()


def _tensor_panel(ax: Any, t: dict[str, Any]) -> None:
    runs = t["runs"]
    labels = [f"{r['size']}\n{r['dtype']}" for r in runs]
    x = range(len(runs))
    vs_numpy = [_vs(r, "numpy") for r in runs]
    ax.bar([i - 0.27 for i in x], vs_numpy, width=0.27, label="tinygrad_edu ÷ numpy δ rules")
    if all("fresh_vs_numpy" in r for r in runs):  # what new arrays alone cost by hand
        fresh = [r["fresh_vs_numpy"]["median"] for r in runs]
        ax.bar(list(x), fresh, width=0.27, label="numpy, new arrays ÷ numpy δ rules")
    if all("torch" in r["seconds"] for r in runs):
        vs_torch = [_vs(r, "torch") for r in runs]
        ax.bar([i + 0.27 for i in x], vs_torch, width=0.27, label="tinygrad_edu ÷ PyTorch")
    limits = [TENSOR_VS_NUMPY[r["size"]] for r in runs]
    ax.step(
        [i - 0.5 for i in x] + [len(runs) - 0.5],
        [*limits, limits[-1]],
        where="post",
        color="grey",
        linestyle="--",
        linewidth=1,
        label="target ÷ numpy",
    )
    ax.axhline(TENSOR_VS_TORCH, color="black", linestyle=":", linewidth=1, label="target ÷ PyTorch")
    ax.set_xticks(list(x), labels)
    ax.set_ylabel("time ÷ time (lower is better)")
    ax.set_ylim(0, max(vs_numpy) * 1.6)  # room for the legend above the bars
    threads = "1 thread" if t["threads"] == "1" else "default threads"
    ax.set_title(f"Tensor engine: one training step ({threads})")
    ax.legend(fontsize="small", loc="upper right")


def _deep_panel(ax: Any, d: dict[str, Any]) -> None:
    for engine, r in d.items():
        sizes = r["sizes"]
        for setting, style in (("gc_on", "-"), ("gc_off", ":")):
            per_node = [r[setting][str(n)]["build_backward"] * 1e6 for n in sizes]
            label = f"{ENGINE_NAMES.get(engine, engine)}, GC {setting[3:]}"
            ax.plot(sizes, per_node, style, marker="o", label=label)
    ax.set_xscale("log")
    ax.set_ylim(bottom=0)
    ax.set_xlabel("nodes in the graph")
    ax.set_ylabel("µs per node (build + backward)")
    ax.set_title("Deep chains y ← y · 1.0001 + 0: time per node")
    ax.legend(fontsize="small")
