"""HTTP downloads with retries, backoff, cut-short detection and clear offline errors.

Only the standard library is used (``urllib``), so fetching needs no extra dependency and
honours the usual ``HTTPS_PROXY``/``NO_PROXY`` environment variables.

What is retried, and why:

- HTTP 429 and 503 (rate limiting, maintenance), honouring ``Retry-After``; 500, 502, 504
  and 408; and 403 *only* when the server sends ``Retry-After`` (UN Comtrade answers an
  exhausted quota that way);
- a transfer cut short (fewer bytes than ``Content-Length``), a reset connection or a read
  timeout.

What is not retried: other HTTP errors (400, 401, 404, ...), a checksum or size mismatch
(the server is serving a different file; retrying would not change it), and an unreachable
host (DNS failure, connection refused) — offline machines get an immediate, explanatory error
instead of minutes of backoff.
"""

from __future__ import annotations

import email.utils
import errno
import hashlib
import http.client
import json
import logging
import math
import random
import socket
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

from forecasting.errors import FetchError, describe_items
from forecasting.progress import track

from .cache import atomic_writer, normalise_sha256

logger = logging.getLogger(__name__)

CHUNK_BYTES = 1 << 16
RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504})
# "Network unreachable" / "host unreachable": the local machine has no route, i.e. it is offline.
_OFFLINE_ERRNOS = {errno.ENETUNREACH, errno.EHOSTUNREACH, 10051, 10065}  # the last two: Windows WSA codes


def _user_agent() -> str:
    try:
        from importlib.metadata import version

        return f"forecasting/{version('forecasting')} (+python-urllib)"
    except Exception:  # the package may run from a source tree without metadata
        return "forecasting (+python-urllib)"


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how patiently a download is retried.

    The wait after the ``n``-th failed attempt is ``backoff_s * 2**(n-1)`` seconds, capped at
    ``max_backoff_s``, drawn uniformly from its upper half when ``jitter`` is on (so parallel
    clients do not retry in lock-step). A ``Retry-After`` sent by the server replaces that
    wait; one longer than ``max_retry_after_s`` ends the download with an error saying when
    to try again.

    Parameters
    ----------
    max_attempts
        Attempts in all, the first included (1 disables retries).
    backoff_s, max_backoff_s
        First wait and largest wait, in seconds.
    max_retry_after_s
        Longest ``Retry-After`` the fetcher is willing to wait for.
    timeout_s
        Socket timeout for connecting and for each read.
    jitter
        Randomise waits (seeded by ``seed`` for reproducible tests).
    sleep
        Function that waits; tests pass a recorder so they never actually sleep.
    seed
        Seed of the jitter's random generator.

    Examples
    --------
    >>> waits = []
    >>> policy = RetryPolicy(max_attempts=4, backoff_s=2, jitter=False, sleep=waits.append)
    >>> [policy.wait_after(n) for n in (1, 2, 3)]
    [2.0, 4.0, 8.0]
    >>> policy.wait_after(1, retry_after=7)
    7.0
    """

    max_attempts: int = 5
    backoff_s: float = 1.0
    max_backoff_s: float = 60.0
    max_retry_after_s: float = 300.0
    timeout_s: float = 60.0
    jitter: bool = True
    sleep: Callable[[float], object] = field(default=time.sleep, repr=False, compare=False)
    seed: int | None = None

    def __post_init__(self) -> None:
        if int(self.max_attempts) != self.max_attempts or self.max_attempts < 1:
            raise ValueError(f"max_attempts must be a whole number >= 1, got {self.max_attempts!r}")
        for name in ("backoff_s", "max_backoff_s", "max_retry_after_s", "timeout_s"):
            value = getattr(self, name)
            if not (isinstance(value, int | float) and math.isfinite(value) and value >= 0):
                raise ValueError(f"{name} must be a finite number of seconds >= 0, got {value!r}")

    def wait_after(
        self, failures: int, *, retry_after: float | None = None, rng: random.Random | None = None
    ) -> float:
        """Seconds to wait after ``failures`` failed attempts (see the class docstring)."""
        if retry_after is not None:
            return float(retry_after)
        wait = min(self.max_backoff_s, self.backoff_s * 2.0 ** (failures - 1))
        if self.jitter:
            wait = (rng or random.Random(self.seed)).uniform(wait / 2.0, wait)
        return float(wait)


@dataclass(frozen=True)
class Download:
    """What one successful download produced."""

    url: str
    path: Path
    sha256: str
    size_bytes: int
    attempts: int


class _Transient(Exception):
    """A failure worth retrying; ``retry_after`` is the server's requested wait, if any."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


