"""How the report writes numbers: table cells, money in prose, and adaptive axis units.

One module decides every number format of the page, so a table cell, a sentence of the
summary and a chart's tick label agree. Rules: money in the tables is in millions of US
dollars (columns ending ``_musd``) with the decimals its size needs; percentages (``_pct``)
with one decimal (two below 1); no negative zero; years without thousands separators.
The CSV and Excel files keep full precision; only the page rounds.
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

#: Money units of axis labels and prose, largest first: (size in USD, suffix).
USD_UNITS = ((1e9, "bn"), (1e6, "m"), (1e3, "k"), (1.0, ""))


def _missing(value: object) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float | np.floating) and np.isnan(value))


def _no_negative_zero(text: str) -> str:
    """``-0.0`` and ``-0`` print as zero (a rounded tiny negative number is not a sign)."""
    digits = text.lstrip("-").replace("0", "").replace(".", "").replace(",", "")
    return text.lstrip("-") if text.startswith("-") and not digits.strip("–") else text


def musd_decimals(value: float) -> int:
    """Decimals a value in USD millions needs: none from 100 m, one from 1 m, two below.

    Examples
    --------
    >>> [musd_decimals(v) for v in (1466.0, 55.9, 0.27)]
    [0, 1, 2]
    """
    size = abs(value)
    return 0 if size >= 100 else 1 if size >= 1 else 2


def format_musd(value: float) -> str:
    """A table cell in USD millions.

    Examples
    --------
    >>> format_musd(1465.998), format_musd(55.93), format_musd(0.0066), format_musd(-0.0001), format_musd(0.0)
    ('1,466', '55.9', '0.01', '0.00', '0')
    """
    if value == 0:
        return "0"
    return _no_negative_zero(f"{value:,.{musd_decimals(value)}f}")


def format_usd_text(value_usd: float) -> str:
    """Money for prose, in the unit its size needs ("USD 59.8 m", "USD 1.47 bn").

    Examples
    --------
    >>> format_usd_text(59_826_831.0), format_usd_text(1.466e9), format_usd_text(6_600.0)
    ('USD 59.8 m', 'USD 1.47 bn', 'USD 0.01 m')
    """
    if _missing(value_usd):
        return "–"
    if abs(value_usd) >= 1e9:
        return f"USD {_no_negative_zero(f'{value_usd / 1e9:,.2f}')} bn"
    return f"USD {format_musd(value_usd / 1e6)} m"


def format_pct(value: float, *, signed: bool = False) -> str:
    """A percentage: one decimal, two below 1, none from 1,000 ("12.1", "0.05", "+350").

    Examples
    --------
    >>> format_pct(12.08), format_pct(0.046), format_pct(-0.0004), format_pct(350.2, signed=True)
    ('12.1', '0.05', '0.00', '+350.2')
    """
    if _missing(value):
        return "–"
    if value == 0:
        return "0"
    size = abs(value)
    decimals = 0 if size >= 1000 else 1 if size >= 1 else 2
    text = _no_negative_zero(f"{value:,.{decimals}f}")
    return f"+{text}" if signed and not text.startswith("-") and float(value) > 0 else text


def format_number(value: float) -> str:
    """Any other number: three significant decimals at most, thousands separators, no ``-0.000``.

    Examples
    --------
    >>> format_number(0.36773), format_number(-0.00001), format_number(35646.0), format_number(-4.38998)
    ('0.368', '0', '35,646', '-4.390')
    """
    if float(value).is_integer():
        return _no_negative_zero(f"{value:,.0f}")
    size = abs(value)
    decimals = 0 if size >= 1000 else 1 if size >= 100 else 2 if size >= 10 else 3
    text = _no_negative_zero(f"{value:,.{decimals}f}")
    return "0" if float(text.replace(",", "")) == 0 else text


#: Columns holding calendar years (printed without a thousands separator).
YEAR_COLUMNS = ("year", "first_origin", "fitted_from", "from_year", "median_year")


def _is_year_column(column: str) -> bool:
    return column in YEAR_COLUMNS or column.endswith("_year") or column.startswith("year_")


def format_cell(column: str, value: object) -> str:
    """The HTML text of one table cell, formatted by the column's unit suffix (escaped)."""
    if _missing(value):
        return "–"
    if isinstance(value, bool | np.bool_):
        return "yes" if value else "no"
    if isinstance(value, int | float | np.integer | np.floating):
        number = float(value)
        if _is_year_column(column):
            return str(int(number)) if number.is_integer() else f"{number:g}"
        if column.endswith("_musd"):
            return format_musd(number)
        if column.endswith("_pct") or "_pct_" in column:
            return format_pct(number)
        if column == "p_value":
            return "&lt;0.001" if number < 0.001 else f"{number:.3f}"
        return format_number(number)
    return html.escape(str(value))


