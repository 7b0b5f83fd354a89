"""The report's sections, built from the files ``write_artefacts`` wrote.

The report notebook only opens a :class:`ReportBook` and displays its sections; all logic
lives here, under test. Sections read the CSV tables and PNG figures back from disk, so
the report shows exactly what the published files hold. Each section is an object with
``_repr_html_`` (Jupyter displays it) whose images are inlined as base64, which keeps the
exported HTML self-contained.
"""

from __future__ import annotations

import base64
import html
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

import pandas as pd

from forecasting.projection.settings import OutlookSettings
from forecasting.report import manifest as manifest_io
from forecasting.report.tables import ge_focus, table_html

DEMO_BANNER = (
    "DEMONSTRATION DATA — every number in this report is simulated by the toolkit's demo generator"
    " and says nothing about real trade."
)


@dataclass(frozen=True)
class Section:
    """A block of report HTML that Jupyter displays."""

    html: str

    def _repr_html_(self) -> str:
        return self.html

    def __str__(self) -> str:
        return self.html


def _fmt_musd(value: float) -> str:
    return "–" if pd.isna(value) else f"USD {value:,.1f} m"


def _fmt_pct(value: float) -> str:
    return "–" if pd.isna(value) else f"{value:.0f}%" if value >= 1 else f"{value:.1f}%"


#: Settings shown as their own tables in the methods section (one row per record).
_RECORD_SETTINGS = ("series_methods", "elasticities", "fallbacks")