def download(
    url: str,
    dest: Path,
    *,
    headers: Mapping[str, str] | None = None,
    retry: RetryPolicy | None = None,
    expected_sha256: str | None = None,
    expected_size: int | None = None,
    validate: Callable[[Path], None] | None = None,
    offline_hint: str = "",
    desc: str = "",
) -> Download:
    """Download ``url`` to ``dest`` atomically, retrying transient failures.

    ``validate`` (optional) is called with the complete temporary file before it is renamed
    to ``dest``; raising there keeps ``dest`` untouched. Headers are never logged (they may
    hold API keys).

    Raises
    ------
    FetchError
        On a non-retryable HTTP error, after ``retry.max_attempts`` transient failures, when
        the host is unreachable, or when the size or SHA-256 differ from the expected ones.
    """
    policy = retry or RetryPolicy()
    wanted_sha = normalise_sha256(expected_sha256)
    rng = random.Random(policy.seed)
    failures: list[str] = []
    for attempt in range(1, policy.max_attempts + 1):
        try:
            with atomic_writer(dest) as handle:
                digest, size = _transfer(url, headers or {}, handle, policy.timeout_s, offline_hint, desc)
                _check_expected(url, dest, digest, size, wanted_sha, expected_size)
                if validate is not None:
                    handle.flush()
                    validate(Path(handle.name))
            logger.info("Downloaded %s (%d bytes, sha256 %s) to %s", url, size, digest, dest)
            return Download(url=url, path=dest, sha256=digest, size_bytes=size, attempts=attempt)
        except _Transient as exc:
            failures.append(f"attempt {attempt}: {exc}")
            if attempt == policy.max_attempts:
                break
            if exc.retry_after is not None and exc.retry_after > policy.max_retry_after_s:
                raise FetchError(
                    f"{url} asked us to wait {exc.retry_after:.0f} s before retrying ({exc}); that is "
                    f"longer than max_retry_after_s={policy.max_retry_after_s:.0f}. Try again later, or "
                    "pass a RetryPolicy with a larger max_retry_after_s."
                ) from None
            wait = policy.wait_after(attempt, retry_after=exc.retry_after, rng=rng)
            logger.warning("Fetching %s failed (%s); retry %d in %.1f s", url, exc, attempt, wait)
            policy.sleep(wait)
    raise FetchError(
        f"Giving up on {url} after {policy.max_attempts} attempt(s): "
        f"{describe_items(failures, limit=5)}. Nothing was written to {dest}. The server may be "
        "overloaded or rate-limiting: try again later, or allow more attempts with "
        "retry=RetryPolicy(max_attempts=...)."
    )


def _check_expected(
    url: str, dest: Path, digest: str, size: int, wanted_sha: str | None, wanted_size: int | None
) -> None:
    if wanted_size is not None and size != wanted_size:
        raise FetchError(
            f"{url} delivered {size} bytes but {wanted_size} were expected; the file was not kept "
            f"(nothing written to {dest}). The source may have published a new version: check it and "
            "pass the new size (or size=None)."
        )
    if wanted_sha is not None and digest != wanted_sha:
        raise FetchError(
            f"Checksum mismatch for {url}: SHA-256 {digest}, expected {wanted_sha}. The bad file was "
            f"removed (nothing written to {dest}). Either the download was corrupted (try again) or "
            "the source replaced the file (check it and pass the new sha256=...)."
        )


