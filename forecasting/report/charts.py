"""Report figures drawn with matplotlib's object interface (no pyplot state, no display needed).

Each builder takes an :class:`OutlookResult` and returns a ``Figure``; ``save_figure`` writes
PNG and SVG. Every forecast chart draws the history on the forecast's own basis (the
mirror-reconciled series), so past and future are comparable. Scenarios are named by their
titles; the status quo is the grey reference, and scenarios whose path coincides with
another are drawn once, their legend entry naming both. When the result rests on
demonstration data every figure carries a stamp, so a chart copied out of the report cannot
be mistaken for a real forecast.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from forecasting.files import atomic_write
from forecasting.report import headline
from forecasting.report.chart_parts import (
    DEMO_STAMP,
    PALETTE,
    TARGET_COLOUR,
    VISIBLE_BAND,
    departure_year,
    fan,
    group_label,
    legend,
    merge_identical,
    new_figure,
    scenario_colours,
    scenario_label,
    usd_axis,
)
from forecasting.report.headline import basis_words
from forecasting.report.tables import ge_focus, mirror_table

if TYPE_CHECKING:  # annotations only: the notebook kernel need not import the outlook's types
    from forecasting.projection.result import OutlookResult

__all__ = ["DEMO_STAMP", "PALETTE", "figure_name", "report_figures", "save_figure", "scenario_colours"]


def figure_name(text: str) -> str:
    """A file-safe figure name.

    Examples
    --------
    >>> figure_name("fan HS 87.02/buses")
    'fan_HS_87_02_buses'
    """
    return re.sub(r"[^A-Za-z0-9_-]+", "_", text).strip("_")


def _drawn_scenarios(result: OutlookResult) -> list[str]:
    """Scenarios charts draw: the status quo and every scenario, not the statistical trend (a table row)."""
    present = set(result.turnover["scenario"])
    return [n for n in headline.scenario_titles(result) if n in present and n != headline.STATISTICAL] or [
        headline.STATISTICAL
    ]


def basis_history(result: OutlookResult, **keys: str) -> pd.Series:
    """Yearly history on the forecast's basis (mirror-reconciled), summed over the rows matching ``keys``."""
    rows = headline.forecast_basis_history(result.history)
    rows = rows[rows["reporter"] == result.settings.pair[0]]
    for column, value in keys.items():
        rows = rows[rows[column] == value]
    return rows.groupby("year")["value_usd"].sum().sort_index()


def _target_line(axes, result: OutlookResult) -> None:
    target = result.settings.target_usd
    axes.axhline(
        target, color=TARGET_COLOUR, linestyle="--", linewidth=1.2, label=f"target: USD {target / 1e9:g} bn"
    )


def headline_chart(result: OutlookResult) -> Figure:
    """The page's headline: turnover history and every scenario's path on one basis, with the target.

    The status quo is drawn with its 80 and 95 percent bands; every other scenario as its
    central line (bands of all of them in one panel would hide each other: the fan charts
    section has one panel per scenario).

    Examples
    --------
    >>> from forecasting.projection.pipeline import example_outlook
    >>> axes = headline_chart(example_outlook()).axes[0]
    >>> axes.get_yscale(), len(axes.get_legend().get_texts())
    ('log', 7)
    """
    paths = headline.pair_turnover(result)
    central = headline.central_column(paths)
    colours = scenario_colours(result)
    reference = headline.reference_scenario(result)
    figure = new_figure(result, 9.0, 5.4)
    axes = figure.subplots()
    history = basis_history(result)
    axes.plot(history.index, history.to_numpy(), color="black", linewidth=1.4,
              label=f"history ({basis_words(result.settings.mirror_rule)})")  # fmt: skip
    lines = {n: p.drop_duplicates("year").set_index("year")[central] for n, p in paths.groupby("scenario")}
    for lead, members in merge_identical(lines, _drawn_scenarios(result)):
        since = None if lead == reference else departure_year(lines[lead], lines.get(reference, lines[lead]))
        label = group_label(result, members) + (f" (as the status quo until {since})" if since else "")
        fan(axes, paths[paths["scenario"] == lead], colours.get(lead, PALETTE[0]), label, bands=lead == reference,
            central=central, band_label="status quo: ", since=since)  # fmt: skip
    _target_line(axes, result)
    usd_axis(axes, log=True)
    axes.set_xlabel("year")
    a, b = result.settings.pair
    axes.set_title(
        f"{a}–{b} turnover (exports + imports) by scenario, on the {basis_words(result.settings.mirror_rule)}",
        fontsize=10,
    )
    word = "mean" if central == "mean" else "median"
    legend(axes, loc="upper left", fontsize=7, title=f"lines: {word} of the draws", title_fontsize=7)
    return figure


