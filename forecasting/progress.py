"""Progress for long work, off unless the caller (CLI, notebook) asks for it.

The library itself never prints: it logs. Long loops call :func:`track`, which shows progress
only when it was switched on with :func:`show_progress` or per call, in the form the output
can take (:func:`bar_style`):

- a terminal gets a tqdm bar redrawn in place;
- a notebook gets tqdm's widget when ipywidgets is installed, else its text bar (quietly:
  no "IProgress not found" warning);
- anything else (a log file, CI, a pipe) gets plain lines, at most one per
  :data:`PLAIN_INTERVAL_S` seconds, and none for a loop that ends sooner.
"""

from __future__ import annotations

import contextlib
import importlib.util
import sys
import time
from collections.abc import Iterable, Iterator
from typing import Literal, TypeVar

T = TypeVar("T")

#: Seconds between two plain progress lines when the output is not a terminal.
PLAIN_INTERVAL_S = 15.0

_enabled = False

BarStyle = Literal["terminal", "widget", "text", "lines"]


def show_progress(enabled: bool = True) -> None:
    """Switch progress on (the CLI and notebooks do this) or off for the whole session.

    Examples
    --------
    >>> show_progress(False)
    """
    global _enabled
    _enabled = bool(enabled)


def progress_enabled() -> bool:
    """Whether progress is switched on."""
    return _enabled


def bar_style(stream: object = None) -> BarStyle:
    """How progress can be shown on ``stream`` (default ``sys.stderr``).

    ``"terminal"`` (a TTY), ``"widget"`` or ``"text"`` (a Jupyter kernel, with or without
    ipywidgets), or ``"lines"`` (plain periodic lines).

    Examples
    --------
    >>> import io
    >>> bar_style(io.StringIO())
    'lines'
    """
    stream = sys.stderr if stream is None else stream
    if type(stream).__module__.startswith("ipykernel"):
        return "widget" if importlib.util.find_spec("ipywidgets") is not None else "text"
    isatty = getattr(stream, "isatty", None)
    return "terminal" if callable(isatty) and isatty() else "lines"


def track(
    items: Iterable[T], *, total: int | None = None, desc: str = "", enabled: bool | None = None
) -> Iterator[T]:
    """Iterate over ``items``, showing progress when it is switched on.

    Examples
    --------
    >>> list(track(range(3), desc="demo"))
    [0, 1, 2]
    """
    on = _enabled if enabled is None else enabled
    if not on:
        yield from items
        return
    style = bar_style()
    if style == "lines":
        yield from _plain_lines(items, total=total, desc=desc)
        return
    if style == "widget":
        from tqdm.auto import tqdm
    else:
        from tqdm.std import tqdm

    with contextlib.closing(tqdm(items, total=total, desc=desc, leave=False, file=sys.stderr)) as bar:
        yield from bar


def _plain_lines(items: Iterable[T], *, total: int | None, desc: str) -> Iterator[T]:
    """Yield ``items``, writing ``desc: done/total (elapsed)`` lines now and then to stderr."""
    started = last = time.monotonic()
    done, wrote = 0, False
    size = "" if total is None else f"/{total}"
    for item in items:
        yield item
        done += 1
        now = time.monotonic()
        if now - last >= PLAIN_INTERVAL_S:
            print(f"{desc or 'progress'}: {done}{size} ({now - started:.0f} s)", file=sys.stderr, flush=True)
            last, wrote = now, True
    if wrote:
        print(
            f"{desc or 'progress'}: {done}{size} done ({time.monotonic() - started:.0f} s)", file=sys.stderr
        )
