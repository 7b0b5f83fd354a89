"""The coefficient route to the GE solver: trade costs from a gravity model's estimates.

A structural gravity model writes log trade costs as :math:`\\beta' x_{ij}` (plus an optional
pair-specific term, e.g. estimated pair fixed effects). A scenario given as new covariate
values (``{"border": 0.0}``, or a frame of new values for some pairs) then changes log costs
by :math:`\\beta'(x'_{ij} - x_{ij})`. This module turns a coefficient table and such changes
into the two arrays the GE core takes — the baseline log costs and their change — so
:func:`counterfactual_from_coefficients` is :func:`~forecasting.gravity.ge.solver.counterfactual`
with the arithmetic done for the caller, and Monte Carlo over coefficient draws
(:func:`~forecasting.gravity.ge.uncertainty.ge_monte_carlo`) rebuilds both per draw.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from forecasting.errors import ScenarioError, SchemaError, describe_items
from forecasting.gravity.ge.inputs import DELTA_COLUMN, GEBase, cost_changes, locate_pairs, read_base
from forecasting.schema import require_columns

logger = logging.getLogger(__name__)

__all__ = ["CoefficientCosts", "coefficient_costs", "read_coefficients"]

#: Constant terms carry no bilateral information; the exporter/importer effects absorb them.
CONSTANT_TERMS = frozenset({"Intercept", "intercept", "_cons", "const", "(Intercept)"})


@dataclass(frozen=True)
class CoefficientCosts:
    """Covariates of ``K`` cost terms over ``N`` countries, before and after the change.

    ``covariates`` and ``new_covariates`` are ``(K, N, N)``; ``fixed_delta`` is the part of
    the change given directly (``delta_log_cost``) and ``offset`` a pair-specific log cost
    that does not depend on the coefficients.
    """

    terms: tuple[str, ...]
    estimate: np.ndarray
    covariates: np.ndarray
    new_covariates: np.ndarray
    fixed_delta: np.ndarray
    offset: np.ndarray

    def log_costs(self, beta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Fitted baseline ``log T`` and its change for coefficient vectors ``beta`` of shape ``(D, K)``."""
        beta = np.atleast_2d(beta)
        fitted = np.einsum("dk,kij->dij", beta, self.covariates) + self.offset
        change = np.einsum("dk,kij->dij", beta, self.new_covariates - self.covariates) + self.fixed_delta
        return fitted, change


def read_coefficients(coefficients: pd.DataFrame) -> tuple[tuple[str, ...], np.ndarray]:
    """Terms and estimates from a COEFFICIENTS-like frame, constants set aside (and logged).

    Examples
    --------
    >>> read_coefficients(pd.DataFrame({"term": ["Intercept", "ln_dist"], "estimate": [3.0, -0.9]}))
    (('ln_dist',), array([-0.9]))
    """
    if not isinstance(coefficients, pd.DataFrame):
        raise SchemaError(
            f"coefficients must be a DataFrame with columns term, estimate; got {type(coefficients).__name__}"
        )
    require_columns(coefficients, ["term", "estimate"], what="the coefficient table")
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


def _new_values_frame(
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
    require_columns(changes, ["exporter", "importer"], what="changes")
    extra = [c for c in changes.columns if c not in ("exporter", "importer", DELTA_COLUMN, *terms)]
    if extra and DELTA_COLUMN not in changes.columns:
        raise ScenarioError(
            f"changes have columns {describe_items(extra)} that are neither coefficient terms"
            f" {describe_items(terms, limit=10)} nor '{DELTA_COLUMN}'; rename or drop them"
        )
    if len(changes.columns) == 2:
        raise ScenarioError(f"changes give no new covariate values and no '{DELTA_COLUMN}' column")
    return changes


def coefficient_costs(
    data: pd.DataFrame,
    base: GEBase,
    coefficients: pd.DataFrame,
    changes: pd.DataFrame | Mapping[str, float],
    *,
    pair_effect: str | None = None,
) -> CoefficientCosts:
    """Lay the covariates of ``data`` and their changed values out as squares.

    ``changes`` is a mapping ``{term: new value}`` (every pair), a frame of new values of some
    terms for some pairs (the others keep theirs), or a frame with ``delta_log_cost`` added
    on top of any new values.
    """
    terms, estimate = read_coefficients(coefficients)
    n = len(base.countries)
    covariates = np.stack([base.square(data, t) for t in terms]) if terms else np.zeros((0, n, n))
    offset = base.square(data, pair_effect) if pair_effect else np.zeros((n, n))
    frame = _new_values_frame(changes, data, terms)
    rows, cols = locate_pairs(base, frame["exporter"], frame["importer"])
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
        fixed_delta = cost_changes(base, frame[["exporter", "importer", DELTA_COLUMN]])[1][0]
    if not np.any(fixed_delta) and np.array_equal(new_covariates, covariates):
        logger.warning("the changes leave every trade cost as it is; the counterfactual equals the baseline")
    return CoefficientCosts(terms, estimate, covariates, new_covariates, fixed_delta, offset)


def read_coefficient_problem(
    data: pd.DataFrame,
    coefficients: pd.DataFrame,
    changes: pd.DataFrame | Mapping[str, float],
    *,
    value: str,
    reference_importer: str,
    pair_effect: str | None,
) -> tuple[GEBase, CoefficientCosts]:
    """Check the data with every covariate the coefficients name, and build both parts."""
    terms, _ = read_coefficients(coefficients)
    numeric = [*terms, *([pair_effect] if pair_effect else [])]
    base = read_base(data, value=value, reference_importer=reference_importer, numeric=numeric)
    return base, coefficient_costs(data, base, coefficients, changes, pair_effect=pair_effect)
