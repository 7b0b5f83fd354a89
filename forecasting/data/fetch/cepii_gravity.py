"""Covariates for the gravity model from the CEPII Gravity database: RTA, distance, contiguity, GDP.

Source: CEPII Gravity database (Conte, Cotterlaz & Mayer 2022, CEPII Working Paper 2022-05),
https://www.cepii.fr/CEPII/en/bdd_modele/bdd_modele_item.asp?id=8, one zip per release at
``https://www.cepii.fr/DATA_DOWNLOAD/gravity/data/Gravity_csv_<release>.zip`` (release
``V202211`` covers 1948-2021). Licence: Etalab Open Licence 2.0, like BACI and GeoDist.

Why this source and not a bare RTA list: one file, under one open licence, carries every
pair-level covariate the outlook's gravity panel takes (``rta`` is CEPII's ``fta_wto``, built
from the WTO RTA database; ``dist_km``, ``contig``, ``comlang``) and the GDP that a GE run
without a production table approximates output with, with the same ISO3 codes and years.

The zip (about 0.5 GB, 4.4 million pair-years) is cached as downloaded. The outlook needs a
small part of it, so the fetch also streams the CSV inside the zip once and writes a tidy
covariates table (columns :data:`COVARIATE_COLUMNS`) for the countries and years asked, named
after the selection and the zip's checksum so a new download never reuses a stale table.
Mirrors: ``base_url=`` or the environment variable ``FORECASTING_GRAVITY_URL``.
"""

from __future__ import annotations

import hashlib
import logging
import re
import warnings
import zipfile
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from forecasting.errors import DataQualityWarning, FetchError, describe_items
from forecasting.files import atomic_write, sha256_file
from forecasting.progress import track
from forecasting.schema import require_columns

from .cache import cache_dir, verified_cached_digest, write_sidecar
from .cepii import release_tag, require_zip
from .core import FetchedFile, FetchResult, RemoteFile, fetch_remote, source_url
from .retry import RetryPolicy

logger = logging.getLogger(__name__)

GRAVITY_RELEASE = "V202211"
# CEPII's column -> the toolkit's name (GRAVITY_PANEL names where they exist; units as suffixes).
_RENAMES = {
    "iso3_o": "exporter",
    "iso3_d": "importer",
    "year": "year",
    "dist": "dist_km",
    "distw_harmonic": "distw_km",
    "contig": "contig",
    "comlang_off": "comlang",
    "fta_wto": "rta",
    "wto_o": "wto_exporter",
    "wto_d": "wto_importer",
    "gdp_o": "gdp_exporter_usd",
    "gdp_d": "gdp_importer_usd",
}
COVARIATE_COLUMNS: tuple[str, ...] = tuple(_RENAMES.values())
_EXISTS = ("country_exists_o", "country_exists_d")
_DUMMIES = ("contig", "comlang", "rta", "wto_exporter", "wto_importer")
_CHUNK_ROWS = 500_000


def gravity_remote(
    release: str = GRAVITY_RELEASE, *, sha256: str | None = None, base_url: str | None = None
) -> RemoteFile:
    """Describe the CSV zip of one CEPII Gravity release.

    Examples
    --------
    >>> gravity_remote("V202211").url
    'https://www.cepii.fr/DATA_DOWNLOAD/gravity/data/Gravity_csv_V202211.zip'
    """
    tag = release_tag(release, database="CEPII Gravity", example=GRAVITY_RELEASE)
    return RemoteFile(
        f"{source_url('gravity', base_url)}/Gravity_csv_{tag}.zip",
        sha256=sha256,
        description=f"CEPII Gravity database release {tag} (Etalab Open Licence 2.0)",
    )


def fetch_gravity(
    release: str = GRAVITY_RELEASE,
    *,
    countries: Iterable[str] | None = None,
    years: Iterable[int] | None = None,
    sha256: str | None = None,
    base_url: str | None = None,
    refresh: bool = False,
    retry: RetryPolicy | None = None,
) -> FetchResult:
    """Download CEPII Gravity and write the gravity covariates of the pairs and years asked.

    The zip is cached in ``cache_dir("gravity")`` and read once per selection of countries and
    years; the covariates table beside it is rebuilt when the zip changes or ``refresh`` is set.

    Parameters
    ----------
    release
        CEPII Gravity release, e.g. ``"V202211"`` (named so an analysis stays reproducible).
    countries
        ISO3 codes; only pairs with both sides among them are kept (default: every country).
    years
        Years to keep (default: all the release covers).
    sha256
        Expected SHA-256 of the zip, when you have verified one.
    base_url
        Mirror (default: ``FORECASTING_GRAVITY_URL`` when set, else CEPII).
    refresh, retry
        Download again even if cached; retry settings (see :class:`RetryPolicy`).

    Returns
    -------
    FetchResult
        ``files[0]`` is the zip; ``result.table`` (also ``result.path``) the covariates CSV:
        ``exporter, importer, year, dist_km, distw_km, contig, comlang, rta, wto_exporter,
        wto_importer, gdp_exporter_usd, gdp_importer_usd`` (GDP in current USD; blanks where
        CEPII has no value). Merge it on ``exporter, importer, year`` into a gravity panel.

    Examples
    --------
    >>> fetch_gravity("2022")
    Traceback (most recent call last):
    ...
    forecasting.errors.FetchError: release='2022' is not a CEPII Gravity release name: give 'V' + year + month as listed on the CEPII Gravity page, e.g. pass release='V202211'.
    """
    remote = gravity_remote(release, sha256=sha256, base_url=base_url)
    chosen_countries = _iso3_codes(countries)
    chosen_years = None if years is None else sorted({int(y) for y in years})
    dest = cache_dir("gravity") / str(remote.filename)
    fetched = fetch_remote(remote, dest, refresh=refresh, retry=retry, validate=require_zip)
    table = _table_path(fetched, chosen_countries, chosen_years)
    if refresh or verified_cached_digest(table, None) is None:
        write_covariates(fetched.path, table, countries=chosen_countries, years=chosen_years)
    else:
        logger.info("Using cached covariates %s", table)
    return FetchResult("gravity", (fetched,), table=table)


