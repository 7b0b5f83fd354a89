"""Progress in a notebook without ipywidgets falls back to a text bar quietly; plain lines elsewhere."""

from __future__ import annotations

import importlib.util
import io
import sys
import warnings

import pytest

from forecasting import progress


class KernelStream(io.StringIO):
    """Stands for a Jupyter kernel's stderr (ipykernel.iostream.OutStream)."""


KernelStream.__module__ = "ipykernel.iostream"


def _without_ipywidgets(monkeypatch: pytest.MonkeyPatch) -> None:
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "ipywidgets" else real(name, *a)
    )


def test_a_notebook_without_ipywidgets_gets_the_text_bar_and_no_iprogress_warning(monkeypatch):
    _without_ipywidgets(monkeypatch)
    stream = KernelStream()
    assert progress.bar_style(stream) == "text"
    monkeypatch.setattr(sys, "stderr", stream)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # tqdm.auto would warn "IProgress not found"
        assert list(progress.track(range(5), desc="fits", enabled=True)) == list(range(5))
    assert "IProgress" not in stream.getvalue() and "fits" in stream.getvalue()


def test_a_notebook_with_ipywidgets_gets_the_widget(monkeypatch):
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: object() if name == "ipywidgets" else real(name, *a)
    )
    assert progress.bar_style(KernelStream()) == "widget"


def test_without_a_terminal_progress_is_plain_periodic_lines(monkeypatch):
    stream = io.StringIO()
    monkeypatch.setattr(sys, "stderr", stream)
    monkeypatch.setattr(progress, "PLAIN_INTERVAL_S", 0.0)
    assert list(progress.track(range(3), total=3, desc="fits", enabled=True)) == [0, 1, 2]
    lines = stream.getvalue().splitlines()
    assert lines[0].startswith("fits: 1/3 (") and lines[-1].startswith("fits: 3/3 done (")
    assert "\r" not in stream.getvalue()
