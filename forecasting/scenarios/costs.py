"""From days and dollars to trade costs: the documented mapping a scenario's shocks go through.

A shock changes a variable (days in transit, ad-valorem freight, distance, tariff, an
agreement dummy); the gravity model needs the change in the log of the bilateral
trade-cost term ``t_ij^(1-sigma)``, which is also the direct (partial) effect on log trade.
The channels, with ``k`` the commodity group:

1. **Time** (default ``time_method="semi_elasticity"``):
   ``dlnX = beta * s_k * d_days`` with ``beta`` the per-day semi-elasticity of trade
   (-0.01: about 1 % less trade per extra day, Djankov, Freund & Pham 2010, REStat 92(1);
   range -0.005 to -0.02 in the project's facts file) and ``s_k`` the commodity's time
   sensitivity (1 for the average good). With ``time_method="tariff_equivalent"`` a day is
   first valued as an ad-valorem cost (1.3 % per day, range 0.6-2.1 %, Hummels & Schaur 2013,
   AER 103(7)) and passed through the cost elasticity: ``dlnX = eps * (ave * s_k / 100) * d_days``.
   Use one or the other: Hummels-Schaur is a valuation of time and would double the time
   effect if added to the semi-elasticity.
2. **Freight and tariffs** (ad valorem, in percent of value ``c``):
   ``dlnX = eps * [ln(1 + c_after/100) - ln(1 + c_before/100)]`` with ``eps = 1 - sigma``.
   The default ``eps = -6`` matches ``sigma = 7``, the value Yotov, Piermartini, Monteiro &
   Larch (2016, ch. 2) use for GE analysis and the project's GE default; replace it with
   the trade elasticity of your own gravity model (``from_coefficients``).
3. **Distance**: ``dlnX = delta * dln(dist_km)`` with ``delta = -0.9`` (median of published
   gravity estimates, Head & Mayer 2014, Handbook of International Economics vol. 4,
   ch. 3 -- quoted from the facts file, which asks for a check against their Table 4).
4. **Agreements**: ``dlnX = gamma * d_rta`` with ``gamma = 0.557`` (RTA coefficient of the
   structural gravity application in Yotov et al. 2016, ch. 2, Stata log ``RTAsEffects.log``).

**No double counting.** A corridor's shorter route shows up in distance *and* in days and
freight; adding both counts the same change twice, because a gravity distance elasticity
already absorbs the time and freight costs that grow with distance. A pair is therefore
shocked either through ``dist_km`` or through ``transit_days``/``freight_cost_pct``; the
effects refuse both on one pair unless ``distance_net_of_time=True`` says the distance
elasticity was estimated with time and freight controls, so it measures only what
distance costs beyond them.

Baseline freight shares per commodity are *assumptions*: the facts file's truck rate
(USD 3,500-4,000 per truck Central Asia-Karachi, Uzbek carrier quote 2022, central 3,750)
divided by an assumed value of a 20-tonne load; they matter only for ``relative`` and
``add`` freight shocks on data without a ``freight_cost_pct`` column.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Literal, get_args

import numpy as np
import pandas as pd

from forecasting.errors import ScenarioError
from forecasting.scenarios._checks import Draw, number_problem, raise_problems
from forecasting.validation import check_choice, choice_problem

logger = logging.getLogger(__name__)

TimeMethod = Literal["semi_elasticity", "tariff_equivalent"]
TIME_METHODS: tuple[str, ...] = get_args(TimeMethod)

#: Time sensitivity of each commodity group relative to the average good (1.0).
#: The resulting per-day semi-elasticities span the facts file's range -0.005 to -0.02.
DEFAULT_TIME_SENSITIVITY: dict[str, float] = {
    # Shelf life, cold chain and urgent orders put medicines at the top of the range
    # (assumption, informed by Hummels & Schaur 2013: the most time-sensitive goods pay up to 2.1 %/day).
    "pharma": 2.0,
    # Fresh fruit and vegetables (citrus, onions, potatoes in this trade): the facts file
    # justifies the upper end for perishables; Djankov et al. 2010 find larger effects for them.
    "perishables": 2.0,
    # Seasonal clothing is sourced by time-to-market (Evans & Harrigan 2005, AER 95(1));
    # the factor 1.5 itself is an assumption.
    "textiles": 1.5,
    # Contracted capital goods: the average good (assumption).
    "buses": 1.0,
    # Storable bulk: the low end of the range (assumption, facts file low value -0.005/day).
    "coal": 0.5,
    "hydrocarbons": 0.5,
    "other": 1.0,
    "TOTAL": 1.0,
}

#: Central truck rate Central Asia -> Karachi, USD per truck (facts file: 3,500-4,000, 2022).
TRUCK_RATE_USD = 3750.0
#: Assumed value of one truckload (20 t, or one bus), USD -- assumptions, not sourced.
ASSUMED_LOAD_VALUE_USD: dict[str, float] = {
    "textiles": 100_000.0,  # about USD 5 per kg of clothing and yarn
    "pharma": 400_000.0,  # about USD 20 per kg of medicines
    "perishables": 10_000.0,  # about USD 0.5 per kg of fruit and vegetables
    "coal": 2_400.0,  # about USD 120 per tonne
    "hydrocarbons": 14_000.0,  # about USD 700 per tonne of oil products
    "buses": 180_000.0,  # USD 108 m / 600 electric buses (Falcon EuroBus contract, 2026), one per trailer
}
#: Baseline ad-valorem freight, percent of value: truck rate / load value (assumption);
#: 10 % for the average good is an assumption for landlocked Central Asian trade.
DEFAULT_FREIGHT_PCT: dict[str, float] = {
    **{k: round(100.0 * TRUCK_RATE_USD / v, 1) for k, v in ASSUMED_LOAD_VALUE_USD.items()},
    "other": 10.0,
    "TOTAL": 10.0,
}

_SOURCES = {
    "per_day": "Djankov, Freund & Pham (2010), REStat 92(1): about 1 % less trade per day",
    "ave_per_day_pct": "Hummels & Schaur (2013), AER 103(7): 0.6-2.1 % ad valorem per day",
    "cost_elasticity": "1 - sigma with sigma = 7 (Yotov et al. 2016, ch. 2 GE applications)",
    "distance_elasticity": "Head & Mayer (2014), Handbook vol. 4 ch. 3: median gravity estimate (to verify)",
    "rta_effect": "Yotov et al. (2016), ch. 2 application 2 (RTAsEffects.log): 0.5571853",
    "time_sensitivity": "assumption within the facts file's range (see costs.DEFAULT_TIME_SENSITIVITY)",
    "freight_pct": "assumption: truck rate USD 3,750 (2022 quote) / assumed load value",
}
_LITERATURE_RANGE = {"low": (-0.005, 0.6), "central": (-0.01, 1.3), "high": (-0.02, 2.1)}


def _table(value: Mapping[str, float] | tuple[tuple[str, float], ...]) -> tuple[tuple[str, float], ...]:
    items = value.items() if isinstance(value, Mapping) else value
    return tuple(sorted((str(k), float(v)) for k, v in items))


@dataclass(frozen=True)
class TradeCostMapping:
    """Parameters that turn days, freight, distance and agreements into log trade-cost changes.

    Every default carries its source (:meth:`tidy`); override any of them by keyword, e.g.
    ``TradeCostMapping(cost_elasticity=-4.0)`` or ``time_sensitivity={"pharma": 3.0}``
    (groups you do not list keep their defaults; unknown groups use ``other``).

    Examples
    --------
    >>> m = TradeCostMapping()
    >>> round(m.semi_elasticity_per_day("pharma"), 3), round(m.semi_elasticity_per_day("coal"), 3)
    (-0.02, -0.005)
    >>> round(float(m.time_effect(-10.0, "TOTAL")[0]), 3)  # ten days saved, average good
    0.1
    """

    per_day: float = -0.01
    ave_per_day_pct: float = 1.3
    time_method: str = "semi_elasticity"
    time_sensitivity: tuple[tuple[str, float], ...] = field(
        default_factory=lambda: _table(DEFAULT_TIME_SENSITIVITY)
    )
    cost_elasticity: float = -6.0
    distance_elasticity: float = -0.9
    rta_effect: float = 0.557
    freight_pct: tuple[tuple[str, float], ...] = field(default_factory=lambda: _table(DEFAULT_FREIGHT_PCT))
    distance_net_of_time: bool = False
    provenance: tuple[tuple[str, str], ...] = ()

    def __post_init__(self) -> None:
        found: list[str] = []
        for name, defaults in (
            ("time_sensitivity", DEFAULT_TIME_SENSITIVITY),
            ("freight_pct", DEFAULT_FREIGHT_PCT),
        ):
            try:
                given = dict(_table(getattr(self, name)))
            except (TypeError, ValueError):
                found.append(f"{name} must map commodity groups to numbers")
                continue
            object.__setattr__(self, name, _table({**defaults, **given}))
            found += [p for k, v in given.items() for p in number_problem(f"{name}[{k!r}]", v, low=0.0)]
        object.__setattr__(self, "provenance", _table_text(self.provenance))
        found += number_problem("per_day (a semi-elasticity, negative)", self.per_day, high=0.0)
        found += number_problem("ave_per_day_pct", self.ave_per_day_pct, low=0.0)
        found += number_problem("cost_elasticity (1 - sigma, negative)", self.cost_elasticity, high=0.0)
        found += number_problem("distance_elasticity (negative)", self.distance_elasticity, high=0.0)
        found += number_problem("rta_effect", self.rta_effect)
        found += choice_problem("time_method", self.time_method, TIME_METHODS)
        raise_problems("Trade-cost mapping", found)

    # ------------------------------------------------------------------ lookups
    def _lookup(self, table: tuple[tuple[str, float], ...], commodity: str) -> float:
        values = dict(table)
        if commodity in values:
            return values[commodity]
        if commodity.lower() in values:
            return values[commodity.lower()]
        return values["other"]

    def sensitivity(self, commodity: str) -> float:
        """Time sensitivity of ``commodity`` (groups not listed use ``other``)."""
        return self._lookup(self.time_sensitivity, commodity)

    def baseline_freight_pct(self, commodity: str) -> float:
        """Assumed ad-valorem freight of ``commodity`` before the shock, percent of value."""
        return self._lookup(self.freight_pct, commodity)

    def semi_elasticity_per_day(self, commodity: str) -> float:
        """Change in log trade per extra day for ``commodity`` (negative)."""
        return self.per_day * self.sensitivity(commodity)

    # ------------------------------------------------------------------ channels
    def _sensitivities(self, commodity: Any) -> np.ndarray:
        goods = np.atleast_1d(np.asarray(commodity, dtype=str))
        codes, inverse = np.unique(goods, return_inverse=True)
        return np.array([self.sensitivity(str(c)) for c in codes], dtype=float)[inverse.reshape(-1)]

    def time_effect(self, delta_days: Any, commodity: Any, cost_elasticity: Any = None) -> np.ndarray:
        """Change in log trade from ``delta_days`` more days in transit (vectorised)."""
        days = np.asarray(delta_days, dtype=float)
        sens = self._sensitivities(commodity)
        if self.time_method == "semi_elasticity":
            return self.per_day * sens * days
        eps = self.cost_elasticity if cost_elasticity is None else np.asarray(cost_elasticity, dtype=float)
        return eps * (self.ave_per_day_pct / 100.0) * sens * days

    def time_effect_parts(self, delta_days: Any, commodity: Any) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`time_effect` as ``(fixed, slope)``: ``fixed + cost_elasticity * slope``.

        The semi-elasticity method does not involve the trade elasticity (all ``fixed``); the
        tariff-equivalent method is proportional to it (all ``slope``).

        Examples
        --------
        >>> fixed, slope = TradeCostMapping(time_method="tariff_equivalent").time_effect_parts(-10.0, "TOTAL")
        >>> float(fixed[0]), round(float(slope[0]), 3)
        (0.0, -0.13)
        """
        days = np.asarray(delta_days, dtype=float)
        sens = self._sensitivities(commodity)
        per_day = self.per_day * sens * days
        if self.time_method == "semi_elasticity":
            return per_day, np.zeros_like(per_day)
        return np.zeros_like(per_day), (self.ave_per_day_pct / 100.0) * sens * days

    def ad_valorem_effect(self, before_pct: Any, after_pct: Any, cost_elasticity: Any = None) -> np.ndarray:
        """Change in log trade when an ad-valorem cost moves from ``before_pct`` to ``after_pct``."""
        eps = self.cost_elasticity if cost_elasticity is None else np.asarray(cost_elasticity, dtype=float)
        return eps * delta_ln_ad_valorem(before_pct, after_pct)

    # ------------------------------------------------------------------ constructors
    @classmethod
    def literature(cls, draw: Draw = "central", **overrides: Any) -> TradeCostMapping:
        """Defaults with the time parameters at the facts file's low, central or high value.

        ``low`` is the smallest effect of a day (-0.005/day, 0.6 %/day), ``high`` the largest
        (-0.02/day, 2.1 %/day).

        Examples
        --------
        >>> TradeCostMapping.literature("high").per_day
        -0.02
        """
        check_choice("draw", draw, tuple(_LITERATURE_RANGE), error=ScenarioError)
        per_day, ave = _LITERATURE_RANGE[draw]
        return cls(**{"per_day": per_day, "ave_per_day_pct": ave, **overrides})

    @classmethod
    def from_coefficients(
        cls,
        coefficients: pd.DataFrame,
        *,
        distance_term: str | None = "ln_dist",
        rta_term: str | None = "rta",
        sigma: float | None = None,
        **overrides: Any,
    ) -> TradeCostMapping:
        """Take the distance and RTA effects (and ``1 - sigma``) from a fitted gravity model.

        ``coefficients`` is a COEFFICIENTS table (``term``, ``estimate``). A term set to
        ``None`` keeps the literature default; a named term that is missing is an error.

        Examples
        --------
        >>> import pandas as pd
        >>> coefs = pd.DataFrame({"term": ["ln_dist", "rta"], "estimate": [-0.85, 0.4]})
        >>> TradeCostMapping.from_coefficients(coefs, sigma=5).cost_elasticity
        -4.0
        """
        estimates = dict(zip(coefficients["term"].astype(str), coefficients["estimate"], strict=True))
        params: dict[str, Any] = {}
        origin: dict[str, str] = {}
        for param, term in (("distance_elasticity", distance_term), ("rta_effect", rta_term)):
            if term is None:
                continue
            if term not in estimates:
                hint = choice_problem("term", term, sorted(estimates))[0]
                raise_problems(
                    "Coefficient table",
                    [f"{hint} (pass {param.split('_')[0]}_term=None to keep the default)"],
                )
            params[param] = float(estimates[term])
            origin[param] = f"gravity coefficient {term!r}"
        if sigma is not None:
            params["cost_elasticity"] = 1.0 - float(sigma)
            origin["cost_elasticity"] = f"1 - sigma with sigma = {sigma}"
        return cls(**{**params, "provenance": tuple(origin.items()), **overrides})

    def replace(self, **changes: Any) -> TradeCostMapping:
        """A copy with some parameters changed (validated again)."""
        return replace(self, **changes)

    def tidy(self) -> pd.DataFrame:
        """Every parameter with its value, unit and source: ``parameter, commodity, value, unit, source``."""
        origin = dict(self.provenance)
        rows = [
            (name, "", float(getattr(self, name)), unit, origin.get(name, _SOURCES[name]))
            for name, unit in (
                ("per_day", "log points per day"),
                ("ave_per_day_pct", "percent ad valorem per day"),
                ("cost_elasticity", "elasticity"),
                ("distance_elasticity", "elasticity"),
                ("rta_effect", "log points"),
            )
        ]
        rows += [
            ("time_sensitivity", k, v, "multiple of per_day", _SOURCES["time_sensitivity"])
            for k, v in self.time_sensitivity
        ]
        rows += [
            ("freight_pct", k, v, "percent of value", _SOURCES["freight_pct"]) for k, v in self.freight_pct
        ]
        return pd.DataFrame(rows, columns=["parameter", "commodity", "value", "unit", "source"])


def _table_text(value: Any) -> tuple[tuple[str, str], ...]:
    items = value.items() if isinstance(value, Mapping) else value
    return tuple(sorted((str(k), str(v)) for k, v in items))


def delta_ln_ad_valorem(before_pct: Any, after_pct: Any) -> np.ndarray:
    """``ln(1 + after/100) - ln(1 + before/100)`` for ad-valorem costs in percent.

    Examples
    --------
    >>> round(float(delta_ln_ad_valorem(10.0, 6.0)), 4)
    -0.037
    """
    before = np.asarray(before_pct, dtype=float)
    after = np.asarray(after_pct, dtype=float)
    return np.log1p(after / 100.0) - np.log1p(before / 100.0)
