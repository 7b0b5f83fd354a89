"""Results of gravity estimations: coefficients, inference, dropped rows, fixed effects, predictions.

Results hold numbers only (no estimator objects), so they pickle, travel between
processes and compare across packages. Predictions are computed here from the stored
coefficients and fixed-effect values, not by the backend: ``exp(x'b + FE + offset)`` on any
data whose fixed-effect levels were estimated, and an error naming the levels that were not.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import stats

from forecasting.errors import SchemaError, UnknownCodeError, describe_items
from forecasting.gravity import _design, _fixef
from forecasting.gravity.formula import ensure_gravity_ids
from forecasting.schema import COEFFICIENTS
from forecasting.validation import check_choice

FENormalisation = Literal["first_level", "domestic"]


@dataclass(frozen=True)
class Summary:
    """A printable summary; renders as a table in notebooks."""

    title: str
    table: pd.DataFrame
    notes: tuple[str, ...]

    def __str__(self) -> str:
        body = self.table.to_string(float_format=lambda v: f"{v:.4f}")
        return "\n".join([self.title, "-" * len(self.title), body, *self.notes])

    def _repr_html_(self) -> str:
        notes = "".join(f"<br>{html.escape(n)}" for n in self.notes)
        return (
            f"<b>{html.escape(self.title)}</b>{self.table.to_html(float_format='%.4f')}<small>{notes}</small>"
        )


@dataclass(frozen=True, eq=False)
class GravityResult:
    """Fields shared by PPML and OLS results (see :func:`forecasting.gravity.ppml`).

    ``iterations`` is ``None`` for PPML (pyfixest does not report how many IRLS iterations
    ran; ``converged`` says whether the tolerance was met within ``maxiter``) and 1 for OLS.
    ``separated_by`` counts the rows each separation check set aside; ``demeaner`` names the
    backend that demeaned the fixed effects.
    """

    formula: str
    nobs: int
    coef: pd.Series
    vcov: pd.DataFrame
    dropped: pd.DataFrame
    converged: bool
    iterations: int | None
    deviance: float
    fixef_names: tuple[str, ...]
    cluster: str
    vcov_type: str
    small_sample: str
    n_clusters: tuple[int, ...] = ()
    loglik: float = float("nan")
    pseudo_r2: float = float("nan")
    r2: float = float("nan")
    df_resid: float | None = None
    collinear: tuple[str, ...] = ()
    offset_name: str | None = None
    fe_preset: str | None = None
    pairs: str = "directional"
    fe_codes: Mapping[str, tuple[np.ndarray, pd.Index]] = field(default_factory=dict, repr=False)
    fe_total: np.ndarray = field(default_factory=lambda: np.zeros(0), repr=False)
    rhs_spec: Any = field(default=None, repr=False)
    separated_by: Mapping[str, int] = field(default_factory=dict)
    demeaner: str = "rust"

    estimator = "gravity"

    @cached_property
    def fe_values(self) -> dict[str, pd.Series]:
        """Per-level fixed-effect values, recovered on first use (exact to ~1e-11 per row).

        Each kept row's ``fe_total`` (linear predictor minus ``x'b`` and offset) is split into
        one value per level by alternating projections; done lazily because large panels with
        pair effects need many sweeps, and most uses (tables, coefficients) never ask.
        """
        if not self.fe_codes:
            return {}
        parts = _fixef.decompose(self.fe_total, [codes for codes, _ in self.fe_codes.values()])
        return {
            term: pd.Series(values, index=uniques, name=term)
            for (term, (_, uniques)), values in zip(self.fe_codes.items(), parts, strict=True)
        }

    @property
    def std_errors(self) -> pd.Series:
        """Standard errors by term (square roots of the covariance diagonal)."""
        return pd.Series(np.sqrt(np.diag(self.vcov.to_numpy())), index=self.coef.index, name="std_error")

    def tidy(self, level: float = 95) -> pd.DataFrame:
        """Coefficients in the COEFFICIENTS schema, with ``level`` percent confidence limits.

        PPML uses the normal distribution (as ppmlhdfe and fixest do); OLS uses Student's t
        with pyfixest's residual degrees of freedom.
        """
        if not 0 < level < 100:
            raise ValueError(f"level={level!r} must be a percentage between 0 and 100, e.g. 95")
        se = self.std_errors.to_numpy()
        est = self.coef.to_numpy()
        with np.errstate(divide="ignore", invalid="ignore"):
            statistic = est / se
        dist = stats.norm if self.df_resid is None else stats.t(self.df_resid)
        p_value = 2 * dist.sf(np.abs(statistic))
        crit = dist.ppf(0.5 + level / 200)
        frame = pd.DataFrame(
            {
                "term": self.coef.index.astype(str),
                "estimate": est,
                "std_error": se,
                "statistic": statistic,
                "p_value": p_value,
                "conf_low": est - crit * se,
                "conf_high": est + crit * se,
            }
        )
        return frame[[c for c in COEFFICIENTS.names if c in frame.columns]]

    def summary(self) -> Summary:
        """A readable table of coefficients with fit statistics and dropped-row counts."""
        table = self.tidy().set_index("term")
        reasons = self.dropped["reason"].value_counts().to_dict() if len(self.dropped) else {}
        notes = [
            f"Observations: {self.nobs:,}; dropped: {len(self.dropped):,} {reasons or ''}".rstrip(),
            f"Fixed effects: {', '.join(self.fixef_names) or 'none'}",
            f"Standard errors: {self.vcov_type} ({self.small_sample} small-sample convention)",
        ]
        if self.estimator == "ppml":
            found = ", ".join(f"{check} {n:,}" for check, n in self.separated_by.items())
            notes.append(
                f"IRLS: {'converged' if self.converged else 'NOT converged'}; deviance {self.deviance:,.4f};"
                f" pseudo R2 {self.pseudo_r2:.4f}; separated rows found by: {found or 'none'}"
            )
        return Summary(f"{self.estimator.upper()}: {self.formula}", table, tuple(notes))

    def fixed_effects(
        self, reference: str | None = None, *, normalisation: FENormalisation = "first_level"
    ) -> pd.DataFrame:
        """Estimated fixed effects as a tidy ``fe, level, estimate`` frame.

        Effects are identified only up to constants moved between dimensions; every
        normalisation below leaves each row's sum of effects, hence every prediction, unchanged.

        ``normalisation="first_level"`` (default, as fixest): the first level (in data order)
        of every dimension after the first is 0. ``"domestic"``: every domestic pair effect
        (``KAZ_KAZ``) is 0, so pair effects measure international relative to intra-national
        trade costs, the convention of Yotov et al. (2016, ch. 2) for GE work; half of each
        country's domestic effect moves to its exporter and half to its importer effects
        (``pair`` and ``exporter``/``exp_year`` and ``importer``/``imp_year`` terms needed).
        ``reference="DEU"`` then shifts the exporter and importer effects so the reference
        importer's effect is 0 in every year (the GE numeraire). With pair effects as well,
        yearly exporter/importer effects are identified only up to country-specific
        constants absorbed by the pairs; compare them within a country.
        """
        check_choice("normalisation", normalisation, FENormalisation)
        frames = [
            pd.DataFrame(
                {"fe": name, "level": values.index.astype(str).to_numpy(), "estimate": values.to_numpy()}
            )
            for name, values in self.fe_values.items()
        ]
        if not frames:
            return pd.DataFrame({"fe": pd.Series(dtype=object), "level": [], "estimate": []})
        frame = pd.concat(frames, ignore_index=True)
        if normalisation == "domestic":
            frame = _fixef.normalise_domestic(frame)
        return frame if reference is None else _fixef.normalise_to_reference(frame, reference)

    def linear_predictor(self, data: pd.DataFrame, *, offset: str | np.ndarray | None = None) -> np.ndarray:
        """``x'b + FE + offset`` for every row of ``data``; errors name unseen levels and bad rows."""
        if not isinstance(data, pd.DataFrame):
            raise TypeError(f"predict expects a pandas DataFrame, got {type(data).__name__}")
        data = ensure_gravity_ids(data, self.fixef_names, pairs=self.pairs)  # type: ignore[arg-type]
        absent = sorted({p for name in self.fe_codes for p in name.split("^")} - set(data.columns))
        if absent:
            raise SchemaError(f"predict needs the fixed-effect columns {describe_items(absent)} in data")
        terms = list(self.coef.index)
        x, complete = _design.rebuild(self.rhs_spec, data, terms)
        if not complete.all():
            raise SchemaError(
                f"{int((~complete).sum())} rows have missing regressors, rows"
                f" {describe_items(data.index[~complete].tolist())}; fill or drop them before predicting"
            )
        eta = x @ self.coef.to_numpy() if terms else np.zeros(len(data))
        for name, values in self.fe_values.items():
            labels = _fixef.fe_labels(data, name).to_numpy()
            mapped = values.reindex(labels).to_numpy(dtype=float)
            unseen = np.isnan(mapped)
            if unseen.any():
                raise UnknownCodeError(
                    f"fixed effect {name!r} has levels not estimated in this model:"
                    f" {describe_items(sorted(set(labels[unseen])))} (rows"
                    f" {describe_items(data.index[unseen].tolist())}); predictions need estimated levels —"
                    " check codes, or levels dropped as singletons/separated (see .dropped)"
                )
            eta = eta + mapped
        return eta + self._offset_values(data, offset)

    def _offset_values(self, data: pd.DataFrame, offset: str | np.ndarray | None) -> np.ndarray:
        if offset is None and self.offset_name is None:
            return np.zeros(len(data))
        if offset is None:
            offset = self.offset_name
        values = data[offset].to_numpy(dtype=float) if isinstance(offset, str) else np.asarray(offset, float)
        if values.shape != (len(data),) or not np.isfinite(values).all():
            raise SchemaError(f"offset must be {len(data)} finite numbers (one per row of data)")
        return values

    def predict(self, data: pd.DataFrame, *, offset: str | np.ndarray | None = None) -> np.ndarray:
        """Expected trade for each row of ``data``: ``exp(x'b + FE + offset)``."""
        return np.exp(self.linear_predictor(data, offset=offset))


@dataclass(frozen=True, eq=False)
class PPMLResult(GravityResult):
    """A Poisson pseudo-maximum-likelihood gravity estimate.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from forecasting.gravity import ppml
    >>> rng = np.random.default_rng(0)
    >>> df = pd.DataFrame({"x": rng.normal(size=200), "g": np.repeat(np.arange(20), 10)})
    >>> df["y"] = rng.poisson(np.exp(0.5 * df["x"] + df["g"] / 20))
    >>> res = ppml(df, "y ~ x | g")
    >>> np.allclose(res.predict(df), res.predict(df.sample(frac=1, random_state=1).sort_index()))
    True
    """

    estimator = "ppml"


@dataclass(frozen=True, eq=False)
class OLSResult(GravityResult):
    """A log-linear OLS gravity estimate (``log(outcome)`` on positive flows).

    ``predict`` returns ``exp(x'b + FE)``, the naive retransformation (no smearing
    correction), which is the usual figure shown beside PPML in comparison tables.
    """

    estimator = "ols"
