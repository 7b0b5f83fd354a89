"""UN Comtrade fetcher against a local server that answers like the real API.

The JSON records follow the field names of the current API (``comtradeapi.un.org`` v1,
as recorded in ropensci/comtradr's test fixtures for ``data/v1/get/C/A/HS``); the error body
follows Azure API Management's ``{"statusCode", "message"}`` answer. Where values matter they
come from real data: the WITS 2009 KAZ-PAK totals in ../shared/data (UN Comtrade via WITS).
"""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from forecasting.data.fetch import RetryPolicy, fetch_comtrade
from forecasting.data.fetch.comtrade import KEY_HEADER, country_codes, normalise_periods
from forecasting.errors import DataQualityWarning, FetchError

PREVIEW = "/public/v1/preview"
DATA = "/data/v1/get"


COUNTRIES = {"KAZ": (398, "Kazakhstan"), "PAK": (586, "Pakistan")}


def record(
    year: int,
    flow: str,
    cmd: str = "TOTAL",
    value: float = 1.5e8,
    reporter: str = "KAZ",
    partner: str = "PAK",
) -> dict[str, object]:
    """One row as the Comtrade API returns it (KAZ reporting trade with PAK unless told)."""
    (r_code, r_name), (p_code, p_name) = COUNTRIES[reporter], COUNTRIES[partner]
    return {
        "typeCode": "C", "freqCode": "A", "refPeriodId": int(f"{year}0101"), "refYear": year,
        "refMonth": 52, "period": str(year), "reporterCode": r_code, "reporterISO": reporter,
        "reporterDesc": r_name, "flowCode": flow, "flowDesc": "Export" if flow == "X" else "Import",
        "partnerCode": p_code, "partnerISO": partner, "partnerDesc": p_name, "partner2Code": 0,
        "partner2ISO": "W00", "partner2Desc": "World", "classificationCode": "H6",
        "classificationSearchCode": "HS", "isOriginalClassification": True, "cmdCode": cmd,
        "cmdDesc": "All Commodities", "aggrLevel": 0, "isLeaf": False, "customsCode": "C00",
        "customsDesc": "TOTAL CPC", "mosCode": "0", "motCode": 0, "motDesc": "TOTAL MOT",
        "qtyUnitCode": -1, "qtyUnitAbbr": "N/A", "qty": None, "isQtyEstimated": False,
        "altQtyUnitCode": -1, "altQtyUnitAbbr": "N/A", "altQty": None, "isAltQtyEstimated": False,
        "netWgt": None, "isNetWgtEstimated": False, "grossWgt": None, "isGrossWgtEstimated": False,
        "cifvalue": value if flow == "M" else None, "fobvalue": value if flow == "X" else None,
        "primaryValue": value, "legacyEstimationFlag": 0, "isReported": True, "isAggregate": False,
    }  # fmt: skip


def envelope(rows: list[dict[str, object]]) -> bytes:
    return json.dumps({"elapsedTime": "0.11 secs", "count": len(rows), "data": rows, "error": ""}).encode()


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("FORECASTING_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv("COMTRADE_API_KEY", raising=False)
    monkeypatch.delenv("FORECASTING_COMTRADE_URL", raising=False)
    for name in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def waits() -> list[float]:
    return []


def urls(httpserver) -> dict[str, str]:
    return {"preview_url": httpserver.url_for(PREVIEW), "data_url": httpserver.url_for(DATA)}


def policy(waits: list[float]) -> RetryPolicy:
    return RetryPolicy(max_attempts=3, jitter=False, sleep=waits.append, timeout_s=5)


def query_of(request) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(request.url).query).items()}


