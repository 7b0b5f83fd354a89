"""The one module that talks to pyfixest.

The toolkit prepares the estimation sample itself (missing values, singletons and
separation are found before the call), so pyfixest receives clean rows and drops none;
that keeps every row's fate in our hands and out of pyfixest's private bookkeeping. What
we need back comes through pyfixest's public interface (``coef()``, ``resid()``,
``predict(type="link")``, ``convergence``, ``deviance``), except the two numbers pyfixest
has no accessor for, read in :func:`_unexposed`.
"""

from __future__ import annotations

import contextlib
import logging
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from forecasting.errors import ConvergenceError, EstimationError
from forecasting.validation import check_choice


@contextlib.contextmanager
def _root_logging_preserved() -> Iterator[None]:
    """Undo pyfixest 0.60's ``logging.basicConfig(level=INFO)`` at import (``feols_compressed_``)."""
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
    from pyfixest.core.demean import Preconditioner, demean_within
    from pyfixest.demeaners import BaseDemeaner, LsmrDemeaner, MapDemeaner
    from pyfixest.estimation import detect_singletons

logger = logging.getLogger(__name__)

Demeaner = Literal["rust", "numba", "lsmr"]
DEMEANERS: tuple[str, ...] = ("rust", "numba", "lsmr")
SmallSample = Literal["stata", "pyfixest"]
FIXEF_MAXITER = 10_000


@dataclass(frozen=True)
class FitSettings:
    """How pyfixest fits a prepared sample: the estimator and its numerical settings, checked here.

    Examples
    --------
    >>> FitSettings("feols").maxiter
    1
    >>> FitSettings("fepois", demeaner="cuda")
    Traceback (most recent call last):
    ...
    forecasting.errors.SchemaError: demeaner='cuda' is not valid; use one of 'rust', 'numba', 'lsmr'
    """

    method: Literal["fepois", "feols"]
    small_sample: SmallSample = "stata"
    maxiter: int = 1
    tol: float = 1e-8
    fixef_tol: float = 1e-8
    demeaner: Demeaner = "rust"
    offset: str | None = None
    weights: str | None = None

    def __post_init__(self) -> None:
        check_choice("small_sample", self.small_sample, SmallSample)
        check_choice("demeaner", self.demeaner, DEMEANERS)
        if not (isinstance(self.maxiter, int) and self.maxiter > 0) or not 0 < self.tol < 1:
            raise ValueError(
                f"maxiter must be a positive integer and 0 < tol < 1, got {self.maxiter!r} and {self.tol!r}"
            )

    @property
    def poisson(self) -> bool:
        """Whether this is PPML (``fepois``) rather than OLS."""
        return self.method == "fepois"


@dataclass(frozen=True)
class BackendFit:
    """What an estimation returns, in plain numpy/pandas terms (rows are those passed in)."""

    coef: pd.Series
    vcov: pd.DataFrame
    link: np.ndarray
    converged: bool
    deviance: float
    df_resid: float | None


def demeaner_config(name: str, fixef_tol: float, fixef_maxiter: int = FIXEF_MAXITER) -> BaseDemeaner:
    """pyfixest's demeaner for a backend name: MAP in Rust (fastest on CPU), MAP in numba, or LSMR."""
    if name == "lsmr":
        return LsmrDemeaner(fixef_atol=fixef_tol, fixef_btol=fixef_tol, fixef_maxiter=fixef_maxiter)
    return MapDemeaner(fixef_tol=fixef_tol, fixef_maxiter=fixef_maxiter, backend=name)  # type: ignore[arg-type]


def ssc_settings(small_sample: str, *, method: str) -> tuple[dict[str, Any], bool]:
    """pyfixest ``ssc`` settings for a small-sample convention, and whether to scale robust errors by N/(N-1).

    ``"stata"`` reproduces ``ppml``/``ppmlhdfe``: clustered variances scaled by G/(G-1)
    only, robust ones by N/(N-1). Checked on Yotov et al. (2016): pair-clustered RTA s.e.
    0.1022 and the Stata log's semirobust 0.055771. For OLS it is pyfixest's default, which
    follows reghdfe.
    """
    if small_sample == "pyfixest" or method == "feols":
        return pf.ssc(), False
    return pf.ssc(k_adj=False, G_adj=True), True


def within(
    values: np.ndarray,
    codes: np.ndarray,
    weights: np.ndarray,
    *,
    tol: float,
    what: str,
    preconditioner: Preconditioner | None = None,
) -> tuple[np.ndarray, Preconditioner | None]:
    """Weighted demeaning of ``values`` (n x k) by the fixed effects in ``codes`` (n x m integer levels).

    Uses pyfixest's LSMR solver with a diagonal preconditioner, which stays accurate when the weights span
    many orders of magnitude (alternating projections stall there); the preconditioner it
    returns can be passed back for further calls with the same codes and weights.
    """
    demeaned, success, used = demean_within(
        np.ascontiguousarray(values, dtype=np.float64),
        np.asfortranarray(codes, dtype=np.uint32),
        np.asarray(weights, dtype=np.float64),
        tol=tol,
        maxiter=FIXEF_MAXITER,
        preconditioner=preconditioner if preconditioner is not None else "diagonal",
    )
    if not success:
        raise ConvergenceError(
            f"demeaning by the fixed effects did not converge in {FIXEF_MAXITER:,} iterations during {what};"
            " the fixed effects may be poorly connected: check them, or drop levels with very few rows"
        )
    return np.asarray(demeaned), used


