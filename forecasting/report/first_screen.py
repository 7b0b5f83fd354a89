"""The top of the report: the demo banner, the four answers in plain words, the headline chart and table.

Everything here is read from the written tables (``summary_*``, ``coverage``, ``shipments``),
so the page says what the files hold. Every number of the answers sits in a ``<span>``
whose ``data-table``, ``data-row`` and ``data-column`` attributes name the CSV cell it
shows; the tests check each against its cell.
"""

from __future__ import annotations

import html
import re
from typing import TYPE_CHECKING

import pandas as pd

from forecasting.projection.small_chances import small_chance_note
from forecasting.report.formatting import format_musd, format_pct, format_usd_text, table_html
from forecasting.report.headline import STATISTICAL, basis_words

if TYPE_CHECKING:
    from forecasting.report.sections import ReportBook

#: Goods named on the first screen.
TOP_GOODS = 3


def cell(table: str, row: str, column: str, text: str) -> str:
    """A number of the page, marked with the table cell it shows.

    ``row`` is the value of the table's key: ``view`` (``summary_turnover``), ``scenario``
    (``summary_scenarios``), ``scenario/commodity`` (``summary_goods``), ``year`` (``summary_target``).
    """
    return (
        f"<span class='fig' data-table='{html.escape(table)}' data-row='{html.escape(str(row))}'"
        f" data-column='{html.escape(column)}'>{html.escape(text)}</span>"
    )


def _money(table: str, row: str, column: str, value_musd: float) -> str:
    return cell(table, row, column, format_usd_text(value_musd * 1e6))


def _pct(table: str, row: str, column: str, value: float, *, signed: bool = False) -> str:
    return cell(table, row, column, f"{format_pct(value, signed=signed)} %")


def banner_html(book: ReportBook) -> str:
    """The demonstration-data banner: which parts of the page are simulated and which are published."""
    if not book.is_demo:
        return ""
    coverage = book.table("coverage")
    a, b = book.settings.pair
    published = coverage[coverage["basis"].astype(str).str.startswith("published")]
    customs = coverage[coverage["basis"].astype(str).str.startswith("customs")]
    span = f" ({int(customs['first_year'].min())}–{int(customs['last_year'].max())})" if len(customs) else ""
    real = []
    if len(published):
        years = f"{int(published['first_year'].min())}–{int(published['last_year'].max())}"
        real.append(
            f"{int(published['years'].sum())} press and ministry figures of {a}–{b} trade ({years}), listed"
            " under Data coverage and marked in the mirror chart"
        )
    shipments = book.table("shipments")
    for name, rows in shipments.groupby("name", sort=True) if len(shipments) else ():
        per_scenario = rows.groupby("scenario")["value_musd"].sum().max()
        years = sorted(rows["year"].astype(int).unique())
        defined = set(book.titles) - {STATISTICAL}
        where = (
            "entered in every scenario but the statistical trend"
            if set(rows["scenario"]) >= defined
            else "entered in " + ", ".join(book.titles.get(n, n) for n in sorted(set(rows["scenario"])))
        )
        real.append(
            f"the contract '{name.replace('_', ' ')}' (USD {per_scenario:,.0f} m, {years[0]}–{years[-1]}), {where}"
        )
    real.append("the corridor assumptions and their sources (Methods: scenario definitions)")
    return (
        "<div class='demo-banner'><b>DEMONSTRATION DATA.</b> Simulated by the toolkit's demo generator:"
        f" both countries' customs reports of {a}–{b} trade{span} and their split by goods, the"
        " world trade panel behind the gravity model, and therefore every forecast, interval,"
        " probability, growth rate and corridor effect on this page. They illustrate the method and say"
        f" nothing about real trade. <b>Published (real):</b> {html.escape('; '.join(real))}.</div>"
    )


