"""Trade potential by commodity: the flow structural gravity predicts from supply, demand and costs.

Structural gravity scales existing flows: a pair that trades almost nothing in a good gains
almost nothing from a cheaper route. Whether it *could* trade more is the question of export
potential, in the spirit of ITC's Export Potential Indicator (supply x demand x ease of trade,
Decreux & Spies 2016): what would the flow be if the pair traded like others do, given the
exporter's supply capacity, the importer's demand and the pair's observable trade costs?

For commodity ``k``, exporter ``i`` and importer ``j`` in the base year ``T``, from the
structural PPML of :mod:`forecasting.projection.estimate`
(``X_ijt = exp(b'x_ijt + E_it + M_jt + P_ij)``):

* supply capacity ``E_iT`` and demand ``M_jT`` are the exporter-year and importer-year fixed
  effects, and ``b'x_ijT`` the policy terms (agreements, tariffs);
* the pair's own effect ``P_ij`` holds everything particular to the pair, the gap included, so
  the potential replaces it by the pair effect its observable costs predict: the second stage
  of Anderson & Yotov (2016) (:func:`forecasting.gravity.fill_pair_costs`), a PPML of
  ``exp(P_ij)`` on distance, contiguity and a common language with exporter and importer
  effects;
* ``predicted = exp(b'x_ijt + E_it + M_jt + P^_ij)``; ``gap = predicted - actual`` (the
  mirror-reconciled flow); ``potential = max(gap, 0)``, the untapped part. Both are averages
  over the last :data:`WINDOW` data years (ITC's indicator also averages recent years), so one
  unusual year does not make the gap; ``year`` is the last of them.

A scenario's :class:`~forecasting.scenarios.NewTrade` share of ``potential`` enters its flows
once its corridor opens (the extensive margin). Where the model cannot predict (no fitted
model, no cost covariates, or a country with no estimated effect in the base year), the row
says why and its potential is missing, which adds no new trade; the outlook records it as a
fall-back.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from forecasting.classify import DEFAULT_GROUPS
from forecasting.errors import EstimationError, UnknownCodeError
from forecasting.gravity import PPMLResult, fill_pair_costs
from forecasting.gravity.workers import parallel_calls
from forecasting.projection.prepare import PreparedData
from forecasting.projection.result import TRADE_POTENTIAL_COLUMNS
from forecasting.projection.settings import Fallback

if TYPE_CHECKING:  # estimate_gravity fits the cost models with this module
    from forecasting.projection.estimate import GravityEstimate

logger = logging.getLogger(__name__)

__all__ = ["COST_REGRESSORS", "POTENTIAL_COLUMNS", "CostModel", "cost_models", "trade_potential"]

POTENTIAL_COLUMNS = TRADE_POTENTIAL_COLUMNS
#: Observable trade costs of the second stage, those of the covariates present are used.
COST_REGRESSORS = ("ln_dist", "contig", "comlang", "colony")
#: Data years averaged for the actual and the predicted flow.
WINDOW = 3


def _actual(flows: pd.DataFrame, exporter: str, importer: str, commodity: str, years: list[int]) -> float:
    rows = flows[(flows.exporter == exporter) & (flows.importer == importer) & (flows.commodity == commodity)]
    return float(rows[rows.period.dt.year.isin(years)].value_usd.sum()) / len(years)


def _predict(fit, effects: pd.Series, stage2, cov_rows: pd.DataFrame) -> tuple[float, float, float, str]:
    """``(mean predicted flow, pair effect, predicted pair effect, note)`` for one ordered pair
    over the years of ``cov_rows`` (one covariate row per year); ``effects`` are the fit's fixed
    effects by ``(fe, level)``."""
    exporter, importer = cov_rows.exporter.iloc[0], cov_rows.importer.iloc[0]
    own = effects.get(("pair", f"{exporter}_{importer}"), np.nan)
    if not any(fe == "pair" for fe, _ in effects.index):
        return np.nan, np.nan, np.nan, "the gravity model has no pair effects (not the structural model)"
    lacking = [t for t in fit.coef.index if t not in cov_rows.columns]
    if lacking:
        return np.nan, own, np.nan, f"the covariates lack the model's terms {', '.join(lacking)}"
    try:
        costs = float(stage2.linear_predictor(cov_rows.head(1))[0])
    except UnknownCodeError:
        return np.nan, own, np.nan, "the cost regression has no effect for this exporter or importer"
    flows = []
    for row in cov_rows.itertuples(index=False):
        supply = effects.get(("exp_year", f"{exporter}_{row.year}"), np.nan)
        demand = effects.get(("imp_year", f"{importer}_{row.year}"), np.nan)
        if np.isnan(supply) or np.isnan(demand):
            who = exporter if np.isnan(supply) else importer
            return (
                np.nan,
                own,
                costs,
                f"{who} has no estimated effect in {row.year} (no trade of this good that year)",
            )
        policy = sum(float(fit.coef[t]) * float(getattr(row, t)) for t in fit.coef.index)
        flows.append(np.exp(policy + supply + demand + costs))
    return float(np.mean(flows)), own, costs, ""


@dataclass(frozen=True)
class CostModel:
    """The second stage of one commodity (pair effects on observable costs), or why there is none."""

    stage2: PPMLResult | None
    why: str = ""


def _cost_stage(fit: PPMLResult, pairs: pd.DataFrame, formula: str) -> PPMLResult | str:
    try:
        return fill_pair_costs(fit, pairs, formula, normalisation="first_level").stage2
    except (EstimationError, ValueError, KeyError) as error:
        return f"the cost regression failed: {error}"


def cost_models(prepared: PreparedData, fits: Mapping[str, PPMLResult]) -> dict[str, CostModel]:
    """The second-stage cost regression of every fitted commodity, on the base year's covariates.

    :func:`~forecasting.projection.estimate.estimate_gravity` fits them once, beside the first
    stage, so every pair (on any worker) reads the same estimates to the last bit.
    """
    covariates = prepared.covariates
    regressors = [c for c in COST_REGRESSORS if covariates is not None and c in covariates.columns]
    if not regressors:
        why = f"the covariates hold none of the observable trade costs {', '.join(COST_REGRESSORS)}"
        return {commodity: CostModel(None, why) for commodity in fits}
    # In workers with the fixed hash seed, as the first stage: pyfixest orders fixed effects through
    # a set, and the order moves the last bits of the estimates (and of every potential after them).
    calls = []
    for commodity, fit in fits.items():
        keep = covariates.year == prepared.base_year
        if "commodity" in covariates.columns:
            keep &= covariates.commodity == commodity
        calls.append((fit, covariates[keep][["exporter", "importer", *regressors]], " + ".join(regressors)))
    stages = parallel_calls(min(2, max(1, len(fits))), _cost_stage, calls)
    return {
        commodity: CostModel(None, stage) if isinstance(stage, str) else CostModel(stage)
        for commodity, stage in zip(fits, stages, strict=True)
    }


def trade_potential(
    prepared: PreparedData,
    gravity: GravityEstimate,
    pair: tuple[str, str],
    *,
    groups: Sequence[str] = DEFAULT_GROUPS,
) -> tuple[pd.DataFrame, list[Fallback]]:
    """Actual against gravity-predicted flow, gap and potential for each group and direction.

    Returns the table (``POTENTIAL_COLUMNS``, one row per group in ``groups`` present in the
    data and direction of ``pair``) and the fall-backs taken (rows the model cannot predict).
    """
    year = prepared.base_year
    window = list(range(year - WINDOW + 1, year + 1))
    covariates = prepared.covariates
    present = set(prepared.reconciled.commodity)
    rec = prepared.reconciled
    flows = rec[rec.exporter.isin(pair) & rec.importer.isin(pair)]
    models = gravity.cost_models or cost_models(prepared, gravity.fits)
    rows, unpredicted = [], []
    for commodity in [g for g in groups if g in present]:
        fit = gravity.fits.get(commodity)
        model = models.get(commodity, CostModel(None, "no gravity model was fitted for this commodity"))
        stage2, why = model.stage2, model.why
        if stage2 is not None:
            effects = fit.fixed_effects().set_index(["fe", "level"]).estimate
        for exporter, importer in (pair, pair[::-1]):
            actual = _actual(flows, exporter, importer, commodity, window)
            predicted, own, costs_hat, note = np.nan, np.nan, np.nan, why
            if stage2 is not None:
                keep = covariates.year.isin(window) & (covariates.exporter == exporter)
                keep &= covariates.importer == importer
                if "commodity" in covariates.columns:  # covariates may apply to every commodity
                    keep &= covariates.commodity == commodity
                cov_rows = covariates[keep].drop_duplicates("year")
                if len(cov_rows) < len(window):
                    note = f"no covariates for {exporter}->{importer} in every year {window[0]}-{year}"
                else:
                    predicted, own, costs_hat, note = _predict(fit, effects, stage2, cov_rows)
            gap = predicted - actual
            rows.append((commodity, exporter, importer, year, actual, predicted, gap, max(gap, 0.0) if np.isfinite(gap) else np.nan,
                         own, costs_hat, note))  # fmt: skip
            if note:
                unpredicted.append(f"{commodity} {exporter}->{importer}: {note}")
    table = pd.DataFrame(rows, columns=list(POTENTIAL_COLUMNS))
    fallbacks = []
    if unpredicted:
        fallbacks.append(
            Fallback(
                "trade potential",
                f"no gravity prediction for {len(unpredicted)} flow(s): " + "; ".join(unpredicted[:3]),
                "those flows get no new trade from any corridor; give covariates with distance, contiguity"
                " and language for every pair and year",
            )
        )
    return table, fallbacks
