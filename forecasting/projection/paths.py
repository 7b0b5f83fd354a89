"""Each scenario's schedule draw by draw: effect, phase-in, availability, contracts, new trade.

From a scenario's GE effects (:mod:`forecasting.projection.effects`) and the joint sample
(:mod:`forecasting.projection.uncertainty`), :func:`scenario_path` builds the arrays
:func:`forecasting.projection.combine.combine_draws` multiplies into the baseline paths, for
draw ``d``, series ``s`` (the pair's flows by commodity) and year ``t``:

``log_effect[d, s]``
    The GE log change of the flow once the scenario is fully in place (GE draw ``d mod G``).
``phase[d, s, t]``
    The share of it reached: the direct effect of the shocks that have opened by ``t`` (each
    shifted by the draw's opening year and ramped up over the draw's ramp-up years) over the
    full direct effect; on a flow whose own costs do not move (a GE effect through third
    countries) the corridor's phase-in. For a corridor whose shocks open together this is
    exactly its ramp-up share; the GE effect is taken to scale with it (an approximation for
    a small cost change, as before).
``availability[d, s, t]``
    The share of the year the flow's route is open (drawn), relative to the status quo's
    central share: the statistical baseline was fitted to years that already include the
    usual disruptions, so only the difference moves the flows.
``shipments[d, s, t]``
    Known contracts, each times its drawn delivered share.
``new_trade[d, s, t]``
    The drawn share of the flow's trade-potential gap (:mod:`forecasting.projection.potential`)
    closed by the corridor, phased in with it.

A combination's routes are alternatives in every one of these: per flow and draw the better
opened route's effect, the best availability, the larger new-trade share; contracts once.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from forecasting.projection.combine import ScenarioPath
from forecasting.projection.effects import FLOWS, CommodityEffects
from forecasting.projection.result import SERIES_KEYS
from forecasting.projection.shipments import shipments_for_pair
from forecasting.projection.uncertainty import GE_SOURCES, JointSample
from forecasting.scenarios import KnownShipment, Scenario

__all__ = ["availability_draws", "route_timing", "scenario_path", "series_columns"]


def series_columns(series: pd.DataFrame, effects: Sequence[CommodityEffects]) -> list[tuple[int, int, int]]:
    """``(series position, commodity position, 0 export / 1 import)`` for every series with effects."""
    index = {
        tuple(row): k for k, row in enumerate(series[list(SERIES_KEYS)].itertuples(index=False, name=None))
    }
    a, b = series.reporter.iloc[0], series.partner.iloc[0]
    out = []
    for c, item in enumerate(effects):
        for column, flow in enumerate(FLOWS):
            key = (a, b, flow, item.commodity)
            if key in index:
                out.append((index[key], c, column))
    return out


def route_timing(
    route: Scenario, sample: JointSample, years: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each draw's opening offset of ``route`` (:data:`NEVER` when it does not open), its
    ``(draws, years)`` phase-in from its own opening year, and its ramp-up years."""
    written = route.opening_year
    opening = sample.opening(route.opening, written)
    ramps = sample.ramp(route.phase_in)
    starts = np.where(opening < 0, -1, opening)
    shares = route.phase_in.shares(years, starts, written, ramps)
    offset = np.where(opening < 0, NEVER, opening - written)
    return offset, shares, ramps


NEVER = -(10**6)


def _shifted(start: int, offset: np.ndarray) -> np.ndarray:
    return np.where(offset == NEVER, -1, start + offset)


def scenario_path(
    scenario: Scenario,
    effects: Sequence[CommodityEffects],
    sample: JointSample,
    series: pd.DataFrame,
    years: Sequence[int],
    *,
    reference: np.ndarray,
    status_quo: np.ndarray | None,
    potential: np.ndarray,
    name: str | None = None,
) -> ScenarioPath:
    """The arrays of one scenario for the combination step (see the module), named ``name``
    (the key the run knows it by; the scenario's own name when None).

    ``series`` lists the pair's series (``SERIES_KEYS``) in the order of the baseline array;
    ``reference`` is the status quo's central availability ``(series, years)`` and
    ``status_quo`` its drawn availability ``(draws, series, years)``, which flows the scenario
    does not touch keep (None: the scenario is the status quo); ``potential`` is the
    trade-potential gap of each series in USD (0 where none).
    """
    years = np.asarray(years)
    variant = next((s for s in GE_SOURCES if sample.is_held(s)), "all")
    d, n_s, n_t = sample.draws, len(series), len(years)
    g = sample.ge_index
    columns = series_columns(series, effects)
    log_effect = np.zeros((d, n_s))
    phase = np.zeros((d, n_s, n_t))
    avail = availability_draws(effects, sample, series, years, columns, default=status_quo)
    timings = [route_timing(r.scenario, sample, years) for r in effects[0].routes] if effects else []
    for s, c, column in columns:
        item = effects[c]
        log_effect[:, s] = item.log_effect[variant][g, column]
        direct_now, direct_full, opened, reached = [], [], [], []
        for route, (offset, _, ramps) in zip(item.routes, timings, strict=True):
            now, full, is_open = np.zeros((d, n_t)), np.zeros(d), np.zeros((d, n_t), dtype=bool)
            for shock in route.shocks:
                if shock.level is not None or not shock.touched[column]:
                    continue
                start = _shifted(shock.start, offset)
                effect = shock.effect[variant][g, column]
                share = route.scenario.phase_in.shares(years, start, shock.start, ramps)
                now += share * effect[:, None]
                full += effect
                is_open |= (years[None, :] >= start[:, None]) & (start[:, None] >= 0)
            direct_now.append(now)
            direct_full.append(full)
            opened.append(is_open)
            reached.append(any(sh.level is None and sh.touched[column] for sh in route.shocks))
        phase[:, s, :] = _phase(direct_now, direct_full, opened, reached, [t[1] for t in timings])
    shipments = _contracts(scenario, sample, series, years)
    new_trade = _new_trade(effects, sample, series, years, potential, timings)
    return ScenarioPath(
        name or scenario.name, log_effect, phase, avail / reference[None], shipments, new_trade
    )


