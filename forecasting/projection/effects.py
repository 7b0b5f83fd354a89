"""From a scenario and the joint sample to GE effect draws on the pair's flows, per commodity.

For each commodity group ``k`` and each GE draw ``g`` of the joint sample
(:mod:`forecasting.projection.uncertainty`):

1. every shock of every route takes its drawn value (triangular on its low/central/high,
   :func:`forecasting.scenarios.draws.route_draws`) and gives its full (unphased) change in log
   trade costs ``fixed + eps_g * slope``, its time channel scaled by the draw's time-elasticity
   factor; a route's changes add up over its shocks; a combination's routes are alternatives
   (on a shared pair the route with the larger change counts, never the sum);
2. **every draw is solved in general equilibrium**: the full-endowment counterfactual of
   :func:`forecasting.gravity.ge.counterfactual_draws`, baseline calibrated to the observed
   base-year flows including intra-national sales, with the draw's own cost change and its
   own sigma ``1 - eps_g``, solved in batches with warm starts;
3. the same draws are solved three more times, each with one GE source (trade elasticity, time
   elasticity, cost shocks) at its central value, for the decomposition of what drives the
   answer (:mod:`forecasting.projection.drivers_of_billion`); one more draw, every source
   central, gives the GE_COUNTRY rows.

Where general equilibrium cannot speak, the direct effect is used and recorded as a
fall-back: no production data (no GE at all), a pair outside the base-year square, a flow
with no base-year trade (a GE calibrated to observed flows keeps it at zero), or draws whose
equilibrium was not found.

Besides the GE effects, each commodity's result keeps the direct effect of every shock on the
pair's two flows and the drawn route availability there, so the outlook can phase each draw
in with its own opening year and ramp-up (:mod:`forecasting.projection.paths`).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from forecasting.gravity.ge import GEOptions, counterfactual_draws
from forecasting.projection.result import SERIES_KEYS
from forecasting.projection.settings import Elasticity, Fallback
from forecasting.projection.uncertainty import GE_SOURCES, JointSample
from forecasting.scenarios import Scenario
from forecasting.scenarios.draws import RouteDraws, route_draws

logger = logging.getLogger(__name__)

#: "all": every source drawn; otherwise the named GE source sits at its central value.
GE_VARIANTS = ("all", *GE_SOURCES)
DRAW_COLUMNS = (*SERIES_KEYS, "draw", "log_effect", "direct_log_effect", "cost_quantile", "elasticity")
FLOWS = ("export", "import")


@dataclass(frozen=True, eq=False)
class ShockOnPair:
    """One shock of a route on the pair's two flows (export, import) of a commodity.

    ``effect`` maps each GE variant to the ``(ge_draws, 2)`` full change in log trade (cost
    shocks); ``level`` is the ``(draws + 1, 2)`` share of the year open (availability shocks,
    the last row central). ``touched`` says which of the two flows the shock reaches.
    """

    variable: str
    start: int
    touched: np.ndarray
    effect: Mapping[str, np.ndarray]
    level: np.ndarray | None


@dataclass(frozen=True, eq=False)
class RouteOnPair:
    """A route (a scenario, or a combination's component) and its shocks on the pair's flows."""

    scenario: Scenario
    shocks: tuple[ShockOnPair, ...]
    touched: np.ndarray


@dataclass(frozen=True, eq=False)
class CommodityEffects:
    """GE effects of one scenario on the pair's two flows of one commodity, per variant.

    ``log_effect`` and ``direct`` map each of :data:`GE_VARIANTS` to ``(ge_draws, 2)`` arrays
    (export, import): the GE log change of the flow and the direct change of its trade costs.
    """

    commodity: str
    log_effect: Mapping[str, np.ndarray]
    direct: Mapping[str, np.ndarray]
    routes: tuple[RouteOnPair, ...]
    country: pd.DataFrame
    fallbacks: tuple[Fallback, ...]
    elasticity: np.ndarray  # (ge_draws,) the trade elasticity of each GE draw


def international_pairs(base: pd.DataFrame, commodity: str) -> pd.DataFrame:
    """The ``exporter, importer, commodity`` rows of a base-year square, domestic sales left out."""
    return base[base.exporter != base.importer][["exporter", "importer"]].assign(commodity=commodity)


def pairs_for(base: pd.DataFrame | None, pair: tuple[str, str], commodity: str) -> pd.DataFrame:
    """Pairs whose costs a scenario may change: the base year's, and always the pair itself."""
    a, b = pair
    own = pd.DataFrame({"exporter": [a, b], "importer": [b, a], "commodity": commodity})
    if base is None:
        return own
    return pd.concat([international_pairs(base, commodity), own], ignore_index=True).drop_duplicates(
        ["exporter", "importer"]
    )


def variant_samples(sample: JointSample) -> dict[str, JointSample]:
    """The joint sample for each GE variant."""
    return {v: sample if v == "all" else sample.held(v) for v in GE_VARIANTS}


def route_changes(route: RouteDraws, sample: JointSample, eps: np.ndarray) -> np.ndarray:
    """``(ge_draws, rows)`` full change in log trade costs of one route, draw by draw."""
    rows, factor = sample.cost_rows(), sample.time_factor()[:, None]
    total = np.zeros((sample.ge_draws, len(route.frame)))
    for shock in route.cost_shocks:
        change = shock.fixed[rows] + eps[:, None] * shock.slope[rows]
        total[:, shock.rows] += factor * change if shock.is_time else change
    return total


def best_of_routes(changes: Sequence[np.ndarray], touched: Sequence[np.ndarray]) -> np.ndarray:
    """Per row, the largest change among the routes that reach it (0 where none does)."""
    if len(changes) == 1:
        return changes[0]
    reach = np.stack(touched)[:, None, :]
    stacked = np.where(reach, np.stack(changes), -np.inf)
    return np.where(reach.any(axis=0), stacked.max(axis=0), 0.0)


def full_changes(routes: Sequence[RouteDraws], sample: JointSample, eps: np.ndarray) -> np.ndarray:
    """``(ge_draws, rows)`` full change in log trade costs of a scenario (its routes composed)."""
    changes = [route_changes(r, sample, eps) for r in routes]
    reach = [
        np.isin(np.arange(len(r.frame)), np.concatenate([s.rows for s in r.cost_shocks] or [[]]))
        for r in routes
    ]
    return best_of_routes(changes, reach)


def outlook_ge_options(elasticity: Elasticity, reference_importer: str) -> GEOptions:
    """Full-endowment GE calibrated to the observed base year, sigma from the central elasticity."""
    return GEOptions(
        sigma=1.0 - elasticity.estimate, reference_importer=reference_importer, baseline="observed"
    )


def solve_cost_draws(
    scenario: Scenario,
    base: pd.DataFrame,
    frame: pd.DataFrame,
    deltas: np.ndarray,
    eps: np.ndarray,
    options: GEOptions,
    *,
    conditional: bool = False,
):
    """Every row of ``deltas`` (one draw) in general equilibrium, with sigma ``1 - eps`` per draw."""
    moved = np.flatnonzero((deltas != 0).any(axis=0))
    n_draws = len(deltas)
    table = pd.DataFrame(
        {
            "draw": np.repeat(np.arange(n_draws), len(moved)),
            "exporter": np.tile(frame.exporter.to_numpy()[moved], n_draws),
            "importer": np.tile(frame.importer.to_numpy()[moved], n_draws),
            "delta_log_cost": deltas[:, moved].ravel(),
        }
    )
    return counterfactual_draws(
        base, table, sigma=1.0 - eps, options=options, conditional=conditional, scenario=scenario.name
    )


def _on_pair(
    route: RouteDraws, own: np.ndarray, samples: Mapping[str, JointSample], eps: Mapping[str, np.ndarray]
) -> RouteOnPair:
    shocks = []
    for shock in route.shocks:
        where = {int(r): k for k, r in enumerate(shock.rows)}
        slot = np.array([where.get(int(r), -1) for r in own])
        touched = slot >= 0
        if not touched.any():
            continue
        pick = np.where(touched, slot, 0)
        if shock.variable == "route_available":
            shocks.append(ShockOnPair(shock.variable, shock.start, touched, {}, shock.level[:, pick]))
            continue
        effect = {}
        for variant, sample in samples.items():
            rows, factor = sample.cost_rows(), sample.time_factor()[:, None]
            change = shock.fixed[rows][:, pick] + eps[variant][:, None] * shock.slope[rows][:, pick]
            effect[variant] = np.where(touched, factor * change if shock.is_time else change, 0.0)
        shocks.append(ShockOnPair(shock.variable, shock.start, touched, effect, None))
    return RouteOnPair(route.scenario, tuple(shocks), route.touched[own])


def commodity_effects(
    scenario: Scenario,
    base: pd.DataFrame | None,
    elasticity: Elasticity,
    sample: JointSample,
    *,
    pair: tuple[str, str],
    reference_importer: str,
) -> CommodityEffects:
    """GE log effects on the pair's two flows of one commodity, per variant (see the module)."""
    commodity, (a, b) = elasticity.commodity, pair
    routes = route_draws(
        scenario, pairs_for(base, pair, commodity), cost_quantiles=sample.quantiles["cost_shocks"],
        availability_quantiles=sample.quantiles["availability"],
    )  # fmt: skip
    frame = routes[0].frame
    key = list(zip(frame.exporter, frame.importer, strict=True))
    own = np.array([key.index((a, b)), key.index((b, a))])
    samples = variant_samples(sample)
    eps = {v: s.elasticity(elasticity) for v, s in samples.items()}
    deltas = {v: full_changes(routes, s, eps[v]) for v, s in samples.items()}
    direct = {v: d[:, own] for v, d in deltas.items()}
    effect = dict(direct)
    fallbacks: list[Fallback] = []
    country = pd.DataFrame()
    step = f"GE effects ({scenario.name}, {commodity})"
    moved = any((d != 0).any() for d in deltas.values())
    if base is not None and moved and not {a, b} <= set(base.exporter):
        reason = f"{a} or {b} is not in the {commodity} base-year square"
        remedy = "the direct effect is used in every scenario; add the pair's flows and output"
        fallbacks.append(Fallback(f"GE effects ({commodity})", reason, remedy))
    elif base is not None and moved:
        flows = base.set_index(["exporter", "importer"]).value_usd
        trades = [flows.get((e, i), 0.0) > 0 for e, i in ((a, b), (b, a))]
        for column, (e, i) in enumerate(((a, b), (b, a))):
            if not trades[column] and any((direct[v][:, column] != 0).any() for v in GE_VARIANTS):
                # The same in every scenario that moves this flow's costs: recorded once per flow.
                reason = "no base-year trade, and a GE calibrated to observed flows keeps a zero flow at zero"
                remedy = "the direct effect of each scenario's cost change is used for this flow"
                fallbacks.append(Fallback(f"GE effects ({commodity} {e}->{i})", reason, remedy))
        central_eps = np.full(sample.ge_draws, elasticity.estimate)
        central = full_changes(routes, sample.held(*GE_SOURCES), central_eps)[:1]
        # Draws are solved only where a GE effect is read: a pair with no base-year trade either
        # way takes its direct effects, and its GE_COUNTRY rows need the central case alone.
        variants = GE_VARIANTS if any(trades) else ()
        stacked = np.concatenate([*(deltas[v] for v in variants), central])
        sigma_eps = np.concatenate([*(eps[v] for v in variants), [elasticity.estimate]])
        solved = solve_cost_draws(
            scenario, base, frame, stacked, sigma_eps, outlook_ge_options(elasticity, reference_importer)
        )
        g = sample.ge_draws
        if variants:
            failed = solved.failed[:-1].reshape(len(variants), g)
            if failed[0].any():
                reason = f"{int(failed[0].sum())} of {g} draws had no equilibrium"
                fallbacks.append(Fallback(step, reason, "their direct effect is used"))
            for column, (e, i) in enumerate(((a, b), (b, a))):
                if not trades[column]:
                    continue
                change = solved.log_change(e, i)[:-1].reshape(len(variants), g)
                for k, variant in enumerate(variants):
                    effect[variant] = effect[variant].copy()
                    effect[variant][:, column] = np.where(failed[k], direct[variant][:, column], change[k])
        if solved.failed[-1]:
            fallbacks.append(
                Fallback(step, "the central case has no equilibrium", "no GE country rows for this commodity")
            )
        else:
            country = solved.country_table(len(stacked) - 1).assign(commodity=commodity)
    on_pair = tuple(_on_pair(r, own, samples, eps) for r in routes)
    return CommodityEffects(commodity, effect, direct, on_pair, country, tuple(fallbacks), eps["all"])


def scenario_effects(
    scenario: Scenario,
    bases: Mapping[str, pd.DataFrame | None],
    elasticities: Mapping[str, Elasticity],
    sample: JointSample,
    *,
    pair: tuple[str, str],
    commodities: Sequence[str],
    reference_importer: str,
) -> list[CommodityEffects]:
    """:func:`commodity_effects` for each of the pair's commodities, in sorted order."""
    return [
        commodity_effects(
            scenario, bases.get(k), elasticities[k], sample, pair=pair, reference_importer=reference_importer
        )
        for k in sorted(commodities)
    ]


def draw_table(
    effects: Sequence[CommodityEffects], sample: JointSample, pair: tuple[str, str]
) -> pd.DataFrame:
    """``DRAW_COLUMNS``: each GE draw's log effect on each series (every source drawn)."""
    g = sample.ge_draws
    rows = []
    for item in effects:
        for column, flow in enumerate(FLOWS):
            rows.append(
                pd.DataFrame(
                    {
                        "reporter": pair[0], "partner": pair[1], "flow": flow, "commodity": item.commodity,
                        "draw": np.arange(g), "log_effect": item.log_effect["all"][:, column],
                        "direct_log_effect": item.direct["all"][:, column],
                        "cost_quantile": sample.quantiles["cost_shocks"], "elasticity": item.elasticity,
                    }
                )
            )  # fmt: skip
    return (
        pd.concat(rows, ignore_index=True)[list(DRAW_COLUMNS)] if rows else pd.DataFrame(columns=DRAW_COLUMNS)
    )


def effect_summary(effects: pd.DataFrame, scenario: str, levels: Sequence[int] = (95,)) -> pd.DataFrame:
    """Median and interval of the full GE effect (percent) on each series, for the report."""
    rows = []
    for key, sub in effects.groupby(list(SERIES_KEYS)):
        pct = 100 * (np.exp(sub.log_effect) - 1)
        direct = 100 * (np.exp(sub.direct_log_effect) - 1)
        row = dict(
            zip(SERIES_KEYS, key, strict=True),
            scenario=scenario,
            median_pct=float(np.median(pct)),
            direct_median_pct=float(np.median(direct)),
        )
        for level in levels:
            tail = (100 - level) / 2
            row[f"lower_{level}"] = float(np.percentile(pct, tail))
            row[f"upper_{level}"] = float(np.percentile(pct, 100 - tail))
        rows.append(row)
    return pd.DataFrame(rows)
