"""Downloads against a local HTTP server: retries, backoff, cut-short bodies, checksums, offline, keys.

Every test runs against pytest-httpserver on 127.0.0.1 (never the internet) and injects a
recording ``sleep`` so no test actually waits.
"""

from __future__ import annotations

import hashlib
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from werkzeug import Response

from forecasting.data.fetch.transfer import RetryPolicy, download, parse_retry_after
from forecasting.errors import FetchError, cli_wording

BODY = b"t,i,j,k,v,q\n2021,398,586,270112,1523.4,9000\n" * 50


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    # A proxy set in the environment would swallow requests meant for 127.0.0.1.
    for name in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)


def fast_policy(waits: list[float], **overrides: object) -> RetryPolicy:
    settings: dict[str, object] = {"max_attempts": 4, "backoff_s": 1.0, "jitter": False, "timeout_s": 5}
    settings.update(overrides)
    return RetryPolicy(sleep=waits.append, **settings)  # type: ignore[arg-type]


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_happy_path_writes_file_and_reports_digest(httpserver, tmp_path: Path) -> None:
    httpserver.expect_request("/data.csv").respond_with_data(BODY, content_type="text/csv")
    dest = tmp_path / "data.csv"
    waits: list[float] = []
    result = download(httpserver.url_for("/data.csv"), dest, retry=fast_policy(waits))
    assert dest.read_bytes() == BODY
    assert result.sha256 == hashlib.sha256(BODY).hexdigest()
    assert (result.size_bytes, result.attempts, waits) == (len(BODY), 1, [])
    assert leftovers(tmp_path) == ["data.csv"]


def test_429_with_retry_after_is_honoured_then_succeeds(httpserver, tmp_path: Path) -> None:
    httpserver.expect_oneshot_request("/f").respond_with_json(
        {"statusCode": 429, "message": "Rate limit is exceeded. Try again in 7 seconds."},
        status=429,
        headers={"Retry-After": "7"},
    )
    httpserver.expect_request("/f").respond_with_data(BODY)
    waits: list[float] = []
    result = download(httpserver.url_for("/f"), tmp_path / "f", retry=fast_policy(waits))
    assert waits == [7.0]  # the server's wait, not the 1 s backoff
    assert result.attempts == 2
    assert (tmp_path / "f").read_bytes() == BODY


def test_5xx_then_success_backs_off_exponentially(httpserver, tmp_path: Path) -> None:
    for status in (500, 502, 503):
        httpserver.expect_ordered_request("/f").respond_with_data("busy", status=status)
    httpserver.expect_request("/f").respond_with_data(BODY)
    waits: list[float] = []
    result = download(httpserver.url_for("/f"), tmp_path / "f", retry=fast_policy(waits, backoff_s=0.5))
    assert waits == [0.5, 1.0, 2.0]
    assert result.attempts == 4


def test_5xx_exhausted_names_url_and_attempts_and_leaves_nothing(httpserver, tmp_path: Path) -> None:
    httpserver.expect_request("/f").respond_with_data("down for maintenance", status=503)
    waits: list[float] = []
    url = httpserver.url_for("/f")
    with pytest.raises(FetchError) as info:
        download(url, tmp_path / "f", retry=fast_policy(waits, max_attempts=3))
    message = str(info.value)
    assert url in message and "3 attempt(s)" in message and "HTTP 503" in message
    assert "down for maintenance" in message
    assert len(waits) == 2 and len(httpserver.log) == 3
    assert leftovers(tmp_path) == []


def test_jittered_waits_stay_in_upper_half_of_backoff() -> None:
    policy = RetryPolicy(backoff_s=2.0, max_backoff_s=10.0, jitter=True, seed=3)
    import random

    rng = random.Random(3)
    waits = [policy.wait_after(n, rng=rng) for n in (1, 2, 3, 4, 5)]
    caps = [2.0, 4.0, 8.0, 10.0, 10.0]
    assert all(cap / 2 <= w <= cap for w, cap in zip(waits, caps, strict=True))
    assert len(set(waits)) == len(waits)


