"""Alternative routes: a combined scenario's effect from its components' effects.

A combination's components are alternative routes (:mod:`forecasting.scenarios.combined`):
on each row (pair and commodity) the component with the largest change in log trade that
year counts, among those that have opened on the row; route availability is the best of the
components that touch the row. A plain scenario is one route, composed as before.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from forecasting.errors import ScenarioError
from forecasting.scenarios._checks import Draw
from forecasting.scenarios._engine import (
    CHANNELS,
    PARTS,
    SUMMED,
    Cells,
    channel_labels,
    compose_arrays,
    shock_cells,
)
from forecasting.scenarios.costs import TradeCostMapping

Route = tuple[Any, list[Cells]]  # (a scenario without components, its evaluated shocks)


def route_cells(
    scenario: Any,
    frame: pd.DataFrame,
    mapping: TradeCostMapping,
    elasticity: np.ndarray,
    draw: Draw,
    unmatched: str,
    *,
    parts: bool = False,
) -> list[Route]:
    """Each route of ``scenario`` (itself, or each component) with its shocks evaluated on ``frame``."""
    if not scenario.components:
        return [(scenario, shock_cells(scenario, frame, mapping, elasticity, draw, unmatched, parts=parts))]
    if parts:
        raise ScenarioError(
            f"the cost change of the combination {scenario.name!r} is not linear in the trade elasticity"
            " (the better route can change with it); evaluate cost_changes at each elasticity instead"
        )
    return [(c, shock_cells(c, frame, mapping, elasticity, draw, unmatched)) for c in scenario.components]


def route_arrays(
    routes: Sequence[Route],
    frame: pd.DataFrame,
    year: int | None,
    *,
    labels: bool = True,
    parts: bool = False,
) -> dict[str, np.ndarray]:
    """:func:`~forecasting.scenarios._engine.compose_arrays` of one route, or the best of several."""
    composed = [compose_arrays(s, frame, cells, year, labels=False, parts=parts) for s, cells in routes]
    out = composed[0] if len(composed) == 1 else best_route(composed, parts=parts)
    if labels:
        out["channel"] = channel_labels(out["channel_bits"])
    return out


def best_route(composed: Sequence[dict[str, np.ndarray]], *, parts: bool = False) -> dict[str, np.ndarray]:
    """Row by row, the arrays of the opened route with the largest trade effect (see the module)."""
    n = len(composed[0]["delta_log_cost"])
    rows = np.arange(n)
    opened = np.stack([c["opened"] for c in composed])
    score = np.where(opened, np.stack([c["delta_log_cost"] for c in composed]), -np.inf)
    winner, any_open = score.argmax(axis=0), opened.any(axis=0)
    out: dict[str, np.ndarray] = {}
    for name in (*SUMMED, *PARTS) if parts else SUMMED:
        out[name] = np.where(any_open, np.stack([c[name] for c in composed])[winner, rows], 0.0)
    phases = np.stack([c["phase"] for c in composed])
    out["phase"] = np.where(any_open, phases[winner, rows], phases.max(axis=0))
    before = composed[0]["availability_before"]
    touched = np.stack([c["touched"] for c in composed])
    offered = np.where(touched, np.stack([c["availability"] for c in composed]), -np.inf).max(axis=0)
    out["availability"] = np.where(touched.any(axis=0), offered, before)
    out["availability_before"] = before
    bit = np.int64(1) << CHANNELS.index("availability")
    cost_bits = np.where(any_open, np.stack([c["channel_bits"] for c in composed])[winner, rows], 0) & ~bit
    out["channel_bits"] = cost_bits | np.where(out["availability"] != before, bit, 0)
    out["touched"], out["opened"] = touched.any(axis=0), any_open
    return out
