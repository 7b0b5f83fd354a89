"""Cleaning steps: pure functions over FLOWS tables that add codes to ``flags`` and set rows
aside in a ``dropped`` record (never silently). Each returns ``CleanResult(data, dropped)``."""

from forecasting.data.clean.accounting import CleanResult, check_accounting
from forecasting.data.clean.aggregate import to_frequency
from forecasting.data.clean.deflate import deflate
from forecasting.data.clean.flags import describe_flags
from forecasting.data.clean.gravity_view import to_gravity
from forecasting.data.clean.grouping import group_commodities
from forecasting.data.clean.hs_vintage import convert_hs
from forecasting.data.clean.mirror import mirror_compare, mirror_summary, reconcile_mirror
from forecasting.data.clean.outliers import flag_unit_value_outliers

__all__ = [
    "CleanResult",
    "check_accounting",
    "convert_hs",
    "deflate",
    "describe_flags",
    "flag_unit_value_outliers",
    "group_commodities",
    "mirror_compare",
    "mirror_summary",
    "reconcile_mirror",
    "to_frequency",
    "to_gravity",
]
