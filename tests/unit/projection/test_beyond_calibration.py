"""The outlook's baseline draws past the years a series' calibration covers."""

from __future__ import annotations

import numpy as np
import pandas as pd

from forecasting.projection.beyond_calibration import (
    BEYOND_CALIBRATION_VOLATILITY,
    calibrated_steps,
    widen_beyond_calibration,
)

KEYS = {"reporter": "KAZ", "partner": "PAK", "flow": "export"}


def frames(years_by_commodity: dict[str, int], methods: dict[str, str], draws: int = 4000):
    paths = pd.concat(
        pd.DataFrame({**KEYS, "commodity": c, "draw": np.repeat(np.arange(draws), 10),
                      "year": np.tile(np.arange(2026, 2036), draws), "value": 50.0})
        for c in years_by_commodity
    )  # fmt: skip
    table = pd.DataFrame(
        [{**KEYS, "commodity": c, "method": methods[c], "years": n} for c, n in years_by_commodity.items()]
    )
    return paths, table


def test_only_the_years_past_the_calibrated_steps_widen_like_the_stated_random_walk():
    paths, methods = frames({"coal": 12, "textiles": 40, "buses": 12}, {"coal": "auto", "textiles": "auto",
                            "buses": "resample"})  # fmt: skip
    wide, notes = widen_beyond_calibration(paths, methods, seed=7)
    steps = calibrated_steps(12, 10)
    assert steps == 3
    coal = wide[wide.commodity == "coal"].pivot(index="draw", columns="year", values="value")
    np.testing.assert_array_equal(coal.loc[:, :2028].to_numpy(), 50.0)
    logs = np.log(coal.loc[:, 2029:].to_numpy() / 50.0)
    variance = logs.var(axis=0)
    expected = BEYOND_CALIBRATION_VOLATILITY**2 * np.arange(1, 8)
    np.testing.assert_allclose(variance, expected, rtol=0.1)
    assert np.abs(np.median(logs, axis=0)).max() < 0.03  # medians stay
    # a 40-year history is calibrated to the end; a resampled series is not the combination's
    for other in ("textiles", "buses"):
        assert wide[wide.commodity == other].value.eq(50.0).all()
    (note,) = notes
    assert "KAZ->PAK export, coal (12 years, calibrated 3 years ahead)" in note.reason
    assert "textiles" not in note.reason and "buses" not in note.reason


def test_nothing_to_widen_records_no_fall_back():
    paths, methods = frames({"coal": 40}, {"coal": "auto"}, draws=10)
    wide, notes = widen_beyond_calibration(paths, methods, seed=1)
    assert notes == () and wide.value.eq(50.0).all()
