"""The schema validator reports every problem at once, naming rows and codes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from forecasting.errors import SchemaError
from forecasting.schema import ALL_SCHEMAS, FLOWS, FORECAST, add_flag, problems, validate


def _flows(n: int = 3) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "reporter": ["KAZ"] * n,
            "partner": ["PAK", "CHN", "RUS"][:n],
            "flow": ["export"] * n,
            "period": pd.to_datetime(["2024-01-01"] * n),
            "freq": ["A"] * n,
            "commodity": ["TOTAL"] * n,
            "classification": ["TOTAL"] * n,
            "value_usd": [1.0, 0.0, np.nan][:n],
            "source": ["demo"] * n,
            "flags": [""] * n,
        }
    )


def test_a_conforming_table_passes_unchanged():
    flows = _flows()
    assert validate(flows, FLOWS) is flows


def test_every_problem_is_listed_in_one_error():
    bad = _flows()
    bad.loc[0, "reporter"] = "kaz"
    bad.loc[1, "value_usd"] = -5.0
    bad.loc[2, "flow"] = "exports"
    bad = bad.drop(columns="source")
    with pytest.raises(SchemaError) as info:
        validate(bad, FLOWS)
    text = str(info.value)
    assert "4 problem(s)" in text
    assert "'source'" in text and "'kaz'" in text and "below 0.0" in text and "'exports'" in text
    assert "rows 1" in text  # the negative value is located


def test_missing_columns_suggest_renames():
    bad = _flows().rename(columns={"value_usd": "value_usd_"})
    found = problems(bad, FLOWS)
    assert any("did you mean to rename 'value_usd_' -> 'value_usd'" in p for p in found)


def test_duplicate_keys_are_reported_with_rows():
    dup = pd.concat([_flows(1), _flows(1)], ignore_index=True)
    found = problems(dup, FLOWS)
    assert any("share a key" in p and "0, 1" in p for p in found)


def test_zero_and_missing_values_are_both_valid_and_distinct():
    flows = _flows()
    validate(flows, FLOWS)
    assert flows.value_usd.iloc[1] == 0 and np.isnan(flows.value_usd.iloc[2])


def test_caller_named_keys_are_required():
    fc = pd.DataFrame(
        {
            "period": pd.to_datetime(["2030-01-01"]),
            "scenario": ["baseline"],
            "model": ["AutoETS"],
            "level": [80],
            "mean": [1.0],
            "lower": [0.5],
            "upper": [1.5],
        }
    )
    validate(fc, FORECAST)
    with pytest.raises(SchemaError, match="series_id"):
        validate(fc, FORECAST, keys=["series_id"])


def test_non_frames_are_rejected():
    assert problems([1, 2], FLOWS) == ["expected a pandas DataFrame, got list"]


@pytest.mark.parametrize("name", sorted(ALL_SCHEMAS))
def test_empty_frames_of_every_schema_validate(name):
    schema = ALL_SCHEMAS[name]
    validate(schema.empty(), schema)


def test_add_flag_appends_only_where_asked():
    out = add_flag(pd.Series(["", "a", ""]), "b", where=[True, True, False])
    assert out.tolist() == ["b", "a;b", ""]


def test_errors_are_also_builtin_errors():
    from forecasting.errors import ConvergenceError, FetchError, UnknownCodeError

    assert issubclass(SchemaError, ValueError)
    assert issubclass(UnknownCodeError, KeyError)
    assert issubclass(FetchError, OSError)
    assert issubclass(ConvergenceError, RuntimeError)
    assert str(UnknownCodeError("plain message")) == "plain message"
