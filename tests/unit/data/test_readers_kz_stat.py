"""Kazakhstan statistics bureau monthly totals."""

from __future__ import annotations

import pytest

from forecasting.data.readers import read_flows, read_kz_stat
from forecasting.errors import ReaderError


def write(tmp_path, name, rows, header="date,value,transformation"):
    path = tmp_path / name
    path.write_bytes((header + "\r\n" + "".join(r + "\r\n" for r in rows)).encode())
    return path


def test_monthly_totals_in_usd(tmp_path):
    path = write(tmp_path, "exports.csv", ["2024-01-01,5351587.74833999,level", "2024-02-01,0,level"])
    flows = read_kz_stat(path)
    assert flows[
        ["reporter", "partner", "flow", "freq", "commodity", "classification"]
    ].drop_duplicates().values.tolist() == [["KAZ", "WLD", "export", "M", "TOTAL", "TOTAL"]]
    assert flows["value_usd"].tolist() == pytest.approx([5_351_587_748.33999, 0.0])
    assert set(flows["flags"]) == {"partner_aggregate"}  # no preliminary mark invented
    assert flows["period"].dt.strftime("%Y-%m-%d").tolist() == ["2024-01-01", "2024-02-01"]


def test_flow_from_name_or_declared(tmp_path):
    path = write(tmp_path, "bns_trade.csv", ["2024-01-01,1,level"])
    with pytest.raises(ReaderError, match="flow='export'"):
        read_kz_stat(path)
    assert read_kz_stat(path, flow="import").loc[0, "flow"] == "import"
    assert (
        read_kz_stat(write(tmp_path, "imports.csv", ["2024-01-01,1,level"]), unit="usd").loc[0, "value_usd"]
        == 1.0
    )


def test_preliminary_months_flagged_only_when_marked(tmp_path):
    path = write(
        tmp_path,
        "exports.csv",
        ["2024-01-01,1,level,false", "2024-02-01,2,level,true"],
        header="date,value,transformation,preliminary",
    )
    assert read_kz_stat(path)["flags"].tolist() == ["partner_aggregate", "partner_aggregate;preliminary"]


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("2024-01-15,1,level", "first days of months"),
        ("2024-13-01,1,level", "first days of months"),
        ("2024-01-01,-1,level", "negative"),
        ("2024-01-01,1,yoy", "only 'level'"),
        ("2024-01-01,abc,level", "not a number"),
    ],
)
def test_bad_rows(tmp_path, row, message):
    with pytest.raises(ReaderError, match=message):
        read_kz_stat(write(tmp_path, "exports.csv", ["2023-12-01,1,level", row]))


def test_duplicate_months_raise_naming_file_lines(tmp_path):
    # file lines count the header as line 1: the repeated month is on lines 3 and 5
    rows = ["2023-12-01,1,level", "2024-01-01,1,level", "2024-02-01,1,level", "2024-01-01,2,level"]
    with pytest.raises(ReaderError, match=r"2 rows share a flow key .*2024-01-01.* on line\(s\) 3, 5;"):
        read_flows(write(tmp_path, "exports.csv", rows), source="kz_stat")


def test_overlapping_files_raise(tmp_path):
    first = write(tmp_path, "exports.csv", ["2024-01-01,1,level"])
    (tmp_path / "again").mkdir()
    second = write(tmp_path / "again", "exports.csv", ["2024-01-01,1,level"])
    with pytest.raises(
        ReaderError,
        match=r"share a flow key .* on .*/exports.csv line\(s\) 2; .*again/exports.csv line\(s\) 2",
    ):
        read_flows([first, second], source="kz_stat")
