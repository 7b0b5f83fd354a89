"""The Comtrade subscription key never leaves the request header (issue 18, "secrets stay secret").

A recognisable fake key is set in ``COMTRADE_API_KEY``; fetches succeed, hit 401 and 403 (one
403 body echoes the key, as a misconfigured proxy might), are rate-limited, and an outlook runs
with the key in its environment. Everything they leave behind is then searched for the key: file
names and contents in the cache and output folders, captured logs at DEBUG level, stdout and
stderr, and the text, repr and formatted traceback of every exception raised.
"""

from __future__ import annotations

import traceback
from pathlib import Path

import pytest

from forecasting.cli import main
from forecasting.data.fetch import RetryPolicy, fetch_comtrade
from forecasting.data.fetch.comtrade_query import KEY_HEADER
from forecasting.errors import FetchError
from tests.unit.data.test_fetch_comtrade import envelope, record

FAKE_KEY = "FAKE-comtrade-key-7f3a9c1e5b2d"
DATA = "/data/v1/get/C/A/HS"


@pytest.fixture(autouse=True)
def _key(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("COMTRADE_API_KEY", FAKE_KEY)
    monkeypatch.setenv("FORECASTING_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv("FORECASTING_COMTRADE_URL", raising=False)
    for name in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)


def leaks(folder: Path, *texts: str) -> list[str]:
    """Where the key shows up: file names, file contents, or one of ``texts``."""
    found = [f"text #{n}" for n, text in enumerate(texts) if FAKE_KEY in text]
    for path in folder.rglob("*"):
        if FAKE_KEY in path.name:
            found.append(f"name {path}")
        elif path.is_file() and FAKE_KEY.encode() in path.read_bytes():
            found.append(f"content {path}")
    return found


def exception_texts(error: BaseException) -> tuple[str, str, str]:
    return str(error), repr(error), "".join(traceback.format_exception(error))


def test_the_key_never_leaves_the_header_in_fetches(httpserver, tmp_path, capsys, caplog) -> None:
    caplog.set_level("DEBUG")
    root = httpserver.url_for("/")
    base = ["-v", "fetch", "comtrade", "--endpoint", "data", "--url", root, "--pause", "0", "--attempts", "2"]

    httpserver.expect_oneshot_request(DATA).respond_with_json(
        {"statusCode": 429, "message": "Rate limit is exceeded. Try again in 1 seconds."},
        status=429,
        headers={"Retry-After": "0"},
    )
    httpserver.expect_oneshot_request(DATA).respond_with_data(envelope([record(2019, "X")]))
    assert main([*base, "--period", "2019"]) == 0
    assert httpserver.log[0][0].headers[KEY_HEADER] == FAKE_KEY  # the key was really sent

    httpserver.expect_oneshot_request(DATA).respond_with_json(
        {
            "statusCode": 401,
            "message": "Access denied due to invalid subscription key. Make sure to provide a valid key for an active subscription.",
        },
        status=401,
    )
    assert main([*base, "--period", "2020"]) == 2
    httpserver.expect_oneshot_request(DATA).respond_with_json(
        {"statusCode": 403, "message": f"Forbidden: subscription key {FAKE_KEY} is not valid for this API."},
        status=403,
    )
    assert main([*base, "--period", "2021"]) == 2
    printed = capsys.readouterr()
    assert "HTTP 401" in printed.err and "HTTP 403" in printed.err and "<redacted>" in printed.err

    errors = []
    for status in (401, 403):
        httpserver.expect_oneshot_request(DATA).respond_with_json(
            {"statusCode": status, "message": f"key {FAKE_KEY} refused"}, status=status
        )
        with pytest.raises(FetchError) as info:
            fetch_comtrade(
                "KAZ", "PAK", period=2022, data_url=root + "data/v1/get", retry=RetryPolicy(max_attempts=1)
            )
        errors.extend(exception_texts(info.value))
    assert leaks(tmp_path, caplog.text, printed.out, printed.err, *errors) == []
    assert list((tmp_path / "cache" / "comtrade").glob("*.request.json"))  # metadata was written, and scanned


@pytest.mark.slow
def test_the_key_never_reaches_an_outlook_run(tmp_path, capsys, caplog) -> None:
    caplog.set_level("DEBUG")
    out = tmp_path / "outlook"
    assert main(["-v", "outlook", "--draws", "50", "--horizon", "2028", "--out", str(out)]) == 0
    printed = capsys.readouterr()
    assert (out / "report.html").is_file() and (out / "manifest.json").is_file()
    assert leaks(tmp_path, caplog.text, printed.out, printed.err) == []