def test_preview_saves_json_as_is_and_sends_api_parameter_names(httpserver, waits) -> None:
    body = envelope([record(2021, "X"), record(2021, "M"), record(2022, "X")])
    httpserver.expect_request(f"{PREVIEW}/C/A/HS").respond_with_data(body, content_type="application/json")
    result = fetch_comtrade("KAZ", "PAK", period=[2021, 2022], retry=policy(waits), **urls(httpserver))
    assert len(result.files) == 1
    assert result.path.read_bytes() == body  # saved byte for byte for read_comtrade
    assert result.files[0].records == 3 and not result.files[0].from_cache
    request, _ = httpserver.log[0]
    assert KEY_HEADER not in request.headers
    assert query_of(request) == {
        "reporterCode": "398", "partnerCode": "586", "partner2Code": "0", "period": "2021,2022",
        "cmdCode": "TOTAL", "flowCode": "X,M", "customsCode": "C00", "motCode": "0",
        "maxRecords": "500", "format": "JSON", "breakdownMode": "classic", "includeDesc": "true",
    }  # fmt: skip
    provenance = json.loads(Path(str(result.path) + ".request.json").read_text())
    assert provenance["endpoint"] == "preview" and provenance["records"] == 3
    assert "Ocp" not in json.dumps(provenance)


def test_second_call_is_served_from_cache_without_a_request(httpserver, waits) -> None:
    httpserver.expect_request(f"{PREVIEW}/C/A/HS").respond_with_data(envelope([record(2021, "X")]))
    first = fetch_comtrade(398, 586, period=2021, retry=policy(waits), **urls(httpserver))
    second = fetch_comtrade("KAZ", "PAK", period="2021", retry=policy(waits), **urls(httpserver))
    assert len(httpserver.log) == 1
    assert second.files[0].from_cache and second.path == first.path
    assert second.files[0].sha256 == first.files[0].sha256 and second.files[0].records == 1
    refreshed = fetch_comtrade(
        "KAZ", "PAK", period=2021, refresh=True, retry=policy(waits), **urls(httpserver)
    )
    assert len(httpserver.log) == 2 and not refreshed.files[0].from_cache


def test_long_period_lists_are_split_into_chunks_of_twelve(httpserver, waits) -> None:
    httpserver.expect_request(f"{PREVIEW}/C/A/HS").respond_with_data(envelope([record(2000, "X")]))
    result = fetch_comtrade("KAZ", "PAK", period=range(1999, 2025), retry=policy(waits), **urls(httpserver))
    sent = [query_of(r)["period"].split(",") for r, _ in httpserver.log]
    assert [len(p) for p in sent] == [12, 12, 2]
    assert sum(sent, []) == [str(y) for y in range(1999, 2025)]
    assert len({p.name for p in result.paths}) == 3
    assert waits == [1.0, 1.0]  # polite pause between requests, through the injected sleep
    assert result.tidy()["records"].tolist() == [1, 1, 1]


def test_api_key_from_environment_goes_in_header_to_data_endpoint(httpserver, waits, monkeypatch) -> None:
    monkeypatch.setenv("COMTRADE_API_KEY", "secret-key-123")
    httpserver.expect_request(f"{DATA}/C/M/H6", headers={KEY_HEADER: "secret-key-123"}).respond_with_data(
        envelope([record(2023, "M")])
    )
    result = fetch_comtrade(
        "PAK", "KAZ", period="2023-01", freq="M", classification="H6", commodity=["2701", "3004"],
        flow="import", retry=policy(waits), **urls(httpserver),
    )  # fmt: skip
    request, _ = httpserver.log[0]
    assert query_of(request)["maxRecords"] == "250000"
    assert query_of(request)["cmdCode"] == "2701,3004" and query_of(request)["flowCode"] == "M"
    assert result.path.name.startswith("data_CMH6_HS4_202301_")
    assert "secret-key-123" not in result.path.name
    assert "secret-key-123" not in Path(str(result.path) + ".request.json").read_text()


