"""deflate: rebasing, adding or replacing, and errors naming missing years."""

from __future__ import annotations

import pandas as pd
import pytest

from forecasting.data.clean.deflate import deflate
from forecasting.errors import SchemaError

F = pd.DataFrame(
    {
        "reporter": "KAZ",
        "partner": "PAK",
        "flow": "export",
        "period": pd.to_datetime(["2019-01-01", "2020-07-01", "2021-01-01"]),
        "freq": ["A", "M", "A"],
        "commodity": "TOTAL",
        "classification": "TOTAL",
        "value_usd": [200.0, 50.0, float("nan")],
        "source": "demo",
        "flags": ["", "partial_period", ""],
    }
)
# US CPI-U annual averages (BLS series CUUR0000SA0): 2019 255.657, 2020 258.811, 2021 270.970.
CPI = pd.Series({2019: 255.657, 2020: 258.811, 2021: 270.970})


def test_adds_constant_dollars_and_keeps_reported_values():
    before = F.copy()
    out, dropped = deflate(F, CPI, base_year=2021)
    pd.testing.assert_frame_equal(F, before)
    assert out["value_usd"].equals(F["value_usd"]) and dropped.empty
    assert out.loc[0, "value_usd_const"] == pytest.approx(200.0 * 270.970 / 255.657, rel=1e-12)
    assert out.loc[1, "deflator"] == pytest.approx(258.811 / 270.970)
    assert pd.isna(out.loc[2, "value_usd_const"])  # missing stays missing
    assert out["flags"].tolist() == ["", "partial_period", ""]


def test_replace_flags_rows_and_accepts_a_table():
    table = CPI.rename("index").rename_axis("year").reset_index()
    out, _ = deflate(F, table, base_year=2019, replace=True)
    assert out.loc[0, "value_usd"] == 200.0 and "value_usd_const" not in out
    assert out["flags"].tolist() == ["deflated", "partial_period;deflated", "deflated"]


def test_errors_name_years_and_columns():
    with pytest.raises(SchemaError, match="no value for years 2021"):
        deflate(F, CPI.drop(2021), base_year=2019)
    with pytest.raises(SchemaError, match="base_year 2015 is not in the price index"):
        deflate(F, CPI, base_year=2015)
    with pytest.raises(SchemaError, match="positive numbers; years 2020"):
        deflate(F, CPI.replace(258.811, 0.0), base_year=2019)
    with pytest.raises(SchemaError, match=r"lacks column\(s\) 'year', 'index'"):
        deflate(F, pd.DataFrame({"yr": [2019], "cpi": [1.0]}), base_year=2019)
