"""Report tables: tidy frames in reader-friendly units, and their CSV / Excel / HTML forms.

Money is shown in millions of US dollars (columns ending ``_musd``) and shares in percent
(``_pct``). The CSV and Excel files keep full numeric precision, so a number in the report
can be traced to the file; only the HTML view rounds.
"""

from __future__ import annotations

import html
import json
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from forecasting.errors import SchemaError
from forecasting.files import atomic_write

if TYPE_CHECKING:  # annotations only: the notebook kernel need not import the outlook's types
    from forecasting.projection.result import OutlookResult
    from forecasting.scenarios import Scenario


MUSD = 1e6

# Which flow of the partner mirrors which flow of the reporter.
_MIRROR_FLOW = {"export": "import", "import": "export"}


def to_musd(values: pd.Series | float) -> pd.Series | float:
    """Convert US dollars to millions of US dollars.

    Examples
    --------
    >>> to_musd(1_250_000_000.0)
    1250.0
    """
    return values / MUSD


def main_series(history: pd.DataFrame) -> pd.DataFrame:
    """Each reporter's continuous export/import series: the source covering the most years.

    History can also carry one-off published figures (press releases, partial years, a
    ``turnover`` flow; their ``basis`` starts with "published"); adding those to the customs
    series would count trade twice, and a press figure is not the user's data, so totals and
    mirror comparisons use only the customs series and the coverage table lists the rest.

    Examples
    --------
    >>> import pandas as pd
    >>> h = pd.DataFrame({"reporter": "KAZ", "partner": "PAK", "flow": ["export"] * 3,
    ...                   "year": [2023, 2024, 2024], "value_usd": [1.0, 2.0, 9.0],
    ...                   "source": ["customs", "customs", "press"], "basis": "FOB"})
    >>> main_series(h)["value_usd"].tolist()
    [1.0, 2.0]
    """
    flows = history[history["flow"].isin(["export", "import"]) & history["value_usd"].notna()]
    if "basis" in flows.columns:  # published figures never stand in for the data's own latest year
        flows = flows[~flows["basis"].astype(str).str.startswith("published")]
    if "commodity" in flows.columns:  # totals only: commodity rows would count trade twice
        flows = flows[flows["commodity"].isna() | (flows["commodity"] == "TOTAL")]
    years = flows.groupby(["reporter", "source"])["year"].nunique().reset_index(name="n_years")
    best = years.sort_values(["reporter", "n_years", "source"], ascending=[True, False, True])
    best = best.drop_duplicates("reporter")[["reporter", "source"]]
    return flows.merge(best, on=["reporter", "source"]).reset_index(drop=True)


def turnover_summary(result: OutlookResult) -> pd.DataFrame:
    """Exports, imports and turnover in the latest year of each reporter's main series (both sides).

    Examples
    --------
    >>> from forecasting.projection.pipeline import example_outlook
    >>> turnover_summary(example_outlook())[["reporter", "year"]].values.tolist()
    [['KAZ', 2025], ['PAK', 2025]]
    """
    history = main_series(result.history)
    rows = []
    for (reporter, partner), part in history.groupby(["reporter", "partner"], sort=True):
        latest = int(part["year"].max())
        last = part[part["year"] == latest]
        exports = float(last.loc[last["flow"] == "export", "value_usd"].sum())
        imports = float(last.loc[last["flow"] == "import", "value_usd"].sum())
        rows.append(
            {
                "reporter": reporter,
                "partner": partner,
                "year": latest,
                "exports_musd": to_musd(exports),
                "imports_musd": to_musd(imports),
                "turnover_musd": to_musd(exports + imports),
                "source": ", ".join(sorted(last["source"].astype(str).unique())),
            }
        )
    return pd.DataFrame(
        rows,
        columns=["reporter", "partner", "year", "exports_musd", "imports_musd", "turnover_musd", "source"],
    )


