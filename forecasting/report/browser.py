"""Headless Chromium: screenshot a local HTML report, or print it to PDF.

The browser is found on ``PATH`` (or through ``FORECASTING_CHROMIUM``); installing it is the
job of ``scripts/ensure-chromium.sh``, never of the library. Every network feature the
browser has is switched off, so a screenshot also proves the page renders offline.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import tempfile
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
