"""GE results as tidy tables (GE_COUNTRY, GE_BILATERAL) and the measures they hold.

Country measures (``measure`` column of GE_COUNTRY):

``exports``, ``imports``
    International trade of the country (flows with itself excluded), as in the book.
``gdp``, ``expenditure``
    Value of output :math:`Y_i` and of expenditure :math:`E_i`.
``factory_gate_price``
    :math:`p_i`, 1 in the baseline.
``omr``, ``imr``
    Outward and inward multilateral resistances :math:`\\Pi_i`, :math:`P_i` (levels, i.e.
    the book's ``OMR``/``IMR`` to the power :math:`1/(1-\\sigma)`); the reference importer's
    ``imr`` is 1.
``real_gdp``
    :math:`Y_i / P_i`, the welfare measure of the book.

A full-endowment result also carries the conditional stage as ``exports_conditional``,
``imports_conditional``, ``omr_conditional``, ``imr_conditional`` and ``real_gdp_conditional``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from forecasting.gravity.ge.equilibrium import Equilibrium
from forecasting.gravity.ge.options import GEOptions

__all__ = ["GEResult", "bilateral_frame", "country_measures", "country_frame"]

MEASURES = ("exports", "imports", "gdp", "expenditure", "factory_gate_price", "omr", "imr", "real_gdp")
CONDITIONAL_MEASURES = ("exports", "imports", "omr", "imr", "real_gdp")


def _levels(eq: Equilibrium, sigma: float | np.ndarray) -> dict[str, np.ndarray]:
    foreign = np.array(eq.flows)
    n = foreign.shape[1]
    foreign[:, np.arange(n), np.arange(n)] = 0.0
    power = 1.0 / (1.0 - np.broadcast_to(np.asarray(sigma, dtype=float), (foreign.shape[0],))[:, None])
    imr = eq.imr_power**power
    return {
        "exports": foreign.sum(axis=2),
        "imports": foreign.sum(axis=1),
        "gdp": eq.output,
        "expenditure": eq.expenditure,
        "factory_gate_price": eq.price,
        "omr": eq.omr_power**power,
        "imr": imr,
        "real_gdp": eq.output / imr,
    }


def country_measures(
    baseline: Equilibrium,
    conditional: Equilibrium | None,
    full: Equilibrium | None,
    sigma: float | np.ndarray,
) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Measure name -> (baseline, counterfactual) arrays of shape ``(D, N)`` (``sigma``: one or ``(D,)``).

    A full-endowment result carries the conditional stage's measures too when it was solved.
    """
    base = _levels(baseline, sigma)
    cdl = None if conditional is None else _levels(conditional, sigma)
    if full is None:
        assert cdl is not None  # a conditional result always has its stage
        return {m: (base[m], cdl[m]) for m in MEASURES}
    new = _levels(full, sigma)
    measures = {m: (base[m], new[m]) for m in MEASURES}
    if cdl is not None:
        measures.update({f"{m}_conditional": (base[m], cdl[m]) for m in CONDITIONAL_MEASURES})
    return measures


def _change_pct(baseline: np.ndarray, counterfactual: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(baseline > 0, (counterfactual / baseline - 1.0) * 100.0, np.nan)


def country_frame(
    measures: dict[str, tuple[np.ndarray, np.ndarray]], countries: tuple[str, ...], scenario: str
) -> pd.DataFrame:
    """GE_COUNTRY rows for the first problem of the batch."""
    parts = []
    for measure, (base, new) in measures.items():
        parts.append(
            pd.DataFrame(
                {
                    "scenario": scenario,
                    "country": list(countries),
                    "measure": measure,
                    "baseline": base[0],
                    "counterfactual": new[0],
                    "change_pct": _change_pct(base[0], new[0]),
                }
            )
        )
    return pd.concat(parts, ignore_index=True)


def bilateral_frame(
    baseline: Equilibrium,
    new: Equilibrium,
    conditional: Equilibrium | None,
    countries: tuple[str, ...],
    scenario: str,
) -> pd.DataFrame:
    """GE_BILATERAL rows (plus ``conditional_usd`` for a full-endowment result)."""
    n = len(countries)
    frame = pd.DataFrame(
        {
            "scenario": scenario,
            "exporter": np.repeat(countries, n),
            "importer": np.tile(countries, n),
            "baseline_usd": baseline.flows[0].ravel(),
            "counterfactual_usd": new.flows[0].ravel(),
        }
    )
    frame["change_pct"] = _change_pct(
        frame["baseline_usd"].to_numpy(), frame["counterfactual_usd"].to_numpy()
    )
    if conditional is not None:
        frame["conditional_usd"] = conditional.flows[0].ravel()
    return frame


@dataclass(frozen=True)
class GEResult:
    """A solved GE counterfactual.

    Attributes
    ----------
    scenario
        Name of the scenario, repeated in every table row.
    country
        GE_COUNTRY table: one row per country and measure (see the module docstring).
    bilateral
        GE_BILATERAL table: fitted baseline and counterfactual flows for every pair.
    diagnostics
        ``iterations``, ``residual`` (largest log market-clearing gap), ``stopping``,
        ``converged``, ``market_clearing_residual`` and ``budget_residual`` (largest
        relative gaps of :math:`\\sum_j X_{ij} = Y_i` and :math:`\\sum_i X_{ij} = E_j`),
        ``kappa`` (expenditure scale factor), ``conditional_iterations``.
    options
        The :class:`GEOptions` used.
    """

    scenario: str
    country: pd.DataFrame
    bilateral: pd.DataFrame
    diagnostics: dict[str, Any] = field(repr=False)
    options: GEOptions

    def tidy(self) -> pd.DataFrame:
        """The GE_COUNTRY table."""
        return self.country.copy()

    def change(self, measure: str = "exports") -> pd.Series:
        """Percentage change of one measure by country.

        Examples
        --------
        >>> from forecasting.gravity.ge.demo import demo_result
        >>> demo_result().change("real_gdp").round(2).to_dict()["BBB"] > 0
        True
        """
        rows = self.country[self.country["measure"] == measure]
        if rows.empty:
            valid = sorted(self.country["measure"].unique())
            raise KeyError(f"unknown measure {measure!r}; valid measures: {', '.join(valid)}")
        return rows.set_index("country")["change_pct"].rename(measure)

    def summary(self) -> GESummary:
        """A short table of the headline changes (exports, factory-gate price, real GDP)."""
        return GESummary(self)


class GESummary:
    """Printable summary of a :class:`GEResult` (text and HTML)."""

    def __init__(self, result: GEResult) -> None:
        self.result = result
        wanted = [
            m
            for m in ("exports", "factory_gate_price", "imr", "real_gdp")
            if m in set(result.country["measure"])
        ]
        self.table = (
            result.country[result.country["measure"].isin(wanted)]
            .pivot(index="country", columns="measure", values="change_pct")
            .reindex(columns=wanted)
            .round(3)
        )

    def _header(self) -> str:
        d, o = self.result.diagnostics, self.result.options
        return (
            f"GE counterfactual '{self.result.scenario}' ({o.kind}, sigma={o.sigma:g},"
            f" reference {o.reference_importer}, stopping={o.stopping}): {d['iterations']} iterations,"
            f" residual {d['residual']:.2g}; % changes"
        )

    def __str__(self) -> str:
        return f"{self._header()}\n{self.table.to_string()}"

    def _repr_html_(self) -> str:
        return f"<p>{self._header()}</p>{self.table.to_html()}"