def _today(book: ReportBook) -> str:
    turnover = book.table("summary_turnover")
    sides = turnover[~turnover["view"].astype(str).str.startswith("forecast basis")]
    basis = turnover[turnover["view"].astype(str).str.startswith("forecast basis")]
    said = " and ".join(
        _money("summary_turnover", r.view, "turnover_musd", r.turnover_musd) + f" as {r.reporter} reports it"
        for r in sides.itertuples(index=False)
    )
    year = int(turnover["year"].max()) if len(turnover) else book.settings.base_year
    text = f"<b>Today ({year}).</b> Turnover (exports + imports) was {said}."
    if len(basis):
        r = basis.iloc[0]
        rule = book.settings.mirror_rule
        text += (
            f" The forecast values each direction by the {html.escape(basis_words(rule))} (mirror rule"
            f" '{html.escape(rule)}'):"
            f" <b>{_money('summary_turnover', r['view'], 'turnover_musd', r['turnover_musd'])}</b> in"
            f" {int(r['year'])}, the basis of every number below."
        )
    return text


def _path(row: pd.Series, years: list[int], word: str) -> str:
    parts = []
    for year in years:
        band = f"{format_musd(row[f'lower80_{year}_musd'])}–{format_musd(row[f'upper80_{year}_musd'])} m"
        parts.append(
            f"<b>{_money('summary_scenarios', row['scenario'], f'turnover_{year}_musd', row[f'turnover_{year}_musd'])}"
            f" in {year}</b> (80 % interval USD {band})"
        )
    growth = ", ".join(
        f"{_pct('summary_scenarios', row['scenario'], f'growth_{y}_pct', row[f'growth_{y}_pct'], signed=True)}"
        f" a year to {y}"
        for y in years
    )
    return f"{word}, {' and '.join(parts)}: {growth}"


def _goods(book: ReportBook, reference: str, horizon: int) -> str:
    goods = book.table("summary_goods")
    mine = goods[goods["scenario"] == reference].sort_values("rank").head(TOP_GOODS)
    if mine.empty:
        return "<b>Goods.</b> No forecast by goods."
    if not (mine["change_musd"] > 0).any():
        return f"<b>Goods.</b> No good grows to {horizon} under the status quo."
    named = [
        f"{html.escape(str(r.commodity))} ("
        f"{cell('summary_goods', f'{reference}/{r.commodity}', 'change_musd', '+USD ' + format_musd(r.change_musd) + ' m')},"
        f" {cell('summary_goods', f'{reference}/{r.commodity}', 'share_of_growth_pct', format_pct(r.share_of_growth_pct) + ' %')} of the growth)"
        for r in mine.itertuples(index=False)
        if r.change_musd > 0
    ]
    return (
        f"<b>Goods.</b> Most of the growth to {horizon} comes from {', '.join(named[:-1])}"
        f"{' and ' if len(named) > 1 else ''}{named[-1]}, measured on the mean paths."
    )


def _corridor(summary: pd.DataFrame, horizon: int, titles: dict[str, str]) -> str:
    corridors = summary[summary["kind"] == "corridor"]
    gains = corridors[corridors[f"gain_{horizon}_musd"] > 0]
    if gains.empty:
        return f"<b>Corridor.</b> No corridor raises {horizon} turnover above the status quo."
    best = gains.sort_values(f"gain_{horizon}_musd", ascending=False).iloc[0]
    name = best["scenario"]
    return (
        f"<b>Corridor.</b> The largest gain comes from the <b>{html.escape(titles[name])}</b>:"
        f" {_money('summary_scenarios', name, f'turnover_{horizon}_musd', best[f'turnover_{horizon}_musd'])}"
        f" in {horizon},"
        f" {cell('summary_scenarios', name, f'gain_{horizon}_musd', '+USD ' + format_musd(best[f'gain_{horizon}_musd']) + ' m')}"
        f" ({_pct('summary_scenarios', name, f'gain_{horizon}_pct', best[f'gain_{horizon}_pct'], signed=True)})"
        " over the status quo."
    )


