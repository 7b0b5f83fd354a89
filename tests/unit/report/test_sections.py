"""Report sections read back the written files and show them as a reader needs them."""

from __future__ import annotations

import base64
import dataclasses
import html as html_module
import re

import pandas as pd

from forecasting.report import ReportBook
from forecasting.report.render import SECTIONS
from forecasting.report.sections import _series_losses


def _plain(text: str) -> str:
    return html_module.unescape(re.sub(r"<[^>]+>", " ", text))


def test_the_reporting_basis_shown_is_the_one_derived_for_this_run(written, outlook):
    methods = ReportBook.open(written.out_dir).methods().html
    assert html_module.escape(outlook.settings.reporting_basis) in methods


def test_banner_only_for_demonstration_data(written):
    book = ReportBook.open(written.out_dir)
    assert "DEMONSTRATION DATA" in book.title_block("T").html
    real = dataclasses.replace(book, manifest={**book.manifest, "demo": False})
    assert real.banner().html == ""
    assert "DEMONSTRATION" not in real.title_block("T").html


def test_figures_are_inlined_as_base64_of_the_written_png(written):
    book = ReportBook.open(written.out_dir)
    tag = book.figure_html("headline_turnover")
    payload = tag.split("base64,")[1].split("'")[0]
    assert base64.b64decode(payload) == written.figures["headline_turnover"].read_bytes()


def test_every_listed_section_renders_and_tables_drop_the_label_column(written):
    book = ReportBook.open(written.out_dir)
    for key, _ in SECTIONS:
        assert book.show(key)._repr_html_().strip(), key
    assert "data_label" not in book.table("forecast_turnover").columns
    assert "data label" not in "".join(book.show(key).html for key, _ in SECTIONS)
    fans = book.fan_charts().html
    assert fans.count("data:image/png;base64") == len([n for n in written.figures if n.startswith("fan_")])


def test_a_section_from_another_module_is_called_with_the_book(written):
    section = ReportBook.open(written.out_dir).show("forecasting.report.appendix:flags_html")
    assert "cleaning step" in section.html


def test_baseline_section_shows_the_pairs_own_backtest_and_why_the_path_moves(written, outlook):
    text = ReportBook.open(written.out_dir).baseline().html
    plain = _plain(text)
    assert "The pair's own backtest: baseline against naive and drift" in plain
    assert "Backtest on the pair's own turnover (3 rolling origins from 2015, 6 years ahead)" in plain
    bt = outlook.baseline_backtest
    total = bt[(bt["commodity"] == "TOTAL") & (bt["model"] == "drift")]["relative_mase"].item()
    assert f"drift's {total:.2f} times" in plain
    assert "What drives the status quo: change by good" in plain and "Method of each series" in plain
    assert text.count("<td>turnover</td>") == 3  # baseline, naive and drift on the pair's turnover
    goods = bt[(bt["commodity"] != "TOTAL") & (bt["model"] == "baseline (auto)")]
    lost = goods[goods["relative_mase"] > 1.05]
    assert len(lost), "the demo's backtest has goods where the baseline lost to naive"
    for row in lost.itertuples():  # each loss is named with its ratio and its few windows
        said = f"{row.flow} {row.commodity} ({row.relative_mase:.2f} times naive's error, {row.n_windows} windows"
        assert said in plain
    assert f"for {len(lost)} of the {len(goods)} series backtested: " in plain
    for row in goods[goods["relative_mase"] <= 1.05].itertuples():
        assert f"{row.flow} {row.commodity} (" not in plain


def test_methods_define_the_statistical_trend_and_show_shocks_as_a_table_with_sources(written, outlook):
    text = ReportBook.open(written.out_dir).methods().html
    plain = _plain(text)
    assert "statistical trend only" in plain and "no scenario shock, no known shipment" in plain
    assert "Scenario definitions: every shock and known shipment, with its source" in plain
    assert '"variable"' not in text and "{" not in plain  # no JSON
    assert "<a href='https://en.inform.kz/" in text
    assert "Fall-backs: steps that could not run as asked" in plain
    origins = {e.origin for e in outlook.settings.elasticities}
    assert "Run settings: elasticities" in plain and all(f"<td>{o}</td>" in text for o in origins)
    assert outlook.settings.ge_description in plain
    contracts = plain.split("Known contracts added to the scenario paths")[1].split("Run settings")[0]
    assert "falcon eurobus 600" in contracts and "every scenario but the statistical trend" in contracts
    assert "falcon_eurobus_600" not in contracts and "trans_afghan_railway" not in contracts
    assert "statistical trend only" in plain and "it equals the status quo" in plain
    sources = plain.split("sources:")[1].split(".")[0]
    assert "mirror-reconciled" not in sources  # a series built from the two reports, not a source