def test_cut_short_body_is_retried_and_never_left_under_final_name(httpserver, tmp_path: Path) -> None:
    def truncated(_request) -> Response:
        response = Response(BODY[:100], status=200)
        response.headers["Content-Length"] = str(len(BODY))  # promise more than is sent
        return response

    httpserver.expect_request("/big.zip").respond_with_handler(truncated)
    waits: list[float] = []
    dest = tmp_path / "big.zip"
    with pytest.raises(FetchError, match=rf"cut short: received 100 of {len(BODY)} bytes"):
        download(httpserver.url_for("/big.zip"), dest, retry=fast_policy(waits, max_attempts=2))
    assert not dest.exists()
    assert leftovers(tmp_path) == []  # no temporary .part file either
    assert len(httpserver.log) == 2


def test_cut_short_then_complete_succeeds(httpserver, tmp_path: Path) -> None:
    def truncated(_request) -> Response:
        response = Response(BODY[:10], status=200)
        response.headers["Content-Length"] = str(len(BODY))
        return response

    httpserver.expect_oneshot_request("/f").respond_with_handler(truncated)
    httpserver.expect_request("/f").respond_with_data(BODY)
    result = download(httpserver.url_for("/f"), tmp_path / "f", retry=fast_policy([]))
    assert result.attempts == 2 and (tmp_path / "f").read_bytes() == BODY


def test_checksum_mismatch_raises_and_removes_bad_file(httpserver, tmp_path: Path) -> None:
    httpserver.expect_request("/f").respond_with_data(BODY)
    wrong = hashlib.sha256(b"something else").hexdigest()
    with pytest.raises(FetchError, match="Checksum mismatch") as info:
        download(httpserver.url_for("/f"), tmp_path / "f", expected_sha256=wrong, retry=fast_policy([]))
    assert hashlib.sha256(BODY).hexdigest() in str(info.value) and wrong in str(info.value)
    assert leftovers(tmp_path) == []
    assert len(httpserver.log) == 1  # a wrong file is not fetched again and again


def test_size_mismatch_raises(httpserver, tmp_path: Path) -> None:
    httpserver.expect_request("/f").respond_with_data(BODY)
    with pytest.raises(FetchError, match=rf"delivered {len(BODY)} bytes but 12 were expected"):
        download(httpserver.url_for("/f"), tmp_path / "f", expected_size=12, retry=fast_policy([]))
    assert leftovers(tmp_path) == []


def test_matching_checksum_accepts_uppercase_and_prefix(httpserver, tmp_path: Path) -> None:
    httpserver.expect_request("/f").respond_with_data(BODY)
    pinned = "sha256:" + hashlib.sha256(BODY).hexdigest().upper()
    download(httpserver.url_for("/f"), tmp_path / "f", expected_sha256=pinned, retry=fast_policy([]))
    assert (tmp_path / "f").read_bytes() == BODY


def test_404_is_not_retried(httpserver, tmp_path: Path) -> None:
    httpserver.expect_request("/missing.zip").respond_with_data("Not Found", status=404)
    waits: list[float] = []
    with pytest.raises(FetchError, match="HTTP 404.*check the release/version name"):
        download(httpserver.url_for("/missing.zip"), tmp_path / "m", retry=fast_policy(waits))
    assert waits == [] and len(httpserver.log) == 1


def test_403_with_retry_after_is_a_quota_wait(httpserver, tmp_path: Path) -> None:
    httpserver.expect_oneshot_request("/f").respond_with_json(
        {"statusCode": 403, "message": "Out of call volume quota."}, status=403, headers={"Retry-After": "2"}
    )
    httpserver.expect_request("/f").respond_with_data(BODY)
    waits: list[float] = []
    download(httpserver.url_for("/f"), tmp_path / "f", retry=fast_policy(waits))
    assert waits == [2.0]


def test_retry_after_longer_than_allowed_stops_with_advice(httpserver, tmp_path: Path) -> None:
    httpserver.expect_request("/f").respond_with_data(
        "slow down", status=429, headers={"Retry-After": "3600"}
    )
    waits: list[float] = []
    with pytest.raises(
        FetchError, match=r"wait 3600 s.*longer than the 300 s.*RetryPolicy\(max_retry_after_s=3600\)"
    ):
        download(httpserver.url_for("/f"), tmp_path / "f", retry=fast_policy(waits))
    assert waits == []


