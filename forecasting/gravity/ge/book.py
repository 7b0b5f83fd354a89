"""The iterative GEPPML loop of Yotov et al. (2016, ch. 2), kept for replication.

The book's Stata code (``TradeWithoutBorder.do``) finds the full-endowment equilibrium by
re-estimating a PPML with exporter and importer effects and the counterfactual trade
costs as an offset, each round feeding the previous round's changes in factory-gate
prices and multilateral resistances into the trade flows. That PPML has an exact
solution (its fitted flows keep the row and column totals of the dependent variable),
so each round here calls :func:`~forecasting.gravity.ge.system.solve_resistances`
instead of an estimator; the sequence of rounds, the normalisation on the reference
importer and the final assembly of the results follow the book line by line.

The book stops when, over all country pairs, both the standard deviation and the
absolute value of the *largest* (signed) round-to-round difference in the price changes
fall to 0.01 or below; the difference checked lags one round behind the newest one. That
rule (``stopping="book"``) stops after five rounds on the book's application, leaving
results a few tenths of a percentage point away from the converged equilibrium, which
``stopping="tight"`` (the default, solved directly by Newton's method) reaches.
"""

from __future__ import annotations

import logging
from typing import Literal

import numpy as np

from forecasting.errors import ConvergenceError
from forecasting.gravity.ge.equilibrium import Equilibrium
from forecasting.gravity.ge.system import SolveInfo, solve_resistances

logger = logging.getLogger(__name__)

__all__ = ["BOOK_THRESHOLD", "book_full_equilibrium"]

#: The book's stopping threshold on the standard deviation and maximum of price changes.
BOOK_THRESHOLD = 0.01


def _book_rule_met(difference: np.ndarray, threshold: float) -> tuple[bool, float]:
    # Stata's ``summarize`` over all pairs: each exporter's value repeats once per importer,
    # so the statistics are over the N*N rows, with the n-1 standard deviation.
    n = difference.size
    pair_values = np.repeat(difference, n)
    spread = float(np.std(pair_values, ddof=1))
    largest = abs(float(np.max(pair_values)))
    return (spread <= threshold) and (largest <= threshold), max(spread, largest)


def book_full_equilibrium(
    log_cost: np.ndarray,
    baseline: Equilibrium,
    conditional: Equilibrium,
    sigma: float,
    reference: int,
    *,
    rule: Literal["book", "tight"] = "book",
    tol: float = 1e-8,
    max_iter: int = 500,
) -> Equilibrium:
    """Run the book's loop for one problem (arrays with a leading axis of length 1).

    ``rule="book"`` applies the book's stopping rule; ``rule="tight"`` keeps iterating the
    same loop until the largest absolute change in the price changes is below ``tol``.

    Examples
    --------
    >>> import numpy as np
    >>> from forecasting.gravity.ge.equilibrium import resistance_equilibrium
    >>> cost = np.log(np.array([[[1.0, 0.1], [0.1, 1.0]]]))
    >>> y = np.array([[2.0, 1.0]])
    >>> base = resistance_equilibrium(cost, y, y, 0, tol=1e-12, max_iter=50)
    >>> new = cost + np.log(np.array([[[1.0, 2.0], [2.0, 1.0]]]))
    >>> cdl = resistance_equilibrium(new, y, y, 0, tol=1e-12, max_iter=50, stage="conditional")
    >>> full = book_full_equilibrium(new, base, cdl, 7.0, 0)
    >>> bool(full.price[0, 1] > full.price[0, 0]), full.info.iterations > 1
    (True, True)
    """
    cost = np.exp(log_cost[0])
    phi = baseline.expenditure[0] / baseline.output[0]
    power = 1.0 / (1.0 - sigma)
    # Round 0 is the baseline, round 1 the conditional equilibrium (book: s = 0, 1).
    a_prev, a_now = baseline.exporter_effect[0], conditional.exporter_effect[0]
    e_ref_now = baseline.expenditure[0, reference]
    fitted = conditional.flows[0]
    price_change_older = np.zeros_like(a_now)  # the book's change_pricei_0 = 0
    price_change_prev = (a_now / a_prev) ** power
    change_omr = np.ones_like(a_now)
    change_imr = np.ones_like(a_now)
    omr_prev = conditional.output[0] * e_ref_now / a_now
    imr_prev = conditional.imr_power[0]
    rounds = 0
    gap = np.inf
    while True:
        rounds += 1
        if rounds > max_iter:
            raise ConvergenceError(
                f"the book's GEPPML loop did not meet its stopping rule in {max_iter} rounds"
                f" (last gap {gap:.3g}); raise max_iter or use stopping='tight'"
            )
        trade = (
            fitted
            * (price_change_prev[:, None] * price_change_prev[None, :])
            / (change_omr[:, None] * change_imr[None, :])
        )
        rows, cols = trade.sum(axis=1), trade.sum(axis=0)
        log_a, log_b, _ = solve_resistances(
            log_cost, rows[None], cols[None], reference, tol=1e-12, max_iter=100
        )
        a_new, b_new = np.exp(log_a[0]), np.exp(log_b[0])
        fitted = a_new[:, None] * b_new[None, :] * cost
        output = fitted.sum(axis=1)
        expenditure = phi * output
        e_ref_new = expenditure[reference]
        price_change_new = ((a_new / a_now) / (e_ref_new / e_ref_now)) ** power
        omr_new = output * e_ref_new / a_new
        imr_new = expenditure / (b_new * e_ref_new)
        change_omr, change_imr = omr_new / omr_prev, imr_new / imr_prev
        if rule == "book":
            met, gap = _book_rule_met(price_change_prev - price_change_older, BOOK_THRESHOLD)
        else:
            gap = float(np.max(np.abs(price_change_new - price_change_prev)))
            met = gap < tol
        logger.debug("book loop round %d: gap %.3g", rounds, gap)
        price_change_older, price_change_prev = price_change_prev, price_change_new
        a_now, e_ref_now, omr_prev, imr_prev = a_new, e_ref_new, omr_new, imr_new
        last_expenditure, last_b = expenditure, b_new
        if met:
            break
    # Final assembly exactly as the book's step III.b (iv).
    base_a, base_e_ref = baseline.exporter_effect[0], baseline.expenditure[0, reference]
    price = ((a_now / base_a) / (e_ref_now / base_e_ref)) ** power
    output_full = price * baseline.output[0]
    expenditure_full = phi * output_full
    omr_full = output_full * e_ref_now / a_now
    imr_full = last_expenditure / (last_b * e_ref_now)
    flows = output_full[:, None] * expenditure_full[None, :] * cost / (omr_full[:, None] * imr_full[None, :])
    info = SolveInfo(rounds, np.array([gap]), np.array([True]))
    return Equilibrium(
        flows=flows[None],
        output=output_full[None],
        expenditure=expenditure_full[None],
        price=price[None],
        omr_power=omr_full[None],
        imr_power=imr_full[None],
        exporter_effect=a_now[None],
        info=info,
    )
