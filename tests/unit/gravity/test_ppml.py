"""PPML: known truth, invariances, dropped rows, options and errors."""

from __future__ import annotations

import importlib.util

import numpy as np
import pandas as pd
import pyfixest as pf
import pytest
from pyfixest.demeaners import MapDemeaner

from forecasting.errors import (
    ConvergenceError,
    ConvergenceWarning,
    DataQualityWarning,
    EstimationError,
    SchemaError,
)
from forecasting.gravity import ppml
from forecasting.schema import COEFFICIENTS, validate
from tests.unit.gravity.conftest import TRUE_BETA, make_panel

# Poisson draws around means of ~20: estimates lie within a few standard errors of the truth.
RECOVERY_SE = 4.0
SAME_BACKEND = 1e-8


def test_recovers_known_coefficients_with_structural_effects(panel: pd.DataFrame) -> None:
    res = ppml(panel, "value_usd ~ rta + ln_tariff", fe="structural", cluster="pair")
    for term, truth in TRUE_BETA.items():
        assert abs(res.coef[term] - truth) < RECOVERY_SE * res.std_errors[term], term
    assert res.converged and res.iterations is None  # pyfixest does not report the count
    assert res.fixef_names == ("exp_year", "imp_year", "pair")
    assert res.cluster == "pair" and res.vcov_type == "clustered by pair"
    validate(res.tidy(), COEFFICIENTS)


def test_recovers_coefficients_exactly_without_noise() -> None:
    exact = make_panel(n_countries=8, noise="none")
    res = ppml(exact, "value_usd ~ rta + ln_tariff", fe="structural")
    np.testing.assert_allclose(res.coef[list(TRUE_BETA)], list(TRUE_BETA.values()), atol=1e-6)
    np.testing.assert_allclose(res.predict(exact), exact["value_usd"], rtol=1e-6)


def test_scaling_trade_leaves_elasticities_unchanged(panel: pd.DataFrame) -> None:
    base = ppml(panel, "value_usd ~ rta + ln_tariff", fe="structural")
    scaled = ppml(
        panel.assign(value_usd=panel["value_usd"] * 1e6), "value_usd ~ rta + ln_tariff", fe="structural"
    )
    np.testing.assert_allclose(scaled.coef, base.coef, atol=1e-7)
    np.testing.assert_allclose(scaled.std_errors, base.std_errors, rtol=1e-6)


def test_matches_direct_pyfixest_call(panel: pd.DataFrame) -> None:
    data = panel.assign(
        ey=panel["exporter"] + panel["year"].astype(str),
        iy=panel["importer"] + panel["year"].astype(str),
        pr=panel["exporter"] + panel["importer"],
    )
    fml = "value_usd ~ rta + ln_tariff | ey + iy + pr"
    ours = ppml(data, fml, cluster="pr", small_sample="pyfixest")
    direct = pf.fepois(
        fml, data, vcov={"CRV1": "pr"}, demeaner=MapDemeaner(fixef_tol=1e-8), iwls_maxiter=1000
    )
    np.testing.assert_allclose(ours.coef, direct.coef().to_numpy(), atol=SAME_BACKEND)
    np.testing.assert_allclose(ours.std_errors, direct.se().to_numpy(), atol=SAME_BACKEND)
    np.testing.assert_allclose(ours.vcov.to_numpy(), np.asarray(direct._vcov), atol=SAME_BACKEND)


def test_stata_convention_scales_cluster_variance_by_g_over_g_minus_1(panel: pd.DataFrame) -> None:
    stata = ppml(panel, "value_usd ~ rta + ln_tariff", fe="structural", cluster="pair")
    raw = pf.fepois(
        "value_usd ~ rta + ln_tariff | exp_year + imp_year + pair",
        stata_frame := panel.assign(
            exp_year=panel["exporter"] + "_" + panel["year"].astype(str),
            imp_year=panel["importer"] + "_" + panel["year"].astype(str),
            pair=panel["exporter"] + "_" + panel["importer"],
        ),
        vcov={"CRV1": "pair"},
        ssc=pf.ssc(k_adj=False, G_adj=False),
        demeaner=MapDemeaner(fixef_tol=1e-8),
    )
    groups = stata_frame["pair"].nunique()
    np.testing.assert_allclose(
        stata.std_errors, raw.se().to_numpy() * np.sqrt(groups / (groups - 1)), rtol=1e-10
    )


def test_two_way_clustering(panel: pd.DataFrame) -> None:
    res = ppml(panel, "value_usd ~ rta + ln_tariff", fe="structural", cluster=("exporter", "importer"))
    assert res.cluster == "exporter x importer"
    assert np.all(res.std_errors > 0)


