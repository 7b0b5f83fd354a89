"""CEPII BACI files (columns t, i, j, k, v, q), read and filtered in bounded memory through DuckDB.

A BACI release is one CSV per year of about ten million rows. The first scan of a CSV
converts it to a Parquet copy in the cache (:mod:`forecasting.data.readers.baci_store`);
every scan then lets DuckDB apply the country, product and year filters while reading, so
only the rows kept ever reach pandas. Parquet files or dataset folders with BACI's columns
are read directly. BACI values are thousands of US dollars and quantities tonnes; the
reader converts values to dollars and keeps quantities in tonnes (``quantity_unit = "t"``).
BACI is already mirror-reconciled, so each row becomes one export from ``i`` to ``j``
flagged ``baci_reconciled``.
"""

from __future__ import annotations

import logging
import re
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from forecasting.classify.countries import numeric_codes_for, resolve_codes, to_iso3
from forecasting.classify.hs import VINTAGE_ALIASES
from forecasting.data.fetch import cache_dir
from forecasting.data.readers import baci_store
from forecasting.data.readers._cells import declared_vintage, to_number
from forecasting.data.readers._table import combine_files, finish, pair_flags
from forecasting.data.readers.baci_store import BACI_COLUMNS, BACI_KEY
from forecasting.data.readers.detect import EmptySourceError, detect_format, header_of
from forecasting.errors import (
    DataQualityWarning,
    ForecastingWarning,
    ReaderError,
    UnknownCodeError,
    describe_items,
    option_hint,
    warn_and_log,
)
from forecasting.progress import track
from forecasting.schema import FLOWS

logger = logging.getLogger(__name__)

_REVISION = re.compile(r"HS(92|96|02|07|12|17|22)", re.IGNORECASE)


def _classification(path: Path, declared: str | None, product_codes: Path | None) -> str:
    if declared is not None:
        return declared_vintage(declared)
    for name in (path.name, product_codes.name if product_codes else ""):
        match = _REVISION.search(name)
        if match:
            return VINTAGE_ALIASES["HS" + match.group(1)]
    raise ReaderError(
        f"{path}: cannot tell the HS revision from the file name (BACI names files BACI_HS17_Y2021_...);"
        f" {option_hint('classification', 'HS1992')} (or HS1996 ... HS2022)"
    )


def _beside(path: Path, pattern: str, declared: str | Path | None, what: str) -> Path | None:
    if declared is not None:
        found = Path(declared)
        if not found.exists():
            raise ReaderError(f"{found}: no such {what} file")
        return found
    candidates = sorted(path.parent.glob(pattern))
    if len(candidates) > 1:
        raise ReaderError(
            f"{path}: several {what} files beside it ({describe_items([c.name for c in candidates])});"
            f" {option_hint(what, candidates[0].name)} (or another) to say which release belongs to this file"
        )
    return candidates[0] if candidates else None


def _baci_country_table(path: Path | None) -> dict[int, str]:
    if path is None:
        return {}
    try:
        try:
            fmt = detect_format(path)
        except EmptySourceError:
            raise
        except ReaderError:
            # CEPII wrote older country tables in Latin-1; only the ASCII code columns are used,
            # so the encoding cannot change a result.
            fmt = detect_format(path, encoding="latin-1")
        table = fmt.read(path, na_values=())
    except EmptySourceError as exc:
        # an empty country table is a broken release, not an empty data file to skip
        raise ReaderError(f"{exc} (the BACI country table beside the data)") from None
    lowered = {c.lower(): c for c in table.columns}
    code = lowered.get("country_code") or lowered.get("i")
    iso = lowered.get("iso_3digit_alpha") or lowered.get("iso3")
    if code is None or iso is None:
        raise ReaderError(f"{path}: a BACI country table needs country_code and iso_3digit_alpha columns")
    codes = pd.to_numeric(table[code], errors="coerce")
    return {
        int(c): str(a)
        for c, a in zip(codes, table[iso], strict=True)
        if pd.notna(c) and re.fullmatch(r"[A-Z]{3}", str(a))
    }


def _check_header(path: Path) -> None:
    fmt = detect_format(path, sep=",", thousands=None, decimal=".")
    names, has_rows = header_of(path, fmt)
    header = [h.lower() for h in names]
    if header != list(BACI_COLUMNS):
        missing = [c for c in BACI_COLUMNS if c not in header]
        raise ReaderError(
            f"{path}: a BACI file has the header t,i,j,k,v,q; this one has {describe_items(header, 8)}"
            + (f" (missing {', '.join(missing)})" if missing else " (in another order)")
            + ". Use read_tidy with a column mapping for other layouts"
        )
    if not has_rows:
        raise EmptySourceError(f"{path}: has the BACI header but no data rows; nothing to read")


