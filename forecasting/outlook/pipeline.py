"""``outlook``: data -> mirror reconciliation -> gravity -> GE scenario effects -> baseline paths
-> joint draws -> turnover, the $1 billion question, and tidy tables for the report.

Which reporter the forecast trusts: each direction of the pair is valued by the importer's
report (``mirror_rule="importer"``, see :mod:`forecasting.data.clean.mirror`): import
declarations are checked against tariffs and name the true origin, while Pakistan's
recorded exports to Kazakhstan include goods consigned there and sold on. Both sides'
figures are kept in ``history`` and shown in the report.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import replace

import numpy as np
import pandas as pd

from forecasting.data.bundled import (
    load_country_facts,
    load_demo_flows,
    load_demo_production,
    load_published_figures,
)
from forecasting.data.clean.aggregate import to_frequency
from forecasting.data.clean.flags import describe_flags
from forecasting.data.clean.grouping import group_commodities
from forecasting.data.clean.mirror import reconcile_mirror
from forecasting.data.simulate import DEMO_LABEL, GravityTruth, demo_covariates, is_demo_data
from forecasting.errors import DemoDataWarning
from forecasting.gravity import ppml_by_sector
from forecasting.outlook.baseline import baseline_paths, pair_series
from forecasting.outlook.combine import (
    ScenarioPath,
    billion_table,
    combine_draws,
    first_year_table,
    summarise,
    turnover_draws,
)
from forecasting.outlook.effects import (
    Elasticity,
    aggregate_country,
    choose_elasticities,
    effect_summary,
    ge_base_year,
    scenario_effects,
    spread_draws,
)
from forecasting.outlook.history import forecast_input_history, published_history, reported_history
from forecasting.outlook.result import SERIES_KEYS, OutlookResult
from forecasting.outlook.shipments import shipments_for_pair
from forecasting.progress import track
from forecasting.scenarios import Scenario, builtin_corridors
from forecasting.schema import GE_COUNTRY, Schema

logger = logging.getLogger(__name__)

GRAVITY_FORMULA = "value_usd ~ rta + ln_tariff"
GRAVITY_JOBS = 2  # worker processes for the per-commodity PPML fits
# Used only when no covariates are given (real data without tariff or RTA series): the median
# trade elasticity of structural gravity estimates, Head & Mayer (2014), Handbook of
# International Economics vol. 4, ch. 3 (about -5), with a wide standard error.
LITERATURE_ELASTICITY = Elasticity("all", -5.0, 1.5, "assumption: Head & Mayer (2014) median")


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
    reference_importer: str = "DEU",
    data_source: str | None = None,
) -> OutlookResult:
    """Forecast a pair's trade by commodity and direction under each scenario, with uncertainty.

    Parameters
    ----------
    flows
        FLOWS table (any frequency; HS codes are grouped into the named groups). ``None`` uses
        the bundled simulated demo data, with its production and covariate tables.
    production
        Gross output by ``country, commodity, year`` (``output_usd``) for intra-national flows;
        without it the GE step is skipped and direct (partial) effects are used.
    covariates
        ``exporter, importer, year, commodity`` with ``rta`` and ``ln_tariff`` for the gravity
        model; without it the literature elasticity is used (and said so in the tables).
    scenarios
        Scenario values by name; the built-in corridors by default.
    pair, horizon, draws, ge_draws, seed, level, target_usd, reference_importer
        The pair (its first country's view orients flows), last forecast year, Monte Carlo
        draws of the outlook and of the GE step, seed, interval levels, the turnover target,
        and the GE numeraire.
    mirror_rule
        How each direction is valued when both sides report it (default: the importer's report).

    Examples
    --------
    >>> import warnings
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")  # the DemoDataWarning of the bundled data
    ...     result = outlook(draws=40, horizon=2028, scenarios={})
    >>> sorted(result.forecast.scenario.unique()), result.is_demo
    (['statistical'], True)
    """
    demo = flows is None
    if demo:
        warnings.warn(f"the outlook runs on the bundled {DEMO_LABEL}", DemoDataWarning, stacklevel=2)
        flows, production = load_demo_flows(), load_demo_production()
        years = sorted(flows.period.dt.year.unique())
        covariates = demo_covariates(load_country_facts(), years=years)
    scenarios = dict(builtin_corridors() if scenarios is None else scenarios)
    rng_seed = int(seed)

    flows = _to_groups(flows)
    annual, dropped_freq = to_frequency(flows, "A")
    reconciled, dropped_mirror = reconcile_mirror(annual, rule=mirror_rule)  # type: ignore[arg-type]
    base_year = int(reconciled.period.dt.year.max())
    if horizon <= base_year:
        raise ValueError(f"horizon {horizon} must be after the last data year {base_year}")
    logger.info("reconciled %d flows, base year %d", len(reconciled), base_year)

    coefficients, elasticities = _gravity(reconciled, covariates)
    series = pair_series(reconciled, pair)
    paths, methods = baseline_paths(series, last_year=horizon, draws=draws, seed=rng_seed)
    commodities = sorted(series.commodity.unique())
    bases: dict[str, pd.DataFrame | None] = {
        k: ge_base_year(reconciled, production, year=base_year, commodity=k)
        if production is not None
        else None
        for k in commodities
    }
    years = list(range(base_year + 1, horizon + 1))
    reference_availability = _pair_availability(
        scenarios.get("baseline", builtin_corridors()["baseline"]), pair, years
    )
    scenario_paths, summaries, countries = [], [], []
    chosen = {k: elasticities.get(k, LITERATURE_ELASTICITY) for k in commodities}
    for name, scenario in track(scenarios.items(), total=len(scenarios), desc="scenarios"):
        effects, country = scenario_effects(
            scenario,
            bases,
            {k: replace(e, commodity=k) for k, e in chosen.items()},
            pair=pair,
            ge_draws=min(ge_draws, draws),
            seed=rng_seed,
            reference_importer=reference_importer,
        )
        summaries.append(effect_summary(effects, name))
        countries.append(aggregate_country(country))
        scenario_paths.append(
            ScenarioPath(
                name=name,
                phase={y: scenario.phase(y) for y in years},
                availability=_relative(_pair_availability(scenario, pair, years), reference_availability),
                effect=spread_draws(effects, draws),
                shipments=shipments_for_pair(scenario, pair),
            )
        )
    joint = combine_draws(paths, scenario_paths, years=years)
    forecast = summarise(joint, list(SERIES_KEYS), levels=level)
    turnover_joint = turnover_draws(joint)
    turnover = summarise(turnover_joint, ["reporter", "partner"], levels=level)
    history = pd.concat(
        [
            reported_history(annual, pair),
            published_history(load_published_figures()),
            forecast_input_history(series, mirror_rule),
        ],
        ignore_index=True,
    )
    dropped = pd.concat([dropped_freq, dropped_mirror], ignore_index=True)
    flags = describe_flags(reconciled)
    settings = {
        "pair": list(pair),
        "horizon": horizon,
        "base_year": base_year,
        "draws": draws,
        "ge_draws": min(ge_draws, draws),
        "seed": rng_seed,
        "levels": list(level),
        "target_usd": target_usd,
        "demo": demo,
        "data_label": DEMO_LABEL if demo else "",
        "data_source": data_source or ("bundled demo data (simulated)" if demo else "user data"),
        "reporter_choice": f"mirror rule '{mirror_rule}': each direction valued by the importer's report",
        "reporter_reason": (
            "Import declarations are checked against tariffs and name the true origin; Pakistan's"
            " recorded exports to Kazakhstan include goods consigned there and sold on, about four"
            " times what Kazakhstan records as imports. Both sides' figures are shown."
        ),
        "reference_importer": reference_importer,
        "ge": "full-endowment GE (observed baseline)"
        if production is not None
        else "direct effects only (no production data)",
        "rows_set_aside": int(len(dropped)),
        "series_methods": methods.to_dict("records"),
        "elasticities": {k: vars(v) for k, v in elasticities.items()},
    }
    return OutlookResult(
        forecast=forecast,
        turnover=turnover,
        billion=billion_table(turnover_joint, target_usd=target_usd),
        first_year=first_year_table(turnover_joint, target_usd=target_usd, horizon=horizon),
        history=history,
        coefficients=coefficients,
        ge_country=_stack([c for c in countries if len(c)], GE_COUNTRY),
        pair_effects=pd.concat(summaries, ignore_index=True) if summaries else pd.DataFrame(),
        shipments=pd.concat([p.shipments.assign(scenario=p.name) for p in scenario_paths], ignore_index=True)
        if scenario_paths
        else pd.DataFrame(),
        scenarios={name: sc.to_dict() for name, sc in scenarios.items()},
        flags=flags,
        settings=settings,
    )


def _stack(frames: list[pd.DataFrame], schema: Schema) -> pd.DataFrame:
    return pd.concat(frames, ignore_index=True) if frames else schema.empty()


def _pair_availability(scenario: Scenario, pair: tuple[str, str], years: list[int]) -> dict[int, float]:
    """Share of each year the pair's route is open under ``scenario`` (both directions alike)."""
    a, b = pair
    pairs = pd.DataFrame({"exporter": [a], "importer": [b], "commodity": ["other"]})
    table = scenario.effects(pairs, years, unmatched="skip")
    return dict(zip(table.year.astype(int), table.availability.astype(float), strict=True))


def _relative(availability: dict[int, float], reference: dict[int, float]) -> dict[int, float]:
    """Availability relative to the status quo: the statistical baseline was fitted to years that
    already include the status quo's usual disruptions, so only the difference moves the flows."""
    return {y: availability.get(y, 1.0) / reference.get(y, 1.0) for y in availability}


def _to_groups(flows: pd.DataFrame) -> pd.DataFrame:
    hs = flows.classification.astype(str).str.startswith("HS")
    if not hs.any():
        return flows
    grouped, dropped = group_commodities(flows)
    if len(dropped):
        logger.info("grouping set aside %d rows", len(dropped))
    return grouped


def _gravity(
    reconciled: pd.DataFrame, covariates: pd.DataFrame | None
) -> tuple[pd.DataFrame, dict[str, Elasticity]]:
    """Sector-by-sector structural PPML; per-commodity trade-cost elasticities.

    On the bundled demo data the coefficient table also carries the simulator's true values
    (``truth``) and the gap in standard errors (``truth_gap_se``), so the report can show
    each estimate beside what it should recover.
    """
    if covariates is None:
        note = pd.DataFrame(
            [
                {
                    "model": "literature",
                    "term": "ln_tariff",
                    "estimate": LITERATURE_ELASTICITY.estimate,
                    "std_error": LITERATURE_ELASTICITY.std_error,
                    "statistic": np.nan,
                    "p_value": np.nan,
                    "conf_low": np.nan,
                    "conf_high": np.nan,
                }
            ]
        )
        return note, {}
    panel = reconciled[reconciled.exporter != reconciled.importer].assign(year=reconciled.period.dt.year)
    panel = panel[["exporter", "importer", "year", "commodity", "value_usd"]].merge(
        covariates, on=["exporter", "importer", "year", "commodity"], how="inner"
    )
    sectors = ppml_by_sector(
        panel,
        GRAVITY_FORMULA,
        by="commodity",
        n_jobs=GRAVITY_JOBS,
        on_error="raise",
        fe="structural",
        cluster="pair",
    )
    coefficients = sectors.tidy().rename(columns={"commodity": "model"})
    if is_demo_data(reconciled):
        coefficients = coefficients.merge(GravityTruth().tidy(), on=["model", "term"], how="left")
        coefficients["truth_gap_se"] = (coefficients["estimate"] - coefficients["truth"]) / coefficients[
            "std_error"
        ]
    return coefficients, choose_elasticities(coefficients)
