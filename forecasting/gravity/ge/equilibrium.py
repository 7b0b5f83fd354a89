"""Baseline, conditional and full-endowment equilibria as arrays, for a batch of problems.

This module turns the solutions of :mod:`forecasting.gravity.ge.system` into the
quantities economists read — flows, output, expenditure, factory-gate prices and the
multilateral resistances in the book's normalisation — so that the default solver, the
book's replication loop (:mod:`forecasting.gravity.ge.book`) and Monte Carlo all
produce the same :class:`Equilibrium` value.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from forecasting.errors import ConvergenceError
from forecasting.gravity.ge.system import SolveInfo, solve_full, solve_resistances

__all__ = ["Equilibrium", "broadcast", "full_equilibrium", "resistance_equilibrium"]


@dataclass(frozen=True)
class Equilibrium:
    """One equilibrium for a batch of ``D`` problems over ``N`` countries.

    ``omr_power`` and ``imr_power`` are the book's ``OMR`` and ``IMR`` (resistances to the
    power ``1 - sigma``, the reference importer's inward resistance fixed at 1).
    """

    flows: np.ndarray
    output: np.ndarray
    expenditure: np.ndarray
    price: np.ndarray
    omr_power: np.ndarray
    imr_power: np.ndarray
    exporter_effect: np.ndarray
    info: SolveInfo


def _check(info: SolveInfo, what: str, max_iter: int, tol: float) -> None:
    if not np.all(info.converged):
        failed = np.flatnonzero(~info.converged)
        raise ConvergenceError(
            f"the {what} did not converge in {info.iterations} iterations: worst residual"
            f" {float(np.nanmax(info.residual)):.3g} > tol {tol:g} in {failed.size} of"
            f" {info.converged.size} problem(s). Raise max_iter (now {max_iter}), check that"
            " every country has positive output and expenditure, and that the trade-cost"
            " change is plausible (a shift of many log points can make prices explode)."
        )


def _from_effects(
    log_cost: np.ndarray,
    log_a: np.ndarray,
    log_b: np.ndarray,
    output: np.ndarray,
    expenditure: np.ndarray,
    reference: int,
    info: SolveInfo,
) -> Equilibrium:
    flows = np.exp(log_a[:, :, None] + log_b[:, None, :] + log_cost)
    e_ref = expenditure[:, [reference]]
    exporter_effect = np.exp(log_a)
    return Equilibrium(
        flows=flows,
        output=output,
        expenditure=expenditure,
        price=np.ones_like(output),
        omr_power=output * e_ref / exporter_effect,
        imr_power=expenditure / (np.exp(log_b) * e_ref),
        exporter_effect=exporter_effect,
        info=info,
    )


def resistance_equilibrium(
    log_cost: np.ndarray,
    output: np.ndarray,
    expenditure: np.ndarray,
    reference: int,
    *,
    tol: float,
    max_iter: int,
    initial_log_a: np.ndarray | None = None,
    stage: str = "baseline",
) -> Equilibrium:
    """Equilibrium with output and expenditure held fixed: only the resistances adjust.

    With the baseline trade costs this is the fitted baseline (the PPML exporter and importer
    effects); with the counterfactual costs it is the conditional GE. ``stage`` names it in
    the error raised when the system does not converge.

    Examples
    --------
    >>> import numpy as np
    >>> cost = np.log(np.array([[[1.0, 0.1], [0.1, 1.0]]]))
    >>> eq = resistance_equilibrium(cost, np.array([[2.0, 1.0]]), np.array([[1.5, 1.5]]), 0,
    ...                             tol=1e-10, max_iter=50)
    >>> np.round(eq.flows.sum(axis=2), 6).tolist(), float(eq.imr_power[0, 0])
    ([[2.0, 1.0]], 1.0)
    """
    log_a, log_b, info = solve_resistances(
        log_cost, output, expenditure, reference, tol=tol, max_iter=max_iter, initial_log_a=initial_log_a
    )
    _check(info, f"{stage} multilateral-resistance system", max_iter, tol)
    return _from_effects(log_cost, log_a, log_b, output, expenditure, reference, info)


def broadcast(eq: Equilibrium, draws: int) -> Equilibrium:
    """The same equilibrium repeated for ``draws`` problems (read-only views, no copies)."""
    if eq.output.shape[0] == draws:
        return eq

    def spread(a: np.ndarray) -> np.ndarray:
        return np.broadcast_to(a, (draws, *a.shape[1:]))

    info = SolveInfo(
        eq.info.iterations, spread(np.asarray(eq.info.residual)), spread(np.asarray(eq.info.converged))
    )
    return Equilibrium(
        flows=spread(eq.flows),
        output=spread(eq.output),
        expenditure=spread(eq.expenditure),
        price=spread(eq.price),
        omr_power=spread(eq.omr_power),
        imr_power=spread(eq.imr_power),
        exporter_effect=spread(eq.exporter_effect),
        info=info,
    )


def full_equilibrium(
    log_cost: np.ndarray,
    baseline: Equilibrium,
    sigma: float | np.ndarray,
    reference: int,
    *,
    tol: float,
    max_iter: int,
    initial_log_price: np.ndarray | None = None,
) -> tuple[Equilibrium, np.ndarray]:
    """Full-endowment GE: prices, output and expenditure adjust (equations (4)-(7)).

    ``sigma`` is one number or one per problem. Returns the equilibrium and the expenditure
    scale factor ``kappa`` per problem.
    """
    phi = baseline.expenditure / baseline.output
    log_a0 = np.log(baseline.exporter_effect)
    log_price, kappa, info = solve_full(
        log_cost, log_a0, baseline.output, phi, sigma, reference, tol=tol, max_iter=max_iter,
        initial_log_price=initial_log_price,
    )  # fmt: skip
    _check(info, "full-endowment equilibrium", max_iter, tol)
    price = np.exp(log_price)
    output = baseline.output * price
    expenditure = kappa[:, None] * phi * output
    sigma_row = np.broadcast_to(np.asarray(sigma, dtype=float), (log_cost.shape[0],))[:, None]
    exporter_effect = np.exp(log_a0 + (1.0 - sigma_row) * log_price)
    price_index = np.einsum("di,dij->dj", exporter_effect, np.exp(log_cost))
    flows = exporter_effect[:, :, None] * np.exp(log_cost) * (expenditure / price_index)[:, None, :]
    e_ref0 = baseline.expenditure[:, [reference]]
    equilibrium = Equilibrium(
        flows=flows,
        output=output,
        expenditure=expenditure,
        price=price,
        omr_power=output * e_ref0 / exporter_effect,
        imr_power=price_index / e_ref0,
        exporter_effect=exporter_effect,
        info=info,
    )
    _check_sane(equilibrium)
    return equilibrium, kappa


def _check_sane(eq: Equilibrium) -> None:
    """Positivity and finiteness of everything a user will read (never a wrong answer)."""
    for name in ("price", "output", "expenditure", "omr_power", "imr_power"):
        values = getattr(eq, name)
        if not np.all(np.isfinite(values) & (values > 0)):
            raise ConvergenceError(
                f"the full-endowment solution has non-positive or non-finite {name}; the"
                " scenario moves trade costs too far for this model to give meaningful prices"
            )
    if not np.all(np.isfinite(eq.flows) & (eq.flows >= 0)):
        raise ConvergenceError("the full-endowment solution has negative or non-finite flows")
