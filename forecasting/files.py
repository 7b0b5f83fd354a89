"""Atomic writes and checksums: the one place the toolkit writes files safely and hashes them.

Every writer in the package (report artefacts, downloads, scenario files, bundled data)
goes through these helpers, so a reader never sees a half-written file and an
interrupted run leaves the previous version in place. Whole folders (a report, an unpacked
archive) are built under a temporary name beside their target and swapped in only when
complete (:func:`atomic_directory`).
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import shutil
import signal
import tempfile
import threading
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO

__all__ = [
    "atomic_directory",
    "atomic_write",
    "atomic_write_bytes",
    "atomic_write_text",
    "atomic_writer",
    "file_digest",
    "remove_quietly",
    "replace_directory",
    "sha256_file",
]

logger = logging.getLogger(__name__)

_BLOCK = 1 << 20


def _current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


# mkstemp/mkdtemp create entries for the owner only; published ones get the usual permissions.
_FILE_MODE = 0o666 & ~_current_umask()
_DIR_MODE = 0o777 & ~_current_umask()


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


@contextlib.contextmanager
def atomic_directory(
    target: str | os.PathLike[str], *, backup: str | os.PathLike[str] | None = None
) -> Iterator[Path]:
    """Fill a new, empty folder beside ``target``; swap it in for ``target`` only when complete.

    The block writes into the yielded staging folder (hidden, ``.<name>.<random>.part``, in
    the same parent, so the swap is a rename on one file system). When the block ends
    normally, :func:`replace_directory` puts the staging folder at ``target``. When it raises
    (KeyboardInterrupt included), the staging folder is deleted and ``target`` is untouched:
    a reader sees the old folder or the new one, never a mixture.

    Parameters
    ----------
    target
        The folder to create or replace.
    backup
        Where the folder ``target`` held before goes (an older folder there is deleted);
        ``None`` deletes it once the new one is in place.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "report"
    >>> with atomic_directory(target) as staging:
    ...     _ = (staging / "a.txt").write_text("new")
    >>> sorted(p.name for p in target.iterdir())
    ['a.txt']
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent))
    try:
        os.chmod(staging, _DIR_MODE)
        yield staging
        replace_directory(staging, target, backup=backup)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)


def replace_directory(
    source: str | os.PathLike[str],
    target: str | os.PathLike[str],
    *,
    backup: str | os.PathLike[str] | None = None,
) -> Path | None:
    """Move folder ``source`` to ``target``; what ``target`` held goes to ``backup`` or is deleted.

    Two renames, with Ctrl-C held back between them (POSIX main thread), so ``target`` is
    never missing while both folders exist; if the second rename fails, the old folder is
    put back. Returns where the old folder went (``backup``), or None.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> root = pathlib.Path(tempfile.mkdtemp())
    >>> for name in ("old", "new"):
    ...     (root / name).mkdir(); _ = (root / name / "v.txt").write_text(name)
    >>> replace_directory(root / "new", root / "old", backup=root / "old.previous").name
    'old.previous'
    >>> (root / "old" / "v.txt").read_text(), (root / "old.previous" / "v.txt").read_text()
    ('new', 'old')
    """
    source, target = Path(source), Path(target)
    with interrupts_held():
        if not target.exists() and not target.is_symlink():
            os.rename(source, target)
            return None
        aside = (
            Path(backup)
            if backup is not None
            else target.with_name(f".{target.name}.{uuid.uuid4().hex[:8]}.old")
        )
        if backup is not None and aside.exists():
            shutil.rmtree(aside)
        os.rename(target, aside)
        try:
            os.rename(source, target)
        except BaseException:
            os.rename(aside, target)
            raise
    if backup is None:
        shutil.rmtree(aside, ignore_errors=True)
        return None
    return aside


@contextlib.contextmanager
def interrupts_held() -> Iterator[None]:
    """Hold SIGINT back in this thread for the block; a Ctrl-C sent meanwhile is raised just after.

    Nothing is lost: the kernel keeps the signal pending (or hands it to another thread, whose
    handler still raises KeyboardInterrupt here). Child processes started inside inherit the
    held signal, so a Ctrl-C meant for the parent never reaches them. Off the main thread (or
    without ``pthread_sigmask``) the block runs unchanged.

    Examples
    --------
    >>> import signal
    >>> with interrupts_held():
    ...     signal.SIGINT in signal.pthread_sigmask(signal.SIG_BLOCK, [])
    True
    """
    can_block = hasattr(signal, "pthread_sigmask") and threading.current_thread() is threading.main_thread()
    if not can_block:
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


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
