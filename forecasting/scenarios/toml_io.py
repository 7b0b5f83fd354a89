"""Scenarios on disk: TOML files read with ``tomllib`` and written with ``tomli_w``.

A file holds any number of scenarios under ``[scenarios.<name>]``; shocks are arrays of
tables (``[[scenarios.<name>.shocks]]``). Writing then reading gives back equal values.
Reading reports every problem of every scenario in the file in one error.

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

import os
import tomllib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import tomli_w

from forecasting.errors import ScenarioError
from forecasting.files import atomic_write_text
from forecasting.scenarios._checks import problems_of, raise_problems, unknown_keys
from forecasting.scenarios.scenario import Scenario

FILE_FORMAT = "forecasting-scenarios"
FILE_VERSION = 1


def loads_scenarios(text: str, *, source: str = "<string>") -> dict[str, Scenario]:
    """Parse scenarios from TOML text; ``source`` names the text in error messages.

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
    scenarios: dict[str, Scenario] = {}
    for name, table in tables.items():
        if not isinstance(table, dict):
            found.append(f"scenarios.{name} must be a table, got {table!r}")
            continue
        if "name" in table and table["name"] != name:
            found.append(f"scenario table {name!r} says name = {table['name']!r}; keep one name")
            continue
        try:
            scenarios[name] = Scenario.from_dict({**table, "name": name})
        except ScenarioError as error:
            found += [f"scenario {name!r}: {p}" for p in problems_of(error)]
    raise_problems(source, found)
    return scenarios


def read_scenarios(path: str | os.PathLike[str]) -> dict[str, Scenario]:
    """Read every scenario of a TOML file, keyed by name.

    Raises
    ------
    ScenarioError
        Listing every problem in the file (unknown variables with close matches, unknown
        country codes, overlapping shocks, phase-in outside [0, 1], ...).
    FileNotFoundError
        When ``path`` does not exist.
    """
    path = Path(path)
    return loads_scenarios(path.read_text(encoding="utf-8"), source=str(path))


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
