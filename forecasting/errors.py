"""Error and warning families.

Every error inherits both :class:`ForecastingError` and the matching built-in, so
``except ValueError`` in user code keeps working.
"""

from __future__ import annotations


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
