"""Fetch one remote file into the cache: reuse a verified copy, otherwise download it.

Every fetcher goes through :func:`fetch_remote`, so caching, checksums, atomic writes and
retries behave the same for Comtrade, BACI, GeoDist, CEPII Gravity and any URL a user passes.
Every source's address can be replaced by a mirror, through an argument or an environment
variable (:func:`source_url`), so tests and users behind a firewall point the fetchers elsewhere.
"""

from __future__ import annotations

import logging
import os
import re
import urllib.parse
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from forecasting.errors import FetchError, option_hint
from forecasting.validation import check_choice

from .cache import cache_dir, discard, normalise_sha256, verified_cached_digest, write_sidecar
from .transfer import RetryPolicy, download

logger = logging.getLogger(__name__)

_SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+-]*$")

# Each source's publisher; a mirror is named by FORECASTING_<SOURCE>_URL (see mirror_variable).
SOURCE_URLS: dict[str, str] = {
    "comtrade": "https://comtradeapi.un.org",
    "baci": "https://www.cepii.fr/DATA_DOWNLOAD/baci/data",
    "geodist": "https://www.cepii.fr/distance",
    "gravity": "https://www.cepii.fr/DATA_DOWNLOAD/gravity/data",
}


def mirror_variable(source: str) -> str:
    """The environment variable that points ``source`` at a mirror.

    Examples
    --------
    >>> mirror_variable("baci")
    'FORECASTING_BACI_URL'
    """
    return f"FORECASTING_{source.upper()}_URL"


def source_url(source: str, given: str | None = None) -> str:
    """Address to download ``source`` from: ``given``, else its environment variable, else the default.

    Examples
    --------
    >>> import os
    >>> _ = os.environ.pop("FORECASTING_GEODIST_URL", None)
    >>> source_url("geodist")
    'https://www.cepii.fr/distance'
    >>> source_url("geodist", "http://mirror.example.org/cepii/")
    'http://mirror.example.org/cepii'
    """
    default, variable = SOURCE_URLS[source], mirror_variable(source)
    chosen, origin = given, "the argument"
    if not chosen:
        chosen, origin = os.environ.get(variable, "").strip(), f"the environment variable {variable}"
    if not chosen:
        return default
    parts = urllib.parse.urlsplit(chosen)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise FetchError(
            f"The {source} address {chosen!r} given by {origin} is not an http(s) URL; give the mirror's "
            f"address (the default is {default})."
        )
    return chosen.rstrip("/")


def manual_download_hint(url: str, dest: Path) -> str:
    """What to do by hand when the network is out of reach."""
    return (
        f"To work offline, download {url} by hand (browser, curl) and save it as {dest}; the next "
        "fetch uses that copy without a request. Files you already have can also be read directly "
        "with the readers in forecasting.data.readers."
    )


