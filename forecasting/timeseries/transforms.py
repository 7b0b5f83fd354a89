"""Log and Box-Cox transforms with an honest way back.

Trade values are positive and right-skewed, so models often fit better on a log or
Box-Cox scale. Coming back needs care:

* quantiles (interval bounds) map back exactly, because the transforms are monotone;
* the mean does not: the back-transformed mean of the transformed forecast is the
  *median* of the forecast distribution. We return the bias-adjusted mean instead. For
  ``log`` it is the exact log-normal mean ``exp(mu + sigma**2 / 2)``; for Box-Cox it is
  the second-order (delta-method) adjustment used by R's ``forecast``/``fable``:
  ``inv(mu) * (1 + sigma**2 * (1 - lam) / (2 * (lam * mu + 1) ** 2))``.
  ``sigma`` is the forecast standard deviation on the transformed scale, read off the
  widest model interval assuming normal errors there.

Zeros and negative values cannot be logged. Rather than add an arbitrary offset (which
changes the model and makes the mean depend on the unit), both transforms refuse such
series with an error naming them; use ``transform="none"`` or an intermittent model
(``CrostonClassic``, ``TSB``, ``ADIDA``) for series with zeros.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
import pandas as pd
from scipy import stats

from forecasting.errors import SchemaError, describe_items

TransformName = Literal["none", "log", "boxcox"]
TRANSFORMS = ("none", "log", "boxcox")
# Box-Cox lambdas are kept in a range where the back-transform stays well behaved.
LAMBDA_RANGE = (-1.0, 2.0)


def check_transform(transform: str) -> None:
    if transform not in TRANSFORMS:
        raise SchemaError(f"transform={transform!r} is not valid; use one of {', '.join(TRANSFORMS)}")


def forward(
    data: pd.DataFrame, transform: TransformName, labels: dict[str, str]
) -> tuple[pd.DataFrame, dict[str, float]]:
    """Transform ``y`` of a ``unique_id, ds, y`` frame; return it with each series' lambda.

    The lambda is 0 for ``log`` and estimated by maximum likelihood per series for
    ``boxcox``.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"unique_id": ["a", "a"], "ds": [0, 1], "y": [1.0, 100.0]})
    >>> out, lam = forward(df, "log", {"a": "a"})
    >>> out["y"].round(3).tolist(), lam
    ([0.0, 4.605], {'a': 0.0})
    """
    check_transform(transform)
    if transform == "none":
        return data, {}
    nonpositive = data.loc[data["y"] <= 0, "unique_id"].unique().tolist()
    if nonpositive:
        raise SchemaError(
            f"transform={transform!r} needs positive values, but {len(nonpositive)} series have zeros or"
            f" negative values: {describe_items([labels[u] for u in nonpositive])}. Use transform='none'"
            " for these series, or an intermittent model (CrostonClassic, TSB, ADIDA) when zeros are real"
        )
    out = data.copy()
    lambdas: dict[str, float] = {}
    for uid, idx in out.groupby("unique_id", sort=False).groups.items():
        values = out.loc[idx, "y"].to_numpy()
        lam = 0.0 if transform == "log" else _boxcox_lambda(values)
        lambdas[uid] = lam
        out.loc[idx, "y"] = box_cox(values, lam)
    return out, lambdas


def _boxcox_lambda(values: np.ndarray) -> float:
    if len(values) < 3 or np.ptp(values) == 0:
        return 0.0
    lam = float(stats.boxcox_normmax(values, method="mle", brack=(-0.5, 1.5)))
    return float(np.clip(lam, *LAMBDA_RANGE))


def box_cox(values: np.ndarray, lam: float) -> np.ndarray:
    """Box-Cox transform; ``lam == 0`` is the natural log."""
    values = np.asarray(values, dtype=float)
    if lam == 0:
        return np.log(values)
    return (np.power(values, lam) - 1.0) / lam


def inverse_box_cox(values: np.ndarray, lam: float) -> np.ndarray:
    """Inverse Box-Cox; values outside the transform's range map to 0 (the lower bound of trade)."""
    values = np.asarray(values, dtype=float)
    if lam == 0:
        return np.exp(values)
    base = lam * values + 1.0
    with np.errstate(invalid="ignore", divide="ignore"):
        out = np.power(np.where(base > 0, base, np.nan), 1.0 / lam)
    return np.where(base > 0, out, 0.0)


def bias_adjusted_mean(mu: np.ndarray, sigma: np.ndarray, lam: float) -> np.ndarray:
    """Mean of the back-transformed forecast distribution (see the module notes).

    Examples
    --------
    >>> float(bias_adjusted_mean(np.array([0.0]), np.array([1.0]), 0.0)[0]) == float(np.exp(0.5))
    True
    """
    mu = np.asarray(mu, dtype=float)
    sigma = np.nan_to_num(np.asarray(sigma, dtype=float), nan=0.0)
    if lam == 0:
        return np.exp(mu + sigma**2 / 2.0)
    base = lam * mu + 1.0
    with np.errstate(invalid="ignore", divide="ignore"):
        factor = 1.0 + sigma**2 * (1.0 - lam) / (2.0 * base**2)
    return inverse_box_cox(mu, lam) * np.where(base > 0, factor, 1.0)


def sigma_from_interval(lower: np.ndarray, upper: np.ndarray, level: float) -> np.ndarray:
    """Standard deviation implied by a central normal interval at ``level`` percent."""
    z = stats.norm.ppf(0.5 + level / 200.0)
    return (np.asarray(upper, dtype=float) - np.asarray(lower, dtype=float)) / (2.0 * z)


def backward(
    frame: pd.DataFrame, transform: TransformName, lambdas: dict[str, float], levels: Sequence[int]
) -> pd.DataFrame:
    """Back-transform a wide forecast frame (``mean``, ``lower_L``, ``upper_L`` per level).

    Bounds map back exactly; ``mean`` becomes the bias-adjusted mean, using the widest
    level's interval to measure the spread on the transformed scale.
    """
    if transform == "none":
        return frame
    out = frame.copy()
    widest = max(levels) if levels else None
    for uid, idx in out.groupby("unique_id", sort=False).groups.items():
        lam = lambdas[uid]
        mu = out.loc[idx, "mean"].to_numpy()
        if widest is None:
            sigma = np.zeros_like(mu)
        else:
            sigma = sigma_from_interval(
                out.loc[idx, f"lower_{widest}"], out.loc[idx, f"upper_{widest}"], widest
            )
        out.loc[idx, "mean"] = bias_adjusted_mean(mu, sigma, lam)
        for level in levels:
            for side in ("lower", "upper"):
                column = f"{side}_{level}"
                out.loc[idx, column] = inverse_box_cox(out.loc[idx, column].to_numpy(), lam)
    return out
