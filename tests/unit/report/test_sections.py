"""Report sections read back the written files and show the headline numbers."""

from __future__ import annotations

import base64
import dataclasses

from forecasting.report import ReportBook


def test_executive_summary_shows_latest_turnover_of_both_sides(written, outlook):
    html = ReportBook.open(written.out_dir).executive_summary().html
    history = outlook.history[outlook.history["year"] == 2024]
    for reporter in ("KAZ", "PAK"):
        total = history.loc[history["reporter"] == reporter, "value_usd"].sum() / 1e6
        assert f"USD {total:,.1f} m" in html
    assert "Trans-Afghan railway" in html and "<b>2034</b>" in html
    assert "in 2030" in html and "in 2035" in html
    assert html.count("<table") == 2


def test_banner_only_for_demonstration_data(written):
    book = ReportBook.open(written.out_dir)
    assert "DEMONSTRATION DATA" in book.title_block("T").html
    real = dataclasses.replace(book, manifest={**book.manifest, "demo": False})
    assert real.banner().html == ""
    assert "DEMONSTRATION" not in real.title_block("T").html


def test_figures_are_inlined_as_base64_of_the_written_png(written):
    book = ReportBook.open(written.out_dir)
    tag = book.figure_html("billion_probability")
    payload = tag.split("base64,")[1].split("'")[0]
    assert base64.b64decode(payload) == written.figures["billion_probability"].read_bytes()


def test_every_section_renders_html(written):
    book = ReportBook.open(written.out_dir)
    for method in (
        "coverage",
        "gravity",
        "ge_effects",
        "fan_charts",
        "billion_probability",
        "methods",
        "flags_appendix",
    ):
        section = getattr(book, method)()
        assert section._repr_html_().strip(), method
    fans = book.fan_charts().html
    assert fans.count("data:image/png;base64") == len([n for n in written.figures if n.startswith("fan_")])
    methods = book.methods().html
    assert "demo_kaz_stat" in methods and "Scenario definitions" in methods and "pandas" in methods


def test_nested_settings_become_their_own_tables(written):
    book = ReportBook.open(written.out_dir)
    settings = {
        **book.settings,
        "series_methods": [
            {"commodity": "coal", "method": "ets"},
            {"commodity": "buses", "method": "resample"},
        ],
        "elasticities": {"coal": {"estimate": -5.65, "origin": "pooled"}},
    }
    nested = dataclasses.replace(book, manifest={**book.manifest, "settings": settings})
    html = nested.methods().html
    assert "Run settings: series methods" in html and "<td>resample</td>" in html
    assert "Run settings: elasticities" in html and "<td>pooled</td>" in html


def test_ge_section_is_one_row_per_measure_and_country(written, outlook):
    html = ReportBook.open(written.out_dir).ge_effects().html
    assert "<th>trans afghan rail</th>" in html and "<th>qtta karakoram</th>" in html
    n_rows = 2 * outlook.ge_country["country"].nunique()  # two measures, seven countries
    assert html.split("General-equilibrium changes")[1].count("<tr>") == n_rows + 1


def test_report_without_history_or_ge_still_renders_every_section(tmp_path):
    from forecasting.report._example import example_result
    from forecasting.report.artefacts import write_artefacts

    result = example_result(commodities=("coal",))
    bare = dataclasses.replace(
        result, history=result.history.iloc[0:0], ge_country=result.ge_country.iloc[0:0]
    )
    book = ReportBook.open(write_artefacts(bare, tmp_path / "bare").out_dir)
    for method in (
        "executive_summary",
        "coverage",
        "gravity",
        "ge_effects",
        "fan_charts",
        "billion_probability",
        "methods",
        "flags_appendix",
    ):
        assert getattr(book, method)().html, method
