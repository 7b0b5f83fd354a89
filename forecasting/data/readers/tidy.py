"""A generic long trade table (CSV or Parquet) with a column mapping, read into FLOWS.

For sources without a reader of their own: national statistics, a colleague's extract,
a database dump. The user maps their column names to ours; everything else (country
codes, flows, periods, HS padding, units) is normalised and checked as for the other
readers.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Literal, Unpack

import numpy as np
import pandas as pd

from forecasting.classify.countries import CountryScheme
from forecasting.classify.hs import VINTAGE_ALIASES
from forecasting.data.readers._cells import (
    check_not_negative,
    countries,
    declared_vintage,
    map_codes,
    pad_hs,
    to_number,
)
from forecasting.data.readers._columns import require_file_columns
from forecasting.data.readers._lines import line_numbers
from forecasting.data.readers._table import finish, pair_flags
from forecasting.data.readers.detect import TextOptions, read_table, text_options
from forecasting.errors import ReaderError, describe_items, option_hint
from forecasting.schema import FLOWS
from forecasting.validation import check_choice

logger = logging.getLogger(__name__)

TidyFreq = Literal["A", "Q", "M"]
#: What a tidy file must name (after ``columns=``); the rest of FLOWS has defaults.
REQUIRED = tuple(c for c in FLOWS.required if c not in ("freq", "classification", "source", "flags"))
_FLOWS = {
    "export": "export",
    "x": "export",
    "exports": "export",
    "import": "import",
    "m": "import",
    "imports": "import",
    "re-export": "re-export",
    "rx": "re-export",
    "re-import": "re-import",
    "rm": "re-import",
}


def _load(path: Path, text: TextOptions) -> pd.DataFrame:
    if path.suffix.lower() in (".parquet", ".pq"):
        try:
            return pd.read_parquet(path)
        except (OSError, ValueError) as exc:
            raise ReaderError(f"{path}: not a readable Parquet file ({exc})") from None
    raw, _ = read_table(path, **text)
    return raw


def _periods(values: pd.Series, freq: pd.Series | None, path: Path) -> tuple[pd.Series, pd.Series]:
    if pd.api.types.is_datetime64_any_dtype(values):
        text = values.dt.strftime("%Y-%m-%d").astype("string")
    else:
        text = values.astype("string").str.strip().str.replace(r"\.0$", "", regex=True)
    year = text.str.extract(r"^(\d{4})$")[0]
    quarter = text.str.extract(r"^(\d{4})-?[Qq]([1-4])$")
    month = text.str.extract(r"^(\d{4})-?(0[1-9]|1[0-2])$")
    day = text.str.extract(r"^(\d{4})-(\d{2})-(\d{2})$")
    inferred = pd.Series(pd.NA, index=values.index, dtype="string")
    inferred = inferred.mask(year.notna(), "A").mask(quarter[0].notna(), "Q").mask(month[0].notna(), "M")
    given = freq.astype("string").str.strip().str.upper() if freq is not None else None
    chosen = given if given is not None else inferred
    undecided = chosen.isna() & day[0].notna()
    if undecided.any():
        raise ReaderError(
            f"{path}: full dates such as {text[undecided].iloc[0]!r} do not say whether the period is a year,"
            f" quarter or month; add a freq column or {option_hint('freq', 'A')} ('Q' or 'M')"
        )
    start = pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns]")
    start = start.mask(year.notna(), pd.to_datetime(year + "-01-01", errors="coerce"))
    q_month = (quarter[1].astype("Float64") * 3 - 2).astype("Int64").astype("string").str.zfill(2)
    start = start.mask(
        quarter[0].notna(), pd.to_datetime(quarter[0] + "-" + q_month + "-01", errors="coerce")
    )
    start = start.mask(month[0].notna(), pd.to_datetime(month[0] + "-" + month[1] + "-01", errors="coerce"))
    start = start.mask(
        day[0].notna(), pd.to_datetime(text.where(day[0].notna()), format="%Y-%m-%d", errors="coerce")
    )
    first_day = (
        ((chosen == "A") & (start.dt.month == 1) & (start.dt.day == 1))
        | ((chosen == "Q") & start.dt.month.isin([1, 4, 7, 10]) & (start.dt.day == 1))
        | ((chosen == "M") & (start.dt.day == 1))
    )
    bad = start.isna() | ~first_day.fillna(False) | ~chosen.isin(["A", "Q", "M"]).fillna(False)
    if bad.any():
        raise ReaderError(
            f"{path}: periods {describe_items(text[bad].astype(str).unique().tolist())} on {line_numbers(bad)}"
            " are not the first day of a year, quarter or month matching freq (use 2021, 2021Q1, 2021-03"
            " or 2021-03-01)"
        )
    return start, chosen.astype(object)


def read_tidy(
    path: str | Path,
    *,
    columns: Mapping[str, str] | None = None,
    source: str = "tidy",
    freq: TidyFreq | None = None,
    classification: str | None = None,
    value_scale: float = 1.0,
    country_scheme: CountryScheme = "auto",
    **text: Unpack[TextOptions],
) -> pd.DataFrame:
    """Read a long CSV/Parquet trade table into FLOWS, renaming columns with ``columns``.

    Countries, flows, periods and HS codes are normalised and checked as by the other
    readers: every row is kept, or the read fails naming the lines at fault.

    Parameters
    ----------
    path
        ``.csv`` (plain or ``.gz``, format detected) or ``.parquet``.
    columns
        Mapping from the file's column names to FLOWS names, e.g. ``{"year": "period",
        "value": "value_usd"}``. Required after renaming: reporter, partner, flow, period,
        commodity, value_usd; optional: freq, classification, quantity, quantity_unit, flags.
    source
        Written to the ``source`` column.
    freq
        Frequency when the file has no ``freq`` column and periods are full dates.
    classification
        HS vintage of digit commodity codes when the file has no ``classification`` column;
        non-digit commodities are named groups (``GROUP``), ``TOTAL`` stays ``TOTAL``.
    value_scale
        Multiplier to US dollars (1000 for thousands).
    country_scheme
        How reporter/partner are coded (see :func:`forecasting.classify.countries.to_iso3`).
    **text
        ``encoding``, ``sep``, ``thousands``, ``decimal`` (:class:`~forecasting.data.readers.detect.TextOptions`):
        declare what detection cannot tell (CSV only).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "mine.csv"
    >>> _ = p.write_text("from,to,dir,year,hs,usd\\nKAZ,PAK,X,2023,2709,10\\n")
    >>> read_tidy(p, columns={"from": "reporter", "to": "partner", "dir": "flow", "year": "period",
    ...                       "hs": "commodity", "usd": "value_usd"}, classification="HS2017")[
    ...     ["reporter", "flow", "period", "freq", "commodity", "value_usd"]].values.tolist()
    [['KAZ', 'export', Timestamp('2023-01-01 00:00:00'), 'A', '2709', 10.0]]
    """
    path = Path(path)
    if freq is not None:
        check_choice("freq", freq, TidyFreq, error=ValueError)
    if not (np.isfinite(value_scale) and value_scale > 0):
        raise ValueError(f"value_scale must be a positive number (1000 for thousands), got {value_scale!r}")
    raw = _load(path, text_options(text, reader="read_tidy"))
    if columns:
        require_file_columns(raw, columns, path=path, what="the file", fix="columns= names them")
        raw = raw.rename(columns=dict(columns))
    require_file_columns(
        raw, REQUIRED, path=path, what="the file", fix=option_hint("columns", {"their name": "our name"})
    )
    raw = raw.reset_index(drop=True)
    out = pd.DataFrame(index=raw.index)
    out["reporter"], reporter_flags = countries(
        raw["reporter"], scheme=country_scheme, path=path, role="reporter"
    )
    out["partner"], partner_flags = countries(
        raw["partner"], scheme=country_scheme, path=path, role="partner"
    )
    out["flow"] = map_codes(
        raw["flow"].astype("string").str.strip().str.lower(),
        _FLOWS,
        path=path,
        what="flows",
        expected="export, import, re-export or re-import (X, M, RX, RM)",
    )
    freq_column = (
        raw["freq"] if "freq" in raw.columns else (pd.Series(freq, index=raw.index) if freq else None)
    )
    out["period"], out["freq"] = _periods(raw["period"], freq_column, path)
    out["commodity"], out["classification"] = _commodities(raw, classification, path)
    out["value_usd"] = to_number(raw["value_usd"], what="value_usd", path=path) * float(value_scale)
    check_not_negative(out["value_usd"], what="values", path=path)
    if "quantity" in raw.columns:
        out["quantity"] = to_number(raw["quantity"], what="quantity", path=path)
        check_not_negative(out["quantity"], what="quantities", path=path)
    if "quantity_unit" in raw.columns:
        out["quantity_unit"] = raw["quantity_unit"].astype(object).where(raw["quantity_unit"].notna(), None)
    given = raw["flags"].fillna("").astype(str) if "flags" in raw.columns else pd.Series("", index=raw.index)
    out["flags"] = pair_flags(reporter_flags, partner_flags, given=given).to_numpy()
    extra = [c for c in raw.columns if c not in out.columns and c not in ("freq", "classification")]
    for name in extra:
        out[name] = raw[name].to_numpy()
    if value_scale != 1.0:
        logger.info("%s: values multiplied by %g to US dollars", path.name, value_scale)
    return finish(out, source=source, path=path, extra=extra)


def _commodities(raw: pd.DataFrame, declared: str | None, path: Path) -> tuple[pd.Series, pd.Series]:
    text = raw["commodity"].astype("string").str.strip().str.replace(r"\.0$", "", regex=True)
    blank = (text.isna() | (text == "")).fillna(True).astype(bool)
    if blank.any():
        raise ReaderError(f"{path}: commodity is empty on {line_numbers(blank)}; use TOTAL for all goods")
    is_total = (text.str.upper() == "TOTAL").fillna(False).astype(bool)
    is_code = text.str.fullmatch(r"\d{1,6}").fillna(False).astype(bool)
    commodity = text.astype(object)
    if is_code.any() or is_total.any():
        padded = pad_hs(text.where(is_code | is_total, "TOTAL"), path=path)
        commodity = padded.where(is_code | is_total, text.astype(object))
    if "classification" in raw.columns:
        given = raw["classification"].astype("string").str.strip()
        classification = given.map(lambda v: VINTAGE_ALIASES.get(str(v).upper(), v) if pd.notna(v) else v)
    else:
        vintage = declared_vintage(declared) if declared else None
        classification = pd.Series(
            np.where(is_total, "TOTAL", np.where(is_code, vintage or "", "GROUP")), index=raw.index
        ).replace("", pd.NA)
        if classification.isna().any():
            raise ReaderError(
                f"{path}: HS codes on {line_numbers(classification.isna())} need their vintage; add a"
                f" classification column or {option_hint('classification', 'HS2017')} (or the right one)"
            )
    return commodity, classification.astype(object)
