"""Settings of a GE counterfactual, validated once, in one frozen value."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from forecasting.errors import SchemaError
from forecasting.validation import check_choice

__all__ = ["Baseline", "GEKind", "GEOptions", "Stopping"]

GEKind = Literal["full", "conditional"]
Stopping = Literal["tight", "book"]
Baseline = Literal["fitted", "observed"]


@dataclass(frozen=True)
class GEOptions:
    """How to solve a GE counterfactual.

    Parameters
    ----------
    sigma
        Elasticity of substitution between varieties (> 1); the book uses 7.
    reference_importer
        ISO3 code of the country whose inward multilateral resistance (consumer price
        index) is the numeraire.
    kind
        ``"full"`` (full-endowment GE: prices, output and expenditure adjust) or
        ``"conditional"`` (output and expenditure fixed; only resistances adjust).
    stopping
        ``"tight"`` solves the system by Newton's method to ``tol``; ``"book"`` runs the
        iterative GEPPML loop of Yotov et al. (2016) with its stopping rule, for replication.
    tol
        Largest accepted residual of the log market-clearing equations (tight stopping).
    max_iter
        Newton iterations (tight) or loop rounds (book) before a ``ConvergenceError``.
    baseline
        ``"fitted"`` (the book: trade costs from the coefficients, baseline flows are the
        PPML fitted values) or ``"observed"`` (costs calibrated to reproduce observed flows
        exactly; pairs with zero trade stay at zero).

    Examples
    --------
    >>> GEOptions(sigma=5.0).kind
    'full'
    >>> GEOptions(kind="partial")
    Traceback (most recent call last):
    ...
    forecasting.errors.SchemaError: kind='partial' is not valid; use one of 'full', 'conditional'
    """

    sigma: float = 7.0
    reference_importer: str = "DEU"
    kind: GEKind = "full"
    stopping: Stopping = "tight"
    tol: float = 1e-8
    max_iter: int = 200
    baseline: Baseline = "fitted"

    def __post_init__(self) -> None:
        check_choice("kind", self.kind, GEKind)
        check_choice("stopping", self.stopping, Stopping)
        check_choice("baseline", self.baseline, Baseline)
        if not float(self.sigma) > 1.0:
            raise SchemaError(f"sigma must be greater than 1 (the book uses 7); got {self.sigma!r}")
        if not 0.0 < float(self.tol) < 1.0:
            raise SchemaError(f"tol must lie between 0 and 1 (default 1e-8); got {self.tol!r}")
        if int(self.max_iter) < 1:
            raise SchemaError(f"max_iter must be a positive integer; got {self.max_iter!r}")
        if not isinstance(self.reference_importer, str):
            raise SchemaError(
                f"reference_importer must be an ISO3 code string; got {self.reference_importer!r}"
            )
