"""Detect statistical separation in Poisson models before they are fitted.

A row with a zero outcome is *separated* when some combination ``z = X g + D a`` of the
regressors and fixed-effect dummies is zero on every positive row, non-negative on every
zero row and positive on that row (Correia, Guimarães & Zylkin 2021, "Verifying the
existence of maximum likelihood estimates for generalized linear models"). Its fitted mean
would have to be exactly zero, so some estimate runs off to infinity; dropping the row
leaves the other estimates unchanged and finite. Three checks, cheapest first:

``fe``
    A fixed-effect level with no positive outcome (``z`` is that level's dummy).
``simplex``
    A linear program on the regressors alone. It is solved only when the regressors are
    rank-deficient on the positive rows, which separation by regressors requires, so the
    usual full-rank case costs one small Gram matrix.
``ir``
    The iterative rectifier: least squares of ``u`` on regressors and fixed effects, with
    huge weights on the positive rows (so the fit is zero there), then ``u = max(fit, 0)``
    on the zero rows, until the fit is non-negative. It finds separation by any combination
    of regressors and fixed effects. Every certificate it returns is verified (projected
    back on the regressors and fixed effects) before a row is dropped.

Fixed-effect demeaning comes from :func:`forecasting.gravity._pyfixest.within`.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import numpy as np
from scipy.optimize import linprog

from forecasting.errors import ConvergenceError
from forecasting.gravity._pyfixest import within

logger = logging.getLogger(__name__)

IR_TOL = 1e-5  # ppmlhdfe's default: fitted values within 1e-5 of zero count as zero
IR_MAXITER = 1000
SIMPLEX_TOL = 1e-9
CERTIFICATE_TOL = 1e-6  # relative residual of a certificate projected on the design


def fe_check(positive: np.ndarray, codes: Sequence[np.ndarray]) -> np.ndarray:
    """Rows lying in a fixed-effect level whose outcome is never positive.

    Examples
    --------
    >>> import numpy as np
    >>> fe_check(np.array([False, False, True, False]), [np.array([0, 0, 1, 1])]).tolist()
    [True, True, False, False]
    """
    separated = np.zeros(len(positive), dtype=bool)
    for code in codes:
        has_positive = np.bincount(code, weights=positive.astype(float)) > 0
        separated |= ~has_positive[code]
    return separated


def _standardised(x: np.ndarray) -> np.ndarray:
    scale = np.max(np.abs(x), axis=0) if len(x) else np.ones(x.shape[1])
    return x / np.where(scale > 0, scale, 1.0)


def simplex_check(positive: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Zero rows separated by a combination of the regressors alone (linear programming).

    Looks for ``g`` with ``X g = 0`` on positive rows and ``X g >= 0`` on zero rows, maximising
    the sum over zero rows (capped at 1 each); found rows are set aside and the program is
    solved again, so every separated row is found.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.array([[1.0, 1.0], [1.0, 1.0], [1.0, 0.0], [1.0, 0.0], [1.0, 0.0]])
    >>> simplex_check(np.array([False, False, False, True, True]), x).tolist()
    [True, True, False, False, False]
    """
    separated = np.zeros(len(positive), dtype=bool)
    if x.shape[1] == 0 or positive.all() or not positive.any():
        return separated
    xs = _standardised(x)
    gram = xs[positive].T @ xs[positive]
    values, vectors = np.linalg.eigh(gram)
    null = vectors[:, values <= SIMPLEX_TOL * max(values.max(), 1.0)]
    if null.shape[1] == 0:
        return separated  # full rank on the positive rows: no regressor can separate
    remaining = np.flatnonzero(~positive)
    while len(remaining):
        a = xs[remaining] @ null
        a[np.abs(a) < SIMPLEX_TOL] = 0.0
        if not a.any():
            break
        bounds = [(None, None)] * null.shape[1]
        solved = linprog(
            -a.sum(axis=0),
            A_ub=np.vstack([-a, a]),
            b_ub=np.concatenate([np.zeros(len(remaining)), np.ones(len(remaining))]),
            bounds=bounds,
            method="highs",
        )
        if solved.status != 0:
            raise ConvergenceError(
                f"the simplex separation check stopped ({solved.message}); pass separation=('fe', 'ir') to skip it"
            )
        found = a @ solved.x > SIMPLEX_TOL
        if not found.any():
            break
        separated[remaining[found]] = True
        remaining = remaining[~found]
    return separated


