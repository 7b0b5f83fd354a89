"""Report tables: tidy frames in reader-friendly units, one per file under ``tables/``.

Money is shown in millions of US dollars (columns ending ``_musd``) and shares in percent
(``_pct``). The CSV and Excel files keep full numeric precision, so a number in the report
can be traced to the file; only the HTML view rounds (:mod:`forecasting.report.formatting`).
The first screen's tables are built in :mod:`forecasting.report.headline`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from forecasting.report import headline
from forecasting.report.scenario_text import scenario_shocks

if TYPE_CHECKING:  # annotations only: the notebook kernel need not import the outlook's types
    from forecasting.projection.result import OutlookResult


MUSD = headline.MUSD  # one definition of the report's USD-millions unit

#: What each report table holds (the caption of its Excel notes sheet).
TABLE_DESCRIPTIONS = {
    "summary_turnover": "latest year's turnover as each side reports it, and on the forecast's basis",
    "summary_scenarios": "each scenario's turnover, growth, gain over the status quo and target chances, ranked",
    "summary_goods": "each good's contribution to turnover growth from the base year to the horizon",
    "summary_target": "growth a year needed to reach the target by each headline year",
    "coverage": "years covered by each reported series and published figure",
    "mirror": "each direction of trade as its exporter and its importer reported it",
    "gravity": "PPML gravity coefficients (with the simulator's truth on demonstration data)",
    "ge_effects": "general-equilibrium effects of each scenario by country",
    "forecast_commodity": "forecast by commodity, direction, scenario and year, with 80 and 95 percent bounds",
    "forecast_turnover": "turnover forecast by scenario and year, with 80 and 95 percent bounds",
    "billion_probability": "probability that turnover in a year is at or above the target",
    "first_year": "median first year at the target (numeric) with a note when it is not reached",
    "shipments": "known contracts added to the scenario paths",
    "scenarios": "every shock and known shipment of every scenario, with its source",
    "data_flags": "rows touched by each cleaning step",
    "baseline_backtest": "the pair's own rolling-origin backtest of the baseline against naive and drift",
    "pair_effects": "full effect of each scenario on each of the pair's series (percent)",
    "opening_years": "chance that each corridor has opened by each year, and of no opening by the horizon",
    "billion_drivers": "share of the variance of horizon turnover and of the target chance due to each source",
    "trade_potential": "actual against gravity-predicted flows by commodity group and direction, and the gap",
    "billion_growth": "growth a year needed to reach the target by 2030 and 2035, status quo and best combination",
}


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
    """Latest year's exports, imports and turnover: as each side reports them, and on the forecast's basis.

    The first rows are each reporter's main series (:func:`main_series`); the last row is the
    mirror-reconciled series the forecast starts from (``view`` names the mirror rule), seen
    from the pair's first country.

    Examples
    --------
    >>> from forecasting.projection.pipeline import example_outlook
    >>> turnover_summary(example_outlook())[["reporter", "year"]].values.tolist()
    [['KAZ', 2025], ['PAK', 2025], ['KAZ', 2025]]
    """
    history = main_series(result.history)
    rows = []
    for (reporter, partner), part in history.groupby(["reporter", "partner"], sort=True):
        latest = int(part["year"].max())
        last = part[part["year"] == latest]
        rows.append(
            _turnover_row(reporter, partner, latest, last, f"{reporter}'s reports")
            | {"source": ", ".join(sorted(last["source"].astype(str).unique()))}
        )
    basis = headline.forecast_basis_history(result.history)
    first, second = result.settings.pair
    basis = basis[(basis["reporter"] == first) & (basis["year"] == result.settings.base_year)]
    if len(basis):
        view = f"forecast basis (mirror rule '{result.settings.mirror_rule}')"
        year = result.settings.base_year
        rows.append(_turnover_row(first, second, year, basis, view) | {"source": "mirror-reconciled"})
    columns = [
        "view",
        "reporter",
        "partner",
        "year",
        "exports_musd",
        "imports_musd",
        "turnover_musd",
        "source",
    ]
    return pd.DataFrame(rows, columns=columns)


def _turnover_row(reporter: str, partner: str, year: int, rows: pd.DataFrame, view: str) -> dict[str, object]:
    exports = float(rows.loc[rows["flow"] == "export", "value_usd"].sum())
    imports = float(rows.loc[rows["flow"] == "import", "value_usd"].sum())
    return {
        "view": view,
        "reporter": reporter,
        "partner": partner,
        "year": year,
        "exports_musd": to_musd(exports),
        "imports_musd": to_musd(imports),
        "turnover_musd": to_musd(exports + imports),
    }


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


def report_tables(result: OutlookResult) -> dict[str, pd.DataFrame]:
    """Every table the report shows, by file name (the first screen's tables first).

    Examples
    --------
    >>> from forecasting.projection.pipeline import example_outlook
    >>> list(report_tables(example_outlook()))[:4]
    ['summary_turnover', 'summary_scenarios', 'summary_goods', 'summary_target']
    """
    coefficients = result.coefficients.copy()
    if "model" not in coefficients.columns:
        coefficients.insert(0, "model", "gravity")
    billion = result.billion.assign(probability_pct=100.0 * result.billion["probability"]).drop(
        columns="probability"
    )
    first = result.first_year
    reached = first["median_year"].notna()
    first_year = pd.DataFrame(
        {
            "scenario": first["scenario"],
            "first_year": first["median_year"].round().astype("Int64"),
            "first_year_note": np.where(reached, "", first["label"].astype(str)),
            "probability_by_horizon_pct": 100.0 * first["probability_by_horizon"],
        }
    )
    shipments = result.shipments.assign(value_musd=to_musd(result.shipments["value_usd"])).drop(
        columns="value_usd"
    )
    flags = result.flags.assign(
        share_pct=100.0 * result.flags["share"], value_musd=to_musd(result.flags["value_usd"])
    )
    backtest = result.baseline_backtest.assign(
        coverage80_pct=100.0 * result.baseline_backtest["coverage_80"],
        coverage95_pct=100.0 * result.baseline_backtest["coverage_95"],
    ).drop(columns=["coverage_80", "coverage_95"])
    effects = result.pair_effects.rename(columns={"lower_95": "lower95_pct", "upper_95": "upper95_pct"})
    named = {
        "summary_turnover": turnover_summary(result),
        "summary_scenarios": headline.scenario_summary(result),
        "summary_goods": headline.growth_contributions(result),
        "summary_target": headline.target_growth(result),
        "coverage": coverage_table(result.history),
        "mirror": mirror_table(result.history),
        "gravity": coefficients,
        "ge_effects": result.ge_country.copy(),
        "forecast_commodity": forecast_table(result.forecast, ("reporter", "partner", "flow", "commodity")),
        "forecast_turnover": forecast_table(result.turnover, ("reporter", "partner")),
        "billion_probability": billion,
        "first_year": first_year,
        "shipments": shipments,
        "scenarios": scenario_shocks(result.scenarios),
        "data_flags": flags.drop(columns=["share", "value_usd"]),
        "baseline_backtest": backtest,
        "pair_effects": effects,
    }
    # Outlook tables shown above under another name; any other outlook table is published as it is.
    shown = {"forecast", "turnover", "billion", "history", "coefficients", "ge_country", "flags"}
    extra = {
        name: table
        for name, table in result.tables().items()
        if name not in shown and name not in named and len(table.columns)
    }
    return named | extra
