"""The built-in corridor library: coverage, sources, and agreement with the facts file."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from forecasting.errors import ScenarioError
from forecasting.scenarios import (
    CENTRAL_ASIA,
    builtin_corridor,
    builtin_corridors,
    corridor_table,
)

REQUIRED = {
    "baseline",
    "trans_afghan_railway",
    "turgundi_herat_railway",
    "western_rail_corridor",
    "aktau_karachi_gwadar",
    "kz_pk_east_africa",
}


def all_pairs_frame() -> pd.DataFrame:
    """Every pair any built-in corridor touches, once."""
    pairs = sorted({p for sc in builtin_corridors().values() for p in sc.pairs()})
    return pd.DataFrame(pairs, columns=["exporter", "importer"])


def test_library_has_the_required_corridors_and_a_baseline_first():
    lib = builtin_corridors()
    assert REQUIRED <= set(lib)
    assert next(iter(lib)) == "baseline" and lib["baseline"].kind == "baseline"
    assert all(sc.kind == "corridor" for name, sc in lib.items() if name != "baseline")
    assert builtin_corridors() is not builtin_corridors()  # callers get their own dict


def test_unknown_builtin_name_lists_the_valid_ones():
    with pytest.raises(ScenarioError, match="did you mean 'baseline'"):
        builtin_corridor("basline")


def test_corridors_serve_all_of_central_asia_and_onward():
    lib = builtin_corridors()
    for origin in CENTRAL_ASIA:
        assert (origin, "PAK") in lib["baseline"].pairs() and ("PAK", origin) in lib["baseline"].pairs()
    assert {("KAZ", "PAK"), ("UZB", "PAK"), ("KGZ", "PAK"), ("TJK", "PAK")} <= set(
        lib["trans_afghan_railway"].pairs()
    )
    africa = {p[1] for p in lib["kz_pk_east_africa"].pairs() if p[0] == "KAZ"}
    assert {"KEN", "TZA", "ZAF"} <= africa
    assert "AFG" not in lib["aktau_karachi_gwadar"].route and "IRN" in lib["aktau_karachi_gwadar"].route


def test_every_shock_has_a_source_or_is_labelled_an_assumption():
    table = corridor_table()
    assert (table["source"].str.startswith("http") | table["assumption"]).all()
    # Figures the facts file marks as judgement must be labelled: opening years and day savings of
    # corridors without published times.
    for name in (
        "western_rail_corridor",
        "aktau_karachi_gwadar",
        "kz_pk_east_africa",
        "turgundi_herat_railway",
    ):
        rows = table[(table["scenario"] == name) & (table["variable"] == "transit_days")]
        assert len(rows) and rows["assumption"].all()
    for sc in builtin_corridors().values():
        for own in sc.components or (sc,):  # a combination cites its components' sources
            assert own.sources and all(s.strip() for s in own.sources)


def test_every_drawn_range_has_a_source_or_is_labelled_an_assumption():
    lib = builtin_corridors()
    ranges = []
    for sc in lib.values():
        ranges += [r for r in (sc.opening, sc.new_trade) if r is not None]
        ranges += [sc.phase_in] if sc.phase_in.has_range else []
        ranges += [k for k in sc.contracts if k.has_range]
    assert len(ranges) >= 10
    for item in ranges:
        assert item.source.startswith("http") or "assumption" in item.note.lower(), item
    # The facts file's opening-year judgements (section 6) are the drawn ranges.
    rail = lib["trans_afghan_railway"].opening
    assert (rail.earliest, rail.central, rail.not_open_probability > 0) == (2030, 2033, True)
    assert (lib["turgundi_herat_railway"].opening.earliest, lib["turgundi_herat_railway"].opening.latest) == (
        2027,
        2030,
    )
    assert lib["western_rail_corridor"].opening.not_open_probability > 0
    assert lib["trans_afghan_railway"].phase_in.ramp_range == (2, 6)


def test_bus_contract_is_a_known_shipment_of_every_builtin():
    for sc in builtin_corridors().values():
        buses = sc.shipments()
        # Falcon EuroBus: 600 electric buses, USD 108 m, deliveries 2026-27 (facts file, section 5).
        assert buses["value_usd"].sum() == pytest.approx(108e6)
        assert set(buses["year"]) == {2026, 2027}
        assert buses[["reporter", "partner", "flow", "commodity"]].drop_duplicates().values.tolist() == [
            ["KAZ", "PAK", "export", "buses"]
        ]


def test_corridor_scenarios_equal_the_baseline_before_they_open():
    lib = builtin_corridors()
    frame = all_pairs_frame()
    base = lib["baseline"].effects(frame, [2026], unmatched="skip").set_index(["exporter", "importer"])
    for name in (
        "trans_afghan_railway",
        "turgundi_herat_railway",
        "western_rail_corridor",
        "kz_pk_east_africa",
    ):
        sc = lib[name]
        assert sc.opening_year > 2026
        eff = sc.effects(frame, [2026], unmatched="skip").set_index(["exporter", "importer"])
        pd.testing.assert_series_equal(eff["multiplier"], base["multiplier"], check_names=False)


def test_draws_are_ordered_for_every_corridor():
    frame = all_pairs_frame()
    for name, sc in builtin_corridors().items():
        low, central, high = (
            sc.effects(frame, [2040], draw=d, unmatched="skip")["multiplier"].to_numpy()
            for d in ("low", "central", "high")
        )
        assert (low <= central + 1e-12).all() and (central <= high + 1e-12).all(), name


def test_full_effect_of_the_trans_afghan_railway_on_kazakh_trade():
    sc = builtin_corridor("trans_afghan_railway")
    frame = pd.DataFrame({"exporter": ["KAZ"], "importer": ["PAK"], "freight_cost_pct": [10.0]})
    out = sc.cost_changes(frame, unmatched="skip")
    # 10 days x 1 %/day + (1 - 7) x ln(1.06 / 1.10): freight 40 % cheaper on a 10 % share.
    assert out["delta_log_cost"][0] == pytest.approx(0.10 - 6 * math.log(1.06 / 1.10))
    assert sc.phase(2033) == 0.25 and sc.phase(2036) == 1.0