def test_missing_key_for_data_endpoint_is_a_clear_error_before_any_request(httpserver, waits) -> None:
    with pytest.raises(
        FetchError, match="needs a subscription key: set the environment variable COMTRADE_API_KEY"
    ):
        fetch_comtrade("KAZ", "PAK", period=2021, endpoint="full", retry=policy(waits), **urls(httpserver))
    assert httpserver.log == []


def test_rejected_key_reports_server_message(httpserver, waits) -> None:
    httpserver.expect_request(f"{DATA}/C/A/HS").respond_with_json(
        {"statusCode": 401, "message": "Access denied due to invalid subscription key."}, status=401
    )
    with pytest.raises(FetchError, match="HTTP 401.*invalid subscription key.*API key is missing or invalid"):
        fetch_comtrade("KAZ", "PAK", period=2021, api_key="wrong", retry=policy(waits), **urls(httpserver))
    assert waits == []


def test_preview_cap_of_500_rows_warns_and_names_the_chunk(httpserver, waits) -> None:
    rows = [record(2021, "X", cmd=f"{n:06d}") for n in range(500)]
    httpserver.expect_request(f"{PREVIEW}/C/A/HS").respond_with_data(envelope(rows))
    with pytest.warns(DataQualityWarning, match=r"exactly maxRecords=500 rows for 'AG6 2021'"):
        result = fetch_comtrade(
            "KAZ", None, period=2021, commodity="AG6", retry=policy(waits), **urls(httpserver)
        )
    assert "partnerCode" not in query_of(httpserver.log[0][0])  # None leaves the parameter out
    assert result.files[0].records == 500
    with pytest.warns(DataQualityWarning):  # still truncated when reused from the cache
        fetch_comtrade("KAZ", None, period=2021, commodity="AG6", retry=policy(waits), **urls(httpserver))
    assert len(httpserver.log) == 1


def test_rate_limited_preview_waits_then_succeeds(httpserver, waits) -> None:
    httpserver.expect_oneshot_request(f"{PREVIEW}/C/A/HS").respond_with_json(
        {"statusCode": 429, "message": "Rate limit is exceeded. Try again in 3 seconds."},
        status=429,
        headers={"Retry-After": "3"},
    )
    httpserver.expect_request(f"{PREVIEW}/C/A/HS").respond_with_data(envelope([record(2021, "X")]))
    result = fetch_comtrade("KAZ", "PAK", period=2021, retry=policy(waits), **urls(httpserver))
    assert waits == [3.0] and result.files[0].records == 1


@pytest.mark.parametrize(
    ("body", "match"),
    [
        (
            b'{"elapsedTime":"0.01 secs","count":0,"data":[],"error":"Invalid reporterCode"}',
            "Invalid reporterCode",
        ),
        (b"<html><body>Service Unavailable</body></html>", "not JSON"),
        (b'{"statusCode": 200}', "no 'data' list"),
    ],
)
def test_error_answers_are_refused_and_nothing_is_cached(httpserver, waits, tmp_path, body, match) -> None:
    httpserver.expect_request(f"{PREVIEW}/C/A/HS").respond_with_data(body)
    with pytest.raises(FetchError, match=match):
        fetch_comtrade("KAZ", "PAK", period=2021, retry=policy(waits), **urls(httpserver))
    assert list((tmp_path / "cache" / "comtrade").iterdir()) == []


def test_bad_arguments_name_the_values_at_fault() -> None:
    with pytest.raises(FetchError, match=r"reporter codes not recognised: 'KAZZ', 'XYZ'"):
        fetch_comtrade(["KAZZ", "PAK", "XYZ"], period=2021)
    with pytest.raises(FetchError, match=r"period values not valid for freq='A': '202101'"):
        fetch_comtrade("KAZ", period=["2020", "202101"])
    with pytest.raises(FetchError, match="freq='Q' is not valid; use one of 'A', 'M'"):
        fetch_comtrade("KAZ", period=2021, freq="Q")
    with pytest.raises(FetchError, match="flow='transit' is not valid"):
        fetch_comtrade("KAZ", period=2021, flow="transit")
    with pytest.raises(
        FetchError, match="max_records=501 is out of range for the preview endpoint: pass max_records=500"
    ):
        fetch_comtrade("KAZ", period=2021, max_records=501)
    with pytest.raises(FetchError, match="classification='HS7'"):
        fetch_comtrade("KAZ", period=2021, classification="HS7")


