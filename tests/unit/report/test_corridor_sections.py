"""Corridor sections: opening years, what drives the target, trade potential, what it would take."""

from __future__ import annotations

import pandas as pd
import pytest

from forecasting.report import ReportBook
from forecasting.report.corridor_sections import (
    billion_drivers_chart,
    growth_sentences,
    opening_years_chart,
    trade_potential_chart,
)

NEW_TABLES = ("opening_years", "billion_drivers", "trade_potential", "billion_growth")


def test_the_new_tables_are_published_as_csv_xlsx_and_parquet(written, outlook):
    for name in NEW_TABLES:
        csv = pd.read_csv(written.tables[name])
        labelled = [c for c in csv.columns if c != "data_label"]  # the demo label column of every file
        assert labelled == list(outlook.tables()[name].columns) and len(csv) == len(outlook.tables()[name])
        assert written.workbooks[name].exists() and written.workbooks[name].suffix == ".xlsx"
        parquet = pd.read_parquet(written.data[name])
        assert len(parquet) == len(csv)
    potential = pd.read_csv(written.tables["trade_potential"])
    assert (potential.potential_usd.dropna() >= 0).all()


def test_the_three_corridor_charts_are_written(written):
    for name in ("opening_years", "billion_drivers", "trade_potential"):
        assert written.figures[name].exists() and written.vectors[name].exists()


def test_opening_years_section_names_the_chance_of_no_railway(written, outlook):
    html = ReportBook.open(written.out_dir).corridor_opening_years().html
    assert "Probability that each corridor has opened" in html
    not_open = (
        outlook.opening_years.drop_duplicates("scenario")
        .set_index("scenario")
        .probability_not_open_by_horizon
    )
    assert f"{100 * not_open['trans_afghan_railway']:.1f}" in html  # the share without a line by 2035
    assert "assumption" in html


def test_drivers_section_shows_the_tornado_shares_and_what_it_would_take(written, outlook):
    html = ReportBook.open(written.out_dir).billion_drivers().html
    assert "What drives the chance of reaching the target" in html and html.count("<table") == 1
    assert "opening year" in html and "interaction (rest)" in html
    assert "What it would take" in html
    for sentence in growth_sentences(outlook.billion_growth, outlook.settings.target_usd):
        assert sentence.split(";")[0] in html
    required = outlook.billion_growth.set_index(["role", "target_year"]).required_growth_pct
    assert f"takes {required[('status quo', 2030)]:.1f}% a year" in html


def test_trade_potential_section_shows_both_directions_in_usd_millions(written, outlook):
    html = ReportBook.open(written.out_dir).trade_potential().html
    table = outlook.trade_potential
    biggest = table.loc[table.potential_usd.idxmax()]
    from forecasting.report.formatting import format_musd

    assert format_musd(biggest.potential_usd / 1e6) in html
    assert "Export Potential Indicator" in html


def test_the_tornado_has_a_bar_per_moving_source_around_the_overall_chance(outlook):
    figure = billion_drivers_chart(outlook)
    rail_panel = next(a for a in figure.axes if a.get_title().startswith("Trans-Afghan"))
    labels = [t.get_text() for t in rail_panel.get_yticklabels()]
    assert any(label.startswith("opening year") for label in labels)
    p = outlook.billion_drivers.set_index(["scenario", "source"]).probability
    overall = 100 * p[("trans_afghan_railway", "baseline")]
    assert rail_panel.lines[0].get_xdata()[0] == pytest.approx(overall)
    assert len(rail_panel.patches) == 2 * len(labels)


def test_opening_and_potential_charts_plot_the_tables(outlook):
    (line,) = opening_years_chart(outlook).axes[0].lines
    rail = outlook.opening_years[outlook.opening_years.scenario == "trans_afghan_railway"]
    assert list(line.get_ydata()) == pytest.approx(list(100 * rail.probability_open))
    left, right = trade_potential_chart(outlook).axes[:2]
    assert len(left.patches) == len(right.patches) == 2 * 5  # actual and predicted, five groups
