"""Real files through the outlook's user-panel checks, and the bundled tables derived from real data.

Sources (../shared/data/PROVENANCE.md): the WITS 2009 cross-section (section 4a: KAZ-PAK in
2009 only), the BACI sample of Afghanistan's and South Africa's exports (4c: no KAZ-PAK row),
CEPII GeoDist (5a: KAZ-PAK dist 1,116.9 km, not contiguous), the Kazakh monthly trade tables
(4e) and TRADHIST (4d). Tolerances are named where they are used.
"""

from __future__ import annotations

import importlib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import forecasting
from forecasting.cli import main
from forecasting.data.readers import read_flows, read_geodist
from forecasting.projection.geography import derive_geography, load_geography, pair_geography
from forecasting.projection.nowcast import derive_seasonal_shares, load_seasonal_shares
from forecasting.projection.thin_data import REFERENCE_LOG_VOLATILITY, PairAbsentError, ThinDataError
from tests.conftest import shared_file

pytestmark = pytest.mark.reference

# The great-circle distance between main cities reproduces GeoDist's ``dist`` to within this
# relative error (the two use slightly different Earth radii, about 0.09 %).
DIST_RTOL = 1.5e-3


def test_the_wits_2009_cross_section_is_refused_with_a_clear_statement(tmp_path, capsys):
    path = shared_file("wits2009_grasland/WITS_trade2009.csv")
    flows = read_flows(path, source="wits")
    with pytest.raises(ThinDataError) as caught:
        forecasting.outlook(flows, draws=50, horizon=2015)
    message = str(caught.value)
    assert message.startswith("KAZ-PAK trade is in the data for 1 year only (2009)")
    assert "one cross-section" in message and "Give a panel of years" in message
    out = tmp_path / "report"
    code = main(["outlook", "--data", str(path), "--source", "wits", "--horizon", "2015", "--draws", "50",
                 "--out", str(out), "--no-report"])  # fmt: skip
    assert (
        code == 2 and "1 year only (2009)" in capsys.readouterr().err and not (out / "manifest.json").exists()
    )


def test_a_real_baci_file_without_the_pair_names_the_pair_as_absent(tmp_path, capsys):
    folder = "baci_iops_afg_zaf/"
    path = tmp_path / "BACI_HS92_Y2021_V202301.csv"  # the sample under a release name, beside its codes
    path.write_bytes(shared_file(folder + "ExampleTradeData.csv").read_bytes())
    (tmp_path / "country_codes_V202301.csv").write_bytes(
        shared_file(folder + "country_codes_V202201.csv").read_bytes()
    )
    flows = read_flows(path, source="baci", cache=False)
    with pytest.raises(PairAbsentError) as caught:
        forecasting.outlook(flows, draws=50, horizon=2030)
    message = str(caught.value)
    assert message.startswith("the pair KAZ-PAK is absent from the data") and "in 2021" in message
    # PROVENANCE 4c: ZAF exports to both (97 and 238 lines), AFG to PAK; KAZ exports nothing here.
    assert "KAZ trades with 1 partner there (largest: 'ZAF')" in message
    assert "PAK trades with 2 partners there" in message and "cannot convert" not in message
    out = tmp_path / "report"
    code = main(["outlook", "--data", str(path), "--source", "baci", "--out", str(out), "--no-report"])
    assert code == 2 and "the data hold no trade between KAZ and PAK" in capsys.readouterr().err


def test_the_bundled_geography_is_what_geodist_gives():
    geo, dist = shared_file("cepii_geodist/geo_cepii.csv"), shared_file("cepii_geodist/dist_cepii.csv")
    countries, pairs = derive_geography(geo, dist)
    bundled_countries, bundled_pairs = load_geography()
    pd.testing.assert_frame_equal(bundled_countries, countries, check_dtype=False)
    pd.testing.assert_frame_equal(bundled_pairs, pairs, check_dtype=False)
    table = read_geodist(dist)
    table = table[table.iso_o != table.iso_d].rename(columns={"iso_o": "exporter", "iso_d": "importer"})
    located, unknown = pair_geography(table[["exporter", "importer"]])
    assert unknown == []
    merged = located.merge(table, on=["exporter", "importer"], suffixes=("", "_geodist"))
    assert len(merged) == len(table)
    np.testing.assert_allclose(merged.dist_km, merged.dist, rtol=DIST_RTOL)
    assert (merged.contig == merged.contig_geodist).all() and (merged.comlang == merged.comlang_off).all()
    kz_pk = merged[(merged.exporter == "KAZ") & (merged.importer == "PAK")].iloc[0]
    assert kz_pk.dist_km == pytest.approx(1116.941, rel=DIST_RTOL) and kz_pk.contig == 0
    assert (kz_pk.landlocked_exp, kz_pk.landlocked_imp) == (1, 0)


def test_the_bundled_seasonal_shares_are_what_the_monthly_tables_give():
    exports = shared_file("kz_bns_monthly_trade/exports.csv")
    imports = shared_file("kz_bns_monthly_trade/imports.csv")
    pd.testing.assert_frame_equal(
        load_seasonal_shares(), derive_seasonal_shares(exports, imports), check_dtype=False
    )


def test_the_reference_volatility_is_the_development_median_of_real_bilateral_series(monkeypatch):
    shared_file("tradhist_patentcity/tradeflow_xx.csv")  # a missing data set fails in CI
    monkeypatch.syspath_prepend(str(Path(__file__).resolve().parents[2] / "benchmarks"))
    bench = importlib.import_module("bench_thin_data")  # the benchmark's own measurement and split
    sds = bench.series_volatility()
    development = sds[sds.development]
    assert (len(sds), len(development)) == (1471, 757)
    assert float(development.sd.median()) == pytest.approx(REFERENCE_LOG_VOLATILITY, abs=0.005)
