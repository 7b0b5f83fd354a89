"""The estimation pipeline PPML and OLS share: check inputs, fit, account for every row."""

from __future__ import annotations

import difflib
import logging
import warnings
from collections.abc import Sequence
from typing import Literal

import numpy as np
import pandas as pd

from forecasting.errors import (
    ConvergenceError,
    ConvergenceWarning,
    DataQualityWarning,
    EstimationError,
    SchemaError,
    describe_items,
)
from forecasting.gravity import _fixef, _pyfixest
from forecasting.gravity.formula import (
    FEPreset,
    PairKind,
    ParsedFormula,
    ensure_gravity_ids,
    with_preset,
)
from forecasting.gravity.results import GravityResult
from forecasting.validation import check_choice

logger = logging.getLogger(__name__)

SmallSample = Literal["stata", "pyfixest"]
SeparationMethod = Literal["fe", "ir"]
VcovName = Literal["hetero", "iid"]
ClusterSpec = str | Sequence[str] | None
_CLUSTER_KINDS = ("CRV1", "CRV3")


def resolve_vcov(vcov: str | dict[str, str] | None, cluster: ClusterSpec) -> tuple[str | dict[str, str], str]:
    """The pyfixest vcov argument and a readable description of the clustering."""
    if cluster is not None:
        if vcov not in (None, "hetero"):
            raise ValueError("give either cluster=... or vcov=..., not both")
        names = [cluster] if isinstance(cluster, str) else list(cluster)
        if not names or len(names) > 2:
            raise ValueError(
                f"cluster={cluster!r} must name one or two columns, e.g. 'pair' or ('exporter', 'importer')"
            )
        return {"CRV1": "+".join(names)}, " x ".join(names)
    if vcov is None:
        return "hetero", "none"
    if isinstance(vcov, dict):
        if len(vcov) != 1 or next(iter(vcov)) not in _CLUSTER_KINDS:
            raise ValueError(
                f"vcov={vcov!r} must be 'hetero', 'iid' or one of {{'CRV1': col}}, {{'CRV3': col}}"
            )
        return dict(vcov), " x ".join(next(iter(vcov.values())).split("+"))
    check_choice("vcov", vcov, VcovName)
    return vcov, "none"


def _check_columns(data: pd.DataFrame, needed: Sequence[str], what: str) -> None:
    missing = [c for c in needed if c not in data.columns]
    if missing:
        tips = [
            f"'{m}' (did you mean '{close[0]}'?)"
            if (close := difflib.get_close_matches(m, map(str, data.columns), 1))
            else f"'{m}'"
            for m in missing
        ]
        raise SchemaError(f"{what} names columns the data do not have: {', '.join(tips[:5])}")


def _missing_rows(data: pd.DataFrame, columns: Sequence[str]) -> np.ndarray:
    bad = np.zeros(len(data), dtype=bool)
    for col in columns:
        values = data[col]
        bad |= values.isna().to_numpy()
        if pd.api.types.is_numeric_dtype(values):
            bad |= ~np.isfinite(values.to_numpy(dtype=float, na_value=np.nan))
    return np.flatnonzero(bad)


