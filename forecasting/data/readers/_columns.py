"""Finding a source file's columns, whatever the spelling, and refusing a file that lacks some."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from pathlib import Path

import pandas as pd

from forecasting.errors import ReaderError, SchemaError, describe_items
from forecasting.schema import require_columns
from forecasting.validation import did_you_mean


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
        names = [str(c) for c in columns]
        firsts = [next(iter(wanted[f])) for f in missing]
        tips = [f"'{first}'{did_you_mean(first, names, n=1)}" for first in firsts]
        raise ReaderError(
            f"{path}: missing column(s) {', '.join(tips)}; the file has {describe_items(names, 12)}."
            " Rename the columns or use read_tidy with a column mapping"
        )
    return found


def require_file_columns(
    frame: pd.DataFrame, columns: Iterable[str], *, path: Path | str, what: str, fix: str
) -> None:
    """:func:`forecasting.schema.require_columns` for a file: a ReaderError naming it, with ``fix``.

    Examples
    --------
    >>> require_file_columns(pd.DataFrame({"a": []}), ["b"], path="f.csv", what="the file", fix="add it")
    Traceback (most recent call last):
    ...
    forecasting.errors.ReaderError: f.csv: the file lacks column(s) 'b' (it has 'a'); add it
    """
    try:
        require_columns(frame, columns, what=f"{path}: {what}")
    except SchemaError as exc:
        has = describe_items(list(map(str, frame.columns)), 12)
        raise ReaderError(f"{exc} (it has {has}); {fix}") from None
