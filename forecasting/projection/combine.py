"""Joint draws: baseline paths x scenario effects, phased in, plus known shipments and new trade.

For series ``s`` (reporter, partner, flow, commodity), scenario ``c``, year ``t`` and draw ``p``

    value[c, s, t, p] = baseline[s, t, p] * availability[c, s, t, p] * exp(effect[c, s, p] * phase[c, s, t, p])
                        + shipments[c, s, t, p] + new_trade[c, s, t, p]

``baseline`` are sample paths of the time-series model (so the interval of every series and of
their sum comes from the same draws and turnover is coherent with the commodity rows),
``effect`` is the log change of the flow once the scenario is fully in place (from the GE
counterfactual of draw ``p``), ``phase`` the share of it reached in draw ``p`` (its own opening
year and ramp-up), ``availability`` the share of the year its route is open relative to the
status quo, ``shipments`` the known contracts as delivered in draw ``p`` and ``new_trade`` the
closed share of the trade-potential gap (:mod:`forecasting.projection.paths` builds them).

Summaries (:func:`summarise`): every FORECAST and turnover row gives ``mean``, the mean of the
draws, and ``median``, their median, beside the central interval. The headline the outlook
prints is the median, with the mean beside it: the draws are right-skewed (log-scale paths mapped
back, plus scenario effects), so the mean sits above the median and, for a very uncertain series,
can sit above the upper end of the 80 % interval; the median never leaves it. The mean stays in
the tables because sums add up (turnover's mean is the sum of its rows' means, a median is not),
and :func:`central_note` says in words why a mean lies outside its interval.

Monthly rule: an annual phase-in share ``phase[t]`` is reached at mid-year and moves linearly
between mid-years; a known shipment is spread evenly over the months of its year.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from forecasting.projection.result import SERIES_KEYS


@dataclass(frozen=True, eq=False)
class ScenarioPath:
    """One scenario, draw by draw, for the combination step (arrays broadcast to ``(draws, series, years)``).

    ``log_effect`` is ``(draws, series)``; ``phase``, ``availability``, ``shipments`` (USD) and
    ``new_trade`` (USD) are ``(draws, series, years)`` or broadcast to it.
    """

    name: str
    log_effect: np.ndarray
    phase: np.ndarray
    availability: np.ndarray
    shipments: np.ndarray
    new_trade: np.ndarray

    def values(self, baseline: np.ndarray) -> np.ndarray:
        """``(draws, series, years)`` values of the scenario on ``baseline`` paths of that shape."""
        grown = baseline * self.availability * np.exp(self.log_effect[..., None] * self.phase)
        return grown + self.shipments + self.new_trade


@dataclass(frozen=True, eq=False)
class BaselineArray:
    """The baseline's sample paths as one ``(draws, series, years)`` array with its labels."""

    series: pd.DataFrame  # SERIES_KEYS, one row per series, in array order
    years: np.ndarray
    values: np.ndarray

    @classmethod
    def from_paths(cls, paths: pd.DataFrame, years: Sequence[int]) -> BaselineArray:
        """From the long ``SERIES_KEYS, draw, year, value`` paths (every draw of every series and year).

        Examples
        --------
        >>> p = pd.DataFrame({"reporter": "KAZ", "partner": "PAK", "flow": "export", "commodity": "coal",
        ...                   "draw": [0, 0, 1, 1], "year": [2026, 2027] * 2, "value": [1.0, 2.0, 3.0, 4.0]})
        >>> BaselineArray.from_paths(p, [2026, 2027]).values.tolist()
        [[[1.0, 2.0]], [[3.0, 4.0]]]
        """
        keys = list(SERIES_KEYS)
        kept = paths[paths.year.isin(years)]
        series = kept[keys].drop_duplicates().sort_values(keys).reset_index(drop=True)
        wide = kept.pivot_table(index=["draw", *keys], columns="year", values="value", aggfunc="first")
        draws = np.sort(kept.draw.unique())
        full = pd.MultiIndex.from_tuples(
            [(d, *row) for d in draws for row in series.itertuples(index=False, name=None)],
            names=wide.index.names,
        )
        wide = wide.reindex(index=full, columns=list(years))
        if wide.isna().to_numpy().any():
            raise ValueError("baseline paths must hold every draw of every series and year")
        values = wide.to_numpy(dtype=float).reshape(len(draws), len(series), len(years))
        return cls(series, np.asarray(years), values)

    def long(self, values: np.ndarray, scenario: str) -> pd.DataFrame:
        """``values`` of that shape as the long ``SERIES_KEYS, scenario, year, draw, value`` table."""
        n_d, n_s, n_t = values.shape
        out = {
            key: np.tile(np.repeat(self.series[key].to_numpy(dtype=object), n_t), n_d) for key in SERIES_KEYS
        }
        out["scenario"] = scenario
        out["year"] = np.tile(self.years, n_d * n_s)
        out["draw"] = np.repeat(np.arange(n_d), n_s * n_t)
        out["value"] = values.ravel()
        return pd.DataFrame(out)[[*SERIES_KEYS, "scenario", "year", "draw", "value"]]