def test_coverage_is_compact_with_short_linked_source_names(written):
    text = ReportBook.open(written.out_dir).coverage().html
    published = text.split("Published figures:")[1].split("</table>")[0]
    assert published.count("<tr>") <= 14  # one row per source, not one per figure
    assert "<a href='https://www.dawn.com/" in published and ">dawn.com</a>" in published
    assert not re.search(r"<td[^>]*>https?://", text)  # no bare addresses in cells
    sites = re.findall(r"<a href='[^']+'>([^<]+)</a>", published)
    assert len(sites) == len(set(sites))  # one row per site, however many articles it has


def test_gravity_estimates_stand_beside_the_simulators_truth_on_demo_data(written, outlook):
    text = ReportBook.open(written.out_dir).gravity().html
    plain = _plain(text)
    assert "truth (simulator)" in plain and "gap (standard errors)" in plain
    within = int((outlook.coefficients["truth_gap_se"].abs() <= 3).sum())
    assert f"{within} of {len(outlook.coefficients)} estimates lie within 3 standard errors" in plain


def test_ge_section_is_one_row_per_measure_and_country_with_corridor_names(written, outlook):
    text = ReportBook.open(written.out_dir).ge_effects().html
    assert "<th class=num>Trans-Afghan railway</th>" in text
    n_rows = 2 * min(10, outlook.ge_country["country"].nunique())  # two measures, the ten countries shown
    assert text.split("General-equilibrium changes")[1].count("<tr>") == n_rows + 1


def test_no_local_file_path_in_any_section(written):
    book = ReportBook.open(written.out_dir)
    page = (
        book.title_block("T").html
        + book.first_screen().html
        + "".join(book.show(k).html for k, _ in SECTIONS)
    )
    assert str(written.out_dir.parent) not in page
    assert not re.search(r"(?<![\w/.:-])/(?:tmp|home|work|root|usr|var|Users)/", page)
    assert "flows.csv" in page  # the input is named, by its file name only


def test_report_without_history_or_ge_still_renders_every_section(tmp_path, small_outlook):
    from forecasting.report.artefacts import write_artefacts

    bare = dataclasses.replace(
        small_outlook, history=small_outlook.history.iloc[0:0], ge_country=small_outlook.ge_country.iloc[0:0]
    )
    book = ReportBook.open(write_artefacts(bare, tmp_path / "bare").out_dir)
    assert book.first_screen().html
    for key, _ in SECTIONS:
        assert book.show(key).html, key


def test_scenario_tables_follow_the_ranked_order_by_title(written):
    book = ReportBook.open(written.out_dir)
    ranked = book.table("summary_scenarios")["title"].tolist()
    for text, caption in ((book.fan_charts().html, "Turnover forecast in"),
                          (book.billion_probability().html, "Median first year")):  # fmt: skip
        rows = re.findall(r"<tr><td>([^<]+)</td>", text.split(caption)[1].split("</table>")[0])
        assert [html_module.unescape(r) for r in rows] == ranked, caption


def test_target_section_reads_a_chance_under_one_percent_against_real_series(written):
    from forecasting.projection.small_chances import small_chance_note

    book = ReportBook.open(written.out_dir)
    chances = book.table("summary_scenarios")["prob_by_horizon_pct"] / 100
    shown = small_chance_note([0.0]) in book.billion_probability().html
    assert shown == bool((chances < 0.01).any())


def test_target_section_explains_a_central_path_faster_than_needed_without_the_draws(written, tmp_path):
    import shutil

    book = ReportBook.open(written.out_dir)
    assert "grows faster than needed" not in book.billion_probability().html
    copy = tmp_path / "copy"
    shutil.copytree(written.out_dir, copy)
    need = book.table("summary_target")
    need.loc[need["year"] == 2035, "reference_growth_pct"] = 33.5  # the full CLI run's numbers
    need.to_csv(copy / "tables" / "summary_target.csv", index=False)
    text = ReportBook.open(copy).billion_probability().html
    assert "The status quo's central path grows faster than needed to 2035, yet most draws" in text
    assert "status quo growth (%)" in text


def test_series_that_never_lost_to_naive_are_summed_up_not_named():
    backtest = pd.DataFrame(
        {"flow": ["export", "export", "export"], "commodity": ["coal", "TOTAL", "coal"],
         "model": ["baseline (auto)", "baseline (auto)", "naive"], "relative_mase": [0.98, 0.9, 1.0],
         "n_windows": [3, 3, 3], "horizon": [2, 6, 2]}
    )  # fmt: skip
    assert _series_losses(backtest) == (
        "<p>By series (1 backtested), the baseline did at least about as well as naive in each.</p>"
    )
    assert _series_losses(backtest[backtest.commodity == "TOTAL"]) == ""
    worse = backtest.assign(relative_mase=[1.3, 0.9, 1.0])
    assert (
        "for 1 of the 1 series backtested: export coal (1.30 times naive's error, 3 windows 2 years ahead)."
        in (_series_losses(worse))
    )
