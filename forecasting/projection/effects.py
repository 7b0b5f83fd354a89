"""From trade elasticities and a scenario to GE effect draws on the pair's flows, per commodity.

For each commodity group ``k``:

1. its trade-cost elasticity ``eps_k`` (estimated, pooled or from the literature, see
   :mod:`forecasting.projection.estimate`), ``sigma_k = 1 - eps_k``;
2. the scenario's full (unphased) change in log trade costs of every pair it serves is linear
   in the elasticity, ``delta(eps) = T + eps * G`` (freight and tariff channels scale with it;
   time, distance and agreements do not); :meth:`Scenario.cost_change_parts` gives ``T`` and
   ``G`` once per parameter case;
3. uncertainty: ``ge_draws`` joint draws of the elasticity (normal, from its standard error,
   kept at or below -0.5) and of the scenario's parameter case (low, central, high with
   weights 1/4, 1/2, 1/4, a discrete stand-in for a triangular distribution);
4. **every draw is solved in general equilibrium**: the full-endowment counterfactual of
   :func:`forecasting.gravity.ge.counterfactual_draws`, baseline calibrated to the observed
   base-year flows including intra-national sales, with the draw's own cost change and its
   own sigma, solved in batches with warm starts. This replaced one solve per case scaled by
   each draw's direct effect: measured on the full default outlook (1,000 draws, 7 built-in
   scenarios, 6 groups, 40 countries), solving all 200 GE draws per scenario and commodity
   keeps the run well inside its 60 s budget (``benchmarks/results/outlook.md``), so the
   exact answer is affordable.

Where general equilibrium cannot speak, the direct effect ``delta`` is used and recorded as a
fall-back: no production data (no GE at all), a pair outside the base-year square, a flow
with no base-year trade (a GE calibrated to observed flows keeps it at zero), or draws whose
equilibrium was not found. The GE_COUNTRY rows are the counterfactual at the central case and
the central elasticity, solved as one more draw of the same batch.

The phased effect in year ``t`` is ``phase_t * log_effect`` (the GE effect scales about
linearly with the size of a small cost change; stated as an approximation).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from forecasting.gravity.ge import GEDraws, GEOptions, counterfactual_draws
from forecasting.projection.result import SERIES_KEYS
from forecasting.projection.settings import Elasticity, Fallback
from forecasting.scenarios import Scenario

logger = logging.getLogger(__name__)

CASES = ("low", "central", "high")
CASE_WEIGHTS = (0.25, 0.5, 0.25)
DRAW_COLUMNS = (*SERIES_KEYS, "draw", "log_effect", "direct_log_effect", "case", "elasticity")


@dataclass(frozen=True, eq=False)
class ScenarioEffects:
    """Effect draws of one scenario on the pair's series, its GE country rows, and its fall-backs.

    ``draws`` has ``DRAW_COLUMNS``; ``country`` GE_COUNTRY rows with a ``commodity`` column
    (the central case; empty in direct mode).
    """

    draws: pd.DataFrame
    country: pd.DataFrame
    fallbacks: tuple[Fallback, ...]


def draw_parameters(elasticity: Elasticity, draws: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Joint draws of the trade elasticity (normal, kept at or below -0.5: a trade elasticity of
    the wrong sign or near zero is not credible) and of the corridor's parameter case.

    Examples
    --------
    >>> eps, cases = draw_parameters(Elasticity("coal", -4.0, 1.0, "estimated"), 1000, seed=1)
    >>> bool((eps <= -0.5).all()), sorted(str(c) for c in set(cases))
    (True, ['central', 'high', 'low'])
    """
    rng = np.random.default_rng(seed)
    eps = np.minimum(rng.normal(elasticity.estimate, elasticity.std_error, draws), -0.5)
    return eps, rng.choice(CASES, size=draws, p=CASE_WEIGHTS)


def international_pairs(base: pd.DataFrame, commodity: str) -> pd.DataFrame:
    """The ``exporter, importer, commodity`` rows of a base-year square, domestic sales left out."""
    return base[base.exporter != base.importer][["exporter", "importer"]].assign(commodity=commodity)


