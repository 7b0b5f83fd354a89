"""The joint sample and the opening-year table: draws that belong together, probabilities that add up."""

from __future__ import annotations

import numpy as np
import pytest

from forecasting.projection.uncertainty import GE_SOURCES, SOURCES, JointSample, opening_years_table
from forecasting.scenarios import OpeningYears, builtin_corridors, loads_scenarios

YEARS = range(2026, 2036)


def test_each_source_has_its_own_stream_and_held_sources_sit_at_their_centre():
    sample = JointSample.draw(draws=500, ge_draws=100, seed=4)
    assert set(sample.quantiles) == set(SOURCES[1:])
    for source, u in sample.quantiles.items():
        assert len(u) == (100 if source in GE_SOURCES else 500)
    # Streams are independent: the opening-year quantiles are not the ramp-up's.
    assert abs(np.corrcoef(sample.quantiles["opening_year"], sample.quantiles["ramp_up"])[0, 1]) < 0.15
    rail = builtin_corridors()["trans_afghan_railway"]
    drawn = sample.opening(rail.opening, rail.opening_year)
    assert len(set(drawn)) > 5 and (drawn == -1).any()
    held = sample.held("opening_year", "ramp_up")
    assert (held.opening(rail.opening, rail.opening_year) == rail.opening.central).all()
    assert (held.ramp(rail.phase_in) == rail.phase_in.ramp_years).all()
    assert (held.cost_rows() == sample.cost_rows()).all()  # cost shocks still drawn
    with pytest.raises(ValueError, match="unknown sources"):
        sample.held("opening")


def test_drawn_opening_years_follow_the_stated_probabilities():
    opening = OpeningYears(2030, 2033, 2040, not_open_probability=0.25, note="assumption")
    sample = JointSample.draw(draws=20000, ge_draws=10, seed=1)
    drawn = sample.opening(opening, 2033)
    assert (drawn == -1).mean() == pytest.approx(0.25, abs=0.01)
    for year in (2031, 2033, 2035, 2040):
        assert ((drawn >= 0) & (drawn <= year)).mean() == pytest.approx(
            opening.probability_open_by(year), abs=0.01
        )


def test_the_railway_may_not_have_opened_by_2035():
    table = opening_years_table({"rail": builtin_corridors()["trans_afghan_railway"]}, YEARS).set_index(
        "year"
    )
    assert table.loc[2029, "probability_open"] == 0.0
    assert table.probability_open.is_monotonic_increasing
    assert table.loc[2035, "probability_not_open_by_horizon"] == pytest.approx(
        1 - table.loc[2035, "probability_open"]
    )
    assert table.loc[2035, "probability_not_open_by_horizon"] > 0.25  # the 25 % "never" and the later years
    assert "2030-2040" in table.basis.iloc[0] and "assumption" in table.basis.iloc[0]


def test_a_combination_opens_with_its_first_route_and_the_status_quo_has_no_row():
    library = builtin_corridors()
    both = library["trans_afghan_and_aktau"]
    table = opening_years_table({"both": both, "baseline": library["baseline"]}, YEARS)
    assert set(table.scenario) == {"both"}
    # The sea route opens at once (no range): the combination is open in every year.
    assert (table.probability_open == 1.0).all() and (table.probability_not_open_by_horizon == 0.0).all()
    rail_and_west = loads_scenarios(
        '[scenarios.rw]\ncombine = ["trans_afghan_railway", "western_rail_corridor"]\n'
    )
    rw = opening_years_table(rail_and_west, YEARS).set_index("year").probability_open
    rail = (
        opening_years_table({"r": library["trans_afghan_railway"]}, YEARS).set_index("year").probability_open
    )
    west = (
        opening_years_table({"w": library["western_rail_corridor"]}, YEARS).set_index("year").probability_open
    )
    np.testing.assert_allclose(rw, np.maximum(rail, west))
