"""Stage (b) of the outlook: estimate gravity once for a panel.

From the prepared data: the sector-by-sector PPML (one model per commodity group, the model
the covariates support, see :mod:`forecasting.projection.gravity_model`), a trade-cost
elasticity for every commodity with its origin, and the GE base year of each commodity
(international flows plus domestic sales). Every pair's outlook (stage (c),
:mod:`forecasting.projection.pair`) reads this one :class:`GravityEstimate`.

Elasticity rule: the PPML coefficient on ``ln_tariff`` (ln of one plus the ad-valorem
tariff) when it is negative and significant (|t| >= 2), otherwise the precision-weighted
mean of the significant ones ("pooled"), so a poorly identified commodity does not drive a
corridor result. Without a tariff, the same rule on the distance coefficients, rescaled to
trade elasticities by an assumed ratio ("distance"); without any model, the literature
value. Each value that is not the commodity's own tariff estimate is a recorded fall-back,
and so is every assumption made to build a user's panel (:mod:`forecasting.projection.user_panel`).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from forecasting.gravity import ppml_by_sector
from forecasting.projection.geography import is_aggregate
from forecasting.projection.gravity_model import (
    TRADE_ELASTICITY,
    TRADE_ELASTICITY_RELATIVE_SE,
    GravitySpec,
    choose_spec,
    distance_elasticities,
    gravity_sample,
    usable_rows,
)
from forecasting.projection.prepare import PreparedData
from forecasting.projection.result import COEFFICIENT_COLUMNS
from forecasting.projection.settings import Elasticity, Fallback, GEMode
from forecasting.simulate import GravityTruth

logger = logging.getLogger(__name__)

__all__ = [
    "LITERATURE_ELASTICITY",
    "GravityEstimate",
    "choose_elasticities",
    "estimate_gravity",
    "ge_base_year",
]

GRAVITY_JOBS = 2  # worker processes for the per-commodity PPML fits
# Used only when no gravity model can be estimated (no covariates and no geography): the median
# trade elasticity of structural gravity estimates, Head & Mayer (2014), Handbook of
# International Economics vol. 4, ch. 3 (about -5), with a wide standard error.
LITERATURE_ELASTICITY = Elasticity(
    "all", TRADE_ELASTICITY, abs(TRADE_ELASTICITY) * TRADE_ELASTICITY_RELATIVE_SE, "literature",
    "assumption: Head & Mayer (2014) median structural estimate",
)  # fmt: skip


@dataclass(frozen=True, eq=False)
class GravityEstimate:
    """What stage (c) needs from gravity, estimated once per panel.

    Attributes
    ----------
    coefficients
        ``COEFFICIENT_COLUMNS`` of the models (``model`` names the commodity, or
        ``literature``).
    elasticities
        Commodity -> :class:`~forecasting.projection.settings.Elasticity`, for every
        commodity of the panel.
    bases
        Commodity -> base-year square (``exporter, importer, value_usd``, domestic sales on the
        diagonal), or None for every commodity without production data (direct effects).
    base_year
        The year of the squares.
    fallbacks
        What fell back while estimating.
    """

    coefficients: pd.DataFrame
    elasticities: Mapping[str, Elasticity]
    bases: Mapping[str, pd.DataFrame | None]
    base_year: int
    fallbacks: tuple[Fallback, ...]

    @property
    def ge_mode(self) -> GEMode:
        """``"full"`` when base-year squares exist (production data), else ``"direct"``."""
        return "full" if any(b is not None for b in self.bases.values()) else "direct"


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
    pooled_from = f"precision-weighted mean of the {term!r} coefficients of {', '.join(sorted(good.model))}"
    out = {}
    for r in rows.itertuples(index=False):
        if r.model in set(good.model):
            out[r.model] = Elasticity(
                r.model, float(r.estimate), float(r.std_error), "estimated", f"PPML {term!r}"
            )
        else:
            out[r.model] = Elasticity(r.model, pooled, pooled_se, "pooled", pooled_from)
    return out


def ge_base_year(
    reconciled: pd.DataFrame, production: pd.DataFrame | None, *, year: int, commodity: str
) -> pd.DataFrame:
    """Square base-year cross-section of one commodity: international flows plus domestic sales.

    Domestic sales are gross output minus exports (the standard construction of intra-national
    flows); where exports exceed recorded output the domestic flow is set to zero.
    """
    flows = reconciled[(reconciled.period.dt.year == year) & (reconciled.commodity == commodity)]
    aggregates = is_aggregate(set(flows.exporter) | set(flows.importer))  # WLD, EUN...: not countries
    flows = flows[~flows.exporter.isin(aggregates) & ~flows.importer.isin(aggregates)]
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


def _literature_note() -> pd.DataFrame:
    return pd.DataFrame(
        [{"model": "literature", "term": "ln_tariff", "estimate": LITERATURE_ELASTICITY.estimate,
          "std_error": LITERATURE_ELASTICITY.std_error}]
    )  # fmt: skip


def _gravity(prepared: PreparedData) -> tuple[pd.DataFrame, dict[str, Elasticity], list[Fallback]]:
    """Sector-by-sector PPML; per-commodity trade-cost elasticities; what fell back."""
    no_model = Fallback(
        "gravity",
        "no covariates (rta, ln_tariff by exporter, importer, year, commodity) were given and the panel's"
        " countries have no bundled geography, so no gravity model was estimated",
        f"the literature trade elasticity {LITERATURE_ELASTICITY.estimate:g} (Head & Mayer 2014) is used for"
        " every commodity; pass covariates= to estimate them",
    )
    if prepared.covariates is None and prepared.geography is None:
        return _literature_note(), {}, [no_model]
    sample = gravity_sample(prepared.reconciled, prepared.covariates, prepared.geography)
    spec = choose_spec(sample) if len(sample) else None
    if spec is None:
        return _literature_note(), {}, [no_model]
    rows, fallbacks = usable_rows(sample, spec)
    logger.info("gravity: %s on %d flows", spec.description, len(rows))
    sectors = ppml_by_sector(
        rows,
        spec.formula,
        by="commodity",
        n_jobs=GRAVITY_JOBS,
        on_error="collect",
        fe=spec.fe,
        cluster="pair",
    )
    for commodity, message in sectors.failures.items():
        fallbacks.append(
            Fallback(
                f"gravity ({commodity})",
                f"the PPML model could not be estimated: {message}",
                "its trade elasticity falls back (see its elasticity); more pairs or years of this commodity"
                " would identify it",
            )
        )
    coefficients = sectors.tidy().rename(columns={"commodity": "model"})
    if coefficients.empty:
        failed = Fallback(
            "gravity",
            "no commodity's gravity model could be estimated (see the gravity (...) fall-backs)",
            no_model.remedy,
        )
        return _literature_note(), {}, [*fallbacks, failed]
    try:
        chosen = choose_elasticities(coefficients, term=spec.elasticity_term)
    except ValueError as exc:
        fallbacks.append(
            Fallback("trade elasticity", str(exc), "the literature value is used for every commodity")
        )
        return coefficients, {}, fallbacks
    if spec.elasticity_term == "ln_dist":
        chosen = distance_elasticities(coefficients, chosen)
        fallbacks.append(_distance_fallback(spec))
    return coefficients, chosen, fallbacks


def _distance_fallback(spec: GravitySpec) -> Fallback:
    return Fallback(
        "trade elasticity (from distance)",
        "the panel has no tariff column (ln_tariff or tariff_pct), so no trade elasticity is estimated directly;"
        f" the gravity model is {spec.description}",
        "each commodity's elasticity is its own distance coefficient x -5/-1.1 (the ratio of the literature"
        " medians, Head & Mayer 2014), with a 30 % uncertainty on that ratio; give tariffs (covariates= with"
        " ln_tariff or tariff_pct by exporter, importer, year) to estimate them",
    )


def _with_truth(coefficients: pd.DataFrame, *, demo: bool) -> pd.DataFrame:
    """Add the simulator's true value (``truth``) and the gap in standard errors on the demo data.

    On the bundled panel every estimate can be checked against what the simulation put in
    (:class:`forecasting.simulate.GravityTruth`); on real data both columns are missing.
    """
    if not demo:
        return coefficients.assign(truth=np.nan, truth_gap_se=np.nan)
    out = coefficients.merge(GravityTruth().tidy(), on=["model", "term"], how="left")
    out["truth_gap_se"] = (out["estimate"] - out["truth"]) / out["std_error"]
    return out


def _elasticities_with_fallbacks(
    estimated: Mapping[str, Elasticity], commodities: list[str], model_estimated: bool
) -> tuple[dict[str, Elasticity], list[Fallback]]:
    chosen, fallbacks = {}, []
    for k in commodities:
        found = estimated.get(k)
        if found is None:
            chosen[k] = Elasticity(k, LITERATURE_ELASTICITY.estimate, LITERATURE_ELASTICITY.std_error,
                                   "literature", LITERATURE_ELASTICITY.source)  # fmt: skip
            if model_estimated:
                fallbacks.append(
                    Fallback(
                        f"trade elasticity ({k})",
                        "the gravity model gave no usable coefficient for this commodity",
                        f"the literature value {LITERATURE_ELASTICITY.estimate:g} is used; give covariates"
                        " for its pairs and years",
                    )
                )
            continue
        chosen[k] = found
        if found.origin == "pooled":
            fallbacks.append(
                Fallback(
                    f"trade elasticity ({k})",
                    "its own coefficient is not negative and significant (|t| >= 2)",
                    f"the pooled value {found.estimate:.2f} ({found.source}) is used; more years or"
                    " pairs of this commodity would identify its own",
                )
            )
    return chosen, fallbacks


def estimate_gravity(prepared: PreparedData) -> GravityEstimate:
    """Gravity coefficients, per-commodity elasticities and GE base years for the prepared panel.

    Examples
    --------
    >>> import warnings
    >>> from forecasting.projection.prepare import prepare_data
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")  # the DemoDataWarning of the bundled data
    ...     gravity = estimate_gravity(prepare_data())
    >>> gravity.ge_mode, sorted(gravity.elasticities)[:2]
    ('full', ['buses', 'coal'])
    """
    coefficients, estimated, model_fallbacks = _gravity(prepared)
    coefficients = _with_truth(coefficients, demo=prepared.demo)
    coefficients = coefficients.reindex(columns=list(COEFFICIENT_COLUMNS))
    commodities = sorted(prepared.reconciled.commodity.unique())
    elasticities, fallbacks = _elasticities_with_fallbacks(estimated, commodities, bool(estimated))
    fallbacks = [*prepared.fallbacks, *model_fallbacks, *fallbacks]
    production = prepared.production
    bases = {
        k: None
        if production is None
        else ge_base_year(prepared.reconciled, production, year=prepared.base_year, commodity=k)
        for k in commodities
    }
    if production is None:
        fallbacks.append(
            Fallback(
                "GE effects",
                "no production data, so there are no domestic sales to close the general equilibrium",
                "the direct (partial) effect of each cost change is used; pass production= (gross output"
                " by country, commodity, year) for the full-endowment GE",
            )
        )
    return GravityEstimate(coefficients, elasticities, bases, prepared.base_year, tuple(fallbacks))