def billion_summary(result: OutlookResult, *, years: tuple[int, ...] = (2030, 2035)) -> pd.DataFrame:
    """Per scenario: median first year at the target, probability in given years, horizon turnover.

    The horizon turnover (mean and 80 percent band) is the pair's forecast turnover, on the
    basis the settings state (``settings.reporting_basis``: one value per direction by the
    mirror rule). The probabilities are those of the ``billion`` table: the chance that
    turnover in that year is at or above the target. A year outside the forecast gives a
    missing value.

    Examples
    --------
    >>> from forecasting.projection.pipeline import example_outlook
    >>> table = billion_summary(example_outlook(), years=(2030,))
    >>> list(table.columns)
    ['scenario', 'first_year', 'prob_2030_pct', 'prob_by_horizon_pct', 'turnover_2035_musd', 'lower80_musd', 'upper80_musd']
    """
    by_year = result.billion.pivot_table(
        index="scenario", columns="year", values="probability", aggfunc="first"
    )
    turnover = result.turnover.assign(year=result.turnover["period"].dt.year)
    last_year = result.settings.horizon
    # Turnover rows are keyed by the pair in sorted order (one row per pair, scenario, year).
    low, high = sorted(result.settings.pair)
    mine = turnover[(turnover["reporter"] == low) & (turnover["partner"] == high)]
    if mine.empty:
        raise SchemaError(f"the turnover table has no rows for the pair {low}-{high} of the settings")
    at_horizon = mine[(mine["year"] == last_year) & (mine["level"] == 80)].set_index("scenario")
    rows = []
    for record in result.first_year.itertuples(index=False):
        row: dict[str, object] = {"scenario": record.scenario, "first_year": str(record.label)}
        for year in years:
            value = by_year.at[record.scenario, year] if year in by_year.columns else np.nan
            row[f"prob_{year}_pct"] = 100.0 * float(value) if pd.notna(value) else np.nan
        row["prob_by_horizon_pct"] = 100.0 * float(record.probability_by_horizon)
        if record.scenario in at_horizon.index:
            row[f"turnover_{last_year}_musd"] = to_musd(float(at_horizon.at[record.scenario, "mean"]))
            row["lower80_musd"] = to_musd(float(at_horizon.at[record.scenario, "lower"]))
            row["upper80_musd"] = to_musd(float(at_horizon.at[record.scenario, "upper"]))
        rows.append(row)
    return pd.DataFrame(rows)


def coverage_table(history: pd.DataFrame) -> pd.DataFrame:
    """Years covered by each reported series, with the years missing inside the span.

    Examples
    --------
    >>> import pandas as pd
    >>> h = pd.DataFrame({"reporter": "KAZ", "partner": "PAK", "flow": "export", "year": [2019, 2021],
    ...                   "value_usd": 1.0, "source": "x", "basis": "FOB"})
    >>> coverage_table(h)["missing_years"].tolist()
    ['2020']
    """
    rows = []
    keys = ["reporter", "partner", "flow", "source", "basis"]
    for key, part in history.groupby(keys, sort=True):
        years = sorted(int(y) for y in part.loc[part["value_usd"].notna(), "year"].unique())
        gaps = sorted(set(range(years[0], years[-1] + 1)) - set(years)) if years else []
        rows.append(
            dict(zip(keys, key, strict=True))
            | {
                "first_year": years[0] if years else pd.NA,
                "last_year": years[-1] if years else pd.NA,
                "years": len(years),
                "missing_years": ", ".join(map(str, gaps)),
            }
        )
    return pd.DataFrame(
        rows,
        columns=[
            "reporter",
            "partner",
            "flow",
            "source",
            "basis",
            "first_year",
            "last_year",
            "years",
            "missing_years",
        ],
    )


def mirror_table(history: pd.DataFrame) -> pd.DataFrame:
    """Each direction of trade as its exporter and its importer reported it (main series), and the gap.

    ``ratio`` is importer-reported over exporter-reported value; CIF/FOB margins alone put
    it a little above 1, so values far from 1 point at misreporting or coverage differences.

    Examples
    --------
    >>> from forecasting.projection.pipeline import example_outlook
    >>> sorted(mirror_table(example_outlook().history)["direction"].unique())
    ['KAZ → PAK', 'PAK → KAZ']
    """
    history = main_series(history)
    exports = history[history["flow"] == "export"]
    imports = history[history["flow"] == "import"]
    merged = exports.merge(
        imports,
        left_on=["reporter", "partner", "year"],
        right_on=["partner", "reporter", "year"],
        how="outer",
        suffixes=("_exp", "_imp"),
    )
    exporter = merged["reporter_exp"].fillna(merged["partner_imp"])
    importer = merged["partner_exp"].fillna(merged["reporter_imp"])
    table = pd.DataFrame(
        {
            "year": merged["year"].astype("int64"),
            "direction": exporter + " → " + importer,
            "exporter_reported_musd": to_musd(merged["value_usd_exp"]),
            "importer_reported_musd": to_musd(merged["value_usd_imp"]),
        }
    )
    table["gap_musd"] = table["importer_reported_musd"] - table["exporter_reported_musd"]
    table["ratio"] = table["importer_reported_musd"] / table["exporter_reported_musd"].replace(0.0, np.nan)
    return table.sort_values(["direction", "year"]).reset_index(drop=True)