@dataclass(frozen=True)
class RemoteFile:
    """A file to download: where it is and, when known, its size and SHA-256.

    Leave ``sha256`` as None when it is unknown: the digest computed on the first download is
    then recorded beside the file and checked every time the cached copy is reused.

    Examples
    --------
    >>> RemoteFile("https://www.cepii.fr/distance/dist_cepii.dta").filename
    'dist_cepii.dta'
    """

    url: str
    filename: str | None = None
    sha256: str | None = None
    size_bytes: int | None = None
    description: str = ""

    def __post_init__(self) -> None:
        parts = urllib.parse.urlsplit(self.url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise FetchError(f"{self.url!r} is not an http(s) URL; local files are read with the readers.")
        name = self.filename or urllib.parse.unquote(parts.path.rsplit("/", 1)[-1])
        if not _SAFE_NAME.match(name):
            raise FetchError(
                f"Cannot derive a safe file name from {self.url!r} (got {name!r}); pass filename=... "
                "made of letters, digits, '.', '_', '+' or '-'."
            )
        object.__setattr__(self, "filename", name)
        object.__setattr__(self, "sha256", normalise_sha256(self.sha256))
        if self.size_bytes is not None and (int(self.size_bytes) != self.size_bytes or self.size_bytes < 0):
            raise FetchError(f"size_bytes must be a whole number of bytes >= 0, got {self.size_bytes!r}")


@dataclass(frozen=True)
class FetchedFile:
    """One file in the cache after a fetch: where it is, its digest, and whether it was reused.

    Attributes
    ----------
    url
        Where it was downloaded from (query strings included; never a key, which travels in a header).
    path
        The verified copy in the cache.
    sha256, size_bytes
        Its digest and size, as checked on download and on every reuse.
    from_cache
        True when a verified cached copy was reused and nothing was downloaded.
    records
        Number of records in it, for API answers that count them (Comtrade JSON), else None.
    """

    url: str
    path: Path
    sha256: str
    size_bytes: int
    from_cache: bool
    records: int | None = None


@dataclass(frozen=True)
class FetchResult:
    """Files a fetcher placed in (or found in) the cache.

    Attributes
    ----------
    source
        ``"comtrade"``, ``"baci"``, ``"geodist"``, ``"gravity"`` or ``"url"``.
    files
        One :class:`FetchedFile` per downloaded file (per request chunk for Comtrade).
    extracted_to
        Folder holding the extracted archive, when an archive was extracted.
    table
        A table derived from the download (the covariates CSV of CEPII Gravity), when one was written.
    """

    source: str
    files: tuple[FetchedFile, ...]
    extracted_to: Path | None = None
    table: Path | None = None

    @property
    def paths(self) -> list[Path]:
        """Paths of the fetched files, in request order."""
        return [f.path for f in self.files]

    @property
    def path(self) -> Path:
        """The extraction folder, the derived table, or the single fetched file (error when there are several)."""
        if self.extracted_to is not None:
            return self.extracted_to
        if self.table is not None:
            return self.table
        if len(self.files) != 1:
            raise FetchError(
                f"This {self.source} fetch produced {len(self.files)} files; use .paths to get all of them."
            )
        return self.files[0].path

    def tidy(self) -> pd.DataFrame:
        """One row per file: source, url, path, sha256, size_bytes, from_cache, records.

        Examples
        --------
        >>> f = FetchedFile("https://x.org/a.csv", Path("a.csv"), "0" * 64, 3, True)
        >>> FetchResult("url", (f,)).tidy()[["source", "size_bytes", "from_cache"]]
          source  size_bytes  from_cache
        0    url           3        True
        """
        rows = [
            {
                "source": self.source,
                "url": f.url,
                "path": str(f.path),
                "sha256": f.sha256,
                "size_bytes": f.size_bytes,
                "from_cache": f.from_cache,
                "records": pd.NA if f.records is None else f.records,
            }
            for f in self.files
        ]
        columns = ["source", "url", "path", "sha256", "size_bytes", "from_cache", "records"]
        frame = pd.DataFrame(rows, columns=columns)
        return frame.astype({"size_bytes": "int64", "from_cache": "bool", "records": "Int64"})


def choose(value: str, options: tuple[str, ...], name: str) -> str:
    """The canonical spelling of a case-insensitive string option (a :class:`FetchError` when invalid).

    Examples
    --------
    >>> choose("hs17", ("HS12", "HS17"), "hs")
    'HS17'
    """
    text = value.strip().lower() if isinstance(value, str) else value
    canonical = next((o for o in options if o.lower() == text), value)
    check_choice(option_name(name), canonical, options, error=FetchError)
    return canonical


def option_name(keyword: str) -> str:
    """An option as the user spells it: the keyword in Python, the flag under ``cli_wording``.

    Examples
    --------
    >>> from forecasting.errors import cli_wording
    >>> with cli_wording({"hs": "--hs"}):
    ...     option_name("hs")
    '--hs'
    >>> option_name("hs")
    'hs'
    """
    return option_hint(keyword, verb="").strip()


def reject_html(path: Path) -> None:
    """Refuse an HTML page delivered in place of a data file (login walls, error pages with HTTP 200)."""
    with open(path, "rb") as handle:
        head = handle.read(512).lstrip().lower()
    if head.startswith((b"<!doctype html", b"<html")):
        raise FetchError(
            f"The server sent an HTML page instead of the data file (saved nowhere; began {head[:60]!r}). "
            "The URL may have moved: check it in a browser."
        )


def fetch_remote(
    remote: RemoteFile,
    dest: Path,
    *,
    refresh: bool = False,
    retry: RetryPolicy | None = None,
    headers: Mapping[str, str] | None = None,
    validate: Callable[[Path], None] | None = None,
    desc: str = "",
    manual_url: str | None = None,
) -> FetchedFile:
    """Return a verified copy of ``remote`` at ``dest``, downloading it only when needed.

    ``manual_url`` is the address shown in the offline message when it should differ from the
    request's (Comtrade's keyed endpoint needs the key added by hand).
    """
    if refresh:
        discard(dest)
    elif remote.size_bytes is not None and dest.is_file() and dest.stat().st_size != remote.size_bytes:
        logger.warning("Cached %s does not have the expected size; downloading it again.", dest)
        discard(dest)
    else:
        digest = verified_cached_digest(dest, remote.sha256)
        if digest is not None:
            logger.info("Using cached %s for %s", dest, remote.url)
            return FetchedFile(remote.url, dest, digest, dest.stat().st_size, from_cache=True)
    result = download(
        remote.url,
        dest,
        headers=headers,
        retry=retry,
        expected_sha256=remote.sha256,
        expected_size=remote.size_bytes,
        validate=validate,
        offline_hint=manual_download_hint(manual_url or remote.url, dest),
        desc=desc or remote.filename or "",
    )
    write_sidecar(dest, result.sha256)
    return FetchedFile(remote.url, dest, result.sha256, result.size_bytes, from_cache=False)


def fetch_url(
    url: str | RemoteFile,
    *,
    filename: str | None = None,
    sha256: str | None = None,
    size_bytes: int | None = None,
    subdir: str | None = None,
    refresh: bool = False,
    retry: RetryPolicy | None = None,
    headers: Mapping[str, str] | None = None,
) -> Path:
    """Download any file into the cache (once) and return its local path.

    The file is kept under ``cache_dir("files")/<host>/<filename>`` (or ``cache_dir(subdir)``),
    written atomically, and verified against ``sha256`` when given; otherwise its digest is
    recorded on first download and checked whenever the cached copy is reused.

    Parameters
    ----------
    url
        An http(s) URL, or a :class:`RemoteFile` carrying URL, size and checksum.
    filename
        Name to store the file under (default: the last part of the URL path).
    sha256, size_bytes
        Expected SHA-256 and size; a mismatch raises :class:`~forecasting.errors.FetchError`
        and nothing is kept.
    subdir
        Cache sub-folder to use instead of ``files/<host>``.
    refresh
        Download again even if a verified copy is cached.
    retry
        Retry settings (attempts, backoff, timeout); see :class:`RetryPolicy`.
    headers
        Extra request headers (never logged).

    Returns
    -------
    pathlib.Path
        Path of the verified local copy.

    Examples
    --------
    >>> fetch_url("ftp://example.org/file.csv")
    Traceback (most recent call last):
    ...
    forecasting.errors.FetchError: 'ftp://example.org/file.csv' is not an http(s) URL; local files are read with the readers.
    """
    if isinstance(url, RemoteFile):
        remote = url
        if filename or sha256 or size_bytes is not None:
            raise FetchError(
                "Pass filename/sha256/size_bytes either in the RemoteFile or as arguments, not both."
            )
    else:
        remote = RemoteFile(url, filename=filename, sha256=sha256, size_bytes=size_bytes)
    if subdir is not None:
        folder = cache_dir(subdir)
    else:
        host = urllib.parse.urlsplit(remote.url).hostname or "unknown-host"
        folder = cache_dir("files") / host.replace(":", "_")
    return fetch_remote(
        remote, folder / str(remote.filename), refresh=refresh, retry=retry, headers=headers
    ).path
