"""The gravity package's public names resolve lazily, through the toolkit's one lazy-import helper.

That importing the package does not load pyfixest is checked in tests/unit/test_layers.py.
"""

from __future__ import annotations

import sys

import forecasting.gravity as gravity


def test_every_public_name_resolves_to_the_object_its_module_defines():
    for name in gravity.__all__:
        value = getattr(gravity, name)
        if name == "ge":
            assert value.__name__ == "forecasting.gravity.ge"
        else:
            assert getattr(sys.modules[value.__module__], name) is value, name
