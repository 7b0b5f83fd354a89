"""The outlook: baseline forecasts x corridor scenario effects, with uncertainty, as tidy tables.

``forecasting.outlook(...)`` is the verb users call. Python binds the name of a loaded
subpackage onto its parent, so ``forecasting.outlook`` may be this module rather than the
function; the module is therefore made callable and forwards to :func:`outlook`.
"""

import sys
import types
from typing import Any

from forecasting.outlook.pipeline import outlook
from forecasting.outlook.result import OutlookResult

__all__ = ["OutlookResult", "outlook"]


class _CallableModule(types.ModuleType):
    def __call__(self, *args: Any, **kwargs: Any) -> OutlookResult:
        return outlook(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule
