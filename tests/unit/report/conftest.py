"""Shared fixtures: one written report directory per session, on the real outlook run of tests/conftest.py."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from forecasting.projection.result import OutlookResult
from forecasting.report import write_artefacts
from forecasting.report.artefacts import ReportArtefacts

INPUT_TEXT = "reporter,partner\nKAZ,PAK\n"


@pytest.fixture(scope="session")
def written(tmp_path_factory: pytest.TempPathFactory, outlook: OutlookResult) -> ReportArtefacts:
    """Artefacts written once (drawing the figures is the slow part); tests must not modify them."""
    base = tmp_path_factory.mktemp("report")
    source = base / "flows.csv"
    source.write_text(INPUT_TEXT)
    return write_artefacts(outlook, base / "outlook", inputs={"flows": source}, title="Test outlook")


@pytest.fixture(scope="session")
def small_outlook(outlook: OutlookResult) -> OutlookResult:
    """Two commodities and no GE table: a quick result for tests that write several times."""
    keep = outlook.forecast["commodity"].isin(["coal", "buses"])
    return dataclasses.replace(
        outlook, forecast=outlook.forecast[keep], ge_country=outlook.ge_country.iloc[0:0]
    )


@pytest.fixture
def fresh_dir(tmp_path: Path) -> Path:
    return tmp_path / "out"
