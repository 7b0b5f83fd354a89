"""Report figures: what each chart draws, its legend, its axes, the demonstration stamp, stable files."""

from __future__ import annotations

import dataclasses
import hashlib

import numpy as np
import pandas as pd
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import PolyCollection

from forecasting.report import charts
from forecasting.report.chart_parts import scenario_colours


def _texts(figure):
    return [t.get_text() for t in figure.texts]


def _drawn(axes):
    """Labels of the artists that have something to show (lines with data, bands with width)."""
    labels = []
    for line in axes.lines:
        y = np.asarray(line.get_ydata(), dtype=float)
        if not line.get_label().startswith("_") and np.isfinite(y).any():
            labels.append(line.get_label())
    for item in axes.collections:
        if item.get_label().startswith("_"):
            continue
        if isinstance(item, PolyCollection):
            assert any(len(p.vertices) > 2 for p in item.get_paths()), item.get_label()
        labels.append(item.get_label())
    widest = max((abs(b.get_width()) for b in axes.patches), default=0.0)
    for bars in axes.containers:  # bar charts: a scenario's bars must not all be too short to see
        if not bars.get_label().startswith("_"):
            assert any(abs(b.get_width()) > 0.01 * widest for b in bars.patches), bars.get_label()
            labels.append(bars.get_label())
    return labels


@pytest.fixture(scope="module")
def figures(outlook):
    return charts.report_figures(outlook)


def test_every_chart_is_stamped_when_the_data_are_simulated(figures):
    for name, figure in figures.items():
        assert charts.DEMO_STAMP in _texts(figure), name


def test_no_stamp_on_real_data(outlook):
    real = dataclasses.replace(outlook, settings=dataclasses.replace(outlook.settings, demo=False))
    for name, figure in charts.report_figures(real).items():
        assert charts.DEMO_STAMP not in _texts(figure), name


def test_legends_list_exactly_what_is_drawn(figures):
    for name, figure in figures.items():
        for axes in figure.axes:
            legend = axes.get_legend()
            if legend is None:
                continue
            shown = [t.get_text().replace("\n", " ") for t in legend.get_texts()]
            assert sorted(shown) == sorted(label.replace("\n", " ") for label in _drawn(axes)), (
                name,
                axes.get_title(),
            )
            lines = [
                tuple(np.round(line.get_ydata(), 6))
                for line in axes.lines
                if not line.get_label().startswith("_")
            ]
            same_x = [tuple(line.get_xdata()) for line in axes.lines if not line.get_label().startswith("_")]
            pairs = list(zip(same_x, lines, strict=True))
            assert len(set(pairs)) == len(pairs), (name, "two legend entries for one drawn line")


def test_the_demo_footer_leaves_the_x_axis_years_free(figures):
    for name, figure in figures.items():
        canvas = FigureCanvasAgg(figure)
        canvas.draw()
        renderer = canvas.get_renderer()
        footer = next(t for t in figure.texts if t.get_text() == charts.DEMO_STAMP and t.get_rotation() == 0)
        box = footer.get_window_extent(renderer)
        for axes in figure.axes:
            for label in axes.get_xticklabels():
                if label.get_text():
                    assert not box.overlaps(label.get_window_extent(renderer)), (name, label.get_text())


def test_money_ticks_under_one_million_are_distinct(figures):
    for name in [n for n in figures if n.startswith("fan_")]:
        figure = figures[name]
        figure.canvas.draw()
        for axes in figure.axes:
            labels = [t.get_text() for t in axes.get_yticklabels() if t.get_text()]
            assert len(labels) == len(set(labels)), (name, axes.get_title(), labels)


def test_headline_draws_history_on_the_forecast_basis_with_every_scenario_and_the_target(outlook, figures):
    axes = figures["headline_turnover"].axes[0]
    history = [line for line in axes.lines if line.get_label() == "history (importer's reports)"]
    h = outlook.history
    basis = h[h["source"] == "mirror-reconciled"].groupby("year")["value_usd"].sum()
    np.testing.assert_allclose(history[0].get_ydata(), basis.to_numpy())
    assert any(set(line.get_ydata()) == {outlook.settings.target_usd} for line in axes.lines)
    labels = " ".join(t.get_text() for t in axes.get_legend().get_texts())
    for name in ("baseline", "trans_afghan_railway", "border_closure_stress"):
        assert outlook.scenarios[name].display_name.split(" (")[0] in labels
    assert "Statistical trend" not in labels  # a table row, not a chart line (see Methods)
    rail = next(line for line in axes.lines if line.get_label().startswith("Trans-Afghan railway"))
    opens = int(rail.get_xdata()[0])  # the first year its path departs from the status quo
    assert f"as the status quo until {opens}" in rail.get_label() and 2026 <= opens <= 2035


def test_turnover_fans_say_the_basis_the_text_says(figures):
    for axes in [a for a in figures["fan_turnover"].axes if a.get_visible()]:
        labels = [line.get_label() for line in axes.lines]
        assert "history (importer's reports)" in labels and "forecast (median, same basis)" in labels
        assert not any("reported by" in label for label in labels)


