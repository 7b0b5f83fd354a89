"""BACI reader and the filtered scan: units, codes, tables beside the file, errors, Dask."""

from __future__ import annotations

import gzip

import numpy as np
import pandas as pd
import pytest

from forecasting.data.readers import read_baci, read_flows, scan_baci
from forecasting.errors import DataQualityWarning, ReaderError, UnknownCodeError
from forecasting.schema import FLOWS, validate

HEADER = '"t","i","j","k","v","q"\n'


def baci_rows(rng: np.random.Generator, n: int, year: int) -> pd.DataFrame:
    exporters = np.array([4, 398, 586, 860, 156, 643, 842, 251, 699, 710])
    importers = np.array([4, 398, 586, 860, 156, 643, 842, 251, 699, 710, 490, 0])
    products = np.array(["10121", "270900", "271111", "300490", "520100", "870210", "610910", "80620"])
    grid = pd.MultiIndex.from_product([exporters, importers, products], names=["i", "j", "k"]).to_frame(
        index=False
    )
    grid = (
        grid[grid["i"] != grid["j"]].sample(n=n, random_state=int(rng.integers(1e6))).reset_index(drop=True)
    )
    grid.insert(0, "t", year)
    grid["v"] = np.round(rng.gamma(0.5, 200.0, n), 3)
    q = np.round(rng.gamma(0.5, 50.0, n), 3)
    grid["q"] = [f"{x:>13.3f}" if i % 7 else "           NA" for i, x in enumerate(q)]
    return grid


def write_baci(path, frame: pd.DataFrame) -> None:
    body = "".join(f'{r.t},{r.i},{r.j},{r.k},{r.v},"{r.q}"\n' for r in frame.itertuples())
    text = HEADER + body
    if path.suffix == ".gz":
        with gzip.open(path, "wt") as handle:
            handle.write(text)
    else:
        path.write_text(text)


@pytest.fixture
def baci_file(tmp_path):
    frame = baci_rows(np.random.default_rng(7), 400, 2021)
    path = tmp_path / "BACI_HS92_Y2021_V202301.csv"
    write_baci(path, frame)
    return path, frame


def test_read_baci_units_codes_and_flags(baci_file):
    path, frame = baci_file
    flows = read_baci(path)
    validate(flows, FLOWS)
    assert len(flows) == len(frame)
    assert flows["value_usd"].sum() == pytest.approx(frame["v"].sum() * 1000, rel=1e-12)  # thousands -> USD
    assert set(flows["flow"]) == {"export"} and set(flows["classification"]) == {"HS1992"}
    assert flows["commodity"].str.len().eq(6).all()
    assert "010121" in set(flows["commodity"]) and "080620" in set(flows["commodity"])
    assert flows["flags"].str.startswith("baci_reconciled").all()
    assert set(flows.loc[flows["partner"].isin(["WLD", "OAS"]), "flags"]) == {
        "baci_reconciled;partner_aggregate"
    }
    assert set(flows["reporter"]) == {"AFG", "KAZ", "PAK", "UZB", "CHN", "RUS", "USA", "FRA", "IND", "ZAF"}


def test_padded_and_missing_quantities(baci_file):
    path, frame = baci_file
    flows = read_baci(path)
    # rows come in BACI's order (year, exporter, importer, product), whatever the file's order
    frame = frame.assign(_k=frame["k"].astype(int)).sort_values(["t", "i", "j", "_k"], ignore_index=True)
    missing = frame["q"].str.strip() == "NA"
    assert flows["quantity"].isna().to_numpy().tolist() == missing.tolist()
    expected = pd.to_numeric(frame.loc[~missing, "q"].str.strip()).sum()
    assert flows["quantity"].sum() == pytest.approx(expected, rel=1e-12)
    assert set(flows.loc[~missing.to_numpy(), "quantity_unit"]) == {"t"}


def test_filters_match_a_pandas_filter(baci_file):
    path, frame = baci_file
    got = scan_baci(path, exporters=["KAZ", "AFG"], importers=["PAK", "UZB"], products=["27", "0101"])
    keep = frame["i"].isin([398, 4]) & frame["j"].isin([586, 860])
    keep &= frame["k"].str.zfill(6).str.startswith(("27", "0101"))
    assert len(got) == int(keep.sum()) > 0
    assert got["value_usd"].sum() == pytest.approx(frame.loc[keep, "v"].sum() * 1000, rel=1e-12)


def test_old_and_variant_codes_in_filters(baci_file):
    path, frame = baci_file
    got = scan_baci(path, exporters=["FRA"])  # BACI writes France as 251
    assert len(got) == int((frame["i"] == 251).sum()) > 0


