"""BACI and GeoDist fetchers against a local server serving files in CEPII's layout.

Where the content matters, the served files are built from the real CEPII extracts in
../shared/data (BACI rows of AFG and ZAF, V202201 country codes; GeoDist dist_cepii).
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from pathlib import Path

import pytest

from forecasting.data.fetch import RetryPolicy, fetch_baci, fetch_geodist, known_files
from forecasting.errors import FetchError

RELEASE = "V202401b"


def baci_zip(members: dict[str, bytes] | None = None) -> bytes:
    """A small zip laid out like BACI_HS17_V202401b.zip (yearly CSVs plus code tables)."""
    members = members or {
        f"BACI_HS17_Y2021_{RELEASE}.csv": b"t,i,j,k,v,q\n2021,398,586,270112,1523.456,   9000.000\n",
        f"BACI_HS17_Y2022_{RELEASE}.csv": b"t,i,j,k,v,q\n2022,398,586,270112,1711.000,         NA\n",
        f"country_codes_{RELEASE}.csv": b"country_code,country_name,country_iso2,country_iso3\n398,Kazakhstan,KZ,KAZ\n",
        f"product_codes_HS17_{RELEASE}.csv": b'code,description\n270112,"Coal; bituminous"\n',
        "Readme.txt": b"BACI HS17 release V202401b\n",
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as bundle:
        for name, data in members.items():
            bundle.writestr(name, data)
    return buffer.getvalue()


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("FORECASTING_CACHE", str(tmp_path / "cache"))
    for name in ("FORECASTING_BACI_URL", "FORECASTING_GEODIST_URL"):
        monkeypatch.delenv(name, raising=False)
    for name in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)


def quick() -> RetryPolicy:
    return RetryPolicy(max_attempts=2, jitter=False, sleep=lambda _s: None, timeout_s=5)


def test_baci_zip_is_fetched_extracted_and_reused(httpserver, tmp_path: Path) -> None:
    payload = baci_zip()
    httpserver.expect_request(f"/baci/BACI_HS17_{RELEASE}.zip").respond_with_data(
        payload, content_type="application/zip"
    )
    base = httpserver.url_for("/baci")
    result = fetch_baci("HS17", release=RELEASE, extract=True, base_url=base, retry=quick())
    folder = tmp_path / "cache" / "baci" / f"BACI_HS17_{RELEASE}"
    assert result.path == folder
    assert result.paths == [tmp_path / "cache" / "baci" / f"BACI_HS17_{RELEASE}.zip"]
    assert result.files[0].sha256 == hashlib.sha256(payload).hexdigest()
    assert (folder / f"BACI_HS17_Y2022_{RELEASE}.csv").read_bytes().endswith(b"NA\n")
    assert sorted(p.name for p in folder.iterdir() if not p.name.startswith(".")) == sorted(
        zipfile.ZipFile(io.BytesIO(payload)).namelist()
    )
    sidecar = (tmp_path / "cache" / "baci" / f"BACI_HS17_{RELEASE}.zip.sha256").read_text()
    assert sidecar == f"{hashlib.sha256(payload).hexdigest()}  BACI_HS17_{RELEASE}.zip\n"

    again = fetch_baci("hs17", release=RELEASE, extract=True, base_url=base, retry=quick())
    assert len(httpserver.log) == 1 and again.files[0].from_cache and again.path == folder
    assert [p.name for p in (tmp_path / "cache" / "baci").iterdir() if p.name.endswith(".part")] == []


def test_corrupted_cached_zip_is_downloaded_again(httpserver, tmp_path: Path) -> None:
    payload = baci_zip()
    httpserver.expect_request(f"/BACI_HS92_{RELEASE}.zip").respond_with_data(payload)
    base = httpserver.url_for("/")
    first = fetch_baci("HS92", release=RELEASE, base_url=base, retry=quick())
    with open(first.path, "r+b") as handle:  # flip bytes, as a failing disk or a stray edit would
        handle.seek(40)
        handle.write(b"\x00\x00\x00\x00")
    second = fetch_baci("HS92", release=RELEASE, base_url=base, retry=quick())
    assert len(httpserver.log) == 2 and not second.files[0].from_cache
    assert second.path.read_bytes() == payload


def test_baci_html_instead_of_zip_is_refused(httpserver, tmp_path: Path) -> None:
    httpserver.expect_request(f"/BACI_HS22_{RELEASE}.zip").respond_with_data(
        "<!DOCTYPE html><html><body>Page moved</body></html>", content_type="text/html"
    )
    with pytest.raises(FetchError, match="HTML page instead of the data file"):
        fetch_baci("HS22", release=RELEASE, base_url=httpserver.url_for("/"), retry=quick())
    assert list((tmp_path / "cache" / "baci").iterdir()) == []


def test_baci_zip_with_escaping_member_names_is_not_extracted(httpserver, tmp_path: Path) -> None:
    payload = baci_zip({"../../evil.csv": b"x", "ok.csv": b"y"})
    httpserver.expect_request(f"/BACI_HS12_{RELEASE}.zip").respond_with_data(payload)
    with pytest.raises(FetchError, match=r"escape the extraction folder: '\.\./\.\./evil\.csv'"):
        fetch_baci("HS12", release=RELEASE, extract=True, base_url=httpserver.url_for("/"), retry=quick())
    baci = tmp_path / "cache" / "baci"
    assert sorted(p.name for p in baci.iterdir()) == [
        f"BACI_HS12_{RELEASE}.zip",
        f"BACI_HS12_{RELEASE}.zip.sha256",
    ]
    assert not (tmp_path / "evil.csv").exists()


def test_baci_pinned_checksum_mismatch_keeps_nothing(httpserver, tmp_path: Path) -> None:
    httpserver.expect_request(f"/BACI_HS17_{RELEASE}.zip").respond_with_data(baci_zip())
    with pytest.raises(FetchError, match="Checksum mismatch"):
        fetch_baci("HS17", release=RELEASE, sha256="0" * 64, base_url=httpserver.url_for("/"), retry=quick())
    assert list((tmp_path / "cache" / "baci").iterdir()) == []


def test_baci_unknown_release_reports_404_advice(httpserver) -> None:
    httpserver.expect_request("/BACI_HS17_V209901.zip").respond_with_data("no such file", status=404)
    with pytest.raises(FetchError, match="HTTP 404.*release/version name"):
        fetch_baci("HS17", release="V209901", base_url=httpserver.url_for("/"), retry=quick())


def test_baci_rejects_unknown_revision() -> None:
    with pytest.raises(
        FetchError, match=r"hs='HS2017' is not valid \(did you mean 'HS17'.*use one of 'HS92'"
    ):
        fetch_baci("HS2017", release=RELEASE)


def test_geodist_fetches_both_tables_in_order(httpserver, tmp_path: Path) -> None:
    dist = b"\x72\x02\x01\x00" + b"stata-like bytes" * 20
    geo = b"\x73\x02\x01\x00" + b"other bytes" * 20
    httpserver.expect_request("/distance/dist_cepii.dta").respond_with_data(dist)
    httpserver.expect_request("/distance/geo_cepii.dta").respond_with_data(geo)
    result = fetch_geodist(base_url=httpserver.url_for("/distance"), retry=quick())
    assert [p.name for p in result.paths] == ["dist_cepii.dta", "geo_cepii.dta"]
    assert [p.read_bytes() for p in result.paths] == [dist, geo]
    table = result.tidy()
    assert table["source"].eq("geodist").all() and table["size_bytes"].tolist() == [len(dist), len(geo)]
    with pytest.raises(FetchError, match="produced 2 files; use .paths"):
        _ = result.path
    pinned = {"dist_cepii.dta": hashlib.sha256(dist).hexdigest()}
    only_dist = fetch_geodist(
        ["dist"], checksums=pinned, base_url=httpserver.url_for("/distance"), retry=quick()
    )
    assert only_dist.files[0].from_cache and len(httpserver.log) == 2


def test_geodist_checksum_keys_must_match_requested_files() -> None:
    with pytest.raises(FetchError, match="checksums name files that are not requested: 'geo_cepii.xls'"):
        fetch_geodist(["dist"], format="xls", checksums={"geo_cepii.xls": "0" * 64})


def test_known_files_lists_cepii_urls() -> None:
    table = known_files()
    assert "https://www.cepii.fr/distance/geo_cepii.xls" in table["url"].tolist()
    assert table["name"].str.startswith("BACI_").sum() == 1


@pytest.mark.slow
def test_geodist_stata_file_round_trips_to_a_reader(httpserver, tmp_path: Path) -> None:
    # Serve the real GeoDist pairs table (../shared/data, CEPII via chrisssch/world-trade) in the
    # Stata form CEPII publishes, fetch it, and read it back with the project's reader.
    import pandas as pd

    from forecasting.data.readers import read_reference_table
    from tests.conftest import shared_file

    source = pd.read_csv(shared_file("cepii_geodist/dist_cepii.csv"), sep=";")
    stata = tmp_path / "served.dta"
    source.to_stata(stata, write_index=False)
    httpserver.expect_request("/distance/dist_cepii.dta").respond_with_data(stata.read_bytes())
    result = fetch_geodist(["dist"], base_url=httpserver.url_for("/distance"), retry=quick())
    table = read_reference_table(result.path, iso3_columns=["iso_o", "iso_d"])
    assert len(table) == len(source) == 50_176
    kaz_pak = table[(table["iso_o"] == "KAZ") & (table["iso_d"] == "PAK")]
    # PROVENANCE.md 5a: KAZ-PAK distw 2,222.3 km, dist 1,116.9 km, contig 0.
    assert float(kaz_pak["distw"].item()) == pytest.approx(2222.3, abs=0.05)
    assert float(kaz_pak["dist"].item()) == pytest.approx(1116.9, abs=0.05)


def real_baci_release() -> tuple[bytes, str]:
    """A BACI-layout zip whose year file holds the real AFG rows of BACI HS92 V202301 (2021)."""
    from tests.conftest import shared_file

    folder = shared_file("baci_iops_afg_zaf")
    rows = (folder / "ExampleTradeData.csv").read_text().splitlines()
    afghan = [rows[0], *(r for r in rows[1:] if r.startswith("2021,4,"))]
    members = {
        "BACI_HS92_Y2021_V202301.csv": ("\n".join(afghan) + "\n").encode(),
        "country_codes_V202301.csv": (folder / "country_codes_V202201.csv").read_bytes(),
    }
    return baci_zip(members), afghan[1]


def test_real_baci_rows_fetch_extract_and_read_back(httpserver, tmp_path: Path) -> None:
    from forecasting.data.readers import read_baci

    payload, first_row = real_baci_release()
    httpserver.expect_request("/baci/BACI_HS92_V202301.zip").respond_with_data(payload)
    result = fetch_baci(
        "HS92", release="V202301", extract=True, base_url=httpserver.url_for("/baci"), retry=quick()
    )
    year_file = result.path / "BACI_HS92_Y2021_V202301.csv"
    flows = read_baci(year_file, classification="HS92")
    assert flows["reporter"].eq("AFG").all() and len(flows) == 3_070  # PROVENANCE.md 4c: AFG rows 3,070
    t, i, j, k, v, _q = first_row.split(",")
    first = flows[(flows.commodity == k.zfill(6)) & (flows.partner == "AGO")]
    assert j == "24" and float(first["value_usd"].iloc[0]) == pytest.approx(float(v) * 1000)


def test_baci_mirror_from_the_environment(httpserver, monkeypatch) -> None:
    monkeypatch.setenv("FORECASTING_BACI_URL", httpserver.url_for("/mirror/baci/"))
    httpserver.expect_request(f"/mirror/baci/BACI_HS17_{RELEASE}.zip").respond_with_data(baci_zip())
    result = fetch_baci("HS17", release=RELEASE, retry=quick())
    assert result.files[0].url == httpserver.url_for(f"/mirror/baci/BACI_HS17_{RELEASE}.zip")


def test_baci_zip_cut_short_is_retried_then_refused_leaving_nothing(httpserver, tmp_path: Path) -> None:
    payload, _ = real_baci_release()

    def cut(_request):
        from werkzeug import Response

        response = Response(payload[: len(payload) // 2], status=200)
        response.headers["Content-Length"] = str(len(payload))  # the server promised the whole zip
        return response

    httpserver.expect_request("/BACI_HS92_V202301.zip").respond_with_handler(cut)
    with pytest.raises(
        FetchError, match=rf"2 attempt\(s\).*cut short: received {len(payload) // 2} of {len(payload)}"
    ):
        fetch_baci("HS92", release="V202301", base_url=httpserver.url_for("/"), retry=quick())
    assert list((tmp_path / "cache" / "baci").iterdir()) == [] and len(httpserver.log) == 2


def test_baci_zip_cut_without_content_length_is_refused_as_not_a_zip(httpserver, tmp_path: Path) -> None:
    payload, _ = real_baci_release()

    def streamed(_request):
        from werkzeug import Response

        return Response(iter([payload[:1000]]), status=200)  # chunked, no length: the cut is invisible

    httpserver.expect_request("/BACI_HS92_V202301.zip").respond_with_handler(streamed)
    with pytest.raises(FetchError, match="not a zip archive"):
        fetch_baci("HS92", release="V202301", base_url=httpserver.url_for("/"), retry=quick())
    assert list((tmp_path / "cache" / "baci").iterdir()) == []


def test_geodist_5xx_then_success(httpserver, tmp_path: Path) -> None:
    waits: list[float] = []
    httpserver.expect_oneshot_request("/distance/dist_cepii.xls").respond_with_data("overloaded", status=503)
    httpserver.expect_request("/distance/dist_cepii.xls").respond_with_data(b"\xd0\xcf\x11\xe0 xls bytes")
    policy = RetryPolicy(max_attempts=3, jitter=False, backoff_s=2, sleep=waits.append, timeout_s=5)
    result = fetch_geodist(["dist"], format="xls", base_url=httpserver.url_for("/distance"), retry=policy)
    assert waits == [2.0] and result.path.name == "dist_cepii.xls"
