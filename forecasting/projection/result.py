"""The value an outlook run produces: typed tables with fixed columns, typed settings.

Every table is a long pandas DataFrame whose columns are fixed (the tuples below), whatever
the arguments of the run were; :class:`OutlookResult` checks them when it is built, so a
table that drifts from its contract fails where it is made, not in the report.
``to_parquet`` writes each table to its own file.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from forecasting.errors import SchemaError, describe_items
from forecasting.files import atomic_write
from forecasting.projection.settings import OutlookSettings
from forecasting.scenarios import Scenario
from forecasting.scenarios.parts import SHIPMENT_COLUMNS as SCENARIO_SHIPMENT_COLUMNS

# Series keys of forecasts: reporter, partner, flow, commodity (flow as seen by the reporter,
# the pair's first country: "export" or "import").
SERIES_KEYS = ("reporter", "partner", "flow", "commodity")
# ``mean`` is the mean of the joint draws, ``median`` their median (the printed headline; see
# forecasting.projection.combine).
_FORECAST_VALUES = ("period", "scenario", "model", "level", "mean", "median", "lower", "upper")
FORECAST_COLUMNS = (*SERIES_KEYS, *_FORECAST_VALUES)
TURNOVER_COLUMNS = ("reporter", "partner", *_FORECAST_VALUES)
BILLION_COLUMNS = ("scenario", "year", "probability")
FIRST_YEAR_COLUMNS = ("scenario", "median_year", "label", "probability_by_horizon")
HISTORY_COLUMNS = ("reporter", "partner", "flow", "year", "value_usd", "source", "basis", "commodity")
COEFFICIENT_COLUMNS = (
    "model", "term", "estimate", "std_error", "statistic", "p_value", "conf_low", "conf_high", "nobs",
    "truth", "truth_gap_se",
)  # fmt: skip
GE_COUNTRY_COLUMNS = ("scenario", "country", "measure", "baseline", "counterfactual", "change_pct")
PAIR_EFFECT_COLUMNS = (*SERIES_KEYS, "scenario", "median_pct", "direct_median_pct", "lower_95", "upper_95")
SHIPMENT_COLUMNS = ("scenario", *SCENARIO_SHIPMENT_COLUMNS)
FLAG_COLUMNS = ("flag", "rows", "share", "value_usd", "description")
BASELINE_BACKTEST_COLUMNS = (*SERIES_KEYS, "model", "horizon", "n_windows", "first_origin", "mase",
                             "relative_mase", "smape", "coverage_80", "coverage_95")  # fmt: skip
OPENING_YEAR_COLUMNS = ("scenario", "year", "probability_open", "probability_not_open_by_horizon", "basis")
BILLION_DRIVER_COLUMNS = ("scenario", "year", "source", "variance_share", "probability", "probability_held",
                          "probability_change", "probability_low", "probability_high")  # fmt: skip
TRADE_POTENTIAL_COLUMNS = ("commodity", "exporter", "importer", "year", "actual_usd", "predicted_usd", "gap_usd",
                           "potential_usd", "pair_effect", "predicted_pair_effect", "note")  # fmt: skip
BILLION_GROWTH_COLUMNS = ("scenario", "role", "target_year", "from_year", "from_usd", "target_usd",
                          "required_growth_pct", "median_usd", "median_growth_pct", "gap_pp")  # fmt: skip

#: Table name -> its columns, in the order ``tables()`` and ``to_parquet`` list them.
TABLE_COLUMNS: dict[str, tuple[str, ...]] = {
    "forecast": FORECAST_COLUMNS,
    "turnover": TURNOVER_COLUMNS,
    "billion": BILLION_COLUMNS,
    "first_year": FIRST_YEAR_COLUMNS,
    "history": HISTORY_COLUMNS,
    "coefficients": COEFFICIENT_COLUMNS,
    "ge_country": GE_COUNTRY_COLUMNS,
    "pair_effects": PAIR_EFFECT_COLUMNS,
    "shipments": SHIPMENT_COLUMNS,
    "flags": FLAG_COLUMNS,
    "baseline_backtest": BASELINE_BACKTEST_COLUMNS,
    "opening_years": OPENING_YEAR_COLUMNS,
    "billion_drivers": BILLION_DRIVER_COLUMNS,
    "trade_potential": TRADE_POTENTIAL_COLUMNS,
    "billion_growth": BILLION_GROWTH_COLUMNS,
}


@dataclass(frozen=True, eq=False)
class OutlookResult:
    """Tables of one outlook run, with its typed settings and scenario definitions.

    Attributes
    ----------
    forecast
        ``FORECAST_COLUMNS`` (FORECAST schema keyed by ``SERIES_KEYS``): the time-series
        baseline alone (``scenario == "statistical"``) and every scenario, annual periods, one
        row per interval level; ``mean`` is the mean of the joint draws and ``median`` their
        median (the headline: the draws are right-skewed, see
        :mod:`forecasting.projection.combine`). Known contract shipments are included in the
        scenario paths and listed in ``shipments``.
    turnover
        ``TURNOVER_COLUMNS``: exports + imports of the pair, coherent with the commodity rows
        (the mean is their sum; median and intervals from joint draws).
    billion
        ``scenario, year, probability``: probability that annual turnover reaches the target.
    first_year
        ``scenario, median_year, label, probability_by_horizon``: the median first year the
        target is reached, or ``label == "not by <horizon>"`` with ``median_year`` missing.
    history
        ``HISTORY_COLUMNS``: both sides' reported totals (``commodity == "TOTAL"``), each row
        marked with its basis; published figures; and the mirror-reconciled series by
        commodity that the forecast starts from (``source == "mirror-reconciled"``).
    coefficients
        ``COEFFICIENT_COLUMNS``: the gravity models used (``model`` names the commodity, or
        ``literature`` when no model could be estimated); on the bundled demo data ``truth``
        is the simulator's true value and ``truth_gap_se`` the estimate's distance from it in
        standard errors (both missing on real data).
    ge_country
        ``GE_COUNTRY_COLUMNS``: each scenario's GE effects by country, added up over
        commodities (:func:`forecasting.gravity.ge.aggregate_country`); empty in direct mode.
    pair_effects
        ``PAIR_EFFECT_COLUMNS``: the full (phased-in) effect of each scenario on each of the
        pair's series, percent: median of the GE draws, median of the direct effect, and the
        95 % interval.
    shipments
        ``SHIPMENT_COLUMNS``: known contracts entered on top of the statistical baseline.
    flags
        ``FLAG_COLUMNS``: the data-cleaning summary of ``describe_flags``.
    baseline_backtest
        ``BASELINE_BACKTEST_COLUMNS``: the pair's own rolling-origin backtest of the
        statistical baseline against naive and drift, on the log scale, one row per series and
        model: ``model`` is ``"baseline (auto)"``, ``"naive"`` or ``"drift"``; ``horizon``
        years ahead from ``n_windows`` origins starting at ``first_origin``; ``mase`` (scaled
        by the in-sample naive error), ``relative_mase`` (vs naive: below 1 beats it),
        ``smape`` and the share of outcomes inside the 80 and 95 % intervals. Series the
        baseline models with ``auto``, plus the pair's turnover (``flow == commodity ==
        "TOTAL"``); empty when the history is too short for a backtest.
    opening_years
        ``OPENING_YEAR_COLUMNS``: per scenario whose corridor opens (a combination: its first
        route) and forecast year, the probability that it has opened by then, the probability
        that it has not opened by the horizon (the same in every row of the scenario), and the
        ``basis`` of the distribution (its range and source, or "fixed").
    billion_drivers
        ``BILLION_DRIVER_COLUMNS``: per scenario and source of uncertainty (the baseline, trade
        and time elasticities, cost shocks, opening year, ramp-up, availability, known contracts,
        new trade, and an ``interaction`` remainder), the first-order share of the variance of
        turnover in ``year`` (2035, or the horizon if earlier; each in [0, 1], summing to 1 with
        the interaction), P(turnover >= target) with every source drawn and with this source at
        its central value, their difference, and P in the source's conservative and optimistic
        halves (:mod:`forecasting.projection.drivers_of_billion`).
    trade_potential
        ``TRADE_POTENTIAL_COLUMNS``: per named group and direction of the pair, the actual flow
        against the structural-gravity prediction from supply, demand and observable costs, the
        gap and the untapped potential (``>= 0``; missing with a ``note`` where the model cannot
        predict), averages of the last three data years (:mod:`forecasting.projection.potential`).
    billion_growth
        ``BILLION_GROWTH_COLUMNS``: for the status quo and the best combination, the annual
        growth of turnover needed from the last data year to reach the target by 2030 and by
        2035, the growth of the scenario's median path, and the gap in percentage points.
    scenarios
        The scenario values by name (the manifest records their ``to_dict()``).
    settings
        The run's :class:`~forecasting.projection.settings.OutlookSettings`.
    """

    forecast: pd.DataFrame
    turnover: pd.DataFrame
    billion: pd.DataFrame
    first_year: pd.DataFrame
    history: pd.DataFrame
    coefficients: pd.DataFrame
    ge_country: pd.DataFrame
    pair_effects: pd.DataFrame
    shipments: pd.DataFrame
    flags: pd.DataFrame
    baseline_backtest: pd.DataFrame
    opening_years: pd.DataFrame
    billion_drivers: pd.DataFrame
    trade_potential: pd.DataFrame
    billion_growth: pd.DataFrame
    scenarios: Mapping[str, Scenario]
    settings: OutlookSettings

    def __post_init__(self) -> None:
        found = []
        for name, columns in TABLE_COLUMNS.items():
            table = getattr(self, name)
            if not isinstance(table, pd.DataFrame):
                found.append(f"{name} is a {type(table).__name__}, not a DataFrame")
            elif tuple(table.columns) != columns:
                missing = [c for c in columns if c not in table.columns]
                extra = [c for c in table.columns if c not in columns]
                detail = "; ".join(
                    part
                    for part in (
                        f"missing {describe_items(missing)}" if missing else "",
                        f"unexpected {describe_items(extra)}" if extra else "",
                        "columns out of order" if not (missing or extra) else "",
                    )
                    if part
                )
                found.append(f"{name}: {detail} (expected {', '.join(columns)})")
        if not isinstance(self.settings, OutlookSettings):
            found.append(f"settings is a {type(self.settings).__name__}, not OutlookSettings")
        bad = [n for n, s in dict(self.scenarios).items() if not isinstance(s, Scenario)]
        if bad:
            found.append(f"scenarios {describe_items(bad)} are not Scenario values")
        if found:
            raise SchemaError("OutlookResult breaks its contract:\n" + "\n".join(f"  - {p}" for p in found))
        object.__setattr__(self, "scenarios", dict(self.scenarios))

    @property
    def is_demo(self) -> bool:
        """True when the run used the bundled simulated demonstration data."""
        return self.settings.demo

    def tables(self) -> dict[str, pd.DataFrame]:
        """Every table by name (the keys of ``TABLE_COLUMNS``)."""
        return {name: getattr(self, name) for name in TABLE_COLUMNS}

    def to_parquet(self, directory: str | Path) -> dict[str, Path]:
        """Write every table to ``directory/<name>.parquet`` (atomically) and return the paths."""
        out = Path(directory)
        return {
            name: atomic_write(out / f"{name}.parquet", lambda p, t=table: t.to_parquet(p, index=False))
            for name, table in self.tables().items()
        }
