"""The layering of the package: no module imports upward or in a circle.

Every module's imports are read with ``ast`` — also those inside functions and under
``if TYPE_CHECKING`` — and checked against the one table of layers,
``tinygrad_edu.architecture.LAYERS``. There is no list of exceptions.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from tinygrad_edu.architecture import LAYERS, layer_of

PACKAGE = Path(__file__).resolve().parent.parent / "tinygrad_edu"


def _unit(path: Path) -> str:
    """The table's name for a file: "graph" for graph.py, "stepper" for stepper/anything.py."""
    parts = path.relative_to(PACKAGE).with_suffix("").parts
    return parts[0]


def _package_parts(path: Path) -> list[str]:
    """The dotted package a file lives in, e.g. ["tinygrad_edu", "stepper"]."""
    return ["tinygrad_edu", *path.relative_to(PACKAGE).parent.parts]


def _is_unit(name: str) -> bool:
    return (PACKAGE / f"{name}.py").exists() or (PACKAGE / name / "__init__.py").exists()


def _targets(dotted: list[str], names: list[str]) -> set[str]:
    """The units an import of ``names`` from the module ``dotted`` reaches."""
    if dotted[0] != "tinygrad_edu":
        return set()  # numpy, graphviz, the standard library …
    if len(dotted) > 1:
        return {dotted[1]}
    # "from tinygrad_edu import x": a submodule, or a name of the package's __init__
    return {name if _is_unit(name) else "__init__" for name in names} or {"__init__"}


def imports_of(path: Path, source: str | None = None) -> set[str]:
    """Every unit of the package that the file imports, anywhere in it (``source``: the
    file's text, read from ``path`` when not given)."""
    text = path.read_text(encoding="utf-8") if source is None else source
    tree = ast.parse(text, filename=str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                found |= _targets(alias.name.split("."), [])
        elif isinstance(node, ast.ImportFrom):
            names = [alias.name for alias in node.names]
            if node.level == 0:
                dotted = (node.module or "").split(".")
            else:
                package = _package_parts(path)
                base = package[: len(package) - (node.level - 1)]
                dotted = base + (node.module.split(".") if node.module else [])
            found |= _targets(dotted, names)
    found.discard(_unit(path))  # a package's files importing each other
    return found


def _graph() -> dict[str, set[str]]:
    edges: dict[str, set[str]] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        edges.setdefault(_unit(path), set()).update(imports_of(path))
    return edges


def test_every_module_has_a_layer_and_every_listed_module_exists() -> None:
    listed = [name for _, modules in LAYERS for name in modules]
    assert len(listed) == len(set(listed)), "a module is listed in two layers"
    for unit in _graph():
        try:
            layer_of(unit)
        except KeyError:
            pytest.fail(f"tinygrad_edu/{unit} is in no layer: add it to architecture.LAYERS")
    for name in listed:
        assert name == "__init__" or _is_unit(name), f"LAYERS lists {name}, which does not exist"


def test_no_module_imports_from_a_higher_layer() -> None:
    upward = [
        f"{unit} (layer {layer_of(unit)}) imports {target} (layer {layer_of(target)})"
        for unit, targets in _graph().items()
        for target in sorted(targets)
        if layer_of(target) > layer_of(unit)
    ]
    assert upward == []


def test_no_import_circle() -> None:
    edges = _graph()
    state: dict[str, str] = {}  # "open" while on the current path, "done" after

    def visit(unit: str, path: list[str]) -> None:
        state[unit] = "open"
        for target in sorted(edges.get(unit, ())):
            if state.get(target) == "open":
                circle = [*path[path.index(target) :], target]
                pytest.fail("import circle: " + " -> ".join(circle))
            if target not in state:
                visit(target, [*path, target])
        state[unit] = "done"

    for unit in sorted(edges):
        if unit not in state:
            visit(unit, [unit])


def test_the_reader_sees_lazy_relative_and_absolute_imports() -> None:
    """The reader itself: an import inside a function, two-dot and absolute imports."""
    source = (
        "from .. import nn\n"
        "def f():\n"
        "    from ..viz import draw_graph\n"
        "    import tinygrad_edu.cli\n"
        "from tinygrad_edu import Value, rules\n"
        "from . import frames\n"
    )
    found = imports_of(PACKAGE / "stepper" / "probe.py", source)
    assert found == {"nn", "viz", "cli", "__init__", "rules"}  # ".frames" is stepper's own


ROOT = PACKAGE.parent


def _file_name(module: str) -> str:
    return f"{module}/" if (PACKAGE / module).is_dir() else f"{module}.py"


def test_architecture_page_shows_every_module_with_its_line_from_the_table() -> None:
    page = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    for number, (layer, modules) in enumerate(LAYERS, 1):
        for module, line in modules.items():
            row = f"| {number} {layer} | `{_file_name(module)}` | {line} |"
            assert row in page, f"docs/architecture.md lacks the row {row!r}"


def test_readme_layout_lists_every_module_with_its_line_from_the_table() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    layout = readme[readme.index("## Layout") :]
    layout = layout[: layout.index("```", layout.index("```") + 3)]
    for module_lines in (modules for _, modules in LAYERS):
        for module, line in module_lines.items():
            assert re.search(
                rf"\n +{re.escape(_file_name(module))} +{re.escape(line)}\n", layout
            ), f"README's layout lacks {module}: {line!r}"
