"""Thin data at the outlook level: refused when nothing honest can be said, flagged otherwise.

What the outlook does with data too thin for the forecast it was asked for:

* **No rows at all** (an empty file, filters that matched nothing): :class:`NoDataError`,
  before any work.
* **The pair is absent** from the data: :class:`PairAbsentError` naming the pair and what the
  data do contain (their countries and years, the partners each of the two countries has).
* **The pair traded in fewer than** :data:`MIN_TRADE_YEARS` **years** (a single cross-section
  such as WITS 2009, or a pair that only started trading last year): :class:`ThinDataError`.
  One or two points give no information on how the flow moves from year to year, so any
  interval would be invented.
* **A series too short for a statistical forecast** (fewer positive years than the baseline
  needs, :mod:`forecasting.projection.baseline`): it gets "no statistical forecast" with its
  reason, and its resampled paths are widened (:func:`floor_bands`) so that their spread
  grows with the horizon at least as a random walk with the volatility of real bilateral
  trade (:data:`REFERENCE_LOG_VOLATILITY`). Resampling a few years alone gives bands that
  do not grow with the horizon (zero width for a single year), narrower than a long history
  gives; the widening is recorded as a fall-back.
* **Only one side reports** the pair's trade: a fall-back says so, since the two sides'
  gap (a factor of about four in the published Kazakhstan-Pakistan figures) cannot be seen
  and the bands do not include it.
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from forecasting.errors import SchemaError, SeriesTooShortError, describe_items, option_hint
from forecasting.projection.baseline import MIN_YEARS, NO_FORECAST
from forecasting.projection.result import SERIES_KEYS
from forecasting.projection.settings import Fallback

logger = logging.getLogger(__name__)

__all__ = [
    "MIN_TRADE_YEARS",
    "REFERENCE_LOG_VOLATILITY",
    "NoDataError",
    "PairAbsentError",
    "ThinDataError",
    "check_not_empty",
    "check_pair",
    "floor_bands",
]

#: Fewer years with trade between the pair than this and the outlook refuses to forecast.
MIN_TRADE_YEARS = 3
#: Standard deviation of the annual change in log bilateral trade: the median over the 757
#: development-half series (of 1,471) of bilateral exports and imports of Germany, France, the
#: UK and the USA with their partners, 1992-2014, at least 15 positive years (TRADHIST, Fouquin
#: & Hugot 2016; the evaluation half gives 0.35). ``benchmarks/bench_thin_data.py`` measures it
#: and the coverage of the widened bands (``benchmarks/results/thin_data.md``).
REFERENCE_LOG_VOLATILITY = 0.32


class NoDataError(SchemaError):
    """A table the outlook needs has no rows."""


class PairAbsentError(SchemaError):
    """The pair asked for does not trade in the data at all."""


class ThinDataError(SeriesTooShortError):
    """The pair's trade covers too few years for any honest forecast."""


def check_not_empty(table: pd.DataFrame, *, what: str) -> None:
    """Refuse a table without rows, saying what it is and what to check.

    Examples
    --------
    >>> check_not_empty(pd.DataFrame({"reporter": []}), what="the flows table")
    Traceback (most recent call last):
    ...
    forecasting.projection.thin_data.NoDataError: the flows table has no rows: there is nothing to forecast. Check the file (a header without data rows?) and any filters (countries, years, products) that selected it
    """
    if len(table) == 0:
        raise NoDataError(
            f"{what} has no rows: there is nothing to forecast. Check the file (a header without data rows?)"
            " and any filters (countries, years, products) that selected it"
        )


def _partners(reconciled: pd.DataFrame, country: str) -> str:
    mine = reconciled[(reconciled.exporter == country) | (reconciled.importer == country)]
    if mine.empty:
        return f"{country} does not appear in them"
    other = np.where(mine.exporter == country, mine.importer, mine.exporter)
    top = mine.assign(other=other).groupby("other").value_usd.sum().sort_values(ascending=False)
    return f"{country} trades with {len(top)} partner{'s' if len(top) != 1 else ''} there (largest: {describe_items(top.index.tolist())})"


