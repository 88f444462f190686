"""The step-through page in a real browser: headless Chromium from a file:// URL.

Uses Debian's ``chromium`` (``bash setup.sh dev`` installs it as root) driven by Playwright's
Python package with ``executable_path``; no browser is ever downloaded. The tests skip, with
the reason, only where Chromium or Playwright cannot be found.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path
from typing import Any

import note05
import numpy as np
import pytest

from tinygrad_edu import Value, mse_loss, nn
from tinygrad_edu.stepper import stepper

sync_api = pytest.importorskip(
    "playwright.sync_api", reason="Playwright is not installed (pip install -e '.[dev]')"
)

CHROMIUM = next(
    (p for p in (shutil.which("chromium"), shutil.which("chromium-browser")) if p), None
)
if CHROMIUM is None:
    pytest.skip(
        "Chromium not found: install Debian's chromium (bash setup.sh dev does it as root)",
        allow_module_level=True,
    )

FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
NOTE_W = {"w1": "0.11", "w2": "0.12", "w3": "0.21", "w4": "0.08", "w5": "0.14", "w6": "0.15"}


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """One headless Chromium with a fresh profile for the whole module."""
    with sync_api.sync_playwright() as p, tempfile.TemporaryDirectory() as profile:
        try:
            context = p.chromium.launch_persistent_context(
                profile,
                executable_path=CHROMIUM,
                headless=True,
                args=FLAGS,
                viewport={"width": 1280, "height": 800},
            )
        except Exception as error:  # e.g. a Chromium that cannot start in this sandbox
            pytest.skip(f"Chromium at {CHROMIUM} did not start: {error}")
        yield context
        context.close()


def open_page(browser: Any, path: Path, width: int = 1280, height: int = 800) -> Any:
    page = browser.new_page()
    page.set_viewport_size({"width": width, "height": height})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("request", lambda r: errors.append(f"request {r.url}") if r.url != page_url else 0)
    page_url = path.resolve().as_uri()
    page.goto(page_url)
    page.errors = errors
    return page


def note_model() -> nn.MLP:
    m = nn.MLP([2, 2, 1], hidden="linear", output="linear", bias=False, engine="value")
    w = {k: float(v) for k, v in NOTE_W.items()}
    m.set_weights(
        [
            (np.array([[w["w1"], w["w3"]], [w["w2"], w["w4"]]]), None),
            (np.array([[w["w5"], w["w6"]]]), None),
        ]
    )
    return m


def engine_run() -> dict[str, float]:
    """Note 05's iteration on the Value engine, built by hand: the numbers the page records."""
    w = {k: Value(float(v), label=k) for k, v in NOTE_W.items()}
    x1, x2 = Value(2.0), Value(3.0)
    h1 = (w["w1"] * x1 + w["w3"] * x2).linear()
    h2 = (w["w2"] * x1 + w["w4"] * x2).linear()
    y = (w["w5"] * h1 + w["w6"] * h2).linear()
    E = mse_loss([y], [1.0], reduction="half_sum")
    E.backward()
    run = {"h1": h1.data, "h2": h2.data, "y": y.data, "E": E.data}
    run |= {f"grad_{k}": v.grad for k, v in w.items()}
    run |= {f"new_{k}": v.data - 0.05 * v.grad for k, v in w.items()}
    return run


def exact() -> dict[str, Fraction]:
    """The same iteration in exact arithmetic (note 05, with w3 = 0.21 as its forward uses)."""
    it = note05.iteration({k: Fraction(v) for k, v in NOTE_W.items()})
    out = {"h1": it["h1"], "h2": it["h2"], "y": it["y"], "E": it["E"]}
    out |= {f"grad_{k}": g for k, g in it["grad"].items()}
    out |= {f"new_{k}": w for k, w in it["new"].items()}
    return out


def table_row(page: Any, table: str, name: str) -> dict[str, tuple[str, float | None]]:
    """A row of one of the page's tables as a reader sees it: column heading → (the text
    shown, the exact float the cell carries in data-value). The row is found by its first
    cell (``h1``, ``w3``, ``E``); a column by the first line of its heading."""
    heads, cells = page.evaluate(
        """([table, name]) => {
        const rows = Array.from(document.querySelectorAll('#' + table + ' tr'));
        const heads = Array.from(rows[0].cells).map(c => c.innerText.split('\\n')[0]);
        const row = rows.find(r => r.cells[0].textContent === name);
        const cells = Array.from(row.cells).map(c => [c.textContent, c.getAttribute('data-value')]);
        return [heads, cells];
      }""",
        [table, name],
    )
    return {
        head: (text, None if value is None else float(value))
        for head, (text, value) in zip(heads[1:], cells[1:])
    }


