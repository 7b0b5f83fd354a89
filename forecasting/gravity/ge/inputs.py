"""From tidy frames to the square arrays the GE solver works on, with every check up front.

The solver needs, for one cross-section, a complete square of country pairs (including
each country's trade with itself) and the change in log trade costs, per pair (one vector)
or per pair and Monte Carlo draw. All problems of the baseline data are collected and
reported together, naming the pairs or codes at fault.

Cost changes are given as a tidy table ``exporter, importer, delta_log_cost`` (plus
``draw`` for one vector per draw; pairs not listed keep their costs) or as a Series indexed
by ``exporter, importer``. Other columns are ignored (a corridor scenario's channel columns
ride along), and said so in the log.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from forecasting.errors import ScenarioError, SchemaError, UnknownCodeError, describe_items
from forecasting.gravity.ge.options import GEOptions
from forecasting.schema import require_columns

logger = logging.getLogger(__name__)

__all__ = [
    "DELTA_COLUMN",
    "LOG_COST_COLUMN",
    "GEBase",
    "cost_changes",
    "locate_pairs",
    "read_base",
    "read_problem",
]

DELTA_COLUMN = "delta_log_cost"
#: Baseline log trade cost per pair (e.g. the fitted beta'x of a gravity model), read when
#: the options ask for a fitted baseline.
LOG_COST_COLUMN = "log_cost"


@dataclass(frozen=True)
class GEBase:
    """The base-year square of one GE problem over ``N`` countries.

    ``rows`` and ``cols`` give, for each row of the data it was read from, the position of
    its exporter and importer, so any column of that data can be laid out as a square.
    """

    countries: tuple[str, ...]
    reference: int
    observed: np.ndarray
    rows: np.ndarray
    cols: np.ndarray

    @property
    def position(self) -> dict[str, int]:
        """Country code -> index in the square."""
        return {c: k for k, c in enumerate(self.countries)}

    def square(self, data: pd.DataFrame, column: str) -> np.ndarray:
        """Column ``column`` of the data this base was read from, as an ``(N, N)`` array."""
        n = len(self.countries)
        out = np.zeros((n, n))
        out[self.rows, self.cols] = data[column].to_numpy(dtype=float)
        return out

    def observed_log_cost(self) -> np.ndarray:
        """Log trade costs that reproduce the observed flows exactly (pairs with zero trade stay at zero)."""
        with np.errstate(divide="ignore"):
            return np.log(self.observed)

    def log_cost(self, data: pd.DataFrame, baseline: str) -> np.ndarray:
        """Baseline log trade costs: calibrated to the observed flows, or the ``log_cost`` column."""
        if baseline == "observed":
            return self.observed_log_cost()
        if LOG_COST_COLUMN not in data.columns:
            raise SchemaError(
                f"baseline='fitted' takes the baseline trade costs from a '{LOG_COST_COLUMN}' column"
                " (e.g. the fitted beta'x of a gravity model), which the data lack; add it, or pass"
                " options=GEOptions(baseline='observed') to calibrate the baseline to the observed flows"
            )
        return self.square(data, LOG_COST_COLUMN)


def _square_problems(
    data: pd.DataFrame, value: str, problems: list[str]
) -> tuple[tuple[str, ...], np.ndarray]:
    for key in ("year", "commodity"):
        if key in data.columns and data[key].nunique(dropna=False) > 1:
            problems.append(
                f"data holds several values of '{key}' {describe_items(sorted(map(str, data[key].unique())))};"
                " the GE solver takes one cross-section: filter to one before calling it"
            )
    pairs = data[["exporter", "importer"]].astype(str)
    dup = pairs.duplicated(keep=False)
    if dup.any():
        shown = (pairs["exporter"] + "->" + pairs["importer"])[dup].unique().tolist()
        problems.append(f"{int(dup.sum())} rows repeat a pair: {describe_items(shown)}; aggregate them first")
    countries = tuple(sorted(set(pairs["exporter"]) | set(pairs["importer"])))
    have = set(zip(pairs["exporter"], pairs["importer"], strict=True))
    absent = [f"{i}->{j}" for i in countries for j in countries if (i, j) not in have]
    if absent:
        problems.append(
            f"the country square is incomplete, {len(absent)} pairs are missing: {describe_items(absent)};"
            " add them (zero trade is a valid value; domestic flows i->i are required) or drop the"
            " countries concerned"
        )
    values = pd.to_numeric(data[value], errors="coerce")
    bad = values.isna() | (values < 0) | ~np.isfinite(values.fillna(0.0))
    if bad.any():
        shown = (pairs["exporter"] + "->" + pairs["importer"])[bad].tolist()
        problems.append(f"'{value}' is missing, negative or infinite for pairs {describe_items(shown)}")
    return countries, values.to_numpy(dtype=float)


def read_base(
    data: pd.DataFrame, *, value: str, reference_importer: str, numeric: Sequence[str] = ()
) -> GEBase:
    """Check the baseline data (and the ``numeric`` columns beside it) and lay it out as a square.

    Examples
    --------
    >>> from forecasting.gravity.ge.demo import simulate_ge_data
    >>> base = read_base(simulate_ge_data(n_countries=3)[0], value="value_usd", reference_importer="AAA")
    >>> base.countries, base.observed.shape
    (('AAA', 'BBB', 'CCC'), (3, 3))
    """
    if not isinstance(data, pd.DataFrame):
        raise SchemaError(f"data must be a pandas DataFrame, got {type(data).__name__}")
    require_columns(data, ["exporter", "importer", value, *numeric], what="GE baseline data")
    problems: list[str] = []
    countries, values = _square_problems(data, value, problems)
    for column in numeric:
        numbers = pd.to_numeric(data[column], errors="coerce").to_numpy(dtype=float)
        bad = ~np.isfinite(numbers)
        if bad.any():
            shown = (data["exporter"].astype(str) + "->" + data["importer"].astype(str))[bad].tolist()
            problems.append(f"column '{column}' is missing or not finite for pairs {describe_items(shown)}")
    if problems:
        raise SchemaError("GE baseline data has problems:\n" + "\n".join(f"  - {p}" for p in problems))
    if reference_importer not in countries:
        raise UnknownCodeError(
            f"reference importer {reference_importer!r} is not among the {len(countries)} countries"
            f" of the data ({describe_items(countries)}); pick one of them"
        )
    position = {c: k for k, c in enumerate(countries)}
    rows = data["exporter"].astype(str).map(position).to_numpy()
    cols = data["importer"].astype(str).map(position).to_numpy()
    n = len(countries)
    observed = np.zeros((n, n))
    observed[rows, cols] = values
    empty = [c for k, c in enumerate(countries) if observed[k].sum() <= 0 or observed[:, k].sum() <= 0]
    if empty:
        raise SchemaError(
            f"countries {describe_items(empty)} have zero total output or expenditure; multilateral"
            " resistances are undefined for them. Drop them or add their domestic flows"
        )
    return GEBase(countries, position[reference_importer], observed, rows, cols)


def _as_frame(changes: pd.DataFrame | pd.Series) -> pd.DataFrame:
    if isinstance(changes, pd.Series):
        names = list(changes.index.names)
        if names[-2:] != ["exporter", "importer"]:
            raise ScenarioError(
                "a Series of cost changes must be indexed by exporter, importer (or draw, exporter,"
                f" importer); its index levels are {names}"
            )
        return changes.rename(DELTA_COLUMN).reset_index()
    if not isinstance(changes, pd.DataFrame):
        raise ScenarioError(
            f"delta_log_cost must be a DataFrame (exporter, importer, {DELTA_COLUMN}[, draw]) or a Series"
            f" indexed by exporter, importer; got {type(changes).__name__}"
        )
    missing = [c for c in ("exporter", "importer", DELTA_COLUMN) if c not in changes.columns]
    if missing:
        raise ScenarioError(
            f"cost changes lack columns {describe_items(missing)}; give exporter, importer,"
            f" {DELTA_COLUMN} (and draw for one change per Monte Carlo draw)"
        )
    extra = [c for c in changes.columns if c not in ("draw", "exporter", "importer", DELTA_COLUMN)]
    if extra:
        # Corridor scenarios add their channels (delta_days, phase, ...) beside the total.
        logger.info("using '%s'; ignoring columns %s of the cost changes", DELTA_COLUMN, extra)
    return changes


def locate_pairs(
    base: GEBase, exporters: pd.Series, importers: pd.Series, slot: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Row and column of each (exporter, importer) in the square; unknown codes and repeated
    pairs (within one ``slot``, e.g. one draw) are refused, naming them."""
    exporters, importers = exporters.astype(str), importers.astype(str)
    position = base.position
    unknown = sorted((set(exporters) | set(importers)) - set(position))
    if unknown:
        raise ScenarioError(
            f"cost changes name countries {describe_items(unknown)} that are not in the baseline data;"
            " the GE model covers only the countries of its data"
        )
    pair = (exporters + "->" + importers).to_numpy()
    key = pd.DataFrame({"slot": np.zeros(len(pair), int) if slot is None else slot, "pair": pair})
    dup = key.duplicated(keep=False).to_numpy()
    if dup.any():
        raise ScenarioError(
            f"cost changes repeat pairs {describe_items(pd.unique(pair[dup]).tolist())}; the GE model is"
            " for one aggregate (or one commodity): give one row per pair (and draw)"
        )
    return exporters.map(position).to_numpy(), importers.map(position).to_numpy()


