"""Report sections read back the written files and show the headline numbers."""

from __future__ import annotations

import base64
import dataclasses

from forecasting.report import ReportBook
from forecasting.report.tables import main_series


def test_executive_summary_shows_latest_turnover_of_both_sides(written, outlook):
    html = ReportBook.open(written.out_dir).executive_summary().html
    history = main_series(outlook.history)
    history = history[history["year"] == outlook.settings.base_year]
    for reporter in ("KAZ", "PAK"):
        total = history.loc[history["reporter"] == reporter, "value_usd"].sum() / 1e6
        assert f"USD {total:,.1f} m" in html
    for label in outlook.first_year["label"]:
        assert f"<b>{label}</b>" in html
    assert "<b>trans_afghan_railway</b>" in html and "in 2030" in html
    assert html.count("<table") == 2


def test_the_reporting_basis_shown_is_the_one_derived_for_this_run(written, outlook):
    import html as html_module

    summary = ReportBook.open(written.out_dir).executive_summary().html
    assert html_module.escape(outlook.settings.reporting_basis) in summary


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
    assert "demo" in methods and "Scenario definitions" in methods and "pandas" in methods


def test_methods_list_every_fall_back_and_the_typed_records(written, outlook):
    html = ReportBook.open(written.out_dir).methods().html
    assert "Fall-backs: steps that could not run as asked" in html
    assert html.count("<td>trade elasticity (") == sum(
        e.origin == "pooled" for e in outlook.settings.elasticities
    )
    assert "Run settings: series methods" in html and "<td>resample</td>" in html
    origins = {e.origin for e in outlook.settings.elasticities}
    assert "Run settings: elasticities" in html and all(f"<td>{o}</td>" in html for o in origins)
    assert outlook.settings.ge_description in html


def test_ge_section_is_one_row_per_measure_and_country(written, outlook):
    html = ReportBook.open(written.out_dir).ge_effects().html
    assert "<th>trans afghan railway</th>" in html
    n_rows = 2 * min(10, outlook.ge_country["country"].nunique())  # two measures, the ten countries shown
    assert html.split("General-equilibrium changes")[1].count("<tr>") == n_rows + 1


def test_report_without_history_or_ge_still_renders_every_section(tmp_path, small_outlook):
    from forecasting.report.artefacts import write_artefacts

    result = small_outlook
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
