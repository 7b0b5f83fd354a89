"""The value an outlook run produces: tidy tables only, so reports and other models can read it.

Every field is a long pandas DataFrame whose columns are fixed (listed below), whatever
the arguments of the run were. ``to_parquet`` writes each table to its own file.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import pandas as pd

# Column sets of the tables an OutlookResult carries. Series keys of forecasts are
# reporter, partner, flow, commodity (flow as seen by the reporter, "export"/"import").
SERIES_KEYS = ("reporter", "partner", "flow", "commodity")
BILLION_COLUMNS = ("scenario", "year", "probability")
FIRST_YEAR_COLUMNS = ("scenario", "median_year", "label", "probability_by_horizon")
HISTORY_COLUMNS = ("reporter", "partner", "flow", "year", "value_usd", "source", "basis", "commodity")
SHIPMENT_COLUMNS = ("name", "reporter", "partner", "flow", "commodity", "year", "value_usd", "source")
BASELINE_BACKTEST_COLUMNS = (*SERIES_KEYS, "model", "horizon", "n_windows", "first_origin", "mase",
                             "relative_mase", "smape", "coverage_80", "coverage_95")  # fmt: skip


@dataclass(frozen=True)
class OutlookResult:
    """Tables of one outlook run.

    Attributes
    ----------
    forecast
        FORECAST schema with series keys ``reporter, partner, flow, commodity``: the
        baseline (``scenario == "baseline"``) and every corridor scenario, annual periods,
        levels 80 and 95. Known contract shipments are included in the scenario paths and
        also listed in ``shipments``.
    turnover
        FORECAST schema with keys ``reporter, partner``: exports + imports of the pair,
        coherent with the commodity rows (the mean is their sum; intervals from joint draws).
    billion
        ``scenario, year, probability``: probability that annual turnover reaches the target.
    first_year
        ``scenario, median_year, label, probability_by_horizon``: the median first year the
        target is reached, or ``label == "not by <horizon>"`` with ``median_year`` missing.
    history
        Both sides' reported totals (``HISTORY_COLUMNS``, ``commodity == "TOTAL"``), each row
        marked with its basis, and the mirror-reconciled series by commodity that the forecast
        starts from (``source == "mirror-reconciled"``).
    coefficients
        COEFFICIENTS schema of the gravity models used (column ``model`` names each).
    ge_country
        GE_COUNTRY schema for every scenario (with ``lower``/``upper`` when drawn).
    shipments
        Known contracts entered on top of the statistical baseline (``SHIPMENT_COLUMNS``).
    scenarios
        The scenario definitions as plain dictionaries (what the manifest records).
    flags
        The data-cleaning summary of ``describe_flags`` (columns ``flag, rows, share``).
    settings
        The run's settings (horizon, draws, seed, data source, demo flag, target).
    pair_effects
        The full (phased-in) effect of each scenario on each of the pair's series, percent:
        SERIES_KEYS + ``scenario, median_pct, direct_median_pct, lower_95, upper_95``.
    baseline_backtest
        The pair's own rolling-origin backtest of the statistical baseline against naive and
        drift (``BASELINE_BACKTEST_COLUMNS``), on the log scale, one row per series and model:
        ``model`` is ``"baseline (auto)"``, ``"naive"`` or ``"drift"``; ``horizon`` years ahead
        from ``n_windows`` origins starting at ``first_origin``; ``mase`` (scaled by the
        in-sample naive error), ``relative_mase`` (vs naive: below 1 beats it), ``smape`` and
        the share of outcomes inside the 80 and 95 % intervals. Series the baseline models
        with ``auto``, plus the pair's turnover (``flow == commodity == "TOTAL"``); empty when
        the history is too short for a backtest.
    """

    forecast: pd.DataFrame
    turnover: pd.DataFrame
    billion: pd.DataFrame
    first_year: pd.DataFrame
    history: pd.DataFrame
    coefficients: pd.DataFrame
    ge_country: pd.DataFrame
    shipments: pd.DataFrame
    scenarios: dict[str, dict[str, Any]] = field(default_factory=dict)
    flags: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=["flag", "rows", "share"]))
    settings: dict[str, Any] = field(default_factory=dict)
    pair_effects: pd.DataFrame = field(default_factory=pd.DataFrame)
    baseline_backtest: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=list(BASELINE_BACKTEST_COLUMNS))
    )

    @property
    def is_demo(self) -> bool:
        """True when the run used the bundled simulated demonstration data."""
        return bool(self.settings.get("demo", False))

    def tables(self) -> dict[str, pd.DataFrame]:
        """Every table by name."""
        return {
            f.name: getattr(self, f.name)
            for f in fields(self)
            if isinstance(getattr(self, f.name), pd.DataFrame)
        }

    def to_parquet(self, directory: str | Path) -> dict[str, Path]:
        """Write every table to ``directory/<name>.parquet`` and return the paths."""
        out = Path(directory)
        out.mkdir(parents=True, exist_ok=True)
        paths = {}
        for name, table in self.tables().items():
            path = out / f"{name}.parquet"
            table.to_parquet(path, index=False)
            paths[name] = path
        return paths
