"""Report tables: unit conversion, summaries traced back to the outlook tables, file round trips."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from forecasting.errors import SchemaError
from forecasting.report import tables


def test_turnover_summary_adds_exports_and_imports_of_the_latest_year(outlook):
    summary = tables.turnover_summary(outlook).set_index("reporter")
    history = tables.main_series(outlook.history)
    for reporter in ("KAZ", "PAK"):
        rows = history[(history["reporter"] == reporter) & (history["year"] == outlook.settings.base_year)]
        exports = rows.loc[rows["flow"] == "export", "value_usd"].sum() / 1e6
        imports = rows.loc[rows["flow"] == "import", "value_usd"].sum() / 1e6
        assert summary.at[reporter, "exports_musd"] == pytest.approx(exports, rel=1e-12)
        assert summary.at[reporter, "turnover_musd"] == pytest.approx(exports + imports, rel=1e-12)


def test_billion_summary_reads_probabilities_of_the_named_years(outlook):
    summary = tables.billion_summary(outlook, years=(2028, 2030, 2040)).set_index("scenario")
    billion = outlook.billion.set_index(["scenario", "year"])["probability"]
    for scenario in summary.index:
        assert summary.at[scenario, "prob_2028_pct"] == pytest.approx(100 * billion[(scenario, 2028)])
        assert summary.at[scenario, "prob_2030_pct"] == pytest.approx(100 * billion[(scenario, 2030)])
    assert summary["prob_2040_pct"].isna().all()  # beyond the horizon: missing, not zero
    first = outlook.first_year.set_index("scenario")["label"]
    assert summary["first_year"].to_dict() == first.to_dict()


def test_billion_summary_horizon_turnover_is_the_80_percent_band(outlook):
    summary = tables.billion_summary(outlook).set_index("scenario")
    horizon = outlook.settings.horizon
    last = outlook.turnover[
        (outlook.turnover["period"].dt.year == horizon) & (outlook.turnover["level"] == 80)
    ]
    rail = last[last["scenario"] == "trans_afghan_railway"].iloc[0]
    assert summary.at["trans_afghan_railway", f"turnover_{horizon}_musd"] == pytest.approx(rail["mean"] / 1e6)
    assert summary.at["trans_afghan_railway", "lower80_musd"] == pytest.approx(rail["lower"] / 1e6)


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
    for name, table in tables.report_tables(outlook).items():
        csv_path, xlsx_path = tables.write_table(table, tmp_path, name)
        from_csv = pd.read_csv(csv_path)
        from_excel = pd.read_excel(xlsx_path)
        assert list(from_csv.columns) == list(table.columns), name
        assert len(from_csv) == len(table) == len(from_excel), name
        numeric = table.select_dtypes("number").columns
        np.testing.assert_allclose(
            from_csv[numeric].to_numpy(float), table[numeric].to_numpy(float), rtol=1e-12
        )
        np.testing.assert_allclose(
            from_excel[numeric].to_numpy(float), table[numeric].to_numpy(float), rtol=1e-12
        )


def test_table_html_formats_by_unit_suffix_and_escapes_text():
    frame = pd.DataFrame(
        {
            "name": ["<b>x</b>"],
            "value_musd": [1234.56],
            "share_pct": [12.345],
            "p_value": [0.0001],
            "n": [np.nan],
        }
    )
    out = tables.table_html(frame, caption="T")
    assert "1,234.6" in out and "12.3" in out and "&lt;0.001" in out
    assert "&lt;b&gt;x&lt;/b&gt;" in out and "<b>x</b>" not in out
    assert "value (USD m)" in out and "share (%)" in out and "–" in out


def test_table_html_says_when_rows_were_cut():
    out = tables.table_html(pd.DataFrame({"a": range(10)}), max_rows=3)
    assert out.count("<tr>") == 4 and "First 3 of 10 rows" in out


def test_scenario_table_keeps_nested_definitions_as_json(outlook):
    table = tables.scenario_table(outlook.scenarios)
    shocks = table[(table["scenario"] == "trans_afghan_railway") & (table["setting"] == "shocks")][
        "value"
    ].item()
    assert '"variable": "transit_days"' in shocks


def test_billion_summary_reads_the_pair_of_the_typed_settings(outlook):
    # Rows of another pair must not change the answer, and a turnover without the pair is refused
    # rather than silently replaced by another reporter's series.
    other = outlook.turnover.assign(reporter="AAA", partner="BBB", mean=1.0, lower=0.5, upper=2.0)
    both = dataclasses.replace(outlook, turnover=pd.concat([other, outlook.turnover], ignore_index=True))
    pd.testing.assert_frame_equal(tables.billion_summary(both), tables.billion_summary(outlook))
    with pytest.raises(SchemaError, match="no rows for the pair KAZ-PAK"):
        tables.billion_summary(dataclasses.replace(outlook, turnover=other))


def test_years_read_back_as_float_print_as_years():
    out = tables.table_html(pd.DataFrame({"median_year": [2034.0, np.nan], "year": [2030.0, 2031.0]}))
    assert "<td>2034</td>" in out and "<td>2030</td>" in out and "2,034" not in out


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
    kaz = summary.set_index("reporter").loc["KAZ"]
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


def test_outlook_tables_without_a_report_table_of_their_own_are_published_as_they_are(outlook):
    published = tables.report_tables(outlook)
    assert published["pair_effects"].equals(outlook.pair_effects)
    assert {"forecast", "turnover", "ge_country"}.isdisjoint(published)  # shown under their report names
