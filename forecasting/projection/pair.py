"""Stage (c) of the outlook: one pair's outlook from the prepared data and the gravity estimate.

Baseline sample paths of the pair's series -> each scenario's GE effect draws per commodity
-> joint draws (baseline x availability x exp(phase x effect) + known shipments) -> turnover,
the probability of reaching the target, the median first year, and the tables of
:class:`~forecasting.projection.result.OutlookResult`. :func:`pair_outlook` is the one
producer of that result: every table gets its fixed columns here, every fall-back of the run
is announced here and recorded on the typed settings.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence

import pandas as pd

from forecasting.data.bundled import load_published_figures
from forecasting.gravity.ge import aggregate_country
from forecasting.progress import track
from forecasting.projection import combine
from forecasting.projection.baseline import BASELINE_MODEL, baseline_paths, pair_series
from forecasting.projection.effects import effect_summary, scenario_effects, spread_draws
from forecasting.projection.estimate import GravityEstimate
from forecasting.projection.history import (
    forecast_input_history,
    published_history,
    reported_history,
    reporting_basis,
)
from forecasting.projection.nowcast import outlook_nowcasts
from forecasting.projection.pair_backtest import baseline_backtest
from forecasting.projection.prepare import PreparedData
from forecasting.projection.result import SERIES_KEYS, TABLE_COLUMNS, OutlookResult
from forecasting.projection.settings import (
    Fallback,
    OutlookSettings,
    SeriesMethod,
    announce,
    check_draws,
    check_horizon,
)
from forecasting.projection.shipments import shipments_for_pair
from forecasting.projection.thin_data import check_pair, floor_bands
from forecasting.scenarios import Scenario, builtin_corridors
from forecasting.schema import GE_COUNTRY

logger = logging.getLogger(__name__)

__all__ = ["pair_outlook"]


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


def _series_methods(methods: pd.DataFrame) -> tuple[tuple[SeriesMethod, ...], list[Fallback]]:
    records, fallbacks = [], []
    for row in methods.itertuples(index=False):
        record = SeriesMethod(
            row.reporter, row.partner, row.flow, row.commodity, str(row.method), str(row.reason),
            int(row.fitted_from), int(row.years),
        )  # fmt: skip
        records.append(record)
        if record.method != "auto":
            fallbacks.append(
                Fallback(
                    f"baseline ({record.reporter}->{record.partner} {record.flow}, {record.commodity})",
                    f"{record.method}: {record.reason}",
                    "enter large known contracts as shipments of the scenario; a longer or less"
                    " intermittent history gives a calibrated statistical forecast",
                )
            )
    return tuple(records), fallbacks


def _frame(table: pd.DataFrame | None, name: str) -> pd.DataFrame:
    """``table`` with the fixed columns of result table ``name`` (an empty one when None)."""
    columns = list(TABLE_COLUMNS[name])
    return pd.DataFrame(columns=columns) if table is None else table[columns]


def pair_outlook(
    prepared: PreparedData,
    gravity: GravityEstimate,
    *,
    pair: tuple[str, str] = ("KAZ", "PAK"),
    scenarios: Mapping[str, Scenario] | None = None,
    horizon: int = 2035,
    draws: int = 1000,
    ge_draws: int = 200,
    seed: int = 2026,
    level: Sequence[int] = (80, 95),
    target_usd: float = 1e9,
    reference_importer: str | None = None,
    gdp: pd.DataFrame | None = None,
    nowcast: bool | pd.DataFrame = True,
) -> OutlookResult:
    """Forecast one pair's trade by commodity and direction under each scenario, with uncertainty.

    ``prepared`` and ``gravity`` come from :func:`~forecasting.projection.prepare.prepare_data`
    and :func:`~forecasting.projection.estimate.estimate_gravity` and may serve many pairs;
    the other arguments are those of :func:`forecasting.outlook`. A pair absent from the data
    or with too few years of trade is refused (:mod:`forecasting.projection.thin_data`).
    """
    pair = (str(pair[0]), str(pair[1]))
    scenarios = dict(builtin_corridors() if scenarios is None else scenarios)
    ge_draws = min(ge_draws, draws)
    base_year = prepared.base_year
    check_draws(draws, level)
    check_horizon(horizon, base_year)
    data_checks = check_pair(prepared.reconciled, prepared.annual, pair)  # absent or too thin: refused here
    series = pair_series(prepared.reconciled, pair)
    paths, methods = baseline_paths(series, last_year=horizon, draws=draws, seed=int(seed), gdp=gdp)
    paths, widened = floor_bands(paths, methods, series, seed=int(seed))
    backtest = baseline_backtest(series, methods)
    series_methods, fallbacks = _series_methods(methods)
    fallbacks = [*gravity.fallbacks, *data_checks, *fallbacks, *widened]
    reference_importer = choose_reference_importer(reference_importer, gravity.bases)
    commodities = sorted(series.commodity.unique())
    years = list(range(base_year + 1, horizon + 1))
    reference = _pair_availability(scenarios.get("baseline", builtin_corridors()["baseline"]), pair, years)
    scenario_paths, summaries, countries = [], [], []
    for name, scenario in track(scenarios.items(), total=len(scenarios), desc="scenarios"):
        effects = scenario_effects(
            scenario, gravity.bases, gravity.elasticities, pair=pair, commodities=commodities,
            ge_draws=ge_draws, seed=int(seed), reference_importer=reference_importer,
        )  # fmt: skip
        fallbacks += effects.fallbacks
        summaries.append(effect_summary(effects.draws, name))
        if len(effects.country):
            countries.append(aggregate_country(effects.country))
        scenario_paths.append(
            combine.ScenarioPath(
                name=name,
                phase={y: scenario.phase(y) for y in years},
                availability=_relative(_pair_availability(scenario, pair, years), reference),
                effect=spread_draws(effects.draws, draws),
                shipments=shipments_for_pair(scenario, pair),
            )
        )
    joint = combine.combine_draws(paths, scenario_paths, years=years)
    turnover_joint = combine.turnover_draws(joint)
    reported = reported_history(prepared.annual, pair)
    history = pd.concat(
        [
            reported,
            published_history(load_published_figures(), pair),
            forecast_input_history(series, prepared.mirror_rule),
        ],
        ignore_index=True,
    )
    settings = OutlookSettings(
        pair=pair,
        horizon=int(horizon),
        base_year=base_year,
        draws=int(draws),
        ge_draws=int(ge_draws),
        seed=int(seed),
        levels=tuple(int(v) for v in level),
        target_usd=float(target_usd),
        demo=prepared.demo,
        data_label=prepared.data_label,
        data_source=prepared.data_source,
        mirror_rule=prepared.mirror_rule,
        reporting_basis=reporting_basis(reported, pair, prepared.mirror_rule),
        ge_mode=gravity.ge_mode,
        reference_importer=reference_importer,
        rows_set_aside=prepared.rows_set_aside,
        series_methods=series_methods,
        baseline_model=BASELINE_MODEL + ("; centre anchored on the GDP path" if gdp is not None else ""),
        elasticities=tuple(gravity.elasticities[k] for k in commodities),
        fallbacks=announce(tuple(dict.fromkeys(fallbacks))),
        nowcasts=outlook_nowcasts(nowcast, pair, base_year=base_year, demo=prepared.demo),
    )
    shipments = [p.shipments.assign(scenario=p.name) for p in scenario_paths if len(p.shipments)]
    return OutlookResult(
        forecast=_frame(combine.summarise(joint, list(SERIES_KEYS), levels=level), "forecast"),
        turnover=_frame(combine.summarise(turnover_joint, ["reporter", "partner"], levels=level), "turnover"),
        billion=_frame(combine.billion_table(turnover_joint, target_usd=target_usd), "billion"),
        first_year=_frame(
            combine.first_year_table(turnover_joint, target_usd=target_usd, horizon=horizon), "first_year"
        ),
        history=_frame(history, "history"),
        coefficients=gravity.coefficients,
        ge_country=_frame(
            pd.concat(countries, ignore_index=True) if countries else GE_COUNTRY.empty(), "ge_country"
        ),
        pair_effects=_frame(pd.concat(summaries, ignore_index=True) if summaries else None, "pair_effects"),
        shipments=_frame(pd.concat(shipments, ignore_index=True) if shipments else None, "shipments"),
        flags=_frame(prepared.flags, "flags"),
        baseline_backtest=_frame(backtest, "baseline_backtest"),
        scenarios=scenarios,
        settings=settings,
    )


#: The GE's numeraire when the data hold it: Germany, as in Yotov et al. (2016).
DEFAULT_REFERENCE_IMPORTER = "DEU"


def choose_reference_importer(chosen: str | None, bases: Mapping[str, pd.DataFrame | None]) -> str:
    """The GE's reference importer: ``chosen``, else DEU, else the largest importer every base holds.

    The reference importer only fixes the scale of the multilateral resistances, so the
    counterfactual changes in trade do not depend on it; a user's panel without Germany gets
    its largest common importer instead of an error (logged; shown in the settings).

    Examples
    --------
    >>> import pandas as pd
    >>> base = pd.DataFrame({"exporter": ["A", "B"], "importer": ["B", "A"], "value_usd": [1.0, 5.0]})
    >>> choose_reference_importer(None, {"coal": base}), choose_reference_importer("B", {"coal": base})
    ('A', 'B')
    """
    if chosen is not None:
        return chosen
    frames = [b for b in bases.values() if b is not None and len(b)]
    common = set.intersection(*(set(b.importer) for b in frames)) if frames else set()
    if not common or DEFAULT_REFERENCE_IMPORTER in common:
        return DEFAULT_REFERENCE_IMPORTER
    imports = pd.concat(frames).groupby("importer").value_usd.sum().reindex(sorted(common))
    picked = str(imports.idxmax())
    logger.info(
        "GE reference importer: %s (the largest importer of the data; %s is not in them)",
        picked,
        DEFAULT_REFERENCE_IMPORTER,
    )
    return picked