def unit(page: Any, name: str) -> dict[str, tuple[str, float | None]]:
    """The units table's row of ``name``: net, O, ∂E/∂O, δ autograd, δ rules."""
    return table_row(page, "units", name)


def param(page: Any, name: str) -> dict[str, tuple[str, float | None]]:
    """The parameters table's row of ``name``: value, ∂E/∂w autograd, δ rule, new value."""
    return table_row(page, "params", name)


def error(page: Any) -> tuple[str, float | None]:
    """E as the units table shows it (its row has one number, in the first column)."""
    return next(iter(unit(page, "E").values()))


def close_to(text: str, value: Fraction) -> bool:
    """The text is ``value`` to the six significant digits the page writes."""
    return abs(Fraction(text.replace("−", "-")) - value) <= abs(value) * Fraction(5, 10**6)


@pytest.fixture(scope="module")
def note_page(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("browser") / "worked_example.html"
    return stepper(note_model(), x=(2, 3), t=[1], lr=0.05, steps=2, path=path)


# Frames of note 05 (2-2-1, no bias): per iteration 1 start, 3 forward (h1, h2, ŷ), 1 error,
# 1 walk header, 9 backward (3 δ, 6 gradients), 6 updates = 21.
AFTER_ERROR, END_OF_ITERATION_1 = 4, 20


def test_pressing_next_shows_the_engines_numbers_and_the_exact_ones(
    browser: Any, note_page: Path, tmp_path: Path
) -> None:
    page = open_page(browser, note_page)
    run, ex = engine_run(), exact()
    for _ in range(AFTER_ERROR):
        page.click("#next")
    assert page.inner_text("#counter") == f"step {AFTER_ERROR + 1} / 42"
    assert page.inner_text("#sentence").startswith("Error: E = ½ Σ_k (O_k − t_k)²")
    outputs = {"h1": unit(page, "h1")["O"], "h2": unit(page, "h2")["O"]}
    outputs |= {"y": unit(page, "ŷ")["O"], "E": error(page)}
    for key, (text, value) in outputs.items():
        assert value == run[key], key  # exactly the engine's float
        assert close_to(text, ex[key]), (key, text)
    assert unit(page, "ŷ")["O"][0] == "0.191"
    assert param(page, "w1")["∂E/∂w autograd"] == ("·", None)  # not computed yet
    for _ in range(END_OF_ITERATION_1 - AFTER_ERROR):
        page.keyboard.press("ArrowRight")
    assert page.inner_text("#sentence").startswith("Update w6 ← w6 − η ∂E/∂w6 = 0.15 − 0.05")
    for k in NOTE_W:
        row = param(page, k)
        for kind, column in (("grad", "∂E/∂w autograd"), ("new", "new value")):
            text, value = row[column]
            assert value == run[f"{kind}_{k}"], (k, kind)
            assert close_to(text, ex[f"{kind}_{k}"]), (k, kind, text)
        # the δ rule's gradient sits beside autograd's
        assert row["δ rule"][1] == pytest.approx(run[f"grad_{k}"], rel=1e-12)
    assert param(page, "w3")["new value"][0] == "0.226989"  # the note's table slips: 0.12
    page.screenshot(path=str(tmp_path / "stepper.png"))
    assert (tmp_path / "stepper.png").stat().st_size > 10_000
    print(f"screenshot: {tmp_path / 'stepper.png'}")
    # one more step starts iteration 2 with the updated weights
    page.click("#next")
    assert page.inner_text("#phase") == "iteration 2 · start"
    assert param(page, "w3")["value"][1] == run["new_w3"]
    assert unit(page, "ŷ")["O"] == ("·", None)
    # back goes back, End goes to the last step
    page.keyboard.press("ArrowLeft")
    assert page.inner_text("#counter") == f"step {END_OF_ITERATION_1 + 1} / 42"
    page.keyboard.press("End")
    assert page.inner_text("#counter") == "step 42 / 42"
    assert page.is_disabled("#next")
    assert page.errors == []
    page.close()


def _overlaps(page: Any) -> list[tuple[str, str]]:
    """Pairs of the drawing's labels whose boxes on screen overlap."""
    return page.evaluate(
        """() => {
        const sel = '#net .wlabel rect, #net .uval, #net .uname, #net .layer, #net .ebox rect';
        const boxes = Array.from(document.querySelectorAll(sel)).map(e => {
          const r = e.getBoundingClientRect();
          return [e.id || e.parentNode.id || e.textContent, r];
        });
        const bad = [];
        for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) {
          const [a, p] = boxes[i], [b, q] = boxes[j];
          if (p.left < q.right && q.left < p.right && p.top < q.bottom && q.top < p.bottom)
            bad.push([a, b]);
        }
        return bad;
      }"""
    )


@pytest.mark.parametrize("sizes", [[2, 2, 1], [2, 3, 1], [3, 4, 2]])
def test_no_labels_overlap_at_desktop_and_phone_width(
    browser: Any, tmp_path: Path, sizes: list[int]
) -> None:
    model = nn.MLP(sizes, hidden="sigmoid", output="sigmoid", seed=1)
    x, t = np.linspace(-1, 1, sizes[0]), np.full(sizes[-1], 0.5)
    path = stepper(model, x, t, steps=1, path=tmp_path / "p.html")
    for width, height in ((1280, 800), (390, 844)):
        page = open_page(browser, path, width, height)
        page.keyboard.press("End")  # every number filled in: the widest labels
        assert _overlaps(page) == []
        # the page itself never scrolls sideways; the drawing and tables scroll inside
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        font = page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
        assert font >= 14
        # the drawing keeps its text legible (it scrolls rather than shrinks on a phone)
        name = page.evaluate("document.querySelector('#net .uname').getBoundingClientRect().height")
        assert name >= 10
        assert page.errors == []
        page.close()


def drawn_unit(page: Any, name: str) -> dict[str, Any]:
    """Unit ``name`` in the drawing: its value lines (tag → text) and its circle's stroke."""
    return page.evaluate(
        """(name) => {
        const g = Array.from(document.querySelectorAll('#net g.unit'))
          .find(g => g.querySelector('.uname').textContent === name);
        const lines = {};
        for (const t of g.querySelectorAll('.uval')) {
          const [tag, ...rest] = t.textContent.split(' ');
          lines[tag] = rest.join(' ');
        }
        return {lines, stroke: getComputedStyle(g.querySelector('circle')).stroke};
      }""",
        name,
    )


def test_the_drawing_shows_the_tables_numbers_and_marks_the_current_unit(
    browser: Any, note_page: Path
) -> None:
    page = open_page(browser, note_page)
    page.click("#next")  # iteration 1, forward: unit h1
    assert page.inner_text("#sentence").startswith("Forward, unit h1: net_h1 = x1·w1 + x2·w3")
    h1, h2 = drawn_unit(page, "h1"), drawn_unit(page, "h2")
    row = unit(page, "h1")
    assert h1["lines"]["net"] == row["net"][0] and h1["lines"]["O"] == row["O"][0] == "0.85"
    assert h1["stroke"] == "rgb(240, 165, 0)"  # amber: this step
    assert h2["lines"]["O"] == "·" and h2["stroke"] != h1["stroke"]
    page.keyboard.press("End")
    assert drawn_unit(page, "ŷ")["lines"]["δ"] == unit(page, "ŷ")["δ autograd"][0]
    assert page.errors == []
    page.close()


def test_a_value_graphs_page_fills_in_each_gradient_as_the_walk_pushes_it(
    browser: Any, tmp_path: Path
) -> None:
    a, b = Value(2.0, label="a"), Value(-0.5, label="b")
    c = a * b
    c.label = "c"
    d = c * c + a  # dd/da = 2 c b + 1 = 2, dd/db = 2 c a = −4
    d.label = "d"
    page = open_page(browser, stepper(d, path=tmp_path / "g.html"))
    assert table_row(page, "nodes", "a")["grad"] == ("·", None)
    page.keyboard.press("End")
    assert table_row(page, "nodes", "a")["grad"] == ("2", 2.0)
    assert table_row(page, "nodes", "b")["grad"] == ("−4", -4.0)
    assert table_row(page, "nodes", "c = *")["data"] == ("−1", -1.0)
    assert page.errors == []
    page.close()


# --- the gallery: every drawing readable at the width the site shows it -------------------

REPO = Path(__file__).resolve().parents[1]
SMALLEST_READABLE_PX = 9.0


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The documentation site, built from this checkout (skips without MkDocs)."""
    pytest.importorskip("mkdocs", reason="MkDocs is not installed (pip install -e '.[dev]')")
    out = tmp_path_factory.mktemp("site")
    build = [sys.executable, "-m", "mkdocs", "build", "-q", "-d", str(out)]
    result = subprocess.run(build, cwd=REPO, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    return out


def svg_text_sizes(svg: Path) -> tuple[float, list[float]]:
    """The drawing's width in its own units (the viewBox) and the font size of each text."""
    source = svg.read_text(encoding="utf-8")
    width = float(re.search(r'viewBox="[-\d.]+ [-\d.]+ ([\d.]+) [\d.]+"', source).group(1))
    sizes = [float(s) for s in re.findall(r'<text[^>]*font-size="([\d.]+)"', source)]
    return width, sizes


def test_gallery_drawings_are_readable_at_1280_px(browser: Any, site: Path) -> None:
    page = browser.new_page()
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto((site / "gallery" / "index.html").as_uri())
    images = page.eval_on_selector_all(
        "article img",
        "els => els.map(e => [e.getAttribute('src'), e.getBoundingClientRect().width])",
    )
    page.close()
    svgs = [(src, width) for src, width in images if src.endswith(".svg")]
    assert len(svgs) >= 6
    for src, shown_width in svgs:
        view_width, sizes = svg_text_sizes(REPO / "docs" / "img" / Path(src).name)
        assert sizes, src
        # the image is scaled to shown_width: a text of size s is drawn s · scale px high
        smallest = min(sizes) * shown_width / view_width
        assert smallest >= SMALLEST_READABLE_PX, (
            f"{src}: its smallest text is {smallest:.1f} px at 1280 px "
            f"({view_width:.0f} units shown {shown_width:.0f} px wide)"
        )


def test_a_script_like_label_and_infinite_numbers_do_not_stop_the_page(
    browser: Any, tmp_path: Path
) -> None:
    # "<!--<script>" inside the page's JSON used to keep its <script> from running, and an
    # inf written as Infinity made JSON.parse throw: either way no button worked.
    a, big = Value(2.0, label="<!--<script>"), Value(1e308, label="big")
    root = (a * big * 10.0).tanh() + a
    page = open_page(browser, stepper(root, path=tmp_path / "edge.html"))
    first = page.inner_text("#counter")
    assert first.startswith("step 1 / ")
    assert "<!--<script>" in page.inner_text("#sentence")
    page.click("#next")
    assert page.inner_text("#counter") == "step 2 / " + first.split(" / ")[1]
    assert "= inf." in page.inner_text("#sentence")  # a * big overflows, shown as text
    page.keyboard.press("End")
    assert page.is_disabled("#next")
    assert page.errors == []
    page.close()


def test_a_softmax_page_steps_to_the_end_and_shows_delta_o_minus_t(
    browser: Any, tmp_path: Path
) -> None:
    model = nn.MLP([2, 3, 3], hidden="tanh", output="softmax", seed=0)
    x, t = np.array([0.5, -1.0]), np.array([0.0, 1.0, 0.0])
    path = stepper(model, x, t, lr=0.1, steps=1, path=tmp_path / "softmax.html")
    page = open_page(browser, path)
    W = model.get_weights()
    h = np.tanh(W[0][0] @ x + W[0][1])
    net = W[1][0] @ h + W[1][1]
    O = np.exp(net) / np.exp(net).sum()  # softmax written out
    page.keyboard.press("End")
    for k in range(3):
        row = unit(page, f"ŷ{k + 1}")
        assert row["O"][1] == pytest.approx(O[k], rel=1e-12)
        assert row["δ autograd"][1] == pytest.approx(O[k] - t[k], rel=1e-12)  # δ = O − t
        assert row["∂E/∂O"][0] == "not formed"
    assert error(page)[1] == pytest.approx(-np.log(O[1]), rel=1e-12)
    assert "E = −Σ t log O" in page.text_content("#net")
    assert _overlaps(page) == []
    assert page.errors == []
    page.close()