def cost_changes(base: GEBase, changes: pd.DataFrame | pd.Series) -> tuple[np.ndarray | None, np.ndarray]:
    """Draw ids and the ``(D, N, N)`` changes in log trade cost (``None`` and ``D = 1`` without draws).

    Examples
    --------
    >>> from forecasting.gravity.ge.demo import simulate_ge_data
    >>> base = read_base(simulate_ge_data(n_countries=3)[0], value="value_usd", reference_importer="AAA")
    >>> table = pd.DataFrame({"draw": [0, 1], "exporter": "AAA", "importer": "BBB",
    ...                       "delta_log_cost": [0.1, 0.2]})
    >>> draws, cube = cost_changes(base, table)
    >>> draws.tolist(), cube[:, 0, 1].tolist()
    ([0, 1], [0.1, 0.2])
    """
    frame = _as_frame(changes)
    draw_ids: np.ndarray | None = None
    slot = np.zeros(len(frame), dtype=int)
    if "draw" in frame.columns:
        draw_ids, slot = np.unique(frame["draw"].to_numpy(), return_inverse=True)
    rows, cols = locate_pairs(base, frame["exporter"], frame["importer"], slot)
    delta = pd.to_numeric(frame[DELTA_COLUMN], errors="coerce").to_numpy(dtype=float)
    if not np.all(np.isfinite(delta)):
        bad = (frame["exporter"].astype(str) + "->" + frame["importer"].astype(str))[~np.isfinite(delta)]
        raise ScenarioError(
            f"'{DELTA_COLUMN}' is missing or not finite for pairs {describe_items(bad.tolist())}"
        )
    n = len(base.countries)
    cube = np.zeros((1 if draw_ids is None else len(draw_ids), n, n))
    cube[slot, rows, cols] = delta
    return draw_ids, cube


def read_problem(
    data: pd.DataFrame, changes: pd.DataFrame | pd.Series, *, options: GEOptions, value: str
) -> tuple[GEBase, np.ndarray, np.ndarray | None, np.ndarray]:
    """What the GE entry points read: the base, its ``(N, N)`` baseline log costs, draw ids, changes."""
    fitted = options.baseline == "fitted" and LOG_COST_COLUMN in getattr(data, "columns", ())
    numeric = [LOG_COST_COLUMN] if fitted else []
    base = read_base(data, value=value, reference_importer=options.reference_importer, numeric=numeric)
    draw_ids, delta = cost_changes(base, changes)
    return base, base.log_cost(data, options.baseline), draw_ids, delta
