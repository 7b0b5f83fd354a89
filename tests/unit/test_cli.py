"""Every subcommand of the ``forecasting`` command answers --help."""

from __future__ import annotations

import subprocess
import sys

import pytest

from forecasting.cli import build_parser, main

SUBCOMMANDS = sorted(build_parser()._subparsers._group_actions[0].choices)  # noqa: SLF001


def test_the_subcommands_are_the_documented_ones():
    assert {"outlook", "read", "gravity", "scenarios", "demo-data"} <= set(SUBCOMMANDS)


@pytest.mark.parametrize("command", SUBCOMMANDS)
def test_help_of_every_subcommand(command, capsys):
    with pytest.raises(SystemExit) as info:
        main([command, "--help"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    assert "usage: forecasting" in out and command in out


def test_console_script_runs_as_a_module():
    done = subprocess.run([sys.executable, "-m", "forecasting.cli", "--help"], capture_output=True, text=True)
    assert done.returncode == 0 and "outlook" in done.stdout


def test_library_errors_become_a_message_and_exit_code_two(tmp_path, capsys):
    bad = tmp_path / "bad.toml"
    bad.write_text("[x]\nshocks = 3\n", encoding="utf-8")
    code = main(["scenarios", "--file", str(bad)])
    assert code == 2
    assert capsys.readouterr().err.startswith("error: ")
