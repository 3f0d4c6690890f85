"""Browser benchmark: the map's slider stepped through 100 dates in a real browser.

Starts `kg serve` on loopback over a built store, opens `/map` in Debian's chromium (driven by
Playwright, as the page tests drive it), and moves the slider to 100 dates spread over its range,
one at a time, as a reader stepping through them would: each step waits until the map shows the
new date. It records every `control-map` request the page makes (the browser's own timing, from
the request's start to the response's end) and each step's time from the slider's move until
the map is drawn.

    python bench/map_slider.py --store /tmp/index-5k/store [--steps 100]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parent))
from serve import free_port, wait_for

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]
FLAGS += ["--disable-sync", "--no-first-run", "--disable-quic"]
STEP = """async (i) => {
  const slider = document.getElementById('map-slider'), status = document.getElementById('map-status');
  const started = performance.now();
  slider.value = String(i);
  slider.dispatchEvent(new Event('input'));
  const date = document.getElementById('map-date').value;
  while (status.dataset.date !== date) await new Promise((r) => setTimeout(r, 2));
  return [date, performance.now() - started];
}"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", required=True, help="a built kg store")
    parser.add_argument("--steps", type=int, default=100, help="dates to step through (default 100)")
    args = parser.parse_args()
    port = free_port()
    env = {**os.environ, "KG_STORE": args.store, "KG_PORT": str(port), "KG_HOST": "127.0.0.1"}
    server = subprocess.Popen([sys.executable, "-m", "kg.cli", "serve"], env=env, stdout=subprocess.DEVNULL)
    try:
        wait_for(port, "/queries.json", seconds=120)
        requests, steps = run(f"http://127.0.0.1:{port}", args.steps)
    finally:
        server.terminate()
        server.wait(timeout=10)
    print(f"machine: {os.cpu_count()} cores; load average {os.getloadavg()[0]:.1f}")
    print(f"{len(steps)} steps, {len(requests)} control-map requests")
    for name, values in (("request ms", requests), ("step ms (move → drawn)", steps)):
        if values:
            print(f"{name:<24} p50 {statistics.median(values):8.1f}  max {max(values):8.1f}")
    over = [round(v) for v in requests if v > 100]
    print(f"requests over 100 ms: {len(over)} {over[:10]}")


def run(base: str, count: int) -> tuple[list[float], list[float]]:
    """(each control-map request's ms, each step's ms) for ``count`` slider steps."""
    requests: list[float] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        page = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
        page.set_default_timeout(120_000)

        def finished(request):  # type: ignore[no-untyped-def]
            if "/queries/control-map.json?date=" in request.url and "2100-01-01" not in request.url:
                requests.append(request.timing["responseEnd"])

        page.on("requestfinished", finished)
        started = time.perf_counter()
        page.goto(base + "/map")
        page.wait_for_selector("#map[data-ready=true]")
        print(f"map page ready in {time.perf_counter() - started:.1f} s")
        last = int(page.get_attribute("#map-slider", "max") or "0")
        indices = sorted({round(i * last / max(1, count - 1)) for i in range(count)})
        requests.clear()
        steps = [page.evaluate(STEP, i)[1] for i in indices]
        browser.close()
    return requests, steps


if __name__ == "__main__":
    main()
