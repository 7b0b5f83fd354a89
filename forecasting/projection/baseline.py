"""The statistical baseline of a pair's trade: series by commodity and direction, and sample paths.

Series are oriented from the first country of the pair: ``flow == "export"`` is its exports
to the partner, ``"import"`` its imports from the partner, each valued by the mirror rule
chosen upstream (importer's report by default).

How a series is projected depends on its history (applied per series and reported, with its
reason, in the ``method`` and ``reason`` columns of :func:`classify_series`):

``"auto"``
    The toolkit's default forecast, ``forecast(models="auto")`` on the log scale: the
    equal-weight combination of Naive, Theta and DynamicOptimizedTheta with conformal intervals from its
    own rolling-origin errors, fitted on the years since the series' last zero. Its sample
    paths are joint across every such series (:func:`forecasting.timeseries.simulate_paths`),
    so turnover intervals are coherent, and their 80/95 % bands are the forecast's intervals.
``"resample"``
    Intermittent, by the toolkit's one rule (at least ``INTERMITTENT_ZERO_SHARE`` of the
    years are zero, as for buses): a time-series model cannot foresee single contracts, so
    future years are drawn by resampling the last ``min_years`` years of the series; large
    known contracts enter separately as scheduled shipments.
``"no statistical forecast"``
    Too few positive years since the last zero for a calibrated forecast (fewer than
    ``min_years``): the reason says how many; future years resample the positive years there
    are, and a series with no variation at all is flagged as having no interval.

Why the former baseline was flat (about USD 78 m a year 2026-2035 on the bundled data, below
2025's 92 m after roughly 10 % a year growth): it was the model, not the data or the log
transform. AutoETS, fitted on the logs of the 11 years since each export series' last zero,
chose no-trend models (ETS(M,N,N), ETS(A,N,N)) by AICc for coal, hydrocarbons and "other"
exports; a no-trend model projects its smoothed level, which discounts the noisy recent
jump, and the log-normal mean correction only lifts that level. The default combination
keeps the theta method's (halved) trend, and the pair's own backtest
(:mod:`forecasting.projection.pair_backtest`) shows how each choice fared on this history.

Why the 2035 statistical turnover once had a mean of USD 772 m above its own 80 % interval
(40-718 m) and a 12 % chance of USD 1 bn, for a pair trading about 60-120 m: the paths' tails,
not their centre. The pair's series have 10-18 positive years, so their calibration has 3-5
origins and 5-10 steps; the widths grew at least like a random walk (growth floored at 0.5,
``sqrt`` past the calibrated steps) although these noisy level-like series' errors barely grow,
a linear growth scaled a single early miss to 4-5 log units ten steps ahead, and on the log
scale the few draws there (a 2035 maximum of USD 216 bn for "other" imports, with a history of
4-34 m) made the mean. The widths now follow :mod:`forecasting.timeseries.conformal` (growth
fitted per level from 0, no width above the largest error seen, tail floors), which gives
2035 turnover a median of about 90 m, an 80 % interval of about 40-200 m and a mean inside it.
The tables keep the mean of the draws beside their median (:mod:`forecasting.projection.combine`).
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from forecasting.errors import describe_items
from forecasting.projection.beyond_calibration import noted_here
from forecasting.projection.drivers import gdp_caveats, income_anchored
from forecasting.projection.result import SERIES_KEYS
from forecasting.timeseries import simulate_paths
from forecasting.timeseries.selection import INTERMITTENT_ZERO_SHARE

logger = logging.getLogger(__name__)

MIN_YEARS = 10
NO_FORECAST = "no statistical forecast"
#: The statistical baseline in words (the settings and the report name it).
BASELINE_MODEL = (
    "forecast(models='auto') on log values: equal-weight Naive + Theta + DynamicOptimizedTheta"
    " with conformal intervals from its own rolling-origin errors"
)


def pair_series(reconciled: pd.DataFrame, pair: tuple[str, str]) -> pd.DataFrame:
    """Annual series of the pair by commodity and direction from a mirror-reconciled table.

    ``reconciled`` has exporter, importer, period, commodity and the chosen ``value_usd``
    (output of :func:`forecasting.data.clean.reconcile_mirror`). A year with no record inside
    the data's range is zero trade (customs databases publish no zero rows); a recorded
    missing value stays missing.

    Examples
    --------
    >>> t = pd.DataFrame({"exporter": ["KAZ", "PAK"], "importer": ["PAK", "KAZ"],
    ...     "period": pd.Timestamp("2024-01-01"), "commodity": "coal", "value_usd": [5.0, 0.0]})
    >>> pair_series(t, ("KAZ", "PAK"))[["flow", "value"]].values.tolist()
    [['export', 5.0], ['import', 0.0]]
    """
    a, b = pair
    out_ = reconciled[(reconciled.exporter == a) & (reconciled.importer == b)].assign(flow="export")
    in_ = reconciled[(reconciled.exporter == b) & (reconciled.importer == a)].assign(flow="import")
    both = pd.concat([out_, in_], ignore_index=True)
    series = pd.DataFrame(
        {
            "reporter": a,
            "partner": b,
            "flow": both.flow,
            "commodity": both.commodity,
            "period": pd.to_datetime(both.period),
            "value": both.value_usd.astype(float),
        }
    )
    series = series.groupby([*SERIES_KEYS, "period"], as_index=False).value.sum(min_count=1)
    # Customs databases (BACI, Comtrade) publish no rows for zero trade: a year with no record
    # inside the data's range is a zero, while a reported-but-missing value stays missing.
    years = pd.date_range(reconciled.period.min(), reconciled.period.max(), freq="YS")
    full = pd.MultiIndex.from_tuples(
        [
            (*key, year)
            for key in series[list(SERIES_KEYS)].drop_duplicates().itertuples(index=False)
            for year in years
        ],
        names=[*SERIES_KEYS, "period"],
    )
    series = series.set_index([*SERIES_KEYS, "period"])
    present = series.index
    series = series.reindex(full)
    series.loc[~full.isin(present), "value"] = 0.0
    return series.reset_index().sort_values([*SERIES_KEYS, "period"]).reset_index(drop=True)


def classify_series(series: pd.DataFrame, *, min_years: int = MIN_YEARS) -> pd.DataFrame:
    """Method and reason per series (see module notes), with the years the method uses.

    Examples
    --------
    >>> t = pd.DataFrame({"reporter": "KAZ", "partner": "PAK", "flow": "export", "commodity": "coal",
    ...     "period": pd.date_range("2000", periods=14, freq="YS"), "value": [0.0, 0.0] + [5.0] * 12})
    >>> classify_series(t)[["method", "fitted_from", "years"]].values.tolist()
    [['auto', 2002, 12]]
    """
    rows = []
    for key, sub in series.groupby(list(SERIES_KEYS), sort=True):
        sub = sub.sort_values("period")
        values = sub.value.to_numpy(dtype=float)
        years = sub.period.dt.year.to_numpy()
        zero_share = float(np.mean(~(values > 0)))
        bad = np.flatnonzero(~(values > 0))
        start = int(bad[-1] + 1) if len(bad) else 0
        positive = len(values) - start
        if zero_share >= INTERMITTENT_ZERO_SHARE:
            method = "resample"
            reason = (f"intermittent: {int(round(zero_share * len(values)))} of {len(values)} years are zero"
                      f" (at least {INTERMITTENT_ZERO_SHARE:.0%}); the last {min_years} years are resampled")  # fmt: skip
            start = max(0, len(values) - min_years)
        elif positive >= min_years:
            method = "auto"
            since = f" since the zero of {years[start - 1]}" if start else ""
            reason = f"{positive} positive years{since}: calibrated combination on the log scale"
        elif positive == 0:
            method = NO_FORECAST
            reason = (f"no trade in the last year ({years[-1]}): nothing to extrapolate; the last"
                      f" {min_years} years are resampled")  # fmt: skip
            start = max(0, len(values) - min_years)
        else:
            method = NO_FORECAST
            pool = values[start:]
            constant = " with no variation, so no interval" if np.ptp(pool) == 0 else ""
            reason = (f"only {positive} positive years since the zero of {years[start - 1]}; a calibrated forecast"
                      f" needs {min_years}; those years are resampled{constant}")  # fmt: skip
        rows.append((*key, method, reason, int(years[start]), len(values) - start))
    return pd.DataFrame(rows, columns=[*SERIES_KEYS, "method", "reason", "fitted_from", "years"])


def baseline_paths(
    series: pd.DataFrame,
    *,
    last_year: int,
    draws: int,
    seed: int,
    min_years: int = MIN_YEARS,
    gdp: pd.DataFrame | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Sample paths of every series to ``last_year`` and the method used for each.

    Returns ``(paths, methods)``: paths with the series keys, ``draw``, ``year``, ``value``;
    methods as :func:`classify_series`. With ``gdp`` (``country, year, real_gdp_growth_pct``
    for both countries of the pair and every forecast year) the ``auto`` series' paths are
    re-centred on the growth of the product of incomes
    (:func:`forecasting.projection.drivers.income_anchored`); a missing country or year raises
    ``MissingDriverError`` naming them.
    """
    methods = classify_series(series, min_years=min_years)
    end = int(series.period.dt.year.max())
    horizon = last_year - end
    if horizon < 1:
        raise ValueError(f"horizon year {last_year} must be after the last data year {end}")
    keys = list(SERIES_KEYS)
    window = series.merge(methods[[*keys, "method", "fitted_from"]], on=keys)
    window = window[window.period.dt.year >= window.fitted_from]
    frames = []
    modelled = window[window.method == "auto"]
    if len(modelled):
        with noted_here():
            paths = simulate_paths(
                modelled[[*keys, "period", "value"]], keys=keys, model="auto", horizon=horizon,
                n_paths=draws, seed=seed, transform="log", freq="A",
            )  # fmt: skip
        paths = paths.rename(columns={"path": "draw"})
        paths["year"] = paths.pop("period").dt.year
        frames.append(paths)
    rng = np.random.default_rng(seed + 1)
    years = np.arange(end + 1, last_year + 1)
    for key, hist in window[window.method != "auto"].groupby(keys, sort=True):
        pool = hist.sort_values("period").value.dropna().to_numpy()
        pool = pool if len(pool) else np.zeros(1)
        values = rng.choice(pool, size=(draws, horizon), replace=True)
        frame = pd.DataFrame(
            {
                "draw": np.repeat(np.arange(draws), horizon),
                "year": np.tile(years, draws),
                "value": values.ravel(),
            }
        )
        frames.append(frame.assign(**dict(zip(keys, key, strict=True))))
    paths = pd.concat(frames, ignore_index=True)[[*keys, "draw", "year", "value"]]
    if gdp is not None:
        pair = (str(series.reporter.iloc[0]), str(series.partner.iloc[0]))
        paths = income_anchored(paths, methods, gdp, pair)
        caveats = gdp_caveats(gdp, pair, years[1:])  # the first year is the anchor's start
        anchored = "; centre grows with the pair's GDP path" + (
            f" (unverified or assumed figures: {describe_items(caveats)})" if caveats else ""
        )
        methods = methods.assign(
            reason=np.where(methods.method == "auto", methods.reason + anchored, methods.reason)
        )
    return paths, methods
