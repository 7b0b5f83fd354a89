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
from forecasting.report.browser import find_chromium
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
    assert re.findall(r"<h2[^>]*>(.*?)<", page) == list(SECTION_HEADINGS)
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
    from forecasting.report.charts import _PALETTE

    palette = [tuple(int(c[k : k + 2], 16) for k in (1, 3, 5)) for c in _PALETTE]
    assert sum(_near(pixels, rgb) for rgb in palette) > 2000, "no chart colours in the screenshot"
    # The demonstration banner's pink background is in the first screenful.
    assert _near(pixels[:600], (253, 226, 226), tol=4) > 5000, "demo banner not visible at the top"
    # Table header cells' grey background.
    assert _near(pixels, (242, 242, 242), tol=2) > 5000, "no table headers rendered"


def test_pdf_export(report):
    assert report.pdf is not None
    data = report.pdf.read_bytes()
    assert data[:5] == b"%PDF-" and len(data) > 50_000
