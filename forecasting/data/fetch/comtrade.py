"""Fetcher for the UN Comtrade API (v1): the keyless preview endpoint and the keyed data endpoint.

Endpoints (``{type}/{freq}/{classification}``, e.g. ``C/A/HS``):

- preview: ``https://comtradeapi.un.org/public/v1/preview/...`` — no key, at most 500 records
  per request;
- data: ``https://comtradeapi.un.org/data/v1/get/...`` — needs a subscription key, sent in the
  ``Ocp-Apim-Subscription-Key`` header and read from the environment variable
  ``COMTRADE_API_KEY``; up to 250,000 records per request.

The API root can point at a mirror (``preview_url``/``data_url``, or the environment variable
``FORECASTING_COMTRADE_URL`` holding the root under which both paths live).

Query parameters follow the API's names (``reporterCode``, ``partnerCode``, ``partner2Code``,
``period``, ``cmdCode``, ``flowCode``, ``customsCode``, ``motCode``, ``maxRecords``,
``includeDesc``). Requests are split by HS level and into chunks of at most 12 periods (see
:mod:`.comtrade_query`); a chunk whose answer fills ``maxRecords`` is asked again one period at
a time, and a single period that still fills it is reported as truncated. Consecutive requests
are spaced by ``pause_s`` and a 429 answer's ``Retry-After`` is honoured, which keeps a fetch
within the API's rate limits. Each answer (``{"elapsedTime", "count", "data": [...], "error"}``)
is saved unchanged, under a name derived from a hash of the request, for
``forecasting.data.readers.read_comtrade``; a ``.request.json`` file beside it records the
query (never the key) for provenance.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import urllib.parse
import warnings
from collections import deque
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Literal

from forecasting.errors import DataQualityWarning, FetchError, describe_items, option_hint
from forecasting.files import atomic_write_text

from .cache import cache_dir
from .comtrade_query import (
    API_KEY_ENV,
    DATA_MAX_RECORDS,
    DATA_PATH,
    KEY_HEADER,
    PREVIEW_MAX_RECORDS,
    PREVIEW_PATH,
    chunk_periods,
    commodity_levels,
    country_codes,
    flow_codes,
    normalise_periods,
)
from .core import FetchedFile, FetchResult, RemoteFile, choose, fetch_remote, source_url
from .retry import RetryPolicy

logger = logging.getLogger(__name__)

ComtradeEndpoint = Literal["auto", "preview", "data", "full"]
ComtradeFreq = Literal["A", "M"]
ENDPOINTS: tuple[str, ...] = ("auto", "preview", "data", "full")  # "full" is an alias of "data"
_CLASSIFICATIONS = ("HS", "H0", "H1", "H2", "H3", "H4", "H5", "H6")


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
    pause_s: float = 1.0,
    preview_url: str | None = None,
    data_url: str | None = None,
    refresh: bool = False,
    retry: RetryPolicy | None = None,
) -> FetchResult:
    """Download UN Comtrade goods trade (JSON) into the cache, one file per request.

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
        of that length); each HS level is requested separately.
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
        Subscription key; default: the ``COMTRADE_API_KEY`` environment variable. It is sent
        in a header only, and never written to logs, file names, metadata or messages.
    max_records
        ``maxRecords`` per request (default: the endpoint's cap, 500 or 250,000).
    pause_s
        Pause between consecutive requests, to stay within the API's rate limits.
    preview_url, data_url
        Endpoint roots (default: under ``FORECASTING_COMTRADE_URL`` when set, else the UN's).
    refresh, retry
        Download again even if cached; retry settings (see :class:`RetryPolicy`).

    Returns
    -------
    FetchResult
        One JSON file per request (``records`` = rows in it); read them with
        ``forecasting.data.readers.read_comtrade``.

    Examples
    --------
    >>> fetch_comtrade("KAZ", "PAK", period=[2020], endpoint="data", api_key="")
    Traceback (most recent call last):
    ...
    forecasting.errors.FetchError: The Comtrade data endpoint needs a subscription key: set the environment variable COMTRADE_API_KEY (free keys: https://comtradedeveloper.un.org), or use endpoint='preview' (no key, at most 500 records per request).
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
            f"(free keys: https://comtradedeveloper.un.org), or {option_hint('endpoint', 'preview', verb='use')} "
            "(no key, at most 500 records per request)."
        )
    cap = PREVIEW_MAX_RECORDS if which == "preview" else DATA_MAX_RECORDS
    limit = cap if max_records is None else int(max_records)
    if not 1 <= limit <= cap:
        raise FetchError(
            f"max_records={max_records!r} is out of range for the {which} endpoint: "
            f"{option_hint('max_records', cap)} or less."
        )
    cl_code = choose(classification, _CLASSIFICATIONS, "classification")
    root = source_url("comtrade")
    base = (preview_url or root + PREVIEW_PATH) if which == "preview" else (data_url or root + DATA_PATH)
    url = f"{source_url('comtrade', base)}/C/{frequency}/{cl_code}"
    common = {
        "reporterCode": country_codes(reporter, "reporter"),
        "partnerCode": country_codes(partner, "partner"),
        "partner2Code": country_codes(partner2, "partner2"),
        "flowCode": flow_codes(flow),
        "customsCode": None if customs is None else str(customs).upper(),
        "motCode": None if mode_of_transport is None else str(mode_of_transport),
        "maxRecords": str(limit),
        "format": "JSON",
        "breakdownMode": "classic",
        "includeDesc": "true",
    }
    headers = {KEY_HEADER: key} if which == "data" else {}
    sender = _ChunkRequests(url, f"{which}_C{frequency}{cl_code}", headers, retry, pause_s)
    periods = normalise_periods(period, frequency)
    work = deque(
        (level, cmd, chunk) for level, cmd in commodity_levels(commodity) for chunk in chunk_periods(periods)
    )
    files: list[FetchedFile] = []
    capped: list[str] = []
    while work:
        level, cmd, chunk = work.popleft()
        fetched = sender.get({**common, "cmdCode": cmd, "period": ",".join(chunk)}, level, chunk, refresh)
        if fetched.records is not None and fetched.records >= limit:
            if len(chunk) > 1:  # the answer was cut at maxRecords: ask one period at a time instead
                logger.info(
                    "Comtrade %s %s filled maxRecords=%d; splitting it by period", level, chunk, limit
                )
                work.extendleft(reversed([(level, cmd, [p]) for p in chunk]))
                continue
            capped.append(f"{level} {chunk[0]}")
        files.append(fetched)
    if capped:
        warnings.warn(
            f"Comtrade returned exactly maxRecords={limit} rows for {describe_items(capped)}: those answers "
            "are probably truncated. Ask for fewer commodities, partners or flows per call, or use the data "
            f"endpoint with a key ({API_KEY_ENV}), which allows up to {DATA_MAX_RECORDS} rows.",
            DataQualityWarning,
            stacklevel=2,
        )
    return FetchResult("comtrade", tuple(files))


class _ChunkRequests:
    """Sends one Comtrade request per chunk, pausing between network calls (rate limits)."""

    def __init__(
        self,
        url: str,
        prefix: str,
        headers: dict[str, str],
        retry: RetryPolicy | None,
        pause_s: float,
    ) -> None:
        self.url, self.prefix, self.headers = url, prefix, headers
        self.policy = retry or RetryPolicy()
        self.pause_s = pause_s
        self.folder = cache_dir("comtrade")
        self.downloaded_before = False

    def get(self, params: dict[str, str | None], level: str, chunk: list[str], refresh: bool) -> FetchedFile:
        sent = {k: v for k, v in params.items() if v is not None}
        query = urllib.parse.urlencode(sorted(sent.items()), safe=",")
        request_hash = hashlib.sha256(f"{self.url}?{query}".encode()).hexdigest()[:16]
        span = chunk[0] if len(chunk) == 1 else f"{chunk[0]}-{chunk[-1]}"
        dest = self.folder / f"{self.prefix}_{level}_{span}_{request_hash}.json"
        remote = RemoteFile(f"{self.url}?{query}", filename=dest.name)
        if self.downloaded_before and self.pause_s > 0 and (refresh or not dest.is_file()):
            self.policy.sleep(self.pause_s)
        counter: dict[str, int] = {}
        by_hand = remote.url + ("&subscription-key=<your key>" if self.headers else "")
        fetched = fetch_remote(
            remote,
            dest,
            refresh=refresh,
            retry=self.policy,
            headers=self.headers,
            validate=_counting_check(counter, remote.url),
            desc=f"Comtrade {level} {span}",
            manual_url=by_hand,
        )
        self.downloaded_before = self.downloaded_before or not fetched.from_cache
        records = counter["records"] if "records" in counter else _recorded_count(dest)
        if not fetched.from_cache:
            endpoint = self.prefix.split("_", 1)[0]
            record = {"endpoint": endpoint, "url": self.url, "params": sent, "records": records}
            atomic_write_text(_request_record(dest), json.dumps(record, indent=1, sort_keys=True))
        return FetchedFile(fetched.url, dest, fetched.sha256, fetched.size_bytes, fetched.from_cache, records)


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


def _request_record(dest: Path) -> Path:
    return dest.with_name(dest.name + ".request.json")


def _recorded_count(dest: Path) -> int:
    try:
        return int(json.loads(_request_record(dest).read_text("utf-8"))["records"])
    except (OSError, ValueError, KeyError, TypeError):
        return _check_answer(dest, str(dest))