def estimate(
    data: pd.DataFrame,
    formula: str,
    *,
    method: Literal["fepois", "feols"],
    result_type: type[GravityResult],
    fe: FEPreset | None,
    pairs: PairKind,
    cluster: ClusterSpec,
    vcov: str | dict[str, str] | None,
    small_sample: SmallSample,
    separation: Sequence[str],
    maxiter: int,
    tol: float,
    fixef_tol: float,
    offset: str | None,
    weights: str | None,
    on_nonconvergence: Literal["raise", "warn"],
) -> GravityResult:
    """Fit ``formula`` on ``data`` and build the result (see :func:`forecasting.gravity.ppml`)."""
    if not isinstance(data, pd.DataFrame):
        raise TypeError(f"data must be a pandas DataFrame, got {type(data).__name__}")
    check_choice("small_sample", small_sample, SmallSample)
    check_choice("on_nonconvergence", on_nonconvergence, ("raise", "warn"))
    separation = tuple(separation or ())
    for m in separation:
        check_choice("separation", m, SeparationMethod)
    if not (isinstance(maxiter, int) and maxiter > 0) or not tol > 0:
        raise ValueError(f"maxiter must be a positive integer and tol positive, got {maxiter!r} and {tol!r}")
    parsed = with_preset(formula, fe)
    data = ensure_gravity_ids(data, parsed.fixed_effects, pairs=pairs)
    vcov_arg, cluster_text = resolve_vcov(vcov, cluster)
    cluster_cols = next(iter(vcov_arg.values())).split("+") if isinstance(vcov_arg, dict) else []
    fe_cols = [part for term in parsed.fixed_effects for part in term.split("^")]
    _check_columns(data, fe_cols, "fixed effects")
    _check_columns(data, cluster_cols, "cluster")
    _check_columns(data, [c for c in (offset, weights) if c], "offset/weights")
    if parsed.outcome.isidentifier():
        _check_columns(data, [parsed.outcome], "outcome")
    used = list(
        dict.fromkeys([*parsed.columns(data.columns), *cluster_cols, *[c for c in (offset, weights) if c]])
    )
    frame = data[used].reset_index(drop=True)

    if method == "fepois" and parsed.outcome in frame.columns:
        negative = frame[parsed.outcome].to_numpy(dtype=float, na_value=np.nan) < 0
        if negative.any():
            raise SchemaError(
                f"outcome '{parsed.outcome}' has {int(negative.sum())} negative values in rows"
                f" {describe_items(data.index[negative].tolist())}; trade flows must be >= 0 (zeros are fine)"
            )
    extra_drops: dict[str, np.ndarray] = {}
    fit_formula = parsed
    if method == "feols":
        frame, fit_formula, extra_drops = _log_outcome(frame, parsed)

    missing = _missing_rows(frame, [*used, fit_formula.outcome] if method == "feols" else used)
    singletons = _pyfixest.singletons(frame, parsed.fixed_effects, missing)
    usable = np.ones(len(frame), dtype=bool)
    usable[missing] = False
    usable[singletons] = False
    outcome_values = frame[fit_formula.outcome].to_numpy(dtype=float, na_value=np.nan)[usable]
    if not (np.isfinite(outcome_values) & (outcome_values > 0 if method == "fepois" else True)).any():
        # Guard: pyfixest aborts the whole process when no row is left to fit.
        raise EstimationError(
            f"no usable rows: of {len(frame):,}, {len(missing):,} have missing values and {len(singletons):,}"
            f" are singletons{' and none of the rest has a positive outcome' if method == 'fepois' else ''};"
            " PPML/OLS have nothing to fit (check the filter, the sector or the fixed effects)"
        )
    fit = _pyfixest.fit(
        frame,
        fit_formula.text,
        method=method,
        vcov=vcov_arg,
        small_sample=small_sample,
        separation=separation if parsed.fixed_effects else (),
        maxiter=maxiter,
        tol=tol,
        fixef_tol=fixef_tol,
        offset=offset,
        weights=weights,
        missing=missing,
        singletons=singletons,
    )
    if method == "fepois" and not fit.converged:
        message = (
            f"PPML did not converge in {fit.iterations} IRLS iterations (tol={tol}); raise maxiter,"
            " check separation (separation=('fe', 'ir')), or rescale very large regressors"
        )
        if on_nonconvergence == "raise":
            raise ConvergenceError(message)
        logger.warning(message)
        warnings.warn(message, ConvergenceWarning, stacklevel=4)

    if fit.collinear:
        note = (
            f"regressors {describe_items(list(fit.collinear))} are collinear with the fixed effects or each"
            " other and were left out of the model (see result.collinear)"
        )
        logger.warning(note)
        warnings.warn(note, DataQualityWarning, stacklevel=4)

    dropped = _dropped_table(data, fit, extra_drops, step="ppml" if method == "fepois" else "ols")
    kept = frame.iloc[fit.kept]
    fe_codes, fe_total = _fixed_effect_inputs(kept, fit, parsed, offset)
    n_clusters = fit.n_clusters
    vcov_type = (
        f"clustered by {cluster_text}"
        if isinstance(vcov_arg, dict)
        else {"hetero": "heteroskedasticity-robust", "iid": "iid"}[vcov_arg]
    )
    logger.debug("%s on %d rows (%d dropped): %s", method, len(fit.kept), len(dropped), fit_formula.text)
    return result_type(
        formula=parsed.text,
        nobs=len(fit.kept),
        coef=fit.coef,
        vcov=fit.vcov,
        dropped=dropped,
        converged=fit.converged,
        iterations=fit.iterations,
        deviance=fit.deviance,
        fixef_names=parsed.fixed_effects,
        cluster=cluster_text,
        vcov_type=vcov_type,
        small_sample=small_sample,
        n_clusters=n_clusters,
        loglik=fit.loglik,
        pseudo_r2=fit.pseudo_r2,
        r2=fit.r2,
        df_resid=fit.df_resid,
        collinear=fit.collinear,
        offset_name=offset,
        fe_preset=fe,
        pairs=pairs,
        fe_codes=fe_codes,
        fe_total=fe_total,
        rhs_spec=fit.rhs_spec,
    )


