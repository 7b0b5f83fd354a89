"""Report tables: unit conversion, summaries traced back to the outlook tables, file round trips."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from forecasting.report import tables


def test_turnover_summary_adds_exports_and_imports_of_the_latest_year(outlook):
    summary = tables.turnover_summary(outlook)
    sides = summary[~summary["view"].str.startswith("forecast basis")].set_index("reporter")
    history = tables.main_series(outlook.history)
    for reporter in ("KAZ", "PAK"):
        rows = history[(history["reporter"] == reporter) & (history["year"] == outlook.settings.base_year)]
        exports = rows.loc[rows["flow"] == "export", "value_usd"].sum() / 1e6
        imports = rows.loc[rows["flow"] == "import", "value_usd"].sum() / 1e6
        assert sides.at[reporter, "exports_musd"] == pytest.approx(exports, rel=1e-12)
        assert sides.at[reporter, "turnover_musd"] == pytest.approx(exports + imports, rel=1e-12)


def test_turnover_summary_ends_with_the_forecast_basis_the_series_the_forecast_starts_from(outlook):
    basis = tables.turnover_summary(outlook).iloc[-1]
    assert basis["view"] == "forecast basis (mirror rule 'importer')"
    history = outlook.history
    rows = history[
        (history["source"] == "mirror-reconciled") & (history["year"] == outlook.settings.base_year)
    ]
    assert basis["turnover_musd"] == pytest.approx(rows["value_usd"].sum() / 1e6, rel=1e-12)
    exports = rows.loc[(rows["reporter"] == "KAZ") & (rows["flow"] == "export"), "value_usd"].sum()
    assert basis["exports_musd"] == pytest.approx(exports / 1e6, rel=1e-12)


def _history(rows):
    return pd.DataFrame(rows, columns=["reporter", "partner", "flow", "year", "value_usd", "source", "basis"])


def test_mirror_table_pairs_each_exporter_with_its_importer():
    history = _history(
        [
            ("KAZ", "PAK", "export", 2023, 10e6, "a", "FOB"),
            ("PAK", "KAZ", "import", 2023, 12e6, "b", "CIF"),
            ("PAK", "KAZ", "export", 2023, 40e6, "b", "FOB"),
            ("KAZ", "PAK", "import", 2023, 20e6, "a", "CIF"),
            ("KAZ", "PAK", "export", 2024, 5e6, "a", "FOB"),  # no mirror row: kept, gap missing
        ]
    )
    mirror = tables.mirror_table(history).set_index(["direction", "year"])
    assert mirror.at[("KAZ → PAK", 2023), "ratio"] == pytest.approx(1.2)
    assert mirror.at[("PAK → KAZ", 2023), "gap_musd"] == pytest.approx(-20.0)
    assert np.isnan(mirror.at[("KAZ → PAK", 2024), "importer_reported_musd"])
    assert len(mirror) == 3


def test_coverage_lists_years_missing_inside_the_span():
    history = _history([("KAZ", "PAK", "export", y, 1.0, "a", "FOB") for y in (2015, 2016, 2019)])
    coverage = tables.coverage_table(history).iloc[0]
    assert (coverage["first_year"], coverage["last_year"], coverage["years"]) == (2015, 2019, 3)
    assert coverage["missing_years"] == "2017, 2018"


def test_forecast_table_bands_nest(outlook):
    wide = tables.forecast_table(outlook.forecast, ("reporter", "partner", "flow", "commodity"))
    assert len(wide) == len(outlook.forecast) // 2  # two levels folded into one row
    ordered = wide[["lower95_musd", "lower80_musd", "upper80_musd", "upper95_musd"]].to_numpy()
    assert (np.diff(ordered, axis=1) >= -1e-9).all()
    # The mean of skewed draws (a resampled contract series) may lie outside the 80 % band: it is
    # the mean of the draws, not a band centre.
    means = outlook.forecast[outlook.forecast.level == 80]["mean"].to_numpy() / 1e6
    np.testing.assert_allclose(np.sort(wide["mean_musd"].to_numpy()), np.sort(means))


def test_every_report_table_round_trips_through_csv_and_excel(outlook, tmp_path):
    from forecasting.report import headline
    from forecasting.report.writers import DATA_LABEL_COLUMN, TableNotes, write_table

    notes = TableNotes.of(outlook, headline.scenario_titles(outlook))
    for name, table in tables.report_tables(outlook).items():
        csv_path, xlsx_path = write_table(table, tmp_path, name, notes)
        from_csv = pd.read_csv(csv_path).drop(columns=DATA_LABEL_COLUMN)
        from_excel = pd.read_excel(xlsx_path, sheet_name=name[:31]).drop(columns=DATA_LABEL_COLUMN)
        assert list(from_csv.columns) == list(table.columns), name
        assert len(from_csv) == len(table) == len(from_excel), name
        numeric = table.select_dtypes("number").columns
        np.testing.assert_allclose(
            from_csv[numeric].to_numpy(float), table[numeric].to_numpy(float), rtol=1e-12
        )
        np.testing.assert_allclose(
            from_excel[numeric].to_numpy(float), table[numeric].to_numpy(float), rtol=1e-12
        )


def test_one_off_published_figures_are_not_added_to_the_customs_series(outlook):
    # Shape of the lead's real history: a continuous customs series plus press figures and a
    # 'turnover' flow for the same years (kz_pk_published_trade.csv style rows).
    rows = [
        ("KAZ", "PAK", f, y, v, "customs", "FOB")
        for y in (2023, 2024)
        for f, v in (("export", 10e6), ("import", 30e6))
    ]
    rows += [
        ("PAK", "KAZ", f, y, v, "customs", "CIF")
        for y in (2023, 2024)
        for f, v in (("import", 12e6), ("export", 90e6))
    ]
    rows += [
        (
            "KAZ",
            "PAK",
            "export",
            2024,
            11.8e6,
            "https://www.trend.az/business/transport/4079320.html",
            "published",
        ),
        (
            "KAZ",
            "PAK",
            "turnover",
            2024,
            53.7e6,
            "https://www.trend.az/business/transport/4079320.html",
            "published",
        ),
    ]
    history = _history(rows)
    summary = tables.turnover_summary(dataclasses.replace(outlook, history=history.assign(commodity="TOTAL")))
    kaz = summary.set_index("view").loc["KAZ's reports"]
    assert (kaz["exports_musd"], kaz["turnover_musd"], kaz["source"]) == (10.0, 40.0, "customs")
    mirror = tables.mirror_table(history)
    assert len(mirror) == 4  # two directions x two years, no duplicate from the press figure
    assert mirror.set_index(["direction", "year"]).at[("KAZ → PAK", 2024), "exporter_reported_musd"] == 10.0


def test_ge_focus_puts_the_pair_first_then_the_largest_effects():
    ge = pd.DataFrame(
        {
            "scenario": "rail",
            "country": ["AAA", "BBB", "KAZ", "PAK", "CCC"],
            "measure": "real_gdp",
            "change_pct": [0.01, -0.9, 0.02, 0.03, 0.5],
        }
    )
    countries, measures = tables.ge_focus(ge, pair=("KAZ", "PAK"), max_countries=4)
    assert countries == ["KAZ", "PAK", "BBB", "CCC"] and measures == ["real_gdp"]


def test_report_tables_give_every_share_in_percent_and_every_amount_in_usd_millions(outlook):
    published = tables.report_tables(outlook)
    assert {"forecast", "turnover", "ge_country"}.isdisjoint(published)  # shown under their report names
    effects = published["pair_effects"]
    assert list(effects.columns)[-2:] == ["lower95_pct", "upper95_pct"]
    assert effects["lower95_pct"].tolist() == outlook.pair_effects["lower_95"].tolist()
    backtest = published["baseline_backtest"]
    assert backtest["coverage80_pct"].tolist() == pytest.approx(
        (100 * outlook.baseline_backtest["coverage_80"]).tolist()
    )
    flags = published["data_flags"]
    assert "value_usd" not in flags and flags["value_musd"].iloc[0] == pytest.approx(
        outlook.flags["value_usd"].iloc[0] / 1e6
    )
    first = published["first_year"]
    assert str(first["first_year"].dtype) == "Int64"  # numeric, not "not by 2035" text
    assert (
        first["first_year_note"]
        == outlook.first_year["label"].where(outlook.first_year["median_year"].isna(), "")
    ).all()
    assert set(published) <= set(tables.TABLE_DESCRIPTIONS), (
        "every report table has a description for its notes"
    )
