"""Poisson pseudo-maximum likelihood with high-dimensional fixed effects (the gravity workhorse).

(The module is not called ``ppml`` so that it never hides the function of that name.)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import pandas as pd

from forecasting.gravity._estimate import SEPARATION_CHECKS, ClusterSpec, estimate
from forecasting.gravity._pyfixest import Demeaner, FitSettings, SmallSample
from forecasting.gravity.formula import FEPreset, PairKind
from forecasting.gravity.results import PPMLResult

DEFAULT_MAXITER = 1000


def ppml(
    data: pd.DataFrame,
    formula: str,
    *,
    fe: FEPreset | None = None,
    pairs: PairKind = "directional",
    cluster: ClusterSpec = None,
    vcov: str | dict[str, str] | None = None,
    small_sample: SmallSample = "stata",
    separation: Sequence[str] = SEPARATION_CHECKS,
    maxiter: int = DEFAULT_MAXITER,
    tol: float = 1e-8,
    fixef_tol: float = 1e-8,
    demeaner: Demeaner = "rust",
    offset: str | None = None,
    weights: str | None = None,
    on_nonconvergence: Literal["raise", "warn"] = "raise",
) -> PPMLResult:
    """Estimate a gravity equation by PPML with fixed effects (pyfixest's ``fepois``).

    Parameters
    ----------
    data
        One row per flow; zeros are kept (PPML uses them). Any index.
    formula
        fixest syntax, ``"trade ~ ln_dist + cntg + rta | exp_year + imp_year + pair_id"``;
        ``a^b`` after ``|`` combines two columns into one fixed effect. A model with fixed
        effects only is written ``"trade ~ 1 | exporter + importer"`` (``~ 0 |`` means the
        same: the constant is absorbed by the fixed effects); its ``coef`` is empty and its
        content is in ``fixed_effects()``. Without fixed effects the model has an intercept.
    fe
        A preset instead of writing the fixed effects: ``"structural"`` (exporter-year,
        importer-year and pair: ``exp_year + imp_year + pair``), ``"exporter_importer_year"``,
        ``"exporter_importer"`` (cross-section) or ``"pair"``; built from the ``exporter``,
        ``importer`` and ``year`` columns.
    pairs
        With a preset that has pair effects: ``"directional"`` (KAZ->PAK and PAK->KAZ apart,
        ``exp#imp`` in ppmlhdfe) or ``"symmetric"`` (one effect for both directions, like the
        ``pair_id`` of Yotov et al. 2016).
    cluster
        Column to cluster by (``"pair"``), or two columns for two-way clustering
        (``("exporter", "importer")``). Sets ``vcov`` to ``{"CRV1": ...}``. When a few very
        large flows carry much of each exporter-year and importer-year total, clustered errors
        are optimistic, because the fixed effects absorb part of those flows' noise: on
        simulated draws of the bundled demo world the t-statistics of the policy terms have a
        standard deviation of 1.2-1.8 instead of 1.
    vcov
        ``"hetero"`` (default without ``cluster``), ``"iid"``, or ``{"CRV1": "col"}``.
    small_sample
        ``"stata"`` (default) scales clustered variances by G/(G-1) and robust ones by
        N/(N-1), as ``ppml``/``ppmlhdfe`` do, so standard errors match Stata (and fixest
        when the fixed effects nest in the clusters); ``"pyfixest"`` keeps pyfixest's
        default, which also counts non-nested fixed effects in (N-1)/(N-K).
    separation
        Separation checks (Correia, Guimarães & Zylkin 2021, as in ppmlhdfe), all on by
        default, for models with and without fixed effects and weights: ``"fe"`` (a
        fixed-effect level whose flows are all zero), ``"simplex"`` (a linear program on the
        regressors), ``"ir"`` (the iterative rectifier, covering regressors and fixed
        effects together) and ``"mu"`` (after the fit: zero flows whose fitted mean collapsed
        towards zero are set aside and the model refitted). Rows found are listed in
        ``result.dropped`` with reason ``"separated"``, and ``result.separated_by`` counts
        them by check; a regressor left collinear by them is reported in
        ``result.collinear`` and removed. Whatever the checks, estimates or standard errors
        that are not finite or explode, and fitted means collapsing on positive flows,
        raise :class:`~forecasting.errors.EstimationError`.
    maxiter, tol
        IRLS cap and tolerance on the relative change in deviance (fixest's rule). The cap
        is 1000 rather than pyfixest's 25, as models with pair effects can need more.
    fixef_tol
        Tolerance of the fixed-effect demeaning inside each IRLS step.
    demeaner
        pyfixest's demeaning backend: ``"rust"`` (alternating projections in Rust, the
        fastest on CPU), ``"numba"`` (the same algorithm in numba) or ``"lsmr"`` (a sparse
        solver with preconditioning, for poorly connected fixed effects). All give the same
        estimates to the tolerance.
    offset, weights
        Column names of an offset (enters the linear predictor with coefficient 1) and of
        observation weights.
    on_nonconvergence
        ``"raise"`` a :class:`~forecasting.errors.ConvergenceError` (default) or log a warning.

    Returns
    -------
    PPMLResult
        ``coef``, ``vcov``, ``nobs``, ``dropped`` (rows set aside with ``reason`` in
        ``missing``/``zero_weight``/``singleton``/``separated``), ``converged`` (pyfixest does
        not report the iteration count, so ``iterations`` is ``None``), ``tidy()``,
        ``summary()``, ``fixed_effects()`` and ``predict()``.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from forecasting.gravity import ppml
    >>> rng = np.random.default_rng(1)
    >>> countries = ["AAA", "BBB", "CCC", "DDD", "EEE"]
    >>> rows = [(e, i, y) for e in countries for i in countries for y in (2018, 2019, 2020) if e != i]
    >>> panel = pd.DataFrame(rows, columns=["exporter", "importer", "year"])
    >>> early = (panel["exporter"] < "CCC") & (panel["importer"] < "DDD")
    >>> panel["rta"] = (early & (panel["year"] >= 2019)).astype(int)
    >>> panel["value_usd"] = rng.poisson(50 * np.exp(0.4 * panel["rta"])).astype(float)
    >>> res = ppml(panel, "value_usd ~ rta", fe="structural", cluster="pair")
    >>> res.nobs, res.converged
    (60, True)
    >>> list(res.tidy().columns)
    ['term', 'estimate', 'std_error', 'statistic', 'p_value', 'conf_low', 'conf_high']
    """
    settings = FitSettings("fepois", small_sample, maxiter, tol, fixef_tol, demeaner, offset, weights)
    result = estimate(
        data, formula, settings, result_type=PPMLResult, fe=fe, pairs=pairs, cluster=cluster, vcov=vcov,
        separation=separation, on_nonconvergence=on_nonconvergence,
    )  # fmt: skip
    assert isinstance(result, PPMLResult)
    return result
