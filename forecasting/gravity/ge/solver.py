"""``counterfactual``: the GE effects of a change in bilateral trade costs.

The procedure follows the GEPPML recipe of Yotov, Piermartini, Monteiro & Larch (2016,
ch. 2): (I) baseline trade costs and the exporter and importer effects that reproduce each
country's output and expenditure; (II) the counterfactual trade costs; (III.a) the
conditional equilibrium (new resistances, output and expenditure fixed); (III.b) the
full-endowment equilibrium (factory-gate prices, output and expenditure adjust). Because a
PPML with exporter and importer effects and an offset has an exact solution, no estimator
is needed here: the equations are solved directly (see :mod:`forecasting.gravity.ge.system`).

There is one entry point, :func:`counterfactual`, which takes the change in log trade costs
directly. :func:`counterfactual_from_coefficients` is the route from a gravity model's
coefficients and new covariate values; it computes the same two arrays (baseline log costs
and their change) and calls the same core, :func:`solve_costs`, which also serves the
batched Monte Carlo of :mod:`forecasting.gravity.ge.draws`.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from forecasting.errors import ConvergenceWarning, ScenarioError
from forecasting.gravity.ge.book import book_full_equilibrium
from forecasting.gravity.ge.coefficients import read_coefficient_problem
from forecasting.gravity.ge.equilibrium import (
    Equilibrium,
    broadcast,
    full_equilibrium,
    resistance_equilibrium,
)
from forecasting.gravity.ge.inputs import GEBase, read_problem
from forecasting.gravity.ge.options import GEOptions
from forecasting.gravity.ge.result import GEResult, bilateral_frame, country_frame, country_measures

logger = logging.getLogger(__name__)

__all__ = ["Solved", "counterfactual", "counterfactual_from_coefficients", "solve_costs"]

# Inner solves (resistances) go tighter than the outer tolerance so they never dominate it.
_INNER_TOL = 1e-11


@dataclass(frozen=True)
class Solved:
    """The three equilibria of one batch of problems, and the expenditure factor kappa."""

    baseline: Equilibrium
    conditional: Equilibrium | None
    full: Equilibrium | None
    kappa: np.ndarray

    @property
    def counterfactual(self) -> Equilibrium:
        """The equilibrium the options asked for: full-endowment, or conditional."""
        chosen = self.full if self.full is not None else self.conditional
        assert chosen is not None  # solve_costs always solves one of them
        return chosen


def solve_costs(
    base: GEBase,
    log_base: np.ndarray,
    log_new: np.ndarray,
    sigma: float | np.ndarray,
    options: GEOptions,
    warm: Solved | None = None,
    *,
    conditional: bool = True,
) -> Solved:
    """Solve a batch of GE problems on one base-year square.

    ``log_new`` is ``(D, N, N)``, the counterfactual log trade costs of ``D`` problems;
    ``log_base`` their baseline costs, ``(D, N, N)`` or ``(1, N, N)`` when all share one
    baseline (solved once then). ``sigma`` is one elasticity of substitution or one per
    problem. ``warm`` (the solution of a nearby problem) gives the Newton iterations their
    starting values, which saves most of them in Monte Carlo. ``conditional=False`` skips the
    conditional stage of a full-endowment solve (about half the work) when only the
    full-endowment outcomes are read.
    """
    # The matrices here are small (countries x countries): multi-threaded BLAS only adds
    # overhead, and on a busy machine its threads wait on each other (40x slower measured).
    with threadpool_limits(limits=1, user_api="blas"):
        return _solve_costs(base, log_base, log_new, sigma, options, warm, conditional)


def _solve_costs(
    base: GEBase,
    log_base: np.ndarray,
    log_new: np.ndarray,
    sigma: float | np.ndarray,
    options: GEOptions,
    warm: Solved | None,
    conditional: bool,
) -> Solved:
    start_base = start_cdl = start_price = None
    if warm is not None:
        start_base = np.log(warm.baseline.exporter_effect[:1])
        if warm.conditional is not None:
            start_cdl = np.log(warm.conditional.exporter_effect[:1])
        if warm.full is not None:
            start_price = np.log(warm.full.price[:1])
    draws, n = log_new.shape[0], len(base.countries)
    sigma = np.broadcast_to(np.asarray(sigma, dtype=float), (draws,))

    def totals(k: int) -> tuple[np.ndarray, np.ndarray]:
        output = np.broadcast_to(base.observed.sum(axis=1), (k, n)).copy()
        return output, np.broadcast_to(base.observed.sum(axis=0), (k, n)).copy()

    inner_tol = min(_INNER_TOL, options.tol)
    baseline = resistance_equilibrium(
        log_base, *totals(log_base.shape[0]), base.reference, tol=inner_tol, max_iter=100,
        initial_log_a=start_base, stage="baseline",
    )  # fmt: skip
    baseline = broadcast(baseline, draws)
    cdl = None
    if conditional or options.kind == "conditional" or options.stopping == "book":
        cdl = resistance_equilibrium(
            log_new, *totals(draws), base.reference, tol=inner_tol, max_iter=100,
            initial_log_a=start_cdl, stage="conditional",
        )  # fmt: skip
    if options.kind == "conditional":
        return Solved(baseline, cdl, None, np.ones(draws))
    if options.stopping == "book":
        full = book_full_equilibrium(
            log_new, baseline, cdl, float(sigma[0]), base.reference, max_iter=options.max_iter
        )
        kappa = np.full(draws, np.nan)
    else:
        full, kappa = full_equilibrium(
            log_new, baseline, sigma, base.reference, tol=options.tol, max_iter=options.max_iter,
            initial_log_price=start_price,
        )  # fmt: skip
    return Solved(baseline, cdl, full, kappa)


def _relative_gaps(eq: Equilibrium) -> tuple[float, float]:
    rows = np.abs(eq.flows.sum(axis=2) / eq.output - 1.0)
    cols = np.abs(eq.flows.sum(axis=1) / eq.expenditure - 1.0)
    return float(np.max(rows)), float(np.max(cols))


def solve_point(
    base: GEBase, log_base: np.ndarray, delta: np.ndarray, options: GEOptions, scenario: str
) -> GEResult:
    """One counterfactual (``(N, N)`` baseline log costs and their change) as a :class:`GEResult`."""
    solved = solve_costs(base, log_base[None], (log_base + delta)[None], options.sigma, options)
    new = solved.counterfactual
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
        "conditional_iterations": int(solved.conditional.info.iterations) if solved.conditional else 0,
        "countries": len(base.countries),
    }
    if options.stopping == "book" and options.kind == "full":
        warnings.warn(
            f"scenario '{scenario}': the book's stopping rule ended the GE loop after"
            f" {diagnostics['iterations']} rounds with budget constraints off by up to"
            f" {budget:.2%}; use stopping='tight' for the converged equilibrium",
            ConvergenceWarning,
            stacklevel=3,
        )
    logger.info("GE '%s' solved: %s", scenario, diagnostics)
    return GEResult(
        scenario=scenario,
        country=country_frame(measures, base.countries, scenario),
        bilateral=bilateral_frame(
            solved.baseline, new, solved.conditional if solved.full else None, base.countries, scenario
        ),
        diagnostics=diagnostics,
        options=options,
    )


def counterfactual(
    data: pd.DataFrame,
    delta_log_cost: pd.DataFrame | pd.Series,
    *,
    options: GEOptions | None = None,
    scenario: str = "counterfactual",
    value: str = "value_usd",
) -> GEResult:
    """General-equilibrium effects of a change in bilateral trade costs.

    The one entry point of the GE solver: the cost change is given directly, whatever produced
    it (a corridor scenario, a tariff cut, a coefficient route).

    Parameters
    ----------
    data
        Baseline cross-section: ``exporter``, ``importer`` and the trade value column
        (``value``) for a complete square of countries including each country's domestic
        flow; with ``options.baseline == "fitted"`` also ``log_cost``, the baseline log trade
        cost of each pair (e.g. the fitted :math:`\\beta' x_{ij}` of a gravity model).
    delta_log_cost
        The change in log trade cost :math:`\\Delta \\log t_{ij}^{1-\\sigma}` (the direct partial
        effect on log trade; positive is cheaper) per pair: a frame ``exporter, importer,
        delta_log_cost`` (what corridor scenarios produce; pairs not listed keep their costs)
        or a Series indexed by ``exporter, importer``.
    options
        How to solve (:class:`~forecasting.gravity.ge.options.GEOptions`): sigma, reference
        importer, full or conditional GE, stopping rule, tolerance, baseline.
    scenario
        Name written in the ``scenario`` column of the result tables.
    value
        Name of the trade-value column (``value_usd`` in GRAVITY_PANEL data).

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
    >>> data, _ = simulate_ge_data(n_countries=4, seed=1)
    >>> cheaper = pd.DataFrame({"exporter": ["AAA"], "importer": ["BBB"], "delta_log_cost": [0.5]})
    >>> result = counterfactual(data, cheaper, options=GEOptions(reference_importer="AAA", baseline="observed"))
    >>> bool(result.change("exports")["AAA"] > 0), result.diagnostics["converged"]
    (True, True)
    """
    options = options or GEOptions()
    base, log_base, draw_ids, delta = read_problem(data, delta_log_cost, options=options, value=value)
    if draw_ids is not None and len(draw_ids) > 1:
        raise ScenarioError(
            f"the cost changes hold {len(draw_ids)} draws; counterfactual solves one change:"
            " use counterfactual_draws for one solve per draw"
        )
    return solve_point(base, log_base, delta[0], options, scenario)


def counterfactual_from_coefficients(
    data: pd.DataFrame,
    coefficients: pd.DataFrame,
    changes: pd.DataFrame | Mapping[str, float],
    *,
    options: GEOptions | None = None,
    scenario: str = "counterfactual",
    value: str = "value_usd",
    pair_effect: str | None = None,
) -> GEResult:
    """GE effects of new covariate values, with trade costs from a gravity model's coefficients.

    The baseline log trade cost of each pair is :math:`\\beta' x_{ij}` (plus ``pair_effect``);
    the change is :math:`\\beta'(x'_{ij} - x_{ij})` plus any ``delta_log_cost`` column of
    ``changes``. Both go to the same core as :func:`counterfactual`.

    Parameters
    ----------
    data
        Baseline square with the value column and every covariate named in ``coefficients``.
    coefficients
        COEFFICIENTS-like table (``term``, ``estimate``), e.g. the ``.tidy()`` of a PPML fit.
        Constant terms are ignored (the country effects absorb them).
    changes
        A mapping ``{term: new value}`` applied to every pair, or a frame ``exporter,
        importer`` with new values of some terms (pairs not listed keep theirs) and/or a
        ``delta_log_cost`` column.
    options, scenario, value
        As for :func:`counterfactual`.
    pair_effect
        Optional column with a pair-specific log trade cost (e.g. estimated pair fixed
        effects) added to :math:`\\beta' x_{ij}`.

    Examples
    --------
    >>> from forecasting.gravity.ge.demo import simulate_ge_data
    >>> data, coefs = simulate_ge_data(n_countries=4, seed=1)
    >>> result = counterfactual_from_coefficients(
    ...     data, coefs, {"border": 0.0}, options=GEOptions(reference_importer="AAA"))
    >>> bool((result.change("exports") > 0).all()), result.diagnostics["converged"]
    (True, True)
    """
    options = options or GEOptions()
    base, costs = read_coefficient_problem(
        data, coefficients, changes, value=value, reference_importer=options.reference_importer,
        pair_effect=pair_effect,
    )  # fmt: skip
    fitted, delta = costs.log_costs(costs.estimate[None, :])
    log_base = fitted[0] if options.baseline == "fitted" else base.observed_log_cost()
    return solve_point(base, log_base, delta[0], options, scenario)
