"""Scenario defaults against their sources: the facts file's parameter table and the Yotov et al. log.

* ``shared/facts/corridors.md`` section 6 (low/central/high scenario parameters, compiled for
  this project with a source per row) must agree with the built-in corridor library and the
  literature defaults of ``TradeCostMapping``.
* ``RTAsEffects.log`` (Yotov, Piermartini, Monteiro & Larch 2016, ch. 2 application 2, Stata
  output in shared/data, see PROVENANCE.md section 1) holds the RTA coefficient 0.5571853 and
  ``scalar sigma = 7`` behind the mapping's ``rta_effect`` and ``cost_elasticity`` defaults.
"""

from __future__ import annotations

import os
import re

import pytest

from forecasting.scenarios import TradeCostMapping, builtin_corridors, corridor_table
from tests.conftest import SHARED_FACTS, shared_file

pytestmark = pytest.mark.reference


def facts_table() -> dict[str, tuple[str, str, str]]:
    """Section 6 of shared/facts/corridors.md: key -> (low, central, high) as written."""
    path = SHARED_FACTS / "corridors.md"
    if not path.exists():
        message = f"facts file {path} is missing (expected ../shared/facts beside the repository)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    section = path.read_text(encoding="utf-8").split("## 6")[1]
    rows = {}
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) >= 5 and cells[0].startswith("`"):
            rows[cells[0].strip("`").split("`")[0]] = (cells[1], cells[2], cells[3])
    return rows


def number(text: str) -> float:
    return float(re.sub(r"[^\d.\-−]", "", text.split("(")[0]).replace("−", "-"))


def test_library_agrees_with_the_facts_file():
    facts = facts_table()
    table = corridor_table().set_index(["scenario", "shock"])
    lib = builtin_corridors()

    def shock(name, variable, exporter="KAZ"):
        rows = table.loc[name].query("variable == @variable and exporters.str.contains(@exporter)")
        assert len(rows) == 1
        return rows.iloc[0]

    low, central, high = facts["trans_afghan_days_saved_for_kz_cargo"]
    days = shock("trans_afghan_railway", "transit_days")
    assert (-days["low"], -days["central"], -days["high"]) == (number(low), number(central), number(high))
    low, central, high = facts["trans_afghan_freight_cost_change"]
    freight = shock("trans_afghan_railway", "freight_cost_pct")
    # The facts file orders the cost change by value (-67 % first); the library by effect size.
    assert (freight["high"], freight["central"], freight["low"]) == (
        number(low) / 100,
        number(central) / 100,
        number(high) / 100,
    )
    low, central, high = facts["route_afpk_available_share"]
    avail = shock("baseline", "route_available")
    assert (avail["low"], avail["central"], avail["high"]) == (number(low), number(central), number(high))
    assert lib["trans_afghan_railway"].opening_year == number(facts["trans_afghan_opening_year"][1])
    assert lib["turgundi_herat_railway"].opening_year == number(facts["turgundi_herat_opening_year"][1])
    assert lib["western_rail_corridor"].opening_year == number(facts["full_western_corridor_opening_year"][1])
    assert lib["trans_afghan_railway"].phase_in.ramp_years == number(facts["ramp_up_years_to_full_effect"][1])
    assert lib["baseline"].shipments()["value_usd"].sum() / 1e6 == number(facts["known_shipment_buses"][1])
    per_day = [number(v) for v in facts["semi_elasticity_trade_per_day"]]
    assert [TradeCostMapping.literature(d).per_day for d in ("low", "central", "high")] == per_day
    ave = [number(v) for v in facts["ave_tariff_per_day"]]
    assert [TradeCostMapping.literature(d).ave_per_day_pct for d in ("low", "central", "high")] == ave


def test_opening_years_and_ramp_ups_are_the_facts_files_ranges():
    """Opening-year and ramp-up distributions come from section 6; "never" is a chance of no line."""
    facts = facts_table()
    lib = builtin_corridors()
    cases = {
        "trans_afghan_railway": "trans_afghan_opening_year",
        "turgundi_herat_railway": "turgundi_herat_opening_year",
        "western_rail_corridor": "full_western_corridor_opening_year",
    }
    for name, key in cases.items():
        low, central, high = facts[key]
        opening = lib[name].opening
        assert (opening.earliest, opening.central) == (number(low), number(central)), name
        if high.strip().lower() == "never":
            assert opening.not_open_probability > 0 and "assumption" in opening.note, name
        else:
            assert opening.latest == number(high) and opening.not_open_probability == 0, name
    low, central, high = (number(v) for v in facts["ramp_up_years_to_full_effect"])
    for name in ("trans_afghan_railway", "turgundi_herat_railway", "western_rail_corridor"):
        phase_in = lib[name].phase_in
        assert (phase_in.fastest, phase_in.ramp_years, phase_in.slowest) == (low, central, high), name
        assert "assumption" in phase_in.note  # the facts file marks the range as judgement


def test_rta_and_sigma_defaults_match_the_published_log():
    log = shared_file("yotov2016_agtpa/results/ch2_app2_rta_effects/RTAsEffects.log").read_text(
        encoding="latin-1"
    )
    rta = float(re.search(r"^\s+RTA \|\s+([-.\d]+)", log, flags=re.M).group(1))
    sigma = float(re.search(r"scalar sigma = ([\d.]+)", log).group(1))
    assert rta == 0.5571853 and sigma == 7.0
    mapping = TradeCostMapping()
    # Rounded to three decimals in the default (tolerance 5e-4).
    assert mapping.rta_effect == pytest.approx(rta, abs=5e-4)
    assert mapping.cost_elasticity == 1.0 - sigma
