"""Stage (a) of the outlook: prepare the data once for every pair and model that reads it.

FLOWS (any frequency, HS codes or named groups) -> named commodity groups -> annual totals ->
mirror reconciliation by a stated rule (one value per direction, both sides' reports kept) ->
a :class:`PreparedData` with the base year, the rows set aside and the cleaning flags. Without
flows, the bundled simulated demonstration panel is used, with its production and covariate
tables, and a :class:`~forecasting.errors.DemoDataWarning` says so (so does a user's copy of
it: flows whose every row comes from the simulator are labelled demonstration data too).

A user's own panel gets what its gravity model and GE need built here
(:mod:`forecasting.projection.user_panel`): pair geography from the bundled tables, their
policy covariates when given, and base-year production (measured where given, approximated
otherwise); every assumption is a :class:`~forecasting.projection.settings.Fallback` carried
on the prepared data. A table without rows is refused here, before any work.
"""

from __future__ import annotations

import logging
import warnings
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from forecasting.data.bundled import load_country_facts, load_demo_flows, load_demo_production
from forecasting.data.clean.aggregate import to_frequency
from forecasting.data.clean.flags import describe_flags
from forecasting.data.clean.grouping import group_commodities
from forecasting.data.clean.mirror import check_rule, reconcile_mirror
from forecasting.errors import DemoDataWarning
from forecasting.projection.settings import Fallback, user_stacklevel
from forecasting.projection.thin_data import check_not_empty
from forecasting.projection.user_panel import normalise_covariates, panel_inputs, read_table_argument
from forecasting.simulate import DEMO_LABEL, demo_covariates, is_demo_data

logger = logging.getLogger(__name__)

__all__ = ["PreparedData", "prepare_data"]


@dataclass(frozen=True, eq=False)
class PreparedData:
    """The outlook's data after cleaning, shared by every pair and model.

    Attributes
    ----------
    annual
        FLOWS at annual frequency, both sides' reports (what the history tables show).
    reconciled
        One value per direction (``exporter, importer, period, commodity, value_usd``),
        chosen by ``mirror_rule``.
    production, covariates
        Gross output by ``country, commodity, year`` (``output_usd``; for a user's panel the
        base year, measured or approximated, see ``fallbacks``) and gravity covariates by
        ``exporter, importer, year`` (and ``commodity`` when given), or None.
    base_year
        Last year of the reconciled data.
    rows_set_aside, flags
        Rows the aggregation and reconciliation set aside, and the cleaning-flag summary.
    demo, data_label, data_source
        Whether this is the bundled simulated panel, its label, and where the data came from.
    geography
        Distance, contiguity, common language and landlocked status of every pair of a user's
        panel (:func:`forecasting.projection.geography.pair_geography`), or None.
    fallbacks
        What was assumed to build the panel's gravity and GE inputs.
    """

    annual: pd.DataFrame
    reconciled: pd.DataFrame
    production: pd.DataFrame | None
    covariates: pd.DataFrame | None
    base_year: int
    mirror_rule: str
    rows_set_aside: int
    flags: pd.DataFrame
    demo: bool
    data_label: str
    data_source: str
    geography: pd.DataFrame | None = None
    fallbacks: tuple[Fallback, ...] = ()


def _to_groups(flows: pd.DataFrame) -> pd.DataFrame:
    hs = flows.classification.astype(str).str.startswith("HS")
    if not hs.any():
        return flows
    grouped, dropped = group_commodities(flows)
    if len(dropped):
        logger.info("grouping set aside %d rows", len(dropped))
    return grouped


def prepare_data(
    flows: pd.DataFrame | None = None,
    *,
    production: pd.DataFrame | str | Path | None = None,
    covariates: pd.DataFrame | str | Path | None = None,
    mirror_rule: str = "importer",
    data_source: str | None = None,
) -> PreparedData:
    """Group, aggregate to years and reconcile ``flows`` (the bundled demo panel when ``None``).

    ``production`` and ``covariates`` may be DataFrames or paths of CSV/Parquet files; for a
    user's panel, missing pieces are built or approximated (see the module) and recorded in
    ``fallbacks``. A flows table without rows raises
    :class:`~forecasting.projection.thin_data.NoDataError`.

    Examples
    --------
    >>> import warnings
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")  # the DemoDataWarning of the bundled data
    ...     data = prepare_data()
    >>> data.demo, data.base_year, data.mirror_rule
    (True, 2025, 'importer')
    """
    check_rule(mirror_rule)
    production = read_table_argument(production, what="production")
    covariates = read_table_argument(covariates, what="covariates")
    bundled = flows is None
    if bundled:
        warnings.warn(
            f"the outlook runs on the bundled {DEMO_LABEL}", DemoDataWarning, stacklevel=user_stacklevel()
        )
        flows, production = load_demo_flows(), load_demo_production()
        years = sorted(flows.period.dt.year.unique())
        covariates = demo_covariates(load_country_facts(), years=years)
    check_not_empty(flows, what="the flows table")
    demo = bundled or is_demo_data(flows)
    if demo and not bundled:
        warnings.warn(
            f"every row of these flows comes from the simulator: they are the {DEMO_LABEL}",
            DemoDataWarning,
            stacklevel=user_stacklevel(),
        )
    annual, dropped_freq = to_frequency(_to_groups(flows), "A")
    reconciled, dropped_mirror = reconcile_mirror(annual, rule=mirror_rule)  # type: ignore[arg-type]
    check_not_empty(reconciled, what="the flows left after cleaning (every row was set aside)")
    base_year = int(reconciled.period.dt.year.max())
    logger.info("reconciled %d flows, base year %d", len(reconciled), base_year)
    geography, fallbacks = None, ()
    if not bundled:
        inputs = panel_inputs(
            flows,
            reconciled,
            covariates=None if covariates is None else normalise_covariates(covariates),
            production=production,
            base_year=base_year,
        )
        covariates, geography, production, fallbacks = (
            inputs.covariates, inputs.geography, inputs.production, inputs.fallbacks,
        )  # fmt: skip
    return PreparedData(
        annual=annual,
        reconciled=reconciled,
        production=production,
        covariates=covariates,
        base_year=base_year,
        mirror_rule=mirror_rule,
        rows_set_aside=len(dropped_freq) + len(dropped_mirror),
        flags=describe_flags(reconciled),
        demo=demo,
        data_label=DEMO_LABEL if demo else "",
        data_source=data_source or ("bundled demo data (simulated)" if bundled else "user data"),
        geography=geography,
        fallbacks=tuple(fallbacks),
    )
