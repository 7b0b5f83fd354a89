"""Constant-dollar values: divide current US dollars by a user-supplied price index.

The index is the user's choice (US CPI, an import unit-value index, the GDP deflator): the
toolkit only rebases it to ``base_year`` and applies it by calendar year of each row's period.
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from forecasting.data.clean._combine import check_flows, period_year
from forecasting.data.clean.accounting import CleanResult, empty_dropped
from forecasting.errors import SchemaError, describe_items
from forecasting.schema import add_flag, require_columns

logger = logging.getLogger(__name__)

STEP = "deflate"


def _as_series(price_index: pd.Series | pd.DataFrame) -> pd.Series:
    if isinstance(price_index, pd.DataFrame):
        require_columns(
            price_index,
            ["year", "index"],
            what="a price-index table",
            fix="give those two columns, or a Series of index values by year",
        )
        series = price_index.set_index("year")["index"]
    else:
        series = pd.Series(price_index)
    series = pd.to_numeric(series, errors="coerce")
    series.index = pd.Index(series.index).astype("int64")
    if series.index.duplicated().any():
        raise SchemaError(
            f"price index lists years twice: {describe_items(sorted(set(series.index[series.index.duplicated()])))}"
        )
    bad = series.isna() | (series <= 0)
    if bad.any():
        raise SchemaError(
            f"price index must be positive numbers; years {describe_items(series.index[bad].tolist())} are not"
        )
    return series


def deflate(
    flows: pd.DataFrame,
    price_index: pd.Series | pd.DataFrame,
    *,
    base_year: int,
    replace: bool = False,
) -> CleanResult:
    """Express ``value_usd`` in constant dollars of ``base_year``.

    Parameters
    ----------
    flows
        A FLOWS table.
    price_index
        Index by calendar year: a Series indexed by year, or a table with ``year`` and
        ``index`` columns. Any base; it is rebased so that ``base_year`` = 1.
    base_year
        The year whose prices the result is in.
    replace
        False (default) adds ``value_usd_const`` and keeps ``value_usd`` as reported;
        True overwrites ``value_usd`` and flags the rows ``deflated``. Either way the
        ``deflator`` column holds the rebased index applied.

    Raises
    ------
    SchemaError
        When the index lacks a year the flows need (naming the years), or the base year.

    Examples
    --------
    >>> import pandas as pd
    >>> f = pd.DataFrame({"reporter": "KAZ", "partner": "PAK", "flow": "export",
    ...     "period": pd.to_datetime(["2020-01-01", "2022-01-01"]), "freq": "A", "commodity": "TOTAL",
    ...     "classification": "TOTAL", "value_usd": [100.0, 121.0], "source": "demo", "flags": ""})
    >>> out, _ = deflate(f, pd.Series({2020: 100.0, 2022: 110.0}), base_year=2020)
    >>> out["value_usd_const"].tolist()
    [100.0, 110.0]
    """
    data = check_flows(flows, STEP)
    index = _as_series(price_index)
    if base_year not in index.index:
        raise SchemaError(
            f"base_year {base_year} is not in the price index (years {index.index.min()}-{index.index.max()})"
        )
    years = period_year(data)
    missing = sorted(set(years) - set(index.index))
    if missing:
        raise SchemaError(
            f"the price index has no value for years {describe_items(missing)} that the flows cover;"
            " extend the index or filter the flows to the years it covers"
        )
    deflator = years.map(index / index[base_year]).astype("float64")
    data["deflator"] = deflator.to_numpy()
    # Multiply before dividing so round numbers stay round (121 * 100 / 110 = 110 exactly).
    constant = data["value_usd"] * index[base_year] / years.map(index).astype("float64").to_numpy()
    if replace:
        data["value_usd"] = constant
        data["flags"] = add_flag(data["flags"], "deflated", np.ones(len(data), dtype=bool))
    else:
        data["value_usd_const"] = constant
    logger.info("deflated %d rows to %d prices", len(data), base_year)
    return CleanResult(data, empty_dropped(flows.columns))
