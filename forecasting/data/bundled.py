"""Bundled data sets in ``forecasting/datasets/``: the demo panel, country facts, published figures.

Every bundled file is listed in ``forecasting/datasets/catalog.toml`` with its description,
source, licence and sha256, so a report can prove which data it used. The folder ships
inside the package (found with :mod:`importlib.resources`, so a wheel works from any folder),
or wherever ``FORECASTING_DATASETS`` points. :func:`write_demo_flows` regenerates the demo
files from the simulator (:mod:`forecasting.simulate.demo`) and refreshes the checksums.
"""

from __future__ import annotations

import os
import tomllib
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd
import tomli_w

from forecasting.errors import ForecastingError, SchemaError
from forecasting.files import atomic_write, atomic_write_text, sha256_file
from forecasting.schema import FLOWS, validate
from forecasting.simulate.demo import build_demo_flows, build_demo_production

_ENV = "FORECASTING_DATASETS"


def datasets_dir() -> Path:
    """The folder holding the bundled data sets.

    Examples
    --------
    >>> (datasets_dir() / "catalog.toml").exists()
    True
    """
    env = os.environ.get(_ENV)
    candidates = [Path(env)] if env else []
    candidates.append(Path(str(resources.files("forecasting") / "datasets")))
    for path in candidates:
        if (path / "catalog.toml").exists():
            return path
    raise ForecastingError(
        f"bundled datasets not found (looked in {', '.join(map(str, candidates))}); reinstall the"
        f" package (pip install --force-reinstall forecasting) or set {_ENV} to a datasets folder"
    )


def catalog() -> dict[str, dict[str, Any]]:
    """The catalog of bundled files: name -> file, description, source, licence, sha256."""
    return tomllib.loads((datasets_dir() / "catalog.toml").read_text(encoding="utf-8"))


def bundled_path(name: str, *, verify: bool = True) -> Path:
    """Path of a catalogued file, checking its sha256 against the catalog."""
    entries = catalog()
    if name not in entries:
        raise ForecastingError(f"no bundled data set {name!r}; available: {', '.join(sorted(entries))}")
    entry = entries[name]
    path = datasets_dir() / entry["file"]
    if verify and sha256_file(path) != entry["sha256"]:
        raise SchemaError(
            f"bundled file {path} does not match its catalogued sha256; restore it with"
            " `git checkout forecasting/datasets/` or regenerate it with `forecasting demo-data`"
        )
    return path


def load_demo_flows() -> pd.DataFrame:
    """Simulated customs reports by commodity group, 40 countries, 2000-2025 (FLOWS schema).

    Both sides report each flow (exporter FOB, importer CIF) with noise, some reporters skip
    years, and Pakistan's reported exports to Kazakhstan are inflated to mimic the real mirror
    gap. **Demonstration data**: every row is flagged ``demo``; see ``datasets/demo_flows.md``.

    Examples
    --------
    >>> flows = load_demo_flows()
    >>> sorted(flows.flow.unique()), bool(flows["flags"].eq("demo").all())
    (['export', 'import'], True)
    """
    flows = pd.read_parquet(bundled_path("demo_flows"))
    flows["period"] = pd.to_datetime(flows["period"])
    return validate(flows, FLOWS)


def load_country_facts(*, verify: bool = True) -> pd.DataFrame:
    """Capital coordinates, landlocked status and rough GDP of the 40 demo countries."""
    return pd.read_csv(bundled_path("country_facts", verify=verify), keep_default_na=False)


def load_published_figures() -> pd.DataFrame:
    """Real published Kazakhstan-Pakistan trade totals as each side reported them, with sources.

    Examples
    --------
    >>> figures = load_published_figures()
    >>> set(figures.reporter_side) == {"KAZ", "PAK"}
    True
    """
    figures = pd.read_csv(bundled_path("published_figures"), parse_dates=["period_start", "period_end"])
    return figures


def load_demo_production() -> pd.DataFrame:
    """Simulated gross output by country, commodity group and year (``country, commodity, year,
    output_usd, flags``); with the demo flows it gives intra-national flows as output minus exports.
    **Demonstration data.**"""
    return pd.read_parquet(bundled_path("demo_production"))


def write_demo_flows(directory: str | Path | None = None) -> Path:
    """Regenerate ``demo_flows.parquet`` and ``demo_production.parquet`` atomically and update
    the checksums in the catalog of ``directory`` (default: the bundled folder)."""
    folder = Path(directory) if directory else datasets_dir()
    countries = load_country_facts(verify=False)
    target = folder / "demo_flows.parquet"
    atomic_write(target, lambda p: build_demo_flows(countries).to_parquet(p, index=False, compression="zstd"))
    atomic_write(
        folder / "demo_production.parquet",
        lambda p: build_demo_production(countries).to_parquet(p, index=False, compression="zstd"),
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
