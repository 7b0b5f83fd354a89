"""Scenarios on disk: TOML files read with ``tomllib`` and written with ``tomli_w``.

A file holds any number of scenarios under ``[scenarios.<name>]``; shocks are arrays of
tables (``[[scenarios.<name>.shocks]]``). Writing then reading gives back equal values.
Reading reports every problem of every scenario in the file in one error, including a shock
restricted to a commodity no named group has (a misspelt ``"textile"`` would change nothing).

A combined scenario lists corridors by name, from the same file or the built-in library::

    [scenarios.rail_and_sea]
    title = "Trans-Afghan railway and the Aktau-Karachi route"
    combine = ["trans_afghan_railway", "aktau_karachi_gwadar"]

File layout (a minimal example)::

    [scenarios.faster_rail]
    description = "Rail link cuts ten days"
    start_year = 2030
    phase_in = { ramp_years = 4 }

    [[scenarios.faster_rail.shocks]]
    variable = "transit_days"
    value = -10.0
    origins = ["KAZ"]
    destinations = ["PAK"]
"""

from __future__ import annotations

import functools
import os
import tomllib
from collections.abc import Iterable, Mapping
from importlib import resources
from pathlib import Path
from typing import Any

import tomli_w

from forecasting.errors import ScenarioError
from forecasting.files import atomic_write_text
from forecasting.scenarios._checks import known_commodities, problems_of, raise_problems, unknown_keys
from forecasting.scenarios.scenario import Scenario

FILE_FORMAT = "forecasting-scenarios"
FILE_VERSION = 1
LIBRARY_FILE = "corridors.toml"


@functools.lru_cache(maxsize=1)
def builtin_library() -> dict[str, Scenario]:
    """The built-in corridor library (``corridors.toml``, package data), read once.

    :func:`forecasting.scenarios.builtin_corridors` hands out copies of it.
    """
    text = resources.files("forecasting.scenarios").joinpath(LIBRARY_FILE).read_text(encoding="utf-8")
    return loads_scenarios(text, source=f"forecasting/scenarios/{LIBRARY_FILE}", library={})


def loads_scenarios(
    text: str,
    *,
    source: str = "<string>",
    commodities: Iterable[str] = (),
    library: Mapping[str, Scenario] | None = None,
) -> dict[str, Scenario]:
    """Parse scenarios from TOML text; ``source`` names the text in error messages.

    Shock, contract and new-trade commodities must be named groups
    (:func:`forecasting.classify.available_groups`, ``other`` or ``TOTAL``) or listed in
    ``commodities`` (your data's own groups). ``combine`` names resolve to the file's own
    scenarios, then to ``library`` (default: the built-in corridors).

    Examples
    --------
    >>> text = '''
    ... [scenarios.faster]
    ... start_year = 2030
    ... [[scenarios.faster.shocks]]
    ... variable = "transit_days"
    ... value = -10
    ... pairs = [["KAZ", "PAK"]]
    ... '''
    >>> loads_scenarios(text)["faster"].shocks[0].value
    -10.0
    """
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ScenarioError(f"{source} is not valid TOML: {error}; fix the line it names") from error
    found = unknown_keys(document, ("format", "version", "scenarios"), f"the top level of {source}")
    if document.get("format", FILE_FORMAT) != FILE_FORMAT:
        found.append(f"format is {document['format']!r}, expected {FILE_FORMAT!r}")
    if document.get("version", FILE_VERSION) != FILE_VERSION:
        found.append(
            f"version {document['version']!r} is not supported (this toolkit reads version {FILE_VERSION})"
        )
    tables = document.get("scenarios")
    if not isinstance(tables, dict) or not tables:
        found.append("no [scenarios.<name>] tables found")
        tables = {}
    known = known_commodities(commodities)
    built: dict[str, Scenario] = {}
    unknown_goods = False
    # Plain scenarios first, so a combination may list scenarios defined after it in the file.
    for combined in (False, True):
        shared = {**(builtin_library() if library is None else library), **built}
        for name, table in tables.items():
            if isinstance(table, dict) and ("combine" in table) != combined:
                continue
            if not isinstance(table, dict):
                if not combined:
                    found.append(f"scenarios.{name} must be a table, got {table!r}")
                continue
            if "name" in table and table["name"] != name:
                found.append(f"scenario table {name!r} says name = {table['name']!r}; keep one name")
                continue
            try:
                built[name] = Scenario.from_dict({**table, "name": name}, library=shared)
            except ScenarioError as error:
                found += [f"scenario {name!r}: {p}" for p in problems_of(error)]
                continue
            unknown = built[name].commodity_problems(known)
            found += [f"scenario {name!r}: {p}" for p in unknown]
            unknown_goods = unknown_goods or bool(unknown)
    fix = (
        "Fix the spelling; a group of your own data goes in read_scenarios(..., commodities=[...]) or is"
        " defined with forecasting.classify.define(name, prefixes)."
        if unknown_goods
        else ""
    )
    raise_problems(source, found, fix=fix)
    return {name: built[name] for name in tables if name in built}


