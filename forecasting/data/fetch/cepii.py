"""Fetchers for CEPII downloads: BACI (bilateral trade by HS6 product) and GeoDist.

BACI is published as one zip per HS revision and release, named
``BACI_<HS>_V<release>.zip`` (e.g. ``BACI_HS17_V202401b.zip``) under
``https://www.cepii.fr/DATA_DOWNLOAD/baci/data/``; it holds one CSV per year plus the
``country_codes_*.csv`` and ``product_codes_*.csv`` tables. CEPII removes older releases when
a new one appears, so the release is always named explicitly: analyses stay reproducible.

GeoDist (Mayer & Zignago 2011) is published as ``dist_cepii`` (pairs) and ``geo_cepii``
(countries) in Stata (``.dta``) and Excel (``.xls``) form under
``https://www.cepii.fr/distance/``. Licence of both: Etalab Open Licence 2.0.
Mirrors: ``base_url=`` or the environment variables ``FORECASTING_BACI_URL`` and
``FORECASTING_GEODIST_URL``.

CEPII does not publish checksums. The registry therefore leaves them unknown: the digest of
the first download is recorded beside the file and checked on every reuse. Pass ``sha256=``
to pin a file you have verified.
"""

from __future__ import annotations

import logging
import re
import zipfile
from collections.abc import Iterable, Mapping
from pathlib import Path, PurePosixPath
from typing import Literal

import pandas as pd

from forecasting.errors import FetchError, describe_items, option_hint
from forecasting.files import atomic_directory
from forecasting.progress import track

from .cache import cache_dir, discard
from .core import (
    SOURCE_URLS,
    FetchedFile,
    FetchResult,
    RemoteFile,
    choose,
    fetch_remote,
    reject_html,
    source_url,
)
from .retry import RetryPolicy

logger = logging.getLogger(__name__)

BACI_BASE_URL = SOURCE_URLS["baci"]
GEODIST_BASE_URL = SOURCE_URLS["geodist"]

HsRevision = Literal["HS92", "HS96", "HS02", "HS07", "HS12", "HS17", "HS22"]
HS_REVISIONS: tuple[str, ...] = ("HS92", "HS96", "HS02", "HS07", "HS12", "HS17", "HS22")
GeodistTable = Literal["dist", "geo"]
GeodistFormat = Literal["dta", "xls"]
_COMPLETE_MARKER = ".extracted-from.sha256"


def release_tag(release: str, *, database: str, example: str, letter: bool = False) -> str:
    """The ``V`` + year + month (+ a letter where ``letter``) tag of a CEPII release, checked.

    CEPII replaces releases, so every fetcher names one; a malformed name raises
    :class:`~forecasting.errors.FetchError` saying how to write it.

    Examples
    --------
    >>> release_tag("202401b", database="BACI", example="V202401b", letter=True)
    'V202401b'
    """
    pattern = r"^V?(\d{6}[a-z]?)$" if letter else r"^V?(\d{6})$"
    match = re.match(pattern, str(release).strip())
    if not match:
        form = "'V' + year + month" + (" (+ optional letter)" if letter else "")
        raise FetchError(
            f"release={release!r} is not a {database} release name: give {form} as listed on the"
            f" {database} page, e.g. {option_hint('release', example)}."
        )
    return f"V{match.group(1)}"


def baci_remote(
    hs: HsRevision | str,
    *,
    release: str,
    sha256: str | None = None,
    size_bytes: int | None = None,
    base_url: str | None = None,
) -> RemoteFile:
    """Describe the BACI zip of one HS revision and release.

    Examples
    --------
    >>> baci_remote("HS17", release="V202401b").url
    'https://www.cepii.fr/DATA_DOWNLOAD/baci/data/BACI_HS17_V202401b.zip'
    >>> baci_remote("hs92", release="202501").filename
    'BACI_HS92_V202501.zip'
    """
    revision = choose(hs, HS_REVISIONS, "hs")
    tag = release_tag(release, database="CEPII BACI", example="V202401b", letter=True)
    return RemoteFile(
        f"{source_url('baci', base_url)}/BACI_{revision}_{tag}.zip",
        sha256=sha256,
        size_bytes=size_bytes,
        description=f"CEPII BACI {revision} release {tag} (Etalab Open Licence 2.0)",
    )


