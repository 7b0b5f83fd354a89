"""Benchmark: rendering the outlook report, against plain ``jupyter nbconvert --execute``.

A user without this package would run the same notebook with
``jupyter nbconvert --to html --execute --no-input``. We compare wall time, page size and
how many resources the page fetches from the network (an offline reader gets none of them).

Run from the repository root::

    .venv/bin/python benchmarks/report_render.py --repeats 3

It writes ``benchmarks/results/report_render.md``.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

from forecasting.projection.pipeline import example_outlook
from forecasting.report import print_pdf, render_report, write_artefacts
from forecasting.report.render import default_notebook

RESULTS = Path(__file__).resolve().parent / "results" / "report_render.md"
# Resources a browser fetches on opening the page (images, scripts, stylesheets); links a
# reader may follow (<a href>, the report's sources) are not fetched.
_EXTERNAL = re.compile(r"(?:src=|<link[^>]*href=)['\"]?(https?://[^'\" >]+)")


def _timed(action) -> tuple[float, object]:
    start = time.perf_counter()
    value = action()
    return time.perf_counter() - start, value


def _nbconvert_alternative(artefacts_dir: Path, scratch: Path) -> Path:
    """The same notebook with its parameter cell edited by hand, run by nbconvert."""
    notebook = nbformat.read(default_notebook(), as_version=4)
    notebook.cells[
        0
    ].source = f"artefacts_dir = {str(artefacts_dir)!r}\ntitle = 'Kazakhstan–Pakistan trade outlook'"
    source = scratch / "outlook.ipynb"
    nbformat.write(notebook, source)
    jupyter = Path(sys.executable).with_name("jupyter")
    subprocess.run(
        [
            str(jupyter),
            "nbconvert",
            "--to",
            "html",
            "--execute",
            "--no-input",
            str(source),
            "--output-dir",
            str(scratch),
        ],
        check=True,
        capture_output=True,
    )
    return scratch / "outlook.html"


def _page_facts(page: Path) -> tuple[int, int, int]:
    text = page.read_text(encoding="utf-8")
    return page.stat().st_size, len(set(_EXTERNAL.findall(text))), text.count("<script")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    load_before = os.getloadavg()
    result = example_outlook()
    with tempfile.TemporaryDirectory(prefix="bench-report-") as tmp:
        root = Path(tmp)
        write_times, ours, theirs, pdf_times = [], [], [], []
        for i in range(args.repeats):
            out = root / f"ours{i}"
            seconds, written = _timed(lambda o=out: write_artefacts(result, o))
            write_times.append(seconds)
            seconds, html = _timed(lambda o=out: render_report(o))
            ours.append(seconds)
            scratch = root / f"theirs{i}"
            scratch.mkdir()
            seconds, their_page = _timed(lambda o=out, s=scratch: _nbconvert_alternative(o, s))
            theirs.append(seconds)
            if shutil.which("chromium"):
                seconds, _ = _timed(lambda h=html, o=out: print_pdf(h, o / "report.pdf"))
                pdf_times.append(seconds)
        our_size, our_urls, our_scripts = _page_facts(html)
        their_size, their_urls, their_scripts = _page_facts(their_page)
    load_after = os.getloadavg()
    med = statistics.median
    lines = [
        "# Report rendering benchmark",
        "",
        f"Command: `.venv/bin/python benchmarks/report_render.py --repeats {args.repeats}` (median of"
        f" {args.repeats} runs). Machine: {os.cpu_count()} cores, Python {platform.python_version()}.",
        f"**Ran under shared load** (other helpers' jobs): load average {load_before[0]:.1f} before,"
        f" {load_after[0]:.1f} after, so absolute times are pessimistic; the ratios compare like with like.",
        "Input: `forecasting.projection.pipeline.example_outlook()`, a small real outlook run on the bundled"
        f" demo data ({len(result.scenarios)} scenarios + the statistical baseline,"
        f" {result.forecast.commodity.nunique()} commodity groups, to {result.settings.horizon}).",
        "",
        "| step | forecasting.report | jupyter nbconvert --execute --no-input | ratio (ours / theirs) |",
        "|---|---|---|---|",
        f"| execute notebook + export HTML (s) | {med(ours):.1f} | {med(theirs):.1f} | {med(ours) / med(theirs):.2f} |",
        f"| page size (KB) | {our_size / 1024:,.0f} | {their_size / 1024:,.0f} | {our_size / their_size:.2f} |",
        f"| resources fetched from the network | {our_urls} | {their_urls} | – |",
        f"| `<script>` tags | {our_scripts} | {their_scripts} | – |",
        "",
        f"Writing the artefacts ({len(written.data)} parquet, {len(written.tables)} CSV + {len(written.workbooks)}"
        f" Excel tables, {len(written.figures)} PNG + {len(written.vectors)} SVG figures, manifest):"
        f" {med(write_times):.1f} s (median). "
        + (
            f"PDF print with headless Chromium: {med(pdf_times):.1f} s."
            if pdf_times
            else "Chromium absent: no PDF timing."
        ),
        "",
        "Both pages show the same notebook outputs. The nbconvert time includes starting the `jupyter` command (a new Python process and its imports), which ours, called from Python, does not pay. The nbconvert page is the `lab` template: it embeds its"
        " CSS but loads require.js and MathJax from a CDN, which an offline reader cannot reach; ours uses the"
        " `basic` template inside a small page with its own CSS and no script.",
    ]
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
