"""The built-in corridor library: today's route and the planned Central Asia-Pakistan corridors.

The scenarios live in ``corridors.toml`` beside this module (package data), one table per
corridor, every figure with its source and every unsourced figure marked "assumption".
They are ordinary :class:`~forecasting.scenarios.scenario.Scenario` values, so users can
copy one, edit it, or write their own corridor in the same TOML format
(see ``examples/my_corridor.toml``) and read it with :func:`read_scenarios`.

Built-in scenarios:

``baseline``
    Today's road route through Uzbekistan and Afghanistan, no cost change, with the
    closure risk of the Afghan-Pakistani crossings (route availability 0.85, range 0.5-1).
``trans_afghan_railway``
    Uzbekistan-Afghanistan-Pakistan railway (opening 2033, assumption).
``turgundi_herat_railway``
    Turgundi-Herat stage of the western rail route (opening 2028, assumption).
``western_rail_corridor``
    The western route extended through Kandahar to Chaman (opening 2034, assumption).
``aktau_karachi_gwadar``
    Caspian-Iran-sea route to Karachi/Gwadar, avoiding Afghanistan (from 2026).
``kz_pk_east_africa``
    Central Asian cargo through Pakistani ports to Kenya, Tanzania and South Africa.
``border_closure_stress``
    The Afghan-Pakistani crossings shut for half of every year.

Every built-in carries the contracted delivery of 600 electric buses (USD 108 m over
2026-27) as a known shipment, so scenarios differ only in what the corridor changes.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from forecasting.errors import ScenarioError
from forecasting.scenarios.scenario import SHOCK_TABLE_COLUMNS, Scenario
from forecasting.scenarios.toml_io import builtin_library
from forecasting.validation import check_choice

#: Central Asian countries whose trade with Pakistan can use the corridors.
CENTRAL_ASIA = ("KAZ", "UZB", "KGZ", "TJK", "TKM")
#: Columns of :func:`corridor_table`: one row per shock.
CORRIDOR_TABLE_COLUMNS = SHOCK_TABLE_COLUMNS


def builtin_corridors() -> dict[str, Scenario]:
    """The built-in scenarios by name, ``baseline`` first.

    Examples
    --------
    >>> lib = builtin_corridors()
    >>> lib["baseline"].kind, lib["trans_afghan_railway"].opening_year
    ('baseline', 2033)
    >>> sorted(lib)[:3]
    ['aktau_karachi_gwadar', 'baseline', 'border_closure_stress']
    """
    return dict(builtin_library())


def builtin_corridor(name: str) -> Scenario:
    """One built-in scenario by name (the error lists the valid names)."""
    library = builtin_library()
    check_choice("built-in corridor", name, tuple(library), error=ScenarioError)
    return library[name]


def corridor_table(scenarios: Mapping[str, Scenario] | None = None) -> pd.DataFrame:
    """One row per shock: the corridor parameters with their sources, for reports.

    ``assumption`` is True when the shock's note labels its figure an assumption.

    Examples
    --------
    >>> table = corridor_table()
    >>> row = table.query("scenario == 'trans_afghan_railway' and variable == 'freight_cost_pct'").iloc[0]
    >>> [float(row[k]) for k in ("low", "central", "high")]
    [-0.2, -0.4, -0.67]
    """
    scenarios = builtin_corridors() if scenarios is None else scenarios
    tables = [
        scenario.tidy().assign(scenario=name) for name, scenario in scenarios.items() if scenario.shocks
    ]
    return pd.concat(tables, ignore_index=True) if tables else pd.DataFrame(columns=CORRIDOR_TABLE_COLUMNS)