def _phase(now, full, opened, reached, route_shares) -> np.ndarray:
    """Share of the full effect reached per draw and year (best opened route over best route)."""
    reach = np.array(reached)
    if not reach.any():
        return np.max(route_shares, axis=0)
    masked_now = np.where(np.stack(opened) & reach[:, None, None], np.stack(now), -np.inf)
    best_now = np.where(np.isfinite(masked_now.max(axis=0)), masked_now.max(axis=0), 0.0)
    best_full = np.where(reach[:, None], np.stack(full), -np.inf).max(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = best_now / best_full[:, None]
    fallback = np.max(route_shares, axis=0)
    return np.where(np.abs(best_full)[:, None] > 1e-12, ratio, fallback)


def availability_draws(
    effects: Sequence[CommodityEffects],
    sample: JointSample,
    series: pd.DataFrame,
    years: np.ndarray,
    columns: Sequence[tuple[int, int, int]] | None = None,
    *,
    default: np.ndarray | None = None,
) -> np.ndarray:
    """``(draws, series, years)`` share of the year each flow's route is open; a flow no route of
    the scenario touches takes ``default`` (1 when None)."""
    columns = series_columns(series, effects) if columns is None else columns
    years = np.asarray(years)
    rows = sample.availability_rows()
    shape = (sample.draws, len(series), len(years))
    out = np.ones(shape) if default is None else np.broadcast_to(default, shape).copy()
    for s, c, column in columns:
        offered = []
        for route in effects[c].routes:
            if not route.touched[column]:
                continue
            level = np.ones((sample.draws, len(years)))
            for shock in route.shocks:
                if shock.level is not None and shock.touched[column]:
                    active = years >= shock.start
                    level[:, active] = shock.level[rows, column][:, None]
            wide = np.array([route.scenario.availability_in(int(y)) for y in years])
            offered.append(level * wide[None, :])
        if offered:
            out[:, s, :] = np.max(offered, axis=0)
    return out


@functools.lru_cache(maxsize=256)
def _contract_values(contract: KnownShipment, keys: tuple, years: tuple[int, ...]) -> np.ndarray:
    """``(series, years)`` contracted USD of one contract on the pair's series (``keys`` in order)."""
    index = {key: k for k, key in enumerate(keys)}
    position = {y: k for k, y in enumerate(years)}
    one = Scenario(
        "contract",
        start_year=min(y for y, _ in contract.values),
        kind="baseline",
        known_shipments=(contract,),
    )
    out = np.zeros((len(keys), len(years)))
    for row in shipments_for_pair(one, (keys[0][0], keys[0][1])).itertuples(index=False):
        key = (row.reporter, row.partner, row.flow, row.commodity)
        if key in index and int(row.year) in position:
            out[index[key], position[int(row.year)]] += float(row.value_usd)
    return out


def _contracts(
    scenario: Scenario, sample: JointSample, series: pd.DataFrame, years: np.ndarray
) -> np.ndarray:
    keys = tuple(series[list(SERIES_KEYS)].itertuples(index=False, name=None))
    out = np.zeros((sample.draws, len(series), len(years)))
    for contract in scenario.contracts:
        values = _contract_values(contract, keys, tuple(int(y) for y in years))
        out += sample.delivered(contract)[:, None, None] * values[None]
    return out


def _new_trade(effects, sample, series, years, potential, timings) -> np.ndarray:
    out = np.zeros((sample.draws, len(series), len(years)))
    if not effects:
        return out
    for route, (_, shares, _) in zip(effects[0].routes, timings, strict=True):
        rule = route.scenario.new_trade
        if rule is None:
            continue
        share = sample.new_trade(rule)[:, None] * shares
        applies = np.array([rule.applies_to(str(k)) for k in series.commodity]) * np.asarray(potential)
        out = np.maximum(out, share[:, None, :] * applies[None, :, None])
    return out


def reference_availability(
    effects: Sequence[CommodityEffects], sample: JointSample, series: pd.DataFrame, years: Sequence[int]
) -> np.ndarray:
    """The status quo's central availability ``(series, years)`` (the sample's availability held)."""
    return availability_draws(effects, sample.held("availability"), series, np.asarray(years))[0]


def potential_by_series(series: pd.DataFrame, potential: pd.DataFrame | None) -> np.ndarray:
    """The trade-potential gap (``potential_usd``) of each series, 0 where the table has none."""
    if potential is None or potential.empty:
        return np.zeros(len(series))
    gaps: Mapping[tuple[str, str, str], float] = {
        (r.exporter, r.importer, r.commodity): float(r.potential_usd)
        for r in potential.itertuples(index=False)
    }
    out = []
    for r in series.itertuples(index=False):
        exporter, importer = (r.reporter, r.partner) if r.flow == "export" else (r.partner, r.reporter)
        out.append(gaps.get((exporter, importer, r.commodity), 0.0))
    return np.nan_to_num(np.asarray(out, dtype=float))