def turnover_long(baseline: BaselineArray, values: Mapping[str, np.ndarray]) -> pd.DataFrame:
    """Turnover draws (``reporter, partner, scenario, year, draw, value``) from each scenario's
    ``(draws, series, years)`` values: exports plus imports, as :func:`turnover_draws` adds them."""
    a, b = sorted(baseline.series[["reporter", "partner"]].iloc[0])
    frames = []
    for name, array in values.items():
        total = array.sum(axis=1)
        n_d, n_t = total.shape
        frames.append(
            pd.DataFrame(
                {"reporter": a, "partner": b, "scenario": name, "year": np.tile(baseline.years, n_d),
                 "draw": np.repeat(np.arange(n_d), n_t), "value": total.ravel()}
            )
        )  # fmt: skip
    out = pd.concat(frames, ignore_index=True)
    return out.sort_values(
        ["reporter", "partner", "scenario", "year", "draw"], kind="stable", ignore_index=True
    )


def combine_draws(
    baseline: BaselineArray, scenarios: Sequence[ScenarioPath], *, statistical: str = "statistical"
) -> pd.DataFrame:
    """Joint draws of every series under every scenario (long: keys, scenario, year, draw, value).

    The time-series baseline itself, with no scenario and no known shipment, is returned under
    the name ``statistical``.

    Examples
    --------
    >>> p = pd.DataFrame({"reporter": "KAZ", "partner": "PAK", "flow": "export", "commodity": "coal",
    ...                   "draw": [0, 0, 1, 1], "year": [2026, 2027] * 2, "value": [10.0, 10.0, 20.0, 20.0]})
    >>> base = BaselineArray.from_paths(p, [2026, 2027])
    >>> rail = ScenarioPath("rail", np.full((2, 1), np.log(2.0)), np.array([0.0, 1.0]), 1.0, 0.0, 0.0)
    >>> combine_draws(base, [rail]).query("scenario == 'rail'").value.tolist()
    [10.0, 20.0, 20.0, 40.0]
    """
    values = {statistical: baseline.values, **{sc.name: sc.values(baseline.values) for sc in scenarios}}
    return long_draws(baseline, values)


def long_draws(baseline: BaselineArray, values: Mapping[str, np.ndarray]) -> pd.DataFrame:
    """Each scenario's ``(draws, series, years)`` values as one long table (see :func:`combine_draws`)."""
    return pd.concat([baseline.long(array, name) for name, array in values.items()], ignore_index=True)


def summarise(draws: pd.DataFrame, keys: Sequence[str], *, levels: Sequence[int] = (80, 95)) -> pd.DataFrame:
    """FORECAST rows from joint draws: the mean, the median and the central ``level``% interval.

    Examples
    --------
    >>> d = pd.DataFrame({"k": "a", "scenario": "s", "year": 2030, "draw": range(101),
    ...                   "value": np.arange(101.0) ** 2})
    >>> summarise(d, ["k"], levels=(80,))[["mean", "median", "lower", "upper"]].round(1).values.tolist()
    [[3350.0, 2500.0, 100.0, 8100.0]]
    """
    group = [*keys, "scenario", "year"]
    grouped = draws.groupby(group, sort=True).value
    rows = []
    mean, median = grouped.mean(), grouped.median()
    for level in sorted(levels):
        tail = (100 - level) / 200
        lower = grouped.quantile(tail)
        upper = grouped.quantile(1 - tail)
        frame = pd.DataFrame({"mean": mean, "median": median, "lower": lower, "upper": upper}).reset_index()
        frame["level"] = int(level)
        rows.append(frame)
    out = pd.concat(rows, ignore_index=True)
    out["period"] = pd.to_datetime(out.year.astype(str) + "-01-01")
    out["model"] = "outlook"
    return out[[*keys, "period", "scenario", "model", "level", "mean", "median", "lower", "upper"]]