def read_scenarios(path: str | os.PathLike[str], *, commodities: Iterable[str] = ()) -> dict[str, Scenario]:
    """Read every scenario of a TOML file, keyed by name (``commodities``: see :func:`loads_scenarios`).

    Raises
    ------
    ScenarioError
        Listing every problem in the file (unknown variables with close matches, unknown
        country codes, overlapping shocks, phase-in outside [0, 1], ...).
    FileNotFoundError
        When ``path`` does not exist.
    """
    path = Path(path)
    return loads_scenarios(path.read_text(encoding="utf-8"), source=str(path), commodities=commodities)


def _as_mapping(scenarios: Mapping[str, Scenario] | Iterable[Scenario] | Scenario) -> dict[str, Scenario]:
    if isinstance(scenarios, Scenario):
        return {scenarios.name: scenarios}
    if isinstance(scenarios, Mapping):
        items = list(scenarios.items())
    else:
        items = [(s.name, s) for s in scenarios]
    found = []
    for key, scenario in items:
        if not isinstance(scenario, Scenario):
            found.append(f"{key!r} is a {type(scenario).__name__}, not a Scenario")
        elif key != scenario.name:
            found.append(f"key {key!r} differs from the scenario's name {scenario.name!r}")
    names = [k for k, _ in items]
    found += [f"two scenarios are named {n!r}" for n in sorted({n for n in names if names.count(n) > 1})]
    raise_problems("Scenarios to write", found)
    return dict(items)


def dumps_scenarios(scenarios: Mapping[str, Scenario] | Iterable[Scenario] | Scenario) -> str:
    """TOML text of ``scenarios`` (the inverse of :func:`loads_scenarios`).

    Examples
    --------
    >>> from forecasting.scenarios import Scenario, Shock
    >>> sc = Scenario("faster", start_year=2030, shocks=(Shock("transit_days", [("KAZ", "PAK")], value=-10),))
    >>> loads_scenarios(dumps_scenarios(sc))["faster"] == sc
    True
    """
    tables: dict[str, Any] = {}
    for name, scenario in _as_mapping(scenarios).items():
        table = scenario.to_dict()
        del table["name"]
        tables[name] = table
    body = tomli_w.dumps({"format": FILE_FORMAT, "version": FILE_VERSION, "scenarios": tables})
    return "# Trade-corridor scenarios; read with forecasting.scenarios.read_scenarios.\n" + body


def write_scenarios(
    scenarios: Mapping[str, Scenario] | Iterable[Scenario] | Scenario, path: str | os.PathLike[str]
) -> Path:
    """Write ``scenarios`` to a TOML file atomically (a reader never sees half a file).

    Returns the path written.
    """
    path = Path(path)
    text = dumps_scenarios(scenarios)
    atomic_write_text(path, text)
    return path
