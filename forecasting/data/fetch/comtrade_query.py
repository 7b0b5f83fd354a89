"""UN Comtrade request parameters: country codes, periods, flows, commodities and how requests are split.

A request may list at most 12 periods, and answers are capped (500 records on the keyless
preview, 250,000 with a key), so a fetch is cut into requests by HS level (each of ``TOTAL``,
``AG2``, 4-digit codes, ... asked separately, so an answer never mixes aggregation levels) and by
chunks of periods.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from functools import cache

from forecasting.errors import FetchError, describe_items

from .core import option_name

API_KEY_ENV = "COMTRADE_API_KEY"
KEY_HEADER = "Ocp-Apim-Subscription-Key"
PREVIEW_PATH = "/public/v1/preview"
DATA_PATH = "/data/v1/get"
PREVIEW_MAX_RECORDS = 500
DATA_MAX_RECORDS = 250_000
MAX_PERIODS_PER_REQUEST = 12

FLOW_CODES = {"X": "X", "M": "M", "RX": "RX", "RM": "RM"}
FLOW_CODES |= {"export": "X", "import": "M", "re-export": "RX", "re-import": "RM"}

# Comtrade's reporter/partner codes are M49/ISO numeric except for a few countries whose
# Comtrade code covers a customs territory (e.g. Switzerland with Liechtenstein).
COMTRADE_CODE_EXCEPTIONS = {
    "USA": 842,
    "FRA": 251,
    "ITA": 381,
    "NOR": 579,
    "CHE": 757,
    "IND": 699,
    "TWN": 490,
}
WORLD_CODES = {"WLD", "W00", "WORLD"}


def normalise_periods(period: str | int | Iterable[str | int], freq: str) -> list[str]:
    """Comtrade period codes (``YYYY`` or ``YYYYMM``), sorted and without duplicates.

    Examples
    --------
    >>> normalise_periods(range(2019, 2022), "A")
    ['2019', '2020', '2021']
    >>> normalise_periods(["2023-02", 202301], "M")
    ['202301', '202302']
    >>> len(normalise_periods(2022, "M"))
    12
    """
    items = as_list(period, "period")
    codes: set[str] = set()
    bad: list[str] = []
    for item in items:
        text = str(item).strip().replace("-", "")
        if freq == "A" and re.fullmatch(r"(19|20)\d\d", text):
            codes.add(text)
        elif freq == "M" and re.fullmatch(r"(19|20)\d\d", text):
            codes.update(f"{text}{m:02d}" for m in range(1, 13))
        elif freq == "M" and re.fullmatch(r"(19|20)\d\d(0[1-9]|1[0-2])", text):
            codes.add(text)
        else:
            bad.append(str(item))
    if bad:
        form = "years such as 2019" if freq == "A" else "months such as '2023-01' or 202301 (or a year)"
        raise FetchError(
            f"{option_name('period')} values not valid for {option_name('freq')}={freq!r}: "
            f"{describe_items(bad)}; use {form}."
        )
    return sorted(codes)


def chunk_periods(periods: Sequence[str], size: int = MAX_PERIODS_PER_REQUEST) -> list[list[str]]:
    """Split periods into requests the API accepts (at most 12 periods each).

    Examples
    --------
    >>> [len(c) for c in chunk_periods([str(y) for y in range(2000, 2026)])]
    [12, 12, 2]
    """
    return [list(periods[i : i + size]) for i in range(0, len(periods), size)]


def commodity_levels(commodity: str | Iterable[str]) -> list[tuple[str, str]]:
    """Group commodity codes by HS level: ``(label, cmdCode)`` per request family.

    ``TOTAL`` and each ``AG1``..``AG6`` ("every code of that length") are asked alone; explicit
    codes are grouped by their number of digits.

    Examples
    --------
    >>> commodity_levels(["TOTAL", "2701", "30", "3004", "AG2"])
    [('TOTAL', 'TOTAL'), ('HS2', '30'), ('HS4', '2701,3004'), ('AG2', 'AG2')]
    """
    groups: dict[str, list[str]] = {}
    bad: list[str] = []
    for item in as_list(commodity, "commodity"):
        code = str(item).strip().upper()
        if code == "TOTAL" or re.fullmatch(r"AG[1-6]", code):
            groups.setdefault(code, [code])
        elif re.fullmatch(r"\d{2}|\d{4}|\d{6}", code):
            groups.setdefault(f"HS{len(code)}", []).append(code)
        else:
            bad.append(str(item))
    if bad:
        raise FetchError(
            f"commodity codes not valid: {describe_items(bad)}; use HS codes of 2, 4 or 6 digits "
            "('27', '2701', '270112'), 'TOTAL', or 'AG2'..'AG6' for every code of that length."
        )
    order = ["TOTAL", "HS2", "HS4", "HS6", *(f"AG{n}" for n in range(1, 7))]
    return [(label, ",".join(dict.fromkeys(groups[label]))) for label in order if label in groups]


def country_codes(values: str | int | Iterable[str | int] | None, name: str) -> str | None:
    """Comtrade country codes as the API wants them (comma-separated numbers).

    Examples
    --------
    >>> country_codes(["KAZ", "pak", 860], "reporter")
    '398,586,860'
    >>> country_codes("USA", "partner"), country_codes("WLD", "partner")
    ('842', '0')
    """
    if values is None:
        return None
    table = _iso3_to_numeric()
    codes: list[str] = []
    unknown: list[str] = []
    for item in as_list(values, name):
        text = str(item).strip().upper()
        if re.fullmatch(r"\d{1,3}", text):
            codes.append(str(int(text)))
        elif text in WORLD_CODES:
            codes.append("0")
        elif text in COMTRADE_CODE_EXCEPTIONS:
            codes.append(str(COMTRADE_CODE_EXCEPTIONS[text]))
        elif text in table:
            codes.append(str(table[text]))
        else:
            unknown.append(str(item))
    if unknown:
        raise FetchError(
            f"{name} codes not recognised: {describe_items(unknown)}. Use ISO3 codes (KAZ, PAK), 'WLD' "
            "for the world, or Comtrade's numeric codes."
        )
    return ",".join(dict.fromkeys(codes))


@cache
def _iso3_to_numeric() -> dict[str, int]:
    import country_converter as coco

    data = coco.CountryConverter().data[["ISO3", "ISOnumeric"]].dropna()
    return {str(iso).upper(): int(num) for iso, num in zip(data["ISO3"], data["ISOnumeric"], strict=True)}


def flow_codes(values: str | Iterable[str]) -> str:
    """Comtrade flow codes, comma-separated.

    Examples
    --------
    >>> flow_codes(["export", "M"])
    'X,M'
    """
    codes = []
    for value in as_list(values, "flow"):
        text = str(value).strip()
        code = FLOW_CODES.get(text.upper()) or FLOW_CODES.get(text.lower())
        if code is None:
            raise FetchError(
                f"flow={value!r} is not valid; use one of 'X', 'M', 'RX', 'RM' "
                "or 'export', 'import', 're-export', 're-import'."
            )
        codes.append(code)
    return ",".join(dict.fromkeys(codes))


def as_list(values: object, name: str) -> list[object]:
    """One value or an iterable of values as a non-empty list."""
    items = [values] if isinstance(values, str | int) else list(values)  # type: ignore[call-overload]
    if not items:
        raise FetchError(f"{name} is empty; give at least one value.")
    return items
