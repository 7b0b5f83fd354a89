"""Where rows of a source file are, for messages: "line(s) 3, 7" or "record(s) 1, 4"."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from forecasting.errors import describe_items


def line_numbers(mask: pd.Series | np.ndarray, *, first_line: int = 2, unit: str = "line") -> str:
    """Describe the file lines (header is line 1) where ``mask`` holds.

    ``unit="record"`` with ``first_line=1`` numbers the records of a JSON file instead.

    Examples
    --------
    >>> line_numbers([False, True, True])
    'line(s) 3, 4'
    """
    positions = np.flatnonzero(np.asarray(mask, dtype=bool))
    return f"{unit}(s) {describe_items([int(p) + first_line for p in positions])}"


#: Where rows of a table came from, for messages: given a row mask, "line(s) 3, 7" or similar.
Locate = Callable[[np.ndarray], str]


def file_lines(*, first_line: int = 2, unit: str = "line") -> Locate:
    """A :data:`Locate` naming file lines (or JSON records) by row position."""
    return lambda mask: line_numbers(mask, first_line=first_line, unit=unit)
