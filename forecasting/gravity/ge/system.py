r"""The structural gravity system and its batched Newton solvers.

Notation follows Yotov, Piermartini, Monteiro & Larch (2016), *An Advanced Guide to
Trade Policy Analysis*, chapter 2. Countries are indexed :math:`i` (exporter) and
:math:`j` (importer); :math:`T_{ij} = t_{ij}^{1-\sigma} = \exp(\beta' x_{ij})` is the
bilateral trade-cost term the first-stage PPML identifies. :math:`\Pi_i` and :math:`P_j`
below denote the multilateral resistances raised to the power :math:`1-\sigma` (the
book's ``OMR`` and ``IMR``), with world output absorbed into them as in the book's code.

.. math::

   (1)\quad X_{ij} = \frac{Y_i\,E_j\,T_{ij}}{\Pi_i\,P_j}

   (2)\quad \Pi_i = \sum_j \frac{T_{ij}\,E_j}{P_j}

   (3)\quad P_j = \sum_i \frac{T_{ij}\,Y_i}{\Pi_i}, \qquad P_R = 1 \text{ (reference importer)}

   (4)\quad p_i^{1-\sigma} \propto \frac{Y_i}{\Pi_i} \quad\text{(factory-gate price; the exporter effect)}

   (5)\quad Y_i = p_i\,Q_i \qquad (6)\quad E_j = \kappa\,\varphi_j\,Y_j

Equations (2)-(3) say that the PPML exporter and importer effects
:math:`A_i = Y_i E_R/\Pi_i` and :math:`B_j = E_j/(P_j E_R)` reproduce the row and column
totals of trade exactly; :func:`solve_resistances` solves them for given :math:`Y, E`
(the *conditional* equilibrium) by bi-proportional sweeps finished with Newton steps. In the *full-endowment* equilibrium, endowments
:math:`Q_i` are fixed, so output moves with the factory-gate price (5); expenditure keeps
the baseline ratio :math:`\varphi_j = E_j/Y_j` (6). With trade imbalances, fixed
:math:`\varphi` would let world expenditure drift from world output, which (2)-(3) cannot
accommodate; the common factor :math:`\kappa = \sum_i Y_i / \sum_j \varphi_j Y_j` (exactly 1
when trade is balanced) keeps them equal. Substituting (4)-(6) into (1) and writing
:math:`a_i = a_i^0\,\hat p_i^{1-\sigma}` for the exporter term leaves one equation per
country in the price changes :math:`\hat p`:

.. math::

   (7)\quad \hat p_i\,Y^0_i = a_i \sum_j \frac{T'_{ij}\,E_j(\hat p)}{P_j(\hat p)}, \qquad
   P_j(\hat p) = \sum_k a_k\,T'_{kj}

which :func:`solve_full` solves by Newton's method in :math:`\log \hat p`, replacing the
reference country's (redundant, by Walras' law) market-clearing equation with
:math:`P_R = 1`. All functions work on a batch of ``D`` problems at once (arrays with a
leading draw axis), which is what makes Monte Carlo over thousands of coefficient draws
cheap.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np

logger = logging.getLogger(__name__)

__all__ = ["SolveInfo", "solve_full", "solve_resistances"]


@dataclass(frozen=True)
class SolveInfo:
    """How a batch of solves ended: iterations used and the worst residual per problem."""

    iterations: int
    residual: np.ndarray
    converged: np.ndarray


def _newton_step(jacobian: np.ndarray, residual: np.ndarray) -> np.ndarray:
    """Batched Newton direction; falls back to least squares for singular Jacobians."""
    try:
        return -np.linalg.solve(jacobian, residual[..., None])[..., 0]
    except np.linalg.LinAlgError:
        steps = np.empty_like(residual)
        for d in range(residual.shape[0]):
            steps[d] = -np.linalg.lstsq(jacobian[d], residual[d], rcond=None)[0]
        return steps


def _left(weights: np.ndarray, cost: np.ndarray) -> np.ndarray:
    """Batched ``sum_i w_i T_ij`` (matmul reaches BLAS; einsum here does not)."""
    return np.matmul(weights[:, None, :], cost)[:, 0, :]


def _right(cost: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Batched ``sum_j T_ij w_j``."""
    return np.matmul(cost, weights[:, :, None])[:, :, 0]


