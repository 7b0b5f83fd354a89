"""A small structural-gravity data-generating process with known coefficients."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

TRUE_BETA = {"rta": 0.5, "ln_tariff": -2.0}


def make_panel(
    n_countries: int = 20,
    years: tuple[int, ...] = (2000, 2004, 2008, 2012),
    *,
    seed: int = 0,
    noise: str = "poisson",
) -> pd.DataFrame:
    """Flows with mean exp(exporter-year + importer-year + pair + beta'x), zeros kept.

    ``noise="gamma"`` multiplies the mean by gamma noise with mean 1 and sd 0.32 (PPML stays consistent);
    ``"poisson"`` draws counts, which gives genuine zeros for small means; ``"none"`` returns
    the mean itself, from which PPML must recover the coefficients exactly.
    """
    rng = np.random.default_rng(seed)
    codes = [f"C{c:02d}" for c in range(n_countries)]
    rows = [(e, i, y) for e in codes for i in codes for y in years if e != i]
    panel = pd.DataFrame(rows, columns=["exporter", "importer", "year"])
    exp_fe = {(c, y): rng.normal(2, 0.7) for c in codes for y in years}
    imp_fe = {(c, y): rng.normal(1, 0.7) for c in codes for y in years}
    pair_fe = {(e, i): rng.normal(0, 0.8) for e in codes for i in codes}
    late = panel["year"] >= years[len(years) // 2]
    members = panel["exporter"].isin(codes[: n_countries // 2]) & panel["importer"].isin(
        codes[: n_countries // 2]
    )
    panel["rta"] = (late & members).astype(int)
    panel["ln_tariff"] = np.log1p(rng.uniform(0, 1.5, len(panel)))
    eta = (
        np.array([exp_fe[k] for k in zip(panel["exporter"], panel["year"], strict=True)])
        + np.array([imp_fe[k] for k in zip(panel["importer"], panel["year"], strict=True)])
        + np.array([pair_fe[k] for k in zip(panel["exporter"], panel["importer"], strict=True)])
        + TRUE_BETA["rta"] * panel["rta"]
        + TRUE_BETA["ln_tariff"] * panel["ln_tariff"]
    )
    mean = np.exp(eta)
    if noise == "none":
        panel["value_usd"] = mean
    elif noise == "poisson":
        panel["value_usd"] = rng.poisson(mean).astype(float)
    else:
        panel["value_usd"] = mean * rng.gamma(10.0, 0.1, len(panel))
    return panel


@pytest.fixture(scope="session")
def panel() -> pd.DataFrame:
    return make_panel()
