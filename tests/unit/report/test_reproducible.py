"""Two runs with one seed write byte-identical tables, workbooks and Parquet files (issue 18)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

pytestmark = pytest.mark.slow


def _run(out, hash_seed: str) -> None:
    # Separate processes with different hash seeds: set and dict orders that depend on string
    # hashing, clocks and process state must not reach a file.
    environment = os.environ | {"PYTHONHASHSEED": hash_seed}
    environment.pop("SOURCE_DATE_EPOCH", None)
    command = [sys.executable, "-m", "forecasting", "outlook", "--no-report", "--draws", "40",
               "--horizon", "2030", "--seed", "5", "--out", str(out)]  # fmt: skip
    completed = subprocess.run(
        command, capture_output=True, text=True, env=environment, timeout=900, check=False
    )
    assert completed.returncode == 0, completed.stderr[-2000:]


def test_same_seed_gives_identical_table_files(tmp_path):
    first, second = tmp_path / "first", tmp_path / "second"
    _run(first, "1")
    _run(second, "2")
    files = sorted(p.relative_to(first) for p in first.rglob("*") if p.is_file() and p.suffix != ".json")
    kinds = {p.suffix for p in files}
    assert {".csv", ".xlsx", ".parquet", ".png"} <= kinds
    differ = [str(p) for p in files if (first / p).read_bytes() != (second / p).read_bytes()]
    assert differ == [], f"{len(differ)} file(s) differ between two runs with one seed: {differ[:10]}"
