"""Scenarios checked against the run: no start before the forecast, no commodity the data lack."""

from __future__ import annotations

import pytest

from forecasting.errors import ScenarioError
from forecasting.projection.checks import check_scenarios, opening_fallbacks
from forecasting.scenarios import builtin_corridors

EARLY = """
[scenarios.early]
start_year = 2015
[[scenarios.early.shocks]]
variable = "transit_days"
value = -10
pairs = [["KAZ", "PAK"]]
"""


def test_a_scenario_starting_before_the_forecast_is_refused_with_the_year_to_use():
    rail = builtin_corridors()["trans_afghan_railway"]
    with pytest.raises(ScenarioError) as caught:
        check_scenarios({"rail": rail.replace(start_year=2015)}, base_year=2025, commodities=["coal"])
    text = str(caught.value)
    assert "scenario 'rail' starts in 2015, before the forecast starts in 2026" in text
    assert "set start_year = 2026 or later" in text


def test_opening_years_and_contracts_in_the_past_are_refused_too():
    library = builtin_corridors()
    with pytest.raises(ScenarioError) as caught:
        check_scenarios(
            {"rail": library["trans_afghan_railway"]},
            base_year=2031,
            commodities=["coal", "buses", "hydrocarbons"],
        )
    text = str(caught.value)
    assert "may open in 2030, before the forecast starts in 2032" in text
    assert "known shipments of trans_afghan_railway list years 2026, 2027 before the forecast" in text
    check_scenarios(library, base_year=2025, commodities=["coal", "hydrocarbons", "buses", "textiles"])


def test_a_commodity_the_data_lack_is_refused_with_the_close_match():
    rail = builtin_corridors()["trans_afghan_railway"]
    with pytest.raises(ScenarioError, match=r"unknown commodity 'hydrocarbons'.*did you mean 'hydrocarbon'"):
        check_scenarios({"rail": rail}, base_year=2025, commodities=["hydrocarbon", "coal", "buses"])


def test_a_never_opening_share_that_stops_before_the_horizon_is_announced():
    (taken,) = opening_fallbacks({"rail": builtin_corridors()["trans_afghan_railway"]}, horizon=2045)
    assert "stay closed to 2045" in taken.remedy and "not_open_by = 2045" in taken.remedy
    assert opening_fallbacks({"rail": builtin_corridors()["trans_afghan_railway"]}, horizon=2035) == []


def test_the_library_refuses_an_early_start_before_any_model_runs(monkeypatch):
    import forecasting
    from forecasting.projection import pipeline
    from forecasting.scenarios import loads_scenarios

    def no_gravity(*args, **kwargs):  # the check must come first
        raise AssertionError("estimate_gravity ran before the scenarios were checked")

    monkeypatch.setattr(pipeline, "estimate_gravity", no_gravity)
    with (
        pytest.warns(Warning),
        pytest.raises(ScenarioError, match="starts in 2015, before the forecast starts"),
    ):
        forecasting.outlook(scenarios=loads_scenarios(EARLY), draws=40, horizon=2030)


def test_the_command_line_refuses_an_early_start_with_exit_two(tmp_path, capsys):
    from forecasting.cli import main

    path = tmp_path / "early.toml"
    path.write_text(EARLY, encoding="utf-8")
    code = main(["outlook", "--scenarios", str(path), "--no-report", "--out", str(tmp_path / "out")])
    assert code == 2
    err = capsys.readouterr().err
    assert "scenario 'early' starts in 2015, before the forecast starts in 2026" in err
    assert not (tmp_path / "out").exists()


def test_the_command_line_refuses_a_misspelt_commodity_in_an_outlook_with_exit_two(tmp_path, capsys):
    from forecasting.cli import main

    path = tmp_path / "typo.toml"
    path.write_text(EARLY.replace("2015", "2026") + 'commodities = ["textile"]\n', encoding="utf-8")
    assert main(["outlook", "--scenarios", str(path), "--no-report", "--out", str(tmp_path / "out")]) == 2
    assert "unknown commodity 'textile' (did you mean 'textiles'?)" in capsys.readouterr().err
