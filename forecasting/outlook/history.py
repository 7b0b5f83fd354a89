"""Mirror-aware history of one country pair: both sides' reports, never merged.

Kazakhstan and Pakistan report very different values for the same trade (Pakistan's
recorded exports to Kazakhstan were about four times Kazakhstan's recorded imports from
Pakistan in 2023-24). The history table keeps every side's figure with its basis, so the
report can show them together and say which one the forecast uses.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from forecasting.outlook.result import HISTORY_COLUMNS

_MEASURES = {
    # measure in the published-figures file -> (flow from the reporter side's view, exporter)
    "turnover": ("turnover", None),
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


def published_history(figures: pd.DataFrame) -> pd.DataFrame:
    """Published totals (``forecasting/datasets/published_figures.csv``) in the history layout.

    Fiscal-year and partial-year figures keep their own basis label (e.g. "fiscal year
    Jul-Jun FY2023-24"); ``year`` is the calendar year in which the period ends.
    """
    rows = []
    for r in figures.itertuples(index=False):
        measure = str(r.measure)
        side = str(r.reporter_side)
        other = "PAK" if side == "KAZ" else "KAZ"
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
