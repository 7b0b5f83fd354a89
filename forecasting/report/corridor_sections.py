"""Report charts and sections on corridor uncertainty: opening years, drivers of the target, potential.

Three figures join the report (:func:`corridor_figures`, called by
:func:`forecasting.report.charts.report_figures`):

``opening_years``
    The probability that each corridor has opened by each year (drawn opening years).
``billion_drivers``
    A tornado chart per scenario: for each source of uncertainty, the chance of reaching the
    target among the draws where the source falls in its conservative half and in its optimistic
    half, against the chance with every source drawn; the label is the source's share of the
    variance of turnover.
``trade_potential``
    Actual against gravity-predicted flow by commodity group, one panel per direction.

The sections (:class:`~forecasting.report.sections.ReportBook` methods delegate here) read the
tables back from the report's CSV files, like every other section, and state the annual growth
the target takes for the status quo and the best combination.
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from forecasting.report.chart_parts import new_figure, scenario_colours, scenario_label
from forecasting.report.formatting import table_html
from forecasting.report.tables import MUSD

if TYPE_CHECKING:  # annotations only
    from forecasting.projection.result import OutlookResult
    from forecasting.report.sections import ReportBook, Section

#: How each source of uncertainty is named in the charts and tables.
SOURCE_LABELS = {
    "baseline": "statistical baseline",
    "trade_elasticity": "trade elasticity",
    "time_elasticity": "time elasticity",
    "cost_shocks": "days and costs saved",
    "opening_year": "opening year",
    "ramp_up": "ramp-up",
    "availability": "route availability",
    "known_contracts": "known contracts",
    "new_trade": "new trade (gap closed)",
    "interaction": "interaction (rest)",
}
_ACTUAL_COLOUR, _PREDICTED_COLOUR = "#4d4d4d", "#1f77b4"


def _title(result_or_book, scenario: str) -> str:
    scenarios = getattr(result_or_book, "scenarios", {})
    found = scenarios.get(scenario)
    return found.display_name if found is not None else scenario.replace("_", " ")


def opening_years_chart(result: OutlookResult) -> Figure:
    """P(open by each year) per corridor scenario with an uncertain or later opening.

    Examples
    --------
    >>> from forecasting.projection.pipeline import example_outlook
    >>> len(opening_years_chart(example_outlook()).axes[0].lines) >= 1
    True
    """
    table = result.opening_years.sort_values(["scenario", "year"])
    colours = scenario_colours(result)
    figure = new_figure(result, 7.5, 3.8)
    axes = figure.subplots()
    for scenario, part in table.groupby("scenario", sort=False):
        axes.step(part["year"], 100 * part["probability_open"], where="post", color=colours.get(scenario, "k"),
                  label=scenario_label(result, scenario), linewidth=1.8)  # fmt: skip
    axes.set_ylim(-2, 102)
    axes.set_ylabel("probability open (%)")
    axes.set_xlabel("year")
    axes.grid(alpha=0.3)
    if len(table):
        axes.legend(fontsize=8, loc="upper left")
    axes.set_title("Probability that the corridor has opened, by year (drawn opening years)", fontsize=11)
    return figure


def _tornado_rows(drivers: pd.DataFrame) -> pd.DataFrame:
    """The sources that move a scenario, widest bar first (the interaction row has no bar)."""
    named = drivers[drivers["source"] != "interaction"].copy()
    named["width"] = (named["probability_high"] - named["probability_low"]).abs()
    moving = named[(named["width"] > 0) | (named["variance_share"] > 0)]
    return moving.sort_values(["width", "variance_share"], ascending=True)


def billion_drivers_chart(result: OutlookResult) -> Figure:
    """Tornado chart of what drives P(turnover >= target), one panel per scenario.

    Examples
    --------
    >>> from forecasting.projection.pipeline import example_outlook
    >>> figure = billion_drivers_chart(example_outlook())
    >>> len(figure.axes) == example_outlook().billion_drivers.scenario.nunique()
    True
    """
    drivers = result.billion_drivers
    scenarios = list(dict.fromkeys(drivers["scenario"]))
    heights = [max(1, len(_tornado_rows(drivers[drivers.scenario == s]))) for s in scenarios]
    figure = new_figure(result, 7.5, 1.2 + 0.32 * sum(heights) + 0.7 * len(scenarios))
    if not scenarios:
        figure.text(0.5, 0.5, "no scenario to decompose", ha="center")
        return figure
    panels = figure.subplots(len(scenarios), 1, squeeze=False, gridspec_kw={"height_ratios": heights})[:, 0]
    target = result.settings.target_usd
    for axes, scenario in zip(panels, scenarios, strict=True):
        part = drivers[drivers.scenario == scenario]
        rows = _tornado_rows(part)
        overall = 100 * float(part["probability"].iloc[0])
        y = np.arange(len(rows))
        low, high = 100 * rows["probability_low"].to_numpy(), 100 * rows["probability_high"].to_numpy()
        # A side whose bars are all too short to see is not listed (e.g. a chance of zero in every draw).
        for shift, colour, name in ((high - overall, "#2ca02c", "optimistic half"),
                                    (low - overall, "#d62728", "conservative half")):  # fmt: skip
            seen = len(shift) and np.nanmax(np.abs(shift)) > 0.05
            axes.barh(y, shift, left=overall, color=colour, alpha=0.8, label=name if seen else "_hidden")
        axes.axvline(overall, color="k", linewidth=1)
        labels = [
            f"{SOURCE_LABELS.get(s, s)} ({100 * v:.0f}% of variance)"
            for s, v in zip(rows["source"], rows["variance_share"], strict=True)
        ]
        axes.set_yticks(y, labels, fontsize=7)
        ends = np.concatenate([low, high, [overall]])
        axes.set_xlim(max(0.0, ends.min() - 5), min(100.0, ends.max() + 5))  # the bars, not 0-100
        axes.grid(axis="x", alpha=0.3)
        year = int(part["year"].iloc[0])
        axes.set_title(f"{_title(result, scenario)}\nP(turnover >= USD {target / 1e9:g} bn in {year})"
                       f" = {overall:.0f}%", fontsize=8)  # fmt: skip
    panels[-1].set_xlabel("probability of reaching the target (%)")
    listed = [p for p in panels if any(not c.get_label().startswith("_") for c in p.containers)]
    if listed:
        listed[0].legend(fontsize=7, loc="lower right")
    return figure


def trade_potential_chart(result: OutlookResult) -> Figure:
    """Actual against gravity-predicted flow by commodity group, one panel per direction.

    Examples
    --------
    >>> from forecasting.projection.pipeline import example_outlook
    >>> [a.get_title()[:7] for a in trade_potential_chart(example_outlook()).axes]
    ['KAZ→PAK', 'PAK→KAZ']
    """
    table = result.trade_potential
    a, b = result.settings.pair
    figure = new_figure(result, 7.5, 3.8)
    panels = figure.subplots(1, 2, sharey=True)
    for axes, (exporter, importer) in zip(panels, ((a, b), (b, a)), strict=True):
        part = table[(table.exporter == exporter) & (table.importer == importer)]
        y = np.arange(len(part))
        axes.barh(
            y + 0.2, part["actual_usd"].fillna(0) / MUSD, height=0.4, color=_ACTUAL_COLOUR, label="actual"
        )
        axes.barh(y - 0.2, part["predicted_usd"].fillna(0) / MUSD, height=0.4, color=_PREDICTED_COLOUR,
                  label="gravity-predicted")  # fmt: skip
        axes.set_yticks(y, part["commodity"].tolist(), fontsize=8)
        axes.set_xlabel("USD million a year")
        axes.grid(axis="x", alpha=0.3)
        year = int(part["year"].max()) if len(part) else result.settings.base_year
        axes.set_title(f"{exporter}→{importer} (average to {year})", fontsize=10)
    panels[0].legend(fontsize=7, loc="lower right")
    figure.suptitle("Trade potential: actual flow against the structural-gravity prediction", fontsize=11)
    return figure


def corridor_figures(result: OutlookResult) -> dict[str, Figure]:
    """The corridor figures of the report, by file name (only those with something to show)."""
    figures = {}
    if len(result.opening_years):
        figures["opening_years"] = opening_years_chart(result)
    if len(result.billion_drivers):
        figures["billion_drivers"] = billion_drivers_chart(result)
    if len(result.trade_potential):
        figures["trade_potential"] = trade_potential_chart(result)
    return figures


# -- sections ---------------------------------------------------------------------------


def _figure(book: ReportBook, name: str, alt: str) -> str:
    return book.figure_html(name, alt=alt) if name in book.figure_names() else ""


def _section(body: str) -> Section:
    from forecasting.report.sections import Section

    return Section(body)


def opening_years_section(book: ReportBook) -> Section:
    """The opening-years chart and the chance of each corridor being open by the headline years."""
    table = book.table("opening_years")
    if table.empty:
        return _section("<p>No scenario in this run has a corridor that opens later.</p>")
    horizon = book.settings.horizon
    years = sorted({y for y in (2030, 2035, horizon) if y in set(table["year"])})
    wide = table[table["year"].isin(years)].pivot_table(
        index="scenario", columns="year", values="probability_open", aggfunc="first", sort=False
    )
    shown = pd.DataFrame({"scenario": wide.index})
    for year in years:
        shown[f"open_by_{year}_pct"] = 100 * wide[year].to_numpy()
    first = table.drop_duplicates("scenario").set_index("scenario")
    shown[f"not_open_by_{horizon}_pct"] = (
        100 * first.loc[shown["scenario"], "probability_not_open_by_horizon"].to_numpy()
    )
    shown["basis"] = first.loc[shown["scenario"], "basis"].to_numpy()
    note = (
        "<p class='note'>Opening years are drawn jointly with the baseline paths and the elasticities"
        " (one joint sample); a corridor that has not opened by the horizon in a draw adds nothing in"
        " that draw. Each range is marked as sourced or as an assumption.</p>"
    )
    return _section(
        _figure(book, "opening_years", "Probability that each corridor has opened")
        + table_html(shown, caption="Chance that the corridor has opened, by year")
        + note
    )


def growth_sentences(growth: pd.DataFrame, target_usd: float) -> list[str]:
    """One sentence per scenario and target year: the annual growth the target takes.

    Examples
    --------
    >>> g = pd.DataFrame({"scenario": ["baseline"], "role": ["status quo"], "target_year": [2030],
    ...                   "from_year": [2025], "from_usd": [6e7], "required_growth_pct": [75.6],
    ...                   "median_growth_pct": [1.1], "gap_pp": [74.5]})
    >>> growth_sentences(g, 1e9)[0][:60]
    'status quo (baseline): reaching USD 1 bn by 2030 takes 75.6%'
    """
    out = []
    for r in growth.itertuples(index=False):
        out.append(
            f"{r.role} ({r.scenario}): reaching USD {target_usd / 1e9:g} bn by {int(r.target_year)} takes"
            f" {r.required_growth_pct:.1f}% a year from USD {r.from_usd / MUSD:,.0f} m in {int(r.from_year)};"
            f" the median path grows {r.median_growth_pct:.1f}% a year ({r.gap_pp:.1f} points short)"
        )
    return out


def billion_drivers_section(book: ReportBook) -> Section:
    """Tornado chart, the variance shares, and what growth the target would take."""
    target = book.settings.target_usd
    drivers = book.table("billion_drivers")
    parts = [_figure(book, "billion_drivers", "What drives the chance of reaching the target")]
    if not drivers.empty:
        shown = drivers[(drivers["variance_share"] > 0) | (drivers["source"] == "interaction")].copy()
        shown["source"] = shown["source"].map(lambda s: SOURCE_LABELS.get(s, s))
        for column in (
            "variance_share",
            "probability",
            "probability_held",
            "probability_low",
            "probability_high",
        ):
            shown[f"{column}_pct"] = 100 * shown.pop(column)
        shown["probability_change_pp"] = 100 * shown.pop("probability_change")
        parts.append(table_html(shown, caption="Share of the variance of turnover and of the chance of the"
                                " target, by source of uncertainty (shares with the interaction sum to 100%)"))  # fmt: skip
        parts.append(
            "<p class='note'>Variance shares are first-order (Sobol) shares from the same joint draws;"
            " 'held' is the chance with that source at its central value and every other source drawn;"
            " the bars give the chance among the draws where the source falls in its conservative and"
            " in its optimistic half.</p>"
        )
    growth = book.table("billion_growth")
    if not growth.empty:
        items = "".join(f"<li>{html.escape(s)}.</li>" for s in growth_sentences(growth, target))
        parts.append(f"<p><b>What it would take.</b></p><ul class='growth'>{items}</ul>")
    return _section("".join(parts))


def trade_potential_section(book: ReportBook) -> Section:
    """Actual against potential flows by commodity group and direction."""
    table = book.table("trade_potential")
    if table.empty:
        return _section("<p>No trade potential could be computed in this run.</p>")
    shown = table[["commodity", "exporter", "importer", "year", "note"]].copy()
    for column in ("actual_usd", "predicted_usd", "gap_usd", "potential_usd"):
        shown.insert(len(shown.columns) - 1, column.replace("_usd", "_musd"), table[column] / MUSD)
    note = (
        "<p class='note'>Predicted flow: the structural PPML's exporter supply and importer demand"
        " effects with the pair's own effect replaced by the one its distance, contiguity and language"
        " predict, in the spirit of ITC's Export Potential Indicator; averages of the last three data"
        " years. A corridor with a new-trade share closes that share of the potential once it opens"
        " (the channel through which new goods appear).</p>"
    )
    return _section(
        _figure(book, "trade_potential", "Trade potential by commodity")
        + table_html(shown, caption="Trade potential by commodity group and direction")
        + note
    )
