"""Both sides' customs reports of the simulated true flows, and the label every demo product carries.

The exporter reports FOB values, the importer CIF values (a distance-dependent margin), each
with reporting noise; some small reporters skip years; and Pakistan's reported exports to
Kazakhstan are inflated by a stated factor to mimic the real mirror gap (see
``forecasting/datasets/published_figures.csv``). This is **demonstration data**; no number in
it is a real trade statistic.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from forecasting.simulate.gravity import GravityTruth
from forecasting.simulate.world import PATCHY_REPORTERS

__all__ = ["DEMO_LABEL", "DEMO_SOURCE", "customs_reports", "is_demo_data"]

DEMO_LABEL = "DEMONSTRATION DATA (simulated, not real trade statistics)"
DEMO_SOURCE = "demo"


def is_demo_data(flows: pd.DataFrame) -> bool:
    """Whether every row of a flows or reconciled table comes from the bundled simulated reports.

    Examples
    --------
    >>> is_demo_data(pd.DataFrame({"source": ["demo", "demo"]})), is_demo_data(pd.DataFrame({"source": ["wits"]}))
    (True, False)
    """
    columns = [
        c for c in ("source", "source_exporter_report", "source_importer_report") if c in flows.columns
    ]
    if not columns or flows.empty:
        return False
    values = pd.concat([flows[c].dropna() for c in columns], ignore_index=True)
    return bool(len(values)) and bool((values.astype(str) == DEMO_SOURCE).all())


def customs_reports(
    true_flows: pd.DataFrame, *, truth: GravityTruth | None = None, seed: int = 7
) -> pd.DataFrame:
    """Turn true flows into both sides' customs reports (FLOWS schema, annual).

    The exporter reports ``export`` at FOB, the importer ``import`` at CIF (margin
    ``cif_base + cif_per_1000km * dist/1000``), each with log-normal reporting noise; patchy
    reporters skip some years (no rows: the partner's mirror report remains); Pakistan's
    reported exports to Kazakhstan are multiplied by ``pak_export_report_factor``.
    """
    truth = truth or GravityTruth()
    rng = np.random.default_rng(seed)
    f = true_flows[true_flows.exporter != true_flows.importer].reset_index(drop=True)
    sd = truth.report_noise_sd
    noise_x = np.exp(rng.normal(-(sd**2) / 2, sd, len(f)))
    noise_m = np.exp(rng.normal(-(sd**2) / 2, sd, len(f)))
    cif = 1 + truth.cif_base + truth.cif_per_1000km * f.dist_km.to_numpy() / 1000
    exports = pd.DataFrame(
        {
            "reporter": f.exporter,
            "partner": f.importer,
            "flow": "export",
            "year": f.year,
            "commodity": f.commodity,
            "value_usd": np.round(f.value_usd.to_numpy() * noise_x, 0),
        }
    )
    pak_kaz = (f.exporter == "PAK").to_numpy() & (f.importer == "KAZ").to_numpy()
    exports.loc[pak_kaz, "value_usd"] *= truth.pak_export_report_factor
    imports = pd.DataFrame(
        {
            "reporter": f.importer,
            "partner": f.exporter,
            "flow": "import",
            "year": f.year,
            "commodity": f.commodity,
            "value_usd": np.round(f.value_usd.to_numpy() * cif * noise_m, 0),
        }
    )
    reports = pd.concat([exports, imports], ignore_index=True)
    years = sorted(reports.year.unique())
    skip = {(c, t) for c, p in PATCHY_REPORTERS.items() for t in years if rng.random() < p}
    absent = np.array(
        [(r, t) in skip for r, t in zip(reports.reporter, reports.year, strict=True)], dtype=bool
    )
    reports = reports[~absent].reset_index(drop=True)
    reports["period"] = pd.to_datetime(reports.year.astype(str) + "-01-01")
    reports["freq"] = "A"
    reports["classification"] = "GROUP"
    reports["source"] = DEMO_SOURCE
    reports["flags"] = "demo"
    return reports[
        [
            "reporter",
            "partner",
            "flow",
            "period",
            "freq",
            "commodity",
            "classification",
            "value_usd",
            "source",
            "flags",
        ]
    ]
