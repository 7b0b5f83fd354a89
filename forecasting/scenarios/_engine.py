"""The arithmetic behind the effects: which rows each shock touches, levels before and after,
and the change in log trade each one implies. Public wrappers live in ``effects.py``.

This module and ``effects.py`` sit below :mod:`forecasting.scenarios.scenario` (an
import-linter contract keeps it so): they read a scenario through :class:`ScenarioLike`, the
few attributes they need, and never import the ``Scenario`` class, so its methods can
delegate here without an import circle.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import pandas as pd

from forecasting.errors import SchemaError, describe_items
from forecasting.scenarios._checks import Draw, raise_problems
from forecasting.scenarios.costs import TradeCostMapping, delta_ln_ad_valorem
from forecasting.scenarios.parts import PhaseIn
from forecasting.scenarios.shock import Shock

logger = logging.getLogger(__name__)

KEY = ["exporter", "importer", "commodity"]


class ScenarioLike(Protocol):
    """What the effect arithmetic reads of a scenario (:class:`~forecasting.scenarios.Scenario` has it)."""

    name: str
    start_year: int
    shocks: Sequence[Shock]
    phase_in: PhaseIn

    def phase(self, year: int) -> float: ...

    def availability_in(self, year: int) -> float: ...


#: Optional columns of the pairs table holding the level of a variable before the shock.
LEVEL_COLUMNS = ("dist_km", "transit_days", "freight_cost_pct", "tariff_pct", "rta", "route_available")
#: Variables whose change needs the level before the shock, by mode (freight falls back to
#: the mapping's assumed share; route availability to 1, a route open all year).
_NEEDS_LEVEL = {
    "dist_km": ("add", "set"),
    "transit_days": ("relative", "set"),
    "tariff_pct": ("add", "relative", "set"),
    "rta": ("set",),
}
CHANNEL_OF = {
    "transit_days": "time",
    "freight_cost_pct": "freight",
    "tariff_pct": "tariff",
    "dist_km": "distance",
    "rta": "rta",
    "route_available": "availability",
}


#: Column of the phased change of each channel's variable.
CHANNEL_COLUMN = {
    "transit_days": "delta_days",
    "freight_cost_pct": "delta_ln_freight",
    "tariff_pct": "delta_ln_tariff",
    "dist_km": "delta_ln_dist",
    "rta": "delta_rta",
}
#: The arrays compose_arrays sums over the shocks: the total and each channel.
SUMMED = ("delta_log_cost", *CHANNEL_COLUMN.values())
#: Summed only when asked for (``parts=True``): the two parts of the total, independent of the
#: trade elasticity and its slope.
PARTS = ("delta_fixed", "delta_per_elasticity")

#: Channel names in the order their labels list them ("freight+time").
CHANNELS = tuple(sorted(set(CHANNEL_OF.values())))


def channel_labels(bits: np.ndarray) -> np.ndarray:
    """Labels such as ``"freight+time"`` (``"none"``) from per-row bit sets over :data:`CHANNELS`."""
    codes, inverse = np.unique(bits, return_inverse=True)
    names = ["+".join(c for k, c in enumerate(CHANNELS) if int(code) >> k & 1) or "none" for code in codes]
    return np.asarray(names, dtype=object)[inverse.reshape(-1)]


def per_commodity(lookup, goods: np.ndarray) -> np.ndarray:
    """Apply a per-commodity ``lookup`` once per distinct commodity and spread it over the rows."""
    codes, inverse = np.unique(np.asarray(goods, dtype=str), return_inverse=True)
    return np.array([lookup(str(c)) for c in codes], dtype=float)[inverse.reshape(-1)]


@dataclass(frozen=True)
class Cells:
    """What one shock does to the rows it matches (arrays over all rows; zero where unmatched)."""

    number: int  # 1-based position of the shock in the scenario
    shock: Shock
    mask: np.ndarray
    before: np.ndarray
    after: np.ndarray
    change: np.ndarray
    delta_ln: np.ndarray  # log change of the variable's cost term (days for time: the day change)
    log_effect: np.ndarray  # change in log trade at full effect
    # With parts=True: the part of log_effect that does not depend on the trade elasticity, and
    # its slope in the elasticity (log_effect = fixed + elasticity * slope); None otherwise.
    fixed: np.ndarray | None
    slope: np.ndarray | None
    start: int


def prepare_pairs(pairs: pd.DataFrame) -> pd.DataFrame:
    """Check the pairs table and return a copy with a ``commodity`` column (``TOTAL`` if absent)."""
    if not isinstance(pairs, pd.DataFrame):
        raise SchemaError(
            f"pairs must be a pandas DataFrame with exporter and importer columns, got {type(pairs).__name__}"
        )
    missing = [c for c in ("exporter", "importer") if c not in pairs.columns]
    if missing:
        raise SchemaError(
            f"pairs table lacks columns {describe_items(missing)}; it needs exporter, importer"
            " (and optionally commodity and the levels dist_km, transit_days, freight_cost_pct, ...)"
        )
    frame = pairs.reset_index(drop=True).copy()
    if "commodity" not in frame.columns:
        frame["commodity"] = "TOTAL"
    blank = frame[KEY].isna().any(axis=1)
    if blank.any():
        raise SchemaError(
            f"pairs table has missing exporter, importer or commodity in rows"
            f" {describe_items(frame.index[blank].tolist())}; fill or drop them first"
        )
    found = []
    for var in LEVEL_COLUMNS:
        if var not in frame.columns:
            continue
        numbers = pd.to_numeric(frame[var], errors="coerce")
        not_numbers = numbers.isna() & frame[var].notna()
        if not_numbers.any():
            found.append(
                f"column {var!r} has non-numbers in rows {describe_items(frame.index[not_numbers].tolist())}"
            )
        outside = numbers < 0 if var != "route_available" else (numbers < 0) | (numbers > 1)
        if outside.any():
            found.append(
                f"column {var!r} has values outside its range ({'[0, 1]' if var == 'route_available' else '>= 0'})"
                f" in rows {describe_items(frame.index[outside].tolist())}"
            )
    if found:
        raise SchemaError("pairs table: " + "; ".join(found))
    for col in KEY:
        frame[col] = frame[col].astype(str)
    dupes = frame.duplicated(KEY, keep=False)
    if dupes.any():
        shown = frame.loc[dupes, KEY].drop_duplicates().itertuples(index=False, name=None)
        raise SchemaError(
            f"pairs table has {int(dupes.sum())} rows sharing exporter, importer, commodity:"
            f" {describe_items(list(shown))}; pass one row per pair and commodity"
            " (e.g. keep the base year of a panel)"
        )
    return frame


def shock_cells(
    scenario: ScenarioLike,
    frame: pd.DataFrame,
    mapping: TradeCostMapping,
    elasticity: np.ndarray,
    draw: Draw,
    unmatched: str = "raise",
    *,
    parts: bool = False,
) -> list[Cells]:
    """Evaluate every shock on ``frame``; raise one error naming every shock that cannot apply.

    ``unmatched="skip"`` logs (instead of raising for) shocks that match no row, for a
    corridor whose pair list is wider than the data at hand.
    """
    found: list[str] = []
    cells: list[Cells] = []
    pair_index = pd.MultiIndex.from_frame(frame[["exporter", "importer"]])
    goods = frame["commodity"].to_numpy(dtype=object)
    for number, shock in enumerate(scenario.shocks, start=1):
        label = f"shock {number} ({shock.variable})"
        mask = np.asarray(pair_index.isin(list(shock.pairs)))
        if shock.commodities:
            mask &= np.isin(goods, list(shock.commodities))
        if not mask.any():
            goods_text = f" and commodities {list(shock.commodities)}" if shock.commodities else ""
            message = (
                f"{label} matches no rows: none of its pairs {describe_items(shock.pairs)}{goods_text}"
                " is in the data; check the codes, pass pairs that include them, or pass"
                " unmatched='skip' to apply the scenario to the pairs you have"
            )
            if unmatched == "skip":
                logger.info("scenario %r: %s", scenario.name, message.split("; check")[0])
            else:
                found.append(message)
            continue
        if mask.sum() < len(shock.pairs) * max(1, len(shock.commodities)):
            logger.debug("%s of scenario %r applies to %d rows of the data", label, scenario.name, mask.sum())
        cell = _evaluate(number, shock, frame, mask, mapping, elasticity, draw, found, parts)
        if cell is not None:
            cells.append(cell)
    found += _double_counting(cells, frame, mapping)
    raise_problems(
        f"Scenario {scenario.name!r} on these pairs",
        found,
        fix="Each problem names the shock (by position) and the rows at fault.",
    )
    return cells


def _evaluate(
    number: int,
    shock: Shock,
    frame: pd.DataFrame,
    mask: np.ndarray,
    mapping: TradeCostMapping,
    elasticity: np.ndarray,
    draw: Draw,
    found: list[str],
    parts: bool = False,
) -> Cells | None:
    var, mode, value = shock.variable, shock.mode, shock.value_for(draw)
    label = f"shock {number} ({var}, mode {mode})"
    before = level_before(var, frame, mapping)
    if mode in _NEEDS_LEVEL.get(var, ()):
        lacking = mask & np.isnan(before)
        if lacking.any():
            rows = frame.loc[lacking, KEY].itertuples(index=False, name=None)
            found.append(
                f"{label} needs the level before the change: add a numeric {var!r} column to the pairs"
                f" (missing for {describe_items(list(rows))})"
            )
            return None
    after, change, delta_ln, fixed, slope = shock_arithmetic(
        var, mode, value, before, frame["commodity"].to_numpy(dtype=object), mapping
    )
    bad = mask & (after < 0) if var != "dist_km" else mask & (after <= 0)
    if bad.any():
        rows = frame.loc[bad, KEY].itertuples(index=False, name=None)
        found.append(
            f"{label} would make {var} negative (or a zero distance) for {describe_items(list(rows))}"
        )
        return None
    effect = fixed + elasticity * slope
    zero = ~mask

    def masked(a: np.ndarray) -> np.ndarray:
        return np.where(zero, 0.0, np.nan_to_num(np.asarray(a, dtype=float), nan=0.0))

    return Cells(
        number=number,
        shock=shock,
        mask=mask,
        before=np.where(zero, np.nan, before),
        after=np.where(zero, np.nan, after),
        change=masked(change),
        delta_ln=masked(delta_ln),
        log_effect=masked(effect),
        fixed=masked(fixed) if parts else None,
        slope=masked(slope) if parts else None,
        start=shock.start_year if shock.start_year is not None else -1,
    )


def shock_arithmetic(
    var: str,
    mode: str,
    value: float | np.ndarray,
    before: np.ndarray,
    goods: np.ndarray,
    mapping: TradeCostMapping,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Level after a shock, its change, the change of the channel's cost term, and the effect on
    log trade as ``fixed + elasticity * slope`` (vectorised: a ``(draws, 1)`` ``value`` against
    ``(rows,)`` levels gives ``(draws, rows)`` arrays).

    ``delta_ln`` is the day change for time, the log change of one plus the ad-valorem cost for
    freight and tariffs, the log change of distance, and the change of the dummy; ``fixed`` is
    the part of the effect that does not depend on the trade elasticity, ``slope`` its slope in it.
    """
    zeros = np.zeros(np.broadcast_shapes(np.shape(value), np.shape(before)))
    if mode == "add":
        after, change = before + value, zeros + value
    elif mode == "relative":
        after, change = before * (1.0 + value), before * value
    else:
        after, change = zeros + value, value - before
    if var == "transit_days":
        fixed, slope = mapping.time_effect_parts(change, goods)
        return after, change, change, fixed, slope
    if var in ("freight_cost_pct", "tariff_pct"):
        delta_ln = delta_ln_ad_valorem(before, after)
        return after, change, delta_ln, zeros, delta_ln
    if var == "dist_km":
        delta_ln = np.log1p(zeros + value) if mode == "relative" else np.log(after) - np.log(before)
        return after, change, delta_ln, mapping.distance_elasticity * delta_ln, zeros
    if var == "rta":
        return after, change, change, mapping.rta_effect * change, zeros
    return after, change, zeros, zeros, zeros  # route availability moves no trade cost


