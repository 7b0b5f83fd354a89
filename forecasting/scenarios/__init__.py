"""Scenarios as values: shocks to trade costs on country pairs, the corridor library, TOML I/O.

A :class:`Scenario` is a frozen, serialisable value that the gravity model, the GE solver and
the forecast overlay all read. Its shocks change ``dist_km``, ``transit_days``,
``freight_cost_pct``, ``tariff_pct``, ``rta`` or ``route_available`` on sets of
(exporter, importer) pairs, from an opening year, phased in over a ramp-up; a
:class:`TradeCostMapping` turns them into changes of log trade costs, and
:meth:`Scenario.cost_change_parts` splits that change into the part independent of the trade
elasticity and its slope, for Monte Carlo over the elasticity.

Uncertain timing and size are part of a scenario: every shock's low/central/high, the
corridor's :class:`OpeningYears`, the ramp-up range of its :class:`PhaseIn`, the delivered
share of each :class:`KnownShipment` and the :class:`NewTrade` share of the trade-potential
gap it closes (drawn by the rules of :mod:`~forecasting.scenarios.ranges`). A combined
scenario (``combine = [...]`` in TOML) composes corridors as alternative routes
(:mod:`~forecasting.scenarios.combined`).

Modules are layered (an import-linter contract in ``pyproject.toml``): the vocabulary
(``_checks``), the ranges, the parts of a scenario (``shock``, ``parts``, ``costs``), the
effect arithmetic (``_engine``, ``_routes``, ``effects``, which read a scenario through a
protocol and never import the class), the scenario-wide rules, the :class:`Scenario` itself,
its TOML form, and the corridor library on top; the ``Scenario`` methods delegate downward. Per-commodity GE results are added up by
:func:`forecasting.gravity.ge.aggregate_country`.

Examples
--------
>>> import pandas as pd
>>> from forecasting.scenarios import builtin_corridors
>>> rail = builtin_corridors()["trans_afghan_railway"]
>>> pairs = pd.DataFrame({"exporter": ["KAZ", "PAK"], "importer": ["PAK", "KAZ"]})
>>> changes = rail.cost_changes(pairs, unmatched="skip")  # its Uzbek and Tajik shocks find no rows here
>>> bool((changes["delta_log_cost"] > 0).all())
True
"""

from __future__ import annotations

from forecasting.scenarios._checks import DRAWS, MODES, VARIABLES, Draw, Mode, Variable
from forecasting.scenarios.cge import cge_shock_table
from forecasting.scenarios.corridors import CENTRAL_ASIA, builtin_corridor, builtin_corridors, corridor_table
from forecasting.scenarios.costs import TradeCostMapping
from forecasting.scenarios.effects import (
    by_commodity,
    cost_change_parts,
    cost_changes,
    direct_effects,
    scenario_log,
)
from forecasting.scenarios.parts import KnownShipment, NewTrade, PhaseIn
from forecasting.scenarios.ranges import OpeningYears, triangular_value
from forecasting.scenarios.scenario import Scenario, Shock, pairs_between
from forecasting.scenarios.toml_io import dumps_scenarios, loads_scenarios, read_scenarios, write_scenarios

__all__ = [
    "CENTRAL_ASIA",
    "DRAWS",
    "MODES",
    "VARIABLES",
    "Draw",
    "KnownShipment",
    "Mode",
    "NewTrade",
    "OpeningYears",
    "PhaseIn",
    "Scenario",
    "Shock",
    "TradeCostMapping",
    "Variable",
    "builtin_corridor",
    "builtin_corridors",
    "cge_shock_table",
    "by_commodity",
    "corridor_table",
    "cost_change_parts",
    "cost_changes",
    "direct_effects",
    "dumps_scenarios",
    "loads_scenarios",
    "pairs_between",
    "read_scenarios",
    "scenario_log",
    "triangular_value",
    "write_scenarios",
]
