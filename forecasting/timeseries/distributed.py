"""Running many series in parallel: local processes or a Dask cluster, same results.

Series are split into chunks (systems fitted jointly by VAR/VECM stay together), each
chunk is forecast by the same function as a local run, and the pieces are put back in
order. Because every series is fitted on its own, a chunked run equals a serial run.

``backend`` may be ``None`` (this process; statsforecast still uses ``n_jobs`` workers),
``"joblib"`` (local processes), ``"dask"`` (the current ``distributed`` client) or a
``distributed.Client``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any

import pandas as pd

from forecasting.errors import ForecastingError
from forecasting.progress import track
from forecasting.timeseries.frame import Panel
from forecasting.validation import job_count

logger = logging.getLogger(__name__)

BACKENDS = (None, "joblib", "dask")


def partition(panel: Panel, n_chunks: int, groups: Sequence[Sequence[str]] | None = None) -> list[list[str]]:
    """Split series ids into at most ``n_chunks`` lists, keeping each of ``groups`` whole."""
    units = [list(g) for g in groups] if groups else [[uid] for uid in panel.ids]
    n_chunks = max(1, min(n_chunks, len(units)))
    chunks: list[list[str]] = [[] for _ in range(n_chunks)]
    for i, unit in enumerate(units):
        chunks[i % n_chunks].extend(unit)
    return [c for c in chunks if c]


def resolve_client(backend: Any, *, keyword: str = "backend", others: str = "None, 'joblib'") -> Any:
    """The ``distributed.Client`` that ``backend`` names: ``"dask"`` (the current client) or a client.

    ``keyword`` is the argument's name in the caller's signature and ``others`` the caller's
    other valid values, for the messages.
    """
    if backend == "dask":
        try:
            from distributed import get_client
        except ImportError as exc:  # pragma: no cover - distributed is in the project's extras
            raise ForecastingError(
                f"{keyword}='dask' needs the 'distributed' package (pip install dask[distributed])"
            ) from exc
        try:
            return get_client()
        except ValueError as exc:
            raise ForecastingError(
                f"{keyword}='dask' found no running Dask client; start one with distributed.Client(...)"
                f" or pass it as {keyword}="
            ) from exc
    if hasattr(backend, "submit") and hasattr(backend, "gather"):
        return backend
    raise ForecastingError(
        f"{keyword}={backend!r} is not valid; use {others}, 'dask' or a distributed.Client"
    )


def map_chunks(
    func: Callable[..., pd.DataFrame],
    panel: Panel,
    *,
    backend: Any = None,
    n_jobs: int = 1,
    groups: Sequence[Sequence[str]] | None = None,
    extra: pd.DataFrame | None = None,
    **kwargs: Any,
) -> pd.DataFrame:
    """Apply ``func(sub_panel, sub_extra, **kwargs)`` to chunks of ``panel`` and concatenate.

    ``extra`` is a frame with ``unique_id`` (e.g. future drivers) cut to each chunk's series.
    """

    def cut(ids: list[str]) -> tuple[Panel, pd.DataFrame | None]:
        sub_extra = None if extra is None else extra[extra["unique_id"].isin(set(ids))]
        return panel.subset(ids), sub_extra

    n_jobs = job_count(n_jobs)
    if backend is None and n_jobs == 1:
        return func(panel, extra, **kwargs)
    if backend is None or backend == "joblib":
        from joblib import Parallel, delayed

        chunks = partition(panel, n_jobs * 4, groups)
        logger.info("running %d chunks on %d local processes", len(chunks), n_jobs)
        jobs = (delayed(func)(*cut(ids), **kwargs) for ids in chunks)
        pieces = Parallel(n_jobs=n_jobs)(track(jobs, total=len(chunks), desc="forecast chunks"))
        return pd.concat(pieces, ignore_index=True)
    client = resolve_client(backend)
    n_workers = max(1, len(client.scheduler_info().get("workers", {})))
    chunks = partition(panel, n_workers * 4, groups)
    logger.info("submitting %d chunks to a Dask cluster of %d workers", len(chunks), n_workers)
    futures = [client.submit(func, *cut(ids), pure=False, **kwargs) for ids in chunks]
    pieces = client.gather(futures)
    return pd.concat(pieces, ignore_index=True)
