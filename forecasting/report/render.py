"""Execute the report notebook with papermill and export it to one self-contained HTML file.

The notebook (``forecasting/report/outlook_report.ipynb``, shipped inside the package and found
with :mod:`importlib.resources`, so an installed wheel renders from any folder; it is generated
from :func:`report_notebook`) receives the artefacts directory as a
parameter and only displays :class:`~forecasting.report.sections.ReportBook` sections. The
export hides all code, inlines every image as base64 and wraps the body in a small page
with its own CSS: no script, stylesheet or font is fetched, so the file opens offline.
"""

from __future__ import annotations

import html
import logging
import sys
import tempfile
from importlib import resources
from pathlib import Path

import nbformat

from forecasting.errors import ForecastingError
from forecasting.files import atomic_write_text
from forecasting.progress import bar_style

logger = logging.getLogger(__name__)

NOTEBOOK_NAME = "outlook_report.ipynb"
KERNEL_NAME = "python3"

#: The report's sections in order, one ``(key, heading)`` per line: ``key`` is the page anchor and
#: what the notebook calls (``book.show(key)``): a ``ReportBook`` method, or ``"module:function"``
#: taking the book (sections kept in another module register here).
SECTIONS: tuple[tuple[str, str], ...] = (
    ("baseline", "The status quo and why it moves"),
    ("fan_charts", "Forecasts by scenario and by good"),
    ("billion_probability", "Reaching the turnover target"),
    ("ge_effects", "General-equilibrium effects of each corridor by country"),
    ("gravity", "Gravity estimates"),
    ("coverage", "Data coverage and mirror discrepancies"),
    ("methods", "Methods and sources"),
    ("flags_appendix", "Appendix: data flags"),
)
SECTION_HEADINGS = tuple(heading for _, heading in SECTIONS)

_PAGE_CSS = """
*{box-sizing:border-box}
body{font-family:-apple-system,'Segoe UI',Helvetica,Arial,sans-serif;max-width:1100px;margin:24px auto;
padding:0 16px;color:#222;line-height:1.45;overflow-wrap:break-word}
h1{font-size:1.8em;margin-bottom:0.2em}h2{border-bottom:2px solid #ddd;padding-bottom:4px;margin-top:1.6em}
a.anchor-link{display:none}
.table-wrap{max-width:100%;overflow-x:auto}
table.report-table{border-collapse:collapse;margin:12px 0;font-size:0.85em;max-width:100%}
table.report-table caption{text-align:left;font-weight:bold;padding:4px 0}
table.report-table th,table.report-table td{border:1px solid #ccc;padding:3px 6px;text-align:left;
vertical-align:top;overflow-wrap:break-word}
table.report-table th{background:#f2f2f2}
table.report-table .num{text-align:right}table.report-table td.num{white-space:nowrap}
img.report-figure{max-width:100%;height:auto;display:block;margin:12px 0}
.note{color:#666;font-size:0.85em}
.demo-banner{margin:12px 0;background:#fde2e2;border:2px solid #c00000;color:#800000;padding:10px}
ul.answers{padding-left:1.2em}ul.answers li{margin:0.35em 0}
nav.toc{background:#f7f7f7;border:1px solid #ddd;padding:8px 14px;margin:18px 0}
nav.toc ol{margin:4px 0;padding-left:1.4em}
@media (max-width:900px){body{margin:12px auto;padding:0 8px}table.report-table{font-size:0.78em}
table.report-table th,table.report-table td{padding:2px 4px}}
"""


class RenderError(ForecastingError, RuntimeError):
    """The report notebook failed to execute or export."""


def report_notebook() -> nbformat.NotebookNode:
    """The report notebook, built from the section list (the committed file is this, saved).

    Examples
    --------
    >>> nb = report_notebook()
    >>> nb.cells[0].metadata["tags"]
    ['parameters']
    """
    from forecasting.report.first_screen import contents_html, section_anchor

    cells = [
        nbformat.v4.new_code_cell(
            '# Parameters (papermill replaces this cell)\nartefacts_dir = "reports/kz-pk-outlook"\n'
            'title = "Kazakhstan–Pakistan trade outlook"',
            metadata={"tags": ["parameters"]},
        ),
        nbformat.v4.new_code_cell(
            "from forecasting.report.sections import ReportBook\n\nbook = ReportBook.open(artefacts_dir)\n"
            "book.title_block(title)"
        ),
        nbformat.v4.new_code_cell("book.first_screen()"),
        nbformat.v4.new_markdown_cell(contents_html(list(SECTIONS))),
    ]
    for key, heading in SECTIONS:
        cells.append(
            nbformat.v4.new_markdown_cell(f"<h2 id='{section_anchor(key)}'>{html.escape(heading)}</h2>")
        )
        cells.append(nbformat.v4.new_code_cell(f'book.show("{key}")'))
    notebook = nbformat.v4.new_notebook(cells=cells)
    notebook.metadata["kernelspec"] = {"name": KERNEL_NAME, "display_name": "Python 3", "language": "python"}
    notebook.metadata["language_info"] = {"name": "python"}
    for number, cell in enumerate(notebook.cells):
        cell["id"] = f"cell-{number:02d}"  # stable ids keep the committed notebook diff-free
    return notebook