def _mean_above_target(
    book: ReportBook, summary: pd.DataFrame, reference: pd.Series, years: list[int]
) -> str:
    """Why a mean path above the target goes with a small chance of reaching it (skewed draws)."""
    target_musd = book.settings.target_usd / 1e6
    passed = [
        y for y in years if reference[f"turnover_{y}_musd"] >= target_musd and reference[f"prob_{y}_pct"] < 50
    ]
    if not passed or central_words(summary) != "mean of the draws":
        return ""
    return (
        f" The mean path is above the target in {passed[0]} although fewer than half of the draws are: a few"
        " draws grow very fast and pull the mean up, so the chances and the median first year are the better"
        " guide."
    )


def _target(book: ReportBook, summary: pd.DataFrame, reference: pd.Series, years: list[int]) -> str:
    s = book.settings
    target = f"USD {s.target_usd / 1e9:g} bn"
    name = reference["scenario"]
    chances = " and ".join(
        f"{_pct('summary_scenarios', name, f'prob_{y}_pct', reference[f'prob_{y}_pct'])} in {y}"
        for y in years
    )
    text = (
        f"<b>{target}.</b> Under the status quo, the chance that a year's turnover is at least {target}"
        f" is {chances} ({_pct('summary_scenarios', name, 'prob_by_horizon_pct', reference['prob_by_horizon_pct'])}"
        f" that it is in at least one year to {s.horizon}). "
    )
    shown = [reference[f"prob_{y}_pct"] / 100 for y in years] + [reference["prob_by_horizon_pct"] / 100]
    small = small_chance_note(shown)
    text += f"{small} " if small else ""
    skew = _mean_above_target(book, summary, reference, years)
    if pd.notna(reference.get("first_year")):
        first = cell("summary_scenarios", name, "first_year", str(int(reference["first_year"])))
        return text + f"Median first year at the target: <b>{first}</b>." + skew
    note = cell("summary_scenarios", name, "first_year_note", str(reference["first_year_note"]))
    text += f"Median first year: <b>{note}</b>."
    need = book.table("summary_target")
    if len(need):
        wants = " or ".join(
            f"{cell('summary_target', str(int(r.year)), 'required_growth_pct', format_pct(r.required_growth_pct) + ' %')}"
            f" a year to {int(r.year)}"
            for r in need.itertuples(index=False)
        )
        text += (
            f" What it would take: growth of {wants}, from {s.base_year} on the forecast's basis (the status quo"
            f" grows {format_pct(reference[f'growth_{years[-1]}_pct'])} % a year to {years[-1]})."
        )
    return text + skew


def central_words(summary: pd.DataFrame) -> str:
    """What the central values of ``summary_scenarios`` are, in words ("mean of the draws")."""
    central = str(summary["central"].iloc[0]) if "central" in summary.columns and len(summary) else "mean"
    return f"{central} of the draws"


def _skew_note(summary: pd.DataFrame, years: list[int], titles: dict[str, str]) -> str:
    if central_words(summary) != "mean of the draws":
        return ""  # a median lies inside its interval by construction
    above = [
        f"{titles[r['scenario']]} in {y}"
        for _, r in summary.iterrows()
        for y in years
        if r[f"turnover_{y}_musd"] > r[f"upper80_{y}_musd"] * (1 + 1e-9)
    ]
    if not above:
        return ""
    return (
        "<p class='note'>Central values are means of the simulated paths. The paths are right-skewed: a few"
        " draws grow very fast, which puts the mean above the upper end of the 80 % interval for "
        f"{html.escape('; '.join(above[:4]))}{' and more' if len(above) > 4 else ''}.</p>"
    )


def headline_years(summary: pd.DataFrame) -> list[int]:
    """The headline years of a ``summary_scenarios`` table (from its column names)."""
    return sorted(
        {int(c.split("_")[1]) for c in summary.columns if c.startswith("turnover_") and c.endswith("_musd")}
    )


