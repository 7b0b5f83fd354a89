"""Yotov, Piermartini, Monteiro & Larch (2016), *An Advanced Guide to Trade Policy Analysis*, ch. 1.

Data: ``yotov2016_agtpa/datasets/agtpa_applications.csv.gz`` (the book's application data as
shipped by the R package *tradepolicy*; see PROVENANCE.md section 1). Sample definitions
follow the book's do-files: years 1986, 1990, ..., 2006; international flows only for the
traditional specifications; positive flows for OLS.

Published numbers and their sources:

* RTA 0.557, pair-clustered s.e. 0.102, N = 28,482: Ch.1 App.3 column (4) (book Table 3;
  PROVENANCE.md section 1; R replication ``docs/01-traditional-gravity.html`` gives 0.5572 and
  0.1022). Same point estimate as the Ch.2 App.2 Stata log ``RTAsEffects.log``: RTA 0.5571853,
  semirobust s.e. 0.055771, 84 obs. dropped, log pseudo-likelihood -1,379,642.5.
* Ch.2 App.1 ``TradeWithoutBorder.log`` (2006 incl. domestic flows, Stata ``ppml``):
  ln_DIST -0.7912879 (0.0501494), CNTG 0.6736456 (0.1073719), INTL_BRDR -2.47445 (0.1193816).

The other chapter-1 specifications (traditional gravity, distance puzzle, lags/leads,
globalisation dummies) have no published log among the shared files; each is checked
against a direct pyfixest call on the same data (to 1e-8) and for the signs and orderings
the book reports in its text.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyfixest as pf
import pytest
from pyfixest.demeaners import MapDemeaner

from forecasting.gravity import ols, ppml
from tests.conftest import shared_file

pytestmark = pytest.mark.reference

# Published values are printed to 3 decimals (book) or 7 (Stata log).
BOOK_3DP = 0.0005 + 1e-9
STATA_LOG = 5e-6
# Our estimate vs a direct pyfixest call with the same options: same algorithm, same data.
SAME_BACKEND = 1e-8
YEARS = list(range(1986, 2007, 4))


@pytest.fixture(scope="module")
def agtpa() -> pd.DataFrame:
    data = pd.read_csv(shared_file("yotov2016_agtpa/datasets/agtpa_applications.csv.gz"))
    data = data[data["year"].isin(YEARS)].copy()
    data["year"] = data["year"].astype(int)
    data["ln_DIST"] = np.log(data["DIST"])
    data["intl"] = (data["exporter"] != data["importer"]).astype(int)
    data["exp_year"] = data["exporter"] + data["year"].astype(str)
    data["imp_year"] = data["importer"] + data["year"].astype(str)
    return data.reset_index(drop=True)


def _direct(data: pd.DataFrame, fml: str, vcov: object, method: str = "fepois") -> pf.Feols:
    ssc = pf.ssc(k_adj=False, G_adj=True) if method == "fepois" else pf.ssc()
    call = pf.fepois if method == "fepois" else pf.feols
    extra = {"separation_check": ["fe", "ir"], "iwls_maxiter": 1000} if method == "fepois" else {}
    return call(fml, data, vcov=vcov, ssc=ssc, demeaner=MapDemeaner(fixef_tol=1e-8), **extra)


@pytest.mark.slow
def test_rta_with_pair_fixed_effects_matches_book_and_stata_log(agtpa: pd.DataFrame) -> None:
    res = ppml(agtpa, "trade ~ RTA", fe="structural", pairs="symmetric", cluster="pair")
    assert res.nobs == 28_482
    assert (res.dropped["reason"] == "separated").sum() == 84  # Stata log: "84 obs. dropped"
    assert res.coef["RTA"] == pytest.approx(0.5571853, abs=STATA_LOG)
    assert res.std_errors["RTA"] == pytest.approx(0.102, abs=BOOK_3DP)
    assert res.loglik == pytest.approx(-1_379_642.5, abs=0.1)
    robust = ppml(agtpa, "trade ~ RTA", fe="structural", pairs="symmetric")
    assert robust.std_errors["RTA"] == pytest.approx(0.055771, abs=STATA_LOG)
    direct = _direct(agtpa, "trade ~ RTA | exp_year + imp_year + pair_id", {"CRV1": "pair_id"})
    assert res.coef["RTA"] == pytest.approx(float(direct.coef()["RTA"]), abs=SAME_BACKEND)
    assert res.std_errors["RTA"] == pytest.approx(float(direct.se()["RTA"]), abs=SAME_BACKEND)


def test_trade_without_borders_cross_section_matches_stata_log(agtpa: pd.DataFrame) -> None:
    data = agtpa[agtpa["year"] == 2006].copy()
    data["INTL_BRDR"] = data["intl"]
    res = ppml(data, "trade ~ ln_DIST + CNTG + INTL_BRDR | exporter + importer")
    assert res.nobs == 4_761
    expected = {
        "ln_DIST": (-0.7912879, 0.0501494),
        "CNTG": (0.6736456, 0.1073719),
        "INTL_BRDR": (-2.47445, 0.1193816),
    }
    for term, (coef, se) in expected.items():
        assert res.coef[term] == pytest.approx(coef, abs=STATA_LOG), term
        assert res.std_errors[term] == pytest.approx(se, abs=STATA_LOG), term


def test_traditional_gravity_table_1(agtpa: pd.DataFrame) -> None:
    intl = agtpa[agtpa["intl"] == 1]
    fml = "trade ~ ln_DIST + CNTG + LANG + CLNY | exp_year + imp_year"
    res_ppml = ppml(intl, fml, cluster="pair_id")
    res_ols = ols(intl, fml, cluster="pair_id")
    direct = _direct(intl, fml, {"CRV1": "pair_id"})
    np.testing.assert_allclose(res_ppml.coef, direct.coef().to_numpy(), atol=SAME_BACKEND)
    np.testing.assert_allclose(res_ppml.std_errors, direct.se().to_numpy(), atol=SAME_BACKEND)
    positive = intl[intl["trade"] > 0].assign(ln_trade=lambda d: np.log(d["trade"]))
    direct_ols = _direct(positive, fml.replace("trade ~", "ln_trade ~"), {"CRV1": "pair_id"}, "feols")
    np.testing.assert_allclose(res_ols.coef, direct_ols.coef().to_numpy(), atol=SAME_BACKEND)
    np.testing.assert_allclose(res_ols.std_errors, direct_ols.se().to_numpy(), atol=SAME_BACKEND)
    assert res_ols.nobs == len(positive)
    assert (res_ols.dropped["reason"] == "zero_outcome").sum() == (intl["trade"] == 0).sum()
    # Book, ch.1 App.1: PPML's distance elasticity is markedly smaller in magnitude than OLS's.
    assert res_ppml.coef["ln_DIST"] > res_ols.coef["ln_DIST"] + 0.2
    assert -1.0 < res_ppml.coef["ln_DIST"] < -0.7


@pytest.mark.slow
def test_distance_puzzle_table_2(agtpa: pd.DataFrame) -> None:
    data = agtpa.copy()
    for year in YEARS:
        data[f"ln_DIST_{year}"] = data["ln_DIST"] * (data["year"] == year) * data["intl"]
    dist_terms = " + ".join(f"ln_DIST_{y}" for y in YEARS)
    fml = f"trade ~ {dist_terms} + CNTG + LANG + CLNY | exp_year + imp_year"
    intl = data[data["intl"] == 1]
    res = ppml(intl, fml, cluster="pair_id")
    direct = _direct(intl, fml, {"CRV1": "pair_id"})
    np.testing.assert_allclose(res.coef, direct.coef().to_numpy(), atol=SAME_BACKEND)
    # The puzzle: distance effects do not fall over time in the standard specification.
    assert res.coef["ln_DIST_2006"] <= res.coef["ln_DIST_1986"] + 0.05
    # With intra-national flows and one dummy per country's internal trade (book Table 2,
    # "internal dyad fixed effects"), international distance effects fall over time.
    data["intra_pair"] = np.where(data["intl"] == 1, "inter", data["exporter"])
    fml_intra = f"trade ~ {dist_terms} + CNTG + LANG + CLNY | exp_year + imp_year + intra_pair"
    res_intra = ppml(data, fml_intra, cluster="pair_id")
    direct_intra = _direct(data, fml_intra, {"CRV1": "pair_id"})
    np.testing.assert_allclose(res_intra.coef, direct_intra.coef().to_numpy(), atol=SAME_BACKEND)
    assert res_intra.coef["ln_DIST_2006"] > res_intra.coef["ln_DIST_1986"] + 0.05


@pytest.mark.slow
def test_rta_effects_table_3_lags_leads_and_globalisation(agtpa: pd.DataFrame) -> None:
    data = agtpa.copy()
    for year in YEARS[1:]:
        data[f"INTL_BRDR_{year}"] = data["intl"] * (data["year"] == year)
    lags = "RTA + RTA_LEAD4 + RTA_LAG4 + RTA_LAG8 + RTA_LAG12"
    res_lags = ppml(data, f"trade ~ {lags}", fe="structural", pairs="symmetric", cluster="pair")
    direct = _direct(data, f"trade ~ {lags} | exp_year + imp_year + pair_id", {"CRV1": "pair_id"})
    np.testing.assert_allclose(res_lags.coef, direct.coef().to_numpy(), atol=SAME_BACKEND)
    np.testing.assert_allclose(res_lags.std_errors, direct.se().to_numpy(), atol=SAME_BACKEND)
    # Phasing-in: the lagged RTA terms add to the contemporaneous effect.
    assert res_lags.coef[["RTA_LAG4", "RTA_LAG8"]].min() > 0
    borders = " + ".join(f"INTL_BRDR_{y}" for y in YEARS[1:])
    res_glob = ppml(data, f"trade ~ {lags} + {borders}", fe="structural", pairs="symmetric", cluster="pair")
    direct_glob = _direct(
        data, f"trade ~ {lags} + {borders} | exp_year + imp_year + pair_id", {"CRV1": "pair_id"}
    )
    np.testing.assert_allclose(res_glob.coef, direct_glob.coef().to_numpy(), atol=SAME_BACKEND)
    # Globalisation: international borders' deterrent effect shrinks over time, so the
    # border-by-year dummies rise relative to 1986, RTA effects fall once they are controlled,
    # and the lead term loses all significance (no anticipation effects).
    assert res_glob.coef["INTL_BRDR_2006"] > res_glob.coef["INTL_BRDR_1990"] > 0
    assert res_glob.coef["RTA"] < res_lags.coef["RTA"]
    assert res_glob.tidy().set_index("term").loc["RTA_LEAD4", "p_value"] > 0.5
