"""Unit-value outliers by the modified z-score of log unit values."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from forecasting.data.clean.outliers import flag_unit_value_outliers
from forecasting.errors import SchemaError


def frame(values, quantities, commodity="100199", unit="kg") -> pd.DataFrame:
    n = len(values)
    return pd.DataFrame(
        {
            "reporter": "KAZ",
            "partner": [f"P{i:02d}"[:1] + chr(65 + i // 26) + chr(65 + i % 26) for i in range(n)],
            "flow": "export",
            "period": pd.Timestamp("2022-01-01"),
            "freq": "A",
            "commodity": commodity,
            "classification": "HS2017",
            "value_usd": np.asarray(values, dtype=float),
            "quantity": np.asarray(quantities, dtype=float),
            "quantity_unit": unit,
            "source": "demo",
            "flags": "",
        }
    )


def test_robust_z_matches_the_formula_and_flags_only_outliers():
    values = [100, 104, 98, 101, 97, 103, 99, 1000, 10]
    out, dropped = flag_unit_value_outliers(frame(values, [100] * 9))
    logs = np.log(np.asarray(values) / 100)
    med = np.median(logs)
    mad = np.median(np.abs(logs - med))
    np.testing.assert_allclose(out["uv_robust_z"], 0.6745 * (logs - med) / mad, rtol=1e-12)
    assert out["flags"].tolist() == [""] * 7 + ["uv_outlier"] * 2
    assert dropped.empty and len(out) == 9  # flagged, never removed


def test_groups_are_separate_and_small_or_unusable_rows_get_no_score():
    cheap = frame([1, 1.1, 0.9, 1.0, 1.05], [1] * 5, commodity="A")
    dear = frame([1000, 1100, 900, 1000, 1050], [1] * 5, commodity="B")
    few = frame([1, 50], [1, 1], commodity="C")
    zero_q = frame([5.0], [0.0], commodity="A").assign(partner="ZZZ")
    out, _ = flag_unit_value_outliers(pd.concat([cheap, dear, few, zero_q], ignore_index=True))
    assert not out["flags"].str.contains("uv_outlier").any()
    assert out.loc[out["commodity"] == "C", "uv_robust_z"].isna().all()
    assert np.isnan(out.loc[out["partner"] == "ZZZ", "unit_value"].iloc[0])


def test_zero_mad_falls_back_to_mean_absolute_deviation():
    out, _ = flag_unit_value_outliers(frame([10, 10, 10, 10, 10, 10, 500], [1] * 7))
    assert out["flags"].iloc[-1] == "uv_outlier" and out["uv_robust_z"].iloc[0] == pytest.approx(
        0.7979 * (0 - 0) / 1
    )


def test_errors():
    with pytest.raises(SchemaError, match="quantity"):
        flag_unit_value_outliers(frame([1.0], [1.0]).drop(columns=["quantity", "quantity_unit"]))
    with pytest.raises(ValueError, match="threshold must be positive"):
        flag_unit_value_outliers(frame([1.0], [1.0]), threshold=0)
