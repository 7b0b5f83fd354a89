"""Parsing a source's cells into FLOWS values: numbers, HS codes and vintages, countries, code tables.

Every parser names the file and the lines at fault when a cell cannot be represented.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from forecasting.classify.countries import CountryScheme, iso3_with_flags
from forecasting.classify.hs import VINTAGE_ALIASES
from forecasting.data.readers._lines import Locate, file_lines, line_numbers
from forecasting.errors import ReaderError, describe_items, option_hint
from forecasting.validation import check_choice


def to_number(values: pd.Series, *, what: str, path: Path, locate: Locate | None = None) -> pd.Series:
    """Parse numbers; blanks and NA stay missing, anything else unparseable raises ReaderError."""
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        values = values.astype("float64")
        if np.isinf(values).any():
            raise ReaderError(f"{path}: {what} is infinite on {(locate or file_lines())(np.isinf(values))}")
        return values
    text = values.astype("string").str.strip()
    blank = text.isna() | text.isin(["", "NA", "N/A", "NaN", "nan", "null", "NULL", ".", "-"])
    parsed = pd.to_numeric(text.where(~blank), errors="coerce")
    bad = parsed.isna() & ~blank
    if bad.any():
        raise ReaderError(
            f"{path}: {what} is not a number on {(locate or file_lines())(bad)}"
            f" (values {describe_items(text[bad].unique().tolist())}); fix them or declare the number marks"
            f" ({option_hint('thousands', ',')}, {option_hint('decimal', '.', verb='').strip()})"
        )
    infinite = np.isinf(parsed.astype("float64"))
    if infinite.any():
        raise ReaderError(
            f"{path}: {what} is infinite on {(locate or file_lines())(infinite)}; the source is damaged"
        )
    return parsed.astype("float64")


def check_not_negative(values: pd.Series, *, what: str, path: Path, locate: Locate | None = None) -> None:
    """Raise ReaderError naming the lines where ``values`` is negative."""
    negative = values < 0
    if negative.any():
        raise ReaderError(
            f"{path}: {int(negative.sum())} negative {what} on {(locate or file_lines())(negative)}"
            f" (values {describe_items(values[negative].tolist())}); trade values and quantities cannot be"
            " negative — correct the source or remove those rows before reading"
        )


def pad_hs(codes: pd.Series, *, path: Path, locate: Locate | None = None) -> pd.Series:
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
            f" (1-6 digits or TOTAL) on {(locate or file_lines())(bad)}"
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


def map_codes(
    key: pd.Series,
    table: Mapping[str, str],
    *,
    path: Path,
    what: str,
    expected: str,
    locate: Locate | None = None,
) -> pd.Series:
    """``key`` translated by ``table``; values it does not know raise, naming them and their lines.

    Examples
    --------
    >>> map_codes(pd.Series(["X", "M"]), {"X": "export", "M": "import"}, path=Path("f.csv"),
    ...           what="flows", expected="X or M").tolist()
    ['export', 'import']
    """
    mapped = key.map(table)
    bad = mapped.isna()
    if bad.any():
        raise ReaderError(
            f"{path}: {what} {describe_items(key[bad].astype(str).unique().tolist())} on"
            f" {(locate or file_lines())(bad)} are not {expected}"
        )
    return mapped.astype(object)


def resolve_vintages(
    codes: pd.Series,
    commodity: pd.Series,
    declared: str | None,
    *,
    path: Path,
    what: str,
    locate: Locate | None = None,
) -> pd.Series:
    """HS vintage of each row from the file's classification codes, falling back on ``declared``.

    ``TOTAL`` rows get ``TOTAL``; rows whose code names no vintage raise, naming the lines.
    """
    mapped = codes.map(VINTAGE_ALIASES)
    if declared is not None:
        mapped = mapped.fillna(declared_vintage(declared))
    mapped = mapped.where(commodity != "TOTAL", "TOTAL")
    bad = mapped.isna()
    if bad.any():
        raise ReaderError(
            f"{path}: {what} {describe_items(codes[bad].astype(str).unique().tolist())} on"
            f" {(locate or file_lines())(bad)} does not name an HS vintage (H0..H6). 'HS' means"
            f" 'as reported': {option_hint('classification', 'HS2017')} (or the vintage the reporter used)"
        )
    return mapped.astype(object)


def declared_vintage(declared: str) -> str:
    """The FLOWS name of an HS vintage the caller declared (``"HS17"``, ``"H5"``, ``"hs2017"``).

    Examples
    --------
    >>> declared_vintage("hs17")
    'HS2017'
    """
    check_choice("classification", str(declared).upper(), sorted(VINTAGE_ALIASES), error=ValueError)
    return VINTAGE_ALIASES[str(declared).upper()]
