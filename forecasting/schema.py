"""Column sets of every table the toolkit reads or writes, and one validator.

The column names are defined here once; every module imports them from here.
``validate`` collects *all* problems of a table before raising, so a user fixes
their file in one pass rather than one error at a time.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

from forecasting.errors import SchemaError, describe_items
from forecasting.keys import Factorised, factorize, key_codes
from forecasting.validation import closest

Kind = Literal["str", "int", "float", "datetime", "bool"]

ISO3_PATTERN = r"^[A-Z]{3}$"
FLOW_KINDS = ("export", "import", "re-export", "re-import")
FREQS = ("A", "Q", "M")


@dataclass(frozen=True)
class Column:
    """One column of a table: its name, kind and the values it may hold."""

    name: str
    kind: Kind
    required: bool = True
    nullable: bool = False
    min: float | None = None
    allowed: tuple[object, ...] | None = None
    pattern: str | None = None
    doc: str = ""


@dataclass(frozen=True)
class Schema:
    """A named set of columns with an optional unique key.

    ``key`` names the columns that identify a row; ``validate`` reports duplicates.
    Extra columns are allowed (users carry their own covariates) unless ``strict``.
    """

    name: str
    columns: tuple[Column, ...]
    key: tuple[str, ...] = ()
    strict: bool = False
    doc: str = ""

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def required(self) -> list[str]:
        return [c.name for c in self.columns if c.required]

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)

    def empty(self, extra: Sequence[str] = ()) -> pd.DataFrame:
        """An empty frame with this schema's columns (``extra`` key columns first)."""
        return pd.DataFrame({n: pd.Series(dtype=_DTYPES[self.column(n).kind]) for n in self.names}).reindex(
            columns=[*extra, *self.names]
        )


_DTYPES: dict[str, str] = {
    "str": "object",
    "int": "int64",
    "float": "float64",
    "datetime": "datetime64[ns]",
    "bool": "bool",
}

# ---------------------------------------------------------------------------
# Tables
# ---------------------------------------------------------------------------

FLOWS = Schema(
    "FLOWS",
    (
        Column("reporter", "str", pattern=ISO3_PATTERN, doc="ISO3 of the country that reported the flow"),
        Column("partner", "str", pattern=ISO3_PATTERN, doc="ISO3 of the trading partner (WLD for the world)"),
        Column("flow", "str", allowed=FLOW_KINDS, doc="direction as seen by the reporter"),
        Column("period", "datetime", doc="first day of the period"),
        Column("freq", "str", allowed=FREQS, doc="A annual, Q quarterly, M monthly"),
        Column("commodity", "str", doc="zero-padded HS code, a named group, or TOTAL"),
        Column("classification", "str", doc="HS1992 ... HS2022, GROUP, or TOTAL"),
        Column(
            "value_usd", "float", nullable=True, min=0.0, doc="current US dollars; NaN is missing, 0 is zero"
        ),
        Column("quantity", "float", required=False, nullable=True, min=0.0),
        Column("quantity_unit", "str", required=False, nullable=True),
        Column("source", "str", doc="comtrade, baci, wits, kz_stat, tidy, demo, ..."),
        Column("flags", "str", doc="';'-separated cleaning codes, empty when untouched"),
    ),
    key=("reporter", "partner", "flow", "period", "freq", "commodity", "classification", "source"),
    doc="Customs view: one row per reported flow.",
)

GRAVITY_PANEL = Schema(
    "GRAVITY_PANEL",
    (
        Column("exporter", "str", pattern=ISO3_PATTERN),
        Column("importer", "str", pattern=ISO3_PATTERN),
        Column("year", "int"),
        Column("commodity", "str", required=False),
        Column("value_usd", "float", min=0.0, doc="trade value; zeros kept"),
        Column("dist_km", "float", required=False, min=0.0),
        Column("contig", "int", required=False, allowed=(0, 1)),
        Column("comlang", "int", required=False, allowed=(0, 1)),
        Column("rta", "int", required=False, allowed=(0, 1)),
        Column("flags", "str", required=False),
    ),
    key=("exporter", "importer", "year", "commodity"),
    doc="Gravity view: one row per exporter, importer, year (and commodity).",
)

