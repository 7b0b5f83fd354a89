"""WITS reader on small files in the layout WITS writes (semicolons, values in thousand USD)."""

from __future__ import annotations

import pytest

from forecasting.data.readers import read_flows, read_wits
from forecasting.errors import ReaderError, UnknownCodeError

HEADER = "Nomenclature;ReporterISO3;ProductCode;ReporterName;PartnerISO3;PartnerName;Year;TradeFlowName;TradeFlowCode;TradeValue in 1000 USD\n"


def write(tmp_path, lines, name="wits.csv"):
    path = tmp_path / name
    path.write_text(HEADER + "".join(line + "\r\n" for line in lines))
    return path


def test_totals_thousands_and_aggregates(tmp_path):
    path = write(
        tmp_path,
        [
            "NC;KAZ; Total;Kazakhstan;PAK;Pakistan;2009;Export;6;15634.181",
            "NC;KAZ; Total;Kazakhstan;WLD;World;2009;Import;5;.067",
            "NC;ROM; Total;Romania;ZAR;Congo, Dem. Rep.;2009;Export;6;0",
            "NC;EUN; Total;European Union;KAZ;Kazakhstan;2009;Import;5;",
        ],
    )
    flows = read_flows(path, source="wits")
    assert flows["commodity"].unique().tolist() == ["TOTAL"] and flows[
        "classification"
    ].unique().tolist() == ["TOTAL"]
    assert flows["value_usd"].iloc[:3].tolist() == pytest.approx([15_634_181.0, 67.0, 0.0])
    assert flows["value_usd"].isna().tolist() == [False, False, False, True]
    assert flows[["reporter", "partner"]].values.tolist() == [
        ["KAZ", "PAK"],
        ["KAZ", "WLD"],
        ["ROU", "COD"],
        ["EUN", "KAZ"],
    ]
    assert flows["flags"].tolist() == ["", "partner_aggregate", "", "reporter_aggregate"]
    assert set(flows["source"]) == {"wits"} and set(flows["freq"]) == {"A"}


def test_product_rows_need_an_hs_nomenclature(tmp_path):
    path = write(tmp_path, ["H3;KAZ;10121;Kazakhstan;PAK;Pakistan;2009;Export;6;1.5"])
    flows = read_wits(path)
    assert (flows.loc[0, "commodity"], flows.loc[0, "classification"]) == ("010121", "HS2007")
    path = write(tmp_path, ["NC;KAZ;2709;Kazakhstan;PAK;Pakistan;2009;Export;6;1.5"], name="nc.csv")
    with pytest.raises(ReaderError, match="classification='HS2017'"):
        read_wits(path)
    assert read_wits(path, classification="HS2017").loc[0, "classification"] == "HS2017"


@pytest.mark.parametrize(
    ("line", "error", "message"),
    [
        ("NC;KAZ; Total;Kazakhstan;PAK;Pakistan;2009;Export;6;-1", ReaderError, "below 0.0"),
        ("NC;KAZ; Total;Kazakhstan;PAK;Pakistan;2009;Transit;9;1", ReaderError, "'transit'"),
        ("NC;KAZ; Total;Kazakhstan;PAK;Pakistan;09;Export;6;1", ReaderError, "four-digit year"),
        ("NC;KAZ; Total;Kazakhstan;PAK;Pakistan;2009;Export;6;1x", ReaderError, "not a number on line"),
        ("NC;KZZ; Total;Kazakhstan;PAK;Pakistan;2009;Export;6;1", UnknownCodeError, "'KZZ'"),
    ],
)
def test_bad_rows_raise(tmp_path, line, error, message):
    with pytest.raises(error, match=message):
        read_wits(write(tmp_path, [line]))


def test_missing_columns_are_named_with_a_suggestion(tmp_path):
    path = tmp_path / "w.csv"
    path.write_text(
        "Nomenclature;ReporterISO;ProductCode;PartnerISO3;Year;TradeFlowName;TradeValue in 1000 USD\nNC;KAZ;Total;PAK;2009;Export;1\n"
    )
    flows = read_wits(path)  # "ReporterISO" is an accepted spelling
    assert flows.loc[0, "reporter"] == "KAZ"
    path.write_text(
        "Nomenclature;Reporter;ProductCode;PartnerISO3;Year;TradeFlowName;TradeValue in 1000 USD\nNC;KAZ;Total;PAK;2009;Export;1\n"
    )
    with pytest.raises(ReaderError, match="missing column"):
        read_wits(path)


def test_duplicate_rows_raise(tmp_path):
    line = "NC;KAZ; Total;Kazakhstan;PAK;Pakistan;2009;Export;6;1"
    with pytest.raises(ReaderError, match=r"2 rows share a flow key .* on line\(s\) 2, 3;"):
        read_wits(write(tmp_path, [line, line]))


def test_european_number_format_is_detected_and_applied(tmp_path):
    path = write(
        tmp_path,
        [
            "NC;KAZ; Total;Kazakhstan;PAK;Pakistan;2009;Export;6;1.234,5",
            "NC;KAZ; Total;Kazakhstan;AFG;Afghanistan;2009;Export;6;0,25",
        ],
    )
    assert read_wits(path)["value_usd"].tolist() == [1_234_500.0, 250.0]


def test_comma_thousands_in_a_comma_file_are_applied(tmp_path):
    path = tmp_path / "w.csv"
    path.write_text(
        HEADER.replace(";", ",") + 'NC,KAZ,Total,Kazakhstan,PAK,Pakistan,2009,Export,6,"1,234,567.5"\n'
    )
    assert read_wits(path)["value_usd"].tolist() == [1_234_567_500.0]