def _absent_message(reconciled: pd.DataFrame, pair: tuple[str, str]) -> str:
    a, b = pair
    years = sorted(reconciled.period.dt.year.unique().tolist())
    countries = sorted(set(reconciled.exporter) | set(reconciled.importer))
    span = f"{years[0]}-{years[-1]}" if len(years) > 1 else f"{years[0]}"
    totals = (
        reconciled.groupby(["exporter", "importer"])
        .value_usd.sum()
        .sort_values(ascending=False)
        .index.tolist()
    )
    suggestion = next((p for p in totals if a in p or b in p), totals[0] if totals else None)
    hint = (
        f"; to forecast a pair the data hold, {option_hint('pair', tuple(suggestion))}" if suggestion else ""
    )
    return (
        f"the pair {a}-{b} is absent from the data: no flow between them in either direction. The data hold"
        f" {len(countries)} countries ({describe_items(countries)}) in {span}; {_partners(reconciled, a)};"
        f" {_partners(reconciled, b)}. Check the file covers the pair (for BACI or Comtrade, select both"
        f" countries){hint}"
    )


def check_pair(reconciled: pd.DataFrame, annual: pd.DataFrame, pair: tuple[str, str]) -> tuple[Fallback, ...]:
    """Refuse an absent pair or one with too few years of trade; flag a pair only one side reports.

    ``reconciled`` is the one-value-per-direction table (exporter, importer, period, value_usd),
    ``annual`` the reports of both sides (reporter, partner, flow). Returns the fall-backs
    to record (one side only).

    Examples
    --------
    >>> r = pd.DataFrame({"exporter": ["KAZ", "ZAF"], "importer": ["PAK", "KAZ"],
    ...                   "period": pd.to_datetime(["2009-01-01"] * 2), "value_usd": [5.0, 7.0]})
    >>> check_pair(r, r.rename(columns={"exporter": "reporter", "importer": "partner"}), ("KAZ", "PAK"))
    Traceback (most recent call last):
    ...
    forecasting.projection.thin_data.ThinDataError: KAZ-PAK trade is in the data for 1 year only (2009), and the data cover 2009 only (one cross-section): at least 3 years of the pair's trade are needed for a forecast with an honest interval (10 for a calibrated statistical model). Give a panel of years (for example BACI or Comtrade for 2000 onwards)
    """
    a, b = pair
    mine = reconciled[
        ((reconciled.exporter == a) & (reconciled.importer == b))
        | ((reconciled.exporter == b) & (reconciled.importer == a))
    ]
    if mine.empty:
        raise PairAbsentError(_absent_message(reconciled, pair))
    traded = sorted(mine.loc[mine.value_usd > 0, "period"].dt.year.unique().tolist())
    if len(traded) < MIN_TRADE_YEARS:
        years = sorted(reconciled.period.dt.year.unique().tolist())
        cover = (
            f"the data cover {years[0]} only (one cross-section)"
            if len(years) == 1
            else f"the data cover {years[0]}-{years[-1]}"
        )
        shown = ", ".join(map(str, traded)) or "none"
        count = f"{len(traded)} year{'s' if len(traded) != 1 else ''}"
        raise ThinDataError(
            f"{a}-{b} trade is in the data for {count} only ({shown}), and {cover}: at least"
            f" {MIN_TRADE_YEARS} years of the pair's trade are needed for a forecast with an honest interval"
            " (10 for a calibrated statistical model). Give a panel of years (for example BACI or Comtrade for"
            " 2000 onwards)"
        )
    return _one_side(annual, pair)


def _one_side(annual: pd.DataFrame, pair: tuple[str, str]) -> tuple[Fallback, ...]:
    a, b = pair
    mine = annual[
        ((annual.reporter == a) & (annual.partner == b)) | ((annual.reporter == b) & (annual.partner == a))
    ]
    reporters = sorted(set(mine.loc[mine.value_usd.notna(), "reporter"]))
    if len(reporters) != 1:
        return ()
    only = reporters[0]
    silent = b if only == a else a
    return (
        Fallback(
            f"mirror ({a}-{b})",
            f"only {only} reports its trade with {silent}; {silent}'s reports are absent, so the gap between the"
            " two sides (a factor of about four in the published Kazakhstan-Pakistan figures) cannot be measured"
            " and the forecast and its bands rest on one side's figures",
            f"add {silent}'s customs reports (e.g. Comtrade with reporter {silent}) or use BACI, which reconciles"
            " both sides",
        ),
    )


