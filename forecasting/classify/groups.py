"""Named commodity groups: HS-prefix sets with a rationale, resolvable by name.

The built-in groups live in ``groups.toml`` beside this module (textiles, pharma, coal,
hydrocarbons, buses, electric_buses). Users add their own with :func:`define` or
:func:`load_groups`. A code belongs to a group when it starts with one of the group's
prefixes and with none of its exclusions; when several groups match, the one with the
longest matching prefix wins, so ``electric_buses`` (870240) beats ``buses`` (8702).
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd

from forecasting.errors import UnknownCodeError, describe_items
from forecasting.validation import closest, did_you_mean

DEFAULT_GROUPS = ("textiles", "pharma", "coal", "hydrocarbons", "buses")
_BUILTIN_FILE = Path(__file__).with_name("groups.toml")
# HS chapter 77 is reserved for future use and 98-99 are national chapters.
_VALID_CHAPTERS = tuple(f"{c:02d}" for c in range(1, 98) if c != 77)


@dataclass(frozen=True)
class CommodityGroup:
    """A named set of HS prefixes.

    Examples
    --------
    >>> g = CommodityGroup("cotton", prefixes=("52",), description="Cotton")
    >>> g.contains(pd.Series(["520100", "540200"])).tolist()
    [True, False]
    """

    name: str
    prefixes: tuple[str, ...]
    description: str = ""
    rationale: str = ""
    exclude: tuple[str, ...] = field(default_factory=tuple)
    builtin: bool = False

    def __post_init__(self) -> None:
        if not self.name or not self.name.replace("_", "").isalnum():
            raise ValueError(f"group name {self.name!r} must be letters, digits and underscores")
        if not self.prefixes:
            raise ValueError(f"group {self.name!r} needs at least one HS prefix")
        object.__setattr__(self, "prefixes", tuple(_check_prefixes(self.prefixes, self.name)))
        object.__setattr__(self, "exclude", tuple(_check_prefixes(self.exclude, self.name)))

    def match_length(self, codes: pd.Series) -> pd.Series:
        """Length of the longest prefix each code matches (0 when none or excluded)."""
        text = codes.astype(str)
        best = pd.Series(0, index=codes.index, dtype="int64")
        for prefix in self.prefixes:
            hit = text.str.startswith(prefix)
            best = best.where(~hit | (best >= len(prefix)), len(prefix))
        for prefix in self.exclude:
            best = best.where(~text.str.startswith(prefix), 0)
        return best

    def contains(self, codes: pd.Series) -> pd.Series:
        """Whether each zero-padded HS code belongs to the group."""
        return self.match_length(codes) > 0

    def to_dict(self) -> dict[str, object]:
        return {
            "description": self.description,
            "prefixes": list(self.prefixes),
            "exclude": list(self.exclude),
            "rationale": self.rationale,
        }


def _check_prefixes(prefixes: Iterable[str], group: str) -> list[str]:
    cleaned, bad = [], []
    for raw in prefixes:
        p = str(raw).strip().replace(".", "")
        if not p.isdigit() or len(p) not in (2, 4, 6) or p[:2] not in _VALID_CHAPTERS:
            bad.append(str(raw))
        else:
            cleaned.append(p)
    if bad:
        close = sorted({chapter for b in bad for chapter in closest(b[:2], _VALID_CHAPTERS)})
        hint = f" Nearby valid chapters: {', '.join(close)}." if close else ""
        raise UnknownCodeError(
            f"group {group!r} has {len(bad)} invalid HS prefixes: {describe_items(bad)}. Prefixes are"
            f" zero-padded HS chapters (2 digits, 01-97 except 77), headings (4) or subheadings (6).{hint}"
        )
    return cleaned


@cache
def _builtin() -> dict[str, CommodityGroup]:
    return _parse(tomllib.loads(_BUILTIN_FILE.read_text(encoding="utf-8")), builtin=True)


def _parse(table: dict[str, dict[str, object]], *, builtin: bool = False) -> dict[str, CommodityGroup]:
    groups = {}
    for name, spec in table.items():
        groups[name] = CommodityGroup(
            name=name,
            prefixes=tuple(spec.get("prefixes", ())),  # type: ignore[arg-type]
            description=str(spec.get("description", "")),
            rationale=str(spec.get("rationale", "")).strip(),
            exclude=tuple(spec.get("exclude", ())),  # type: ignore[arg-type]
            builtin=builtin,
        )
    return groups


_user_groups: dict[str, CommodityGroup] = {}


def builtin_groups() -> dict[str, CommodityGroup]:
    """The toolkit's named groups, by name.

    Examples
    --------
    >>> sorted(builtin_groups())[:3]
    ['buses', 'coal', 'electric_buses']
    """
    return dict(_builtin())


def available_groups() -> dict[str, CommodityGroup]:
    """Built-in and user-defined groups, by name."""
    return {**_builtin(), **_user_groups}


def define(
    name: str,
    prefixes: Sequence[str],
    *,
    description: str = "",
    rationale: str = "",
    exclude: Sequence[str] = (),
    replace: bool = False,
) -> CommodityGroup:
    """Define (and register for this session) a user group of HS prefixes.

    Examples
    --------
    >>> g = define("grain", ["1001", "1002", "1003", "1004"], description="Cereals", replace=True)
    >>> resolve("grain").prefixes
    ('1001', '1002', '1003', '1004')
    """
    if name in _builtin() and not replace:
        raise ValueError(f"{name!r} is a built-in group; choose another name or pass replace=True")
    group = CommodityGroup(name, tuple(prefixes), description, rationale, tuple(exclude))
    _user_groups[name] = group
    return group


def load_groups(path: str | Path) -> dict[str, CommodityGroup]:
    """Read user groups from a TOML file shaped like the built-in ``groups.toml`` and register them."""
    table = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    groups = _parse(table)
    _user_groups.update(groups)
    return groups


def resolve(group: str | CommodityGroup) -> CommodityGroup:
    """Look a group up by name; unknown names raise with the closest valid names.

    Examples
    --------
    >>> resolve("pharma").prefixes
    ('30',)
    >>> resolve("textile")
    Traceback (most recent call last):
    ...
    forecasting.errors.UnknownCodeError: unknown commodity group 'textile' (did you mean 'textiles'?); ...
    """
    if isinstance(group, CommodityGroup):
        return group
    known = available_groups()
    if group in known:
        return known[group]
    raise UnknownCodeError(
        f"unknown commodity group {group!r}{did_you_mean(group, known, n=3, cutoff=0.5)}; valid groups:"
        f" {', '.join(sorted(known))}."
        " Define your own with forecasting.classify.groups.define(name, prefixes)."
    )


def assign(codes: pd.Series, groups: Sequence[str | CommodityGroup] | None = None) -> pd.Series:
    """Name of the group each zero-padded HS code belongs to (missing when none).

    When a code matches several groups the longest matching prefix wins.

    Examples
    --------
    >>> assign(pd.Series(["520100", "870240", "870210", "090111"]),
    ...        ["textiles", "buses", "electric_buses"]).tolist()
    ['textiles', 'electric_buses', 'buses', nan]
    """
    chosen = [resolve(g) for g in (DEFAULT_GROUPS if groups is None else groups)]
    names = [g.name for g in chosen]
    if len(set(names)) != len(names):
        raise ValueError(
            f"groups listed twice: {describe_items(sorted({n for n in names if names.count(n) > 1}))}"
        )
    codes = pd.Series(codes)
    lengths = (
        np.column_stack([g.match_length(codes).to_numpy() for g in chosen])
        if chosen
        else np.zeros((len(codes), 0))
    )
    out = pd.Series(np.nan, index=codes.index, dtype=object)
    if lengths.size:
        best = lengths.argmax(axis=1)
        matched = lengths.max(axis=1) > 0
        out[matched] = np.asarray(names, dtype=object)[best[matched]]
    return out
