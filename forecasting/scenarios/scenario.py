"""Scenarios as values: shocks to trade-cost variables on sets of country pairs.

A :class:`Scenario` is frozen and serialisable (``to_dict``/``from_dict``, TOML through
:mod:`forecasting.scenarios.toml_io`). Gravity, the GE solver and the forecast overlay all
read the same value. Construction validates everything at once and raises one
:class:`~forecasting.errors.ScenarioError` listing every problem.

Time has two anchors: ``start_year`` is the first year of the scenario (before it, nothing
differs from the data), and each shock may open later (its own ``start_year``, e.g. a
railway's opening year), after which its effect ramps up along ``phase_in``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import pandas as pd

from forecasting.errors import ScenarioError, describe_items
from forecasting.scenarios._checks import (
    SCENARIO_KINDS,
    UNITS,
    country_problem,
    problems_of,
    raise_problems,
    unknown_keys,
    year_problem,
    year_table,
)
from forecasting.scenarios.effects import (
    cost_change_parts,
    cost_changes,
    direct_effects,
    scenario_log,
)
from forecasting.scenarios.parts import SHIPMENT_COLUMNS, KnownShipment, PhaseIn
from forecasting.scenarios.shock import Pair, Shock, pairs_between
from forecasting.validation import choice_problem

__all__ = ["SHOCK_TABLE_COLUMNS", "KnownShipment", "Pair", "PhaseIn", "Scenario", "Shock", "pairs_between"]

#: Columns of :meth:`Scenario.tidy` (and of ``corridor_table``): one row per shock.
SHOCK_TABLE_COLUMNS = [
    "scenario",
    "kind",
    "start_year",
    "ramp_years",
    "route",
    "shock",
    "variable",
    "mode",
    "unit",
    "low",
    "central",
    "high",
    "exporters",
    "importers",
    "n_pairs",
    "commodities",
    "assumption",
    "source",
    "note",
]


@dataclass(frozen=True)
class Scenario:
    """A named set of shocks with an opening year, a phase-in, route availability and known shipments.

    Parameters
    ----------
    name, description
        How files and code refer to it (an identifier) and what it is, in a sentence or more.
    title
        The human-readable name reports and charts show (e.g. "Trans-Afghan railway"); the
        identifier ``name`` when empty (see :attr:`display_name`).
    start_year
        First year of the scenario; shocks without their own ``start_year`` open then.
    shocks
        The :class:`Shock` values; two shocks may not change one variable on the same
        pair and commodity.
    phase_in
        Ramp-up of every trade-cost shock after its opening year (not of availability).
    availability
        ``{year: share}``: years in which the whole route is open for only part of the year
        (a known border closure); it multiplies the pair-level ``route_available`` share of
        every pair the scenario's shocks touch.
    known_shipments
        Contracted flows added on top of the statistical baseline.
    kind
        ``"baseline"`` marks the status quo, which may change no trade cost; any other
        (``"corridor"``) scenario that changes nothing is an error.
    route, sources, notes
        Countries the route crosses (ISO3), citations and free text.

    Examples
    --------
    >>> sc = Scenario("rail", start_year=2030, phase_in=PhaseIn(ramp_years=4),
    ...               shocks=(Shock("transit_days", [("KAZ", "PAK")], value=-10),))
    >>> sc.phase(2029), sc.phase(2031), sc.phase(2040)
    (0.0, 0.5, 1.0)
    """

    name: str
    start_year: int
    description: str = ""
    title: str = ""
    shocks: tuple[Shock, ...] = ()
    phase_in: PhaseIn = field(default_factory=PhaseIn)
    availability: tuple[tuple[int, float], ...] = ()
    known_shipments: tuple[KnownShipment, ...] = ()
    kind: str = "corridor"
    route: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    notes: str = ""

    def __post_init__(self) -> None:
        found: list[str] = []
        object.__setattr__(self, "availability", year_table(self.availability, "availability", found))
        for name in ("shocks", "known_shipments", "route", "sources"):
            value = getattr(self, name)
            object.__setattr__(
                self, name, (value,) if isinstance(value, str | Shock | KnownShipment) else tuple(value)
            )
        raise_problems(f"Scenario {self.name!r}", found + self.problems())

    def problems(self, *, check_changes: bool = True) -> list[str]:
        """Every scenario-level problem (shocks validate themselves on construction)."""
        found: list[str] = []
        if not isinstance(self.name, str) or not self.name.strip():
            found.append("a scenario needs a non-empty name")
        found += choice_problem("kind", self.kind, SCENARIO_KINDS)
        found += year_problem("start_year", self.start_year)
        if not isinstance(self.phase_in, PhaseIn):
            found.append(f"phase_in must be a PhaseIn, got {type(self.phase_in).__name__}")
        elif isinstance(self.start_year, int):
            found += self.phase_in.problems(self.start_year)
        for year, share in self.availability:
            if not 0.0 <= share <= 1.0:
                found.append(f"availability {share} for {year} is outside [0, 1] (share of the year open)")
        found += country_problem(self.route, "route")
        for i, shock in enumerate(self.shocks, start=1):
            if not isinstance(shock, Shock):
                found.append(f"shock {i} is a {type(shock).__name__}, not a Shock")
            elif (
                shock.start_year is not None
                and isinstance(self.start_year, int)
                and shock.start_year < self.start_year
            ):
                found.append(
                    f"shock {i} ({shock.variable}) opens in {shock.start_year}, before the scenario starts"
                    f" ({self.start_year}); move start_year earlier or the shock later"
                )
        found += _overlap_problems([s for s in self.shocks if isinstance(s, Shock)])
        names = [k.name for k in self.known_shipments if isinstance(k, KnownShipment)]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            found.append(f"known shipments {describe_items(dupes)} are listed more than once")
        if check_changes and self.kind == "corridor":
            found += self._nothing_problems()
        return found

    def _nothing_problems(self) -> list[str]:
        shocks = [s for s in self.shocks if isinstance(s, Shock)]
        idle = [f"shock {i} ({s.variable})" for i, s in enumerate(shocks, start=1) if not s.changes_something]
        found = [f"{describe_items(idle)} change nothing (every draw is 0); remove them"] if idle else []
        if (
            not any(s.changes_something for s in shocks)
            and not self.known_shipments
            and not self.availability
        ):
            found.append(
                "the scenario changes nothing: add a shock, a known shipment or an availability year"
                " (a status-quo reference scenario takes kind = 'baseline')"
            )
        return found

    # ------------------------------------------------------------------ time profile
    @property
    def opening_year(self) -> int:
        """First year a trade-cost shock takes effect (``start_year`` unless shocks open later).

        Route-availability shocks do not count: they describe the route in use, not the opening.
        """
        opens = [
            self.start_year if s.start_year is None else s.start_year
            for s in self.shocks
            if s.variable != "route_available"
        ]
        return min(opens) if opens else self.start_year

    def phase(self, year: int) -> float:
        """Share of the full effect reached in ``year``: 0 before :attr:`opening_year`, then the ramp."""
        return self.phase_in.share(year, self.opening_year)

    def availability_in(self, year: int) -> float:
        """Scenario-wide share of ``year`` the route is open (1.0 unless listed in ``availability``).

        Pair-level shares come from ``route_available`` shocks; :meth:`effects` combines both.
        """
        return dict(self.availability).get(year, 1.0)

    def pairs(self) -> tuple[Pair, ...]:
        """Every (exporter, importer) pair some shock touches, sorted."""
        return tuple(sorted({p for s in self.shocks for p in s.pairs}))

    def shipments(self) -> pd.DataFrame:
        """The known shipments, one row per year (columns of ``OutlookResult.shipments``)."""
        frames = [k.frame() for k in self.known_shipments]
        return (
            pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=list(SHIPMENT_COLUMNS))
        )

    def delayed(self, years: int) -> Scenario:
        """A copy whose corridor opens ``years`` later (earlier if negative), for opening-year ranges.

        Trade-cost shocks and a phase-in schedule move; route availability and known
        shipments stay (they describe today's route and signed contracts).

        Examples
        --------
        >>> sc = Scenario("rail", start_year=2026, shocks=(Shock("transit_days", [("KAZ", "PAK")],
        ...               value=-10, start_year=2033),))
        >>> sc.delayed(3).opening_year
        2036
        """
        if isinstance(years, bool) or not isinstance(years, int):
            raise ScenarioError(f"years must be a whole number, got {years!r}")
        shocks = tuple(
            s
            if s.variable == "route_available"
            else replace(s, start_year=(self.start_year if s.start_year is None else s.start_year) + years)
            for s in self.shocks
        )
        phase_in = replace(self.phase_in, schedule=tuple((y + years, v) for y, v in self.phase_in.schedule))
        return replace(self, shocks=shocks, phase_in=phase_in)

    def tidy(self) -> pd.DataFrame:
        """One row per shock with its values, pairs and sources (``SHOCK_TABLE_COLUMNS``).

        ``assumption`` is True when the shock's note labels its figure an assumption.
        """
        rows = [
            {
                "scenario": self.name,
                "kind": self.kind,
                "start_year": self.start_year if shock.start_year is None else shock.start_year,
                "ramp_years": self.phase_in.ramp_years,
                "route": "-".join(self.route),
                "shock": number,
                "variable": shock.variable,
                "mode": shock.mode,
                "unit": "proportional change" if shock.mode == "relative" else UNITS[shock.variable],
                "low": shock.value_for("low"),
                "central": shock.value,
                "high": shock.value_for("high"),
                "exporters": " ".join(sorted({p[0] for p in shock.pairs})),
                "importers": " ".join(sorted({p[1] for p in shock.pairs})),
                "n_pairs": len(shock.pairs),
                "commodities": " ".join(shock.commodities) or "all",
                "assumption": "assumption" in shock.note.lower(),
                "source": shock.source,
                "note": shock.note,
            }
            for number, shock in enumerate(self.shocks, start=1)
        ]
        return pd.DataFrame(rows, columns=SHOCK_TABLE_COLUMNS)

    def replace(self, **changes: Any) -> Scenario:
        """A copy with some fields changed (validated again)."""
        return replace(self, **changes)

    # ------------------------------------------------------------------ effects
    def cost_changes(self, pairs: pd.DataFrame, **options: Any) -> pd.DataFrame:
        """Change in log trade cost per pair and commodity; see :func:`forecasting.scenarios.effects.cost_changes`."""
        return cost_changes(self, pairs, **options)

    def cost_change_parts(self, pairs: pd.DataFrame, **options: Any) -> pd.DataFrame:
        """The cost change as ``delta_fixed + elasticity * delta_per_elasticity``; see
        :func:`forecasting.scenarios.effects.cost_change_parts`."""
        return cost_change_parts(self, pairs, **options)

    def effects(self, pairs: pd.DataFrame, years: Iterable[int], **options: Any) -> pd.DataFrame:
        """Direct effects per pair, commodity and year; see :func:`forecasting.scenarios.effects.direct_effects`."""
        return direct_effects(self, pairs, years, **options)

    def log(self, pairs: pd.DataFrame, years: Iterable[int], **options: Any) -> pd.DataFrame:
        """Every cell the scenario changes; see :func:`forecasting.scenarios.effects.scenario_log`."""
        return scenario_log(self, pairs, years, **options)

    # ------------------------------------------------------------------ serialisation
    @property
    def display_name(self) -> str:
        """``title`` when given, else the identifier with spaces for underscores.

        Examples
        --------
        >>> Scenario("status_quo", start_year=2026, kind="baseline").display_name
        'status quo'
        """
        return self.title or self.name.replace("_", " ")

    def to_dict(self) -> dict[str, Any]:
        """Plain dictionary of lists, strings and numbers (TOML- and JSON-ready)."""
        out: dict[str, Any] = {"name": self.name, "kind": self.kind, "start_year": self.start_year}
        out["description"] = self.description
        if self.title:
            out["title"] = self.title
        if self.route:
            out["route"] = list(self.route)
        out["phase_in"] = self.phase_in.to_dict()
        if self.availability:
            out["availability"] = {str(y): s for y, s in self.availability}
        if self.sources:
            out["sources"] = list(self.sources)
        if self.notes:
            out["notes"] = self.notes
        out["shocks"] = [s.to_dict() for s in self.shocks]
        if self.known_shipments:
            out["known_shipments"] = [k.to_dict() for k in self.known_shipments]
        return out

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> Scenario:
        """Inverse of :meth:`to_dict`, reporting the problems of every shock at once."""
        raw = dict(raw)
        name = raw.get("name", "<unnamed>")
        allowed = {f for f in cls.__dataclass_fields__}
        found = unknown_keys(raw, allowed, "a scenario")
        found += [f"missing key {k!r}" for k in ("name", "start_year") if k not in raw]
        shocks, shock_errors = [], False
        for i, item in enumerate(raw.get("shocks", ()), start=1):
            try:
                shocks.append(Shock.from_dict(item))
            except ScenarioError as error:
                shock_errors = True
                found += [f"shock {i} ({dict(item).get('variable', '?')}): {p}" for p in problems_of(error)]
            except TypeError:
                shock_errors = True
                found.append(f"shock {i} must be a table of keys and values, got {item!r}")
        parts: dict[str, Any] = {}
        for key, build in (("phase_in", PhaseIn.from_dict), ("known_shipments", KnownShipment.from_dict)):
            try:
                value = raw.get(key)
                if value is not None:
                    parts[key] = build(value) if key == "phase_in" else tuple(build(v) for v in value)
            except ScenarioError as error:
                found += [f"{key}: {p}" for p in problems_of(error)]
        if found:
            raise_problems(f"Scenario {name!r}", found)
        fields = {k: v for k, v in raw.items() if k in allowed} | parts | {"shocks": tuple(shocks)}
        try:
            return cls(**fields)
        except ScenarioError as error:
            found += [p for p in problems_of(error) if not (shock_errors and "changes nothing" in p)]
        raise_problems(f"Scenario {name!r}", found)
        raise AssertionError("unreachable")  # pragma: no cover


def _overlap_problems(shocks: Sequence[Shock]) -> list[str]:
    """Two shocks on one variable must not touch the same pair and commodity."""
    found = []
    for i, first in enumerate(shocks):
        for j in range(i + 1, len(shocks)):
            second = shocks[j]
            if first.variable != second.variable:
                continue
            goods_overlap = (
                not first.commodities
                or not second.commodities
                or set(first.commodities) & set(second.commodities)
            )
            common = sorted(set(first.pairs) & set(second.pairs))
            if common and goods_overlap:
                found.append(
                    f"shocks {i + 1} and {j + 1} both change {first.variable} on pairs {describe_items(common)};"
                    " merge them into one shock or split their pairs or commodities"
                )
    return found
