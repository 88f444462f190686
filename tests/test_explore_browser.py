"""tinygrad-edu explore in a real browser: Debian's headless Chromium driven by Playwright.

One server per test (in this process, on a free port) and one Chromium for the module.
Skips, with the reason, only where Chromium or Playwright cannot be found (as
tests/test_browser.py does).
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from test_browser import CHROMIUM, FLAGS
from test_explore import WRONG_RULES, serving

from tinygrad_edu.explore import ExploreServer, Session, Settings
from tinygrad_edu.explore.playground import load_rules

sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed")


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with sync_api.sync_playwright() as p, tempfile.TemporaryDirectory() as profile:
        try:
            context = p.chromium.launch_persistent_context(
                profile, executable_path=CHROMIUM, headless=True, args=FLAGS
            )
        except Exception as error:  # e.g. a Chromium that cannot start in this sandbox
            pytest.skip(f"Chromium at {CHROMIUM} did not start: {error}")
        yield context
        context.close()


@pytest.fixture
def server() -> Iterator[ExploreServer]:
    with serving(Session(settings=Settings(points=100))) as srv:
        yield srv


class Page:
    """A browser tab on the explorer that records every request and every console error."""

    def __init__(self, browser: Any, url: str, width: int = 1280) -> None:
        self.requests: list[str] = []
        self.errors: list[str] = []
        browser.on("request", lambda r: self.requests.append(r.url))
        self.page = browser.new_page()
        self.page.set_viewport_size({"width": width, "height": 900})
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.goto(url)
        self.page.wait_for_selector("#net canvas.unit")

    def steps(self) -> int:
        return int(self.page.inner_text("#steps"))

    def step(self, times: int = 1) -> None:
        """Press "step" ``times`` times and wait until the page shows every step."""
        target = self.steps() + times * int(self.page.input_value("#speed"))
        for _ in range(times):
            self.page.click("#step")
        shown = "+document.querySelector('#steps').textContent"
        self.page.wait_for_function(f"() => {shown} === {target}")


def until(page: Any, condition: Any, server: ExploreServer | None = None) -> None:
    """Wait (at most 10 s) for something the page asked the server to do; with ``server``,
    look under its lock (it holds it while it applies a change)."""
    for _ in range(500):
        if server is None:
            if condition():
                return
        else:
            with server.lock:
                if condition():
                    return
        page.wait_for_timeout(20)
    raise AssertionError("the server never got there")


def test_only_the_local_server_is_asked_and_nothing_breaks_the_policy(
    browser: Any, server: ExploreServer
) -> None:
    tab = Page(browser, server.url)
    page = tab.page
    page.click("#play")
    page.wait_for_function("() => +document.querySelector('#steps').textContent >= 5")
    page.click("#play")  # pause: the three-way table comes
    page.wait_for_selector("#check-max")
    page.hover("#net canvas.unit[data-unit='1,0']")
    assert "net = Σ w·x + b" in page.inner_text("#info")
    page.click("#show-graph")
    page.click("#copy-python")
    page.wait_for_selector("#python:not(.hidden)")
    with browser.expect_page() as popup:  # clicking a point opens its step-through page
        box = page.locator("#output").bounding_box()
        state = server.session.state()
        x0, x1, y0, y1 = state["bounds"]
        px, py = state["points"]["train"][3]
        page.mouse.click(
            box["x"] + (px - x0) / (x1 - x0) * box["width"],
            box["y"] + (y1 - py) / (y1 - y0) * box["height"],
        )
    stepper = popup.value
    stepper.wait_for_load_state()
    assert "Backpropagation step by step" in stepper.title()
    stepper.click("#next")  # its own script runs under the policy
    assert stepper.inner_text("#counter").startswith("step 2 / ")
    stepper.close()
    assert server.session.focus == 3
    hosts = {urlsplit(url).netloc for url in tab.requests}
    assert hosts == {f"127.0.0.1:{server.port}"}, hosts
    assert tab.errors == []
    page.close()


def test_dragging_the_lr_slider_keeps_the_epoch_and_a_width_starts_again(
    browser: Any, server: ExploreServer
) -> None:
    tab = Page(browser, server.url)
    page = tab.page
    tab.step(4)
    epoch = page.inner_text("#epoch")
    box = page.locator("#lr").bounding_box()
    y = box["y"] + box["height"] / 2
    page.mouse.move(box["x"] + box["width"] / 2, y)  # the thumb: lr = 0.03, the middle
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.8, y, steps=5)
    page.mouse.up()
    page.wait_for_function("() => document.querySelector('#lr-value').textContent !== '0.03'")
    shown = float(page.inner_text("#lr-value"))
    assert shown > 0.03
    until(page, lambda: server.session.settings.lr == shown, server)
    assert server.session.optimizer.lr == shown  # the run's optimizer took the new rate
    assert tab.steps() == 4 and page.inner_text("#epoch") == epoch
    assert server.session.steps == 4
    page.click("#net .layerhead button.plus[data-layer='1']")
    page.wait_for_function("() => +document.querySelector('#steps').textContent === 0")
    assert page.inner_text("#epoch") == "0.00"
    assert server.session.model.sizes == [2, 5, 4, 1]
    assert tab.errors == []
    page.close()


def test_the_three_way_table_agrees_in_float64(browser: Any, server: ExploreServer) -> None:
    tab = Page(browser, server.url)
    tab.step(3)
    tab.page.click("#check-now")
    largest = tab.page.wait_for_selector("#check-max").get_attribute("data-value")
    assert float(largest) <= 1e-9
    assert tab.page.query_selector("#finding") is None
    tab.page.close()


def test_a_wrong_rules_file_gets_its_first_disagreement_named(browser: Any, tmp_path: Path) -> None:
    path = tmp_path / "mine.py"
    path.write_text(WRONG_RULES, encoding="utf-8")
    with serving(Session(learner_rules=load_rules(path))) as srv:
        tab = Page(browser, srv.url)
        tab.page.click("#check-now")
        finding = tab.page.wait_for_selector("#finding").inner_text()
        # two hidden layers: backpropagation meets the slip first in the last one
        assert "first difference: layer 2 (hidden), δ of unit" in finding
        assert "hint (missing f′)" in finding
        assert "|autograd − your rules|" in tab.page.inner_text("#check")
        tab.page.close()


def test_reloading_the_same_url_gives_the_same_loss_bit_for_bit(
    browser: Any, server: ExploreServer
) -> None:
    tab = Page(browser, server.url)
    page = tab.page
    page.select_option("#dataset", "circle")
    page.wait_for_function("() => location.hash.includes('circle')")
    page.select_option("#l2", "0.001")
    page.wait_for_function("() => location.hash.includes('0.001')")
    page.select_option("#speed", "20")
    tab.step(5)  # 100 steps
    first = page.get_attribute("#train-loss", "data-value")
    url = page.url
    tab.step(2)  # the run goes on; the address still says how it started
    page.close()
    again = Page(browser, url)
    assert again.steps() == 0
    again.page.select_option("#speed", "20")
    again.step(5)
    assert again.page.get_attribute("#train-loss", "data-value") == first
    assert server.session.settings.dataset == "circle" and server.session.settings.l2 == 0.001
    again.page.close()


@pytest.mark.parametrize("width", [1280, 800])
def test_the_page_fits_its_width(browser: Any, server: ExploreServer, width: int) -> None:
    tab = Page(browser, server.url, width)
    tab.step(2)
    page = tab.page
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    for selector in ("#output", "#net", "#info", "#loss-curve", "#delta-curve"):
        box = page.locator(selector).bounding_box()
        assert box["width"] > 100 and box["x"] + box["width"] <= width, selector
    # Headings are drawn in capitals; the notes' δ must not turn into Δ (a change).
    headings = page.locator("section h2").all_inner_texts()
    assert any("‖δ‖" in text for text in headings), headings
    assert not any("Δ" in text for text in headings), headings
    assert tab.errors == []
    page.close()


def test_every_control_reaches_the_run_and_a_refusal_is_shown(
    browser: Any, server: ExploreServer
) -> None:
    tab = Page(browser, server.url)
    page = tab.page
    session = server.session

    def change(action: Any, check: Any) -> None:
        action()
        until(page, lambda: check(session.settings), server)

    change(lambda: page.select_option("#engine", "value"), lambda s: s.engine == "value")
    tab.step(2)
    assert session.model.engine == "value"
    change(lambda: page.select_option("#dataset", "sine"), lambda s: s.dataset == "sine")
    assert session.output == "linear"
    change(lambda: page.check("[data-feature='sin x1']"), lambda s: "sin x1" in s.features)
    change(lambda: page.click("#layer-minus"), lambda s: len(s.hidden) == 1)
    change(lambda: page.click("#layer-plus"), lambda s: len(s.hidden) == 2)
    change(lambda: page.select_option("#activation", "relu"), lambda s: s.activation == "relu")
    change(lambda: page.select_option("#dataset", "spirals"), lambda s: s.dataset == "spirals")
    assert session.model.activations[-1] == "softmax"
    change(
        lambda: page.fill("#classes", "4") or page.press("#classes", "Enter"),
        lambda s: s.classes == 4,
    )
    page.wait_for_selector("#net canvas.unit[data-unit='3,3']")  # four output units drawn
    page.fill("#batch", "0")
    page.press("#batch", "Enter")
    page.wait_for_selector("#error:has-text('batch must be between 1')")
    assert session.settings.batch == 10
    until(page, lambda: page.input_value("#batch") == "10")  # the control shows the run's
    tab.step(1)
    assert page.inner_text("#error") == ""
    page.hover("#net canvas.unit[data-unit='3,0']")
    assert "δ = O − t" in page.inner_text("#info")  # softmax with cross-entropy
    page.hover("#net .bias[data-bias='1,0']")
    assert page.get_attribute("#info", "data-weight") == "b1[1]"
    assert float(page.get_attribute("#info", "data-grad")) == session.model.get_gradients()[0][1][0]
    assert tab.errors == [] or all("400" in e for e in tab.errors)
    page.close()


def test_a_state_arriving_while_the_learner_types_keeps_what_they_typed(
    browser: Any, server: ExploreServer
) -> None:
    # The learner types into "points" (not yet sent: no Enter), while a state answering an
    # earlier change arrives with other settings: the page shows them, but not over the
    # field being typed in.
    tab = Page(browser, server.url)
    page = tab.page
    page.fill("#points", "250")
    with server.lock:
        server.session.apply({"noise": 0.3})
    page.evaluate("document.querySelector('#step').click()")  # a click that takes no focus
    page.wait_for_function("() => document.querySelector('#noise').value === '0.3'")
    assert page.input_value("#points") == "250"
    page.press("#points", "Enter")
    until(page, lambda: server.session.settings.points == 250, server)
    assert tab.errors == []
    page.close()
