"""``outlook``: the three stages in one call, for one pair.

(a) :func:`~forecasting.projection.prepare.prepare_data`: group, aggregate to years and
reconcile mirror flows; (b) :func:`~forecasting.projection.estimate.estimate_gravity`: the
per-commodity gravity models, trade elasticities and GE base years, once for the panel;
(c) :func:`~forecasting.projection.pair.pair_outlook`: baseline paths, GE scenario effects,
joint draws and the tables. Running (c) for several pairs reuses one (a) and (b).

Which reporter the forecast trusts: each direction of the pair is valued by the rule
``mirror_rule`` (the importer's report by default, see :mod:`forecasting.data.clean.mirror`);
the settings state what that means for the pair's data (``reporting_basis``), and both sides'
figures are kept in ``history`` and shown in the report.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence

import pandas as pd

from forecasting.projection.checks import check_scenarios
from forecasting.projection.estimate import estimate_gravity
from forecasting.projection.pair import pair_outlook
from forecasting.projection.prepare import prepare_data
from forecasting.projection.result import OutlookResult
from forecasting.projection.settings import check_draws, check_horizon
from forecasting.projection.thin_data import check_pair
from forecasting.scenarios import Scenario, builtin_corridors

__all__ = ["EXAMPLE_SCENARIOS", "example_outlook", "outlook"]

#: The scenarios of :func:`example_outlook`: the status quo, a corridor and a stress test.
EXAMPLE_SCENARIOS = ("baseline", "trans_afghan_railway", "border_closure_stress")


def outlook(
    flows: pd.DataFrame | None = None,
    *,
    production: pd.DataFrame | None = None,
    covariates: pd.DataFrame | None = None,
    scenarios: Mapping[str, Scenario] | None = None,
    pair: tuple[str, str] = ("KAZ", "PAK"),
    horizon: int = 2035,
    draws: int = 1000,
    ge_draws: int = 200,
    seed: int = 2026,
    level: Sequence[int] = (80, 95),
    mirror_rule: str = "importer",
    target_usd: float = 1e9,
    reference_importer: str | None = None,
    data_source: str | None = None,
    gdp: pd.DataFrame | None = None,
    nowcast: bool | pd.DataFrame = True,
) -> OutlookResult:
    """Forecast a pair's trade by commodity and direction under each scenario, with uncertainty.

    Parameters
    ----------
    flows
        FLOWS table (any frequency; HS codes are grouped into the named groups). ``None`` uses
        the bundled simulated demo data, with its production and covariate tables.
    production
        Gross output by ``country, commodity, year`` (``output_usd``; a DataFrame or a CSV /
        Parquet path) for intra-national flows in the GE base year; for the countries it
        does not cover (all, without it) domestic sales are approximated from GDP and the
        panel's exports (:func:`forecasting.projection.user_panel.approximate_production`),
        recorded in ``settings.fallbacks``.
    covariates
        ``exporter, importer, year`` (and optionally ``commodity``) with ``rta`` and
        ``ln_tariff`` or ``tariff_pct`` (a DataFrame or a path), or the same columns on
        ``flows``. Distance, contiguity, common language and landlocked status come from the
        bundled GeoDist tables; without a tariff the trade elasticities come from each
        commodity's distance coefficient (:mod:`forecasting.projection.gravity_model`), a
        recorded fall-back.
    scenarios
        Scenario values by name; the built-in corridors by default. A scenario that starts
        before the first forecast year (the year after the data's last), or names a commodity
        the data do not have, raises :class:`~forecasting.errors.ScenarioError`.
    pair, horizon, draws, ge_draws, seed, level, target_usd, reference_importer
        The pair (its first country's view orients flows), last forecast year, Monte Carlo
        draws of the outlook and of the GE step (at most ``draws``), seed, interval levels,
        the turnover target, and the GE numeraire (default DEU, or the largest importer of a
        panel without Germany: a normalisation that leaves the counterfactual changes unchanged).
    mirror_rule
        How each direction is valued when both sides report it (default: the importer's report).
    data_source
        Where ``flows`` came from, for the settings and the report.
    gdp
        Optional GDP growth paths (``country, year, real_gdp_growth_pct``) of both countries for
        every forecast year: the baseline then grows with the product of incomes
        (:mod:`forecasting.projection.drivers`; e.g. ``hold_last_rate(load_gdp_projections(),
        until=horizon)``). Not the default: it was not shown to beat it. Rows whose ``note``
        marks them approximate, unverified or assumed (all the bundled ones: no offline copy of
        the WEO) are named in a ``DataQualityWarning`` and in the baseline methods' reason.
    nowcast
        ``True``: full-year estimates for years after the data from the bundled published
        year-to-date figures of the pair (:mod:`forecasting.projection.nowcast`), recorded in
        ``settings.nowcasts`` on their own basis; ``False``: none; or a table of the user's
        own figures in the layout of ``forecasting/datasets/published_figures.csv``.

    Raises
    ------
    NoDataError, PairAbsentError, ThinDataError
        A flows table without rows, a pair absent from the data, or a pair with fewer than
        three years of trade (:mod:`forecasting.projection.thin_data`).

    Examples
    --------
    >>> import warnings
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")  # the DemoDataWarning of the bundled data
    ...     result = outlook(draws=40, horizon=2028, scenarios={})
    >>> sorted(result.forecast.scenario.unique()), result.is_demo
    (['statistical'], True)
    """
    check_draws(draws, level)  # before any work, and the horizon before gravity: wrong options fail fast
    prepared = prepare_data(
        flows, production=production, covariates=covariates, mirror_rule=mirror_rule, data_source=data_source
    )
    check_horizon(horizon, prepared.base_year)
    check_pair(prepared.reconciled, prepared.annual, pair)  # before the gravity models: fail fast
    # Scenarios that cannot fit the data fail here too, before the gravity models run.
    check_scenarios(
        builtin_corridors() if scenarios is None else scenarios,
        base_year=prepared.base_year,
        commodities=prepared.reconciled.commodity.unique(),
    )
    return pair_outlook(
        prepared, estimate_gravity(prepared), pair=pair, scenarios=scenarios, horizon=horizon, draws=draws,
        ge_draws=ge_draws, seed=seed, level=level, target_usd=target_usd, reference_importer=reference_importer,
        gdp=gdp, nowcast=nowcast,
    )  # fmt: skip


@functools.lru_cache(maxsize=1)
def example_outlook() -> OutlookResult:
    """A small real outlook on the bundled demo panel, run once per process (examples and tests).

    ``EXAMPLE_SCENARIOS``, 60 draws (20 of them solved in GE), to 2035. It is an ordinary run:
    its settings say it is demonstration data and record its fall-backs. Treat it as read-only
    (it is shared by every caller in the process).

    Examples
    --------
    >>> import warnings
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")  # demonstration data and its fall-backs, recorded in settings
    ...     result = example_outlook()
    >>> result.settings.horizon, sorted(result.scenarios) == sorted(EXAMPLE_SCENARIOS)
    (2035, True)
    """
    library = builtin_corridors()
    scenarios = {name: library[name] for name in EXAMPLE_SCENARIOS}
    return outlook(scenarios=scenarios, draws=60, ge_draws=20, horizon=2035, seed=7)
