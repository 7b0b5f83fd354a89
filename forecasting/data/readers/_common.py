"""Pieces every reader shares: column look-up, number parsing, HS codes, the final FLOWS check."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from forecasting.classify.countries import CountryScheme, iso3_with_flags
from forecasting.classify.hs import VINTAGE_ALIASES
from forecasting.data.readers.detect import EmptySourceError
from forecasting.errors import (
    DataQualityWarning,
    ReaderError,
    SchemaError,
    describe_items,
    option_hint,
    warn_and_log,
)
from forecasting.keys import key_codes
from forecasting.schema import FLOWS, add_flag, require_columns, validate
from forecasting.validation import check_choice, did_you_mean

logger = logging.getLogger(__name__)


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


def line_numbers(mask: pd.Series | np.ndarray, *, first_line: int = 2, unit: str = "line") -> str:
    """Describe the file lines (header is line 1) where ``mask`` holds.

    ``unit="record"`` with ``first_line=1`` numbers the records of a JSON file instead.

    Examples
    --------
    >>> line_numbers([False, True, True])
    'line(s) 3, 4'
    """
    positions = np.flatnonzero(np.asarray(mask, dtype=bool))
    return f"{unit}(s) {describe_items([int(p) + first_line for p in positions])}"


#: Where rows of a table came from, for messages: given a row mask, "line(s) 3, 7" or similar.
Locate = Callable[[np.ndarray], str]


def file_lines(*, first_line: int = 2, unit: str = "line") -> Locate:
    """A :data:`Locate` naming file lines (or JSON records) by row position."""
    return lambda mask: line_numbers(mask, first_line=first_line, unit=unit)


def check_unique_flows(frame: pd.DataFrame, *, path: Path | str, locate: Locate) -> None:
    """Raise ReaderError naming, by file line, the rows that repeat a flow key (FLOWS.key).

    A source lists each flow once; two rows with one key would be added up or one of
    them lost further on.
    """
    key = [c for c in FLOWS.key if c in frame.columns]
    if not len(frame) or len(key) < len(FLOWS.key):
        return
    ids = key_codes(frame, key)
    repeated = np.bincount(ids)[ids] > 1
    if repeated.any():
        first = frame.loc[repeated, ["reporter", "partner", "flow", "period", "commodity"]].iloc[0]
        example = "/".join(str(v.date()) if isinstance(v, pd.Timestamp) else str(v) for v in first)
        raise ReaderError(
            f"{path}: {int(repeated.sum())} rows share a flow key (reporter/partner/flow/period/commodity"
            f" such as {example}) on {locate(repeated)}; each flow must appear once — remove the repeated"
            " rows or add them up before reading"
        )


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


def pair_flags(reporter: pd.Series, partner: pd.Series, *, given: pd.Series | None = None) -> pd.Series:
    """One flags column from ``given`` flags and the reporter's and partner's country flags.

    :func:`countries` flags an aggregate as ``partner_aggregate``; on the reporter side it is
    a ``reporter_aggregate``.

    Examples
    --------
    >>> pair_flags(pd.Series(["partner_aggregate"]), pd.Series(["historic_successor"])).tolist()
    ['reporter_aggregate;historic_successor']
    """
    reporter = reporter.str.replace("partner_aggregate", "reporter_aggregate")
    return merge_flags(*([] if given is None else [given]), reporter, partner)


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


def finish(
    frame: pd.DataFrame,
    *,
    source: str,
    path: Path | str,
    extra: Iterable[str] = (),
    locate: Locate | None = None,
) -> pd.DataFrame:
    """Put FLOWS columns first in schema order, fix dtypes, fill flags, and validate.

    Raises :class:`ReaderError` (a SchemaError) listing every problem, prefixed with the file;
    repeated flow keys are named by ``locate`` (file lines after a header by default).
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
    check_unique_flows(out, path=path, locate=locate or file_lines())
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


def declared_vintage(declared: str) -> str:
    """The FLOWS name of an HS vintage the caller declared (``"HS17"``, ``"H5"``, ``"hs2017"``).

    Examples
    --------
    >>> declared_vintage("hs17")
    'HS2017'
    """
    check_choice("classification", str(declared).upper(), sorted(VINTAGE_ALIASES), error=ValueError)
    return VINTAGE_ALIASES[str(declared).upper()]


def combine_files(
    files: Sequence[Path],
    parts: Sequence[pd.DataFrame | EmptySourceError],
    *,
    source: str,
    locate_in: Callable[[Path], Locate | None] = lambda path: None,
) -> pd.DataFrame:
    """One FLOWS table from the tables read from ``files``, in order, every row kept.

    Files that held no rows (an :class:`EmptySourceError` in ``parts``) are skipped with a
    warning naming them; when every file is empty the error is raised. Flow keys repeated
    across files raise, naming each file and (through ``locate_in(file)``) the lines.
    """
    empty = [p for p in parts if isinstance(p, EmptySourceError)]
    kept = [(f, p) for f, p in zip(files, parts, strict=True) if not isinstance(p, EmptySourceError)]
    if not kept:
        if len(empty) == 1:
            raise empty[0]
        raise EmptySourceError(
            f"none of the {len(files)} files holds data rows: {'; '.join(map(str, empty[:3]))}"
        )
    if empty:
        names = [f.name for f, p in zip(files, parts, strict=True) if isinstance(p, EmptySourceError)]
        message = (
            f"{len(empty)} of {len(files)} files hold no data rows and were skipped: {describe_items(names)}"
        )
        warn_and_log(message, DataQualityWarning, logger=logger, stacklevel=3)
    read_from = {name: note for _, p in kept for name, note in p.attrs.get("read_from", {}).items()}
    if len(kept) == 1:
        return kept[0][1]
    combined = pd.concat([p for _, p in kept], ignore_index=True)
    extra = [c for c in combined.columns if c not in FLOWS.names]
    sizes = np.cumsum([0, *(len(p) for _, p in kept)])

    # files are named by their name, or by their path where two share a name
    short = [f.name for f, _ in kept]
    labels = [str(f) if short.count(f.name) > 1 else f.name for f, _ in kept]

    def locate(mask: np.ndarray) -> str:
        places = []
        for label, (path, _), start, end in zip(labels, kept, sizes[:-1], sizes[1:], strict=True):
            part = np.asarray(mask[start:end], dtype=bool)
            if part.any():
                where = locate_in(path)
                places.append(f"{label} {where(part)}" if where else label)
        return "; ".join(places)

    names = ", ".join(labels)
    out = finish(combined, source=source, path=names, extra=extra, locate=locate)
    out.attrs["read_from"] = read_from
    return out
