"""Stage (c) of the outlook: one pair's outlook from the prepared data and the gravity estimate.

Baseline sample paths of the pair's series and one joint sample of every other source of
uncertainty (:mod:`~forecasting.projection.uncertainty`) -> each scenario's GE effect draws per
commodity -> its schedule draw by draw (:mod:`~forecasting.projection.paths`) -> joint draws
(baseline x availability x exp(phase x effect) + known contracts + new trade) -> turnover,
the probability of reaching the target, the median first year, what drives it, and the
tables of :class:`~forecasting.projection.result.OutlookResult`. :func:`pair_outlook` is the
one producer of that result: every table gets its fixed columns here, every fall-back of the
run is announced here and recorded on the typed settings.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from forecasting.data.bundled import load_published_figures
from forecasting.gravity.ge import aggregate_country
from forecasting.progress import track
from forecasting.projection import combine
from forecasting.projection.baseline import BASELINE_MODEL, baseline_paths, pair_series
from forecasting.projection.beyond_calibration import beyond_calibration_notes
from forecasting.projection.checks import check_scenarios, opening_fallbacks
from forecasting.projection.drivers_of_billion import DRIVER_YEAR, growth_needed, scenario_drivers
from forecasting.projection.effects import draw_table, effect_summary, scenario_effects
from forecasting.projection.estimate import GravityEstimate
from forecasting.projection.history import (
    forecast_input_history,
    published_history,
    reported_history,
    reporting_basis,
)
from forecasting.projection.nowcast import outlook_nowcasts
from forecasting.projection.pair_backtest import baseline_backtest
from forecasting.projection.paths import (
    availability_draws,
    potential_by_series,
    reference_availability,
    scenario_path,
)
from forecasting.projection.potential import trade_potential
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
from forecasting.projection.uncertainty import JointSample, opening_years_table
from forecasting.scenarios import Scenario, builtin_corridors
from forecasting.schema import GE_COUNTRY

logger = logging.getLogger(__name__)

__all__ = ["pair_outlook"]


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
    commodities = sorted(series.commodity.unique())
    check_scenarios(scenarios, base_year=base_year, commodities=commodities)
    paths, methods = baseline_paths(series, last_year=horizon, draws=draws, seed=int(seed), gdp=gdp)
    paths, widened = floor_bands(paths, methods, series, seed=int(seed))
    widened += beyond_calibration_notes(
        methods, last_year=int(paths.year.max()), horizon=paths.year.nunique()
    )
    backtest = baseline_backtest(series, methods)
    series_methods, fallbacks = _series_methods(methods)
    fallbacks = [
        *gravity.fallbacks,
        *data_checks,
        *fallbacks,
        *widened,
        *opening_fallbacks(scenarios, horizon),
    ]
    reference_importer = choose_reference_importer(reference_importer, gravity.bases)
    years = list(range(base_year + 1, horizon + 1))
    baseline = combine.BaselineArray.from_paths(paths, years)
    sample = JointSample.draw(draws=draws, ge_draws=ge_draws, seed=int(seed))
    potential, potential_fallbacks = trade_potential(prepared, gravity, pair)
    fallbacks += potential_fallbacks
    gaps = potential_by_series(baseline.series, potential)

    def effects_of(scenario: Scenario) -> list:
        return scenario_effects(
            scenario, gravity.bases, gravity.elasticities, sample, pair=pair, commodities=commodities,
            reference_importer=reference_importer,
        )  # fmt: skip

    status_quo = scenarios.get("baseline", builtin_corridors()["baseline"])
    status_quo_effects = effects_of(status_quo)
    reference = reference_availability(status_quo_effects, sample, baseline.series, years)

    def status_quo_availability(drawn: JointSample) -> np.ndarray:
        return availability_draws(status_quo_effects, drawn, baseline.series, np.asarray(years))

    driver_year = DRIVER_YEAR if years[0] <= DRIVER_YEAR <= horizon else horizon
    scenario_paths, summaries, countries, drivers = [], [], [], []
    for name, scenario in track(scenarios.items(), total=len(scenarios), desc="scenarios"):
        effects = status_quo_effects if scenario is status_quo else effects_of(scenario)
        fallbacks += [f for item in effects for f in item.fallbacks]
        summaries.append(effect_summary(draw_table(effects, sample, pair), name))
        country = [item.country for item in effects if len(item.country)]
        if country:
            countries.append(aggregate_country(pd.concat(country, ignore_index=True)).assign(scenario=name))
        own_status_quo = None if scenario is status_quo else status_quo_availability
        scenario_paths.append(
            scenario_path(
                scenario, effects, sample, baseline.series, years, reference=reference, potential=gaps,
                status_quo=None if own_status_quo is None else own_status_quo(sample), name=name,
            )
        )  # fmt: skip
        drivers.append(
            scenario_drivers(
                scenario, effects, sample, baseline, year=driver_year, reference=reference,
                status_quo=own_status_quo, potential=gaps, target_usd=target_usd, name=name,
            )
        )  # fmt: skip
    values = {"statistical": baseline.values, **{p.name: p.values(baseline.values) for p in scenario_paths}}
    joint = combine.long_draws(baseline, values)
    turnover_joint = combine.turnover_long(baseline, values)
    billion = combine.billion_table(turnover_joint, target_usd=target_usd)
    inputs = forecast_input_history(series, prepared.mirror_rule)
    growth = growth_needed(
        turnover_joint, billion, scenarios, from_year=base_year, target_usd=target_usd,
        from_usd=float(inputs[inputs.year == base_year].value_usd.sum()),
        target_years=[y for y in (2030, 2035) if y in years],
    )  # fmt: skip
    reported = reported_history(prepared.annual, pair)
    history = pd.concat(
        [
            reported,
            published_history(load_published_figures(), pair),
            inputs,
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
    shipments = [
        table.assign(scenario=name)
        for name, scenario in scenarios.items()
        if len(table := shipments_for_pair(scenario, pair))
    ]
    return OutlookResult(
        forecast=_frame(combine.summarise(joint, list(SERIES_KEYS), levels=level), "forecast"),
        turnover=_frame(combine.summarise(turnover_joint, ["reporter", "partner"], levels=level), "turnover"),
        billion=_frame(billion, "billion"),
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
        opening_years=_frame(opening_years_table(scenarios, years), "opening_years"),
        billion_drivers=_frame(pd.concat(drivers, ignore_index=True) if drivers else None, "billion_drivers"),
        trade_potential=_frame(potential, "trade_potential"),
        billion_growth=_frame(growth, "billion_growth"),
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