def singletons(codes: np.ndarray) -> np.ndarray:
    """Rows alone in a level of some fixed effect, found iteratively (pyfixest's detector)."""
    if codes.shape[1] == 0 or not len(codes):
        return np.zeros(len(codes), dtype=bool)
    return np.asarray(detect_singletons(np.asfortranarray(codes, dtype=np.uint32)), dtype=bool)


def fit(data: pd.DataFrame, formula: str, settings: FitSettings, *, vcov: str | dict[str, str]) -> BackendFit:
    """Estimate ``formula`` on ``data`` (clean rows only, RangeIndex) with pyfixest."""
    method = settings.method
    ssc, scale_robust = ssc_settings(settings.small_sample, method=method)
    common: dict[str, Any] = {
        "vcov": vcov,
        "ssc": ssc,
        "weights": settings.weights,
        "fixef_rm": "none",
        "demeaner": demeaner_config(settings.demeaner, settings.fixef_tol),
        "copy_data": False,
    }
    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            # pyfixest's own warnings (empty vcov of a fixed-effect-only model, sqrt of a negative
            # variance) are replaced by the checks the caller runs on what comes back.
            warnings.simplefilter("ignore", UserWarning)
            warnings.simplefilter("ignore", RuntimeWarning)
            if method == "fepois":
                # One iteration more than asked: pyfixest sets ``convergence`` only when the
                # criterion is met before its last allowed iteration.
                model = pf.fepois(
                    formula,
                    data,
                    offset=settings.offset,
                    iwls_tol=settings.tol,
                    iwls_maxiter=settings.maxiter + 1,
                    separation_check=[],
                    **common,
                )
            else:
                model = pf.feols(formula, data, **common)
            return _collect(model, data, method=method, vcov=vcov, scale_robust=scale_robust)
    except ValueError as exc:
        if "Demeaning failed" in str(exc):
            raise ConvergenceError(
                f"pyfixest's fixed-effect demeaning did not converge ({exc}); the fixed effects may be"
                " poorly connected: try demeaner='lsmr', a looser fixef_tol, or fewer fixed effects"
            ) from exc
        raise EstimationError(f"pyfixest could not fit {formula!r}: {exc}") from exc
    except ImportError as exc:
        raise EstimationError(
            f"demeaner={settings.demeaner!r} is not available here ({exc}); use demeaner='rust' (the default)"
        ) from exc
    except (np.linalg.LinAlgError, KeyError, TypeError, RuntimeError) as exc:
        raise EstimationError(f"pyfixest could not fit {formula!r}: {type(exc).__name__}: {exc}") from exc


def _collect(model: Any, data: pd.DataFrame, *, method: str, vcov: Any, scale_robust: bool) -> BackendFit:
    residual = np.asarray(model.resid(), dtype=float).ravel()
    if len(residual) != len(data):
        raise EstimationError(
            f"pyfixest kept {len(residual):,} of the {len(data):,} prepared rows; please report this"
            " (the toolkit sets aside missing, singleton and separated rows before the call)"
        )
    coef = model.coef()
    names = [str(n) for n in coef.index]
    variance, df_resid = _unexposed(model, method)
    variance = variance.reshape(len(names), len(names)) if names else np.zeros((0, 0))
    if scale_robust and not isinstance(vcov, dict) and vcov != "iid":
        n = float(len(data))
        variance = variance * n / (n - 1.0)
    return BackendFit(
        coef=pd.Series(coef.to_numpy(dtype=float), index=names, name="estimate"),
        vcov=pd.DataFrame(variance, index=names, columns=names),
        link=np.asarray(model.predict(type="link"), dtype=float).ravel(),
        converged=bool(model.convergence) if method == "fepois" else True,
        deviance=float(model.deviance) if method == "fepois" else float("nan"),
        df_resid=df_resid,
    )


def _unexposed(model: Any, method: str) -> tuple[np.ndarray, float | None]:
    """The covariance matrix and OLS residual degrees of freedom, which pyfixest has no accessor for.

    Read from ``_vcov`` and ``_df_t``; checked on pyfixest 0.60 (the range pinned in pyproject.toml).
    """
    variance = np.asarray(model._vcov, dtype=float)
    df_t = getattr(model, "_df_t", None) if method == "feols" else None  # absent without regressors
    return variance, (float(df_t) if df_t is not None else None)
