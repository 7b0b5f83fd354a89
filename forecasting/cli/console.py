"""What the ``forecasting`` command shows: one line per error or warning, no Python internals.

- A library error (:class:`~forecasting.errors.ForecastingError`) prints ``error: ...`` and
  exits with status 2; messages that say what to pass name the command's flags
  (:func:`~forecasting.errors.cli_wording`).
- Ctrl-C prints one line and exits with status 130 (128 + SIGINT, as shells do). Outputs are
  only ever written whole (files atomically, the report folder swapped in at the end), so an
  interruption leaves no partial output and a previous report unchanged.
- Each library warning prints once, as ``warning: ...`` on one line (no source line); a
  fall-back warning prints its first line, since the summary lists every fall-back.
- Log records print only with ``-v`` (INFO and up); without it only errors do.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import sys
import warnings
from collections.abc import Callable, Iterator, Mapping

from forecasting.errors import FallbackWarning, ForecastingError, ForecastingWarning, cli_wording
from forecasting.progress import show_progress

EXIT_USER_ERROR = 2
EXIT_INTERRUPTED = 130


def run_command(
    func: Callable[[argparse.Namespace], int | None],
    args: argparse.Namespace,
    *,
    flags: Mapping[str, str],
    verbose: bool = False,
) -> int:
    """Run one subcommand with the console conventions above; returns the exit status."""
    with contextlib.ExitStack() as stack:
        stack.enter_context(_console_logging(verbose))
        stack.enter_context(console_warnings())
        stack.enter_context(cli_wording(flags))
        stack.enter_context(_progress_on())
        try:
            return int(func(args) or 0)
        except ForecastingError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return EXIT_USER_ERROR
        except KeyboardInterrupt:
            print(
                "interrupted: stopped before the end; nothing half-written was left"
                " (a previous report in --out is unchanged)",
                file=sys.stderr,
            )
            return EXIT_INTERRUPTED
    return 0  # pragma: no cover - the block always returns


def one_line(message: Warning | str, category: type[Warning]) -> str:
    """A warning as the console shows it: one line, without the code that raised it.

    Examples
    --------
    >>> one_line("the outlook took 2 fall-back(s):\\n  - a\\n  - b", FallbackWarning)
    'warning: the outlook took 2 fall-back(s) (listed in the summary)'
    >>> one_line("odd values\\n in two rows", UserWarning)
    'warning: UserWarning: odd values in two rows'
    """
    text = str(message).strip()
    if issubclass(category, FallbackWarning):
        text = text.splitlines()[0].split(", recorded in")[0].rstrip(":") + " (listed in the summary)"
    text = " ".join(text.split())
    return (
        f"warning: {text}"
        if issubclass(category, ForecastingWarning)
        else f"warning: {category.__name__}: {text}"
    )


@contextlib.contextmanager
def console_warnings() -> Iterator[None]:
    """Show each distinct warning once, on one line of stderr, for the duration of the block."""
    seen: set[tuple[type[Warning], str]] = set()

    def show(message, category, filename, lineno, file=None, line=None) -> None:  # noqa: ANN001
        key = (category, str(message))
        if key not in seen:
            seen.add(key)
            print(one_line(message, category), file=sys.stderr)

    with warnings.catch_warnings():
        warnings.simplefilter("always", ForecastingWarning)  # deduplicated here, by text
        warnings.showwarning = show
        yield


@contextlib.contextmanager
def _console_logging(verbose: bool) -> Iterator[None]:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    handler.setLevel(logging.INFO if verbose else logging.ERROR)
    package = logging.getLogger("forecasting")
    level = package.level
    if verbose and package.getEffectiveLevel() > logging.INFO:
        package.setLevel(logging.INFO)
    package.addHandler(handler)
    try:
        yield
    finally:
        package.removeHandler(handler)
        package.setLevel(level)


@contextlib.contextmanager
def _progress_on() -> Iterator[None]:
    show_progress(True)
    try:
        yield
    finally:
        show_progress(False)
