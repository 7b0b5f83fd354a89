"""Table keys as integers: each column factorised once, several columns combined into one number.

Customs tables repeat a few hundred countries and a few thousand codes millions of times.
Hashing a text column is the expensive step of every check and every grouping, so it is
done once per column; checks then run per distinct value, and groupings use one integer
per row instead of several text columns.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence

import numpy as np
import pandas as pd

__all__ = ["Factorised", "factorize", "key_codes"]

#: Columns already factorised: name -> (codes with -1 for missing, distinct values).
Factorised = dict[str, tuple[np.ndarray, np.ndarray]]


def factorize(values: pd.Series) -> tuple[np.ndarray, np.ndarray | pd.Index]:
    """``pandas.factorize`` (missing as -1), with a shortcut for a text column holding one value.

    Customs extracts often repeat one reporter, flow, frequency or source on every row;
    comparing with the first value is twice as fast as hashing every cell.

    Examples
    --------
    >>> import pandas as pd
    >>> codes, distinct = factorize(pd.Series(["KAZ", "KAZ"]))
    >>> codes.tolist(), list(distinct)
    ([0, 0], ['KAZ'])
    """
    if values.dtype == object and len(values) and isinstance(values.iat[0], str):
        cells = values.to_numpy()
        first = cells[0]
        with contextlib.suppress(TypeError):  # pd.NA cells refuse to compare; hash them instead
            if bool((cells[:1024] == first).all()) and bool((cells == first).all()):
                return np.zeros(len(cells), dtype=np.intp), np.array([first], dtype=object)
    return pd.factorize(values, use_na_sentinel=True)


def key_codes(
    df: pd.DataFrame, columns: Sequence[str], *, factorised: Factorised | None = None
) -> np.ndarray:
    """One integer per row naming its combination of ``columns``, numbered by first appearance.

    Missing values form groups of their own, as in ``groupby(..., sort=False, dropna=False)``
    (whose ``ngroup()`` gives the same numbers), but each column is factorised once and the
    combination is one integer, which is several times faster on text columns.
    ``factorised`` may hold columns already factorised (``name -> (codes, distinct values)``,
    missing as -1, as :func:`pandas.factorize` gives them); columns factorised here are added.

    Examples
    --------
    >>> import pandas as pd
    >>> f = pd.DataFrame({"a": ["x", "y", "x", None], "b": [1, 2, 1, 2]})
    >>> key_codes(f, ["a", "b"]).tolist()
    [0, 1, 0, 2]
    """
    combined = np.zeros(len(df), dtype=np.int64)
    size = 1
    known = {} if factorised is None else factorised
    for name in columns:
        if name not in known:
            codes, distinct = factorize(df[name])
            known[name] = (codes, np.asarray(distinct))
        codes, distinct = known[name]
        width = len(distinct) + 1
        if size * width >= 2**62:
            # keep the mixed-radix number inside int64 by renumbering what is combined so far
            renumbered, seen = pd.factorize(combined)
            combined, size = renumbered.astype(np.int64), len(seen)
        # in place: three passes over one array instead of three new arrays per column
        combined *= width
        combined += codes
        combined += 1
        size *= width
    ids, _ = pd.factorize(combined)
    return ids.astype(np.int64)
