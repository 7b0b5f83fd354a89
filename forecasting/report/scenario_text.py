"""Scenarios in words: the shocks table of the methods section, and country pairs as a reader says them.

The manifest keeps every scenario's full definition (JSON); the report shows one row per
shock or known shipment: what changes, by how much (central case and range), between
which countries, from when, and the source.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING
from urllib.parse import urlparse

import pandas as pd

if TYPE_CHECKING:
    from forecasting.scenarios import Scenario

#: How each trade-cost variable reads in a sentence.
VARIABLE_WORDS = {
    "dist_km": "distance",
    "transit_days": "transit time",
    "freight_cost_pct": "freight cost",
    "tariff_pct": "tariff",
    "rta": "trade or transit agreement",
    "route_available": "route open (share of the year)",
}
_ADD_UNITS = {"dist_km": "km", "transit_days": "days", "freight_cost_pct": "pp", "tariff_pct": "pp"}

SHOCK_COLUMNS = [
    "scenario",
    "title",
    "item",
    "change",
    "range",
    "between",
    "from_year",
    "ramp_years",
    "goods",
    "source",
    "source_url",
    "note",
]


def describe_pairs(pairs: Iterable[tuple[str, str]]) -> str:
    """Country pairs as a reader says them: "KAZ, UZB ↔ PAK" (both ways) or "KAZ → PAK".

    Pairs that form two groups trading with each other are written as the two groups;
    anything else is listed.

    Examples
    --------
    >>> describe_pairs([("KAZ", "PAK"), ("PAK", "KAZ"), ("UZB", "PAK"), ("PAK", "UZB")])
    'KAZ, UZB ↔ PAK'
    >>> describe_pairs([("KAZ", "PAK")])
    'KAZ → PAK'
    """
    pairs = sorted(set(pairs))
    if not pairs:
        return ""
    directed = set(pairs)
    both_ways = all((b, a) in directed for a, b in directed)
    sides: dict[str, int] = {}
    for a, b in pairs:  # two-colour the trade graph: a group trading with a group
        if a not in sides and b not in sides:
            sides[a], sides[b] = 0, 1
        elif a in sides and b not in sides:
            sides[b] = 1 - sides[a]
        elif b in sides and a not in sides:
            sides[a] = 1 - sides[b]
    bipartite = all(sides.get(a) != sides.get(b) for a, b in pairs)
    if bipartite:
        groups = [sorted(c for c, s in sides.items() if s == side) for side in (0, 1)]
        left, right = sorted(groups, key=lambda g: (-len(g), g))  # the larger group first
        full = {(x, y) for x in left for y in right}
        if both_ways and {(a, b) for a, b in directed if a in left} == full:
            return f"{', '.join(left)} ↔ {', '.join(right)}"
        if not both_ways and directed == full:
            return f"{', '.join(left)} → {', '.join(right)}"
    shown = ", ".join(f"{a}→{b}" for a, b in pairs[:6])
    return shown + (f" and {len(pairs) - 6} more pairs" if len(pairs) > 6 else "")


def source_name(source: str) -> str:
    """A short name for a source: the web site of a URL ("inform.kz"), else the text itself.

    Examples
    --------
    >>> source_name("https://www.trend.az/business/transport/4079320.html")
    'trend.az'
    >>> source_name("demo")
    'demo'
    """
    text = str(source).strip()
    first = text.split(" ; ")[0].split()[0] if text else ""
    if first.startswith(("http://", "https://")):
        host = urlparse(first).netloc
        return host[4:] if host.startswith("www.") else host
    return text


def first_url(source: str) -> str:
    """The first URL in a source text ("" when there is none)."""
    for word in str(source).replace(";", " ").split():
        if word.startswith(("http://", "https://")):
            return word
    return ""


def _number(value: float) -> str:
    return f"{value:+g}".replace("-", "−")  # a typographic minus, as in print


def change_text(variable: str, mode: str, value: float) -> str:
    """One shock value in words.

    Examples
    --------
    >>> change_text("transit_days", "add", -10.0), change_text("freight_cost_pct", "relative", -0.4)
    ('−10 days', '−40 %')
    >>> change_text("route_available", "set", 0.85)
    'set to 0.85'
    """
    if value == 0 and mode != "set":
        return "no change"
    if mode == "relative":
        return f"{_number(100 * value)} %"
    if mode == "set":
        return f"set to {value:g}"
    return f"{_number(value)} {_ADD_UNITS.get(variable, '')}".strip()


def scenario_shocks(scenarios: Mapping[str, Scenario]) -> pd.DataFrame:
    """Every shock and known shipment of every scenario, one readable row each (``SHOCK_COLUMNS``).

    Examples
    --------
    >>> from forecasting.scenarios import builtin_corridors
    >>> table = scenario_shocks({"rail": builtin_corridors()["trans_afghan_railway"]})
    >>> table["item"].unique().tolist()[:2]
    ['transit time', 'freight cost']
    """
    rows = []
    for name, scenario in scenarios.items():
        base = {"scenario": name, "title": scenario.display_name, "ramp_years": scenario.phase_in.ramp_years}
        for shock in scenario.shocks:
            low, high = shock.value_for("low"), shock.value_for("high")
            spread = ""
            if not low == high == shock.value:
                ends = [
                    change_text(shock.variable, shock.mode, v).removeprefix("set to ") for v in (low, high)
                ]
                spread = f"{ends[0]} to {ends[1]}"
            rows.append(
                base
                | {
                    "item": VARIABLE_WORDS.get(shock.variable, shock.variable),
                    "change": change_text(shock.variable, shock.mode, shock.value),
                    "range": spread,
                    "between": describe_pairs(shock.pairs),
                    "from_year": scenario.start_year if shock.start_year is None else shock.start_year,
                    "goods": ", ".join(shock.commodities) or "all",
                    "source": source_name(shock.source),
                    "source_url": first_url(shock.source),
                    "note": shock.note,
                }
            )
        for shipment in scenario.known_shipments:
            years = sorted(int(y) for y, _ in shipment.values)
            total = sum(float(v) for _, v in shipment.values)
            span = f"{years[0]}–{years[-1]}" if len(years) > 1 else f"{years[0]}" if years else ""
            verb = "exports to" if shipment.flow == "export" else "imports from"
            rows.append(
                base
                | {
                    "item": f"known shipment: {shipment.name.replace('_', ' ')}",
                    "change": f"USD {total / 1e6:,.0f} m of {shipment.commodity}",
                    "range": "",
                    "between": f"{shipment.reporter} {verb} {shipment.partner}, {span}",
                    "from_year": years[0] if years else pd.NA,
                    "ramp_years": pd.NA,
                    "goods": shipment.commodity,
                    "source": source_name(shipment.source),
                    "source_url": first_url(shipment.source),
                    "note": shipment.note,
                }
            )
    return pd.DataFrame(rows, columns=SHOCK_COLUMNS)
