"""Turning the suite's results into Markdown tables, a verdict per target, and a chart."""

from __future__ import annotations

from typing import Any

# The targets of issue 7, as (description, test on the results).
VALUE_SPEEDUP = 8.0  # tinygrad_edu Value step at least this many times faster than micrograd
VALUE_MEMORY = 0.5  # bytes per node at most this fraction of micrograd's
TENSOR_VS_NUMPY = 1.3  # Tensor step at most this many times the numpy δ-rule step
TENSOR_VS_TORCH = 1.0  # Tensor step at most this many times PyTorch's (1 thread), tiny and medium
DEEP_GROWTH = 2.0  # per-node time at 10⁶ nodes at most this many times that at 10⁴


def _ms(seconds: float) -> str:
    if seconds >= 0.1:
        return f"{seconds * 1e3:.0f} ms"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds * 1e6:.0f} µs"


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
    for label, key, phase in (
        ("training step (GC on, as users run it)", "step", ""),
        ("— of which: build the graph (forward + loss)", "build", ""),
        ("— of which: zero_grad + backward", "backward", ""),
        ("training step, GC off", "step", " (GC off)"),
        ("training step, GC on, previous loss still held ¹", "step", " (holding)"),
    ):
        ours = v[key]["ours" + phase]
        row = [label, _ms(ours)]
        if has_mg:
            theirs = v[key]["micrograd" + phase]
            row += [_ms(theirs), f"{theirs / ours:.1f}×"]
        rows.append(row)
    gc_row = ["time in the cyclic GC per step"]
    for name in ["ours", "micrograd"] if has_mg else ["ours"]:
        gc = v["gc"][name]
        full = gc["collections"][2]
        gc_row.append(f"{_ms(gc['seconds'])} ({full:.1f} full collections)")
    rows.append(gc_row + ([""] if has_mg else []))
    mem = v["memory_per_node"]
    mem_row = ["memory per node (tracemalloc)", f"{mem['ours']:.0f} B"]
    nodes_row = ["nodes made per step", f"{v['nodes']['ours']:,}"]
    if has_mg:
        mem_row += [f"{mem['micrograd']:.0f} B", f"{mem['micrograd'] / mem['ours']:.1f}×"]
        nodes_row += [f"{v['nodes']['micrograd']:,}", ""]
    rows += [mem_row, nodes_row]
    text.append(_table(header, rows))
    text.append(
        "\n¹ As in a loop at module level, `for k in range(n): loss = ...`: the previous "
        "step's graph is still referenced while the next one is built, so the collector "
        "walks both. A step written as a function (the first row) frees it on return.\n"
    )
    if has_mg:
        speedup = v["step"]["micrograd"] / v["step"]["ours"]
        memory = mem["ours"] / mem["micrograd"]
        targets.append(
            (
                f"Value step ≥ {VALUE_SPEEDUP:g}× faster than micrograd",
                speedup >= VALUE_SPEEDUP,
                f"{speedup:.1f}×",
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


def tensor_section(t: dict[str, Any], title: str) -> tuple[str, list[tuple[str, bool, str]]]:
    """One table of Tensor vs numpy vs PyTorch (one thread setting) and its targets."""
    targets: list[tuple[str, bool, str]] = []
    has_torch = any("torch" in run["seconds"] for run in t["runs"])
    header = ["size", "dtype", "tinygrad_edu", "numpy δ rules", "÷ numpy"]
    if has_torch:
        header += [f"PyTorch ({t['torch_threads']} thr.)", "÷ PyTorch"]
    header += ["peak memory ÷ numpy"]
    rows = []
    for run in t["runs"]:
        s = run["seconds"]
        ours, floor = s["tinygrad_edu"], s["numpy"]
        layers = "-".join(map(str, run["layers"]))
        row = [f"{run['size']} {layers}, batch {run['batch']}", run["dtype"], _ms(ours)]
        row += [_ms(floor), f"{ours / floor:.2f}×"]
        if has_torch:
            row += [_ms(s["torch"]), f"{ours / s['torch']:.2f}×"]
        peak = run["peak_bytes"]
        row.append(f"{peak['tinygrad_edu'] / max(peak['numpy'], 1):.1f}×")
        rows.append(row)
        where = f"{run['size']} {run['dtype']} ({title})"
        targets.append(
            (
                f"Tensor step ≤ {TENSOR_VS_NUMPY:g}× numpy δ rules, {where}",
                ours / floor <= TENSOR_VS_NUMPY,
                f"{ours / floor:.2f}×",
            )
        )
        if has_torch and t["threads"] == "1" and run["size"] in ("tiny", "medium"):
            targets.append(
                (
                    f"Tensor step ≤ {TENSOR_VS_TORCH:g}× PyTorch 1 thread, {where}",
                    ours / s["torch"] <= TENSOR_VS_TORCH,
                    f"{ours / s['torch']:.2f}×",
                )
            )
        seen = {run["output_dtype"], *run.get("grad_dtypes", [])}
        if seen != {run["dtype"]}:  # float32 must stay float32 in outputs and gradients
            targets.append((f"{run['dtype']} stays {run['dtype']}", False, ", ".join(seen)))
    text = f"### Tensor engine, {title}\n\n" + _table(header, rows) + "\n"
    return text, targets


def deep_section(d: dict[str, Any]) -> tuple[str, list[tuple[str, bool, str]]]:
    """Per-node times of the deep chains, collector on and off, and the growth target."""
    header = ["nodes", "build", "backward", "build + backward", "of which GC", "full GCs / chain"]
    header += ["build + backward, GC off"]
    rows = []
    on, off = d["gc_on"], d["gc_off"]
    for n in map(str, d["sizes"]):
        rows.append(
            [
                f"{int(n):,}",
                f"{on[n]['build'] * 1e6:.2f} µs",
                f"{on[n]['backward'] * 1e6:.2f} µs",
                f"{on[n]['build_backward'] * 1e6:.2f} µs",
                f"{on[n]['gc'] * 1e6:.2f} µs",
                f"{on[n]['full_collections_per_chain']:.1f}",
                f"{off[n]['build_backward'] * 1e6:.2f} µs",
            ]
        )
    first, last = str(d["sizes"][0]), str(d["sizes"][-1])
    growth = on[last]["build_backward"] / on[first]["build_backward"]
    growth_off = off[last]["build_backward"] / off[first]["build_backward"]
    text = "### Deep graphs: time per node of a chain x ← relu(x·w + c)\n\n"
    text += _table(header, rows) + "\n"
    mg = ", ".join(f"{int(n):,} nodes: {r}" for n, r in d["micrograd"].items())
    text += f"\nmicrograd on the same chains: {mg}.\n"
    targets = [
        (
            f"build + backward per node at {int(last):,} ≤ {DEEP_GROWTH:g}× that at {int(first):,}",
            growth <= DEEP_GROWTH,
            f"{growth:.2f}× (GC off: {growth_off:.2f}×)",
        )
    ]
    return text, targets


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
    for key, make in (("value", value_section), ("deep", deep_section)):
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
    vs_numpy = [r["seconds"]["tinygrad_edu"] / r["seconds"]["numpy"] for r in runs]
    ax.bar([i - 0.2 for i in x], vs_numpy, width=0.4, label="÷ numpy δ rules")
    if all("torch" in r["seconds"] for r in runs):
        vs_torch = [r["seconds"]["tinygrad_edu"] / r["seconds"]["torch"] for r in runs]
        ax.bar([i + 0.2 for i in x], vs_torch, width=0.4, label="÷ PyTorch")
    ax.axhline(TENSOR_VS_NUMPY, color="grey", linestyle="--", linewidth=1, label="target ÷ numpy")
    ax.axhline(TENSOR_VS_TORCH, color="black", linestyle=":", linewidth=1, label="target ÷ PyTorch")
    ax.set_xticks(list(x), labels)
    ax.set_ylabel("tinygrad_edu time ÷ other (lower is better)")
    threads = "1 thread" if t["threads"] == "1" else "default threads"
    ax.set_title(f"Tensor engine: one training step ({threads})")
    ax.legend()


def _deep_panel(ax: Any, d: dict[str, Any]) -> None:
    sizes = d["sizes"]
    for setting, label in (("gc_on", "GC on"), ("gc_off", "GC off")):
        per_node = [d[setting][str(n)]["build_backward"] * 1e6 for n in sizes]
        ax.plot(sizes, per_node, marker="o", label=label)
    ax.set_xscale("log")
    ax.set_ylim(bottom=0)
    ax.set_xlabel("nodes in the graph")
    ax.set_ylabel("µs per node (build + backward)")
    ax.set_title("Deep chains: time per node")
    ax.legend()