class _Projector:
    """Weighted least squares on regressors and fixed effects, with the regressors demeaned once."""

    def __init__(self, x: np.ndarray, codes: np.ndarray | None, weights: np.ndarray, fixef_tol: float):
        self.codes, self.weights, self.fixef_tol = codes, weights, fixef_tol
        self.preconditioner = None
        self.x = self._demean(x) if x.shape[1] else x
        gram = (self.x * weights[:, None]).T @ self.x
        self.gram_inverse = np.linalg.pinv(gram) if x.shape[1] else np.zeros((0, 0))

    def _demean(self, values: np.ndarray) -> np.ndarray:
        if self.codes is None:
            return values
        demeaned, self.preconditioner = within(
            values,
            self.codes,
            self.weights,
            tol=self.fixef_tol,
            what="the separation check",
            preconditioner=self.preconditioner,
        )
        return demeaned

    def residual(self, u: np.ndarray) -> np.ndarray:
        """``u`` minus its weighted least-squares fit."""
        demeaned = self._demean(u[:, None])[:, 0]
        if not self.x.shape[1]:
            return demeaned
        beta = self.gram_inverse @ (self.x.T @ (self.weights * demeaned))
        return demeaned - self.x @ beta


def ir_check(
    positive: np.ndarray,
    x: np.ndarray,
    codes: np.ndarray | None,
    *,
    tol: float = IR_TOL,
    maxiter: int = IR_MAXITER,
) -> np.ndarray:
    """Zero rows separated by any combination of regressors and fixed effects (iterative rectifier).

    ``x`` holds the regressors (with the intercept column when there are no fixed effects),
    ``codes`` the fixed-effect level codes as an ``(n, m)`` integer array, or ``None``.

    Examples
    --------
    >>> import numpy as np
    >>> y = np.array([0.0, 1.0, 0.0, 0.0, 1.0])  # ppmlhdfe's primer: row 3 is separated
    >>> codes = np.array([[0, 0], [0, 0], [1, 0], [1, 1], [1, 1]])
    >>> np.flatnonzero(ir_check(y > 0, np.zeros((5, 0)), codes)).tolist()
    [2]
    """
    boundary = ~positive
    n_zero = int(boundary.sum())
    if n_zero == 0 or n_zero == len(positive):
        return np.zeros(len(positive), dtype=bool)
    # Method of weighting: a huge weight on positive rows forces the fit to zero there.
    weights = np.where(positive, n_zero / tol**2, 1.0)
    projector = _Projector(_standardised(x), codes, weights, fixef_tol=min(tol**2, 1e-10))
    u = boundary.astype(float)
    for _ in range(maxiter):
        resid = projector.residual(u)
        fit = u - resid
        fit[positive] = 0.0
        fit[boundary & (fit > -0.1 * tol) & (fit < tol)] = 0.0
        if (fit[boundary] >= 0).all():
            candidates = boundary & (fit > 0)
            if _certified(candidates, fit, x, codes):
                return candidates
        elif (resid[boundary] >= -tol).all():
            # No negative residual on the zero rows: by the normal equations no row with a
            # positive residual can carry a certificate, so the rest are the separated ones.
            candidates = boundary & (fit > 0) & (resid <= tol)
            if _certified(candidates, np.where(candidates, fit, 0.0), x, codes):
                return candidates
        u[boundary] = np.maximum(fit[boundary], 0.0)
    raise ConvergenceError(
        f"the iterative-rectifier separation check did not settle in {maxiter} iterations;"
        " pass separation=('fe', 'simplex', 'mu') to skip it, or simplify the fixed effects"
    )


def _certified(candidates: np.ndarray, fit: np.ndarray, x: np.ndarray, codes: np.ndarray | None) -> bool:
    """Whether ``fit`` (>= 0, zero off the candidates) is a combination of regressors and fixed effects."""
    if not candidates.any():
        return True
    z = np.where(candidates, np.maximum(fit, 0.0), 0.0)
    residual = _Projector(_standardised(x), codes, np.ones(len(z)), fixef_tol=1e-12).residual(z)
    ok = bool(np.linalg.norm(residual) <= CERTIFICATE_TOL * np.linalg.norm(z))
    if not ok:
        logger.debug("separation certificate rejected (relative residual %.2e)", np.linalg.norm(residual))
    return ok


def mu_check(outcome: np.ndarray, mu: np.ndarray, *, mu_tol: float = 1e-6) -> np.ndarray:
    """Zero rows whose fitted mean collapsed towards zero: separation the checks above missed.

    Means are compared in units of the mean outcome, so the rule does not depend on the
    currency unit; as in ppmlhdfe, the threshold is lowered when positive rows themselves
    have very small fitted means (skewed data), to avoid false alarms.

    Examples
    --------
    >>> import numpy as np
    >>> mu_check(np.array([0.0, 0.0, 2.0, 4.0]), np.array([1e-12, 0.5, 2.0, 4.0])).tolist()
    [True, False, False, False]
    """
    scale = float(np.mean(outcome)) if len(outcome) and np.mean(outcome) > 0 else 1.0
    with np.errstate(divide="ignore"):
        eta = np.log(np.maximum(mu, 0.0) / scale)
    positive = outcome > 0
    threshold = np.log(mu_tol)
    lowest_positive = float(eta[positive].min()) if positive.any() else 0.0
    if lowest_positive < -5:
        threshold += lowest_positive + 5
    return ~positive & (eta < threshold)
