"""The HTML report in a real browser (issue 20, item 11): Debian's chromium, driven by playwright, at
1280 px. A report with a two-panel plot, a one-panel plot and a table wider than the page:

* the page never scrolls sideways;
* plot text is at least 11 px as drawn (the plots' smallest text, MIN_TEXT_PT at DPI, times the scale the
  page draws the PNG at);
* every plot opens over the page on click, as large as its own pixels or the window allow, and closes on
  a second click;
* every table fits its box or scrolls inside it.

Where chromium or playwright is missing the test is skipped, except under CI (``CI`` set), where
``.ci/run`` installs chromium and a skip would hide the check: there it fails.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
MISSING = [what for what, ok in (("chromium (apt-get install chromium)", CHROMIUM),
                                 ("playwright", importlib.util.find_spec("playwright")),
                                 ("matplotlib", importlib.util.find_spec("matplotlib"))) if not ok]
WIDTH = 1280


@pytest.fixture
def page_file(tmp_path):
    if MISSING:
        (pytest.fail if os.environ.get("CI") else pytest.skip)(f"needs {', '.join(MISSING)}")
    from test_report import KS, _curves, fake_report

    from invariance.curves.plotting import plot_curves
    from invariance.report.render import render_html

    report = fake_report()
    fake = report.sections[0]
    # one row with a name far wider than the page: its table must scroll inside itself
    wide_row = replace(fake.rows[0], name="a_learner_" + "with_a_very_long_name_" * 12)
    one = _curves("pm1", {"honest": np.linspace(1, 0, len(KS))})  # one learner: a one-panel plot
    fake = replace(fake, rows=(wide_row, *fake.rows[1:]), curves={**fake.curves, "pm1": one})
    report = replace(report, sections=(fake, *report.sections[1:]))
    verdicts = {r.target: r.verdict for r in fake.rows}
    images = {name: Path(plot_curves(fake.curves[p], str(tmp_path / name), verdicts=verdicts)).read_bytes()
              for p, name in fake.plots.items()}
    path = tmp_path / "invariance.html"
    path.write_text(render_html(report, images), encoding="utf-8")
    return path


def test_the_report_reads_at_1280_px(page_file, tmp_path):
    from playwright.sync_api import sync_playwright

    from invariance.curves.plot_style import DPI, MIN_TEXT_PT

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            page = browser.new_page(viewport={"width": WIDTH, "height": 900})
            page.goto(page_file.as_uri())
            page.wait_for_load_state("load")
            page.screenshot(path=str(tmp_path / "report-1280.png"), full_page=True)
            assert page.evaluate("document.documentElement.scrollWidth") <= WIDTH  # no sideways scroll

            images = page.locator("figure img")
            assert images.count() == 2
            smallest_png_px = MIN_TEXT_PT * DPI / 72
            for i in range(images.count()):
                img = images.nth(i)
                natural, drawn = img.evaluate("e => [e.naturalWidth, e.getBoundingClientRect().width]")
                assert smallest_png_px * drawn / natural >= 11, (i, natural, drawn)
                img.click()  # opens over the page
                box = img.evaluate("e => { const r = e.getBoundingClientRect(); "
                                   "return [getComputedStyle(e).position, r.width, r.height, e.naturalWidth, "
                                   "e.naturalHeight, innerWidth, innerHeight]; }")
                position, w, h, nw, nh, vw, vh = box
                assert position == "fixed"
                assert w >= min(nw, 0.97 * vw) - 1 or h >= min(nh, 0.97 * vh) - 1, box  # full size or the window
                page.screenshot(path=str(tmp_path / f"report-plot-{i}-open.png"))
                img.click()  # closes again
                assert img.evaluate("e => getComputedStyle(e).position") != "fixed"

            tables = page.locator("table")
            assert tables.count() >= 1
            for i in range(tables.count()):
                fits, scrolls, box_width = tables.nth(i).evaluate(
                    "t => { const b = t.parentElement; return [t.scrollWidth <= b.clientWidth, "
                    "['auto', 'scroll'].includes(getComputedStyle(b).overflowX), b.getBoundingClientRect().right]; }")
                assert fits or scrolls, i
                assert box_width <= WIDTH, i
            wide = page.locator("table", has_text="with_a_very_long_name_")
            assert wide.evaluate("t => t.scrollWidth > t.parentElement.clientWidth")  # the control: it overflows
        finally:
            browser.close()
