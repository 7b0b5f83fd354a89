"""The outlook of many pairs: one data preparation, one gravity estimation, pairs in parallel.

:func:`outlook_many` prepares the data once (:func:`~forecasting.projection.prepare.prepare_data`),
estimates gravity once (:func:`~forecasting.projection.estimate.estimate_gravity`) and runs
:func:`~forecasting.projection.pair.pair_outlook` for every pair; :func:`outlook_pairs` does
the last step for inputs prepared already. Both return a
:class:`~forecasting.projection.many_result.PairOutlooks` (pair -> ``OutlookResult``, failures
by name, the stacked tables).

Where the pairs run (``client``):

- ``None``: one after another in this process;
- ``"local"``: on a ``distributed.LocalCluster`` of ``workers`` processes started for the call;
- a ``distributed.Client`` (a real cluster), or ``"dask"`` for the client already running.

On a cluster the shared inputs (the prepared data and the gravity estimate, tens of MB on
the bundled panel) are scattered once; each task then carries only its pair and options.

Seeds: every pair runs with the same ``seed``, so the outlook of a pair is exactly
``forecasting.outlook(pair=..., seed=seed)`` on the same data, whatever the other pairs are,
their order or the cluster's scheduling. The pairs thereby share their random draws (common
random numbers: one set of elasticity draws for the one world the GE step solves), which
makes their answers comparable; draws are never combined across pairs.

Failures: a pair absent from the data (a country the data lacks, or no recorded trade
between the two) or whose run raises has no outlook. With ``on_error="collect"`` (the
default) the other pairs still run, the failed ones are named in one
:class:`~forecasting.projection.many_result.PairFailedWarning` and kept in ``failures``, and
looking one up raises saying why; if every pair fails, :class:`PairsFailedError` is raised.
With ``on_error="raise"`` one failure aborts all: absent pairs are refused before any pair
runs, and the first failing pair (in the order given) cancels the rest and raises.

Warnings and fall-backs: each pair's fall-backs stay on its own settings. A worker process
runs one pair at a time and catches that pair's warnings; they are re-issued here, prefixed
with the pair (``"UZB-PAK: ..."``), in the order of the pairs, on a cluster as serially.
"""

from __future__ import annotations

import contextlib
import inspect
import logging
import threading
import traceback
import warnings
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import pandas as pd

from forecasting.errors import ForecastingWarning, SchemaError, describe_items
from forecasting.progress import track
from forecasting.projection.estimate import GravityEstimate, estimate_gravity
from forecasting.projection.many_result import (
    Pair,
    PairFailedWarning,
    PairFailure,
    PairOutlooks,
    PairsFailedError,
    describe_failures,
    pair_label,
)
from forecasting.projection.pair import pair_outlook
from forecasting.projection.prepare import PreparedData, prepare_data
from forecasting.projection.result import OutlookResult
from forecasting.projection.settings import user_stacklevel
from forecasting.scenarios import Scenario
from forecasting.validation import check_choice, did_you_mean

logger = logging.getLogger(__name__)

__all__ = ["ON_ERROR", "absent_pairs", "check_pairs", "corridor_pairs", "outlook_many", "outlook_pairs"]

OnError = Literal["collect", "raise"]
ON_ERROR = ("collect", "raise")
_ISO3_LETTERS = 3


def _keywords(func: Any, skip: set[str]) -> tuple[str, ...]:
    return tuple(name for name in inspect.signature(func).parameters if name not in skip)


# Derived from the stages' signatures, so a keyword added to a stage is accepted here too.
PREPARE_KEYWORDS = _keywords(prepare_data, {"flows"})
PAIR_KEYWORDS = _keywords(pair_outlook, {"prepared", "gravity", "pair"})
_DEFAULT_HORIZON = inspect.signature(pair_outlook).parameters["horizon"].default


