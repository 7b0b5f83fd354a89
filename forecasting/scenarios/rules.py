"""Scenario-wide checks and the shock table, read through a scenario's attributes.

These sit below :mod:`forecasting.scenarios.scenario` (the ``Scenario`` methods delegate
here), so they never import the class: a scenario is read through the fields it has.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

from forecasting.errors import describe_items
from forecasting.scenarios._checks import UNITS, commodity_problem
from forecasting.scenarios.parts import NewTrade
from forecasting.scenarios.ranges import OpeningYears
from forecasting.scenarios.shock import Shock

__all__ = ["SHOCK_TABLE_COLUMNS", "commodity_problems", "nothing_problems", "shock_table", "timing_problems"]

#: Columns of :meth:`Scenario.tidy` (and of ``corridor_table``): one row per shock.
SHOCK_TABLE_COLUMNS = [
    "scenario",
    "kind",
    "start_year",
    "ramp_years",
    "route",
    "shock",
    "variable",
    "mode",
    "unit",
    "low",
    "central",
    "high",
    "exporters",
    "importers",
    "n_pairs",
    "commodities",
    "assumption",
    "source",
    "note",
]


def timing_problems(scenario: Any) -> list[str]:
    """The opening years must belong to a corridor that opens, agree with its shocks and not
    precede the scenario's start."""
    found: list[str] = []
    for name, kind in (("opening", OpeningYears), ("new_trade", NewTrade)):
        value = getattr(scenario, name)
        if value is not None and not isinstance(value, kind):
            found.append(f"{name} must be a {kind.__name__}, got {type(value).__name__}")
    opening = scenario.opening
    if found or opening is None or not isinstance(scenario.start_year, int):
        return found
    if not scenario.cost_shocks:
        return ["opening years go with trade-cost shocks (the corridor that opens); this scenario has none"]
    if opening.central != scenario.opening_year:
        found.append(
            f"opening central {opening.central} differs from the year the shocks open"
            f" ({scenario.opening_year}); make them agree"
        )
    if opening.earliest < scenario.start_year:
        found.append(
            f"opening earliest {opening.earliest} is before the scenario starts ({scenario.start_year})"
        )
    return found


def commodity_problems(scenario: Any, known: Sequence[str]) -> list[str]:
    """Sentences naming each shock, contract or new-trade commodity that is not in ``known``."""
    if scenario.components:
        return [f"{c.name}: {p}" for c in scenario.components for p in commodity_problems(c, known)]
    found = [
        p
        for i, shock in enumerate(scenario.shocks, start=1)
        for p in commodity_problem(shock.commodities, f"shock {i} ({shock.variable})", known)
    ]
    for contract in scenario.known_shipments:
        found += commodity_problem([contract.commodity], f"known shipment {contract.name!r}", known)
    if scenario.new_trade is not None:
        found += commodity_problem(scenario.new_trade.commodities, "new_trade", known)
    return found


def nothing_problems(scenario: Any) -> list[str]:
    """A corridor that changes nothing is an error, and so is a shock that changes nothing."""
    shocks = [s for s in scenario.shocks if isinstance(s, Shock)]
    idle = [f"shock {i} ({s.variable})" for i, s in enumerate(shocks, start=1) if not s.changes_something]
    found = [f"{describe_items(idle)} change nothing (every draw is 0); remove them"] if idle else []
    if (
        not any(s.changes_something for s in shocks)
        and not scenario.known_shipments
        and not scenario.availability
        and scenario.new_trade is None
    ):
        found.append(
            "the scenario changes nothing: add a shock, a known shipment or an availability year"
            " (a status-quo reference scenario takes kind = 'baseline')"
        )
    return found


def shock_table(scenario: Any) -> pd.DataFrame:
    """One row per shock (``SHOCK_TABLE_COLUMNS``); a combination lists its components' in turn."""
    if scenario.components:
        parts = [
            shock_table(c).assign(note=lambda t, c=c: f"[{c.name}] " + t.note.astype(str))
            for c in scenario.components
        ]
        table = pd.concat(parts, ignore_index=True).assign(scenario=scenario.name, kind=scenario.kind)
        return table.assign(shock=range(1, len(table) + 1))[SHOCK_TABLE_COLUMNS]
    rows = [
        {
            "scenario": scenario.name,
            "kind": scenario.kind,
            "start_year": scenario.start_year if shock.start_year is None else shock.start_year,
            "ramp_years": scenario.phase_in.ramp_years,
            "route": "-".join(scenario.route),
            "shock": number,
            "variable": shock.variable,
            "mode": shock.mode,
            "unit": "proportional change" if shock.mode == "relative" else UNITS[shock.variable],
            "low": shock.value_for("low"),
            "central": shock.value,
            "high": shock.value_for("high"),
            "exporters": " ".join(sorted({p[0] for p in shock.pairs})),
            "importers": " ".join(sorted({p[1] for p in shock.pairs})),
            "n_pairs": len(shock.pairs),
            "commodities": " ".join(shock.commodities) or "all",
            "assumption": "assumption" in shock.note.lower(),
            "source": shock.source,
            "note": shock.note,
        }
        for number, shock in enumerate(scenario.shocks, start=1)
    ]
    return pd.DataFrame(rows, columns=SHOCK_TABLE_COLUMNS)
