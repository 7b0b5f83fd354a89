"""How patiently a download is retried: attempts, backoff with jitter, ``Retry-After``, timeouts."""

from __future__ import annotations

import email.utils
import math
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from forecasting.errors import option_hint


@dataclass(frozen=True, kw_only=True)
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
    jitter
        Randomise waits (seeded by ``seed`` for reproducible tests).
    seed
        Seed of the jitter's random generator.
    max_retry_after_s
        Longest ``Retry-After`` the fetcher is willing to wait for.
    timeout_s
        Read timeout: longest silence from the server during a transfer.
    connect_timeout_s
        Longest wait for the connection itself; a host that does not answer in time is
        reported as unreachable at once, without retries.
    sleep
        Function that waits; tests pass a recorder so they never actually sleep.

    Examples
    --------
    >>> waits = []
    >>> policy = RetryPolicy(max_attempts=4, backoff_s=2, jitter=False, sleep=waits.append)
    >>> [policy.wait_after(n) for n in (1, 2, 3)]
    [2.0, 4.0, 8.0]
    >>> policy.wait_after(1, retry_after=7)
    7.0
    """

    # the waits between attempts, then the server's and the network's limits
    max_attempts: int = 5
    backoff_s: float = 1.0
    max_backoff_s: float = 60.0
    jitter: bool = True
    seed: int | None = None
    max_retry_after_s: float = 300.0
    timeout_s: float = 60.0
    connect_timeout_s: float = 10.0
    sleep: Callable[[float], object] = field(default=time.sleep, repr=False, compare=False)

    def __post_init__(self) -> None:
        if int(self.max_attempts) != self.max_attempts or self.max_attempts < 1:
            raise ValueError(f"max_attempts must be a whole number >= 1, got {self.max_attempts!r}")
        for name in ("backoff_s", "max_backoff_s", "max_retry_after_s", "timeout_s", "connect_timeout_s"):
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


def policy_hint(setting: str, value: object) -> str:
    """How to change a :class:`RetryPolicy` setting: its CLI flag, or ``retry=RetryPolicy(...)`` in Python.

    Examples
    --------
    >>> policy_hint("max_attempts", 10)
    'pass retry=RetryPolicy(max_attempts=10)'
    """
    hint = option_hint(setting, value)
    if hint == f"pass {setting}={value!r}":  # Python wording: say where the keyword goes
        return f"pass retry=RetryPolicy({setting}={value!r})"
    return hint


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
