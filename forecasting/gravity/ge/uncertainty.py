"""Intervals on every GE outcome: Monte Carlo over the estimated coefficients.

Coefficient vectors are drawn from :math:`N(\\hat\\beta, \\hat V)` (or supplied, e.g. from
a pair bootstrap), each draw's baseline and counterfactual trade costs are rebuilt and
the equilibrium is re-solved. Draws are generated up front from one seeded generator and
solved in fixed chunks, so results are identical whatever ``n_jobs`` is. Solves are
batched (one Newton iteration handles a whole chunk of draws), which is what keeps a
thousand draws over seventy countries to seconds.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from forecasting.errors import ForecastingWarning, SchemaError, describe_items
from forecasting.gravity.ge.coefficients import CoefficientCosts, read_coefficient_problem
from forecasting.gravity.ge.draws import ChunkSolver, quantile_bounds, warn_failures
from forecasting.gravity.ge.inputs import DELTA_COLUMN, GEBase
from forecasting.gravity.ge.options import GEOptions
from forecasting.gravity.ge.result import GEResult
from forecasting.gravity.ge.solver import Solved, counterfactual_from_coefficients, solve_costs
from forecasting.gravity.workers import parallel_calls
from forecasting.progress import track
from forecasting.schema import require_columns
from forecasting.validation import job_count

logger = logging.getLogger(__name__)

__all__ = ["GEIntervals", "draw_coefficients", "ge_monte_carlo"]


@dataclass(frozen=True)
class GEIntervals:
    """Monte Carlo intervals around a GE counterfactual.

    Attributes
    ----------
    point
        The counterfactual at the point estimates.
    country
        GE_COUNTRY rows of ``point`` with ``level``, ``lower``, ``median``, ``upper`` of
        ``change_pct`` over the draws (one block of rows per level).
    bilateral
        GE_BILATERAL rows of ``point`` with the same interval columns.
    draws
        The coefficient draws used: ``draw, term, estimate``.
    diagnostics
        ``n_draws``, ``n_failed``, ``failed_draws`` (ids of draws with no equilibrium;
        left out of the quantiles), ``seed``, ``n_jobs``, ``source`` of the draws.
    """

    point: GEResult
    country: pd.DataFrame
    bilateral: pd.DataFrame
    draws: pd.DataFrame
    diagnostics: dict[str, Any] = field(repr=False)

    def tidy(self, level: float | None = None) -> pd.DataFrame:
        """Country intervals, for one ``level`` or all of them."""
        if level is None:
            return self.country.copy()
        return self.country[self.country["level"] == level].reset_index(drop=True)


def draw_coefficients(
    coefficients: pd.DataFrame,
    *,
    draws: int,
    seed: int | None,
    covariance: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Coefficient vectors from a multivariate normal around the estimates.

    Uses the full ``covariance`` (a square frame indexed by term) when given, else the
    ``std_error`` column (no correlation; a warning says so).

    Examples
    --------
    >>> import pandas as pd
    >>> coefs = pd.DataFrame({"term": ["a"], "estimate": [1.0]})
    >>> cov = pd.DataFrame([[0.0]], index=["a"], columns=["a"])
    >>> draw_coefficients(coefs, draws=2, seed=0, covariance=cov)["estimate"].tolist()
    [1.0, 1.0]
    """
    terms = coefficients["term"].astype(str).tolist()
    mean = coefficients["estimate"].to_numpy(dtype=float)
    if covariance is not None:
        missing = [t for t in terms if t not in covariance.index or t not in covariance.columns]
        if missing:
            raise SchemaError(f"covariance lacks rows/columns for terms {describe_items(missing)}")
        matrix = covariance.loc[terms, terms].to_numpy(dtype=float)
        if not np.allclose(matrix, matrix.T) or np.min(np.linalg.eigvalsh(matrix)) < -1e-10 * max(
            1.0, np.abs(matrix).max()
        ):
            raise SchemaError("covariance is not symmetric positive semi-definite")
    else:
        if "std_error" not in coefficients.columns or coefficients["std_error"].isna().any():
            raise SchemaError(
                "Monte Carlo needs a covariance matrix or a complete std_error column; pass"
                " covariance= (e.g. the fit's vcov) or coefficient_draws="
            )
        warnings.warn(
            "no covariance given: drawing coefficients independently from their standard errors;"
            " pass covariance= to keep their correlation",
            ForecastingWarning,
            stacklevel=3,
        )
        matrix = np.diag(coefficients["std_error"].to_numpy(dtype=float) ** 2)
    rng = np.random.default_rng(seed)
    values = rng.multivariate_normal(mean, matrix, size=draws, method="eigh")
    return pd.DataFrame(
        {
            "draw": np.repeat(np.arange(draws), len(terms)),
            "term": np.tile(terms, draws),
            "estimate": values.ravel(),
        }
    )


