"""The first screen's tables, checked against the outlook tables they summarise."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from forecasting.report import headline
from forecasting.scenarios import builtin_corridors


def _basis_2025(outlook) -> float:
    h = outlook.history
    rows = h[(h["source"] == "mirror-reconciled") & (h["year"] == outlook.settings.base_year)]
    return rows["value_usd"].sum()


def test_scenario_summary_equals_the_turnover_and_probability_tables(outlook):
    summary = headline.scenario_summary(outlook).set_index("scenario")
    t = outlook.turnover[outlook.turnover["level"] == 80].assign(year=lambda d: d["period"].dt.year)
    t = t.set_index(["scenario", "year"])
    billion = outlook.billion.set_index(["scenario", "year"])["probability"]
    base = _basis_2025(outlook)
    for scenario, row in summary.iterrows():
        for year in (2030, 2035):
            assert row[f"turnover_{year}_musd"] * 1e6 == pytest.approx(
                t.at[(scenario, year), headline.central_column(t)], rel=1e-12
            )
            assert row[f"lower80_{year}_musd"] * 1e6 == pytest.approx(
                t.at[(scenario, year), "lower"], rel=1e-12
            )
            assert row[f"upper80_{year}_musd"] * 1e6 == pytest.approx(
                t.at[(scenario, year), "upper"], rel=1e-12
            )
            grown = base * (1 + row[f"growth_{year}_pct"] / 100) ** (year - 2025)
            assert grown == pytest.approx(t.at[(scenario, year), headline.central_column(t)], rel=1e-9)
            assert row[f"prob_{year}_pct"] == pytest.approx(100 * billion[(scenario, year)])
        central = headline.central_column(t)
        gain = t.at[(scenario, 2035), central] - t.at[("baseline", 2035), central]
        assert row["gain_2035_musd"] * 1e6 == pytest.approx(gain, abs=1e-3)


def test_the_status_quo_leads_then_corridors_by_horizon_turnover_then_the_trend(outlook):
    summary = headline.scenario_summary(outlook)
    assert summary["scenario"].iloc[0] == "baseline" and summary["scenario"].iloc[-1] == "statistical"
    corridors = summary[summary["kind"] == "corridor"]["turnover_2035_musd"].to_numpy()
    assert (np.diff(corridors) <= 0).all()
    assert summary["title"].iloc[0] == outlook.scenarios["baseline"].display_name
    assert summary["title"].iloc[-1] == headline.STATISTICAL_TITLE


def test_first_year_is_numeric_with_a_note_when_not_reached(outlook):
    summary = headline.scenario_summary(outlook).set_index("scenario")
    first = outlook.first_year.set_index("scenario")
    for scenario, row in summary.iterrows():
        if pd.isna(first.at[scenario, "median_year"]):
            assert pd.isna(row["first_year"]) and row["first_year_note"] == first.at[scenario, "label"]
        else:
            assert row["first_year"] == first.at[scenario, "median_year"] and row["first_year_note"] == ""


def test_required_growth_reaches_the_target_exactly(outlook):
    need = headline.target_growth(outlook).set_index("year")
    base = _basis_2025(outlook)
    for year, row in need.iterrows():
        assert base * (1 + row["required_growth_pct"] / 100) ** (year - 2025) == pytest.approx(1e9, rel=1e-12)
    assert headline.required_growth(0.0, 1e9, 5) != headline.required_growth(0.0, 1e9, 5)  # NaN, not infinity


def test_goods_contributions_add_up_to_the_turnover_change(outlook):
    goods = headline.growth_contributions(outlook)
    mine = goods[goods["scenario"] == "baseline"]
    t = outlook.turnover
    horizon = t[(t["scenario"] == "baseline") & (t["period"].dt.year == 2035)]["mean"].iloc[0]
    assert mine["horizon_musd"].sum() * 1e6 == pytest.approx(
        horizon, rel=1e-9
    )  # turnover is the sum of goods
    assert mine["base_musd"].sum() * 1e6 == pytest.approx(_basis_2025(outlook), rel=1e-12)
    assert mine["share_of_growth_pct"].sum() == pytest.approx(100.0)
    assert (np.diff(mine["change_musd"].to_numpy()) <= 0).all() and mine["rank"].tolist() == list(range(1, 7))


def test_central_column_prefers_the_median_when_the_tables_carry_one():
    assert headline.central_column(pd.DataFrame(columns=["mean", "median"])) == "median"
    assert headline.central_column(pd.DataFrame(columns=["mean"])) == "mean"


def test_a_scenario_identical_to_the_status_quo_says_why(outlook):
    library = builtin_corridors()
    base = outlook.turnover[outlook.turnover["scenario"] == "baseline"]
    twin = base.assign(scenario="kz_pk_east_africa", mean=base["mean"] * 1.0004)
    scenarios = dict(outlook.scenarios) | {"kz_pk_east_africa": library["kz_pk_east_africa"]}
    result = dataclasses.replace(
        outlook, turnover=pd.concat([outlook.turnover, twin], ignore_index=True), scenarios=scenarios
    )
    note = headline.scenario_summary(result).set_index("scenario").at["kz_pk_east_africa", "note"]
    assert note.startswith("same as the status quo (within 0.04 % in every year)")
    assert "none of its trade-cost changes applies to KAZ–PAK trade" in note
    assert "KAZ, KGZ, TJK, UZB ↔ KEN, TZA, ZAF" in note and "equals the status quo" in note
    assert headline.scenario_summary(outlook).set_index("scenario").at["trans_afghan_railway", "note"] == ""


def test_the_reason_names_an_opening_after_the_horizon():
    library = builtin_corridors()
    late = library["trans_afghan_railway"].delayed(20)
    reason = headline.same_as_reference_reason(late, library["baseline"], ("KAZ", "PAK"), 2035)
    assert reason == "its changes to KAZ–PAK trade costs open in 2053, after the horizon 2035"


def test_the_statistical_row_says_from_when_it_equals_the_status_quo(outlook):
    summary = headline.scenario_summary(outlook).set_index("scenario")
    paths = headline.pair_turnover(outlook)
    # The status quo adds the known contract of 2026-2027 and the current route's risks to the trend:
    # the note claims equality from a year only when the paths are equal from then on.
    same = headline.same_from_year(paths, "statistical", "baseline")
    note = summary.at["statistical", "note"]
    if same is None:
        assert "equals the status quo" not in note
    else:
        assert note.endswith(
            f"it equals the status quo from {same}, once the status quo's known contracts have ended"
        )
    assert headline.same_from_year(paths, "trans_afghan_railway", "baseline") is None  # apart at the horizon


def test_the_summary_names_its_central_statistic_for_the_words_of_the_page(outlook):
    from forecasting.report.first_screen import central_words

    summary = headline.scenario_summary(outlook)
    assert set(summary["central"]) == {"median"} and central_words(summary) == "median of the draws"
    assert central_words(summary.assign(central="median")) == "median of the draws"
