"""PPML: known truth, invariances, dropped rows, options and errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyfixest as pf
import pytest
from pyfixest.demeaners import MapDemeaner

from forecasting.errors import ConvergenceError, ConvergenceWarning, DataQualityWarning, SchemaError
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