def _sweep(
    cost: np.ndarray,
    a: np.ndarray,
    output: np.ndarray,
    expenditure: np.ndarray,
    log_y: np.ndarray,
    tol: float,
    max_sweeps: int = 300,
    check_every: int = 10,
) -> tuple[np.ndarray, int]:
    sweeps = 0
    while sweeps < max_sweeps:
        for _ in range(check_every):
            b = expenditure / _left(a, cost)
            a = output / _right(cost, b)
        sweeps += check_every
        b = expenditure / _left(a, cost)
        gap = np.log(a * _right(cost, b)) - log_y
        if not np.all(np.isfinite(gap)) or np.max(np.abs(gap)) < tol:
            break
    return a, sweeps


def solve_resistances(
    log_cost: np.ndarray,
    output: np.ndarray,
    expenditure: np.ndarray,
    reference: int,
    *,
    tol: float = 1e-10,
    max_iter: int = 100,
    initial_log_a: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, SolveInfo]:
    """Exporter and importer effects that reproduce given trade totals, equations (2)-(3).

    Parameters
    ----------
    log_cost
        ``(D, N, N)`` log trade-cost terms :math:`\\log T_{ij}` (``-inf`` for pairs that
        cannot trade).
    output, expenditure
        ``(D, N)`` totals :math:`Y_i` and :math:`E_j`; each batch must have equal sums.
    reference
        Index of the reference importer, whose effect :math:`B_R` is normalised to 1.
    tol
        Largest tolerated absolute gap in log row totals.
    initial_log_a
        Starting values (e.g. the solution of a nearby problem); a simple guess if None.

    Returns
    -------
    log_a, log_b, info
        ``(D, N)`` arrays with :math:`X_{ij} = \\exp(\\log a_i + \\log b_j)\\,T_{ij}`.

    Examples
    --------
    >>> import numpy as np
    >>> cost = np.log(np.array([[[1.0, 0.2], [0.3, 1.0]]]))
    >>> a, b, info = solve_resistances(cost, np.array([[3.0, 2.0]]), np.array([[2.5, 2.5]]), 0)
    >>> flows = np.exp(a[0][:, None] + b[0][None, :] + cost[0])
    >>> np.allclose(flows.sum(axis=1), [3.0, 2.0]), float(np.exp(b[0, 0]))
    (True, 1.0)
    """
    # Work in levels with one exponentiation up front: matrix products are far cheaper than
    # repeated log-sum-exp passes, and dollar values stay well inside float64's range.
    cost = np.exp(log_cost)
    log_y = np.log(output)
    if initial_log_a is None:
        a = output / _right(cost, expenditure)
    else:
        a = np.exp(np.broadcast_to(initial_log_a, output.shape))
    batch = np.arange(cost.shape[0])
    # Bi-proportional sweeps (RAS) first: each costs two matrix-vector products and they
    # usually meet the tolerance within a few dozen sweeps; Newton finishes what is left.
    a, sweeps = _sweep(cost, a, output, expenditure, log_y, tol)
    residual = np.full(cost.shape[0], np.inf)
    iterations = 0
    for iterations in range(1, max_iter + 1):  # noqa: B007 - the count is reported
        # b_j from the column totals given a (explicit), then the row-total gap in log a.
        b = expenditure / _left(a, cost)
        flows = a[:, :, None] * cost * b[:, None, :]
        rows = flows.sum(axis=2)
        gap = np.log(rows) - log_y
        residual = np.max(np.abs(gap), axis=1)
        if np.all(residual < tol):
            break
        sales_share = flows / rows[:, :, None]
        import_share = flows / expenditure[:, None, :]
        jacobian = np.eye(gap.shape[1]) - sales_share @ np.swapaxes(import_share, 1, 2)
        # The system fixes a only up to a common factor; pin the reference's a instead of
        # its (redundant) row equation.
        jacobian[batch, reference, :] = 0.0
        jacobian[batch, reference, reference] = 1.0
        gap[:, reference] = 0.0
        a = a * np.exp(_newton_step(jacobian, gap))
    log_a = np.log(a)
    log_b = np.log(expenditure / _left(a, cost))
    shift = log_b[:, [reference]]
    converged = residual < tol
    return log_a + shift, log_b - shift, SolveInfo(sweeps + iterations, residual, converged)


