"""Pieces every reader shares: column look-up, number parsing, HS codes, the final FLOWS check."""

from __future__ import annotations

import difflib
import logging
import re
from collections.abc import Iterable, Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from forecasting.classify.countries import CountryScheme, iso3_with_flags
from forecasting.classify.hs import VINTAGE_ALIASES
from forecasting.errors import ReaderError, SchemaError, describe_items
from forecasting.schema import FLOWS, add_flag, validate

logger = logging.getLogger(__name__)

#: Comtrade classification codes and BACI revision tags -> the FLOWS classification name.
HS_VINTAGES = VINTAGE_ALIASES


def squash(name: object) -> str:
    """Lower-case a column name and drop everything but letters and digits.

    Examples
    --------
    >>> squash("Trade Value (US$)"), squash("primaryValue")
    ('tradevalueus', 'primaryvalue')
    """
    return re.sub(r"[^a-z0-9]", "", str(name).lower())


def find_columns(
    columns: Iterable[object], wanted: Mapping[str, Iterable[str]], *, path: Path, required: Iterable[str]
) -> dict[str, str]:
    """Map each wanted field to the file's column, matching names case- and punctuation-blind.

    ``wanted`` maps our field to the spellings sources use; fields in ``required`` that are
    absent raise one :class:`ReaderError` listing all of them with close matches.
    """
    by_squash = {squash(c): str(c) for c in columns}
    found: dict[str, str] = {}
    for field, spellings in wanted.items():
        for spelling in spellings:
            if squash(spelling) in by_squash:
                found[field] = by_squash[squash(spelling)]
                break
    missing = [f for f in required if f not in found]
    if missing:
        tips = []
        for field in missing:
            first = next(iter(wanted[field]))
            close = difflib.get_close_matches(squash(first), list(by_squash), n=1, cutoff=0.6)
            tips.append(f"'{first}'" + (f" (is '{by_squash[close[0]]}' it?)" if close else ""))
        raise ReaderError(
            f"{path}: missing column(s) {', '.join(tips)}; the file has {describe_items(list(map(str, columns)), 12)}."
            " Rename the columns or use read_tidy with a column mapping"
        )
    return found


def apply_number_format(frame: pd.DataFrame, thousands: str | None, decimal: str) -> pd.DataFrame:
    """Rewrite numbers in a text-typed frame to plain ``1234.5`` form under the file's marks.

    Only cells that are wholly a number in that format change ("1.234,5" with thousands "."
    and decimal ","), so names such as "Korea, Rep." and dates are left alone.

    Examples
    --------
    >>> f = pd.DataFrame({"v": ["1.234,5", "7"], "name": ["Korea, Rep.", "x"]}, dtype="string")
    >>> apply_number_format(f, ".", ",")["v"].tolist()
    ['1234.5', '7']
    """
    if thousands is None and decimal == ".":
        return frame
    group = re.escape(thousands) if thousands else ""
    pattern = rf"^\s*-?\d[\d{group}]*(?:{re.escape(decimal)}\d+)?\s*$"
    out = frame.copy()
    for column in out.columns:
        text = out[column].astype("string")
        numeric = text.str.match(pattern).fillna(False).astype(bool)
        if not numeric.any():
            continue
        cleaned = text.str.strip()
        if thousands:
            cleaned = cleaned.str.replace(thousands, "", regex=False)
        if decimal != ".":
            cleaned = cleaned.str.replace(decimal, ".", regex=False)
        out[column] = text.where(~numeric, cleaned)
    return out


def line_numbers(mask: pd.Series | np.ndarray, *, first_line: int = 2) -> str:
    """Describe the file lines (header is line 1) where ``mask`` holds."""
    positions = np.flatnonzero(np.asarray(mask, dtype=bool))
    return f"line(s) {describe_items([int(p) + first_line for p in positions])}"


def to_number(values: pd.Series, *, what: str, path: Path, first_line: int = 2) -> pd.Series:
    """Parse numbers; blanks and NA stay missing, anything else unparseable raises ReaderError."""
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        values = values.astype("float64")
        if np.isinf(values).any():
            raise ReaderError(
                f"{path}: {what} is infinite on {line_numbers(np.isinf(values), first_line=first_line)}"
            )
        return values
    text = values.astype("string").str.strip()
    blank = text.isna() | text.isin(["", "NA", "N/A", "NaN", "nan", "null", "NULL", ".", "-"])
    parsed = pd.to_numeric(text.where(~blank), errors="coerce")
    bad = parsed.isna() & ~blank
    if bad.any():
        raise ReaderError(
            f"{path}: {what} is not a number on {line_numbers(bad, first_line=first_line)}"
            f" (values {describe_items(text[bad].unique().tolist())}); fix them or declare thousands=/decimal="
        )
    infinite = np.isinf(parsed.astype("float64"))
    if infinite.any():
        raise ReaderError(
            f"{path}: {what} is infinite on {line_numbers(infinite, first_line=first_line)}; the source is damaged"
        )
    return parsed.astype("float64")


def check_not_negative(values: pd.Series, *, what: str, path: Path, first_line: int = 2) -> None:
    """Raise ReaderError naming the lines where ``values`` is negative."""
    negative = values < 0
    if negative.any():
        raise ReaderError(
            f"{path}: {int(negative.sum())} negative {what} on {line_numbers(negative, first_line=first_line)}"
            f" (values {describe_items(values[negative].tolist())}); trade values and quantities cannot be"
            " negative — correct the source or remove those rows before reading"
        )


