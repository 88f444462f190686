"""The layering of the package: each module sits at the depth its imports give.

Every module's imports are read with ``ast`` — also those inside functions and under
``if TYPE_CHECKING`` — and the depth they give (1 for no import of the package, else one
more than the deepest import) must equal the module's layer in the one table,
``tinygrad_edu.architecture.LAYERS``. There is no list of exceptions, and no module is
reached by naming it in a string.
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


def depths(edges: dict[str, set[str]]) -> dict[str, int]:
    """Each unit's depth: 1 without imports of the package, else 1 + its deepest import's
    (longest path; a circle is reported by test_no_import_circle, here it is a ValueError)."""
    depth: dict[str, int] = {}

    def visit(unit: str, path: tuple[str, ...]) -> int:
        if unit in path:
            raise ValueError("import circle: " + " -> ".join((*path, unit)))
        if unit not in depth:
            depth[unit] = 1 + max((visit(t, (*path, unit)) for t in edges.get(unit, ())), default=0)
        return depth[unit]

    for unit in edges:
        visit(unit, ())
    return depth


def test_every_module_is_declared_at_the_depth_its_imports_give() -> None:
    edges = _graph()
    names = [name for name, _ in LAYERS]
    wrong = [
        f"{unit} is declared in layer {layer_of(unit)} ({names[layer_of(unit) - 1]}) but its "
        f"imports ({', '.join(sorted(edges[unit])) or 'none'}) put it in layer {depth}: "
        "move it in tinygrad_edu/architecture.py (and docs/architecture.md, README's layout)"
        for unit, depth in sorted(depths(edges).items())
        if layer_of(unit) != depth
    ]
    assert wrong == []
    assert max(depths(edges).values()) == len(LAYERS), "a layer at the top has no module"


def test_depths_of_a_small_graph() -> None:
    """The measure itself, on a graph written out by hand: a diamond and a long arm."""
    edges = {"a": set(), "b": {"a"}, "c": {"a"}, "d": {"b", "c", "a"}, "e": {"d"}, "f": {"a"}}
    assert depths(edges) == {"a": 1, "b": 2, "c": 2, "f": 2, "d": 3, "e": 4}
    with pytest.raises(ValueError, match="a -> b -> a"):
        depths({"a": {"b"}, "b": {"a"}})


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


def _strings_naming_modules(path: Path) -> list[str]:
    """Module paths written as strings (a string that is "tinygrad_edu.x"; code shown to
    a user, "from tinygrad_edu import …", is text) and imports by name (importlib,
    __import__) in a file: the ways to reach a module that the import reader cannot see."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            if id(node) not in docstrings and re.fullmatch(
                r"tinygrad_edu(\.\w+)+", node.value.strip()
            ):
                found.append((node.lineno, f"the string {node.value!r}"))
        elif isinstance(node, ast.Call):
            called = ast.unparse(node.func)
            if called in ("__import__", "import_module", "importlib.import_module"):
                found.append((node.lineno, f"{called}(...)"))
    return [f"{path.name}:{line}: {what}" for line, what in sorted(found)]


def test_no_module_is_reached_by_naming_it_in_a_string() -> None:
    found = [hit for path in sorted(PACKAGE.rglob("*.py")) for hit in _strings_naming_modules(path)]
    assert found == []


def test_the_string_finder_sees_a_string_hook(tmp_path: Path) -> None:
    probe = tmp_path / "probe.py"
    probe.write_text(
        '"""Docstrings may name tinygrad_edu.viz."""\n'
        'HOOKS = {"draw": "tinygrad_edu.viz"}\n'
        'SHOWN = "from tinygrad_edu import optim\\nprint(optim.SGD)"  # code for a reader\n'
        "import importlib\n"
        'importlib.import_module("x")\n'
    )
    assert [hit.split(": ", 1)[1] for hit in _strings_naming_modules(probe)] == [
        "the string 'tinygrad_edu.viz'",
        "importlib.import_module(...)",
    ]


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


def test_one_name_per_concept_no_two_classes_share_a_name() -> None:
    """A reader who meets ``Step`` or ``Network`` should find one class of that name."""
    where: dict[str, list[str]] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef):
                where.setdefault(node.name, []).append(str(path.relative_to(PACKAGE)))
    assert {name: files for name, files in where.items() if len(files) > 1} == {}


def test_the_gradient_checker_does_not_depend_on_the_grader() -> None:
    """compare may be used by the exercises' grader, never the other way round: nothing
    compare reaches, however indirectly, is the grader (its feedback is a module below)."""
    edges = _graph()
    reached: set[str] = set()
    todo = ["compare"]
    while todo:
        for target in edges[todo.pop()] - reached:
            reached.add(target)
            todo.append(target)
    assert reached & {"exercises", "runner", "child", "cli"} == set()
    assert "feedback" in reached  # compare(rules=f)'s hints, shared with the grader
