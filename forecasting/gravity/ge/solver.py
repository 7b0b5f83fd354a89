"""``counterfactual``: the GE effects of a change in bilateral trade costs.

The procedure follows the GEPPML recipe of Yotov, Piermartini, Monteiro & Larch (2016,
ch. 2): (I) baseline trade costs from the estimated coefficients and the exporter and
importer effects that reproduce each country's output and expenditure; (II) the
counterfactual trade costs; (III.a) the conditional equilibrium (new resistances, output
and expenditure fixed); (III.b) the full-endowment equilibrium (factory-gate prices,
output and expenditure adjust). Because a PPML with exporter and importer effects and
an offset has an exact solution, no estimator is needed here: the equations are solved
directly (see :mod:`forecasting.gravity.ge.system`).
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from forecasting.errors import ConvergenceWarning
from forecasting.gravity.ge.book import book_full_equilibrium
from forecasting.gravity.ge.equilibrium import (
    Equilibrium,
    baseline_equilibrium,
    conditional_equilibrium,
    full_equilibrium,
)
from forecasting.gravity.ge.inputs import GEProblem, build_problem
from forecasting.gravity.ge.options import Baseline, GEKind, GEOptions, Stopping
from forecasting.gravity.ge.result import GEResult, bilateral_frame, country_frame, country_measures

logger = logging.getLogger(__name__)

__all__ = ["Solved", "counterfactual", "solve_batch"]

# Inner solves (resistances) go tighter than the outer tolerance so they never dominate it.
_INNER_TOL = 1e-11


@dataclass(frozen=True)
class Solved:
    """The three equilibria of one batch of problems, and the expenditure factor kappa."""

    baseline: Equilibrium
    conditional: Equilibrium
    full: Equilibrium | None
    kappa: np.ndarray


def solve_batch(
    problem: GEProblem, beta: np.ndarray, options: GEOptions, warm: Solved | None = None
) -> Solved:
    """Solve the GE problem for each row of ``beta`` (shape ``(D, K)``) at once.

    ``warm`` (the solution at nearby coefficients, e.g. the point estimates) gives the
    Newton iterations their starting values, which saves most of them in Monte Carlo.
    """
    # The matrices here are small (countries x countries): multi-threaded BLAS only adds
    # overhead, and on a busy machine its threads wait on each other (40x slower measured).
    with threadpool_limits(limits=1, user_api="blas"):
        return _solve_batch(problem, beta, options, warm)


def _solve_batch(problem: GEProblem, beta: np.ndarray, options: GEOptions, warm: Solved | None) -> Solved:
    start_base = start_cdl = start_price = None
    if warm is not None:
        start_base = np.log(warm.baseline.exporter_effect)
        start_cdl = np.log(warm.conditional.exporter_effect)
        if warm.full is not None:
            start_price = np.log(warm.full.price)
    log_base, log_new = problem.log_costs(beta)
    draws = log_base.shape[0]
    output = np.broadcast_to(problem.observed.sum(axis=1), (draws, len(problem.countries))).copy()
    expenditure = np.broadcast_to(problem.observed.sum(axis=0), (draws, len(problem.countries))).copy()
    inner_tol = min(_INNER_TOL, options.tol)
    base = baseline_equilibrium(
        log_base,
        output,
        expenditure,
        problem.reference,
        tol=inner_tol,
        max_iter=100,
        initial_log_a=start_base,
    )
    cdl = conditional_equilibrium(
        log_new, output, expenditure, problem.reference, tol=inner_tol, max_iter=100, initial_log_a=start_cdl
    )
    if options.kind == "conditional":
        return Solved(base, cdl, None, np.ones(draws))
    if options.stopping == "book":
        full = book_full_equilibrium(
            log_new, base, cdl, options.sigma, problem.reference, max_iter=options.max_iter
        )
        kappa = np.full(draws, np.nan)
    else:
        full, kappa = full_equilibrium(
            log_new, base, options.sigma, problem.reference, tol=options.tol, max_iter=options.max_iter,
            initial_log_price=start_price,
        )  # fmt: skip
    return Solved(base, cdl, full, kappa)


def _relative_gaps(eq: Equilibrium) -> tuple[float, float]:
    rows = np.abs(eq.flows.sum(axis=2) / eq.output - 1.0)
    cols = np.abs(eq.flows.sum(axis=1) / eq.expenditure - 1.0)
    return float(np.max(rows)), float(np.max(cols))


def counterfactual(
    data: pd.DataFrame,
    coefficients: pd.DataFrame,
    changes: pd.DataFrame | Mapping[str, float],
    *,
    sigma: float = 7.0,
    reference_importer: str = "DEU",
    kind: GEKind = "full",
    tol: float = 1e-8,
    stopping: Stopping = "tight",
    max_iter: int = 200,
    scenario: str = "counterfactual",
    value: str = "value_usd",
    pair_effect: str | None = None,
    baseline: Baseline = "fitted",
) -> GEResult:
    """General-equilibrium effects of a change in bilateral trade costs.

    Parameters
    ----------
    data
        Baseline cross-section: ``exporter``, ``importer``, the trade value column
        (``value``) and every covariate named in ``coefficients``, for a complete square
        of countries including each country's domestic flow.
    coefficients
        COEFFICIENTS-like table (``term``, ``estimate``), e.g. from the project's PPML or
        typed in by the user. Constant terms are ignored (the country effects absorb them).
    changes
        One of: a frame ``exporter, importer`` with new values of some coefficient terms
        (pairs not listed keep their values); a frame ``exporter, importer,
        delta_log_cost`` giving the change in :math:`\\beta' x_{ij}` directly (what corridor
        scenarios produce); or a mapping ``{term: new value}`` applied to every pair.
    sigma, reference_importer, kind, tol, stopping, max_iter, baseline
        See :class:`~forecasting.gravity.ge.options.GEOptions`.
    scenario
        Name written in the ``scenario`` column of the result tables.
    value
        Name of the trade-value column (``value_usd`` in GRAVITY_PANEL data).
    pair_effect
        Optional column with a pair-specific log trade cost (e.g. estimated pair fixed
        effects) added to :math:`\\beta' x_{ij}`.

    Returns
    -------
    GEResult
        ``.country`` (GE_COUNTRY), ``.bilateral`` (GE_BILATERAL) and ``.diagnostics``.

    Raises
    ------
    SchemaError, UnknownCodeError, ScenarioError
        Bad inputs, naming the pairs or codes at fault.
    ConvergenceError
        The equilibrium was not found to ``tol`` within ``max_iter`` iterations, or it
        has non-positive prices or resistances.

    Examples
    --------
    >>> from forecasting.gravity.ge.demo import simulate_ge_data
    >>> data, coefs = simulate_ge_data(n_countries=4, seed=1)
    >>> result = counterfactual(data, coefs, {"border": 0.0}, reference_importer="AAA")
    >>> bool((result.change("exports") > 0).all()), result.diagnostics["converged"]
    (True, True)
    """
    options = GEOptions(
        sigma=sigma,
        reference_importer=reference_importer,
        kind=kind,
        stopping=stopping,
        tol=tol,
        max_iter=max_iter,
        baseline=baseline,
    )
    problem = build_problem(
        data,
        coefficients,
        changes,
        value=value,
        reference_importer=options.reference_importer,
        pair_effect=pair_effect,
        baseline=options.baseline,
    )
    solved = solve_batch(problem, problem.estimate[None, :], options)
    new = solved.full if solved.full is not None else solved.conditional
    measures = country_measures(solved.baseline, solved.conditional, solved.full, options.sigma)
    clearing, budget = _relative_gaps(new)
    diagnostics = {
        "kind": options.kind,
        "stopping": options.stopping,
        "iterations": int(new.info.iterations),
        "residual": float(new.info.residual[0]),
        "converged": bool(new.info.converged[0]),
        "market_clearing_residual": clearing,
        "budget_residual": budget,
        "kappa": float(solved.kappa[0]),
        "conditional_iterations": int(solved.conditional.info.iterations),
        "countries": len(problem.countries),
    }
    if options.stopping == "book" and options.kind == "full":
        warnings.warn(
            f"scenario '{scenario}': the book's stopping rule ended the GE loop after"
            f" {diagnostics['iterations']} rounds with budget constraints off by up to"
            f" {budget:.2%}; use stopping='tight' for the converged equilibrium",
            ConvergenceWarning,
            stacklevel=2,
        )
    logger.info("GE '%s' solved: %s", scenario, diagnostics)
    return GEResult(
        scenario=scenario,
        country=country_frame(measures, problem.countries, scenario),
        bilateral=bilateral_frame(
            solved.baseline, new, solved.conditional if solved.full else None, problem.countries, scenario
        ),
        diagnostics=diagnostics,
        options=options,
    )
