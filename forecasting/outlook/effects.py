"""From gravity estimates and a scenario to GE effect draws on the pair's flows, per commodity.

For each commodity group ``k``:

1. the trade-cost elasticity ``eps_k`` is the PPML coefficient on ``ln_tariff`` (ln of one plus
   the ad-valorem tariff) when it is negative and significant (|t| >= 2); otherwise the
   precision-weighted mean of the significant ones ("pooled"), so a poorly identified
   commodity does not drive a corridor result. ``sigma_k = 1 - eps_k``.
2. the scenario's full (unphased) change in log trade costs of every pair it serves comes
   from :meth:`forecasting.scenarios.Scenario.cost_changes` with that elasticity;
3. the full-endowment GE counterfactual (:func:`forecasting.gravity.ge.counterfactual`,
   baseline calibrated to the observed base-year flows including intra-national sales)
   gives the change of every bilateral flow, with third-country diversion and
   multilateral-resistance effects;
4. uncertainty: ``ge_draws`` joint draws of the elasticity (normal, from its standard error,
   kept negative) and of the scenario's parameter case (low, central, high with weights
   1/4, 1/2, 1/4, a discrete stand-in for a triangular distribution); the GE system is solved
   once per case and each draw scales that case's GE-to-direct ratio (see
   :func:`ge_effect_draws`); forecast paths are paired with the draws by cycling through them.

The phased effect in year ``t`` is ``phase_t * log_effect`` (the GE effect scales about
linearly with the size of a small cost change; stated as an approximation).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from forecasting.gravity.ge import counterfactual
from forecasting.outlook.result import SERIES_KEYS
from forecasting.scenarios import Scenario

logger = logging.getLogger(__name__)

CASES = ("low", "central", "high")
CASE_WEIGHTS = (0.25, 0.5, 0.25)


@dataclass(frozen=True)
class Elasticity:
    """Trade-cost elasticity of one commodity and where it came from."""

    commodity: str
    estimate: float
    std_error: float
    origin: str  # "estimated" or "pooled"


def choose_elasticities(coefficients: pd.DataFrame, *, term: str = "ln_tariff") -> dict[str, Elasticity]:
    """Per-commodity elasticities from a coefficient table with a ``model`` column naming the commodity.

    Examples
    --------
    >>> c = pd.DataFrame({"model": ["a", "b"], "term": "ln_tariff", "estimate": [-4.0, -1.0],
    ...                   "std_error": [0.5, 3.0]})
    >>> {k: (v.estimate, v.origin) for k, v in choose_elasticities(c).items()}
    {'a': (-4.0, 'estimated'), 'b': (-4.0, 'pooled')}
    """
    rows = coefficients[coefficients.term == term]
    if rows.empty:
        raise ValueError(f"the coefficient table has no {term!r} term to take the trade-cost elasticity from")
    t_stat = rows.estimate / rows.std_error
    good = rows[(rows.estimate < 0) & (t_stat.abs() >= 2)]
    if good.empty:
        raise ValueError(
            f"no commodity has a negative, significant {term!r} coefficient; supply elasticities instead"
        )
    weights = 1 / good.std_error**2
    pooled = float((good.estimate * weights).sum() / weights.sum())
    pooled_se = float(np.sqrt(1 / weights.sum()))
    out = {}
    for r in rows.itertuples(index=False):
        if r.model in set(good.model):
            out[r.model] = Elasticity(r.model, float(r.estimate), float(r.std_error), "estimated")
        else:
            out[r.model] = Elasticity(r.model, pooled, pooled_se, "pooled")
    return out


def ge_base_year(
    reconciled: pd.DataFrame, production: pd.DataFrame | None, *, year: int, commodity: str
) -> pd.DataFrame:
    """Square base-year cross-section of one commodity: international flows plus domestic sales.

    Domestic sales are gross output minus exports (the standard construction of intra-national
    flows); where exports exceed recorded output the domestic flow is set to zero.
    """
    flows = reconciled[(reconciled.period.dt.year == year) & (reconciled.commodity == commodity)]
    flows = flows.groupby(["exporter", "importer"], as_index=False).value_usd.sum()
    countries = sorted(set(flows.exporter) | set(flows.importer))
    square = pd.MultiIndex.from_product([countries, countries], names=["exporter", "importer"]).to_frame(
        index=False
    )
    data = square.merge(flows, on=["exporter", "importer"], how="left")
    data["value_usd"] = data.value_usd.fillna(0.0)
    if production is not None:
        out = production[(production.year == year) & (production.commodity == commodity)]
        output = out.set_index("country").output_usd
        exports = data[data.exporter != data.importer].groupby("exporter").value_usd.sum()
        domestic = (output.reindex(countries) - exports.reindex(countries).fillna(0)).clip(lower=0).fillna(0)
        own = data.exporter == data.importer
        data.loc[own, "value_usd"] = data.loc[own, "exporter"].map(domestic).to_numpy()
    return data


def ge_effect_draws(
    scenario: Scenario,
    base: pd.DataFrame | None,
    elasticity: Elasticity,
    *,
    pair: tuple[str, str],
    ge_draws: int,
    seed: int,
    reference_importer: str,
    deltas: dict[str, tuple[pd.Series, pd.Series]] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """GE log effects on the pair's two flows of commodity ``elasticity.commodity``, per draw.

    The scenario's direct change in log trade cost is linear in the elasticity,
    ``delta(eps) = eps * G + T`` (freight and tariff channels scale with it; time, distance and
    agreement channels do not), so ``G`` and ``T`` are read once per parameter case. The GE
    solve is run once per case at the central elasticity; each draw then scales that case's
    ratio of GE to direct effect by its own direct effect (flows the scenario does not touch
    directly keep the GE value of the case). Without ``base`` (no production data for
    intra-national flows) the direct effect is used. ``deltas`` (case -> (T, G) indexed by
    exporter, importer) can be passed when computed for several commodities at once.

    Returns ``(draws, country)``: SERIES_KEYS + ``draw, log_effect, direct_log_effect, case,
    elasticity``, and the GE_COUNTRY rows of the central case (empty without ``base``).
    """
    commodity = elasticity.commodity
    eps, cases = draw_parameters(elasticity, ge_draws, seed)
    a, b = pair
    keys = ((a, b), (b, a))
    countries: set[str] = set() if base is None else set(base.exporter)
    pairs = _pairs_for(base, pair, commodity)
    per_case = {}
    country = pd.DataFrame()
    deltas = deltas or case_deltas(scenario, pairs)
    for case in CASES:
        fixed, scaled = (d.xs(commodity, level="commodity") for d in deltas[case])
        central = elasticity.estimate * scaled + fixed
        if base is None:
            ge: dict[tuple[str, str], float] = {}
        else:
            ge, table = _solve(scenario, base, central, elasticity.estimate, reference_importer, keys)
            if case == "central":
                country = table.assign(commodity=commodity)
        per_case[case] = (fixed, scaled, central, ge)
    rows = []
    for d in range(ge_draws):
        fixed, scaled, central, ge = per_case[cases[d]]
        for (exp_, imp_), flow in zip(keys, ("export", "import"), strict=True):
            direct = float(eps[d] * scaled.get((exp_, imp_), 0.0) + fixed.get((exp_, imp_), 0.0))
            base_direct = float(central.get((exp_, imp_), 0.0))
            if a not in countries or b not in countries:
                effect = direct
            elif base_direct != 0.0:
                effect = ge[(exp_, imp_)] / base_direct * direct
            else:
                effect = ge[(exp_, imp_)]
            rows.append((a, b, flow, commodity, d, effect, direct, cases[d], eps[d]))
    draws = pd.DataFrame(
        rows, columns=[*SERIES_KEYS, "draw", "log_effect", "direct_log_effect", "case", "elasticity"]
    )
    return draws, country


def draw_parameters(elasticity: Elasticity, draws: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Joint draws of the trade elasticity (normal, kept at or below -0.5: a trade elasticity of
    the wrong sign or near zero is not credible) and of the corridor's parameter case."""
    rng = np.random.default_rng(seed)
    eps = np.minimum(rng.normal(elasticity.estimate, elasticity.std_error, draws), -0.5)
    return eps, rng.choice(CASES, size=draws, p=CASE_WEIGHTS)