COEFFICIENTS = Schema(
    "COEFFICIENTS",
    (
        Column("model", "str", required=False),
        Column("term", "str"),
        Column("estimate", "float"),
        Column("std_error", "float", nullable=True, min=0.0),
        Column("statistic", "float", nullable=True),
        Column("p_value", "float", nullable=True, min=0.0),
        Column("conf_low", "float", nullable=True),
        Column("conf_high", "float", nullable=True),
    ),
    key=("model", "term"),
)

FORECAST = Schema(
    "FORECAST",
    (
        Column("period", "datetime"),
        Column("scenario", "str"),
        Column("model", "str"),
        Column("level", "int", min=0, doc="interval coverage in percent"),
        Column(
            "mean", "float", nullable=True, doc="point forecast; for simulated outlooks the mean of the draws"
        ),
        Column(
            "median", "float", nullable=True, required=False, doc="median of the draws (simulated outlooks)"
        ),
        Column("lower", "float", nullable=True),
        Column("upper", "float", nullable=True),
    ),
    key=("period", "scenario", "model", "level"),
    doc="Long forecasts; the series key columns come first and are named by the caller.",
)

ACCURACY = Schema(
    "ACCURACY",
    (
        Column("model", "str"),
        Column("metric", "str"),
        Column("value", "float", nullable=True),
        Column("n_windows", "int", required=False, min=0),
    ),
    key=("model", "metric"),
)

GE_COUNTRY = Schema(
    "GE_COUNTRY",
    (
        Column("scenario", "str"),
        Column("country", "str", pattern=ISO3_PATTERN),
        Column("measure", "str"),
        Column("baseline", "float", nullable=True),
        Column("counterfactual", "float", nullable=True),
        Column("change_pct", "float", nullable=True),
    ),
    key=("scenario", "country", "measure"),
)

GE_BILATERAL = Schema(
    "GE_BILATERAL",
    (
        Column("scenario", "str"),
        Column("exporter", "str", pattern=ISO3_PATTERN),
        Column("importer", "str", pattern=ISO3_PATTERN),
        Column("baseline_usd", "float", min=0.0),
        Column("counterfactual_usd", "float", min=0.0),
        Column("change_pct", "float", nullable=True),
    ),
    key=("scenario", "exporter", "importer"),
)

DROPPED = Schema(
    "DROPPED",
    (
        Column("step", "str", doc="the cleaning step or estimator that set the row aside"),
        Column("reason", "str"),
        Column("row", "int", doc="position of the row in the step's input"),
    ),
    doc="Rows set aside, with the original columns beside these three.",
)

ALL_SCHEMAS = {
    s.name: s
    for s in (FLOWS, GRAVITY_PANEL, COEFFICIENTS, FORECAST, ACCURACY, GE_COUNTRY, GE_BILATERAL, DROPPED)
}

# ---------------------------------------------------------------------------
# Validation
# ---------------------------------------------------------------------------


@dataclass
class _Problems:
    schema: str
    items: list[str] = field(default_factory=list)

    def add(self, message: str) -> None:
        self.items.append(message)


def _rows(mask: pd.Series | np.ndarray, index: pd.Index) -> str:
    bad = index[np.asarray(mask, dtype=bool)]
    return f"rows {describe_items(bad.tolist())}"


def _kind_ok(series: pd.Series, kind: Kind) -> bool:
    if kind == "float":
        return pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series)
    if kind == "int":
        if pd.api.types.is_integer_dtype(series):
            return True
        if pd.api.types.is_float_dtype(series):
            values = series.dropna()
            return bool(np.all(np.equal(np.mod(values, 1), 0)))
        return False
    if kind == "datetime":
        return pd.api.types.is_datetime64_any_dtype(series)
    if kind == "bool":
        return pd.api.types.is_bool_dtype(series)
    return pd.api.types.is_object_dtype(series) or pd.api.types.is_string_dtype(series)


