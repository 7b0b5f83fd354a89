"""Error and warning families.

Every error inherits both :class:`ForecastingError` and the matching built-in, so
``except ValueError`` in user code keeps working.
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
import warnings
from collections.abc import Iterator, Mapping


class ForecastingError(Exception):
    """Base class of every error the toolkit raises on purpose."""


class SchemaError(ForecastingError, ValueError):
    """A table does not follow its schema (missing columns, bad values, duplicates)."""


class UnknownCodeError(ForecastingError, KeyError):
    """A country, HS code or commodity-group name is not known.

    ``KeyError`` quotes its message; ``__str__`` is overridden so it reads like prose.
    """

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class ReaderError(SchemaError):
    """A source file cannot be read as the declared format (encoding, separator, header)."""


class FetchError(ForecastingError, OSError):
    """A download failed (offline, HTTP error, checksum mismatch, cut short)."""


class EstimationError(ForecastingError, RuntimeError):
    """An estimator could not produce a trustworthy result."""


class ConvergenceError(EstimationError):
    """An iterative procedure stopped before meeting its tolerance."""


class SeriesTooShortError(ForecastingError, ValueError):
    """A time series has fewer observations than a model needs."""


class OptionError(ForecastingError, ValueError):
    """An option is out of its range or does not fit the data (a horizon before the last data year)."""


class ScenarioError(ForecastingError, ValueError):
    """A scenario is invalid: unknown variable or country, a shock matching nothing, overlaps."""


class ForecastingWarning(UserWarning):
    """Base class of the toolkit's warnings."""


class DataQualityWarning(ForecastingWarning):
    """Input data looks suspicious but was processed (and the problem recorded as a flag)."""


class DemoDataWarning(ForecastingWarning):
    """Results are built on the bundled simulated demonstration data, not on real trade data."""


class ConvergenceWarning(ForecastingWarning):
    """An iterative procedure converged only under a loose, user-chosen rule."""


class FallbackWarning(ForecastingWarning):
    """A step could not run as asked and fell back to a weaker method (recorded in the result)."""


def warn_and_log(
    message: str, category: type[Warning], *, logger: logging.Logger, stacklevel: int = 2
) -> None:
    """Say ``message`` on the library's two channels: ``logger.warning`` and a ``category`` warning.

    ``stacklevel`` counts from the caller of this function, as for :func:`warnings.warn`.

    Examples
    --------
    >>> import warnings
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     warn_and_log("3 rows look odd", DataQualityWarning, logger=logging.getLogger("demo"))
    >>> caught[0].category.__name__, str(caught[0].message)
    ('DataQualityWarning', '3 rows look odd')
    """
    logger.warning(message)
    warnings.warn(message, category, stacklevel=stacklevel + 1)


def describe_items(items: object, limit: int = 5) -> str:
    """Format the first ``limit`` items of a collection and how many there are in all.

    Examples
    --------
    >>> describe_items(["AAA", "BBB", "CCC"], limit=2)
    "'AAA', 'BBB' (and 1 more; 3 in all)"
    """
    seq = list(items)  # type: ignore[call-overload]
    shown = ", ".join(repr(x) for x in seq[:limit])
    if len(seq) > limit:
        return f"{shown} (and {len(seq) - limit} more; {len(seq)} in all)"
    return shown


# Which interface the user is in: messages that tell them what to pass name a keyword in
# Python and a flag on the command line. The CLI switches the wording for its own calls.
_CLI_FLAGS: contextvars.ContextVar[Mapping[str, str] | None] = contextvars.ContextVar(
    "forecasting_cli_flags", default=None
)


@contextlib.contextmanager
def cli_wording(flags: Mapping[str, str]) -> Iterator[None]:
    """Inside this block, :func:`option_hint` names CLI flags (``flags``: keyword -> flag).

    Examples
    --------
    >>> with cli_wording({"encoding": "--encoding"}):
    ...     option_hint("encoding", "latin-1")
    'pass --encoding latin-1'
    >>> option_hint("encoding", "latin-1")
    "pass encoding='latin-1'"
    """
    token = _CLI_FLAGS.set(dict(flags))
    try:
        yield
    finally:
        _CLI_FLAGS.reset(token)


def option_hint(keyword: str, value: object = None, *, verb: str = "pass") -> str:
    """How to set an option, in the words of the user's interface.

    In Python: ``pass encoding='latin-1'``; under :func:`cli_wording` (the command line):
    ``pass --encoding latin-1``. A keyword the CLI has no flag for keeps the Python spelling.
    ``value=None`` names the option alone (``pass --pair``).

    Examples
    --------
    >>> option_hint("columns", {"Reporter": "reporter"})
    "pass columns={'Reporter': 'reporter'}"
    """
    flags = _CLI_FLAGS.get()
    flag = flags.get(keyword) if flags else None
    if flag is None:
        return f"{verb} {keyword}" if value is None else f"{verb} {keyword}={value!r}"
    if value is None:
        return f"{verb} {flag}"
    if isinstance(value, Mapping):
        shown = " ".join(f"{k}={v}" for k, v in value.items())
    elif isinstance(value, (list, tuple)):
        shown = " ".join(map(str, value))
    else:
        shown = str(value)
    return f"{verb} {flag} {shown}"