def _iso3_codes(countries: Iterable[str] | None) -> list[str] | None:
    if countries is None:
        return None
    codes = sorted(
        {str(c).strip().upper() for c in ([countries] if isinstance(countries, str) else countries)}
    )
    bad = [c for c in codes if not re.fullmatch(r"[A-Z]{3}", c)]
    if bad or not codes:
        raise FetchError(
            f"countries must be ISO3 codes such as KAZ or PAK; not valid: {describe_items(bad) or 'none given'}."
        )
    return codes


def _table_path(zip_file: FetchedFile, countries: list[str] | None, years: list[int] | None) -> Path:
    selection = f"{','.join(countries or ['all'])}|{','.join(map(str, years or ['all']))}"
    tag = hashlib.sha256(selection.encode()).hexdigest()[:10]
    stem = zip_file.path.stem.replace("Gravity_csv_", "Gravity_")
    return zip_file.path.with_name(f"{stem}_covariates_{tag}_{zip_file.sha256[:12]}.csv")


def write_covariates(
    archive: Path, target: Path, *, countries: list[str] | None = None, years: list[int] | None = None
) -> Path:
    """Stream the Gravity CSV inside ``archive`` and write the covariates table atomically to ``target``."""
    with zipfile.ZipFile(archive) as bundle:
        member = _gravity_member(bundle, archive)
        with bundle.open(member) as handle:
            header = pd.read_csv(handle, nrows=0)
        require_columns(header, [*_RENAMES, *_EXISTS], what=f"{member} in {archive.name}")
        parts = []
        with bundle.open(member) as handle:
            reader = pd.read_csv(
                handle, usecols=[*_RENAMES, *_EXISTS], chunksize=_CHUNK_ROWS, low_memory=False
            )
            for chunk in track(reader, desc=f"covariates from {member}"):
                parts.append(_select(chunk, countries, years))
    table = pd.concat(parts, ignore_index=True).rename(columns=_RENAMES)[list(COVARIATE_COLUMNS)]
    _check_coverage(table, countries, years, member)
    table = table.sort_values(["exporter", "importer", "year"], ignore_index=True)
    duplicated = table.duplicated(["exporter", "importer", "year"], keep=False)
    if duplicated.any():
        pairs = table.loc[duplicated, ["exporter", "importer", "year"]].astype(str).agg("-".join, axis=1)
        raise FetchError(
            f"{member} lists {int(duplicated.sum())} rows twice for one exporter-importer-year, e.g. "
            f"{describe_items(pairs.unique())}; this release's layout is not understood (nothing written)."
        )
    for name in ("gdp_exporter_usd", "gdp_importer_usd"):
        table[name] = table[name] * 1000.0  # CEPII publishes GDP in thousands of current USD
    for name in _DUMMIES:
        table[name] = table[name].round().astype("Int64")
    atomic_write(target, lambda path: table.to_csv(path, index=False))
    write_sidecar(target, sha256_file(target))
    logger.info("Wrote %d covariate rows (%s) to %s", len(table), ", ".join(COVARIATE_COLUMNS), target)
    return target


def _check_coverage(
    table: pd.DataFrame, countries: list[str] | None, years: list[int] | None, member: str
) -> None:
    """Refuse an empty selection and name every country or year asked for that has no row."""
    asked = f"countries {', '.join(countries)}" if countries else "all countries"
    if table.empty:
        span = f"years {years[0]}-{years[-1]}" if years else "any year"
        raise FetchError(
            f"{member} has no pair among {asked} in {span}; check the ISO3 codes and that the years lie "
            "within the release (V202211 covers 1948-2021). Nothing was written."
        )
    absent = sorted(set(countries or ()) - set(table["exporter"]) - set(table["importer"]))
    missing_years = sorted(set(years or ()) - set(table["year"]))
    if absent or missing_years:
        what = [
            f"countries {describe_items(absent)}" if absent else "",
            f"years {describe_items(missing_years)}" if missing_years else "",
        ]
        warnings.warn(
            f"{member} has no row for {' and '.join(w for w in what if w)}: those are absent from the "
            "covariates table (CEPII may use another code, or the release ends earlier).",
            DataQualityWarning,
            stacklevel=4,  # the caller of fetch_gravity
        )


def _gravity_member(bundle: zipfile.ZipFile, archive: Path) -> str:
    names = [n for n in bundle.namelist() if re.fullmatch(r"(?:.*/)?Gravity_V\d{6}\.csv", n)]
    if len(names) != 1:
        raise FetchError(
            f"{archive.name} should hold one Gravity_V<release>.csv, found {describe_items(names) or 'none'} "
            f"among {describe_items(bundle.namelist())}; it is not a CEPII Gravity CSV release."
        )
    return names[0]


def _select(chunk: pd.DataFrame, countries: list[str] | None, years: list[int] | None) -> pd.DataFrame:
    # Historic entities (West Germany, USSR, ...) share ISO3 codes with their successors;
    # CEPII marks which one exists in a given year.
    keep = chunk["country_exists_o"].eq(1) & chunk["country_exists_d"].eq(1)
    if countries is not None:
        keep &= chunk["iso3_o"].isin(countries) & chunk["iso3_d"].isin(countries)
    if years is not None:
        keep &= chunk["year"].isin(years)
    return chunk.loc[keep, list(_RENAMES)]
