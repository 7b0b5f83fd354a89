"""Explain separation: which fixed-effect levels make PPML estimates run off to infinity.

PPML drops separated rows (``result.dropped`` with reason ``"separated"``, counted by check
in ``result.separated_by``); these helpers say *why* a row went when the cause is a
fixed-effect level (a pair, an exporter-year) whose flows are all zero, whose effect would
have to be minus infinity. Separation by regressors, or by regressors and fixed effects
together, is found inside :func:`forecasting.gravity.ppml` by the checks of
:mod:`forecasting.gravity._separation` (simplex, iterative rectifier, fitted means).
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from forecasting.gravity import _fixef
from forecasting.gravity.results import GravityResult
from forecasting.schema import require_columns


def zero_fixed_effect_levels(data: pd.DataFrame, outcome: str, fixed_effects: Sequence[str]) -> pd.DataFrame:
    """Rows lying in a fixed-effect level whose outcome is zero everywhere (with some positive elsewhere).

    Returns one row per (row, fixed effect) with columns ``row`` (position in ``data``),
    ``fe`` and ``level``; a row separated by two fixed effects appears twice.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"y": [0, 0, 3, 4], "pair": ["a", "a", "b", "b"]})
    >>> zero_fixed_effect_levels(df, "y", ["pair"]).values.tolist()
    [[0, 'pair', 'a'], [1, 'pair', 'a']]
    """
    require_columns(data, [outcome, *(p for fe in fixed_effects for p in fe.split("^"))], what="the data")
    positive = data[outcome].to_numpy(dtype=float) > 0
    frames = []
    for fe in fixed_effects:
        labels = _fixef.fe_labels(data, fe).reset_index(drop=True)
        any_positive = pd.Series(positive).groupby(labels.to_numpy()).transform("any").to_numpy()
        rows = (~any_positive).nonzero()[0]
        frames.append(pd.DataFrame({"row": rows, "fe": fe, "level": labels.iloc[rows].to_numpy()}))
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=["row", "fe", "level"])


def dropped_summary(result: GravityResult) -> pd.DataFrame:
    """Counts of rows set aside by reason, with the share of the input they were.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from forecasting.gravity import ppml
    >>> df = pd.DataFrame({"y": [0.0, 0.0, 1.0, 2.0, 3.0, 1.0], "x": [1.0, 2.0, 0.5, 1.5, 1.0, 2.0],
    ...                    "g": ["a", "a", "b", "b", "c", "c"]})
    >>> dropped_summary(ppml(df, "y ~ x | g")).values.tolist()
    [['separated', 2, 0.3333333333333333]]
    """
    total = result.nobs + len(result.dropped)
    counts = result.dropped["reason"].value_counts().rename_axis("reason").reset_index(name="rows")
    counts["share"] = counts["rows"] / total if total else 0.0
    return counts