GE_HEADLINE_MEASURES = ("real_gdp", "welfare", "real_income", "exports", "imports")


def ge_focus(
    ge: pd.DataFrame, *, pair: tuple[str, ...] = (), max_countries: int = 10, max_measures: int = 2
) -> tuple[list[str], list[str]]:
    """Countries and measures worth showing: the pair, then the countries most affected.

    Headline measures come first (real GDP or welfare, then exports and imports); countries
    are ranked by their largest absolute change in the first chosen measure over all scenarios.

    Examples
    --------
    >>> from forecasting.projection.pipeline import example_outlook
    >>> countries, measures = ge_focus(example_outlook().ge_country, pair=("KAZ", "PAK"), max_countries=4)
    >>> countries[:2], measures
    (['KAZ', 'PAK'], ['real_gdp', 'exports'])
    """
    present = list(dict.fromkeys(ge["measure"]))
    measures = [m for m in GE_HEADLINE_MEASURES if m in present] + [
        m for m in present if m not in GE_HEADLINE_MEASURES
    ]
    measures = measures[:max_measures]
    if not measures:
        return [], []
    first = ge[ge["measure"] == measures[0]]
    size = (
        first.assign(size=first["change_pct"].abs())
        .groupby("country")["size"]
        .max()
        .sort_values(ascending=False)
    )
    chosen = [c for c in pair if c in set(ge["country"])]
    chosen += [c for c in size.index if c not in chosen]
    return chosen[:max_countries], measures


def forecast_table(forecast: pd.DataFrame, keys: tuple[str, ...]) -> pd.DataFrame:
    """Wide forecast table: one row per series, scenario and year, with 80 and 95 percent bounds.

    Examples
    --------
    >>> from forecasting.projection.pipeline import example_outlook
    >>> t = forecast_table(example_outlook().turnover, ("reporter", "partner"))
    >>> [c for c in t.columns if c.endswith("_musd")]
    ['mean_musd', 'lower80_musd', 'upper80_musd', 'lower95_musd', 'upper95_musd']
    """
    frame = forecast.assign(year=forecast["period"].dt.year.astype("int64"))
    index = ["scenario", *keys, "model", "year"]
    mean = frame.groupby(index, sort=False)["mean"].first().rename("mean_musd")
    parts = [to_musd(mean)]
    for level in sorted(frame["level"].unique()):
        band = frame[frame["level"] == level].set_index(index)[["lower", "upper"]]
        parts.append(to_musd(band.rename(columns=lambda c, lv=level: f"{c}{lv}_musd")))
    return pd.concat(parts, axis=1).reset_index()


def scenario_table(scenarios: Mapping[str, Scenario]) -> pd.DataFrame:
    """Scenario definitions flattened to ``scenario, setting, value`` (values as JSON text).

    Examples
    --------
    >>> from forecasting.scenarios import builtin_corridors
    >>> table = scenario_table({"rail": builtin_corridors()["trans_afghan_railway"]})
    >>> table.query("setting == 'start_year'").values.tolist()
    [['rail', 'start_year', '2026']]
    """
    rows = [
        (name, key, value if isinstance(value, str) else json.dumps(value, default=str, ensure_ascii=False))
        for name, scenario in scenarios.items()
        for key, value in scenario.to_dict().items()
    ]
    return pd.DataFrame(rows, columns=["scenario", "setting", "value"])