def problems(
    df: pd.DataFrame, schema: Schema, *, keys: Iterable[str] = (), factorised: Factorised | None = None
) -> list[str]:
    """Every way ``df`` breaks ``schema``, as sentences; empty when it conforms.

    ``keys`` adds caller-named series key columns (used by FORECAST and ACCURACY).
    ``factorised``, when given, receives the columns factorised while checking (text columns
    and the key), so a caller that groups by them next need not factorise them again.

    Examples
    --------
    >>> import pandas as pd
    >>> bad = pd.DataFrame({"term": ["x"], "estimate": ["high"]})
    >>> len(problems(bad, COEFFICIENTS)) > 0
    True
    """
    found = _Problems(schema.name)
    if not isinstance(df, pd.DataFrame):
        return [f"expected a pandas DataFrame, got {type(df).__name__}"]
    keys = list(keys)
    missing = [n for n in [*keys, *schema.required] if n not in df.columns]
    if missing:
        hint = _near_names(missing, df.columns)
        found.add(f"missing columns {describe_items(missing)}{hint}")
    dupes = df.columns[df.columns.duplicated()].tolist()
    if dupes:
        found.add(f"duplicate column names {describe_items(dupes)}")
    if schema.strict:
        extra = [c for c in df.columns if c not in schema.names and c not in keys]
        if extra:
            found.add(f"unexpected columns {describe_items(extra)}")
    factorised = {} if factorised is None else factorised
    for col in schema.columns:
        if col.name not in df.columns or col.name in dupes:
            continue
        _check_column(df, col, found, factorised)
    key = [k for k in [*keys, *schema.key] if k in df.columns and k not in dupes]
    if key and len(df) and not missing:
        ids = key_codes(df, key, factorised=factorised)
        dup_mask = np.bincount(ids)[ids] > 1
        if dup_mask.any():
            found.add(
                f"{int(dup_mask.sum())} rows share a key ({', '.join(key)}): {_rows(dup_mask, df.index)};"
                " aggregate them or add the column that tells them apart"
            )
    return found.items


def _check_column(df: pd.DataFrame, col: Column, found: _Problems, factorised: Factorised) -> None:
    s = df[col.name]
    text = _kind_ok(s, "str") and not pd.api.types.is_numeric_dtype(s)
    distinct = None
    if col.allowed is not None or col.pattern is not None or (text and not col.nullable):
        # Customs tables repeat a few hundred codes millions of times: factorising once gives
        # the missing cells (code -1) and the distinct values, and each test runs per value.
        try:
            codes, found_values = factorize(s)
        except TypeError:
            found.add(f"column '{col.name}' holds values that are not text (lists or mappings?)")
            return
        distinct = np.asarray(found_values, dtype=object)
        factorised[col.name] = (codes, distinct)
        nulls = codes < 0
    else:
        nulls = s.isna().to_numpy()
    if not col.nullable and nulls.any():
        found.add(f"column '{col.name}' has {int(nulls.sum())} missing values in {_rows(nulls, df.index)}")
    if not _kind_ok(s, col.kind):
        found.add(f"column '{col.name}' should be {col.kind} but has dtype {s.dtype}")
        return
    if col.min is not None and (~nulls).any():
        below = (s < col.min).to_numpy() & ~nulls
        if below.any():
            found.add(
                f"column '{col.name}' has {int(below.sum())} values below {col.min} in {_rows(below, df.index)}"
            )
    if distinct is None or not len(distinct):
        return
    if col.allowed is not None:
        outside = ~pd.Index(distinct, dtype=object).isin(col.allowed)
        if outside.any():
            shown = describe_items(sorted({str(v) for v in distinct[outside]}))
            rows = _rows(outside[codes] & ~nulls, df.index)
            found.add(f"column '{col.name}' has values {shown} outside {list(col.allowed)} in {rows}")
    if col.pattern is not None:
        regex = re.compile(col.pattern)
        wrong = np.array([not regex.match(str(v)) for v in distinct], dtype=bool)
        if wrong.any():
            shown = describe_items(sorted({str(v) for v in distinct[wrong]}))
            rows = _rows(wrong[codes] & ~nulls, df.index)
            found.add(f"column '{col.name}' has codes {shown} that do not match {col.pattern} in {rows}")


