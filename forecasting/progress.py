"""Progress bars for long work, off unless the caller (CLI, notebook) asks for them.

The library itself never prints: it logs. Long loops call :func:`track`, which shows a
tqdm bar only when progress was switched on with :func:`show_progress` or per call.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator
from typing import TypeVar

T = TypeVar("T")

_enabled = False


def show_progress(enabled: bool = True) -> None:
    """Switch progress bars on (the CLI and notebooks do this) or off for the whole session.

    Examples
    --------
    >>> show_progress(False)
    """
    global _enabled
    _enabled = bool(enabled)


def progress_enabled() -> bool:
    """Whether progress bars are switched on."""
    return _enabled


def track(
    items: Iterable[T], *, total: int | None = None, desc: str = "", enabled: bool | None = None
) -> Iterator[T]:
    """Iterate over ``items``, with a progress bar when progress is switched on.

    Examples
    --------
    >>> list(track(range(3), desc="demo"))
    [0, 1, 2]
    """
    on = _enabled if enabled is None else enabled
    if not on:
        yield from items
        return
    from tqdm.auto import tqdm

    with contextlib.closing(tqdm(items, total=total, desc=desc, leave=False)) as bar:
        yield from bar