def test_country_codes_use_comtrade_exceptions_and_world() -> None:
    assert country_codes(["CHE", "IND", "KAZ", "KAZ"], "reporter") == "757,699,398"
    assert country_codes(["World", 0, "W00"], "partner") == "0"


def test_monthly_periods_expand_years_and_sort() -> None:
    months = normalise_periods([2021, "2020-12"], "M")
    assert months[0] == "202012" and months[-1] == "202112" and len(months) == 13


def test_fetched_answer_reads_back_as_flows(httpserver, waits) -> None:
    # Contract with forecasting.data.readers.read_comtrade: the saved JSON is its input as-is.
    from forecasting.data.readers import read_comtrade

    rows = [record(2021, "X", value=1.0e8), record(2021, "M", value=2.5e7), record(2022, "X", value=4.0e7)]
    httpserver.expect_request(f"{PREVIEW}/C/A/HS").respond_with_data(envelope(rows))
    result = fetch_comtrade("KAZ", "PAK", period=[2021, 2022], retry=policy(waits), **urls(httpserver))
    flows = read_comtrade(result.path)
    assert flows[["reporter", "partner", "flow"]].drop_duplicates().values.tolist() == [
        ["KAZ", "PAK", "export"],
        ["KAZ", "PAK", "import"],
    ]
    assert sorted(flows["value_usd"].tolist()) == [2.5e7, 4.0e7, 1.0e8]


def test_each_hs_level_is_its_own_request_and_file(httpserver, waits) -> None:
    httpserver.expect_request(f"{PREVIEW}/C/A/HS").respond_with_data(envelope([record(2021, "X")]))
    result = fetch_comtrade(
        "KAZ", "PAK", period=2021, commodity=["TOTAL", "2701", "30", "3004", "AG2"],
        retry=policy(waits), **urls(httpserver),
    )  # fmt: skip
    sent = [query_of(r)["cmdCode"] for r, _ in httpserver.log]
    assert sent == ["TOTAL", "30", "2701,3004", "AG2"]
    assert [p.name.split("_")[2] for p in result.paths] == ["TOTAL", "HS2", "HS4", "AG2"]
    assert waits == [1.0, 1.0, 1.0]  # rate limit: a pause between consecutive requests


def test_a_chunk_that_fills_max_records_is_asked_again_one_year_at_a_time(httpserver, waits) -> None:
    full = envelope([record(2020, "X"), record(2020, "M"), record(2021, "X")])
    httpserver.expect_request(
        f"{PREVIEW}/C/A/HS", query_string={**_fixed(), "period": "2020,2021"}
    ).respond_with_data(full)
    httpserver.expect_request(
        f"{PREVIEW}/C/A/HS", query_string={**_fixed(), "period": "2020"}
    ).respond_with_data(envelope([record(2020, "X"), record(2020, "M")]))
    httpserver.expect_request(
        f"{PREVIEW}/C/A/HS", query_string={**_fixed(), "period": "2021"}
    ).respond_with_data(envelope([record(2021, "X")]))
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error", DataQualityWarning)  # nothing is truncated in the end
        result = fetch_comtrade(
            "KAZ", "PAK", period=[2020, 2021], max_records=3, retry=policy(waits), **urls(httpserver)
        )
    assert [query_of(r)["period"] for r, _ in httpserver.log] == ["2020,2021", "2020", "2021"]
    assert result.tidy()["records"].tolist() == [2, 1]
    again = fetch_comtrade(
        "KAZ", "PAK", period=[2020, 2021], max_records=3, retry=policy(waits), **urls(httpserver)
    )
    assert len(httpserver.log) == 3 and [f.from_cache for f in again.files] == [True, True]


