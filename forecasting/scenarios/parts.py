"""The parts a scenario is built from: a phase-in, known future shipments and new trade.

All are frozen values with ``to_dict``/``from_dict`` so a scenario written to TOML reads
back equal to itself. Each may carry a range the outlook draws from (see
:mod:`forecasting.scenarios.ranges`): the ramp-up's fastest and slowest years, the share of a
contract delivered, the share of the trade-potential gap a corridor closes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from forecasting.scenarios._checks import (
    country_problem,
    number_problem,
    raise_problems,
    unknown_keys,
    year_problem,
    year_table,
)
from forecasting.scenarios.ranges import discrete_quantile, discrete_triangular, triangular_value

SHIPMENT_COLUMNS = ("name", "reporter", "partner", "flow", "commodity", "year", "value_usd", "source")
SHIPMENT_FLOWS = ("export", "import")


def ramp_share(year: Any, start: Any, ramp_years: Any) -> np.ndarray:
    """Linear ramp (vectorised): 0 before ``start``, ``(year - start + 1) / ramp_years`` up to 1.

    A ``start`` below 0 marks a change that never opens (share 0 in every year).

    Examples
    --------
    >>> ramp_share(np.array([2029, 2030, 2031]), 2030, 4).tolist()
    [0.0, 0.25, 0.5]
    """
    year, start, ramp = (np.asarray(v) for v in (year, start, ramp_years))
    steps = (year - start + 1) / np.maximum(ramp, 1)
    return np.where((year < start) | (start < 0), 0.0, np.minimum(1.0, steps))


@dataclass(frozen=True)
class PhaseIn:
    """How fast a change reaches its full effect after the opening year.

    Either a linear ramp over ``ramp_years`` (the opening year gets ``1/ramp_years``, the
    full effect arrives ``ramp_years - 1`` years later; 0 means full effect at once), or an
    explicit ``schedule`` of ``(year, share)`` pairs in calendar years: a year takes the
    share of the latest listed year at or before it, 0 before the first.

    A linear ramp may give a range, ``fastest`` to ``slowest`` years around ``ramp_years``,
    which the outlook draws from (discrete triangular, peak at ``ramp_years``); a range needs
    a ``source`` or a ``note`` marking it as an assumption.

    Examples
    --------
    >>> PhaseIn(ramp_years=4).share(2031, start_year=2030)
    0.5
    >>> PhaseIn(schedule={2030: 0.3, 2032: 1.0}).share(2031, start_year=2030)
    0.3
    >>> PhaseIn(ramp_years=4, fastest=2, slowest=6, note="assumption").draw([0.0, 1.0]).tolist()
    [6, 2]
    """

    ramp_years: int = 0
    schedule: tuple[tuple[int, float], ...] = ()
    fastest: int | None = None
    slowest: int | None = None
    source: str = ""
    note: str = ""

    def __post_init__(self) -> None:
        found: list[str] = []
        object.__setattr__(self, "schedule", year_table(self.schedule, "phase-in schedule", found))
        raise_problems("Phase-in", found + self.problems(start_year=None))

    def problems(self, start_year: int | None) -> list[str]:
        """Sentences describing what is wrong, given the opening year it is applied to."""
        found: list[str] = []
        whole = [("ramp_years", self.ramp_years), ("fastest", self.fastest), ("slowest", self.slowest)]
        for name, value in whole:
            if value is None and name != "ramp_years":
                continue
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                found.append(f"phase-in {name} must be a whole number >= 0, got {value!r}")
        if self.ramp_years and self.schedule:
            found.append("phase-in gives both ramp_years and a schedule; keep one of them")
        if self.has_range and not found:
            if self.schedule:
                found.append("phase-in fastest/slowest go with ramp_years, not with a schedule")
            elif not self.ramp_range[0] <= self.ramp_years <= self.ramp_range[1]:
                found.append(
                    f"phase-in needs fastest <= ramp_years <= slowest, got {self.ramp_range[0]},"
                    f" {self.ramp_years}, {self.ramp_range[1]}"
                )
            if not (self.source or self.note):
                found.append("a phase-in range needs a source or a note marking it as an assumption")
        for year, share in self.schedule:
            if not 0.0 <= share <= 1.0:
                found.append(f"phase-in share {share} for {year} is outside [0, 1]")
            if start_year is not None and year < start_year:
                found.append(f"phase-in schedule year {year} is before the opening year {start_year}")
        return found

    @property
    def has_range(self) -> bool:
        """True when the ramp-up is uncertain (``fastest`` or ``slowest`` given)."""
        return self.fastest is not None or self.slowest is not None

    @property
    def ramp_range(self) -> tuple[int, int]:
        """Fastest and slowest ramp in years (both ``ramp_years`` without a range)."""
        fastest = self.ramp_years if self.fastest is None else self.fastest
        return fastest, self.ramp_years if self.slowest is None else self.slowest

    def draw(self, u: Any) -> np.ndarray:
        """Ramp years at quantiles ``u`` (``u`` near 0: the slowest, the conservative case)."""
        fastest, slowest = self.ramp_range
        values, p = discrete_triangular(fastest, self.ramp_years, slowest)
        return discrete_quantile(values[::-1], p[::-1], u)

    def share(self, year: int, start_year: int) -> float:
        """Share of the full effect reached in ``year`` for a change opening in ``start_year``."""
        return float(self.shares(np.array([year]), np.array([start_year]), start_year)[0, 0])

    def shares(
        self, years: np.ndarray, starts: np.ndarray, central_start: int, ramps: np.ndarray | None = None
    ) -> np.ndarray:
        """``(draws, years)`` shares for changes opening in ``starts`` (one per draw; below 0: never).

        ``ramps`` are the drawn ramp years (``ramp_years`` when None). A schedule, written for
        an opening in ``central_start``, moves with each draw's opening year.
        """
        years = np.asarray(years)[None, :]
        starts = np.asarray(starts)[:, None]
        if self.schedule:
            listed = np.array([y for y, _ in self.schedule])
            values = np.array([0.0, *(v for _, v in self.schedule)])
            shifted = years - (starts - central_start)
            return np.where(starts < 0, 0.0, values[np.searchsorted(listed, shifted, side="right")])
        ramps = np.full(starts.shape, self.ramp_years) if ramps is None else np.asarray(ramps)[:, None]
        return ramp_share(years, starts, ramps)

    def to_dict(self) -> dict[str, Any]:
        """Plain dictionary (year keys as strings, as TOML and JSON need)."""
        if self.schedule:
            return {"schedule": {str(y): s for y, s in self.schedule}}
        out: dict[str, Any] = {"ramp_years": self.ramp_years}
        out.update({k: getattr(self, k) for k in ("fastest", "slowest") if getattr(self, k) is not None})
        out.update({k: getattr(self, k) for k in ("source", "note") if getattr(self, k)})
        return out

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> PhaseIn:
        """Build from ``{"ramp_years": n}`` (with ``fastest``/``slowest``) or ``{"schedule": {year: share}}``."""
        allowed = ("ramp_years", "schedule", "fastest", "slowest", "source", "note")
        raise_problems("Phase-in", unknown_keys(raw, allowed, "phase_in"))
        return cls(**{"ramp_years": 0, "schedule": (), **raw})


@dataclass(frozen=True)
class KnownShipment:
    """A contracted future flow added on top of the statistical baseline (``K_t``).

    ``values`` maps calendar years to US dollars, in the direction ``flow`` as seen by
    ``reporter``. Such one-off projects (a fleet of buses) cannot be anticipated by a
    time-series model, so they enter the scenario layer explicitly.

    ``delivered_low`` and ``delivered_high`` bound the share of the contracted values that
    arrives in the listed years (1 each: delivered as signed); the outlook draws the share
    from the triangular distribution with its mode at 1 (:func:`~forecasting.scenarios.ranges.triangular_value`).

    Examples
    --------
    >>> bus = KnownShipment("buses", "KAZ", "PAK", "buses", "export", {2026: 54e6, 2027: 54e6})
    >>> float(bus.frame()["value_usd"].sum())
    108000000.0
    """

    name: str
    reporter: str
    partner: str
    commodity: str
    flow: str
    values: tuple[tuple[int, float], ...]
    source: str = ""
    note: str = ""
    delivered_low: float = 1.0
    delivered_high: float = 1.0

    def __post_init__(self) -> None:
        found: list[str] = []
        object.__setattr__(self, "values", year_table(self.values, "shipment values", found))
        if not isinstance(self.name, str) or not self.name:
            found.append("a known shipment needs a non-empty name")
        found.extend(country_problem([str(self.reporter), str(self.partner)], f"shipment {self.name!r}"))
        if self.flow not in SHIPMENT_FLOWS:
            found.append(f"shipment {self.name!r}: flow must be 'export' or 'import', got {self.flow!r}")
        if not isinstance(self.commodity, str) or not self.commodity:
            found.append(f"shipment {self.name!r}: commodity must be a non-empty group name or 'TOTAL'")
        if not self.values:
            found.append(f"shipment {self.name!r} has no yearly values")
        for year, value in self.values:
            found.extend(year_problem(f"shipment {self.name!r} year", year))
            found.extend(number_problem(f"shipment {self.name!r} value for {year}", value, low=0.0))
        found += number_problem(
            f"shipment {self.name!r} delivered_low", self.delivered_low, low=0.0, high=1.0
        )
        found += number_problem(f"shipment {self.name!r} delivered_high", self.delivered_high, low=1.0)
        raise_problems(f"Known shipment {self.name!r}", found)
        for name in ("delivered_low", "delivered_high"):
            object.__setattr__(self, name, float(getattr(self, name)))

    @property
    def has_range(self) -> bool:
        """True when the delivered share is uncertain."""
        return self.delivered_low != 1.0 or self.delivered_high != 1.0

    def delivered(self, u: Any) -> np.ndarray:
        """Share of the contracted values delivered, at quantiles ``u`` (``u = 0``: ``delivered_low``)."""
        return triangular_value(self.delivered_low, 1.0, self.delivered_high, u)

    @property
    def total_usd(self) -> float:
        """Sum over all years."""
        return float(sum(v for _, v in self.values))

    def frame(self) -> pd.DataFrame:
        """One row per year with the outlook's shipment columns."""
        rows = [
            (self.name, self.reporter, self.partner, self.flow, self.commodity, y, v, self.source)
            for y, v in self.values
        ]
        return pd.DataFrame(rows, columns=list(SHIPMENT_COLUMNS))

    def to_dict(self) -> dict[str, Any]:
        """Plain dictionary (year keys as strings); empty texts are left out."""
        out: dict[str, Any] = {
            "name": self.name,
            "reporter": self.reporter,
            "partner": self.partner,
            "commodity": self.commodity,
            "flow": self.flow,
            "values": {str(y): v for y, v in self.values},
        }
        out.update({k: getattr(self, k) for k in ("source", "note") if getattr(self, k)})
        out.update(
            {k: getattr(self, k) for k in ("delivered_low", "delivered_high") if getattr(self, k) != 1.0}
        )
        return out

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> KnownShipment:
        """Inverse of :meth:`to_dict`."""
        optional = {"source", "note", "delivered_low", "delivered_high"}
        required = {"name", "reporter", "partner", "commodity", "flow", "values"}
        found = unknown_keys(raw, required | optional, "a known shipment")
        found += [f"known shipment: missing key {k!r}" for k in sorted(required - set(raw))]
        raise_problems("Known shipment", found)
        return cls(**raw)


