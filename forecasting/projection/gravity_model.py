"""Which gravity model a panel supports, its estimation sample, and elasticities from distance.

The model follows the covariates there are (per commodity group, PPML, standard errors
clustered by pair):

``"structural"``
    A tariff that varies over time within pairs (``ln_tariff``, ln of one plus the
    ad-valorem rate): ``value_usd ~ [rta +] ln_tariff`` with exporter-year, importer-year and
    pair fixed effects (Yotov et al. 2016, ch. 1). The ``ln_tariff`` coefficient is the trade
    elasticity. This is the model of the bundled demo panel.
``"cross-section"``
    No such tariff: ``value_usd ~ ln_dist + contig + comlang [+ rta] [+ ln_tariff]`` with
    exporter-year and importer-year effects, which identify the pair-level terms (a single
    year is a cross-section with exporter and importer effects). With a tariff that varies
    across pairs only, its coefficient is the trade elasticity; without any tariff the
    elasticity comes from distance (:func:`distance_elasticities`), an assumption recorded
    as a fall-back.

Estimation uses the flows the data record (zeros they hold included): a pair absent from
customs data may be a country that did not report, so absent pairs are not taken as zero.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from forecasting.errors import describe_items
from forecasting.gravity.formula import ensure_gravity_ids
from forecasting.projection.settings import Elasticity, Fallback

logger = logging.getLogger(__name__)

__all__ = [
    "DISTANCE_ELASTICITY",
    "GravitySpec",
    "choose_spec",
    "distance_elasticities",
    "gravity_sample",
    "usable_rows",
]

GravityKind = Literal["structural", "cross-section"]
#: The median distance elasticity of trade in structural gravity estimates, Head & Mayer (2014),
#: Handbook of International Economics vol. 4, ch. 3, Table 4 (about -1.1; as quoted in the
#: project's sourced facts, ``shared/facts/corridors.md``, to be confirmed against the table).
DISTANCE_ELASTICITY = -1.1
#: The literature trade elasticity that goes with it (Head & Mayer 2014, about -5) and its
#: relative uncertainty (standard error 1.5 on 5), carried into elasticities from distance.
TRADE_ELASTICITY, TRADE_ELASTICITY_RELATIVE_SE = -5.0, 0.3


@dataclass(frozen=True)
class GravitySpec:
    """One gravity model: what it is called, its formula and fixed effects, and its elasticity term."""

    kind: GravityKind
    formula: str
    fe: str
    elasticity_term: str

    @property
    def description(self) -> str:
        """The model in words (settings and report)."""
        effects = {"structural": "exporter-year, importer-year and pair", "exporter_importer_year":
                   "exporter-year and importer-year"}[self.fe]  # fmt: skip
        return f"PPML per commodity group, {self.formula} with {effects} fixed effects, clustered by pair"


def _varies(panel: pd.DataFrame, column: str, *, within_pairs: bool = False) -> bool:
    values = panel[column].dropna()
    if values.nunique() < 2:
        return False
    if not within_pairs:
        return True
    spread = panel.dropna(subset=[column]).groupby(["exporter", "importer", "commodity"])[column].nunique()
    return bool((spread > 1).any())


def choose_spec(panel: pd.DataFrame) -> GravitySpec | None:
    """The model the estimation sample supports (see the module), or None when it supports none.

    Examples
    --------
    >>> p = pd.DataFrame({"exporter": ["A", "A", "B"], "importer": ["B", "C", "C"], "commodity": "coal",
    ...                   "ln_dist": [1.0, 2.0, 1.5], "contig": [1, 0, 0], "comlang": 0})
    >>> choose_spec(p).formula
    'value_usd ~ ln_dist + contig'
    """
    if "ln_tariff" in panel.columns and _varies(panel, "ln_tariff", within_pairs=True):
        terms = [t for t in ("rta",) if t in panel.columns and _varies(panel, t, within_pairs=True)]
        return GravitySpec(
            "structural", f"value_usd ~ {' + '.join([*terms, 'ln_tariff'])}", "structural", "ln_tariff"
        )
    if "ln_dist" not in panel.columns or not _varies(panel, "ln_dist"):
        return None
    terms = [
        "ln_dist",
        *(t for t in ("contig", "comlang", "rta", "ln_tariff") if t in panel.columns and _varies(panel, t)),
    ]
    elasticity_term = "ln_tariff" if "ln_tariff" in terms else "ln_dist"
    return GravitySpec(
        "cross-section", f"value_usd ~ {' + '.join(terms)}", "exporter_importer_year", elasticity_term
    )


def gravity_sample(
    reconciled: pd.DataFrame, covariates: pd.DataFrame | None, geography: pd.DataFrame | None
) -> pd.DataFrame:
    """International flows by ``exporter, importer, year, commodity`` with their covariates.

    ``covariates`` are merged on the keys they have (a table without ``commodity`` applies to
    every commodity), ``geography`` on the pair; the user's columns win over the bundled
    geography. Flows without geography (countries the tables do not list) are left out
    (:func:`forecasting.projection.user_panel.panel_inputs` records it).
    """
    keys = ["exporter", "importer", "year", "commodity"]
    panel = reconciled[reconciled["exporter"] != reconciled["importer"]]
    panel = panel.assign(year=panel["period"].dt.year)[[*keys, "value_usd"]]
    panel = panel.groupby(keys, as_index=False).value_usd.sum(min_count=1)
    if covariates is not None:
        on = [k for k in keys if k in covariates.columns]
        how = "inner" if geography is None else "left"
        panel = panel.merge(covariates, on=on, how=how)
    if geography is not None:
        own = [c for c in geography.columns if c not in ("exporter", "importer") and c in panel.columns]
        panel = panel.merge(geography, on=["exporter", "importer"], how="inner", suffixes=("", "_bundled"))
        for column in own:
            panel[column] = panel[column].fillna(panel.pop(f"{column}_bundled"))
    return ensure_gravity_ids(panel.reset_index(drop=True), ("pair",))  # the clusters


def usable_rows(panel: pd.DataFrame, spec: GravitySpec) -> tuple[pd.DataFrame, list[Fallback]]:
    """The rows with every variable of ``spec``; a fall-back when rows with trade are left out.

    Examples
    --------
    >>> p = pd.DataFrame({"value_usd": [1.0, 2.0], "ln_dist": [0.5, None]})
    >>> rows, notes = usable_rows(p, GravitySpec("cross-section", "value_usd ~ ln_dist", "exporter_importer_year",
    ...                                          "ln_dist"))
    >>> len(rows), notes[0].reason
    (1, "1 flows with trade (66.7% of its value) lack 'ln_dist' and are left out of the gravity estimation")
    """
    needed = ["value_usd", *(t.strip() for t in spec.formula.split("~")[1].split("+"))]
    complete = panel[needed].notna().all(axis=1)
    lost = panel.loc[~complete & (panel["value_usd"].fillna(0) > 0)]
    fallbacks = []
    if len(lost):
        share = float(lost["value_usd"].sum() / panel["value_usd"].sum())
        missing = [c for c in needed if panel.loc[~complete, c].isna().any()]
        fallbacks.append(
            Fallback(
                "gravity sample",
                f"{len(lost)} flows with trade ({share:.1%} of its value) lack {describe_items(missing)} and are"
                " left out of the gravity estimation",
                "give those covariates for every pair and year of the panel",
            )
        )
    return panel[complete].reset_index(drop=True), fallbacks


def distance_elasticities(
    coefficients: pd.DataFrame, chosen: Mapping[str, Elasticity]
) -> dict[str, Elasticity]:
    """Trade elasticities from each commodity's own distance coefficient (no tariff in the data).

    Structural gravity makes the distance coefficient the product of the trade elasticity
    and the elasticity of trade costs to distance. Without tariffs the second is assumed to be
    what the literature medians imply (Head & Mayer 2014: :data:`DISTANCE_ELASTICITY` -1.1
    for distance, -5 for the trade elasticity), so each commodity's elasticity is
    ``-5 x b_dist / -1.1``: a commodity whose trade falls faster with distance is taken to
    be more sensitive to costs. Its standard error adds the coefficient's own (delta
    method) and a 30 % uncertainty of the assumed ratio. ``chosen`` are the elasticities
    :func:`~forecasting.projection.estimate.choose_elasticities` picked from the ``ln_dist``
    rows (own or pooled); they are rescaled, keeping their origin when pooled.

    Examples
    --------
    >>> c = pd.DataFrame({"model": ["a"], "term": "ln_dist", "estimate": [-1.1], "std_error": [0.11]})
    >>> e = distance_elasticities(c, {"a": Elasticity("a", -1.1, 0.11, "estimated", "PPML 'ln_dist'")})["a"]
    >>> round(e.estimate, 2), round(e.std_error, 2), e.origin
    (-5.0, 1.58, 'distance')
    """
    scale = TRADE_ELASTICITY / DISTANCE_ELASTICITY
    out = {}
    for commodity, found in chosen.items():
        estimate = scale * found.estimate
        relative = np.hypot(found.std_error / abs(found.estimate), TRADE_ELASTICITY_RELATIVE_SE)
        origin = "pooled" if found.origin == "pooled" else "distance"
        source = (
            f"{scale:.2f} x the {'pooled ' if origin == 'pooled' else ''}PPML distance coefficient"
            f" {found.estimate:.3f} (assumed ratio of the literature medians, Head & Mayer 2014: trade"
            f" elasticity {TRADE_ELASTICITY:g} / distance elasticity {DISTANCE_ELASTICITY:g})"
        )
        out[commodity] = Elasticity(
            commodity, float(estimate), float(abs(estimate) * relative), origin, source
        )
    logger.info("trade elasticities from distance: %s", {k: round(v.estimate, 2) for k, v in out.items()})
    return out
