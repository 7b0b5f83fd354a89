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
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from forecasting.errors import (
    ConvergenceError,
    EstimationError,
    ForecastingWarning,
    SchemaError,
    describe_items,
)
from forecasting.gravity.ge.inputs import DELTA_COLUMN, GEProblem, build_problem
from forecasting.gravity.ge.options import Baseline, GEKind, GEOptions
from forecasting.gravity.ge.result import GEResult, country_measures
from forecasting.gravity.ge.solver import Solved, counterfactual, solve_batch
from forecasting.progress import track

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
    try:
        from threadpoolctl import threadpool_limits

        threadpool_limits(1)
    except ImportError:  # pragma: no cover - threadpoolctl ships with scikit-learn
        pass


def _solve_chunk(
    problem: GEProblem, betas: np.ndarray, options: GEOptions, warm: Solved | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per-draw % changes: country ``(D, M, N)``, bilateral ``(D, N*N)``, and a failure mask."""
    try:
        return _changes(problem, betas, options, warm)
    except (ConvergenceError, FloatingPointError, np.linalg.LinAlgError):
        # Isolate the draws with no equilibrium instead of losing the whole chunk.
        parts: list[tuple[np.ndarray, np.ndarray, np.ndarray] | None] = []
        for row in betas:
            try:
                parts.append(_changes(problem, row[None, :], options, warm))
            except (ConvergenceError, FloatingPointError, np.linalg.LinAlgError):
                parts.append(None)
        template = next((p for p in parts if p is not None), None)
        if template is None:
            n, m = len(problem.countries), len(_measure_names(options))
            return (
                np.full((len(betas), m, n), np.nan),
                np.full((len(betas), n * n), np.nan),
                np.ones(len(betas), bool),
            )
        country = np.concatenate([p[0] if p else np.full_like(template[0], np.nan) for p in parts])
        bilateral = np.concatenate([p[1] if p else np.full_like(template[1], np.nan) for p in parts])
        return country, bilateral, np.array([p is None for p in parts])


def _measure_names(options: GEOptions) -> list[str]:
    from forecasting.gravity.ge.result import CONDITIONAL_MEASURES, MEASURES

    names = list(MEASURES)
    if options.kind == "full":
        names += [f"{m}_conditional" for m in CONDITIONAL_MEASURES]
    return names


def _changes(
    problem: GEProblem, betas: np.ndarray, options: GEOptions, warm: Solved | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    solved = solve_batch(problem, betas, options, warm)
    measures = country_measures(solved.baseline, solved.conditional, solved.full, options.sigma)
    country = np.stack([(new / base - 1.0) * 100.0 for base, new in measures.values()], axis=1)
    new = solved.full if solved.full is not None else solved.conditional
    base_flows = solved.baseline.flows.reshape(len(betas), -1)
    with np.errstate(divide="ignore", invalid="ignore"):
        bilateral = np.where(
            base_flows > 0, (new.flows.reshape(len(betas), -1) / base_flows - 1.0) * 100.0, np.nan
        )
    return country, bilateral, np.zeros(len(betas), bool)


def _interval_rows(point: pd.DataFrame, values: np.ndarray, levels: Sequence[float]) -> pd.DataFrame:
    blocks = []
    for level in levels:
        tail = (100.0 - level) / 200.0
        # Columns are either complete or undefined for every draw (zero baseline flows);
        # np.quantile on the complete ones is far faster than nanquantile.
        complete = np.all(np.isfinite(values), axis=0)
        bounds = np.full((3, values.shape[1]), np.nan)
        bounds[:, complete] = np.quantile(values[:, complete], [tail, 0.5, 1.0 - tail], axis=0)
        lower, median, upper = bounds
        blocks.append(point.assign(level=level, lower=lower, median=median, upper=upper))
    return pd.concat(blocks, ignore_index=True)


def ge_monte_carlo(
    data: pd.DataFrame,
    coefficients: pd.DataFrame,
    changes: pd.DataFrame | Mapping[str, float],
    *,
    covariance: pd.DataFrame | None = None,
    coefficient_draws: pd.DataFrame | None = None,
    draws: int = 1000,
    level: float | Sequence[float] = 95,
    seed: int | None = None,
    n_jobs: int = 1,
    chunk_size: int = 100,
    sigma: float = 7.0,
    reference_importer: str = "DEU",
    kind: GEKind = "full",
    tol: float = 1e-8,
    max_iter: int = 200,
    scenario: str = "counterfactual",
    value: str = "value_usd",
    pair_effect: str | None = None,
    baseline: Baseline = "fitted",
    progress: bool | None = None,
) -> GEIntervals:
    """Intervals on every GE outcome by Monte Carlo over the coefficient uncertainty.

    Parameters
    ----------
    data, coefficients, changes
        As for :func:`~forecasting.gravity.ge.counterfactual`. Give ``changes`` as new
        covariate values so each draw's coefficients also move the shock; a
        ``delta_log_cost`` shock is held fixed across draws (a warning says so).
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
        Worker processes and draws solved together per task.
    progress
        Show a progress bar (default: the session setting of :mod:`forecasting.progress`).

    Examples
    --------
    >>> from forecasting.gravity.ge.demo import simulate_ge_data
    >>> data, coefs = simulate_ge_data(n_countries=4, seed=1)
    >>> import numpy as np, pandas as pd
    >>> cov = pd.DataFrame(np.diag(coefs["std_error"] ** 2), index=coefs["term"], columns=coefs["term"])
    >>> mc = ge_monte_carlo(data, coefs, {"border": 0.0}, covariance=cov, draws=50, seed=1,
    ...                     reference_importer="AAA")
    >>> row = mc.tidy(95).query("country == 'BBB' and measure == 'real_gdp'").iloc[0]
    >>> bool(row.lower < row.change_pct < row.upper)
    True
    """
    levels = [float(level)] if np.isscalar(level) else [float(v) for v in level]  # type: ignore[arg-type, union-attr]
    if not all(0.0 < v < 100.0 for v in levels):
        raise SchemaError(f"level must be percentages between 0 and 100 (e.g. 95 or (80, 95)); got {level!r}")
    if int(draws) < 2 or int(chunk_size) < 1 or int(n_jobs) < 1:
        raise SchemaError(
            f"draws must be at least 2 and chunk_size, n_jobs at least 1; got {draws}, {chunk_size}, {n_jobs}"
        )
    point = counterfactual(
        data, coefficients, changes, sigma=sigma, reference_importer=reference_importer, kind=kind,
        tol=tol, max_iter=max_iter, scenario=scenario, value=value, pair_effect=pair_effect, baseline=baseline,
    )  # fmt: skip
    options = point.options
    problem = build_problem(
        data, coefficients, changes, value=value, reference_importer=reference_importer,
        pair_effect=pair_effect, baseline=baseline,
    )  # fmt: skip
    if isinstance(changes, pd.DataFrame) and DELTA_COLUMN in changes.columns:
        warnings.warn(
            f"'{DELTA_COLUMN}' is held fixed across draws; only the baseline trade costs vary."
            " Give the shock as new covariate values to propagate its uncertainty too",
            ForecastingWarning,
            stacklevel=2,
        )
    if coefficient_draws is None:
        kept = coefficients[coefficients["term"].isin(problem.terms)]
        draw_table = draw_coefficients(kept, draws=draws, seed=seed, covariance=covariance)
        source = "normal"
    else:
        absent = [c for c in ("draw", "term", "estimate") if c not in coefficient_draws.columns]
        if absent:
            raise SchemaError(
                f"coefficient_draws lack columns {describe_items(absent)} (need draw, term, estimate)"
            )
        draw_table = coefficient_draws.loc[:, ["draw", "term", "estimate"]]
        source = "supplied"
    wide = draw_table.pivot(index="draw", columns="term", values="estimate")
    missing = [t for t in problem.terms if t not in wide.columns]
    if missing:
        raise SchemaError(f"coefficient draws lack terms {describe_items(missing)}")
    betas = wide.loc[:, list(problem.terms)].to_numpy(dtype=float)
    # Start every draw's Newton iterations from the point solution.
    warm = solve_batch(problem, problem.estimate[None, :], options)
    chunks = [betas[start : start + chunk_size] for start in range(0, len(betas), chunk_size)]
    results: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    if n_jobs > 1 and len(chunks) > 1:
        with ProcessPoolExecutor(max_workers=n_jobs, initializer=_limit_threads) as pool:
            futures = [pool.submit(_solve_chunk, problem, chunk, options, warm) for chunk in chunks]
            results = [
                f.result() for f in track(futures, total=len(futures), desc="GE draws", enabled=progress)
            ]
    else:
        results = [
            _solve_chunk(problem, c, options, warm)
            for c in track(chunks, total=len(chunks), desc="GE draws", enabled=progress)
        ]
    country_values = np.concatenate([r[0] for r in results])
    bilateral_values = np.concatenate([r[1] for r in results])
    failed = np.concatenate([r[2] for r in results])
    failed_ids = wide.index[failed].tolist()
    if failed.all():
        raise EstimationError(
            f"no draw had an equilibrium ({len(failed)} tried); check the scenario and coefficients"
        )
    if failed.any():
        warnings.warn(
            f"{failed.sum()} of {len(failed)} draws had no equilibrium and are left out of the"
            f" intervals (draws {describe_items(failed_ids)}); see diagnostics['failed_draws']",
            ForecastingWarning,
            stacklevel=2,
        )
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
