"""The regressor matrix of a formula, built with formulaic the way pyfixest builds it.

The toolkit needs the regressors before the fit (to find missing values and separation)
and after it (to predict on new data), so it builds them itself from formulaic's public
API, with the same settings pyfixest uses (full-rank encoding, ``log`` of a non-positive
number is missing, no intercept beside fixed effects); the column names then match
pyfixest's coefficient names.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import formulaic
import numpy as np
import pandas as pd

from forecasting.errors import SchemaError


def _log(values: Any) -> np.ndarray:
    """Natural log with non-positive values missing (as pyfixest's formula ``log`` does)."""
    array = np.asarray(values, dtype=float)
    out = np.full(array.shape, np.nan)
    np.log(array, out=out, where=array > 0)
    return out


CONTEXT = {"log": _log, "np": np}


@dataclass(frozen=True)
class Design:
    """Regressor values on every row, their names, and the spec that rebuilds them on new data."""

    matrix: np.ndarray
    names: tuple[str, ...]
    spec: Any
    complete: np.ndarray
    empty_terms: tuple[str, ...] = ()


def build(frame: pd.DataFrame, regressors: str, *, fixed_effects: bool) -> Design:
    """The regressors of ``regressors`` (the right-hand side before ``|``) on ``frame``.

    Examples
    --------
    >>> import pandas as pd
    >>> d = build(pd.DataFrame({"x": [1.0, 0.0]}), "log(x)", fixed_effects=False)
    >>> d.names, d.complete.tolist()
    (('Intercept', 'log(x)'), [True, False])
    """
    try:
        built = formulaic.model_matrix(
            regressors,
            frame.reset_index(drop=True),
            na_action="ignore",
            ensure_full_rank=True,
            context=CONTEXT,
        )
    except Exception as exc:  # formulaic raises many types for a bad term; all are user errors here
        raise SchemaError(
            f"the regressors {regressors!r} cannot be built ({type(exc).__name__}: {exc}); use column"
            " names, + and :, C(col) for categories and log(col) or np.* transforms"
        ) from exc
    names = [str(c) for c in built.columns if not (fixed_effects and c == "Intercept")]
    matrix = np.asarray(built[names], dtype=float) if names else np.zeros((len(frame), 0))
    empty = tuple(str(t.term) for t in built.model_spec.structure if not t.columns)
    return Design(matrix, tuple(names), built.model_spec, np.isfinite(matrix).all(axis=1), empty)


def rebuild(spec: Any, data: pd.DataFrame, terms: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """Regressor matrix for ``terms`` on new data, and a mask of rows where it is complete."""
    if not terms:
        return np.zeros((len(data), 0)), np.ones(len(data), dtype=bool)
    matrix = spec.get_model_matrix(data.reset_index(drop=True), context=CONTEXT, na_action="ignore")
    values = np.asarray(matrix[list(terms)], dtype=float)
    return values, np.isfinite(values).all(axis=1)
