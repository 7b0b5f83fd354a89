"""The toolkit's one lazy-import mechanism: public names of a package resolved on first use.

A package whose names pull in heavy backends (pyfixest, statsforecast, matplotlib) lists them
in a table, name -> defining module, and hands that table to :func:`attach` (PEP 562 module
``__getattr__`` and ``__dir__``). The first access imports the module and caches the value on
the package, so later accesses cost nothing and ``dir()`` and tab completion list every name.

Examples
--------
>>> getattr_, dir_ = attach("forecasting", {"OutlookSettings": "forecasting.projection.settings"})
>>> getattr_("OutlookSettings").__name__
'OutlookSettings'
>>> "OutlookSettings" in dir_()
True
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["attach"]


def attach(package: str, table: Mapping[str, str]) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """Module ``__getattr__`` and ``__dir__`` for ``package`` that import ``table``'s names on first use.

    ``table`` maps a public name to the module that defines it; a name that maps to
    ``f"{package}.{name}"`` stands for that subpackage itself.
    """

    def __getattr__(name: str) -> Any:
        target = table.get(name)
        if target is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        module = importlib.import_module(target)
        value = module if target == f"{package}.{name}" else getattr(module, name)
        setattr(sys.modules[package], name, value)
        return value

    def __dir__() -> list[str]:
        return sorted({*vars(sys.modules[package]), *table})

    return __getattr__, __dir__
