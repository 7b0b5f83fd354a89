"""Input normalisation: frequencies, period starts, gaps, duplicates and messages."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from forecasting.errors import SchemaError
from forecasting.timeseries.frame import parse_freq, to_panel


def monthly(n: int = 24) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "series": "kz",
            "period": pd.date_range("2019-01-31", periods=n, freq="ME"),
            "value": np.arange(n, dtype=float) + 1,
        }
    )


def test_month_end_dates_move_to_month_start_and_frequency_is_inferred():
    panel = to_panel(monthly(), keys=["series"])
    assert panel.freq.code == "M" and panel.freq.season_length == 12
    assert panel.data["ds"].iloc[0] == pd.Timestamp("2019-01-01")
    assert (panel.data["ds"].dt.day == 1).all()


def test_integer_years_are_annual_periods():
    df = pd.DataFrame({"hs": "27", "period": [2001, 2002, 2003], "value": [1.0, 2.0, 3.0]})
    panel = to_panel(df, keys=["hs"])
    assert panel.freq.code == "A"
    assert panel.data["ds"].tolist() == [pd.Timestamp(f"{y}-01-01") for y in (2001, 2002, 2003)]


@pytest.mark.parametrize("alias, code", [("YS", "A"), ("A", "A"), ("QS", "Q"), ("MS", "M"), ("ME", "M")])
def test_pandas_aliases_map_to_our_codes(alias, code):
    assert parse_freq(alias).code == code


def test_unknown_frequency_lists_valid_spellings():
    with pytest.raises(SchemaError, match="'A' \\(annual\\)"):
        parse_freq("W")


def test_inner_gap_raises_naming_series_and_period():
    df = monthly().drop(index=[5, 6])
    with pytest.raises(SchemaError, match=r"series=kz missing '2019-06', '2019-07'"):
        to_panel(df, keys=["series"])


def test_gap_fill_policies():
    df = monthly().drop(index=[5])
    zero = to_panel(df, keys=["series"], gaps="zero").data
    interp = to_panel(df, keys=["series"], gaps="interpolate").data
    assert len(zero) == 24 and zero.loc[5, "y"] == 0.0
    assert interp.loc[5, "y"] == pytest.approx(6.0)


def test_missing_values_at_the_ends_are_trimmed_not_filled():
    df = monthly()
    df.loc[[0, 23], "value"] = np.nan
    data = to_panel(df, keys=["series"]).data
    assert len(data) == 22 and data["ds"].iloc[0] == pd.Timestamp("2019-02-01")


def test_duplicates_are_reported_with_rows():
    df = pd.concat([monthly(), monthly().iloc[[3]]], ignore_index=True)
    with pytest.raises(SchemaError, match=r"2 rows repeat a series and period .* rows 3, 24"):
        to_panel(df, keys=["series"])


def test_missing_columns_suggest_time_and_value_options():
    df = monthly().rename(columns={"value": "value_usd"})
    with pytest.raises(SchemaError, match="value_col="):
        to_panel(df, keys=["series"])
    assert len(to_panel(df, keys=["series"], value_col="value_usd").data) == 24


def test_non_numeric_values_name_rows():
    df = monthly()
    df["value"] = df["value"].astype(object)
    df.loc[2, "value"] = "n/a"
    with pytest.raises(SchemaError, match="non-numeric values in rows 2"):
        to_panel(df, keys=["series"])


def test_reserved_key_names_are_refused():
    df = monthly().rename(columns={"series": "model"})
    with pytest.raises(SchemaError, match="reserved"):
        to_panel(df, keys=["model"])
