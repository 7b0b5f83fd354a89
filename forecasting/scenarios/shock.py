"""One shock: a change to one trade-cost variable on a set of (exporter, importer) pairs.

A shock's ``value`` is its central case; ``low`` and ``high`` are the values of the
conservative and the optimistic case (the smaller and the larger trade effect), so
``draw="low"`` always means "less trade creation", whatever the sign of the variable.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from forecasting.errors import ScenarioError, describe_items
from forecasting.scenarios._checks import (
    MODES_BY_VARIABLE,
    VARIABLES,
    Draw,
    country_problem,
    number_problem,
    raise_problems,
    unknown_keys,
    year_problem,
)
from forecasting.validation import check_choice, choice_problem

Pair = tuple[str, str]
_SHOCK_KEYS = {
    "variable",
    "pairs",
    "value",
    "mode",
    "low",
    "high",
    "commodities",
    "start_year",
    "source",
    "note",
}
_PAIR_SPEC_KEYS = {"origins", "destinations", "both_ways"}


def pairs_between(
    origins: Iterable[str], destinations: Iterable[str], *, both_ways: bool = True
) -> tuple[Pair, ...]:
    """Every (exporter, importer) pair from ``origins`` to ``destinations`` (and back).

    Examples
    --------
    >>> pairs_between(["KAZ", "UZB"], ["PAK"])
    (('KAZ', 'PAK'), ('PAK', 'KAZ'), ('UZB', 'PAK'), ('PAK', 'UZB'))
    """
    out: list[Pair] = []
    for o in origins:
        for d in destinations:
            for pair in ((o, d), (d, o)) if both_ways else ((o, d),):
                if pair not in out and pair[0] != pair[1]:
                    out.append(pair)
    return tuple(out)


@dataclass(frozen=True)
class Shock:
    """One change to one trade-cost variable on a set of (exporter, importer) pairs.

    Parameters
    ----------
    variable
        ``dist_km``, ``transit_days``, ``freight_cost_pct`` (ad-valorem freight, percent),
        ``tariff_pct``, ``rta`` (0/1 trade or transit agreement) or ``route_available``
        (share of the year the route is open).
    pairs
        (exporter, importer) ISO3 pairs the change applies to.
    value, low, high
        Central, conservative and optimistic values (``low``/``high`` default to ``value``).
    mode
        ``add`` (change in the variable's unit: -10 days, -2 percentage points of freight),
        ``relative`` (proportional:
        -0.4 is 40 % less) or ``set`` (new level). ``rta`` and ``route_available`` take ``set``.
    commodities
        Commodity groups it applies to; empty means every commodity.
    start_year
        Opening year of this change when it differs from the scenario's (staged corridors).

    Examples
    --------
    >>> s = Shock("transit_days", [("KAZ", "PAK")], value=-10, low=-5, high=-15)
    >>> s.value_for("high")
    -15.0
    """

    variable: str
    pairs: tuple[Pair, ...]
    value: float
    mode: str = "add"
    low: float | None = None
    high: float | None = None
    commodities: tuple[str, ...] = ()
    start_year: int | None = None
    source: str = ""
    note: str = ""

    def __post_init__(self) -> None:
        found: list[str] = []
        try:
            pairs = tuple((str(p[0]), str(p[1])) for p in self.pairs if len(p) == 2)
            if len(pairs) != len(self.pairs):
                found.append("every pair must have two codes: [exporter, importer]")
        except TypeError:
            pairs = ()
            found.append(f"pairs must be a list of [exporter, importer], got {self.pairs!r}")
        object.__setattr__(self, "pairs", pairs)
        commodities = (self.commodities,) if isinstance(self.commodities, str) else self.commodities
        object.__setattr__(self, "commodities", tuple(str(c) for c in commodities))
        for name in ("value", "low", "high"):
            number = getattr(self, name)
            if isinstance(number, int) and not isinstance(number, bool):
                object.__setattr__(self, name, float(number))
        raise_problems(f"Shock on {self.variable!r}", found + self.problems())

    def problems(self) -> list[str]:
        """Every way this shock is malformed, as sentences."""
        found = choice_problem("variable", self.variable, VARIABLES)
        if not found:
            found += choice_problem(f"{self.variable} mode", self.mode, MODES_BY_VARIABLE[self.variable])
        for name in ("value", "low", "high"):
            number = getattr(self, name)
            if number is not None or name == "value":
                found += number_problem(name, number)
        if found:
            return found
        values = [v for v in (self.low, self.value, self.high) if v is not None]
        if self.low is not None and self.high is not None:
            if not min(self.low, self.high) <= self.value <= max(self.low, self.high):
                found.append(f"central value {self.value} is not between low {self.low} and high {self.high}")
        found += self._range_problems(values)
        if not self.pairs:
            found.append("no pairs: list [exporter, importer] pairs, or origins and destinations")
        found += country_problem([c for p in self.pairs for c in p], "pairs")
        same = [p for p in self.pairs if p[0] == p[1]]
        if same:
            found.append(f"pairs {describe_items(same)} have the same exporter and importer")
        dupes = sorted({p for p in self.pairs if self.pairs.count(p) > 1})
        if dupes:
            found.append(f"pairs {describe_items(dupes)} are listed more than once")
        if len(set(self.commodities)) != len(self.commodities) or "" in self.commodities:
            found.append(f"commodities must be distinct non-empty names, got {list(self.commodities)}")
        if self.start_year is not None:
            found += year_problem("start_year", self.start_year)
        return found

    def _range_problems(self, values: Sequence[float]) -> list[str]:
        var, mode = self.variable, self.mode
        if var == "route_available" and any(not 0.0 <= v <= 1.0 for v in values):
            return [f"route_available is a share of the year and must lie in [0, 1], got {list(values)}"]
        if var == "rta" and any(v not in (0.0, 1.0) for v in values):
            return [f"rta is a 0/1 dummy, got {list(values)}"]
        if mode == "relative" and any(v < -1.0 or (var == "dist_km" and v <= -1.0) for v in values):
            return [f"a relative change below -1 (-100 %) is impossible for {var}, got {list(values)}"]
        if mode == "set" and any(v < 0.0 or (var == "dist_km" and v == 0.0) for v in values):
            return [f"{var} cannot be set to a negative (or zero distance) level, got {list(values)}"]
        return []

    @property
    def changes_something(self) -> bool:
        """False when every draw of an ``add``/``relative`` shock is zero."""
        if self.mode == "set":
            return True
        return any(v not in (None, 0.0) for v in (self.low, self.value, self.high))

    def value_for(self, draw: Draw) -> float:
        """The shock's value in the ``low``, ``central`` or ``high`` case."""
        check_choice("draw", draw, ("low", "central", "high"), error=ScenarioError)
        picked = {"low": self.low, "high": self.high}.get(draw)
        return self.value if picked is None else picked

    def to_dict(self) -> dict[str, Any]:
        """Plain dictionary; optional fields are left out when unset."""
        out: dict[str, Any] = {"variable": self.variable, "mode": self.mode, "value": self.value}
        out.update(
            {k: getattr(self, k) for k in ("low", "high", "start_year") if getattr(self, k) is not None}
        )
        out["pairs"] = [list(p) for p in self.pairs]
        if self.commodities:
            out["commodities"] = list(self.commodities)
        out.update({k: getattr(self, k) for k in ("source", "note") if getattr(self, k)})
        return out

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> Shock:
        """Inverse of :meth:`to_dict`; also accepts ``origins``/``destinations``/``both_ways``."""
        raw = dict(raw)
        found = unknown_keys(raw, _SHOCK_KEYS | _PAIR_SPEC_KEYS, "a shock")
        if "origins" in raw or "destinations" in raw:
            if "pairs" in raw:
                found.append("give either pairs or origins/destinations, not both")
            raw["pairs"] = pairs_between(
                raw.pop("origins", ()), raw.pop("destinations", ()), both_ways=raw.pop("both_ways", True)
            )
        elif "both_ways" in raw:
            found.append("both_ways only goes with origins and destinations")
        for key in ("variable", "value"):
            if key not in raw:
                found.append(f"missing key {key!r}")
        raise_problems("Shock", found)
        return cls(**raw)
