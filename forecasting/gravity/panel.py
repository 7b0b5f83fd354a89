"""Build gravity panels: square them, add intra-national flows, policy lags, border dummies, distance.

Each step takes and returns a long frame with ``exporter``, ``importer``, ``year`` (and
optionally ``commodity``), never drops a row, and records what it filled in the ``flags``
column (``zero_filled``, ``intranational``).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from forecasting.classify.countries import EARTH_RADIUS_KM, great_circle_km  # noqa: F401 - re-exported
from forecasting.errors import SchemaError, describe_items
from forecasting.schema import add_flag, require_columns

logger = logging.getLogger(__name__)


def _keys(frame: pd.DataFrame) -> list[str]:
    return ["exporter", "importer", "year"] + (["commodity"] if "commodity" in frame.columns else [])


def _require(frame: pd.DataFrame, columns: Iterable[str], what: str) -> None:
    require_columns(frame, columns, what=f"the input of {what}")


def square_panel(
    flows: pd.DataFrame,
    *,
    countries: Sequence[str] | None = None,
    years: Sequence[int] | None = None,
    value: str = "value_usd",
    domestic: bool = False,
) -> pd.DataFrame:
    """Every exporter x importer x year (x commodity) combination, absent flows as zeros.

    PPML needs the zeros: a pair that did not trade is information, not a missing row.
    Filled rows get ``value = 0`` and the flag ``zero_filled``; other columns of filled rows
    are missing (merge covariates afterwards). ``domestic=True`` keeps exporter == importer.

    Examples
    --------
    >>> import pandas as pd
    >>> flows = pd.DataFrame({"exporter": ["KAZ"], "importer": ["PAK"], "year": [2020], "value_usd": [5.0]})
    >>> square_panel(flows)[["exporter", "importer", "value_usd", "flags"]].values.tolist()
    [['KAZ', 'PAK', 5.0, ''], ['PAK', 'KAZ', 0.0, 'zero_filled']]
    """
    keys = _keys(flows)
    _require(flows, [*keys, value], "square_panel")
    dupes = flows.duplicated(keys, keep=False)
    if dupes.any():
        raise SchemaError(
            f"{int(dupes.sum())} rows share a key ({', '.join(keys)}): rows {describe_items(flows.index[dupes].tolist())};"
            " aggregate them first"
        )
    names = sorted(
        set(countries) if countries is not None else set(flows["exporter"]) | set(flows["importer"])
    )
    all_years = sorted(set(years) if years is not None else set(flows["year"]))
    grid = pd.MultiIndex.from_product(
        [names, names, all_years] + ([sorted(flows["commodity"].unique())] if "commodity" in keys else []),
        names=keys,
    ).to_frame(index=False)
    if not domestic:
        grid = grid[grid["exporter"] != grid["importer"]]
    outside = flows.merge(grid[keys], on=keys, how="left", indicator=True)["_merge"] == "left_only"
    if outside.any():
        raise SchemaError(
            f"{int(outside.sum())} flows fall outside the requested countries/years (rows"
            f" {describe_items(flows.index[outside.to_numpy()].tolist())}); widen countries= or years="
        )
    out = grid.merge(flows, on=keys, how="left", indicator=True)
    filled = (out.pop("_merge") == "left_only").to_numpy()
    out[value] = out[value].where(~filled, 0.0)
    flags = out["flags"] if "flags" in out.columns else pd.Series("", index=out.index)
    out["flags"] = add_flag(flags, "zero_filled", filled)
    logger.debug("square_panel filled %d zero flows", int(filled.sum()))
    return out.reset_index(drop=True)


def add_intranational(
    panel: pd.DataFrame, production: pd.DataFrame, *, value: str = "value_usd", output: str = "production_usd"
) -> pd.DataFrame:
    """Add exporter == importer rows: domestic sales = production - exports to other countries.

    ``production`` has ``country``, ``year`` (and ``commodity`` if the panel has it) and the
    gross output column ``output`` in the same units as the flows. Intra-national flows let
    structural gravity identify border effects and non-discriminatory policies (Yotov et al.
    2016, ch. 1). Countries whose exports exceed their output raise an error naming them.

    Examples
    --------
    >>> import pandas as pd
    >>> panel = pd.DataFrame({"exporter": ["KAZ", "PAK"], "importer": ["PAK", "KAZ"],
    ...                       "year": [2020, 2020], "value_usd": [5.0, 2.0]})
    >>> prod = pd.DataFrame({"country": ["KAZ", "PAK"], "year": [2020, 2020], "production_usd": [50.0, 40.0]})
    >>> add_intranational(panel, prod).query("exporter == importer")["value_usd"].tolist()
    [45.0, 38.0]
    """
    keys = _keys(panel)
    extra = keys[3:]
    _require(production, ["country", "year", *extra, output], "add_intranational production")
    already = panel["exporter"] == panel["importer"]
    if already.any():
        raise SchemaError(
            f"the panel already has {int(already.sum())} intra-national rows (rows"
            f" {describe_items(panel.index[already].tolist())}); remove them or skip add_intranational"
        )
    abroad = panel
    exports = abroad.groupby(["exporter", "year", *extra], as_index=False)[value].sum()
    merged = production.rename(columns={"country": "exporter"}).merge(
        exports, on=["exporter", "year", *extra], how="left"
    )
    merged[value] = merged[output] - merged[value].fillna(0.0)
    negative = merged[value] < 0
    if negative.any():
        bad = (merged.loc[negative, "exporter"] + " " + merged.loc[negative, "year"].astype(str)).tolist()
        raise SchemaError(
            f"exports exceed production for {describe_items(bad)}; check units (production and flows must"
            " both be gross values in the same currency unit)"
        )
    domestic = merged.assign(importer=merged["exporter"])[[*keys, value]]
    domestic["flags"] = "intranational"
    return (
        pd.concat([panel, domestic], ignore_index=True)
        .sort_values(keys, kind="stable")
        .reset_index(drop=True)
    )


def add_lags_leads(
    panel: pd.DataFrame, columns: Sequence[str], *, lags: Sequence[int] = (), leads: Sequence[int] = ()
) -> pd.DataFrame:
    """Add ``{col}_lag{k}`` / ``{col}_lead{k}``: the pair's value k *years* earlier / later.

    Shifts are by calendar years, not rows, so a panel sampled every four years gets
    ``rta_lag4`` as in Yotov et al. (2016); a year absent from the panel gives a missing value.

    Examples
    --------
    >>> import pandas as pd
    >>> p = pd.DataFrame({"exporter": "KAZ", "importer": "PAK", "year": [2000, 2004, 2008], "rta": [0, 1, 1]})
    >>> add_lags_leads(p, ["rta"], lags=[4], leads=[4])[["rta_lag4", "rta_lead4"]].values.tolist()
    [[nan, 1.0], [0.0, 1.0], [1.0, nan]]
    """
    keys = _keys(panel)
    _require(panel, [*keys, *columns], "add_lags_leads")
    out = panel.copy()
    for shift, suffix in [*((k, f"lag{k}") for k in lags), *((-k, f"lead{k}") for k in leads)]:
        moved = panel[[*keys, *columns]].assign(year=panel["year"] + shift)
        moved = moved.rename(columns={c: f"{c}_{suffix}" for c in columns})
        out = out.merge(moved, on=keys, how="left")
    return out


def border_year_dummies(
    panel: pd.DataFrame, *, reference_year: int | None = None, prefix: str = "intl_brdr"
) -> pd.DataFrame:
    """Add ``{prefix}_{year}`` = 1 for international flows in that year (globalisation dummies).

    The first year (or ``reference_year``) is left out as the base. Needs intra-national
    rows to be identified alongside exporter-year and importer-year effects.

    Examples
    --------
    >>> import pandas as pd
    >>> p = pd.DataFrame({"exporter": ["A", "A", "A"], "importer": ["A", "B", "B"], "year": [2000, 2000, 2004]})
    >>> border_year_dummies(p)["intl_brdr_2004"].tolist()
    [0, 0, 1]
    """
    _require(panel, ["exporter", "importer", "year"], "border_year_dummies")
    years = sorted(panel["year"].unique())
    base = years[0] if reference_year is None else reference_year
    if base not in years:
        raise SchemaError(f"reference_year={base} is not in the panel's years {describe_items(years)}")
    international = (panel["exporter"] != panel["importer"]).to_numpy()
    out = panel.copy()
    for year in years:
        if year != base:
            out[f"{prefix}_{year}"] = (international & (panel["year"] == year).to_numpy()).astype(int)
    return out


def add_distance(
    panel: pd.DataFrame, *, geodist: pd.DataFrame | None = None, capitals: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Add ``dist_km``, ``ln_dist`` (and ``contig``, ``comlang`` from GeoDist) to a panel.

    ``geodist`` is CEPII GeoDist's ``dist_cepii`` table (``iso_o``, ``iso_d``, ``distw`` or
    ``dist``, ``contig``, ``comlang_off``); ``capitals`` has ``iso3``, ``lat``, ``lon`` and gives
    great-circle distances between capitals (domestic rows then get NaN: use GeoDist's
    internal distances for intra-national flows). Pairs not found raise an error naming them.
    """
    if (geodist is None) == (capitals is None):
        raise ValueError("give exactly one of geodist= (CEPII table) or capitals= (iso3, lat, lon)")
    out = panel.copy()
    if geodist is not None:
        distance = "distw" if "distw" in geodist.columns else "dist"
        _require(geodist, ["iso_o", "iso_d", distance], "add_distance geodist")
        table = geodist.rename(columns={"iso_o": "exporter", "iso_d": "importer", distance: "dist_km"})
        table = table.rename(columns={"comlang_off": "comlang"})
        # GeoDist files mark unknown values with "."; read them as missing, reported below.
        table["dist_km"] = pd.to_numeric(table["dist_km"], errors="coerce")
        keep = ["exporter", "importer", "dist_km", *[c for c in ("contig", "comlang") if c in table.columns]]
        out = out.drop(columns=[c for c in keep[2:] if c in out.columns]).merge(
            table[keep], on=["exporter", "importer"], how="left"
        )
        unmatched = out["dist_km"].isna()
    else:
        _require(capitals, ["iso3", "lat", "lon"], "add_distance capitals")
        where = capitals.set_index("iso3")[["lat", "lon"]]
        origin = where.reindex(out["exporter"]).to_numpy()
        dest = where.reindex(out["importer"]).to_numpy()
        out["dist_km"] = great_circle_km(origin[:, 0], origin[:, 1], dest[:, 0], dest[:, 1])
        unmatched = out["dist_km"].isna() & (out["exporter"] != out["importer"])
        out.loc[out["exporter"] == out["importer"], "dist_km"] = np.nan
    if unmatched.any():
        pairs = sorted(set((out.loc[unmatched, "exporter"] + "-" + out.loc[unmatched, "importer"]).tolist()))
        raise SchemaError(
            f"no distance for {len(pairs)} pairs: {describe_items(pairs)}; check the country codes"
            " (GeoDist uses old CEPII codes such as ROM, ZAR) or add them to the table"
        )
    with np.errstate(divide="ignore"):
        out["ln_dist"] = np.log(out["dist_km"])
    return out