def _fixed() -> dict[str, str]:
    return {
        "breakdownMode": "classic", "cmdCode": "TOTAL", "customsCode": "C00", "flowCode": "X,M",
        "format": "JSON", "includeDesc": "true", "maxRecords": "3", "motCode": "0", "partner2Code": "0",
        "partnerCode": "586", "reporterCode": "398",
    }  # fmt: skip


def test_mirror_root_from_the_environment(httpserver, waits, monkeypatch) -> None:
    monkeypatch.setenv("FORECASTING_COMTRADE_URL", httpserver.url_for("/"))
    httpserver.expect_request(f"{PREVIEW}/C/A/HS").respond_with_data(envelope([record(2021, "X")]))
    result = fetch_comtrade("KAZ", "PAK", period=2021, retry=policy(waits))
    assert result.files[0].records == 1 and len(httpserver.log) == 1
    monkeypatch.setenv("FORECASTING_COMTRADE_URL", "comtrade.mirror.example.org")
    with pytest.raises(FetchError, match="FORECASTING_COMTRADE_URL is not an http"):
        fetch_comtrade("KAZ", "PAK", period=2022, retry=policy(waits))


def test_offline_names_the_request_to_make_by_hand_and_the_cache_file(monkeypatch, tmp_path) -> None:
    import socket

    with socket.socket() as probe:  # a port nobody listens on: connection refused, as offline
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setenv("COMTRADE_API_KEY", "FAKE-KEY-not-shown-0042")
    with pytest.raises(FetchError, match="seems to be offline") as info:
        fetch_comtrade(
            "KAZ", "PAK", period=2021, data_url=f"http://127.0.0.1:{port}/data/v1/get", retry=policy([])
        )
    message = str(info.value)
    assert (
        f"http://127.0.0.1:{port}/data/v1/get/C/A/HS?" in message and "subscription-key=<your key>" in message
    )
    assert str(tmp_path / "cache" / "comtrade" / "data_CAHS_TOTAL_2021_") in message
    assert "FAKE-KEY" not in message


def test_real_wits_2009_kaz_pak_totals_round_trip(httpserver, waits) -> None:
    # The four KAZ-PAK totals of 2009 (WITS_trade2009.csv, thousand USD) as Comtrade would serve them.
    import pandas as pd

    from forecasting.data.readers import read_comtrade
    from tests.conftest import shared_file

    wits = pd.read_csv(shared_file("wits2009_grasland/WITS_trade2009.csv"), sep=";")
    pair = wits[wits.ReporterISO3.isin(["KAZ", "PAK"]) & wits.PartnerISO3.isin(["KAZ", "PAK"])]
    rows = [
        record(2009, "X" if r.TradeFlowName == "Export" else "M", value=r["TradeValue in 1000 USD"] * 1000,
               reporter=r.ReporterISO3, partner=r.PartnerISO3)
        for _, r in pair.iterrows()
    ]  # fmt: skip
    assert len(rows) == 4
    httpserver.expect_request(f"{PREVIEW}/C/A/HS").respond_with_data(envelope(rows))
    result = fetch_comtrade(
        ["KAZ", "PAK"], ["KAZ", "PAK"], period=2009, retry=policy(waits), **urls(httpserver)
    )
    assert query_of(httpserver.log[0][0])["reporterCode"] == "398,586"
    flows = read_comtrade(result.path).set_index(["reporter", "flow"])["value_usd"]
    # PROVENANCE.md 4a: KAZ->PAK exports 15,634.181; PAK imports from KAZ 2,152.264 (thousand USD)
    assert flows[("KAZ", "export")] == pytest.approx(15_634_181.0)
    assert flows[("PAK", "import")] == pytest.approx(2_152_264.0)
