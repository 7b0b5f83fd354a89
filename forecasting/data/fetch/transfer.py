"""HTTP downloads with retries, backoff, cut-short detection, fast offline errors and no leaked keys.

Requests go through :mod:`requests` (which honours ``HTTPS_PROXY``/``NO_PROXY``) with separate
connect and read timeouts, so an unreachable host fails within seconds while a slow large
transfer is still allowed to take its time. The retry loop stays hand-written: pooch, the
closest library, does not honour ``Retry-After`` and checks only files it was given a hash for
(here the first download's digest is recorded and checked on every reuse).

What is retried, and why:

- HTTP 429 and 503 (rate limiting, maintenance), honouring ``Retry-After``; 500, 502, 504
  and 408; and 403 *only* when the server sends ``Retry-After`` (UN Comtrade answers an
  exhausted quota that way);
- a transfer cut short (fewer bytes than ``Content-Length``), a reset connection or a read
  timeout.

What is not retried: other HTTP errors (400, 401, 404, ...), a checksum or size mismatch
(the server is serving a different file; retrying would not change it), and a host that
cannot be reached (DNS failure, connection refused, no answer within the connect timeout):
offline machines get an immediate, explanatory error instead of minutes of backoff.

Header values passed by the caller (API keys) are never logged, are blanked out of every
error message (a server or proxy may echo them), and are dropped when a redirect leaves the
original host.
"""

from __future__ import annotations

import hashlib
import http.client
import json
import logging
import math
import random
import urllib.parse
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import requests
import urllib3.exceptions

from forecasting.errors import FetchError, describe_items, option_hint
from forecasting.files import atomic_writer
from forecasting.progress import track

from .cache import normalise_sha256
from .retry import RetryPolicy, parse_retry_after, policy_hint

logger = logging.getLogger(__name__)

CHUNK_BYTES = 1 << 16
RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504})
REDACTED = "<redacted>"
_SHORTEST_SECRET = 4  # shorter header values ("1", "no") are not secrets and would blank ordinary words


def _user_agent() -> str:
    try:
        from importlib.metadata import version

        return f"forecasting/{version('forecasting')} (+python-requests)"
    except Exception:  # the package may run from a source tree without metadata
        return "forecasting (+python-requests)"


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


