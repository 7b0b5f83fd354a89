"""Reference tables gravity work leans on: CEPII GeoDist and the Stata/R files data sets ship as.

GeoDist (``dist_cepii``, ``geo_cepii``; Mayer & Zignago 2011) is semicolon-separated,
written in Latin-1, marks missing values with ".", and uses CEPII's original country codes
(ROM, YUG, ZAR, TMP, PAL). :func:`read_geodist` recodes them to current ISO3, keeping the
original codes beside. :func:`read_reference_table` reads ``.dta`` (pandas), ``.rda``/
``.RData``/``.rds`` (pyreadr), CSV and Parquet as they are.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Literal, Unpack

import pandas as pd

from forecasting.data.readers._cells import countries
from forecasting.data.readers._columns import require_file_columns
from forecasting.data.readers._table import merge_flags
from forecasting.data.readers.detect import TextOptions, detect_format, read_table, text_options
from forecasting.errors import ReaderError, describe_items, option_hint
from forecasting.validation import check_choice

logger = logging.getLogger(__name__)

GeoDistTable = Literal["auto", "dist", "geo"]
_DIST_NUMBERS = ("dist", "distcap", "distw", "distwces")
_DIST_DUMMIES = ("contig", "comlang_off", "comlang_ethno", "colony", "comcol", "curcol", "col45", "smctry")


def _geodist_format(path: Path, encoding: str | None):  # type: ignore[no-untyped-def]
    if encoding is not None:
        return detect_format(path, encoding=encoding, sep=";", decimal=".")
    try:
        return detect_format(path, sep=";", decimal=".")
    except ReaderError:
        # CEPII publishes GeoDist in Latin-1; a Latin-1 file with accents is never valid UTF-8,
        # so falling back here follows the publisher's documented encoding rather than guessing.
        logger.info("%s: not UTF-8; reading it as Latin-1, CEPII's encoding for GeoDist", path.name)
        return detect_format(path, encoding="latin-1", sep=";", decimal=".")


def read_geodist(
    path: str | Path, *, table: GeoDistTable = "auto", recode: bool = True, encoding: str | None = None
) -> pd.DataFrame:
    """Read CEPII ``dist_cepii`` or ``geo_cepii``, recoding old country codes to ISO3.

    Parameters
    ----------
    path
        ``dist_cepii.csv`` or ``geo_cepii.csv`` (semicolon-separated; ``.xls`` users: save as CSV).
    table
        ``"dist"`` (pairs: iso_o, iso_d), ``"geo"`` (countries: iso3) or ``"auto"`` (from the header).
    recode
        Replace CEPII codes by current ISO3 (ROM->ROU, ZAR->COD, YUG->SRB flagged
        ``historic_successor``) and keep the originals in ``<column>_cepii``.
    encoding
        UTF-8 is used when the file is valid UTF-8, else CEPII's Latin-1; declare to override.

    Returns
    -------
    DataFrame
        The table with numeric columns as floats (``.`` = missing) and a ``flags`` column.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "dist_cepii.csv"
    >>> _ = p.write_text("iso_o;iso_d;contig;dist\\nKAZ;PAK;0;1116.9\\nROM;KAZ;0;3500.5\\n")
    >>> read_geodist(p)[["iso_o", "iso_d", "dist", "iso_o_cepii"]].values.tolist()
    [['KAZ', 'PAK', 1116.9, 'KAZ'], ['ROU', 'KAZ', 3500.5, 'ROM']]
    """
    path = Path(path)
    check_choice("table", table, GeoDistTable, error=ValueError)
    fmt = _geodist_format(path, encoding)
    raw = fmt.read(path, na_values=["", "."])
    kind = table if table != "auto" else ("dist" if {"iso_o", "iso_d"} <= set(raw.columns) else "geo")
    code_columns = ["iso_o", "iso_d"] if kind == "dist" else ["iso3"]
    require_file_columns(raw, code_columns, path=path, what=f"a GeoDist {kind} table", fix="it needs them")
    numeric = [
        c
        for c in raw.columns
        if c in (*_DIST_NUMBERS, *_DIST_DUMMIES, "lat", "lon", "area", "dis_int", "landlocked", "cnum")
    ]
    out = raw.copy()
    for column in numeric:
        values = pd.to_numeric(raw[column].str.strip(), errors="coerce")
        bad = values.isna() & raw[column].notna()
        if bad.any():
            raise ReaderError(
                f"{path}: column {column} has non-numbers {describe_items(raw.loc[bad, column].unique().tolist())}"
            )
        if column in (*_DIST_NUMBERS, "area") and (values < 0).any():
            raise ReaderError(
                f"{path}: column {column} has negative values; distances and areas cannot be negative"
            )
        out[column] = values.astype("float64")
    flags = []
    if recode:
        for column in code_columns:
            out[f"{column}_cepii"] = raw[column].astype(object)
            out[column], flag = countries(raw[column], scheme="cepii", path=path, role=column)
            flags.append(flag)
        out["flags"] = merge_flags(*flags).to_numpy()
        for column in code_columns:
            # two CEPII codes landing on one ISO3 (say YUG and SRB) would merge two entities silently
            sources = out.groupby(column)[f"{column}_cepii"].nunique()
            clashes = sources[sources > 1].index.tolist()
            if clashes:
                originals = sorted(out.loc[out[column].isin(clashes), f"{column}_cepii"].unique().tolist())
                raise ReaderError(
                    f"{path}: codes {describe_items(originals)} in {column} all map to {describe_items(clashes)};"
                    " read with recode=False and choose which to keep"
                )
    logger.info("%s: GeoDist %s table, %d rows", path.name, kind, len(out))
    return out


def read_reference_table(
    path: str | Path,
    *,
    table: str | None = None,
    iso3_columns: Sequence[str] = (),
    **text: Unpack[TextOptions],
) -> pd.DataFrame:
    """Read a Stata ``.dta``, R ``.rda``/``.RData``/``.rds``, CSV or Parquet table as it is.

    Parameters
    ----------
    path
        The file.
    table
        For R files holding several objects, the one to return (the error lists them).
    iso3_columns
        Columns of country codes or names to translate to ISO3 in place (any scheme).
    **text
        ``encoding``, ``sep``, ``thousands``, ``decimal`` (:class:`~forecasting.data.readers.detect.TextOptions`):
        for CSV files, when detection refuses to guess.

    Examples
    --------
    >>> import tempfile, pathlib, pandas as pd
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "t.dta"
    >>> pd.DataFrame({"exporter": ["ROM"], "trade": [1.5]}).to_stata(p, write_index=False)
    >>> read_reference_table(p, iso3_columns=["exporter"]).values.tolist()
    [['ROU', 1.5]]
    """
    path = Path(path)
    text = text_options(text, reader="read_reference_table")
    if not path.exists():
        raise ReaderError(f"{path}: no such file")
    suffix = "".join(path.suffixes[-2:]).lower() if path.suffix.lower() == ".gz" else path.suffix.lower()
    try:
        if suffix == ".dta":
            frame = pd.read_stata(path)
        elif suffix in (".rda", ".rdata", ".rds"):
            frame = _read_r(path, table)
        elif suffix in (".parquet", ".pq"):
            frame = pd.read_parquet(path)
        else:
            frame, _ = read_table(path, as_text=False, **text)
    except ReaderError:
        raise
    except Exception as exc:  # every backend raises its own family; ours names the file and format
        raise ReaderError(
            f"{path}: cannot be read as {suffix or 'a table'} ({type(exc).__name__}: {exc})"
        ) from None
    require_file_columns(
        frame, iso3_columns, path=path, what="the table", fix="iso3_columns= names its columns"
    )
    for column in iso3_columns:
        frame[column], _ = countries(frame[column].astype(object), scheme="auto", path=path, role=column)
    logger.info("%s: %d rows x %d columns", path.name, *frame.shape)
    return frame


def _read_r(path: Path, table: str | None) -> pd.DataFrame:
    import pyreadr

    objects = pyreadr.read_r(str(path))
    names = list(objects.keys())
    if table is not None:
        if table not in objects:
            raise ReaderError(f"{path}: no object {table!r}; it holds {describe_items(names)}")
        return objects[table]
    if len(names) != 1:
        raise ReaderError(
            f"{path}: holds {len(names)} objects ({describe_items(names)}); {option_hint('table', names[0])} to pick one"
        )
    return objects[names[0]]
