"""Ctrl-C and re-runs: one line, exit 130, no partial folder, no process left, the last report kept."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import psutil
import pytest

from forecasting.cli import main
from forecasting.projection import pipeline
from forecasting.report import charts, previous_copy
from tests.unit.report.test_artefacts import leftovers, manifest_agrees


@pytest.fixture
def quick_outlook(monkeypatch, outlook):
    """The CLI's outlook returns the session's real demo run (to 2035) at once."""
    monkeypatch.setattr(pipeline, "outlook", lambda *args, **kwargs: outlook)
    return outlook


def _run(out, capsys, *extra):
    code = main(["outlook", "--horizon", "2035", "--draws", "60", "--no-report", "--out", str(out), *extra])
    return code, *capsys.readouterr()


def test_a_rerun_says_so_and_keeps_one_previous_copy(tmp_path, capsys, quick_outlook):
    out = tmp_path / "kz-pk"
    code, printed, _ = _run(out, capsys)
    assert code == 0 and "previous report" not in printed and manifest_agrees(out)
    code, printed, _ = _run(out, capsys)
    assert code == 0 and f"{out} holds a previous report" in printed and f"kept as {out}.previous" in printed
    assert manifest_agrees(out) and manifest_agrees(previous_copy(out)) and leftovers(tmp_path) == []


def test_ctrl_c_while_writing_keeps_the_previous_report(tmp_path, capsys, quick_outlook, monkeypatch):
    out = tmp_path / "kz-pk"
    assert _run(out, capsys)[0] == 0
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    drawn = []

    def interrupted(figure, folder, name):
        drawn.append(name)
        if len(drawn) == 3:
            raise KeyboardInterrupt
        return original(figure, folder, name)

    original = charts.save_figure
    monkeypatch.setattr(charts, "save_figure", interrupted)
    code, _, err = _run(out, capsys)
    assert code == 130 and err.strip().splitlines()[-1].startswith("interrupted: ")
    assert "Traceback" not in err and "KeyboardInterrupt" not in err
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before and manifest_agrees(out)
    assert leftovers(tmp_path) == [] and not previous_copy(out).exists()


def _descendants(pid: int) -> list[psutil.Process]:
    try:
        return psutil.Process(pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return []


@pytest.mark.slow
def test_ctrl_c_in_a_real_run_stops_every_process_and_leaves_nothing(tmp_path):
    out = tmp_path / "kz-pk"
    command = [
        sys.executable,
        "-m",
        "forecasting",
        "outlook",
        "--draws",
        "40",
        "--horizon",
        "2028",
        "--out",
        str(out),
    ]
    # A terminal's Ctrl-C goes to the whole foreground process group: do the same to a new one.
    run = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True
    )
    started, workers = time.monotonic(), []
    while time.monotonic() - started < 60 and run.poll() is None:  # until the per-commodity fits run
        time.sleep(0.2)
        workers = _descendants(run.pid)
        if workers:
            time.sleep(1.0)
            workers = _descendants(run.pid)
            break
    os.killpg(run.pid, signal.SIGINT)
    _, err = run.communicate(timeout=120)
    assert run.returncode == 130, err
    assert err.strip().splitlines()[-1].startswith("interrupted: ") and "Traceback" not in err
    assert "KeyboardInterrupt" not in err
    deadline = time.monotonic() + 10
    while (
        any(p.is_running() and p.status() != psutil.STATUS_ZOMBIE for p in workers)
        and time.monotonic() < deadline
    ):
        time.sleep(0.2)
    assert not [p.pid for p in workers if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]
    assert sorted(p.name for p in tmp_path.iterdir()) == []
