"""Where downloads live, how they are checksummed, and how they are written atomically.

A download never appears under its final name until it is complete and verified: bytes go to
a hidden temporary file in the same folder, which is renamed over the final name with
:func:`os.replace` (atomic on POSIX and Windows when both names are on one file system).
Every cached file has a ``<name>.sha256`` sidecar in ``sha256sum`` format, so a reused file is
checked against the digest recorded when it was first downloaded, and ``sha256sum -c`` works
on the cache folder too. The platform's cache folder comes from :mod:`platformdirs`.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

import platformdirs

from forecasting.errors import FetchError
from forecasting.files import atomic_writer, remove_quietly, sha256_file

logger = logging.getLogger(__name__)

CACHE_ENV = "FORECASTING_CACHE"
SIDECAR_SUFFIX = ".sha256"


def cache_dir(subdir: str | None = None, *, create: bool = True) -> Path:
    """Folder where fetchers keep their downloads.

    The environment variable ``FORECASTING_CACHE`` wins when set; otherwise the platform's
    user cache folder is used, as :func:`platformdirs.user_cache_dir` names it
    (``$XDG_CACHE_HOME/forecasting`` or ``~/.cache/forecasting`` on Linux,
    ``~/Library/Caches/forecasting`` on macOS, ``%LOCALAPPDATA%\\forecasting\\Cache`` on Windows).

    Parameters
    ----------
    subdir
        Optional sub-folder (one per source: ``"comtrade"``, ``"baci"``, ``"geodist"``).
    create
        Create the folder if it does not exist yet.

    Examples
    --------
    >>> import os
    >>> saved = os.environ.get(CACHE_ENV)
    >>> os.environ[CACHE_ENV] = "/tmp/forecasting-demo-cache"
    >>> str(cache_dir("baci", create=False))
    '/tmp/forecasting-demo-cache/baci'
    >>> _ = os.environ.pop(CACHE_ENV) if saved is None else os.environ.update({CACHE_ENV: saved})
    """
    override = os.environ.get(CACHE_ENV, "").strip()
    root = (
        Path(override).expanduser() if override else Path(platformdirs.user_cache_dir("forecasting", False))
    )
    folder = root / subdir if subdir else root
    if create:
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise FetchError(
                f"Cannot create the download cache folder {folder}: {exc}. "
                f"Point the environment variable {CACHE_ENV} at a writable folder."
            ) from exc
    return folder


def sidecar_path(path: Path) -> Path:
    """Path of the ``.sha256`` sidecar that records a cached file's digest."""
    return path.with_name(path.name + SIDECAR_SUFFIX)


def read_sidecar(path: Path) -> str | None:
    """Digest recorded for ``path``, or None when there is no readable sidecar."""
    side = sidecar_path(path)
    try:
        text = side.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError):
        return None
    digest = text.split()[0].lower() if text else ""
    if len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
        logger.warning("Ignoring malformed checksum sidecar %s", side)
        return None
    return digest


def write_sidecar(path: Path, digest: str) -> None:
    """Record ``digest`` for ``path`` in ``sha256sum`` format, atomically."""
    payload = f"{digest}  {path.name}\n".encode("ascii")
    with atomic_writer(sidecar_path(path)) as handle:
        handle.write(payload)


def normalise_sha256(value: str | None) -> str | None:
    """Lower-case a user-given SHA-256 (an optional ``sha256:`` prefix is accepted).

    Examples
    --------
    >>> normalise_sha256("SHA256:" + "AB" * 32) == "ab" * 32
    True
    """
    if value is None:
        return None
    digest = value.strip().lower().removeprefix("sha256:")
    if len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
        raise FetchError(
            f"{value!r} is not a SHA-256 digest: expected 64 hexadecimal characters "
            "(for example the output of `sha256sum FILE`)."
        )
    return digest


def verified_cached_digest(path: Path, expected_sha256: str | None) -> str | None:
    """SHA-256 of a cached file that may be reused, or None when it must be downloaded.

    The digest the file should have is the caller's ``expected_sha256`` when given, otherwise
    the one recorded in its sidecar. A file with neither (placed there by hand) is hashed once
    and its digest recorded, so later corruption is caught. A mismatching file is deleted
    (with its sidecar) so the caller downloads it again.
    """
    if not path.is_file():
        return None
    recorded = read_sidecar(path)
    wanted = expected_sha256 or recorded
    actual = sha256_file(path)
    if wanted is not None and actual != wanted:
        logger.warning(
            "Cached %s has SHA-256 %s but %s was expected; it will be downloaded again.", path, actual, wanted
        )
        discard(path)
        return None
    if recorded != actual:
        logger.info("Recording the checksum of cached %s", path)
        write_sidecar(path, actual)
    return actual


def discard(path: Path) -> None:
    """Remove a cached file and its checksum sidecar."""
    remove_quietly(path)
    remove_quietly(sidecar_path(path))