def level_before(var: str, frame: pd.DataFrame, mapping: TradeCostMapping) -> np.ndarray:
    """The level of ``var`` before a shock on each row (assumed freight share, 1 for availability)."""
    before = np.full(len(frame), np.nan)
    if var in frame.columns:
        before = pd.to_numeric(frame[var], errors="coerce").to_numpy(dtype=float)
    if var == "freight_cost_pct":
        assumed = per_commodity(mapping.baseline_freight_pct, frame["commodity"].to_numpy())
        before = np.where(np.isnan(before), assumed, before)
    elif var == "route_available":
        before = np.where(np.isnan(before), 1.0, before)
    return before


def _double_counting(cells: list[Cells], frame: pd.DataFrame, mapping: TradeCostMapping) -> list[str]:
    if mapping.distance_net_of_time:
        return []
    dist = np.zeros(len(frame), dtype=bool)
    time_or_freight = np.zeros(len(frame), dtype=bool)
    for cell in cells:
        if cell.shock.variable == "dist_km":
            dist |= cell.mask
        elif cell.shock.variable in ("transit_days", "freight_cost_pct"):
            time_or_freight |= cell.mask
    both = dist & time_or_freight
    if not both.any():
        return []
    rows = frame.loc[both, KEY].itertuples(index=False, name=None)
    return [
        f"distance and time/freight shocks both change {describe_items(list(rows))}: that counts one route"
        " change twice; keep one channel, or pass TradeCostMapping(distance_net_of_time=True) when your"
        " distance elasticity was estimated net of time and freight costs"
    ]