def pretty_column(column: str) -> str:
    """A column name as a header: words, and the unit in brackets.

    Examples
    --------
    >>> pretty_column("turnover_2035_musd"), pretty_column("share_pct"), pretty_column("first_year")
    ('turnover 2035 (USD m)', 'share (%)', 'first year')
    """
    for suffix, unit in (("_musd", " (USD m)"), ("_pct", " (%)")):
        if column.endswith(suffix):
            return column[: -len(suffix)].replace("_", " ") + unit
    return column.replace("_", " ")


def _is_numeric(series: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series)


def table_html(
    table: pd.DataFrame,
    *,
    caption: str = "",
    max_rows: int | None = None,
    headers: Mapping[str, str] | None = None,
    links: Mapping[str, str] | None = None,
    raw: Sequence[str] = (),
) -> str:
    """An HTML ``<table>``: numbers formatted by their unit suffix and right-aligned, text left.

    Parameters
    ----------
    table
        The rows to show.
    caption
        Caption above the table.
    max_rows
        Show only the first rows, with a note saying how many there are.
    headers
        Header text by column (default: :func:`pretty_column`).
    links
        ``{text column: URL column}``: the text becomes a link to the URL (the URL column is not shown).
    raw
        Columns whose cells are trusted HTML written by the report itself (not escaped).

    Examples
    --------
    >>> import pandas as pd
    >>> out = table_html(pd.DataFrame({"value_musd": [1234.56]}), caption="Demo")
    >>> "1,234.6" not in out and "1,235" in out and out.startswith("<div class='table-wrap'><table")
    True
    """
    links = dict(links or {})
    shown = table if max_rows is None else table.head(max_rows)
    columns = [c for c in shown.columns if c not in links.values()]
    numeric = {c for c in columns if _is_numeric(shown[c])}
    names = {c: (headers or {}).get(c, pretty_column(str(c))) for c in columns}
    head = "".join(f"<th{' class=num' if c in numeric else ''}>{html.escape(names[c])}</th>" for c in columns)
    rows = []
    for record in shown.to_dict("records"):
        cells = []
        for column in columns:
            value = record[column]
            text = str(value) if column in raw and not _missing(value) else format_cell(str(column), value)
            url = record.get(links.get(column, ""), None)
            if isinstance(url, str) and url.startswith(("http://", "https://")):
                text = f"<a href='{html.escape(url, quote=True)}'>{text}</a>"
            cells.append(f"<td class=num>{text}</td>" if column in numeric else f"<td>{text}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    note = ""
    if max_rows is not None and len(table) > max_rows:
        note = (
            f"<p class='note'>First {max_rows} of {len(table)} rows; the full table is in the CSV file.</p>"
        )
    cap = f"<caption>{html.escape(caption)}</caption>" if caption else ""
    return (
        f"<div class='table-wrap'><table class='report-table'>{cap}<thead><tr>{head}</tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table></div>{note}"
    )


def usd_tick_labels(locations: Sequence[float], *, per_tick_unit: bool = False) -> list[str]:
    """Tick labels of a US-dollar axis in the unit the values need, with enough decimals.

    One unit for the whole axis (that of its largest tick), or, on a log axis
    (``per_tick_unit``), each tick in its own unit. Decimals grow until every label is
    exact (or, failing that at three decimals, at least distinct), so an axis under
    USD 1 m never reads "0, 0, 0, 1, 1".

    Examples
    --------
    >>> usd_tick_labels([0, 2e5, 4e5, 6e5, 8e5, 1e6])
    ['0', '0.2 m', '0.4 m', '0.6 m', '0.8 m', '1.0 m']
    >>> usd_tick_labels([1e6, 1e7, 1e8, 1e9], per_tick_unit=True)
    ['1 m', '10 m', '100 m', '1 bn']
    >>> usd_tick_labels([0, 2.5e5, 5e5, 7.5e5])
    ['0', '250 k', '500 k', '750 k']
    """
    values = [float(v) for v in locations]
    sizes = [abs(v) for v in values if math.isfinite(v) and v != 0]
    if not sizes:
        return ["0" if v == 0 else "" for v in values]
    top = max(sizes)

    def unit(value: float) -> tuple[float, str]:
        size = abs(value) if per_tick_unit else top
        return next((scale, name) for scale, name in USD_UNITS if size >= scale or scale == 1.0)

    def labels(decimals: int) -> list[str]:
        out = []
        for value in values:
            scale, name = unit(value)
            text = _no_negative_zero(f"{value / scale:,.{decimals}f}")
            out.append("" if not math.isfinite(value) else "0" if value == 0 else f"{text} {name}".strip())
        return out

    def exact(decimals: int) -> bool:
        return all(
            abs(round(v / unit(v)[0], decimals) - v / unit(v)[0]) < 1e-9 for v in values if math.isfinite(v)
        )

    distinct = len({v for v in values if math.isfinite(v)})
    for decimals in range(4):
        if exact(decimals) and len(set(labels(decimals)) - {""}) == distinct:
            return labels(decimals)
    return labels(3)
