"""The explorer's frames: ``python -m benchmarks.explore_frames [--steps N] [--seconds S]``.

A 2-16-16-1 tanh network on 200 training points (moons, batch 10), served by
``tinygrad-edu explore``'s server in this process and drawn by headless Chromium
(Debian's, driven by Playwright, as the browser tests do). Two measurements:

- **step → painted frame**: the page's "step" button pressed N times, one after the other;
  the page itself times each from sending the request to the animation frame after its
  state is drawn (``exploreTimings``). Median and 95th percentile.
- **frames per second while running**: "play" for S seconds (one step a request; the next
  request leaves as soon as a state arrives, and the page draws the newest state at each
  animation frame), the frames drawn divided by the seconds.

The last line printed is the result as JSON.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import tempfile
import threading
import time
from typing import Any

from tinygrad_edu.explore import ExploreServer, Session, Settings

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"]
SETTINGS = Settings(dataset="moons", points=400, test=0.5, hidden=(16, 16), batch=10)


def measure(steps: int, seconds: float) -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        raise SystemExit("Chromium not found (bash setup.sh dev installs Debian's)")
    session = Session(settings=SETTINGS)
    server_ms: list[float] = []
    state = session.state

    def timed_state() -> dict[str, Any]:  # the server's share: a state built after a step
        start = time.perf_counter()
        result = state()
        server_ms.append((time.perf_counter() - start) * 1000)
        return result

    session.state = timed_state  # type: ignore[method-assign]
    server = ExploreServer(0, session)
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    try:
        with sync_playwright() as p, tempfile.TemporaryDirectory() as profile:
            browser = p.chromium.launch_persistent_context(
                profile, executable_path=chromium, headless=True, args=FLAGS
            )
            page = browser.new_page()
            page.set_viewport_size({"width": 1280, "height": 900})
            page.goto(server.url)
            page.wait_for_selector("#net canvas.unit")
            assert len(server.session.inputs_train) == 200
            for k in range(1, steps + 1):
                page.click("#step")
                page.wait_for_function(
                    f"() => document.getElementById('app').exploreTimings.length === {k}"
                )
            latencies = page.evaluate("document.getElementById('app').exploreTimings")
            paints = page.evaluate("document.getElementById('app').exploreStats.paintMs")
            frames_drawn = "document.getElementById('app').exploreStats.frames"
            before, steps_before = page.evaluate(frames_drawn), server.session.steps
            page.click("#play")
            start = time.perf_counter()
            page.wait_for_timeout(seconds * 1000)
            frames = page.evaluate(frames_drawn) - before
            elapsed = time.perf_counter() - start
            page.click("#play")
            steps_run = server.session.steps - steps_before
            browser.close()
    finally:
        server.shutdown()
        server.server_close()
    ordered = sorted(latencies)
    return {
        "network": "2-16-16-1 tanh, 200 training points, batch 10, tensor engine",
        "steps": len(latencies),
        "median_ms": statistics.median(latencies),
        "p95_ms": ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))],
        "paint_median_ms": statistics.median(paints),
        "state_median_ms": statistics.median(server_ms),
        "fps": frames / elapsed,
        "steps_per_second": steps_run / elapsed,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=100, help="steps timed one by one")
    parser.add_argument("--seconds", type=float, default=5.0, help="seconds of running")
    args = parser.parse_args()
    result = measure(args.steps, args.seconds)
    print(f"step → painted frame: median {result['median_ms']:.1f} ms, ", end="")
    print(f"95th percentile {result['p95_ms']:.1f} ms over {result['steps']} steps")
    print(f"building a state in the server: median {result['state_median_ms']:.1f} ms")
    print(f"drawing a state in the page: median {result['paint_median_ms']:.1f} ms")
    print(f"running: {result['fps']:.1f} frames a second, {result['steps_per_second']:.1f} steps")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
