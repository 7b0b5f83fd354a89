"""to_frequency: zero versus missing, partial periods, fiscal years, and accounting."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from forecasting.data.clean.accounting import check_accounting
from forecasting.data.clean.aggregate import to_frequency
from forecasting.errors import SchemaError
from forecasting.schema import FLOWS, validate


def monthly(values: list[float], start: str = "2023-01-01", **overrides) -> pd.DataFrame:
    months = pd.date_range(start, periods=len(values), freq="MS")
    base = {
        "reporter": "KAZ",
        "partner": "PAK",
        "flow": "export",
        "freq": "M",
        "commodity": "TOTAL",
        "classification": "TOTAL",
        "source": "demo",
        "flags": "",
    }
    return pd.DataFrame({**base, **overrides, "period": months, "value_usd": np.asarray(values, dtype=float)})


def test_zero_missing_and_partial_kept_apart():
    nan = float("nan")
    f = pd.concat(
        [
            monthly([0.0] * 12, commodity="zeros"),
            monthly([nan] * 12, commodity="missing"),
            monthly([1.0] * 11 + [nan], commodity="gap"),
            monthly([2.0] * 6, commodity="short"),
            monthly([3.0] * 12, commodity="full"),
        ],
        ignore_index=True,
    )
    out, dropped = to_frequency(f, "A")
    validate(out, FLOWS)
    got = out.set_index("commodity")
    assert got.loc["zeros", "value_usd"] == 0.0 and got.loc["zeros", "flags"] == ""
    assert np.isnan(got.loc["missing", "value_usd"]) and got.loc["missing", "flags"] == "partial_period"
    assert got.loc["gap", "value_usd"] == 11.0 and got.loc["gap", "periods_covered"] == 11
    assert got.loc["short", "flags"] == "partial_period" and got.loc["short", "periods_covered"] == 6
    assert got.loc["full", "value_usd"] == 36.0 and got.loc["full", "flags"] == ""
    assert (got["periods_expected"] == 12).all() and (got["freq"] == "A").all()
    check_accounting(f, out, dropped)


def test_quarters_and_passthrough():
    f = monthly([1.0, 2.0, 3.0, 4.0])
    out, _ = to_frequency(f, "Q")
    assert out["value_usd"].tolist() == [6.0, 4.0]
    assert out["flags"].tolist() == ["", "partial_period"]
    assert out["period"].tolist() == [pd.Timestamp("2023-01-01"), pd.Timestamp("2023-04-01")]
    same, _ = to_frequency(f, "M")
    assert same["value_usd"].tolist() == [1.0, 2.0, 3.0, 4.0] and (same["periods_expected"] == 1).all()
    # Annual rows of another flow pass through the annual sum unflagged, even when missing.
    annual_row = monthly([float("nan")], commodity="other").assign(freq="A")
    mixed, _ = to_frequency(pd.concat([f, annual_row], ignore_index=True), "A")
    got = mixed.set_index("commodity")
    assert got.loc["other", "flags"] == "" and got.loc["other", "periods_expected"] == 1
    assert got.loc["TOTAL", "value_usd"] == 10.0 and got.loc["TOTAL", "flags"] == "partial_period"


def test_fiscal_year_for_pakistan():
    f = monthly([1.0] * 24, start="2022-07-01")
    out, _ = to_frequency(f, "A", fiscal_year_start=7)
    assert out["period"].tolist() == [pd.Timestamp("2022-07-01"), pd.Timestamp("2023-07-01")]
    assert out["value_usd"].tolist() == [12.0, 12.0]


def test_errors():
    f = monthly([1.0] * 3)
    with pytest.raises(ValueError, match="'A', 'Q', 'M'"):
        to_frequency(f, "Y")
    with pytest.raises(SchemaError, match="coarser frequency"):
        to_frequency(f.assign(freq="A"), "Q")
    mixed = pd.concat([f, f.iloc[:1].assign(freq="A")], ignore_index=True)
    with pytest.raises(SchemaError, match="two frequencies"):
        to_frequency(mixed, "A")
    with pytest.raises(ValueError, match="month number"):
        to_frequency(f, "A", fiscal_year_start=13)


@settings(max_examples=25, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 2), st.integers(0, 23), st.one_of(st.none(), st.floats(0, 1e6))),
        min_size=1,
        max_size=40,
        unique_by=lambda t: (t[0], t[1]),
    )
)
def test_totals_balance_and_missing_stays_missing_for_any_panel(cells):
    f = pd.DataFrame(
        {
            "reporter": "KAZ",
            "partner": [("PAK", "CHN", "RUS")[p] for p, _, _ in cells],
            "flow": "export",
            "period": [pd.Timestamp("2022-01-01") + pd.DateOffset(months=m) for _, m, _ in cells],
            "freq": "M",
            "commodity": "TOTAL",
            "classification": "TOTAL",
            "value_usd": [np.nan if v is None else v for _, _, v in cells],
            "source": "demo",
            "flags": "",
        }
    )
    for freq in ("Q", "A"):
        out, dropped = to_frequency(f, freq)
        check_accounting(f, out, dropped, by=("reporter", "partner", "year"))
        # A period total is missing exactly when no month in it had a value.
        assert ((out["periods_covered"] == 0) == out["value_usd"].isna()).all()
        assert (
            out["flags"].str.contains("partial_period") == (out["periods_covered"] < out["periods_expected"])
        ).all()
