"""Fetcher for the UN Comtrade API (v1): the keyless preview endpoint and the keyed data endpoint.

Endpoints (``{type}/{freq}/{classification}``, e.g. ``C/A/HS``):

- preview: ``https://comtradeapi.un.org/public/v1/preview/...`` — no key, at most 500 records
  per request;
- data: ``https://comtradeapi.un.org/data/v1/get/...`` — needs a subscription key, sent in the
  ``Ocp-Apim-Subscription-Key`` header and read from the environment variable
  ``COMTRADE_API_KEY``; up to 250,000 records per request.

Query parameters follow the API's names (``reporterCode``, ``partnerCode``, ``partner2Code``,
``period``, ``cmdCode``, ``flowCode``, ``customsCode``, ``motCode``, ``maxRecords``,
``includeDesc``). A request may list at most 12 periods, so longer period lists are split into
chunks of 12. Each chunk's JSON answer (``{"elapsedTime", "count", "data": [...], "error"}``)
is saved unchanged, under a name derived from a hash of the request, for
``forecasting.data.readers.read_comtrade``; a ``.request.json`` file beside it records the
query (never the key) for provenance.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import urllib.parse
import warnings
from collections.abc import Callable, Iterable, Sequence
from functools import cache
from pathlib import Path
from typing import Literal

from forecasting.errors import DataQualityWarning, FetchError, describe_items

from .cache import atomic_writer, cache_dir
from .core import FetchedFile, FetchResult, RemoteFile, choose, fetch_remote
from .transfer import RetryPolicy

logger = logging.getLogger(__name__)

PREVIEW_URL = "https://comtradeapi.un.org/public/v1/preview"
DATA_URL = "https://comtradeapi.un.org/data/v1/get"
API_KEY_ENV = "COMTRADE_API_KEY"
KEY_HEADER = "Ocp-Apim-Subscription-Key"
PREVIEW_MAX_RECORDS = 500
DATA_MAX_RECORDS = 250_000
MAX_PERIODS_PER_REQUEST = 12

ComtradeEndpoint = Literal["auto", "preview", "data", "full"]
ComtradeFreq = Literal["A", "M"]
ENDPOINTS: tuple[str, ...] = ("auto", "preview", "data", "full")  # "full" is an alias of "data"
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


def fetch_comtrade(
    reporter: str | int | Iterable[str | int] | None,
    partner: str | int | Iterable[str | int] | None = "WLD",
    *,
    period: str | int | Iterable[str | int],
    commodity: str | Iterable[str] = "TOTAL",
    flow: str | Iterable[str] = ("X", "M"),
    freq: ComtradeFreq | str = "A",
    classification: str = "HS",
    partner2: str | int | None = 0,
    customs: str | None = "C00",
    mode_of_transport: str | int | None = 0,
    endpoint: ComtradeEndpoint | str = "auto",
    api_key: str | None = None,
    max_records: int | None = None,
    preview_url: str = PREVIEW_URL,
    data_url: str = DATA_URL,
    refresh: bool = False,
    retry: RetryPolicy | None = None,
    pause_s: float = 1.0,
) -> FetchResult:
    """Download UN Comtrade goods trade (JSON) into the cache, one file per 12-period chunk.

    Parameters
    ----------
    reporter, partner
        Comtrade country codes (numbers), ISO3 codes (``"KAZ"``, ``"PAK"``; translated, see
        ``COMTRADE_CODE_EXCEPTIONS``) or lists of them; ``"WLD"``/0 is the world; None leaves
        the parameter out (all countries).
    period
        Years (``2019``, ``range(2010, 2024)``) for ``freq="A"``; months (``"202301"`` or
        ``"2023-01"``) for ``freq="M"``, where a bare year stands for its twelve months.
    commodity
        HS codes (``"2701"``, ``["27", "30"]``), ``"TOTAL"``, or ``"AG2"``..``"AG6"`` (all codes
        of that length).
    flow
        ``X``/``M``/``RX``/``RM`` or ``export``/``import``/``re-export``/``re-import``.
    freq, classification
        ``"A"`` or ``"M"``; ``"HS"`` (as reported) or ``H0``..``H6``.
    partner2, customs, mode_of_transport
        Second partner, customs procedure and transport mode; the defaults (0, ``C00``, 0) ask
        for totals so rows are not double counted. None asks for every breakdown.
    endpoint
        ``"auto"`` (data endpoint when a key is available, else preview), ``"preview"`` or
        ``"data"`` (alias ``"full"``).
    api_key
        Subscription key; default: the ``COMTRADE_API_KEY`` environment variable.
    max_records
        ``maxRecords`` per request (default: the endpoint's cap, 500 or 250,000). A chunk that
        returns that many records was probably truncated: a ``DataQualityWarning`` says which.
    preview_url, data_url
        Endpoint roots (tests point them at a local server).
    refresh, retry
        Download again even if cached; retry settings (see :class:`RetryPolicy`).
    pause_s
        Pause between consecutive requests, to stay within the API's rate limits.

    Returns
    -------
    FetchResult
        One JSON file per chunk (``records`` = rows in it); read them with
        ``forecasting.data.readers.read_comtrade``.

    Examples
    --------
    >>> fetch_comtrade("KAZ", "PAK", period=[2020], endpoint="data", api_key="")
    Traceback (most recent call last):
    ...
    forecasting.errors.FetchError: The Comtrade data endpoint needs a subscription key: set the environment variable COMTRADE_API_KEY (free keys: https://comtradedeveloper.un.org), or pass api_key=..., or use endpoint='preview' (no key, at most 500 records per request).
    """
    frequency = choose(freq, ("A", "M"), "freq")
    which = choose(endpoint, ENDPOINTS, "endpoint").replace("full", "data")
    key = (os.environ.get(API_KEY_ENV, "") if api_key is None else api_key).strip()
    if which == "auto":
        which = "data" if key else "preview"
        logger.info("Comtrade endpoint: %s (%s)", which, "key found" if key else f"no {API_KEY_ENV}")
    if which == "data" and not key:
        raise FetchError(
            f"The Comtrade data endpoint needs a subscription key: set the environment variable {API_KEY_ENV} "
            "(free keys: https://comtradedeveloper.un.org), or pass api_key=..., or use "
            "endpoint='preview' (no key, at most 500 records per request)."
        )
    cap = PREVIEW_MAX_RECORDS if which == "preview" else DATA_MAX_RECORDS
    limit = cap if max_records is None else int(max_records)
    if not 1 <= limit <= cap:
        raise FetchError(f"max_records={max_records!r} must be between 1 and {cap} for the {which} endpoint.")
    cl_code = classification.strip().upper()
    if not re.fullmatch(r"HS|H[0-6]", cl_code):
        raise FetchError(f"classification={classification!r} is not valid; use 'HS' or one of H0..H6.")
    base = (preview_url if which == "preview" else data_url).rstrip("/")
    url = f"{base}/C/{frequency}/{cl_code}"
    common = {
        "reporterCode": country_codes(reporter, "reporter"),
        "partnerCode": country_codes(partner, "partner"),
        "partner2Code": country_codes(partner2, "partner2"),
        "cmdCode": _join(commodity, "commodity", upper=True),
        "flowCode": ",".join(_flow_code(str(f)) for f in _as_list(flow, "flow")),
        "customsCode": None if customs is None else str(customs).upper(),
        "motCode": None if mode_of_transport is None else str(mode_of_transport),
        "maxRecords": str(limit),
        "format": "JSON",
        "breakdownMode": "classic",
        "includeDesc": "true",
    }
    headers = {KEY_HEADER: key} if which == "data" else {}
    policy = retry or RetryPolicy()
    folder = cache_dir("comtrade")
    files: list[FetchedFile] = []
    capped: list[str] = []
    downloaded_before = False
    for chunk in chunk_periods(normalise_periods(period, frequency)):
        params = {k: v for k, v in {**common, "period": ",".join(chunk)}.items() if v is not None}
        query = urllib.parse.urlencode(sorted(params.items()), safe=",")
        request_hash = hashlib.sha256(f"{url}?{query}".encode()).hexdigest()[:16]
        span = chunk[0] if len(chunk) == 1 else f"{chunk[0]}-{chunk[-1]}"
        dest = folder / f"{which}_C{frequency}{cl_code}_{span}_{request_hash}.json"
        remote = RemoteFile(f"{url}?{query}", filename=dest.name)
        if downloaded_before and pause_s > 0 and (refresh or not dest.is_file()):
            policy.sleep(pause_s)
        counter: dict[str, int] = {}
        fetched = fetch_remote(
            remote,
            dest,
            refresh=refresh,
            retry=policy,
            headers=headers,
            validate=_counting_check(counter, remote.url),
            desc=f"Comtrade {span}",
        )
        downloaded_before = downloaded_before or not fetched.from_cache
        records = counter["records"] if "records" in counter else _recorded_count(dest)
        if not fetched.from_cache:
            _write_request_record(dest, which, url, params, records)
        if records >= limit:
            capped.append(span)
        files.append(
            FetchedFile(fetched.url, dest, fetched.sha256, fetched.size_bytes, fetched.from_cache, records)
        )
    if capped:
        warnings.warn(
            f"Comtrade returned exactly maxRecords={limit} rows for period(s) {describe_items(capped)}: "
            "those answers are probably truncated. Ask for fewer commodities, partners or flows per call, "
            f"or use the data endpoint with a key ({API_KEY_ENV}) which allows up to {DATA_MAX_RECORDS} rows.",
            DataQualityWarning,
            stacklevel=2,
        )
    return FetchResult("comtrade", tuple(files))


def _counting_check(counter: dict[str, int], url: str) -> Callable[[Path], None]:
    """A download check that also remembers how many records the answer holds."""

    def check(path: Path) -> None:
        counter["records"] = _check_answer(path, url)

    return check


def _check_answer(path: Path, url: str) -> int:
    """Refuse an answer that is not Comtrade's JSON envelope or that reports an error."""
    try:
        payload = json.loads(path.read_bytes())
    except ValueError as exc:
        raise FetchError(
            f"Comtrade answered {url} with something that is not JSON ({exc}); nothing kept."
        ) from None
    if not isinstance(payload, dict) or not isinstance(payload.get("data"), list):
        keys = sorted(payload) if isinstance(payload, dict) else type(payload).__name__
        raise FetchError(
            f"Comtrade's answer to {url} has no 'data' list (found {keys}); nothing kept. "
            "Check the endpoint URL."
        )
    if payload.get("error"):
        raise FetchError(f"Comtrade reported an error for {url}: {payload['error']}. Nothing kept.")
    return len(payload["data"])


def _write_request_record(dest: Path, endpoint: str, url: str, params: dict[str, str], records: int) -> None:
    record = {"endpoint": endpoint, "url": url, "params": params, "records": records}
    with atomic_writer(dest.with_name(dest.name + ".request.json")) as handle:
        handle.write(json.dumps(record, indent=1, sort_keys=True).encode("utf-8"))


def _recorded_count(dest: Path) -> int:
    try:
        return int(json.loads(dest.with_name(dest.name + ".request.json").read_text("utf-8"))["records"])
    except (OSError, ValueError, KeyError, TypeError):
        return _check_answer(dest, str(dest))


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
    items = _as_list(period, "period")
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
        raise FetchError(f"period values not valid for freq={freq!r}: {describe_items(bad)}; use {form}.")
    return sorted(codes)


def chunk_periods(periods: Sequence[str], size: int = MAX_PERIODS_PER_REQUEST) -> list[list[str]]:
    """Split periods into requests the API accepts (at most 12 periods each).

    Examples
    --------
    >>> [len(c) for c in chunk_periods([str(y) for y in range(2000, 2026)])]
    [12, 12, 2]
    """
    return [list(periods[i : i + size]) for i in range(0, len(periods), size)]


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
    for item in _as_list(values, name):
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


def _flow_code(value: str) -> str:
    text = str(value).strip()
    code = FLOW_CODES.get(text.upper()) or FLOW_CODES.get(text.lower())
    if code is None:
        raise FetchError(
            f"flow={value!r} is not valid; use one of 'X', 'M', 'RX', 'RM' "
            "or 'export', 'import', 're-export', 're-import'."
        )
    return code


def _join(values: str | Iterable[str], name: str, *, upper: bool = False) -> str:
    items = [str(v).strip() for v in _as_list(values, name)]
    return ",".join(dict.fromkeys(v.upper() if upper else v for v in items))


def _as_list(values: object, name: str) -> list[object]:
    items = [values] if isinstance(values, str | int) else list(values)  # type: ignore[call-overload]
    if not items:
        raise FetchError(f"{name} is empty; give at least one value.")
    return items
