"""The statistical baseline of a pair's trade: series by commodity and direction, and sample paths.

Series are oriented from the first country of the pair: ``flow == "export"`` is its exports
to the partner, ``"import"`` its imports from the partner, each valued by the mirror rule
chosen upstream (importer's report by default).

How a series is projected depends on its history (the rule is applied per series and
reported in the ``method`` column of :func:`classify_series`):

``"ets"``
    Positive in every one of the last ``min_years`` years: AutoETS on the log scale
    (statsforecast), joint sample paths simulated from the fitted state-space model and
    mapped back draw by draw, so paths are never negative.
``"resample"``
    Intermittent (zeros in recent years, as for buses): a time-series model cannot foresee
    single contracts, so future years are drawn by resampling the last ``min_years`` years
    of the series; large known contracts enter separately as scheduled shipments.
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from forecasting.projection.result import SERIES_KEYS
from forecasting.timeseries import simulate_paths

logger = logging.getLogger(__name__)


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


def classify_series(series: pd.DataFrame, *, min_years: int = 10) -> pd.DataFrame:
    """Method per series: ``ets`` when the last ``min_years`` values are all positive, else ``resample``."""
    rows = []
    for key, sub in series.groupby(list(SERIES_KEYS), sort=True):
        recent = sub.sort_values("period").value.tail(min_years)
        positive = len(recent) == min_years and bool((recent > 0).all())
        rows.append((*key, "ets" if positive else "resample", int((recent == 0).sum()), len(sub)))
    return pd.DataFrame(rows, columns=[*SERIES_KEYS, "method", "recent_zeros", "years"])


def baseline_paths(
    series: pd.DataFrame,
    *,
    last_year: int,
    draws: int,
    seed: int,
    min_years: int = 10,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Sample paths of every series to ``last_year`` and the method used for each.

    Returns ``(paths, methods)``: paths with the series keys, ``draw``, ``year``, ``value``.
    """
    methods = classify_series(series, min_years=min_years)
    end = int(series.period.dt.year.max())
    horizon = last_year - end
    if horizon < 1:
        raise ValueError(f"horizon year {last_year} must be after the last data year {end}")
    frames = []
    ets_keys = methods[methods.method == "ets"][list(SERIES_KEYS)]
    if len(ets_keys):
        sub = series.merge(ets_keys, on=list(SERIES_KEYS))
        sub = _recent_window(sub, min_years)
        paths = simulate_paths(
            sub,
            keys=list(SERIES_KEYS),
            model="AutoETS",
            horizon=horizon,
            n_paths=draws,
            seed=seed,
            transform="log",
            freq="A",
        )
        paths = paths.rename(columns={"path": "draw"})
        paths["year"] = paths.pop("period").dt.year
        frames.append(paths)
    rng = np.random.default_rng(seed + 1)
    for row in methods[methods.method == "resample"].itertuples(index=False):
        key = {k: getattr(row, k) for k in SERIES_KEYS}
        hist = series.loc[(series[list(SERIES_KEYS)] == pd.Series(key)).all(axis=1)].sort_values("period")
        pool = hist.value.dropna().tail(min_years).to_numpy()
        pool = pool if len(pool) else np.zeros(1)
        values = rng.choice(pool, size=(draws, horizon), replace=True)
        years = np.arange(end + 1, last_year + 1)
        frame = pd.DataFrame(
            {
                "draw": np.repeat(np.arange(draws), horizon),
                "year": np.tile(years, draws),
                "value": values.ravel(),
            }
        )
        frames.append(frame.assign(**key))
    paths = pd.concat(frames, ignore_index=True)
    return paths[[*SERIES_KEYS, "draw", "year", "value"]], methods


def _recent_window(series: pd.DataFrame, min_years: int) -> pd.DataFrame:
    """Keep each series from its last zero or gap onward (at least ``min_years`` positive years)."""
    kept = []
    for _, sub in series.groupby(list(SERIES_KEYS), sort=False):
        sub = sub.sort_values("period")
        bad = np.flatnonzero(~(sub.value.to_numpy() > 0))
        kept.append(sub.iloc[bad[-1] + 1 :] if len(bad) else sub)
    return pd.concat(kept, ignore_index=True)
