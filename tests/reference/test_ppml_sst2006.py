"""Santos Silva & Tenreyro (2006), "The Log of Gravity", REStat 88(4), Table 3.

Data: ``sst2006_log_of_gravity/Log of Gravity.dta`` (the authors' replication archive; see
PROVENANCE.md section 2): the 1990 cross-section, 136 x 135 ordered pairs, zeros kept.

Reference numbers: the replicated PPML column on all 18,360 observations as given in
``pachadotdev/log-of-gravity`` ``replication.tex`` (quoted in PROVENANCE.md section 2), which
agree with the paper's Table 3 to its printed precision (the paper prints 0.733 for
lypex). Also from there: PPML on the 9,613 positive flows, ldist -0.776; OLS on
log(trade), ldist -1.166.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyfixest as pf
import pytest
import statsmodels.api as sm

from forecasting.gravity import ols, ppml
from tests.conftest import shared_file

pytestmark = pytest.mark.reference

PRINTED_3DP = 0.0005 + 1e-9  # published to three decimals
SAME_ALGORITHM = 1e-7  # IRLS (pyfixest) vs IRLS (statsmodels), both to tol 1e-8 or tighter
SE_RELATIVE = 1e-5  # standard errors of those two fits, whose stopping points differ slightly

REGRESSORS = (
    "lypex + lypim + lyex + lyim + ldist + border + comlang + colony + landl_ex + landl_im"
    " + lremot_ex + lremot_im + comfrt_wto + open_wto"
)
PUBLISHED = {
    "lypex": 0.732,
    "lypim": 0.741,
    "lyex": 0.157,
    "lyim": 0.135,
    "ldist": -0.784,
    "border": 0.193,
    "comlang": 0.746,
    "colony": 0.025,
    "landl_ex": -0.863,
    "landl_im": -0.696,
    "lremot_ex": 0.660,
    "lremot_im": 0.562,
    "comfrt_wto": 0.181,
    "open_wto": -0.107,
    "Intercept": -32.326,
}


@pytest.fixture(scope="module")
def sst() -> pd.DataFrame:
    return pd.read_stata(shared_file("sst2006_log_of_gravity/Log of Gravity.dta"))


def test_ppml_all_observations_matches_table_3(sst: pd.DataFrame) -> None:
    res = ppml(sst, f"trade ~ {REGRESSORS}")
    assert res.nobs == 18_360
    assert res.converged
    for term, value in PUBLISHED.items():
        assert res.coef[term] == pytest.approx(value, abs=PRINTED_3DP), term


def test_stata_robust_standard_errors_equal_hc0_times_n_over_n_minus_1(sst: pd.DataFrame) -> None:
    # Stata's ppml reports glm-type robust errors scaled by N/(N-1); statsmodels' HC0 is unscaled.
    res = ppml(sst, f"trade ~ {REGRESSORS}", small_sample="stata")
    exog = sm.add_constant(sst[list(PUBLISHED)[:-1]]).rename(columns={"const": "Intercept"})
    glm = sm.GLM(sst["trade"], exog, family=sm.families.Poisson()).fit(cov_type="HC0", tol=1e-12)
    n = len(sst)
    np.testing.assert_allclose(res.coef[exog.columns], glm.params[exog.columns], atol=SAME_ALGORITHM)
    np.testing.assert_allclose(
        res.std_errors[exog.columns], glm.bse[exog.columns] * np.sqrt(n / (n - 1)), rtol=SE_RELATIVE
    )


def test_positive_flows_and_ols_match_replication(sst: pd.DataFrame) -> None:
    positive = sst[sst["trade"] > 0]
    assert ppml(positive, f"trade ~ {REGRESSORS}").coef["ldist"] == pytest.approx(-0.776, abs=PRINTED_3DP)
    res_ols = ols(sst, f"trade ~ {REGRESSORS}")
    assert res_ols.nobs == 9_613
    assert res_ols.coef["ldist"] == pytest.approx(-1.166, abs=PRINTED_3DP)
    assert set(res_ols.dropped["reason"]) == {"zero_outcome"}


def test_matches_direct_pyfixest_call(sst: pd.DataFrame) -> None:
    res = ppml(sst, f"trade ~ {REGRESSORS}", small_sample="pyfixest")
    direct = pf.fepois(f"trade ~ {REGRESSORS}", sst, vcov="hetero", iwls_maxiter=1000)
    np.testing.assert_allclose(res.coef.to_numpy(), direct.coef().to_numpy(), atol=1e-8)
    np.testing.assert_allclose(res.std_errors.to_numpy(), direct.se().to_numpy(), atol=1e-8)