@dataclass(frozen=True)
class ReportBook:
    """Read access to a report directory's manifest, tables and figures.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from forecasting.projection.pipeline import example_outlook
    >>> from forecasting.report.artefacts import write_artefacts
    >>> out = write_artefacts(example_outlook(), pathlib.Path(tempfile.mkdtemp()) / "r")
    >>> book = ReportBook.open(out.out_dir)
    >>> "DEMONSTRATION" in book.banner().html, book.settings.pair
    (True, ('KAZ', 'PAK'))
    """

    directory: Path
    manifest: dict[str, Any]

    @classmethod
    def open(cls, directory: str | Path) -> ReportBook:
        """Open a directory written by ``write_artefacts``."""
        directory = Path(directory)
        return cls(directory=directory, manifest=manifest_io.read_manifest(directory))

    @property
    def settings(self) -> OutlookSettings:
        """The run's typed settings, read back from the manifest."""
        return OutlookSettings.from_dict(self.manifest["settings"])

    @property
    def is_demo(self) -> bool:
        return bool(self.manifest.get("demo", False))

    def table(self, name: str) -> pd.DataFrame:
        """A report table as written to ``tables/<name>.csv``."""
        try:
            return pd.read_csv(self.directory / "tables" / f"{name}.csv", keep_default_na=True)
        except pd.errors.EmptyDataError:  # a table without columns (nothing to report)
            return pd.DataFrame()

    def figure_html(self, name: str, *, alt: str = "") -> str:
        """An ``<img>`` tag with the PNG figure inlined as base64."""
        data = base64.b64encode((self.directory / "figures" / f"{name}.png").read_bytes()).decode("ascii")
        label = html.escape(alt or name.replace("_", " "))
        return f"<img class='report-figure' alt='{label}' src='data:image/png;base64,{data}'/>"

    def figure_names(self) -> list[str]:
        """Figure names in the order the manifest lists them."""
        names = [Path(k).stem for k in self.manifest.get("artefacts", {}) if k.startswith("figures/")]
        return list(dict.fromkeys(names))

    # -- sections -------------------------------------------------------------------

    def banner(self) -> Section:
        """A visible warning when the report rests on demonstration data (empty otherwise)."""
        if not self.is_demo:
            return Section("")
        return Section(
            f"<div class='demo-banner' style='background:#fde2e2;border:2px solid #c00000;"
            f"color:#800000;padding:10px;font-weight:bold'>{html.escape(DEMO_BANNER)}</div>"
        )

    def title_block(self, title: str) -> Section:
        """Title, creation time and package version."""
        stamp = html.escape(self.manifest.get("created_utc", ""))
        version = html.escape(self.manifest.get("package", {}).get("version", ""))
        return Section(
            f"<h1 class='report-title'>{html.escape(title)}</h1><p class='note'>Produced {stamp}"
            f" with forecasting {version}.</p>" + self.banner().html
        )

    def executive_summary(self) -> Section:
        """Headline numbers: latest turnover both sides, first year at the target, probabilities."""
        turnover = self.table("summary_turnover")
        billion = self.table("summary_billion")
        target = self.settings.target_usd
        target_text = f"USD {target / 1e9:g} billion"
        items = [
            f"{r.reporter} reports turnover with {r.partner} of <b>{_fmt_musd(r.turnover_musd)}</b> in {r.year}"
            f" (exports {_fmt_musd(r.exports_musd)}, imports {_fmt_musd(r.imports_musd)})."
            for r in turnover.itertuples(index=False)
        ]
        prob_columns = [c for c in billion.columns if c.startswith("prob_") and c[5:9].isdigit()]
        for r in billion.to_dict("records"):
            chances = ", ".join(f"{_fmt_pct(r[c])} in {c[5:9]}" for c in prob_columns)
            items.append(
                f"<b>{html.escape(str(r['scenario']))}</b>: median first year with turnover"
                f" of at least {target_text}: <b>{html.escape(str(r['first_year']))}</b>; probability of"
                f" turnover at or above it: {chances}."
            )
        note = f"<p class='note'>Reporting basis of the forecasts. {html.escape(self.settings.reporting_basis)}</p>"
        listing = "".join(f"<li>{item}</li>" for item in items)
        return Section(
            f"<ul class='headline'>{listing}</ul>{note}"
            + table_html(billion, caption=f"Reaching {target_text}, by scenario")
            + table_html(turnover, caption="Latest reported year, both sides")
        )

    def coverage(self) -> Section:
        """Years each side reported, the mirror comparison table and chart."""
        mirror = self.table("mirror")
        latest = mirror.sort_values("year").groupby("direction").tail(5)
        return Section(
            table_html(self.table("coverage"), caption="Coverage of the reported series")
            + self.figure_html("mirror_history", alt="Both sides' reported trade")
            + table_html(
                latest, caption="Mirror comparison, last five years per direction (ratio = importer/exporter)"
            )
        )

    def gravity(self) -> Section:
        """The gravity coefficient table."""
        return Section(table_html(self.table("gravity"), caption="PPML gravity estimates"))

    def ge_effects(self) -> Section:
        """GE effects by country: chart and table."""
        ge = self.table("ge_effects")
        figure = (
            self.figure_html("ge_effects", alt="GE effects by country")
            if "ge_effects" in self.figure_names()
            else ""
        )
        countries, measures = ge_focus(ge, pair=self.settings.pair)
        focus = ge[ge["country"].isin(countries) & ge["measure"].isin(measures)]
        # One row per measure and country, one column per corridor: reads like the book's tables.
        shown = focus.pivot_table(
            index=["measure", "country"], columns="scenario", values="change_pct", aggfunc="first", sort=False
        ).reset_index()
        shown.columns.name = None
        caption = (
            f"General-equilibrium changes (%) by corridor: {', '.join(measures)} for {len(countries)} countries"
            f" (all {ge['country'].nunique()} countries and {ge['measure'].nunique()} measures, with bounds"
            " where drawn, in tables/ge_effects.csv)"
        )
        return Section(figure + table_html(shown, caption=caption))

    def fan_charts(self) -> Section:
        """Turnover fan chart, then one fan chart per commodity, with the horizon-year table."""
        names = [n for n in self.figure_names() if n.startswith("fan_") and n != "fan_turnover"]
        turnover = self.table("forecast_turnover")
        last = turnover[turnover["year"] == turnover["year"].max()]
        parts = [
            self.figure_html("fan_turnover", alt="Turnover fan chart"),
            table_html(last, caption=f"Turnover forecast in {int(turnover['year'].max())}"),
        ]
        parts += [self.figure_html(n, alt=n[4:].replace("_", " ") + " fan chart") for n in names]
        return Section("".join(parts))

    def billion_probability(self) -> Section:
        """The probability-by-year chart and the first-year table."""
        return Section(
            self.figure_html("billion_probability", alt="Probability of reaching the target")
            + table_html(self.table("first_year"), caption="Median first year at the target")
        )

    def corridor_opening_years(self) -> Section:
        """When each corridor may open (:mod:`forecasting.report.corridor_sections`)."""
        from forecasting.report.corridor_sections import opening_years_section

        return opening_years_section(self)

    def billion_drivers(self) -> Section:
        """What drives the chance of reaching the target, and the growth it would take."""
        from forecasting.report.corridor_sections import billion_drivers_section

        return billion_drivers_section(self)

    def trade_potential(self) -> Section:
        """Actual against gravity-predicted flows by commodity group and direction."""
        from forecasting.report.corridor_sections import trade_potential_section

        return trade_potential_section(self)

    def methods(self) -> Section:
        """Methods, settings, fall-backs, sources, versions and input checksums."""
        s = self.settings
        paragraphs = [
            "Bilateral trade is forecast per commodity group and direction with time-series models"
            " (the method of each series is listed below). Each corridor scenario shifts the baseline by"
            " the effect that the PPML gravity model (terms in the gravity table) implies for the"
            " corridor's change in trade costs, phased in over the years the scenario states. Scenario"
            f" effects: {html.escape(s.ge_description)}.",
            f"Uncertainty bands ({', '.join(f'{v}%' for v in s.levels)}) and the probabilities of reaching"
            f" the target come from {s.draws} joint simulation draws (seed {s.seed}) of the baseline and the"
            f" scenario effects, to {s.horizon}.",
            "Both countries' published figures are shown side by side (mirror statistics). Exports are"
            " usually valued FOB and imports CIF, so the importer's figure is expected a little higher; larger"
            f" gaps are shown as they are, not averaged away. {html.escape(s.reporting_basis)}",
        ]
        sources = ", ".join(sorted({str(v) for v in self.table("coverage")["source"]}))
        inputs = self.manifest.get("inputs", {})
        input_rows = pd.DataFrame(
            [
                (k, v.get("path", ""), v.get("sha256", "")[:16], v.get("size_bytes"))
                for k, v in inputs.items()
            ],
            columns=["input", "path", "sha256_prefix", "size_bytes"],
        )
        versions = pd.DataFrame(
            [
                ("forecasting", self.manifest.get("package", {}).get("version")),
                ("python", self.manifest.get("python", {}).get("version")),
            ]
            + list(self.manifest.get("dependencies", {}).items()),
            columns=["package", "version"],
        )
        flat = [(f.name, str(getattr(s, f.name))) for f in fields(s) if f.name not in _RECORD_SETTINGS]
        settings = pd.DataFrame(flat, columns=["setting", "value"])
        body = "".join(f"<p>{p}</p>" for p in paragraphs)
        body += f"<p><b>Data sources:</b> {html.escape(sources or 'none recorded')}.</p>"
        if s.fallbacks:
            fallbacks = pd.DataFrame([asdict(f) for f in s.fallbacks])
            body += table_html(
                fallbacks, caption="Fall-backs: steps that could not run as asked, and what would lift them"
            )
        else:
            body += "<p>No step fell back: every model ran as asked.</p>"
        body += table_html(self.table("scenarios"), caption="Scenario definitions")
        body += table_html(self.table("shipments"), caption="Known contracts added to the scenario paths")
        body += table_html(settings, caption="Run settings")
        for key in ("series_methods", "elasticities"):
            records = pd.DataFrame([asdict(r) for r in getattr(s, key)])
            if len(records):
                body += table_html(records, caption=f"Run settings: {key.replace('_', ' ')}")
        if len(input_rows):
            body += table_html(input_rows, caption="Input data files (full SHA-256 in manifest.json)")
        body += table_html(versions, caption="Software versions")
        return Section(body)

    def flags_appendix(self) -> Section:
        """The data-cleaning flags summary."""
        flags = self.table("data_flags")
        if flags.empty:
            return Section("<p>No cleaning step changed any row.</p>")
        return Section(table_html(flags, caption="Rows touched by each cleaning step"))