def _near_names(missing: Sequence[str], present: Iterable[object]) -> str:
    have = [str(c) for c in present]
    tips = [f"'{found[0]}' -> '{name}'" for name in missing if (found := closest(name, have, n=1))]
    return f" (did you mean to rename {', '.join(tips)}?)" if tips else ""


def require_columns(
    df: pd.DataFrame, columns: Iterable[str], *, what: str = "the table", fix: str = ""
) -> None:
    """Raise :class:`SchemaError` naming every column of ``columns`` that ``df`` lacks.

    The one missing-column check of the toolkit (``validate`` uses it for schemas): the
    message lists all missing names at once, suggests renames of near misses, and ends with
    ``fix`` (how to supply them) when given.

    Examples
    --------
    >>> import pandas as pd
    >>> require_columns(pd.DataFrame({"exporter": [], "imprter": []}), ["exporter", "importer"],
    ...                 what="the gravity panel")
    Traceback (most recent call last):
    ...
    forecasting.errors.SchemaError: the gravity panel lacks column(s) 'importer' (did you mean to rename 'imprter' -> 'importer'?)
    """
    missing = [c for c in dict.fromkeys(columns) if c not in df.columns]
    if missing:
        raise SchemaError(
            f"{what} lacks column(s) {describe_items(missing)}{_near_names(missing, df.columns)}"
            + (f"; {fix}" if fix else "")
        )


def validate(df: pd.DataFrame, schema: Schema, *, keys: Iterable[str] = ()) -> pd.DataFrame:
    """Check ``df`` against ``schema`` and return it unchanged, or raise listing every problem.

    Parameters
    ----------
    df
        The table to check.
    schema
        One of the schemas in this module, e.g. ``FLOWS``.
    keys
        Caller-named series key columns that must also be present (FORECAST, ACCURACY).

    Raises
    ------
    SchemaError
        With one line per problem, naming the rows and codes at fault.

    Examples
    --------
    >>> import pandas as pd
    >>> ok = pd.DataFrame({"term": ["ln_dist"], "estimate": [-0.8], "std_error": [0.05],
    ...                    "statistic": [-16.0], "p_value": [0.0], "conf_low": [-0.9],
    ...                    "conf_high": [-0.7]})
    >>> validate(ok, COEFFICIENTS).shape
    (1, 7)
    """
    found = problems(df, schema, keys=keys)
    if found:
        lines = "\n".join(f"  - {p}" for p in found)
        raise SchemaError(f"{schema.name} table has {len(found)} problem(s):\n{lines}")
    return df


def add_flag(flags: pd.Series, code: str, where: pd.Series | np.ndarray | None = None) -> pd.Series:
    """Append ``code`` to the ';'-separated ``flags`` of the rows in ``where`` (all rows if None).

    Examples
    --------
    >>> import pandas as pd
    >>> add_flag(pd.Series(["", "deflated"]), "mirror_filled").tolist()
    ['mirror_filled', 'deflated;mirror_filled']
    """
    mask = np.ones(len(flags), dtype=bool) if where is None else np.asarray(where, dtype=bool)
    # Flag columns hold a handful of distinct strings: work on each distinct string once.
    # Missing flags read as "" (code -1 picks the last entry of each lookup).
    codes, distinct = pd.factorize(flags.to_numpy(dtype=object))
    texts = [str(value) for value in distinct] + [""]
    lookup = np.array(texts + [f"{text};{code}" if text else code for text in texts], dtype=object)
    position = np.where(codes < 0, len(distinct), codes) + np.where(mask, len(texts), 0)
    return pd.Series(lookup[position], index=flags.index, name=flags.name, dtype=object)


def has_flag(flags: pd.Series, code: str) -> pd.Series:
    """Whether each row's ';'-separated ``flags`` include ``code`` (tested once per distinct string).

    Examples
    --------
    >>> import pandas as pd
    >>> has_flag(pd.Series(["a;partial", "partially", None]), "partial").tolist()
    [True, False, False]
    """
    codes, distinct = pd.factorize(flags.to_numpy(dtype=object))
    found = np.array([code in str(text).split(";") for text in distinct] + [False], dtype=bool)
    return pd.Series(found[np.where(codes < 0, len(distinct), codes)], index=flags.index, name=flags.name)