def _codes_sql(column: str, iso3: Sequence[str] | None) -> tuple[str, list[Any]]:
    if iso3 is None:
        return "", []
    normalised = to_iso3(list(iso3), scheme="iso3").tolist()
    numbers = sorted({n for codes in numeric_codes_for(normalised).values() for n in codes})
    if not numbers:
        return " AND FALSE", []
    return f" AND {column} IN ({', '.join('?' * len(numbers))})", numbers


def _products_sql(products: Sequence[str] | None) -> tuple[str, list[Any]]:
    if products is None:
        return "", []
    prefixes = [str(p).strip() for p in products]
    bad = [p for p in prefixes if not re.fullmatch(r"\d{2}|\d{4}|\d{6}", p)]
    if bad or not prefixes:
        raise ValueError(
            f"products must be HS chapters, headings or subheadings (2, 4 or 6 digits, e.g. '27', '2709');"
            f" got {describe_items(bad or ['nothing'])}"
        )
    # k is read as an integer (BACI drops the leading zero), so a prefix is a range of integers:
    # chapter 27 is 270000..279999, heading 2709 is 270900..270999; integer ranges keep the scan fast
    clauses, params = [], []
    for prefix in prefixes:
        width = 10 ** (6 - len(prefix))
        clauses.append("k BETWEEN ? AND ?")
        params += [int(prefix) * width, int(prefix) * width + width - 1]
    return " AND (" + " OR ".join(clauses) + ")", params


def _resolve(codes: pd.Series, extra: dict[int, str], path: Path, role: str) -> tuple[pd.Series, pd.Series]:
    table, unknown = resolve_codes(pd.unique(codes).tolist(), scheme="baci")
    from_file = [code for code in unknown if int(code) in extra]
    missing = [code for code in unknown if int(code) not in extra]
    if missing:
        raise UnknownCodeError(
            f"{path}: {role} codes {describe_items(missing)} are neither UN M49 codes nor in the BACI"
            f" country table; {option_hint('country_codes')}= (the country_codes_V*.csv of the same release)"
        )
    iso = {int(c): i for c, i in zip(table["code"], table["iso3"], strict=True)}
    flag = {int(c): f for c, f in zip(table["code"], table["flag"], strict=True)}
    iso.update({int(c): extra[int(c)] for c in from_file})
    flag.update({int(c): "" for c in from_file})
    return codes.map(iso).astype(object), codes.map(flag).astype(object)


@dataclass(frozen=True)
class BaciQuery:
    """What to keep from BACI files and how to read them (see :func:`scan_baci` for each field)."""

    exporters: Sequence[str] | None = None
    importers: Sequence[str] | None = None
    products: Sequence[str] | None = None
    years: Sequence[int] | None = None
    country_codes: str | Path | None = None
    product_codes: str | Path | None = None
    classification: str | None = None
    cache: bool | str | Path = True

    def where(self) -> tuple[str, list[Any]]:
        """The filters as an SQL condition on t, i, j, k and its parameters (checked here)."""
        years = [int(y) for y in self.years or []]
        where, params = "", []
        for clause, values in (
            _codes_sql("i", self.exporters),
            _codes_sql("j", self.importers),
            _products_sql(self.products),
            (f" AND t IN ({', '.join('?' * len(years))})" if years else "", years),
        ):
            where, params = where + clause, params + values
        return where, params

    def filters(self) -> str:
        """The filters in words, for messages."""
        named = {"exporters": self.exporters, "importers": self.importers, "products": self.products}
        shown = [f"{k}={list(v)}" for k, v in {**named, "years": self.years}.items() if v is not None]
        return ", ".join(shown) or "no filter"


def _source(path: Path, query: BaciQuery) -> tuple[str, list[Any], str]:
    """Where to scan ``path`` from: SQL, parameters and a note for the result's ``attrs``."""
    if baci_store.is_parquet(path):
        sql, params = baci_store.parquet_source(path)
        return sql, params, "parquet"
    _check_header(path)
    if query.cache is False:
        return baci_store.csv_source(), [str(path)], "csv (cache=False)"
    try:
        folder = cache_dir("baci-parquet") if query.cache is True else Path(query.cache)
        copy = baci_store.parquet_copy(path, folder)
    except OSError as exc:
        # announced, not silent: the scan still reads every row, only more slowly
        note = f"csv (the Parquet cache could not be written: {exc})"
        logger.warning("%s: scanning the CSV itself; %s", path.name, note)
        warnings.warn(f"{path}: {note}; every scan re-reads the CSV", ForecastingWarning, stacklevel=5)
        return baci_store.csv_source(), [str(path)], note
    if copy.rows == 0:
        raise EmptySourceError(f"{path}: has the BACI header but no data rows; nothing to read")
    sql, params = copy.source()
    return sql, params, f"parquet copy {copy.folder}"


