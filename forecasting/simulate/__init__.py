"""The known-truth structural-gravity simulator behind the bundled demonstration data.

- :mod:`~forecasting.simulate.world`: the stylised world (who makes and buys what, trade
  agreements, tariffs, distances): the observable covariates;
- :mod:`~forecasting.simulate.gravity`: true flows drawn from structural gravity with the
  parameters stated in :class:`GravityTruth`;
- :mod:`~forecasting.simulate.reports`: both sides' customs reports of those flows;
- :mod:`~forecasting.simulate.demo`: the fixed-seed recipe of the bundled demo files
  (written by :func:`forecasting.data.bundled.write_demo_flows`).

Nothing it produces is a real trade statistic; every row is flagged ``demo``.

Examples
--------
>>> from forecasting.simulate import GravityTruth
>>> GravityTruth().b_rta
0.4
"""

from __future__ import annotations

from forecasting.simulate.demo import build_demo_flows, build_demo_production, build_true_flows
from forecasting.simulate.gravity import GravityTruth, production, simulate_gravity
from forecasting.simulate.reports import DEMO_LABEL, DEMO_SOURCE, customs_reports, is_demo_data
from forecasting.simulate.world import COMMODITIES, demo_covariates, pair_covariates, rta_in_force

__all__ = [
    "COMMODITIES",
    "DEMO_LABEL",
    "DEMO_SOURCE",
    "GravityTruth",
    "build_demo_flows",
    "build_demo_production",
    "build_true_flows",
    "customs_reports",
    "demo_covariates",
    "is_demo_data",
    "pair_covariates",
    "production",
    "rta_in_force",
    "simulate_gravity",
]
