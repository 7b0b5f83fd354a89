"""Bundled data: catalogued, checksummed, labelled as demo, and reproducible from the simulator."""

from __future__ import annotations

import pandas as pd
import pytest

from forecasting.data import bundled
from forecasting.errors import SchemaError
from forecasting.schema import FLOWS, validate
from forecasting.simulate import build_demo_flows


def test_every_catalogued_file_matches_its_checksum():
    for name, entry in bundled.catalog().items():
        assert entry["description"] and entry["source"] and entry["licence"], name
        assert bundled.sha256_file(bundled.datasets_dir() / entry["file"]) == entry["sha256"], name


def test_demo_flows_follow_the_schema_and_say_they_are_demo():
    flows = bundled.load_demo_flows()
    validate(flows, FLOWS)
    assert (flows["flags"] == "demo").all() and (flows.source == "demo").all()
    assert flows.reporter.nunique() == 40
    assert flows.period.dt.year.min() == 2000 and flows.period.dt.year.max() == 2025
    assert set(flows.commodity) == {"textiles", "pharma", "coal", "hydrocarbons", "buses", "other"}
    description = (bundled.datasets_dir() / "demo_flows.md").read_text(encoding="utf-8")
    assert (
        "DEMONSTRATION DATA" in description
        and "Nothing in this file is a real trade statistic" in description
    )


@pytest.mark.slow
def test_bundled_demo_file_is_exactly_what_the_simulator_builds():
    fresh = build_demo_flows(bundled.load_country_facts())
    stored = bundled.load_demo_flows()
    pd.testing.assert_frame_equal(
        fresh.reset_index(drop=True), stored.reset_index(drop=True), check_dtype=False
    )


def test_published_figures_keep_both_sides_with_sources():
    figures = bundled.load_published_figures()
    assert figures.source.str.startswith("http").all()
    fy24 = figures[(figures.period == "FY2023-24") & (figures.measure == "PAK exports to KAZ")]
    assert fy24.value_musd.iloc[0] == pytest.approx(185.25)


def test_a_tampered_file_is_refused(tmp_path, monkeypatch):
    for name in ("catalog.toml", "country_facts.csv", "published_figures.csv", "demo_flows.parquet"):
        (tmp_path / name).write_bytes((bundled.datasets_dir() / name).read_bytes())
    (tmp_path / "country_facts.csv").write_text("iso3\nXXX\n", encoding="utf-8")
    monkeypatch.setenv("FORECASTING_DATASETS", str(tmp_path))
    with pytest.raises(SchemaError, match="does not match its catalogued sha256"):
        bundled.load_country_facts()
