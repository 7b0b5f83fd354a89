"""Opening years, ramp-up ranges, delivered shares, new trade: validation, draws and TOML."""

from __future__ import annotations

import numpy as np
import pytest

from forecasting.errors import ScenarioError
from forecasting.scenarios import (
    KnownShipment,
    NewTrade,
    OpeningYears,
    PhaseIn,
    Scenario,
    Shock,
    builtin_corridors,
    dumps_scenarios,
    loads_scenarios,
    triangular_value,
)
from forecasting.scenarios.ranges import discrete_triangular

RAIL = Shock("transit_days", [("KAZ", "PAK")], value=-10.0, low=-5.0, high=-15.0, start_year=2033)


def _rail(**changes) -> Scenario:
    base = dict(
        name="rail",
        start_year=2026,
        shocks=(RAIL,),
        phase_in=PhaseIn(ramp_years=4, fastest=2, slowest=6, note="assumption"),
        opening=OpeningYears(2030, 2033, 2040, 0.25, note="assumption"),
    )
    return Scenario(**(base | changes))


def test_triangular_draws_have_the_stated_mode_bounds_and_orientation():
    u = np.random.default_rng(0).uniform(size=200_000)
    days = triangular_value(-5.0, -10.0, -15.0, u)
    assert days.max() <= -5.0 and days.min() >= -15.0
    # Mean of a triangular distribution is the mean of its three points.
    assert days.mean() == pytest.approx(-10.0, abs=0.02)
    # u near 0 is the conservative end (low), whatever the sign of the values.
    assert triangular_value(-5.0, -10.0, -15.0, 0.01) > -6.0
    assert triangular_value(0.5, 0.85, 1.0, 0.99) > 0.95
    assert triangular_value(3.0, 3.0, 3.0, u[:3]).tolist() == [3.0, 3.0, 3.0]


def test_opening_years_draws_match_their_probabilities():
    opening = OpeningYears(2030, 2033, 2040, 0.25, note="assumption")
    drawn = opening.draw(np.random.default_rng(1).uniform(size=100_000))
    assert (drawn == -1).mean() == pytest.approx(0.25, abs=0.01)
    for year in (2031, 2035, 2040):
        share = ((drawn != -1) & (drawn <= year)).mean()
        assert share == pytest.approx(opening.probability_open_by(year), abs=0.01)
    # The late end is the conservative end: u close to 0 does not open, u close to 1 opens first.
    assert opening.draw([0.0, 1.0]).tolist() == [-1, 2030]
    values, p = opening.years()
    assert values[p.argmax()] == 2033 and p.sum() == pytest.approx(0.75)


def test_opening_years_are_checked():
    with pytest.raises(ScenarioError, match="earliest <= central <= latest"):
        OpeningYears(2034, 2033, 2040, note="assumption")
    with pytest.raises(ScenarioError, match="source or a note"):
        OpeningYears(2030, 2033, 2040)
    with pytest.raises(ScenarioError, match="never opens"):
        OpeningYears(2030, 2033, 2040, 1.0, note="assumption")
    with pytest.raises(ScenarioError, match="differs from the year the shocks open"):
        _rail(opening=OpeningYears(2030, 2034, 2040, note="assumption"))
    with pytest.raises(ScenarioError, match="before the scenario starts"):
        _rail(opening=OpeningYears(2024, 2033, 2040, note="assumption"))
    only_availability = Shock("route_available", [("KAZ", "PAK")], value=0.9, mode="set")
    with pytest.raises(ScenarioError, match="go with trade-cost shocks"):
        _rail(shocks=(only_availability,))


def test_ramp_range_is_drawn_slowest_first_and_checked():
    ramp = PhaseIn(ramp_years=4, fastest=2, slowest=6, note="assumption")
    assert ramp.draw([0.0, 0.5, 1.0]).tolist() == [6, 4, 2]
    values, p = discrete_triangular(2, 4, 6)
    assert values[p.argmax()] == 4
    shares = ramp.shares(np.array([2033, 2034, 2035]), np.array([2033, 2033, -1]), 2033, np.array([2, 6, 4]))
    np.testing.assert_allclose(shares, [[0.5, 1.0, 1.0], [1 / 6, 2 / 6, 3 / 6], [0.0, 0.0, 0.0]])
    with pytest.raises(ScenarioError, match="fastest <= ramp_years <= slowest"):
        PhaseIn(ramp_years=4, fastest=5, note="assumption")
    with pytest.raises(ScenarioError, match="source or a note"):
        PhaseIn(ramp_years=4, fastest=2)
    with pytest.raises(ScenarioError, match="not with a schedule"):
        PhaseIn(schedule={2030: 0.5}, slowest=3, note="x")


def test_schedule_moves_with_the_drawn_opening():
    plan = PhaseIn(schedule={2033: 0.5, 2034: 1.0})
    shares = plan.shares(np.array([2033, 2034, 2035]), np.array([2033, 2034]), 2033)
    np.testing.assert_allclose(shares, [[0.5, 1.0, 1.0], [0.0, 0.5, 1.0]])


def test_delivered_share_and_new_trade_ranges():
    bus = KnownShipment("bus", "KAZ", "PAK", "buses", "export", {2026: 10.0}, delivered_low=0.5)
    assert bus.has_range and bus.delivered([0.0, 1.0]).tolist() == [0.5, 1.0]
    with pytest.raises(ScenarioError, match="delivered_low"):
        KnownShipment("bus", "KAZ", "PAK", "buses", "export", {2026: 10.0}, delivered_low=1.5)
    new = NewTrade(share=0.1, low=0.0, high=0.25, commodities=("hydrocarbons",), note="assumption")
    assert new.applies_to("hydrocarbons") and not new.applies_to("textiles")
    with pytest.raises(ScenarioError, match="low <= share <= high"):
        NewTrade(share=0.3, high=0.2, note="assumption")
    with pytest.raises(ScenarioError, match="source or a note"):
        NewTrade(share=0.1)


def test_new_fields_survive_toml_and_are_listed_in_the_library():
    rail = _rail(new_trade=NewTrade(share=0.1, low=0.0, high=0.25, note="assumption"))
    rail = rail.replace(
        known_shipments=(
            KnownShipment("bus", "KAZ", "PAK", "buses", "export", {2026: 1e6}, delivered_low=0.5),
        )
    )
    assert loads_scenarios(dumps_scenarios(rail))["rail"] == rail
    library = builtin_corridors()
    assert library["trans_afghan_railway"].opening.not_open_probability > 0
    assert library["aktau_karachi_gwadar"].new_trade.commodities == ("hydrocarbons", "coal")


def test_delay_moves_the_opening_range_with_the_shocks():
    later = _rail().delayed(2)
    assert later.opening_year == 2035 and (later.opening.earliest, later.opening.latest) == (2032, 2042)
