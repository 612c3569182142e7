"""Screenshots of a built report's sections for the README (headless Chromium, offline).

    .venv/bin/python docs/screenshots.py reports/latest/index.html docs/

opens the index from disk in Debian's headless Chromium (through chromedriver, every host name
unresolvable, as the browser tests do), waits until the interactive charts are drawn, and
saves the first screen at 1000x700 (``report-first-screen.png``) and one PNG per section
below (the section's heading down to the next heading), 1200 px wide. Needs ``apt-get install
chromium chromium-driver`` and the ``selenium`` test extra.
"""

from __future__ import annotations

import argparse
import base64
import time
from pathlib import Path

#: Section heading id -> the PNG written for it.
SECTIONS = {
    "from-today": "report-from-today.png",
    "scenarios-today": "report-scenarios-today.png",
    "expectations": "report-expectations.png",
    "trust": "report-trust.png",
    "questions-backtested": "report-questions-backtested.png",
    "sensitivity": "report-sensitivity.png",
    "outlook": "report-scenarios.png",
    "each-scenario": "report-panels.png",
    "history": "report-history.png",
}

#: The page's size: the README's section screenshots are 1200 px wide.
WINDOW = (1200, 900)

#: The first screen a reader sees (``report-first-screen.png``), as the browser test takes it.
FIRST_SCREEN = (1000, 700)

#: Longest section shot (px): a very long section is cut here.
MAX_HEIGHT = 2400


def _driver():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--hide-scrollbars",
        f"--window-size={WINDOW[0]},{WINDOW[1]}",
        "--host-resolver-rules=MAP * ~NOTFOUND",
    ):
        options.add_argument(flag)
    return webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)


#: The top of a section and the top of whatever follows it (the next h2), in page pixels.
BOUNDS_JS = """
var head = document.getElementById(arguments[0]);
if (!head) { return null; }
var top = head.getBoundingClientRect().top + window.scrollY;
var next = head.nextElementSibling;
while (next && next.tagName !== "H2") { next = next.nextElementSibling; }
var bottom = next ? next.getBoundingClientRect().top + window.scrollY
                  : document.body.scrollHeight;
return [top, bottom];
"""


def shoot(index: Path, out: Path) -> list[Path]:
    """Save a PNG of each section of :data:`SECTIONS` found on ``index``; the files written."""
    driver = _driver()
    written = []
    try:
        driver.get(index.resolve().as_uri())
        deadline = time.time() + 60
        while time.time() < deadline:
            pending = driver.execute_script(
                "return document.querySelectorAll('figure.chart:not(.live):not(.failed)').length"
            )
            if not pending:
                break
            time.sleep(0.5)
        driver.set_window_size(*FIRST_SCREEN)
        time.sleep(1.0)  # the charts redraw at the new width
        driver.execute_script("window.scrollTo(0, 0)")
        first = out / "report-first-screen.png"
        first.write_bytes(driver.get_screenshot_as_png())
        written.append(first)
        driver.set_window_size(*WINDOW)
        time.sleep(1.0)
        width = driver.execute_script("return document.body.scrollWidth")
        for section, name in SECTIONS.items():
            bounds = driver.execute_script(BOUNDS_JS, section)
            if bounds is None:
                continue
            top, bottom = bounds
            height = int(min(bottom - top, MAX_HEIGHT)) + 16
            shot = driver.execute_cdp_cmd(
                "Page.captureScreenshot",
                {
                    "format": "png",
                    "captureBeyondViewport": True,
                    "clip": {"x": 0, "y": top - 8, "width": width, "height": height, "scale": 1},
                },
            )
            path = out / name
            path.write_bytes(base64.b64decode(shot["data"]))
            written.append(path)
    finally:
        driver.quit()
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("index", type=Path, help="a report's index.html")
    parser.add_argument("out", type=Path, help="folder of the PNGs (e.g. docs/)")
    args = parser.parse_args()
    for path in shoot(args.index, args.out):
        print(f"written: {path}")


if __name__ == "__main__":
    main()