def floor_bands(
    paths: pd.DataFrame, methods: pd.DataFrame, series: pd.DataFrame, *, seed: int
) -> tuple[pd.DataFrame, tuple[Fallback, ...]]:
    """Widen the paths of series without a statistical forecast to at least a random walk's spread.

    For each such series (``method == "no statistical forecast"`` from fewer than the
    baseline's ``MIN_YEARS`` years; a series that stopped trading resamples its last ten
    years and is left alone), draw ``d`` in year ``h``
    after the base year is multiplied by ``exp(W_dh - h s^2 / 2)``, ``W`` a random walk with
    steps ``N(0, s^2)`` and ``s`` the larger of the series' own volatility (the standard
    deviation of the annual log changes of its ``series`` history since ``fitted_from``, when
    there are at least two) and :data:`REFERENCE_LOG_VOLATILITY`. The mean of each year is
    kept; the spread grows with the horizon as it does for a real flow. Other series are left
    as they are.

    Examples
    --------
    >>> paths = pd.DataFrame({"reporter": "KAZ", "partner": "PAK", "flow": "export", "commodity": "coal",
    ...                       "draw": [0, 1, 0, 1], "year": [2026, 2026, 2027, 2027], "value": 10.0})
    >>> methods = pd.DataFrame({"reporter": ["KAZ"], "partner": ["PAK"], "flow": ["export"], "commodity": ["coal"],
    ...                         "method": ["no statistical forecast"], "fitted_from": [2025], "years": [1]})
    >>> history = paths.iloc[:1].drop(columns=["draw", "year"]).assign(period=pd.Timestamp("2025-01-01"))
    >>> wide, notes = floor_bands(paths, methods, history, seed=1)
    >>> bool(wide.value.nunique() == 4), notes[0].step
    (True, 'baseline bands (KAZ->PAK export, coal)')
    """
    keys = list(SERIES_KEYS)
    short = methods[(methods.method == NO_FORECAST) & (methods.years < MIN_YEARS)]
    if short.empty:
        return paths, ()
    out = paths.sort_values([*keys, "draw", "year"]).reset_index(drop=True)
    draws, years = out.draw.nunique(), out.year.nunique()
    # One walk shared by the pair's short series: their trade moves together, and independent
    # walks would cancel in the turnover, narrowing its band below each series' own.
    walk = np.cumsum(np.random.default_rng([int(seed), 2]).standard_normal((draws, years)), axis=1)
    horizon = np.arange(1, years + 1)
    notes = []
    first = int(out.year.min())
    for row in short.itertuples(index=False):
        key = tuple(getattr(row, k) for k in keys)
        rows = np.flatnonzero((out[keys] == pd.Series(key, index=keys)).all(axis=1).to_numpy())
        if not len(rows):
            continue
        sigma = max(REFERENCE_LOG_VOLATILITY, _own_volatility(series, key, int(row.fitted_from)))
        factor = np.exp(sigma * walk - horizon * sigma**2 / 2)
        out.loc[out.index[rows], "value"] = out.value.to_numpy()[rows] * factor.ravel()
        view = f"{row.reporter}->{row.partner} {row.flow}, {row.commodity}"
        notes.append(
            Fallback(
                f"baseline bands ({view})",
                f"no statistical forecast from {int(row.years)} year(s): resampling so few years gives bands that do"
                " not grow with the horizon",
                f"its paths from {first} are widened by a random walk with annual log volatility {sigma:.2f} (at"
                f" least the median of real bilateral flows, {REFERENCE_LOG_VOLATILITY}); these bands are an"
                " assumption, not an estimate, and may still be narrower than a long history would show: a"
                " longer history gives a calibrated forecast",
            )
        )
    return out, tuple(notes)


def _own_volatility(series: pd.DataFrame, key: tuple, start: int) -> float:
    """Standard deviation of the annual log changes of one series since ``start`` (0 with fewer than two)."""
    keys = list(SERIES_KEYS)
    mine = series[(series[keys] == pd.Series(key, index=keys)).all(axis=1) & (series.period.dt.year >= start)]
    values = mine.sort_values("period").value.to_numpy(dtype=float)
    values = values[values > 0]
    changes = np.diff(np.log(values))
    return float(np.std(changes, ddof=1)) if len(changes) >= 2 else 0.0
