"""Shared vocabulary and checks of the scenarios package (variables, modes, ISO3 codes).

Every check returns sentences rather than raising, so a scenario reports all its problems
in one error (:func:`raise_problems`), the way ``forecasting.schema.validate`` does for tables.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterable, Sequence
from typing import Any, Literal, get_args

from forecasting.classify import available_groups
from forecasting.errors import ScenarioError, describe_items
from forecasting.validation import did_you_mean

Variable = Literal["dist_km", "transit_days", "freight_cost_pct", "tariff_pct", "rta", "route_available"]
Mode = Literal["add", "relative", "set"]
Draw = Literal["low", "central", "high"]
ScenarioKind = Literal["corridor", "baseline"]

VARIABLES: tuple[str, ...] = get_args(Variable)
MODES: tuple[str, ...] = get_args(Mode)
DRAWS: tuple[str, ...] = get_args(Draw)
SCENARIO_KINDS: tuple[str, ...] = get_args(ScenarioKind)

#: Modes each variable accepts. A share or a dummy only makes sense as a new level;
#: "relative" means a proportional change (-0.4 is 40 % less).
MODES_BY_VARIABLE: dict[str, tuple[str, ...]] = {
    "dist_km": ("add", "relative", "set"),
    "transit_days": ("add", "relative", "set"),
    "freight_cost_pct": ("add", "relative", "set"),
    "tariff_pct": ("add", "relative", "set"),
    "rta": ("set",),
    "route_available": ("set",),
}

UNITS: dict[str, str] = {
    "dist_km": "km",
    "transit_days": "days",
    "freight_cost_pct": "percent of value",
    "tariff_pct": "percent of value",
    "rta": "0/1",
    "route_available": "share of the year open",
}

#: Years outside this window are almost surely typos (a day count typed as a year).
YEAR_RANGE = (1950, 2200)


@functools.lru_cache(maxsize=1)
def iso3_codes() -> frozenset[str]:
    """Current ISO 3166-1 alpha-3 codes known to ``country_converter``."""
    import country_converter as coco  # imported lazily: it reads its table on first use

    codes = coco.CountryConverter().data["ISO3"].dropna().astype(str)
    return frozenset(code.upper() for code in codes)


def unknown_countries(codes: Iterable[str]) -> list[str]:
    """The codes in ``codes`` that are not current ISO3 codes, sorted."""
    valid = iso3_codes()
    return sorted({c for c in codes if c not in valid})


def country_problem(codes: Iterable[str], where: str) -> list[str]:
    """A sentence naming unknown country codes, with close matches."""
    bad = unknown_countries(codes)
    if not bad:
        return []
    hints = "".join(
        f" (did you mean {code.upper()!r}?)"
        if code.upper() in iso3_codes()
        else did_you_mean(code, iso3_codes())
        for code in bad[:3]
    )
    return [
        f"{where}: unknown ISO3 country codes {describe_items(bad)}{hints};"
        " use ISO 3166-1 alpha-3 upper case (KAZ, PAK, UZB)"
    ]


#: Commodity names every data set of the toolkit may hold beside the named groups: the rest
#: of trade (``other``, the grouping default) and a pair's total (``TOTAL``).
GENERIC_COMMODITIES = ("other", "TOTAL")


def known_commodities(extra: Iterable[str] = ()) -> tuple[str, ...]:
    """Commodity names a scenario may restrict a shock to: the named groups (built-in and
    defined with :func:`forecasting.classify.define`), ``other``, ``TOTAL`` and ``extra``."""
    return tuple(sorted({*available_groups(), *GENERIC_COMMODITIES, *map(str, extra)}))


def commodity_problem(names: Iterable[str], where: str, known: Sequence[str]) -> list[str]:
    """One sentence per name in ``names`` that is not in ``known``, with the close match.

    Examples
    --------
    >>> commodity_problem(["textile"], "shock 1 (transit_days)", ["coal", "textiles"])
    ["shock 1 (transit_days): unknown commodity 'textile' (did you mean 'textiles'?); known: coal, textiles"]
    """
    return [
        f"{where}: unknown commodity {name!r}{did_you_mean(name, known)}; known: {', '.join(known)}"
        for name in names
        if name not in known
    ]


def number_problem(
    what: str, value: object, *, low: float | None = None, high: float | None = None
) -> list[str]:
    """A sentence when ``value`` is not a finite number within [low, high]."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return [f"{what} must be a finite number, got {value!r}"]
    if low is not None and value < low:
        return [f"{what} must be at least {low}, got {value!r}"]
    if high is not None and value > high:
        return [f"{what} must be at most {high}, got {value!r}"]
    return []


def year_problem(what: str, value: object) -> list[str]:
    """A sentence when ``value`` is not a plausible calendar year."""
    if isinstance(value, bool) or not isinstance(value, int):
        return [f"{what} must be a whole calendar year, got {value!r}"]
    if not YEAR_RANGE[0] <= value <= YEAR_RANGE[1]:
        return [f"{what} {value} is outside {YEAR_RANGE[0]}-{YEAR_RANGE[1]}; is it a year?"]
    return []


def raise_problems(subject: str, found: Sequence[str], fix: str = "") -> None:
    """Raise one ScenarioError listing every problem (the list is kept on ``.problems``)."""
    if not found:
        return
    lines = "\n".join(f"  - {p}" for p in found)
    tail = f"\n{fix}" if fix else ""
    error = ScenarioError(f"{subject} has {len(found)} problem(s):\n{lines}{tail}")
    error.problems = list(found)  # type: ignore[attr-defined]
    raise error


def problems_of(error: ScenarioError) -> list[str]:
    """The problem sentences carried by an error from :func:`raise_problems`."""
    return list(getattr(error, "problems", [str(error)]))


def year_table(raw: object, what: str, found: list[str]) -> tuple[tuple[int, float], ...]:
    """Normalise ``{year: value}`` (keys may be TOML strings) to sorted ``((year, value), ...)``."""
    if raw is None:
        return ()
    items: Any = raw.items() if isinstance(raw, dict) else raw
    table: dict[int, float] = {}
    try:
        for key, value in items:
            year = int(key) if isinstance(key, str) and key.strip().lstrip("-").isdigit() else key
            found.extend(year_problem(f"{what} year", year))
            found.extend(number_problem(f"{what} value for {key}", value))
            if isinstance(year, int) and isinstance(value, int | float) and not isinstance(value, bool):
                table[year] = float(value)
    except (TypeError, ValueError):
        found.append(f"{what} must map years to numbers, e.g. {{2030 = 0.5}}, got {raw!r}")
        return ()
    return tuple(sorted(table.items()))


def unknown_keys(keys: Iterable[str], allowed: Iterable[str], what: str) -> list[str]:
    """Sentences naming keys of a TOML table that are not ``allowed``, with close matches."""
    allowed = sorted(allowed)
    return [
        f"unknown key {k!r} in {what}{did_you_mean(str(k), allowed)}; valid keys: {', '.join(allowed)}"
        for k in sorted(set(keys) - set(allowed), key=str)
    ]
