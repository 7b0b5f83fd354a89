"""write_artefacts: directory layout, the folder swapped in whole, contract checks on the outlook."""

from __future__ import annotations

import dataclasses
import hashlib
import stat

import pandas as pd
import pytest

from forecasting.errors import SchemaError
from forecasting.report import (
    MissingInputError,
    ReportDirectoryError,
    ReportInputError,
    check_directory,
    check_result,
    previous_copy,
    read_manifest,
    write_artefacts,
)

from .conftest import INPUT_TEXT


def test_layout_has_tables_figures_and_data_in_every_format(written, outlook):
    out = written.out_dir
    assert {p.name for p in (out / "data").iterdir()} == {f"{n}.parquet" for n in outlook.tables()}
    for name in written.tables:
        assert (out / "tables" / f"{name}.csv").is_file() and (out / "tables" / f"{name}.xlsx").is_file()
    for name in written.figures:
        assert (out / "figures" / f"{name}.png").is_file() and (out / "figures" / f"{name}.svg").is_file()
    assert {
        "headline_turnover",
        "fan_turnover",
        "mirror_history",
        "ge_effects",
        "fan_coal",
    } <= set(written.figures)
    assert not list(out.rglob(".*.tmp"))  # no temporary files left behind


def test_parquet_copies_equal_the_outlook_tables_with_units_in_the_money_columns(written, outlook):
    from forecasting.report.writers import DATA_LABEL_COLUMN, PARQUET_NAMES

    for name, table in outlook.tables().items():
        copy = pd.read_parquet(written.data[name])
        assert (copy[DATA_LABEL_COLUMN] == outlook.settings.data_label).all(), name
        back = copy.drop(columns=DATA_LABEL_COLUMN).rename(
            columns={v: k for k, v in PARQUET_NAMES.get(name, {}).items()}
        )
        pd.testing.assert_frame_equal(back, table, obj=name)
    assert {"mean_usd", "lower_usd", "upper_usd"} <= set(pd.read_parquet(written.data["turnover"]).columns)


def test_files_are_readable_by_others(written):
    mode = written.tables["gravity"].stat().st_mode
    assert mode & stat.S_IRGRP or mode & stat.S_IROTH or mode & stat.S_IRUSR


def test_tidy_lists_every_file_once(written):
    tidy = written.tidy()
    assert len(tidy) == len(written.files()) + 1
    assert set(tidy["kind"]) == {"table", "figure", "data", "manifest"}
    assert tidy["path"].is_unique
    assert (tidy["size_bytes"] > 0).all()


def test_refuses_a_directory_that_is_not_a_report(fresh_dir, outlook):
    fresh_dir.mkdir()
    for name in ("thesis.docx", "notes.txt"):
        (fresh_dir / name).write_text("precious")
    with pytest.raises(ReportDirectoryError, match="notes.txt") as caught:
        write_artefacts(outlook, fresh_dir)
    assert "choose a new or empty directory" in str(caught.value)
    assert isinstance(caught.value, FileExistsError)
    assert sorted(p.name for p in fresh_dir.iterdir()) == ["notes.txt", "thesis.docx"]


def test_refuses_a_file_path(tmp_path, outlook):
    target = tmp_path / "report"
    target.write_text("x")
    with pytest.raises(ReportDirectoryError, match="is a file"):
        write_artefacts(outlook, target)


def test_overwrites_a_previous_report_and_removes_stale_files(fresh_dir, small_outlook):
    write_artefacts(small_outlook, fresh_dir)
    assert (fresh_dir / "figures" / "fan_buses.png").is_file()
    forecast = small_outlook.forecast
    fewer = dataclasses.replace(small_outlook, forecast=forecast[forecast["commodity"] != "buses"])
    second = write_artefacts(fewer, fresh_dir)
    assert not (fresh_dir / "figures" / "fan_buses.png").exists()
    assert "figures/fan_buses.png" not in read_manifest(fresh_dir)["artefacts"]
    assert "fan_buses" not in second.figures


def test_inputs_are_checksummed(written):
    recorded = read_manifest(written.out_dir)["inputs"]["flows"]
    assert recorded["size_bytes"] == len(INPUT_TEXT.encode())
    assert recorded["sha256"] == hashlib.sha256(INPUT_TEXT.encode()).hexdigest()


def test_missing_input_stops_before_anything_is_written(fresh_dir, outlook):
    with pytest.raises(MissingInputError, match="absent.csv"):
        write_artefacts(outlook, fresh_dir, inputs={"flows": fresh_dir.parent / "absent.csv"})
    assert not fresh_dir.exists()


def test_check_result_lists_every_broken_table(outlook):
    broken = dataclasses.replace(
        outlook,
        forecast=outlook.forecast.assign(level=-1),
        billion=outlook.billion.assign(probability=1.5),
    )
    with pytest.raises(SchemaError) as caught:
        check_result(broken)
    message = str(caught.value)
    assert "3 problem(s)" in message and "forecast: column 'level' has" in message  # and the duplicate keys
    assert "billion: probability outside [0, 1] in rows 0, 1, 2, 3, 4 (and" in message


def test_a_table_without_its_columns_cannot_even_be_built(outlook):
    with pytest.raises(SchemaError) as caught:
        dataclasses.replace(
            outlook,
            forecast=outlook.forecast.drop(columns=["upper"]),
            history=outlook.history.drop(columns=["basis"]),
        )
    message = str(caught.value)
    assert "forecast: missing 'upper'" in message and "history: missing 'basis'" in message


def test_check_result_rejects_other_objects():
    with pytest.raises(ReportInputError, match="needs an OutlookResult"):
        check_result({"forecast": None})


