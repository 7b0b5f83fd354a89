"""The report folder: checked before any work, written whole, swapped in only when complete.

A report is written into a staging folder beside ``out_dir`` and replaces it in one step at
the end (:func:`forecasting.files.atomic_directory`): an interrupted run, fresh or re-run,
leaves the previous report as it was and never a folder whose manifest disagrees with its
files. A directory is only ever replaced when it is empty or already holds a report manifest,
so a mistyped path cannot clobber someone's work; a previous report is kept, once, beside the
new one as ``<out_dir>.previous`` (:func:`previous_copy`; an older copy there is deleted).

This module imports nothing heavy, so the command line checks ``--out`` within a second.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Iterator
from pathlib import Path

from forecasting.errors import ForecastingError, describe_items
from forecasting.files import atomic_directory
from forecasting.report import manifest

logger = logging.getLogger(__name__)

__all__ = ["ReportDirectoryError", "check_directory", "previous_copy", "report_directory"]


class ReportDirectoryError(ForecastingError, FileExistsError):
    """The output directory holds files that are not a report this package wrote."""


def previous_copy(out_dir: str | Path) -> Path:
    """Where the previous report in ``out_dir`` is kept when a new one replaces it.

    Examples
    --------
    >>> previous_copy("reports/kz-pk-outlook").as_posix()
    'reports/kz-pk-outlook.previous'
    """
    out_dir = Path(out_dir)
    return out_dir.with_name(out_dir.name + ".previous")


def check_directory(out_dir: str | Path) -> bool:
    """Check, writing nothing, that a report can go to ``out_dir``; True when it replaces one.

    ``out_dir`` may be missing, empty, or hold a previous report (which is then kept as
    :func:`previous_copy`, replacing an older copy there). Call it before any long work: the
    command line does, so a wrong ``--out`` fails at once.

    Raises
    ------
    ReportDirectoryError
        When ``out_dir`` (or its previous-copy path) is a file or a folder that is not a
        report, or when its parent cannot be written.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> check_directory(pathlib.Path(tempfile.mkdtemp()) / "new")
    False
    """
    out_dir = Path(os.path.abspath(out_dir))
    if out_dir == Path.cwd() or out_dir in Path.cwd().parents:
        raise ReportDirectoryError(
            f"{out_dir} is the current folder or holds it; the report folder is replaced as a whole,"
            " so give a new folder for it (for example reports/kz-pk-outlook)"
        )
    _check_target(out_dir)
    replacing = out_dir.is_dir() and manifest.is_report_directory(out_dir)
    if replacing:
        kept = previous_copy(out_dir)
        _check_target(
            kept, f"{kept.name} is where the previous report in {out_dir.name} is kept; move it away"
        )
    parent = next((p for p in (out_dir, *out_dir.parents) if p.exists()), None)
    if parent is not None and not (parent.is_dir() and os.access(parent, os.W_OK | os.X_OK)):
        raise ReportDirectoryError(
            f"cannot create {out_dir}: {parent} is not a folder this user can write in"
        )
    return replacing


def _check_target(path: Path, remedy: str | None = None) -> None:
    if path.exists() and not path.is_dir():
        raise ReportDirectoryError(f"{path} is a file; {remedy or 'give a directory path for the report'}")
    if path.is_dir() and not manifest.is_report_directory(path):
        entries = sorted(p.name for p in path.iterdir())
        if entries:
            raise ReportDirectoryError(
                f"{path} is not empty and holds no report manifest ({describe_items(entries)}); "
                + (remedy or "choose a new or empty directory, or delete this one if it is an old report")
            )


@contextlib.contextmanager
def report_directory(out_dir: str | Path) -> Iterator[Path]:
    """A staging folder to write a whole report into; it replaces ``out_dir`` when the block ends.

    Checked first with :func:`check_directory`. On an error or an interruption inside the
    block the staging folder is deleted and ``out_dir`` keeps what it held.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "r"
    >>> with report_directory(out) as staging:
    ...     _ = (staging / "note.txt").write_text("complete")
    >>> [p.name for p in out.iterdir()]
    ['note.txt']
    """
    replacing = check_directory(out_dir)
    out_dir = Path(os.path.abspath(out_dir))
    backup = previous_copy(out_dir) if replacing else None
    with atomic_directory(out_dir, backup=backup) as staging:
        yield staging
    if replacing:
        logger.info("replaced the report in %s; the previous one is kept in %s", out_dir, backup)
