"""What a user's own panel needs for its gravity model and GE: covariates and domestic sales.

Given only flows (the usual case: a BACI, Comtrade or tidy extract), the outlook builds the
rest itself and says what it assumed:

* **Geography** of every pair of the panel's countries, from the bundled GeoDist-derived
  tables (:mod:`forecasting.projection.geography`): distance, contiguity, common official
  language and landlocked status. Aggregates (WLD, EUN, ...) are not countries and are left
  out of the gravity sample and the GE; countries the tables do not list are left out of the
  gravity sample (a recorded fall-back) but stay in the GE.
* **Policy covariates** when the user gives them, as a ``covariates=`` table (``exporter,
  importer, year``, optionally ``commodity``, with ``rta`` and ``ln_tariff`` or
  ``tariff_pct``) or as columns of the same names on the flows table (one value per pair
  and year). User columns named like the geography ones (``dist_km``, ``ln_dist``,
  ``contig``, ``comlang``) replace the bundled values.
* **Domestic sales** for the GE base year: from ``production=`` (gross output by ``country,
  commodity, year``) where given; otherwise, and for the countries and commodities it does
  not cover, the documented approximation of :func:`approximate_production`, recorded as a
  fall-back.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from forecasting.data.bundled import load_country_facts
from forecasting.data.readers import read_reference_table
from forecasting.errors import SchemaError, describe_items
from forecasting.projection.geography import is_aggregate, pair_geography
from forecasting.projection.settings import Fallback
from forecasting.schema import require_columns

logger = logging.getLogger(__name__)

__all__ = [
    "COVARIATE_COLUMNS",
    "GDP_APPROXIMATION",
    "PanelInputs",
    "approximate_production",
    "covariates_from_flows",
    "normalise_covariates",
    "panel_inputs",
    "read_table_argument",
]

POLICY_COLUMNS = ("rta", "ln_tariff", "tariff_pct")
GEOGRAPHY_OVERRIDES = ("dist_km", "ln_dist", "contig", "comlang")
#: Covariate columns a user may give (anything else in their table is ignored, with a log line).
COVARIATE_COLUMNS = (*POLICY_COLUMNS, *GEOGRAPHY_OVERRIDES)
#: The approximation of domestic sales without a production table, in words (settings, report).
GDP_APPROXIMATION = (
    "domestic sales of each commodity = its exports x (GDP / the country's total exports in the panel - 1),"
    " floored at zero: every commodity is assumed to sell at home in the same proportion to its exports as"
    " the whole economy's GDP is to its exports"
)
GDP_REFERENCE_YEAR = 2023


@dataclass(frozen=True, eq=False)
class PanelInputs:
    """Covariates, pair geography, production and the fall-backs taken to build them."""

    covariates: pd.DataFrame | None
    geography: pd.DataFrame | None
    production: pd.DataFrame | None
    fallbacks: tuple[Fallback, ...]


def read_table_argument(value: pd.DataFrame | str | Path | None, *, what: str) -> pd.DataFrame | None:
    """A table given as a DataFrame or as a path (CSV, Parquet, Stata, R), read as it is."""
    if value is None or isinstance(value, pd.DataFrame):
        return value
    if isinstance(value, (str, Path)):
        return read_reference_table(value)
    raise TypeError(
        f"{what} must be a DataFrame or the path of a CSV/Parquet file, got {type(value).__name__}"
    )


def _numeric(table: pd.DataFrame, column: str, what: str) -> pd.Series:
    values = pd.to_numeric(table[column], errors="coerce")
    bad = values.isna() & table[column].notna()
    if bad.any():
        raise SchemaError(
            f"{what}: column {column} has non-numbers {describe_items(table.loc[bad, column].astype(str).unique())}"
            f" (rows {describe_items(table.index[bad].tolist())})"
        )
    return values.astype(float)


def normalise_covariates(table: pd.DataFrame, *, what: str = "covariates") -> pd.DataFrame:
    """The user's covariates keyed by ``exporter, importer, year`` (and ``commodity`` when given).

    ``tariff_pct`` (percent ad valorem) becomes ``ln_tariff = ln(1 + tariff_pct / 100)`` and
    ``dist_km`` gives ``ln_dist``, so the CEPII Gravity extract of ``forecasting fetch gravity``
    can be passed as it is; duplicate keys, non-numbers, negative tariffs and non-positive
    distances are errors naming the rows.

    Examples
    --------
    >>> t = pd.DataFrame({"exporter": ["KAZ"], "importer": ["PAK"], "year": [2020], "tariff_pct": [10.0],
    ...                   "source_note": ["x"]})
    >>> normalise_covariates(t).round(4).values.tolist()
    [['KAZ', 'PAK', 2020, 0.0953]]
    """
    require_columns(table, ["exporter", "importer", "year"], what=what)
    keys = ["exporter", "importer", "year", *(["commodity"] if "commodity" in table.columns else [])]
    given = [c for c in COVARIATE_COLUMNS if c in table.columns]
    if not given:
        raise SchemaError(
            f"{what} has none of the covariate columns {describe_items(COVARIATE_COLUMNS)}; columns are"
            f" {describe_items(list(table.columns))}"
        )
    ignored = [c for c in table.columns if c not in (*keys, *given)]
    if ignored:
        logger.info(
            "%s: columns %s are not gravity covariates and are ignored", what, describe_items(ignored)
        )
    out = table[keys].copy()
    out["exporter"], out["importer"] = out["exporter"].astype(str), out["importer"].astype(str)
    out["year"] = _numeric(table, "year", what).astype(int)
    if "commodity" in keys:
        out["commodity"] = out["commodity"].astype(str)
    for column in given:
        out[column] = _numeric(table, column, what)
    if "dist_km" in out.columns:
        if (out["dist_km"] <= 0).any():
            rows = out.index[out["dist_km"] <= 0].tolist()
            raise SchemaError(f"{what}: distances must be positive; rows {describe_items(rows)} are not")
        if "ln_dist" not in out.columns:  # e.g. the CEPII Gravity extract of `forecasting fetch gravity`
            out["ln_dist"] = np.log(out["dist_km"])
    if "tariff_pct" in out.columns:
        if (out["tariff_pct"] < 0).any():
            rows = out.index[out["tariff_pct"] < 0].tolist()
            raise SchemaError(
                f"{what}: negative tariffs on rows {describe_items(rows)}; tariffs are percent ad valorem"
            )
        ln_tariff = np.log1p(out.pop("tariff_pct") / 100)
        out["ln_tariff"] = out["ln_tariff"].fillna(ln_tariff) if "ln_tariff" in out.columns else ln_tariff
    dupes = out.duplicated(keys, keep=False)
    if dupes.any():
        raise SchemaError(
            f"{what}: {int(dupes.sum())} rows share a key ({', '.join(keys)}): rows"
            f" {describe_items(out.index[dupes].tolist())}; keep one row per key"
        )
    return out.reset_index(drop=True)


def covariates_from_flows(flows: pd.DataFrame) -> pd.DataFrame | None:
    """Covariate columns carried on a FLOWS table, one value per exporter, importer and year.

    Each report is turned to the gravity view (an export report: reporter -> partner; an
    import report: partner -> reporter). Values that differ within a pair and year (say by
    commodity) are an error: give them as a ``covariates=`` table with a commodity column.

    Examples
    --------
    >>> f = pd.DataFrame({"reporter": ["KAZ", "PAK"], "partner": ["PAK", "KAZ"], "flow": ["export", "import"],
    ...                   "period": pd.Timestamp("2020-01-01"), "rta": [0, 0]})
    >>> covariates_from_flows(f).values.tolist()
    [['KAZ', 'PAK', 2020, 0.0]]
    """
    given = [c for c in COVARIATE_COLUMNS if c in flows.columns]
    if not given:
        return None
    exports = flows["flow"].astype(str).str.endswith("export").to_numpy()
    view = pd.DataFrame(
        {
            "exporter": np.where(exports, flows["reporter"], flows["partner"]),
            "importer": np.where(exports, flows["partner"], flows["reporter"]),
            "year": pd.to_datetime(flows["period"]).dt.year.to_numpy(),
        }
    )
    for column in given:
        view[column] = _numeric(flows, column, "the flows' covariate columns").to_numpy()
    keys = ["exporter", "importer", "year"]
    spread = view.groupby(keys)[given].nunique(dropna=True)
    varying = spread[(spread > 1).any(axis=1)]
    if len(varying):
        labels = [f"{e}->{i} {y}" for e, i, y in varying.index]
        raise SchemaError(
            f"the covariate columns {describe_items(given)} on the flows differ within {len(labels)} pair-years"
            f" ({describe_items(labels)}); give covariates by commodity as a covariates= table with a"
            " commodity column"
        )
    return normalise_covariates(
        view.groupby(keys, as_index=False)[given].first(), what="the flows' covariate columns"
    )


def _base_gdp(countries: Sequence[str], year: int) -> pd.Series:
    """GDP in ``year`` (USD) of the countries with a bundled figure: WDI 2023 at trend real growth."""
    facts = load_country_facts().set_index("iso3")
    facts = facts[facts.index.isin(countries)]
    growth = (1 + facts["gdp_growth_pct"].astype(float) / 100) ** (year - GDP_REFERENCE_YEAR)
    return facts["gdp_2023_busd"].astype(float) * 1e9 * growth


def approximate_production(
    reconciled: pd.DataFrame, *, year: int, given: pd.DataFrame | None = None
) -> tuple[pd.DataFrame, Fallback | None]:
    """Gross output by country and commodity in ``year``: the user's where given, else approximated.

    Output of commodity ``k`` in country ``c`` is ``X_ck x max(GDP_c / X_c, 1)`` (``X`` its
    exports in the panel), so domestic sales are ``X_ck (GDP_c / X_c - 1)`` floored at zero
    (:data:`GDP_APPROXIMATION`). GDP is the bundled World Bank WDI 2023 figure
    (``country_facts.csv``: the 40 countries of the demo panel) moved to ``year`` at the
    country's trend real growth; a country without a figure gets the median GDP-to-exports
    ratio of those with one. Rows taken from ``given`` keep their values. The fall-back says
    which countries were approximated and how.

    Examples
    --------
    >>> r = pd.DataFrame({"exporter": ["KAZ", "PAK", "KAZ"], "importer": ["PAK", "KAZ", "WLD"],
    ...                   "period": pd.Timestamp("2023-01-01"), "commodity": "coal", "value_usd": [1e9, 2e9, 5e9]})
    >>> out, note = approximate_production(r, year=2023)
    >>> out.set_index("country").output_usd.round(-9).to_dict(), note.step
    ({'KAZ': 262000000000.0, 'PAK': 338000000000.0}, 'GE domestic sales')
    """
    flows = reconciled[
        (reconciled["period"].dt.year == year) & (reconciled["exporter"] != reconciled["importer"])
    ]
    aggregates = set(is_aggregate(set(flows["exporter"]) | set(flows["importer"])))
    flows = flows[~flows["exporter"].isin(aggregates) & ~flows["importer"].isin(aggregates)]
    exports_ck = flows.groupby(["exporter", "commodity"]).value_usd.sum()
    countries = sorted(set(flows["exporter"]) | set(flows["importer"]))
    commodities = sorted(flows["commodity"].unique())
    grid = pd.MultiIndex.from_product([countries, commodities], names=["country", "commodity"])
    exports_ck = exports_ck.rename_axis(["country", "commodity"]).reindex(grid, fill_value=0.0)
    exports_c = exports_ck.groupby(level="country").sum()
    gdp = _base_gdp(countries, year)
    ratio = (gdp / exports_c.reindex(gdp.index)).replace([np.inf, -np.inf], np.nan).dropna()
    no_gdp = sorted(set(countries) - set(ratio.index))
    fill = float(ratio.median()) if len(ratio) else np.nan
    full_ratio = ratio.reindex(countries).fillna(fill)
    approx = exports_ck * np.maximum(
        full_ratio.reindex(exports_ck.index.get_level_values("country")).to_numpy(), 1.0
    )
    table = approx.rename("output_usd").reset_index().assign(year=year, flags="gdp_approximation")
    if given is not None:
        own = given[given["year"] == year][["country", "commodity", "output_usd"]]
        table = table.merge(own, on=["country", "commodity"], how="left", suffixes=("", "_given"))
        has = table["output_usd_given"].notna()
        table.loc[has, "output_usd"] = table.loc[has, "output_usd_given"]
        table.loc[has, "flags"] = ""
        table = table.drop(columns="output_usd_given")
    table = table[["country", "commodity", "year", "output_usd", "flags"]]
    approximated = sorted(table.loc[table["flags"] == "gdp_approximation", "country"].unique())
    if not approximated:
        return table, None
    if np.isnan(fill) and no_gdp:
        raise SchemaError(
            f"no GDP figure for any country of the {year} panel, so domestic sales cannot be approximated;"
            " pass production= (gross output by country, commodity, year)"
        )
    missing = [c for c in no_gdp if c in approximated]
    without = (
        f"; {len(missing)} countries without a bundled GDP figure ({describe_items(missing)}) use the median"
        f" GDP-to-exports ratio of the others ({fill:.1f})"
        if missing
        else ""
    )
    covered = "" if given is None else " the production table does not cover them, so"
    note = Fallback(
        "GE domestic sales",
        f"no measured gross output for {len(approximated)} countries ({describe_items(approximated)});"
        f"{covered} the GE base year {year} uses an approximation",
        f"{GDP_APPROXIMATION}; GDP from the bundled country facts (World Bank WDI 2023, rounded, moved to {year}"
        f" at trend growth){without}; pass production= (gross output by country, commodity, year) for"
        " domestic sales from measured output",
    )
    return table, note


def _gravity_geography(reconciled: pd.DataFrame) -> tuple[pd.DataFrame | None, list[Fallback]]:
    codes = sorted(set(reconciled["exporter"]) | set(reconciled["importer"]))
    aggregates = is_aggregate(codes)
    if aggregates:
        logger.info("aggregates %s are not countries: left out of the gravity sample and the GE", aggregates)
    countries = [c for c in codes if c not in aggregates]
    pairs = pd.MultiIndex.from_product([countries, countries], names=["exporter", "importer"]).to_frame(
        index=False
    )
    geography, unknown = pair_geography(pairs[pairs["exporter"] != pairs["importer"]])
    fallbacks = []
    if unknown:
        fallbacks.append(
            Fallback(
                "gravity sample",
                f"{len(unknown)} countries are not in the bundled geography tables ({describe_items(unknown)}),"
                " so their flows are left out of the gravity estimation (they stay in the GE)",
                "pass covariates= with dist_km, contig and comlang for their pairs to include them",
            )
        )
    return (geography if len(geography) else None), fallbacks


def panel_inputs(
    flows: pd.DataFrame,
    reconciled: pd.DataFrame,
    *,
    covariates: pd.DataFrame | None,
    production: pd.DataFrame | None,
    base_year: int,
) -> PanelInputs:
    """Covariates, pair geography and base-year production for a user's panel (see the module)."""
    tables = [t for t in (covariates_from_flows(flows), covariates) if t is not None]
    if len(tables) == 2:
        raise SchemaError(
            "covariates are given twice, as covariates= and as columns on the flows; give them once"
        )
    chosen = tables[0] if tables else None
    geography, fallbacks = _gravity_geography(reconciled)
    if production is not None:
        require_columns(production, ["country", "commodity", "year", "output_usd"], what="production")
        if not (production["year"] == base_year).any():
            years = sorted(production["year"].unique().tolist())
            raise SchemaError(
                f"production has no rows for the base year {base_year} (it covers {describe_items(years)});"
                " the GE is calibrated on the base year: add its gross output"
            )
    table, note = approximate_production(reconciled, year=base_year, given=production)
    if note is not None:
        fallbacks.append(note)
    return PanelInputs(covariates=chosen, geography=geography, production=table, fallbacks=tuple(fallbacks))
