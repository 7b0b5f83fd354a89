"""Report figures drawn with matplotlib's object interface (no pyplot state, no display needed).

Each builder takes an :class:`OutlookResult` and returns a ``Figure``; ``save_figure`` writes
PNG and SVG. When the result rests on demonstration data every figure carries a stamp, so
a chart copied out of the report cannot be mistaken for a real forecast.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

import matplotlib

matplotlib.use("Agg")  # the report is drawn headless, in notebooks and on CI alike

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from forecasting.files import atomic_write
from forecasting.report.tables import MUSD, ge_focus, main_series, mirror_table

if TYPE_CHECKING:  # annotations only: the notebook kernel need not import the outlook's types
    from forecasting.projection.result import OutlookResult


DEMO_STAMP = "DEMONSTRATION DATA — simulated"
_BASELINE_COLOUR = "#4d4d4d"
_PALETTE = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b")
_MUSD_TICKS = FuncFormatter(lambda v, _pos: f"{v / MUSD:,.0f}")


def figure_name(text: str) -> str:
    """A file-safe figure name.

    Examples
    --------
    >>> figure_name("fan HS 87.02/buses")
    'fan_HS_87_02_buses'
    """
    return re.sub(r"[^A-Za-z0-9_-]+", "_", text).strip("_")


def scenario_colours(result: OutlookResult) -> dict[str, str]:
    """One colour per scenario for every chart: grey for the baseline, then the palette in the
    order the scenarios are defined (scenarios without a definition follow, sorted)."""
    present = (
        set(result.forecast["scenario"]) | set(result.turnover["scenario"]) | set(result.billion["scenario"])
    )
    present |= set(result.ge_country["scenario"])
    defined = [s for s in result.scenarios if s != "baseline"]
    corridors = defined + sorted(str(s) for s in present - set(defined) - {"baseline"})
    colours = {name: _PALETTE[i % len(_PALETTE)] for i, name in enumerate(corridors)}
    return {"baseline": _BASELINE_COLOUR} | colours


def scenario_label(result: OutlookResult, scenario: str) -> str:
    """The scenario's display label (its name; ``statistical`` is the time-series baseline alone)."""
    return scenario


def _new_figure(result: OutlookResult, width: float, height: float) -> Figure:
    figure = Figure(figsize=(width, height), dpi=100, layout="constrained")
    if result.is_demo:
        figure.text(
            0.5,
            0.5,
            DEMO_STAMP,
            fontsize=26,
            color="#c00000",
            alpha=0.13,
            rotation=20,
            ha="center",
            va="center",
            weight="bold",
            zorder=10,
        )
        figure.text(
            0.005, 0.005, DEMO_STAMP, fontsize=8, color="#c00000", ha="left", va="bottom", weight="bold"
        )
    return figure


def _fan(axes, frame: pd.DataFrame, colour: str, label: str) -> None:
    frame = frame.sort_values("period")
    for level, alpha in ((95, 0.12), (80, 0.25)):
        band = frame[frame["level"] == level]
        if len(band):
            axes.fill_between(
                band["period"].dt.year, band["lower"], band["upper"], color=colour, alpha=alpha, linewidth=0
            )
    mean = frame.drop_duplicates("period")  # the mean is the same at every level
    axes.plot(mean["period"].dt.year, mean["mean"], color=colour, linewidth=1.8, label=label)


def _usd_axis(axes, *, log: bool = False) -> None:
    if log:
        axes.set_yscale("log")
    axes.yaxis.set_major_formatter(_MUSD_TICKS)
    axes.set_ylabel("USD million")
    axes.grid(alpha=0.3)


