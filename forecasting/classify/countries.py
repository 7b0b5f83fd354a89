"""Country codes of every trade source to ISO 3166-1 alpha-3, through ``country_converter``.

Trade sources name countries four ways: ISO3 letters (WITS, CEPII, Comtrade's ``reporterISO``),
numbers (UN M49 and the Comtrade/BACI variants of it), printed names ("Rep. of Korea",
"Fmr Sudan") and pseudo-codes for aggregates ("World", ``W00``, 0). The maintained
``country_converter`` library resolves the current countries; this module adds the three
things it does not know about trade data:

* **Source variants of numeric codes.** Comtrade and BACI report France as 251, Norway 579,
  India 699, Switzerland 757 and the USA 842 (M49: 250, 578, 356, 756, 840), because their
  customs territories include dependencies.
* **Historic entities**, by one documented rule (:data:`HISTORIC`):

  - renamed codes of the same country are recoded silently: ROM->ROU, ZAR->COD,
    TMP->TLS, PAL->PSE, and WITS's SER->SRB, MNT->MNE;
  - an entity whose legal successor carries its trade is mapped to that successor and the
    rows flagged ``historic_successor``: YUG and Serbia-and-Montenegro (SCG, 890, 891)
    ->SRB, Former Sudan (736)->SDN, Former Federal Republic of Germany (280)->DEU,
    Belgium-Luxembourg (58)->BEL (as CEPII's BACI table does), the Southern African
    Customs Union (711)->ZAF;
  - an entity that split into several states with no single successor keeps its
    ISO 3166-3 code and the rows are flagged ``historic_entity``: SUN (USSR, 810),
    CSK (Czechoslovakia, 200), DDR (German Democratic Republic, 278) and ANT
    (Netherlands Antilles, 530). Splitting their trade between successors is a modelling
    choice the user has to make explicitly.
* **Aggregates** get stable three-letter codes and the flag ``partner_aggregate``:
  WLD world (0, "World", W00), EUN European Union (97), OAS "Other Asia, nes" (490, S19),
  UNS "Areas, nes" (899), XBK bunkers (837), XFZ free zones (838), XSC special
  categories (839), XEF "Europe EFTA, nes" (697).

It also holds the one piece of country geography the toolkit computes itself, the
great-circle distance between two points (:func:`great_circle_km`), which the gravity panel
builder and the demo-data simulator both use.
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Iterable, Mapping
from typing import Literal, TypeVar, get_args

import numpy as np
import pandas as pd

from forecasting.errors import UnknownCodeError, describe_items
from forecasting.validation import closest

logger = logging.getLogger(__name__)

CountryScheme = Literal["auto", "iso3", "m49", "name", "cepii", "baci"]
CountryStatus = Literal["current", "recoded", "historic_successor", "historic_entity", "aggregate"]
Code = TypeVar("Code", str, int)

#: Flag written on rows whose country code carries this status (``current``/``recoded`` add none).
STATUS_FLAGS: dict[str, str] = {
    "historic_successor": "historic_successor",
    "historic_entity": "historic_entity",
    "aggregate": "partner_aggregate",
}

#: Aggregate pseudo-codes and what they stand for.
AGGREGATES: dict[str, str] = {
    "WLD": "World",
    "EUN": "European Union",
    "OAS": "Other Asia, not elsewhere specified",
    "UNS": "Areas, not elsewhere specified",
    "XBK": "Bunkers",
    "XFZ": "Free zones",
    "XSC": "Special categories",
    "XEF": "Europe EFTA, not elsewhere specified",
}


def _by_status(groups: Mapping[CountryStatus, Mapping[Code, str]]) -> dict[Code, tuple[str, CountryStatus]]:
    """``{status: {code: iso3}}`` as ``{code: (iso3, status)}``: the tables below are written by status."""
    return {code: (iso3, status) for status, table in groups.items() for code, iso3 in table.items()}


def _spellings(**names: tuple[str, ...]) -> dict[str, str]:
    """``ISO3=(name, ...)`` as ``{name: ISO3}``."""
    return {name: iso3 for iso3, spelled in names.items() for name in spelled}


#: Old or source-specific letter codes -> (ISO3, status).
HISTORIC: dict[str, tuple[str, CountryStatus]] = _by_status(
    {
        "recoded": {"ROM": "ROU", "ZAR": "COD", "TMP": "TLS", "PAL": "PSE", "SER": "SRB", "MNT": "MNE"},
        "historic_successor": {"YUG": "SRB", "SCG": "SRB"},
        "historic_entity": {code: code for code in ("SUN", "CSK", "DDR", "ANT")},
        "aggregate": {"W00": "WLD", "S19": "OAS", **{code: code for code in AGGREGATES}},
    }
)

#: Numeric codes that differ from standard M49 (Comtrade and BACI reporters, aggregates).
NUMERIC_VARIANTS: dict[int, tuple[str, CountryStatus]] = _by_status(
    {
        "current": {251: "FRA", 579: "NOR", 699: "IND", 757: "CHE", 842: "USA", 849: "UMI"},
        "historic_successor": {58: "BEL", 280: "DEU", 711: "ZAF", 736: "SDN", 890: "SRB", 891: "SRB"},
        "historic_entity": {200: "CSK", 278: "DDR", 530: "ANT", 810: "SUN"},
        "aggregate": {
            0: "WLD",
            97: "EUN",
            490: "OAS",
            697: "XEF",
            837: "XBK",
            838: "XFZ",
            839: "XSC",
            899: "UNS",
        },
    }
)

#: Names as Comtrade and WITS print them that the regular-expression matcher gets wrong or misses.
NAME_VARIANTS: dict[str, tuple[str, CountryStatus]] = _by_status(
    {
        "aggregate": _spellings(
            WLD=("world",),
            EUN=("eu", "eu-27", "eu-28", "european union"),
            OAS=("other asia, nes",),
            UNS=("areas, nes", "unspecified"),
            XBK=("bunkers",),
            XFZ=("free zones",),
            XSC=("special categories",),
            XEF=("europe efta, nes",),
        ),
        "historic_entity": _spellings(
            SUN=("fmr ussr", "ussr", "soviet union"),
            CSK=("czechoslovakia",),
            DDR=("fmr dem. rep. of germany",),
            ANT=("neth. antilles", "netherlands antilles"),
        ),
        "historic_successor": _spellings(
            DEU=("fmr fed. rep. of germany",),
            SDN=("fmr sudan",),
            SRB=("serbia and montenegro", "yugoslavia", "fmr yugoslavia"),
            BEL=("belgium-luxembourg",),
            ZAF=("so. african customs union",),
        ),
    }
)

_SCHEMES: tuple[str, ...] = get_args(CountryScheme)
_DIGITS = re.compile(r"^\s*\d+(\.0+)?\s*$")
_LETTERS3 = re.compile(r"^[A-Za-z][A-Za-z0-9]{2}$")


@functools.lru_cache(maxsize=1)
def _converter():  # type: ignore[no-untyped-def]
    import country_converter as coco

    # country_converter reports every miss at WARNING; misses are our errors, so keep it quiet.
    logging.getLogger("country_converter").setLevel(logging.ERROR)
    return coco.CountryConverter()


@functools.lru_cache(maxsize=1)
def _tables() -> tuple[frozenset[str], dict[int, str], list[str]]:
    data = _converter().data
    iso3 = frozenset(data["ISO3"].astype(str))
    numeric: dict[int, str] = {}
    for column in ("ISOnumeric", "UNcode"):
        for code, letters in zip(data[column], data["ISO3"], strict=True):
            if pd.notna(code):
                numeric[int(code)] = str(letters)
    names = sorted({*data["name_short"].astype(str), *data["name_official"].astype(str), *NAME_VARIANTS})
    return iso3, numeric, names


def _resolve_letters(code: str) -> tuple[str, CountryStatus] | None:
    upper = code.strip().upper()
    if upper in HISTORIC:
        return HISTORIC[upper]
    if upper in _tables()[0]:
        return upper, "current"
    return None


def _resolve_number(code: object) -> tuple[str, CountryStatus] | None:
    number = int(float(str(code).strip()))
    if number in NUMERIC_VARIANTS:
        return NUMERIC_VARIANTS[number]
    found = _tables()[1].get(number)
    return (found, "current") if found else None


def _resolve_names(names: list[str]) -> dict[str, tuple[str, CountryStatus] | None]:
    out: dict[str, tuple[str, CountryStatus] | None] = {}
    rest = []
    for name in names:
        key = name.strip().lower()
        if key in NAME_VARIANTS:
            out[name] = NAME_VARIANTS[key]
        else:
            rest.append(name)
    if rest:
        converted = _converter().convert(rest, src="regex", to="ISO3", not_found=None)
        converted = converted if isinstance(converted, list) else [converted]
        iso3 = _tables()[0]
        for name, found in zip(rest, converted, strict=True):
            # coco returns the input itself (not None) for some misses; only trust real codes.
            out[name] = (str(found), "current") if found in iso3 else None
    return out


def _guess_kind(code: object) -> str:
    if isinstance(code, (int, np.integer)) or (isinstance(code, float) and float(code).is_integer()):
        return "number"
    text = str(code)
    if _DIGITS.match(text):
        return "number"
    if _LETTERS3.match(text.strip()) and text.strip().isupper():
        return "letters"
    return "name"


def _scheme_kind(scheme: str, code: object) -> str:
    if scheme in ("iso3", "cepii"):
        return "letters"
    if scheme in ("m49", "baci"):
        return "number"
    if scheme == "name":
        return "name"
    return _guess_kind(code)


def country_table(codes: Iterable[object], *, scheme: CountryScheme = "auto") -> pd.DataFrame:
    """Resolve each distinct code to ISO3 with its status; raise on any code it cannot resolve.

    Parameters
    ----------
    codes
        Country codes or names in any mix the scheme allows.
    scheme
        ``"iso3"`` (with CEPII/WITS old codes), ``"cepii"`` (same), ``"m49"`` (with the
        Comtrade variants), ``"baci"`` (same numbers), ``"name"`` (printed names), or
        ``"auto"``: numbers as M49, three capital letters as ISO3, anything else as a name.

    Returns
    -------
    DataFrame
        One row per distinct code: ``code``, ``iso3``, ``status`` (current, recoded,
        historic_successor, historic_entity, aggregate) and ``flag`` ('' or a flag code).

    Raises
    ------
    UnknownCodeError
        Naming the codes it could not resolve (first five and a count) with close matches.

    Examples
    --------
    >>> country_table(["ROM", "KAZ", "YUG"], scheme="cepii")[["code", "iso3", "status"]].values.tolist()
    [['ROM', 'ROU', 'recoded'], ['KAZ', 'KAZ', 'current'], ['YUG', 'SRB', 'historic_successor']]
    """
    table, unknown = resolve_codes(codes, scheme=scheme)
    if unknown:
        raise UnknownCodeError(_unknown_message(unknown, scheme))
    return table


def resolve_codes(
    codes: Iterable[object], *, scheme: CountryScheme = "auto"
) -> tuple[pd.DataFrame, list[object]]:
    """Like :func:`country_table`, but return the codes it cannot resolve instead of raising.

    Lets a reader try a second table (say, the release's own country file) for the rest.

    Examples
    --------
    >>> table, unknown = resolve_codes([398, 9991], scheme="baci")
    >>> table["iso3"].tolist(), unknown
    (['KAZ'], [9991])
    """
    if scheme not in _SCHEMES:
        raise ValueError(f"scheme={scheme!r} is not one of {', '.join(map(repr, _SCHEMES))}")
    unique = pd.unique(pd.Series(list(codes), dtype=object).dropna())
    resolved: dict[object, tuple[str, CountryStatus] | None] = {}
    pending_names: list[str] = []
    for code in unique:
        kind = _scheme_kind(scheme, code)
        if kind == "number":
            resolved[code] = _resolve_number(code) if _guess_kind(code) == "number" else None
        elif kind == "letters":
            resolved[code] = _resolve_letters(str(code))
        else:
            pending_names.append(str(code))
    resolved.update(_resolve_names(pending_names))
    unknown = [code for code in unique if resolved.get(code if code in resolved else str(code)) is None]
    rows = [
        (code, *resolved[code if code in resolved else str(code)]) for code in unique if code not in unknown
    ]  # type: ignore[misc]
    table = pd.DataFrame(rows, columns=["code", "iso3", "status"], dtype=object)
    table["flag"] = table["status"].map(STATUS_FLAGS).fillna("").astype(object)
    return table, unknown


def _unknown_message(unknown: list[object], scheme: str) -> str:
    iso3, _, names = _tables()
    hints = []
    for code in unknown[:5]:
        vocabulary = sorted(iso3 | set(HISTORIC)) if _LETTERS3.match(str(code).strip()) else names
        close = closest(str(code).strip(), vocabulary, n=3)
        if close:
            hints.append(f"{code!r} -> {', '.join(close)}?")
    hint = f" Close matches: {'; '.join(hints)}." if hints else ""
    return (
        f"{len(unknown)} country code(s) not recognised with scheme={scheme!r}: {describe_items(unknown)}."
        f"{hint} Fix the codes in the file, pass the right scheme, or map them first"
        " (e.g. df['partner'].replace({'OLD': 'NEW'}))."
    )


def to_iso3(codes: Iterable[object] | pd.Series, *, scheme: CountryScheme = "auto") -> pd.Series:
    """Translate country codes or names to ISO3, keeping the input's index.

    Missing inputs stay missing; unknown codes raise :class:`UnknownCodeError`.
    See :func:`country_table` for the schemes and the historic-entity rule.

    Examples
    --------
    >>> to_iso3([398, 586, 842, 0]).tolist()
    ['KAZ', 'PAK', 'USA', 'WLD']
    >>> to_iso3(["Kazakhstan", "Rep. of Korea", "World"], scheme="name").tolist()
    ['KAZ', 'KOR', 'WLD']
    >>> to_iso3(["ZAR", "TMP", "PAL"], scheme="cepii").tolist()
    ['COD', 'TLS', 'PSE']
    """
    series = codes if isinstance(codes, pd.Series) else pd.Series(list(codes), dtype=object)
    table = country_table(series, scheme=scheme)
    mapping = dict(zip(table["code"], table["iso3"], strict=True))
    return series.map(mapping).astype(object).rename(series.name)


def iso3_with_flags(codes: pd.Series, *, scheme: CountryScheme = "auto") -> tuple[pd.Series, pd.Series]:
    """ISO3 codes and the flag each row earns ('' when none), aligned with ``codes``.

    Examples
    --------
    >>> import pandas as pd
    >>> iso, flags = iso3_with_flags(pd.Series(["YUG", "KAZ", "WLD"]), scheme="iso3")
    >>> iso.tolist(), flags.tolist()
    (['SRB', 'KAZ', 'WLD'], ['historic_successor', '', 'partner_aggregate'])
    """
    table = country_table(codes, scheme=scheme)
    iso = codes.map(dict(zip(table["code"], table["iso3"], strict=True))).astype(object)
    flags = codes.map(dict(zip(table["code"], table["flag"], strict=True))).fillna("").astype(object)
    return iso, flags


def numeric_codes_for(iso3: Iterable[str]) -> dict[str, list[int]]:
    """Every numeric code (M49 and the Comtrade/BACI variants) that resolves to each ISO3.

    Used to push a country filter down into a scan of a numeric-coded file.

    Examples
    --------
    >>> numeric_codes_for(["FRA", "KAZ"])
    {'FRA': [250, 251], 'KAZ': [398]}
    """
    wanted = {code: [] for code in iso3}  # type: dict[str, list[int]]
    known = {**{n: (code, "current") for n, code in _tables()[1].items()}, **NUMERIC_VARIANTS}
    for number, (code, _status) in sorted(known.items()):
        if code in wanted:
            wanted[code].append(number)
    return wanted


EARTH_RADIUS_KM = 6371.0088  # IUGG mean Earth radius


def great_circle_km(lat1: np.ndarray, lon1: np.ndarray, lat2: np.ndarray, lon2: np.ndarray) -> np.ndarray:
    """Haversine distance in km between points given in degrees (IUGG mean Earth radius).

    Examples
    --------
    >>> round(float(great_circle_km(51.1694, 71.4491, 33.6844, 73.0479)), -1)  # Astana - Islamabad
    1950.0
    """
    phi1, phi2 = np.radians(lat1), np.radians(lat2)
    dphi = phi2 - phi1
    dlam = np.radians(np.asarray(lon2) - np.asarray(lon1))
    h = np.sin(dphi / 2) ** 2 + np.cos(phi1) * np.cos(phi2) * np.sin(dlam / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))