def test_hints_name_cli_flags_under_cli_wording(httpserver, tmp_path: Path) -> None:
    httpserver.expect_request("/f").respond_with_data("busy", status=503)
    with pytest.raises(FetchError) as info, cli_wording({"max_attempts": "--attempts"}):
        download(httpserver.url_for("/f"), tmp_path / "f", retry=fast_policy([], max_attempts=2))
    assert "pass --attempts 4" in str(info.value) and "RetryPolicy" not in str(info.value)


def test_offline_closed_port_fails_fast_with_reader_hint(tmp_path: Path) -> None:
    with socket.socket() as probe:  # find a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    waits: list[float] = []
    with pytest.raises(FetchError, match="seems to be offline") as info:
        download(
            f"http://127.0.0.1:{port}/x.zip",
            tmp_path / "x.zip",
            retry=fast_policy(waits),
            offline_hint="Read local files with read_baci.",
        )
    assert "read_baci" in str(info.value)
    assert isinstance(info.value, OSError)  # FetchError is also an OSError
    assert waits == [] and leftovers(tmp_path) == []


def test_dns_failure_is_reported_as_offline(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # The test machine must not ask a real resolver: name resolution fails as it does offline.
    def no_dns(*_args, **_kwargs):
        raise socket.gaierror(-3, "Temporary failure in name resolution")

    monkeypatch.setattr(socket, "getaddrinfo", no_dns)
    waits: list[float] = []
    with pytest.raises(
        FetchError, match=r"Could not reach www\.cepii\.fr \(.*name resolution\).*offline"
    ) as info:
        download(
            "https://www.cepii.fr/distance/dist_cepii.dta",
            tmp_path / "d",
            retry=fast_policy(waits),
            offline_hint="Download it by hand.",
        )
    assert "Download it by hand." in str(info.value) and "HTTPSConnectionPool" not in str(info.value)
    assert waits == [] and leftovers(tmp_path) == []


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A port whose listen queue is full: connections are neither accepted nor refused (a dead host)."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(0)
    port = server.getsockname()[1]
    fillers = []
    for _ in range(3):  # fill the accept queue so further SYNs are dropped
        filler = socket.socket()
        filler.setblocking(False)
        try:
            filler.connect(("127.0.0.1", port))
        except BlockingIOError:
            pass
        fillers.append(filler)
    time.sleep(0.1)
    yield port
    for sock in (*fillers, server):
        sock.close()


def test_host_that_never_answers_fails_after_the_connect_timeout_without_retries(
    silent_port, tmp_path
) -> None:
    waits: list[float] = []
    policy = fast_policy(waits, connect_timeout_s=0.3, timeout_s=30, max_attempts=5)
    with pytest.raises(FetchError, match=r"no answer within 0\.3 s.*seems to be offline") as info:
        download(
            f"http://127.0.0.1:{silent_port}/x.zip", tmp_path / "x.zip", retry=policy, offline_hint="HINT"
        )
    assert str(info.value).endswith("HINT")
    assert waits == [] and leftovers(tmp_path) == []  # one attempt, no backoff: offline fails fast


def test_secret_header_echoed_by_the_server_is_redacted(httpserver, tmp_path: Path) -> None:
    key = "k3y-SECRET-0123456789"
    httpserver.expect_request("/f").respond_with_json(
        {"statusCode": 401, "message": f"Access denied due to invalid subscription key {key}."}, status=401
    )
    with pytest.raises(FetchError, match="HTTP 401.*<redacted>") as info:
        download(httpserver.url_for("/f"), tmp_path / "f", headers={"X-Key": key}, retry=fast_policy([]))
    assert key not in str(info.value)


def test_secret_header_echoed_in_retried_failures_is_redacted_in_logs_too(
    httpserver, tmp_path, caplog
) -> None:
    key = "k3y-SECRET-0123456789"
    httpserver.expect_request("/f").respond_with_data(f"gateway saw key {key}", status=502)
    with caplog.at_level("DEBUG"), pytest.raises(FetchError) as info:
        download(httpserver.url_for("/f"), tmp_path / "f", headers={"X-Key": key}, retry=fast_policy([]))
    assert key not in str(info.value) and key not in caplog.text
    assert "<redacted>" in caplog.text


def test_secret_header_is_dropped_when_a_redirect_leaves_the_host(httpserver, tmp_path: Path) -> None:
    # localhost and 127.0.0.1 are different hosts to the client, the same server to the test.
    other = httpserver.url_for("/target").replace("localhost", "127.0.0.1")
    httpserver.expect_request("/start").respond_with_data("", status=302, headers={"Location": other})
    httpserver.expect_request("/target").respond_with_data(BODY)
    download(
        httpserver.url_for("/start"), tmp_path / "f", headers={"X-Key": "k3y-SECRET"}, retry=fast_policy([])
    )
    (first, _), (second, _) = httpserver.log
    assert first.headers.get("X-Key") == "k3y-SECRET"
    assert second.headers.get("X-Key") is None and (tmp_path / "f").read_bytes() == BODY


def test_secret_header_follows_a_redirect_on_the_same_host(httpserver, tmp_path: Path) -> None:
    httpserver.expect_request("/start").respond_with_data("", status=302, headers={"Location": "/target"})
    httpserver.expect_request("/target").respond_with_data(BODY)
    download(
        httpserver.url_for("/start"), tmp_path / "f", headers={"X-Key": "k3y-SECRET"}, retry=fast_policy([])
    )
    assert [r.headers.get("X-Key") for r, _ in httpserver.log] == ["k3y-SECRET", "k3y-SECRET"]


def test_validate_hook_can_refuse_the_file(httpserver, tmp_path: Path) -> None:
    httpserver.expect_request("/f").respond_with_data(BODY)

    def refuse(path: Path) -> None:
        assert path.read_bytes() == BODY  # the hook sees the complete temporary file
        raise FetchError("not what we wanted")

    with pytest.raises(FetchError, match="not what we wanted"):
        download(httpserver.url_for("/f"), tmp_path / "f", validate=refuse, retry=fast_policy([]))
    assert leftovers(tmp_path) == []


def test_existing_file_survives_a_failed_download(httpserver, tmp_path: Path) -> None:
    dest = tmp_path / "f"
    dest.write_bytes(b"previous good copy")
    httpserver.expect_request("/f").respond_with_data("gone", status=404)
    with pytest.raises(FetchError):
        download(httpserver.url_for("/f"), dest, retry=fast_policy([]))
    assert dest.read_bytes() == b"previous good copy"


@pytest.mark.parametrize(
    ("settings", "match"),
    [
        ({"max_attempts": 0}, "max_attempts"),
        ({"backoff_s": -1}, "backoff_s"),
        ({"timeout_s": float("nan")}, "timeout_s"),
        ({"connect_timeout_s": -0.1}, "connect_timeout_s"),
    ],
)
def test_retry_policy_rejects_bad_settings(settings: dict[str, float], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        RetryPolicy(**settings)  # type: ignore[arg-type]


def test_parse_retry_after_handles_garbage_and_past_dates() -> None:
    assert parse_retry_after(None) is None
    assert parse_retry_after("  ") is None
    assert parse_retry_after("-5") == 0.0
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0  # a date in the past: go now


def test_tls_failure_is_not_retried_and_says_what_to_check(httpserver, tmp_path: Path) -> None:
    # https:// to a plain-HTTP server: the TLS handshake fails, as with a certificate problem.
    waits: list[float] = []
    url = httpserver.url_for("/f").replace("http://", "https://")
    with pytest.raises(FetchError, match="secure connection to localhost failed.*REQUESTS_CA_BUNDLE"):
        download(url, tmp_path / "f", retry=fast_policy(waits))
    assert waits == [] and leftovers(tmp_path) == []


def test_body_that_cannot_be_decoded_is_a_clear_error(httpserver, tmp_path: Path) -> None:
    httpserver.expect_request("/f").respond_with_data(
        b"not gzip at all", headers={"Content-Encoding": "gzip"}
    )
    with pytest.raises(FetchError, match="Cannot read the answer of"):
        download(httpserver.url_for("/f"), tmp_path / "f", retry=fast_policy([]))
    assert leftovers(tmp_path) == []


def test_body_compressed_although_identity_was_asked_is_stored_decoded(httpserver, tmp_path: Path) -> None:
    import gzip

    packed = gzip.compress(BODY)
    httpserver.expect_request("/f").respond_with_data(packed, headers={"Content-Encoding": "gzip"})
    result = download(httpserver.url_for("/f"), tmp_path / "f", retry=fast_policy([]))
    assert (tmp_path / "f").read_bytes() == BODY and result.size_bytes == len(BODY)
