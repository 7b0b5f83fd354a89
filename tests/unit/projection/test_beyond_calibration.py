"""The outlook's note on baseline bands past the years a series' calibration covers."""

from __future__ import annotations

import pandas as pd

from forecasting.projection.beyond_calibration import beyond_calibration_notes, calibrated_steps

KEYS = {"reporter": "KAZ", "partner": "PAK", "flow": "export"}


def methods(years_by_commodity: dict[str, int], kinds: dict[str, str]) -> pd.DataFrame:
    return pd.DataFrame(
        [{**KEYS, "commodity": c, "method": kinds[c], "years": n} for c, n in years_by_commodity.items()]
    )


def test_only_combination_series_short_of_the_horizon_are_listed():
    table = methods(
        {"coal": 12, "textiles": 40, "buses": 12}, {"coal": "auto", "textiles": "auto", "buses": "resample"}
    )
    (note,) = beyond_calibration_notes(table, last_year=2035, horizon=10)
    assert calibrated_steps(12, 10) == 3
    assert "KAZ->PAK export, coal (12 years, calibrated 3 years ahead)" in note.reason
    # a 40-year history is calibrated to the end; a resampled series is not the combination's
    assert "textiles" not in note.reason and "buses" not in note.reason
    assert "0.15" in note.remedy


def test_nothing_past_the_calibrated_years_records_no_fall_back():
    assert beyond_calibration_notes(methods({"coal": 40}, {"coal": "auto"}), last_year=2035, horizon=10) == ()