def _transfer(
    url: str, headers: Mapping[str, str], handle: BinaryIO, timeout: float, offline_hint: str, desc: str
) -> tuple[str, int]:
    request = urllib.request.Request(
        url, headers={"User-Agent": _user_agent(), "Accept-Encoding": "identity", **headers}
    )
    try:
        response = urllib.request.urlopen(request, timeout=timeout)
    except urllib.error.HTTPError as err:
        _raise_for_status(url, err)
        raise  # unreachable: _raise_for_status always raises
    except urllib.error.URLError as err:
        _raise_for_connection(url, err.reason, offline_hint)
        raise
    except (TimeoutError, ConnectionError, http.client.HTTPException) as err:
        raise _Transient(f"connection failed: {err!r}") from err
    with response:
        declared = response.headers.get("Content-Length")
        expected = int(declared) if declared and declared.strip().isdigit() else None
        digest = hashlib.sha256()
        size = 0
        received = [0]  # read by the chunk reader for its error message

        def read_chunks():
            while True:
                try:
                    chunk = response.read(CHUNK_BYTES)
                except (TimeoutError, ConnectionError, http.client.HTTPException) as err:
                    raise _Transient(f"transfer interrupted after {received[0]} bytes: {err!r}") from err
                if not chunk:
                    return
                received[0] += len(chunk)
                yield chunk

        total = math.ceil(expected / CHUNK_BYTES) if expected else None
        # Disk errors while writing are not caught here: retrying would not cure a full disk.
        for chunk in track(read_chunks(), total=total, desc=desc or Path(url).name):
            handle.write(chunk)
            digest.update(chunk)
            size += len(chunk)
    if expected is not None and size != expected:
        raise _Transient(f"download cut short: received {size} of {expected} bytes")
    return digest.hexdigest(), size


def _raise_for_status(url: str, err: urllib.error.HTTPError) -> None:
    retry_after = parse_retry_after(err.headers.get("Retry-After") if err.headers else None)
    detail = _error_detail(err)
    text = f"HTTP {err.code} {err.reason}" + (f": {detail}" if detail else "")
    if err.code in RETRY_STATUSES or (err.code == 403 and retry_after is not None):
        raise _Transient(text, retry_after=retry_after)
    advice = {
        401: "The API key is missing or invalid: check the environment variable that holds it.",
        403: "Access was refused: check the API key and its subscription.",
        404: "The file is not there: check the release/version name or the URL.",
    }.get(err.code, "Check the request parameters.")
    raise FetchError(f"Fetching {url} failed with {text}. {advice}") from None


def _error_detail(err: urllib.error.HTTPError) -> str:
    try:
        body = err.read(4096).decode("utf-8", "replace")
    except Exception:
        return ""
    try:
        payload = json.loads(body)
    except ValueError:
        return " ".join(body.split())[:300]
    if isinstance(payload, dict):
        for key in ("message", "error", "errorMessage", "detail"):
            if payload.get(key):
                return str(payload[key])[:300]
    return ""


def _raise_for_connection(url: str, reason: object, offline_hint: str) -> None:
    host = urllib.parse.urlsplit(url).hostname or url
    unreachable = isinstance(reason, socket.gaierror | ConnectionRefusedError) or (
        isinstance(reason, OSError) and getattr(reason, "errno", None) in _OFFLINE_ERRNOS
    )
    if unreachable:
        hint = f" {offline_hint}" if offline_hint else ""
        raise FetchError(
            f"Could not reach {host} ({reason}). This machine seems to be offline, or the server is "
            f"down or blocked by a proxy/firewall.{hint}"
        ) from None
    raise _Transient(f"connection failed: {reason!r}")


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds requested by a ``Retry-After`` header (delta-seconds or an HTTP date).

    Examples
    --------
    >>> parse_retry_after("7")
    7.0
    >>> parse_retry_after("Wed, 21 Oct 2015 07:28:30 GMT",
    ...                   now=datetime(2015, 10, 21, 7, 28, tzinfo=UTC))
    30.0
    >>> parse_retry_after("soon") is None
    True
    """
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        return max(0.0, float(text))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())
