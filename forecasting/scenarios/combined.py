"""Rules of a combined scenario (``combine = ["trans_afghan_railway", "aktau_karachi_gwadar"]``).

A combination lists corridors; it has no shocks of its own. Its components are **alternative
routes** for the pairs they share, so nothing is counted twice:

* on a pair (and commodity) that only one component changes, that component's change applies,
  opening and ramping up as the component says;
* on a pair two components change, cargo takes the better route: each year the component with
  the **larger trade effect** that year counts (its whole change in log trade costs, all
  channels together), never the sum of the two; a component that has not opened yet offers no
  route;
* route availability of a pair is the better route's (the larger share of the year open);
* a known contract (same name) is counted once; two components listing different contracts
  under one name is an error;
* each component keeps its own opening years, ramp-up and new-trade share.

The effect arithmetic (:mod:`forecasting.scenarios._engine`) applies these rules; this module
holds the checks and the merged contracts.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from forecasting.errors import ScenarioError, describe_items
from forecasting.scenarios._checks import problems_of
from forecasting.scenarios.parts import KnownShipment
from forecasting.scenarios.shock import Shock
from forecasting.validation import did_you_mean

__all__ = ["combination_problems", "merged_shipments", "overlap_problems", "resolve_components"]

#: Fields a combined scenario leaves to its components.
COMPONENT_FIELDS = ("shocks", "known_shipments", "availability", "opening", "new_trade")


def overlap_problems(shocks: Sequence[Shock]) -> list[str]:
    """Two shocks of one scenario on one variable must not touch the same pair and commodity."""
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


def merged_shipments(components: Sequence[Any]) -> tuple[KnownShipment, ...]:
    """The components' known contracts, each name once (first listing kept)."""
    seen: dict[str, KnownShipment] = {}
    for component in components:
        for contract in component.known_shipments:
            seen.setdefault(contract.name, contract)
    return tuple(seen.values())


def combination_problems(scenario: Any) -> list[str]:
    """Every way a combined scenario breaks the rules above (empty for a plain scenario)."""
    components = scenario.components
    if not components:
        return []
    found = []
    names = [getattr(c, "name", "?") for c in components]
    if len(components) < 2:
        found.append("a combination needs at least two scenarios in combine")
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        found.append(f"combine lists {describe_items(dupes)} more than once")
    for component in components:
        if getattr(component, "components", ()):
            found.append(
                f"combine lists {component.name!r}, itself a combination; list its corridors instead"
            )
        if getattr(component, "kind", "") == "baseline":
            found.append(f"combine lists {component.name!r}, the status quo; combine corridors only")
    own = [name for name in COMPONENT_FIELDS if getattr(scenario, name)]
    if own:
        found.append(
            f"a combination takes {', '.join(own)} from its components; move them into a component scenario"
        )
    if scenario.phase_in.to_dict() != {"ramp_years": 0}:
        found.append("a combination takes phase_in from its components; remove it")
    starts = [c.start_year for c in components]
    if scenario.start_year != min(starts):
        found.append(
            f"start_year {scenario.start_year} differs from the first start of its components ({min(starts)});"
            " leave start_year out of a combination"
        )
    contracts: dict[str, KnownShipment] = {}
    for component in components:
        for contract in component.known_shipments:
            if contract.name in contracts and contracts[contract.name] != contract:
                found.append(
                    f"contract {contract.name!r} differs between components; give different contracts"
                    " different names"
                )
            contracts.setdefault(contract.name, contract)
    return found


def resolve_components(
    raw: Mapping[str, Any], library: Mapping[str, Any], build: Callable[..., Any]
) -> tuple[tuple[Any, ...], list[str]]:
    """The scenarios a ``combine`` list names: inline ``components`` first, then ``library``.

    ``build(table, library=...)`` turns an inline component table into a scenario
    (``Scenario.from_dict``). Returns the components found and a sentence per problem.
    """
    names = raw["combine"]
    if isinstance(names, str) or not all(isinstance(n, str) for n in names):
        return (), [f"combine must list scenario names, e.g. combine = ['a', 'b'], got {names!r}"]
    inline = raw.get("components") or {}
    found: list[str] = []
    components: list[Any] = []
    for name in names:
        if name in inline:
            try:
                components.append(build({**inline[name], "name": name}, library=library))
            except ScenarioError as error:
                found += [f"component {name!r}: {p}" for p in problems_of(error)]
        elif name in library:
            components.append(library[name])
        else:
            hint = did_you_mean(name, [*inline, *library])
            found.append(
                f"combine lists {name!r}{hint}, which is neither a scenario of this file nor a built-in corridor"
            )
    extra = sorted(set(inline) - set(names))
    if extra:
        found.append(f"components {describe_items(extra)} are not listed in combine")
    return tuple(components), found
