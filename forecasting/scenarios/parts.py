"""The parts a scenario is built from: a phase-in schedule and known future shipments.

Both are frozen values with ``to_dict``/``from_dict`` so a scenario written to TOML reads
back equal to itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from forecasting.scenarios._checks import (
    country_problem,
    number_problem,
    raise_problems,
    unknown_keys,
    year_problem,
    year_table,
)

SHIPMENT_COLUMNS = ("name", "reporter", "partner", "flow", "commodity", "year", "value_usd", "source")
SHIPMENT_FLOWS = ("export", "import")


@dataclass(frozen=True)
class PhaseIn:
    """How fast a change reaches its full effect after the opening year.

    Either a linear ramp over ``ramp_years`` (the opening year gets ``1/ramp_years``, the
    full effect arrives ``ramp_years - 1`` years later; 0 means full effect at once), or an
    explicit ``schedule`` of ``(year, share)`` pairs in calendar years: a year takes the
    share of the latest listed year at or before it, 0 before the first.

    Examples
    --------
    >>> PhaseIn(ramp_years=4).share(2031, start_year=2030)
    0.5
    >>> PhaseIn(schedule={2030: 0.3, 2032: 1.0}).share(2031, start_year=2030)
    0.3
    """

    ramp_years: int = 0
    schedule: tuple[tuple[int, float], ...] = ()

    def __post_init__(self) -> None:
        found: list[str] = []
        object.__setattr__(self, "schedule", year_table(self.schedule, "phase-in schedule", found))
        raise_problems("Phase-in", found + self.problems(start_year=None))

    def problems(self, start_year: int | None) -> list[str]:
        """Sentences describing what is wrong, given the opening year it is applied to."""
        found: list[str] = []
        if isinstance(self.ramp_years, bool) or not isinstance(self.ramp_years, int) or self.ramp_years < 0:
            found.append(f"phase-in ramp_years must be a whole number >= 0, got {self.ramp_years!r}")
        if self.ramp_years and self.schedule:
            found.append("phase-in gives both ramp_years and a schedule; keep one of them")
        for year, share in self.schedule:
            if not 0.0 <= share <= 1.0:
                found.append(f"phase-in share {share} for {year} is outside [0, 1]")
            if start_year is not None and year < start_year:
                found.append(f"phase-in schedule year {year} is before the opening year {start_year}")
        return found

    def share(self, year: int, start_year: int) -> float:
        """Share of the full effect reached in ``year`` for a change opening in ``start_year``."""
        if self.schedule:
            reached = [share for listed, share in self.schedule if listed <= year]
            return reached[-1] if reached else 0.0
        if year < start_year:
            return 0.0
        if self.ramp_years <= 1:
            return 1.0
        return min(1.0, (year - start_year + 1) / self.ramp_years)

    def to_dict(self) -> dict[str, Any]:
        """Plain dictionary (year keys as strings, as TOML and JSON need)."""
        if self.schedule:
            return {"schedule": {str(y): s for y, s in self.schedule}}
        return {"ramp_years": self.ramp_years}

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> PhaseIn:
        """Build from ``{"ramp_years": n}`` or ``{"schedule": {year: share}}``."""
        raise_problems("Phase-in", unknown_keys(raw, ("ramp_years", "schedule"), "phase_in"))
        return cls(ramp_years=raw.get("ramp_years", 0), schedule=raw.get("schedule", ()))


@dataclass(frozen=True)
class KnownShipment:
    """A contracted future flow added on top of the statistical baseline (``K_t``).

    ``values`` maps calendar years to US dollars, in the direction ``flow`` as seen by
    ``reporter``. Such one-off projects (a fleet of buses) cannot be anticipated by a
    time-series model, so they enter the scenario layer explicitly.

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
        raise_problems(f"Known shipment {self.name!r}", found)

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
        return out

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> KnownShipment:
        """Inverse of :meth:`to_dict`."""
        allowed = {"name", "reporter", "partner", "commodity", "flow", "values", "source", "note"}
        found = unknown_keys(raw, allowed, "a known shipment")
        found += [
            f"known shipment: missing key {k!r}" for k in sorted(allowed - {"source", "note"} - set(raw))
        ]
        raise_problems("Known shipment", found)
        return cls(**raw)
