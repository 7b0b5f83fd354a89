"""The flags the library's messages name (issue 13, deliver 5) work on a real run from a user's file."""

from __future__ import annotations

import json
import re

import pandas as pd
import pytest

from forecasting.cli import main
from forecasting.data import load_demo_flows, read_flows
from forecasting.scenarios import Scenario, Shock, dumps_scenarios

KEEP = ["KAZ", "PAK", "UZB", "CHN", "RUS", "AFG"]
# the user's own column names, and the --columns that map them to FLOWS names
THEIRS = {"reporter": "Déclarant", "partner": "Partenaire", "period": "Année", "value_usd": "Valeur"}
MAPPING = [f"{theirs}={ours}" for ours, theirs in THEIRS.items()]


@pytest.fixture
def latin1_extract(tmp_path):
    flows = load_demo_flows()
    keep = flows.reporter.isin(KEEP) & flows.partner.isin(KEEP) & (flows.period.dt.year >= 2010)
    path = tmp_path / "extract.csv"
    flows[keep].rename(columns=THEIRS).to_csv(path, index=False, sep=";", encoding="latin-1")
    return path


def test_read_takes_the_reader_flags(latin1_extract, tmp_path, capsys):
    out = tmp_path / "flows.parquet"
    argv = ["read", str(latin1_extract), "--source", "tidy", "--encoding", "latin-1", "--sep", ";"]
    assert main([*argv, "--columns", *MAPPING, "--out", str(out)]) == 0
    assert f"wrote {out}" in capsys.readouterr().out
    expected = read_flows(
        latin1_extract, source="tidy", encoding="latin-1", sep=";", columns={v: k for k, v in THEIRS.items()}
    )
    pd.testing.assert_frame_equal(pd.read_parquet(out), expected)


def test_without_the_mapping_the_message_names_the_flag(latin1_extract, capsys):
    assert main(["read", str(latin1_extract), "--source", "tidy", "--encoding", "latin-1"]) == 2
    err = capsys.readouterr().err
    assert "pass --columns" in err and "columns={" not in err


@pytest.mark.slow
def test_outlook_with_pair_mirror_rule_encoding_columns_and_a_short_horizon(latin1_extract, tmp_path, capsys):
    scenarios = tmp_path / "one.toml"
    shock = Shock("transit_days", [("UZB", "PAK")], value=-10)
    scenarios.write_text(
        dumps_scenarios(Scenario("faster", start_year=2026, shocks=(shock,))), encoding="utf-8"
    )
    out = tmp_path / "report"
    argv = [
        "outlook",
        "--data",
        str(latin1_extract),
        "--source",
        "tidy",
        "--encoding",
        "latin-1",
        "--sep",
        ";",
    ]
    argv += ["--columns", *MAPPING, "--pair", "uzb", "pak", "--mirror-rule", "exporter", "--horizon", "2026"]
    argv += ["--draws", "40", "--scenarios", str(scenarios), "--no-report", "--out", str(out)]
    assert main(argv) == 0
    printed, err = capsys.readouterr()
    assert "note: --horizon 2026 ends before 2035; the summary shows 2026" in printed
    assert (
        "UZB-PAK trade outlook to 2026" in printed
        and "turnover, $m: median of the draws (80% interval)" in printed
    )
    assert any(line.startswith("scenario") and "2026" in line for line in printed.splitlines())
    row = next(line for line in printed.splitlines() if line.startswith("faster "))
    assert row.split()[1].replace(".", "").isdigit()  # a number in the 2026 column, not a blank
    settings = json.loads((out / "manifest.json").read_text(encoding="utf-8"))["settings"]
    assert settings["pair"] == ["UZB", "PAK"] and settings["mirror_rule"] == "exporter"
    assert settings["horizon"] == 2026 and settings["draws"] == 40
    progress = re.compile(r"[\w .-]+: \d+(/\d+)?( done)? \(\d+ s\)")  # plain lines: stderr is no TTY
    assert "Traceback" not in err and all(
        line.startswith(("warning: ", "note: ")) or progress.fullmatch(line) for line in err.splitlines()
    ), err
