"""Generic tidy reader: column mapping, periods of every frequency, Parquet, errors."""

from __future__ import annotations

import pandas as pd
import pytest

from forecasting.data.readers import read_flows, read_tidy
from forecasting.errors import ReaderError, UnknownCodeError

MAPPING = {
    "from": "reporter",
    "to": "partner",
    "dir": "flow",
    "when": "period",
    "hs": "commodity",
    "usd": "value_usd",
}


def frame(**changes):
    data = {
        "from": ["KAZ", "PAK", "Kazakhstan"],
        "to": ["PAK", "KAZ", "Afghanistan"],
        "dir": ["X", "import", "Export"],
        "when": ["2023", "2023", "2023"],
        "hs": ["2709", "textiles", "TOTAL"],
        "usd": ["10", "2.5", ""],
        "note": ["a", "b", "c"],
    }
    data.update(changes)
    return pd.DataFrame(data)


def test_csv_with_mapping_groups_and_totals(tmp_path):
    path = tmp_path / "mine.csv"
    frame().to_csv(path, index=False)
    flows = read_tidy(path, columns=MAPPING, classification="HS2017", source="ministry")
    assert flows["reporter"].tolist() == ["KAZ", "PAK", "KAZ"]
    assert flows["flow"].tolist() == ["export", "import", "export"]
    assert flows["classification"].tolist() == ["HS2017", "GROUP", "TOTAL"]
    assert flows["value_usd"].iloc[:2].tolist() == [10.0, 2.5] and pd.isna(flows["value_usd"].iloc[2])
    assert set(flows["source"]) == {"ministry"}
    assert flows["note"].tolist() == ["a", "b", "c"]  # the user's extra columns are kept


def test_parquet_and_value_scale(tmp_path):
    path = tmp_path / "mine.parquet"
    frame(usd=[1.0, 2.0, 3.0]).to_parquet(path)
    flows = read_flows(path, source="tidy", columns=MAPPING, classification="HS2017", value_scale=1000)
    assert flows["value_usd"].tolist() == [1000.0, 2000.0, 3000.0]


@pytest.mark.parametrize(
    ("periods", "freq", "expected", "expected_freq"),
    [
        (["2023", "2024", "2025"], None, ["2023-01-01", "2024-01-01", "2025-01-01"], "A"),
        (["2023Q1", "2023-Q2", "2023q4"], None, ["2023-01-01", "2023-04-01", "2023-10-01"], "Q"),
        (["2023-01", "202302", "2023-12"], None, ["2023-01-01", "2023-02-01", "2023-12-01"], "M"),
        (["2023-01-01", "2023-02-01", "2023-03-01"], "M", ["2023-01-01", "2023-02-01", "2023-03-01"], "M"),
    ],
)
def test_periods(tmp_path, periods, freq, expected, expected_freq):
    path = tmp_path / "p.csv"
    frame(when=periods, hs=["2709", "2709", "2709"], to=["PAK", "AFG", "UZB"]).to_csv(path, index=False)
    flows = read_tidy(path, columns=MAPPING, classification="HS2017", freq=freq)
    assert flows["period"].dt.strftime("%Y-%m-%d").tolist() == expected
    assert set(flows["freq"]) == {expected_freq}


@pytest.mark.parametrize(
    ("changes", "kwargs", "error", "message"),
    [
        ({"when": ["2023-01-01"] * 3}, {}, ReaderError, "add a freq column"),
        ({"when": ["2023-02-15"] * 3}, {"freq": "M"}, ReaderError, "not the first day"),
        ({"when": ["2023-02-01"] * 3}, {"freq": "Q"}, ReaderError, "not the first day"),
        ({"dir": ["X", "transit", "M"]}, {}, ReaderError, "'transit'"),
        ({"usd": ["1", "-2", "3"]}, {}, ReaderError, "negative"),
        ({"usd": ["1", "two", "3"]}, {}, ReaderError, "not a number"),
        ({"to": ["PAK", "Narnia", "AFG"]}, {}, UnknownCodeError, "Narnia"),
        ({"from": ["KAZ", "", "KAZ"]}, {}, ReaderError, "reporter is empty"),
    ],
)
def test_bad_input(tmp_path, changes, kwargs, error, message):
    path = tmp_path / "bad.csv"
    frame(**changes).to_csv(path, index=False)
    with pytest.raises(error, match=message):
        read_tidy(path, columns=MAPPING, classification="HS2017", **kwargs)


def test_hs_codes_without_vintage_and_missing_columns(tmp_path):
    path = tmp_path / "x.csv"
    frame().to_csv(path, index=False)
    with pytest.raises(ReaderError, match="need their vintage"):
        read_tidy(path, columns=MAPPING)
    with pytest.raises(ReaderError, match=r"the file lacks column\(s\) 'reporter'.*pass columns="):
        read_tidy(path, columns={k: v for k, v in MAPPING.items() if k != "from"})
    with pytest.raises(ReaderError, match="'nope'"):
        read_tidy(path, columns={"nope": "reporter"})


def test_unknown_source_lists_valid_ones(tmp_path):
    with pytest.raises(ValueError, match="'comtrade', 'baci', 'wits', 'kz_stat', 'tidy'"):
        read_flows(tmp_path / "x.csv", source="eurostat")  # type: ignore[arg-type]


def test_options_are_validated(tmp_path):
    path = tmp_path / "x.csv"
    frame().to_csv(path, index=False)
    with pytest.raises(ValueError, match="'A', 'Q', 'M'"):
        read_tidy(path, columns=MAPPING, freq="Y")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="positive"):
        read_tidy(path, columns=MAPPING, value_scale=-1)
