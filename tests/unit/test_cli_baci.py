"""The main job on BACI-format files: one file per year, HS codes, numeric country codes."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from forecasting.cli import main
from forecasting.data import load_country_facts
from forecasting.simulate import build_true_flows

COUNTRIES = {"KAZ": 398, "PAK": 586, "UZB": 860, "CHN": 156, "RUS": 643, "AFG": 4, "IND": 699, "TUR": 792}
# One HS2017 subheading standing for each demo group (a real extract has thousands).
PRODUCTS = {
    "textiles": 520100,
    "pharma": 300490,
    "coal": 270112,
    "hydrocarbons": 270900,
    "buses": 870240,
    "other": 940360,
}


@pytest.mark.slow
def test_outlook_on_baci_files(tmp_path):
    true = build_true_flows(load_country_facts(), domestic=False)
    true = true[true.exporter.isin(COUNTRIES) & true.importer.isin(COUNTRIES) & (true.year >= 2008)]
    paths = []
    for year, part in true.groupby("year"):
        baci = pd.DataFrame(
            {
                "t": year,
                "i": part.exporter.map(COUNTRIES),
                "j": part.importer.map(COUNTRIES),
                "k": part.commodity.map(PRODUCTS),
                "v": (part.value_usd / 1000).round(3),
                "q": "  1.000",
            }
        )
        path = tmp_path / f"BACI_HS17_Y{year}_V202401.csv"
        baci[baci.v > 0].to_csv(path, index=False)
        paths.append(str(path))
    pd.DataFrame(
        {
            "country_code": list(COUNTRIES.values()),
            "country_name_abbreviation": list(COUNTRIES),
            "country_name_full": list(COUNTRIES),
            "iso_2digit_alpha": [c[:2] for c in COUNTRIES],
            "iso_3digit_alpha": list(COUNTRIES),
        }
    ).to_csv(tmp_path / "country_codes_V202401.csv", index=False)
    pd.DataFrame({"code": list(PRODUCTS.values()), "description": list(PRODUCTS)}).to_csv(
        tmp_path / "product_codes_HS17_V202401.csv", index=False
    )
    out = tmp_path / "report"
    code = main(
        [
            "outlook",
            "--data",
            *paths,
            "--source",
            "baci",
            "--draws",
            "40",
            "--horizon",
            "2030",
            "--out",
            str(out),
            "--no-report",
        ]
    )
    assert code == 0
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["settings"]["demo"] is False and manifest["settings"]["data_source"].startswith("baci")
    forecast = pd.read_parquet(out / "data" / "forecast.parquet")
    assert {"textiles", "pharma", "coal", "hydrocarbons", "buses", "other"} >= set(forecast.commodity)
    assert {"textiles", "other"} <= set(forecast.commodity)