def scan_file(path: str | Path, query: BaciQuery) -> pd.DataFrame:
    """Scan one BACI file (CSV or Parquet) with the filters pushed into DuckDB; see :func:`scan_baci`."""
    path = Path(path)
    if not path.exists():
        raise ReaderError(f"{path}: no such file")
    where, where_params = query.where()
    products_file = _beside(path, "product_codes_*.csv", query.product_codes, "product_codes")
    vintage = _classification(path, query.classification, products_file)
    countries_file = _beside(path, "country_codes_*.csv", query.country_codes, "country_codes")
    extra = _baci_country_table(countries_file)
    source, params, read_from = _source(path, query)
    raw = baci_store.run(path, source, params, where, where_params)
    logger.info("%s: %d rows kept after filtering (%s, from %s)", path.name, len(raw), vintage, read_from)
    out = _to_flows(raw, path, vintage, extra) if len(raw) else FLOWS.empty()
    out.attrs["read_from"] = {path.name: read_from}
    return out


def _to_flows(raw: pd.DataFrame, path: Path, vintage: str, extra: dict[int, str]) -> pd.DataFrame:
    def locate(mask: np.ndarray) -> str:  # filtered rows have no file line; BACI rows are known by key
        chosen = raw.loc[np.asarray(mask, dtype=bool), list(BACI_KEY)].astype("string").fillna("NA")
        return f"rows (t,i,j,k) {describe_items(chosen.agg(','.join, axis=1).tolist())}"

    for column in BACI_KEY:
        missing = raw[column].isna()
        if missing.any():
            raise ReaderError(f"{path}: column {column} is empty in {int(missing.sum())} {locate(missing)}")
    bad_k = ~raw["k"].between(1, 999_999)
    if bad_k.any():
        raise ReaderError(
            f"{path}: product codes {describe_items(raw.loc[bad_k, 'k'].unique().tolist())} are not HS6"
        )
    odd_years = ~raw["t"].between(1900, 2100)
    if odd_years.any():
        raise ReaderError(
            f"{path}: years (t) {describe_items(sorted(raw.loc[odd_years, 't'].unique().tolist()))} are outside"
            " 1900-2100; the column order or the file is wrong"
        )
    values = raw["v"].astype("float64")
    if np.isinf(values).any():
        raise ReaderError(f"{path}: v (value) is infinite in {locate(np.isinf(values))}; the file is damaged")
    quantity = to_number(raw["q"], what="q (quantity)", path=path, locate=locate)
    for what, series in (("v (value)", values), ("q (quantity)", quantity)):
        negative = (series < 0).to_numpy()
        if negative.any():
            raise ReaderError(
                f"{path}: {int(negative.sum())} negative {what} in {locate(negative)};"
                " BACI values cannot be negative — the file is damaged"
            )
    reporter, reporter_flags = _resolve(raw["i"], extra, path, "exporter (i)")
    partner, partner_flags = _resolve(raw["j"], extra, path, "importer (j)")
    out = pd.DataFrame(
        {
            "reporter": reporter,
            "partner": partner,
            "flow": "export",
            "period": pd.to_datetime(raw["t"].astype(str) + "-01-01", format="%Y-%m-%d"),
            "freq": "A",
            "commodity": raw["k"].astype("int64").astype(str).str.zfill(6).astype(object),
            "classification": vintage,
            "value_usd": values * 1000.0,  # BACI v is in thousands of US dollars
            "quantity": quantity,
            "quantity_unit": np.where(quantity.notna(), "t", None),
        }
    )
    baci_flag = pd.Series("baci_reconciled", index=raw.index)
    out["flags"] = pair_flags(reporter_flags, partner_flags, given=baci_flag).to_numpy()
    return finish(out, source="baci", path=path, locate=locate)


def _scan_or_empty(path: str | Path, query: BaciQuery) -> pd.DataFrame | EmptySourceError:
    # an empty file is reported back as a value, so that a Dask worker returns it too
    try:
        return scan_file(path, query)
    except EmptySourceError as exc:
        return exc


