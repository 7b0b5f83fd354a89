"""Country codes to ISO3: every scheme, the historic-entity rule, aggregates, and the errors."""

from __future__ import annotations

import pandas as pd
import pytest

from forecasting.classify.countries import (
    AGGREGATES,
    HISTORIC,
    NUMERIC_VARIANTS,
    country_table,
    iso3_with_flags,
    numeric_codes_for,
    to_iso3,
)
from forecasting.errors import ForecastingError, UnknownCodeError


def test_iso3_passes_through_and_upper_cases_nothing_else():
    assert to_iso3(["KAZ", "PAK", "AFG", "UZB", "TKM", "KGZ", "TJK"], scheme="iso3").tolist() == [
        "KAZ",
        "PAK",
        "AFG",
        "UZB",
        "TKM",
        "KGZ",
        "TJK",
    ]


def test_lower_case_iso3_is_accepted_when_scheme_is_declared():
    assert to_iso3(["kaz"], scheme="iso3").tolist() == ["KAZ"]


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        (398, "KAZ"),  # M49 of Kazakhstan (UN Statistics Division, M49 table)
        (586, "PAK"),
        (4, "AFG"),
        (860, "UZB"),
        ("0398", "KAZ"),
        (398.0, "KAZ"),
        (842, "USA"),  # Comtrade reporter code for USA incl. Puerto Rico and USVI
        (251, "FRA"),  # Comtrade/BACI: France incl. Monaco
        (699, "IND"),
        (757, "CHE"),
        (579, "NOR"),
        (840, "USA"),  # standard M49 still works
        (0, "WLD"),
    ],
)
def test_numeric_codes_including_comtrade_variants(code, expected):
    assert to_iso3([code], scheme="m49").tolist() == [expected]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Kazakhstan", "KAZ"),
        ("Pakistan", "PAK"),
        ("Rep. of Korea", "KOR"),
        ("Dem. People's Rep. of Korea", "PRK"),
        ("China, Hong Kong SAR", "HKG"),
        ("Bolivia (Plurinational State of)", "BOL"),
        ("Türkiye", "TUR"),
        ("USA", "USA"),
        ("World", "WLD"),
        ("Other Asia, nes", "OAS"),
        ("Areas, nes", "UNS"),
        ("Fmr USSR", "SUN"),
        ("Czechoslovakia", "CSK"),  # country_converter alone would say CZE
        ("Fmr Sudan", "SDN"),
        ("Serbia and Montenegro", "SRB"),
    ],
)
def test_names_as_comtrade_and_wits_print_them(name, expected):
    assert to_iso3([name], scheme="name").tolist() == [expected]


def test_cepii_old_codes_follow_the_documented_rule():
    table = country_table(["ROM", "ZAR", "TMP", "PAL", "YUG", "SUN", "CSK", "KAZ"], scheme="cepii")
    got = dict(
        zip(table["code"], zip(table["iso3"], table["status"], table["flag"], strict=True), strict=True)
    )
    assert got["ROM"] == ("ROU", "recoded", "")
    assert got["ZAR"] == ("COD", "recoded", "")
    assert got["TMP"] == ("TLS", "recoded", "")
    assert got["PAL"] == ("PSE", "recoded", "")
    assert got["YUG"] == ("SRB", "historic_successor", "historic_successor")
    assert got["SUN"] == ("SUN", "historic_entity", "historic_entity")
    assert got["CSK"] == ("CSK", "historic_entity", "historic_entity")
    assert got["KAZ"] == ("KAZ", "current", "")


def test_aggregates_in_every_spelling_become_one_code_and_are_flagged():
    codes = pd.Series([0, "W00", "WLD", "World"], dtype=object)
    iso, flags = iso3_with_flags(codes)
    assert iso.tolist() == ["WLD"] * 4
    assert flags.tolist() == ["partner_aggregate"] * 4


def test_wits_special_codes():
    assert to_iso3(["SER", "MNT", "EUN", "OAS", "UNS"], scheme="iso3").tolist() == [
        "SRB",
        "MNE",
        "EUN",
        "OAS",
        "UNS",
    ]


def test_auto_scheme_handles_a_mix_and_keeps_index_and_missing():
    codes = pd.Series([398, "PAK", "Afghanistan", None], index=[10, 11, 12, 13])
    out = to_iso3(codes)
    assert out.index.tolist() == [10, 11, 12, 13]
    assert out.iloc[:3].tolist() == ["KAZ", "PAK", "AFG"]
    assert pd.isna(out.iloc[3])


def test_unknown_codes_raise_naming_them_with_close_matches():
    with pytest.raises(UnknownCodeError) as info:
        to_iso3(["KAZ", "KAZZ", "PAKK", "XQZ"], scheme="auto")
    message = str(info.value)
    assert "'PAKK'" in message and "'XQZ'" in message
    assert "3 country code(s)" in message
    assert "Close matches" in message
    assert isinstance(info.value, ForecastingError) and isinstance(info.value, KeyError)


def test_unknown_numeric_code_raises():
    with pytest.raises(UnknownCodeError, match="123456"):
        to_iso3([398, 123456], scheme="m49")


def test_letters_under_numeric_scheme_are_unknown_not_guessed():
    with pytest.raises(UnknownCodeError, match="'KAZ'"):
        to_iso3(["KAZ"], scheme="m49")


def test_more_than_five_unknown_codes_are_counted():
    with pytest.raises(UnknownCodeError, match=r"and 2 more; 7 in all"):
        to_iso3(["QQA", "QQB", "QQC", "QQD", "QQE", "QQF", "QQG"], scheme="iso3")


def test_invalid_scheme_lists_valid_spellings():
    with pytest.raises(ValueError, match="'iso3'.*'m49'"):
        to_iso3(["KAZ"], scheme="alpha3")  # type: ignore[arg-type]


def test_every_documented_code_resolves_to_a_three_letter_code():
    for code, (iso, _status) in {**HISTORIC, **{str(k): v for k, v in NUMERIC_VARIANTS.items()}}.items():
        assert len(iso) == 3 and iso.isupper(), code
    assert set(AGGREGATES) <= {iso for iso, _ in HISTORIC.values()}


def test_numeric_codes_for_inverts_the_numeric_table():
    found = numeric_codes_for(["FRA", "SRB", "PAK"])
    assert found == {"FRA": [250, 251], "SRB": [688, 890, 891], "PAK": [586]}
    for iso, numbers in found.items():
        assert set(to_iso3(numbers, scheme="m49")) == {iso}
