"""Pair bootstrap of first-stage coefficients, as draws for :func:`ge_monte_carlo`.

The normal approximation behind Monte Carlo over :math:`(\\hat\\beta, \\hat V)` can be
poor with few countries or heavy-tailed flows. A pair (cluster) bootstrap resamples
country pairs with replacement — all years of a pair together — and re-estimates the
gravity equation on each resample with the caller's estimator. The GE solver stays
estimator-free: it receives only the resulting coefficient draws.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Callable

import numpy as np
import pandas as pd

from forecasting.errors import EstimationError, ForecastingWarning, SchemaError, describe_items
from forecasting.gravity.workers import parallel_calls
from forecasting.progress import track
from forecasting.validation import job_count

logger = logging.getLogger(__name__)

__all__ = ["pair_bootstrap_draws"]

Estimator = Callable[[pd.DataFrame], pd.DataFrame]


def _fit_one(estimator: Estimator, data: pd.DataFrame, rows: np.ndarray) -> pd.DataFrame | str:
    try:
        table = estimator(data.iloc[rows].reset_index(drop=True))
    except Exception as error:  # noqa: BLE001 - a failed refit is recorded, not fatal
        return f"{type(error).__name__}: {error}"
    return table.loc[:, ["term", "estimate"]]


def pair_bootstrap_draws(
    data: pd.DataFrame,
    estimator: Estimator,
    *,
    draws: int = 200,
    seed: int | None = None,
    n_jobs: int = 1,
    progress: bool | None = None,
) -> pd.DataFrame:
    """Coefficient draws from re-estimating on pairs resampled with replacement.

    Parameters
    ----------
    data
        Estimation data with ``exporter`` and ``importer`` columns (a pair keeps all its rows).
    estimator
        Function from a data frame to a COEFFICIENTS-like table (``term``, ``estimate``),
        e.g. ``lambda d: ppml(d, "value_usd ~ ln_dist + contig", fe="exporter_importer").tidy()``.
        With ``n_jobs > 1`` it runs in worker processes (sent with cloudpickle, so a lambda or a
        notebook function works); a Ctrl-C stops them at once.
    draws, seed
        Number of resamples and the seed of ``numpy.random.default_rng``; all resamples are
        drawn up front, so results do not depend on ``n_jobs``.

    Returns
    -------
    pandas.DataFrame
        ``draw, term, estimate`` for the successful refits; ``attrs["failed_draws"]`` maps
        the draws whose refit failed to the error (a warning also says how many).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> data = pd.DataFrame({"exporter": list("AABB"), "importer": list("ABAB"), "y": [1.0, 2.0, 3.0, 4.0]})
    >>> mean = lambda d: pd.DataFrame({"term": ["mean_y"], "estimate": [d["y"].mean()]})
    >>> out = pair_bootstrap_draws(data, mean, draws=3, seed=0)
    >>> out.shape, bool(out["estimate"].between(1, 4).all())
    ((3, 3), True)
    """
    missing = [c for c in ("exporter", "importer") if c not in data.columns]
    if missing:
        raise SchemaError(f"bootstrap data lack columns {describe_items(missing)}")
    if int(draws) < 2:
        raise SchemaError(f"draws must be at least 2; got {draws}")
    n_jobs = job_count(n_jobs)
    pair_codes, pairs = pd.factorize(data["exporter"].astype(str) + "|" + data["importer"].astype(str))
    rows_of_pair = [np.flatnonzero(pair_codes == k) for k in range(len(pairs))]
    rng = np.random.default_rng(seed)
    samples = [
        np.concatenate([rows_of_pair[k] for k in rng.integers(0, len(pairs), size=len(pairs))])
        for _ in range(draws)
    ]
    if n_jobs > 1:
        calls = [(estimator, data, rows) for rows in samples]
        fits = parallel_calls(n_jobs, _fit_one, calls, desc="bootstrap", progress=progress)
    else:
        fits = [
            _fit_one(estimator, data, rows)
            for rows in track(samples, total=draws, desc="bootstrap", enabled=progress)
        ]
    failed = {k: fit for k, fit in enumerate(fits) if isinstance(fit, str)}
    good = [fit.assign(draw=k) for k, fit in enumerate(fits) if not isinstance(fit, str)]
    if not good:
        first = next(iter(failed.values()))
        raise EstimationError(f"every bootstrap refit failed ({draws} tried); first error: {first}")
    if failed:
        warnings.warn(
            f"{len(failed)} of {draws} bootstrap refits failed and are left out (draws"
            f" {describe_items(list(failed))}); see .attrs['failed_draws']",
            ForecastingWarning,
            stacklevel=2,
        )
    table = pd.concat(good, ignore_index=True).loc[:, ["draw", "term", "estimate"]]
    table.attrs["failed_draws"] = failed
    return table
