"""The report's reference sections: data coverage, methods and sources, and the data-flags appendix.

Functions take a :class:`~forecasting.report.sections.ReportBook` and return HTML. Sources
are shown by a short name linked to the full address; no local file path is ever shown
(input files by name only; the manifest keeps their full paths and checksums).
"""

from __future__ import annotations

import html
from dataclasses import asdict, fields
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from forecasting.report.first_screen import central_words
from forecasting.report.formatting import table_html
from forecasting.report.scenario_text import first_url, source_name

if TYPE_CHECKING:
    from forecasting.report.sections import ReportBook

#: Settings shown as their own tables (one row per record), not in the flat settings table.
RECORD_SETTINGS = ("series_methods", "elasticities", "fallbacks")


def _published(coverage: pd.DataFrame) -> pd.Series:
    return coverage["basis"].astype(str).str.startswith("published")


def coverage_html(book: ReportBook) -> str:
    """The series and published figures behind the report, compact, and the mirror comparison."""
    coverage = book.table("coverage")
    parts = []
    if len(coverage):
        series = coverage[~_published(coverage)]
        series = series.assign(
            source=series["source"].map(source_name),
            span=[
                f"{int(a)}–{int(b)}" if pd.notna(a) else "–"
                for a, b in zip(series["first_year"], series["last_year"], strict=True)
            ],
        )[["reporter", "partner", "flow", "source", "basis", "span", "years", "missing_years"]]
        parts.append(
            table_html(series, caption="Series: each side's customs reports and the forecast's basis")
        )
        published = coverage[_published(coverage)]
        if len(published):
            grouped = (
                published.assign(
                    site=published["source"].map(source_name), url=published["source"].map(first_url)
                )
                .groupby("site", sort=True)
                .agg(
                    url=("url", "first"),
                    reporter=("reporter", lambda v: ", ".join(sorted(set(v)))),
                    flows=("flow", lambda v: ", ".join(sorted(set(v)))),
                    years=("first_year", lambda v: ", ".join(str(int(y)) for y in sorted(set(v)))),
                    figures=("years", "sum"),
                )
                .reset_index()
            )
            parts.append(
                table_html(
                    grouped,
                    caption=f"Published figures: {int(grouped['figures'].sum())} figures from {len(grouped)} sources"
                    " (full addresses in tables/coverage.csv)",
                    links={"site": "url"},
                    headers={"site": "source"},
                )
            )
    mirror = book.table("mirror")
    if "mirror_history" in book.figure_names():
        parts.append(book.figure_html("mirror_history", alt="Both sides' reported trade"))
    if len(mirror):
        latest = mirror.sort_values(["direction", "year"]).groupby("direction").tail(5)
        parts.append(
            table_html(
                latest, caption="Mirror comparison, last five years per direction (ratio = importer/exporter)"
            )
        )
    return "".join(parts) or "<p>No history was given.</p>"


def _definitions(book: ReportBook) -> str:
    """What the statistical trend is, and why a scenario equals the status quo."""
    summary = book.table("summary_scenarios")
    notes = summary[summary["note"].fillna("").astype(str).str.len() > 0]
    items = "".join(
        f"<li><b>{html.escape(str(r.title))}</b>: {html.escape(str(r.note))}.</li>"
        for r in notes.itertuples(index=False)
    )
    return f"<ul>{items}</ul>" if items else ""