def central_note(mean: float, lower: float, upper: float, level: int = 80) -> str:
    """Why a mean lies outside its own interval, in words; ``""`` when it lies inside.

    Examples
    --------
    >>> central_note(120.0, 10.0, 100.0)
    'mean above the 80 % interval: a few very high draws (a right-skewed outlook) pull it up; the median is the central value'
    >>> central_note(50.0, 10.0, 100.0)
    ''
    """
    if lower <= mean <= upper:
        return ""
    side, why = (
        ("above", "a few very high draws (a right-skewed outlook) pull it up")
        if mean > upper
        else ("below", "a few very low draws pull it down")
    )
    return f"mean {side} the {level} % interval: {why}; the median is the central value"


def turnover_draws(draws: pd.DataFrame) -> pd.DataFrame:
    """Exports plus imports of each pair, per scenario, year and draw (coherent by construction).

    Both directions are counted once: the rows must already hold one value per direction of
    the pair (as chosen by the mirror rule), so the pair's turnover is their sum.
    """
    pair = draws.assign(
        reporter=np.where(draws.reporter < draws.partner, draws.reporter, draws.partner),
        partner=np.where(draws.reporter < draws.partner, draws.partner, draws.reporter),
    )
    return pair.groupby(["reporter", "partner", "scenario", "year", "draw"], as_index=False).value.sum()


def billion_table(turnover: pd.DataFrame, *, target_usd: float) -> pd.DataFrame:
    """Probability that annual turnover reaches ``target_usd``, by scenario and year."""
    hit = turnover.assign(hit=turnover.value >= target_usd)
    table = hit.groupby(["scenario", "year"], as_index=False).hit.mean()
    return table.rename(columns={"hit": "probability"})


def first_year_table(turnover: pd.DataFrame, *, target_usd: float, horizon: int) -> pd.DataFrame:
    """Median first year each scenario's turnover reaches the target, or "not by <horizon>".

    The median is taken over draws, counting draws that never reach it as later than the
    horizon, so a median beyond the horizon reads "not by <horizon>". It is the first year by
    which at least half of the draws have reached the target (the inverted-CDF median), so it
    is always a calendar year.

    Examples
    --------
    >>> t = pd.DataFrame({"scenario": "s", "year": [2030, 2031] * 3, "draw": [0, 0, 1, 1, 2, 2],
    ...                   "value": [2.0, 2.0, 0.0, 2.0, 0.0, 0.0]})
    >>> first_year_table(t, target_usd=1.0, horizon=2031)[["median_year", "label"]].values.tolist()
    [[2031.0, '2031']]
    """
    rows = []
    for scenario, sub in turnover.groupby("scenario", sort=False):
        reached = sub[sub.value >= target_usd].groupby("draw").year.min()
        draws = sub.draw.unique()
        first = pd.Series(np.inf, index=draws)
        first.loc[reached.index] = reached.astype(float)
        median = float(np.quantile(first.to_numpy(), 0.5, method="inverted_cdf"))
        share = float(np.isfinite(first).mean())
        if np.isfinite(median):
            rows.append((scenario, median, str(int(median)), share))
        else:
            rows.append((scenario, np.nan, f"not by {horizon}", share))
    return pd.DataFrame(rows, columns=["scenario", "median_year", "label", "probability_by_horizon"])


def monthly_phase(annual: Mapping[int, float], months: pd.DatetimeIndex) -> pd.Series:
    """Monthly phase-in shares from annual ones: reached at mid-year, linear in between.

    Examples
    --------
    >>> m = pd.date_range("2030-01-01", periods=12, freq="MS")
    >>> monthly_phase({2029: 0.0, 2030: 0.5, 2031: 1.0}, m).round(3).tolist()[:3]
    [0.271, 0.314, 0.352]
    """
    years = sorted(annual)
    mid = np.array([pd.Timestamp(f"{y}-07-01").value for y in years], dtype=float)
    values = np.array([annual[y] for y in years], dtype=float)
    centre = months + pd.offsets.Day(14)
    return pd.Series(np.interp(centre.asi8.astype(float), mid, values), index=months)
