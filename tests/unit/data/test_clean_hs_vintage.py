"""convert_hs: splits, merges, pass-through, duplicates across vintages, and full accounting."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from forecasting.classify.concordance import Concordance
from forecasting.data.clean.accounting import check_accounting
from forecasting.data.clean.hs_vintage import convert_hs
from forecasting.schema import FLOWS, validate

CONC = Concordance(
    pd.DataFrame(
        [
            ("HS2017", "HS2012", "222222", "111111"),
            ("HS2017", "HS2012", "444444", "111111"),
            ("HS2017", "HS2012", "777777", "666666"),
            ("HS2017", "HS2012", "777777", "111112"),
            ("HS2017", "HS2012", "444444", "111112"),
            ("HS2022", "HS2017", "555551", "222222"),
            ("HS2022", "HS2017", "555552", "222222"),
            ("HS2022", "HS2017", "444444", "444444"),
            ("HS2022", "HS2017", "333333", "333331"),
            ("HS2022", "HS2017", "333333", "333332"),
        ],
        columns=["newer", "older", "code_newer", "code_older"],
    )
)


def flows(rows: list[dict]) -> pd.DataFrame:
    base = {
        "reporter": "KAZ",
        "partner": "PAK",
        "flow": "export",
        "period": pd.Timestamp("2021-01-01"),
        "freq": "A",
        "classification": "HS2017",
        "source": "demo",
        "flags": "",
        "quantity": 10.0,
        "quantity_unit": "kg",
    }
    return pd.DataFrame([{**base, **r} for r in rows])


def test_split_and_merge_keep_totals_and_flag_rows():
    f = flows(
        [
            {"commodity": "222222", "value_usd": 100.0},
            {"commodity": "333331", "value_usd": 30.0},
            {"commodity": "333332", "value_usd": None},
            {"commodity": "TOTAL", "classification": "TOTAL", "value_usd": 130.0},
        ]
    )
    before = f.copy()
    out, dropped = convert_hs(f, to="HS2022", concordance=CONC)
    pd.testing.assert_frame_equal(f, before)  # pure: the input is untouched
    validate(out, FLOWS)
    got = out.set_index("commodity")
    assert got.loc["555551", "value_usd"] == 50.0 and got.loc["555552", "quantity"] == 5.0
    assert got.loc["555551", "flags"] == "hs_concorded;hs_split"
    # 30 reported + one missing row merged: the reported part, flagged.
    assert got.loc["333333", "value_usd"] == 30.0
    assert got.loc["333333", "flags"] == "hs_concorded;partial_missing"
    assert got.loc["TOTAL", "flags"] == "" and got.loc["TOTAL", "classification"] == "TOTAL"
    assert dropped.empty
    check_accounting(f, out, dropped)


def test_all_missing_merge_stays_missing():
    f = flows(
        [
            {"commodity": "333331", "value_usd": float("nan")},
            {"commodity": "333332", "value_usd": float("nan")},
        ]
    )
    out, _ = convert_hs(f, to="HS2022", concordance=CONC)
    assert out["value_usd"].isna().all() and len(out) == 1


def test_rows_that_cannot_convert_are_set_aside_with_reasons():
    f = flows(
        [
            {"commodity": "999999", "value_usd": 7.0},
            {"commodity": "2222", "value_usd": 3.0},
            {"commodity": "444444", "value_usd": 1.0},
        ]
    )
    out, dropped = convert_hs(f, to="HS2022", concordance=CONC)
    reasons = dict(zip(dropped["commodity"], dropped["reason"], strict=True))
    assert "not found in the HS2017 side" in reasons["999999"]
    assert "not a 6-digit HS subheading" in reasons["2222"]
    assert dropped["row"].tolist() == [1, 0]
    check_accounting(f, out, dropped)


def test_copy_reported_in_target_vintage_is_not_counted_twice():
    f = flows(
        [
            {"commodity": "444444", "classification": "HS2022", "value_usd": 10.0},
            {"commodity": "444444", "classification": "HS2017", "value_usd": 10.0},
            {"commodity": "444444", "classification": "HS2017", "value_usd": 4.0, "partner": "CHN"},
        ]
    )
    out, dropped = convert_hs(f, to="HS2022", concordance=CONC)
    assert out.set_index("partner")["value_usd"].to_dict() == {"PAK": 10.0, "CHN": 4.0}
    assert dropped["reason"].str.contains("counted twice").all() and dropped["row"].tolist() == [1]
    check_accounting(f, out, dropped, by=("reporter", "partner", "year"))


def test_chain_gap_share_is_set_aside():
    # 666666 reaches 777777 in HS2017, which has no link onward to HS2022.
    # 111112 splits equally into 777777 (dead end) and 444444: half its value is set aside.
    f = flows(
        [
            {"commodity": "666666", "value_usd": 8.0},
            {"commodity": "111111", "value_usd": 4.0},
            {"commodity": "111112", "value_usd": 6.0, "quantity": 2.0},
        ]
    ).assign(classification="HS2012")
    out, dropped = convert_hs(f, to="HS2022", concordance=CONC)
    assert dropped["value_usd"].tolist() == [8.0, 3.0]
    assert dropped["quantity"].tolist() == [10.0, 1.0]
    assert dropped["reason"].str.contains("no link|no onward link").all()
    assert out["value_usd"].sum() == pytest.approx(7.0)
    check_accounting(f, out, dropped)


def test_trade_weights_and_aliases():
    f = flows([{"commodity": "222222", "value_usd": 100.0, "classification": "H5"}])
    out, _ = convert_hs(f, to="H6", concordance=CONC, weights=pd.Series({"555551": 3.0, "555552": 1.0}))
    assert out.set_index("commodity")["value_usd"].to_dict() == {"555551": 75.0, "555552": 25.0}
    assert (out["classification"] == "HS2022").all()


def test_bad_input_is_rejected_with_schema_problems():
    with pytest.raises(ValueError, match="missing columns"):
        convert_hs(pd.DataFrame({"commodity": ["010121"]}), to="HS2022", concordance=CONC)


@settings(max_examples=25, deadline=None)
@given(
    links=st.lists(st.tuples(st.integers(0, 5), st.integers(0, 5)), min_size=1, max_size=15),
    rows=st.lists(
        st.tuples(st.integers(0, 7), st.one_of(st.none(), st.floats(0, 1e6))),
        min_size=1,
        max_size=8,
        unique_by=lambda t: t[0],
    ),
)
def test_any_concordance_keeps_every_dollar(links, rows):
    conc = Concordance(
        pd.DataFrame(
            [("HS2022", "HS2017", f"20000{b}", f"10000{a}") for a, b in links],
            columns=["newer", "older", "code_newer", "code_older"],
        )
    )
    # Codes 100006 and 100007 are never linked: they must land in dropped, not vanish.
    f = flows([{"commodity": f"10000{c}", "value_usd": np.nan if v is None else v} for c, v in rows])
    out, dropped = convert_hs(f, to="HS2022", concordance=conc)
    check_accounting(f, out, dropped)
    assert len(dropped) == sum(1 for c, _ in rows if c not in {a for a, _ in links})
