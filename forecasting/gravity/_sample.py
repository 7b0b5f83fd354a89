"""The estimation sample: which rows are fitted, and why each other row is not.

Singletons and separated rows are removed in turns until neither check finds more, as
ppmlhdfe does: dropping a separated row can leave a singleton, and dropping a positive
singleton can leave a fixed-effect level without any positive flow. The expensive checks
(simplex and iterative rectifier) run again only if a positive row left the sample since
they last ran, because only then can a new certificate of separation exist.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from forecasting.gravity import _pyfixest, _separation

logger = logging.getLogger(__name__)

_MAX_PASSES = 50


@dataclass
class Sample:
    """Row fates over the prepared frame: ``reason`` is ``None`` for rows that are fitted."""

    reason: np.ndarray
    separated_by: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._keep = np.array([r is None for r in self.reason], dtype=bool)

    @property
    def keep(self) -> np.ndarray:
        """Mask of the rows to fit (a copy)."""
        return self._keep.copy()

    def set_aside(self, rows: np.ndarray, reason: str, check: str | None = None) -> int:
        """Mark ``rows`` (a mask over all rows) not yet set aside; return how many were new."""
        new = rows & self._keep
        self.reason[new] = reason
        self._keep &= ~new
        if check is not None and new.any():
            self.separated_by[check] = self.separated_by.get(check, 0) + int(new.sum())
        return int(new.sum())


def prepare(
    outcome: np.ndarray,
    regressors: np.ndarray,
    codes: np.ndarray,
    excluded: Mapping[str, np.ndarray],
    *,
    poisson: bool,
    checks: Sequence[str],
) -> Sample:
    """Set aside excluded rows (``{"missing": mask, ...}``), then singletons and separated rows.

    ``codes`` is the ``(n, m)`` array of fixed-effect level codes (``m = 0`` without fixed
    effects); ``regressors`` the ``(n, k)`` design, with the intercept when ``m = 0``.
    """
    sample = Sample(np.full(len(outcome), None, dtype=object))
    for reason, rows in excluded.items():
        sample.set_aside(rows, reason)
    return settle(sample, outcome, regressors, codes, poisson=poisson, checks=checks)


def settle(
    sample: Sample,
    outcome: np.ndarray,
    regressors: np.ndarray,
    codes: np.ndarray,
    *,
    poisson: bool,
    checks: Sequence[str],
) -> Sample:
    """Remove singletons and separated rows from ``sample`` until no check finds more."""
    positive = outcome > 0
    expensive_on: np.ndarray | None = None
    for _ in range(_MAX_PASSES):
        found = 0
        keep = sample.keep
        if codes.shape[1]:
            found += sample.set_aside(_spread(keep, _pyfixest.singletons(codes[keep])), "singleton")
        if poisson and "fe" in checks and codes.shape[1]:
            keep = sample.keep
            found += sample.set_aside(
                _spread(keep, _separation.fe_check(positive[keep], list(codes[keep].T))), "separated", "fe"
            )
        if found:
            continue
        keep = sample.keep
        if not poisson or (expensive_on is not None and (positive & expensive_on & ~keep).sum() == 0):
            break
        expensive_on = keep.copy()
        found += _expensive_checks(sample, positive, regressors, codes, checks)
        if not found:
            break
    logger.debug(
        "sample: %d of %d rows kept; separated by %s", sample.keep.sum(), len(outcome), sample.separated_by
    )
    return sample


def _expensive_checks(
    sample: Sample, positive: np.ndarray, regressors: np.ndarray, codes: np.ndarray, checks: Sequence[str]
) -> int:
    found = 0
    if "simplex" in checks:
        keep = sample.keep
        rows = _separation.simplex_check(positive[keep], regressors[keep])
        found += sample.set_aside(_spread(keep, rows), "separated", "simplex")
    if "ir" in checks:
        keep = sample.keep
        rows = _separation.ir_check(positive[keep], regressors[keep], codes[keep] if codes.shape[1] else None)
        found += sample.set_aside(_spread(keep, rows), "separated", "ir")
    return found


def _spread(keep: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """A mask over the kept rows, as a mask over all rows."""
    out = np.zeros(len(keep), dtype=bool)
    out[np.flatnonzero(keep)[rows]] = True
    return out
