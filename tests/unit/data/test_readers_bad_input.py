"""Issue 18, reader rows: empty inputs, a large gzip cut in half, file line numbers in key errors.

Each case goes through ``read_flows`` and through the command line (``forecasting read``),
which must exit with status 2 and a message naming the file, never a traceback.
"""

from __future__ import annotations

import gzip
import json

import numpy as np
import pandas as pd
import pytest

from forecasting.cli import main
from forecasting.data.readers import EmptySourceError, read_flows, scan_baci
from forecasting.errors import DataQualityWarning, ReaderError

TIDY_HEADER = "reporter,partner,flow,period,commodity,classification,value_usd\n"
BACI_HEADER = '"t","i","j","k","v","q"\n'


def tidy_rows(n: int, seed: int = 0) -> str:
    rng = np.random.default_rng(seed)
    years = 1990 + np.arange(n) // 400
    codes = 100000 + np.arange(n) % 400
    values = rng.gamma(0.5, 1e6, n).round(2)
    return "".join(
        f"KAZ,PAK,export,{y},{c},HS2017,{v}\n" for y, c, v in zip(years, codes, values, strict=True)
    )


def cut_in_half(path):
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    return path


def cli_fails_cleanly(capsys, *args: str) -> str:
    code = main(["read", *args])
    captured = capsys.readouterr()
    assert code == 2
    assert "Traceback" not in captured.err + captured.out
    return captured.err


def test_tidy_header_without_rows(tmp_path, capsys):
    path = tmp_path / "flows.csv"
    path.write_text(TIDY_HEADER)
    with pytest.raises(EmptySourceError, match=r"flows.csv: has a header .* but no data rows"):
        read_flows(path, source="tidy", classification="HS2017")
    assert "flows.csv: has a header" in cli_fails_cleanly(capsys, str(path), "--source", "tidy")


def test_comtrade_json_without_records(tmp_path, capsys):
    path = tmp_path / "kaz_pak.json"
    path.write_text(json.dumps({"elapsedTime": "0.2 secs", "count": 0, "data": [], "error": ""}))
    with pytest.raises(EmptySourceError, match=r"kaz_pak.json: holds no records"):
        read_flows(path, source="comtrade")
    assert "kaz_pak.json: holds no records" in cli_fails_cleanly(capsys, str(path), "--source", "comtrade")


def test_an_empty_file_among_others_is_skipped_with_a_warning(tmp_path):
    full = tmp_path / "a.csv"
    full.write_text(TIDY_HEADER + tidy_rows(3))
    empty = tmp_path / "b.csv"
    empty.write_text(TIDY_HEADER)
    with pytest.warns(DataQualityWarning, match=r"1 of 2 files hold no data rows and were skipped: 'b.csv'"):
        flows = read_flows([full, empty], source="tidy")
    assert len(flows) == 3
    with pytest.raises(EmptySourceError, match="none of the 2 files holds data rows"):
        read_flows([empty, empty], source="tidy")


@pytest.mark.parametrize(
    ("source", "name", "text"),
    [
        ("tidy", "flows.csv.gz", TIDY_HEADER + tidy_rows(40_000)),
        (
            "baci",
            "BACI_HS17_Y2021_V202401.csv.gz",
            BACI_HEADER
            + "".join(f'2021,4,586,{100000 + i % 9000},{i * 0.5},"  {i}.0"\n' for i in range(60_000)),
        ),
    ],
)
def test_a_large_gzip_cut_in_half(tmp_path, capsys, source, name, text):
    # large enough that the format sample (the first 256 KB) reads fine and the cut comes later
    path = tmp_path / name
    with gzip.open(path, "wt") as handle:
        handle.write(text)
    assert len(text) > 1_000_000
    cut_in_half(path)
    with pytest.raises(ReaderError, match=rf"{name}: is truncated or damaged .*download it again"):
        read_flows(path, source=source)
    assert "is truncated" in cli_fails_cleanly(capsys, str(path), "--source", source)


def test_baci_header_without_rows_and_a_filter_that_keeps_nothing(tmp_path, capsys):
    empty = tmp_path / "BACI_HS17_Y2021_V202401.csv"
    empty.write_text(BACI_HEADER)
    with pytest.raises(EmptySourceError, match="has the BACI header but no data rows"):
        read_flows(empty, source="baci")
    assert "no data rows" in cli_fails_cleanly(capsys, str(empty), "--source", "baci")
    full = tmp_path / "BACI_HS17_Y2020_V202401.csv"
    full.write_text(BACI_HEADER + '2020,398,586,270900,1.5,"2.0"\n')
    with pytest.warns(DataQualityWarning, match=r"no row of .* matches importers=\['CHN'\]"):
        assert scan_baci(full, importers=["CHN"]).empty


def test_duplicate_keys_name_file_lines_through_the_cli(tmp_path, capsys):
    path = tmp_path / "flows.csv"
    body = tidy_rows(5).splitlines(keepends=True)
    path.write_text(TIDY_HEADER + "".join(body) + body[1])  # line 3 repeated as line 7
    message = r"2 rows share a flow key .* on line\(s\) 3, 7;"
    with pytest.raises(ReaderError, match=message):
        read_flows(path, source="tidy")
    err = cli_fails_cleanly(capsys, str(path), "--source", "tidy")
    assert "line(s) 3, 7" in err


def test_a_parquet_file_is_read_as_baci(tmp_path):
    # scan_baci used to say "is not UTF-8 ... pass encoding='latin-1'" for a .parquet file
    frame = pd.DataFrame(
        {"t": [2021, 2021], "i": [398, 398], "j": [586, 156], "k": [270900, 520100], "v": [1.5, 3.0]}
    )
    path = tmp_path / "BACI_HS17_Y2021_V202401.parquet"
    frame.assign(q=[2.0, None]).to_parquet(path)
    got = scan_baci(path, importers=["PAK"])
    assert got[["reporter", "partner", "commodity", "value_usd", "quantity"]].values.tolist() == [
        ["KAZ", "PAK", "270900", 1500.0, 2.0]
    ]
    no_q = tmp_path / "BACI_HS17_Y2022_V202401.parquet"
    frame.to_parquet(no_q)
    with pytest.raises(ReaderError, match=r"needs columns t, i, j, k, v, q; missing q"):
        scan_baci(no_q)


@pytest.mark.parametrize("source", ["tidy", "comtrade"])
def test_an_outlook_on_an_empty_file_exits_2_before_any_estimation(tmp_path, capsys, source):
    if source == "tidy":
        path = tmp_path / "flows.csv"
        path.write_text(TIDY_HEADER)
    else:
        path = tmp_path / "kaz_pak.json"
        path.write_text(json.dumps({"count": 0, "data": []}))
    out = tmp_path / "report"
    code = main(["outlook", "--data", str(path), "--source", source, "--out", str(out), "--no-report"])
    captured = capsys.readouterr()
    assert code == 2 and "Traceback" not in captured.err
    assert path.name in captured.err and ("no data rows" in captured.err or "no records" in captured.err)
    assert not out.exists()
