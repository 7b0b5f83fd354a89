"""Scenario definitions as a reader reads them: one row per shock or shipment, pairs in words."""

from __future__ import annotations

from forecasting.report import scenario_text
from forecasting.scenarios import builtin_corridors, pairs_between


def test_every_shock_and_shipment_of_every_scenario_is_one_row_with_its_source():
    library = builtin_corridors()
    table = scenario_text.scenario_shocks(library)
    expected = sum(len(s.shocks) + len(s.known_shipments) for s in library.values())
    assert len(table) == expected
    assert list(table.columns) == scenario_text.SHOCK_COLUMNS
    assert table["source_url"].str.startswith("https://").all()  # every built-in shock is sourced
    assert not table["change"].str.contains(r"[\[{]").any()  # words, not JSON
    rail = table[(table["scenario"] == "trans_afghan_railway") & (table["item"] == "freight cost")].iloc[0]
    assert (rail["change"], rail["range"], rail["from_year"]) == ("−40 %", "−20 % to −67 %", 2033)
    bus = table[table["item"].str.startswith("known shipment")].iloc[0]
    assert bus["change"] == "USD 108 m of buses" and bus["between"] == "KAZ exports to PAK, 2026–2027"


def test_pairs_read_as_two_groups_when_they_are_two_groups():
    assert scenario_text.describe_pairs(pairs_between(["KAZ", "UZB"], ["PAK"])) == "KAZ, UZB ↔ PAK"
    assert (
        scenario_text.describe_pairs(pairs_between(["KAZ", "UZB"], ["PAK"], both_ways=False))
        == "KAZ, UZB → PAK"
    )
    odd = [("KAZ", "PAK"), ("PAK", "UZB"), ("UZB", "KAZ")]  # a triangle is no two groups: listed
    assert scenario_text.describe_pairs(odd) == "KAZ→PAK, PAK→UZB, UZB→KAZ"


def test_source_names_are_short():
    assert scenario_text.source_name("https://www.brecorder.com/news/40388627/x") == "brecorder.com"
    assert scenario_text.source_name("https://a.kz/1 ; https://b.kz/2") == "a.kz"
    assert scenario_text.first_url("see https://a.kz/1 ; https://b.kz/2") == "https://a.kz/1"
