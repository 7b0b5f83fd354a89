"""Concordance between HS vintages: path finding, split weights, chaining and the two readers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from forecasting.classify.concordance import Concordance, read_concordance
from forecasting.errors import ReaderError, SchemaError, UnknownCodeError


def links(rows: list[tuple[str, str, str, str]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["newer", "older", "code_newer", "code_older"])


# Two adjacent tables: 2012 -> 2017 splits 111111 in two; 2017 -> 2022 splits 222222 in two
# and merges 333331/333332 into 333333.
CHAIN = Concordance(
    links(
        [
            ("HS2017", "HS2012", "222222", "111111"),
            ("HS2017", "HS2012", "444444", "111111"),
            ("HS2017", "HS2012", "333331", "333331"),
            ("HS2017", "HS2012", "333332", "333332"),
            ("HS2022", "HS2017", "555551", "222222"),
            ("HS2022", "HS2017", "555552", "222222"),
            ("HS2022", "HS2017", "444444", "444444"),
            ("HS2022", "HS2017", "333333", "333331"),
            ("HS2022", "HS2017", "333333", "333332"),
        ]
    )
)


def test_direct_table_equal_split_and_labels():
    table = CHAIN.table("HS2017", "HS2022")
    split = table[table["from_code"] == "222222"]
    assert split["weight"].tolist() == [0.5, 0.5]
    assert set(split["relationship"]) == {"1:n"}
    merged = table[table["to_code"] == "333333"]
    assert set(merged["relationship"]) == {"n:1"} and merged["weight"].tolist() == [1.0, 1.0]


def test_backward_conversion_uses_the_same_links():
    table = CHAIN.table("HS2022", "HS2017")
    # Going back, 333333 splits equally between the two codes it merged.
    back = table[table["from_code"] == "333333"].set_index("to_code")["weight"]
    assert back.to_dict() == {"333331": 0.5, "333332": 0.5}


def test_chain_multiplies_step_weights():
    table = CHAIN.table("HS2012", "HS2022").set_index(["from_code", "to_code"])["weight"]
    # 111111 -> (222222, 444444) equally, then 222222 -> (555551, 555552) equally.
    assert table[("111111", "555551")] == pytest.approx(0.25)
    assert table[("111111", "555552")] == pytest.approx(0.25)
    assert table[("111111", "444444")] == pytest.approx(0.5)
    assert CHAIN.path("HS2012", "HS2022") == ["HS2012", "HS2017", "HS2022"]


def test_trade_weights_split_in_proportion_and_fall_back_to_equal():
    table = CHAIN.table("HS2012", "HS2022", weights={"555551": 30.0, "555552": 10.0, "444444": 60.0})
    w = table.set_index(["from_code", "to_code"])["weight"]
    assert w[("111111", "555551")] == pytest.approx(0.3)
    assert w[("111111", "444444")] == pytest.approx(0.6)
    # 333331 reaches only 333333, which has no weight: the equal split (1.0) stays.
    assert w[("333331", "333333")] == pytest.approx(1.0)
    with pytest.raises(SchemaError, match="negative"):
        CHAIN.table("HS2017", "HS2022", weights={"555551": -1.0})


def test_direct_table_preferred_over_chain():
    direct = links([("HS2022", "HS2012", "999999", "111111")])
    both = Concordance(pd.concat([CHAIN.links, direct]))
    assert both.path("HS2012", "HS2022") == ["HS2012", "HS2022"]
    assert both.table("HS2012", "HS2022")["to_code"].tolist() == ["999999"]


def test_same_vintage_is_identity_and_aliases_work():
    table = CHAIN.table("H5", "HS17")
    assert (table["from_code"] == table["to_code"]).all() and (table["weight"] == 1.0).all()


def test_errors_name_the_problem():
    with pytest.raises(UnknownCodeError, match="valid names are HS1992"):
        CHAIN.table("HS2019", "HS2022")
    with pytest.raises(
        UnknownCodeError, match="no chain of tables links HS1992 to HS2022; tables read: HS2017-HS2012"
    ):
        CHAIN.table("HS1992", "HS2022")
    with pytest.raises(SchemaError, match="newer"):
        Concordance(links([("HS2012", "HS2017", "111111", "111111")]))


def test_input_links_not_mutated():
    raw = links([("HS2022", "HS2017", "010121", "010121"), ("HS2022", "HS2017", "010121", "010121")])
    copy = raw.copy()
    Concordance(raw)
    pd.testing.assert_frame_equal(raw, copy)


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 6), st.integers(0, 6), st.integers(0, 6)),
        min_size=1,
        max_size=25,
    )
)
def test_weights_add_to_one_for_every_source_code(pairs):
    # Random links from HS2012 codes through HS2017 to HS2022 codes, fully connected.
    rows = [("HS2017", "HS2012", f"2000{b:02d}", f"1000{a:02d}") for a, b, _ in pairs]
    rows += [("HS2022", "HS2017", f"3000{c:02d}", f"2000{b:02d}") for _, b, c in pairs]
    table = Concordance(links(rows)).table("HS2012", "HS2022")
    sums = table.groupby("from_code")["weight"].sum()
    np.testing.assert_allclose(sums.to_numpy(), 1.0, rtol=1e-12)


def test_read_consolidated_csv_pads_codes_and_skips_sitc(tmp_path):
    path = tmp_path / "consolidated.csv"
    path.write_text(
        "code.after,code.before,Relationship,adjustment\n"
        "10121,10111,n:1,1996 to 1992\n"
        "850231,850239,n:1,2022 to 2017\n"
        "1234,5678,1:1,1992 to 1988\n"
    )
    conc = read_concordance(path)
    assert conc.pairs == [("HS1996", "HS1992"), ("HS2022", "HS2017")]
    assert conc.codes("HS1996").tolist() == ["010121"]


def test_read_unsd_workbook_with_header_inside_sheet(tmp_path):
    path = tmp_path / "HS2017toHS1992ConversionAndCorrelationTables.xlsx"
    body = pd.DataFrame(
        [
            ["Between", None, None],
            ["HS 2017", "HS 1992", "Relationship"],
            ["010121", "010111", "n:n"],
            ["010121", "010120", "n:n"],
            ["010221", "010210", "n:1"],
        ]
    )
    with pd.ExcelWriter(path) as writer:
        pd.DataFrame([["From HS 2017", "To HS 1992"]]).to_excel(
            writer, sheet_name="Conversion", header=False, index=False
        )
        body.to_excel(writer, sheet_name="Correlation HS17-HS92", header=False, index=False)
    conc = read_concordance(tmp_path)
    assert conc.pairs == [("HS2017", "HS1992")]
    table = conc.table("HS2017", "HS1992")
    assert table.loc[table["from_code"] == "010121", "weight"].tolist() == [0.5, 0.5]


def test_reader_rejects_other_files(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b\n1,2\n")
    with pytest.raises(ReaderError, match="expected columns 'code.after'"):
        read_concordance(bad)
    with pytest.raises(ReaderError, match="does not exist"):
        read_concordance(tmp_path / "absent.csv")
    short = tmp_path / "short.csv"
    short.write_text("code.after,code.before,Relationship,adjustment\n1234567,10111,n:1,1996 to 1992\n")
    with pytest.raises(ReaderError, match="do not hold two 6-digit HS codes"):
        read_concordance(short)
