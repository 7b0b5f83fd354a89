"""Reports of an outlook run: tables, charts, a notebook-driven HTML page and a manifest.

:func:`build_report` is the one call most users need::

    out_dir/report.html               executive summary ... data-flags appendix (code hidden)
    out_dir/tables/<name>.csv|.xlsx   every table
    out_dir/figures/<name>.png|.svg   every figure
    out_dir/data/<name>.parquet       the outlook's own tables
    out_dir/manifest.json             versions, checksums, scenario definitions, settings

On demonstration data every CSV, Excel and Parquet table carries a ``data_label`` column;
every workbook has a ``notes`` sheet and every Parquet file the same notes in its schema
metadata (see :mod:`forecasting.report.writers`). Two runs with one seed write identical tables.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from forecasting.lazy import attach

if TYPE_CHECKING:
    from forecasting.projection.result import OutlookResult
    from forecasting.report.artefacts import ReportArtefacts

logger = logging.getLogger(__name__)

# Public name -> the module that defines it. The report notebook's kernel imports only
# ``forecasting.report.sections``; importing the rest (matplotlib, the outlook result types)
# plainly here would add about 1 s to every kernel start (python -X importtime).
_LAZY = {
    "BrowserError": "forecasting.report.browser",
    "BrowserNotFoundError": "forecasting.report.browser",
    "print_pdf": "forecasting.report.browser",
    "screenshot": "forecasting.report.browser",
    "MissingInputError": "forecasting.report.manifest",
    "read_manifest": "forecasting.report.manifest",
    "RenderError": "forecasting.report.render",
    "render_report": "forecasting.report.render",
    "ReportBook": "forecasting.report.sections",
    "ReportArtefacts": "forecasting.report.artefacts",
    "ReportDirectoryError": "forecasting.report.folder",
    "ReportInputError": "forecasting.report.artefacts",
    "check_directory": "forecasting.report.folder",
    "check_result": "forecasting.report.artefacts",
    "previous_copy": "forecasting.report.folder",
    "write_artefacts": "forecasting.report.artefacts",
}
__all__ = sorted([*_LAZY, "build_report"])
__getattr__, __dir__ = attach(__name__, _LAZY)


def build_report(
    result: OutlookResult,
    out_dir: str | Path,
    *,
    notebook: str | Path | None = None,
    inputs: Mapping[str, Path] | None = None,
    title: str = "Kazakhstan–Pakistan trade outlook",
    pdf: bool = False,
    progress: bool = False,
) -> ReportArtefacts:
    """Write every artefact of ``result`` and render ``out_dir/report.html`` (and optionally a PDF).

    Parameters
    ----------
    result
        An :class:`~forecasting.projection.result.OutlookResult`.
    out_dir
        Output directory: created when missing; replaced only if empty or holding a previous
        report, and only once the new report is complete (the previous one is then kept as
        ``<out_dir>.previous``, see :mod:`forecasting.report.folder`).
    notebook
        Report notebook to execute; default: the packaged ``forecasting/report/outlook_report.ipynb``.
    inputs
        The data files behind the outlook, by name; their SHA-256 and size go into the manifest.
    title
        The report's title.
    pdf
        Also print ``report.pdf`` with headless Chromium (needs Chromium installed).
    progress
        Show progress bars while writing files and executing the notebook.

    Returns
    -------
    ReportArtefacts
        Paths of the HTML, tables, figures, data and manifest.

    Raises
    ------
    SchemaError
        When a table of ``result`` breaks its contract (all problems listed).
    ReportDirectoryError
        When ``out_dir`` holds files that are not a previous report.
    MissingInputError
        When an ``inputs`` path does not exist.
    RenderError
        When the notebook fails.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from forecasting.projection.pipeline import example_outlook
    >>> report = build_report(example_outlook(), pathlib.Path(tempfile.mkdtemp()) / "outlook")  # doctest: +SKIP
    >>> report.html.name  # doctest: +SKIP
    'report.html'
    """
    from forecasting.files import atomic_write
    from forecasting.report.artefacts import check_result, record_manifest, write_files
    from forecasting.report.browser import print_pdf
    from forecasting.report.folder import report_directory
    from forecasting.report.manifest import input_digests
    from forecasting.report.render import render_report

    result = check_result(result)
    input_files = input_digests(inputs or {})
    # Everything goes to a staging folder that replaces out_dir only once the HTML (and PDF)
    # and the final manifest are written: an interrupted run leaves the previous report whole.
    with report_directory(out_dir) as staging:
        artefacts = write_files(result, staging, input_files=input_files, title=title, progress=progress)
        html = render_report(staging, notebook=notebook, title=title, progress=progress)
        pdf_path = atomic_write(staging / "report.pdf", lambda p: print_pdf(html, p)) if pdf else None
        artefacts = artefacts.with_report(html, pdf_path)
        record_manifest(artefacts, result, input_files, title=title)
    artefacts = artefacts.moved_to(out_dir)
    logger.info("report written to %s", artefacts.html)
    if artefacts.pdf is not None:
        logger.info("PDF of the report (pdf=True) written to %s", artefacts.pdf)
    return artefacts
