"""Browser helpers without a real browser: lookup, and clear errors when Chromium misbehaves."""

from __future__ import annotations

import pytest

from forecasting.report import BrowserError, BrowserNotFoundError, screenshot
from forecasting.report.browser import find_chromium


def test_override_pointing_nowhere_finds_nothing(monkeypatch, tmp_path):
    monkeypatch.setenv("FORECASTING_CHROMIUM", str(tmp_path / "no-browser"))
    assert find_chromium() is None
    page = tmp_path / "page.html"
    page.write_text("<p>x</p>")
    with pytest.raises(BrowserNotFoundError, match="ensure-chromium.sh"):
        screenshot(page, tmp_path / "shot.png")


def test_browser_that_writes_nothing_is_reported(monkeypatch, tmp_path):
    fake = tmp_path / "fake-chromium"
    fake.write_text("#!/bin/sh\necho 'GPU process crashed' >&2\nexit 3\n")
    fake.chmod(0o755)
    monkeypatch.setenv("FORECASTING_CHROMIUM", str(fake))
    page = tmp_path / "page.html"
    page.write_text("<p>x</p>")
    with pytest.raises(BrowserError, match=r"code 3 .*GPU process crashed"):
        screenshot(page, tmp_path / "shot.png")


def test_page_check_reports_overflow_broken_images_and_links():
    from forecasting.report.browser import PageCheck

    clean = PageCheck(800, 800, (), (), ({"alt": "a", "ok": True},), ({"href": "x", "ok": True},), None, ())
    assert not clean.overflows and clean.broken_images == [] and clean.broken_links == []
    wide = PageCheck(
        800, 950, (), ("Ranked",), ({"alt": "a", "ok": False},), ({"href": "y", "ok": False},), None, ()
    )
    assert wide.overflows and wide.broken_images == ["a"] and wide.broken_links == ["y"]
    assert PageCheck(800, 800, (), ("a table",), (), (), None, ()).overflows  # a table scrolling in its box


def test_measuring_without_a_browser_is_a_clear_error(monkeypatch, tmp_path):
    from forecasting.report.browser import inspect_page

    monkeypatch.setenv("FORECASTING_CHROMIUM", str(tmp_path / "no-browser"))
    page = tmp_path / "page.html"
    page.write_text("<html><body><p>x</p></body></html>")
    with pytest.raises(BrowserNotFoundError, match="ensure-chromium.sh"):
        inspect_page(page)
