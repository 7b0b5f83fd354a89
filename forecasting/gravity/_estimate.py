"""The estimation pipeline PPML and OLS share: check inputs, prepare the sample, fit, check, account for every row."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Literal

import numpy as np
import pandas as pd
from scipy.special import gammaln

from forecasting.errors import (
    ConvergenceError,
    ConvergenceWarning,
    DataQualityWarning,
    EstimationError,
    SchemaError,
    describe_items,
    warn_and_log,
)
from forecasting.gravity import _design, _fixef, _guards, _pyfixest, _sample, _separation
from forecasting.gravity.formula import (
    FEPreset,
    PairKind,
    ParsedFormula,
    ensure_gravity_ids,
    with_preset,
)
from forecasting.gravity.results import GravityResult
from forecasting.schema import require_columns
from forecasting.validation import check_choice

logger = logging.getLogger(__name__)

SmallSample = _pyfixest.SmallSample
SeparationMethod = Literal["fe", "simplex", "ir", "mu"]
SEPARATION_CHECKS: tuple[str, ...] = ("fe", "simplex", "ir", "mu")
VcovName = Literal["hetero", "iid"]
ClusterSpec = str | Sequence[str] | None
_CLUSTER_KINDS = ("CRV1", "CRV3")
_MAX_REFITS = 5


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


def _separation_checks(separation: Sequence[str]) -> tuple[str, ...]:
    checks = (separation,) if isinstance(separation, str) else tuple(separation or ())
    for check in checks:
        check_choice("separation", check, SeparationMethod)
    return checks


def _numbers(frame: pd.DataFrame, column: str) -> np.ndarray:
    if not (pd.api.types.is_numeric_dtype(frame[column]) or pd.api.types.is_bool_dtype(frame[column])):
        raise SchemaError(
            f"column '{column}' must be numeric, but it holds {frame[column].dtype} values such as"
            f" {describe_items(frame[column].dropna().unique()[:3].tolist())}; convert it with pd.to_numeric"
        )
    try:
        return frame[column].to_numpy(dtype=float, na_value=np.nan)
    except (TypeError, ValueError) as exc:
        raise SchemaError(f"column '{column}' must be numeric ({exc})") from exc


def _excluded(
    frame: pd.DataFrame, used: Sequence[str], design: _design.Design, weights: str | None, labels: pd.Index
) -> dict[str, np.ndarray]:
    """Rows that cannot enter: missing or non-finite values anywhere in the model, zero weights."""
    missing = ~design.complete
    for col in used:
        values = frame[col]
        missing |= values.isna().to_numpy()
        if pd.api.types.is_numeric_dtype(values):
            missing |= ~np.isfinite(values.to_numpy(dtype=float, na_value=np.nan))
    excluded = {"missing": missing}
    if weights is not None:
        w = _numbers(frame, weights)
        if (w < 0).any():
            rows = labels[w < 0].tolist()
            raise SchemaError(
                f"weights '{weights}' are negative in {len(rows)} rows ({describe_items(rows)}); weights must be >= 0"
            )
        excluded["zero_weight"] = w == 0
    return excluded


def estimate(
    data: pd.DataFrame,
    formula: str,
    settings: _pyfixest.FitSettings,
    *,
    result_type: type[GravityResult],
    fe: FEPreset | None,
    pairs: PairKind,
    cluster: ClusterSpec,
    vcov: str | dict[str, str] | None,
    separation: Sequence[str] = (),
    on_nonconvergence: Literal["raise", "warn"] = "raise",
) -> GravityResult:
    """Fit ``formula`` on ``data`` with ``settings`` and build the result (see :func:`forecasting.gravity.ppml`)."""
    if not isinstance(data, pd.DataFrame):
        raise TypeError(f"data must be a pandas DataFrame, got {type(data).__name__}")
    check_choice("on_nonconvergence", on_nonconvergence, ("raise", "warn"))
    checks = _separation_checks(separation)
    poisson = settings.poisson
    offset, weights = settings.offset, settings.weights
    parsed = with_preset(formula, fe)
    data = ensure_gravity_ids(data, parsed.fixed_effects, pairs=pairs)
    vcov_arg, cluster_text = resolve_vcov(vcov, cluster)
    if poisson and isinstance(vcov_arg, dict) and "CRV3" in vcov_arg:
        # pyfixest's jackknife refits each leave-one-out PPML with its defaults (25 iterations,
        # no convergence error, none of the checks here): its numbers cannot be vouched for.
        raise ValueError(
            "vcov={'CRV3': ...} is not offered for PPML: the backend refits every leave-one-cluster-out"
            " model without convergence or separation checks; use cluster=... (CRV1)"
        )
    cluster_cols = next(iter(vcov_arg.values())).split("+") if isinstance(vcov_arg, dict) else []
    require_columns(
        data, [p for t in parsed.fixed_effects for p in t.split("^")], what="the data (fixed effects)"
    )
    require_columns(data, cluster_cols, what=f"the data (cluster={cluster or vcov!r})")
    require_columns(data, [c for c in (offset, weights) if c], what="the data (offset/weights)")
    require_columns(data, [parsed.outcome], what="the data (outcome)")
    used = list(
        dict.fromkeys([*parsed.columns(data.columns), *cluster_cols, *[c for c in (offset, weights) if c]])
    )
    frame = data[used].reset_index(drop=True)

    outcome = _numbers(frame, parsed.outcome)
    if poisson and (outcome < 0).any():
        negative = outcome < 0
        raise SchemaError(
            f"outcome '{parsed.outcome}' has {int(negative.sum())} negative values in rows"
            f" {describe_items(data.index[negative].tolist())}; trade flows must be >= 0 (zeros are fine)"
        )
    design = _design.build(frame, parsed.regressors, fixed_effects=bool(parsed.fixed_effects))
    if not design.names and not parsed.fixed_effects:
        raise SchemaError(
            f"formula {formula!r} has nothing to estimate: name regressors, or fixed effects after '|'"
            " (a fixed-effect-only model is written 'y ~ 1 | exporter + importer')"
        )
    excluded = _excluded(frame, used, design, weights, data.index)
    fit_formula = parsed
    if not poisson:
        # A zero flow in OLS is reported as such, not as missing (it comes first).
        frame, fit_formula, zero = _log_outcome(frame, parsed, outcome)
        excluded = {"zero_outcome": zero, **excluded}
        outcome = frame[fit_formula.outcome].to_numpy(dtype=float)
    codes = (
        np.column_stack([_fixef.fe_codes(frame, t) for t in parsed.fixed_effects])
        if parsed.fixed_effects
        else np.zeros((len(frame), 0), dtype=np.int64)
    )
    sample = _sample.prepare(outcome, design.matrix, codes, excluded, poisson=poisson, checks=checks)
    fit, sample = _fit_settled(
        frame,
        fit_formula,
        sample,
        outcome,
        design,
        codes,
        checks,
        poisson=poisson,
        labels=data.index,
        settings=settings,
        vcov=vcov_arg,
    )
    keep = sample.keep
    if poisson and not fit.converged:
        message = (
            f"PPML did not converge within maxiter={settings.maxiter} IRLS iterations (tol={settings.tol}); raise maxiter,"
            " keep the separation checks on (separation=('fe', 'simplex', 'ir', 'mu')), or rescale very"
            " large regressors"
        )
        if on_nonconvergence == "raise":
            raise ConvergenceError(message)
        warn_and_log(message, ConvergenceWarning, logger=logger, stacklevel=4)
    se = pd.Series(np.sqrt(np.clip(np.diag(fit.vcov.to_numpy()), 0, None)), index=fit.coef.index)
    se[np.diag(fit.vcov.to_numpy()) < 0] = np.nan
    _guards.check_estimates(fit.coef, se, design.matrix[keep], list(design.names))
    if poisson:
        _guards.check_positive_fit(outcome[keep], np.exp(fit.link), data.index[keep])
    if design.empty_terms:
        note = (
            f"terms {describe_items(list(design.empty_terms))} take a single value on the data and drop"
            " out of the model (a category with one level has no contrast to estimate)"
        )
        warn_and_log(note, DataQualityWarning, logger=logger, stacklevel=4)
    collinear = tuple(n for n in design.names if n not in fit.coef.index)
    if collinear:
        note = (
            f"regressors {describe_items(list(collinear))} are collinear with the fixed effects or each"
            " other on the estimation sample and were left out of the model (see result.collinear)"
        )
        warn_and_log(note, DataQualityWarning, logger=logger, stacklevel=4)

    kept = frame.iloc[np.flatnonzero(keep)]
    fe_codes, fe_total = _fixed_effect_inputs(kept, fit, design, keep, parsed, offset)
    dropped = _dropped_table(data, sample.reason, step="ppml" if poisson else "ols")
    loglik, pseudo_r2, r2 = _fit_statistics(outcome[keep], fit.link, kept, weights, poisson=poisson)
    vcov_type = (
        f"clustered by {cluster_text}" + (" (CRV3 jackknife)" if "CRV3" in vcov_arg else "")
        if isinstance(vcov_arg, dict)
        else {"hetero": "heteroskedasticity-robust", "iid": "iid"}[vcov_arg]
    )
    logger.debug(
        "%s on %d rows (%d dropped): %s", settings.method, int(keep.sum()), len(dropped), fit_formula.text
    )
    # grouped by theme: the sample, the estimates and fit, the inference, the model, its fixed effects
    return result_type(
        formula=parsed.text, nobs=int(keep.sum()), dropped=dropped, separated_by=dict(sample.separated_by),
        coef=fit.coef, vcov=fit.vcov, converged=fit.converged, iterations=None if poisson else 1,
        deviance=fit.deviance, df_resid=fit.df_resid, loglik=loglik, pseudo_r2=pseudo_r2, r2=r2,
        cluster=cluster_text, vcov_type=vcov_type, small_sample=settings.small_sample,
        n_clusters=tuple(int(kept[c].nunique()) for c in cluster_cols),
        collinear=collinear, offset_name=offset, fe_preset=fe, pairs=pairs, demeaner=settings.demeaner,
        fixef_names=parsed.fixed_effects, fe_codes=fe_codes, fe_total=fe_total, rhs_spec=design.spec,
    )  # fmt: skip


def _fit_settled(
    frame: pd.DataFrame,
    formula: ParsedFormula,
    sample: _sample.Sample,
    outcome: np.ndarray,
    design: _design.Design,
    codes: np.ndarray,
    checks: Sequence[str],
    *,
    poisson: bool,
    labels: pd.Index,
    settings: _pyfixest.FitSettings,
    vcov: str | dict[str, str],
) -> tuple[_pyfixest.BackendFit, _sample.Sample]:
    """Fit, and refit while the fitted means reveal separated rows the checks before the fit missed."""
    for _ in range(_MAX_REFITS):
        keep = sample.keep
        if not (outcome[keep] > 0 if poisson else np.isfinite(outcome[keep])).any():
            # Guard: pyfixest aborts the whole process when no row is left to fit.
            counts = pd.Series(sample.reason[~keep]).value_counts().to_dict()
            aside = f"{int((~keep).sum()):,} were set aside ({counts})" if counts else "none was set aside"
            raise EstimationError(
                f"no usable rows: of {len(frame):,}, {aside}"
                f"{' and none of the rest has a positive outcome' if poisson else ''}; there is nothing"
                " to fit (check the filter, the sector or the fixed effects)"
            )
        rows = frame.iloc[np.flatnonzero(keep)].reset_index(drop=True)
        fit = _pyfixest.fit(rows, formula.text, settings, vcov=vcov)
        if not poisson:
            return fit, sample
        flagged = _separation.mu_check(outcome[keep], np.exp(fit.link))
        if not flagged.any():
            return fit, sample
        if "mu" not in checks:
            rows = labels[keep][flagged]
            raise EstimationError(
                f"{int(flagged.sum())} zero flows have fitted means collapsing to zero (rows"
                f" {describe_items(rows.tolist())}): they are separated and their"
                " estimates run off to infinity; keep the separation checks on (the default) or drop the rows"
            )
        logger.info(
            "%d zero rows have fitted means near zero: set aside as separated, refitting", flagged.sum()
        )
        sample.set_aside(_sample._spread(keep, flagged), "separated", "mu")
        sample = _sample.settle(sample, outcome, design.matrix, codes, poisson=poisson, checks=checks)
    raise ConvergenceError(
        f"fitted means kept revealing separated rows after {_MAX_REFITS} refits; check the model's fixed"
        " effects and regressors for combinations that predict zero flows exactly"
    )


def _fit_statistics(
    outcome: np.ndarray, link: np.ndarray, kept: pd.DataFrame, weights: str | None, *, poisson: bool
) -> tuple[float, float, float]:
    """Log pseudo-likelihood and pseudo R2 (PPML), or R2 (OLS), from the fitted values."""
    w = kept[weights].to_numpy(dtype=float) if weights else np.ones(len(outcome))
    if not poisson:
        mean = np.average(outcome, weights=w)
        r2 = 1.0 - np.sum(w * (outcome - link) ** 2) / np.sum(w * (outcome - mean) ** 2)
        return float("nan"), float("nan"), float(r2)
    mu = np.exp(link)
    null = np.average(outcome, weights=w)
    loglik = float(np.sum(w * (outcome * link - mu - gammaln(outcome + 1))))
    loglik_null = float(np.sum(w * (outcome * np.log(null) - null - gammaln(outcome + 1))))
    return loglik, 1.0 - loglik / loglik_null, float("nan")


def _log_outcome(
    frame: pd.DataFrame, parsed: ParsedFormula, values: np.ndarray
) -> tuple[pd.DataFrame, ParsedFormula, np.ndarray]:
    """Replace the outcome by its log; non-positive flows cannot enter log-linear OLS."""
    nonpositive = values <= 0
    frame = frame.copy()
    with np.errstate(divide="ignore", invalid="ignore"):
        logged = np.log(values)
    logged[nonpositive] = np.nan
    log_name = f"log_{parsed.outcome}"
    frame[log_name] = logged
    return frame, ParsedFormula(log_name, parsed.regressors, parsed.fixed_effects), nonpositive


def _dropped_table(original: pd.DataFrame, reasons: np.ndarray, *, step: str) -> pd.DataFrame:
    rows = np.flatnonzero(pd.notna(reasons))
    table = original.iloc[rows].reset_index(drop=True)
    table.insert(0, "row", rows)
    table.insert(0, "reason", reasons[rows])
    table.insert(0, "step", step)
    return table


def _fixed_effect_inputs(
    kept: pd.DataFrame,
    fit: _pyfixest.BackendFit,
    design: _design.Design,
    keep: np.ndarray,
    parsed: ParsedFormula,
    offset: str | None,
) -> tuple[dict[str, tuple[np.ndarray, pd.Index]], np.ndarray]:
    """Level codes of each fixed effect on the kept rows, and each row's sum of fixed effects."""
    if not parsed.fixed_effects:
        return {}, np.zeros(0)
    columns = [design.names.index(t) for t in fit.coef.index]
    x = design.matrix[keep][:, columns]
    total = fit.link - (x @ fit.coef.to_numpy() if len(columns) else 0.0)
    if offset is not None:
        total = total - kept[offset].to_numpy(dtype=float)
    codes = {}
    for term in parsed.fixed_effects:
        values, uniques = pd.factorize(_fixef.fe_labels(kept, term))
        codes[term] = (values.astype(np.int64), pd.Index(uniques, name="level"))
    return codes, total