def test_commodity_fans_show_one_band_and_one_line_per_distinct_scenario(outlook, figures):
    axes = figures["fan_coal"].axes[0]  # exports: the scenarios differ
    bands = [c for c in axes.collections if isinstance(c, PolyCollection)]
    assert [b.get_label() for b in bands] == ["status quo: 80 % interval", "status quo: 95 % interval"]
    assert len([line for line in axes.lines if not line.get_label().startswith("history")]) == 3
    for idle in figures["fan_coal"].axes[1:]:  # a direction where every scenario is the same: drawn once
        labels = [line.get_label() for line in idle.lines if not line.get_label().startswith("history")]
        assert len(labels) == len(set(labels))


def test_probability_chart_becomes_none_when_every_chance_is_zero(outlook):
    zero = dataclasses.replace(outlook, billion=outlook.billion.assign(probability=0.0))
    assert charts.billion_probability_chart(zero) is None
    assert "billion_probability" not in charts.report_figures(zero)
    some = _with_chances(outlook)
    axes = charts.billion_probability_chart(some).axes[0]
    status = next(line for line in axes.lines if line.get_label().startswith("Status quo"))
    expected = some.billion[some.billion["scenario"] == "baseline"].sort_values("year")["probability"] * 100
    assert list(status.get_ydata()) == pytest.approx(list(expected))


def test_mirror_markers_are_the_published_figures_only(outlook, figures):
    axes = figures["mirror_history"].axes[0]  # KAZ -> PAK
    marked = sum(len(c.get_offsets()) for c in axes.collections)
    h = outlook.history
    published = h[h["basis"].str.startswith("published") & (
        ((h["reporter"] == "KAZ") & (h["flow"] == "export")) | ((h["reporter"] == "PAK") & (h["flow"] == "import"))
    )]  # fmt: skip
    assert marked == len(published) > 0
    labels = [c.get_label() for c in axes.collections]
    assert labels == ["published figure, 12 months", "published figure, part of a year"]
    assert charts.part_of_year("published, fiscal year Jul-Jun, Jul-Dec FY2025")


def test_ge_chart_has_one_bar_per_country_and_scenario(outlook, figures):
    axes = figures["ge_effects"].axes[0]
    countries = len(axes.get_yticks())
    scenarios = outlook.ge_country["scenario"].nunique()
    assert countries > 2 and len(axes.patches) == countries * scenarios


def test_figure_name_is_file_safe():
    assert charts.figure_name("fan 87.02 (buses)") == "fan_87_02_buses"


def test_saved_png_is_byte_stable(outlook, tmp_path):
    # Each run draws its charts afresh: two figures from one result must give the same bytes.
    first = [
        p.read_bytes() for p in charts.save_figure(charts.headline_chart(outlook), tmp_path / "a", "chart")
    ]
    second = [
        p.read_bytes() for p in charts.save_figure(charts.headline_chart(outlook), tmp_path / "b", "chart")
    ]
    assert first[0][:8] == b"\x89PNG\r\n\x1a\n" and b"<svg" in first[1]
    assert hashlib.sha256(first[0]).hexdigest() == hashlib.sha256(second[0]).hexdigest()


def _with_chances(outlook):
    """The demo outlook with made-up non-zero chances (the demo's are all 0 %), to draw their chart."""
    billion = outlook.billion.sort_values(["scenario", "year"]).reset_index(drop=True)
    return dataclasses.replace(
        outlook, billion=billion.assign(probability=np.linspace(0.01, 0.6, len(billion)))
    )


def test_a_scenario_has_one_colour_across_charts(outlook, figures):
    billion = charts.billion_probability_chart(_with_chances(outlook)).axes[0]
    in_billion = next(
        line for line in billion.lines if line.get_label().startswith("Trans-Afghan")
    ).get_color()
    fan = figures["fan_coal"].axes[0]
    in_fan = next(line for line in fan.lines if line.get_label().startswith("Trans-Afghan")).get_color()
    assert in_billion == in_fan == scenario_colours(outlook)["trans_afghan_railway"]
    assert scenario_colours(outlook)["baseline"] != in_fan


def test_a_band_too_thin_to_see_is_neither_drawn_nor_listed(outlook):
    # A band thinner than a line (here made so: every draw at the central value) must not be
    # promised by the legend.
    forecast = outlook.forecast.copy()
    buses = forecast["commodity"] == "buses"
    for column in ("lower", "upper"):
        forecast.loc[buses, column] = forecast.loc[buses, "median"]
    thin = dataclasses.replace(outlook, forecast=forecast)
    axes = charts.commodity_fan_chart(thin, "buses").axes[0]
    labels = [t.get_text() for t in axes.get_legend().get_texts()]
    assert not any("interval" in label for label in labels)
    assert not [c for c in axes.collections if isinstance(c, PolyCollection)]


def test_ge_chart_names_scenarios_too_small_to_draw_in_the_legend_title(outlook):
    ge = outlook.ge_country
    rail = ge[ge["scenario"] == "trans_afghan_railway"]
    tiny = rail.assign(scenario="kz_pk_east_africa", change_pct=rail["change_pct"] * 1e-4)
    result = dataclasses.replace(outlook, ge_country=pd.concat([ge, tiny], ignore_index=True))
    axes = charts.ge_effects_chart(result).axes[0]
    legend = axes.get_legend()
    assert [t.get_text() for t in legend.get_texts()] == ["Trans-Afghan railway"]
    assert legend.get_title().get_text().replace("\n", " ") == "effect too small to draw: kz pk east africa"
