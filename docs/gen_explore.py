"""Take the screenshots docs/explore.md shows: ``python docs/gen_explore.py``.

The explorer's server runs in this process; headless Chromium (Debian's, driven by
Playwright, as the browser tests do) opens the page at 1280 and at 800 px wide, trains a
3-class spirals network for 600 steps, pauses (the three-way table comes) and hovers a
hidden unit. Writes docs/img/explore_1280.png and docs/img/explore_800.png.
"""

from __future__ import annotations

import shutil
import tempfile
import threading
from pathlib import Path

from playwright.sync_api import sync_playwright

from tinygrad_edu.explore import ExploreServer, Session, Settings

IMG = Path(__file__).resolve().parent / "img"
SETTINGS = Settings(
    dataset="spirals", classes=3, points=300, noise=0.1, hidden=(8, 8), lr=0.3, batch=10
)


def main() -> None:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    server = ExploreServer(0, Session(settings=SETTINGS))
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    try:
        with sync_playwright() as p, tempfile.TemporaryDirectory() as profile:
            browser = p.chromium.launch_persistent_context(
                profile, executable_path=chromium, headless=True, args=["--no-sandbox"]
            )
            for width in (1280, 800):
                page = browser.new_page()
                page.set_viewport_size({"width": width, "height": 900})
                page.goto(server.url)
                page.wait_for_selector("#net canvas.unit")
                page.select_option("#speed", "20")
                for k in range(1, 31):
                    page.click("#step")
                    page.wait_for_function(
                        f"() => +document.querySelector('#steps').textContent === {20 * k}"
                    )
                page.click("#check-now")
                page.wait_for_selector("#check-max")
                page.hover("#net canvas.unit[data-unit='2,3']")
                path = IMG / f"explore_{width}.png"
                page.screenshot(path=str(path), full_page=True)
                print(f"wrote {path}")
                page.close()
            browser.close()
    finally:
        server.shutdown()
        server.server_close()


if __name__ == "__main__":
    main()
