"""The value a many-pairs outlook returns: one :class:`OutlookResult` per pair, failures by name.

:class:`PairOutlooks` is a read-only mapping ``(A, B) -> OutlookResult`` over the pairs that
ran, in the order they were asked for; the pairs that failed are not keys but are kept, by
name, in ``failures`` (looking one up raises :class:`PairFailedError` saying why). Tables of
every pair stack with a leading ``pair`` key (``"KAZ-PAK"``): :meth:`PairOutlooks.table`
for any result table, :meth:`PairOutlooks.overview` for the small combined table (turnover
in the horizon year and the chance of reaching the target, by pair and scenario).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

import pandas as pd

from forecasting.errors import ForecastingError, ForecastingWarning, describe_items
from forecasting.projection.result import TABLE_COLUMNS, OutlookResult
from forecasting.validation import check_choice

__all__ = [
    "FAILURE_COLUMNS",
    "OVERVIEW_COLUMNS",
    "Pair",
    "PairFailedError",
    "PairFailedWarning",
    "PairFailure",
    "PairOutlooks",
    "PairsFailedError",
    "describe_failures",
    "pair_label",
]

Pair = tuple[str, str]

#: Columns of :meth:`PairOutlooks.overview`: one row per pair and scenario, in the horizon year.
OVERVIEW_COLUMNS = (
    "pair", "scenario", "year", "turnover_usd", "level", "lower_usd", "upper_usd", "target_usd",
    "probability", "probability_by_horizon", "first_year", "fallbacks", "demo",
)  # fmt: skip
#: Columns of :meth:`PairOutlooks.failure_table`.
FAILURE_COLUMNS = ("pair", "error", "message")


def pair_label(pair: Pair) -> str:
    """The ``pair`` key of the stacked tables.

    Examples
    --------
    >>> pair_label(("UZB", "PAK"))
    'UZB-PAK'
    """
    return f"{pair[0]}-{pair[1]}"


@dataclass(frozen=True)
class PairFailure:
    """Why one pair has no outlook: the error's type and message, and where it was raised.

    ``exception`` is the error itself (kept for ``raise ... from``), ``traceback`` its text.
    """

    pair: Pair
    error: str
    message: str
    traceback: str = ""
    exception: BaseException | None = field(default=None, repr=False, compare=False)

    def __str__(self) -> str:
        return f"{pair_label(self.pair)}: {self.error}: {self.message}"


class PairFailedError(ForecastingError, KeyError):
    """The outlook of the pair looked up failed; the message says why (see ``failures``).

    A ``KeyError``, so ``pair in outlooks`` is False and ``outlooks.get(pair)`` is None for it.
    """

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class PairsFailedError(ForecastingError, RuntimeError):
    """Pairs failed where no partial answer is wanted: every pair, or any with ``on_error="raise"``.

    ``failures`` maps each failed pair to its :class:`PairFailure`.
    """

    def __init__(self, message: str, failures: Mapping[Pair, PairFailure]) -> None:
        super().__init__(message)
        self.failures = dict(failures)

    def __reduce__(self):  # type: ignore[no-untyped-def]
        return type(self), (self.args[0], self.failures)


class PairFailedWarning(ForecastingWarning):
    """Some pairs have no outlook; the others ran (the warning names each failed pair and why)."""


def describe_failures(failures: Mapping[Pair, PairFailure], asked: int) -> str:
    """One line per failed pair, after a count of how many of the ``asked`` pairs failed."""
    lines = "\n".join(f"  - {failure}" for failure in failures.values())
    return f"{len(failures)} of {asked} pair(s) have no outlook:\n{lines}"


@dataclass(frozen=True, eq=False)
class PairOutlooks(Mapping[Pair, OutlookResult]):
    """The outlooks of many pairs, from one data preparation and one gravity estimation.

    Attributes
    ----------
    pairs
        Every pair asked for, in the order given (the keys follow it).
    results
        Pair -> :class:`~forecasting.projection.result.OutlookResult` of each pair that ran;
        each keeps its own settings (seed, fall-backs, series methods).
    failures
        Pair -> :class:`PairFailure` of each pair that has no outlook (absent from the data,
        or its run raised).
    """

    pairs: tuple[Pair, ...]
    results: Mapping[Pair, OutlookResult]
    failures: Mapping[Pair, PairFailure] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "pairs", tuple(tuple(p) for p in self.pairs))
        object.__setattr__(self, "results", {p: self.results[p] for p in self.pairs if p in self.results})
        object.__setattr__(self, "failures", {p: self.failures[p] for p in self.pairs if p in self.failures})
        lost = [pair_label(p) for p in self.pairs if p not in self.results and p not in self.failures]
        if lost:
            raise ForecastingError(f"pairs {describe_items(lost)} have neither a result nor a failure")

    def __getitem__(self, pair: Pair) -> OutlookResult:
        key = (str(pair[0]), str(pair[1])) if isinstance(pair, (tuple, list)) and len(pair) == 2 else pair
        if key in self.results:
            return self.results[key]  # type: ignore[index]
        if key in self.failures:
            failure = self.failures[key]  # type: ignore[index]
            raise PairFailedError(f"{failure} (see .failures)") from failure.exception
        asked = describe_items([pair_label(p) for p in self.pairs])
        raise PairFailedError(f"{pair!r} is not one of the pairs asked for: {asked}")

    def __iter__(self) -> Iterator[Pair]:
        return iter(self.results)

    def __len__(self) -> int:
        return len(self.results)

    def table(self, name: str) -> pd.DataFrame:
        """Result table ``name`` of every pair that ran, stacked, with a leading ``pair`` column.

        ``coefficients`` and ``flags`` come from the shared estimation, so every pair repeats them.
        """
        check_choice("name", name, tuple(TABLE_COLUMNS))
        columns = ["pair", *TABLE_COLUMNS[name]]
        frames = [
            getattr(result, name).assign(pair=pair_label(pair))[columns]
            for pair, result in self.results.items()
            if len(getattr(result, name))
        ]
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=columns)

    def overview(self) -> pd.DataFrame:
        """Each pair's turnover in the horizon year and its chance of reaching the target, by scenario.

        ``turnover_usd`` is the mean, ``lower_usd``-``upper_usd`` the interval at the run's
        narrowest ``level``; ``probability`` that turnover reaches ``target_usd`` in the
        horizon year, ``probability_by_horizon`` that it does in some year by then, with the
        median ``first_year`` in words; ``fallbacks`` counts the pair's fall-backs.
        """
        rows = [_overview_rows(pair, result) for pair, result in self.results.items()]
        if not rows:
            return pd.DataFrame(columns=list(OVERVIEW_COLUMNS))
        return pd.concat(rows, ignore_index=True)[list(OVERVIEW_COLUMNS)]

    def failure_table(self) -> pd.DataFrame:
        """``pair, error, message`` of every failed pair (empty when all ran)."""
        rows = [(pair_label(f.pair), f.error, f.message) for f in self.failures.values()]
        return pd.DataFrame(rows, columns=list(FAILURE_COLUMNS))


def _overview_rows(pair: Pair, result: OutlookResult) -> pd.DataFrame:
    s = result.settings
    level = min(s.levels)
    turnover = result.turnover[
        (result.turnover.level == level) & (result.turnover.period.dt.year == s.horizon)
    ].set_index("scenario")
    billion = result.billion[result.billion.year == s.horizon].set_index("scenario").probability
    first = result.first_year.set_index("scenario")
    return pd.DataFrame(
        {
            "pair": pair_label(pair),
            "scenario": turnover.index,
            "year": s.horizon,
            "turnover_usd": turnover["mean"].to_numpy(),
            "level": level,
            "lower_usd": turnover["lower"].to_numpy(),
            "upper_usd": turnover["upper"].to_numpy(),
            "target_usd": s.target_usd,
            "probability": billion.reindex(turnover.index).to_numpy(),
            "probability_by_horizon": first.probability_by_horizon.reindex(turnover.index).to_numpy(),
            "first_year": first.label.reindex(turnover.index).to_numpy(),
            "fallbacks": len(s.fallbacks),
            "demo": s.demo,
        }
    )
