"""The defects the CLI fuzz test (tests/unit/test_cli_fuzz.py) found, one example each.

Each used to raise a traceback (or pass silently) and now exits 2 with one ``error:`` line
that names the flag, writing nothing.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from forecasting.scenarios import corridors
from tests.unit.cli_fuzz_support import run, samples, snapshot, write

__all__ = ["samples"]  # the module fixture of the fuzz test: its small real files


@pytest.mark.parametrize(
    ("argv", "said"),
    [
        (["--elasticity", "3"], "the trade elasticity (1 - sigma) is negative"),  # was a raw ValueError
        (["--elasticity", "nan"], "the trade elasticity (1 - sigma) is negative"),
        (["--first-year", "2030", "--last-year", "2026"], "--first-year 2030 is after --last-year 2026"),
        (["--export-cge", "{where}/shocks.txt"], "--export-cge {where}/shocks.txt: give a .csv or .parquet"),
        (["--export-cge", "{where}"], "give a .csv or .parquet file name"),  # was IsADirectoryError
        (["--file", "{where}/utf16.toml"], "is not UTF-8 text"),  # was a raw UnicodeDecodeError
    ],
)
def test_scenarios_refuses_what_used_to_raise(tmp_path, argv, said):
    toml = Path(corridors.__file__).with_name("corridors.toml").read_text(encoding="utf-8")
    (tmp_path / "utf16.toml").write_text(toml, encoding="utf-16")
    argv = [a.format(where=tmp_path) for a in argv]
    before = snapshot(tmp_path)
    code, _, err = run(["scenarios", *argv])
    assert code == 2 and said.format(where=tmp_path) in err
    assert snapshot(tmp_path) == before


def test_many_pairs_refuse_a_scenario_file_that_is_not_utf8_before_any_work(tmp_path):
    toml = Path(corridors.__file__).with_name("corridors.toml").read_text(encoding="utf-8")
    (tmp_path / "utf16.toml").write_text(toml, encoding="utf-16")
    argv = [
        "outlook",
        "--pair",
        "KAZ",
        "PAK",
        "--pair",
        "PAK",
        "UZB",
        "--scenarios",
        str(tmp_path / "utf16.toml"),
    ]
    code, _, err = run([*argv, "--out", str(tmp_path / "out")])
    assert code == 2 and "--scenarios" in err and "is not UTF-8 text" in err  # was a raw UnicodeDecodeError
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    ("flags", "said"),
    [
        (["--sep", ""], "'': give one character"),  # was a raw TypeError from the CSV parser
        (["--sep", "ab"], "'ab': give one character"),
        (
            ["--thousands", ",", "--decimal", ","],
            "--thousands ',' and --decimal ',': a number cannot be read",
        ),
        (["--classification", "HS9999"], "classification='HS9999' is not valid"),  # was silently ignored
        (["--out", "/proc/flows.csv"], "cannot write /proc/flows.csv"),  # was a raw FileNotFoundError
    ],
)
def test_read_refuses_what_used_to_raise_or_pass(samples, tmp_path, flags, said):
    path = write(tmp_path, samples["tidy"])
    code, _, err = run(["read", str(path), "--source", "tidy", *flags])
    assert code == 2 and said in err