def default_notebook() -> Path:
    """The report notebook shipped in the package (``forecasting/report/outlook_report.ipynb``).

    Examples
    --------
    >>> default_notebook().name
    'outlook_report.ipynb'
    """
    packaged = Path(str(resources.files("forecasting.report") / NOTEBOOK_NAME))
    if not packaged.is_file():
        raise RenderError(
            f"the report notebook {packaged} is missing from the installed package; reinstall it "
            "(pip install --force-reinstall forecasting) or pass notebook=... to render_report"
        )
    return packaged


def ensure_kernel() -> None:
    """Make sure the ``python3`` kernel exists; install it into this environment if not.

    jupyter_client runs a spec whose command is ``python`` with the current interpreter, so a
    kernel installed into ``sys.prefix`` is the venv's own Python on a fresh clone.
    """
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    try:
        KernelSpecManager().get_kernel_spec(KERNEL_NAME)
        return
    except NoSuchKernel:
        pass
    from ipykernel.kernelspec import install

    logger.info("installing the %s Jupyter kernel into %s", KERNEL_NAME, sys.prefix)
    install(kernel_name=KERNEL_NAME, prefix=sys.prefix)


def execute_notebook(
    notebook: Path, artefacts_dir: Path, *, title: str, progress: bool = False
) -> nbformat.NotebookNode:
    """Run the notebook with papermill (parameters ``artefacts_dir`` and ``title``)."""
    import papermill

    ensure_kernel()
    with tempfile.TemporaryDirectory(prefix="forecasting-report-") as scratch:
        executed = Path(scratch) / "executed.ipynb"
        try:
            papermill.execute_notebook(
                str(notebook),
                str(executed),
                parameters={"artefacts_dir": str(Path(artefacts_dir).resolve()), "title": title},
                kernel_name=KERNEL_NAME,
                progress_bar=progress and bar_style() != "lines",
                log_output=False,
                cwd=str(Path(artefacts_dir).resolve()),
                # The kernel's own log is not for the console: it warns that it talks over
                # local TCP, and logs an error when Ctrl-C reaches a running cell. Cell errors
                # come back as outputs (a RenderError below), which this does not hide.
                extra_arguments=["--IPKernelApp.log_level=CRITICAL"],
            )
        except papermill.PapermillExecutionError as error:
            raise RenderError(
                f"the report notebook {notebook} failed in cell {error.exec_count}: {error.ename}: {error.evalue}"
            ) from error
        return nbformat.read(executed, as_version=4)


def notebook_html(notebook: nbformat.NotebookNode, *, title: str) -> str:
    """Export an executed notebook to a self-contained page (no code, no external resources)."""
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(
        template_name="basic",
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        embed_images=True,
    )
    body, _ = exporter.from_notebook_node(notebook)
    return (
        "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
        f"<meta name='viewport' content='width=device-width, initial-scale=1'><title>{html.escape(title)}</title>"
        f"<style>{_PAGE_CSS}</style></head><body>\n{body}\n</body></html>\n"
    )


def render_report(
    artefacts_dir: str | Path,
    *,
    notebook: str | Path | None = None,
    title: str = "Kazakhstan–Pakistan trade outlook",
    progress: bool = False,
) -> Path:
    """Execute the report notebook over ``artefacts_dir`` and write ``artefacts_dir/report.html``.

    Parameters
    ----------
    artefacts_dir
        A directory written by :func:`~forecasting.report.write_artefacts`.
    notebook
        The notebook to run; default: the packaged ``forecasting/report/outlook_report.ipynb``.
    title
        Page and report title.
    progress
        Show papermill's cell progress bar.
    """
    artefacts_dir = Path(artefacts_dir)
    source = Path(notebook) if notebook is not None else default_notebook()
    if not source.is_file():
        raise RenderError(f"report notebook {source} does not exist; pass notebook=None for the default one")
    executed = execute_notebook(source, artefacts_dir, title=title, progress=progress)
    errors = [
        o
        for c in executed.cells
        if c.cell_type == "code"
        for o in c.get("outputs", [])
        if o.get("output_type") == "error"
    ]
    if errors:
        raise RenderError(
            f"the report notebook produced {len(errors)} error output(s): {errors[0].get('ename')}"
        )
    return atomic_write_text(artefacts_dir / "report.html", notebook_html(executed, title=title))
