"""The trade outlook of a country pair: baseline forecasts x corridor scenario effects, with uncertainty.

Users call :func:`forecasting.outlook`; this package holds its stages and the typed result:

- :mod:`~forecasting.projection.prepare` (a) prepares the data once,
- :mod:`~forecasting.projection.estimate` (b) estimates gravity once for the panel,
- :mod:`~forecasting.projection.pair` (c) builds one pair's outlook, the one producer of
  :class:`OutlookResult`, whose :class:`OutlookSettings` record every fall-back taken.

Importing the package loads only the result types (no estimator), so reading a result stays
light; the stages import their backends when imported themselves.
"""

from forecasting.projection.result import OutlookResult
from forecasting.projection.settings import Elasticity, Fallback, OutlookSettings, SeriesMethod

__all__ = ["Elasticity", "Fallback", "OutlookResult", "OutlookSettings", "SeriesMethod"]