def report_tables(result: OutlookResult) -> dict[str, pd.DataFrame]:
    """Every table the report shows, by file name.

    Examples
    --------
    >>> from forecasting.projection.pipeline import example_outlook
    >>> sorted(report_tables(example_outlook()))[:4]
    ['baseline_backtest', 'billion_probability', 'coverage', 'data_flags']
    """
    coefficients = result.coefficients.copy()
    if "model" not in coefficients.columns:
        coefficients.insert(0, "model", "gravity")
    ge = result.ge_country.copy()
    billion = result.billion.assign(probability_pct=100.0 * result.billion["probability"]).drop(
        columns="probability"
    )
    first_year = result.first_year.assign(
        probability_by_horizon_pct=100.0 * result.first_year["probability_by_horizon"]
    ).drop(columns="probability_by_horizon")
    shipments = result.shipments.assign(value_musd=to_musd(result.shipments["value_usd"])).drop(
        columns="value_usd"
    )
    flags = result.flags.assign(share_pct=100.0 * result.flags["share"]).drop(columns="share")
    named = {
        "summary_turnover": turnover_summary(result),
        "summary_billion": billion_summary(result, years=_headline_years(result)),
        "coverage": coverage_table(result.history),
        "mirror": mirror_table(result.history),
        "gravity": coefficients,
        "ge_effects": ge,
        "forecast_commodity": forecast_table(result.forecast, ("reporter", "partner", "flow", "commodity")),
        "forecast_turnover": forecast_table(result.turnover, ("reporter", "partner")),
        "billion_probability": billion,
        "first_year": first_year,
        "shipments": shipments,
        "scenarios": scenario_table(result.scenarios),
        "data_flags": flags,
    }
    # Outlook tables shown above under another name; any other outlook table is published as it is.
    known = {
        "forecast",
        "turnover",
        "billion",
        "first_year",
        "history",
        "coefficients",
        "ge_country",
        "shipments",
        "flags",
    }
    extra = {
        name: table
        for name, table in result.tables().items()
        if name not in known and name not in named and len(table.columns)
    }
    return named | extra


def _headline_years(result: OutlookResult) -> tuple[int, ...]:
    horizon = result.settings.horizon
    return tuple(sorted({min(2030, horizon), horizon}))


def write_table(table: pd.DataFrame, directory: Path, name: str) -> tuple[Path, Path]:
    """Write ``table`` as ``directory/name.csv`` and ``directory/name.xlsx``, each atomically."""
    csv_path = atomic_write(directory / f"{name}.csv", lambda p: table.to_csv(p, index=False))

    def excel(path: Path) -> None:
        with pd.ExcelWriter(path, engine="openpyxl") as writer:
            table.to_excel(writer, sheet_name=name[:31], index=False)

    xlsx_path = atomic_write(directory / f"{name}.xlsx", excel)
    return csv_path, xlsx_path


def _format_cell(column: str, value: object) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return "–"
    if isinstance(value, (float, np.floating)):
        if column == "year" or column.endswith("_year"):  # CSV reads integer years with gaps as float
            return str(int(value)) if float(value).is_integer() else f"{value:g}"
        if column.endswith("_musd"):
            return f"{value:,.1f}"
        if column.endswith("_pct"):
            return f"{value:.1f}" if abs(value) >= 1 else f"{value:.2f}"
        if column == "p_value":
            return "&lt;0.001" if value < 0.001 else f"{value:.3f}"
        return f"{value:,.3f}"
    return html.escape(str(value))


def table_html(table: pd.DataFrame, *, caption: str = "", max_rows: int | None = None) -> str:
    """An HTML ``<table>`` with numbers formatted by their unit suffix (no styling inline).

    Examples
    --------
    >>> import pandas as pd
    >>> out = table_html(pd.DataFrame({"value_musd": [1234.5]}), caption="Demo")
    >>> "1,234.5" in out and out.startswith("<table")
    True
    """
    shown = table if max_rows is None else table.head(max_rows)
    head = "".join(f"<th>{html.escape(_pretty(c))}</th>" for c in shown.columns)
    body = "".join(
        "<tr>"
        + "".join(f"<td>{_format_cell(c, v)}</td>" for c, v in zip(shown.columns, row, strict=True))
        + "</tr>"
        for row in shown.itertuples(index=False)
    )
    note = ""
    if max_rows is not None and len(table) > max_rows:
        note = (
            f"<p class='note'>First {max_rows} of {len(table)} rows; the full table is in the CSV file.</p>"
        )
    cap = f"<caption>{html.escape(caption)}</caption>" if caption else ""
    return (
        f"<table class='report-table'>{cap}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>{note}"
    )


def _pretty(column: str) -> str:
    for suffix, unit in (("_musd", " (USD m)"), ("_pct", " (%)")):
        if column.endswith(suffix):
            return column[: -len(suffix)].replace("_", " ") + unit
    return column.replace("_", " ")
