"""A user's own panel gets its own gravity model and GE (issue 13, part 3).

The acceptance test: the bundled 40-country panel, written out as a user's tidy file and
read back, must give its own per-commodity coefficients and GE effects, not the literature
fall-back, with every assumption listed; compared with the demo run, which has the
simulator's covariates and production.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import forecasting
from forecasting.data import load_demo_flows, load_demo_production, read_flows
from forecasting.errors import DemoDataWarning, FallbackWarning, SchemaError
from forecasting.projection.estimate import estimate_gravity
from forecasting.projection.gravity_model import choose_spec, distance_elasticities
from forecasting.projection.prepare import prepare_data
from forecasting.projection.settings import Elasticity
from forecasting.projection.user_panel import (
    approximate_production,
    covariates_from_flows,
    normalise_covariates,
)
from forecasting.scenarios import builtin_corridors
from forecasting.simulate import GravityTruth

SCENARIO = "trans_afghan_railway"
# Ten countries around the pair: small enough for quick fits, large enough for a gravity model.
SMALL = ("KAZ", "PAK", "UZB", "KGZ", "TJK", "AFG", "CHN", "RUS", "IND", "TUR")


def _quiet(call, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DemoDataWarning)
        warnings.simplefilter("ignore", FallbackWarning)
        return call(*args, **kwargs)


def _small(flows: pd.DataFrame) -> pd.DataFrame:
    return flows[flows.reporter.isin(SMALL) & flows.partner.isin(SMALL)].reset_index(drop=True)


@pytest.fixture(scope="module")
def tidy_flows(tmp_path_factory) -> pd.DataFrame:
    """The bundled panel as a user would hand it over: a tidy CSV file, read back."""
    path = tmp_path_factory.mktemp("user") / "my_panel.csv"
    load_demo_flows().to_csv(path, index=False)
    return read_flows(path, source="tidy")


@pytest.fixture(scope="module")
def user_run(tidy_flows):
    library = builtin_corridors()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = forecasting.outlook(
            tidy_flows, scenarios={k: library[k] for k in ("baseline", SCENARIO)},
            draws=60, ge_draws=20, horizon=2035, seed=7,
        )  # fmt: skip
    return result, caught


@pytest.mark.slow
def test_the_bundled_panel_as_a_tidy_file_gets_its_own_gravity_coefficients(user_run, outlook):
    result, _ = user_run
    coefficients = result.coefficients
    commodities = sorted(result.forecast.commodity.unique())
    assert sorted(coefficients.model.unique()) == commodities and "literature" not in set(coefficients.model)
    distance = coefficients[coefficients.term == "ln_dist"].set_index("model")
    truth = GravityTruth().b_dist
    # The panel's own distance coefficients recover the simulator's (distances are GeoDist's, not
    # the simulator's capitals, so a few standard errors of slack).
    for k in commodities:
        assert abs(distance.at[k, "estimate"] - truth[k]) < 3 * distance.at[k, "std_error"], k
    assert result.settings.demo and "DEMONSTRATION DATA" in result.settings.data_label  # a copy of the demo
    # Without a tariff column, each elasticity is its own distance coefficient rescaled; compared
    # with the demo run's, estimated from its tariffs, within two combined standard errors.
    mine = {e.commodity: e for e in result.settings.elasticities}
    theirs = {e.commodity: e for e in outlook.settings.elasticities}
    assert {e.origin for e in mine.values()} == {"distance"}
    assert {e.origin for e in theirs.values()} == {"estimated"}
    for k in commodities:
        gap = abs(mine[k].estimate - theirs[k].estimate) / np.hypot(mine[k].std_error, theirs[k].std_error)
        assert gap < 2, (k, mine[k], theirs[k])


@pytest.mark.slow
def test_the_bundled_panel_as_a_tidy_file_gets_its_own_general_equilibrium(user_run, outlook):
    result, caught = user_run
    assert result.settings.ge_mode == "full"
    ge = result.ge_country
    assert not ge.empty and set(ge.scenario) == {SCENARIO} and {"KAZ", "PAK"} <= set(ge.country)
    # GE effects on the pair close to those of the demo run (true production and tariff elasticities).
    keys = ["flow", "commodity"]
    mine = result.pair_effects[result.pair_effects.scenario == SCENARIO].set_index(keys).median_pct
    theirs = outlook.pair_effects[outlook.pair_effects.scenario == SCENARIO].set_index(keys).median_pct
    ratio = np.log1p(mine / 100) / np.log1p(theirs.reindex(mine.index) / 100)
    assert ratio.between(0.7, 1.4).all(), ratio
    # Every assumption is announced once and recorded: the approximated domestic sales and the
    # elasticities from distance; no literature fall-back, no "GE skipped".
    steps = [f.step for f in result.settings.fallbacks]
    assert "GE domestic sales" in steps and "trade elasticity (from distance)" in steps
    assert "gravity" not in steps and "GE effects" not in steps
    announced = [str(w.message) for w in caught if issubclass(w.category, FallbackWarning)]
    assert len(announced) == 1 and "GDP / the country's total exports" in announced[0]
    assert any(issubclass(w.category, DemoDataWarning) for w in caught)


@pytest.mark.slow
def test_the_users_covariates_file_gives_the_demo_runs_coefficients(tidy_flows, tmp_path, outlook):
    covariates = _quiet(prepare_data).covariates
    path = tmp_path / "covariates.parquet"
    covariates.to_parquet(path)
    prepared = _quiet(prepare_data, tidy_flows, covariates=path, production=load_demo_production())
    gravity = estimate_gravity(prepared)
    keys = ["model", "term"]
    mine = gravity.coefficients.set_index(keys).sort_index()
    theirs = outlook.coefficients.set_index(keys).sort_index()
    assert mine.index.equals(theirs.index)
    np.testing.assert_allclose(mine.estimate, theirs.estimate, rtol=1e-6)
    np.testing.assert_allclose(mine.std_error, theirs.std_error, rtol=1e-6)
    assert {e.origin for e in gravity.elasticities.values()} == {"estimated"}
    assert "GE domestic sales" not in [f.step for f in gravity.fallbacks]  # production covers every country


def test_policy_columns_on_the_flows_enter_the_model_and_unknown_countries_are_named():
    flows = _small(load_demo_flows())
    flows = flows.assign(rta=((flows.reporter.isin(["KAZ", "RUS", "KGZ"])) & (flows.period.dt.year >= 2015)
                              & flows.partner.isin(["KAZ", "RUS", "KGZ"])).astype(int))  # fmt: skip
    # XKX (Kosovo) is a country GeoDist does not list: left out of gravity, kept in the GE.
    flows.loc[flows.reporter == "TJK", "reporter"] = "XKX"
    flows.loc[flows.partner == "TJK", "partner"] = "XKX"
    prepared = _quiet(prepare_data, flows)
    gravity = estimate_gravity(prepared)
    assert set(gravity.coefficients.term) == {"ln_dist", "contig", "comlang", "rta"}
    notes = {f.step: f for f in gravity.fallbacks}
    assert "'XKX'" in notes["gravity sample"].reason and "dist_km" in notes["gravity sample"].remedy
    assert "XKX" in set(gravity.bases["coal"].exporter)


def test_a_partial_production_table_is_completed_by_the_stated_approximation():
    flows = _small(load_demo_flows())
    production = load_demo_production()
    production = production[production.country.isin(["KAZ", "PAK"])]
    prepared = _quiet(prepare_data, flows, production=production)
    note = next(f for f in prepared.fallbacks if f.step == "GE domestic sales")
    assert "the production table does not cover them" in note.reason and "'KAZ'" not in note.reason
    kept = prepared.production.set_index(["country", "commodity"]).output_usd
    given = production[production.year == prepared.base_year].set_index(["country", "commodity"]).output_usd
    pd.testing.assert_series_equal(kept.loc[given.index], given, check_names=False)


def test_production_without_the_base_year_is_refused():
    flows = _small(load_demo_flows())
    production = load_demo_production().query("year < 2020")
    with pytest.raises(SchemaError, match="no rows for the base year 2025"):
        _quiet(prepare_data, flows, production=production)


def test_domestic_sales_follow_gdp_over_exports_and_aggregates_are_not_countries():
    r = pd.DataFrame({"exporter": ["KAZ", "KAZ", "PAK", "KAZ"], "importer": ["PAK", "PAK", "KAZ", "WLD"],
                      "period": pd.Timestamp("2023-01-01"), "commodity": ["coal", "other", "coal", "coal"],
                      "value_usd": [2e9, 2e9, 1e9, 9e9]})  # fmt: skip
    table, note = approximate_production(r, year=2023)
    out = table.set_index(["country", "commodity"]).output_usd
    # KAZ: GDP 262 bn (bundled, 2023) over 4 bn of exports: each commodity's output is 65.5 x its exports.
    assert (
        out[("KAZ", "coal")] == pytest.approx(2e9 * 262 / 4) and out[("KAZ", "other")] == out[("KAZ", "coal")]
    )
    assert out[("PAK", "other")] == 0 and "WLD" not in set(table.country)
    assert note.step == "GE domestic sales" and "WDI 2023" in note.remedy


def test_covariates_are_checked_and_tariffs_in_percent_become_logs():
    table = pd.DataFrame({"exporter": ["KAZ", "KAZ"], "importer": ["PAK", "PAK"], "year": [2020, 2020],
                          "tariff_pct": [5.0, 5.0]})  # fmt: skip
    with pytest.raises(SchemaError, match="2 rows share a key"):
        normalise_covariates(table)
    with pytest.raises(SchemaError, match="negative tariffs on rows 1"):
        normalise_covariates(table.assign(year=[2020, 2021], tariff_pct=[5.0, -1.0]))
    with pytest.raises(SchemaError, match="none of the covariate columns"):
        normalise_covariates(table.drop(columns="tariff_pct"))
    ok = normalise_covariates(table.assign(year=[2020, 2021]))
    assert ok.ln_tariff.tolist() == pytest.approx([np.log(1.05)] * 2)


def test_policy_columns_that_differ_within_a_pair_year_need_a_commodity_table():
    flows = pd.DataFrame({"reporter": "KAZ", "partner": "PAK", "flow": "export",
                          "period": pd.Timestamp("2020-01-01"), "rta": [0, 1]})  # fmt: skip
    with pytest.raises(SchemaError, match="differ within 1 pair-years.*commodity column"):
        covariates_from_flows(flows)


def test_the_model_follows_the_covariates():
    panel = pd.DataFrame({"exporter": list("AABBCC"), "importer": list("BCACAB"), "commodity": "coal",
                          "ln_dist": [1.0, 2.0, 1.0, 1.5, 2.0, 1.5], "contig": [1, 0, 1, 0, 0, 0],
                          "comlang": 1})  # fmt: skip
    spec = choose_spec(panel)
    assert (spec.kind, spec.formula, spec.elasticity_term) == (
        "cross-section",
        "value_usd ~ ln_dist + contig",
        "ln_dist",
    )
    across = choose_spec(panel.assign(ln_tariff=[0.1, 0.2, 0.1, 0.0, 0.3, 0.1]))
    assert across.elasticity_term == "ln_tariff" and across.fe == "exporter_importer_year"
    over_time = pd.concat([panel.assign(year=2020, ln_tariff=0.2), panel.assign(year=2021, ln_tariff=0.1)])
    assert (
        choose_spec(over_time).formula == "value_usd ~ ln_tariff"
        and choose_spec(over_time).fe == "structural"
    )
    assert choose_spec(panel.drop(columns="ln_dist")) is None


def test_elasticities_from_distance_scale_the_coefficient_and_widen_its_error():
    c = pd.DataFrame({"model": ["a"], "term": "ln_dist", "estimate": [-1.4], "std_error": [0.0]})
    found = distance_elasticities(c, {"a": Elasticity("a", -1.4, 1e-9, "estimated")})["a"]
    assert found.estimate == pytest.approx(-5 * 1.4 / 1.1) and found.std_error == pytest.approx(
        0.3 * 5 * 1.4 / 1.1
    )
    pooled = distance_elasticities(c, {"a": Elasticity("a", -1.0, 0.1, "pooled")})["a"]
    assert pooled.origin == "pooled" and "pooled PPML distance coefficient" in pooled.source