def turnover_fan_chart(result: OutlookResult) -> Figure:
    """Turnover fan chart, one panel per scenario, with the history on the forecast's basis and the target.

    Examples
    --------
    >>> from forecasting.projection.pipeline import example_outlook
    >>> figure = turnover_fan_chart(example_outlook())
    >>> len([a for a in figure.axes if a.get_visible()])  # the status quo and two scenarios
    3
    """
    paths = headline.pair_turnover(result)
    central = headline.central_column(paths)
    scenarios = _drawn_scenarios(result)
    colours = scenario_colours(result)
    reference = headline.reference_scenario(result)
    columns = min(len(scenarios), 3)
    rows_needed = int(np.ceil(len(scenarios) / columns))
    figure = new_figure(result, 4.4 * columns, 3.6 * rows_needed + 0.4)
    panels = figure.subplots(rows_needed, columns, squeeze=False, sharey=True).ravel()
    history = basis_history(result)
    basis = basis_words(result.settings.mirror_rule)
    for axes, scenario in zip(panels, scenarios, strict=False):
        axes.plot(history.index, history.to_numpy(), color="black", linewidth=1.2, label=f"history ({basis})")
        if scenario != reference:
            ref = paths[paths["scenario"] == reference].drop_duplicates("year")
            axes.plot(ref["year"], ref[central], color="#999999", linestyle=":", linewidth=1.2,
                      label=f"{scenario_label(result, reference)} ({central})")  # fmt: skip
        fan(axes, paths[paths["scenario"] == scenario], colours[scenario], f"forecast ({central}, same basis)",
            central=central)  # fmt: skip
        _target_line(axes, result)
        axes.set_title(scenario_label(result, scenario), fontsize=9)
        usd_axis(axes, log=True)
        legend(axes, fontsize=6)
    for axes in panels[len(scenarios) :]:
        axes.set_visible(False)
    figure.suptitle(f"Turnover by scenario on the {basis}: bands of 80 % and 95 %", fontsize=11)
    return figure