def commodity_fan_chart(result: OutlookResult, commodity: str) -> Figure:
    """Fan chart (80/95 percent bands) of one commodity, one panel per reporter direction.

    Examples
    --------
    >>> from forecasting.projection.pipeline import example_outlook
    >>> len(commodity_fan_chart(example_outlook(), "textiles").axes)
    2
    """
    rows = result.forecast[result.forecast["commodity"] == commodity]
    directions = rows[["reporter", "partner", "flow"]].drop_duplicates().sort_values(["reporter", "flow"])
    colours = scenario_colours(result)
    figure = _new_figure(result, 10.4, 3.8)  # same width whatever the number of panels
    panels = figure.subplots(1, max(len(directions), 1), squeeze=False)[0]
    history = result.history
    for axes, direction in zip(panels, directions.itertuples(index=False), strict=False):
        series = rows[
            (rows["reporter"] == direction.reporter)
            & (rows["partner"] == direction.partner)
            & (rows["flow"] == direction.flow)
        ]
        if "commodity" in history.columns:  # commodity history is optional in the contract
            past = history[
                (history["commodity"] == commodity)
                & (history["reporter"] == direction.reporter)
                & (history["flow"] == direction.flow)
            ]
            if len(past):
                axes.plot(past["year"], past["value_usd"], color="black", linewidth=1.2, label="history")
        for scenario, part in series.groupby("scenario", sort=False):
            _fan(axes, part, colours[scenario], scenario_label(result, scenario))
        verb = "exports to" if direction.flow == "export" else "imports from"
        axes.set_title(f"{direction.reporter} {verb} {direction.partner}", fontsize=10)
        _usd_axis(axes)
        axes.legend(fontsize=7, loc="upper left")
    figure.suptitle(f"{commodity}: forecast by scenario (bands: 80% and 95%)", fontsize=11)
    return figure


def turnover_fan_chart(result: OutlookResult) -> Figure:
    """Turnover fan chart, one panel per scenario, with reported history and the target line.

    Examples
    --------
    >>> from forecasting.projection.pipeline import example_outlook
    >>> figure = turnover_fan_chart(example_outlook())
    >>> len([a for a in figure.axes if a.get_visible()])  # one panel per scenario
    4
    """
    turnover = result.turnover
    scenarios = list(turnover["scenario"].unique())
    colours = scenario_colours(result)
    target = result.settings.target_usd
    columns = min(len(scenarios), 3)
    rows_needed = int(np.ceil(len(scenarios) / columns))
    figure = _new_figure(result, 4.6 * columns, 3.8 * rows_needed)
    panels = figure.subplots(rows_needed, columns, squeeze=False, sharey=True).ravel()
    totals = main_series(result.history).groupby(["reporter", "year"], as_index=False)["value_usd"].sum()
    for axes, scenario in zip(panels, scenarios, strict=False):
        part = turnover[turnover["scenario"] == scenario]
        for reporter in sorted(part["reporter"].unique()):
            past = totals[totals["reporter"] == reporter]
            axes.plot(
                past["year"], past["value_usd"], color="black", linewidth=1.2, label=f"reported by {reporter}"
            )
            basis = f"forecast (mirror rule '{result.settings.mirror_rule}')"
            _fan(axes, part[part["reporter"] == reporter], colours[scenario], basis)
        axes.axhline(
            target, color="#c00000", linestyle="--", linewidth=1.2, label=f"target {target / 1e9:g} bn"
        )
        axes.set_title(scenario_label(result, scenario), fontsize=10)
        _usd_axis(axes, log=True)
        axes.legend(fontsize=7, loc="upper left")
    for axes in panels[len(scenarios) :]:
        axes.set_visible(False)
    figure.suptitle("Bilateral turnover (exports + imports), bands 80% and 95%", fontsize=11)
    return figure


def billion_probability_chart(result: OutlookResult) -> Figure:
    """Probability by year that turnover reaches the target, one line per scenario.

    Examples
    --------
    >>> from forecasting.projection.pipeline import example_outlook
    >>> lines = billion_probability_chart(example_outlook()).axes[0].lines
    >>> len(lines) >= 3  # the statistical baseline and every scenario
    True
    """
    billion = result.billion.sort_values(["scenario", "year"])
    colours = scenario_colours(result)
    target = result.settings.target_usd
    figure = _new_figure(result, 7.5, 4.2)
    axes = figure.subplots()
    for scenario, part in billion.groupby("scenario", sort=False):
        axes.plot(
            part["year"],
            100 * part["probability"],
            marker="o",
            markersize=3,
            color=colours[scenario],
            label=scenario_label(result, scenario),
        )
    axes.axhline(50, color="grey", linestyle=":", linewidth=1)
    axes.set_ylim(-2, 102)
    axes.set_ylabel("probability (%)")
    axes.set_xlabel("year")
    axes.grid(alpha=0.3)
    axes.legend(fontsize=8)
    axes.set_title(f"Probability that annual turnover is at least USD {target / 1e9:g} bn", fontsize=11)
    return figure