def redact(text: str, secrets: tuple[str, ...]) -> str:
    """``text`` with every secret replaced by ``<redacted>``.

    Examples
    --------
    >>> redact("key abcd-1234 was refused", ("abcd-1234",))
    'key <redacted> was refused'
    """
    for secret in secrets:
        text = text.replace(secret, REDACTED)
    return text


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
    to ``dest``; raising there keeps ``dest`` untouched. Header values are never logged and are
    blanked out of error messages (they may hold API keys).

    Raises
    ------
    FetchError
        On a non-retryable HTTP error, after ``retry.max_attempts`` transient failures, when
        the host is unreachable, or when the size or SHA-256 differ from the expected ones.
    """
    policy = retry or RetryPolicy()
    extra = dict(headers or {})
    secrets = tuple(v for v in extra.values() if len(v) >= _SHORTEST_SECRET)
    checks = (normalise_sha256(expected_sha256), expected_size, validate)
    try:
        return _download(url, dest, extra, secrets, policy, checks, offline_hint, desc)
    except FetchError as exc:
        message = str(exc)
        if any(s in message for s in secrets):
            raise FetchError(redact(message, secrets)) from None
        raise


def _download(
    url: str,
    dest: Path,
    headers: dict[str, str],
    secrets: tuple[str, ...],
    policy: RetryPolicy,
    checks: tuple[str | None, int | None, Callable[[Path], None] | None],
    offline_hint: str,
    desc: str,
) -> Download:
    wanted_sha, expected_size, validate = checks
    rng = random.Random(policy.seed)
    failures: list[str] = []
    with _KeySafeSession(headers) as session:
        for attempt in range(1, policy.max_attempts + 1):
            try:
                with atomic_writer(dest) as handle:
                    digest, size = _transfer(session, url, handle, policy, offline_hint, desc)
                    _check_expected(url, dest, digest, size, wanted_sha, expected_size)
                    if validate is not None:
                        handle.flush()
                        validate(Path(handle.name))
                logger.info("Downloaded %s (%d bytes, sha256 %s) to %s", url, size, digest, dest)
                return Download(url=url, path=dest, sha256=digest, size_bytes=size, attempts=attempt)
            except _Transient as exc:
                reason = redact(str(exc), secrets)
                failures.append(f"attempt {attempt}: {reason}")
                if attempt == policy.max_attempts:
                    break
                if exc.retry_after is not None and exc.retry_after > policy.max_retry_after_s:
                    raise FetchError(
                        f"{url} asked us to wait {exc.retry_after:.0f} s before retrying ({reason}); that is "
                        f"longer than the {policy.max_retry_after_s:.0f} s we accept. Try again later, or "
                        f"{policy_hint('max_retry_after_s', math.ceil(exc.retry_after))}."
                    ) from None
                wait = policy.wait_after(attempt, retry_after=exc.retry_after, rng=rng)
                logger.warning("Fetching %s failed (%s); retry %d in %.1f s", url, reason, attempt, wait)
                policy.sleep(wait)
    raise FetchError(
        f"Giving up on {url} after {policy.max_attempts} attempt(s): "
        f"{describe_items(failures, limit=5)}. Nothing was written to {dest}. The server may be "
        f"overloaded or rate-limiting: try again later, or allow more attempts "
        f"({policy_hint('max_attempts', policy.max_attempts * 2)})."
    )


class _KeySafeSession(requests.Session):
    """A session sending the caller's headers, which it drops when a redirect changes host.

    requests strips only ``Authorization`` on such redirects; an API key travelling in its own
    header (Comtrade's ``Ocp-Apim-Subscription-Key``) would otherwise follow to the new host.
    """

    def __init__(self, headers: Mapping[str, str]) -> None:
        super().__init__()
        self.headers.update({"User-Agent": _user_agent(), "Accept-Encoding": "identity", **headers})
        self._private_names = tuple(headers)

    def rebuild_auth(self, prepared_request, response) -> None:  # noqa: ANN001 - requests' own types
        super().rebuild_auth(prepared_request, response)
        if prepared_request.url and self.should_strip_auth(response.request.url, prepared_request.url):
            for name in self._private_names:
                prepared_request.headers.pop(name, None)


def _check_expected(
    url: str, dest: Path, digest: str, size: int, wanted_sha: str | None, wanted_size: int | None
) -> None:
    if wanted_size is not None and size != wanted_size:
        raise FetchError(
            f"{url} delivered {size} bytes but {wanted_size} were expected; the file was not kept "
            f"(nothing written to {dest}). The source may have published a new version: check it and "
            f"{option_hint('size_bytes', size)} (or leave the size out)."
        )
    if wanted_sha is not None and digest != wanted_sha:
        raise FetchError(
            f"Checksum mismatch for {url}: SHA-256 {digest}, expected {wanted_sha}. The bad file was "
            f"removed (nothing written to {dest}). Either the download was corrupted (try again) or "
            f"the source replaced the file (check it and {option_hint('sha256', digest)})."
        )


def _transfer(
    session: requests.Session,
    url: str,
    handle: BinaryIO,
    policy: RetryPolicy,
    offline_hint: str,
    desc: str,
) -> tuple[str, int]:
    response = _open(session, url, policy, offline_hint)
    with response:
        if response.status_code >= 400:
            _raise_for_status(url, response)
        declared = response.headers.get("Content-Length", "")
        encoded = response.headers.get("Content-Encoding", "identity").strip().lower() not in ("", "identity")
        # A body the server compressed anyway is decoded by requests, so its length no longer
        # matches Content-Length; urllib3 still checks the raw byte count in that case.
        expected = int(declared) if declared.strip().isdigit() and not encoded else None
        digest = hashlib.sha256()
        size = 0
        total = math.ceil(expected / CHUNK_BYTES) if expected else None
        try:
            # Disk errors while writing are not caught here: retrying would not cure a full disk.
            for chunk in track(_chunks(response), total=total, desc=desc or Path(url).name):
                handle.write(chunk)
                digest.update(chunk)
                size += len(chunk)
        except (requests.exceptions.ChunkedEncodingError, requests.exceptions.ConnectionError) as err:
            received = max(size, _bytes_read(err))
            if expected is not None and received < expected:
                raise _Transient(f"download cut short: received {received} of {expected} bytes") from err
            raise _Transient(f"transfer interrupted after {received} bytes: {_short_reason(err)}") from err
        except requests.exceptions.RequestException as err:  # e.g. a body that does not decode
            raise FetchError(f"Cannot read the answer of {url}: {_short_reason(err)}") from None
    if expected is not None and size != expected:
        raise _Transient(f"download cut short: received {size} of {expected} bytes")
    return digest.hexdigest(), size


def _chunks(response: requests.Response) -> Iterator[bytes]:
    for chunk in response.iter_content(CHUNK_BYTES):
        if chunk:
            yield chunk


def _open(session: requests.Session, url: str, policy: RetryPolicy, offline_hint: str) -> requests.Response:
    host = urllib.parse.urlsplit(url).hostname or url
    hint = f" {offline_hint}" if offline_hint else ""
    try:
        return session.get(url, stream=True, timeout=(policy.connect_timeout_s, policy.timeout_s))
    except requests.exceptions.SSLError as err:  # before ConnectionError, its parent: retrying cannot help
        raise FetchError(
            f"The secure connection to {host} failed ({_short_reason(err)}). Behind a proxy that inspects "
            f"TLS, point the environment variable REQUESTS_CA_BUNDLE at its certificate.{hint}"
        ) from None
    except requests.exceptions.ConnectTimeout:
        raise FetchError(
            f"Could not reach {host}: no answer within {policy.connect_timeout_s:g} s. This machine "
            f"seems to be offline, or the server is down or blocked by a proxy/firewall.{hint}"
        ) from None
    except requests.exceptions.ConnectionError as err:
        if not _could_not_connect(err):
            raise _Transient(f"connection failed: {_short_reason(err)}") from err
        raise FetchError(
            f"Could not reach {host} ({_short_reason(err)}). This machine seems to be offline, or the "
            f"server is down or blocked by a proxy/firewall.{hint}"
        ) from None
    except requests.exceptions.Timeout as err:
        raise _Transient(f"no answer within {policy.timeout_s:g} s") from err
    except requests.exceptions.RequestException as err:
        raise FetchError(f"Cannot fetch {url}: {_short_reason(err)}") from None


def _could_not_connect(err: requests.exceptions.ConnectionError) -> bool:
    """True when no connection was made at all (DNS failure, refused, unreachable network)."""
    wrapped = err.args[0] if err.args else None
    reason = getattr(wrapped, "reason", wrapped)
    return isinstance(reason, urllib3.exceptions.NewConnectionError | urllib3.exceptions.ProxyError)


def _causes(err: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    cause: BaseException | None = err
    while cause is not None and id(cause) not in seen:
        seen.add(id(cause))
        yield cause
        cause = cause.__cause__ or cause.__context__


def _bytes_read(err: BaseException) -> int:
    """Bytes the connection delivered before it broke (urllib3 counts them; our loop may see none)."""
    for cause in _causes(err):
        if isinstance(cause, http.client.IncompleteRead):
            partial = cause.partial
            return partial if isinstance(partial, int) else len(partial)
    return 0


def _short_reason(err: BaseException) -> str:
    """The innermost cause of a requests error ("[Errno 111] Connection refused"), not the pool dump."""
    innermost = list(_causes(err))[-1]
    return str(innermost) or type(innermost).__name__


def _raise_for_status(url: str, response: requests.Response) -> None:
    retry_after = parse_retry_after(response.headers.get("Retry-After"))
    detail = _error_detail(response)
    text = f"HTTP {response.status_code} {response.reason}" + (f": {detail}" if detail else "")
    if response.status_code in RETRY_STATUSES or (response.status_code == 403 and retry_after is not None):
        raise _Transient(text, retry_after=retry_after)
    advice = {
        401: "The API key is missing or invalid: check the environment variable that holds it.",
        403: "Access was refused: check the API key and its subscription.",
        404: "The file is not there: check the release/version name or the URL.",
    }.get(response.status_code, "Check the request parameters.")
    raise FetchError(f"Fetching {url} failed with {text}. {advice}")


def _error_detail(response: requests.Response) -> str:
    try:
        body = next(response.iter_content(4096), b"").decode("utf-8", "replace")
    except requests.exceptions.RequestException:
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
