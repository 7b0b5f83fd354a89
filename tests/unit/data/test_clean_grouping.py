"""group_commodities: named and user groups, the catch-all, and accounting."""

from __future__ import annotations

import pandas as pd
import pytest

from forecasting.classify.groups import CommodityGroup
from forecasting.data.clean.accounting import check_accounting
from forecasting.data.clean.grouping import group_commodities
from forecasting.errors import SchemaError, UnknownCodeError
from forecasting.schema import FLOWS, validate


def flows(codes_values: list[tuple[str, float]], **overrides) -> pd.DataFrame:
    base = {
        "reporter": "PAK",
        "partner": "KAZ",
        "flow": "export",
        "period": pd.Timestamp("2023-01-01"),
        "freq": "A",
        "classification": "HS2017",
        "source": "demo",
        "flags": "",
    }
    return pd.DataFrame([{**base, **overrides, "commodity": c, "value_usd": v} for c, v in codes_values])


F = flows(
    [
        ("300490", 5.0),
        ("520512", 2.0),
        ("870240", 7.0),
        ("870210", 1.0),
        ("100630", 4.0),
        ("999999", float("nan")),
    ]
)


def test_default_groups_longest_prefix_and_other():
    out, dropped = group_commodities(F, groups=["pharma", "textiles", "buses", "electric_buses"])
    validate(out, FLOWS)
    values = out.set_index("commodity")["value_usd"].to_dict()
    assert values == {"buses": 1.0, "electric_buses": 7.0, "other": 4.0, "pharma": 5.0, "textiles": 2.0}
    assert (out["classification"] == "GROUP").all() and out["flags"].str.contains("grouped").all()
    # 100630 reported 4, 999999 missing: the 'other' total is the reported part, flagged.
    assert "partial_missing" in out.set_index("commodity").loc["other", "flags"]
    assert dropped.empty
    check_accounting(F, out, dropped)


def test_drop_unassigned_records_them():
    out, dropped = group_commodities(F, groups=["pharma"], unassigned="drop")
    assert out["commodity"].tolist() == ["pharma"]
    assert sorted(dropped["commodity"]) == ["100630", "520512", "870210", "870240", "999999"]
    assert dropped["reason"].str.contains("none of the requested").all()
    check_accounting(F, out, dropped)


def test_user_group_and_totals_pass_through():
    rice = CommodityGroup("rice", prefixes=("1006",), description="Rice")
    f = pd.concat([F, flows([("TOTAL", 19.0)], classification="TOTAL")], ignore_index=True)
    out, _ = group_commodities(f, groups=[rice])
    values = out.set_index("commodity")["value_usd"].to_dict()
    assert values["rice"] == 4.0 and values["TOTAL"] == 19.0 and values["other"] == 15.0


def test_errors():
    with pytest.raises(UnknownCodeError, match="did you mean 'textiles'"):
        group_commodities(F, groups=["textile"])
    with pytest.raises(ValueError, match="use one of 'other', 'drop'"):
        group_commodities(F, unassigned="keep")
    two = pd.concat([F, F.assign(classification="HS2022")], ignore_index=True)
    with pytest.raises(SchemaError, match="several HS vintages"):
        group_commodities(two)
