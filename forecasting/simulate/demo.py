"""The recipe of the bundled demonstration data: the simulator with fixed seeds on the country facts.

The bundled ``forecasting/datasets/demo_flows.parquet`` is exactly what :func:`build_demo_flows`
returns for ``forecasting/datasets/country_facts.csv`` with the default seeds; a test rebuilds
it and compares, so the file can always be traced back to the stated parameters in
:class:`forecasting.simulate.GravityTruth`. :func:`forecasting.data.bundled.write_demo_flows`
(``forecasting demo-data``) writes the files.
"""

from __future__ import annotations

import pandas as pd

from forecasting.simulate.gravity import GravityTruth, production, simulate_gravity
from forecasting.simulate.reports import customs_reports

__all__ = ["PANEL_SEED", "REPORT_SEED", "build_demo_flows", "build_demo_production", "build_true_flows"]

PANEL_SEED = 20260201
REPORT_SEED = 7


def build_true_flows(
    countries: pd.DataFrame, *, truth: GravityTruth | None = None, domestic: bool = True
) -> pd.DataFrame:
    """The true flows behind the demo reports, with intra-national flows unless ``domestic=False``.

    ``countries`` are the country facts (:func:`forecasting.data.load_country_facts`).
    """
    flows = simulate_gravity(countries, truth=truth, seed=PANEL_SEED, domestic=True)
    return flows if domestic else flows[flows.exporter != flows.importer].reset_index(drop=True)


def build_demo_flows(countries: pd.DataFrame, *, truth: GravityTruth | None = None) -> pd.DataFrame:
    """Simulated customs reports of the demo countries, 2000-2025, by commodity group."""
    return customs_reports(build_true_flows(countries, truth=truth), truth=truth, seed=REPORT_SEED)


def build_demo_production(countries: pd.DataFrame, *, truth: GravityTruth | None = None) -> pd.DataFrame:
    """Simulated gross output by country, commodity group and year (for intra-national flows)."""
    out = production(build_true_flows(countries, truth=truth))
    out["output_usd"] = out["output_usd"].round(0)
    out["flags"] = "demo"
    return out
