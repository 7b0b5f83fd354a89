"""Trade data: readers of real sources (local files only), fetchers (download + cache +
checksum), cleaning steps that account for every row, and the bundled demo data."""

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
from forecasting.data.fetch import cache_dir, fetch_baci, fetch_comtrade, fetch_geodist, fetch_url
from forecasting.data.readers import (
    read_baci,
    read_comtrade,
    read_flows,
    read_geodist,
    read_kz_stat,
    read_reference_table,
    read_tidy,
    read_wits,
    scan_baci,
)
from forecasting.data.simulate import GravityTruth, customs_reports, simulate_gravity

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
    "fetch_url",
    "flag_unit_value_outliers",
    "group_commodities",
    "load_country_facts",
    "load_demo_flows",
    "load_demo_production",
    "load_published_figures",
    "mirror_compare",
    "mirror_summary",
    "read_baci",
    "read_comtrade",
    "read_flows",
    "read_geodist",
    "read_kz_stat",
    "read_reference_table",
    "read_tidy",
    "read_wits",
    "reconcile_mirror",
    "scan_baci",
    "simulate_gravity",
    "to_frequency",
    "to_gravity",
]
