"""Bilateral trade costs for every pair, including pairs without a pair fixed effect.

A structural gravity model with pair fixed effects measures each pair's time-invariant
trade cost, but only for pairs that trade at least once: pairs with only zero flows are
separated and have no effect. GE counterfactuals need the full matrix. The two-stage
procedure of Anderson & Yotov (2016), used in Yotov et al. (2016, *An Advanced Guide to
Trade Policy Analysis*, ch. 2, application 2), fills the gaps:

1. estimate the panel with exporter-year, importer-year and pair effects (``ppml``);
2. regress ``t_ij = exp(pair effect)`` of the international pairs that have one on
   gravity covariates (distance, contiguity, ...) with exporter and importer effects,
   by PPML, clustered by pair; and predict ``t_ij`` for the pairs without one.

Pair effects are normalised so that every domestic pair effect is 0 (the book's
convention: intra-national trade costs are the unit); the stage-2 slopes do not depend
on the normalisation, the filled levels are expressed in it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from forecasting.errors import SchemaError, describe_items
from forecasting.gravity._fixef import PAIR_TERMS
from forecasting.gravity.formula import ensure_gravity_ids
from forecasting.gravity.poisson import ppml
from forecasting.gravity.results import FENormalisation, GravityResult, PPMLResult
from forecasting.schema import require_columns


@dataclass(frozen=True, eq=False)
class PairCosts:
    """Every pair's log trade cost (``pair_effect``) and where it comes from, with the stage-2 fit.

    ``table`` has ``exporter``, ``importer``, the pair label, ``pair_effect`` (log),
    ``trade_cost`` (``exp`` of it) and ``source``: ``"estimated"`` (stage 1),
    ``"filled"`` (predicted by stage 2) or ``"domestic"`` (the stage-1 effect of a domestic
    pair: 0 under the domestic normalisation, missing when stage 1 had no domestic flows).
    """

    table: pd.DataFrame
    stage2: PPMLResult

    def tidy(self) -> pd.DataFrame:
        """The stage-2 coefficients (the gravity regression on pair effects)."""
        return self.stage2.tidy()


def fill_pair_costs(
    first_stage: GravityResult,
    pairs: pd.DataFrame,
    regressors: str,
    *,
    cluster: str | None = "pair",
    normalisation: FENormalisation = "domestic",
) -> PairCosts:
    """Fill the pair effects a structural gravity model could not estimate from a gravity regression on them.

    Parameters
    ----------
    first_stage
        A :func:`~forecasting.gravity.ppml` result with a ``pair`` fixed effect (for example
        ``fe="structural"``), estimated with intra-national flows for ``normalisation="domestic"``.
    pairs
        One row per ordered pair to cost (``exporter``, ``importer``, and the covariates in
        ``regressors``), including pairs without an estimated effect; domestic rows get 0.
        The ``pair`` label is built as in the first stage unless given.
    regressors
        Right-hand side of the stage-2 regression, e.g. ``"ln_dist + contig + comlang + colony"``.
    cluster
        Column to cluster the stage-2 standard errors by (the pair, as in the book), or ``None``.
    normalisation
        How the pair effects are normalised (see :meth:`GravityResult.fixed_effects`).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from forecasting.gravity import ppml
    >>> rng = np.random.default_rng(0)
    >>> c = [f"C{i}" for i in range(6)]
    >>> xy = {k: rng.uniform(0, 10, 2) for k in c}
    >>> rows = [(e, i, y) for e in c for i in c for y in (2000, 2001, 2002)]
    >>> panel = pd.DataFrame(rows, columns=["exporter", "importer", "year"])
    >>> panel["ln_dist"] = [np.log(1 + np.hypot(*(xy[e] - xy[i]))) for e, i in zip(panel.exporter, panel.importer)]
    >>> panel["rta"] = ((panel.year > 2000) & (panel.exporter < "C3") & (panel.importer < "C3")).astype(int)
    >>> panel["trade"] = rng.poisson(200 * np.exp(-1.0 * panel.ln_dist + 0.3 * panel.rta))
    >>> panel.loc[(panel.exporter == "C5") & (panel.importer == "C0"), "trade"] = 0
    >>> stage1 = ppml(panel, "trade ~ rta", fe="structural")
    >>> costs = fill_pair_costs(stage1, panel[panel.year == 2000], "ln_dist", cluster=None)
    >>> costs.table.loc[costs.table.source == "filled", ["exporter", "importer"]].values.tolist()
    [['C5', 'C0']]
    """
    pair_term = next((t for t in first_stage.fixef_names if t in PAIR_TERMS), None)
    if pair_term is None:
        raise SchemaError(
            f"the first stage has no pair fixed effect (its effects are {describe_items(first_stage.fixef_names)});"
            " estimate it with fe='structural' or '| exp_year + imp_year + pair'"
        )
    require_columns(pairs, ["exporter", "importer"], what="the pairs to cost")
    table = ensure_gravity_ids(pairs, (pair_term,), pairs=first_stage.pairs)  # type: ignore[arg-type]
    require_columns(table, [pair_term], what="the pairs to cost")
    duplicated = table.duplicated(["exporter", "importer"])
    if duplicated.any():
        raise SchemaError(
            f"pairs lists {int(duplicated.sum())} ordered pairs more than once (rows"
            f" {describe_items(table.index[duplicated].tolist())}); keep one row per pair, e.g. one year"
        )
    effects = first_stage.fixed_effects(normalisation=normalisation)
    effects = effects[effects["fe"] == pair_term].set_index("level")["estimate"]
    table = table.reset_index(drop=True)
    labels = table[pair_term].astype(str)
    domestic = (table["exporter"] == table["importer"]).to_numpy()
    estimated = labels.map(effects).to_numpy(dtype=float)
    has_effect = ~np.isnan(estimated) & ~domestic
    stage2_data = table.loc[has_effect].assign(_trade_cost=np.exp(estimated[has_effect]))
    stage2 = ppml(stage2_data, f"_trade_cost ~ {regressors} | exporter + importer", cluster=cluster)
    missing = ~has_effect & ~domestic
    filled = np.full(len(table), np.nan)
    if missing.any():
        filled[missing] = stage2.linear_predictor(table.loc[missing])
    # Domestic rows keep their own estimated effect: 0 under the domestic normalisation.
    effect = np.where(missing, filled, estimated)
    source = np.where(domestic, "domestic", np.where(has_effect, "estimated", "filled"))
    out = table[["exporter", "importer", pair_term]].assign(
        pair_effect=effect, trade_cost=np.exp(effect), source=source
    )
    return PairCosts(table=out, stage2=stage2)
