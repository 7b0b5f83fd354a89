"""Row accounting: CleanResult, dropped records and the balance check."""

from __future__ import annotations

import pandas as pd
import pytest

from forecasting.data.clean.accounting import (
    CleanResult,
    check_accounting,
    concat_dropped,
    empty_dropped,
    record_dropped,
    summarize_dropped,
)
from forecasting.errors import SchemaError
from forecasting.schema import DROPPED, validate


def frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "reporter": ["KAZ", "KAZ", "PAK", "PAK"],
            "period": pd.to_datetime(["2020-01-01", "2021-01-01", "2020-01-01", "2020-01-01"]),
            "value_usd": [10.0, 20.0, 5.0, None],
        },
        index=[7, 8, 9, 10],
    )


def test_record_dropped_keeps_positions_reasons_and_original_columns():
    f = frame()
    dropped = record_dropped(f, [False, True, False, True], step="demo", reason=["a", "b", "c", "d"])
    validate(dropped, DROPPED)
    assert dropped["row"].tolist() == [1, 3]  # positions, not index labels
    assert dropped["reason"].tolist() == ["b", "d"]
    assert dropped["reporter"].tolist() == ["KAZ", "PAK"]
    with pytest.raises(ValueError, match="mask has 2 entries"):
        record_dropped(f, [True, False], step="demo", reason="x")


def test_check_accounting_balances_and_derives_year_from_period():
    f = frame()
    result = CleanResult(
        f.iloc[[0, 2, 3]], record_dropped(f, [False, True, False, False], step="s", reason="r")
    )
    after, dropped = result
    check_accounting(f, after, dropped)
    assert result.n_dropped == 1


def test_check_accounting_names_the_unbalanced_groups():
    f = frame()
    with pytest.raises(
        SchemaError, match=r"1 of 3 groups .*\('KAZ', 2021\): before 20.00, after\+dropped 0.00"
    ):
        check_accounting(f, f.iloc[[0, 2, 3]], empty_dropped(f.columns))
    with pytest.raises(SchemaError, match="accounting lacks column.*'partner'"):
        check_accounting(f, f, empty_dropped(), by=("partner", "year"))


def test_check_accounting_tolerates_rounding_only():
    f = frame()
    check_accounting(f, f.assign(value_usd=f["value_usd"] * (1 + 1e-12)), empty_dropped())
    with pytest.raises(SchemaError):
        check_accounting(f, f.assign(value_usd=f["value_usd"] * 1.001), empty_dropped())


def test_concat_and_summarize_dropped():
    f = frame()
    a = record_dropped(f, [True, False, False, False], step="one", reason="r1")
    b = record_dropped(f, [False, True, True, False], step="two", reason="r2")
    both = concat_dropped(a, empty_dropped(f.columns), b)
    assert len(both) == 3
    summary = summarize_dropped(both)
    assert summary.to_dict("records") == [
        {"step": "two", "reason": "r2", "rows": 2, "value_usd": 25.0},
        {"step": "one", "reason": "r1", "rows": 1, "value_usd": 10.0},
    ]
    assert len(concat_dropped(empty_dropped(["x"]))) == 0
    assert summarize_dropped(empty_dropped()).empty
