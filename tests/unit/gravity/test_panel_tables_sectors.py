"""Panel building, regression tables, sector-by-sector estimation and separation reports."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from forecasting.errors import SchemaError
from forecasting.gravity import (
    add_distance,
    add_intranational,
    add_lags_leads,
    border_year_dummies,
    great_circle_km,
    ols,
    ppml,
    ppml_by_sector,
    regression_table,
    square_panel,
)
from forecasting.gravity.separation import dropped_summary, zero_fixed_effect_levels
from tests.conftest import shared_file
from tests.unit.gravity.conftest import make_panel


def test_square_panel_fills_zeros_and_flags_them() -> None:
    flows = pd.DataFrame(
        {
            "exporter": ["KAZ", "PAK", "KAZ"],
            "importer": ["PAK", "KAZ", "UZB"],
            "year": [2020, 2020, 2021],
            "value_usd": [5.0, 2.0, 1.0],
        }
    )
    out = square_panel(flows)
    assert len(out) == 3 * 2 * 2  # 3 countries, ordered pairs without domestic, 2 years
    assert out["value_usd"].sum() == pytest.approx(8.0)
    assert (out["flags"] == "zero_filled").sum() == len(out) - 3
    with pytest.raises(SchemaError, match="2 rows share a key"):
        square_panel(pd.concat([flows, flows.iloc[[0]]], ignore_index=True))
    with pytest.raises(SchemaError, match="outside the requested countries"):
        square_panel(flows, countries=["KAZ", "PAK"])


def test_intranational_flows_and_errors() -> None:
    panel = pd.DataFrame(
        {"exporter": ["A", "B"], "importer": ["B", "A"], "year": [2000, 2000], "value_usd": [3.0, 1.0]}
    )
    production = pd.DataFrame({"country": ["A", "B"], "year": [2000, 2000], "production_usd": [10.0, 0.5]})
    with pytest.raises(SchemaError, match="exports exceed production for 'B 2000'"):
        add_intranational(panel, production)
    production.loc[1, "production_usd"] = 4.0
    out = add_intranational(panel, production)
    domestic = out[out["exporter"] == out["importer"]].set_index("exporter")["value_usd"]
    assert domestic.to_dict() == {"A": 7.0, "B": 3.0}
    with pytest.raises(SchemaError, match="already has 2 intra-national rows"):
        add_intranational(out, production)


def test_lags_leads_by_calendar_year_match_yotov_data() -> None:
    data = pd.read_csv(shared_file("yotov2016_agtpa/datasets/agtpa_applications.csv.gz"))
    data = data[data["year"].isin(range(1986, 2007, 4))].astype({"year": int})
    out = add_lags_leads(data[["exporter", "importer", "year", "RTA"]], ["RTA"], lags=[4, 8], leads=[4])
    # The book ships its own lag columns, built from its RTA entry dates; they differ from
    # the shipped RTA column shifted by four years on 0.7-5% of rows, so the exact check is
    # against the annual RTA series itself.
    # Exact check against an annual panel: our 4-year lag on the 4-yearly sample equals the
    # annual series shifted by four years.
    annual = pd.read_csv(shared_file("yotov2016_agtpa/datasets/agtpa_applications.csv.gz")).astype(
        {"year": int}
    )
    shifted = annual[["exporter", "importer", "year", "RTA"]].assign(year=lambda d: d["year"] + 4)
    check = out.merge(shifted, on=["exporter", "importer", "year"], suffixes=("", "_annual"))
    present = check["RTA_lag4"].notna()
    np.testing.assert_array_equal(check.loc[present, "RTA_lag4"], check.loc[present, "RTA_annual"])


def test_border_year_dummies() -> None:
    panel = make_panel(n_countries=4, years=(2000, 2004))
    panel = pd.concat([panel, panel.assign(importer=panel["exporter"]).drop_duplicates(["exporter", "year"])])
    out = border_year_dummies(panel)
    assert list(out.filter(like="intl_brdr").columns) == ["intl_brdr_2004"]
    assert out.loc[out["exporter"] == out["importer"], "intl_brdr_2004"].eq(0).all()
    with pytest.raises(SchemaError, match="reference_year=1999"):
        border_year_dummies(panel, reference_year=1999)


def test_distance_from_geodist_and_great_circle() -> None:
    geodist = pd.read_csv(shared_file("cepii_geodist/dist_cepii.csv"), sep=";")
    panel = pd.DataFrame({"exporter": ["KAZ", "PAK"], "importer": ["PAK", "KAZ"], "year": [2020, 2020]})
    out = add_distance(panel, geodist=geodist)
    # PROVENANCE.md 5a: KAZ-PAK distw 2,222.3 km, contig 0.
    assert out["dist_km"].tolist() == pytest.approx([2222.3, 2222.3], abs=0.1)
    assert out["contig"].tolist() == [0, 0]
    with pytest.raises(SchemaError, match="no distance for 1 pairs: 'KAZ-XXX'"):
        add_distance(
            pd.DataFrame({"exporter": ["KAZ"], "importer": ["XXX"], "year": [2020]}), geodist=geodist
        )
    # Great circle: a quarter of a meridian is 10,007.5 km on the IUGG mean sphere.
    assert float(great_circle_km(0.0, 0.0, 90.0, 0.0)) == pytest.approx(np.pi / 2 * 6371.0088, rel=1e-12)
    capitals = pd.DataFrame({"iso3": ["KAZ", "PAK"], "lat": [51.17, 33.68], "lon": [71.45, 73.05]})
    gc = add_distance(panel, capitals=capitals)
    assert gc["dist_km"].iloc[0] == pytest.approx(gc["dist_km"].iloc[1])
    assert 1900 < gc["dist_km"].iloc[0] < 2000  # Astana-Islamabad; GeoDist distcap 1,952.8 km


def test_regression_table_formats(panel: pd.DataFrame) -> None:
    models = {
        "PPML": ppml(panel, "value_usd ~ rta + ln_tariff", fe="structural", cluster="pair"),
        "OLS": ols(panel, "value_usd ~ rta + ln_tariff", fe="structural", cluster="pair"),
    }
    md = regression_table(models)
    frame = md.to_frame()
    assert list(frame.columns) == ["PPML", "OLS"]
    assert frame.loc["Observations", "PPML"] == f"{models['PPML'].nobs:,}"
    assert frame.loc["Clustered by"].tolist() == ["pair", "pair"]
    assert frame.loc["FE: pair"].tolist() == ["Yes", "Yes"]
    assert frame.loc["rta", "PPML"].startswith(f"{models['PPML'].coef['rta']:.3f}")
    latex = regression_table(models, format="latex")
    assert latex.startswith(r"\begin{tabular}{lcc}") and r"FE: exp\_year" in latex
    html = regression_table(models, format="html", stars=False)
    assert "<table" in html and "*" not in html.split("<p>")[0]
    with pytest.raises(ValueError, match="format='docx' is not valid"):
        regression_table(models, format="docx")


@pytest.mark.slow
def test_sector_by_sector_in_parallel_and_failures_kept() -> None:
    a = make_panel(n_countries=6, seed=1).assign(commodity="coal")
    b = make_panel(n_countries=6, seed=2).assign(commodity="textiles")
    c = make_panel(n_countries=6, seed=3).assign(commodity="buses", value_usd=0.0)  # nothing to estimate
    data = pd.concat([a, b, c], ignore_index=True)
    out = ppml_by_sector(data, "value_usd ~ rta + ln_tariff", fe="structural", n_jobs=2)
    assert sorted(out.results) == ["coal", "textiles"]
    assert "buses" in out.failures
    single = ppml(a, "value_usd ~ rta + ln_tariff", fe="structural")
    coal = out.tidy().query("commodity == 'coal'").set_index("term")["estimate"]
    np.testing.assert_allclose(coal[single.coef.index], single.coef, atol=1e-12)
    assert "| | coal | textiles |" in out.regression_table()
    with pytest.raises(Exception, match="sector 'buses' failed"):
        ppml_by_sector(data, "value_usd ~ rta + ln_tariff", fe="structural", n_jobs=1, on_error="raise")


def test_separation_helpers_name_the_level() -> None:
    data = make_panel(n_countries=5, seed=5)
    zero_pair = (data["exporter"] == "C01") & (data["importer"] == "C02")
    data.loc[zero_pair, "value_usd"] = 0.0
    data["pair"] = data["exporter"] + "_" + data["importer"]
    found = zero_fixed_effect_levels(data, "value_usd", ["pair"])
    assert set(found["level"]) >= {"C01_C02"}
    res = ppml(data, "value_usd ~ rta + ln_tariff", fe="structural")
    summary = dropped_summary(res).set_index("reason")
    assert summary.loc["separated", "rows"] >= zero_pair.sum()
