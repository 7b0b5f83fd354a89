"""Worker processes that live for one call, stop at once on Ctrl-C and print nothing of their own.

Every parallel step of the gravity layer (sector fits, the pair bootstrap, GE draws, trade
potential) runs in loky's pool of fresh worker processes: unlike ``multiprocessing`` it needs
no ``if __name__ == "__main__"`` guard in user scripts, and it sends functions with
cloudpickle, so a lambda or a function defined in a notebook works as a task. The pool is shut
down when the call is done and its workers are killed on an error or Ctrl-C, so no worker
outlives the call and no queued task runs after an interrupt (the standard library's
executor, on leaving its ``with`` block, runs every queued task to the end first).
:func:`parallel_calls` keeps at most one task waiting beside the running ones: when the pool
is killed with tasks still queued, loky's manager thread fails on them (``KeyError`` in
``add_call_item_to_queue``), prints that thread's traceback and leaves a semaphore for its
resource tracker to report at exit.

The workers start with a fixed string-hash seed, because pyfixest orders the fixed effects of
a formula through a Python ``set``; the order changes the last bits of the estimates, and a
fixed seed makes them the same in every run.

A terminal's Ctrl-C, and a Jupyter kernel's interrupt, go to the whole process group. The
workers are started with SIGINT held (blocked, not ignored, in the parent), so they inherit a
signal that never arrives and print no traceback of their own, while the parent's Ctrl-C is
only delayed until they are up.
"""

from __future__ import annotations

import contextlib
import multiprocessing.resource_tracker
import signal
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, wait
from typing import Any, TypeVar

from joblib.externals.loky import ProcessPoolExecutor
from joblib.externals.loky.backend import resource_tracker as loky_resource_tracker

from forecasting.files import interrupts_held
from forecasting.progress import track

__all__ = ["WORKER_HASH_SEED", "parallel_calls", "worker_pool"]

WORKER_HASH_SEED = "0"

R = TypeVar("R")


def _start_worker(setup: Callable[[], None] | None) -> None:
    # A second guard: the workers already hold SIGINT from their start (see worker_pool).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if setup is not None:
        setup()


@contextlib.contextmanager
def worker_pool(processes: int, *, setup: Callable[[], None] | None = None) -> Iterator[ProcessPoolExecutor]:
    """Fresh workers with the fixed hash seed, for one call: shut down on success, killed on any error or interrupt.

    Parameters
    ----------
    processes
        Number of worker processes.
    setup
        Run once in each worker when it starts (a module-level function, e.g. one that limits
        BLAS threads).

    Examples
    --------
    >>> with worker_pool(1) as pool:
    ...     pool.submit(sum, [1, 2, 3]).result()
    6
    """
    # The standard library's tracker unblocks SIGINT in this thread when it first starts,
    # which would undo the hold below, so both trackers are started before it.
    multiprocessing.resource_tracker.ensure_running()
    loky_resource_tracker.ensure_running()
    pool = ProcessPoolExecutor(
        max_workers=processes,
        initializer=_start_worker,
        initargs=(setup,),
        env={"PYTHONHASHSEED": WORKER_HASH_SEED},
    )
    try:
        # The first task starts every worker (and the manager thread that restarts them) while
        # SIGINT is held, so they inherit it held; a Ctrl-C meanwhile is raised on leaving.
        with interrupts_held():
            pool.submit(int)
        yield pool
    except BaseException:
        pool.shutdown(wait=True, kill_workers=True)
        raise
    pool.shutdown(wait=True)


def parallel_calls(
    processes: int,
    function: Callable[..., R],
    calls: Sequence[tuple[Any, ...]],
    *,
    setup: Callable[[], None] | None = None,
    desc: str = "",
    progress: bool | None = None,
) -> list[R]:
    """``[function(*call) for call in calls]`` in :func:`worker_pool` workers, in the order given.

    At most one call waits beside the running ones (loky fails on calls still queued when it
    kills its workers), so a Ctrl-C or an error stops the pool cleanly at once.

    Parameters
    ----------
    processes
        Number of worker processes (no more than there are calls).
    function, calls
        A function the workers can unpickle (cloudpickle: a lambda works) and its argument
        tuples.
    setup
        As for :func:`worker_pool`.
    desc, progress
        Label and switch of the progress display (:func:`forecasting.progress.track`).

    Returns
    -------
    list
        The results, in the order of ``calls``; the first error a call raises is raised here.

    Examples
    --------
    >>> parallel_calls(2, pow, [(2, 3), (3, 2), (10, 0)])
    [8, 9, 1]
    """
    if not calls:
        return []
    processes = min(processes, len(calls))
    results: list[Any] = [None] * len(calls)

    def completed() -> Iterator[None]:
        waiting = iter(enumerate(calls))
        running: dict[Future[R], int] = {}
        with worker_pool(processes, setup=setup) as pool:
            while True:
                for index, call in waiting:
                    running[pool.submit(function, *call)] = index
                    if len(running) > processes:
                        break
                if not running:
                    return
                done, _ = wait(running, return_when=FIRST_COMPLETED)
                for future in done:
                    results[running.pop(future)] = future.result()
                    yield

    for _ in track(completed(), total=len(calls), desc=desc, enabled=progress):
        pass
    return results
