"""Known truth: the simulator's stated parameters are recovered by the project's PPML."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from forecasting.classify.countries import great_circle_km
from forecasting.data.bundled import load_country_facts, load_demo_flows
from forecasting.gravity import ppml
from forecasting.simulate import (
    COMMODITIES,
    GravityTruth,
    build_true_flows,
    customs_reports,
    demo_covariates,
    is_demo_data,
    simulate_gravity,
)

TRUTH = GravityTruth()


@pytest.fixture(scope="module")
def true_flows() -> pd.DataFrame:
    return build_true_flows(load_country_facts())


@pytest.mark.parametrize("commodity", ["textiles", "other"])
def test_structural_ppml_recovers_policy_coefficients(commodity):
    # A low-noise draw of the same DGP: within three pair-clustered standard errors of the
    # truth, and close in absolute terms (rta within 0.1, the trade elasticity within 1).
    truth = dataclasses.replace(TRUTH, ar_sd=0.03, gamma_dispersion=0.02)
    data = simulate_gravity(load_country_facts(), commodities=[commodity], truth=truth, seed=5)
    result = ppml(data, "value_usd ~ rta + ln_tariff", fe="structural", cluster="pair")
    se = np.sqrt(np.diag(result.vcov))
    gap = np.abs(result.coef[["rta", "ln_tariff"]].to_numpy() - [truth.b_rta, truth.b_tariff[commodity]])
    assert np.all(gap < 3 * se)
    assert gap[0] < 0.1 and gap[1] < 1.0


@pytest.fixture(scope="module")
def outlook_coefficients() -> pd.DataFrame:
    """The outlook's per-commodity PPML on the bundled demo reports (stages (a) and (b))."""
    import warnings

    from forecasting.errors import DemoDataWarning
    from forecasting.projection.estimate import estimate_gravity
    from forecasting.projection.prepare import prepare_data

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DemoDataWarning)
        return estimate_gravity(prepare_data()).coefficients


def test_bundled_panel_recovers_every_commodity_within_three_standard_errors(outlook_coefficients):
    # The known-truth check: RTA and tariff coefficients of all six commodity groups,
    # estimated as the outlook does (importer-valued reports, structural PPML, pair-clustered).
    table = outlook_coefficients
    assert sorted(table.model.unique()) == sorted(COMMODITIES)
    assert set(table.term) == {"rta", "ln_tariff"} and table.truth.notna().all()
    gap = (table.estimate - table.truth) / table.std_error
    np.testing.assert_allclose(gap, table.truth_gap_se)
    assert (gap.abs() < 3).all(), table.loc[gap.abs() >= 3, ["model", "term", "estimate", "truth"]]


def test_truth_table_matches_the_coefficient_table_keys():
    truth = TRUTH.tidy()
    assert list(truth.columns) == ["model", "term", "truth"]
    assert truth.set_index(["model", "term"]).loc[("coal", "ln_tariff"), "truth"] == TRUTH.b_tariff["coal"]
    assert not truth.duplicated(["model", "term"]).any()


def test_covariates_rebuild_the_simulated_tariffs_exactly(true_flows):
    covariates = demo_covariates(load_country_facts(), years=range(2000, 2026), commodities=["coal"])
    merged = true_flows[true_flows.commodity == "coal"].merge(
        covariates, on=["exporter", "importer", "year", "commodity"], suffixes=("", "_cov")
    )
    assert len(merged) == len(covariates)
    np.testing.assert_array_equal(merged.ln_tariff, merged.ln_tariff_cov)
    np.testing.assert_array_equal(merged.rta, merged.rta_cov)
    # The bilateral composition factor gives tariffs variation beyond importer-year and pair.
    within = merged.ln_tariff - merged.groupby(["importer", "year"]).ln_tariff.transform("mean")
    within -= within.groupby([merged.exporter, merged.importer]).transform("mean")
    assert within.std() > 0.1 * merged.ln_tariff.std()


def test_only_the_bundled_reports_count_as_demo_data():
    assert is_demo_data(load_demo_flows())
    assert not is_demo_data(load_demo_flows().assign(source="wits"))


def test_cross_section_ppml_recovers_distance_without_pair_noise():
    facts = load_country_facts()
    truth = dataclasses.replace(TRUTH, pair_sd=0.0, ar_sd=0.02)
    panel = simulate_gravity(facts, years=range(2015, 2021), commodities=["other"], truth=truth, seed=3)
    panel["pair"] = panel.exporter + "_" + panel.importer
    result = ppml(
        panel,
        "value_usd ~ ln_dist + contig + comlang + rta + ln_tariff",
        fe="exporter_importer_year",
        cluster="pair",
    )
    assert result.coef["ln_dist"] == pytest.approx(truth.b_dist["other"], abs=0.06)
    assert result.coef["contig"] == pytest.approx(truth.b_contig, abs=0.15)
    assert result.coef["comlang"] == pytest.approx(truth.b_lang, abs=0.15)


def test_scaling_all_trade_leaves_elasticities_unchanged(true_flows):
    data = true_flows[true_flows.commodity == "other"]
    base = ppml(data, "value_usd ~ rta + ln_tariff", fe="structural", cluster="pair")
    scaled = ppml(
        data.assign(value_usd=data.value_usd * 1000),
        "value_usd ~ rta + ln_tariff",
        fe="structural",
        cluster="pair",
    )
    np.testing.assert_allclose(base.coef.to_numpy(), scaled.coef.to_numpy(), rtol=1e-6)


def test_shocks_have_mean_one_so_zeros_do_not_bias(true_flows):
    ratio = true_flows.value_usd.sum() / true_flows.expected_usd.sum()
    assert ratio == pytest.approx(1.0, abs=0.05)
    assert 0.1 < (true_flows.value_usd == 0).mean() < 0.5


def test_same_seed_same_panel_and_different_seed_differs():
    facts = load_country_facts().head(5)
    a = simulate_gravity(facts, years=[2020, 2021], seed=1)
    b = simulate_gravity(facts, years=[2020, 2021], seed=1)
    c = simulate_gravity(facts, years=[2020, 2021], seed=2)
    pd.testing.assert_frame_equal(a, b)
    assert not a.value_usd.equals(c.value_usd)


def test_customs_reports_carry_both_sides_and_the_stated_pak_gap(true_flows):
    reports = customs_reports(true_flows[true_flows.year >= 2020])
    pk = reports[(reports.reporter == "PAK") & (reports.partner == "KAZ") & (reports.flow == "export")]
    kz = reports[(reports.reporter == "KAZ") & (reports.partner == "PAK") & (reports.flow == "import")]
    ratio = pk.value_usd.sum() / kz.value_usd.sum()
    assert 2.5 < ratio < 4.5  # 3.5 by construction, CIF margin and noise aside
    assert set(reports["flags"]) == {"demo"}


def test_great_circle_distance_matches_a_known_value():
    # Astana-Islamabad, about 1,950 km (CEPII GeoDist distcap for KAZ-PAK is 1,952.8 km).
    km = great_circle_km(np.array(51.17), np.array(71.45), np.array(33.69), np.array(73.05))
    assert float(km) == pytest.approx(1952.8, rel=0.01)