def pad_hs(codes: pd.Series, *, path: Path, first_line: int = 2) -> pd.Series:
    """Zero-pad HS codes that lost their leading zero (10121 -> 010121); TOTAL stays TOTAL.

    Examples
    --------
    >>> pad_hs(pd.Series(["10121", "2709", "TOTAL", "27"]), path=Path("x")).tolist()
    ['010121', '2709', 'TOTAL', '27']
    """
    text = codes.astype("string").str.strip().str.replace(r"\.0$", "", regex=True)
    total = text.str.upper().isin(["TOTAL", "ALL", "AG0"])
    digits = text.str.fullmatch(r"\d{1,6}").fillna(False)
    padded = text.where((text.str.len() % 2 == 0).fillna(True), "0" + text)
    bad = (~(total.fillna(False) | digits) | text.isna()).astype(bool)
    if bad.any():
        raise ReaderError(
            f"{path}: commodity codes {describe_items(text[bad].astype(str).unique().tolist())} are not HS codes"
            f" (1-6 digits or TOTAL) on {line_numbers(bad, first_line=first_line)}"
        )
    return padded.where(~total, "TOTAL").astype(object)


def countries(
    codes: pd.Series, *, scheme: CountryScheme, path: Path, role: str
) -> tuple[pd.Series, pd.Series]:
    """ISO3 codes and flags for a reporter/partner column, with the file named in errors."""
    missing = codes.isna() | (codes.astype("string").str.strip() == "")
    if missing.any():
        raise ReaderError(f"{path}: {role} is empty on {line_numbers(missing)}; every row needs a {role}")
    try:
        return iso3_with_flags(codes, scheme=scheme)
    except KeyError as exc:  # UnknownCodeError
        raise type(exc)(f"{path}: {role}: {exc}") from None


def finish(frame: pd.DataFrame, *, source: str, path: Path | str, extra: Iterable[str] = ()) -> pd.DataFrame:
    """Put FLOWS columns first in schema order, fix dtypes, fill flags, and validate.

    Raises :class:`ReaderError` (a SchemaError) listing every problem, prefixed with the file.
    """
    out = pd.DataFrame(index=pd.RangeIndex(len(frame)))
    for column in FLOWS.columns:
        if column.name == "source":
            out["source"] = source
        elif column.name == "flags":
            flags = frame["flags"].to_numpy() if "flags" in frame else ""
            out["flags"] = pd.Series(flags, index=out.index).fillna("").astype(str).astype(object)
        elif column.name in frame.columns:
            out[column.name] = frame[column.name].to_numpy()
        elif column.name == "quantity":
            out[column.name] = np.nan
        elif column.name == "quantity_unit":
            out[column.name] = pd.Series([None] * len(frame), dtype=object)
    out["period"] = pd.to_datetime(out["period"]).astype("datetime64[ns]")
    for name in ("value_usd", "quantity"):
        out[name] = out[name].astype("float64")
    for name in ("reporter", "partner", "flow", "freq", "commodity", "classification", "source"):
        out[name] = out[name].astype(object)
    for name in extra:
        if name in frame.columns:
            out[name] = frame[name].to_numpy()
    try:
        return validate(out, FLOWS)
    except SchemaError as exc:
        raise ReaderError(f"{path}: {exc}") from None


def flag_where(flags: pd.Series, code: str, where: pd.Series | np.ndarray) -> pd.Series:
    """Append ``code`` where ``where`` holds (``add_flag`` with a positional mask)."""
    return add_flag(flags.reset_index(drop=True), code, np.asarray(where, dtype=bool))


def merge_flags(*columns: pd.Series) -> pd.Series:
    """Join several flag columns row by row, skipping empty ones.

    Examples
    --------
    >>> merge_flags(pd.Series(["a", ""]), pd.Series(["", ""]), pd.Series(["b", "c"])).tolist()
    ['a;b', 'c']
    """
    parts = [c.reset_index(drop=True).fillna("").astype(str) for c in columns]
    joined = parts[0]
    for part in parts[1:]:
        both = (joined != "") & (part != "")
        joined = (joined + np.where(both, ";", "") + part).astype(str)
    return joined.astype(object)


def resolve_vintages(
    codes: pd.Series,
    commodity: pd.Series,
    declared: str | None,
    *,
    path: Path,
    what: str,
    first_line: int = 2,
) -> pd.Series:
    """HS vintage of each row from the file's classification codes, falling back on ``declared``.

    ``TOTAL`` rows get ``TOTAL``; rows whose code names no vintage raise, naming the lines.
    """
    mapped = codes.map(HS_VINTAGES)
    if declared is not None:
        if declared.upper() not in HS_VINTAGES:
            raise ValueError(f"classification={declared!r} is not one of {', '.join(sorted(HS_VINTAGES))}")
        mapped = mapped.fillna(HS_VINTAGES[declared.upper()])
    mapped = mapped.where(commodity != "TOTAL", "TOTAL")
    bad = mapped.isna()
    if bad.any():
        raise ReaderError(
            f"{path}: {what} {describe_items(codes[bad].astype(str).unique().tolist())} on"
            f" {line_numbers(bad, first_line=first_line)} does not name an HS vintage (H0..H6). 'HS' means"
            " 'as reported': pass classification='HS2017' (or the vintage the reporter used)"
        )
    return mapped.astype(object)
