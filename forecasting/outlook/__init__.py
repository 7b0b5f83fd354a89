"""The outlook: baseline forecasts x corridor scenario effects, with uncertainty, as tidy tables.

``forecasting.outlook(...)`` is the verb users call. Python binds the name of a loaded
subpackage onto its parent, so ``forecasting.outlook`` may be this module rather than the
function; the module is therefore made callable and forwards to :func:`outlook`. The
pipeline (and with it pyfixest and statsforecast) loads on first use, so reading an
:class:`OutlookResult` stays light.
"""

import sys
import types
from typing import Any

from forecasting.outlook.result import OutlookResult

__all__ = ["OutlookResult", "outlook"]


def __getattr__(name: str) -> Any:
    if name == "outlook":
        from forecasting.outlook.pipeline import outlook

        return outlook
    raise AttributeError(f"module 'forecasting.outlook' has no attribute {name!r}")


class _CallableModule(types.ModuleType):
    def __call__(self, *args: Any, **kwargs: Any) -> OutlookResult:
        from forecasting.outlook.pipeline import outlook

        return outlook(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule
