"""End to end on the bundled demo data, with few draws: contracts, coherence, honesty, stages."""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest

import forecasting
from forecasting.errors import DemoDataWarning, FallbackWarning, SchemaError
from forecasting.projection import OutlookResult, OutlookSettings
from forecasting.projection.estimate import estimate_gravity
from forecasting.projection.pair import pair_outlook
from forecasting.projection.pipeline import EXAMPLE_SCENARIOS as SCENARIOS
from forecasting.projection.prepare import prepare_data
from forecasting.projection.result import TABLE_COLUMNS
from forecasting.scenarios import builtin_corridors
from forecasting.schema import COEFFICIENTS, FORECAST, GE_COUNTRY, validate

# The arguments of example_outlook(), the session fixture `outlook` of tests/conftest.py.
EXAMPLE = dict(draws=60, ge_draws=20, horizon=2035, seed=7)


def _chosen(*names: str) -> dict:
    library = builtin_corridors()
    return {k: library[k] for k in names}


@pytest.fixture(scope="module")
def result(outlook) -> OutlookResult:
    """The small real run shared by the whole session (forecasting.projection.pipeline.example_outlook)."""
    return outlook


def test_the_verb_is_a_function_of_the_package_and_the_result_type_stays_importable():
    assert callable(forecasting.outlook) and forecasting.outlook.__name__ == "outlook"
    assert forecasting.OutlookResult is OutlookResult


@pytest.mark.slow
def test_tables_follow_their_schemas(result):
    validate(result.forecast, FORECAST, keys=["reporter", "partner", "flow", "commodity"])
    validate(result.turnover, FORECAST, keys=["reporter", "partner"])
    validate(result.coefficients, COEFFICIENTS)
    validate(result.ge_country, GE_COUNTRY)
    assert {name: tuple(t.columns) for name, t in result.tables().items()} == TABLE_COLUMNS
    assert set(result.forecast.scenario) == {"statistical", *SCENARIOS}
    assert set(result.forecast.level) == {80, 95}
    assert result.forecast.period.dt.year.max() == 2035


@pytest.mark.slow
def test_a_table_off_its_contract_is_refused_where_it_is_made(result):
    with pytest.raises(SchemaError, match=r"billion: missing 'probability'"):
        dataclasses.replace(result, billion=result.billion.drop(columns="probability"))
    with pytest.raises(SchemaError, match="settings is a dict"):
        dataclasses.replace(result, settings={"demo": True})


@pytest.mark.slow
def test_settings_are_typed_and_round_trip_through_their_json_form(result):
    s = result.settings
    assert isinstance(s, OutlookSettings)
    assert s.demo and "DEMONSTRATION DATA" in s.data_label and s.pair == ("KAZ", "PAK")
    assert s.ge_mode == "full" and s.ge_draws == EXAMPLE["ge_draws"] and s.levels == (80, 95)
    assert {e.commodity for e in s.elasticities} == set(result.forecast.commodity)
    assert OutlookSettings.from_dict(s.to_dict()) == s


@pytest.mark.slow
def test_the_reporting_basis_is_derived_from_both_sides_reports(result):
    basis = result.settings.reporting_basis
    reported = result.history[result.history.source == "demo"]
    year = int(reported.year.max())
    kaz_exports = reported[
        (reported.reporter == "KAZ") & (reported.flow == "export") & (reported.year == year)
    ]
    assert f"KAZ->PAK in {year}" in basis and "PAK->KAZ" in basis
    assert f"USD {kaz_exports.value_usd.sum() / 1e6:,.1f} m" in basis
    assert "importer's report" in basis and "Pakistan" not in basis


@pytest.mark.slow
def test_every_fall_back_is_recorded_with_its_reason_and_remedy(result):
    steps = [f.step for f in result.settings.fallbacks]
    pooled = [e.commodity for e in result.settings.elasticities if e.origin == "pooled"]
    # On the bundled panel every commodity's own elasticity is significant (none is pooled);
    # a pooled one would be announced (choose_elasticities' doctest shows the pooling).
    assert all(f"trade elasticity ({k})" in steps for k in pooled)
    assert len([s for s in steps if s.startswith("trade elasticity (")]) == len(pooled)
    not_modelled = [m for m in result.settings.series_methods if m.method != "auto"]
    assert len([s for s in steps if s.startswith("baseline (")]) == len(not_modelled) > 0
    assert all(f.reason and f.remedy for f in result.settings.fallbacks)