def test_years_filter_and_many_files_keep_every_row(tmp_path):
    rng = np.random.default_rng(3)
    paths, frames = [], []
    for year in (2019, 2020, 2021):
        frame = baci_rows(rng, 120, year)
        path = tmp_path / f"BACI_HS17_Y{year}_V202401.csv.gz"
        write_baci(path, frame)
        paths.append(path)
        frames.append(frame)
    both = read_flows(paths, source="baci")
    assert len(both) == 360 and set(both["classification"]) == {"HS2017"}
    assert both["value_usd"].sum() == pytest.approx(sum(f["v"].sum() for f in frames) * 1000, rel=1e-12)
    only = scan_baci(paths, years=[2020])
    assert set(only["period"].dt.year) == {2020} and len(only) == 120


def test_revision_from_product_table_beside_the_file(tmp_path):
    path = tmp_path / "extract.csv"
    path.write_text(HEADER + '2021,398,586,520100,1.0,"1.0"\n')
    with pytest.raises(ReaderError, match="classification='HS1992'"):
        read_baci(path)
    (tmp_path / "product_codes_HS12_V202301.csv").write_text("code,description\n520100,Cotton\n")
    assert read_baci(path)["classification"].tolist() == ["HS2012"]


def test_country_table_beside_the_file_resolves_extra_codes(tmp_path):
    path = tmp_path / "BACI_HS92_Y2021_V202301.csv"
    path.write_text(HEADER + '2021,398,9991,520100,1.0,"1.0"\n')
    with pytest.raises(UnknownCodeError, match="9991"):
        read_baci(path)
    table = tmp_path / "country_codes_V202301.csv"
    table.write_bytes(
        "country_code,country_name_abbreviation,country_name_full,iso_2digit_alpha,iso_3digit_alpha\n"
        "9991,Atlantis,Atlantis,AT,ATL\n399,Côte,Côte,CI,CIV\n".encode("latin-1")
    )
    assert read_baci(path)["partner"].tolist() == ["ATL"]
    (tmp_path / "country_codes_V202401.csv").write_text(table.read_text(encoding="latin-1"))
    with pytest.raises(ReaderError, match="several country_codes"):
        read_baci(path)
    assert read_baci(path, country_codes=table)["partner"].tolist() == ["ATL"]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('"t","i","j","k","v"\n2021,4,586,520100,1.0\n', "missing q"),
        ('"t","j","i","k","v","q"\n2021,4,586,520100,1.0,"1"\n', "another order"),
        ('"t","i","j","k","v","q"\n2021,4,586,520100,-1.0,"1"\n', "negative v"),
        ('"t","i","j","k","v","q"\n2021,4,586,520100,1.0,"-3"\n', "negative q"),
        ('"t","i","j","k","v","q"\n2021,4,586,520100,abc,"1"\n', "not a well-formed BACI file"),
        ('"t","i","j","k","v","q"\n2021,4,586,52A100,1.0,"1"\n', 'Line: 2.*column "k"'),
        ('"t","i","j","k","v","q"\n2021,4,586,5201000,1.0,"1"\n', "not HS6"),
        ('"t","i","j","k","v","q"\n2021,4,586,520100,1.0,"x1"\n', "q \\(quantity\\) is not a number"),
        (
            '"t","i","j","k","v","q"\n2021,4,586,520100,1.0,"1"\n2021,4,586,520100,2.0,"1"\n',
            r"2 rows share a flow key .*AFG/PAK/export/2021-01-01/520100.* rows \(t,i,j,k\) '2021,4,586,520100'",
        ),
    ],
)
def test_bad_files_raise_reader_errors(tmp_path, body, message):
    path = tmp_path / "BACI_HS92_Y2021_V202301.csv"
    path.write_text(body)
    with pytest.raises(ReaderError, match=message):
        read_baci(path)


def test_bad_filters_are_value_errors(baci_file):
    path, _ = baci_file
    with pytest.raises(ValueError, match="2, 4 or 6 digits"):
        scan_baci(path, products=["270"])
    with pytest.raises(UnknownCodeError, match="'XXK'"):
        scan_baci(path, exporters=["XXK"])


def test_empty_selection_is_an_empty_flows_table_with_a_warning(baci_file):
    path, _ = baci_file
    with pytest.warns(DataQualityWarning, match="matches exporters=\\['KAZ'\\], importers=\\['KAZ'\\]"):
        got = scan_baci(path, exporters=["KAZ"], importers=["KAZ"])
    assert got.empty and list(got.columns) == FLOWS.names


@pytest.mark.dask
@pytest.mark.slow
def test_dask_cluster_gives_the_single_machine_result(tmp_path):
    distributed = pytest.importorskip("distributed")
    rng = np.random.default_rng(11)
    paths = []
    for year in (2018, 2019, 2020, 2021):
        path = tmp_path / f"BACI_HS17_Y{year}_V202401.csv"
        write_baci(path, baci_rows(rng, 150, year))
        paths.append(path)
    options = {"exporters": ["KAZ", "UZB", "AFG"], "products": ["27", "52"]}
    local = scan_baci(paths, **options)
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        remote = scan_baci(paths, client=client, **options)
    pd.testing.assert_frame_equal(local, remote)
    assert len(local) > 0