def check_pairs(pairs: Sequence[Sequence[str]]) -> tuple[Pair, ...]:
    """The pairs as ``(A, B)`` tuples, or a :class:`SchemaError` naming every malformed one.

    A pair is two different ISO3 codes (upper case); each pair appears once, in either
    orientation (``("UZB", "PAK")`` and ``("PAK", "UZB")`` are the same trade seen from
    either side).

    Examples
    --------
    >>> check_pairs([["KAZ", "PAK"], ("UZB", "PAK")])
    (('KAZ', 'PAK'), ('UZB', 'PAK'))
    >>> check_pairs([("KAZ", "PAK"), ("PAK", "KAZ")])
    Traceback (most recent call last):
    ...
    forecasting.errors.SchemaError: pairs: 'PAK-KAZ' repeat(s) an earlier pair (either orientation); keep one
    """
    if isinstance(pairs, str) or not isinstance(pairs, Sequence) or not pairs:
        raise SchemaError(f"pairs must be a non-empty list of (A, B) country pairs, got {pairs!r}")
    malformed, codes, same, repeated, seen, out = [], [], [], [], set(), []
    for item in pairs:
        if isinstance(item, str) or not isinstance(item, Sequence) or len(item) != 2:
            malformed.append(item)
            continue
        pair = (str(item[0]), str(item[1]))
        if not all(len(c) == _ISO3_LETTERS and c.isalpha() and c.isupper() for c in pair):
            codes.append(pair_label(pair))
        elif pair[0] == pair[1]:
            same.append(pair_label(pair))
        elif frozenset(pair) in seen:
            repeated.append(pair_label(pair))
        seen.add(frozenset(pair))
        out.append(pair)
    found = [
        f"{describe_items(malformed)} are not pairs: give each as two codes, e.g. ('KAZ', 'PAK')"
        if malformed else "",
        f"{describe_items(codes)} are not two ISO3 codes in upper case (e.g. 'KAZ')" if codes else "",
        f"{describe_items(same)} name the same country twice" if same else "",
        f"{describe_items(repeated)} repeat(s) an earlier pair (either orientation); keep one" if repeated else "",
    ]  # fmt: skip
    if any(found):
        raise SchemaError("pairs: " + "; ".join(f for f in found if f))
    return tuple(out)


def corridor_pairs(scenario: Scenario) -> tuple[Pair, ...]:
    """Every pair a scenario's shocks touch, once each, oriented as its shock first lists it.

    Shocks given by ``origins`` and ``destinations`` list each origin first, so a corridor
    from Central Asia to Pakistan gives ``("KAZ", "PAK")``, ``("KGZ", "PAK")``, ...

    Examples
    --------
    >>> from forecasting.scenarios import builtin_corridors
    >>> corridor_pairs(builtin_corridors()["trans_afghan_railway"])[:3]
    (('KAZ', 'PAK'), ('KGZ', 'PAK'), ('UZB', 'PAK'))
    """
    chosen: dict[frozenset[str], Pair] = {}
    for shock in scenario.shocks:
        for a, b in shock.pairs:
            chosen.setdefault(frozenset((a, b)), (a, b))
    if not chosen:
        raise SchemaError(f"scenario {scenario.name!r} touches no pair; list the pairs yourself")
    return tuple(chosen.values())


def absent_pairs(prepared: PreparedData, pairs: Sequence[Pair]) -> dict[Pair, str]:
    """Pair -> why it is absent from the prepared data, for each pair that is.

    A pair is absent when the data lacks one of its countries or records no flow between
    the two in either direction.
    """
    flows = prepared.reconciled[["exporter", "importer"]].drop_duplicates()
    countries = sorted(set(flows.exporter) | set(flows.importer))
    linked = {frozenset(p) for p in zip(flows.exporter, flows.importer, strict=True)}
    out = {}
    for pair in pairs:
        unknown = [c for c in pair if c not in set(countries)]
        if unknown:
            hints = "".join(did_you_mean(c, countries) for c in unknown)
            out[pair] = (
                f"{describe_items(unknown)} not in the data{hints}; it has {len(countries)} countries:"
                f" {describe_items(countries, limit=10)}"
            )
        elif frozenset(pair) not in linked:
            out[pair] = f"the data records no trade between {pair[0]} and {pair[1]} in either direction"
    return out


@dataclass(frozen=True)
class _PairRun:
    """What a task hands back: the result or the failure, and the pair's warnings."""

    pair: Pair
    result: OutlookResult | None
    failure: PairFailure | None
    warnings: tuple[tuple[type[Warning], str, str, int], ...] = ()  # category, message, file, line


def _failure(pair: Pair, exc: BaseException) -> PairFailure:
    text = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    return PairFailure(pair, type(exc).__name__, str(exc), text, exc)


# The warnings filter is process-wide: one pair at a time per process keeps each pair's
# warnings its own on workers that run several threads.
_ONE_PAIR_AT_A_TIME = threading.Lock()


