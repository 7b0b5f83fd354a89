"""Corridor uncertainty end to end: opening years move the $1 bn answer; a combination runs from TOML."""

from __future__ import annotations

import dataclasses
import warnings

import pytest

import forecasting
from forecasting.projection.estimate import estimate_gravity
from forecasting.projection.pair import pair_outlook
from forecasting.projection.prepare import prepare_data
from forecasting.scenarios import builtin_corridors, read_scenarios

RUN = dict(draws=60, ge_draws=20, horizon=2035, seed=7)


@pytest.fixture(scope="module")
def stages():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # demonstration data
        prepared = prepare_data()
        return prepared, estimate_gravity(prepared)


@pytest.mark.slow
def test_the_billion_probability_moves_with_the_opening_year_distribution(stages):
    library = builtin_corridors()
    rail = library["trans_afghan_railway"]
    scenarios = {
        "baseline": library["baseline"],
        "early": rail.delayed(-3),
        "central": rail,
        "late": rail.delayed(4),
        "unlikely": rail.replace(opening=dataclasses.replace(rail.opening, not_open_probability=0.9)),
    }
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # fall-backs, recorded in the settings
        # A target the central railway reaches in about half of its draws, so the chance can move.
        first = pair_outlook(*stages, scenarios={"central": rail}, **RUN)
        turnover = first.turnover[(first.turnover.level == 80) & (first.turnover.period.dt.year == 2035)]
        row = turnover.set_index("scenario").loc["central"]
        target = float((row["lower"] * row["upper"]) ** 0.5)
        out = pair_outlook(*stages, scenarios=scenarios, target_usd=target, **RUN)
    p = out.billion[out.billion.year == 2035].set_index("scenario").probability
    # The same draws in every scenario: only the opening years differ, so the order is strict.
    assert p["early"] > p["central"] > p["late"] > p["baseline"]
    assert p["central"] > p["unlikely"] >= p["baseline"]
    opened = out.opening_years[out.opening_years.year == 2035].set_index("scenario").probability_open
    assert opened["early"] > opened["central"] > opened["late"] and opened["unlikely"] < 0.1


@pytest.mark.slow
def test_a_combined_scenario_runs_end_to_end_from_toml(tmp_path):
    path = tmp_path / "mine.toml"
    path.write_text(
        """
[scenarios.status_quo]
kind = "baseline"
start_year = 2026

[scenarios.rail_and_sea]
title = "Railway and the sea route"
combine = ["trans_afghan_railway", "aktau_karachi_gwadar"]
""",
        encoding="utf-8",
    )
    scenarios = read_scenarios(path)
    scenarios |= {k: builtin_corridors()[k] for k in ("trans_afghan_railway", "aktau_karachi_gwadar")}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = forecasting.outlook(scenarios=scenarios, **RUN)
    t = out.turnover[(out.turnover.level == 80) & (out.turnover.period.dt.year == 2035)].set_index("scenario")
    # The better route counts on each pair, so the pair does at least as well as on either route.
    for column in ("lower", "mean", "upper"):
        best_single = max(t.loc["trans_afghan_railway", column], t.loc["aktau_karachi_gwadar", column])
        assert t.loc["rail_and_sea", column] >= best_single * (1 - 1e-9)
    # The bus contract both components list is counted once.
    ships = out.shipments[out.shipments.scenario == "rail_and_sea"]
    assert ships.value_usd.sum() == pytest.approx(108e6)
    growth = out.billion_growth.set_index("role")
    assert growth.loc["best combination", "scenario"].unique().tolist() == ["rail_and_sea"]
    assert set(out.billion_drivers.scenario) >= {"rail_and_sea"}
    opening = out.opening_years[out.opening_years.scenario == "rail_and_sea"]
    assert (opening.probability_open == 1.0).all()  # the sea route needs no construction
    assert out.scenarios["rail_and_sea"].display_name == "Railway and the sea route"
