"""Build (and rebuild) the bundled demonstration data from the simulator.

The bundled ``forecasting/datasets/demo_flows.parquet`` is exactly what :func:`build_demo_flows`
returns with the default seeds; a test regenerates it and compares, so the file can always
be traced back to the stated parameters in :class:`forecasting.data.simulate.GravityTruth`.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import pandas as pd
import tomli_w

from forecasting.data.bundled import datasets_dir, load_country_facts
from forecasting.data.simulate import GravityTruth, customs_reports, production, simulate_gravity
from forecasting.files import atomic_write, atomic_write_text, sha256_file

PANEL_SEED = 20260201
REPORT_SEED = 7


def build_true_flows(*, truth: GravityTruth | None = None, domestic: bool = True) -> pd.DataFrame:
    """The true flows behind the demo reports, with intra-national flows unless ``domestic=False``."""
    flows = simulate_gravity(load_country_facts(verify=False), truth=truth, seed=PANEL_SEED, domestic=True)
    return flows if domestic else flows[flows.exporter != flows.importer].reset_index(drop=True)


def build_demo_flows(*, truth: GravityTruth | None = None) -> pd.DataFrame:
    """Simulated customs reports of the 40 demo countries, 2000-2025, by commodity group."""
    return customs_reports(build_true_flows(truth=truth), truth=truth, seed=REPORT_SEED)


def build_demo_production(*, truth: GravityTruth | None = None) -> pd.DataFrame:
    """Simulated gross output by country, commodity group and year (for intra-national flows)."""
    out = production(build_true_flows(truth=truth))
    out["output_usd"] = out["output_usd"].round(0)
    out["flags"] = "demo"
    return out


def write_demo_flows(directory: str | Path | None = None) -> Path:
    """Regenerate ``demo_flows.parquet`` atomically and update its sha256 in the catalog."""
    folder = Path(directory) if directory else datasets_dir()
    target = folder / "demo_flows.parquet"
    atomic_write(target, lambda p: build_demo_flows().to_parquet(p, index=False, compression="zstd"))
    atomic_write(
        folder / "demo_production.parquet",
        lambda p: build_demo_production().to_parquet(p, index=False, compression="zstd"),
    )
    catalog_path = folder / "catalog.toml"
    entries = tomllib.loads(catalog_path.read_text(encoding="utf-8"))
    for entry in entries.values():
        entry["sha256"] = sha256_file(folder / entry["file"])
    atomic_write_text(catalog_path, _CATALOG_HEADER + tomli_w.dumps(entries))
    return target


_CATALOG_HEADER = (
    "# Bundled data sets: file, description, source, licence and sha256 of each.\n"
    "# Regenerate demo_flows.parquet and refresh the checksums with `forecasting demo-data`.\n\n"
)