def fetch_baci(
    hs: HsRevision | str = "HS17",
    *,
    release: str,
    extract: bool = False,
    sha256: str | None = None,
    size_bytes: int | None = None,
    base_url: str | None = None,
    refresh: bool = False,
    retry: RetryPolicy | None = None,
) -> FetchResult:
    """Download a CEPII BACI release (one zip, several GB unpacked) into the cache.

    The zip lands in ``cache_dir("baci")``; a cached copy is reused only after its digest
    matches ``sha256`` (or the digest recorded at its first download).

    Parameters
    ----------
    hs
        HS revision of the product codes: one of ``HS92, HS96, HS02, HS07, HS12, HS17, HS22``.
    release
        BACI release, e.g. ``"V202401b"`` (required: CEPII replaces releases, so naming it
        keeps an analysis reproducible).
    extract
        Also unpack the zip (atomically, into ``cache_dir("baci")/<zip name without .zip>``);
        ``result.path`` is then that folder.
    sha256, size_bytes
        Expected checksum and size when you know them; otherwise the first download's digest is
        recorded and checked on reuse.
    base_url
        Mirror to download from (default: ``FORECASTING_BACI_URL`` when set, else CEPII).
    refresh
        Download again even if a verified copy is cached.
    retry
        Retry settings, see :class:`RetryPolicy`.

    Returns
    -------
    FetchResult
        ``result.paths[0]`` is the zip; ``result.extracted_to`` the folder when extracted.
        Read it with ``forecasting.data.readers.read_baci``/``scan_baci``.

    Examples
    --------
    >>> fetch_baci("HS17", release="2024")
    Traceback (most recent call last):
    ...
    forecasting.errors.FetchError: release='2024' is not a CEPII BACI release name: give 'V' + year + month (+ optional letter) as listed on the CEPII BACI page, e.g. pass release='V202401b'.
    """
    remote = baci_remote(hs, release=release, sha256=sha256, size_bytes=size_bytes, base_url=base_url)
    dest = cache_dir("baci") / str(remote.filename)
    fetched = fetch_remote(remote, dest, refresh=refresh, retry=retry, validate=require_zip)
    folder = None
    if extract:
        folder = extract_zip(fetched.path, dest.with_suffix(""), zip_sha256=fetched.sha256, refresh=refresh)
    return FetchResult("baci", (fetched,), extracted_to=folder)


def require_zip(path: Path) -> None:
    """Refuse a download that is not a zip archive (an error page, a moved file)."""
    reject_html(path)
    if not zipfile.is_zipfile(path):
        with open(path, "rb") as handle:
            head = handle.read(16)
        raise FetchError(
            f"The downloaded file is not a zip archive (nothing kept; first bytes {head!r}). "
            "Check the release name (and HS revision) on the CEPII download page."
        )


def extract_zip(archive: Path, target: Path, *, zip_sha256: str, refresh: bool = False) -> Path:
    """Unpack ``archive`` into ``target`` so that ``target`` exists only when complete.

    Members are written into a hidden temporary folder beside ``target`` (CRC-checked by
    :mod:`zipfile` as they are read) and the folder is renamed into place at the end. A marker
    inside records the zip's SHA-256, so a re-downloaded zip is extracted afresh.
    """
    marker = target / _COMPLETE_MARKER
    if not refresh and marker.is_file() and marker.read_text(encoding="ascii").split()[:1] == [zip_sha256]:
        logger.info("Using extracted %s", target)
        return target
    try:
        with atomic_directory(target) as work, zipfile.ZipFile(archive) as bundle:
            members = bundle.infolist()
            unsafe = [m.filename for m in members if _is_unsafe_member(m.filename)]
            if unsafe:
                raise FetchError(
                    f"{archive.name} holds member names that would escape the extraction folder: "
                    f"{describe_items(unsafe)}. It was not extracted; check where the archive came from."
                )
            for member in track(members, total=len(members), desc=f"extract {archive.name}"):
                bundle.extract(member, work)
            (work / _COMPLETE_MARKER).write_text(f"{zip_sha256}  {archive.name}\n", encoding="ascii")
    except zipfile.BadZipFile as exc:
        discard(archive)
        raise FetchError(
            f"{archive} is damaged ({exc}); it was removed from the cache. Fetch it again: the next "
            "call downloads a fresh copy."
        ) from exc
    logger.info("Extracted %d members of %s into %s", len(members), archive.name, target)
    return target


def _is_unsafe_member(name: str) -> bool:
    path = PurePosixPath(name.replace("\\", "/"))
    return path.is_absolute() or ".." in path.parts or (len(name) > 1 and name[1] == ":")


