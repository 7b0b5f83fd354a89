"""Write a report's files: data (parquet), tables (CSV + Excel), figures (PNG + SVG), manifest.

Layout under ``out_dir``::

    report.html  manifest.json  data/<name>.parquet  tables/<name>.csv|.xlsx  figures/<name>.png|.svg

The whole folder is written into a staging folder and swapped in only when complete
(:mod:`forecasting.report.folder`), so an interrupted run leaves the previous report as it was
and never a folder whose manifest disagrees with its files.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

import pandas as pd

from forecasting.errors import ForecastingError, SchemaError, describe_items
from forecasting.progress import track
from forecasting.projection.result import SERIES_KEYS, OutlookResult
from forecasting.report import charts, headline, manifest, tables, writers
from forecasting.report.folder import report_directory
from forecasting.schema import COEFFICIENTS, FORECAST, GE_COUNTRY, problems

logger = logging.getLogger(__name__)


class ReportInputError(ForecastingError, TypeError):
    """``build_report`` was given something other than an :class:`OutlookResult`."""


@dataclass(frozen=True)
class ReportArtefacts:
    """Paths of everything a report run wrote, by name.

    ``tables`` and ``workbooks`` hold the CSV and Excel files, ``figures`` and ``vectors``
    the PNG and SVG files, ``data`` the parquet copies of the outlook tables.
    """

    out_dir: Path
    manifest: Path
    tables: Mapping[str, Path] = field(default_factory=dict)
    workbooks: Mapping[str, Path] = field(default_factory=dict)
    figures: Mapping[str, Path] = field(default_factory=dict)
    vectors: Mapping[str, Path] = field(default_factory=dict)
    data: Mapping[str, Path] = field(default_factory=dict)
    html: Path | None = None
    pdf: Path | None = None

    def files(self) -> list[Path]:
        """Every written file except the manifest."""
        groups = (self.tables, self.workbooks, self.figures, self.vectors, self.data)
        singles = [p for p in (self.html, self.pdf) if p is not None]
        return [p for group in groups for p in group.values()] + singles

    def tidy(self) -> pd.DataFrame:
        """One row per file: ``kind, name, format, path, size_bytes``."""
        rows = []
        for kind, group in (
            ("table", self.tables),
            ("table", self.workbooks),
            ("figure", self.figures),
            ("figure", self.vectors),
            ("data", self.data),
        ):
            rows += [(kind, name, path.suffix.lstrip("."), path) for name, path in group.items()]
        rows += [
            ("report", "report", p.suffix.lstrip("."), p) for p in (self.html, self.pdf) if p is not None
        ]
        rows.append(("manifest", "manifest", "json", self.manifest))
        frame = pd.DataFrame(rows, columns=["kind", "name", "format", "path"])
        frame["size_bytes"] = [Path(p).stat().st_size for p in frame["path"]]
        return frame

    def with_report(self, html: Path | None, pdf: Path | None = None) -> ReportArtefacts:
        """A copy that also names the rendered HTML (and PDF)."""
        return replace(self, html=html, pdf=pdf)

    def moved_to(self, out_dir: str | Path) -> ReportArtefacts:
        """The same artefacts with every path under ``out_dir`` (after the folder was swapped in)."""
        new, old = Path(out_dir), self.out_dir

        def moved(path: Path | None) -> Path | None:
            return None if path is None else new / Path(path).relative_to(old)

        groups = ("tables", "workbooks", "figures", "vectors", "data")
        return replace(
            self,
            out_dir=new,
            manifest=new / self.manifest.relative_to(old),
            html=moved(self.html),
            pdf=moved(self.pdf),
            **{name: {k: moved(p) for k, p in getattr(self, name).items()} for name in groups},
        )


def check_result(result: object) -> OutlookResult:
    """Check an outlook result against the schemas the report relies on; one error lists all problems.

    An :class:`OutlookResult` already has its fixed columns (it checks them when built); this
    adds the value checks of the FORECAST, COEFFICIENTS and GE_COUNTRY schemas.

    Examples
    --------
    >>> from forecasting.projection.pipeline import example_outlook
    >>> check_result(example_outlook()).is_demo
    True
    """
    if not isinstance(result, OutlookResult):
        raise ReportInputError(
            f"build_report needs an OutlookResult (from forecasting.outlook), got {type(result).__name__}"
        )
    found: list[str] = []
    found += [f"forecast: {p}" for p in problems(result.forecast, FORECAST, keys=SERIES_KEYS)]
    found += [f"turnover: {p}" for p in problems(result.turnover, FORECAST, keys=("reporter", "partner"))]
    found += [f"coefficients: {p}" for p in problems(result.coefficients, COEFFICIENTS)]
    found += [f"ge_country: {p}" for p in problems(result.ge_country, GE_COUNTRY)]
    outside = result.billion.index[~result.billion["probability"].between(0.0, 1.0)]
    if len(outside):
        found.append(f"billion: probability outside [0, 1] in rows {describe_items(outside.tolist())}")
    if result.forecast.empty or result.turnover.empty:
        found.append("forecast/turnover: no forecast rows; run the outlook before building a report")
    if found:
        lines = "\n".join(f"  - {p}" for p in found)
        raise SchemaError(f"the outlook result cannot be reported; {len(found)} problem(s):\n{lines}")
    return result


def write_artefacts(
    result: OutlookResult,
    out_dir: str | Path,
    *,
    inputs: Mapping[str, Path] | None = None,
    title: str = "",
    progress: bool = False,
) -> ReportArtefacts:
    """Write the report's data, tables, figures and manifest (everything but the HTML).

    Everything is read from the result's typed fields; the manifest records its settings and
    scenario definitions in their JSON form.

    Parameters
    ----------
    result
        The outlook to report on.
    out_dir
        Target directory; created if missing, refused if it holds anything but a report.
    inputs
        Data files the outlook was built from, by name; their SHA-256 goes in the manifest.
    title
        Report title recorded in the manifest.
    progress
        Show a progress bar over the files.

    Returns
    -------
    ReportArtefacts

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from forecasting.projection.pipeline import example_outlook
    >>> out = write_artefacts(example_outlook(), pathlib.Path(tempfile.mkdtemp()) / "r")
    >>> sorted(out.tables)[:2], out.manifest.name
    (['baseline_backtest', 'billion_probability'], 'manifest.json')
    """
    result = check_result(result)
    input_files = manifest.input_digests(inputs or {})
    with report_directory(out_dir) as staging:
        artefacts = write_files(result, staging, input_files=input_files, title=title, progress=progress)
    return artefacts.moved_to(out_dir)


def write_files(
    result: OutlookResult,
    out_dir: Path,
    *,
    input_files: Mapping[str, dict[str, object]],
    title: str = "",
    progress: bool = False,
) -> ReportArtefacts:
    """Write the data, tables, figures and manifest into the (staging) folder ``out_dir``."""
    notes = writers.TableNotes.of(result, headline.scenario_titles(result))
    data_paths = writers.write_data(result, out_dir / "data", notes)
    csv_paths, xlsx_paths = {}, {}
    report_tables = tables.report_tables(result)
    for name in track(report_tables, total=len(report_tables), desc="tables", enabled=progress):
        described = tables.TABLE_DESCRIPTIONS.get(name, "")
        csv_paths[name], xlsx_paths[name] = writers.write_table(
            report_tables[name], out_dir / "tables", name, notes, description=described
        )
    png_paths, svg_paths = {}, {}
    figures = charts.report_figures(result)
    for name in track(figures, total=len(figures), desc="figures", enabled=progress):
        png_paths[name], svg_paths[name] = charts.save_figure(figures[name], out_dir / "figures", name)
    artefacts = ReportArtefacts(
        out_dir=out_dir,
        manifest=out_dir / manifest.MANIFEST_NAME,
        tables=csv_paths,
        workbooks=xlsx_paths,
        figures=png_paths,
        vectors=svg_paths,
        data=data_paths,
    )
    record_manifest(artefacts, result, input_files, title=title)
    logger.info("wrote %d report files to %s", len(artefacts.files()), out_dir)
    return artefacts


def record_manifest(
    artefacts: ReportArtefacts,
    result: OutlookResult,
    input_files: Mapping[str, dict[str, object]],
    *,
    title: str = "",
) -> Path:
    """(Re)write the manifest for the files ``artefacts`` names."""
    digests = manifest.artefact_digests(artefacts.out_dir, artefacts.files())
    content = manifest.build_manifest(
        settings=result.settings.to_dict(),
        scenarios={name: scenario.to_dict() for name, scenario in result.scenarios.items()},
        inputs=input_files,
        artefacts=digests,
        title=title,
    )
    return manifest.write_manifest(artefacts.out_dir, content)