def test_every_row_is_accounted_for_missing_and_separated() -> None:
    data = make_panel(n_countries=8, seed=3, noise="poisson")
    data.loc[[0, 5], "ln_tariff"] = np.nan
    # One pair with only zero flows is separated by its pair fixed effect.
    only_zero = (data["exporter"] == "C01") & (data["importer"] == "C02")
    data.loc[only_zero, "value_usd"] = 0.0
    res = ppml(data, "value_usd ~ rta + ln_tariff", fe="structural")
    assert res.nobs + len(res.dropped) == len(data)
    reasons = res.dropped.set_index("row")["reason"]
    assert reasons.loc[0] == "missing" and reasons.loc[5] == "missing"
    assert set(np.flatnonzero(only_zero.to_numpy())) <= set(reasons[reasons == "separated"].index)
    assert {"step", "reason", "row", "exporter", "value_usd"} <= set(res.dropped.columns)


def test_singletons_reported() -> None:
    data = make_panel(n_countries=6, seed=4)
    data = pd.concat([data, data.iloc[[0]].assign(exporter="C99")], ignore_index=True)
    res = ppml(data, "value_usd ~ rta + ln_tariff | exporter + importer")
    assert res.dropped["reason"].tolist() == ["singleton"]
    assert res.dropped["row"].tolist() == [len(data) - 1]


def test_non_convergence_raises_or_warns(panel: pd.DataFrame, caplog: pytest.LogCaptureFixture) -> None:
    with pytest.raises(ConvergenceError, match="did not converge within maxiter=2 IRLS iterations"):
        ppml(panel, "value_usd ~ rta + ln_tariff", fe="structural", maxiter=2)
    with pytest.warns(ConvergenceWarning, match="did not converge"):
        res = ppml(panel, "value_usd ~ rta + ln_tariff", fe="structural", maxiter=2, on_nonconvergence="warn")
    assert not res.converged
    assert "did not converge" in caplog.text


def test_offset_enters_with_unit_coefficient(panel: pd.DataFrame) -> None:
    data = panel.assign(log_exposure=np.log(2.0))
    with_offset = ppml(
        data.assign(value_usd=data["value_usd"] * 2.0),
        "value_usd ~ rta + ln_tariff",
        fe="structural",
        offset="log_exposure",
    )
    plain = ppml(panel, "value_usd ~ rta + ln_tariff", fe="structural")
    np.testing.assert_allclose(with_offset.coef, plain.coef, atol=1e-7)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"small_sample": "sas"}, "small_sample='sas' is not valid; use one of 'stata', 'pyfixest'"),
        ({"separation": ("fe", "relu")}, "separation='relu' is not valid"),
        ({"demeaner": "cupy"}, "demeaner='cupy' is not valid; use one of 'rust', 'numba', 'lsmr'"),
        ({"fe": "two_way"}, "fe='two_way' is not valid"),
        (
            {"cluster": "pair_idd", "fe": "structural"},
            "lacks column(s) 'pair_idd' (did you mean to rename 'pair'",
        ),
        ({"vcov": "HC7"}, "vcov='HC7' is not valid"),
    ],
)
def test_bad_options_name_valid_spellings(panel: pd.DataFrame, kwargs: dict, message: str) -> None:
    with pytest.raises((ValueError, SchemaError), match=message.replace("(", r"\(").replace(")", r"\)")):
        ppml(panel, "value_usd ~ rta + ln_tariff", **kwargs)


def test_negative_flows_are_rejected_with_rows_named(panel: pd.DataFrame) -> None:
    bad = panel.copy()
    bad.loc[[3, 7], "value_usd"] = -1.0
    with pytest.raises(SchemaError, match=r"2 negative values in rows 3, 7"):
        ppml(bad, "value_usd ~ rta", fe="structural")


def test_summary_renders_text_and_html(panel: pd.DataFrame) -> None:
    summary = ppml(panel, "value_usd ~ rta + ln_tariff", fe="structural").summary()
    assert "rta" in str(summary) and "converged" in str(summary)
    assert "<table" in summary._repr_html_()


def test_collinear_regressors_are_reported_not_silently_dropped(panel: pd.DataFrame) -> None:
    data = panel.assign(rta_copy=panel["rta"])
    with pytest.warns(DataQualityWarning, match="'rta_copy' are collinear"):
        res = ppml(data, "value_usd ~ rta + rta_copy + ln_tariff", fe="structural")
    assert res.collinear == ("rta_copy",)
    assert list(res.coef.index) == ["rta", "ln_tariff"]


def test_formula_fixed_effects_are_built_from_a_plain_gravity_panel(panel: pd.DataFrame) -> None:
    written = ppml(panel, "value_usd ~ rta + ln_tariff | exp_year + imp_year + pair", cluster="pair")
    preset = ppml(panel, "value_usd ~ rta + ln_tariff", fe="structural", cluster="pair")
    np.testing.assert_allclose(written.coef, preset.coef, atol=1e-12)
    np.testing.assert_allclose(written.predict(panel.iloc[:5]), preset.predict(panel.iloc[:5]), rtol=1e-12)
    assert "exp_year" not in panel.columns  # the caller's frame is left alone


