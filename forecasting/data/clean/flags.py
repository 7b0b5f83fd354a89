"""What cleaning did, in one table for the data appendix: :func:`describe_flags`.

Each cleaning step appends a code to a row's ``flags`` (';'-separated). The codes and what
they mean are listed in :data:`FLAG_DESCRIPTIONS`.
"""

from __future__ import annotations

import pandas as pd

from forecasting.errors import SchemaError

FLAG_DESCRIPTIONS: dict[str, str] = {
    "hs_concorded": "converted to another HS vintage with the UN correlation tables",
    "hs_split": "value split across several target HS codes (1:n or n:n link), by concordance weights",
    "partial_missing": "sum of merged rows of which some were missing; the total is the reported part",
    "quantity_mixed_units": "merged rows had different quantity units; quantity set to missing",
    "grouped": "HS codes added up into a named commodity group",
    "mirror_filled": "the preferred side did not report; the other side's report was used",
    "mirror_importer": "gravity value taken from the importer's report (CIF)",
    "mirror_exporter": "gravity value taken from the exporter's report (FOB)",
    "mirror_max": "gravity value is the larger of the two reports (CIF basis)",
    "mirror_mean": "gravity value is the mean of the two reports (CIF basis)",
    "mirror_quality_weighted": "gravity value is a reliability-weighted mean of the two reports (CIF basis)",
    "deflated": "value_usd is in constant dollars of the base year",
    "partial_period": "some sub-periods missing or absent; the total covers only the reported ones",
    "uv_outlier": "unit value far from the commodity's median (robust z-score)",
}
_NONE = "(none)"


def describe_flags(df: pd.DataFrame, *, value: str = "value_usd") -> pd.DataFrame:
    """Rows, share of rows and value carrying each cleaning flag, plus untouched rows.

    A row with several flags counts under each, so the rows column can add up to more than
    the table's length; the ``(none)`` line counts rows no step touched.

    Returns
    -------
    pandas.DataFrame
        ``flag, rows, share, value_usd, description``, most frequent flag first.

    Examples
    --------
    >>> import pandas as pd
    >>> f = pd.DataFrame({"flags": ["deflated", "deflated;uv_outlier", ""],
    ...                   "value_usd": [1.0, 2.0, 4.0]})
    >>> describe_flags(f)[["flag", "rows", "share", "value_usd"]].to_dict("records")
    [{'flag': 'deflated', 'rows': 2, 'share': 0.6666666666666666, 'value_usd': 3.0}, \
{'flag': 'uv_outlier', 'rows': 1, 'share': 0.3333333333333333, 'value_usd': 2.0}, \
{'flag': '(none)', 'rows': 1, 'share': 0.3333333333333333, 'value_usd': 4.0}]
    """
    if "flags" not in df.columns:
        raise SchemaError("describe_flags needs a 'flags' column (';'-separated cleaning codes)")
    flags = df["flags"].fillna("").astype(str)
    values = (
        pd.to_numeric(df[value], errors="coerce")
        if value in df.columns
        else pd.Series(float("nan"), index=df.index)
    )
    codes = flags.str.split(";").explode()
    codes = codes[codes != ""]
    total = len(df)
    table = (
        pd.DataFrame({"flag": codes.to_numpy(), "_value": values.loc[codes.index].to_numpy()})
        .groupby("flag", sort=False)
        .agg(rows=("flag", "size"), value_usd=("_value", lambda s: s.sum(min_count=1)))
        .reset_index()
        .sort_values(["rows", "flag"], ascending=[False, True], ignore_index=True)
    )
    untouched = flags == ""
    none_row = pd.DataFrame(
        {"flag": [_NONE], "rows": [int(untouched.sum())], "value_usd": [values[untouched].sum(min_count=1)]}
    )
    table = pd.concat([table, none_row], ignore_index=True) if len(table) else none_row
    table["rows"] = table["rows"].astype("int64")
    table["share"] = table["rows"] / total if total else float("nan")
    table["description"] = table["flag"].map(FLAG_DESCRIPTIONS).fillna("")
    table.loc[table["flag"] == _NONE, "description"] = "rows no cleaning step changed"
    return table[["flag", "rows", "share", "value_usd", "description"]]
