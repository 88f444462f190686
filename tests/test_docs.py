"""The documentation site builds in strict mode, and the gallery matches the code that draws it."""

import importlib.util
import py_compile
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[1]
DOCS = REPO / "docs"
HAS_MKDOCS = all(
    importlib.util.find_spec(name) is not None
    for name in ("mkdocs", "material", "mkdocstrings", "mkdocstrings_handlers.python")
)


@pytest.mark.skipif(not HAS_MKDOCS, reason="mkdocs, mkdocs-material or mkdocstrings missing")
def test_site_builds_in_strict_mode(tmp_path):
    # Bytecode beside the scripts (as importing them leaves it) must not reach the site
    py_compile.compile(str(DOCS / "gen_gallery.py"), doraise=True)
    assert list((DOCS / "__pycache__").glob("gen_gallery*.pyc"))
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(tmp_path / "site")],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    site = tmp_path / "site"
    for page in ("index.html", "getting-started/index.html", "concepts/index.html"):
        assert (site / page).exists(), page
    # The API reference is generated from the docstrings, not written by hand.
    value_api = (site / "api" / "value" / "index.html").read_text(encoding="utf-8")
    assert "micrograd-style" in value_api  # from tinygrad_edu/value.py's module docstring
    assert (site / "img" / "note05_graph.svg").exists()
    # anomaly, trace and the step-through page are in the reference, from their docstrings
    for module, phrase in (
        ("anomaly", "Anomaly mode"),
        ("trace", "Recording the backward walk"),
        ("stepper", "The step-through page"),
    ):
        page = site / "api" / module / "index.html"
        assert phrase in page.read_text(encoding="utf-8"), module
    for page in ("semantics/index.html", "saving/index.html"):
        assert (site / page).exists(), page
    # the scripts that draw the pictures are not part of the site, nor their bytecode
    assert not list(site.rglob("gen_*"))
    assert not list(site.rglob("__pycache__")) and not list(site.rglob("*.pyc"))
    # no page makes a request outside the machine: every stylesheet, script, image and
    # font is a file of the site (links to other sites are only followed when clicked)
    for html_file in site.rglob("*.html"):
        html_text = html_file.read_text(encoding="utf-8")
        loaded = re.findall(
            r"<(?:link|script|img|source|iframe)\b[^>]*?\b(?:href|src)=\"?([^\" >]+)", html_text
        )
        outside = [url for url in loaded if re.match(r"(https?:)?//", url)]
        assert not outside, f"{html_file.relative_to(site)} loads {outside}"
        assert "fonts.googleapis" not in html_text and "fonts.gstatic" not in html_text
    # the math of the vanishing-gradients page is text, not TeX braces shown as they are
    vanishing = (site / "vanishing-gradients" / "index.html").read_text(encoding="utf-8")
    assert "_{" not in vanishing and "Wₗ₊₁" in vanishing


