"""The numbered notebooks run headless with papermill on the bundled data, and are stored clean.

The tutorials 01-04 live in notebooks/; the report notebook (stage 05) ships inside the package
(forecasting/report/outlook_report.ipynb) and is checked here for cleanliness too; it runs in
the report tests, which give it an artefacts folder.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

REPO = Path(__file__).resolve().parents[2]
TUTORIALS = sorted((REPO / "notebooks").glob("[0-9][0-9]_*.ipynb"))
REPORT_NOTEBOOK = REPO / "forecasting" / "report" / "outlook_report.ipynb"
NOTEBOOKS = [*TUTORIALS, REPORT_NOTEBOOK]
# Small settings so the whole set runs in CI in a few minutes; the defaults are the real ones.
FAST = {
    "01_quickstart.ipynb": {"draws": 100, "ge_draws": 20},
    "03_gravity.ipynb": {"first_year": 2015},
}


def test_the_four_tutorials_and_the_packaged_report_notebook_are_there():
    assert [p.name[:2] for p in TUTORIALS] == ["01", "02", "03", "04"]
    assert REPORT_NOTEBOOK.is_file()


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebooks_are_stored_without_outputs_and_with_a_parameters_cell(path):
    book = nbformat.read(path, as_version=4)
    code = [c for c in book.cells if c.cell_type == "code"]
    assert "parameters" in code[0].metadata.get("tags", []), (
        "first code cell must hold the papermill parameters"
    )
    assert all(not c.get("outputs") and c.get("execution_count") is None for c in code), (
        "strip outputs before commit"
    )
    for cell in code:
        defs = [line for line in cell.source.splitlines() if line.lstrip().startswith(("def ", "class "))]
        assert not defs, f"{path.name}: move helper functions into the package ({defs})"


@pytest.mark.notebooks
@pytest.mark.slow
@pytest.mark.parametrize("path", TUTORIALS, ids=lambda p: p.name)
def test_notebook_executes(path, tmp_path):
    import papermill

    papermill.execute_notebook(
        str(path),
        str(tmp_path / path.name),
        parameters=FAST.get(path.name, {}),
        kernel_name="python3",
        cwd=str(path.parent),
        progress_bar=False,
    )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_the_cell_after_the_parameters_checks_every_parameter(path):
    book = nbformat.read(path, as_version=4)
    code = [c for c in book.cells if c.cell_type == "code"]
    names = re.findall(r"^(\w+)\s*=", code[0].source, flags=re.MULTILINE)
    checked = re.search(r"check_parameters\((.*)\)", code[1].source, flags=re.DOTALL)
    assert names and checked, f"{path.name}: the second code cell must call check_parameters"
    assert re.findall(r"(\w+)=\1\b", checked.group(1)) == names


@pytest.mark.notebooks
@pytest.mark.parametrize(
    ("notebook", "name", "value", "said"),
    [
        ("04_scenarios.ipynb", "commodity", "pharmacy", "(did you mean 'pharma'?)"),
        ("04_scenarios.ipynb", "scenario_name", "trans_afghan", "'trans_afghan_railway'"),
        ("01_quickstart.ipynb", "draws", 1, "at least 40 draws"),
    ],
)
def test_a_bad_parameter_fails_in_the_check_cell_with_the_valid_choices(
    notebook, name, value, said, tmp_path
):
    import papermill

    path = REPO / "notebooks" / notebook
    with pytest.raises(papermill.PapermillExecutionError) as failed:
        papermill.execute_notebook(
            str(path),
            str(tmp_path / notebook),
            parameters={name: value},
            kernel_name="python3",
            cwd=str(path.parent),
            progress_bar=False,
        )
    error = failed.value
    assert error.ename == "OptionError" and "KeyError" not in error.evalue
    assert error.evalue.startswith(f"{name}={value!r}") and said in error.evalue
    executed = nbformat.read(tmp_path / notebook, as_version=4)
    ran = [c for c in executed.cells if c.cell_type == "code" and c.get("execution_count")]
    assert "check_parameters" in ran[-1].source  # it stopped there, before any work