def commodity_fan_chart(result: OutlookResult, commodity: str) -> Figure:
    """One commodity, one panel per direction: the status quo's bands and every scenario's central line.

    Examples
    --------
    >>> from forecasting.projection.pipeline import example_outlook
    >>> [a.get_title() for a in commodity_fan_chart(example_outlook(), "textiles").axes]
    ['KAZ exports to PAK', 'KAZ imports from PAK']
    """
    rows = result.forecast[result.forecast["commodity"] == commodity]
    rows = rows.assign(year=rows["period"].dt.year)
    central = headline.central_column(rows)
    directions = rows[["reporter", "partner", "flow"]].drop_duplicates().sort_values(["reporter", "flow"])
    colours = scenario_colours(result)
    reference = headline.reference_scenario(result)
    figure = new_figure(result, 10.4, 3.9)  # same width whatever the number of panels
    panels = figure.subplots(1, max(len(directions), 1), squeeze=False)[0]
    for axes, direction in zip(panels, directions.itertuples(index=False), strict=False):
        series = rows[(rows["reporter"] == direction.reporter) & (rows["flow"] == direction.flow)]
        past = basis_history(result, commodity=commodity, flow=direction.flow)
        verb = "exports to" if direction.flow == "export" else "imports from"
        axes.set_title(f"{direction.reporter} {verb} {direction.partner}", fontsize=10)
        if not (past.abs().sum() > 0 or series[["mean", "upper"]].abs().to_numpy().sum() > 0):
            axes.text(0.5, 0.5, "no trade in the history\nand none forecast", ha="center", va="center",
                      transform=axes.transAxes, fontsize=10, color="#555555")  # fmt: skip
            axes.set_yticks([])
            continue
        axes.plot(past.index, past.to_numpy(), color="black", linewidth=1.2,
                  label=f"history ({basis_words(result.settings.mirror_rule)})")  # fmt: skip
        lines = {
            n: p.drop_duplicates("year").set_index("year")[central] for n, p in series.groupby("scenario")
        }
        drawn = _drawn_scenarios(result)
        for lead, members in merge_identical(lines, drawn):
            since = (
                None if lead == reference else departure_year(lines[lead], lines.get(reference, lines[lead]))
            )
            fan(axes, series[series["scenario"] == lead], colours.get(lead, PALETTE[0]),
                group_label(result, members, drawn=len(drawn)), bands=lead == reference, central=central,
                band_label="status quo: ", since=since)  # fmt: skip
        usd_axis(axes)
        legend(axes, fontsize=6)
    figure.suptitle(
        f"{commodity}: status quo with 80 % and 95 % bands, and each scenario's {central}", fontsize=11
    )
    return figure


def billion_probability_chart(result: OutlookResult) -> Figure | None:
    """Probability by year that turnover reaches the target, one line per scenario; None when all are 0.

    A chart of flat lines at 0 % says nothing a sentence cannot; the report then writes the sentence.

    Examples
    --------
    >>> from dataclasses import replace
    >>> from forecasting.projection.pipeline import example_outlook
    >>> result = example_outlook()
    >>> never = replace(result, billion=result.billion.assign(probability=0.0))
    >>> billion_probability_chart(never) is None  # no scenario ever reaches USD 1 bn: a sentence instead
    True
    """
    billion = result.billion.sort_values(["scenario", "year"])
    if not (billion["probability"] > 0).any():
        return None
    colours = scenario_colours(result)
    target = result.settings.target_usd
    figure = new_figure(result, 7.5, 4.2)
    axes = figure.subplots()
    lines = {n: 100 * p.set_index("year")["probability"] for n, p in billion.groupby("scenario")}
    reference = headline.reference_scenario(result)
    for lead, members in merge_identical(lines, _drawn_scenarios(result)):
        line = lines[lead]
        since = (
            None
            if lead == reference
            else departure_year(line, lines.get(reference, line), tolerance_pct=1e-6)
        )
        line = line[line.index >= since] if since is not None else line
        axes.plot(line.index, line.to_numpy(), marker="o", markersize=3, color=colours.get(lead, PALETTE[0]),
                  label=group_label(result, members))  # fmt: skip
    top = float(billion["probability"].max()) * 100
    ceiling = 100.0 if top > 40 else float(np.ceil(1.25 * top / 10) * 10)  # low chances stay readable
    if ceiling >= 50:
        axes.axhline(50, color="grey", linestyle=":", linewidth=1, label="50 % (the median path reaches it)")
    axes.set_ylim(-0.02 * ceiling, ceiling * 1.02)
    axes.set_ylabel("probability (%)")
    axes.set_xlabel("year")
    axes.grid(alpha=0.3)
    legend(axes, fontsize=7)
    axes.set_title(f"Probability that annual turnover is at least USD {target / 1e9:g} bn", fontsize=11)
    return figure