def scan_baci(
    paths: str | Path | Sequence[str | Path],
    *,
    exporters: Sequence[str] | None = None,
    importers: Sequence[str] | None = None,
    products: Sequence[str] | None = None,
    years: Sequence[int] | None = None,
    country_codes: str | Path | None = None,
    product_codes: str | Path | None = None,
    classification: str | None = None,
    cache: bool | str | Path = True,
    client: Any = None,
) -> pd.DataFrame:
    """Read BACI files filtered by countries, products and years, in bounded memory.

    The first scan of a CSV converts it to a Parquet copy in the cache; later scans read
    that copy (several times faster, a fraction of the memory). Filters run inside DuckDB,
    so a ten-million-row release never enters pandas whole. Rows kept are checked (negative
    values, unknown codes, malformed quantities, duplicate keys).

    Parameters
    ----------
    paths
        One BACI file or several (for example one per year): CSV (plain or ``.gz``), or
        Parquet (a file or a dataset folder) with the columns t, i, j, k, v, q.
    exporters, importers
        ISO3 codes to keep (None keeps all); old codes such as ROM are accepted.
    products
        HS prefixes to keep: chapters ("27"), headings ("2709") or subheadings ("270900").
    years
        Years (column ``t``) to keep.
    country_codes, product_codes
        The release's ``country_codes_V*.csv`` / ``product_codes_HS*_V*.csv``; found beside
        the data file when not given. The product table also tells the HS revision.
    classification
        HS revision (``"HS17"`` or ``"HS2017"``) when neither file name tells it.
    cache
        ``True``: keep Parquet copies in ``cache_dir("baci-parquet")`` (``FORECASTING_CACHE``
        moves it); a folder: keep them there; ``False``: scan the CSV every time.
    client
        A ``dask.distributed.Client``: each file is scanned by a worker, results gathered.

    Returns
    -------
    DataFrame
        FLOWS rows (reporter = exporter, flow = export) in US dollars, flagged
        ``baci_reconciled``; ``attrs["read_from"]`` says what each file was read from.
        An empty table (with a warning) when no row matches the filters.

    Raises
    ------
    ReaderError
        When a file cannot be read, or holds no rows at all (every file; empty files among
        others are skipped with a warning naming them).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "BACI_HS17_Y2021_V202301.csv").write_text(
    ...     "t,i,j,k,v,q\\n2021,398,586,270900,1.5,  2.0\\n2021,398,156,520100,3.0,NA\\n")
    >>> scan_baci(folder / "BACI_HS17_Y2021_V202301.csv", importers=["PAK"], cache=folder / "cache")[
    ...     ["reporter", "partner", "commodity", "value_usd", "quantity"]].values.tolist()
    [['KAZ', 'PAK', '270900', 1500.0, 2.0]]
    """
    files = [Path(paths)] if isinstance(paths, (str, Path)) else [Path(p) for p in paths]
    if not files:
        raise ValueError("scan_baci needs at least one file")
    query = BaciQuery(
        exporters, importers, products, years, country_codes, product_codes, classification, cache
    )
    query.where()  # bad filters fail before any file is read
    if client is not None:
        parts = client.gather(client.map(_scan_or_empty, [str(f) for f in files], query=query, pure=False))
    else:
        parts = [_scan_or_empty(f, query) for f in track(files, total=len(files), desc="BACI files")]
    out = combine_files(files, parts, source="baci")
    if out.empty:
        message = (
            f"no row of {describe_items([f.name for f in files])} matches {query.filters()}; the table is empty."
            " Check the codes (BACI lists exports by exporter i and importer j) and the years"
        )
        warn_and_log(message, DataQualityWarning, logger=logger, stacklevel=2)
    return out


def read_baci(
    path: str | Path | Sequence[str | Path],
    *,
    country_codes: str | Path | None = None,
    product_codes: str | Path | None = None,
    classification: str | None = None,
    cache: bool | str | Path = True,
) -> pd.DataFrame:
    """Read whole BACI files into FLOWS (every row checked); use :func:`scan_baci` to filter.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "sample.csv"
    >>> _ = p.write_text('"t","i","j","k","v","q"\\n2021,4,586,80620,12.5,"        3.000"\\n')
    >>> read_baci(p, classification="HS92", cache=False)[["reporter", "commodity", "value_usd"]].values.tolist()
    [['AFG', '080620', 12500.0]]
    """
    return scan_baci(
        path,
        country_codes=country_codes,
        product_codes=product_codes,
        classification=classification,
        cache=cache,
    )
