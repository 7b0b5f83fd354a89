"""``forecasting fetch SOURCE`` end to end against a local server: each source, offline, CLI wording."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from forecasting.cli import main
from tests.unit.data.test_fetch_cepii import baci_zip
from tests.unit.data.test_fetch_comtrade import envelope, record
from tests.unit.data.test_fetch_gravity import gravity_csv, gravity_zip, hmr_pairs

SOURCES = ("comtrade", "baci", "geodist", "gravity")


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    cache = tmp_path / "cache"
    monkeypatch.setenv("FORECASTING_CACHE", str(cache))
    monkeypatch.delenv("COMTRADE_API_KEY", raising=False)
    for source in SOURCES:
        monkeypatch.delenv(f"FORECASTING_{source.upper()}_URL", raising=False)
    for name in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
    return cache


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_fetch_help_lists_every_source(capsys) -> None:
    with pytest.raises(SystemExit) as info:
        main(["fetch", "--help"])
    out = capsys.readouterr().out
    assert info.value.code == 0
    for source in SOURCES:
        assert f"    {source} " in out
    assert "FORECASTING_CACHE" in out and "FORECASTING_<SOURCE>_URL" in out


@pytest.mark.parametrize("source", SOURCES)
def test_help_of_each_source(source, capsys) -> None:
    with pytest.raises(SystemExit) as info:
        main(["fetch", source, "--help"])
    assert info.value.code == 0 and f"$FORECASTING_{source.upper()}_URL" in capsys.readouterr().out


def test_comtrade_preview_by_year_range(httpserver, capsys, _isolated) -> None:
    httpserver.expect_request("/public/v1/preview/C/A/HS").respond_with_data(
        envelope([record(2019, "X"), record(2020, "X"), record(2021, "M")])
    )
    code = main(
        ["fetch", "comtrade", "--period", "2019-2021", "--url", httpserver.url_for("/"), "--pause", "0"]
    )
    out = capsys.readouterr().out
    assert code == 0
    request, _ = httpserver.log[0]
    assert request.args["period"] == "2019,2020,2021" and request.args["reporterCode"] == "398"
    (saved,) = [
        p for p in (_isolated / "comtrade").glob("preview_*.json") if not p.name.endswith(".request.json")
    ]
    assert f"downloaded {saved}" in out and "3 records" in out
    assert f"forecasting outlook --data {saved} --source comtrade" in out
    assert len(json.loads(saved.read_text())["data"]) == 3


def test_comtrade_hs_levels_become_separate_requests(httpserver, capsys) -> None:
    httpserver.expect_request("/public/v1/preview/C/A/HS").respond_with_data(envelope([record(2021, "X")]))
    argv = ["fetch", "comtrade", "--period", "2021", "--hs-level", "2", "4", "--url", httpserver.url_for("/")]
    assert main([*argv, "--pause", "0"]) == 0
    assert [r.args["cmdCode"] for r, _ in httpserver.log] == ["TOTAL", "AG2", "AG4"]


def test_baci_by_release_and_hs_vintage_extracted(httpserver, capsys, _isolated) -> None:
    httpserver.expect_request("/baci/BACI_HS12_V202401b.zip").respond_with_data(baci_zip())
    code = main(
        [
            "fetch",
            "baci",
            "--hs",
            "hs12",
            "--release",
            "V202401b",
            "--extract",
            "--url",
            httpserver.url_for("/baci"),
        ]
    )
    out = capsys.readouterr().out
    assert code == 0 and f"extracted  {_isolated / 'baci' / 'BACI_HS12_V202401b'}" in out
    assert "forecasting read --source baci" in out


def test_geodist_then_cached(httpserver, capsys) -> None:
    httpserver.expect_request("/d/dist_cepii.dta").respond_with_data(b"\x72\x02 stata bytes")
    argv = ["fetch", "geodist", "--tables", "dist", "--url", httpserver.url_for("/d")]
    assert main(argv) == 0 and "downloaded" in capsys.readouterr().out
    assert main(argv) == 0 and "cached" in capsys.readouterr().out
    assert len(httpserver.log) == 1


def test_gravity_covariates_for_chosen_countries_and_years(httpserver, capsys, tmp_path) -> None:
    httpserver.expect_request("/g/Gravity_csv_V202211.zip").respond_with_data(
        gravity_zip(gravity_csv(hmr_pairs()))
    )
    cache = tmp_path / "elsewhere"
    argv = [
        "fetch",
        "gravity",
        "--countries",
        "KAZ",
        "PAK",
        "--years",
        "2005-2006",
        "--url",
        httpserver.url_for("/g"),
    ]
    code = main([*argv, "--cache-dir", str(cache)])
    out, err = capsys.readouterr()
    # the served data is 2006 only: the library's DataQualityWarning, as one console line
    assert "warning: Gravity_V202211.csv has no row for years 2005" in err and "Warning:" not in err
    table = next((cache / "gravity").glob("Gravity_V202211_covariates_*.csv"))
    assert code == 0 and f"covariates {table}" in out
    assert table.read_text().splitlines()[0].startswith("exporter,importer,year,dist_km")


def test_gravity_years_must_be_years(capsys) -> None:
    assert main(["fetch", "gravity", "--years", "recent"]) == 2
    assert "--years takes years" in capsys.readouterr().err


def test_library_hints_name_the_flags(httpserver, capsys) -> None:
    httpserver.expect_request("/f/dist_cepii.dta").respond_with_data(
        "slow down", status=429, headers={"Retry-After": "900"}
    )
    assert main(["fetch", "geodist", "--tables", "dist", "--url", httpserver.url_for("/f")]) == 2
    err = capsys.readouterr().err
    assert "pass --max-wait 900" in err and "RetryPolicy" not in err
    assert main(["fetch", "baci", "--hs", "HS2017", "--release", "V202401b"]) == 2
    assert "--hs='HS2017' is not valid (did you mean 'HS17'" in capsys.readouterr().err
    assert main(["fetch", "comtrade", "--period", "2021", "--endpoint", "data"]) == 2
    assert "or use --endpoint preview" in capsys.readouterr().err


def test_offline_fails_fast_with_exit_two_no_traceback_and_what_to_download(tmp_path) -> None:
    url = f"http://127.0.0.1:{closed_port()}/distance"
    env = {**os.environ, "FORECASTING_CACHE": str(tmp_path / "cache")}
    done = subprocess.run(
        [sys.executable, "-m", "forecasting", "fetch", "geodist", "--tables", "dist", "--url", url],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=120,
    )
    assert done.returncode == 2
    assert "Traceback" not in done.stderr and done.stderr.startswith("error: Could not reach 127.0.0.1")
    expected = tmp_path / "cache" / "geodist" / "dist_cepii.dta"
    assert f"download {url}/dist_cepii.dta by hand" in done.stderr and f"save it as {expected}" in done.stderr
