"""Readers of local trade files (never the network), each returning the FLOWS table.

One entry point, :func:`read_flows`, dispatches on ``source``; the per-source functions
take the options particular to each format. Every reader fills ``source`` and ``flags``,
converts values to US dollars, and raises :class:`forecasting.errors.ReaderError` (a
``SchemaError``) naming the lines or codes at fault instead of dropping rows.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Literal

import pandas as pd

from forecasting.data.readers._lines import Locate, file_lines
from forecasting.data.readers._table import combine_files
from forecasting.data.readers.baci import read_baci, scan_baci
from forecasting.data.readers.comtrade import read_comtrade
from forecasting.data.readers.detect import EmptySourceError, TextFormat, TextOptions, detect_format
from forecasting.data.readers.kz_stat import read_kz_stat
from forecasting.data.readers.reference import read_geodist, read_reference_table
from forecasting.data.readers.tidy import read_tidy
from forecasting.data.readers.wits import read_wits
from forecasting.progress import track
from forecasting.validation import check_choice

FlowSource = Literal["comtrade", "baci", "wits", "kz_stat", "tidy"]

_READERS = {
    "comtrade": read_comtrade,
    "baci": read_baci,
    "wits": read_wits,
    "kz_stat": read_kz_stat,
    "tidy": read_tidy,
}

__all__ = [
    "EmptySourceError",
    "FlowSource",
    "TextFormat",
    "TextOptions",
    "detect_format",
    "read_baci",
    "read_comtrade",
    "read_flows",
    "read_geodist",
    "read_kz_stat",
    "read_reference_table",
    "read_tidy",
    "read_wits",
    "scan_baci",
]


def read_flows(
    paths: str | Path | Sequence[str | Path], *, source: FlowSource, **options: Any
) -> pd.DataFrame:
    """Read one file or several of one source into a single FLOWS table.

    Parameters
    ----------
    paths
        A path or a list of paths; the files' rows are concatenated in order, all kept.
    source
        ``"comtrade"``, ``"baci"``, ``"wits"``, ``"kz_stat"`` or ``"tidy"``.
    **options
        Passed to the source's reader (:func:`read_comtrade`, :func:`scan_baci`,
        :func:`read_wits`, :func:`read_kz_stat`, :func:`read_tidy`).

    Raises
    ------
    ReaderError
        When a file cannot be represented, or when files overlap (same flow key twice),
        naming the file and line. A file with no data rows raises :class:`EmptySourceError`
        (a ReaderError); among several files, empty ones are skipped with a warning.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "exports.csv").write_text("date,value,transformation\\n2024-01-01,10,level\\n")
    >>> _ = (folder / "imports.csv").write_text("date,value,transformation\\n2024-01-01,7,level\\n")
    >>> read_flows([folder / "exports.csv", folder / "imports.csv"], source="kz_stat")[
    ...     ["flow", "value_usd"]].values.tolist()
    [['export', 10000.0], ['import', 7000.0]]
    """
    check_choice("source", source, FlowSource, error=ValueError)
    files = [Path(paths)] if isinstance(paths, (str, Path)) else [Path(p) for p in paths]
    if not files:
        raise ValueError("read_flows needs at least one path")
    if source == "baci":
        # scan_baci is read_baci with optional filters pushed into the scan
        return scan_baci(files, **options)
    reader = _READERS[source]
    parts = [
        _read_or_empty(reader, f, options) for f in track(files, total=len(files), desc=f"{source} files")
    ]
    label = source if source != "tidy" else str(options.get("source", "tidy"))
    return combine_files(files, parts, source=label, locate_in=_lines_of)


def _read_or_empty(
    reader: Callable[..., pd.DataFrame], path: Path, options: dict[str, Any]
) -> pd.DataFrame | EmptySourceError:
    try:
        return reader(path, **options)
    except EmptySourceError as exc:
        return exc


def _lines_of(path: Path) -> Locate:
    # Comtrade's API JSON has records, not lines; every other format has a header line
    return file_lines(first_line=1, unit="record") if path.suffix.lower() == ".json" else file_lines()
