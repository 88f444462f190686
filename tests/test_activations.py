"""Every activation of the op table, run through everything that reads the table.

The tests are generic over ``ops.TABLE``: a new row is tested here with no test edited.
Expected values come from PyTorch (each row's own module, ``@pytest.mark.torch``), from
central finite differences and from the lists written in the docs compared with the table.
"""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

from tinygrad_edu import ops

REPO = Path(__file__).resolve().parents[1]


def load_generator():
    spec = importlib.util.spec_from_file_location(
        "gen_activations", REPO / "docs" / "gen_activations.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# --- the docs: every list of activations is the table's -----------------------------------


def test_every_list_of_activations_in_the_docs_is_the_tables():
    generator = load_generator()
    assert generator.stale() == [], "run: python docs/gen_activations.py"
    marked = [path for path in generator.files() if generator.BLOCK.search(path.read_text())]
    assert {p.name for p in marked} >= {"README.md", "cli.md", "semantics.md"}


def test_no_page_lists_the_activations_by_hand():
    """A run of four or more activation names (as `name`, name(), 'name' or the PyTorch
    module's name) outside the
    generated lists would go stale when a row is added: only an abbreviated one (…) may."""
    generator = load_generator()
    modules = [op.torch.name for op in ops.TABLE if op.torch is not None]
    names = "|".join(sorted([*ops.OUTPUT_ACTIVATIONS, *modules], key=len, reverse=True))
    item = rf"[`']?(?:{names})(?:\(\))?[`']?"
    run = re.compile(rf"{item}(?:(?:, | or | and | ){item}){{3,}}")
    for path in generator.files():
        text = generator.BLOCK.sub("", path.read_text(encoding="utf-8"))
        for match in run.finditer(text):
            following = text[match.end() : match.end() + 4]
            assert "…" in following, f"{path.name}: {match.group(0)!r} lists activations by hand"
