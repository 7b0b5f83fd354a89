"""Where BACI rows are scanned from: the CSV itself, a Parquet copy in the cache, or the user's Parquet.

A BACI release is one CSV of about ten million rows per year, and economists scan the same
release many times. The first scan of a CSV converts it, in one streaming DuckDB pass, to a
Parquet dataset partitioned by year in the cache (``cache_dir("baci-parquet")``); later
scans read the Parquet copy, where DuckDB reads only the columns and row groups a filter
needs. The copy is named by the SHA-256 of the CSV, so a changed file gets a new copy; an
index of (path, size, modification time) -> digest spares re-hashing an unchanged file.
A copy is built in a temporary folder and renamed into place only once its manifest (the
completeness marker) is written, so an interrupted conversion never leaves a copy that
looks finished.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import shutil
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from forecasting.errors import ReaderError, describe_items
from forecasting.files import atomic_write_text, sha256_file

logger = logging.getLogger(__name__)

BACI_COLUMNS = ("t", "i", "j", "k", "v", "q")
BACI_KEY = BACI_COLUMNS[:4]  # year, exporter, importer, product: one row each
COLUMN_TYPES = {"t": "BIGINT", "i": "BIGINT", "j": "BIGINT", "k": "BIGINT", "v": "DOUBLE", "q": "VARCHAR"}
PARQUET_SUFFIXES = (".parquet", ".pq")
MANIFEST = "_complete.json"
_LAYOUT = 1  # bump when the Parquet layout changes; older copies are then rebuilt
_STALE_SECONDS = 6 * 3600


def is_parquet(path: Path) -> bool:
    """Whether ``path`` is a Parquet file or a folder holding a Parquet dataset."""
    return path.is_dir() or path.suffix.lower() in PARQUET_SUFFIXES


@contextlib.contextmanager
def connect() -> Iterator[Any]:
    """A DuckDB connection on two threads that draws no progress bar (the library never prints)."""
    import duckdb

    connection = duckdb.connect(config={"threads": 2})
    connection.execute("SET enable_progress_bar = false")
    try:
        yield connection
    finally:
        connection.close()


def csv_source() -> str:
    """SQL reading a BACI CSV (parameter ``?``) with its declared layout; ``q`` trimmed."""
    columns = ", ".join(f"'{name}': '{kind}'" for name, kind in COLUMN_TYPES.items())
    return (
        "(SELECT t, i, j, k, v, trim(q) AS q FROM read_csv(?, header = true, delim = ',', quote = '\"',"
        f" auto_detect = false, columns = {{{columns}}}))"
    )


def parquet_source(path: Path) -> tuple[str, list[Any]]:
    """SQL reading a Parquet file or dataset folder as BACI columns, and its parameters.

    Columns are matched case-blind; a column of another type is cast (a year partition or
    a quantity stored as a number still reads). Missing columns raise :class:`ReaderError`.
    """
    pattern = str(path / "**" / "*.parquet") if path.is_dir() else str(path)
    scan = "read_parquet(?, hive_partitioning = true, union_by_name = true)"
    with connect() as connection:
        try:
            described = connection.execute(f"DESCRIBE SELECT * FROM {scan}", [pattern]).fetchall()
        except Exception as exc:  # duckdb.Error and its IO family
            raise ReaderError(
                f"{path}: not a readable Parquet file or dataset ({_first_lines(exc)})"
            ) from None
    types = {str(row[0]).lower(): (str(row[0]), str(row[1]).upper()) for row in described}
    missing = [c for c in BACI_COLUMNS if c not in types]
    if missing:
        raise ReaderError(
            f"{path}: a BACI Parquet table needs columns t, i, j, k, v, q; missing {', '.join(missing)}"
            f" (it has {describe_items([name for name, _ in types.values()], 8)})"
        )
    parts = []
    for name in BACI_COLUMNS:
        actual, kind = types[name]
        quoted = '"' + actual.replace('"', '""') + '"'
        if name == "q":
            parts.append(f"trim(CAST({quoted} AS VARCHAR)) AS q")
        elif kind == COLUMN_TYPES[name]:
            parts.append(quoted if actual == name else f"{quoted} AS {name}")
        else:
            parts.append(f"CAST({quoted} AS {COLUMN_TYPES[name]}) AS {name}")
    return f"(SELECT {', '.join(parts)} FROM {scan})", [pattern]


def run(path: Path, source: str, params: list[Any], where: str, where_params: list[Any]) -> pd.DataFrame:
    """Rows of ``source`` kept by ``where``; DuckDB's errors become ReaderErrors naming ``path``.

    Rows come in BACI's own order (year, exporter, importer, product) whether they are read
    from the CSV or from a copy partitioned by year, so every path gives the same table.
    """
    with connect() as connection:
        try:
            return connection.execute(
                f"SELECT t, i, j, k, v, q FROM {source} WHERE TRUE {where} ORDER BY t, i, j, k",
                [*params, *where_params],
            ).df()
        except Exception as exc:  # duckdb.Error and its IO family
            raise _reader_error(path, exc) from None


def _first_lines(exc: Exception) -> str:
    # DuckDB's first lines name the line, echo it and say which column failed; the rest is
    # advice about its own type detection, which does not apply to a declared layout.
    return "; ".join(line.strip() for line in str(exc).splitlines()[:3] if line.strip())


def _reader_error(path: Path, exc: Exception) -> ReaderError:
    text = _first_lines(exc)
    if "gzip" in text.lower() or "end of" in text.lower():
        return ReaderError(
            f"{path}: is truncated or damaged ({text}); the download was probably cut short — download it again"
        )
    return ReaderError(f"{path}: not a well-formed BACI file ({text}); check the lines it names")


@dataclass(frozen=True)
class ParquetCopy:
    """A finished Parquet copy of one BACI CSV: its folder and what its manifest records."""

    folder: Path
    rows: int
    sha256: str

    def source(self) -> tuple[str, list[Any]]:
        """SQL and parameters reading the copy (types are already BACI's)."""
        scan = (
            "(SELECT t, i, j, k, v, q FROM read_parquet(?, hive_partitioning = true,"
            " hive_types = {'t': BIGINT}))"
        )
        return scan, [str(self.folder / "**" / "*.parquet")]


def parquet_copy(csv: Path, cache: Path) -> ParquetCopy:
    """The Parquet copy of BACI file ``csv`` in folder ``cache``, converting it on first use.

    Raises :class:`ReaderError` when the CSV is malformed (DuckDB names the line) and
    ``OSError`` when the cache cannot be written (the caller then scans the CSV itself).
    """
    cache.mkdir(parents=True, exist_ok=True)
    digest = _digest(csv, cache)
    final = cache / digest[:32]
    found = _finished(final)
    if found is not None:
        logger.info("%s: reading its Parquet copy %s", csv.name, final)
        return found
    if final.exists():  # a folder without a manifest is not a copy (left by hand?); rebuild it
        shutil.rmtree(final, ignore_errors=True)
    _remove_stale(cache)
    temporary = cache / f".tmp-{digest[:16]}-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    started = time.perf_counter()
    try:
        rows = _convert(csv, temporary)
        manifest = {
            "layout": _LAYOUT,
            "source": csv.name,
            "sha256": digest,
            "size_bytes": csv.stat().st_size,
            "rows": rows,
            "columns": list(BACI_COLUMNS),
            "partitioned_by": "t",
        }
        atomic_write_text(temporary / MANIFEST, json.dumps(manifest, indent=2) + "\n")
        try:
            os.rename(temporary, final)
        except OSError:
            if _finished(final) is None:  # not another process finishing first: a real failure
                raise
    finally:
        shutil.rmtree(temporary, ignore_errors=True)
    logger.info(
        "%s: converted %d rows to Parquet in %.1f s (%s)",
        csv.name,
        rows,
        time.perf_counter() - started,
        final,
    )
    copy = _finished(final)
    if copy is None:
        raise OSError(f"the Parquet copy {final} vanished after it was written")
    return copy


def _convert(csv: Path, folder: Path) -> int:
    with connect() as connection:
        try:
            connection.execute(
                f"COPY {csv_source()} TO '{_sql_text(folder)}'"
                " (FORMAT parquet, PARTITION_BY (t), COMPRESSION zstd, OVERWRITE_OR_IGNORE true)",
                [str(csv)],
            )
            scan = f"read_parquet('{_sql_text(folder / '**' / '*.parquet')}', hive_partitioning = true)"
            rows = connection.execute(f"SELECT count(*) FROM {scan}").fetchone() if folder.exists() else (0,)
        except Exception as exc:  # duckdb.Error and its IO family
            raise _reader_error(csv, exc) from None
    folder.mkdir(parents=True, exist_ok=True)  # a header-only file writes no partition
    return int(rows[0]) if rows else 0


def _sql_text(path: Path) -> str:
    # COPY ... TO takes no parameter for its target; quote the path as an SQL string
    return str(path).replace("'", "''")


def _finished(folder: Path) -> ParquetCopy | None:
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if manifest.get("layout") != _LAYOUT:
        return None
    return ParquetCopy(folder, int(manifest["rows"]), str(manifest["sha256"]))


def _digest(csv: Path, cache: Path) -> str:
    """SHA-256 of ``csv``, hashed again only when its size or modification time changed."""
    status = csv.stat()
    index = cache / "index" / (hashlib.sha256(str(csv.resolve()).encode()).hexdigest()[:32] + ".json")
    stamp = {"path": str(csv.resolve()), "size_bytes": status.st_size, "mtime_ns": status.st_mtime_ns}
    try:
        known = json.loads(index.read_text(encoding="utf-8"))
        if {k: known.get(k) for k in stamp} == stamp and len(str(known.get("sha256", ""))) == 64:
            return str(known["sha256"])
    except (OSError, ValueError):
        pass
    digest = sha256_file(csv)
    atomic_write_text(index, json.dumps({**stamp, "sha256": digest}) + "\n")
    return digest


def _remove_stale(cache: Path) -> None:
    # Temporary folders of conversions that died (killed, machine off) are cleared after a while.
    now = time.time()
    for leftover in cache.glob(".tmp-*"):
        with contextlib.suppress(OSError):
            if now - leftover.stat().st_mtime > _STALE_SECONDS:
                shutil.rmtree(leftover, ignore_errors=True)
