"""manifest.json: versions, checksums that match the files, JSON-safe settings."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import forecasting
from forecasting.errors import ForecastingError
from forecasting.report import manifest


def test_input_digests_match_hashlib(tmp_path):
    data = tmp_path / "flows.csv"
    data.write_bytes(b"reporter,partner\nKAZ,PAK\n" * 1000)
    digest = manifest.input_digests({"flows": data})["flows"]
    assert digest["sha256"] == hashlib.sha256(data.read_bytes()).hexdigest()
    assert digest["size_bytes"] == data.stat().st_size
    assert digest["path"] == str(data.resolve())


def test_missing_inputs_are_all_named(tmp_path):
    with pytest.raises(manifest.MissingInputError) as caught:
        manifest.input_digests({f"f{i}": tmp_path / f"absent{i}.csv" for i in range(7)})
    message = str(caught.value)
    assert "7 input file(s)" in message and "absent0.csv" in message and "(and 2 more; 7 in all)" in message
    assert isinstance(caught.value, ForecastingError) and isinstance(caught.value, FileNotFoundError)


def test_json_ready_handles_what_settings_hold():
    settings = {
        "seed": np.int64(7),
        "share": np.float64(0.5),
        "missing": float("nan"),
        "when": pd.Timestamp("2024-01-01"),
        "path": Path("data/x.csv"),
        "levels": (80, 95),
        "codes": {"PAK", "KAZ"},
    }
    ready = manifest.json_ready(settings)
    json.dumps(ready, allow_nan=False)  # must not raise
    assert ready == {
        "seed": 7,
        "share": 0.5,
        "missing": None,
        "when": "2024-01-01T00:00:00",
        "path": "data/x.csv",
        "levels": [80, 95],
        "codes": ["KAZ", "PAK"],
    }


def test_build_manifest_records_versions_time_and_scenarios():
    when = dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC)
    content = manifest.build_manifest(
        settings={"demo": False, "horizon": 2035},
        scenarios={"rail": {"phase_in": {"start": 2028}}},
        inputs={},
        artefacts={},
        created=when,
    )
    assert content["created_utc"] == "2026-01-02T03:04:05Z"
    assert content["package"]["version"] == forecasting.__version__
    assert content["dependencies"]["pandas"] == pd.__version__
    assert content["scenarios"]["rail"]["phase_in"]["start"] == 2028
    assert content["demo"] is False


def test_written_manifest_lists_every_artefact_with_its_checksum(written):
    content = manifest.read_manifest(written.out_dir)
    listed = content["artefacts"]
    assert set(listed) == {p.relative_to(written.out_dir).as_posix() for p in written.files()}
    for relative, digest in listed.items():
        data = (written.out_dir / relative).read_bytes()
        assert digest["sha256"] == hashlib.sha256(data).hexdigest(), relative
        assert digest["size_bytes"] == len(data)
    assert content["title"] == "Test outlook" and content["demo"] is True
    assert set(content["scenarios"]) == {"baseline", "trans_afghan_railway", "border_closure_stress"}


def test_manifest_settings_read_back_as_the_typed_settings_of_the_run(written, outlook):
    from forecasting.projection import OutlookSettings
    from forecasting.scenarios import Scenario

    content = manifest.read_manifest(written.out_dir)
    assert OutlookSettings.from_dict(content["settings"]) == outlook.settings
    assert (
        Scenario.from_dict(content["scenarios"]["trans_afghan_railway"])
        == outlook.scenarios["trans_afghan_railway"]
    )


def test_is_report_directory_needs_our_generator(tmp_path):
    (tmp_path / "manifest.json").write_text(json.dumps({"generator": "someone else"}))
    assert not manifest.is_report_directory(tmp_path)
    (tmp_path / "manifest.json").write_text("not json")
    assert not manifest.is_report_directory(tmp_path)
