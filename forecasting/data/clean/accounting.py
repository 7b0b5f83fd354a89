"""Row accounting for cleaning steps: what each step kept, what it set aside, and a check.

Every cleaning step returns a :class:`CleanResult` holding the cleaned table and a
``dropped`` table in the DROPPED schema (``step``, ``reason``, ``row`` and the input row's
original columns). :func:`check_accounting` then proves, group by group, that no trade
value was lost: the total before a step equals the total after it plus the total set aside.

Examples
--------
>>> import pandas as pd
>>> before = pd.DataFrame({"reporter": ["KAZ", "KAZ"], "year": [2020, 2020],
...                        "value_usd": [5.0, 7.0]})
>>> kept, dropped = CleanResult(before.iloc[:1], record_dropped(before, [False, True],
...                                                            step="demo", reason="test"))
>>> check_accounting(before, kept, dropped)
>>> dropped[["step", "reason", "row", "value_usd"]].to_dict("records")
[{'step': 'demo', 'reason': 'test', 'row': 1, 'value_usd': 7.0}]
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from forecasting.errors import SchemaError, describe_items
from forecasting.schema import DROPPED, require_columns

logger = logging.getLogger(__name__)

_DROPPED_COLUMNS = ("step", "reason", "row")


@dataclass(frozen=True)
class CleanResult:
    """The output of a cleaning step: the cleaned ``data`` and the ``dropped`` rows.

    Unpacks as a pair, so ``flows, dropped = step(...)`` works.

    Examples
    --------
    >>> import pandas as pd
    >>> res = CleanResult(pd.DataFrame({"a": [1]}), empty_dropped())
    >>> data, dropped = res
    >>> len(data), len(dropped), res.n_dropped
    (1, 0, 0)
    """

    data: pd.DataFrame
    dropped: pd.DataFrame

    def __iter__(self) -> Iterator[pd.DataFrame]:
        yield self.data
        yield self.dropped

    @property
    def n_dropped(self) -> int:
        """How many input rows the step set aside."""
        return len(self.dropped)

    def dropped_summary(self) -> pd.DataFrame:
        """Rows and value set aside, by step and reason (see :func:`summarize_dropped`)."""
        return summarize_dropped(self.dropped)


def empty_dropped(columns: Iterable[object] = ()) -> pd.DataFrame:
    """An empty DROPPED table carrying ``columns`` (the input's columns) after the three fixed ones.

    Examples
    --------
    >>> list(empty_dropped(["reporter", "value_usd"]).columns)
    ['step', 'reason', 'row', 'reporter', 'value_usd']
    """
    base = DROPPED.empty()
    extra = [str(c) for c in columns if c not in _DROPPED_COLUMNS]
    for name in extra:
        base[name] = pd.Series(dtype=object)
    return base


def record_dropped(
    frame: pd.DataFrame,
    mask: pd.Series | np.ndarray | Sequence[bool],
    *,
    step: str,
    reason: str | pd.Series | np.ndarray,
) -> pd.DataFrame:
    """The rows of ``frame`` selected by ``mask`` as a DROPPED table.

    ``row`` is the row's position in ``frame`` (not its index label), so it stays meaningful
    after any reindexing. ``reason`` is one sentence for all rows, or one per row of ``frame``.

    Examples
    --------
    >>> import pandas as pd
    >>> f = pd.DataFrame({"reporter": ["KAZ", "PAK"], "value_usd": [1.0, None]})
    >>> record_dropped(f, f["value_usd"].isna(), step="demo", reason="missing")["row"].tolist()
    [1]
    """
    selected = np.asarray(mask, dtype=bool)
    if selected.shape != (len(frame),):
        raise ValueError(f"mask has {selected.size} entries but the frame has {len(frame)} rows")
    if not isinstance(reason, str):
        reason_values = np.asarray(reason, dtype=object)
        if reason_values.shape != (len(frame),):
            raise ValueError("a per-row reason must have one entry per row of the frame")
        reasons: object = reason_values[selected]
    else:
        reasons = reason
    positions = np.flatnonzero(selected)
    originals = frame.take(positions)
    fixed = [c for c in _DROPPED_COLUMNS if c in originals.columns]
    if fixed:
        originals = originals.drop(columns=fixed)
    originals.index = pd.RangeIndex(len(positions))
    out = pd.concat(
        [
            pd.DataFrame(
                {
                    "step": pd.Series(step, index=originals.index, dtype=object),
                    "reason": pd.Series(reasons, index=originals.index, dtype=object),
                    "row": positions.astype("int64"),
                },
                index=originals.index,
            ),
            originals,
        ],
        axis=1,
    )
    if len(out):
        logger.info("%s set aside %d rows: %s", step, len(out), describe_items(out["reason"].unique()))
    return out


def concat_dropped(*tables: pd.DataFrame) -> pd.DataFrame:
    """Stack DROPPED tables from several steps (empty ones are skipped).

    Examples
    --------
    >>> len(concat_dropped(empty_dropped(), empty_dropped()))
    0
    """
    present = [t for t in tables if t is not None and len(t)]
    if not present:
        columns: list[str] = []
        for t in tables:
            columns.extend(c for c in t.columns if c not in columns)
        return empty_dropped(columns)
    return pd.concat(present, ignore_index=True, sort=False)


def summarize_dropped(dropped: pd.DataFrame, *, value: str = "value_usd") -> pd.DataFrame:
    """Rows and value set aside by ``step`` and ``reason``, largest first.

    Examples
    --------
    >>> import pandas as pd
    >>> f = pd.DataFrame({"value_usd": [1.0, 2.0]})
    >>> summarize_dropped(record_dropped(f, [True, True], step="s", reason="r")).to_dict("records")
    [{'step': 's', 'reason': 'r', 'rows': 2, 'value_usd': 3.0}]
    """
    if not len(dropped):
        return pd.DataFrame({"step": [], "reason": [], "rows": pd.Series(dtype="int64"), value: []})
    values = dropped[value] if value in dropped.columns else pd.Series(np.nan, index=dropped.index)
    grouped = dropped.assign(_value=pd.to_numeric(values, errors="coerce")).groupby(
        ["step", "reason"], sort=False, dropna=False
    )
    table = grouped.agg(rows=("row", "size"), _value=("_value", "sum"), _n=("_value", "count")).reset_index()
    # A group whose rows were all missing has no value set aside: missing, not zero.
    table[value] = table["_value"].where(table["_n"] > 0)
    table = table.drop(columns=["_value", "_n"])
    table["rows"] = table["rows"].astype("int64")
    return table.sort_values(["rows", "step"], ascending=[False, True], ignore_index=True)


def _group_columns(frame: pd.DataFrame, by: Sequence[str]) -> list[pd.Series]:
    # ``year`` is derived from ``period`` on the fly rather than by copying the frame with it.
    if "year" in by and "year" not in frame.columns:
        require_columns(frame, ["period"], what="accounting by 'year' (a 'year' or a 'period' column):")
    require_columns(frame, [c for c in by if c != "year" or "year" in frame.columns], what="accounting")
    return [_year(frame["period"]) if c == "year" and "year" not in frame.columns else frame[c] for c in by]


def _year(period: pd.Series) -> pd.Series:
    if period.dtype.kind == "M":  # plain datetime64: numpy gives the year without a calendar pass
        years = period.to_numpy().astype("datetime64[Y]").astype("int64") + 1970
        return pd.Series(years, index=period.index, name="year")
    return pd.to_datetime(period).dt.year.rename("year")


def _totals(frame: pd.DataFrame, by: Sequence[str], value: str) -> pd.Series | None:
    if not len(frame):
        return None
    groups = _group_columns(frame, by)
    require_columns(frame, [value], what="accounting")
    values = pd.to_numeric(frame[value], errors="coerce")
    return values.groupby(groups, dropna=False).sum(min_count=0)


def check_accounting(
    before: pd.DataFrame,
    after: pd.DataFrame,
    dropped: pd.DataFrame,
    *,
    by: Sequence[str] = ("reporter", "year"),
    value: str = "value_usd",
    rtol: float = 1e-9,
) -> None:
    """Raise unless, for every group in ``by``, total before = total after + total dropped.

    Missing values count as zero in the totals (they carry no value to lose); the row-level
    record of each drop is in ``dropped``. ``year`` is derived from ``period`` when absent.

    Parameters
    ----------
    before, after, dropped
        The step's input, its output and its DROPPED table.
    by
        Grouping columns present in all three tables.
    value
        The value column to add up.
    rtol
        Relative tolerance, against the larger of the two totals (and 1e-6 absolute).

    Raises
    ------
    SchemaError
        Naming the groups whose totals differ (first five and a count).

    Examples
    --------
    >>> import pandas as pd
    >>> before = pd.DataFrame({"reporter": ["KAZ"], "year": [2020], "value_usd": [5.0]})
    >>> check_accounting(before, before.assign(value_usd=4.0), empty_dropped())
    Traceback (most recent call last):
    ...
    forecasting.errors.SchemaError: accounting does not balance for 1 of 1 groups ...
    """
    by = list(by)
    parts = {
        name: _totals(frame, by, value)
        for name, frame in (("before", before), ("after", after), ("dropped", dropped))
    }
    present = [p for p in parts.values() if p is not None]
    if not present:
        return
    index = present[0].index
    for p in present[1:]:
        index = index.union(p.index)
    lhs, after_sum, dropped_sum = (
        (p.reindex(index, fill_value=0.0) if p is not None else pd.Series(0.0, index=index))
        for p in parts.values()
    )
    rhs = after_sum + dropped_sum
    scale = np.maximum(np.abs(lhs.to_numpy()), np.abs(rhs.to_numpy()))
    bad = np.abs(lhs.to_numpy() - rhs.to_numpy()) > rtol * scale + 1e-6
    if bad.any():
        where = [
            f"{key}: before {b:,.2f}, after+dropped {a:,.2f}"
            for key, b, a in zip(lhs.index[bad], lhs[bad], rhs[bad], strict=True)
        ]
        raise SchemaError(
            f"accounting does not balance for {int(bad.sum())} of {len(lhs)} groups ({', '.join(by)}):"
            f" {describe_items(where)}. A step lost or invented value; check its dropped table."
        )
