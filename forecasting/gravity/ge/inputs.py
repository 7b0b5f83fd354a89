"""From tidy frames to the square arrays the GE solver works on, with every check up front.

The solver needs, for one cross-section, a complete square of country pairs (including
each country's trade with itself), the covariates named by the coefficient table, and the
change to trade costs. All problems are collected and reported together, naming the pairs
or codes at fault.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from forecasting.errors import ScenarioError, SchemaError, UnknownCodeError, describe_items

logger = logging.getLogger(__name__)

__all__ = ["GEProblem", "build_problem", "read_coefficients"]

#: Constant terms carry no bilateral information; the exporter/importer effects absorb them.
CONSTANT_TERMS = frozenset({"Intercept", "intercept", "_cons", "const", "(Intercept)"})
DELTA_COLUMN = "delta_log_cost"


@dataclass(frozen=True)
class GEProblem:
    """Arrays of one GE problem over ``N`` countries and ``K`` cost terms.

    ``covariates`` and ``new_covariates`` are ``(K, N, N)``; ``fixed_delta`` is the part of
    the change in log trade costs given directly (``delta_log_cost``), ``offset`` any
    pair-specific log cost that does not depend on the coefficients.
    """

    countries: tuple[str, ...]
    reference: int
    observed: np.ndarray
    terms: tuple[str, ...]
    estimate: np.ndarray
    covariates: np.ndarray
    new_covariates: np.ndarray
    fixed_delta: np.ndarray
    offset: np.ndarray
    calibrate_to_observed: bool

    def log_costs(self, beta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Baseline and counterfactual ``log T`` for coefficient vectors ``beta`` of shape ``(D, K)``."""
        beta = np.atleast_2d(beta)
        fitted = np.einsum("dk,kij->dij", beta, self.covariates) + self.offset
        change = np.einsum("dk,kij->dij", beta, self.new_covariates - self.covariates) + self.fixed_delta
        if self.calibrate_to_observed:
            # Costs that reproduce the observed flows exactly (zeros stay zero).
            with np.errstate(divide="ignore"):
                base = np.broadcast_to(np.log(self.observed), fitted.shape).copy()
        else:
            base = fitted
        return base, base + change


def read_coefficients(coefficients: pd.DataFrame) -> tuple[tuple[str, ...], np.ndarray]:
    """Terms and estimates from a COEFFICIENTS-like frame, constants set aside (and logged)."""
    if not isinstance(coefficients, pd.DataFrame):
        raise SchemaError(
            f"coefficients must be a DataFrame with columns term, estimate; got {type(coefficients).__name__}"
        )
    missing = [c for c in ("term", "estimate") if c not in coefficients.columns]
    if missing:
        raise SchemaError(
            f"coefficient table lacks columns {describe_items(missing)}; pass a COEFFICIENTS table"
            " (e.g. the .tidy() of a PPML fit) or a frame with columns term, estimate"
        )
    table = coefficients
    if "model" in table.columns and table["model"].nunique() > 1:
        raise SchemaError(
            f"coefficient table holds several models {describe_items(sorted(table['model'].unique()))};"
            " select one model's rows before calling the GE solver"
        )
    dupes = table["term"][table["term"].duplicated()].tolist()
    if dupes:
        raise SchemaError(f"coefficient table repeats terms {describe_items(dupes)}")
    constants = [t for t in table["term"] if t in CONSTANT_TERMS]
    if constants:
        logger.info("ignoring constant term(s) %s: exporter/importer effects absorb them", constants)
    kept = table[~table["term"].isin(CONSTANT_TERMS)]
    estimates = pd.to_numeric(kept["estimate"], errors="coerce").to_numpy(dtype=float)
    if not np.all(np.isfinite(estimates)):
        bad = kept["term"][~np.isfinite(estimates)].tolist()
        raise SchemaError(f"coefficient estimates are missing or not finite for terms {describe_items(bad)}")
    return tuple(kept["term"].astype(str)), estimates


def _square_index(data: pd.DataFrame, value: str, problems: list[str]) -> tuple[tuple[str, ...], np.ndarray]:
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


def _to_square(
    values: np.ndarray, rows: np.ndarray, cols: np.ndarray, n: int, fill: float = 0.0
) -> np.ndarray:
    square = np.full((n, n), fill)
    square[rows, cols] = values
    return square


def _changes_frame(
    changes: pd.DataFrame | Mapping[str, float], data: pd.DataFrame, terms: tuple[str, ...]
) -> pd.DataFrame:
    if isinstance(changes, Mapping):
        unknown = [k for k in changes if k not in terms]
        if unknown:
            raise ScenarioError(
                f"changes name terms {describe_items(unknown)} that are not in the coefficient table"
                f" (terms: {describe_items(terms, limit=10)})"
            )
        frame = data[["exporter", "importer"]].copy()
        for term, new_value in changes.items():
            frame[term] = float(new_value)
        return frame
    if not isinstance(changes, pd.DataFrame):
        raise ScenarioError(
            "changes must be a DataFrame (exporter, importer and new covariate values or"
            f" '{DELTA_COLUMN}') or a mapping term -> new value; got {type(changes).__name__}"
        )
    missing = [c for c in ("exporter", "importer") if c not in changes.columns]
    if missing:
        raise ScenarioError(f"changes lack columns {describe_items(missing)}")
    extra = [c for c in changes.columns if c not in ("exporter", "importer", DELTA_COLUMN, *terms)]
    if extra and DELTA_COLUMN in changes.columns:
        # Corridor scenarios add their channels (delta_days, phase, ...) beside the total.
        logger.info("using '%s'; ignoring columns %s of changes", DELTA_COLUMN, extra)
    elif extra:
        raise ScenarioError(
            f"changes have columns {describe_items(extra)} that are neither coefficient terms"
            f" {describe_items(terms, limit=10)} nor '{DELTA_COLUMN}'; rename or drop them"
        )
    if len(changes.columns) == 2:
        raise ScenarioError(f"changes give no new covariate values and no '{DELTA_COLUMN}' column")
    return changes


