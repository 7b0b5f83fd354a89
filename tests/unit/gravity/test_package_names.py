"""The gravity package's public names resolve lazily, through the toolkit's one lazy-import helper."""

from __future__ import annotations

import subprocess
import sys

import forecasting.gravity as gravity


def test_every_public_name_resolves_to_the_object_its_module_defines():
    for name in gravity.__all__:
        value = getattr(gravity, name)
        if name == "ge":
            assert value.__name__ == "forecasting.gravity.ge"
        else:
            assert getattr(sys.modules[value.__module__], name) is value, name


def test_importing_the_package_or_its_ge_solver_does_not_load_pyfixest():
    code = (
        "import sys, forecasting.gravity, forecasting.gravity.ge;"
        "assert 'pyfixest' not in sys.modules, 'pyfixest loaded';"
        "forecasting.gravity.ppml;"
        "assert 'pyfixest' in sys.modules"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
