"""Scenario and Shock values: validation lists every problem, time profile, serialisation."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given, settings

from forecasting.errors import ScenarioError
from forecasting.scenarios import KnownShipment, PhaseIn, Scenario, Shock, pairs_between
from tests.unit.scenarios.strategies import scenarios

KZ_PK = [("KAZ", "PAK"), ("PAK", "KAZ")]


def days(value: float = -10.0, pairs=KZ_PK, **kw) -> Shock:
    return Shock("transit_days", pairs, value=value, **kw)


def test_shock_normalises_numbers_and_pairs():
    shock = Shock("transit_days", [["KAZ", "PAK"]], value=-10, low=-5, high=-15, commodities="pharma")
    assert shock.pairs == (("KAZ", "PAK"),)
    assert shock.value == -10.0 and isinstance(shock.value, float)
    assert shock.commodities == ("pharma",)
    assert [shock.value_for(d) for d in ("low", "central", "high")] == [-5.0, -10.0, -15.0]


def test_shock_without_range_uses_central_for_every_draw():
    assert days(-7).value_for("low") == days(-7).value_for("high") == -7.0


def test_unknown_draw_names_valid_spellings():
    with pytest.raises(ScenarioError, match="'low', 'central', 'high'"):
        days().value_for("centre")


def test_unknown_variable_suggests_close_match():
    with pytest.raises(ScenarioError, match="did you mean 'transit_days'"):
        Shock("transit_day", KZ_PK, value=-10)


def test_shock_lists_every_problem_at_once():
    with pytest.raises(ScenarioError) as caught:
        Shock("transit_days", [("KAZ", "PAK"), ("KAX", "PAK"), ("PAK", "PAK")], value=-10, low=-20, high=-15)
    problems = caught.value.problems
    text = str(caught.value)
    assert len(problems) == 3
    assert "not between low -20.0 and high -15.0" in text
    assert "'KAX'" in text and "did you mean" in text
    assert "same exporter and importer" in text


def test_lower_case_country_code_gets_upper_case_hint():
    with pytest.raises(ScenarioError, match="did you mean 'KAZ'"):
        Shock("transit_days", [("kaz", "PAK")], value=-1)


@pytest.mark.parametrize(
    ("variable", "mode", "value", "message"),
    [
        ("route_available", "set", 1.2, r"must lie in \[0, 1\]"),
        ("rta", "set", 0.5, "0/1 dummy"),
        ("rta", "add", 1.0, "rta mode='add' is not valid"),
        ("route_available", "relative", -0.5, "route_available mode='relative' is not valid"),
        ("freight_cost_pct", "relative", -1.5, "below -1"),
        ("dist_km", "set", 0.0, "zero distance"),
        ("tariff_pct", "set", -2.0, "negative"),
    ],
)
def test_values_outside_their_domain_are_refused(variable, mode, value, message):
    with pytest.raises(ScenarioError, match=message):
        Shock(variable, KZ_PK, value=value, mode=mode)


def test_non_finite_value_is_refused():
    with pytest.raises(ScenarioError, match="finite number"):
        days(float("nan"))


def test_duplicate_pairs_are_refused():
    with pytest.raises(ScenarioError, match="more than once"):
        days(pairs=[("KAZ", "PAK"), ("KAZ", "PAK")])


def test_pairs_between_expands_both_ways_without_self_pairs():
    assert pairs_between(["KAZ", "PAK"], ["PAK"]) == (("KAZ", "PAK"), ("PAK", "KAZ"))
    assert pairs_between(["KAZ"], ["PAK", "AFG"], both_ways=False) == (("KAZ", "PAK"), ("KAZ", "AFG"))


def test_phase_in_linear_ramp():
    ramp = PhaseIn(ramp_years=4)
    assert [ramp.share(y, 2030) for y in range(2029, 2035)] == [0.0, 0.25, 0.5, 0.75, 1.0, 1.0]
    assert PhaseIn().share(2030, 2030) == 1.0 and PhaseIn().share(2029, 2030) == 0.0


def test_phase_in_schedule_holds_last_value():
    plan = PhaseIn(schedule={"2031": 0.2, 2033: 0.9})
    assert [plan.share(y, 2030) for y in (2030, 2031, 2032, 2033, 2040)] == [0.0, 0.2, 0.2, 0.9, 0.9]


def test_phase_in_problems():
    with pytest.raises(ScenarioError, match="outside"):
        PhaseIn(schedule={2030: 1.5})
    with pytest.raises(ScenarioError, match="keep one"):
        PhaseIn(ramp_years=3, schedule={2030: 0.5})
    with pytest.raises(ScenarioError, match="whole number"):
        PhaseIn(ramp_years=-1)


def test_scenario_phase_and_availability():
    sc = Scenario(
        "rail",
        start_year=2026,
        shocks=(days(start_year=2030),),
        phase_in=PhaseIn(ramp_years=2),
        availability={2027: 0.5},
    )
    assert sc.opening_year == 2030
    assert [sc.phase(y) for y in (2026, 2029, 2030, 2031)] == [0.0, 0.0, 0.5, 1.0]
    assert sc.availability_in(2027) == 0.5 and sc.availability_in(2028) == 1.0


def test_scenario_reports_every_problem_at_once():
    with pytest.raises(ScenarioError) as caught:
        Scenario(
            "messy",
            start_year=2030,
            shocks=(days(start_year=2028), days(-3.0, pairs=[("KAZ", "PAK")], commodities=("pharma",))),
            phase_in=PhaseIn(schedule={2029: 0.5}),
            availability={2031: 1.4},
            route=("KAZ", "XXX"),
        )
    text = str(caught.value)
    assert "opens in 2028, before the scenario starts (2030)" in text
    assert "both change transit_days on pairs ('KAZ', 'PAK')" in text
    assert "before the opening year 2030" in text
    assert "availability 1.4" in text
    assert "'XXX'" in text
    assert len(caught.value.problems) == 5


def test_shocks_on_disjoint_commodities_do_not_overlap():
    a = days(pairs=[("KAZ", "PAK")], commodities=("pharma",))
    b = days(-2.0, pairs=[("KAZ", "PAK")], commodities=("coal",))
    assert len(Scenario("split", start_year=2030, shocks=(a, b)).shocks) == 2


def test_shocks_on_different_variables_may_share_pairs():
    freight = Shock("freight_cost_pct", KZ_PK, value=-0.4, mode="relative")
    assert Scenario("both", start_year=2030, shocks=(days(), freight)).pairs() == (
        ("KAZ", "PAK"),
        ("PAK", "KAZ"),
    )


def test_a_scenario_that_changes_nothing_is_an_error():
    with pytest.raises(ScenarioError, match="changes nothing"):
        Scenario("empty", start_year=2030)
    with pytest.raises(ScenarioError, match="change nothing"):
        Scenario("zero", start_year=2030, shocks=(days(0.0),))


def test_the_baseline_kind_may_change_nothing():
    sc = Scenario("status_quo", start_year=2026, kind="baseline")
    assert sc.shocks == () and sc.kind == "baseline"


def test_unknown_kind_is_refused():
    with pytest.raises(ScenarioError, match="'corridor', 'baseline'"):
        Scenario("x", start_year=2030, shocks=(days(),), kind="basline")


def test_scenario_is_frozen_and_hashable():
    sc = Scenario("rail", start_year=2030, shocks=(days(),))
    with pytest.raises(dataclasses.FrozenInstanceError):
        sc.start_year = 2031  # type: ignore[misc]
    assert hash(sc) == hash(Scenario("rail", start_year=2030, shocks=(days(),)))


def test_replace_validates_again():
    sc = Scenario("rail", start_year=2030, shocks=(days(),))
    assert sc.replace(start_year=2031).start_year == 2031
    with pytest.raises(ScenarioError, match="opens in 2030"):
        Scenario("rail", start_year=2026, shocks=(days(start_year=2030),)).replace(start_year=2031)


def test_known_shipments_frame_and_validation():
    bus = KnownShipment("buses", "KAZ", "PAK", "buses", "export", {2026: 54e6, 2027: 54e6}, source="x")
    sc = Scenario("with_bus", start_year=2026, known_shipments=(bus,))
    frame = sc.shipments()
    assert list(frame.columns) == [
        "name",
        "reporter",
        "partner",
        "flow",
        "commodity",
        "year",
        "value_usd",
        "source",
    ]
    assert frame["value_usd"].sum() == pytest.approx(108e6)
    with pytest.raises(ScenarioError) as caught:
        KnownShipment("bad", "KAZ", "PAQ", "buses", "sideways", {2026: -1.0})
    assert len(caught.value.problems) == 3


def test_from_dict_collects_problems_of_every_shock():
    raw = {
        "name": "typos",
        "start_year": 2030,
        "shocks": [
            {"variable": "transit_dayz", "value": -10, "pairs": [["KAZ", "PAK"]]},
            {"variable": "freight_cost_pct", "mode": "relatve", "value": -0.4, "pairs": [["KAZ", "PAK"]]},
            {"variable": "tariff_pct", "value": -1, "pairs": [["KAZ", "PAK"]], "comodities": ["coal"]},
        ],
        "phase_in": {"ramp_year": 3},
    }
    with pytest.raises(ScenarioError) as caught:
        Scenario.from_dict(raw)
    text = str(caught.value)
    assert "shock 1 (transit_dayz)" in text and "did you mean 'transit_days'" in text
    assert "shock 2 (freight_cost_pct)" in text and "did you mean 'relative'" in text
    assert "'comodities'" in text and "did you mean 'commodities'" in text
    assert "'ramp_year'" in text
    assert "changes nothing" not in text  # not a follow-on error of the broken shocks


def test_from_dict_accepts_origins_and_destinations():
    raw = {
        "name": "x",
        "start_year": 2030,
        "shocks": [
            {"variable": "transit_days", "value": -1, "origins": ["KAZ", "UZB"], "destinations": ["PAK"]}
        ],
    }
    assert Scenario.from_dict(raw).shocks[0].pairs == pairs_between(["KAZ", "UZB"], ["PAK"])


@settings(max_examples=40, deadline=None)
@given(scenarios())
def test_dict_round_trip_is_exact(sc):
    assert Scenario.from_dict(sc.to_dict()) == sc


def test_delayed_moves_the_opening_but_not_availability_or_contracts():
    bus = KnownShipment("buses", "KAZ", "PAK", "buses", "export", {2026: 1.0})
    sc = Scenario(
        "rail",
        start_year=2026,
        phase_in=PhaseIn(schedule={2030: 0.5, 2031: 1.0}),
        known_shipments=(bus,),
        shocks=(days(), Shock("route_available", KZ_PK, value=0.85, mode="set")),
    )
    later = sc.delayed(4)
    assert later.opening_year == 2030 and sc.opening_year == 2026
    assert later.phase_in.schedule == ((2034, 0.5), (2035, 1.0))
    assert later.shocks[1] == sc.shocks[1] and later.known_shipments == sc.known_shipments
    with pytest.raises(ScenarioError, match="opens in 2024, before the scenario starts"):
        sc.delayed(-2)
