"""HS code normalisation: strings, zero padding, and validation.

Comtrade and BACI publish HS codes as numbers, which loses the leading zero of chapters
01-09 (``10121`` is ``010121``). Everything in the toolkit uses zero-padded strings.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from forecasting.errors import UnknownCodeError, describe_items

HS_VINTAGES = ("HS1992", "HS1996", "HS2002", "HS2007", "HS2012", "HS2017", "HS2022")
# Every spelling of a vintage the sources use: Comtrade's H0..H6, BACI's HS92..HS22, full names.
VINTAGE_ALIASES: dict[str, str] = {
    **{f"H{i}": v for i, v in enumerate(HS_VINTAGES)},
    **{"HS" + v[-2:]: v for v in HS_VINTAGES},
    **{v: v for v in HS_VINTAGES},
}
_DIGITS = re.compile(r"^\d+$")


def normalize_hs(codes: pd.Series | list[object], *, digits: int | None = 6) -> pd.Series:
    """Return HS codes as zero-padded strings.

    Numbers and strings are accepted (``10121``, ``"10121"``, ``"0101.21"``). A code of odd
    length lost its leading zero when stored as a number and gets it back. With ``digits``
    set, every code must then have exactly that many digits; ``digits=None`` keeps each
    code's own level (2, 4 or 6 digits).

    Examples
    --------
    >>> normalize_hs([10121, "270900", "8702.40"]).tolist()
    ['010121', '270900', '870240']
    >>> normalize_hs([1, "2701", 30], digits=None).tolist()
    ['01', '2701', '30']
    """
    if digits not in (2, 4, 6, None):
        raise ValueError(f"digits must be 2, 4, 6 or None, got {digits}")
    series = pd.Series(codes, copy=False)
    text = series.map(_to_text)
    text = text.where(text.isna() | (text.str.len() % 2 == 0), "0" + text)
    ok_digits = text.fillna("").str.match(_DIGITS)
    lengths = text.str.len()
    wanted = lengths.isin([2, 4, 6]) if digits is None else lengths == digits
    bad = text.isna() | ~ok_digits | ~wanted.fillna(False)
    if bad.any():
        level = "2, 4 or 6" if digits is None else str(digits)
        raise UnknownCodeError(
            f"{int(bad.sum())} values are not HS codes of {level} digits:"
            f" {describe_items(series[bad].astype(str).unique().tolist())}."
            " Remove text such as 'TOTAL' or 'AG2' first, or pass digits= matching the data."
        )
    return text.astype(object)


def _to_text(value: object) -> str | float:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return np.nan
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        return str(int(value)) if float(value).is_integer() else np.nan
    return str(value).strip().replace(".", "").replace(" ", "")


def hs_chapter(codes: pd.Series) -> pd.Series:
    """The two-digit chapter of zero-padded HS codes.

    Examples
    --------
    >>> hs_chapter(pd.Series(["870240", "300490"])).tolist()
    ['87', '30']
    """
    return codes.astype(str).str[:2]


def check_vintage(name: str) -> str:
    """Validate an HS vintage name such as ``"HS2017"`` (also accepts ``"H5"`` and ``"HS17"``).

    Examples
    --------
    >>> check_vintage("H5"), check_vintage("HS92")
    ('HS2017', 'HS1992')
    """
    key = name.strip().upper()
    if key in VINTAGE_ALIASES:
        return VINTAGE_ALIASES[key]
    raise UnknownCodeError(f"unknown HS vintage {name!r}; valid names are {', '.join(HS_VINTAGES)}")
