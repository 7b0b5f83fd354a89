"""Headless Chromium: screenshot a local HTML report, print it to PDF, or measure it as a reader sees it.

The browser is found on ``PATH`` (or through ``FORECASTING_CHROMIUM``); installing it is the
job of ``scripts/ensure-chromium.sh``, never of the library. Every network feature the
browser has is switched off, so a screenshot also proves the page renders offline.
"""

from __future__ import annotations

import html as html_module
import json
import logging
import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from forecasting.errors import ForecastingError

logger = logging.getLogger(__name__)

CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")
_OFFLINE_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--hide-scrollbars",
)


class BrowserNotFoundError(ForecastingError, FileNotFoundError):
    """No Chromium or Chrome executable was found."""


class BrowserError(ForecastingError, RuntimeError):
    """Chromium ran but did not produce the requested file."""


def find_chromium() -> Path | None:
    """The Chromium executable: ``$FORECASTING_CHROMIUM`` if set, else the first one on ``PATH``.

    Examples
    --------
    >>> result = find_chromium()
    >>> result is None or result.exists()
    True
    """
    override = os.environ.get("FORECASTING_CHROMIUM")
    if override:
        return Path(override) if Path(override).is_file() else None
    for name in CANDIDATES:
        found = shutil.which(name)
        if found:
            return Path(found)
    return None


def _require_chromium() -> Path:
    executable = find_chromium()
    if executable is None:
        raise BrowserNotFoundError(
            f"no Chromium found (looked for {', '.join(CANDIDATES)} on PATH and $FORECASTING_CHROMIUM);"
            " install it with scripts/ensure-chromium.sh (Debian: apt-get install chromium)"
        )
    return executable


def _run(arguments: list[str], output: Path, timeout: float) -> Path:
    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.unlink(missing_ok=True)
    with tempfile.TemporaryDirectory(prefix="forecasting-chromium-") as profile:
        command = [str(_require_chromium()), *_OFFLINE_FLAGS, f"--user-data-dir={profile}", *arguments]
        logger.info("running %s", " ".join(command))
        try:
            completed = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)
        except subprocess.TimeoutExpired as error:
            raise BrowserError(f"Chromium did not finish within {timeout:g} s writing {output}") from error
    if not output.is_file() or output.stat().st_size == 0:
        tail = (completed.stderr or "").strip().splitlines()[-5:]
        raise BrowserError(
            f"Chromium exited with code {completed.returncode} without writing {output}; last messages: "
            + " | ".join(tail)
        )
    return output


def screenshot(
    html_file: str | Path,
    png_file: str | Path,
    *,
    width: int = 1280,
    height: int = 4000,
    timeout: float = 120.0,
) -> Path:
    """Render ``html_file`` in headless Chromium and save a PNG of the top ``width`` x ``height`` pixels.

    Raises
    ------
    BrowserNotFoundError
        When no Chromium is installed.
    BrowserError
        When Chromium fails or times out.
    """
    page = Path(html_file).resolve()
    return _run(
        [
            f"--screenshot={Path(png_file).resolve()}",
            f"--window-size={width},{height}",
            "--virtual-time-budget=5000",
            page.as_uri(),
        ],
        Path(png_file),
        timeout,
    )


def print_pdf(html_file: str | Path, pdf_file: str | Path, *, timeout: float = 120.0) -> Path:
    """Print ``html_file`` to PDF with headless Chromium (no header or footer)."""
    page = Path(html_file).resolve()
    return _run(
        [
            f"--print-to-pdf={Path(pdf_file).resolve()}",
            "--no-pdf-header-footer",
            "--virtual-time-budget=5000",
            page.as_uri(),
        ],
        Path(pdf_file),
        timeout,
    )


# The page itself has no script (it opens offline, anywhere). To measure it, a copy with this
# probe appended is loaded; the probe writes what it found into the DOM, which Chromium dumps.
_PROBE = """<script>
window.addEventListener('load', function () {
  var vw = window.innerWidth, root = document.documentElement;
  function box(e) { var r = e.getBoundingClientRect();
    return {top: r.top + window.scrollY, bottom: r.bottom + window.scrollY, left: r.left, right: r.right}; }
  var wide = [];
  document.querySelectorAll('body *').forEach(function (e) {
    if (!e.closest('.table-wrap') && e.getBoundingClientRect().right > vw + 1 && wide.length < 20)
      wide.push(e.tagName + '.' + e.className);
  });
  var scrolling = [];
  document.querySelectorAll('.table-wrap').forEach(function (e) {
    if (e.scrollWidth > e.clientWidth + 1) {
      var c = e.querySelector('caption'); scrolling.push(c ? c.textContent : '(table without caption)'); }
  });
  var images = Array.prototype.map.call(document.images, function (i) {
    return {alt: i.alt, ok: i.complete && i.naturalWidth > 0, box: box(i)}; });
  var links = Array.prototype.map.call(document.querySelectorAll('a[href^="#"]'), function (a) {
    var target = a.getAttribute('href').slice(1); return {href: target, ok: !!document.getElementById(target)}; });
  var brief = document.querySelector('ul.answers');
  var out = {innerWidth: vw, scrollWidth: root.scrollWidth, wide: wide, scrolling: scrolling, images: images,
             links: links, answers: brief ? {text: brief.innerText, box: box(brief)} : null,
             h2: Array.prototype.map.call(document.querySelectorAll('h2'), function (h) { return h.textContent; })};
  var pre = document.createElement('pre'); pre.id = 'forecasting-page-check';
  pre.textContent = JSON.stringify(out); document.body.appendChild(pre);
});
</script>"""