def international_pairs(base: pd.DataFrame, commodity: str) -> pd.DataFrame:
    """The ``exporter, importer, commodity`` rows of a base-year square, domestic sales left out."""
    return base[base.exporter != base.importer][["exporter", "importer"]].assign(commodity=commodity)


def _pairs_for(base: pd.DataFrame | None, pair: tuple[str, str], commodity: str) -> pd.DataFrame:
    """Pairs whose costs a scenario may change: the base year's, or only the pair without one."""
    if base is not None:
        return international_pairs(base, commodity)
    a, b = pair
    return pd.DataFrame({"exporter": [a, b], "importer": [b, a], "commodity": commodity})


def case_deltas(scenario: Scenario, pairs: pd.DataFrame) -> dict[str, tuple[pd.Series, pd.Series]]:
    """Per parameter case, the parts ``T`` (independent of the elasticity) and ``G`` (its slope)
    of the change in log trade cost, indexed by exporter, importer, commodity."""
    out = {}
    for case in CASES:
        fixed = _delta(scenario, pairs, 0.0, case)
        out[case] = (fixed, fixed - _delta(scenario, pairs, -1.0, case))
    return out


def _delta(scenario: Scenario, pairs: pd.DataFrame, eps: float, case: str) -> pd.Series:
    changes = scenario.cost_changes(pairs, elasticity=eps, draw=case, unmatched="skip")
    return changes.set_index(["exporter", "importer", "commodity"]).delta_log_cost.astype(float)


