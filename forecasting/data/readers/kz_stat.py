"""Kazakhstan Bureau of National Statistics (stat.gov.kz): monthly national export/import totals.

The processed open-data files hold one row per month: ``date`` (first of the month),
``value`` (thousands of US dollars, all partners, all goods) and ``transformation``
("level"). Each becomes a FLOWS row KAZ -> WLD, commodity TOTAL, freq M. The bureau
revises recent months; a month is flagged ``preliminary`` only when the file marks it
(a ``preliminary``/``status`` column) — the reader never invents the mark.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Literal, Unpack

import numpy as np
import pandas as pd

from forecasting.data.readers._cells import check_not_negative, to_number
from forecasting.data.readers._columns import find_columns
from forecasting.data.readers._lines import line_numbers
from forecasting.data.readers._table import finish
from forecasting.data.readers.detect import TextOptions, read_table, text_options
from forecasting.errors import ReaderError, describe_items, option_hint
from forecasting.validation import check_choice

logger = logging.getLogger(__name__)

KzFlow = Literal["export", "import"]
KzUnit = Literal["thousand_usd", "usd"]

_FIELDS = {
    "date": ("date", "period", "month"),
    "value": ("value",),
    "transformation": ("transformation",),
    "status": ("preliminary", "status", "is_preliminary"),
}


def _flow_from_name(path: Path, declared: str | None) -> str:
    if declared is not None:
        check_choice("flow", declared, KzFlow, error=ValueError)
        return declared
    name = path.name.lower()
    if "export" in name and "import" not in name:
        return "export"
    if "import" in name and "export" not in name:
        return "import"
    raise ReaderError(
        f"{path}: the file name does not say exports or imports; {option_hint('flow', 'export')} or 'import'"
    )


def read_kz_stat(
    path: str | Path,
    *,
    flow: KzFlow | None = None,
    unit: KzUnit = "thousand_usd",
    **text: Unpack[TextOptions],
) -> pd.DataFrame:
    """Read a stat.gov.kz monthly export or import total into FLOWS (KAZ -> WLD, TOTAL, monthly).

    Only ``level`` rows are trade values (growth rates and indices are refused); a month is
    flagged ``preliminary`` only where the file marks it.

    Parameters
    ----------
    path
        ``exports.csv`` or ``imports.csv`` (columns date, value, transformation).
    flow
        ``"export"`` or ``"import"``; taken from the file name when not given.
    unit
        Unit of ``value``: ``"thousand_usd"`` (the bureau's unit) or ``"usd"``.
    **text
        ``encoding``, ``sep``, ``thousands``, ``decimal`` (:class:`~forecasting.data.readers.detect.TextOptions`)
        for a file saved with other settings than the bureau's.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp(), "exports.csv")
    >>> _ = p.write_text("date,value,transformation\\r\\n2022-01-01,5000.5,level\\r\\n")
    >>> read_kz_stat(p)[["reporter", "partner", "flow", "freq", "value_usd"]].values.tolist()
    [['KAZ', 'WLD', 'export', 'M', 5000500.0]]
    """
    path = Path(path)
    check_choice("unit", unit, KzUnit, error=ValueError)
    direction = _flow_from_name(path, flow)
    raw, _ = read_table(path, **text_options(text, reader="read_kz_stat"))
    cols = find_columns(raw.columns, _FIELDS, path=path, required=["date", "value"])
    if "transformation" in cols:
        kind = raw[cols["transformation"]].astype("string").str.strip().str.lower()
        not_level = kind != "level"
        if not_level.fillna(True).any():
            raise ReaderError(
                f"{path}: transformation is {describe_items(kind[not_level.fillna(True)].astype(str).unique().tolist())}"
                f" on {line_numbers(not_level.fillna(True))}; only 'level' values are trade values"
                " (growth rates or indices cannot be read as flows)"
            )
    dates = pd.to_datetime(raw[cols["date"]].astype("string").str.strip(), format="%Y-%m-%d", errors="coerce")
    bad = dates.isna() | (dates.dt.day != 1)
    if bad.any():
        raise ReaderError(
            f"{path}: dates must be first days of months (YYYY-MM-01); see {line_numbers(bad)}"
            f" (values {describe_items(raw.loc[bad, cols['date']].astype(str).tolist())})"
        )
    values = to_number(raw[cols["value"]], what="value", path=path)
    check_not_negative(values, what="values", path=path)
    scale = 1000.0 if unit == "thousand_usd" else 1.0
    out = pd.DataFrame(
        {
            "reporter": "KAZ",
            "partner": "WLD",
            "flow": direction,
            "period": dates,
            "freq": "M",
            "commodity": "TOTAL",
            "classification": "TOTAL",
            "value_usd": values * scale,
            "flags": "partner_aggregate",
        }
    )
    if "status" in cols:
        status = raw[cols["status"]].astype("string").str.strip().str.lower()
        marked = status.isin(["true", "1", "yes", "p", "preliminary", "prelim"]).to_numpy()
        out["flags"] = np.where(marked, "partner_aggregate;preliminary", "partner_aggregate")
    logger.info("%s: %d months of Kazakhstan %ss (x%g to USD)", path.name, len(out), direction, scale)
    return finish(out, source="kz_stat", path=path)
