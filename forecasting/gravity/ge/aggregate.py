"""Per-commodity GE results added up to totals, by one documented rule.

Each commodity group gets its own GE system with its own trade elasticity. Totals over
commodities follow one rule (:func:`aggregate_country`):

- **values add up**: ``exports``, ``imports``, ``gdp`` (output), ``expenditure`` and the
  conditional ``exports_conditional``, ``imports_conditional`` are summed over commodities,
  baseline and counterfactual alike, and the change is recomputed from the sums (so it is the
  baseline-weighted mean of the commodities' changes);
- **indices are averaged**: ``factory_gate_price``, ``omr``, ``imr``, ``real_gdp`` (and the
  conditional ``omr``, ``imr``, ``real_gdp``) have no common level across separate systems,
  so only their change is aggregated, as the mean of the commodities' changes weighted by
  the country's baseline value in each: output (``gdp``) for the producer-side measures
  (factory-gate price, outward resistance, real GDP) and ``expenditure`` for the inward
  resistance (the consumer price index). The levels of these rows are left missing. With
  endowments fixed, the output-weighted factory-gate price change equals the change of total
  output; for real GDP the weighted mean is a first-order (small-change) approximation.

A measure outside these lists is refused rather than guessed.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from forecasting.errors import SchemaError, describe_items
from forecasting.schema import require_columns

__all__ = ["ADDITIVE_MEASURES", "INDEX_WEIGHTS", "aggregate_bilateral", "aggregate_country"]

#: Measures whose levels add up across commodity systems.
ADDITIVE_MEASURES = (
    "exports",
    "imports",
    "gdp",
    "expenditure",
    "exports_conditional",
    "imports_conditional",
)
#: Index measures -> the baseline value measure that weights their changes.
INDEX_WEIGHTS = {
    "factory_gate_price": "gdp",
    "omr": "gdp",
    "real_gdp": "gdp",
    "imr": "expenditure",
    "omr_conditional": "gdp",
    "real_gdp_conditional": "gdp",
    "imr_conditional": "expenditure",
}
COUNTRY_TOTAL_COLUMNS = ["scenario", "country", "measure", "baseline", "counterfactual", "change_pct"]
BILATERAL_TOTAL_COLUMNS = [
    "commodity",
    "exporter",
    "importer",
    "baseline_usd",
    "counterfactual_usd",
    "change_pct",
]


def _stacked(results: Mapping[str, pd.DataFrame] | pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    if isinstance(results, pd.DataFrame):
        require_columns(results, ["commodity", *columns], what="the per-commodity GE results")
        stacked = results
    else:
        if not results:
            raise SchemaError("no per-commodity results to aggregate")
        for commodity, frame in results.items():
            require_columns(frame, columns, what=f"the GE result for {commodity!r}")
        stacked = pd.concat([f.assign(commodity=str(k)) for k, f in results.items()], ignore_index=True)
    if (stacked["commodity"] == "TOTAL").any():
        raise SchemaError("'TOTAL' is the name of the aggregate; rename that input commodity")
    return stacked if "scenario" in stacked.columns else stacked.assign(scenario="")


def aggregate_country(results: Mapping[str, pd.DataFrame] | pd.DataFrame) -> pd.DataFrame:
    """Country totals over commodity GE systems (values summed, indices averaged; see the module).

    ``results`` is a GE_COUNTRY frame with a ``commodity`` column, or a mapping commodity ->
    GE_COUNTRY frame. Returns GE_COUNTRY rows (``scenario`` empty when the input has none).

    Examples
    --------
    >>> one = pd.DataFrame({"scenario": "rail", "country": "KAZ", "measure": ["gdp", "factory_gate_price"],
    ...                     "baseline": [10.0, 1.0], "counterfactual": [11.0, 1.1], "change_pct": [10.0, 10.0]})
    >>> two = one.assign(baseline=[30.0, 1.0], counterfactual=[30.0, 1.0], change_pct=0.0)
    >>> aggregate_country({"coal": one, "pharma": two}).round(6)[["measure", "change_pct"]].values.tolist()
    [['factory_gate_price', 2.5], ['gdp', 2.5]]
    """
    stacked = _stacked(results, ["country", "measure", "baseline", "counterfactual", "change_pct"])
    unknown = sorted(set(stacked["measure"]) - set(ADDITIVE_MEASURES) - set(INDEX_WEIGHTS))
    if unknown:
        raise SchemaError(
            f"measures {describe_items(unknown)} have no aggregation rule across commodities; values add"
            f" up ({', '.join(ADDITIVE_MEASURES)}) and indices are averaged ({', '.join(INDEX_WEIGHTS)})"
        )
    keys = ["scenario", "country", "measure"]
    values = stacked[stacked["measure"].isin(ADDITIVE_MEASURES)]
    summed = values.groupby(keys, as_index=False)[["baseline", "counterfactual"]].sum()
    with np.errstate(divide="ignore", invalid="ignore"):
        summed["change_pct"] = 100.0 * (summed["counterfactual"] / summed["baseline"] - 1.0)
    index = stacked[stacked["measure"].isin(list(INDEX_WEIGHTS))]
    weights = stacked[stacked["measure"].isin(["gdp", "expenditure"])]
    weights = weights[["scenario", "country", "commodity", "measure", "baseline"]].rename(
        columns={"measure": "weight_measure", "baseline": "weight"}
    )
    index = index.assign(weight_measure=index["measure"].map(INDEX_WEIGHTS)).merge(
        weights, on=["scenario", "country", "commodity", "weight_measure"], how="left"
    )
    missing = index["weight"].isna()
    if missing.any():
        lacking = sorted(set(index.loc[missing, "weight_measure"] + " for " + index.loc[missing, "country"]))
        raise SchemaError(f"index measures need their weights; the results lack {describe_items(lacking)}")
    index = index.assign(weighted=index["change_pct"] * index["weight"])
    averaged = index.groupby(keys, as_index=False)[["weighted", "weight"]].sum()
    averaged["change_pct"] = averaged["weighted"] / averaged["weight"]
    averaged[["baseline", "counterfactual"]] = np.nan
    out = pd.concat([summed, averaged[summed.columns]], ignore_index=True)
    return out.sort_values(keys, kind="stable").reset_index(drop=True)[COUNTRY_TOTAL_COLUMNS]


def aggregate_bilateral(results: Mapping[str, pd.DataFrame] | pd.DataFrame) -> pd.DataFrame:
    """Add per-commodity GE bilateral results up to a ``TOTAL`` per pair (and scenario).

    ``results`` maps commodity -> a GE_BILATERAL-like frame (``exporter, importer,
    baseline_usd, counterfactual_usd``, optionally ``scenario``), or is one such frame with a
    ``commodity`` column. The output stacks every commodity's rows and the totals, with
    ``change_pct`` recomputed from the sums (so it is the trade-weighted mean of the changes).

    Examples
    --------
    >>> coal = pd.DataFrame({"exporter": ["KAZ"], "importer": ["PAK"], "baseline_usd": [30.0], "counterfactual_usd": [60.0]})
    >>> drugs = pd.DataFrame({"exporter": ["KAZ"], "importer": ["PAK"], "baseline_usd": [70.0], "counterfactual_usd": [70.0]})
    >>> aggregate_bilateral({"coal": coal, "pharma": drugs}).query("commodity == 'TOTAL'")["change_pct"].round(6).item()
    30.0
    """
    stacked = _stacked(results, ["exporter", "importer", "baseline_usd", "counterfactual_usd"])
    keys = ["scenario", "exporter", "importer"]
    total = stacked.groupby(keys, as_index=False, sort=True)[["baseline_usd", "counterfactual_usd"]].sum()
    out = pd.concat([stacked, total.assign(commodity="TOTAL")], ignore_index=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        out["change_pct"] = 100.0 * (out["counterfactual_usd"] / out["baseline_usd"] - 1.0)
    columns = (["scenario"] if out["scenario"].ne("").any() else []) + BILATERAL_TOTAL_COLUMNS
    return out[columns].reset_index(drop=True)