def build_problem(
    data: pd.DataFrame,
    coefficients: pd.DataFrame,
    changes: pd.DataFrame | Mapping[str, float],
    *,
    value: str,
    reference_importer: str,
    pair_effect: str | None,
    baseline: str,
) -> GEProblem:
    """Check the inputs and lay them out as square arrays (see :class:`GEProblem`)."""
    if not isinstance(data, pd.DataFrame):
        raise SchemaError(f"data must be a pandas DataFrame, got {type(data).__name__}")
    terms, estimate = read_coefficients(coefficients)
    needed = ["exporter", "importer", value, *terms, *([pair_effect] if pair_effect else [])]
    missing = [c for c in needed if c not in data.columns]
    if missing:
        raise SchemaError(
            f"data lacks columns {describe_items(missing)}: the value column and every coefficient"
            " term must be columns of the baseline data"
        )
    problems: list[str] = []
    countries, values = _square_index(data, value, problems)
    for column in [*terms, *([pair_effect] if pair_effect else [])]:
        numbers = pd.to_numeric(data[column], errors="coerce")
        bad = ~np.isfinite(numbers.to_numpy(dtype=float))
        if bad.any():
            shown = (data["exporter"].astype(str) + "->" + data["importer"].astype(str))[bad].tolist()
            problems.append(
                f"covariate '{column}' is missing or not finite for pairs {describe_items(shown)}"
            )
    if problems:
        raise SchemaError("GE baseline data has problems:\n" + "\n".join(f"  - {p}" for p in problems))
    if reference_importer not in countries:
        raise UnknownCodeError(
            f"reference importer {reference_importer!r} is not among the {len(countries)} countries"
            f" of the data ({describe_items(countries)}); pick one of them"
        )
    n = len(countries)
    position = {c: k for k, c in enumerate(countries)}
    rows = data["exporter"].astype(str).map(position).to_numpy()
    cols = data["importer"].astype(str).map(position).to_numpy()
    observed = _to_square(values, rows, cols, n)
    empty = [c for k, c in enumerate(countries) if observed[k].sum() <= 0 or observed[:, k].sum() <= 0]
    if empty:
        raise SchemaError(
            f"countries {describe_items(empty)} have zero total output or expenditure; multilateral"
            " resistances are undefined for them. Drop them or add their domestic flows"
        )
    covariates = (
        np.stack([_to_square(data[t].to_numpy(dtype=float), rows, cols, n) for t in terms])
        if terms
        else np.zeros((0, n, n))
    )
    offset = (
        _to_square(data[pair_effect].to_numpy(dtype=float), rows, cols, n)
        if pair_effect
        else np.zeros((n, n))
    )
    new_covariates, fixed_delta = _apply_changes(changes, data, terms, covariates, position)
    if not np.any(fixed_delta) and np.array_equal(new_covariates, covariates):
        logger.warning("the changes leave every trade cost as it is; the counterfactual equals the baseline")
    return GEProblem(
        countries=countries,
        reference=position[reference_importer],
        observed=observed,
        terms=terms,
        estimate=estimate,
        covariates=covariates,
        new_covariates=new_covariates,
        fixed_delta=fixed_delta,
        offset=offset,
        calibrate_to_observed=baseline == "observed",
    )


def _apply_changes(
    changes: pd.DataFrame | Mapping[str, float],
    data: pd.DataFrame,
    terms: tuple[str, ...],
    covariates: np.ndarray,
    position: dict[str, int],
) -> tuple[np.ndarray, np.ndarray]:
    frame = _changes_frame(changes, data, terms)
    n = covariates.shape[1]
    exporters, importers = frame["exporter"].astype(str), frame["importer"].astype(str)
    unknown = sorted((set(exporters) | set(importers)) - set(position))
    if unknown:
        raise ScenarioError(
            f"changes name countries {describe_items(unknown)} that are not in the baseline data;"
            " the GE model covers only the countries of its data"
        )
    dup = (exporters + "->" + importers).duplicated(keep=False)
    if dup.any():
        raise ScenarioError(
            f"changes repeat pairs {describe_items((exporters + '->' + importers)[dup].unique().tolist())};"
            " the GE model is for one aggregate (or one commodity): give one row per pair"
        )
    rows, cols = exporters.map(position).to_numpy(), importers.map(position).to_numpy()
    new_covariates = covariates.copy()
    for k, term in enumerate(terms):
        if term in frame.columns:
            new_values = pd.to_numeric(frame[term], errors="coerce").to_numpy(dtype=float)
            if not np.all(np.isfinite(new_values)):
                raise ScenarioError(
                    f"new values of '{term}' are missing or not finite in some rows of changes"
                )
            new_covariates[k, rows, cols] = new_values
    fixed_delta = np.zeros((n, n))
    if DELTA_COLUMN in frame.columns:
        delta = pd.to_numeric(frame[DELTA_COLUMN], errors="coerce").to_numpy(dtype=float)
        if not np.all(np.isfinite(delta)):
            raise ScenarioError(f"'{DELTA_COLUMN}' is missing or not finite in some rows of changes")
        fixed_delta[rows, cols] = delta
    return new_covariates, fixed_delta
