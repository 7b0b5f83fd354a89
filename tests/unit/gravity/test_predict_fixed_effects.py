"""Predictions with fixed effects and the recovered fixed effects themselves."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyfixest as pf
import pytest
from pyfixest.demeaners import MapDemeaner

from forecasting.errors import UnknownCodeError
from forecasting.gravity import ols, ppml
from tests.unit.gravity.conftest import make_panel

FITTED_TOL = 1e-8  # predictions on the estimation sample vs the backend's fitted values


@pytest.fixture(scope="module")
def fitted(panel: pd.DataFrame):
    return ppml(panel, "value_usd ~ rta + ln_tariff", fe="structural")


def test_prediction_on_estimation_sample_equals_fitted_values(panel: pd.DataFrame, fitted) -> None:
    data = fitted_frame(panel)
    direct = pf.fepois(
        "value_usd ~ rta + ln_tariff | exp_year + imp_year + pair",
        data,
        iwls_maxiter=1000,
        demeaner=MapDemeaner(fixef_tol=1e-8),
    )
    np.testing.assert_allclose(
        np.log(fitted.predict(panel)), np.log(direct.predict(type="response")), atol=FITTED_TOL
    )
    # Exactness against our own backend fit: the decomposition reproduces every row's eta.
    eta = fitted.linear_predictor(panel)
    assert np.max(np.abs(eta - np.log(fitted.predict(panel)))) < FITTED_TOL


def fitted_frame(panel: pd.DataFrame) -> pd.DataFrame:
    return panel.assign(
        exp_year=panel["exporter"] + "_" + panel["year"].astype(str),
        imp_year=panel["importer"] + "_" + panel["year"].astype(str),
        pair=panel["exporter"] + "_" + panel["importer"],
    )


def test_prediction_on_shuffled_copy_follows_the_rows(panel: pd.DataFrame, fitted) -> None:
    shuffled = panel.sample(frac=1.0, random_state=7)
    np.testing.assert_allclose(
        fitted.predict(shuffled), pd.Series(fitted.predict(panel), index=panel.index).loc[shuffled.index]
    )


def test_prediction_satisfies_poisson_first_order_conditions(panel: pd.DataFrame, fitted) -> None:
    # PPML's score equations: residuals sum to zero within every fixed-effect level and are
    # orthogonal to every regressor. A wrong FE prediction (pyfixest's newdata path) breaks them.
    mu = fitted.predict(panel)
    resid = panel["value_usd"].to_numpy() - mu
    scale = panel["value_usd"].sum()
    for level_col in (panel["exporter"] + panel["year"].astype(str), panel["exporter"] + panel["importer"]):
        sums = pd.Series(resid).groupby(level_col.to_numpy()).sum()
        assert np.max(np.abs(sums)) / scale < 1e-6
    for term in ("rta", "ln_tariff"):
        assert abs(np.dot(resid, panel[term])) / scale < 1e-6


def test_new_data_prediction_with_offset_and_separated_rows_matches_fitted_values() -> None:
    """The case users report as wrong: FE + offset + dropped rows, predicted on new data.

    pyfixest 0.60 re-solves the fixed effects by LSQR (tolerance 1e-6) on this path, which
    we measured at ~2e-5 error in log; ours reproduces the backend's fitted values to 1e-8.
    """
    data = make_panel(seed=3)
    data.loc[(data["exporter"] == "C01") & (data["importer"] == "C02"), "value_usd"] = 0.0
    data["log_exposure"] = np.log(np.random.default_rng(0).uniform(0.5, 2.0, len(data)))
    data = fitted_frame(data)
    fml = "value_usd ~ rta + ln_tariff | exp_year + imp_year + pair"
    ours = ppml(data, fml, offset="log_exposure")
    assert (ours.dropped["reason"] == "separated").sum() == 4
    direct = pf.fepois(
        fml,
        data,
        offset="log_exposure",
        iwls_maxiter=1000,
        separation_check=["fe", "ir"],
        demeaner=MapDemeaner(fixef_tol=1e-8),
    )
    kept = data.drop(index=ours.dropped["row"].to_numpy())
    new = kept.sample(frac=0.5, random_state=3)
    fitted_by_row = pd.Series(np.asarray(direct.predict(type="response")), index=kept.index)
    np.testing.assert_allclose(
        np.log(ours.predict(new)), np.log(fitted_by_row.loc[new.index]), atol=FITTED_TOL
    )


def test_unseen_levels_raise_naming_them(panel: pd.DataFrame, fitted) -> None:
    new = panel.iloc[:3].assign(exporter=["ZZZ", "ZZZ", "YYY"])
    with pytest.raises(UnknownCodeError, match=r"'YYY_2008', 'ZZZ_2000', 'ZZZ_2004' \(rows 0, 1, 2\)"):
        fitted.predict(new)


def test_reference_importer_normalisation(panel: pd.DataFrame) -> None:
    res = ppml(panel, "value_usd ~ rta + ln_tariff", fe="exporter_importer_year")
    fe = res.fixed_effects(reference="C03")
    ref = fe[(fe["fe"] == "imp_year") & fe["level"].str.startswith("C03_")]
    assert len(ref) == panel["year"].nunique()
    np.testing.assert_allclose(ref["estimate"], 0.0, atol=1e-12)
    # Row sums (hence predictions) are unchanged by the normalisation.
    default = res.fixed_effects().set_index(["fe", "level"])["estimate"]
    normalised = fe.set_index(["fe", "level"])["estimate"]
    row = panel.iloc[10]
    key_e = ("exp_year", f"{row['exporter']}_{row['year']}")
    key_i = ("imp_year", f"{row['importer']}_{row['year']}")
    assert default[key_e] + default[key_i] == pytest.approx(normalised[key_e] + normalised[key_i], abs=1e-10)
    with pytest.raises(UnknownCodeError, match="'XXX' has no imp_year effect"):
        res.fixed_effects(reference="XXX")


def test_cross_section_fixed_effects_match_pyfixest_differences(panel: pd.DataFrame) -> None:
    one_year = panel[panel["year"] == 2000]
    res = ppml(one_year, "value_usd ~ ln_tariff | exporter + importer")
    direct = pf.fepois("value_usd ~ ln_tariff | exporter + importer", one_year)
    theirs = direct.fixef()
    fe = res.fixed_effects().set_index(["fe", "level"])["estimate"]
    exporter_theirs = pd.Series(theirs["C(exporter)"])
    diff_ours = fe["exporter"] - fe["exporter"].iloc[0]
    diff_theirs = exporter_theirs.reindex(diff_ours.index) - exporter_theirs[diff_ours.index[0]]
    np.testing.assert_allclose(diff_ours, diff_theirs, atol=1e-5)  # pyfixest's fixef() uses lsqr (tol 1e-6)


def test_ols_predicts_naive_retransformation() -> None:
    panel = make_panel(noise="gamma")
    res = ols(panel, "value_usd ~ rta + ln_tariff", fe="structural")
    resid = np.log(panel["value_usd"]) - np.log(res.predict(panel))
    assert abs(resid.mean()) < 1e-8  # OLS residuals average zero with fixed effects
