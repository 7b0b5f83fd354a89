"""A scenario's shocks drawn from their ranges, evaluated for many draws at once.

For a Monte Carlo over a corridor's days and dollars, every trade-cost shock takes the value
``triangular_value(low, central, high, u_d)`` in draw ``d`` (one quantile per draw, shared by
the scenario's shocks: a conservative draw is conservative for every shock of the corridor),
and every route-availability shock takes its value at its own quantile stream. Each shock's
full (unphased) effect on log trade is returned as ``fixed + elasticity * slope`` per draw and
row, so the caller combines it with each draw's trade elasticity and time-elasticity factor,
phases it with each draw's opening year and ramp-up, and composes alternative routes.

The arithmetic is the one of :func:`~forecasting.scenarios.effects.cost_changes` (same
function, applied to arrays); the checks are too: the central case is checked as there, and a
drawn value that would make a level negative (or a distance zero) raises naming the shock.

Examples
--------
>>> import numpy as np, pandas as pd
>>> from forecasting.scenarios import Scenario, Shock
>>> rail = Scenario("rail", start_year=2030, shocks=(Shock("transit_days", [("KAZ", "PAK")],
...                 value=-10, low=-5, high=-15),))
>>> pairs = pd.DataFrame({"exporter": ["KAZ", "PAK"], "importer": ["PAK", "KAZ"]})
>>> (route,) = route_draws(rail, pairs, cost_quantiles=np.array([0.0, 1.0]))
>>> route.shocks[0].rows.tolist(), route.shocks[0].fixed.round(3).tolist()
([0], [[0.05], [0.15], [0.1]])
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from forecasting.errors import describe_items
from forecasting.scenarios._checks import raise_problems
from forecasting.scenarios._engine import KEY, level_before, prepare_pairs, shock_arithmetic, shock_cells
from forecasting.scenarios.costs import TradeCostMapping
from forecasting.scenarios.ranges import triangular_value

__all__ = ["RouteDraws", "ShockDraws", "route_draws"]


@dataclass(frozen=True, eq=False)
class ShockDraws:
    """One shock of a route, per draw: arrays ``(draws + 1, rows touched)``, the last row central.

    ``fixed + elasticity * slope`` is the full change in log trade; ``level`` is the variable's
    level after the shock (the share of the year open, for route availability).
    """

    number: int
    variable: str
    start: int
    rows: np.ndarray
    fixed: np.ndarray
    slope: np.ndarray
    level: np.ndarray

    @property
    def is_time(self) -> bool:
        """Whether the shock moves days in transit (scaled by a drawn time elasticity)."""
        return self.variable == "transit_days"


@dataclass(frozen=True, eq=False)
class RouteDraws:
    """The drawn shocks of one route (a scenario, or one component of a combination).

    ``frame`` is the checked pairs table the rows index; ``touched`` marks rows any shock of
    the route matches (the scenario-wide availability table applies to them).
    """

    scenario: Any
    frame: pd.DataFrame
    shocks: tuple[ShockDraws, ...]
    touched: np.ndarray

    @property
    def cost_shocks(self) -> tuple[ShockDraws, ...]:
        return tuple(s for s in self.shocks if s.variable != "route_available")

    @property
    def availability_shocks(self) -> tuple[ShockDraws, ...]:
        return tuple(s for s in self.shocks if s.variable == "route_available")


def route_draws(
    scenario: Any,
    pairs: pd.DataFrame,
    *,
    cost_quantiles: np.ndarray,
    availability_quantiles: np.ndarray | None = None,
    mapping: TradeCostMapping | None = None,
) -> list[RouteDraws]:
    """Every route of ``scenario`` with its shocks evaluated at the drawn values (see the module).

    Parameters
    ----------
    scenario
        A scenario; a combination gives one :class:`RouteDraws` per component.
    pairs
        ``exporter, importer`` (optionally ``commodity`` and levels), as for ``cost_changes``;
        shocks matching no row are left out (``unmatched="skip"``).
    cost_quantiles, availability_quantiles
        One quantile in [0, 1] per draw for the trade-cost shocks and for the route-availability
        shocks (``cost_quantiles`` when None); 0 is the conservative end of every range.
    mapping
        Days and dollars to trade costs; literature defaults when None.
    """
    mapping = mapping if mapping is not None else TradeCostMapping()
    frame = prepare_pairs(pairs)
    avail_u = cost_quantiles if availability_quantiles is None else availability_quantiles
    routes = scenario.components or (scenario,)
    return [
        _route(route, frame, mapping, np.asarray(cost_quantiles), np.asarray(avail_u)) for route in routes
    ]


def _route(
    route: Any, frame: pd.DataFrame, mapping: TradeCostMapping, cost_u: np.ndarray, avail_u: np.ndarray
) -> RouteDraws:
    eps = np.full(len(frame), mapping.cost_elasticity)
    cells = shock_cells(route, frame, mapping, eps, "central", "skip")
    goods = frame["commodity"].to_numpy(dtype=object)
    touched = np.zeros(len(frame), dtype=bool)
    shocks, found = [], []
    for cell in cells:
        shock = cell.shock
        rows = np.flatnonzero(cell.mask)
        touched[rows] = True
        u = avail_u if shock.variable == "route_available" else cost_u
        drawn = triangular_value(shock.value_for("low"), shock.value, shock.value_for("high"), u)
        values = np.append(drawn, shock.value)[:, None]
        before = level_before(shock.variable, frame, mapping)[rows]
        after, _, _, fixed, slope = shock_arithmetic(
            shock.variable, shock.mode, values, before, goods[rows], mapping
        )
        bad = ((after <= 0) if shock.variable == "dist_km" else (after < 0)).any(axis=0)
        if bad.any():
            where = frame.iloc[rows[bad]][KEY].itertuples(index=False, name=None)
            found.append(
                f"shock {cell.number} ({shock.variable}) would make {shock.variable} negative (or a zero"
                f" distance) between its low and high values for {describe_items(list(where))}"
            )
        shape = (len(values), len(rows))
        start = route.start_year if shock.start_year is None else shock.start_year
        shocks.append(
            ShockDraws(
                cell.number, shock.variable, start, rows,
                np.broadcast_to(fixed, shape), np.broadcast_to(slope, shape), np.broadcast_to(after, shape),
            )
        )  # fmt: skip
    raise_problems(f"Scenario {route.name!r} drawn from its ranges", found)
    return RouteDraws(route, frame, tuple(shocks), touched)