def compose(
    scenario: ScenarioLike, frame: pd.DataFrame, cells: list[Cells], year: int | None, *, parts: bool = False
) -> pd.DataFrame:
    """Sum the phased channel effects per row for one year (``None``: full, long-run effect)."""
    arrays = compose_arrays(scenario, frame, cells, year, parts=parts)
    out = frame[KEY].copy()
    for name, values in arrays.items():
        out[name] = values
    return out


def compose_arrays(
    scenario: ScenarioLike,
    frame: pd.DataFrame,
    cells: list[Cells],
    year: int | None,
    *,
    labels: bool = True,
    parts: bool = False,
) -> dict[str, np.ndarray]:
    """The arrays behind :func:`compose` (``labels=False`` skips the channel names, ``parts=True``
    adds the two parts of the total, ``PARTS``).

    Beside the composed columns: ``channel_bits`` (the channels as bits over :data:`CHANNELS`),
    ``touched`` (rows any shock matches) and ``opened`` (rows a trade-cost shock has opened on
    by ``year``), which the composition of alternative routes reads.
    """
    n = len(frame)
    summed = (*SUMMED, *PARTS) if parts else SUMMED
    sums = {name: np.zeros(n) for name in (*summed, "weight_phased", "weight_full")}
    channel_bits = np.zeros(n, dtype=np.int64)
    touched = np.zeros(n, dtype=bool)
    opened = np.zeros(n, dtype=bool)
    avail_before = (
        pd.to_numeric(frame["route_available"], errors="coerce").fillna(1.0).to_numpy(dtype=float)
        if "route_available" in frame.columns
        else np.ones(n)
    )
    availability = avail_before.copy()
    for cell in cells:
        touched |= cell.mask
        start = scenario.start_year if cell.start < 0 else cell.start
        if cell.shock.variable == "route_available":
            if year is None or year >= start:
                availability = np.where(cell.mask, cell.after, availability)
            continue
        opened |= cell.mask & (year is None or year >= start)
        phase = 1.0 if year is None else scenario.phase_in.share(year, start)
        sums["delta_log_cost"] += phase * cell.log_effect
        if parts:
            assert cell.fixed is not None and cell.slope is not None  # evaluated with parts=True
            sums["delta_fixed"] += phase * cell.fixed
            sums["delta_per_elasticity"] += phase * cell.slope
        # Weights by absolute size keep the reported phase in [0, 1] when channels pull apart.
        sums["weight_phased"] += phase * np.abs(cell.log_effect)
        sums["weight_full"] += np.abs(cell.log_effect)
        sums[CHANNEL_COLUMN[cell.shock.variable]] += phase * cell.delta_ln
        active = cell.mask & (phase * cell.log_effect != 0)
        channel_bits |= active.astype(np.int64) << CHANNELS.index(CHANNEL_OF[cell.shock.variable])
    if year is not None:
        availability = np.where(touched, availability * scenario.availability_in(year), availability)
    channel_bits |= (availability != avail_before).astype(np.int64) << CHANNELS.index("availability")
    default_phase = 1.0 if year is None else scenario.phase(year)
    with np.errstate(divide="ignore", invalid="ignore"):
        phase_share = np.where(
            sums["weight_full"] > 0, sums["weight_phased"] / sums["weight_full"], default_phase
        )
    out = {name: sums[name] for name in summed}
    if labels:
        out["channel"] = channel_labels(channel_bits)
    out["phase"] = phase_share
    out["availability"] = availability
    out["availability_before"] = avail_before
    out.update(channel_bits=channel_bits, touched=touched, opened=opened)
    return out
