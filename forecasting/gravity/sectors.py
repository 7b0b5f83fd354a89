"""One gravity model per commodity group, in one call, in parallel, with a combined table.

Parallel fits run in :func:`forecasting.gravity.workers.parallel_calls` (fresh workers for one
call, killed on an error or Ctrl-C, with a fixed string-hash seed so that estimates are the
same to the last bit in every run). The main process blocks on the results without polling.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

import pandas as pd

from forecasting.errors import EstimationError, SchemaError, describe_items
from forecasting.gravity.poisson import ppml
from forecasting.gravity.results import PPMLResult
from forecasting.gravity.tables import RegressionTable, TableFormat, regression_table
from forecasting.gravity.workers import parallel_calls
from forecasting.schema import require_columns
from forecasting.validation import check_choice, job_count

logger = logging.getLogger(__name__)

_TIDY_COLUMNS = ["term", "estimate", "std_error", "statistic", "p_value", "conf_low", "conf_high", "nobs"]


@dataclass(frozen=True, eq=False)
class SectorResults:
    """Per-sector PPML results and the sectors that could not be estimated (with the reason)."""

    results: Mapping[str, PPMLResult]
    failures: Mapping[str, str]
    by: str

    def tidy(self, level: float = 95) -> pd.DataFrame:
        """All sectors' coefficients stacked, with the sector in the ``by`` column and ``nobs``."""
        frames = [
            r.tidy(level=level).assign(**{self.by: name, "nobs": r.nobs}) for name, r in self.results.items()
        ]
        if not frames:
            return pd.DataFrame(columns=[self.by, *_TIDY_COLUMNS])
        stacked = pd.concat(frames, ignore_index=True)
        return stacked[[self.by, *[c for c in stacked.columns if c != self.by]]]

    def dropped(self) -> pd.DataFrame:
        """Rows every sector's model set aside, with the sector named."""
        frames = [r.dropped.assign(**{self.by: name}) for name, r in self.results.items() if len(r.dropped)]
        return (
            pd.concat(frames, ignore_index=True)
            if frames
            else pd.DataFrame(columns=["step", "reason", "row", self.by])
        )

    def regression_table(
        self, *, format: TableFormat = "markdown", stars: bool = True, level: float = 95
    ) -> RegressionTable:
        """The sectors side by side (see :func:`forecasting.gravity.tables.regression_table`)."""
        return regression_table(self.results, format=format, stars=stars, level=level)


def _fit_one(
    name: str, frame: pd.DataFrame, formula: str, options: dict[str, Any]
) -> tuple[str, PPMLResult | str]:
    try:
        return name, ppml(frame, formula, **options)
    except (EstimationError, ValueError, RuntimeError, KeyError) as exc:
        return name, f"{type(exc).__name__}: {exc}"


def ppml_by_sector(
    data: pd.DataFrame,
    formula: str,
    *,
    by: str = "commodity",
    n_jobs: int = 2,
    on_error: Literal["collect", "raise"] = "collect",
    **options: Any,
) -> SectorResults:
    """Estimate ``ppml(data[data[by] == s], formula, **options)`` for every sector ``s``.

    Sectors run in ``n_jobs`` worker processes (-1: one per core; ``n_jobs=1`` runs them in
    turn in this process; threads are not used because the backend's compiled kernels are
    not thread-safe). With workers, estimates are identical to the last bit from run to run.
    A sector whose model fails is recorded in ``failures`` with its error
    (``on_error="collect"``), or the first failure is raised (``"raise"``); no sector
    disappears silently.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(4)
    >>> df = pd.DataFrame({"commodity": np.repeat(["coal", "textiles"], 200), "x": rng.normal(size=400),
    ...                    "g": np.tile(np.arange(20), 20).astype(str)})
    >>> df["y"] = rng.poisson(np.exp(1 + np.where(df["commodity"] == "coal", 0.2, 0.6) * df["x"]))
    >>> out = ppml_by_sector(df, "y ~ x | g", n_jobs=1)
    >>> out.tidy()[["commodity", "term"]].values.tolist()
    [['coal', 'x'], ['textiles', 'x']]
    """
    check_choice("on_error", on_error, ("collect", "raise"))
    n_jobs = job_count(n_jobs)
    require_columns(
        data, [by], what=f"the data (by={by!r})", fix=f"columns are {describe_items(list(data.columns))}"
    )
    if data[by].isna().any():
        rows = data.index[data[by].isna()].tolist()
        raise SchemaError(
            f"column {by!r} is missing for rows {describe_items(rows)}; name their sector first"
        )
    groups = [(str(name), frame, formula, options) for name, frame in data.groupby(by, sort=True)]
    if n_jobs == 1 or len(groups) < 2:
        outcomes = [_fit_one(*group) for group in groups]
    else:
        # Largest sectors first, so the last sector to finish is a small one.
        order = sorted(groups, key=lambda g: -len(g[1]))
        # Ctrl-C is never ignored here (that lost a Ctrl-C landing while the workers started, and
        # the run went on to the end): it raises, and the workers are killed.
        outcomes = parallel_calls(min(n_jobs, len(groups)), _fit_one, order)
        outcomes.sort(key=lambda item: item[0])
    results = {name: out for name, out in outcomes if isinstance(out, PPMLResult)}
    failures = {name: out for name, out in outcomes if isinstance(out, str)}
    if failures:
        if on_error == "raise":
            name, message = next(iter(failures.items()))
            raise EstimationError(f"sector {name!r} failed: {message}")
        logger.warning("%d sectors could not be estimated: %s", len(failures), describe_items(list(failures)))
    return SectorResults(results=results, failures=failures, by=by)
