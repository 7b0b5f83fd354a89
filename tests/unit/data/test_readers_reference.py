"""GeoDist and Stata/R reference tables."""

from __future__ import annotations

import pandas as pd
import pytest

from forecasting.data.readers import read_geodist, read_reference_table
from forecasting.errors import ReaderError

DIST = "iso_o;iso_d;contig;comlang_off;dist;distw\n"


def test_latin1_geo_table_with_old_codes(tmp_path):
    path = tmp_path / "geo_cepii.csv"
    path.write_bytes(
        "iso2;iso3;cnum;country;lat;lon\nRO;ROM;642;Roumanie;44.4;26.1\nCI;CIV;384;Côte d'Ivoire;5.3;-4.0\nYU;YUG;891;Yougoslavie;.;20.5\n".encode(
            "latin-1"
        )
    )
    geo = read_geodist(path)
    assert geo["iso3"].tolist() == ["ROU", "CIV", "SRB"]
    assert geo["iso3_cepii"].tolist() == ["ROM", "CIV", "YUG"]
    assert geo["country"].tolist()[1] == "Côte d'Ivoire"  # Latin-1 decoded, not mangled
    assert geo["flags"].tolist() == ["", "", "historic_successor"]
    assert pd.isna(geo.loc[2, "lat"])  # "." is CEPII's missing value


def test_dist_table_and_recode_off(tmp_path):
    path = tmp_path / "dist_cepii.csv"
    path.write_text(DIST + "KAZ;PAK;0;0;1116.941;2222.343\nZAR;KAZ;0;0;7000;7100\n")
    dist = read_geodist(path)
    assert dist[["iso_o", "iso_d"]].values.tolist() == [["KAZ", "PAK"], ["COD", "KAZ"]]
    assert dist["dist"].tolist() == [1116.941, 7000.0]
    assert read_geodist(path, recode=False)["iso_o"].tolist() == ["KAZ", "ZAR"]


def test_two_old_codes_on_one_country_raise(tmp_path):
    path = tmp_path / "dist_cepii.csv"
    path.write_text(DIST + "YUG;KAZ;0;0;1;1\nSRB;KAZ;0;0;1;1\n")
    with pytest.raises(ReaderError, match="'SRB', 'YUG' in iso_o all map to 'SRB'"):
        read_geodist(path)


@pytest.mark.parametrize(
    ("row", "message"),
    [("KAZ;PAK;0;0;-5;1", "negative"), ("KAZ;PAK;0;0;far;1", "non-numbers")],
)
def test_bad_numbers(tmp_path, row, message):
    path = tmp_path / "dist_cepii.csv"
    path.write_text(DIST + row + "\n")
    with pytest.raises(ReaderError, match=message):
        read_geodist(path)


def test_missing_code_column(tmp_path):
    path = tmp_path / "geo.csv"
    path.write_text("iso2;country\nKZ;Kazakhstan\n")
    with pytest.raises(ReaderError, match="a GeoDist geo table lacks column.*'iso3'"):
        read_geodist(path)


def test_stata_and_r_tables(tmp_path):
    pyreadr = pytest.importorskip("pyreadr")
    data = pd.DataFrame({"exporter": ["KAZ", "ROM"], "importer": ["PAK", "KAZ"], "trade": [1.5, 2.0]})
    dta = tmp_path / "t.dta"
    data.to_stata(dta, write_index=False)
    assert read_reference_table(dta, iso3_columns=["exporter"])["exporter"].tolist() == ["KAZ", "ROU"]
    rds = tmp_path / "t.rds"
    pyreadr.write_rds(str(rds), data)
    pd.testing.assert_frame_equal(read_reference_table(rds).reset_index(drop=True), data)
    rda = tmp_path / "t.rda"
    pyreadr.write_rdata(str(rda), data, df_name="gravity")
    assert read_reference_table(rda, table="gravity").shape == (2, 3)
    with pytest.raises(ReaderError, match="no object 'other'"):
        read_reference_table(rda, table="other")


def test_unreadable_files(tmp_path):
    broken = tmp_path / "broken.dta"
    broken.write_bytes(b"not stata at all")
    with pytest.raises(ReaderError, match="cannot be read as .dta"):
        read_reference_table(broken)
    with pytest.raises(ReaderError, match="no such file"):
        read_reference_table(tmp_path / "absent.rda")
    with pytest.raises(ReaderError, match=r"lacks column\(s\) 'iso'.*iso3_columns="):
        read_reference_table(_csv(tmp_path), iso3_columns=["iso"])


def _csv(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("a,b\n1,2\n")
    return path
