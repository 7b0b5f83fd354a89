"""describe_flags: counts, shares and value per cleaning code."""

from __future__ import annotations

import pandas as pd
import pytest

from forecasting.data.clean.flags import FLAG_DESCRIPTIONS, describe_flags
from forecasting.errors import SchemaError


def test_counts_each_code_and_untouched_rows():
    df = pd.DataFrame(
        {
            "flags": ["hs_concorded;hs_split", "hs_concorded", "", None, "custom_code"],
            "value_usd": [1.0, 2.0, 3.0, float("nan"), 5.0],
        }
    )
    table = describe_flags(df).set_index("flag")
    assert table.loc["hs_concorded", "rows"] == 2 and table.loc["hs_concorded", "value_usd"] == 3.0
    assert table.loc["hs_concorded", "share"] == pytest.approx(0.4)
    assert table.loc["(none)", "rows"] == 2 and table.loc["(none)", "value_usd"] == 3.0
    assert table.loc["hs_split", "description"] == FLAG_DESCRIPTIONS["hs_split"]
    assert table.loc["custom_code", "description"] == ""


def test_every_code_the_steps_write_is_described():
    for code in (
        "mirror_filled",
        "hs_concorded",
        "hs_split",
        "deflated",
        "uv_outlier",
        "partial_period",
        "partial_missing",
        "grouped",
        "mirror_importer",
        "mirror_quality_weighted",
    ):
        assert code in FLAG_DESCRIPTIONS


def test_needs_flags_column():
    with pytest.raises(SchemaError, match="'flags' column"):
        describe_flags(pd.DataFrame({"value_usd": [1.0]}))
    empty = describe_flags(
        pd.DataFrame({"flags": pd.Series(dtype=object), "value_usd": pd.Series(dtype=float)})
    )
    assert empty["flag"].tolist() == ["(none)"] and empty["rows"].tolist() == [0]
