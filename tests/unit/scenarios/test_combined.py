"""Combined scenarios: TOML syntax, validation, and composition without double counting."""

from __future__ import annotations

import pandas as pd
import pytest

from forecasting.errors import ScenarioError
from forecasting.scenarios import (
    PhaseIn,
    Scenario,
    Shock,
    builtin_corridors,
    dumps_scenarios,
    loads_scenarios,
)

PAIRS = pd.DataFrame(
    {"exporter": ["KAZ", "PAK", "UZB"], "importer": ["PAK", "KAZ", "PAK"], "commodity": "other"}
)

FILE = """
[scenarios.both]
title = "Rail and the sea route"
combine = ["my_road", "aktau_karachi_gwadar"]

[scenarios.my_road]
start_year = 2027
[[scenarios.my_road.shocks]]
variable = "transit_days"
value = -8.0
pairs = [["KAZ", "PAK"]]
start_year = 2030
"""


def _days(name: str, days: float, start: int, pairs=(("KAZ", "PAK"),), ramp: int = 0) -> Scenario:
    return Scenario(
        name,
        start_year=2026,
        phase_in=PhaseIn(ramp_years=ramp),
        shocks=(Shock("transit_days", list(pairs), value=days, start_year=start),),
    )


def test_a_combination_reads_from_toml_with_file_and_builtin_components():
    scenarios = loads_scenarios(FILE)
    both = scenarios["both"]
    assert [c.name for c in both.components] == ["my_road", "aktau_karachi_gwadar"]
    assert both.components[1] == builtin_corridors()["aktau_karachi_gwadar"]
    assert both.start_year == 2026 and both.display_name == "Rail and the sea route"
    # Written out, the combination carries its components, so the file stands on its own.
    again = loads_scenarios(dumps_scenarios({"both": both}), library={})
    assert again["both"] == both


def test_a_combination_is_validated_like_any_scenario():
    with pytest.raises(
        ScenarioError, match=r"combine lists 'aktau_karachi_gwadr' \(did you mean 'aktau_karachi_gwadar'"
    ):
        loads_scenarios('[scenarios.x]\ncombine = ["trans_afghan_railway", "aktau_karachi_gwadr"]\n')
    with pytest.raises(ScenarioError, match="at least two"):
        loads_scenarios('[scenarios.x]\ncombine = ["trans_afghan_railway"]\n')
    with pytest.raises(ScenarioError, match="the status quo"):
        loads_scenarios('[scenarios.x]\ncombine = ["baseline", "trans_afghan_railway"]\n')
    with pytest.raises(ScenarioError, match="itself a combination"):
        loads_scenarios('[scenarios.x]\ncombine = ["trans_afghan_and_aktau", "western_rail_corridor"]\n')
    with pytest.raises(ScenarioError, match="takes shocks"):
        loads_scenarios(
            '[scenarios.x]\ncombine = ["trans_afghan_railway", "western_rail_corridor"]\n'
            '[[scenarios.x.shocks]]\nvariable = "transit_days"\nvalue = -1.0\npairs = [["KAZ", "PAK"]]\n'
        )


def test_on_a_shared_pair_the_better_route_counts_each_year_never_the_sum():
    slow = _days("slow", -4.0, 2027)
    fast = _days("fast", -10.0, 2032, pairs=(("KAZ", "PAK"), ("UZB", "PAK")))
    both = Scenario("both", start_year=2026, components=(slow, fast))
    for year, expected in ((2026, 0.0), (2028, 0.04), (2033, 0.10)):
        got = both.cost_changes(PAIRS, year=year, unmatched="skip").set_index(["exporter", "importer"])
        assert got.loc[("KAZ", "PAK"), "delta_log_cost"] == pytest.approx(expected)
    # A pair only one route serves keeps that route's change.
    full = both.cost_changes(PAIRS, unmatched="skip").set_index(["exporter", "importer"])
    assert full.loc[("UZB", "PAK"), "delta_log_cost"] == pytest.approx(0.10)
    assert full.loc[("PAK", "KAZ"), "delta_log_cost"] == 0.0


def test_availability_is_the_better_route_and_a_contract_counts_once():
    library = builtin_corridors()
    both = library["trans_afghan_and_aktau"]
    got = both.cost_changes(PAIRS, year=2027, unmatched="skip").set_index(["exporter", "importer"])
    assert got.loc[("KAZ", "PAK"), "availability"] == 1.0  # the sea route avoids the Afghan border
    assert got.loc[("UZB", "PAK"), "availability"] == 0.85
    assert both.shipments()["value_usd"].sum() == pytest.approx(108e6)
    # The combination is at least as good as each component on every pair, every year.
    for year in (2027, 2031, 2036):
        best = both.cost_changes(PAIRS, year=year, unmatched="skip")["delta_log_cost"]
        for name in ("trans_afghan_railway", "aktau_karachi_gwadar"):
            alone = library[name].cost_changes(PAIRS, year=year, unmatched="skip")["delta_log_cost"]
            assert (best >= alone - 1e-12).all()


def test_a_combination_refuses_linear_parts_and_lists_every_shock():
    both = builtin_corridors()["trans_afghan_and_aktau"]
    with pytest.raises(ScenarioError, match="not linear in the trade elasticity"):
        both.cost_change_parts(PAIRS, unmatched="skip")
    table = both.tidy()
    assert table["shock"].tolist() == list(range(1, len(table) + 1))
    assert table["note"].str.startswith("[").all()
    log = both.log(PAIRS, [2027], unmatched="skip")
    assert set(log["shock"]) <= set(table["shock"])
