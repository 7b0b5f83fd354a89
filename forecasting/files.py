"""Atomic writes and checksums: the one place the toolkit writes files safely and hashes them.

Every writer in the package (report artefacts, downloads, scenario files, bundled data)
goes through these helpers, so a reader never sees a half-written file and an
interrupted run leaves the previous version in place.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO

__all__ = [
    "atomic_write",
    "atomic_write_bytes",
    "atomic_write_text",
    "atomic_writer",
    "file_digest",
    "remove_quietly",
    "sha256_file",
]

logger = logging.getLogger(__name__)

_BLOCK = 1 << 20


def _current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


# mkstemp creates files readable by the owner only; published files get the usual permissions.
_FILE_MODE = 0o666 & ~_current_umask()


def atomic_write(path: str | os.PathLike[str], write: Callable[[Path], object]) -> Path:
    """Call ``write(temporary_path)``, then move the result onto ``path`` in one step.

    The temporary file sits in the same directory, so ``os.replace`` stays on one file
    system (and is atomic there). If ``write`` raises, the temporary file is removed and
    ``path`` is left as it was.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "note.txt"
    >>> _ = atomic_write(target, lambda p: p.write_text("hello"))
    >>> target.read_text()
    'hello'
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    os.close(handle)
    temp_path = Path(temporary)
    try:
        write(temp_path)
        os.chmod(temp_path, _FILE_MODE)
        os.replace(temp_path, path)
    except BaseException:
        remove_quietly(temp_path)
        raise
    return path


def atomic_write_text(path: str | os.PathLike[str], text: str) -> Path:
    """Write UTF-8 text atomically (see :func:`atomic_write`)."""
    return atomic_write(path, lambda p: p.write_text(text, encoding="utf-8"))


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes) -> Path:
    """Write bytes atomically (see :func:`atomic_write`)."""
    return atomic_write(path, lambda p: p.write_bytes(data))


@contextlib.contextmanager
def atomic_writer(final: str | os.PathLike[str]) -> Iterator[BinaryIO]:
    """Open a binary temporary file beside ``final``; on success flush, sync and rename it.

    For streamed writes (downloads) where the data never sits in memory at once.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "out.bin"
    >>> with atomic_writer(target) as fh:
    ...     _ = fh.write(b"complete")
    >>> target.read_bytes()
    b'complete'
    """
    final = Path(final)
    final.parent.mkdir(parents=True, exist_ok=True)
    handle = tempfile.NamedTemporaryFile(
        mode="wb", dir=final.parent, prefix=f".{final.name}.", suffix=".part", delete=False
    )
    temp = Path(handle.name)
    try:
        with handle:
            yield handle  # type: ignore[misc]
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temp, _FILE_MODE)
        os.replace(temp, final)
    except BaseException:
        remove_quietly(temp)
        raise


def remove_quietly(path: str | os.PathLike[str]) -> None:
    """Delete a file if it exists; a failure is logged, never raised (used in clean-ups)."""
    try:
        Path(path).unlink(missing_ok=True)
    except OSError as exc:  # pragma: no cover - depends on OS permissions
        logger.warning("could not remove %s: %s", path, exc)


def sha256_file(path: str | os.PathLike[str]) -> str:
    """Hex SHA-256 digest of a file, read in 1 MiB blocks so large files need little memory.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "x.txt"
    >>> _ = p.write_bytes(b"abc")
    >>> sha256_file(p)[:16]
    'ba7816bf8f01cfea'
    """
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(_BLOCK), b""):
            digest.update(block)
    return digest.hexdigest()


def file_digest(path: str | os.PathLike[str]) -> dict[str, object]:
    """SHA-256 and size in bytes of a file (what manifests record).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> f = pathlib.Path(tempfile.mkdtemp()) / "x.bin"
    >>> _ = f.write_bytes(b"abc")
    >>> file_digest(f)["sha256"][:12], file_digest(f)["size_bytes"]
    ('ba7816bf8f01', 3)
    """
    return {"sha256": sha256_file(path), "size_bytes": Path(path).stat().st_size}
