"""CEPII Gravity fetcher against a local server serving a zip in the V202211 layout.

The served CSV has the release's full header (Conte, Cotterlaz & Mayer 2022; column list as
published with ``Gravity_csv_V202211.zip``) and real values: the 2006 pairs of Head, Mayer &
Ries (2010) in ../shared/data/hmr2010_gravity_2006 (CEPII data: distw, contig, comlang_off,
rta, GDP), placed in the columns CEPII uses for them.
"""

from __future__ import annotations

import io
import warnings
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from forecasting.data.fetch import COVARIATE_COLUMNS, RetryPolicy, fetch_gravity
from forecasting.errors import DataQualityWarning, FetchError, SchemaError
from tests.conftest import shared_file

HEADER = (
    "year,country_id_o,country_id_d,iso3_o,iso3_d,iso3num_o,iso3num_d,country_exists_o,country_exists_d,"
    "gmt_offset_2020_o,gmt_offset_2020_d,distw_harmonic,distw_arithmetic,distw_harmonic_jh,"
    "distw_arithmetic_jh,dist,main_city_source_o,main_city_source_d,distcap,contig,diplo_disagreement,"
    "scaled_sci_2021,comlang_off,comlang_ethno,comcol,col45,legal_old_o,legal_old_d,legal_new_o,"
    "legal_new_d,comleg_pretrans,comleg_posttrans,transition_legalchange,comrelig,heg_o,heg_d,"
    "col_dep_ever,col_dep,col_dep_end_year,col_dep_end_conflict,empire,sibling_ever,sibling,sever_year,"
    "sib_conflict,pop_o,pop_d,gdp_o,gdp_d,gdpcap_o,gdpcap_d,pop_source_o,pop_source_d,gdp_source_o,"
    "gdp_source_d,gdp_ppp_o,gdp_ppp_d,gdpcap_ppp_o,gdpcap_ppp_d,pop_pwt_o,pop_pwt_d,gdp_ppp_pwt_o,"
    "gdp_ppp_pwt_d,gatt_o,gatt_d,wto_o,wto_d,eu_o,eu_d,fta_wto,fta_wto_raw,rta_coverage,rta_type,"
    "entry_cost_o,entry_cost_d,entry_proc_o,entry_proc_d,entry_time_o,entry_time_d,entry_tp_o,"
    "entry_tp_d,tradeflow_comtrade_o,tradeflow_comtrade_d,tradeflow_baci,manuf_tradeflow_baci,"
    "tradeflow_imf_o,tradeflow_imf_d"
).split(",")
COUNTRIES = ["AFG", "CHN", "KAZ", "PAK", "UZB"]


def hmr_pairs() -> pd.DataFrame:
    data = pd.read_csv(shared_file("hmr2010_gravity_2006/gravity_zeros.csv.gz"))
    return data[data.iso_o.isin(COUNTRIES) & data.iso_d.isin(COUNTRIES)].reset_index(drop=True)


def gravity_csv(pairs: pd.DataFrame, *, drop: str | None = None) -> bytes:
    table = pd.DataFrame(index=range(len(pairs)), columns=HEADER)
    table["year"] = 2006
    table["iso3_o"], table["iso3_d"] = pairs.iso_o, pairs.iso_d
    table["country_id_o"], table["country_id_d"] = pairs.iso_o, pairs.iso_d
    table["country_exists_o"] = table["country_exists_d"] = 1
    table["distw_harmonic"], table["dist"] = pairs.distw, pairs.distw
    table["contig"], table["comlang_off"], table["fta_wto"] = pairs.contig, pairs.comlang_off, pairs.rta
    table["gdp_o"], table["gdp_d"] = pairs.gdp_o * 1000, pairs.gdp_d * 1000  # million -> thousand USD
    table["wto_o"], table["wto_d"] = pairs.iso_o.eq("CHN").astype(int), pairs.iso_d.eq("CHN").astype(int)
    # A historic entity sharing an ISO3 code (as CEPII's "Pakistan + Bangladesh" before 1971): not current.
    ghost = table.iloc[[0]].assign(country_id_o="AFG.1", country_exists_o=0, fta_wto=1)
    table = pd.concat([table, ghost], ignore_index=True)
    if drop:
        table = table.drop(columns=drop)
    return table.to_csv(index=False).encode()


def gravity_zip(csv: bytes, name: str = "Gravity_V202211.csv") -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as bundle:
        bundle.writestr(name, csv)
        bundle.writestr("Countries_V202211.csv", b"iso3,country\nKAZ,Kazakhstan\n")
    return buffer.getvalue()


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("FORECASTING_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv("FORECASTING_GRAVITY_URL", raising=False)
    for name in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)


def quick() -> RetryPolicy:
    return RetryPolicy(max_attempts=2, jitter=False, sleep=lambda _s: None, timeout_s=5)


