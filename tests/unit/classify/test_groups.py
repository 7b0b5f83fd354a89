"""Named commodity groups: resolution, assignment, user groups and clear errors."""

from __future__ import annotations

import pandas as pd
import pytest

from forecasting.classify import groups
from forecasting.classify.hs import normalize_hs
from forecasting.errors import UnknownCodeError
from tests.conftest import shared_file


def test_builtin_groups_match_their_definitions():
    g = groups.builtin_groups()
    assert g["textiles"].prefixes == tuple(str(c) for c in range(50, 64))
    assert g["pharma"].prefixes == ("30",)
    assert g["coal"].prefixes == ("2701", "2702", "2703", "2704")
    assert set(g["hydrocarbons"].prefixes) >= {"2709", "2710", "2711"}
    assert g["buses"].prefixes == ("8702",)
    assert g["electric_buses"].prefixes == ("870240",)
    assert all(grp.rationale for grp in g.values())


def test_assignment_prefers_the_most_specific_group():
    codes = pd.Series(
        ["520100", "630900", "300490", "270112", "270900", "271111", "870240", "870290", "010121"]
    )
    got = groups.assign(codes, ["textiles", "pharma", "coal", "hydrocarbons", "buses", "electric_buses"])
    assert got.tolist()[:-1] == [
        "textiles",
        "textiles",
        "pharma",
        "coal",
        "hydrocarbons",
        "hydrocarbons",
        "electric_buses",
        "buses",
    ]
    assert pd.isna(got.iloc[-1])


def test_coal_stops_at_2704_and_hydrocarbons_exclude_other_chapter_27():
    got = groups.assign(pd.Series(["270500", "271500", "270400"]), ["coal", "hydrocarbons"])
    assert pd.isna(got.iloc[0]) and pd.isna(got.iloc[1]) and got.iloc[2] == "coal"


def test_unknown_group_names_suggest_close_matches():
    with pytest.raises(UnknownCodeError, match="did you mean 'pharma'"):
        groups.resolve("pharm")


def test_invalid_prefixes_are_named():
    with pytest.raises(UnknownCodeError, match="'77'.*'9A'") as info:
        groups.CommodityGroup("bad", prefixes=("77", "9A", "52"))
    assert "2 invalid HS prefixes" in str(info.value)


def test_user_groups_can_be_defined_and_loaded(tmp_path):
    groups.define("cotton", ["5201", "5203"], description="Raw cotton", replace=True)
    assert groups.assign(pd.Series(["520100"]), ["cotton"]).iloc[0] == "cotton"
    toml = tmp_path / "mine.toml"
    toml.write_text('[grain]\ndescription = "Cereals"\nprefixes = ["1001", "1003"]\n', encoding="utf-8")
    loaded = groups.load_groups(toml)
    assert groups.resolve("grain") is loaded["grain"]
    with pytest.raises(ValueError, match="built-in"):
        groups.define("pharma", ["30"])


def test_hs_codes_regain_lost_leading_zeros_and_reject_junk():
    assert normalize_hs([10121, 870240.0, "0101.21"]).tolist() == ["010121", "870240", "010121"]
    with pytest.raises(UnknownCodeError, match="'TOTAL'"):
        normalize_hs(["TOTAL", "520100"])


def test_every_builtin_prefix_is_a_real_hs2022_code():
    path = shared_file("hs_nomenclature/harmonized-system.csv")
    hs = pd.read_csv(path, dtype=str)
    known = set(hs.hscode)
    for group in groups.builtin_groups().values():
        for prefix in group.prefixes:
            assert prefix in known, f"{group.name}: {prefix} is not an HS2022 code"
