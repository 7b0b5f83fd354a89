"""Readers on the real sample files in ../shared/data: accounting (rows and value in = out) and
spot values quoted in ../shared/data/PROVENANCE.md.

Every "in" number is computed here from the raw text with the standard library (csv module),
independently of the readers; spot values are those PROVENANCE.md lists (sections 4 and 5).
"""

from __future__ import annotations

import csv
import gzip
import math

import pytest

from forecasting.data.readers import (
    read_flows,
    read_geodist,
    read_kz_stat,
    read_reference_table,
    read_wits,
    scan_baci,
)
from forecasting.schema import FLOWS, validate
from tests.conftest import shared_file

pytestmark = pytest.mark.reference


def raw_rows(path, sep=",", encoding="utf-8"):
    opener = gzip.open if str(path).endswith(".gz") else open
    with opener(path, "rt", encoding=encoding, newline="") as handle:
        rows = [r for r in csv.reader(handle, delimiter=sep) if r]
    return rows[0], rows[1:]


def total(rows, index):
    return math.fsum(float(r[index]) for r in rows if r[index].strip() not in ("", "NA"))


def test_wits_2009_accounting_and_kaz_pak_values():
    path = shared_file("wits2009_grasland/WITS_trade2009.csv")
    header, rows = raw_rows(path, sep=";")
    flows = read_wits(path)
    validate(flows, FLOWS)
    assert len(flows) == len(rows) == 40_618  # PROVENANCE.md 4a: 40,618 rows
    # values in thousand USD in the file; dollars out (relative tolerance: float summation order only)
    assert flows["value_usd"].sum() == pytest.approx(
        total(rows, header.index("TradeValue in 1000 USD")) * 1000, rel=1e-12
    )
    assert flows["reporter"].nunique() == 173  # PROVENANCE.md: 173 reporters
    pair = flows.set_index(["reporter", "partner", "flow"])["value_usd"]
    # PROVENANCE.md 4a: KAZ->PAK exports 15,634.181; KAZ imports from PAK 15,360.446;
    # PAK->KAZ exports 3,712.178; PAK imports from KAZ 2,152.264 (thousand USD)
    assert pair[("KAZ", "PAK", "export")] == pytest.approx(15_634_181.0, abs=0.5)
    assert pair[("KAZ", "PAK", "import")] == pytest.approx(15_360_446.0, abs=0.5)
    assert pair[("PAK", "KAZ", "export")] == pytest.approx(3_712_178.0, abs=0.5)
    assert pair[("PAK", "KAZ", "import")] == pytest.approx(2_152_264.0, abs=0.5)
    assert set(flows["commodity"]) == {"TOTAL"}
    # WITS-specific codes are recoded, aggregates kept and flagged
    assert not {"ROM", "ZAR", "TMP", "SER", "MNT"} & (set(flows["reporter"]) | set(flows["partner"]))
    world = flows["partner"] == "WLD"
    assert world.any() and flows.loc[world, "flags"].str.contains("partner_aggregate").all()


def test_baci_hs92_sample_accounting_and_pair_counts():
    path = shared_file("baci_iops_afg_zaf/ExampleTradeData.csv")
    header, rows = raw_rows(path)
    flows = read_flows(path, source="baci", classification="HS92")
    validate(flows, FLOWS)
    assert len(flows) == len(rows) == 71_192  # PROVENANCE.md 4c
    assert flows["value_usd"].sum() == pytest.approx(total(rows, header.index("v")) * 1000, rel=1e-12)
    assert flows["quantity"].sum() == pytest.approx(total(rows, header.index("q")), rel=1e-12)
    assert int(flows["quantity"].isna().sum()) == sum(r[5].strip() == "NA" for r in rows)
    assert set(flows["reporter"]) == {"AFG", "ZAF"}
    pairs = flows.groupby(["reporter", "partner"]).size()
    # PROVENANCE.md 4c: AFG->PAK 90 HS6 lines, AFG->UZB 51, AFG->TJK 29, AFG->KGZ 12, AFG->CHN 70,
    # AFG->KAZ 0; ZAF->PAK 238, ZAF->KAZ 97, ZAF->KEN 1,304, ZAF->TZA 1,301
    expected = {("AFG", "PAK"): 90, ("AFG", "UZB"): 51, ("AFG", "TJK"): 29, ("AFG", "KGZ"): 12,
                ("AFG", "CHN"): 70, ("ZAF", "PAK"): 238, ("ZAF", "KAZ"): 97, ("ZAF", "KEN"): 1304,
                ("ZAF", "TZA"): 1301}  # fmt: skip
    for pair, count in expected.items():
        assert pairs[pair] == count, pair
    assert ("AFG", "KAZ") not in pairs.index
    assert pairs.loc["AFG"].sum() == 3070 and pairs.loc["ZAF"].sum() == 68_122


def test_baci_scan_with_the_release_country_table():
    path = shared_file("baci_iops_afg_zaf/ExampleTradeData.csv")
    table = shared_file("baci_codes/country_codes_V202301.csv")
    got = scan_baci(
        path, classification="HS92", country_codes=table, exporters=["AFG"], importers=["PAK", "UZB"]
    )
    assert len(got) == 90 + 51
    assert set(got["partner"]) == {"PAK", "UZB"}


