"""Write the lists of activations in README.md and docs/*.md from the op table.

    python docs/gen_activations.py           rewrites every list that differs from the table
    python docs/gen_activations.py --check   lists the files that differ, exit 1 if any

A list sits between two markers, inline or over lines:

    <!-- activations: KIND -->…<!-- /activations -->

KIND is ``hidden`` (every activation of one unit, what ``--hidden`` accepts), ``output``
(those and the layer-wide ones, what ``MLP(output=…)`` accepts), ``methods`` (the
activation methods of Value and Tensor, ``sigmoid()`` …), ``modules`` (``nn``'s activation
modules, named as PyTorch's), ``torch`` (a table: each
activation's PyTorch module with its arguments) or ``table`` (a table: f, f′ in the notes'
form, what the gradient g from above becomes, the initialisation and the PyTorch module). A new
row in ``tinygrad_edu/ops.py`` reaches every list by running this script;
``tests/test_activations.py`` checks that no list is stale.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from pathlib import Path

from tinygrad_edu import ops

ROOT = Path(__file__).resolve().parent.parent
BLOCK = re.compile(r"(<!-- activations: (\w+) -->)(.*?)(<!-- /activations -->)", re.S)


def _names(names: tuple[str, ...]) -> str:
    return ", ".join(f"`{name}`" for name in names)


def _torch() -> str:
    rows = [
        f"| `{op.name}` | `torch.nn.{op.torch}` |"
        for op in ops.TABLE
        if op.is_activation and op.torch is not None
    ]
    return "\n".join(["", "", "| activation | PyTorch module |", "|---|---|", *rows, "", ""])


def _table() -> str:
    rows = []
    for op in ops.TABLE:
        if not op.is_activation:
            continue
        fprime = op.derivative_text.format(O="O", net="net")
        torch = "—" if op.torch is None else f"`{op.torch}`"
        where = "output only" if op.layer_wide else "any layer"
        rows.append(
            f"| `{op.name}` | `{op.formula}` | `{fprime}` | `{op.edges[0]}` | {op.init} | "
            f"{torch} | {where} |"
        )
    head = "| activation | f(net) | f′ | g becomes (y = O) | init | PyTorch | layers |"
    return "\n".join(["", "", head, "|---|---|---|---|---|---|---|", *rows, "", ""])


KINDS: dict[str, Callable[[], str]] = {
    "hidden": lambda: _names(ops.ACTIVATIONS),
    "output": lambda: _names(ops.OUTPUT_ACTIVATIONS),
    "methods": lambda: ", ".join(f"`{name}()`" for name in ops.ACTIVATIONS),  # the engines
    "modules": lambda: ", ".join(  # nn's activation modules, named as PyTorch's
        f"`{op.torch.name}`" for op in ops.TABLE if op.is_activation and op.torch is not None
    ),
    "torch": _torch,
    "table": _table,
}


def files() -> list[Path]:
    """README.md and every page of docs/ (the pages with a list are those with a marker)."""
    return [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]


def generated(text: str, where: str = "") -> str:
    """``text`` with every list between markers written from the table."""

    def block(match: re.Match[str]) -> str:
        kind = match.group(2)
        if kind not in KINDS:
            raise ValueError(f"{where}: unknown list {kind!r}, expected one of {list(KINDS)}")
        return match.group(1) + KINDS[kind]() + match.group(4)

    return BLOCK.sub(block, text)


def stale() -> list[Path]:
    """The files whose lists differ from the table."""
    return [
        path
        for path in files()
        if generated(text := path.read_text(encoding="utf-8"), str(path)) != text
    ]


def main(argv: list[str]) -> int:
    if argv == ["--check"]:
        paths = stale()
        for path in paths:
            print(f"{path.relative_to(ROOT)}: a list of activations differs from the op table")
        return 1 if paths else 0
    for path in stale():
        path.write_text(generated(path.read_text(encoding="utf-8"), str(path)), encoding="utf-8")
        print(f"wrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