def solve_full(
    log_cost: np.ndarray,
    log_a0: np.ndarray,
    output0: np.ndarray,
    phi: np.ndarray,
    sigma: float | np.ndarray,
    reference: int,
    *,
    tol: float = 1e-10,
    max_iter: int = 100,
    initial_log_price: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, SolveInfo]:
    """Full-endowment equilibrium price changes, equation (7), by damped Newton.

    Each Newton step is halved until the residual falls, problem by problem.

    Parameters
    ----------
    log_cost
        ``(D, N, N)`` counterfactual :math:`\\log T'_{ij}`.
    log_a0
        ``(D, N)`` baseline exporter terms :math:`\\log a^0_i` (with :math:`P^0_R = 1`).
    output0, phi
        ``(D, N)`` baseline output :math:`Y^0` and expenditure ratios :math:`\\varphi`.
    sigma
        Elasticity of substitution: one number, or ``(D,)`` (one per problem of the batch).
    reference
        Index of the reference importer (:math:`P_R = 1`).
    initial_log_price
        Starting values of :math:`\\log \\hat p` (zeros, the baseline, if None).

    Returns
    -------
    log_price, kappa, info
        ``(D, N)`` :math:`\\log \\hat p`, ``(D,)`` the expenditure scale factor
        :math:`\\kappa` of (6), and the solve record.

    Examples
    --------
    >>> import numpy as np
    >>> cost = np.log(np.array([[[1.0, 0.2], [0.2, 1.0]]]))
    >>> y0 = np.array([[1.0, 1.0]])
    >>> a0, _, _ = solve_resistances(cost, y0, y0, 0)
    >>> x, kappa, info = solve_full(cost, a0, y0, np.ones((1, 2)), 5.0, 0)
    >>> bool(np.allclose(x, 0.0)), bool(info.converged[0])
    (True, True)
    """
    n = output0.shape[1]
    batch = np.arange(log_cost.shape[0])
    eye = np.eye(n)
    # One elasticity per problem, shaped to broadcast over (D, N) and (D, N, N) arrays.
    sigma_row = np.broadcast_to(np.asarray(sigma, dtype=float), (log_cost.shape[0],))[:, None]
    sigma_cube = sigma_row[:, :, None]
    # Baseline price index of the reference importer equals its expenditure (B_R = 1).
    log_p_ref0 = np.log(phi[:, reference] * output0[:, reference])

    cost = np.exp(log_cost)

    def evaluate(log_price: np.ndarray) -> tuple[np.ndarray, ...]:
        output = output0 * np.exp(log_price)
        kappa = output.sum(axis=1) / (phi * output).sum(axis=1)
        expenditure = kappa[:, None] * phi * output
        a = np.exp(log_a0 + (1.0 - sigma_row) * log_price)
        price_index = _left(a, cost)
        flows = a[:, :, None] * cost * (expenditure / price_index)[:, None, :]
        sales = flows.sum(axis=2)
        gap = np.log(sales) - np.log(output)
        # Numeraire: the reference importer's price index keeps its baseline value.
        gap[:, reference] = np.log(price_index[:, reference]) - log_p_ref0
        return gap, flows, sales, output, expenditure, kappa

    if initial_log_price is None:
        log_price = np.zeros_like(output0)
    else:
        log_price = np.broadcast_to(initial_log_price, output0.shape).copy()
    gap, flows, sales, output, expenditure, kappa = evaluate(log_price)
    residual = np.max(np.abs(gap), axis=1)
    iterations = 0
    for iterations in range(1, max_iter + 1):  # noqa: B007 - the count is reported
        if np.all(residual < tol):
            break
        sales_share = flows / sales[:, :, None]
        import_share = flows / expenditure[:, None, :]
        total = output.sum(axis=1, keepdims=True)
        weighted = (phi * output).sum(axis=1, keepdims=True)
        d_log_kappa = output / total - phi * output / weighted
        jacobian = (
            -sigma_cube * eye
            + sales_share
            + d_log_kappa[:, None, :]
            + (sigma_cube - 1.0) * sales_share @ np.swapaxes(import_share, 1, 2)
        )
        jacobian[batch, reference, :] = (1.0 - sigma_row) * import_share[:, :, reference]
        step = _newton_step(jacobian, gap)
        # Halve the step until the residual falls, so a poor start cannot overshoot into
        # absurd prices.
        scale = np.ones(log_price.shape[0])
        for _ in range(30):
            trial = log_price + scale[:, None] * step
            t_gap, t_flow, t_sales, t_out, t_exp, t_kappa = evaluate(trial)
            t_residual = np.max(np.abs(t_gap), axis=1)
            worse = ~(t_residual < residual) & (residual >= tol)
            if not worse.any():
                break
            scale = np.where(worse, scale / 2.0, scale)
        logger.debug(
            "full GE Newton %d: residual %s, step scale %s", iterations, t_residual.max(), scale.min()
        )
        log_price, gap, flows, sales = trial, t_gap, t_flow, t_sales
        output, expenditure, kappa, residual = t_out, t_exp, t_kappa, t_residual
    converged = residual < tol
    return log_price, kappa, SolveInfo(iterations, residual, converged)