def test_baci_hs17_gz_accounting():
    path = shared_file("baci_iops_afg_zaf/ExampleTradeData_HS17_2020.csv.gz")
    header, rows = raw_rows(path)
    flows = read_flows(path, source="baci", classification="HS17")
    assert len(flows) == len(rows) == 72_097  # PROVENANCE.md 4c
    assert flows["value_usd"].sum() == pytest.approx(total(rows, header.index("v")) * 1000, rel=1e-12)
    pairs = flows.groupby(["reporter", "partner"]).size()
    # PROVENANCE.md 4c (HS17 2020): AFG->PAK 92, AFG->KAZ 9, AFG->UZB 30, AFG->CHN 58; ZAF->PAK 216, ZAF->KAZ 233
    for pair, count in {("AFG", "PAK"): 92, ("AFG", "KAZ"): 9, ("AFG", "UZB"): 30, ("AFG", "CHN"): 58,
                        ("ZAF", "PAK"): 216, ("ZAF", "KAZ"): 233}.items():  # fmt: skip
        assert pairs[pair] == count, pair


def test_kz_bns_monthly_accounting_and_2022_exports():
    exports = shared_file("kz_bns_monthly_trade/exports.csv")
    imports = shared_file("kz_bns_monthly_trade/imports.csv")
    flows = read_flows([exports, imports], source="kz_stat")
    validate(flows, FLOWS)
    for path, direction in ((exports, "export"), (imports, "import")):
        header, rows = raw_rows(path)
        part = flows[flows["flow"] == direction]
        assert len(part) == len(rows) == 90  # PROVENANCE.md 4e: 90 months 2019-01 ... 2026-06
        assert part["value_usd"].sum() == pytest.approx(total(rows, header.index("value")) * 1000, rel=1e-12)
    assert flows["period"].min().strftime("%Y-%m") == "2019-01"
    assert flows["period"].max().strftime("%Y-%m") == "2026-06"
    # PROVENANCE.md 4e: 2022 exports sum to about 84.6 bn USD (tolerance: the quoted rounding, 0.05 bn)
    exports_2022 = flows[(flows["flow"] == "export") & (flows["period"].dt.year == 2022)]["value_usd"].sum()
    assert exports_2022 / 1e9 == pytest.approx(84.6, abs=0.05)
    # the files carry no preliminary mark, so none is invented
    assert not flows["flags"].str.contains("preliminary").any()
    assert read_kz_stat(exports)["value_usd"].iloc[-1] == pytest.approx(9_807_366_906.38, rel=1e-12)


def test_geodist_latin1_old_codes_and_kaz_pak_distance():
    geo = read_geodist(shared_file("cepii_geodist/geo_cepii.csv"))
    assert geo.shape[0] == 238  # PROVENANCE.md 5a
    recoded = dict(zip(geo["iso3_cepii"], geo["iso3"], strict=False))
    assert (recoded["ROM"], recoded["ZAR"], recoded["TMP"], recoded["PAL"], recoded["YUG"]) == (
        "ROU", "COD", "TLS", "PSE", "SRB"
    )  # fmt: skip
    assert any("ô" in name for name in geo["country"].dropna())  # Latin-1 accents decoded (Côte d'Ivoire)
    dist = read_geodist(shared_file("cepii_geodist/dist_cepii.csv"))
    assert dist.shape[0] == 50_176  # PROVENANCE.md 5a: 224 x 224
    row = dist[(dist["iso_o"] == "KAZ") & (dist["iso_d"] == "PAK")].iloc[0]
    # PROVENANCE.md 5a: KAZ-PAK contig 0, dist 1,116.9, distcap 1,952.8, distw 2,222.3 km
    assert row["contig"] == 0
    assert row["dist"] == pytest.approx(1116.9, abs=0.05)
    assert row["distcap"] == pytest.approx(1952.8, abs=0.05)
    assert row["distw"] == pytest.approx(2222.3, abs=0.05)


@pytest.mark.parametrize(
    ("relative", "shape"),
    [
        ("yotov2016_agtpa/datasets/Chapter1Application1.dta", (99_981, 9)),  # PROVENANCE.md 1
        ("yotov2016_agtpa/datasets/agtpa_applications.rda", (99_981, 17)),
        ("hmr2010_gravity_2006/gravity_zeros.rdata", (22_588, 10)),  # PROVENANCE.md 4b
        ("fixest_trade/trade.RData", (38_325, 6)),  # PROVENANCE.md 6
        ("herman_usitc_ge/sample_data_set.dlm", (900, 11)),
    ],
)
def test_stata_and_r_files(relative, shape):
    assert read_reference_table(shared_file(relative)).shape == shape


def test_hmr_gravity_kaz_pak_flow_and_codes():
    table = read_reference_table(
        shared_file("hmr2010_gravity_2006/gravity_zeros.rdata"), iso3_columns=["iso_o", "iso_d"]
    )
    flows = table.set_index(["iso_o", "iso_d"])["flow"]
    # PROVENANCE.md 4b: KAZ->PAK flow 0.923, PAK->KAZ 13.528 (million USD)
    assert flows[("KAZ", "PAK")] == pytest.approx(0.923, abs=5e-4)
    assert flows[("PAK", "KAZ")] == pytest.approx(13.528, abs=5e-4)