@pytest.mark.parametrize("formula", ["y ~ 1 | a + b", "y ~ 0 | a + b"])
def test_fixed_effect_only_model_matches_statsmodels_with_dummies(formula: str) -> None:
    import statsmodels.api as sm

    rng = np.random.default_rng(11)
    data = pd.DataFrame({"a": rng.integers(0, 6, 120).astype(str), "b": rng.integers(0, 5, 120).astype(str)})
    data["y"] = rng.poisson(np.exp(1.0 + 0.3 * data["a"].astype(int) - 0.2 * data["b"].astype(int)))
    res = ppml(data, formula)
    assert res.coef.empty and res.converged and res.tidy().empty
    dummies = pd.get_dummies(data[["a", "b"]], drop_first=True, dtype=float)
    glm = sm.GLM(data["y"], sm.add_constant(dummies), family=sm.families.Poisson()).fit(tol=1e-12)
    np.testing.assert_allclose(res.predict(data), glm.fittedvalues, rtol=1e-6)
    assert res.loglik == pytest.approx(glm.llf, abs=1e-6)
    fe = res.fixed_effects().set_index(["fe", "level"])["estimate"]
    # Differences between levels of one dimension are what both parametrisations share.
    assert fe["b"]["3"] - fe["b"]["0"] == pytest.approx(glm.params["b_3"], abs=1e-6)


def test_without_fixed_effects_or_regressors_nothing_is_estimated(panel: pd.DataFrame) -> None:
    with pytest.raises(SchemaError, match="nothing to estimate"):
        ppml(panel, "value_usd ~ 0")


@pytest.mark.parametrize("demeaner", ["numba", "lsmr"])
def test_demeaner_backends_agree(panel: pd.DataFrame, demeaner: str) -> None:
    rust = ppml(panel, "value_usd ~ rta + ln_tariff", fe="structural", cluster="pair")
    if demeaner == "numba" and importlib.util.find_spec("numba") is None:
        with pytest.raises(EstimationError, match="demeaner='numba' is not available here"):
            ppml(panel, "value_usd ~ rta", fe="structural", demeaner=demeaner)
        return
    other = ppml(panel, "value_usd ~ rta + ln_tariff", fe="structural", cluster="pair", demeaner=demeaner)
    np.testing.assert_allclose(other.coef, rust.coef, atol=1e-6)
    np.testing.assert_allclose(other.std_errors, rust.std_errors, rtol=1e-5)
    assert other.demeaner == demeaner


def test_zero_weights_are_set_aside_and_negative_ones_refused(panel: pd.DataFrame) -> None:
    data = panel.assign(w=1.0)
    data.loc[[2, 9], "w"] = 0.0
    res = ppml(data, "value_usd ~ rta + ln_tariff", fe="structural", weights="w")
    assert res.dropped.set_index("row")["reason"].to_dict() == {2: "zero_weight", 9: "zero_weight"}
    plain = ppml(data.drop(index=[2, 9]), "value_usd ~ rta + ln_tariff", fe="structural")
    np.testing.assert_allclose(res.coef, plain.coef, atol=1e-8)
    data.loc[4, "w"] = -1.0
    with pytest.raises(SchemaError, match=r"weights 'w' are negative in 1 rows \(4\)"):
        ppml(data, "value_usd ~ rta", fe="structural", weights="w")


def test_the_function_is_never_hidden_by_its_module() -> None:
    import forecasting.gravity.sectors  # noqa: F401 - imports the estimator modules first
    from forecasting.gravity import ols as ols_function
    from forecasting.gravity import ppml as ppml_function

    assert callable(ppml_function) and callable(ols_function)


def test_exploding_estimates_are_refused() -> None:
    from forecasting.gravity import _guards

    x = np.array([[0.0], [1.0], [2.0]])
    _guards.check_estimates(pd.Series({"x": 2.0}), pd.Series({"x": 0.5}), x, ["x"])
    with pytest.raises(EstimationError, match=r"estimates explode: x = -21\.2"):
        _guards.check_estimates(pd.Series({"x": -21.2}), pd.Series({"x": 0.4}), x, ["x"])
    with pytest.raises(EstimationError, match="'x' are not finite"):
        _guards.check_estimates(pd.Series({"x": 1.0}), pd.Series({"x": np.nan}), x, ["x"])


def test_jackknife_errors_are_offered_for_ols_but_refused_for_ppml(panel: pd.DataFrame) -> None:
    from forecasting.gravity import ols

    small = make_panel(n_countries=5, seed=2, noise="gamma")
    res = ols(small, "value_usd ~ rta + ln_tariff", fe="structural", vcov={"CRV3": "pair"})
    assert res.vcov_type == "clustered by pair (CRV3 jackknife)" and np.all(res.std_errors > 0)
    with pytest.raises(ValueError, match="not offered for PPML"):
        ppml(panel, "value_usd ~ rta", fe="structural", vcov={"CRV3": "pair"})
