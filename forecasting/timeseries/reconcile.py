"""Forecast reconciliation: commodity forecasts that add up to totals and turnover.

A hierarchy is read from the key values themselves: a series whose key holds
``total_label`` (default ``"TOTAL"``) in some columns is the sum of the bottom series that
match it in the other columns. With keys ``flow, commodity``: ``(export, TOTAL)`` is all
exports, ``(TOTAL, coal)`` coal turnover, ``(TOTAL, TOTAL)`` the pair's turnover.
:func:`aggregate` builds those sums from bottom-level history.

Reconciled means are ``S @ G @ y_hat`` (Wickramasuriya, Athanasopoulos & Hyndman 2019):

* ``bottom_up``: G keeps the bottom forecasts;
* ``top_down``: the grand total split in proportion to the bottom base forecasts;
* ``ols``: G = (S'S)^-1 S';
* ``wls_struct``: weights by the number of bottom series under each node;
* ``mint_shrink``: weights by the shrunk (Schafer-Strimmer) covariance of in-sample
  one-step residuals, which ``residuals`` must supply (see :func:`in_sample_residuals`).

Intervals are coherent: with base variances ``D_h`` (read off each base interval as a normal
spread) and the residual correlation ``R`` (identity without residuals), the reconciled
variance is ``S G (D R D) G' S'``, and bounds are ``mean +/- z * sd``. They nest by construction.

Kept rather than ``hierarchicalforecast``: that package is not a dependency of the toolkit
and is not installed here, so no test could show equal results (its non-negative MinT needs
a QP solver on top); this module reads the hierarchy from the key values and gives coherent
intervals in the FORECAST schema.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from scipy import stats

from forecasting.errors import ForecastingError, SchemaError, describe_items
from forecasting.schema import FORECAST, validate
from forecasting.timeseries.transforms import sigma_from_interval

logger = logging.getLogger(__name__)

Method = Literal["bottom_up", "top_down", "ols", "wls_struct", "mint_shrink"]
METHODS = ("bottom_up", "top_down", "ols", "wls_struct", "mint_shrink")
TOTAL = "TOTAL"


@dataclass(frozen=True)
class Hierarchy:
    """Series of a hierarchy (aggregates first, then bottom) and the summing matrix ``S``."""

    series: pd.DataFrame
    summing: np.ndarray
    keys: tuple[str, ...]
    n_bottom: int

    @classmethod
    def from_keys(cls, table: pd.DataFrame, keys: Sequence[str], total_label: str = TOTAL) -> Hierarchy:
        """Read the hierarchy from unique key rows (see module notes).

        Examples
        --------
        >>> import pandas as pd
        >>> t = pd.DataFrame({"flow": ["export", "import", "TOTAL"], "hs": ["27", "27", "27"]})
        >>> Hierarchy.from_keys(t, ["flow", "hs"]).summing.tolist()
        [[1.0, 1.0], [1.0, 0.0], [0.0, 1.0]]
        """
        keys = list(keys)
        unique = table[keys].drop_duplicates().astype(str).reset_index(drop=True)
        is_agg = (unique == total_label).any(axis=1)
        bottom = unique[~is_agg].sort_values(keys).reset_index(drop=True)
        aggs = unique[is_agg].sort_values(keys).reset_index(drop=True)
        if bottom.empty:
            raise SchemaError(f"no bottom-level series: every series has {total_label!r} in a key column")
        bvals = bottom.to_numpy()
        rows = []
        empty = []
        for agg in aggs.to_numpy():
            match = np.all((agg == total_label) | (bvals == agg), axis=1)
            if not match.any():
                empty.append(", ".join(agg))
            rows.append(match.astype(float))
        if empty:
            raise SchemaError(f"aggregate series {describe_items(empty)} cover no bottom-level series")
        summing = np.vstack([*(rows or [np.zeros((0, len(bottom)))]), np.eye(len(bottom))])
        series = pd.concat([aggs, bottom], ignore_index=True)
        return cls(series, summing, tuple(keys), len(bottom))

    def tidy(self) -> pd.DataFrame:
        """Long summing matrix: one row per (aggregate or bottom series, bottom series) link."""
        rows, cols = np.nonzero(self.summing)
        parent = self.series.iloc[rows].reset_index(drop=True)
        child = self.series.iloc[len(self.series) - self.n_bottom + cols].reset_index(drop=True)
        return pd.concat([parent.add_suffix("_parent"), child.add_suffix("_bottom")], axis=1)


def aggregate(
    series: pd.DataFrame,
    *,
    keys: Sequence[str],
    levels: Sequence[Sequence[str]],
    time_col: str = "period",
    value_col: str = "value",
    total_label: str = TOTAL,
) -> pd.DataFrame:
    """Bottom series plus their sums at each level (columns kept; the rest set to ``total_label``).

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"flow": ["export", "import"], "hs": ["27", "27"], "period": [2020, 2020],
    ...                    "value": [1.0, 2.0]})
    >>> aggregate(df, keys=["flow", "hs"], levels=[["hs"]])["value"].tolist()
    [1.0, 2.0, 3.0]
    """
    keys = list(keys)
    pieces = [series[[*keys, time_col, value_col]]]
    for kept in levels:
        unknown = [k for k in kept if k not in keys]
        if unknown:
            raise SchemaError(f"level {list(kept)} names {unknown}, which are not key columns {keys}")
        if list(kept):
            # min_count=1 keeps "all missing" as missing rather than a false zero
            grouped = series.groupby([*kept, time_col], sort=True)[value_col].sum(min_count=1).reset_index()
        else:
            grouped = series.groupby(time_col, sort=True)[value_col].sum(min_count=1).reset_index()
        for k in keys:
            if k not in kept:
                grouped[k] = total_label
        pieces.append(grouped[[*keys, time_col, value_col]])
    return pd.concat(pieces, ignore_index=True)


def shrunk_covariance(residuals: np.ndarray) -> np.ndarray:
    """Schafer-Strimmer shrinkage of the residual covariance toward its diagonal.

    ``residuals`` is periods x series, without missing values, taken as mean zero.
    """
    x = np.asarray(residuals, dtype=float)
    n_obs = x.shape[0]
    cov = x.T @ x / n_obs
    sd = np.sqrt(np.diag(cov))
    sd[sd == 0] = 1.0
    xs = x / sd
    corr = xs.T @ xs / n_obs
    w = xs[:, :, None] * xs[:, None, :]
    # Variance of each correlation estimate, 1 / (n (n - 1)) * sum_t (w_t - mean w)^2, as in
    # Schafer & Strimmer (2005) and Hyndman's hts::shrink.estim.
    var_corr = (
        ((w - w.mean(axis=0)) ** 2).sum(axis=0) / (n_obs * (n_obs - 1)) if n_obs > 1 else np.zeros_like(corr)
    )
    off = ~np.eye(len(cov), dtype=bool)
    denom = float((corr[off] ** 2).sum())
    lam = 1.0 if denom == 0 else float(np.clip(var_corr[off].sum() / denom, 0.0, 1.0))
    shrunk_corr = (1 - lam) * corr
    np.fill_diagonal(shrunk_corr, 1.0)
    return shrunk_corr * np.outer(sd, sd)


def _projection(method: str, summing: np.ndarray, base: np.ndarray, cov: np.ndarray | None) -> np.ndarray:
    n_total, n_bottom = summing.shape
    n_agg = n_total - n_bottom
    if method == "bottom_up":
        return np.hstack([np.zeros((n_bottom, n_agg)), np.eye(n_bottom)])
    if method == "top_down":
        bottom = base[n_agg:]
        total = bottom.sum()
        shares = bottom / total if total != 0 else np.full(n_bottom, 1.0 / n_bottom)
        g = np.zeros((n_bottom, n_total))
        g[:, 0] = shares  # row 0 is the grand total (checked by the caller)
        return g
    if method == "ols":
        weights = np.eye(n_total)
    elif method == "wls_struct":
        weights = np.diag(summing.sum(axis=1))
    else:
        assert cov is not None
        weights = cov
    w_inv = np.linalg.pinv(weights)
    return np.linalg.solve(summing.T @ w_inv @ summing, summing.T @ w_inv)


def reconcile(
    forecasts: pd.DataFrame,
    *,
    keys: Sequence[str],
    method: Method = "mint_shrink",
    residuals: pd.DataFrame | None = None,
    total_label: str = TOTAL,
) -> pd.DataFrame:
    """Make base forecasts coherent across the hierarchy in their keys (see module notes).

    ``forecasts`` is a FORECAST-schema frame holding every series of the hierarchy for each
    scenario, model and period; ``residuals`` (``keys..., period, residual``) is required by
    ``mint_shrink`` and, when given, supplies the error correlation for every method. The
    hierarchy is read from the series present, so a bottom series missing from every period
    cannot be detected; one missing from some periods raises.

    Examples
    --------
    >>> import pandas as pd
    >>> base = pd.DataFrame({"flow": ["export", "import", "TOTAL"], "period": pd.Timestamp("2030-01-01"),
    ...     "scenario": "baseline", "model": "AutoETS", "level": 95, "mean": [10.0, 5.0, 18.0],
    ...     "lower": [8.0, 4.0, 14.0], "upper": [12.0, 6.0, 22.0]})
    >>> out = reconcile(base, keys=["flow"], method="ols")
    >>> out.set_index("flow")["mean"].round(3).to_dict()
    {'TOTAL': 17.0, 'export': 11.0, 'import': 6.0}
    """
    keys = list(keys)
    if method not in METHODS:
        raise SchemaError(f"method={method!r} is not valid; use one of {', '.join(METHODS)}")
    validate(forecasts, FORECAST, keys=keys)
    hierarchy = Hierarchy.from_keys(forecasts, keys, total_label)
    n_total = len(hierarchy.series)
    if method == "top_down" and not (hierarchy.series.iloc[0] == total_label).all():
        raise SchemaError(f"top_down needs a grand total row with {total_label!r} in every key column")
    corr, residual_cov = _residual_correlation(hierarchy, residuals, keys, method)
    frame = forecasts.copy()
    frame[keys] = frame[keys].astype(str)
    position = hierarchy.series.assign(_pos=np.arange(n_total))
    frame = frame.merge(position, on=keys, how="left")
    widest = frame.groupby(["scenario", "model"])["level"].transform("max")
    pieces = []
    for (scenario, model, period), block in frame.groupby(["scenario", "model", "period"], sort=False):
        top = block[block["level"] == widest.loc[block.index]].sort_values("_pos")
        if len(top) != n_total or top["_pos"].tolist() != list(range(n_total)):
            missing = hierarchy.series.iloc[sorted(set(range(n_total)) - set(top["_pos"]))]
            raise SchemaError(
                f"scenario {scenario!r}, model {model!r}, period {period:%Y-%m}: forecasts are missing for"
                f" {describe_items([', '.join(r) for r in missing.to_numpy()])}; every series of the hierarchy is needed"
            )
        base = top["mean"].to_numpy(dtype=float)
        sigma = sigma_from_interval(top["lower"], top["upper"], float(top["level"].iloc[0]))
        cov = np.outer(sigma, sigma) * corr
        g = _projection(method, hierarchy.summing, base, residual_cov)
        combined = hierarchy.summing @ g
        mean = combined @ base
        sd = np.sqrt(np.clip(np.diag(combined @ cov @ combined.T), 0, None))
        for level in sorted(block["level"].unique()):
            z = stats.norm.ppf(0.5 + level / 200.0)
            piece = hierarchy.series.copy()
            piece["period"], piece["scenario"], piece["model"], piece["level"] = (
                period,
                scenario,
                model,
                int(level),
            )
            piece["mean"], piece["lower"], piece["upper"] = mean, mean - z * sd, mean + z * sd
            pieces.append(piece)
    out = pd.concat(pieces, ignore_index=True)[
        [*keys, "period", "scenario", "model", "level", "mean", "lower", "upper"]
    ]
    out = out.sort_values([*keys, "scenario", "model", "level", "period"], kind="stable").reset_index(
        drop=True
    )
    return validate(out, FORECAST, keys=keys)


def _residual_correlation(
    hierarchy: Hierarchy, residuals: pd.DataFrame | None, keys: list[str], method: str
) -> tuple[np.ndarray, np.ndarray | None]:
    """Correlation of base errors (identity without residuals) and the shrunk residual covariance."""
    n_total = len(hierarchy.series)
    if residuals is None:
        if method == "mint_shrink":
            raise ForecastingError(
                "mint_shrink needs in-sample residuals of every series (keys, period, residual);"
                " get them with timeseries.in_sample_residuals(...) or use method='wls_struct'"
            )
        return np.eye(n_total), None
    table = residuals.copy()
    table[keys] = table[keys].astype(str)
    table = table.merge(hierarchy.series.assign(_pos=np.arange(n_total)), on=keys, how="inner")
    wide = table.pivot_table(index="period", columns="_pos", values="residual").reindex(
        columns=range(n_total)
    )
    absent = [", ".join(r) for r in hierarchy.series[wide.isna().all().to_numpy()].to_numpy()]
    if absent:
        raise SchemaError(f"residuals are missing for series {describe_items(absent)}")
    complete = wide.dropna().to_numpy()
    if len(complete) < 3:
        raise SchemaError("fewer than 3 periods have residuals for every series; MinT needs a common window")
    cov = shrunk_covariance(complete)
    sd = np.sqrt(np.diag(cov))
    sd[sd == 0] = 1.0
    return cov / np.outer(sd, sd), cov
