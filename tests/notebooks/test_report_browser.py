"""The rendered report in a real browser: headless Chromium screenshots it and prints a PDF.

Chromium comes from the system package manager (``scripts/ensure-chromium.sh``, run here
when no browser is found). Locally a missing browser skips; in CI (``CI=true``) it fails,
so the check cannot pass by never running.
"""

from __future__ import annotations

import os
import re
import subprocess

import numpy as np
import pytest

from forecasting.report import build_report, screenshot
from forecasting.report.browser import find_chromium, inspect_page, review_screenshots
from forecasting.report.render import SECTION_HEADINGS
from tests.conftest import REPO

pytestmark = [pytest.mark.browser, pytest.mark.slow]

Image = pytest.importorskip("PIL.Image")


@pytest.fixture(scope="module")
def chromium():
    if find_chromium() is None:
        script = REPO / "scripts" / "ensure-chromium.sh"
        completed = subprocess.run(
            ["sh", str(script)], capture_output=True, text=True, timeout=1200, check=False
        )
        print(completed.stdout, completed.stderr)
    found = find_chromium()
    if found is None:
        message = "no Chromium after scripts/ensure-chromium.sh; install the Debian package 'chromium'"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    return found


@pytest.fixture(scope="module")
def report(tmp_path_factory, chromium, outlook):
    return build_report(outlook, tmp_path_factory.mktemp("browser") / "kz-pk-outlook", pdf=True)


def _near(pixels: np.ndarray, rgb: tuple[int, int, int], tol: int = 12) -> int:
    return int((np.abs(pixels[..., :3].astype(int) - np.array(rgb)).max(axis=-1) <= tol).sum())


def test_html_has_sections_tables_and_embedded_images(report):
    page = report.html.read_text(encoding="utf-8")
    assert re.findall(r"<h2[^>]*>(.*?)<", page) == ["In brief", *SECTION_HEADINGS]
    assert page.count("<table") >= 12
    assert page.count("data:image/png;base64") == len(report.figures)  # every figure shown once
    assert "DEMONSTRATION DATA" in page


def test_screenshot_shows_rendered_charts_and_tables(report, tmp_path):
    # Tall enough to reach the first charts below the summary and coverage tables of a real run.
    shot = screenshot(report.html, tmp_path / "report.png", width=1280, height=6000)
    pixels = np.asarray(Image.open(shot).convert("RGB"))
    assert pixels.shape == (6000, 1280, 3)
    grey = pixels.mean(axis=-1)
    assert grey.std() > 20, "screenshot is blank"
    assert (grey < 245).mean() > 0.05, "almost nothing drawn"
    # Chart colours only appear if the embedded PNGs were decoded and painted.
    from forecasting.report.charts import PALETTE

    palette = [tuple(int(c[k : k + 2], 16) for k in (1, 3, 5)) for c in PALETTE]
    assert sum(_near(pixels, rgb) for rgb in palette) > 2000, "no chart colours in the screenshot"
    # The demonstration banner's pink background is in the first screenful.
    assert _near(pixels[:600], (253, 226, 226), tol=4) > 5000, "demo banner not visible at the top"
    # Table header cells' grey background.
    assert _near(pixels, (242, 242, 242), tol=2) > 5000, "no table headers rendered"


@pytest.fixture(scope="module")
def narrow(report):
    return inspect_page(report.html, width=800, height=1000)


def test_no_horizontal_overflow_at_800_pixels(narrow):
    assert narrow.width == 800
    assert not narrow.overflows, (narrow.scroll_width, narrow.wide, narrow.scrolling)


def test_every_image_loads_and_every_internal_link_resolves(narrow, report):
    assert len(narrow.images) == len(report.figures) and not narrow.broken_images
    assert len(narrow.links) >= len(SECTION_HEADINGS) and not narrow.broken_links
    assert list(narrow.headings) == ["In brief", *SECTION_HEADINGS]


def test_the_first_screen_holds_the_four_answers(report):
    wide = inspect_page(report.html, width=1280, height=900)
    answers = wide.answers
    assert answers is not None and answers["box"]["bottom"] <= 900, "the answers must fit a 1280 x 900 screen"
    text = answers["text"]
    for lead in ("Today (2025).", "Growth.", "Goods.", "Corridor.", "USD 1 bn."):
        assert lead in text
    assert re.search(r"USD [\d.,]+ m in 2030", text) and re.search(r"USD [\d.,]+ (?:m|bn) in 2035", text)
    assert "The largest gain comes from the Trans-Afghan railway" in text
    assert "% a year to 2035" in text and "Median first year" in text


def test_review_screenshots_are_written_under_the_report_folder(report):
    shots = review_screenshots(report.html, report.out_dir / "review")
    assert set(shots) == {"first_screen", "headline_chart"}
    first = Image.open(shots["first_screen"])
    chart = Image.open(shots["headline_chart"])
    assert first.size == (1280, 900) and chart.size[0] > 600 and chart.size[1] > 300
    pixels = np.asarray(chart.convert("RGB"))
    assert (pixels.mean(axis=-1) < 200).mean() > 0.01, "the headline chart crop is blank"


def test_no_local_file_path_anywhere_in_the_page(report):
    page = report.html.read_text(encoding="utf-8")
    assert str(report.out_dir) not in page and str(REPO) not in page
    assert not re.search(r"(?<![\w/.:-])/(?:tmp|home|work|root|usr|var|Users)/", page)
    assert "file://" not in page


def test_pdf_export(report):
    assert report.pdf is not None
    data = report.pdf.read_bytes()
    assert data[:5] == b"%PDF-" and len(data) > 50_000
