"""Chances under 1 % are read against what happened on real series, with figures from the benchmark."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from forecasting.projection.small_chances import (
    HAPPENED_AT_ZERO,
    HAPPENED_UNDER_SMALL,
    SMALL_CHANCE,
    small_chance_note,
)

RESULTS = Path(__file__).resolve().parents[3] / "benchmarks" / "results" / "accuracy_real_data.md"


def evaluation_bins() -> dict[str, list[float]]:
    """Bin label -> share that happened, over the evaluation tables of the exceedance section."""
    text = RESULTS.read_text()
    shares: dict[str, list[float]] = {}
    for block in re.split(r"\n### ", text):
        if not (block.startswith("Chances of growth") and ": evaluation set" in block.splitlines()[0]):
            continue
        for label, share in re.findall(r"^\| (0|\(0, 1 %\]) \| \d+ \| [\d.]+ \| ([\d.]+) \|$", block, re.M):
            shares.setdefault(label, []).append(float(share))
    return shares


def test_the_figures_quoted_are_the_benchmark_evaluation_tables():
    shares = evaluation_bins()
    assert len(shares["0"]) == 2 and len(shares["(0, 1 %]"]) == 2  # full and 12-year histories
    assert (min(shares["0"]), max(shares["0"])) == pytest.approx(HAPPENED_AT_ZERO)
    assert (min(shares["(0, 1 %]"]), max(shares["(0, 1 %]"])) == pytest.approx(HAPPENED_UNDER_SMALL)


def test_a_small_chance_gets_the_note_and_a_larger_or_missing_one_does_not():
    assert small_chance_note([SMALL_CHANCE, 0.4]) == ""
    assert small_chance_note([float("nan")]) == ""
    said = small_chance_note([0.3, 0.004])
    assert "1.0-1.4 %" in said and "2.0-3.7 %" in said and "TRADHIST" in said
    assert small_chance_note([0.0]) == said