def _pairs_for(base: pd.DataFrame | None, pair: tuple[str, str], commodity: str) -> pd.DataFrame:
    """Pairs whose costs a scenario may change: the base year's, and always the pair itself."""
    a, b = pair
    own = pd.DataFrame({"exporter": [a, b], "importer": [b, a], "commodity": commodity})
    if base is None:
        return own
    return pd.concat([international_pairs(base, commodity), own], ignore_index=True).drop_duplicates(
        ["exporter", "importer"]
    )


def case_parts(scenario: Scenario, pairs: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Per parameter case, the parts ``T`` (``delta_fixed``) and ``G`` (``delta_per_elasticity``)
    of the change in log trade cost, indexed by exporter, importer, commodity."""
    keys = ["exporter", "importer", "commodity"]
    return {
        case: scenario.cost_change_parts(pairs, draw=case, unmatched="skip").set_index(keys) for case in CASES
    }


def cost_draws(
    parts: dict[str, pd.DataFrame], commodity: str, eps: np.ndarray, cases: np.ndarray
) -> pd.DataFrame:
    """Changes in log trade cost, one row per draw and one column per pair (exporter, importer)."""
    own = {case: parts[case].xs(commodity, level="commodity") for case in CASES}
    fixed = np.stack([own[case].delta_fixed.to_numpy() for case in CASES])
    slope = np.stack([own[case].delta_per_elasticity.to_numpy() for case in CASES])
    slot = pd.Series(cases).map({case: k for k, case in enumerate(CASES)}).to_numpy()
    return pd.DataFrame(fixed[slot] + eps[:, None] * slope[slot], columns=own["central"].index)


def long_cost_table(deltas: pd.DataFrame) -> pd.DataFrame:
    """The draw x pair matrix as the tidy ``draw, exporter, importer, delta_log_cost`` table."""
    moved = deltas.loc[:, (deltas != 0).any(axis=0)]
    n_draws, n_pairs = moved.shape
    return pd.DataFrame(
        {
            "draw": np.repeat(np.arange(n_draws), n_pairs),
            "exporter": np.tile(moved.columns.get_level_values(0).to_numpy(), n_draws),
            "importer": np.tile(moved.columns.get_level_values(1).to_numpy(), n_draws),
            "delta_log_cost": moved.to_numpy().ravel(),
        }
    )


def outlook_ge_options(elasticity: Elasticity, reference_importer: str) -> GEOptions:
    """Full-endowment GE calibrated to the observed base year, sigma from the central elasticity."""
    return GEOptions(
        sigma=1.0 - elasticity.estimate, reference_importer=reference_importer, baseline="observed"
    )


def solve_draws(
    scenario: Scenario, base: pd.DataFrame, deltas: pd.DataFrame, eps: np.ndarray, options: GEOptions
) -> GEDraws:
    """Every draw in general equilibrium: its own cost change (a row of ``deltas``) and sigma ``1 - eps``."""
    return counterfactual_draws(
        base,
        long_cost_table(deltas),
        sigma=1.0 - eps,
        options=options,
        conditional=False,
        scenario=scenario.name,
    )


def commodity_effects(
    scenario: Scenario,
    base: pd.DataFrame | None,
    elasticity: Elasticity,
    parts: dict[str, pd.DataFrame],
    *,
    pair: tuple[str, str],
    ge_draws: int,
    seed: int,
    reference_importer: str,
) -> ScenarioEffects:
    """GE log effects on the pair's two flows of one commodity, draw by draw (see the module)."""
    commodity, (a, b) = elasticity.commodity, pair
    eps, cases = draw_parameters(elasticity, ge_draws, seed)
    deltas = cost_draws(parts, commodity, eps, cases)
    keys = ((a, b, "export"), (b, a, "import"))
    direct = {flow: deltas[(e, i)].to_numpy() for e, i, flow in keys}
    effect = dict(direct)
    fallbacks: list[Fallback] = []
    country = pd.DataFrame()
    step = f"GE effects ({scenario.name}, {commodity})"
    moved = bool((deltas.to_numpy() != 0).any())
    if base is not None and moved and not {a, b} <= set(base.exporter):
        reason = f"{a} or {b} is not in the {commodity} base-year square"
        remedy = "the direct effect is used in every scenario; add the pair's flows and output"
        fallbacks.append(Fallback(f"GE effects ({commodity})", reason, remedy))
    elif base is not None and moved:
        # One more draw, the central case at the central elasticity, gives the GE_COUNTRY rows.
        central_eps = np.array([elasticity.estimate])
        central = cost_draws(parts, commodity, central_eps, np.array(["central"]))
        solved = solve_draws(
            scenario, base, pd.concat([deltas, central], ignore_index=True), np.append(eps, central_eps),
            outlook_ge_options(elasticity, reference_importer),
        )  # fmt: skip
        failed = solved.failed[:ge_draws]
        if failed.any():
            reason = f"{int(failed.sum())} of {ge_draws} draws had no equilibrium"
            fallbacks.append(Fallback(step, reason, "their direct effect is used"))
        for e, i, flow in keys:
            if solved.baseline_flows[solved.countries.index(e), solved.countries.index(i)] > 0:
                effect[flow] = np.where(failed, direct[flow], solved.log_change(e, i)[:ge_draws])
            elif (direct[flow] != 0).any():
                # The same in every scenario that moves this flow's costs: recorded once per flow.
                reason = "no base-year trade, and a GE calibrated to observed flows keeps a zero flow at zero"
                remedy = "the direct effect of each scenario's cost change is used for this flow"
                fallbacks.append(Fallback(f"GE effects ({commodity} {e}->{i})", reason, remedy))
        if solved.failed[ge_draws]:
            reason = "the central case has no equilibrium"
            fallbacks.append(Fallback(step, reason, "no GE country rows for this commodity"))
        else:
            country = solved.country_table(ge_draws).assign(commodity=commodity)
    rows = [
        pd.DataFrame(
            {
                "reporter": a,
                "partner": b,
                "flow": flow,
                "commodity": commodity,
                "draw": np.arange(ge_draws),
                "log_effect": effect[flow],
                "direct_log_effect": direct[flow],
                "case": cases,
                "elasticity": eps,
            }
        )
        for _, _, flow in keys
    ]
    return ScenarioEffects(pd.concat(rows, ignore_index=True)[list(DRAW_COLUMNS)], country, tuple(fallbacks))


def scenario_effects(
    scenario: Scenario,
    bases: Mapping[str, pd.DataFrame | None],
    elasticities: Mapping[str, Elasticity],
    *,
    pair: tuple[str, str],
    commodities: Sequence[str],
    ge_draws: int,
    seed: int,
    reference_importer: str,
) -> ScenarioEffects:
    """Effect draws of one scenario for each of the pair's commodities (seeds differ by commodity)."""
    pairs = pd.concat([_pairs_for(bases.get(k), pair, k) for k in commodities], ignore_index=True)
    parts = case_parts(scenario, pairs)
    results = [
        commodity_effects(
            scenario,
            bases.get(k),
            elasticities[k],
            parts,
            pair=pair,
            ge_draws=ge_draws,
            seed=seed + 1009 * i,
            reference_importer=reference_importer,
        )  # fmt: skip
        for i, k in enumerate(sorted(commodities))
    ]
    countries = [r.country for r in results if len(r.country)]
    return ScenarioEffects(
        pd.concat([r.draws for r in results], ignore_index=True),
        pd.concat(countries, ignore_index=True) if countries else pd.DataFrame(),
        tuple(f for r in results for f in r.fallbacks),
    )


def spread_draws(effects: pd.DataFrame, draws: int) -> pd.DataFrame:
    """Pair ``draws`` forecast paths with the GE draws by cycling through them (draw p uses p mod K)."""
    k = int(effects.draw.max()) + 1
    index = pd.DataFrame({"draw": np.arange(draws), "ge_draw": np.arange(draws) % k})
    out = effects.rename(columns={"draw": "ge_draw"}).merge(index, on="ge_draw")
    return out.drop(columns="ge_draw")


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
