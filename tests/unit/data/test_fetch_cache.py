"""Cache folder, checksum sidecars, atomic writes and the generic ``fetch_url``."""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from forecasting.data.fetch import RemoteFile, RetryPolicy, cache_dir, fetch_url, sha256_file
from forecasting.data.fetch.cache import atomic_writer, read_sidecar, sidecar_path, verified_cached_digest
from forecasting.errors import FetchError

BODY = b"iso_o;iso_d;contig;dist\nKAZ;PAK;0;1116.9\n"
DIGEST = hashlib.sha256(BODY).hexdigest()


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def cache(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.setenv("FORECASTING_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache"


def quick() -> RetryPolicy:
    return RetryPolicy(max_attempts=2, jitter=False, sleep=lambda _s: None, timeout_s=5)


def test_cache_dir_follows_environment_variable(cache: Path) -> None:
    assert cache_dir() == cache and cache.is_dir()
    assert cache_dir("comtrade") == cache / "comtrade" and (cache / "comtrade").is_dir()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="XDG folders are the Linux convention")
def test_cache_dir_defaults_to_platform_cache(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("FORECASTING_CACHE", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache_dir(create=False) == tmp_path / "xdg" / "forecasting"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert cache_dir("baci", create=False) == tmp_path / "home" / ".cache" / "forecasting" / "baci"


def test_unwritable_cache_dir_explains_the_environment_variable(monkeypatch, tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("FORECASTING_CACHE", str(blocker / "sub"))
    with pytest.raises(FetchError, match="Point the environment variable FORECASTING_CACHE"):
        cache_dir()


def test_atomic_writer_leaves_nothing_when_the_writer_fails(tmp_path: Path) -> None:
    target = tmp_path / "out.csv"
    with pytest.raises(RuntimeError), atomic_writer(target) as handle:
        handle.write(b"half of it")
        raise RuntimeError("interrupted")
    assert list(tmp_path.iterdir()) == []


def test_sidecar_is_sha256sum_format_and_malformed_ones_are_ignored(cache: Path, httpserver) -> None:
    httpserver.expect_request("/dist_cepii.csv").respond_with_data(BODY)
    path = fetch_url(httpserver.url_for("/dist_cepii.csv"), retry=quick())
    assert sidecar_path(path).read_text() == f"{DIGEST}  dist_cepii.csv\n"
    assert read_sidecar(path) == DIGEST == sha256_file(path)
    sidecar_path(path).write_text("not a digest\n")
    assert read_sidecar(path) is None


def test_fetch_url_caches_under_host_and_reuses_without_request(cache: Path, httpserver) -> None:
    httpserver.expect_request("/files/dist_cepii.csv").respond_with_data(BODY)
    url = httpserver.url_for("/files/dist_cepii.csv")
    first = fetch_url(url, sha256=DIGEST, retry=quick())
    assert first == cache / "files" / str(urlsplit(url).hostname) / "dist_cepii.csv"
    assert first.read_bytes() == BODY
    second = fetch_url(url, sha256=DIGEST, retry=quick())
    assert second == first and len(httpserver.log) == 1
    fetch_url(url, refresh=True, retry=quick())
    assert len(httpserver.log) == 2


def test_corrupted_cache_copy_is_detected_and_replaced(cache: Path, httpserver) -> None:
    httpserver.expect_request("/d.csv").respond_with_data(BODY)
    path = fetch_url(httpserver.url_for("/d.csv"), retry=quick())
    path.write_bytes(BODY.replace(b"1116.9", b"9999.9"))  # same size, different content
    again = fetch_url(httpserver.url_for("/d.csv"), retry=quick())
    assert again.read_bytes() == BODY and len(httpserver.log) == 2


def test_file_placed_by_hand_is_reused_and_its_digest_recorded(cache: Path, httpserver) -> None:
    dest = cache / "manual" / "dist_cepii.csv"
    dest.parent.mkdir(parents=True)
    dest.write_bytes(BODY)
    path = fetch_url(httpserver.url_for("/dist_cepii.csv"), subdir="manual", retry=quick())
    assert path == dest and httpserver.log == []
    assert read_sidecar(dest) == DIGEST


def test_file_placed_by_hand_with_wrong_pinned_checksum_is_replaced(cache: Path, httpserver) -> None:
    dest = cache / "manual" / "dist_cepii.csv"
    dest.parent.mkdir(parents=True)
    dest.write_bytes(b"an older edition")
    httpserver.expect_request("/dist_cepii.csv").respond_with_data(BODY)
    fetch_url(httpserver.url_for("/dist_cepii.csv"), subdir="manual", sha256=DIGEST, retry=quick())
    assert dest.read_bytes() == BODY and len(httpserver.log) == 1


def test_verified_cached_digest_for_missing_file_is_none(tmp_path: Path) -> None:
    assert verified_cached_digest(tmp_path / "absent", None) is None


def test_remote_file_validation_messages() -> None:
    with pytest.raises(FetchError, match="pass filename="):
        RemoteFile("https://example.org/download/")
    with pytest.raises(FetchError, match="not a SHA-256 digest"):
        RemoteFile("https://example.org/a.csv", sha256="abc")
    with pytest.raises(FetchError, match="size_bytes must be"):
        RemoteFile("https://example.org/a.csv", size_bytes=-1)
    assert RemoteFile("https://example.org/get?id=3", filename="table.csv").filename == "table.csv"


def test_remote_file_and_arguments_cannot_both_carry_checksums(cache: Path) -> None:
    with pytest.raises(FetchError, match="not both"):
        fetch_url(RemoteFile("https://example.org/a.csv"), sha256=DIGEST)
