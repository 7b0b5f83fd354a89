"""The built wheel alone runs the main job from any folder (issue 13: installable anywhere).

The wheel is built from a copy of the sources and installed, without dependencies, into a
fresh virtual environment that sees this environment's site-packages through a ``.pth`` file:
third-party packages (and nbconvert's templates) come from here, ``forecasting`` only from the
wheel (this environment's editable install needs its own ``.pth`` processing, which a path line
does not give it). The commands then run from an empty folder, so nothing can be found "two
folders up".
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from importlib import metadata
from pathlib import Path

import pytest

from tests.conftest import REPO

pytestmark = pytest.mark.slow


def run(command: list[str], *, cwd: Path, env: dict[str, str], timeout: float = 300) -> str:
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, (
        f"{' '.join(command)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}"
    )
    return done.stdout


def build_wheel(work: Path, env: dict[str, str]) -> Path:
    source = work / "src"
    shutil.copytree(
        REPO / "forecasting", source / "forecasting", ignore=shutil.ignore_patterns("__pycache__", "*.pyc")
    )
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(REPO / name, source / name)
    command = [
        sys.executable,
        "-m",
        "pip",
        "wheel",
        "--no-deps",
        "--quiet",
        "-w",
        str(work / "dist"),
        str(source),
    ]
    setuptools_major = int(metadata.version("setuptools").split(".")[0])
    if setuptools_major >= 77:  # the build backend pyproject.toml asks for is here: no isolated build env
        command.insert(4, "--no-build-isolation")
    run(command, cwd=work, env=env)
    (wheel,) = (work / "dist").glob("forecasting-*.whl")
    return wheel


def fresh_venv(work: Path, wheel: Path, env: dict[str, str]) -> Path:
    venv = work / "venv"
    run([sys.executable, "-m", "venv", "--without-pip", str(venv)], cwd=work, env=env)
    python = venv / "bin" / "python"
    site = run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], cwd=work, env=env
    )
    here = dict.fromkeys([sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]])
    (Path(site.strip()) / "dependencies-from-test-env.pth").write_text("\n".join(here) + "\n")
    # nbconvert's templates are data files pip puts under <prefix>/share; lend them the same way
    # (the kernel specs stay behind, so the report's kernel is the fresh environment's Python).
    shared = venv / "share" / "jupyter"
    shared.mkdir(parents=True)
    (shared / "nbconvert").symlink_to(Path(sys.prefix) / "share" / "jupyter" / "nbconvert")
    run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(python),
            "install",
            "--no-deps",
            "--no-index",
            "--quiet",
            str(wheel),
        ],
        cwd=work,
        env=env,
    )
    return venv


@pytest.mark.skipif(sys.platform.startswith("win"), reason="the venv layout below is POSIX")
def test_wheel_installs_and_runs_a_short_outlook_from_another_folder(tmp_path: Path) -> None:
    env = {
        k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "FORECASTING_DATASETS", "VIRTUAL_ENV")
    }
    env |= {"PYTHONNOUSERSITE": "1", "JUPYTER_DATA_DIR": str(tmp_path / "jupyter"), "MPLBACKEND": "Agg"}
    env.pop("JUPYTER_PATH", None)
    wheel = build_wheel(tmp_path, env)
    names = set(zipfile.ZipFile(wheel).namelist())
    assert {"forecasting/report/outlook_report.ipynb", "forecasting/datasets/catalog.toml"} <= names
    assert "forecasting/__main__.py" in names and not [
        n for n in names if n.startswith(("tests/", "notebooks/"))
    ]
    venv = fresh_venv(tmp_path, wheel, env)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    python, console = str(venv / "bin" / "python"), str(venv / "bin" / "forecasting")

    location = run([python, "-c", "import forecasting; print(forecasting.__file__)"], cwd=elsewhere, env=env)
    assert Path(location.strip()).is_relative_to(venv), (
        f"forecasting came from {location.strip()}, not the wheel"
    )
    assert "fetch" in run([python, "-m", "forecasting", "--help"], cwd=elsewhere, env=env)

    out = elsewhere / "outlook"
    printed = run(
        [console, "outlook", "--draws", "50", "--horizon", "2028", "--out", str(out)], cwd=elsewhere, env=env
    )
    assert (out / "report.html").is_file() and (out / "manifest.json").is_file()
    assert f"report: {out / 'report.html'}" in printed
    page = (out / "report.html").read_text(encoding="utf-8")
    assert "In brief" in page and "DEMONSTRATION DATA" in page
