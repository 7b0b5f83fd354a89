"""Scenario shocks as a table a CGE model can read: iceberg trade-cost changes by pair,
commodity and year.

Structural gravity writes the trade-cost term as ``t_ij^(1 - sigma)``; a scenario's
``delta_log_cost`` is the change in its log, so the change in the iceberg cost itself is
``d ln t = delta_log_cost / (1 - sigma) = delta_log_cost / elasticity`` (the trade elasticity
``1 - sigma`` is negative). GTAP-style models take it as a percentage change of ``ams``/``atm``
augmenting technical change or of the iceberg factor; both columns are given. Route
availability is a quantity constraint, not a price, and is reported in its own column.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

from forecasting.scenarios.costs import TradeCostMapping
from forecasting.scenarios.effects import direct_effects
from forecasting.scenarios.scenario import Scenario

CGE_COLUMNS = [
    "scenario",
    "exporter",
    "importer",
    "commodity",
    "year",
    "phase",
    "delta_log_cost",
    "dlog_iceberg",
    "iceberg_change_pct",
    "availability",
    "elasticity",
]


def cge_shock_table(
    scenarios: Mapping[str, Scenario],
    pairs: pd.DataFrame,
    years: Iterable[int],
    *,
    elasticity: float | Mapping[str, float] = -5.0,
    mapping: TradeCostMapping | None = None,
) -> pd.DataFrame:
    """Phased iceberg trade-cost changes of every scenario for every pair, commodity and year.

    Parameters
    ----------
    scenarios
        Scenario values by name (e.g. :func:`forecasting.scenarios.builtin_corridors`).
    pairs
        ``exporter, importer, commodity`` rows to report (pairs a scenario does not touch get 0).
    years
        Years of the table.
    elasticity
        Trade elasticity ``1 - sigma`` (negative), one number or one per commodity.

    Examples
    --------
    >>> from forecasting.scenarios import builtin_corridors
    >>> pairs = pd.DataFrame({"exporter": ["KAZ"], "importer": ["PAK"], "commodity": ["coal"]})
    >>> t = cge_shock_table({"rail": builtin_corridors()["trans_afghan_railway"]}, pairs, [2030, 2040])
    >>> t.phase.tolist(), bool(t.iceberg_change_pct.iloc[-1] < 0)
    ([0.0, 1.0], True)
    """
    years = list(years)
    frames = []
    for name, scenario in scenarios.items():
        for commodity, part in pairs.groupby("commodity", sort=True):
            eps = elasticity[commodity] if isinstance(elasticity, Mapping) else float(elasticity)
            if eps >= 0:
                raise ValueError(
                    f"the trade elasticity must be negative (1 - sigma); got {eps} for {commodity!r}"
                )
            table = direct_effects(scenario, part, years, mapping=mapping, elasticity=eps, unmatched="skip")
            table = table.assign(scenario=name, elasticity=eps)
            frames.append(table)
    out = pd.concat(frames, ignore_index=True)
    out["dlog_iceberg"] = out["delta_log_cost"] / out["elasticity"]
    out["iceberg_change_pct"] = 100 * np.expm1(out["dlog_iceberg"])
    return (
        out[CGE_COLUMNS]
        .sort_values(["scenario", "exporter", "importer", "commodity", "year"])
        .reset_index(drop=True)
    )
