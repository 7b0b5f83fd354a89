"""Mirror-aware history of one country pair: both sides' reports, never merged.

Two countries often report very different values for the same trade (Pakistan's recorded
exports to Kazakhstan were about four times Kazakhstan's recorded imports from Pakistan in
2023-24). The history table keeps every side's figure with its basis, and
:func:`reporting_basis` states, from those figures and the mirror rule, which report the
forecast uses for each direction and how far apart the two sides are.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from forecasting.projection.result import HISTORY_COLUMNS

#: What each mirror rule of :func:`forecasting.data.clean.reconcile_mirror` does, in words.
RULE_WORDS = {
    "importer": "each direction is valued by the importer's report (CIF); where the importer did not"
    " report, by the exporter's FOB report raised by the CIF/FOB margin",
    "exporter": "each direction is valued by the exporter's report (FOB); where the exporter did not"
    " report, by the importer's CIF report lowered by the CIF/FOB margin",
    "max": "each direction is valued by the larger of the two reports, on a CIF basis",
    "mean": "each direction is valued by the average of the two reports, on a CIF basis",
    "quality_weighted": "each direction is valued by an average of the two reports weighted by each"
    " reporter's reliability, on a CIF basis",
}


def reported_history(flows: pd.DataFrame, pair: tuple[str, str]) -> pd.DataFrame:
    """Each side's customs reports of its trade with the other, summed over commodities, by year.

    Examples
    --------
    >>> f = pd.DataFrame({"reporter": ["KAZ", "PAK"], "partner": ["PAK", "KAZ"],
    ...     "flow": ["import", "export"], "period": pd.Timestamp("2024-01-01"),
    ...     "value_usd": [40e6, 160e6], "source": "demo"})
    >>> reported_history(f, ("KAZ", "PAK"))[["reporter", "flow", "value_usd"]].values.tolist()
    [['KAZ', 'import', 40000000.0], ['PAK', 'export', 160000000.0]]
    """
    a, b = pair
    both = flows[
        ((flows.reporter == a) & (flows.partner == b)) | ((flows.reporter == b) & (flows.partner == a))
    ]
    both = both[both.flow.isin(["export", "import"])]
    out = (
        both.assign(year=both.period.dt.year)
        .groupby(["reporter", "partner", "flow", "year", "source"], as_index=False)
        .value_usd.sum(min_count=1)
    )
    out["basis"] = "customs, calendar year, " + np.where(out.flow == "import", "CIF", "FOB")
    out["commodity"] = "TOTAL"
    return out[list(HISTORY_COLUMNS)]


def forecast_input_history(series: pd.DataFrame, rule: str) -> pd.DataFrame:
    """The reconciled series by commodity that the forecast starts from, in the history layout."""
    out = series.assign(
        year=series.period.dt.year,
        value_usd=series.value,
        source="mirror-reconciled",
        basis=f"mirror rule '{rule}', used by the forecast",
    )
    return out[list(HISTORY_COLUMNS)]


#: The pair the bundled published figures (``forecasting/datasets/published_figures.csv``) describe.
PUBLISHED_PAIR = frozenset({"KAZ", "PAK"})


def published_history(figures: pd.DataFrame, pair: tuple[str, str]) -> pd.DataFrame:
    """Published totals (``forecasting/datasets/published_figures.csv``) of the pair, in the history layout.

    Fiscal-year and partial-year figures keep their own basis label (e.g. "fiscal year
    Jul-Jun FY2023-24"); ``year`` is the calendar year in which the period ends. The file
    describes Kazakhstan-Pakistan trade only, so any other pair gets no rows.
    """
    rows = []
    if set(pair) != PUBLISHED_PAIR:
        return pd.DataFrame(rows, columns=list(HISTORY_COLUMNS))
    for r in figures.itertuples(index=False):
        measure = str(r.measure)
        side = str(r.reporter_side)
        other = pair[1] if side == pair[0] else pair[0]
        if measure == "turnover":
            flow = "turnover"
        elif measure.startswith(f"{side} exports"):
            flow = "export"
        elif measure.startswith(f"{side} imports") or measure.startswith(f"{other} exports"):
            flow = "import"
        else:
            flow = measure
        rows.append(
            {
                "reporter": side,
                "partner": other,
                "flow": flow,
                "year": int(pd.Timestamp(r.period_end).year),
                "value_usd": float(r.value_musd) * 1e6,
                "source": str(r.source),
                "basis": f"published, {r.basis}, {r.period}",
                "commodity": "TOTAL",
            }
        )
    return pd.DataFrame(rows, columns=list(HISTORY_COLUMNS))


def _latest_reports(reported: pd.DataFrame, exporter: str, importer: str) -> str:
    """One direction of trade as both sides reported it in the latest year either did."""

    def side(reporter: str, partner: str, flow: str) -> pd.Series:
        rows = reported[
            (reported.reporter == reporter) & (reported.partner == partner) & (reported.flow == flow)
        ]
        return rows.groupby("year").value_usd.sum(min_count=1).dropna()

    exports, imports = side(exporter, importer, "export"), side(importer, exporter, "import")
    both = sorted(set(exports.index) & set(imports.index))
    if both:
        year = both[-1]
        ratio = imports[year] / exports[year] if exports[year] > 0 else np.nan
        shown = f"{ratio:.2f}" if np.isfinite(ratio) else "undefined"
        return (
            f"{exporter}->{importer} in {year}: {exporter} reported exports of USD {exports[year] / 1e6:,.1f} m,"
            f" {importer} imports of USD {imports[year] / 1e6:,.1f} m (importer/exporter {shown})"
        )
    for reporter, values in ((exporter, exports), (importer, imports)):
        if len(values):
            return (
                f"{exporter}->{importer}: only {reporter} reports it (latest {values.index[-1]}:"
                f" USD {values.iloc[-1] / 1e6:,.1f} m)"
            )
    return f"{exporter}->{importer}: neither side reports it"


def reporting_basis(reported: pd.DataFrame, pair: tuple[str, str], rule: str) -> str:
    """The basis of the forecast, derived from both sides' reports (``reported_history``) and the rule.

    Examples
    --------
    >>> f = pd.DataFrame({"reporter": ["KAZ", "PAK"], "partner": ["PAK", "KAZ"], "flow": ["export", "import"],
    ...     "year": 2024, "value_usd": [10e6, 12e6], "source": "x", "basis": "", "commodity": "TOTAL"})
    >>> print(reporting_basis(f, ("KAZ", "PAK"), "importer"))  # doctest: +NORMALIZE_WHITESPACE
    Mirror rule 'importer': each direction is valued by the importer's report (CIF); where the
    importer did not report, by the exporter's FOB report raised by the CIF/FOB margin. KAZ->PAK
    in 2024: KAZ reported exports of USD 10.0 m, PAK imports of USD 12.0 m (importer/exporter 1.20);
    PAK->KAZ: neither side reports it. Both sides' figures are kept in the history.
    """
    a, b = pair
    directions = "; ".join(_latest_reports(reported, e, i) for e, i in ((a, b), (b, a)))
    return f"Mirror rule '{rule}': {RULE_WORDS[rule]}. {directions}. Both sides' figures are kept in the history."
