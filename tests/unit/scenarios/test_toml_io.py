"""TOML files: exact round trips, user-written files, errors naming the file and every problem."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings

from forecasting.errors import ScenarioError
from forecasting.scenarios import (
    KnownShipment,
    PhaseIn,
    Scenario,
    Shock,
    builtin_corridors,
    dumps_scenarios,
    loads_scenarios,
    read_scenarios,
    write_scenarios,
)
from tests.unit.scenarios.strategies import scenarios

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "my_corridor.toml"


def rich_scenario() -> Scenario:
    return Scenario(
        "rich",
        start_year=2026,
        description='Quotes " and \\ and unicode: Türkmenistan',
        shocks=(
            Shock(
                "transit_days",
                [("KAZ", "PAK"), ("PAK", "KAZ")],
                value=-10,
                low=-5,
                high=-15,
                start_year=2030,
                source="https://example.org/a",
                note="assumption",
            ),
            Shock(
                "freight_cost_pct",
                [("KAZ", "PAK")],
                value=-0.4,
                mode="relative",
                commodities=("coal", "pharma"),
            ),
            Shock("route_available", [("UZB", "PAK")], value=0.85, mode="set", low=0.5, high=1.0),
        ),
        phase_in=PhaseIn(schedule={2030: 0.1, 2031: 0.45, 2033: 1.0}),
        availability={2026: 0.5, 2027: 0.75},
        known_shipments=(KnownShipment("buses", "KAZ", "PAK", "buses", "export", {2026: 54e6, 2027: 54e6}),),
        route=("KAZ", "UZB", "AFG", "PAK"),
        sources=("one", "two"),
        notes="multi\nline",
    )


def test_write_then_read_is_exact(tmp_path):
    original = {"rich": rich_scenario(), **builtin_corridors()}
    path = write_scenarios(original, tmp_path / "sub" / "scenarios.toml")
    again = read_scenarios(path)
    assert again == original
    assert list(again) == list(original)
    # Writing again gives the same bytes: the format is stable.
    assert dumps_scenarios(again) == path.read_text(encoding="utf-8")
    assert not list(path.parent.glob(".*.tmp"))


def test_single_scenario_and_lists_can_be_written(tmp_path):
    sc = rich_scenario()
    assert read_scenarios(write_scenarios(sc, tmp_path / "one.toml")) == {"rich": sc}
    assert loads_scenarios(dumps_scenarios([sc])) == {"rich": sc}


def test_mismatched_names_are_refused():
    with pytest.raises(ScenarioError, match="differs from the scenario's name"):
        dumps_scenarios({"other": rich_scenario()})


def test_user_written_example_reads_and_applies():
    scenarios = read_scenarios(EXAMPLE)
    mine = scenarios["karakoram_qtta_road"]
    assert mine.kind == "corridor" and mine.start_year == 2026
    assert ("KGZ", "PAK") in mine.pairs() and mine.shocks[1].commodities == ("textiles", "pharma")
    frame = pd.DataFrame(
        {"exporter": ["KAZ", "KAZ"], "importer": ["PAK", "PAK"], "commodity": ["pharma", "coal"]}
    )
    out = mine.cost_changes(frame)
    # Three days saved at pharma's 2 %/day, plus 10 % cheaper freight on its assumed 0.9 % share.
    assert out["delta_log_cost"][0] == pytest.approx(0.06 - 6 * (math.log1p(0.0081) - math.log1p(0.009)))
    assert out["delta_log_cost"][1] == pytest.approx(0.015)


def test_file_errors_name_the_file_and_every_problem(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text(
        """
[scenarios.one]
start_year = 2030
[[scenarios.one.shocks]]
variable = "transit_days"
value = -10
pairs = [["KAZ", "PAQ"]]

[scenarios.two]
start_year = 2030
colour = "red"
[[scenarios.two.shocks]]
variable = "distance"
value = -10
pairs = [["KAZ", "PAK"]]
""",
        encoding="utf-8",
    )
    with pytest.raises(ScenarioError) as caught:
        read_scenarios(bad)
    text = str(caught.value)
    assert str(bad) in text
    assert "scenario 'one'" in text and "'PAQ'" in text
    assert "scenario 'two'" in text and "'colour'" in text and "variable='distance' is not valid" in text
    assert len(caught.value.problems) == 3


def test_invalid_toml_points_at_the_line(tmp_path):
    bad = tmp_path / "broken.toml"
    bad.write_text("[scenarios.x\nstart_year = 2030\n", encoding="utf-8")
    with pytest.raises(ScenarioError, match=r"not valid TOML.*line 1"):
        read_scenarios(bad)


def test_empty_or_foreign_files_are_refused():
    with pytest.raises(ScenarioError, match=r"no \[scenarios.<name>\] tables"):
        loads_scenarios("title = 'x'\n")
    with pytest.raises(ScenarioError, match="version 9 is not supported"):
        loads_scenarios("version = 9\n[scenarios.a]\nstart_year = 2030\nkind = 'baseline'\n")


def test_name_inside_table_must_agree():
    with pytest.raises(ScenarioError, match="keep one name"):
        loads_scenarios("[scenarios.a]\nname = 'b'\nstart_year = 2030\nkind = 'baseline'\n")


@settings(max_examples=40, deadline=None)
@given(scenarios())
def test_toml_round_trip_is_exact_for_random_scenarios(sc):
    assert loads_scenarios(dumps_scenarios(sc)) == {sc.name: sc}


MISSPELT = """
[scenarios.typo]
start_year = 2030
[[scenarios.typo.shocks]]
variable = "transit_days"
value = -10
pairs = [["KAZ", "PAK"]]
commodities = ["textile"]
"""


def test_a_misspelt_commodity_is_refused_with_the_close_match(tmp_path):
    with pytest.raises(ScenarioError) as caught:
        loads_scenarios(MISSPELT)
    text = str(caught.value)
    assert "scenario 'typo': shock 1 (transit_days): unknown commodity 'textile'" in text
    assert "did you mean 'textiles'?" in text
    # A group of the user's own data is accepted when named.
    assert loads_scenarios(MISSPELT, commodities=["textile"])["typo"].shocks[0].commodities == ("textile",)


def test_the_command_line_refuses_a_misspelt_commodity_with_exit_two(tmp_path, capsys):
    from forecasting.cli import main

    path = tmp_path / "typo.toml"
    path.write_text(MISSPELT, encoding="utf-8")
    assert main(["scenarios", "--file", str(path)]) == 2
    err = capsys.readouterr().err
    assert "unknown commodity 'textile' (did you mean 'textiles'?)" in err