def _log_outcome(
    frame: pd.DataFrame, parsed: ParsedFormula
) -> tuple[pd.DataFrame, ParsedFormula, dict[str, np.ndarray]]:
    """Replace the outcome by its log; non-positive flows cannot enter log-linear OLS."""
    if parsed.outcome not in frame.columns:
        raise SchemaError(
            f"ols needs the outcome as a column; '{parsed.outcome}' is not one (log is taken for you)"
        )
    values = frame[parsed.outcome].to_numpy(dtype=float, na_value=np.nan)
    nonpositive = np.flatnonzero(values <= 0)
    frame = frame.copy()
    with np.errstate(divide="ignore", invalid="ignore"):
        logged = np.log(values)
    logged[nonpositive] = np.nan
    log_name = f"log_{parsed.outcome}"
    frame[log_name] = logged
    return (
        frame,
        ParsedFormula(log_name, parsed.regressors, parsed.fixed_effects),
        {"zero_outcome": nonpositive},
    )


def _dropped_table(
    original: pd.DataFrame, fit: _pyfixest.BackendFit, extra: dict[str, np.ndarray], *, step: str
) -> pd.DataFrame:
    reasons = pd.Series(pd.NA, index=np.arange(len(original)), dtype=object)
    # Later assignments win: a zero flow in OLS is reported as such, not as "missing".
    for reason, rows in [
        ("missing", fit.missing),
        ("singleton", fit.singleton),
        ("separated", fit.separated),
    ]:
        reasons.iloc[rows] = reason
    kept = np.zeros(len(original), dtype=bool)
    kept[fit.kept] = True
    for reason, rows in extra.items():
        reasons.iloc[rows[~kept[rows]]] = reason
    rows = np.flatnonzero(reasons.notna().to_numpy() & ~kept)
    table = original.iloc[rows].reset_index(drop=True)
    table.insert(0, "row", rows)
    table.insert(0, "reason", reasons.iloc[rows].to_numpy())
    table.insert(0, "step", step)
    return table.reset_index(drop=True)


def _fixed_effect_inputs(
    kept: pd.DataFrame, fit: _pyfixest.BackendFit, parsed: ParsedFormula, offset: str | None
) -> tuple[dict[str, tuple[np.ndarray, pd.Index]], np.ndarray]:
    """Level codes of each fixed effect on the kept rows, and each row's sum of fixed effects."""
    if not parsed.fixed_effects:
        return {}, np.zeros(0)
    x, _ = _fixef.design(fit.rhs_spec, kept, list(fit.coef.index))
    total = fit.link - (x @ fit.coef.to_numpy() if len(fit.coef) else 0.0)
    if offset is not None:
        total = total - kept[offset].to_numpy(dtype=float)
    codes = {}
    for term in parsed.fixed_effects:
        values, uniques = pd.factorize(_fixef.fe_labels(kept, term))
        codes[term] = (values.astype(np.int64), pd.Index(uniques, name="level"))
    return codes, total
