"""Joint draws: baseline paths x scenario effects, phased in, plus known shipments.

For series ``s`` (reporter, partner, flow, commodity), scenario ``c``, year ``t`` and draw ``p``

    value[c, s, t, p] = baseline[s, t, p] * availability[c, t] * exp(effect[c, s, p] * phase[c, t])
                        + shipments[c, s, t]

``baseline`` are sample paths of the time-series model (so the interval of every series and of
their sum comes from the same draws and turnover is coherent with the commodity rows),
``effect`` is the log change of the flow once the scenario is fully in place (from the GE
counterfactual, with its Monte Carlo draws), ``phase`` is the scenario's ramp-up share and
``availability`` the share of the year its route is open relative to the status quo.

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


@dataclass(frozen=True)
class ScenarioPath:
    """Year-by-year schedule of one scenario (already evaluated), for the combination step."""

    name: str
    phase: Mapping[int, float]
    availability: Mapping[int, float]
    effect: pd.DataFrame  # SERIES_KEYS + draw + log_effect
    shipments: pd.DataFrame  # SERIES_KEYS + year + value_usd


def combine_draws(
    baseline_paths: pd.DataFrame,
    scenarios: Sequence[ScenarioPath],
    *,
    years: Sequence[int],
    statistical: str = "statistical",
) -> pd.DataFrame:
    """Joint draws of every series under every scenario (long: keys, scenario, year, draw, value).

    ``baseline_paths`` has the series keys, ``draw``, ``year`` and ``value``. The time-series
    baseline itself, with no scenario and no known shipment, is returned under the name
    ``statistical``.

    Examples
    --------
    >>> base = pd.DataFrame({"reporter": "KAZ", "partner": "PAK", "flow": "export",
    ...     "commodity": "coal", "draw": [0, 0, 1, 1], "year": [2026, 2027] * 2,
    ...     "value": [10.0, 10.0, 20.0, 20.0]})
    >>> eff = pd.DataFrame({"reporter": "KAZ", "partner": "PAK", "flow": "export",
    ...     "commodity": "coal", "draw": [0, 1], "log_effect": [np.log(2.0)] * 2})
    >>> none = pd.DataFrame(columns=[*SERIES_KEYS, "year", "value_usd"])
    >>> rail = ScenarioPath("rail", {2026: 0.0, 2027: 1.0}, {2026: 1.0, 2027: 1.0}, eff, none)
    >>> out = combine_draws(base, [rail], years=[2026, 2027])
    >>> out.query("scenario == 'rail'").value.tolist()
    [10.0, 20.0, 20.0, 40.0]
    """
    keys = list(SERIES_KEYS)
    base = baseline_paths[baseline_paths.year.isin(years)]
    frames = [base.assign(scenario=statistical)]
    for sc in scenarios:
        out = base.merge(sc.effect[[*keys, "draw", "log_effect"]], on=[*keys, "draw"], how="left")
        out["log_effect"] = out["log_effect"].fillna(0.0)
        phase = out.year.map({y: float(sc.phase.get(y, 0.0)) for y in years})
        avail = out.year.map({y: float(sc.availability.get(y, 1.0)) for y in years})
        out["value"] = out.value * avail * np.exp(out.log_effect * phase)
        out = out.drop(columns="log_effect")
        if len(sc.shipments):
            ship = sc.shipments.groupby([*keys, "year"], as_index=False).value_usd.sum()
            out = out.merge(ship, on=[*keys, "year"], how="left")
            out["value"] = out.value + out.value_usd.fillna(0.0)
            out = out.drop(columns="value_usd")
        frames.append(out.assign(scenario=sc.name))
    return pd.concat(frames, ignore_index=True)[[*keys, "scenario", "year", "draw", "value"]]


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