@pytest.mark.slow
def test_turnover_mean_is_the_sum_of_the_commodity_rows(result):
    series = result.forecast[result.forecast.level == 80].groupby(["scenario", "period"])["mean"].sum()
    turnover = result.turnover[result.turnover.level == 80].set_index(["scenario", "period"])["mean"]
    pd.testing.assert_series_equal(series.sort_index(), turnover.sort_index(), check_names=False, rtol=1e-9)


@pytest.mark.slow
def test_intervals_nest(result):
    w = result.forecast.pivot_table(
        index=["reporter", "flow", "commodity", "scenario", "period"],
        columns="level",
        values=["lower", "upper"],
    )
    assert (w[("lower", 95)] <= w[("lower", 80)] + 1e-6).all()
    assert (w[("upper", 80)] <= w[("upper", 95)] + 1e-6).all()


@pytest.mark.slow
def test_known_bus_contract_sits_on_top_of_the_baseline(result):
    f = result.forecast[
        (result.forecast.level == 80)
        & (result.forecast.commodity == "buses")
        & (result.forecast.flow == "export")
    ].set_index(["scenario", "period"])["mean"]
    added = f.loc["baseline"] - f.loc["statistical"]
    assert added.loc["2026-01-01"] == pytest.approx(54e6, rel=1e-6)
    assert added.loc["2027-01-01"] == pytest.approx(54e6, rel=1e-6)
    assert added.loc["2028-01-01"] == pytest.approx(0.0, abs=1e-3)


@pytest.mark.slow
def test_the_railway_only_moves_trade_after_it_opens(result):
    t = result.turnover[result.turnover.level == 80].set_index(["scenario", "period"])["mean"]
    opening = builtin_corridors()["trans_afghan_railway"].opening_year
    before = pd.Timestamp(f"{opening - 1}-01-01")
    assert t.loc[("trans_afghan_railway", before)] == pytest.approx(t.loc[("baseline", before)], rel=1e-9)
    assert (
        t.loc[("trans_afghan_railway", pd.Timestamp("2035-01-01"))]
        > t.loc[("baseline", pd.Timestamp("2035-01-01"))]
    )
    assert (
        t.loc[("border_closure_stress", pd.Timestamp("2030-01-01"))]
        < t.loc[("baseline", pd.Timestamp("2030-01-01"))]
    )


@pytest.mark.slow
def test_ge_effects_are_solved_draw_by_draw(result):
    rail = result.pair_effects[result.pair_effects.scenario == "trans_afghan_railway"]
    moved = rail[rail.direct_median_pct != 0]
    assert len(moved) and (moved.upper_95 > moved.lower_95).all()
    assert set(result.ge_country.scenario) == {"trans_afghan_railway"}  # the others change no trade cost


@pytest.mark.slow
def test_billion_probabilities_are_probabilities(result):
    p = result.billion.probability
    assert ((p >= 0) & (p <= 1)).all()
    assert set(result.first_year.scenario) == {"statistical", *SCENARIOS}


@pytest.mark.slow
def test_history_keeps_both_sides_and_the_published_figures(result):
    h = result.history
    assert {"KAZ", "PAK"} <= set(h.reporter)
    published = h[h.basis.str.startswith("published")]
    assert published.source.str.startswith("http").all() and len(published) > 10


@pytest.mark.slow
def test_stages_run_once_serve_many_pairs_with_the_numbers_of_one_call(result):
    with pytest.warns(DemoDataWarning, match="DEMONSTRATION DATA"):
        prepared = prepare_data()
    gravity = estimate_gravity(prepared)
    options = dict(scenarios=_chosen(*SCENARIOS), **EXAMPLE)
    with pytest.warns(FallbackWarning, match="recorded in settings.fallbacks"):
        again = pair_outlook(prepared, gravity, pair=("KAZ", "PAK"), **options)
    # A second, independent run with the same seed gives the same numbers, table by table.
    for name, table in result.tables().items():
        pd.testing.assert_frame_equal(again.tables()[name], table, obj=name)
    # The PPML fits agree to their convergence tolerance (about 1e-8), which is all that may differ.
    assert dataclasses.replace(again.settings, elasticities=()) == dataclasses.replace(
        result.settings, elasticities=()
    )
    for mine, theirs in zip(again.settings.elasticities, result.settings.elasticities, strict=True):
        assert (mine.commodity, mine.origin) == (theirs.commodity, theirs.origin)
        assert mine.estimate == pytest.approx(theirs.estimate, rel=1e-6)
    other = pair_outlook(prepared, gravity, pair=("UZB", "PAK"), **options)
    assert other.settings.pair == ("UZB", "PAK") and set(other.forecast.reporter) == {"UZB"}
    assert "UZB->PAK" in other.settings.reporting_basis
    assert other.history[other.history.basis.str.startswith("published")].empty  # KAZ-PAK figures only
