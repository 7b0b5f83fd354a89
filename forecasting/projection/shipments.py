"""Known contract shipments of a scenario, oriented to the pair's series keys."""

from __future__ import annotations

import pandas as pd

from forecasting.projection.result import SERIES_KEYS
from forecasting.scenarios import Scenario

_FLIP = {"export": "import", "import": "export"}


def shipments_for_pair(scenario: Scenario, pair: tuple[str, str]) -> pd.DataFrame:
    """The scenario's known shipments between the pair, as seen from the pair's first country.

    A shipment listed from the partner's side (reporter = partner) is turned around: the
    partner's imports are the first country's exports. Shipments with other countries are
    left out of the pair's series (they stay in the scenario definition).

    Examples
    --------
    >>> from forecasting.scenarios import builtin_corridors
    >>> s = shipments_for_pair(builtin_corridors()["baseline"], ("KAZ", "PAK"))
    >>> sorted(int(y) for y in s.year.unique()), round(s.value_usd.sum() / 1e6)
    ([2026, 2027], 108)
    """
    table = scenario.shipments()
    a, b = pair
    if table.empty:
        return pd.DataFrame(columns=[*SERIES_KEYS, "year", "value_usd", "name", "source"])
    mine = table[(table.reporter == a) & (table.partner == b)].copy()
    theirs = table[(table.reporter == b) & (table.partner == a)].copy()
    theirs["flow"] = theirs.flow.map(_FLIP)
    theirs["reporter"], theirs["partner"] = a, b
    out = pd.concat([mine, theirs], ignore_index=True)
    return out[[*SERIES_KEYS, "year", "value_usd", "name", "source"]]
