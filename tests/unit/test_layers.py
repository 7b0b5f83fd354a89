"""The package's import layers hold (import-linter contract in pyproject.toml)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def test_import_layers_are_kept():
    exe = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    if exe is None:
        pytest.fail("lint-imports is missing: install the dev extra (pip install -e '.[dev]')")
    done = subprocess.run([exe], cwd=REPO, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout[-2000:]
    assert "0 broken" in done.stdout


def test_importing_the_package_is_light_and_quiet():
    code = (
        "import logging, sys, forecasting;"
        "assert 'pyfixest' not in sys.modules and 'statsforecast' not in sys.modules;"
        "import forecasting.gravity, forecasting.gravity.ge;"
        "assert 'pyfixest' not in sys.modules, 'the gravity package or its GE solver loaded pyfixest';"
        "import forecasting.gravity.poisson;"
        "root = logging.getLogger(); assert not root.handlers, root.handlers"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
