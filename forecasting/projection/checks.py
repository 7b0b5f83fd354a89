"""Scenarios checked against the run: its first forecast year and the commodities of its data.

A scenario file can be valid on its own and still not fit the data: it may start before the
forecast does (``start_year = 2015`` against data that end in 2025), or restrict a shock to a
commodity the data do not have (which would change nothing, silently). The outlook knows the
base year and the commodities only once the data are prepared, so it refuses such scenarios
here, before any model runs, naming each scenario and what to change.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from forecasting.classify.groups import available_groups
from forecasting.errors import ScenarioError, describe_items
from forecasting.projection.settings import Fallback
from forecasting.scenarios import Scenario
from forecasting.validation import closest

__all__ = ["check_scenarios", "opening_fallbacks"]


def _timing_problems(name: str, scenario: Scenario, first: int) -> list[str]:
    found = []
    if scenario.start_year < first:
        found.append(
            f"scenario {name!r} starts in {scenario.start_year}, before the forecast starts in {first} (the data"
            f" end in {first - 1}); set start_year = {first} or later: a scenario changes forecast years only"
        )
    for route in scenario.components or (scenario,):
        if route.opening is not None and route.opening.earliest < first:
            found.append(
                f"scenario {name!r}: {route.name} may open in {route.opening.earliest}, before the forecast starts"
                f" in {first}; a corridor open by then is in the data already: move opening earliest to {first}"
                " or later"
            )
        past = sorted({y for k in route.known_shipments for y, _ in k.values if y < first})
        if past:
            found.append(
                f"scenario {name!r}: known shipments of {route.name} list years {describe_items(past)} before the"
                f" forecast starts in {first}; those are in the data already: drop them"
            )
    return found


def check_scenarios(scenarios: Mapping[str, Scenario], *, base_year: int, commodities: Iterable[str]) -> None:
    """Refuse scenarios that start before the forecast or name a commodity that is no group at all.

    A commodity is known when it is a commodity group (:func:`forecasting.classify.groups.available_groups`,
    plus the residual ``other``) or in the data: a built-in corridor's bus contract is no error on a
    user's panel without buses (it changes nothing there), while ``"textile"`` is, and so is a group
    whose near spelling the data use instead (``hydrocarbons`` against the data's ``hydrocarbon``).

    Examples
    --------
    >>> from forecasting.scenarios import builtin_corridors
    >>> rail = builtin_corridors()["trans_afghan_railway"]
    >>> check_scenarios({"rail": rail.replace(start_year=2015)}, base_year=2025, commodities=["coal"])
    Traceback (most recent call last):
    ...
    forecasting.errors.ScenarioError: the scenarios do not fit the data (base year 2025, ...
    """
    present = set(commodities)
    # A group absent from the data is fine, unless the data hold a near spelling of it (then the
    # scenario's name and the data's disagree, and the shock would silently miss).
    groups = {g for g in {*available_groups(), "other"} - present if not closest(g, sorted(present), n=1)}
    known = sorted(present | groups)
    first = base_year + 1
    found = []
    for name, scenario in scenarios.items():
        found += _timing_problems(name, scenario, first)
        found += [f"scenario {name!r}: {p}" for p in scenario.commodity_problems(known)]
    if found:
        lines = "\n".join(f"  - {p}" for p in found)
        raise ScenarioError(
            f"the scenarios do not fit the data (base year {base_year}, commodity groups {', '.join(known)});"
            f" {len(found)} problem(s):\n{lines}"
        )


def opening_fallbacks(scenarios: Mapping[str, Scenario], horizon: int) -> list[Fallback]:
    """A corridor whose opening years say nothing past a year before the horizon stays closed after it."""
    out = []
    for name, scenario in scenarios.items():
        for route in scenario.components or (scenario,):
            o = route.opening
            if o is not None and o.not_open_probability > 0 and o.horizon_known < horizon:
                out.append(
                    Fallback(
                        f"opening years ({name}: {route.name})",
                        f"the {o.not_open_probability:.0%} of draws without a line by {o.horizon_known} say nothing"
                        f" of later years",
                        f"they stay closed to {horizon}; give not_open_by = {horizon} (or later) to say so explicitly",
                    )
                )
    return out
