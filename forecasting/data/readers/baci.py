"""CEPII BACI files (columns t, i, j, k, v, q), read and filtered in bounded memory through DuckDB.

A BACI release is one CSV per year of about ten million rows. DuckDB streams each file and
applies the country, product and year filters while scanning, so only the rows kept ever
reach pandas. BACI values are thousands of US dollars and quantities tonnes; the reader
converts values to dollars and keeps quantities in tonnes (``quantity_unit = "t"``).
BACI is already mirror-reconciled, so each row becomes one export from ``i`` to ``j``
flagged ``baci_reconciled``.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from forecasting.classify.countries import numeric_codes_for, resolve_codes, to_iso3
from forecasting.data.readers._common import HS_VINTAGES, finish, merge_flags, to_number
from forecasting.data.readers.detect import detect_format, header_of
from forecasting.errors import ReaderError, UnknownCodeError, describe_items
from forecasting.progress import track
from forecasting.schema import FLOWS

logger = logging.getLogger(__name__)

BACI_COLUMNS = ("t", "i", "j", "k", "v", "q")
_REVISION = re.compile(r"HS(92|96|02|07|12|17|22)", re.IGNORECASE)


def _classification(path: Path, declared: str | None, product_codes: Path | None) -> str:
    if declared is not None:
        key = declared.upper()
        if key not in HS_VINTAGES:
            raise ValueError(f"classification={declared!r} is not one of {', '.join(sorted(HS_VINTAGES))}")
        return HS_VINTAGES[key]
    for name in (path.name, product_codes.name if product_codes else ""):
        match = _REVISION.search(name)
        if match:
            return HS_VINTAGES["HS" + match.group(1)]
    raise ReaderError(
        f"{path}: cannot tell the HS revision from the file name (BACI names files BACI_HS17_Y2021_...);"
        " pass classification='HS1992' (or HS1996 ... HS2022)"
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
            f" pass {what}= to say which release belongs to this file"
        )
    return candidates[0] if candidates else None


def _baci_country_table(path: Path | None) -> dict[int, str]:
    if path is None:
        return {}
    try:
        fmt = detect_format(path)
    except ReaderError:
        # CEPII wrote older country tables in Latin-1; only the ASCII code columns are used,
        # so the encoding cannot change a result.
        fmt = detect_format(path, encoding="latin-1")
    table = pd.read_csv(path, dtype="string", keep_default_na=False, **fmt.read_csv_options())  # type: ignore[call-overload]
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


def _check_header(path: Path) -> str:
    fmt = detect_format(path, sep=",", thousands=None, decimal=".")
    header = [h.lower() for h in header_of(path, fmt)]
    if header != list(BACI_COLUMNS):
        missing = [c for c in BACI_COLUMNS if c not in header]
        raise ReaderError(
            f"{path}: a BACI file has the header t,i,j,k,v,q; this one has {describe_items(header, 8)}"
            + (f" (missing {', '.join(missing)})" if missing else " (in another order)")
            + ". Use read_tidy with a column mapping for other layouts"
        )
    return fmt.encoding


def _codes_sql(column: str, iso3: Sequence[str] | None) -> tuple[str, list[Any]]:
    if iso3 is None:
        return "", []
    normalised = to_iso3(list(iso3), scheme="iso3").tolist()
    numbers = sorted({n for codes in numeric_codes_for(normalised).values() for n in codes})
    if not numbers:
        return " AND FALSE", []
    return f" AND {column} IN ({', '.join('?' * len(numbers))})", numbers


def _products_sql(products: Iterable[str] | None) -> tuple[str, list[Any]]:
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


def _query(path: Path, where: str, params: list[Any]) -> pd.DataFrame:
    import duckdb

    sql = f"""
        SELECT t, i, j, k, v, trim(q) AS q
        FROM read_csv(?, header = true, delim = ',', quote = '"', auto_detect = false,
                      columns = {{'t': 'BIGINT', 'i': 'BIGINT', 'j': 'BIGINT', 'k': 'BIGINT',
                                 'v': 'DOUBLE', 'q': 'VARCHAR'}})
        WHERE TRUE {where}
    """
    # no progress bar: the library never prints (DuckDB draws one on long scans by default)
    connection = duckdb.connect(config={"threads": 2})
    connection.execute("SET enable_progress_bar = false")
    try:
        return connection.execute(sql, [str(path), *params]).df()
    except duckdb.Error as exc:
        # DuckDB's first lines name the line, echo it and say which column failed; the rest
        # is advice about its own type detection, which does not apply to a declared layout
        first = "; ".join(line.strip() for line in str(exc).splitlines()[:3] if line.strip())
        raise ReaderError(
            f"{path}: not a well-formed BACI file ({first}); check the lines it names"
        ) from None
    finally:
        connection.close()


def _resolve(codes: pd.Series, extra: dict[int, str], path: Path, role: str) -> tuple[pd.Series, pd.Series]:
    table, unknown = resolve_codes(pd.unique(codes).tolist(), scheme="baci")
    from_file = [code for code in unknown if int(code) in extra]
    missing = [code for code in unknown if int(code) not in extra]
    if missing:
        raise UnknownCodeError(
            f"{path}: {role} codes {describe_items(missing)} are neither UN M49 codes nor in the BACI"
            " country table; pass country_codes= (the country_codes_V*.csv of the same release)"
        )
    iso = {int(c): i for c, i in zip(table["code"], table["iso3"], strict=True)}
    flag = {int(c): f for c, f in zip(table["code"], table["flag"], strict=True)}
    iso.update({int(c): extra[int(c)] for c in from_file})
    flag.update({int(c): "" for c in from_file})
    return codes.map(iso).astype(object), codes.map(flag).astype(object)


def scan_file(
    path: str | Path,
    *,
    exporters: Sequence[str] | None = None,
    importers: Sequence[str] | None = None,
    products: Sequence[str] | None = None,
    years: Sequence[int] | None = None,
    country_codes: str | Path | None = None,
    product_codes: str | Path | None = None,
    classification: str | None = None,
) -> pd.DataFrame:
    """Scan one BACI file with the filters pushed into DuckDB; see :func:`scan_baci`."""
    path = Path(path)
    if not path.exists():
        raise ReaderError(f"{path}: no such file")
    _check_header(path)
    products_file = _beside(path, "product_codes_*.csv", product_codes, "product_codes")
    vintage = _classification(path, classification, products_file)
    countries_file = _beside(path, "country_codes_*.csv", country_codes, "country_codes")
    extra = _baci_country_table(countries_file)
    where, params = "", []
    for clause, values in (
        _codes_sql("i", exporters),
        _codes_sql("j", importers),
        _products_sql(products),
        (f" AND t IN ({', '.join('?' * len(years))})" if years else "", [int(y) for y in years or []]),
    ):
        where, params = where + clause, params + values
    raw = _query(path, where, params)
    logger.info("%s: %d rows kept after filtering (%s)", path.name, len(raw), vintage)
    if raw.empty:
        return FLOWS.empty()
    for column in ("t", "i", "j", "k"):
        missing = raw[column].isna()
        if missing.any():
            raise ReaderError(
                f"{path}: column {column} is empty in {int(missing.sum())} rows kept by the filter"
            )
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
        raise ReaderError(
            f"{path}: v (value) is infinite in {int(np.isinf(values).sum())} rows; the file is damaged"
        )
    quantity = to_number(raw["q"], what="q (quantity)", path=path)
    for what, series in (("v (value)", values), ("q (quantity)", quantity)):
        negative = series < 0
        if negative.any():
            rows = raw.loc[negative, ["t", "i", "j", "k"]].astype(str).agg(",".join, axis=1).tolist()
            raise ReaderError(
                f"{path}: {int(negative.sum())} negative {what} in rows (t,i,j,k) {describe_items(rows)};"
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
    out["flags"] = merge_flags(
        baci_flag, reporter_flags.str.replace("partner_aggregate", "reporter_aggregate"), partner_flags
    ).to_numpy()
    return finish(out, source="baci", path=path)


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
    client: Any = None,
) -> pd.DataFrame:
    """Read BACI files filtered by countries, products and years, in bounded memory.

    Filters run inside DuckDB while it streams each file, so a ten-million-row release
    never enters pandas whole. Rows kept are checked (negative values, unknown codes,
    malformed quantities, duplicate keys); rows outside the filters are not read into memory.

    Parameters
    ----------
    paths
        One BACI CSV (plain or ``.gz``) or several (for example one per year).
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
    client
        A ``dask.distributed.Client``: each file is scanned by a worker, results gathered.

    Returns
    -------
    DataFrame
        FLOWS rows (reporter = exporter, flow = export) in US dollars, flagged ``baci_reconciled``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "BACI_HS17_Y2021_V202301.csv").write_text(
    ...     "t,i,j,k,v,q\\n2021,398,586,270900,1.5,  2.0\\n2021,398,156,520100,3.0,NA\\n")
    >>> scan_baci(folder / "BACI_HS17_Y2021_V202301.csv", importers=["PAK"])[
    ...     ["reporter", "partner", "commodity", "value_usd", "quantity"]].values.tolist()
    [['KAZ', 'PAK', '270900', 1500.0, 2.0]]
    """
    files = [Path(paths)] if isinstance(paths, (str, Path)) else [Path(p) for p in paths]
    if not files:
        raise ValueError("scan_baci needs at least one file")
    options = {
        "exporters": exporters,
        "importers": importers,
        "products": products,
        "years": years,
        "country_codes": country_codes,
        "product_codes": product_codes,
        "classification": classification,
    }
    if client is not None:
        futures = client.map(scan_file, [str(f) for f in files], pure=False, **options)
        parts = client.gather(futures)
    else:
        parts = [scan_file(f, **options) for f in track(files, total=len(files), desc="BACI files")]
    if len(parts) == 1:
        return parts[0]
    combined = pd.concat(parts, ignore_index=True)
    return finish(combined, source="baci", path=", ".join(f.name for f in files))


def read_baci(
    path: str | Path | Sequence[str | Path],
    *,
    country_codes: str | Path | None = None,
    product_codes: str | Path | None = None,
    classification: str | None = None,
) -> pd.DataFrame:
    """Read whole BACI files into FLOWS (every row checked); use :func:`scan_baci` to filter.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "sample.csv"
    >>> _ = p.write_text('"t","i","j","k","v","q"\\n2021,4,586,80620,12.5,"        3.000"\\n')
    >>> read_baci(p, classification="HS92")[["reporter", "commodity", "value_usd"]].values.tolist()
    [['AFG', '080620', 12500.0]]
    """
    return scan_baci(
        path, country_codes=country_codes, product_codes=product_codes, classification=classification
    )