def first_screen_html(book: ReportBook) -> str:
    """The four answers in plain words (where trade stands, growth, goods, corridor, the target)."""
    summary = book.table("summary_scenarios")
    titles = dict(zip(summary["scenario"], summary["title"], strict=True))
    years = headline_years(summary)
    horizon = book.settings.horizon
    reference = summary.iloc[0]
    items = [
        _today(book),
        f"<b>Growth.</b> {html.escape(titles[reference['scenario']])}: {_path(reference, years, central_words(summary))}.",
        _goods(book, reference["scenario"], horizon),
        _corridor(summary, horizon, titles),
        _target(book, summary, reference, years),
    ]
    listing = "".join(f"<li>{item}</li>" for item in items)
    return f"<h2 id='in-brief'>In brief</h2><ul class='answers'>{listing}</ul>{_skew_note(summary, years, titles)}"


def ranked_table_html(book: ReportBook) -> str:
    """The scenarios ranked: the status quo first, then by turnover at the horizon, with notes."""
    summary = book.table("summary_scenarios")
    years = headline_years(summary)
    horizon = book.settings.horizon
    shown = pd.DataFrame({"scenario": summary["title"]})
    for year in years:
        shown[f"{year} turnover, USD m (80 % interval)"] = [
            f"{format_musd(r[f'turnover_{year}_musd'])} ({format_musd(r[f'lower80_{year}_musd'])}–"
            f"{format_musd(r[f'upper80_{year}_musd'])})"
            for _, r in summary.iterrows()
        ]
    shown[f"growth_to_{horizon}_pct"] = summary[f"growth_{horizon}_pct"]
    shown[f"gain_over_status_quo_{horizon}_musd"] = summary[f"gain_{horizon}_musd"]
    shown[f"chance of ≥ target in {' / '.join(map(str, years))} (%)"] = [
        " / ".join(format_pct(r[f"prob_{y}_pct"]) for y in years) for _, r in summary.iterrows()
    ]
    shown["median first year"] = [
        str(int(y)) if pd.notna(y) else str(n)
        for y, n in zip(summary["first_year"], summary["first_year_note"], strict=True)
    ]
    shown["note"] = summary["note"].fillna("")
    target = f"USD {book.settings.target_usd / 1e9:g} bn"
    caption = f"Scenarios ranked by {horizon} turnover ({central_words(summary)}; the status quo first); target {target}"
    return table_html(
        shown, caption=caption, headers={f"growth_to_{horizon}_pct": f"growth a year to {horizon} (%)"}
    )


def headline_html(book: ReportBook) -> str:
    """The headline chart and the ranked scenario table."""
    chart = book.figure_html(
        "headline_turnover", alt="Turnover history and forecast by scenario, with the target"
    )
    return f"<div class='headline-chart'>{chart}</div>{ranked_table_html(book)}"


def section_anchor(key: str) -> str:
    """The page anchor of a section key (``"pkg.module:function"`` becomes ``"pkg-module-function"``).

    Examples
    --------
    >>> section_anchor("forecasting.report.corridor_sections:opening_years")
    'forecasting-report-corridor_sections-opening_years'
    """
    return re.sub(r"[^A-Za-z0-9_-]", "-", key)


def contents_html(sections: list[tuple[str, str]]) -> str:
    """A table of contents linking to each section's anchor.

    Examples
    --------
    >>> contents_html([("coverage", "Data coverage")])
    "<nav class='toc'><b>Contents</b><ol><li><a href='#coverage'>Data coverage</a></li></ol></nav>"
    """
    items = "".join(f"<li><a href='#{section_anchor(k)}'>{html.escape(h)}</a></li>" for k, h in sections)
    return f"<nav class='toc'><b>Contents</b><ol>{items}</ol></nav>"
