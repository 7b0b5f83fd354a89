"""Scenarios as values: shocks to trade-cost variables on sets of country pairs.

A :class:`Scenario` is frozen and serialisable (``to_dict``/``from_dict``, TOML through
:mod:`forecasting.scenarios.toml_io`). Gravity, the GE solver and the forecast overlay all
read the same value. Construction validates everything at once and raises one
:class:`~forecasting.errors.ScenarioError` listing every problem.

Time has two anchors: ``start_year`` is the first year of the scenario (before it, nothing
differs from the data), and each shock may open later (its own ``start_year``, e.g. a
railway's opening year), after which its effect ramps up along ``phase_in``.

Uncertain timing is part of the value: ``opening`` (:class:`OpeningYears`: earliest, central
and latest opening year and the chance of not opening), the ramp-up range of ``phase_in``,
the low/central/high of every shock (route availability included), the delivered share of
each known contract and the share of the trade-potential gap a corridor closes
(``new_trade``). A combined scenario (``components``) composes corridors by the rules of
:mod:`forecasting.scenarios.combined`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import pandas as pd

from forecasting.errors import ScenarioError, describe_items
from forecasting.scenarios._checks import (
    SCENARIO_KINDS,
    country_problem,
    problems_of,
    raise_problems,
    unknown_keys,
    year_problem,
    year_table,
)
from forecasting.scenarios.combined import (
    combination_problems,
    merged_shipments,
    overlap_problems,
    resolve_components,
)
from forecasting.scenarios.effects import (
    cost_change_parts,
    cost_changes,
    direct_effects,
    scenario_log,
)
from forecasting.scenarios.parts import SHIPMENT_COLUMNS, KnownShipment, NewTrade, PhaseIn
from forecasting.scenarios.ranges import OpeningYears
from forecasting.scenarios.rules import (
    SHOCK_TABLE_COLUMNS,
    commodity_problems,
    nothing_problems,
    shock_table,
    timing_problems,
)
from forecasting.scenarios.shock import Pair, Shock, pairs_between
from forecasting.validation import choice_problem

__all__ = [
    "SHOCK_TABLE_COLUMNS",
    "KnownShipment",
    "NewTrade",
    "OpeningYears",
    "Pair",
    "PhaseIn",
    "Scenario",
    "Shock",
    "pairs_between",
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
    opening
        :class:`OpeningYears` of the corridor (its ``central`` is :attr:`opening_year`), or
        None when the opening year is known.
    new_trade
        :class:`NewTrade`: the share of the trade-potential gap the corridor closes once open.
    components
        The corridors a combined scenario composes (``combine = [...]`` in TOML); a
        combination has no shocks, contracts, availability, opening or new trade of its own.

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
    opening: OpeningYears | None = None
    new_trade: NewTrade | None = None
    components: tuple[Scenario, ...] = ()

    def __post_init__(self) -> None:
        found: list[str] = []
        object.__setattr__(self, "availability", year_table(self.availability, "availability", found))
        for name in ("shocks", "known_shipments", "route", "sources", "components"):
            value = getattr(self, name)
            single = isinstance(value, str | Shock | KnownShipment | Scenario)
            object.__setattr__(self, name, (value,) if single else tuple(value))
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
        found += overlap_problems([s for s in self.shocks if isinstance(s, Shock)])
        names = [k.name for k in self.known_shipments if isinstance(k, KnownShipment)]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            found.append(f"known shipments {describe_items(dupes)} are listed more than once")
        found += timing_problems(self)
        if any(not isinstance(c, Scenario) for c in self.components):
            found.append("components must be Scenario values (combine lists scenario names in TOML)")
        else:
            found += combination_problems(self)
        if check_changes and self.kind == "corridor" and not self.components:
            found += nothing_problems(self)
        return found

    def commodity_problems(self, known: Sequence[str]) -> list[str]:
        """Sentences naming each shock, contract or new-trade commodity that is not in ``known``.

        A misspelt group (``"textile"``) would otherwise match no data and change nothing.

        Examples
        --------
        >>> sc = Scenario("s", start_year=2030, shocks=(Shock("transit_days", [("KAZ", "PAK")],
        ...               value=-5, commodities=("textile",)),))
        >>> sc.commodity_problems(["textiles", "coal"])[0].split(";")[0]
        "shock 1 (transit_days): unknown commodity 'textile' (did you mean 'textiles'?)"
        """
        return commodity_problems(self, known)

    # ------------------------------------------------------------------ time profile
    @property
    def cost_shocks(self) -> tuple[Shock, ...]:
        """The shocks that change trade costs (all but route availability)."""
        return tuple(s for s in self.shocks if isinstance(s, Shock) and s.variable != "route_available")

    @property
    def opening_year(self) -> int:
        """First year a trade-cost shock takes effect (``start_year`` unless shocks open later).

        Route-availability shocks do not count: they describe the route in use, not the opening.
        A combination opens with its first component.
        """
        if self.components:
            return min(c.opening_year for c in self.components)
        opens = [self.start_year if s.start_year is None else s.start_year for s in self.cost_shocks]
        return min(opens) if opens else self.start_year

    def phase(self, year: int) -> float:
        """Share of the full effect reached in ``year``: 0 before :attr:`opening_year`, then the ramp
        (a combination: its furthest component's)."""
        if self.components:
            return max(c.phase(year) for c in self.components)
        return self.phase_in.share(year, self.opening_year)

    def availability_in(self, year: int) -> float:
        """Scenario-wide share of ``year`` the route is open (1.0 unless listed in ``availability``).

        Pair-level shares come from ``route_available`` shocks; :meth:`effects` combines both.
        """
        if self.components:
            return max(c.availability_in(year) for c in self.components)
        return dict(self.availability).get(year, 1.0)

    def pairs(self) -> tuple[Pair, ...]:
        """Every (exporter, importer) pair some shock touches, sorted."""
        return tuple(sorted({p for s in self.all_shocks for p in s.pairs}))

    @property
    def all_shocks(self) -> tuple[Shock, ...]:
        """The shocks, or a combination's components' shocks in order (numbered on from 1 in
        :meth:`tidy` and :meth:`log`)."""
        return tuple(s for c in self.components for s in c.shocks) if self.components else self.shocks

    @property
    def contracts(self) -> tuple[KnownShipment, ...]:
        """The known contracts (a combination's components', each once)."""
        return merged_shipments(self.components) if self.components else self.known_shipments

    def shipments(self) -> pd.DataFrame:
        """The known shipments, one row per year (columns of ``OutlookResult.shipments``)."""
        frames = [k.frame() for k in self.contracts]
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
        if self.components:
            return replace(self, components=tuple(c.delayed(years) for c in self.components))
        opening = self.opening
        if opening is not None:
            opening = replace(opening, earliest=opening.earliest + years, central=opening.central + years,
                              latest=opening.latest + years, not_open_by=None if opening.not_open_by is None
                              else opening.not_open_by + years)  # fmt: skip
        shocks = tuple(
            s
            if s.variable == "route_available"
            else replace(s, start_year=(self.start_year if s.start_year is None else s.start_year) + years)
            for s in self.shocks
        )
        phase_in = replace(self.phase_in, schedule=tuple((y + years, v) for y, v in self.phase_in.schedule))
        return replace(self, shocks=shocks, phase_in=phase_in, opening=opening)

    def tidy(self) -> pd.DataFrame:
        """One row per shock with its values, pairs and sources (``SHOCK_TABLE_COLUMNS``).

        ``assumption`` is True when the shock's note labels its figure an assumption. A
        combination lists its components' shocks in turn, each note naming its component.
        """
        return shock_table(self)

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
        """Plain dictionary of lists, strings and numbers (TOML- and JSON-ready).

        A combination writes ``combine`` (its components' names) and, so the dictionary stands
        on its own, ``components`` (each component's dictionary, by name).
        """
        out: dict[str, Any] = {"name": self.name, "kind": self.kind, "start_year": self.start_year}
        out["description"] = self.description
        if self.title:
            out["title"] = self.title
        if self.route:
            out["route"] = list(self.route)
        if self.components:
            out["combine"] = [c.name for c in self.components]
            out["components"] = {
                c.name: {k: v for k, v in c.to_dict().items() if k != "name"} for c in self.components
            }
        else:
            out["phase_in"] = self.phase_in.to_dict()
        for name in ("opening", "new_trade"):
            if getattr(self, name) is not None:
                out[name] = getattr(self, name).to_dict()
        if self.availability:
            out["availability"] = {str(y): s for y, s in self.availability}
        if self.sources:
            out["sources"] = list(self.sources)
        if self.notes:
            out["notes"] = self.notes
        if not self.components:
            out["shocks"] = [s.to_dict() for s in self.shocks]
        if self.known_shipments:
            out["known_shipments"] = [k.to_dict() for k in self.known_shipments]
        return out

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any], *, library: Mapping[str, Scenario] | None = None) -> Scenario:
        """Inverse of :meth:`to_dict`, reporting the problems of every shock at once.

        ``combine`` names are looked up in ``components`` (when given) and then in ``library``
        (the file's other scenarios and the built-in corridors, when read from TOML).
        """
        raw = dict(raw)
        name = raw.get("name", "<unnamed>")
        allowed = {f for f in cls.__dataclass_fields__} | {"combine"}
        found = unknown_keys(raw, allowed, "a scenario")
        found += [
            f"missing key {k!r}"
            for k in ("name",) + (() if "combine" in raw else ("start_year",))
            if k not in raw
        ]
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
        builders = {
            "phase_in": PhaseIn.from_dict,
            "opening": OpeningYears.from_dict,
            "new_trade": NewTrade.from_dict,
            "known_shipments": lambda items: tuple(KnownShipment.from_dict(v) for v in items),
        }
        for key, build in builders.items():
            try:
                if raw.get(key) is not None:
                    parts[key] = build(raw[key])
            except ScenarioError as error:
                found += [f"{key}: {p}" for p in problems_of(error)]
            except TypeError:
                found.append(f"{key} must be a table of keys and values, got {raw[key]!r}")
        if "combine" in raw:
            components, problems = resolve_components(raw, library or {}, cls.from_dict)
            found += problems
            parts["components"] = components
            if "start_year" not in raw and components:
                parts["start_year"] = min(c.start_year for c in components)
        if found:
            raise_problems(f"Scenario {name!r}", found)
        fields = (
            {k: v for k, v in raw.items() if k in allowed - {"combine"}} | parts | {"shocks": tuple(shocks)}
        )
        try:
            return cls(**fields)
        except ScenarioError as error:
            found += [p for p in problems_of(error) if not (shock_errors and "changes nothing" in p)]
        raise_problems(f"Scenario {name!r}", found)
        raise AssertionError("unreachable")  # pragma: no cover
