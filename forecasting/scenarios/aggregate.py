"""Item 7 of the corridor work: per-commodity GE results added up to totals.

Each commodity group gets its own GE run with its own trade elasticity (cost changes from
:func:`forecasting.scenarios.effects.by_commodity`); these helpers add the flows back up.
Only flows add up across separate commodity equilibria, so prices, resistances and real
GDP are not aggregated here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

from forecasting.errors import ScenarioError, SchemaError, describe_items

BILATERAL_TOTAL_COLUMNS = [
    "commodity",
    "exporter",
    "importer",
    "baseline_usd",
    "counterfactual_usd",
    "change_pct",
]


def aggregate_bilateral(results: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """Add per-commodity GE bilateral results up to a ``TOTAL`` per pair (and scenario).

    ``results`` maps commodity -> a GE_BILATERAL-like frame (``exporter, importer,
    baseline_usd, counterfactual_usd``, optionally ``scenario``). The output stacks every
    commodity's rows and the totals, with ``change_pct`` recomputed from the sums (so it
    is the trade-weighted mean of the commodities' changes).

    Examples
    --------
    >>> import pandas as pd
    >>> coal = pd.DataFrame({"exporter": ["KAZ"], "importer": ["PAK"], "baseline_usd": [30.0], "counterfactual_usd": [60.0]})
    >>> drugs = pd.DataFrame({"exporter": ["KAZ"], "importer": ["PAK"], "baseline_usd": [70.0], "counterfactual_usd": [70.0]})
    >>> aggregate_bilateral({"coal": coal, "pharma": drugs}).query("commodity == 'TOTAL'")["change_pct"].round(6).item()
    30.0
    """
    if not results:
        raise ScenarioError("no per-commodity results to aggregate")
    if "TOTAL" in results:
        raise ScenarioError("'TOTAL' is the name of the aggregate; rename that input commodity")
    frames = []
    for commodity, frame in results.items():
        missing = [
            c
            for c in ("exporter", "importer", "baseline_usd", "counterfactual_usd")
            if c not in frame.columns
        ]
        if missing:
            raise SchemaError(f"result for {commodity!r} lacks columns {describe_items(missing)}")
        frames.append(frame.assign(commodity=str(commodity)))
    stacked = pd.concat(frames, ignore_index=True)
    keys = (["scenario"] if "scenario" in stacked.columns else []) + ["exporter", "importer"]
    total = stacked.groupby(keys, as_index=False, sort=True)[["baseline_usd", "counterfactual_usd"]].sum()
    total["commodity"] = "TOTAL"
    out = pd.concat([stacked, total], ignore_index=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        out["change_pct"] = 100.0 * (out["counterfactual_usd"] / out["baseline_usd"] - 1.0)
    columns = (["scenario"] if "scenario" in out.columns else []) + BILATERAL_TOTAL_COLUMNS
    return out[columns].reset_index(drop=True)


#: GE country measures that add up across commodity groups (prices and welfare do not).
ADDITIVE_MEASURES = ("exports", "imports")


def aggregate_country(
    results: Mapping[str, pd.DataFrame], *, measures: Iterable[str] = ADDITIVE_MEASURES
) -> pd.DataFrame:
    """Add per-commodity GE_COUNTRY results up to a ``TOTAL`` for additive measures.

    Only flows add up across separate commodity equilibria; price indices, multilateral
    resistances and real GDP do not, so asking for them is an error.

    Examples
    --------
    >>> import pandas as pd
    >>> one = pd.DataFrame({"scenario": "rail", "country": ["KAZ"], "measure": ["exports"],
    ...                     "baseline": [10.0], "counterfactual": [12.0], "change_pct": [20.0]})
    >>> aggregate_country({"coal": one, "pharma": one})["change_pct"].round(6).tolist()
    [20.0, 20.0, 20.0]
    """
    measures = tuple(measures)
    wrong = [m for m in measures if m not in ADDITIVE_MEASURES]
    if wrong:
        raise ScenarioError(
            f"measures {describe_items(wrong)} do not add up across commodity groups;"
            f" aggregate only {', '.join(ADDITIVE_MEASURES)}"
        )
    if not results or "TOTAL" in results:
        raise ScenarioError("pass per-commodity results, none named 'TOTAL'")
    frames = []
    for commodity, frame in results.items():
        missing = [c for c in ("country", "measure", "baseline", "counterfactual") if c not in frame.columns]
        if missing:
            raise SchemaError(f"result for {commodity!r} lacks columns {describe_items(missing)}")
        frames.append(frame[frame["measure"].isin(measures)].assign(commodity=str(commodity)))
    stacked = pd.concat(frames, ignore_index=True)
    keys = (["scenario"] if "scenario" in stacked.columns else []) + ["country", "measure"]
    total = stacked.groupby(keys, as_index=False, sort=True)[["baseline", "counterfactual"]].sum()
    out = pd.concat([stacked, total.assign(commodity="TOTAL")], ignore_index=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        out["change_pct"] = 100.0 * (out["counterfactual"] / out["baseline"] - 1.0)
    columns = [*keys[:-2], "commodity", "country", "measure", "baseline", "counterfactual", "change_pct"]
    return out[columns].reset_index(drop=True)
