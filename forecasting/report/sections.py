"""The report's sections, built from the files ``write_artefacts`` wrote.

The report notebook only opens a :class:`ReportBook` and displays its sections; all logic
lives here, under test. Sections read the CSV tables and PNG figures back from disk, so
the report shows exactly what the published files hold. Each section is an object with
``_repr_html_`` (Jupyter displays it) whose images are inlined as base64, which keeps the
exported HTML self-contained. The first screen is :mod:`forecasting.report.first_screen`;
data coverage, methods and the appendix are :mod:`forecasting.report.appendix`.
"""

from __future__ import annotations

import base64
import html
import importlib
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import pandas as pd

from forecasting.projection.settings import OutlookSettings
from forecasting.projection.small_chances import small_chance_note
from forecasting.report import appendix, first_screen
from forecasting.report import manifest as manifest_io
from forecasting.report.formatting import format_pct, table_html
from forecasting.report.tables import ge_focus
from forecasting.report.writers import DATA_LABEL_COLUMN


@dataclass(frozen=True)
class Section:
    """A block of report HTML that Jupyter displays."""

    html: str

    def _repr_html_(self) -> str:
        return self.html

    def __str__(self) -> str:
        return self.html


#: Relative MASE above which the report says the baseline did worse than naive (below 0.95: beat it).
WORSE_THAN_NAIVE = 1.05


def _mase_words(relative: float) -> str:
    if relative < 0.95:
        return "beats naive"
    return "does about as well as naive" if relative <= WORSE_THAN_NAIVE else "does worse than naive"


