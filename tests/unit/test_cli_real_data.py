"""The main job runs the same way on a user's file (here a tidy CSV), and scenarios export for CGE."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from forecasting.cli import main
from forecasting.data import load_demo_flows


@pytest.mark.slow
def test_outlook_on_a_users_tidy_file(tmp_path, capsys):
    flows = load_demo_flows()
    keep = ["KAZ", "PAK", "UZB", "CHN", "RUS", "AFG", "TUR", "IND"]
    subset = flows[flows.reporter.isin(keep) & flows.partner.isin(keep)].copy()
    subset["source"] = "user"
    path = tmp_path / "extract.csv"
    subset.drop(columns=["source"]).to_csv(path, index=False)
    out = tmp_path / "report"
    code = main(
        [
            "outlook",
            "--data",
            str(path),
            "--source",
            "tidy",
            "--draws",
            "40",
            "--horizon",
            "2030",
            "--out",
            str(out),
            "--no-report",
        ]
    )
    assert code == 0
    printed = capsys.readouterr().out
    assert "DEMONSTRATION DATA (simulated): no number" not in printed  # user data is not labelled demo
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    settings = manifest["settings"]
    assert settings["demo"] is False and "tidy" in settings["data_source"]
    # No production or covariates given: the panel's own gravity model and a GE on approximated
    # domestic sales, each assumption stated (issue 13).
    assert settings["ge_mode"] == "full"
    assert "fall-backs (" in printed and "GE domestic sales" in printed
    steps = [f["step"] for f in settings["fallbacks"]]
    assert steps[:2] == ["GE domestic sales", "trade elasticity (from distance)"]
    coefficients = pd.read_parquet(out / "data" / "coefficients.parquet")
    assert "literature" not in set(coefficients.model) and "ln_dist" in set(coefficients.term)


def test_scenarios_export_iceberg_cost_changes_for_cge(tmp_path):
    out = tmp_path / "shocks.csv"
    assert main(["scenarios", "--export-cge", str(out), "--last-year", "2036"]) == 0
    table = pd.read_csv(out)
    assert {"scenario", "exporter", "importer", "commodity", "year", "iceberg_change_pct"} <= set(
        table.columns
    )
    rail = table[
        (table.scenario == "trans_afghan_railway") & (table.exporter == "KAZ") & (table.importer == "PAK")
    ]
    assert (rail.iceberg_change_pct <= 0).all() and rail.year.min() >= 2026
