"""Small known-truth structural gravity data for examples and tests of the GE solver."""

from __future__ import annotations

import string
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from forecasting.gravity.ge.result import GEResult

__all__ = ["demo_result", "simulate_ge_data"]

#: Coefficients the simulated flows are generated with.
TRUE_COEFFICIENTS = {"ln_dist": -0.9, "border": -2.0}


def simulate_ge_data(
    n_countries: int = 6, *, seed: int = 0, noise: float = 0.1
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A complete square of flows (domestic included) drawn from structural gravity.

    Countries sit at random points in the unit square; trade is
    ``exp(a_i + b_j - 0.9 ln_dist - 2 border)`` times lognormal noise of scale ``noise``.
    Codes are ``AAA``, ``BBB``, ... so they pass ISO3 checks without naming real countries.

    Returns
    -------
    data, coefficients
        The GRAVITY-style frame (``exporter, importer, value_usd, ln_dist, border``) and a
        COEFFICIENTS table holding the true values.

    Examples
    --------
    >>> data, coefs = simulate_ge_data(n_countries=3, seed=0)
    >>> data.shape, coefs["term"].tolist()
    ((9, 5), ['ln_dist', 'border'])
    """
    if not 2 <= n_countries <= 26**3:
        raise ValueError(f"n_countries must be between 2 and {26**3}; got {n_countries}")
    rng = np.random.default_rng(seed)
    letters = string.ascii_uppercase
    if n_countries <= 26:
        codes = [letter * 3 for letter in letters[:n_countries]]
    else:
        codes = [letters[k // 676] + letters[(k // 26) % 26] + letters[k % 26] for k in range(n_countries)]
    points = rng.uniform(0.0, 1.0, size=(n_countries, 2))
    distance = np.linalg.norm(points[:, None, :] - points[None, :, :], axis=2)
    # Domestic distance: a fraction of the distance to the nearest neighbour, as in CEPII's.
    off = distance + np.diag(np.full(n_countries, np.inf))
    np.fill_diagonal(distance, 0.25 * off.min(axis=1))
    ln_dist = np.log(distance * 5000.0)
    border = 1.0 - np.eye(n_countries)
    size = rng.normal(0.0, 1.0, size=(2, n_countries))
    log_flow = (
        size[0][:, None]
        + size[1][None, :]
        + TRUE_COEFFICIENTS["ln_dist"] * ln_dist
        + TRUE_COEFFICIENTS["border"] * border
        + noise * rng.standard_normal((n_countries, n_countries))
    )
    flows = np.exp(log_flow + 20.0)
    data = pd.DataFrame(
        {
            "exporter": np.repeat(codes, n_countries),
            "importer": np.tile(codes, n_countries),
            "value_usd": flows.ravel(),
            "ln_dist": ln_dist.ravel(),
            "border": border.ravel(),
        }
    )
    coefficients = pd.DataFrame(
        {
            "term": list(TRUE_COEFFICIENTS),
            "estimate": list(TRUE_COEFFICIENTS.values()),
            "std_error": [0.05, 0.1],
        }
    )
    return data, coefficients


def demo_result() -> GEResult:
    """Removing borders on a six-country simulated world (for examples).

    Examples
    --------
    >>> demo_result().diagnostics["converged"]
    True
    """
    from forecasting.gravity.ge.options import GEOptions
    from forecasting.gravity.ge.solver import counterfactual_from_coefficients

    data, coefficients = simulate_ge_data(n_countries=6, seed=0)
    return counterfactual_from_coefficients(
        data,
        coefficients,
        {"border": 0.0},
        options=GEOptions(reference_importer="AAA"),
        scenario="no_borders",
    )
