"""The FLOWS table a reader returns: flags, schema order and checks, several files combined."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from forecasting.data.readers._lines import Locate, file_lines
from forecasting.data.readers.detect import EmptySourceError
from forecasting.errors import DataQualityWarning, ReaderError, SchemaError, describe_items, warn_and_log
from forecasting.keys import key_codes
from forecasting.schema import FLOWS, add_flag, validate

logger = logging.getLogger(__name__)


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
