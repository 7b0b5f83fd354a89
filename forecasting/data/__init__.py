"""Trade data: readers of real sources (local files only), fetchers (download + cache +
checksum), cleaning steps that account for every row, and the bundled demo data.

The readers' public names are those of :mod:`forecasting.data.readers` (its ``__all__``).
"""

from forecasting.data import readers
from forecasting.data.bundled import (
    catalog,
    load_country_facts,
    load_demo_flows,
    load_demo_production,
    load_published_figures,
)
from forecasting.data.clean import (
    CleanResult,
    check_accounting,
    convert_hs,
    deflate,
    describe_flags,
    flag_unit_value_outliers,
    group_commodities,
    mirror_compare,
    mirror_summary,
    reconcile_mirror,
    to_frequency,
    to_gravity,
)
from forecasting.data.fetch import (
    cache_dir,
    fetch_baci,
    fetch_comtrade,
    fetch_geodist,
    fetch_gravity,
    fetch_url,
)
from forecasting.data.readers import *  # noqa: F403 - the readers' public names are readers.__all__
from forecasting.simulate import GravityTruth, customs_reports, simulate_gravity

__all__ = [
    "CleanResult",
    "GravityTruth",
    "cache_dir",
    "catalog",
    "check_accounting",
    "convert_hs",
    "customs_reports",
    "deflate",
    "describe_flags",
    "fetch_baci",
    "fetch_comtrade",
    "fetch_geodist",
    "fetch_gravity",
    "fetch_url",
    "flag_unit_value_outliers",
    "group_commodities",
    "load_country_facts",
    "load_demo_flows",
    "load_demo_production",
    "load_published_figures",
    "mirror_compare",
    "mirror_summary",
    "reconcile_mirror",
    "simulate_gravity",
    "to_frequency",
    "to_gravity",
    *readers.__all__,
]