def mirror_history_chart(result: OutlookResult) -> Figure:
    """Each direction of trade as reported by its exporter and by its importer, with published figures.

    Published figures (press releases, ministries) of the same direction are markers: crosses
    for whole years, open triangles for parts of a year (lower by construction).

    Examples
    --------
    >>> from forecasting.projection.pipeline import example_outlook
    >>> [a.get_title() for a in mirror_history_chart(example_outlook()).axes]
    ['KAZ → PAK', 'PAK → KAZ']
    """
    mirror = mirror_table(result.history)
    directions = list(mirror["direction"].unique())
    figure = new_figure(result, 5.2 * max(len(directions), 1), 3.8)
    panels = figure.subplots(1, max(len(directions), 1), squeeze=False)[0]
    for axes, direction in zip(panels, directions, strict=False):
        part = mirror[mirror["direction"] == direction]
        exporter, importer = direction.split(" → ")
        for column, marker, label in (
            ("exporter_reported_musd", "o", f"reported by {exporter} (its exports)"),
            ("importer_reported_musd", "s", f"reported by {importer} (its imports)"),
        ):
            axes.plot(part["year"], part[column] * 1e6, marker=marker, markersize=3, label=label)
        published = published_figures(result.history, exporter, importer)
        partial = published["basis"].map(part_of_year).astype(bool)
        for rows, marker, label in ((published[~partial], "x", "published figure, 12 months"),
                                    (published[partial], "^", "published figure, part of a year")):  # fmt: skip
            paint = {"edgecolors": "black", "facecolors": "none"} if marker == "^" else {"color": "black"}
            if len(rows):
                axes.scatter(
                    rows["year"], rows["value_usd"], marker=marker, s=22, zorder=3, label=label, **paint
                )
        axes.set_title(direction, fontsize=10)
        usd_axis(axes)
        legend(axes, fontsize=7)
    figure.suptitle("Both sides' reported trade (mirror statistics) and published figures", fontsize=11)
    return figure


def part_of_year(basis: str) -> bool:
    """True when a published figure's period is part of a year ("Jan-Jul 2025", "Q1 2025", "Jul-Dec FY2025").

    Examples
    --------
    >>> part_of_year("published, calendar year, 2023"), part_of_year("published, fiscal year Jul-Jun, FY2023-24")
    (False, False)
    >>> part_of_year("published, fiscal year Jul-Jun, Jul-Feb FY2024")
    True
    """
    period = str(basis).split(", ")[-1].strip()
    return re.fullmatch(r"(FY)?\d{4}(-\d{2,4})?", period) is None


def published_figures(history: pd.DataFrame, exporter: str, importer: str) -> pd.DataFrame:
    """Published export/import figures of one direction (press, ministries): not a customs or model series."""
    direction = (
        (history["reporter"] == exporter) & (history["partner"] == importer) & (history["flow"] == "export")
    ) | ((history["reporter"] == importer) & (history["partner"] == exporter) & (history["flow"] == "import"))
    published = history["basis"].astype(str).str.startswith("published")
    return history[direction & published & history["value_usd"].notna()]


