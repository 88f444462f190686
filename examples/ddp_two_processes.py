"""Data-parallel training with PyTorch's DistributedDataParallel, checked by the δ rules.

Two processes on this machine (the "gloo" backend, talking over 127.0.0.1 only) each hold
a copy of the same network and train on their own shard of one data set: process r gets
the samples r, r + 2, r + 4, … Each computes its share of the notes' error,

    E_r = ½ Σ_{n in shard r} (O_n − t_n)²,      so that  E = E_0 + E_1  (the whole batch),

and during ``backward()`` DDP all-reduces the gradients: every process ends up with the
mean (∂E_0/∂W + ∂E_1/∂W) / 2. Twice that is ∂E/∂W of the WHOLE batch, which the notes'
δ rules (``tinygrad_edu.rules.backward``) compute here in one process, by hand, from the
same weights. At every step process 0 checks that the two agree to rounding, and both
processes check that they still hold the same weights (they took the same steps).

PyTorch is optional. Without it this script says how to install it and stops.

Usage: python examples/ddp_two_processes.py   (writes nothing; a second after PyTorch loads)
"""

import importlib.util
import os
import sys
import tempfile

import numpy as np

from tinygrad_edu import data, nn, rules

WORLD = 2  # processes
STEPS = 5
LR = 0.1
SIZES, HIDDEN, OUTPUT = [2, 8, 1], "tanh", "sigmoid"


def weights_of(sequential) -> list:
    """The PyTorch network's weights as ``rules`` takes them: [(W (out, in), b), …]."""
    linears = [m for m in sequential if hasattr(m, "weight")]
    return [(m.weight.detach().numpy().copy(), m.bias.detach().numpy().copy()) for m in linears]


def train(rank: int, store: str, X: np.ndarray, y: np.ndarray) -> None:
    """One process: its shard, the DDP-wrapped network, STEPS steps of SGD."""
    import torch
    import torch.distributed as dist
    from torch.nn.parallel import DistributedDataParallel

    dist.init_process_group("gloo", init_method=f"file://{store}", rank=rank, world_size=WORLD)
    # The same start in every process: the same seed, converted to PyTorch (float64).
    model = nn.MLP(SIZES, hidden=HIDDEN, output=OUTPUT, seed=0)
    ddp = DistributedDataParallel(model.to_torch())
    opt = torch.optim.SGD(ddp.parameters(), lr=LR)
    X_r, y_r = torch.from_numpy(X[rank::WORLD]), torch.from_numpy(y[rank::WORLD])
    worst = 0.0
    for step in range(STEPS):
        before = weights_of(ddp.module)
        loss = 0.5 * ((ddp(X_r) - y_r) ** 2).sum()  # E_r, this shard's share of E
        opt.zero_grad()
        loss.backward()  # DDP all-reduces here: every process holds the mean gradient
        allreduced = [p.grad.numpy() * WORLD for p in ddp.module.parameters()]
        # The whole batch's gradient by the notes' δ rules, from the same weights
        records = rules.backward(before, model.activations, X, y)
        by_hand = [g for r in records for g in (r.dW, r.db)]
        difference = max(float(np.max(np.abs(a - h))) for a, h in zip(allreduced, by_hand))
        assert difference <= 1e-12 * max(1.0, max(float(np.max(np.abs(h))) for h in by_hand))
        worst = max(worst, difference)
        opt.step()
        if rank == 0:
            print(
                f"step {step}: E_0 = {loss.item():.6f}; 2 × DDP's all-reduced gradient vs "
                f"the δ rules on all {len(X)} samples: max |difference| = {difference:.1e}"
            )
    # The processes took the same steps: their weights are the same numbers.
    mine = torch.cat([p.detach().flatten() for p in ddp.module.parameters()])
    everyone = [torch.zeros_like(mine) for _ in range(WORLD)]
    dist.all_gather(everyone, mine)
    assert all(torch.equal(everyone[0], other) for other in everyone)
    if rank == 0:
        print(
            f"the {WORLD} processes hold the same weights after {STEPS} steps; "
            f"largest difference from the δ rules over all steps: {worst:.1e}"
        )
    dist.barrier()  # neither process tears gloo down while the other still talks to it
    dist.destroy_process_group()


def main() -> int:
    if importlib.util.find_spec("torch") is None:
        print(
            "PyTorch is not installed, so this example is skipped. Install its CPU build with:\n"
            "    pip install torch --index-url https://download.pytorch.org/whl/cpu"
        )
        return 0
    import torch.multiprocessing as mp

    os.environ["GLOO_SOCKET_IFNAME"] = "lo"  # gloo talks over the loopback device only
    X, y = data.moons(40, noise=0.1, seed=0)
    print(
        f"DDP on {WORLD} processes (gloo, 127.0.0.1), {len(X)} moons samples, "
        f"{len(X) // WORLD} per process, MLP {','.join(map(str, SIZES))}"
    )
    # spawn: each process starts a fresh Python and imports PyTorch itself (a second or
    # two). Forking a parent that has PyTorch's thread pools running can deadlock the
    # child, and did here, now and then, until the test's time limit.
    with tempfile.TemporaryDirectory() as folder:  # the rendezvous: a file, not a port
        store = os.path.join(folder, "store")
        mp.start_processes(train, (store, X, y), nprocs=WORLD, join=True, start_method="spawn")
    return 0


if __name__ == "__main__":
    sys.exit(main())