def run_pair(
    prepared: PreparedData, gravity: GravityEstimate, pair: Pair, options: Mapping[str, Any]
) -> _PairRun:
    """One pair's outlook with its warnings caught (the task a worker runs); failures are returned."""
    with _ONE_PAIR_AT_A_TIME, warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            result, failure = pair_outlook(prepared, gravity, pair=pair, **options), None
        except Exception as exc:  # noqa: BLE001 - reported per pair, by name
            result, failure = None, _failure(pair, exc)
    records = tuple((w.category, str(w.message), w.filename, w.lineno) for w in caught)
    return _PairRun(pair, result, failure, records)


@contextlib.contextmanager
def _cluster(client: Any, workers: int) -> Iterator[Any]:
    """The client to run on: the caller's, or a local cluster of ``workers`` processes for this call."""
    if client != "local":
        from forecasting.timeseries.distributed import resolve_client

        yield resolve_client(client, keyword="client", others="None, 'local'")
        return
    try:
        from distributed import Client, LocalCluster
    except ImportError as exc:  # pragma: no cover - distributed is in the project's extras
        raise SchemaError(
            "client='local' needs the 'distributed' package (pip install 'dask[distributed]')"
        ) from exc
    if workers < 1:
        raise SchemaError(f"workers={workers!r}: a local cluster needs at least one worker")
    with (
        LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
            silence_logs=logging.ERROR,
        ) as cluster,
        Client(cluster) as local,
    ):
        yield local


def _runs_on_cluster(
    client: Any, prepared: PreparedData, gravity: GravityEstimate, pairs: Sequence[Pair],
    options: Mapping[str, Any], on_error: OnError,
) -> Iterator[_PairRun]:  # fmt: skip
    shared = client.scatter([prepared, gravity], hash=False)
    futures = [client.submit(run_pair, *shared, pair, dict(options), pure=False) for pair in pairs]
    try:
        for pair, future in zip(pairs, futures, strict=True):
            try:
                run = future.result()
            except Exception as exc:  # noqa: BLE001 - a lost worker or a task that could not start
                run = _PairRun(pair, None, _failure(pair, exc))
            yield run
            if run.failure is not None and on_error == "raise":
                return
    finally:
        client.cancel([*futures, *shared])


def outlook_pairs(
    prepared: PreparedData,
    gravity: GravityEstimate,
    pairs: Sequence[Sequence[str]],
    *,
    client: Any = None,
    workers: int = 2,
    on_error: OnError = "collect",
    **options: Any,
) -> PairOutlooks:
    """Run :func:`~forecasting.projection.pair.pair_outlook` for every pair on shared inputs.

    Parameters
    ----------
    prepared, gravity
        From :func:`~forecasting.projection.prepare.prepare_data` and
        :func:`~forecasting.projection.estimate.estimate_gravity`, shared by every pair.
    pairs
        ``(A, B)`` ISO3 pairs (A's view orients the flows), see :func:`check_pairs`.
    client, workers
        Where the pairs run: ``None`` (serially, here), ``"local"`` (a local cluster of
        ``workers`` processes), a ``distributed.Client`` or ``"dask"`` (the running client).
    on_error
        ``"collect"`` (failed pairs are named and kept in ``failures``) or ``"raise"`` (one
        failure aborts all), see the module notes.
    **options
        The keywords of ``pair_outlook`` (``scenarios``, ``horizon``, ``draws``, ``seed``, ...),
        the same for every pair.
    """
    pairs = check_pairs(pairs)  # type: ignore[arg-type]
    check_choice("on_error", on_error, ON_ERROR)
    _check_keywords(options, PAIR_KEYWORDS)
    absent = absent_pairs(prepared, pairs)
    failures = {p: PairFailure(p, "absent from the data", why) for p, why in absent.items()}
    if failures and on_error == "raise":
        raise PairsFailedError(describe_failures(failures, len(pairs)), failures)
    todo = [p for p in pairs if p not in absent]
    results: dict[Pair, OutlookResult] = {}
    if client is None:
        runs: Iterator[_PairRun] = (run_pair(prepared, gravity, p, options) for p in todo)
        runs = _stop_at_failure(runs) if on_error == "raise" else runs
        results, failures = _collect(track(runs, total=len(todo), desc="pairs"), results, failures)
    else:
        with _cluster(client, workers) as running:
            logger.info("running %d pairs on a Dask cluster (%s)", len(todo), running)
            runs = _runs_on_cluster(running, prepared, gravity, todo, options, on_error)
            results, failures = _collect(track(runs, total=len(todo), desc="pairs"), results, failures)
    return _outcome(pairs, results, failures, on_error)