def load_script(name):
    """A script of docs/ (``gen_gallery``, ``gen_diagnostics``) as a module."""
    spec = importlib.util.spec_from_file_location(name, DOCS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# (the script that draws the pictures, the page that shows them, the pictures' names)
PICTURE_PAGES = [
    ("gen_gallery", "gallery.md", lambda script: [name for name, *_ in script.FIGURES]),
    ("gen_diagnostics", "vanishing-gradients.md", lambda script: list(script.PICTURES)),
]


@pytest.mark.parametrize("script, page_name, names", PICTURE_PAGES, ids=["gallery", "vanishing"])
def test_every_picture_is_committed_and_shown(script, page_name, names):
    page = (DOCS / page_name).read_text(encoding="utf-8")
    for name in names(load_script(script)):
        svg = DOCS / "img" / f"{name}.svg"
        assert svg.exists(), f"run python docs/{script}.py: {svg} is missing"
        assert "</svg>" in svg.read_text(encoding="utf-8")
        assert f"(img/{name}.svg)" in page


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed")
def test_gallery_script_regenerates_the_committed_page(tmp_path):
    gen_gallery = load_script("gen_gallery")
    written = gen_gallery.write_gallery(tmp_path)
    assert len(written) == len(gen_gallery.FIGURES)
    for path in written:
        assert path.read_text(encoding="utf-8").lstrip().startswith(("<?xml", "<svg"))
    # The page (code and captions) is what the script writes: docs/gallery.md is up to date.
    committed = (DOCS / "gallery.md").read_text(encoding="utf-8")
    assert (tmp_path / "gallery.md").read_text(encoding="utf-8") == committed


def test_nothing_in_the_repository_points_outside_it():
    # The contract lives in docs/semantics.md; no file may cite a document kept elsewhere.
    outside = ["SPEC" + ".md", "../" + "shared", "notes/" + "README"]
    files = subprocess.run(
        ["git", "ls-files"], cwd=REPO, capture_output=True, text=True, check=True
    ).stdout.split()
    assert "docs/semantics.md" in files or (DOCS / "semantics.md").exists()
    for name in files:
        path = REPO / name
        if path.suffix in {".png", ".npz"} or not path.is_file():
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        for needle in outside:
            assert needle not in text, f"{name} refers to {needle}"


def test_the_semantics_page_is_in_the_navigation():
    assert "semantics.md" in (REPO / "mkdocs.yml").read_text(encoding="utf-8")


def test_diagnostics_script_draws_every_picture(tmp_path):
    pytest.importorskip("matplotlib")
    gen_diagnostics = load_script("gen_diagnostics")
    written = gen_diagnostics.write_pictures(tmp_path, epochs=5)  # a short run: the drawing
    assert [path.name for path in written] == [f"{n}.svg" for n in gen_diagnostics.PICTURES]
    for path in written:
        assert path.read_text(encoding="utf-8").lstrip().startswith(("<?xml", "<svg"))


def test_the_formulas_on_the_pages_are_the_notes():
    files = [REPO / "README.md", *DOCS.glob("*.md")]
    pages = {path.name: path.read_text(encoding="utf-8") for path in files}
    prose = "\n".join(pages.values())
    # ∂E/∂W = δ O_prevᵀ (note 01's O_i δ_j: the sending layer's output), never δ Oᵀ
    assert "δ Oᵀ" not in prose and "δ O_prevᵀ" in pages["README.md"]
    # t is the target on every page: a derivative is written with the unit's output O
    assert not re.search(r"tanh′ = 1 − t²", prose) and "tanh′ = 1 − O²" in pages["concepts.md"]
    # exp overflows above ln(largest float): 709.78 in float64, 88.72 in float32
    page = pages["softmax-cross-entropy.md"]
    for dtype in (np.float64, np.float32):
        assert f"{np.log(np.finfo(dtype).max):.2f}" in page
    # the c of δ = c (O − t) is defined where it is used
    assert re.search(r"δ = c \(O − t\), where c is .*\n.*c = 1/N", page)


def test_the_hidden_delta_has_the_notes_indices_everywhere():
    # note 01: δ_j = f′(net_j) Σ_k δ_k W_jk, W_jk the weight from hidden j to output k
    from tinygrad_edu.stepper import frames

    shown = {
        "concepts.md": (DOCS / "concepts.md").read_text(encoding="utf-8"),
        "tutorial.md": (DOCS / "tutorial.md").read_text(encoding="utf-8"),
        "the step-through page": Path(frames.__file__).read_text(encoding="utf-8"),
    }
    for where, text in shown.items():
        assert "Σ_k δ_k W_jk" in text, where
    for path in [REPO / "README.md", *DOCS.glob("*.md"), Path(frames.__file__)]:
        assert "W_kj" not in path.read_text(encoding="utf-8"), path.name


# --- every Python block of every page runs, in the order of its page --------------------

PAGES_WITH_CODE = sorted(
    path.name for path in DOCS.glob("*.md") if "```python\n" in path.read_text(encoding="utf-8")
)


def test_every_python_block_is_found_also_in_a_list():
    for page in PAGES_WITH_CODE:
        text = (DOCS / page).read_text(encoding="utf-8")
        assert len(python_blocks(page)) == text.count("```python\n"), page


def python_blocks(page: str) -> list[str]:
    """The page's ```python blocks, in order; one indented in a list is dedented."""
    text = (DOCS / page).read_text(encoding="utf-8")
    found = re.findall(r"^( *)```python\n(.*?)^\1```", text, flags=re.DOTALL | re.MULTILINE)
    return [textwrap.dedent(block) for _, block in found]


@pytest.mark.parametrize("page", PAGES_WITH_CODE)
def test_every_python_block_of_the_page_runs_in_page_order(page, tmp_path, monkeypatch):
    blocks = python_blocks(page)
    needs = {"torch", "matplotlib", "sklearn"} & set(re.findall(r"import (\w+)", "".join(blocks)))
    for module in sorted(needs):
        pytest.importorskip(module)
    monkeypatch.chdir(tmp_path)  # a block may write a file (a drawing, a saved model)
    namespace: dict = {"__name__": f"docs/{page}"}
    for number, block in enumerate(blocks, 1):
        exec(compile(block, f"docs/{page}, block {number}", "exec"), namespace)
