"""Direct effects of a scenario per pair, commodity and year, and the tidy log of what it changes.

The effect on a flow follows the form proposed in the project's facts file::

    scenario_t = baseline_t * A_t * exp(R_t * sum_channels dlnX) + K_t

``dlnX`` per channel comes from :class:`~forecasting.scenarios.costs.TradeCostMapping`,
``R_t`` is the phase-in share (:meth:`Scenario.phase`), ``A_t`` the share of the year the
route is open and ``K_t`` the known shipments (:meth:`Scenario.shipments`).

``delta_log_cost`` is the change in the log of the trade-cost term ``t_ij^(1-sigma)``, i.e.
the direct partial effect on log trade; it is what the GE solver
(``forecasting.gravity.ge.counterfactual``) takes. Route availability is a quantity
constraint rather than a price, so it is reported in its own column and never folded into
``delta_log_cost`` (a closed border would be ``log 0``). It is not phased in either: a
``route_available`` shock holds from its start year.

A combined scenario is evaluated route by route and composed by the rules of
:mod:`forecasting.scenarios.combined` (on a shared pair the better route counts).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Literal

import numpy as np
import pandas as pd

from forecasting.errors import ScenarioError, describe_items
from forecasting.scenarios._checks import DRAWS, Draw, raise_problems, year_problem
from forecasting.scenarios._engine import (
    KEY,
    PARTS,
    SUMMED,
    ScenarioLike,
    compose,
    prepare_pairs,
    shock_cells,
)
from forecasting.scenarios._routes import route_arrays, route_cells
from forecasting.scenarios.costs import TradeCostMapping
from forecasting.schema import require_columns
from forecasting.validation import check_choice

__all__ = [
    "COST_CHANGE_COLUMNS",
    "COST_PART_COLUMNS",
    "EFFECT_COLUMNS",
    "LOG_COLUMNS",
    "by_commodity",
    "cost_change_parts",
    "cost_changes",
    "direct_effects",
    "scenario_log",
]

COST_CHANGE_COLUMNS = [*KEY, *SUMMED, "channel", "phase", "availability"]
COST_PART_COLUMNS = [*KEY, *PARTS]
EFFECT_COLUMNS = [*KEY, "year", "phase", "availability", "delta_log_cost", "multiplier"]
LOG_COLUMNS = [*KEY, "year", "variable", "before", "after", "change", "shock"]
Unmatched = Literal["raise", "skip"]


def _elasticity(
    frame: pd.DataFrame, mapping: TradeCostMapping, elasticity: float | np.ndarray | None
) -> np.ndarray:
    value = mapping.cost_elasticity if elasticity is None else elasticity
    array = np.broadcast_to(np.asarray(value, dtype=float), (len(frame),)).copy()
    if not np.all(np.isfinite(array)) or np.any(array > 0):
        raise ScenarioError(
            f"the trade-cost elasticity must be a finite negative number (1 - sigma), got {value!r};"
            " if you passed sigma = 7, pass elasticity = -6"
        )
    return array


def _setup(
    scenario: ScenarioLike, pairs: pd.DataFrame, mapping: TradeCostMapping | None, draw: str, unmatched: str
) -> tuple[pd.DataFrame, TradeCostMapping]:
    check_choice("draw", draw, DRAWS, error=ScenarioError)
    check_choice("unmatched", unmatched, ("raise", "skip"), error=ScenarioError)
    return prepare_pairs(pairs), mapping if mapping is not None else TradeCostMapping()


def _composed(
    scenario: ScenarioLike,
    pairs: pd.DataFrame,
    mapping: TradeCostMapping | None,
    elasticity: float | None,
    draw: str,
    year: int | None,
    unmatched: str,
    *,
    parts: bool = False,
) -> pd.DataFrame:
    """Every composed column for one year (``None``: the full effect) after all the checks."""
    frame, mapping = _setup(scenario, pairs, mapping, draw, unmatched)
    if year is not None:
        raise_problems("Year", year_problem("year", year))
    eps = _elasticity(frame, mapping, elasticity)
    routes = route_cells(scenario, frame, mapping, eps, draw, unmatched, parts=parts)
    return _frame(frame, route_arrays(routes, frame, year, parts=parts))


def _frame(frame: pd.DataFrame, arrays: Mapping[str, np.ndarray]) -> pd.DataFrame:
    out = frame[KEY].copy()
    for name, values in arrays.items():
        out[name] = values
    return out


def _years(years: Iterable[int]) -> list[int]:
    years = [int(y) if isinstance(y, np.integer) else y for y in years]
    found = [p for y in years for p in year_problem("year", y)]
    if not years:
        found.append("no years given")
    raise_problems("Years", found)
    return sorted(set(years))


def cost_changes(
    scenario: ScenarioLike,
    pairs: pd.DataFrame,
    *,
    mapping: TradeCostMapping | None = None,
    elasticity: float | None = None,
    draw: Draw = "central",
    year: int | None = None,
    unmatched: Unmatched = "raise",
) -> pd.DataFrame:
    """Change in log trade cost for every row of ``pairs`` under ``scenario``.

    Parameters
    ----------
    scenario
        The scenario to apply.
    pairs
        ``exporter, importer`` (optionally ``commodity``, ``TOTAL`` when absent), one row per
        pair and commodity, plus optional levels before the shock named like the variables
        (``dist_km``, ``transit_days``, ``freight_cost_pct``, ``tariff_pct``, ``rta``,
        ``route_available``).
    mapping
        Days and dollars to trade costs; literature defaults when ``None``.
    elasticity
        Trade-cost elasticity ``1 - sigma`` for the freight and tariff channels; overrides
        ``mapping.cost_elasticity`` (use your gravity model's value).
    draw
        ``low`` (conservative), ``central`` or ``high`` (optimistic) shock values.
    year
        ``None`` for the full, long-run effect (what a GE comparison of equilibria wants);
        a calendar year applies the phase-in and the availability of that year.
    unmatched
        ``raise`` (default) when a shock matches no row of ``pairs``; ``skip`` applies the
        scenario to the pairs present (a corridor listing more countries than the data).

    Returns
    -------
    pandas.DataFrame
        One row per input row, in input order: ``exporter, importer, commodity,
        delta_log_cost, delta_days, delta_ln_freight, delta_ln_tariff, delta_ln_dist,
        delta_rta, channel, phase, availability``. Rows the scenario does not touch are
        kept with zeros and ``channel == "none"``. The ``delta_*`` columns are the changes
        of the channel variables (days; log of 1 + ad-valorem cost; log distance; the
        dummy), scaled by the phase-in like ``delta_log_cost``; ``phase`` is the share of
        the full effect reached and ``availability`` the share of the year the route is open.

    Raises
    ------
    ScenarioError
        A shock matches no rows, a level the shock needs is missing, distance and time are
        shocked on one pair, or the elasticity is not negative.

    Examples
    --------
    >>> import pandas as pd
    >>> from forecasting.scenarios import Scenario, Shock
    >>> sc = Scenario("rail", start_year=2030, shocks=(Shock("transit_days", [("KAZ", "PAK")], value=-10),))
    >>> pairs = pd.DataFrame({"exporter": ["KAZ", "PAK"], "importer": ["PAK", "KAZ"]})
    >>> cost_changes(sc, pairs)[["exporter", "delta_log_cost", "channel"]].round(3)
      exporter  delta_log_cost channel
    0      KAZ             0.1    time
    1      PAK             0.0    none
    """
    return _composed(scenario, pairs, mapping, elasticity, draw, year, unmatched)[COST_CHANGE_COLUMNS]


def cost_change_parts(
    scenario: ScenarioLike,
    pairs: pd.DataFrame,
    *,
    mapping: TradeCostMapping | None = None,
    draw: Draw = "central",
    year: int | None = None,
    unmatched: Unmatched = "raise",
) -> pd.DataFrame:
    """The change in log trade cost as two parts: ``delta_fixed + elasticity * delta_per_elasticity``.

    The freight and tariff channels (and time valued as a tariff equivalent) move trade through
    the trade elasticity ``1 - sigma``; time (as a semi-elasticity), distance and agreements do
    not. Returning both parts lets a Monte Carlo over the elasticity rebuild each draw's cost
    change without re-evaluating the scenario: for any negative ``eps``,
    ``cost_changes(..., elasticity=eps).delta_log_cost == delta_fixed + eps * delta_per_elasticity``.

    Parameters are those of :func:`cost_changes`. Returns ``exporter, importer, commodity,
    delta_fixed, delta_per_elasticity``, one row per input row in input order.

    Examples
    --------
    >>> import pandas as pd
    >>> from forecasting.scenarios import Scenario, Shock
    >>> sc = Scenario("rail", start_year=2030, shocks=(
    ...     Shock("transit_days", [("KAZ", "PAK")], value=-10),
    ...     Shock("freight_cost_pct", [("KAZ", "PAK")], value=-0.4, mode="relative")))
    >>> parts = cost_change_parts(sc, pd.DataFrame({"exporter": ["KAZ"], "importer": ["PAK"]}))
    >>> parts[["delta_fixed", "delta_per_elasticity"]].round(4).values.tolist()
    [[0.1, -0.037]]
    """
    return _composed(scenario, pairs, mapping, None, draw, year, unmatched, parts=True)[COST_PART_COLUMNS]


def direct_effects(
    scenario: ScenarioLike,
    pairs: pd.DataFrame,
    years: Iterable[int],
    *,
    mapping: TradeCostMapping | None = None,
    elasticity: float | None = None,
    draw: Draw = "central",
    unmatched: Unmatched = "raise",
) -> pd.DataFrame:
    """Phased direct effect per pair, commodity and year, with the multiplier on the flow.

    ``multiplier = availability / availability_before * exp(delta_log_cost)`` is the factor
    on the baseline flow (before known shipments), where ``availability_before`` is the
    ``route_available`` column of ``pairs`` (1 when absent).

    Examples
    --------
    >>> import pandas as pd
    >>> from forecasting.scenarios import PhaseIn, Scenario, Shock
    >>> sc = Scenario("rail", start_year=2030, phase_in=PhaseIn(ramp_years=2),
    ...               shocks=(Shock("transit_days", [("KAZ", "PAK")], value=-10),))
    >>> pairs = pd.DataFrame({"exporter": ["KAZ"], "importer": ["PAK"]})
    >>> direct_effects(sc, pairs, [2029, 2030, 2031])[["year", "phase", "delta_log_cost"]]
       year  phase  delta_log_cost
    0  2029    0.0            0.00
    1  2030    0.5            0.05
    2  2031    1.0            0.10
    """
    frame, mapping = _setup(scenario, pairs, mapping, draw, unmatched)
    routes = route_cells(scenario, frame, mapping, _elasticity(frame, mapping, elasticity), draw, unmatched)
    years = _years(years)
    per_year = [route_arrays(routes, frame, year, labels=False) for year in years]
    columns: dict[str, np.ndarray] = {
        key: np.tile(frame[key].to_numpy(dtype=object), len(years)) for key in KEY
    }
    columns["year"] = np.repeat(np.asarray(years, dtype=np.int64), len(frame))
    for name in ("phase", "availability", "delta_log_cost"):
        columns[name] = np.concatenate([arrays[name] for arrays in per_year])
    before = np.concatenate([arrays["availability_before"] for arrays in per_year])
    columns["multiplier"] = columns["availability"] / before * np.exp(columns["delta_log_cost"])
    return pd.DataFrame(columns, columns=EFFECT_COLUMNS, copy=False)


def scenario_log(
    scenario: ScenarioLike,
    pairs: pd.DataFrame,
    years: Iterable[int],
    *,
    mapping: TradeCostMapping | None = None,
    draw: Draw = "central",
    unmatched: Unmatched = "raise",
) -> pd.DataFrame:
    """Every cell the scenario changes: one row per pair, commodity, year and variable.

    ``before`` is the level in ``pairs`` (or the assumed freight share, or 1 for route
    availability), ``after`` the level that year after phase-in, ``change`` their difference;
    ``before``/``after`` are missing when the data carry no level and the shock is an ``add``.
    ``shock`` is the 1-based position of the shock (0: the scenario-wide availability).

    Examples
    --------
    >>> import pandas as pd
    >>> from forecasting.scenarios import Scenario, Shock
    >>> slower = Scenario("slower", start_year=2027, shocks=(Shock("transit_days", [("KAZ", "PAK")], value=5.0),))
    >>> route = pd.DataFrame({"exporter": ["KAZ"], "importer": ["PAK"], "transit_days": [20.0]})
    >>> scenario_log(slower, route, [2026, 2027])[["year", "variable", "before", "after"]]
       year      variable  before  after
    0  2027  transit_days    20.0   25.0
    """
    if scenario.components:  # each route's changes, shocks numbered on across the components
        logs, offset = [], 0
        for component in scenario.components:
            log = scenario_log(component, pairs, years, mapping=mapping, draw=draw, unmatched=unmatched)
            logs.append(log.assign(shock=log.shock + offset))
            offset += len(component.shocks)
        return pd.concat(logs, ignore_index=True)[LOG_COLUMNS]
    frame, mapping = _setup(scenario, pairs, mapping, draw, unmatched)
    cells = shock_cells(scenario, frame, mapping, _elasticity(frame, mapping, None), draw, unmatched)
    records: list[pd.DataFrame] = []
    for year in _years(years):
        for cell in cells:
            if cell.shock.variable == "route_available":
                continue
            start = scenario.start_year if cell.start < 0 else cell.start
            phase = scenario.phase_in.share(year, start)
            rows = cell.mask & (phase * cell.change != 0)
            if rows.any():
                part = frame.loc[rows, KEY].copy()
                part["year"], part["variable"] = year, cell.shock.variable
                part["before"] = cell.before[rows]
                part["after"] = cell.before[rows] + phase * (cell.after[rows] - cell.before[rows])
                part["change"] = phase * cell.change[rows]
                part["shock"] = cell.number
                records.append(part)
        composed = compose(scenario, frame, cells, year)
        moved = (composed["availability"] != composed["availability_before"]).to_numpy()
        if moved.any():
            part = frame.loc[moved, KEY].copy()
            part["year"], part["variable"] = year, "route_available"
            part["before"] = composed.loc[moved, "availability_before"].to_numpy()
            part["after"] = composed.loc[moved, "availability"].to_numpy()
            part["change"] = part["after"] - part["before"]
            part["shock"] = _route_shock_numbers(cells, len(frame))[moved]
            records.append(part)
    if not records:
        return pd.DataFrame(
            {
                c: pd.Series(dtype="float64" if c in ("before", "after", "change") else "object")
                for c in LOG_COLUMNS
            }
        )
    out = pd.concat(records, ignore_index=True)[LOG_COLUMNS]
    return out.sort_values(["year", "shock", *KEY], kind="stable").reset_index(drop=True)


def _route_shock_numbers(cells: list, n: int) -> np.ndarray:
    """Per row, the number of the route_available shock touching it (0: scenario-wide only)."""
    numbers = np.zeros(n, dtype=int)
    for cell in cells:
        if cell.shock.variable == "route_available":
            numbers = np.where(cell.mask & (numbers == 0), cell.number, numbers)
    return numbers


def by_commodity(
    scenario: ScenarioLike,
    pairs: pd.DataFrame,
    elasticities: Mapping[str, float] | pd.DataFrame,
    *,
    mapping: TradeCostMapping | None = None,
    draw: Draw = "central",
    year: int | None = None,
    default: float | None = None,
    unmatched: Unmatched = "raise",
) -> dict[str, pd.DataFrame]:
    """Cost changes per commodity group, each with its own trade-cost elasticity.

    ``elasticities`` maps commodity -> ``1 - sigma_k`` (a dict, or a frame with columns
    ``commodity, elasticity``); groups it does not list take ``default``, or raise when
    ``default`` is ``None``. The frames feed one GE run per commodity; combine the GE
    results with :func:`forecasting.gravity.ge.aggregate_bilateral`.

    Examples
    --------
    >>> import pandas as pd
    >>> from forecasting.scenarios import Scenario, Shock
    >>> sc = Scenario("cheaper", start_year=2027,
    ...               shocks=(Shock("freight_cost_pct", [("KAZ", "PAK")], value=-0.4, mode="relative"),))
    >>> pairs = pd.DataFrame({"exporter": ["KAZ", "KAZ"], "importer": ["PAK", "PAK"],
    ...                       "commodity": ["coal", "pharma"], "freight_cost_pct": [10.0, 10.0]})
    >>> out = by_commodity(sc, pairs, {"coal": -8.0, "pharma": -3.0})
    >>> round(float(out["coal"]["delta_log_cost"].iloc[0] / out["pharma"]["delta_log_cost"].iloc[0]), 3)
    2.667
    """
    frame, mapping = _setup(scenario, pairs, mapping, draw, unmatched)
    if isinstance(elasticities, pd.DataFrame):
        require_columns(elasticities, ["commodity", "elasticity"], what="the elasticity table")
        table = dict(
            zip(elasticities["commodity"].astype(str), elasticities["elasticity"].astype(float), strict=True)
        )
    else:
        table = {str(k): float(v) for k, v in elasticities.items()}
    unlisted = sorted(set(frame["commodity"]) - set(table))
    if unlisted and default is None:
        raise ScenarioError(
            f"no trade-cost elasticity for commodities {describe_items(unlisted)}; add them to the table"
            " or pass default= (for example the pooled estimate)"
        )
    per_row = frame["commodity"].map(lambda c: table.get(c, default)).to_numpy(dtype=float)
    routes = route_cells(scenario, frame, mapping, _elasticity(frame, mapping, per_row), draw, unmatched)
    full = _frame(frame, route_arrays(routes, frame, year))[COST_CHANGE_COLUMNS]
    return {str(k): part.reset_index(drop=True) for k, part in full.groupby("commodity", sort=True)}
