"""Report figures: content of each chart, the demonstration stamp, and stable files."""

from __future__ import annotations

import dataclasses
import hashlib

import pytest

from forecasting.report import charts


def _texts(figure):
    return [t.get_text() for t in figure.texts]


def test_every_chart_is_stamped_when_the_data_are_simulated(outlook):
    for name, figure in charts.report_figures(outlook).items():
        assert charts.DEMO_STAMP in _texts(figure), name


def test_no_stamp_on_real_data(outlook):
    real = dataclasses.replace(outlook, settings=dataclasses.replace(outlook.settings, demo=False))
    for name, figure in charts.report_figures(real).items():
        assert charts.DEMO_STAMP not in _texts(figure), name


def test_commodity_fan_has_one_panel_per_direction_and_two_bands_per_scenario(outlook):
    figure = charts.commodity_fan_chart(outlook, "textiles")  # exported and imported
    assert [a.get_title() for a in figure.axes] == ["KAZ exports to PAK", "KAZ imports from PAK"]
    axes = figure.axes[0]
    scenarios = outlook.forecast["scenario"].nunique()  # statistical + the three scenarios
    assert len(axes.collections) == 2 * scenarios  # 80 and 95 bands for each
    assert len([line for line in axes.lines if line.get_label() != "history"]) == scenarios


def test_turnover_fan_shows_history_and_the_target_line(outlook):
    figure = charts.turnover_fan_chart(outlook)
    years = outlook.history.loc[outlook.history["source"] == "demo", "year"].nunique()
    for axes in [a for a in figure.axes if a.get_visible()]:
        ys = [line.get_ydata() for line in axes.lines]
        assert any(len(y) == 2 and all(v == outlook.settings.target_usd for v in y) for y in ys)
        history = [line for line in axes.lines if line.get_label() == "reported by KAZ"]
        assert len(history) == 1 and len(history[0].get_xdata()) == years
        assert any("mirror rule 'importer'" in line.get_label() for line in axes.lines)


def test_billion_chart_plots_percentages(outlook):
    axes = charts.billion_probability_chart(outlook).axes[0]
    rail = next(line for line in axes.lines if line.get_label() == "trans_afghan_railway")
    expected = outlook.billion[outlook.billion["scenario"] == "trans_afghan_railway"]["probability"] * 100
    assert list(rail.get_ydata()) == pytest.approx(list(expected))


def test_ge_chart_has_one_bar_per_country_and_scenario(outlook):
    figure = charts.ge_effects_chart(outlook)
    countries = len(figure.axes[0].get_yticks())
    scenarios = outlook.ge_country["scenario"].nunique()
    assert countries > 2 and len(figure.axes[0].patches) == countries * scenarios


def test_figure_name_is_file_safe():
    assert charts.figure_name("fan 87.02 (buses)") == "fan_87_02_buses"


def test_saved_png_is_byte_stable(outlook, tmp_path):
    # Each run draws its charts afresh: two figures from one result must give the same bytes.
    first = [
        p.read_bytes()
        for p in charts.save_figure(charts.billion_probability_chart(outlook), tmp_path / "a", "chart")
    ]
    second = [
        p.read_bytes()
        for p in charts.save_figure(charts.billion_probability_chart(outlook), tmp_path / "b", "chart")
    ]
    assert first[0][:8] == b"\x89PNG\r\n\x1a\n" and b"<svg" in first[1]
    # PNG carries no date, so an unchanged chart keeps its checksum (SVG clip ids are random).
    assert hashlib.sha256(first[0]).hexdigest() == hashlib.sha256(second[0]).hexdigest()


def test_a_scenario_has_one_colour_across_charts(outlook):
    billion = charts.billion_probability_chart(outlook).axes[0]
    in_billion = next(
        line for line in billion.lines if line.get_label() == "trans_afghan_railway"
    ).get_color()
    fan = charts.commodity_fan_chart(outlook, "coal").axes[0]
    in_fan = next(line for line in fan.lines if line.get_label() == "trans_afghan_railway").get_color()
    assert in_billion == in_fan == charts.scenario_colours(outlook)["trans_afghan_railway"]
    assert charts.scenario_colours(outlook)["baseline"] != in_fan
