"""Small known series shared by the time-series tests."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest


def trade_panel(n_years: int = 26, seed: int = 7, keys=("commodity", "flow")) -> pd.DataFrame:
    """Positive, trending annual series for three commodities x two directions."""
    rng = np.random.default_rng(seed)
    rows = []
    for commodity in ("coal", "pharma", "textiles"):
        for flow in ("export", "import"):
            path = np.exp(3 + np.cumsum(rng.normal(0.05, 0.12, n_years)))
            rows.append(
                pd.DataFrame(
                    {
                        keys[0]: commodity,
                        keys[1]: flow,
                        "period": np.arange(2000, 2000 + n_years),
                        "value": path,
                    }
                )
            )
    return pd.concat(rows, ignore_index=True)


@pytest.fixture(scope="session")
def annual_panel() -> pd.DataFrame:
    return trade_panel()
