"""The outlook's one joint sample: draw ``d`` of every source of uncertainty belongs together.

Sources (:data:`SOURCES`) and how each is drawn, from one uniform quantile per draw (0 is the
conservative end: less trade):

``baseline``
    The statistical baseline's joint sample paths (:mod:`forecasting.projection.baseline`);
    path ``d`` is draw ``d``.
``trade_elasticity``
    Normal around each commodity's estimate with its standard error, kept at or below -0.5
    (a trade elasticity of the wrong sign or near zero is not credible). One quantile per draw
    for every commodity: the elasticity uncertainty is treated as common to all goods (pooled
    elasticities are the same number for several of them anyway).
``time_elasticity``
    The per-day semi-elasticity of trade, triangular on the facts file's range -0.005 / -0.01 /
    -0.02 (Djankov, Freund & Pham 2010), as a factor on every shock's time channel.
``cost_shocks``
    Each shock's value, triangular on its low/central/high (:mod:`forecasting.scenarios.draws`).
``opening_year``, ``ramp_up``
    A corridor's :class:`~forecasting.scenarios.OpeningYears` and its ramp-up range.
``availability``
    Each route-availability shock, triangular on its low/central/high.
``known_contracts``
    The delivered share of each known contract.
``new_trade``
    The share of the trade-potential gap a corridor closes.

The three sources the GE step solves (trade and time elasticity, cost shocks) have one draw
per GE draw; outlook draw ``d`` uses GE draw ``d mod ge_draws``. A source's quantile is the
same in every scenario (common random numbers), so scenarios differ by what they change, not
by noise, and a late draw is late for every corridor. :meth:`JointSample.held` gives the
sample with some sources at their central values, for the decomposition of
:mod:`forecasting.projection.drivers_of_billion`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from forecasting.projection.result import OPENING_YEAR_COLUMNS
from forecasting.projection.settings import Elasticity
from forecasting.scenarios import Scenario, TradeCostMapping, triangular_value

__all__ = ["GE_SOURCES", "SOURCES", "JointSample", "opening_years_table"]

SOURCES = (
    "baseline",
    "trade_elasticity",
    "time_elasticity",
    "cost_shocks",
    "opening_year",
    "ramp_up",
    "availability",
    "known_contracts",
    "new_trade",
)
#: Sources drawn once per GE draw (their effect goes through the GE solve).
GE_SOURCES = ("trade_elasticity", "time_elasticity", "cost_shocks")
#: A trade elasticity above this is not credible (wrong sign or near zero).
ELASTICITY_CAP = -0.5


@dataclass(frozen=True, eq=False)
class JointSample:
    """Uniform quantiles of every source but the baseline, and the sources held at their centre.

    Examples
    --------
    >>> sample = JointSample.draw(draws=6, ge_draws=3, seed=1)
    >>> sample.ge_index.tolist(), sample.quantiles["opening_year"].shape
    ([0, 1, 2, 0, 1, 2], (6,))
    >>> sample.held("opening_year").is_held("opening_year")
    True
    """

    draws: int
    ge_draws: int
    quantiles: dict[str, np.ndarray]
    central: frozenset[str] = field(default_factory=frozenset)
    _time_factors: dict[str, np.ndarray] = field(default_factory=dict, init=False, repr=False)

    @classmethod
    def draw(cls, *, draws: int, ge_draws: int, seed: int) -> JointSample:
        """Independent uniform quantiles per source, reproducible from ``seed``."""
        if not 1 <= ge_draws <= draws:
            raise ValueError(f"ge_draws={ge_draws} must be between 1 and draws={draws}")
        quantiles = {}
        for number, source in enumerate(SOURCES[1:]):
            rng = np.random.default_rng([seed, number])  # one stream per source: adding one moves no other
            quantiles[source] = rng.uniform(size=ge_draws if source in GE_SOURCES else draws)
        return cls(draws, ge_draws, quantiles)

    @property
    def ge_index(self) -> np.ndarray:
        """The GE draw each outlook draw uses (``d mod ge_draws``)."""
        return np.arange(self.draws) % self.ge_draws

    def held(self, *sources: str) -> JointSample:
        """The same sample with ``sources`` at their central values."""
        unknown = sorted(set(sources) - set(SOURCES))
        if unknown:
            raise ValueError(f"unknown sources {unknown}; the sources are {', '.join(SOURCES)}")
        return replace(self, central=self.central | frozenset(sources))

    def is_held(self, source: str) -> bool:
        """Whether ``source`` sits at its central value in this sample."""
        return source in self.central

    def elasticity(self, elasticity: Elasticity) -> np.ndarray:
        """``(ge_draws,)`` trade elasticities (quantile 0: the smallest in magnitude)."""
        if self.is_held("trade_elasticity"):
            return np.full(self.ge_draws, elasticity.estimate)
        z = stats.norm.ppf(np.clip(self.quantiles["trade_elasticity"], 1e-12, 1 - 1e-12))
        return np.minimum(elasticity.estimate - elasticity.std_error * z, ELASTICITY_CAP)

    def time_factor(self, mapping: TradeCostMapping | None = None) -> np.ndarray:
        """``(ge_draws,)`` factors on every time effect: the drawn over the central value of a day."""
        if self.is_held("time_elasticity"):
            return np.ones(self.ge_draws)
        mapping = mapping or TradeCostMapping()
        name = "per_day" if mapping.time_method == "semi_elasticity" else "ave_per_day_pct"
        low, central, high = (
            getattr(TradeCostMapping.literature(d), name) for d in ("low", "central", "high")
        )
        return triangular_value(low, central, high, self.quantiles["time_elasticity"]) / central

    def cost_rows(self) -> np.ndarray:
        """Which row of a shock's drawn values each GE draw takes (the last row is the central value)."""
        if self.is_held("cost_shocks"):
            return np.full(self.ge_draws, self.ge_draws)
        return np.arange(self.ge_draws)

    def availability_rows(self) -> np.ndarray:
        """Which row of an availability shock's drawn values each outlook draw takes."""
        if self.is_held("availability"):
            return np.full(self.draws, self.draws)
        return np.arange(self.draws)

    def opening(self, opening: Any, written: int) -> np.ndarray:
        """``(draws,)`` opening years of a corridor (``-1``: not open); ``written`` without a range."""
        if opening is None:
            return np.full(self.draws, written)
        if self.is_held("opening_year"):
            return np.full(self.draws, opening.central)
        return opening.draw(self.quantiles["opening_year"])

    def ramp(self, phase_in: Any) -> np.ndarray:
        """``(draws,)`` ramp-up years of a corridor."""
        if self.is_held("ramp_up") or not phase_in.has_range:
            return np.full(self.draws, phase_in.ramp_years)
        return phase_in.draw(self.quantiles["ramp_up"])

    def delivered(self, contract: Any) -> np.ndarray:
        """``(draws,)`` delivered shares of a known contract."""
        if self.is_held("known_contracts"):
            return np.ones(self.draws)
        return contract.delivered(self.quantiles["known_contracts"])

    def new_trade(self, new_trade: Any) -> np.ndarray:
        """``(draws,)`` shares of the trade-potential gap a corridor closes."""
        if self.is_held("new_trade"):
            return np.full(self.draws, new_trade.share)
        return new_trade.draw(self.quantiles["new_trade"])