def ge_effects_chart(result: OutlookResult) -> Figure:
    """General-equilibrium effects by country: bars per scenario, one panel per headline measure.

    Only the pair and the most affected countries are drawn (see ``tables.ge_focus``); the
    full table is in ``tables/ge_effects.csv``.

    Examples
    --------
    >>> from forecasting.projection.pipeline import example_outlook
    >>> len(ge_effects_chart(example_outlook()).axes)
    2
    """
    ge = result.ge_country
    countries, measures = ge_focus(ge, pair=result.settings.pair)
    shown = ge[ge["country"].isin(countries) & ge["measure"].isin(measures)]
    size = shown.assign(size=shown["change_pct"].abs()).groupby("scenario")["size"].max()
    known = list(headline.scenario_titles(result))
    present = [n for n in known if n in size.index] + sorted(set(size.index) - set(known))
    # Bars shorter than a pixel or two would be legend entries of nothing visible.
    largest = float(size.max()) if len(size) else 0.0
    scenarios = [n for n in present if size[n] > VISIBLE_BAND * largest and size[n] > 0]
    idle = [scenario_label(result, n) for n in present if n not in scenarios]
    colours = scenario_colours(result)
    figure = new_figure(
        result, 5.0 * max(len(measures), 1), 0.2 * len(countries) * max(len(scenarios), 1) + 2.0
    )
    panels = figure.subplots(1, max(len(measures), 1), squeeze=False, sharey=True)[0]
    height = 0.8 / max(len(scenarios), 1)
    positions = np.arange(len(countries))
    for axes, measure in zip(panels, measures, strict=False):
        for i, scenario in enumerate(scenarios):
            part = ge[(ge["measure"] == measure) & (ge["scenario"] == scenario)].set_index("country")
            part = part.reindex(countries)
            errors = None
            if {"lower", "upper"} <= set(part.columns) and part[["lower", "upper"]].notna().any().any():
                errors = np.vstack([part["change_pct"] - part["lower"], part["upper"] - part["change_pct"]])
                errors = np.clip(np.nan_to_num(errors), 0, None)
            axes.barh(positions + i * height - 0.4 + height / 2, part["change_pct"], height=height,
                      color=colours.get(scenario, PALETTE[0]), xerr=errors, error_kw={"linewidth": 0.8},
                      label=scenario_label(result, scenario))  # fmt: skip
        axes.axvline(0, color="black", linewidth=0.8)
        axes.set_yticks(positions, countries)
        axes.set_ylim(len(countries) - 0.5, -0.5)  # the pair first, then by size of effect
        axes.set_xlabel("change (%)")
        axes.set_title(measure.replace("_", " "), fontsize=10)
        axes.grid(axis="x", alpha=0.3)
    title = f"effect too small to draw: {'; '.join(idle)}" if idle else None
    legend(panels[0], fontsize=7, loc="lower right", title=title, title_fontsize=7)
    figure.suptitle("General-equilibrium effects of each corridor by country", fontsize=11)
    return figure


def report_figures(result: OutlookResult) -> dict[str, Figure]:
    """Every figure of the report, by file name (the headline first; goods by their contribution).

    Examples
    --------
    >>> from forecasting.projection.pipeline import example_outlook
    >>> names = list(report_figures(example_outlook()))
    >>> names[:2], names[-4:]
    (['headline_turnover', 'fan_turnover'], ['ge_effects', 'opening_years', 'billion_drivers', 'trade_potential'])
    """
    figures = {"headline_turnover": headline_chart(result), "fan_turnover": turnover_fan_chart(result)}
    goods = headline.growth_contributions(result)
    forecast_goods = list(result.forecast["commodity"].drop_duplicates())
    # Goods only in the history (no forecast) get no fan: a chart of the past alone is not a forecast.
    ranked = goods[goods["scenario"] == headline.reference_scenario(result)]["commodity"]
    ordered = [c for c in ranked if c in forecast_goods] + [c for c in forecast_goods if c not in set(ranked)]
    for commodity in ordered:
        figures[figure_name(f"fan_{commodity}")] = commodity_fan_chart(result, commodity)
    probability = billion_probability_chart(result)
    if probability is not None:
        figures["billion_probability"] = probability
    figures["mirror_history"] = mirror_history_chart(result)
    if len(result.ge_country):
        figures["ge_effects"] = ge_effects_chart(result)
    from forecasting.report.corridor_sections import corridor_figures  # it draws with this module's helpers

    return figures | corridor_figures(result)


def save_figure(figure: Figure, directory: Path, name: str) -> tuple[Path, Path]:
    """Write ``figure`` as PNG (150 dpi) and SVG, atomically.

    The PNG carries no software stamp and the SVG no date, so an unchanged chart gives an
    unchanged PNG checksum in the manifest.
    """
    with matplotlib.rc_context({"svg.hashsalt": name}):  # stable element ids where matplotlib allows
        png = atomic_write(
            directory / f"{name}.png",
            lambda p: figure.savefig(p, format="png", dpi=150, metadata={"Software": None}),
        )
        # The PNG pass has placed every axis; laying out again for the SVG would only cost time.
        engine = figure.get_layout_engine()
        figure.set_layout_engine("none")
        try:
            svg = atomic_write(
                directory / f"{name}.svg",
                lambda p: figure.savefig(p, format="svg", metadata={"Date": None, "Creator": None}),
            )
        finally:
            figure.set_layout_engine(engine)
    return png, svg