def _stop_at_failure(runs: Iterator[_PairRun]) -> Iterator[_PairRun]:
    for run in runs:
        yield run
        if run.failure is not None:
            return


def _collect(
    runs: Iterator[_PairRun], results: dict[Pair, OutlookResult], failures: dict[Pair, PairFailure]
) -> tuple[dict[Pair, OutlookResult], dict[Pair, PairFailure]]:
    """Gather the runs in the order of the pairs, re-issuing each pair's warnings under its name."""
    for run in runs:
        label = pair_label(run.pair)
        for category, message, filename, lineno in run.warnings:
            if issubclass(category, ForecastingWarning):  # at the caller's line, as a serial outlook
                warnings.warn(f"{label}: {message}", category, stacklevel=user_stacklevel())
            else:  # at the library's own line, so the usual filters treat it as they would serially
                warnings.warn_explicit(f"{label}: {message}", category, filename, lineno)
        if run.failure is None:
            results[run.pair] = run.result  # type: ignore[assignment]
        else:
            failures[run.pair] = run.failure
            logger.warning("a pair failed: %s\n%s", run.failure, run.failure.traceback)
    return results, failures


def _outcome(
    pairs: tuple[Pair, ...], results: dict[Pair, OutlookResult], failures: dict[Pair, PairFailure],
    on_error: OnError,
) -> PairOutlooks:  # fmt: skip
    if failures and (on_error == "raise" or not results):
        first = next(iter(failures.values()))
        raise PairsFailedError(describe_failures(failures, len(pairs)), failures) from first.exception
    if failures:
        warnings.warn(
            describe_failures(failures, len(pairs)) + "\n(they are listed in .failures)",
            PairFailedWarning,
            stacklevel=user_stacklevel(),
        )
    return PairOutlooks(pairs, results, failures)


def _check_keywords(options: Mapping[str, Any], valid: Sequence[str]) -> None:
    if "pair" in options:
        raise SchemaError("give the pairs as the first argument (a list of (A, B) pairs), not pair=")
    unknown = [k for k in options if k not in valid]
    if unknown:
        hints = "".join(did_you_mean(k, valid) for k in unknown)
        raise SchemaError(f"unknown keyword(s) {describe_items(unknown)}{hints}; valid: {', '.join(valid)}")


def outlook_many(
    pairs: Sequence[Sequence[str]],
    flows: pd.DataFrame | None = None,
    *,
    client: Any = None,
    workers: int = 2,
    on_error: OnError = "collect",
    **options: Any,
) -> PairOutlooks:
    """The outlook of many pairs from one data preparation and one gravity estimation.

    Parameters
    ----------
    pairs
        ``(A, B)`` ISO3 pairs, e.g. each Central Asian country with Pakistan, or
        :func:`corridor_pairs` of a scenario; A's view orients each pair's flows.
    flows
        FLOWS table, as for :func:`forecasting.outlook` (``None``: the bundled demo panel).
    client, workers, on_error
        Where the pairs run and what a failed pair does, see :func:`outlook_pairs`.
    **options
        Every other keyword of :func:`forecasting.outlook` (``production``, ``covariates``,
        ``scenarios``, ``horizon``, ``draws``, ``seed``, ...), the same for every pair.

    Examples
    --------
    >>> import warnings
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")  # demonstration data and its fall-backs, recorded in settings
    ...     many = outlook_many([("KAZ", "PAK"), ("UZB", "PAK")], scenarios={}, horizon=2027, draws=40)
    >>> list(many), many.overview().pair.tolist()
    ([('KAZ', 'PAK'), ('UZB', 'PAK')], ['KAZ-PAK', 'UZB-PAK'])
    """
    pairs = check_pairs(pairs)  # type: ignore[arg-type]
    check_choice("on_error", on_error, ON_ERROR)
    _check_keywords(options, (*PREPARE_KEYWORDS, *PAIR_KEYWORDS))
    prepare_options = {k: v for k, v in options.items() if k in PREPARE_KEYWORDS}
    pair_options = {k: v for k, v in options.items() if k not in PREPARE_KEYWORDS}
    prepared = prepare_data(flows, **prepare_options)
    horizon = pair_options.get("horizon", _DEFAULT_HORIZON)
    if horizon <= prepared.base_year:  # before the gravity estimation, which takes a while
        raise SchemaError(f"horizon {horizon} must be after the last data year {prepared.base_year}")
    gravity = estimate_gravity(prepared)
    return outlook_pairs(
        prepared, gravity, pairs, client=client, workers=workers, on_error=on_error, **pair_options
    )