def _routes(scenario: Scenario) -> tuple[Scenario, ...]:
    """The routes of a scenario that open (have trade-cost shocks)."""
    return tuple(r for r in scenario.components or (scenario,) if r.cost_shocks)


def _open_by(route: Scenario, year: int) -> float:
    if route.opening is None:
        return float(year >= route.opening_year)
    return route.opening.probability_open_by(year)


def _basis(route: Scenario) -> str:
    o = route.opening
    if o is None:
        return f"{route.name}: fixed, opens in {route.opening_year}"
    never = f", {o.not_open_probability:.0%} not open by {o.horizon_known}" if o.not_open_probability else ""
    # The table must say whether the range is sourced or someone's judgement.
    kind = "assumption" if "assumption" in o.note.lower() or not o.source else "sourced"
    cited = f"; source: {o.source}" if o.source else ""
    return f"{route.name}: {o.earliest}-{o.latest}, central {o.central}{never} ({kind}{cited})"


def opening_years_table(scenarios: Mapping[str, Scenario], years: Sequence[int]) -> pd.DataFrame:
    """P(open by each year) and P(not open by the horizon) per scenario (``OPENING_YEAR_COLUMNS``).

    A combination is open once its first route is; its routes share the opening quantile of
    each draw, so that is the largest of their probabilities.

    Examples
    --------
    >>> from forecasting.scenarios import builtin_corridors
    >>> t = opening_years_table({"r": builtin_corridors()["trans_afghan_railway"]}, range(2029, 2036))
    >>> float(t.probability_open.iloc[0]), bool(t.probability_not_open_by_horizon.iloc[0] > 0.25)
    (0.0, True)
    """
    rows = []
    horizon = max(years)
    for name, scenario in scenarios.items():
        routes = _routes(scenario)
        if not routes:
            continue
        basis = "; ".join(_basis(r) for r in routes)
        never = 1.0 - max(_open_by(r, horizon) for r in routes)
        rows += [(name, int(y), max(_open_by(r, int(y)) for r in routes), never, basis) for y in years]
    return pd.DataFrame(rows, columns=list(OPENING_YEAR_COLUMNS))