def mirror_history_chart(result: OutlookResult) -> Figure:
    """Each direction of trade as reported by its exporter and by its importer (mirror).

    History rows of other sources for the same direction are drawn as markers beside the two
    main series.

    Examples
    --------
    >>> from forecasting.projection.pipeline import example_outlook
    >>> result = example_outlook()
    >>> [a.get_title() for a in mirror_history_chart(result).axes]
    ['KAZ → PAK', 'PAK → KAZ']
    """
    mirror = mirror_table(result.history)
    directions = list(mirror["direction"].unique())
    figure = _new_figure(result, 5.2 * max(len(directions), 1), 3.6)
    panels = figure.subplots(1, max(len(directions), 1), squeeze=False)[0]
    for axes, direction in zip(panels, directions, strict=False):
        part = mirror[mirror["direction"] == direction]
        exporter, importer = direction.split(" → ")
        for column, marker, label in (
            ("exporter_reported_musd", "o", f"reported by {exporter} (exports)"),
            ("importer_reported_musd", "s", f"reported by {importer} (imports, mirror)"),
        ):
            axes.plot(part["year"], part[column] * MUSD, marker=marker, markersize=3, label=label)
        others = _other_reports(result.history, exporter, importer)
        if len(others):
            axes.scatter(
                others["year"],
                others["value_usd"],
                marker="x",
                color="black",
                s=18,
                zorder=3,
                label="other published figures",
            )
        axes.set_title(direction, fontsize=10)
        _usd_axis(axes)
        axes.legend(fontsize=7, loc="upper left")
    figure.suptitle("Both sides' reported trade: mirror discrepancies", fontsize=11)
    return figure


def _other_reports(history: pd.DataFrame, exporter: str, importer: str) -> pd.DataFrame:
    """Published export/import figures of one direction that are not in the main series."""
    main = main_series(history)
    direction = (
        (history["reporter"] == exporter) & (history["partner"] == importer) & (history["flow"] == "export")
    ) | ((history["reporter"] == importer) & (history["partner"] == exporter) & (history["flow"] == "import"))
    rows = history[direction & history["value_usd"].notna()]
    keyed = rows.merge(
        main[["reporter", "source"]].drop_duplicates(), on=["reporter", "source"], how="left", indicator=True
    )
    return keyed[keyed["_merge"] == "left_only"]


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
    scenarios = list(ge["scenario"].unique())
    colours = scenario_colours(result)
    figure = _new_figure(
        result, 5.0 * max(len(measures), 1), 0.2 * len(countries) * max(len(scenarios), 1) + 1.8
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
            axes.barh(
                positions + i * height - 0.4 + height / 2,
                part["change_pct"],
                height=height,
                color=colours[scenario],
                xerr=errors,
                error_kw={"linewidth": 0.8},
                label=scenario_label(result, scenario),
            )
        axes.axvline(0, color="black", linewidth=0.8)
        axes.set_yticks(positions, countries)
        axes.set_ylim(len(countries) - 0.5, -0.5)  # the pair first, then by size of effect
        axes.set_xlabel("change (%)")
        axes.set_title(measure.replace("_", " "), fontsize=10)
        axes.grid(axis="x", alpha=0.3)
    panels[0].legend(fontsize=7)
    figure.suptitle("General-equilibrium effects of each corridor by country", fontsize=11)
    return figure


def report_figures(result: OutlookResult) -> dict[str, Figure]:
    """Every figure of the report, by file name (fan charts first, in commodity order).

    Examples
    --------
    >>> from forecasting.projection.pipeline import example_outlook
    >>> names = list(report_figures(example_outlook()))
    >>> names[:2], names[-4:]
    (['fan_buses', 'fan_coal'], ['ge_effects', 'opening_years', 'billion_drivers', 'trade_potential'])
    """
    figures = {
        figure_name(f"fan_{commodity}"): commodity_fan_chart(result, commodity)
        for commodity in result.forecast["commodity"].drop_duplicates()
    }
    figures["fan_turnover"] = turnover_fan_chart(result)
    figures["billion_probability"] = billion_probability_chart(result)
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
