"""Final checks on a fit before it is returned: a converged result never carries garbage.

Separation that escaped the checks before the fit, or a model that is not identified,
shows up afterwards as estimates or standard errors that are not finite or are absurdly
large, or as fitted means that collapse to zero on rows with positive flows. Each raises
an :class:`~forecasting.errors.EstimationError` naming the terms or rows and what to try.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from forecasting.errors import ConvergenceError, EstimationError, describe_items

# A coefficient (or standard error) times its regressor's range above this moves the
# fitted mean by more than exp(30) ~ 1e13 across the sample: no trade elasticity does that.
EXPLODING_SPAN = 30.0
# A positive flow whose fitted mean is below exp(-25) ~ 1e-11 times the flow has been fitted
# as if it were zero: the iterations ran off, typically through undetected separation.
COLLAPSED_LOG_RATIO = -25.0


def check_estimates(coef: pd.Series, se: pd.Series, regressors: np.ndarray, names: list[str]) -> None:
    """Raise when an estimate or standard error is not finite or explodes relative to its regressor."""
    bad = [t for t in coef.index if not (np.isfinite(coef[t]) and np.isfinite(se[t]) and se[t] >= 0)]
    if bad:
        raise EstimationError(
            f"the estimates or standard errors of {describe_items(bad)} are not finite; the model is not"
            " identified on this sample: look for regressors that are constant within the fixed effects"
            " or that predict zero flows exactly, and drop or rescale them"
        )
    position = {name: i for i, name in enumerate(names)}
    exploding = []
    for term in coef.index:
        column = regressors[:, position[term]] if term in position else np.zeros(0)
        span = float(np.ptp(column)) if len(column) else 0.0
        if span > 0 and max(abs(coef[term]), se[term]) * span > EXPLODING_SPAN:
            exploding.append(f"{term} = {coef[term]:.4g} (s.e. {se[term]:.3g}, regressor range {span:.3g})")
    if exploding:
        raise EstimationError(
            f"estimates explode: {'; '.join(exploding[:5])}; such values mean the term predicts some flows"
            " to be exactly zero (separation the checks did not catch) or is nearly collinear with the"
            " fixed effects: inspect the rows where it takes extreme values, or drop the term"
        )


def check_positive_fit(outcome: np.ndarray, mu: np.ndarray, labels: pd.Index) -> None:
    """Raise when fitted means collapse to zero on rows whose flow is positive."""
    positive = outcome > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        log_ratio = np.log(mu) - np.log(np.where(positive, outcome, 1.0))
    collapsed = positive & ~(log_ratio >= COLLAPSED_LOG_RATIO)
    if collapsed.any():
        raise ConvergenceError(
            f"fitted means collapse to zero on {int(collapsed.sum())} rows with positive flows (rows"
            f" {describe_items(labels[collapsed].tolist())}); the iterations diverged: rescale large"
            " regressors, tighten tol, or check the fixed effects of those rows"
        )