def _series_losses(backtest: pd.DataFrame) -> str:
    """Say by name which goods' backtests the baseline lost to naive, and on how few windows."""
    base = backtest[(backtest["commodity"] != "TOTAL") & (backtest["model"] == "baseline (auto)")]
    if not len(base):
        return ""
    lost = base[base["relative_mase"] > WORSE_THAN_NAIVE].sort_values("relative_mase", ascending=False)
    if not len(lost):
        return f"<p>By series ({len(base)} backtested), the baseline did at least about as well as naive in each.</p>"
    named = [
        f"{html.escape(f'{row.flow} {row.commodity}')} ({row.relative_mase:.2f} times naive's error,"
        f" {int(row.n_windows)} windows {int(row.horizon)} years ahead)"
        for row in lost.itertuples()
    ]
    listed = named[0] if len(named) == 1 else ", ".join(named[:-1]) + " and " + named[-1]
    return (
        f"<p>By series, the baseline did worse than naive on this pair's own history for {len(lost)} of the"
        f" {len(base)} series backtested: {listed}. So few windows cannot choose another model for a good"
        " (the default was chosen on hundreds of real series: benchmarks/results/accuracy_real_data.md), but they are"
        " a reason to read those goods' fans with care.</p>"
    )


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
        """A report table as written to ``tables/<name>.csv`` (without its demo-label column)."""
        try:
            frame = pd.read_csv(self.directory / "tables" / f"{name}.csv", keep_default_na=True)
        except pd.errors.EmptyDataError:  # a table without columns (nothing to report)
            return pd.DataFrame()
        return frame.drop(columns=[DATA_LABEL_COLUMN], errors="ignore")

    @cached_property
    def titles(self) -> dict[str, str]:
        """Scenario display names, from the ranked summary table."""
        summary = self.table("summary_scenarios")
        return dict(zip(summary["scenario"], summary["title"], strict=True)) if len(summary) else {}

    def named(self, frame: pd.DataFrame) -> pd.DataFrame:
        """``frame`` in the ranked table's scenario order (status quo first), scenarios by title."""
        order = {name: rank for rank, name in enumerate(self.titles)}
        ranked = frame.sort_values("scenario", key=lambda v: v.map(order).fillna(len(order)), kind="stable")
        return ranked.assign(scenario=ranked["scenario"].map(lambda n: self.titles.get(n, n)))

    def figure_html(self, name: str, *, alt: str = "") -> str:
        """An ``<img>`` tag with the PNG figure inlined as base64."""
        data = base64.b64encode((self.directory / "figures" / f"{name}.png").read_bytes()).decode("ascii")
        label = html.escape(alt or name.replace("_", " "))
        return f"<img class='report-figure' alt='{label}' src='data:image/png;base64,{data}'/>"

    def figure_names(self) -> list[str]:
        """Names of the figures written (alphabetical, as the manifest lists them)."""
        names = [Path(k).stem for k in self.manifest.get("artefacts", {}) if k.startswith("figures/")]
        return list(dict.fromkeys(names))

    def show(self, key: str) -> Section:
        """The section named ``key``: a method of this book, or ``"module:function"`` taking the book.

        The second form lets other modules add sections to the report's list (``render.SECTIONS``)
        without editing this class.
        """
        if ":" in key:
            module, function = key.split(":", 1)
            built = getattr(importlib.import_module(module), function)(self)
            return built if isinstance(built, Section) else Section(str(built))
        return getattr(self, key)()

    # -- the top of the page ----------------------------------------------------------

    def banner(self) -> Section:
        """What is simulated and what is published, when the report rests on demonstration data."""
        return Section(first_screen.banner_html(self))

    def title_block(self, title: str) -> Section:
        """Title, creation time and package version, and the banner."""
        stamp = html.escape(self.manifest.get("created_utc", ""))
        version = html.escape(self.manifest.get("package", {}).get("version", ""))
        return Section(
            f"<h1 class='report-title'>{html.escape(title)}</h1><p class='note'>Produced {stamp}"
            f" with forecasting {version}.</p>" + self.banner().html
        )

    def first_screen(self) -> Section:
        """The four answers in words, the headline chart and the ranked scenario table."""
        return Section(first_screen.first_screen_html(self) + first_screen.headline_html(self))

    # -- sections -------------------------------------------------------------------

    def baseline(self) -> Section:
        """Why the status quo path moves: the methods by series, the goods, the pair's own backtest."""
        s = self.settings
        methods = pd.DataFrame([vars(m) for m in s.series_methods])
        parts = [
            f"<p>{html.escape(s.baseline_model)}: each good and direction is extrapolated on its own.</p>"
        ]
        if len(methods):
            counts = methods["method"].value_counts()
            told = ", ".join(f"{n} by {html.escape(str(m))}" for m, n in counts.items())
            parts.append(
                f"<p>Of the {len(methods)} series, {told}. Intermittent series (many zero years) are resampled"
                " from their last years, so they stay level on average; the others follow their recent trend.</p>"
            )
        backtest = self.table("baseline_backtest")
        total = backtest[backtest["commodity"] == "TOTAL"].set_index("model") if len(backtest) else backtest
        if len(total) and {"baseline (auto)", "drift"} <= set(total.index):
            base, drift = total.loc["baseline (auto)"], total.loc["drift"]
            parts.append(
                f"<p>Backtest on the pair's own turnover ({int(base['n_windows'])} rolling origins from"
                f" {int(base['first_origin'])}, {int(base['horizon'])} years ahead): the baseline's error is"
                f" {base['relative_mase']:.2f} times naive's and drift's {drift['relative_mase']:.2f} times, so the"
                f" baseline {_mase_words(float(base['relative_mase']))}; its 80 % intervals held"
                f" {format_pct(base['coverage80_pct'])} % of the outcomes.</p>"
            )
        if len(backtest):
            parts.append(_series_losses(backtest))
        goods = self.table("summary_goods")
        reference = self.table("summary_scenarios")["scenario"].iloc[0]
        mine = goods[goods["scenario"] == reference].drop(columns="scenario")
        parts.append(
            table_html(mine, caption=f"What drives the status quo: change by good, {s.base_year}–{s.horizon}")
        )
        if len(backtest):
            series = [
                ("turnover" if c == "TOTAL" else f"{f} {c}")
                for f, c in zip(backtest["flow"], backtest["commodity"], strict=True)
            ]
            shown = backtest.drop(
                columns=["reporter", "partner", "flow", "commodity", "smape"], errors="ignore"
            )
            shown.insert(0, "series", series)
            parts.append(
                table_html(shown, caption="The pair's own backtest: baseline against naive and drift")
            )
        else:
            parts.append("<p>The history is too short for a backtest of the baseline on this pair.</p>")
        if len(methods):
            parts.append(
                table_html(methods.drop(columns=["reporter", "partner"]), caption="Method of each series")
            )
        return Section("".join(parts))

    def fan_charts(self) -> Section:
        """Turnover fans per scenario, the horizon table, then one chart per good (largest growth first)."""
        turnover = self.table("forecast_turnover")
        last = turnover[turnover["year"] == turnover["year"].max()]
        last = self.named(last).drop(columns=["reporter", "partner", "model", "year"])
        goods = self.table("summary_goods")
        order = goods[goods["scenario"] == self.table("summary_scenarios")["scenario"].iloc[0]]["commodity"]
        names = [f"fan_{c}" for c in order if f"fan_{c}" in self.figure_names()]
        names += [
            n for n in self.figure_names() if n.startswith("fan_") and n not in names and n != "fan_turnover"
        ]
        parts = [
            self.figure_html("fan_turnover", alt="Turnover fan chart, one panel per scenario"),
            table_html(last, caption=f"Turnover forecast in {int(turnover['year'].max())} (mean and bounds)"),
        ]
        parts += [self.figure_html(n, alt=n[4:].replace("_", " ") + " fan chart") for n in names]
        return Section("".join(parts))

    def billion_probability(self) -> Section:
        """The probability-by-year chart (or a sentence when every chance is 0), first years, growth needed."""
        target = f"USD {self.settings.target_usd / 1e9:g} bn"
        if "billion_probability" in self.figure_names():
            top = self.figure_html("billion_probability", alt="Probability of reaching the target")
            by_horizon = self.table("summary_scenarios")["prob_by_horizon_pct"] / 100
            small = small_chance_note(by_horizon)
            top += (
                f"<p class='note'>{small} It concerns the scenarios whose chance is that small.</p>"
                if small
                else ""
            )
        else:
            top = (
                f"<p><b>No draw of any scenario reaches {target} in any year to {self.settings.horizon}:"
                f" every probability is 0 %, so no chart is drawn.</b> {small_chance_note([0.0])}</p>"
            )
        first = self.named(self.table("first_year"))
        need = self.table("summary_target")
        status_quo = self.table("summary_scenarios").iloc[0]
        faster = need[
            (need["reference_growth_pct"] >= need["required_growth_pct"])
            & need["year"].map(lambda y: status_quo.get(f"prob_{int(y)}_pct", 100.0) < 50)
        ] if len(need) else need  # fmt: skip
        note = (
            f"<p class='note'>The status quo's central path grows faster than needed to {int(faster['year'].iloc[0])},"
            " yet most draws stay below the target: a few draws grow very fast and pull the mean up, so the"
            " chances above are the better guide.</p>"
            if len(faster)
            else ""
        )
        return Section(
            top
            + table_html(first, caption=f"Median first year with turnover of at least {target}")
            + table_html(
                need,
                caption=f"What reaching {target} would take (growth a year from {self.settings.base_year})",
                headers={
                    "reference_growth_pct": "status quo growth (%)",
                    "reference_turnover_musd": "status quo turnover (USD m)",
                },
            )
            + note
        )

    def ge_effects(self) -> Section:
        """GE effects by country: chart and table (one column per corridor)."""
        ge = self.table("ge_effects")
        if ge.empty:
            return Section(
                f"<p>No general-equilibrium step ran: {html.escape(self.settings.ge_description)}.</p>"
            )
        figure = (
            self.figure_html("ge_effects", alt="GE effects by country")
            if "ge_effects" in self.figure_names()
            else ""
        )
        countries, measures = ge_focus(ge, pair=self.settings.pair)
        focus = ge[ge["country"].isin(countries) & ge["measure"].isin(measures)]
        shown = focus.pivot_table(
            index=["measure", "country"], columns="scenario", values="change_pct", aggfunc="first", sort=False
        ).reset_index()
        shown.columns.name = None
        # The order of the chart: measure by measure, the pair first, then the most affected.
        rank = {c: i for i, c in enumerate(countries)} | {m: i for i, m in enumerate(measures)}
        shown = shown.sort_values(["measure", "country"], key=lambda v: v.map(rank)).reset_index(drop=True)
        shown["measure"] = shown["measure"].str.replace("_", " ")
        renamed = {c: f"{c}_pct" for c in shown.columns if c not in ("measure", "country")}
        headers = {f"{c}_pct": self.titles.get(c, c).split(" (")[0] for c in renamed}
        note = (
            f"<p class='note'>{len(countries)} of {ge['country'].nunique()} countries and {len(measures)} of"
            f" {ge['measure'].nunique()} measures; all of them, with bounds where drawn, are in"
            " tables/ge_effects.csv.</p>"
        )
        table = table_html(
            shown.rename(columns=renamed),
            caption="General-equilibrium changes (%) by corridor",
            headers=headers,
        )
        return Section(figure + table + note)

    def gravity(self) -> Section:
        """The gravity coefficients, beside the simulator's truth on demonstration data."""
        table = self.table("gravity")
        truth = "truth" in table.columns and table["truth"].notna().any()
        if not truth:
            table = table.drop(columns=["truth", "truth_gap_se"], errors="ignore")
            return Section(table_html(table, caption="PPML gravity estimates"))
        known = table[table["truth"].notna()]
        worst = known.loc[known["truth_gap_se"].abs().idxmax()]
        within = int((known["truth_gap_se"].abs() <= 3).sum())
        text = (
            f"<p>On the demonstration data the true coefficients are known (the simulator's). {within} of"
            f" {len(known)} estimates lie within 3 standard errors of the truth; the largest gap is"
            f" {worst['truth_gap_se']:+.1f} standard errors ({html.escape(str(worst['model']))},"
            f" {html.escape(str(worst['term']))}).</p>"
        )
        columns = ["model", "term", "estimate", "std_error", "truth", "truth_gap_se", "p_value", "nobs"]
        headers = {
            "truth": "truth (simulator)",
            "truth_gap_se": "gap (standard errors)",
            "std_error": "std. error",
        }
        shown = table[[c for c in columns if c in table.columns]]
        return Section(
            text + table_html(shown, caption="PPML gravity estimates beside the truth", headers=headers)
        )

    def coverage(self) -> Section:
        """Years each side reported, the published figures, and the mirror comparison."""
        return Section(appendix.coverage_html(self))

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
        """Methods, scenario definitions, fall-backs, settings, sources, versions and input checksums."""
        return Section(appendix.methods_html(self))

    def flags_appendix(self) -> Section:
        """The data-cleaning flags summary."""
        return Section(appendix.flags_html(self))