@dataclass(frozen=True)
class PageCheck:
    """What headless Chromium measured on a rendered page at one window width.

    ``scroll_width`` against ``width`` tells whether the page scrolls sideways; ``wide`` lists
    elements reaching past the window, ``scrolling`` the tables that scroll inside their box;
    ``images`` and ``links`` say, for each ``<img>`` and internal ``#anchor`` link, whether it
    loaded / resolves; ``answers`` is the first screen's list (text and position).
    """

    width: int
    scroll_width: int
    wide: tuple[str, ...]
    scrolling: tuple[str, ...]
    images: tuple[dict, ...]
    links: tuple[dict, ...]
    answers: dict | None
    headings: tuple[str, ...]

    @property
    def overflows(self) -> bool:
        """True when anything is wider than the window (the page or a table inside its box)."""
        return self.scroll_width > self.width or bool(self.wide) or bool(self.scrolling)

    @property
    def broken_images(self) -> list[str]:
        return [i["alt"] for i in self.images if not i["ok"]]

    @property
    def broken_links(self) -> list[str]:
        return [link["href"] for link in self.links if not link["ok"]]


def inspect_page(
    html_file: str | Path, *, width: int = 800, height: int = 1000, timeout: float = 120.0
) -> PageCheck:
    """Load ``html_file`` in headless Chromium at ``width`` pixels and measure it (see :class:`PageCheck`).

    Raises
    ------
    BrowserNotFoundError
        When no Chromium is installed.
    BrowserError
        When Chromium fails or the measurement is missing from its output.
    """
    page = Path(html_file).read_text(encoding="utf-8")
    probed = page.replace("</body>", _PROBE + "</body>", 1)
    with tempfile.TemporaryDirectory(prefix="forecasting-page-") as scratch:
        copy = Path(scratch) / "page.html"
        copy.write_text(probed, encoding="utf-8")
        with tempfile.TemporaryDirectory(prefix="forecasting-chromium-") as profile:
            command = [str(_require_chromium()), *_OFFLINE_FLAGS, f"--user-data-dir={profile}",
                       f"--window-size={width},{height}", "--virtual-time-budget=5000", "--dump-dom", copy.as_uri()]  # fmt: skip
            try:
                completed = subprocess.run(
                    command, capture_output=True, text=True, timeout=timeout, check=False
                )
            except subprocess.TimeoutExpired as error:
                raise BrowserError(
                    f"Chromium did not finish within {timeout:g} s measuring {html_file}"
                ) from error
    found = re.search(r"<pre id=\"forecasting-page-check\">(.*?)</pre>", completed.stdout, re.S)
    if not found:
        tail = (completed.stderr or "").strip().splitlines()[-5:]
        raise BrowserError(f"Chromium returned no page measurement for {html_file}: " + " | ".join(tail))
    data = json.loads(html_module.unescape(found.group(1)))
    return PageCheck(
        width=int(data["innerWidth"]), scroll_width=int(data["scrollWidth"]), wide=tuple(data["wide"]),
        scrolling=tuple(data["scrolling"]), images=tuple(data["images"]), links=tuple(data["links"]),
        answers=data["answers"], headings=tuple(data["h2"]),
    )  # fmt: skip


def review_screenshots(
    html_file: str | Path, directory: str | Path, *, timeout: float = 120.0
) -> dict[str, Path]:
    """Write ``first_screen.png`` (1280 x 900, the top of the page) and ``headline_chart.png`` into ``directory``.

    The headline chart is cut from a taller screenshot at the place the browser drew it.
    """
    from matplotlib import image as mpimg  # the report's own plotting library reads and writes PNG

    directory = Path(directory)
    shots = {
        "first_screen": screenshot(
            html_file, directory / "first_screen.png", width=1280, height=900, timeout=timeout
        )
    }
    check = inspect_page(html_file, width=1280, height=900, timeout=timeout)
    chart = next(
        (i for i in check.images if "headline" in i["alt"].lower() or "by scenario, with" in i["alt"]), None
    )
    if chart is not None:
        bottom = int(chart["box"]["bottom"]) + 10
        tall = screenshot(html_file, directory / "page_top.png", width=1280, height=bottom, timeout=timeout)
        pixels = mpimg.imread(tall)
        box = chart["box"]
        crop = pixels[max(int(box["top"]) - 5, 0) : bottom, int(box["left"]) : int(box["right"])]
        mpimg.imsave(directory / "headline_chart.png", crop)
        tall.unlink()
        shots["headline_chart"] = directory / "headline_chart.png"
    return shots
