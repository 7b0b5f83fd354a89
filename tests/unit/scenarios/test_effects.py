"""Direct effects: known-value arithmetic per channel, phase-in, availability, the change log."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from forecasting.errors import ScenarioError, SchemaError
from forecasting.scenarios import (
    PhaseIn,
    Scenario,
    Shock,
    TradeCostMapping,
    by_commodity,
    cost_change_parts,
    cost_changes,
    direct_effects,
    scenario_log,
)
from forecasting.scenarios.effects import COST_CHANGE_COLUMNS, EFFECT_COLUMNS, LOG_COLUMNS

KZ_PK = [("KAZ", "PAK"), ("PAK", "KAZ")]


def one(shock: Shock, **kw) -> Scenario:
    return Scenario("test", start_year=2030, shocks=(shock,), **kw)


def pairs(**columns) -> pd.DataFrame:
    base = {"exporter": ["KAZ", "PAK", "UZB"], "importer": ["PAK", "KAZ", "PAK"]}
    return pd.DataFrame({**base, **columns})


def effect_of(shock: Shock, frame: pd.DataFrame | None = None, **kw) -> np.ndarray:
    return cost_changes(one(shock), pairs() if frame is None else frame, **kw)["delta_log_cost"].to_numpy()


def test_time_channel_ten_days_is_ten_percent():
    out = cost_changes(one(Shock("transit_days", KZ_PK, value=-10)), pairs())
    assert list(out.columns) == COST_CHANGE_COLUMNS
    assert out["delta_log_cost"].tolist() == pytest.approx([0.10, 0.10, 0.0])
    assert out["channel"].tolist() == ["time", "time", "none"]
    assert out["delta_days"].tolist() == [-10.0, -10.0, 0.0]
    assert out["commodity"].tolist() == ["TOTAL"] * 3


def test_time_channel_scales_with_commodity_sensitivity():
    frame = pd.DataFrame(
        {"exporter": ["KAZ"] * 3, "importer": ["PAK"] * 3, "commodity": ["pharma", "TOTAL", "coal"]}
    )
    got = effect_of(Shock("transit_days", KZ_PK, value=-10), frame)
    assert got.tolist() == pytest.approx([0.20, 0.10, 0.05])


def test_freight_channel_relative_change_on_data_levels():
    shock = Shock("freight_cost_pct", KZ_PK, value=-0.4, mode="relative")
    got = effect_of(shock, pairs(freight_cost_pct=[10.0, 20.0, 10.0]))
    assert got[:2].tolist() == pytest.approx([-6 * math.log(1.06 / 1.10), -6 * math.log(1.12 / 1.20)])
    # The caller's elasticity replaces the mapping's 1 - sigma.
    assert effect_of(shock, pairs(freight_cost_pct=[10.0, 20.0, 10.0]), elasticity=-3.0)[0] == pytest.approx(
        -3 * math.log(1.06 / 1.10)
    )


def test_freight_falls_back_to_the_mappings_assumed_share():
    shock = Shock("freight_cost_pct", KZ_PK, value=-2.0, mode="add")
    # 10 % for TOTAL by default; a user mapping can say 4 %.
    assert effect_of(shock)[0] == pytest.approx(-6 * math.log(1.08 / 1.10))
    assert effect_of(shock, mapping=TradeCostMapping(freight_pct={"TOTAL": 4.0}))[0] == pytest.approx(
        -6 * math.log(1.02 / 1.04)
    )


def test_tariff_distance_and_rta_channels():
    frame = pairs(tariff_pct=[5.0, 0.0, 5.0], dist_km=[3000.0, 3000.0, 2000.0], rta=[0, 1, 0])
    assert effect_of(Shock("tariff_pct", KZ_PK, value=0.0, mode="set"), frame)[0] == pytest.approx(
        6 * math.log(1.05)
    )
    assert effect_of(Shock("dist_km", KZ_PK, value=-0.2, mode="relative"), frame)[0] == pytest.approx(
        -0.9 * math.log(0.8)
    )
    assert effect_of(Shock("dist_km", KZ_PK, value=-600, mode="add"), frame)[0] == pytest.approx(
        -0.9 * math.log(0.8)
    )
    rta = cost_changes(one(Shock("rta", KZ_PK, value=1.0, mode="set")), frame)
    # Already in an agreement (PAK -> KAZ here): no change.
    assert rta["delta_log_cost"].tolist() == pytest.approx([0.557, 0.0, 0.0])
    assert rta["channel"].tolist() == ["rta", "none", "none"]


def test_channels_add_up_on_one_pair():
    sc = Scenario(
        "both",
        start_year=2030,
        shocks=(
            Shock("transit_days", KZ_PK, value=-10),
            Shock("freight_cost_pct", KZ_PK, value=-0.4, mode="relative"),
        ),
    )
    out = cost_changes(sc, pairs(freight_cost_pct=10.0))
    assert out["delta_log_cost"][0] == pytest.approx(0.10 - 6 * math.log(1.06 / 1.10))
    assert out["channel"][0] == "freight+time"


def test_distance_and_time_on_one_pair_is_refused_unless_net_of_time():
    sc = Scenario(
        "double",
        start_year=2030,
        shocks=(
            Shock("transit_days", KZ_PK, value=-10),
            Shock("dist_km", [("KAZ", "PAK")], value=-0.1, mode="relative"),
        ),
    )
    with pytest.raises(ScenarioError, match="counts one route change twice") as caught:
        cost_changes(sc, pairs())
    assert "('KAZ', 'PAK', 'TOTAL')" in str(caught.value) and "('PAK', 'KAZ'" not in str(caught.value)
    net = cost_changes(sc, pairs(), mapping=TradeCostMapping(distance_net_of_time=True))
    assert net["delta_log_cost"][0] == pytest.approx(0.10 - 0.9 * math.log(0.9))


def test_shock_matching_no_rows_is_an_error_unless_skipped():
    sc = Scenario(
        "africa",
        start_year=2030,
        shocks=(
            Shock("transit_days", KZ_PK, value=-10),
            Shock("transit_days", [("KAZ", "KEN")], value=-5),
            Shock("freight_cost_pct", KZ_PK, value=-0.1, mode="relative", commodities=("coal",)),
        ),
    )
    with pytest.raises(ScenarioError) as caught:
        cost_changes(sc, pairs())
    text = str(caught.value)
    assert len(caught.value.problems) == 2
    assert "shock 2 (transit_days) matches no rows" in text and "('KAZ', 'KEN')" in text
    assert "shock 3 (freight_cost_pct)" in text and "commodities ['coal']" in text
    skipped = cost_changes(sc, pairs(), unmatched="skip")
    assert skipped["delta_log_cost"].tolist() == pytest.approx([0.1, 0.1, 0.0])


def test_missing_levels_are_named_with_their_rows():
    with pytest.raises(ScenarioError, match=r"add a numeric 'tariff_pct' column.*\('KAZ', 'PAK', 'TOTAL'\)"):
        cost_changes(one(Shock("tariff_pct", KZ_PK, value=-2.0)), pairs())
    with pytest.raises(ScenarioError, match="'rta' column"):
        cost_changes(one(Shock("rta", KZ_PK, value=1.0, mode="set")), pairs())


def test_a_change_below_zero_is_refused():
    with pytest.raises(ScenarioError, match="would make freight_cost_pct negative"):
        cost_changes(one(Shock("freight_cost_pct", KZ_PK, value=-15.0)), pairs())


def test_positive_elasticity_is_refused_with_a_hint_about_sigma():
    with pytest.raises(ScenarioError, match="pass elasticity = -6"):
        cost_changes(one(Shock("transit_days", KZ_PK, value=-1)), pairs(), elasticity=7.0)


def test_pairs_table_problems():
    with pytest.raises(SchemaError, match="lacks columns 'importer'"):
        cost_changes(one(Shock("transit_days", KZ_PK, value=-1)), pd.DataFrame({"exporter": ["KAZ"]}))
    dupes = pd.DataFrame({"exporter": ["KAZ", "KAZ"], "importer": ["PAK", "PAK"]})
    with pytest.raises(SchemaError, match="one row per pair and commodity"):
        cost_changes(one(Shock("transit_days", KZ_PK, value=-1)), dupes)


def test_bad_levels_and_blank_keys_in_the_pairs_table_are_named():
    sc = one(Shock("transit_days", KZ_PK, value=-1))
    with pytest.raises(
        SchemaError, match=r"'freight_cost_pct' has non-numbers in rows 1.*'route_available'.*rows 2"
    ):
        cost_changes(sc, pairs(freight_cost_pct=[1.0, "cheap", 2.0], route_available=[1.0, 0.5, 1.5]))
    with pytest.raises(SchemaError, match="missing exporter, importer or commodity in rows 0"):
        cost_changes(sc, pairs(commodity=[None, "coal", "coal"]))


def test_every_input_row_is_kept_in_order():
    frame = pairs().iloc[::-1].set_index(pd.Index([7, 8, 9]))
    out = cost_changes(one(Shock("transit_days", KZ_PK, value=-1)), frame)
    assert out[["exporter", "importer"]].values.tolist() == frame[["exporter", "importer"]].values.tolist()
    assert out.index.tolist() == [0, 1, 2]


def test_draws_pick_low_central_high():
    shock = Shock("transit_days", KZ_PK, value=-10, low=-5, high=-15)
    got = [effect_of(shock, draw=d)[0] for d in ("low", "central", "high")]
    assert got == pytest.approx([0.05, 0.10, 0.15])
    with pytest.raises(ScenarioError, match="use one of 'low', 'central', 'high'"):
        effect_of(shock, draw="middle")


def test_phase_in_and_staged_opening_by_year():
    sc = Scenario(
        "staged",
        start_year=2026,
        phase_in=PhaseIn(ramp_years=4),
        shocks=(
            Shock("transit_days", KZ_PK, value=-10, start_year=2030),
            Shock("transit_days", [("UZB", "PAK")], value=-4, start_year=2032),
        ),
    )
    eff = direct_effects(sc, pairs(), range(2029, 2037))
    assert list(eff.columns) == EFFECT_COLUMNS
    kz = eff.query("exporter == 'KAZ'").set_index("year")["delta_log_cost"]
    uz = eff.query("exporter == 'UZB'").set_index("year")["delta_log_cost"]
    assert kz.tolist() == pytest.approx([0, 0.025, 0.05, 0.075, 0.1, 0.1, 0.1, 0.1])
    assert uz.tolist() == pytest.approx([0, 0, 0, 0.01, 0.02, 0.03, 0.04, 0.04])
    assert eff.query("exporter == 'UZB' and year == 2033")["phase"].item() == pytest.approx(0.5)
    # cost_changes(year=...) is the same slice; year=None is the full effect.
    assert cost_changes(sc, pairs(), year=2031)["delta_log_cost"].tolist() == pytest.approx([0.05, 0.05, 0.0])
    assert cost_changes(sc, pairs())["delta_log_cost"].tolist() == pytest.approx([0.1, 0.1, 0.04])


def test_availability_multiplies_the_flow_but_not_the_cost():
    sc = Scenario(
        "closures",
        start_year=2026,
        availability={2027: 0.5},
        shocks=(
            Shock("transit_days", KZ_PK, value=-10),
            Shock("route_available", KZ_PK, value=0.8, mode="set"),
        ),
    )
    eff = direct_effects(sc, pairs(), [2026, 2027]).set_index(["exporter", "year"])
    assert eff.loc[("KAZ", 2026), "availability"] == pytest.approx(0.8)
    assert eff.loc[("KAZ", 2027), "availability"] == pytest.approx(0.4)
    assert eff.loc[("KAZ", 2026), "delta_log_cost"] == pytest.approx(0.1)
    assert eff.loc[("KAZ", 2026), "multiplier"] == pytest.approx(0.8 * math.exp(0.1))
    # Untouched pairs keep a route open all year.
    assert eff.loc[("UZB", 2027), "multiplier"] == 1.0
    # Against data that already record 0.8 of the year open, the same scenario changes no availability.
    same = direct_effects(sc, pairs(route_available=0.8), [2026])
    assert same["multiplier"][0] == pytest.approx(math.exp(0.1))


def test_a_zero_shock_baseline_changes_nothing():
    sc = Scenario(
        "status_quo", start_year=2026, kind="baseline", shocks=(Shock("transit_days", KZ_PK, value=0.0),)
    )
    eff = direct_effects(sc, pairs(), [2026, 2030])
    assert (eff["delta_log_cost"] == 0).all() and (eff["multiplier"] == 1).all()
    assert scenario_log(sc, pairs(), [2026, 2030]).empty
    assert list(scenario_log(sc, pairs(), [2026]).columns) == LOG_COLUMNS


def test_scenario_log_names_every_changed_cell():
    sc = Scenario(
        "rail",
        start_year=2026,
        phase_in=PhaseIn(ramp_years=2),
        availability={2031: 0.5},
        shocks=(
            Shock("transit_days", KZ_PK, value=-10, start_year=2030),
            Shock("freight_cost_pct", [("KAZ", "PAK")], value=-0.5, mode="relative", start_year=2030),
        ),
    )
    log = scenario_log(sc, pairs(freight_cost_pct=[8.0, 8.0, 8.0]), [2029, 2030, 2031])
    assert list(log.columns) == LOG_COLUMNS
    assert 2029 not in log["year"].tolist()
    freight = log.query("variable == 'freight_cost_pct'").set_index("year")
    assert freight.loc[2030, ["before", "after", "change"]].tolist() == pytest.approx([8.0, 6.0, -2.0])
    assert freight.loc[2031, "after"] == pytest.approx(4.0)
    days = log.query("variable == 'transit_days' and year == 2030")
    assert days["change"].tolist() == [-5.0, -5.0] and days["before"].isna().all()
    avail = log.query("variable == 'route_available'")
    assert avail[["exporter", "year", "before", "after", "shock"]].values.tolist() == [
        ["KAZ", 2031, 1.0, 0.5, 0],
        ["PAK", 2031, 1.0, 0.5, 0],
    ]


def test_by_commodity_uses_each_groups_elasticity():
    sc = one(Shock("freight_cost_pct", KZ_PK, value=-0.4, mode="relative", commodities=("coal", "pharma")))
    frame = pd.DataFrame(
        {
            "exporter": ["KAZ", "KAZ", "KAZ"],
            "importer": ["PAK"] * 3,
            "commodity": ["coal", "pharma", "textiles"],
            "freight_cost_pct": [50.0, 2.0, 4.0],
        }
    )
    table = pd.DataFrame({"commodity": ["coal", "pharma"], "elasticity": [-8.0, -3.0]})
    with pytest.raises(ScenarioError, match="no trade-cost elasticity for commodities 'textiles'"):
        by_commodity(sc, frame, table)
    out = by_commodity(sc, frame, table, default=-5.0)
    assert sorted(out) == ["coal", "pharma", "textiles"]
    assert out["coal"]["delta_log_cost"][0] == pytest.approx(-8 * math.log(1.30 / 1.50))
    assert out["pharma"]["delta_log_cost"][0] == pytest.approx(-3 * math.log(1.012 / 1.02))
    assert out["textiles"]["delta_log_cost"][0] == 0.0


def test_effects_do_not_depend_on_trade_values():
    # Scaling all trade leaves percentage changes unchanged: the direct effect ignores levels of trade.
    sc = one(Shock("transit_days", KZ_PK, value=-10))
    small = cost_changes(sc, pairs(value_usd=[1.0, 2.0, 3.0]))
    big = cost_changes(sc, pairs(value_usd=[1e9, 2e9, 3e9]))
    pd.testing.assert_frame_equal(small, big)


def test_scenario_tidy_lists_its_shocks():
    sc = Scenario(
        "two",
        start_year=2030,
        shocks=(
            Shock("transit_days", KZ_PK, value=-10, low=-5, high=-15, note="assumption: judgement"),
            Shock(
                "freight_cost_pct",
                [("KAZ", "PAK")],
                value=-0.4,
                mode="relative",
                source="https://example.org",
            ),
        ),
    )
    table = sc.tidy()
    assert table["variable"].tolist() == ["transit_days", "freight_cost_pct"]
    assert table[["low", "central", "high"]].values.tolist()[0] == [-5.0, -10.0, -15.0]
    assert table["assumption"].tolist() == [True, False] and table["n_pairs"].tolist() == [2, 1]


@pytest.mark.parametrize("time_method", ["semi_elasticity", "tariff_equivalent"])
def test_cost_change_parts_rebuild_the_cost_change_for_any_elasticity(time_method):
    sc = Scenario(
        "mixed",
        start_year=2030,
        phase_in=PhaseIn(ramp_years=4),
        shocks=(
            Shock("transit_days", KZ_PK, value=-10, low=-5, high=-15),
            Shock("freight_cost_pct", KZ_PK, value=-0.4, mode="relative"),
            Shock("tariff_pct", [("PAK", "KAZ")], value=-2.0, commodities=("textiles",)),
            Shock("rta", [("KAZ", "UZB")], value=1.0, mode="set"),
        ),
    )
    frame = pd.DataFrame(
        {
            "exporter": ["KAZ", "PAK", "PAK", "KAZ"],
            "importer": ["PAK", "KAZ", "KAZ", "UZB"],
            "commodity": ["coal", "textiles", "pharma", "coal"],
            "tariff_pct": [5.0, 12.0, 3.0, 0.0],
            "rta": [0, 0, 0, 0],
        }
    )
    mapping = TradeCostMapping(time_method=time_method)
    for draw in ("low", "central", "high"):
        for year in (None, 2031):
            parts = cost_change_parts(sc, frame, mapping=mapping, draw=draw, year=year)
            assert list(parts.columns) == [
                "exporter",
                "importer",
                "commodity",
                "delta_fixed",
                "delta_per_elasticity",
            ]
            for eps in (-0.7, -4.0, -11.0):
                direct = cost_changes(sc, frame, mapping=mapping, elasticity=eps, draw=draw, year=year)
                rebuilt = parts["delta_fixed"] + eps * parts["delta_per_elasticity"]
                np.testing.assert_allclose(rebuilt, direct["delta_log_cost"], rtol=1e-12, atol=1e-15)
    # Freight and tariffs move with the elasticity; days (as a semi-elasticity) and agreements do not.
    full = sc.cost_change_parts(frame, mapping=TradeCostMapping())
    assert (full["delta_per_elasticity"].iloc[:3] != 0).all() and full["delta_per_elasticity"].iloc[3] == 0
    assert full["delta_fixed"].iloc[3] == pytest.approx(0.557)