def geodist_remotes(
    tables: Iterable[GeodistTable | str] = ("dist", "geo"),
    *,
    format: GeodistFormat | str = "dta",
    checksums: Mapping[str, str] | None = None,
    base_url: str | None = None,
) -> list[RemoteFile]:
    """Describe the GeoDist files to download.

    Examples
    --------
    >>> [r.url for r in geodist_remotes(["dist"], format="xls")]
    ['https://www.cepii.fr/distance/dist_cepii.xls']
    """
    fmt = choose(format, ("dta", "xls"), "format")
    names = [f"{choose(t, ('dist', 'geo'), 'tables')}_cepii.{fmt}" for t in tables]
    if not names:
        raise FetchError("tables is empty; ask for 'dist', 'geo' or both.")
    sums = dict(checksums or {})
    unknown = sorted(set(sums) - set(names))
    if unknown:
        raise FetchError(
            f"checksums name files that are not requested: {describe_items(unknown)}; keys must be among "
            f"{', '.join(names)}."
        )
    what = {"dist": "bilateral distances and links", "geo": "country geography and languages"}
    root = source_url("geodist", base_url)
    return [
        RemoteFile(
            f"{root}/{name}",
            sha256=sums.get(name),
            description=f"CEPII GeoDist {what[name.split('_')[0]]} (Mayer & Zignago 2011; Etalab 2.0)",
        )
        for name in dict.fromkeys(names)
    ]


def fetch_geodist(
    tables: Iterable[GeodistTable | str] = ("dist", "geo"),
    *,
    format: GeodistFormat | str = "dta",
    checksums: Mapping[str, str] | None = None,
    base_url: str | None = None,
    refresh: bool = False,
    retry: RetryPolicy | None = None,
) -> FetchResult:
    """Download CEPII GeoDist tables (``dist_cepii``, ``geo_cepii``) into the cache.

    Each table is one file in ``cache_dir("geodist")``; an HTML error page served in its place
    is refused rather than cached.

    Parameters
    ----------
    tables
        ``"dist"`` (country pairs: dist, distcap, distw, distwces, contig, comlang_off, colony,
        ...) and/or ``"geo"`` (countries: iso3, area, landlocked, lat, lon, languages, ...).
    format
        ``"dta"`` (Stata, compact; default) or ``"xls"`` (Excel).
    checksums
        Expected SHA-256 per file name, e.g. ``{"dist_cepii.dta": "..."}``.
    base_url
        Mirror (default: ``FORECASTING_GEODIST_URL`` when set, else CEPII).
    refresh, retry
        As for :func:`fetch_baci`.

    Returns
    -------
    FetchResult
        One file per table, in the order asked. Read the Stata files with
        ``forecasting.data.readers.read_reference_table(path, iso3_columns=["iso_o", "iso_d"])``
        (``["iso3"]`` for geo_cepii), which also translates CEPII's historic codes (ROM, YUG,
        ZAR, ...); ``read_geodist`` reads the semicolon-separated CSV form.

    Examples
    --------
    >>> fetch_geodist(["distance"])
    Traceback (most recent call last):
    ...
    forecasting.errors.FetchError: tables='distance' is not valid (did you mean 'dist'?); use one of 'dist', 'geo'

    """
    remotes = geodist_remotes(tables, format=format, checksums=checksums, base_url=base_url)
    folder = cache_dir("geodist")
    files: list[FetchedFile] = [
        fetch_remote(r, folder / str(r.filename), refresh=refresh, retry=retry, validate=reject_html)
        for r in remotes
    ]
    return FetchResult("geodist", tuple(files))


def known_files() -> pd.DataFrame:
    """The CEPII files the fetchers know how to download, with URL and (if known) checksum.

    Examples
    --------
    >>> known_files()[["name", "url"]].iloc[0].tolist()
    ['dist_cepii.dta', 'https://www.cepii.fr/distance/dist_cepii.dta']
    """
    remotes = geodist_remotes(("dist", "geo"), format="dta") + geodist_remotes(("dist", "geo"), format="xls")
    rows = [
        {
            "name": r.filename,
            "url": r.url,
            "sha256": r.sha256,
            "size_bytes": r.size_bytes,
            "description": r.description,
        }
        for r in remotes
    ]
    rows.append(
        {
            "name": "BACI_<HS>_V<release>.zip",
            "url": f"{BACI_BASE_URL}/BACI_<HS>_V<release>.zip",
            "sha256": None,
            "size_bytes": None,
            "description": "CEPII BACI, one zip per HS revision and release (see fetch_baci)",
        }
    )
    rows.append(
        {
            "name": "Gravity_csv_V<release>.zip",
            "url": f"{SOURCE_URLS['gravity']}/Gravity_csv_V<release>.zip",
            "sha256": None,
            "size_bytes": None,
            "description": "CEPII Gravity database, one zip per release (see fetch_gravity)",
        }
    )
    return pd.DataFrame(rows, columns=["name", "url", "sha256", "size_bytes", "description"])
