"""Log-linear OLS gravity, with the same interface as :func:`~forecasting.gravity.ppml`, for comparison tables.

(The module is not called ``ols`` so that it never hides the function of that name.)
"""

from __future__ import annotations

import pandas as pd

from forecasting.gravity._estimate import ClusterSpec, estimate
from forecasting.gravity._pyfixest import Demeaner, FitSettings, SmallSample
from forecasting.gravity.formula import FEPreset, PairKind
from forecasting.gravity.results import OLSResult


def ols(
    data: pd.DataFrame,
    formula: str,
    *,
    fe: FEPreset | None = None,
    pairs: PairKind = "directional",
    cluster: ClusterSpec = None,
    vcov: str | dict[str, str] | None = None,
    small_sample: SmallSample = "stata",
    fixef_tol: float = 1e-8,
    demeaner: Demeaner = "rust",
    weights: str | None = None,
) -> OLSResult:
    """Estimate ``log(outcome) ~ regressors | fixed effects`` by OLS (pyfixest's ``feols``).

    Write the formula with the trade *level* as outcome, exactly as for :func:`ppml`; the log
    is taken here. Zero flows cannot enter a log-linear model: they are listed in
    ``result.dropped`` with reason ``"zero_outcome"`` (this sample selection is one reason
    Santos Silva & Tenreyro 2006 prefer PPML). Options mean the same as in :func:`ppml`;
    ``small_sample="stata"`` uses pyfixest's default, which follows reghdfe.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from forecasting.gravity import ols
    >>> rng = np.random.default_rng(2)
    >>> df = pd.DataFrame({"ln_dist": rng.normal(8, 1, 300), "exporter": rng.choice(list("ABCDEF"), 300)})
    >>> df["trade"] = np.exp(5 - 0.9 * df["ln_dist"] + rng.normal(0, 0.1, 300))
    >>> df.loc[:4, "trade"] = 0.0
    >>> res = ols(df, "trade ~ ln_dist | exporter")
    >>> round(float(res.coef["ln_dist"]), 1), int((res.dropped["reason"] == "zero_outcome").sum())
    (-0.9, 5)
    """
    settings = FitSettings("feols", small_sample, fixef_tol=fixef_tol, demeaner=demeaner, weights=weights)
    result = estimate(
        data, formula, settings, result_type=OLSResult, fe=fe, pairs=pairs, cluster=cluster, vcov=vcov
    )
    assert isinstance(result, OLSResult)
    return result
