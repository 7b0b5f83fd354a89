"""The one module that talks to pyfixest.

Everything pyfixest-specific (argument names, private attributes we read, the way the
IRLS loop is observed) lives here, so a pyfixest upgrade touches this file only.

Two things pyfixest does not report and we need: how many IRLS iterations ran and whether
the last one met the tolerance (its ``convergence`` flag stays ``False`` when the criterion
is met on the final allowed iteration, and it never raises on non-convergence). We read
both from the deviance sequence, which pyfixest computes once before the loop, once per
iteration and once at the end; a thin recorder around ``Fepois._compute_deviance`` keeps
that sequence per thread while one of our fits runs and is inert otherwise.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from forecasting.gravity._fixef import fe_codes


@contextlib.contextmanager
def _root_logging_preserved() -> Iterator[None]:
    """Keep the root logger as the caller configured it.

    pyfixest 0.60 calls ``logging.basicConfig(level=INFO)`` when one of its modules is
    imported (``feols_compressed_``), which would make every library's INFO messages print
    in the user's notebook; the root handlers and level are restored afterwards.
    """
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    try:
        yield
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)


with _root_logging_preserved():
    import pyfixest as pf
    import pyfixest.estimation.models.feols_compressed_  # noqa: F401 - the module that configures logging
    from pyfixest.demeaners import MapDemeaner
    from pyfixest.estimation import detect_singletons
    from pyfixest.estimation.models.fepois_ import Fepois


logger = logging.getLogger(__name__)

_recorder = threading.local()
_original_deviance = Fepois._compute_deviance


def _recording_deviance(self: Any, Y: Any, mu: Any, weights: Any = None) -> Any:
    value = _original_deviance(self, Y, mu, weights)
    trace = getattr(_recorder, "trace", None)
    if trace is not None:
        trace.append(float(value))
    return value


if getattr(Fepois._compute_deviance, "__name__", "") != "_recording_deviance":
    Fepois._compute_deviance = _recording_deviance  # type: ignore[method-assign]


@dataclass(frozen=True)
class BackendFit:
    """What an estimation returns, in plain numpy/pandas terms (positions refer to the input frame)."""

    coef: pd.Series
    vcov: pd.DataFrame
    kept: np.ndarray
    singleton: np.ndarray
    separated: np.ndarray
    missing: np.ndarray
    link: np.ndarray
    converged: bool
    iterations: int
    deviance: float
    loglik: float
    pseudo_r2: float
    r2: float
    df_resid: float | None
    n_clusters: tuple[int, ...]
    collinear: tuple[str, ...]
    rhs_spec: Any


def ssc_settings(small_sample: str, *, method: str) -> tuple[dict[str, Any], str]:
    """pyfixest ``ssc`` settings for a named small-sample convention, plus any extra scaling.

    ``"stata"`` reproduces ``ppml``/``ppmlhdfe``: clustered variances scaled by G/(G-1)
    only, robust ones by N/(N-1) (applied by the caller, marked ``"n_over_n_minus_1"``).
    Checked on Yotov et al. (2016): pair-clustered RTA s.e. 0.1022 and the Stata log's
    semirobust 0.055771. For OLS it is pyfixest's default, which follows reghdfe.
    """
    if small_sample == "pyfixest" or method == "feols":
        return pf.ssc(), ""
    return pf.ssc(k_adj=False, G_adj=True), "n_over_n_minus_1"


def fit(
    data: pd.DataFrame,
    formula: str,
    *,
    method: str,
    vcov: str | dict[str, str],
    small_sample: str,
    separation: Sequence[str],
    maxiter: int,
    tol: float,
    fixef_tol: float,
    offset: str | None,
    weights: str | None,
    missing: np.ndarray,
    singletons: np.ndarray,
) -> BackendFit:
    """Estimate ``formula`` on ``data`` (RangeIndex, only the needed columns) with pyfixest."""
    ssc, extra = ssc_settings(small_sample, method=method)
    common: dict[str, Any] = {
        "vcov": vcov,
        "ssc": ssc,
        "weights": weights,
        "fixef_rm": "singleton",
        "demeaner": MapDemeaner(fixef_tol=fixef_tol),
        "copy_data": False,
    }
    _recorder.trace = []
    try:
        with warnings.catch_warnings():
            # pyfixest warns about dropped singletons/separation; we report them as data instead.
            warnings.simplefilter("ignore", UserWarning)
            if method == "fepois":
                model = pf.fepois(
                    formula,
                    data,
                    offset=offset,
                    iwls_tol=tol,
                    iwls_maxiter=maxiter,
                    separation_check=list(separation) or None,
                    **common,
                )
            else:
                model = pf.feols(formula, data, **common)
        trace = list(_recorder.trace)
    finally:
        _recorder.trace = None

    kept = np.asarray(model._data.index, dtype=np.int64)
    pre_dropped = np.asarray(sorted(model._na_index), dtype=np.int64)
    all_dropped = np.asarray(sorted(set(np.asarray(model.na_index, dtype=np.int64).tolist())), dtype=np.int64)
    separated = np.setdiff1d(all_dropped, pre_dropped)
    singleton = np.intersect1d(singletons, pre_dropped)
    unexplained = np.setdiff1d(np.setdiff1d(pre_dropped, singleton), missing)
    missing_all = np.union1d(missing, unexplained)

    names = [str(n) for n in model._coefnames]
    variance = np.asarray(model._vcov, dtype=float)
    if extra == "n_over_n_minus_1" and not isinstance(vcov, dict) and vcov != "iid":
        n = float(model._N)
        variance = variance * n / (n - 1.0)
    iterations, converged = _iterations(trace, tol) if method == "fepois" else (1, True)
    clusters = tuple(int(g) for g in np.atleast_1d(getattr(model, "_G", ()) or ()))
    return BackendFit(
        coef=pd.Series(np.asarray(model._beta_hat, dtype=float), index=names, name="estimate"),
        vcov=pd.DataFrame(variance, index=names, columns=names),
        kept=kept,
        singleton=singleton,
        separated=separated,
        missing=missing_all,
        link=np.asarray(model._Y_hat_link, dtype=float).ravel(),
        converged=converged,
        iterations=iterations,
        deviance=float(model.deviance) if method == "fepois" else float("nan"),
        loglik=float(getattr(model, "_loglik", np.nan) or np.nan),
        pseudo_r2=float(getattr(model, "_pseudo_r2", np.nan) or np.nan),
        r2=float(getattr(model, "_r2", np.nan) or np.nan),
        df_resid=float(model._df_t) if method == "feols" else None,
        n_clusters=clusters if isinstance(vcov, dict) else (),
        collinear=tuple(str(c) for c in (model._collin_vars or ())),
        rhs_spec=model._model_spec.second_stage.rhs,
    )


def _iterations(trace: list[float], tol: float) -> tuple[int, bool]:
    """Iteration count and convergence from the recorded deviances (first = start, last = final)."""
    steps = trace[1:-1]
    if not steps:
        return 0, False
    previous = trace[-3] if len(trace) >= 3 else trace[0]
    crit = abs(steps[-1] - previous) / (0.1 + abs(previous))
    return len(steps), bool(crit < tol)


def singletons(data: pd.DataFrame, fixed_effects: Sequence[str], missing: np.ndarray) -> np.ndarray:
    """Rows pyfixest will set aside as singletons (its own detector, on the non-missing rows)."""
    if not fixed_effects:
        return np.empty(0, dtype=np.int64)
    keep = np.ones(len(data), dtype=bool)
    keep[missing] = False
    subset = data if keep.all() else data.iloc[np.flatnonzero(keep)]
    codes = np.column_stack([fe_codes(subset, fe) for fe in fixed_effects]).astype(np.uint32)
    return np.flatnonzero(keep)[np.asarray(detect_singletons(codes), dtype=bool)]