@dataclass(frozen=True)
class NewTrade:
    """The extensive margin: a share of the trade-potential gap a corridor closes once it opens.

    Structural gravity scales existing flows, so a good the pair hardly trades gains little
    from a cheaper route. A corridor can instead let new goods appear: ``share`` of the gap
    between the gravity-predicted and the actual flow (the trade potential, see
    :mod:`forecasting.projection.potential`) is added to the scenario's flows, phased in like
    the corridor's trade-cost changes. ``low`` and ``high`` bound the share (triangular, mode
    ``share``); ``commodities`` limits it to some groups (empty: every group with a gap).

    Examples
    --------
    >>> NewTrade(share=0.1, low=0.0, high=0.25, note="assumption").draw([0.0, 1.0]).tolist()
    [0.0, 0.25]
    """

    share: float
    low: float | None = None
    high: float | None = None
    commodities: tuple[str, ...] = ()
    source: str = ""
    note: str = ""

    def __post_init__(self) -> None:
        commodities = (self.commodities,) if isinstance(self.commodities, str) else self.commodities
        object.__setattr__(self, "commodities", tuple(str(c) for c in commodities))
        found: list[str] = []
        for name in ("share", "low", "high"):
            value = getattr(self, name)
            if value is not None or name == "share":
                found += number_problem(f"new_trade {name}", value, low=0.0, high=1.0)
        if not found and not self.range[0] <= self.share <= self.range[1]:
            found.append(
                f"new_trade needs low <= share <= high, got {self.range[0]}, {self.share}, {self.range[1]}"
            )
        if len(set(self.commodities)) != len(self.commodities):
            found.append(f"new_trade commodities are listed more than once: {list(self.commodities)}")
        if not (self.source or self.note):
            found.append("new_trade needs a source or a note marking the share as an assumption")
        raise_problems("New trade", found)
        for name in ("share", "low", "high"):
            if getattr(self, name) is not None:
                object.__setattr__(self, name, float(getattr(self, name)))

    @property
    def range(self) -> tuple[float, float]:
        """``(low, high)``, each ``share`` when not given."""
        return (self.share if self.low is None else self.low, self.share if self.high is None else self.high)

    def draw(self, u: Any) -> np.ndarray:
        """The share of the gap closed at quantiles ``u`` (``u = 0``: ``low``)."""
        return triangular_value(self.range[0], self.share, self.range[1], u)

    def applies_to(self, commodity: str) -> bool:
        """Whether the gap of ``commodity`` may close."""
        return not self.commodities or commodity in self.commodities

    def to_dict(self) -> dict[str, Any]:
        """Plain dictionary; optional fields are left out when unset."""
        out: dict[str, Any] = {"share": self.share}
        out.update({k: getattr(self, k) for k in ("low", "high") if getattr(self, k) is not None})
        if self.commodities:
            out["commodities"] = list(self.commodities)
        out.update({k: getattr(self, k) for k in ("source", "note") if getattr(self, k)})
        return out

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> NewTrade:
        """Inverse of :meth:`to_dict`."""
        found = unknown_keys(raw, ("share", "low", "high", "commodities", "source", "note"), "new_trade")
        found += [] if "share" in raw else ["new_trade: missing key 'share'"]
        raise_problems("New trade", found)
        return cls(**raw)