def _limit_threads() -> None:
    # Two workers each running multi-threaded BLAS would fight over the same cores.
    from threadpoolctl import threadpool_limits

    threadpool_limits(1)


def _solve_betas(
    base: GEBase, costs: CoefficientCosts, betas: np.ndarray, options: GEOptions, warm: Solved | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per-draw % changes by country and pair for coefficient vectors ``betas``, and a failure mask."""
    fitted, change = costs.log_costs(betas)
    log_base = fitted if options.baseline == "fitted" else base.observed_log_cost()[None]
    solver = ChunkSolver(base, options, warm)
    levels, flows, baseline, failed = solver.solve_isolating(
        log_base, log_base + change, np.full(len(betas), options.sigma)
    )
    n = len(base.countries)
    with np.errstate(divide="ignore", invalid="ignore"):
        country = (levels[..., 1] / levels[..., 0] - 1.0) * 100.0
        before = baseline.reshape(len(betas), n * n)
        bilateral = np.where(before > 0, (flows.reshape(len(betas), n * n) / before - 1.0) * 100.0, np.nan)
    return country, bilateral, failed


def _interval_rows(point: pd.DataFrame, values: np.ndarray, levels: Sequence[float]) -> pd.DataFrame:
    blocks = []
    for level in levels:
        lower, median, upper = quantile_bounds(values, level)
        blocks.append(point.assign(level=level, lower=lower, median=median, upper=upper))
    return pd.concat(blocks, ignore_index=True)


def _coefficient_table(
    coefficients: pd.DataFrame,
    terms: tuple[str, ...],
    *,
    coefficient_draws: pd.DataFrame | None,
    covariance: pd.DataFrame | None,
    draws: int,
    seed: int | None,
) -> tuple[pd.DataFrame, np.ndarray, str]:
    if coefficient_draws is None:
        kept = coefficients[coefficients["term"].isin(terms)]
        table = draw_coefficients(kept, draws=draws, seed=seed, covariance=covariance)
        source = "normal"
    else:
        require_columns(coefficient_draws, ["draw", "term", "estimate"], what="coefficient_draws")
        table = coefficient_draws.loc[:, ["draw", "term", "estimate"]]
        source = "supplied"
    wide = table.pivot(index="draw", columns="term", values="estimate")
    missing = [t for t in terms if t not in wide.columns]
    if missing:
        raise SchemaError(f"coefficient draws lack terms {describe_items(missing)}")
    return table, wide.loc[:, list(terms)], source


def ge_monte_carlo(
    data: pd.DataFrame,
    coefficients: pd.DataFrame,
    changes: pd.DataFrame | Mapping[str, float],
    *,
    options: GEOptions | None = None,
    covariance: pd.DataFrame | None = None,
    coefficient_draws: pd.DataFrame | None = None,
    draws: int = 1000,
    level: float | Sequence[float] = 95,
    seed: int | None = None,
    n_jobs: int = 1,
    chunk_size: int = 100,
    scenario: str = "counterfactual",
    value: str = "value_usd",
    pair_effect: str | None = None,
    progress: bool | None = None,
) -> GEIntervals:
    """Intervals on every GE outcome by Monte Carlo over the coefficient uncertainty.

    For draws of cost changes and elasticities that a scenario supplies itself, use
    :func:`~forecasting.gravity.ge.draws.counterfactual_draws`; both solve with the same core.

    Parameters
    ----------
    data, coefficients, changes, options, scenario, value, pair_effect
        As for :func:`~forecasting.gravity.ge.counterfactual_from_coefficients`. Give
        ``changes`` as new covariate values so each draw's coefficients also move the shock;
        a ``delta_log_cost`` shock is held fixed across draws (a warning says so).
    covariance
        Coefficient covariance, a square frame indexed and columned by term.
    coefficient_draws
        Ready-made draws (``draw, term, estimate``), e.g. from a pair bootstrap; replaces
        the normal draws.
    draws, seed
        Number of normal draws and the seed of ``numpy.random.default_rng``.
    level
        Interval coverage(s) in percent.
    n_jobs, chunk_size
        Worker processes (-1: one per core) and draws solved together per task. The workers
        are fresh for each call (about half a second to start; benchmarks/results/ge.md) and
        stop at once on Ctrl-C.
    progress
        Show a progress bar (default: the session setting of :mod:`forecasting.progress`).

    Examples
    --------
    >>> from forecasting.gravity.ge.demo import simulate_ge_data
    >>> data, coefs = simulate_ge_data(n_countries=4, seed=1)
    >>> import numpy as np, pandas as pd
    >>> cov = pd.DataFrame(np.diag(coefs["std_error"] ** 2), index=coefs["term"], columns=coefs["term"])
    >>> mc = ge_monte_carlo(data, coefs, {"border": 0.0}, covariance=cov, draws=50, seed=1,
    ...                     options=GEOptions(reference_importer="AAA"))
    >>> row = mc.tidy(95).query("country == 'BBB' and measure == 'real_gdp'").iloc[0]
    >>> bool(row.lower < row.change_pct < row.upper)
    True
    """
    options = options or GEOptions()
    levels = [float(level)] if np.isscalar(level) else [float(v) for v in level]  # type: ignore[arg-type, union-attr]
    if not all(0.0 < v < 100.0 for v in levels):
        raise SchemaError(f"level must be percentages between 0 and 100 (e.g. 95 or (80, 95)); got {level!r}")
    if int(draws) < 2 or int(chunk_size) < 1:
        raise SchemaError(f"draws must be at least 2 and chunk_size at least 1; got {draws}, {chunk_size}")
    n_jobs = job_count(n_jobs)
    if options.stopping == "book":
        raise SchemaError("ge_monte_carlo solves with stopping='tight'; the book's loop is for replication")
    point = counterfactual_from_coefficients(
        data, coefficients, changes, options=options, scenario=scenario, value=value, pair_effect=pair_effect
    )
    base, costs = read_coefficient_problem(
        data, coefficients, changes, value=value, reference_importer=options.reference_importer,
        pair_effect=pair_effect,
    )  # fmt: skip
    if isinstance(changes, pd.DataFrame) and DELTA_COLUMN in changes.columns:
        warnings.warn(
            f"'{DELTA_COLUMN}' is held fixed across draws; only the baseline trade costs vary."
            " Give the shock as new covariate values to propagate its uncertainty too",
            ForecastingWarning,
            stacklevel=2,
        )
    draw_table, wide, source = _coefficient_table(
        coefficients, costs.terms, coefficient_draws=coefficient_draws, covariance=covariance,
        draws=draws, seed=seed,
    )  # fmt: skip
    betas = wide.to_numpy(dtype=float)
    # Start every draw's Newton iterations from the point solution.
    fitted, change = costs.log_costs(costs.estimate[None, :])
    log_base = fitted if options.baseline == "fitted" else base.observed_log_cost()[None]
    warm = solve_costs(base, log_base, log_base + change, options.sigma, options)
    chunks = [betas[start : start + chunk_size] for start in range(0, len(betas), chunk_size)]
    if n_jobs > 1 and len(chunks) > 1:
        calls = [(base, costs, chunk, options, warm) for chunk in chunks]
        results = parallel_calls(
            n_jobs, _solve_betas, calls, setup=_limit_threads, desc="GE draws", progress=progress
        )
    else:
        results = [
            _solve_betas(base, costs, c, options, warm)
            for c in track(chunks, total=len(chunks), desc="GE draws", enabled=progress)
        ]
    country_values = np.concatenate([r[0] for r in results])
    bilateral_values = np.concatenate([r[1] for r in results])
    failed = np.concatenate([r[2] for r in results])
    failed_ids = wide.index[failed].tolist()
    warn_failures(failed, failed_ids, f"GE Monte Carlo '{scenario}'")
    # Country values are (draw, measure, country); the point table is measure-major.
    flat_country = country_values[~failed].reshape(int((~failed).sum()), -1)
    return GEIntervals(
        point=point,
        country=_interval_rows(point.country, flat_country, levels),
        bilateral=_interval_rows(point.bilateral, bilateral_values[~failed], levels),
        draws=draw_table.reset_index(drop=True),
        diagnostics={
            "n_draws": len(failed),
            "n_failed": int(failed.sum()),
            "failed_draws": failed_ids,
            "seed": seed,
            "n_jobs": n_jobs,
            "source": source,
        },
    )