def serve(httpserver, payload: bytes) -> str:
    httpserver.expect_request("/gravity/Gravity_csv_V202211.zip").respond_with_data(payload)
    return httpserver.url_for("/gravity")


def test_covariates_table_holds_the_pairs_asked_with_cepii_values(httpserver) -> None:
    pairs = hmr_pairs()
    base = serve(httpserver, gravity_zip(gravity_csv(pairs)))
    result = fetch_gravity(countries=["kaz", "PAK", "AFG", "UZB"], years=[2006], base_url=base, retry=quick())
    table = pd.read_csv(result.path)
    assert result.path == result.table and result.table.name.startswith("Gravity_V202211_covariates_")
    assert tuple(table.columns) == COVARIATE_COLUMNS
    four = ["KAZ", "PAK", "AFG", "UZB"]
    expected = pairs[pairs.iso_o.isin(four) & pairs.iso_d.isin(four)]
    assert len(table) == len(expected) > 0  # the historic AFG row is left out
    kaz_pak = table[(table.exporter == "KAZ") & (table.importer == "PAK")].iloc[0]
    # PROVENANCE.md 4b: KAZ-PAK distw 2,222.3 km (HMR 2010 / CEPII)
    assert kaz_pak.distw_km == pytest.approx(2222.3, abs=0.05)
    source = pairs[(pairs.iso_o == "KAZ") & (pairs.iso_d == "PAK")].iloc[0]
    assert kaz_pak.gdp_exporter_usd == pytest.approx(source.gdp_o * 1e6)  # million USD in HMR
    assert (kaz_pak.rta, kaz_pak.contig) == (int(source.rta), int(source.contig))
    assert table["rta"].isin([0, 1]).all() and table.wto_exporter.eq(0).all()


def test_second_fetch_reuses_zip_and_table_without_a_request(httpserver) -> None:
    base = serve(httpserver, gravity_zip(gravity_csv(hmr_pairs())))
    first = fetch_gravity(countries=COUNTRIES, base_url=base, retry=quick())
    stamp = first.table.stat().st_mtime_ns
    second = fetch_gravity(countries=COUNTRIES, base_url=base, retry=quick())
    assert len(httpserver.log) == 1 and second.files[0].from_cache
    assert second.table == first.table and second.table.stat().st_mtime_ns == stamp
    other = fetch_gravity(countries=["KAZ", "PAK"], base_url=base, retry=quick())
    assert other.table != first.table and len(pd.read_csv(other.table)) == 2


def test_countries_without_rows_are_named(httpserver) -> None:
    base = serve(httpserver, gravity_zip(gravity_csv(hmr_pairs())))
    with pytest.warns(DataQualityWarning, match=r"no row for countries 'XKX' and years 2021"):
        fetch_gravity(countries=["KAZ", "PAK", "XKX"], years=[2006, 2021], base_url=base, retry=quick())
    with pytest.raises(FetchError, match="no pair among countries KAZ, XKX"):
        fetch_gravity(countries=["KAZ", "XKX"], base_url=base, retry=quick())


def test_release_with_another_layout_is_refused_naming_the_column(httpserver, tmp_path: Path) -> None:
    base = serve(httpserver, gravity_zip(gravity_csv(hmr_pairs(), drop="fta_wto")))
    with pytest.raises(SchemaError, match="lacks column.*'fta_wto'"):
        fetch_gravity(countries=COUNTRIES, base_url=base, retry=quick())
    assert not list((tmp_path / "cache" / "gravity").glob("*covariates*"))


def test_zip_without_the_gravity_csv_is_refused(httpserver) -> None:
    base = serve(httpserver, gravity_zip(b"a,b\n1,2\n", name="readme.csv"))
    with pytest.raises(FetchError, match="should hold one Gravity_V<release>.csv, found none"):
        fetch_gravity(base_url=base, retry=quick())


def test_bad_arguments_fail_before_any_request(httpserver) -> None:
    with pytest.raises(FetchError, match="countries must be ISO3 codes.*'KAZAKHSTAN'"):
        fetch_gravity(countries=["KAZAKHSTAN"], base_url=httpserver.url_for("/"))
    with pytest.raises(FetchError, match="not a CEPII Gravity release name"):
        fetch_gravity("latest", base_url=httpserver.url_for("/"))
    assert httpserver.log == []


def test_every_country_is_kept_when_none_is_named(httpserver) -> None:
    pairs = hmr_pairs()
    base = serve(httpserver, gravity_zip(gravity_csv(pairs)))
    with warnings.catch_warnings():
        warnings.simplefilter("error", DataQualityWarning)
        result = fetch_gravity(base_url=base, retry=quick())
    assert len(pd.read_csv(result.table)) == len(pairs)