def methods_html(book: ReportBook) -> str:
    """Methods in words, scenario definitions as a table of shocks, settings, fall-backs, versions."""
    s = book.settings
    paragraphs = [
        "Bilateral trade is forecast per commodity group and direction with time-series models"
        " (the method of each series is in the baseline section). Each corridor scenario shifts the baseline by"
        " the effect that the PPML gravity model (terms in the gravity table) implies for the"
        " corridor's change in trade costs, phased in over the years the scenario states. Scenario"
        f" effects: {html.escape(s.ge_description)}.",
        f"Uncertainty bands ({', '.join(f'{v} %' for v in s.levels)}) and the probabilities of reaching"
        f" the target come from {s.draws} joint simulation draws (seed {s.seed}) of the baseline and the"
        f" scenario effects, to {s.horizon}. The central value shown is the {central_words(book.table('summary_scenarios'))}.",
        "The <b>status quo</b> is the statistical trend plus the known contracts. Its route risk (the share of"
        " the year the crossings stay open) is the reference level, not a shock: the trend was fitted to years"
        " that already include the usual closures, so only a scenario that departs from it moves the flows."
        " The <b>statistical trend only</b> row is the time-series forecast alone (no scenario shock, no known"
        " shipment), shown for reference in the tables and left out of the charts; once the known contracts"
        " end it equals the status quo.",
        "Both countries' published figures are shown side by side (mirror statistics). Exports are"
        " usually valued FOB and imports CIF, so the importer's figure is expected a little higher; larger"
        " gaps are shown as they are, not averaged away.",
        f"<b>Reporting basis.</b> {html.escape(s.reporting_basis)}",
    ]
    body = "".join(f"<p>{p}</p>" for p in paragraphs) + _definitions(book)
    derived = {"mirror-reconciled"}  # built from the two sides' reports, not a source of its own
    sources = ", ".join(
        sorted({source_name(v) for v in book.table("coverage").get("source", []) if v not in derived})
    )
    body += f"<p><b>Data:</b> {html.escape(s.data_source)}; sources: {html.escape(sources or 'none recorded')}.</p>"
    shocks = book.table("scenarios")
    if len(shocks):
        shown = pd.DataFrame(
            {
                "scenario": shocks["title"],
                "what changes": shocks["item"] + [f" ({g})" if g != "all" else "" for g in shocks["goods"]],
                "change (range)": shocks["change"] + [f" ({r})" if isinstance(r, str) and r else "" for r in shocks["range"].fillna("")],
                "between": shocks["between"],
                "from": [f"{int(y)}" + (f", ramp {int(n)} y" if pd.notna(n) and n else "") if pd.notna(y) else "–"
                         for y, n in zip(shocks["from_year"], shocks["ramp_years"], strict=True)],
                "source": shocks["source"],
                "source_url": shocks["source_url"],
                "note": shocks["note"].fillna(""),
            }
        )  # fmt: skip
        body += table_html(
            shown,
            caption="Scenario definitions: every shock and known shipment, with its source",
            links={"source": "source_url"},
        )
    if s.fallbacks:
        body += table_html(
            pd.DataFrame([asdict(f) for f in s.fallbacks]),
            caption="Fall-backs: steps that could not run as asked, and what would lift them",
        )
    else:
        body += "<p>No step fell back: every model ran as asked.</p>"
    shipments = book.table("shipments")
    if len(shipments):
        body += table_html(
            contracts_table(book, shipments), caption="Known contracts added to the scenario paths",
            links={"source": "url"},
        )  # fmt: skip
    flat = [(f.name, str(getattr(s, f.name))) for f in fields(s) if f.name not in RECORD_SETTINGS]
    body += table_html(pd.DataFrame(flat, columns=["setting", "value"]), caption="Run settings")
    elasticities = pd.DataFrame([asdict(e) for e in s.elasticities])
    if len(elasticities):
        body += table_html(elasticities, caption="Run settings: elasticities")
    inputs = book.manifest.get("inputs", {})
    if inputs:
        rows = [
            (k, Path(str(v.get("path", ""))).name, v.get("sha256", "")[:16], v.get("size_bytes"))
            for k, v in inputs.items()
        ]
        body += table_html(
            pd.DataFrame(rows, columns=["input", "file", "sha256_prefix", "size_bytes"]),
            caption="Input data files (full paths and SHA-256 in manifest.json)",
        )
    versions = [("forecasting", book.manifest.get("package", {}).get("version")),
                ("python", book.manifest.get("python", {}).get("version"))]  # fmt: skip
    versions += list(book.manifest.get("dependencies", {}).items())
    body += table_html(pd.DataFrame(versions, columns=["package", "version"]), caption="Software versions")
    return body


def contracts_table(book: ReportBook, shipments: pd.DataFrame) -> pd.DataFrame:
    """One row per contract and year, naming the scenarios it is entered in (by title) and its source."""
    keys = ["name", "reporter", "partner", "flow", "commodity", "year", "value_musd"]
    every = set(book.titles) - {"statistical"}
    rows = []
    for key, part in shipments.groupby(keys, sort=True):  # scenarios may cite it in other words
        record = dict(zip(keys, key, strict=True)) | {"source": part["source"].iloc[0]}
        names = list(dict.fromkeys(part["scenario"]))
        record["scenarios"] = (
            "every scenario but the statistical trend"
            if every and set(names) >= every
            else "; ".join(book.titles.get(n, n) for n in names)
        )
        rows.append(record)
    table = pd.DataFrame(rows)
    return pd.DataFrame(
        {
            "contract": table["name"].str.replace("_", " "),
            "direction": [
                f"{r} {'exports to' if f == 'export' else 'imports from'} {p}"
                for r, p, f in zip(table["reporter"], table["partner"], table["flow"], strict=True)
            ],
            "commodity": table["commodity"],
            "year": table["year"],
            "value_musd": table["value_musd"],
            "scenarios": table["scenarios"],
            "source": table["source"].map(source_name),
            "url": table["source"].map(first_url),
        }
    )


def flags_html(book: ReportBook) -> str:
    """The data-cleaning flags summary."""
    flags = book.table("data_flags")
    if flags.empty:
        return "<p>No cleaning step changed any row.</p>"
    return table_html(flags, caption="Rows touched by each cleaning step")