def test_empty_forecast_is_refused(outlook):
    empty = dataclasses.replace(outlook, forecast=outlook.forecast.iloc[0:0])
    with pytest.raises(SchemaError, match="no forecast rows"):
        check_result(empty)


# -- the folder is swapped in whole (issue 18, "loses data") ---------------------------------


def manifest_agrees(folder) -> bool:
    """Every file but the manifest is listed in it with its checksum, and nothing else is."""
    listed = read_manifest(folder)["artefacts"]
    files = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()} - {"manifest.json"}
    same = all(
        hashlib.sha256((folder / name).read_bytes()).hexdigest() == e["sha256"] for name, e in listed.items()
    )
    return files == set(listed) and same


def leftovers(parent) -> list[str]:
    return sorted(p.name for p in parent.iterdir() if p.name.startswith("."))


def _interrupt_after(monkeypatch, module, name, calls: int, error=KeyboardInterrupt):
    original = getattr(module, name)
    seen = []

    def flaky(*args, **kwargs):
        seen.append(1)
        if len(seen) > calls:
            raise error("interrupted mid-write")
        return original(*args, **kwargs)

    monkeypatch.setattr(module, name, flaky)


@pytest.mark.parametrize("error", [KeyboardInterrupt, OSError])
def test_an_interrupted_fresh_run_leaves_no_folder(fresh_dir, small_outlook, monkeypatch, error):
    from forecasting.report import writers

    _interrupt_after(monkeypatch, writers, "write_table", 3, error)
    with pytest.raises(error):
        write_artefacts(small_outlook, fresh_dir)
    assert not fresh_dir.exists() and leftovers(fresh_dir.parent) == []


def test_an_interrupted_rerun_keeps_the_previous_report_whole(fresh_dir, small_outlook, monkeypatch):
    from forecasting.report import charts

    first = write_artefacts(small_outlook, fresh_dir, title="first")
    before = {p: p.read_bytes() for p in fresh_dir.rglob("*") if p.is_file()}
    _interrupt_after(monkeypatch, charts, "save_figure", 2)
    with pytest.raises(KeyboardInterrupt):
        write_artefacts(small_outlook, fresh_dir, title="second")
    assert {p: p.read_bytes() for p in fresh_dir.rglob("*") if p.is_file()} == before
    assert manifest_agrees(first.out_dir) and read_manifest(fresh_dir)["title"] == "first"
    assert leftovers(fresh_dir.parent) == [] and not previous_copy(fresh_dir).exists()


def test_a_rerun_keeps_one_previous_copy(fresh_dir, small_outlook):
    write_artefacts(small_outlook, fresh_dir, title="first")
    write_artefacts(small_outlook, fresh_dir, title="second")
    kept = previous_copy(fresh_dir)
    assert read_manifest(fresh_dir)["title"] == "second" and read_manifest(kept)["title"] == "first"
    third = write_artefacts(small_outlook, fresh_dir, title="third")
    assert read_manifest(kept)["title"] == "second"  # one copy: the older one is gone
    assert third.out_dir == fresh_dir and all(p.is_relative_to(fresh_dir) for p in third.files())
    assert manifest_agrees(fresh_dir) and manifest_agrees(kept)
    assert sorted(p.name for p in fresh_dir.parent.iterdir()) == ["out", "out.previous"]


def test_a_foreign_folder_where_the_copy_goes_is_refused_before_any_work(fresh_dir, small_outlook):
    write_artefacts(small_outlook, fresh_dir)
    kept = previous_copy(fresh_dir)
    kept.mkdir()
    (kept / "thesis.docx").write_text("precious")
    with pytest.raises(ReportDirectoryError, match="where the previous report"):
        check_directory(fresh_dir)
    with pytest.raises(ReportDirectoryError, match="thesis.docx"):
        write_artefacts(small_outlook, fresh_dir)
    assert (kept / "thesis.docx").read_text() == "precious" and manifest_agrees(fresh_dir)


def test_check_directory_says_whether_a_report_is_replaced(fresh_dir, small_outlook, tmp_path, monkeypatch):
    assert check_directory(fresh_dir) is False
    fresh_dir.mkdir()
    assert check_directory(fresh_dir) is False  # empty: taken
    write_artefacts(small_outlook, fresh_dir)
    assert check_directory(fresh_dir) is True
    (tmp_path / "a-file").write_text("x")
    with pytest.raises(ReportDirectoryError, match="not a folder"):
        check_directory(tmp_path / "a-file" / "report")
    monkeypatch.chdir(fresh_dir)
    with pytest.raises(ReportDirectoryError, match="current folder"):
        check_directory(".")


def test_build_report_interrupted_while_rendering_keeps_the_previous_report(
    fresh_dir, small_outlook, monkeypatch
):
    from forecasting.files import atomic_write_text
    from forecasting.report import build_report, render

    def quick_render(folder, **_):  # the notebook itself is exercised in test_render.py
        return atomic_write_text(folder / "report.html", "<html>first</html>")

    monkeypatch.setattr(render, "render_report", quick_render)
    first = build_report(small_outlook, fresh_dir)
    assert first.html == fresh_dir / "report.html" and manifest_agrees(fresh_dir)

    def interrupted(folder, **_):
        (folder / "report.html").write_text("<html>half")
        raise KeyboardInterrupt

    monkeypatch.setattr(render, "render_report", interrupted)
    with pytest.raises(KeyboardInterrupt):
        build_report(small_outlook, fresh_dir)
    assert (fresh_dir / "report.html").read_text() == "<html>first</html>"
    assert manifest_agrees(fresh_dir) and "report.html" in read_manifest(fresh_dir)["artefacts"]
    assert leftovers(fresh_dir.parent) == []
