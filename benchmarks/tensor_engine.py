"""The array engines: tinygrad_edu's ``Tensor`` against numpy by hand and PyTorch.

One training step of an MLP (sigmoid hidden layers, linear output, E = ½ Σ (O − t)², SGD)
at three sizes, in float32 and float64:

    tiny     2-16-16-1         batch 100
    medium   784-256-128-10    batch 128
    large    784-1024-1024-10  batch 512

- ``tinygrad_edu``: ``nn.MLP``, ``mse_loss(..., reduction="half_sum")``, ``optim.SGD``.
- ``numpy``: the same step by hand with the δ rules (``benchmarks.numpy_step``): the floor.
- ``numpy_fresh``: the same by hand with every result a new array and true gradients
  (``HandMLP.step_fresh``): the least a define-by-run engine must do, so ours ÷ it is the
  engine's own bookkeeping and it ÷ the floor the price of new arrays.
- ``torch``: ``torch.nn`` layers, ``0.5 * F.mse_loss(..., reduction="sum")``, ``torch.optim.SGD``.

All three start from the same weights (their first losses agree) and see the same batch.

Threads: ``--threads 1`` limits numpy's BLAS (set by ``benchmarks.run`` through the
environment, before numpy loads) and PyTorch to one thread each, so the comparison is one
core against one core; ``--threads default`` leaves both as they come.

    python -m benchmarks.tensor_engine [--quick] [--threads 1|default]   # JSON on stdout
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tracemalloc
from collections.abc import Callable
from typing import Any

import numpy as np

from tinygrad_edu import Tensor, mse_loss, nn, optim

from .numpy_step import HandMLP
from .timing import calls_for, interleaved, paired_ratios

SIZES = {
    "tiny": ([2, 16, 16, 1], 100),
    "medium": ([784, 256, 128, 10], 128),
    "large": ([784, 1024, 1024, 10], 512),
}
DTYPES = {"float32": np.float32, "float64": np.float64}
LR = 1e-3
BLAS_THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def activations(sizes: list[int]) -> list[str]:
    return ["sigmoid"] * (len(sizes) - 2) + ["linear"]


def make_batch(sizes: list[int], batch: int, dtype: Any) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    x = rng.standard_normal((batch, sizes[0])).astype(dtype)
    t = rng.standard_normal((batch, sizes[-1])).astype(dtype)
    return x, t


def ours(model: nn.MLP, x: np.ndarray, t: np.ndarray) -> Callable[[], float]:
    """One step of tinygrad_edu, as a user writes it."""
    optimizer = optim.SGD(model.parameters(), lr=LR)
    x_tensor, t_tensor = Tensor(x), Tensor(t)

    def step() -> float:
        loss = mse_loss(model(x_tensor), t_tensor, reduction="half_sum")
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        return loss.item()

    return step


def _hand(model: nn.MLP, x: np.ndarray) -> HandMLP:
    """A copy of the model's weights as a HandMLP in x's dtype (the models have biases)."""
    weights = [(W, b) for W, b in model.get_weights() if b is not None]
    return HandMLP(weights, model.activations, dtype=x.dtype.type)


def by_hand(model: nn.MLP, x: np.ndarray, t: np.ndarray) -> Callable[[], float]:
    """The same step in plain numpy with the δ rules."""
    hand = _hand(model, x)
    return lambda: hand.step(x, t, LR)


def by_hand_fresh(model: nn.MLP, x: np.ndarray, t: np.ndarray) -> Callable[[], float]:
    """The same step in plain numpy, every result a new array (``HandMLP.step_fresh``)."""
    hand = _hand(model, x)
    return lambda: hand.step_fresh(x, t, LR)


def pytorch(model: nn.MLP, x: np.ndarray, t: np.ndarray) -> Callable[[], float]:
    """The same step in PyTorch, as its tutorials write it."""
    import torch

    layers: list[torch.nn.Module] = []
    for (W, b), name in zip(model.get_weights(), model.activations):
        linear = torch.nn.Linear(W.shape[1], W.shape[0], dtype=torch.from_numpy(x).dtype)
        with torch.no_grad():
            linear.weight.copy_(torch.from_numpy(W))
            linear.bias.copy_(torch.from_numpy(b))
        layers.append(linear)
        if name == "sigmoid":
            layers.append(torch.nn.Sigmoid())
    net = torch.nn.Sequential(*layers)
    optimizer = torch.optim.SGD(net.parameters(), lr=LR)
    x_torch, t_torch = torch.from_numpy(x), torch.from_numpy(t)

    def step() -> float:
        loss = 0.5 * torch.nn.functional.mse_loss(net(x_torch), t_torch, reduction="sum")
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        return loss.item()

    return step


def peak_bytes(step: Callable[[], float]) -> int:
    """The most memory one step holds at once beyond what existed before it (tracemalloc).

    numpy reports its array buffers to tracemalloc; PyTorch's allocator does not, so there
    is no such number for PyTorch.
    """
    tracemalloc.start()
    tracemalloc.reset_peak()
    before = tracemalloc.get_traced_memory()[0]
    step()
    peak = tracemalloc.get_traced_memory()[1] - before
    tracemalloc.stop()
    return peak


def run(quick: bool = False, threads: str = "default", sizes: list[str] | None = None) -> dict:
    """Time the engines at every size and dtype, interleaved; medians per step in seconds."""
    engines: dict[str, Callable[..., Callable[[], float]]] = {
        "tinygrad_edu": ours,
        "numpy": by_hand,
        "numpy_fresh": by_hand_fresh,
    }
    skipped = []
    try:
        import torch

        engines["torch"] = pytorch
        if threads == "1":
            torch.set_num_threads(1)
        torch_threads = torch.get_num_threads()
    except ImportError:
        skipped.append(
            "PyTorch is not installed (bash setup.sh dev installs its CPU build): skipped"
        )
        print(skipped[-1], file=sys.stderr)
        torch_threads = 0
    blas = {name: os.environ.get(name, "") for name in BLAS_THREAD_VARIABLES}
    results: dict[str, Any] = {"threads": threads, "torch_threads": torch_threads}
    results.update({"blas_env": blas, "skipped": skipped, "runs": []})
    for size in sizes or list(SIZES):
        layer_sizes, batch = SIZES[size]
        for dtype_name, dtype in DTYPES.items():
            x, t = make_batch(layer_sizes, batch, dtype)
            model = nn.MLP(layer_sizes, hidden="sigmoid", output="linear", seed=0, dtype=dtype)
            # Every engine gets its own copy of the same initial weights.
            steps = {name: make(model, x, t) for name, make in engines.items()}
            first_loss = {name: step() for name, step in steps.items()}
            big = size == "large"
            seconds = 0.01 if quick else (0.3 if big else 0.2)
            calls = {name: calls_for(step, seconds) for name, step in steps.items()}
            repeats = 1 if quick else (3 if big else 7)
            timings = interleaved(steps, repeats, calls, warmup=0 if quick else 1)
            memory = {name: peak_bytes(steps[name]) for name in ("tinygrad_edu", "numpy")}
            results["runs"].append(
                {
                    "size": size,
                    "layers": layer_sizes,
                    "batch": batch,
                    "dtype": dtype_name,
                    "seconds": {name: timing.median for name, timing in timings.items()},
                    "spread": {name: timing.spread for name, timing in timings.items()},
                    # ours ÷ each other engine, round by round
                    "ratios": {
                        name: paired_ratios(timings["tinygrad_edu"].per_call, timing.per_call)
                        for name, timing in timings.items()
                        if name != "tinygrad_edu"
                    },
                    # the price of new arrays alone: by hand, fresh ÷ in place
                    "fresh_vs_numpy": paired_ratios(
                        timings["numpy_fresh"].per_call, timings["numpy"].per_call
                    ),
                    "calls": calls,
                    "repeats": repeats,
                    "first_loss": first_loss,
                    "peak_bytes": memory,
                    "output_dtype": str(model(Tensor(x)).dtype),
                    "grad_dtypes": sorted(
                        {str(np.asarray(p.grad).dtype) for p in model.parameters()}
                    ),
                }
            )
            print(f"  {size} {dtype_name} done", file=sys.stderr)
    return results


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny repeat counts (for CI)")
    parser.add_argument("--threads", choices=["1", "default"], default="default")
    parser.add_argument("--sizes", default=",".join(SIZES), help="e.g. tiny,medium")
    args = parser.parse_args(argv)
    print(json.dumps(run(args.quick, args.threads, args.sizes.split(","))))


if __name__ == "__main__":
    main()
