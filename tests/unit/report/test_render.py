"""Notebook execution and HTML export: the committed notebook, self-contained output, errors."""

from __future__ import annotations

import hashlib
import re

import nbformat
import pytest

from forecasting.report import RenderError, build_report, read_manifest, render_report
from forecasting.report.render import SECTION_HEADINGS, default_notebook, notebook_html, report_notebook
from tests.conftest import REPO

# The one committed copy lives in the package, so a wheel carries it (issue 13).
COMMITTED = REPO / "forecasting" / "report" / "outlook_report.ipynb"


def test_committed_notebook_is_the_generated_one_with_outputs_stripped():
    committed = nbformat.read(COMMITTED, as_version=4)
    generated = report_notebook()
    assert [(c.cell_type, c.source, c.metadata.get("tags")) for c in committed.cells] == [
        (c.cell_type, c.source, c.metadata.get("tags")) for c in generated.cells
    ], (
        "regenerate it: python -c 'import nbformat; from forecasting.report.render import report_notebook;"
        ' nbformat.write(report_notebook(), "forecasting/report/outlook_report.ipynb")\''
    )
    assert committed.cells[0].metadata["tags"] == ["parameters"]
    for cell in committed.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None


def test_the_report_runs_the_packaged_notebook_and_no_second_copy_exists():
    assert default_notebook() == COMMITTED
    assert not list((REPO / "notebooks").glob("*outlook_report*.ipynb"))


def test_sections_are_one_plain_tuple_with_unique_keys_and_headings():
    from forecasting.report.render import SECTIONS

    assert isinstance(SECTIONS, tuple) and all(len(entry) == 2 for entry in SECTIONS)
    assert len({k for k, _ in SECTIONS}) == len(SECTIONS) == len(set(SECTION_HEADINGS))
    sources = [c.source for c in report_notebook().cells]
    for key, heading in SECTIONS:
        assert f'book.show("{key}")' in sources and any(heading in s and f"id='{key}'" in s for s in sources)


def test_notebook_only_calls_forecasting():
    code = "\n".join(c.source for c in report_notebook().cells if c.cell_type == "code")
    imports = re.findall(r"^\s*(?:from|import)\s+([\w.]+)", code, flags=re.MULTILINE)
    assert imports and all(name.startswith("forecasting") for name in imports)


def test_exported_page_needs_nothing_from_the_network():
    notebook = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_markdown_cell("## Heading"), nbformat.v4.new_code_cell("secret_code()")]
    )
    notebook.cells[1].outputs = [
        nbformat.v4.new_output("display_data", data={"text/html": "<table><tr><td>1</td></tr></table>"})
    ]
    page = notebook_html(notebook, title="T & co")
    assert page.startswith("<!DOCTYPE html>") and "<title>T &amp; co</title>" in page
    assert "<table>" in page and "secret_code" not in page
    assert "<script" not in page and not re.search(r"src=['\"]?https?:|<link", page)


@pytest.mark.slow
def test_build_report_renders_every_section(small_outlook, tmp_path):
    out = build_report(small_outlook, tmp_path / "outlook", title="KZ-PK test outlook")
    page = out.html.read_text(encoding="utf-8")
    headings = re.findall(r"<h2[^>]*>(.*?)<", page)
    assert headings == ["In brief", *SECTION_HEADINGS]
    anchors = set(re.findall(r"<h2 id=['\"]([^'\"]+)", page))
    links = re.findall(r"<a href=['\"]#([^'\"]+)", page)
    assert len(links) == len(SECTION_HEADINGS) and set(links) <= anchors  # the contents resolve
    assert "<title>KZ-PK test outlook</title>" in page and "DEMONSTRATION DATA" in page
    shown = [n for n in out.figures if n != "ge_effects"]  # the small outlook has no GE table
    assert page.count("data:image/png;base64") == len(shown)
    assert page.count("<table") >= 10
    assert "ReportBook" not in page and "<script" not in page  # code hidden, nothing to fetch
    assert not re.search(r"src=['\"]?https?:|<link", page)  # links to sources, nothing fetched
    assert page.index("In brief") < page.index("Contents") < page.index(SECTION_HEADINGS[0])
    listed = read_manifest(out.out_dir)["artefacts"]["report.html"]
    assert listed["sha256"] == hashlib.sha256(out.html.read_bytes()).hexdigest()


@pytest.mark.slow
def test_failing_notebook_raises_render_error(tmp_path):
    broken = report_notebook()
    broken.cells = [broken.cells[0], nbformat.v4.new_code_cell("raise ValueError('no such table: boom')")]
    path = tmp_path / "broken.ipynb"
    nbformat.write(broken, path)
    with pytest.raises(RenderError, match="ValueError: no such table: boom"):
        render_report(tmp_path, notebook=path)
    assert not (tmp_path / "report.html").exists()  # nothing half-written


def test_missing_notebook_is_named(tmp_path):
    with pytest.raises(RenderError, match="nothing.ipynb"):
        render_report(tmp_path, notebook=tmp_path / "nothing.ipynb")


def test_missing_kernel_is_installed_into_this_environment(monkeypatch):
    import sys

    from ipykernel import kernelspec as ipykernel_spec
    from jupyter_client import kernelspec

    from forecasting.report import render

    def no_kernel(self, name):
        raise kernelspec.NoSuchKernel(name)

    calls = []
    monkeypatch.setattr(kernelspec.KernelSpecManager, "get_kernel_spec", no_kernel)
    monkeypatch.setattr(ipykernel_spec, "install", lambda **kwargs: calls.append(kwargs))
    render.ensure_kernel()
    assert calls == [{"kernel_name": "python3", "prefix": sys.prefix}]