def _solve(
    scenario: Scenario,
    base: pd.DataFrame,
    delta: pd.Series,
    eps: float,
    reference_importer: str,
    keys: tuple[tuple[str, str], ...],
) -> tuple[dict[tuple[str, str], float], pd.DataFrame]:
    """GE log change of the ``keys`` flows for a change in log trade costs, and GE_COUNTRY rows."""
    changed = delta[delta != 0]
    if changed.empty or not all(k[0] in set(base.exporter) and k[1] in set(base.exporter) for k in keys):
        return {k: 0.0 for k in keys}, pd.DataFrame()
    changes = changed.rename("delta_log_cost").reset_index()
    coefficients = pd.DataFrame({"term": ["ln_tariff"], "estimate": [eps]})
    result = counterfactual(
        base.assign(ln_tariff=0.0),
        coefficients,
        changes,
        sigma=1.0 - eps,
        reference_importer=reference_importer,
        kind="full",
        baseline="observed",
        scenario=scenario.name,
    )
    bil = result.bilateral.set_index(["exporter", "importer"])
    out = {}
    for k in keys:
        before, after = bil.loc[k, "baseline_usd"], bil.loc[k, "counterfactual_usd"]
        out[k] = float(np.log(after / before)) if before > 0 else 0.0
    return out, result.country


def scenario_effects(
    scenario: Scenario,
    bases: dict[str, pd.DataFrame | None],
    elasticities: dict[str, Elasticity],
    *,
    pair: tuple[str, str],
    ge_draws: int,
    seed: int,
    reference_importer: str,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Effect draws of one scenario for every commodity, and its GE_COUNTRY rows by commodity."""
    pairs = pd.concat([_pairs_for(base, pair, k) for k, base in bases.items()], ignore_index=True)
    deltas = case_deltas(scenario, pairs)
    draws, countries = [], []
    for i, commodity in enumerate(sorted(bases)):
        d, c = ge_effect_draws(
            scenario,
            bases[commodity],
            elasticities[commodity],
            pair=pair,
            ge_draws=ge_draws,
            seed=seed + 1009 * i,
            reference_importer=reference_importer,
            deltas=deltas,
        )
        draws.append(d)
        countries.append(c)
    return pd.concat(draws, ignore_index=True), pd.concat(countries, ignore_index=True)


_VALUE_MEASURES = ("exports", "imports", "gdp", "expenditure")


def aggregate_country(country: pd.DataFrame) -> pd.DataFrame:
    """GE_COUNTRY over all commodities: values summed; prices and welfare weighted by baseline output.

    Value measures (exports, imports, gdp, expenditure) add up across commodity GE systems;
    for the others (factory-gate price, resistances, real GDP) the change is the average of
    the commodity changes weighted by each commodity's baseline gdp (output) of the country.
    """
    cols = ["scenario", "country", "measure", "baseline", "counterfactual", "change_pct"]
    if country.empty:
        return pd.DataFrame(columns=cols)
    values = country[country.measure.isin(_VALUE_MEASURES)]
    summed = values.groupby(["scenario", "country", "measure"], as_index=False)[
        ["baseline", "counterfactual"]
    ].sum()
    summed["change_pct"] = 100 * (summed.counterfactual / summed.baseline - 1)
    weights = country[country.measure == "gdp"][["scenario", "country", "commodity", "baseline"]]
    weights = weights.rename(columns={"baseline": "weight"})
    others = country[~country.measure.isin(_VALUE_MEASURES) & ~country.measure.str.endswith("_conditional")]
    others = others.merge(weights, on=["scenario", "country", "commodity"], how="left")
    others["weighted"] = others.change_pct * others.weight
    averaged = others.groupby(["scenario", "country", "measure"], as_index=False)[
        ["weighted", "weight"]
    ].sum()
    averaged["change_pct"] = averaged.weighted / averaged.weight
    averaged["baseline"] = np.nan
    averaged["counterfactual"] = np.nan
    return pd.concat([summed[cols], averaged[cols]], ignore_index=True)


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
