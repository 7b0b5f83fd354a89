"""Bundled country geography for a user's panel: distance, contiguity, common language, landlocked.

A user's own trade panel rarely comes with gravity covariates, so the outlook builds them
from two small tables bundled in ``forecasting/datasets/``, both derived from CEPII's
GeoDist database (Mayer & Zignago 2011, CEPII Working Paper 2011-25; Etalab Open Licence
2.0, which allows redistribution of derived data with attribution):

``country_geography.csv``
    One row per country (225, current ISO3 codes): name, the latitude and longitude of
    its main city, landlocked status, area and GeoDist's internal distance.
``country_pairs.csv``
    The unordered pairs (``iso_a < iso_b``) that share a border (``contig``) or an
    official language (``comlang_off``); every other pair has neither.

The distance of a pair is the great-circle distance between the two main cities, which is
how GeoDist defines its ``dist`` column (it is reproduced to within 0.1 %: the two use
slightly different Earth radii, a constant factor that only shifts a gravity constant).
GeoDist's population-weighted ``distw`` is missing for about 2,000 pairs and is not used.
:func:`derive_geography` rebuilds both tables from the GeoDist files
(``scripts/build_country_geography.py`` writes them); a reference test checks the bundled
copies against it.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from forecasting.classify.countries import AGGREGATES, great_circle_km
from forecasting.data.bundled import bundled_path
from forecasting.data.readers import read_geodist
from forecasting.schema import require_columns

__all__ = [
    "GEOGRAPHY_COLUMNS",
    "PAIR_GEOGRAPHY_COLUMNS",
    "derive_geography",
    "load_geography",
    "pair_geography",
]

GEOGRAPHY_COLUMNS = ("iso3", "name", "lat", "lon", "landlocked", "area_km2", "internal_dist_km", "continent")
PAIR_COLUMNS = ("iso_a", "iso_b", "contig", "comlang_off")
#: What :func:`pair_geography` adds to each ordered pair.
PAIR_GEOGRAPHY_COLUMNS = ("dist_km", "ln_dist", "contig", "comlang", "landlocked_exp", "landlocked_imp")


def derive_geography(geo_cepii: str | Path, dist_cepii: str | Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The two bundled tables, rebuilt from GeoDist's ``geo_cepii.csv`` and ``dist_cepii.csv``.

    Old CEPII codes are recoded to current ISO3 (:func:`forecasting.data.read_geodist`);
    the main city (``maincity == 1``) of each country gives its coordinates.
    """
    geo = read_geodist(geo_cepii, table="geo")
    main = geo[geo["maincity"].astype(str) == "1"].drop_duplicates("iso3")
    countries = pd.DataFrame(
        {
            "iso3": main["iso3"].astype(str),
            "name": main["country"].astype(str),
            "lat": main["lat"].astype(float),
            "lon": main["lon"].astype(float),
            "landlocked": main["landlocked"].astype(int),
            "area_km2": main["area"].astype(float),
            "internal_dist_km": main["dis_int"].astype(float).round(3),
            "continent": main["continent"].astype(str),
        }
    )
    countries = countries.sort_values("iso3").reset_index(drop=True)
    dist = read_geodist(dist_cepii, table="dist")
    pairs = dist[(dist["iso_o"] < dist["iso_d"]) & ((dist["contig"] == 1) | (dist["comlang_off"] == 1))]
    pairs = pd.DataFrame(
        {
            "iso_a": pairs["iso_o"].astype(str),
            "iso_b": pairs["iso_d"].astype(str),
            "contig": pairs["contig"].astype(int),
            "comlang_off": pairs["comlang_off"].astype(int),
        }
    )
    return countries, pairs.sort_values(["iso_a", "iso_b"]).reset_index(drop=True)


@functools.lru_cache(maxsize=1)
def _bundled() -> tuple[pd.DataFrame, pd.DataFrame]:
    countries = pd.read_csv(bundled_path("country_geography"), keep_default_na=False)
    pairs = pd.read_csv(bundled_path("country_pairs"), keep_default_na=False)
    return countries, pairs


def load_geography() -> tuple[pd.DataFrame, pd.DataFrame]:
    """The bundled country table and the table of pairs with a border or an official language.

    Examples
    --------
    >>> countries, pairs = load_geography()
    >>> countries.set_index("iso3").loc[["KAZ", "PAK"], "landlocked"].tolist()
    [1, 0]
    >>> pairs.query("iso_a == 'AFG' and iso_b == 'PAK'")[["contig", "comlang_off"]].values.tolist()
    [[1, 0]]
    """
    countries, pairs = _bundled()
    return countries.copy(), pairs.copy()


def pair_geography(pairs: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """Add distance, contiguity, common language and landlocked status to ordered pairs.

    ``pairs`` has ``exporter`` and ``importer`` (other columns are kept). Returns the pairs
    whose two countries are in the bundled table, with ``PAIR_GEOGRAPHY_COLUMNS``, and the
    sorted codes that are not (aggregates such as WLD, and countries GeoDist does not
    list); the caller decides what to do with those.

    Examples
    --------
    >>> p = pd.DataFrame({"exporter": ["KAZ", "PAK", "KAZ"], "importer": ["PAK", "AFG", "WLD"]})
    >>> table, unknown = pair_geography(p)
    >>> table[["exporter", "importer", "contig", "landlocked_exp"]].values.tolist(), unknown
    ([['KAZ', 'PAK', 0, 1], ['PAK', 'AFG', 1, 0]], ['WLD'])
    >>> round(float(table.dist_km.iloc[0]))  # Almaty (Kazakhstan's main city) - Islamabad
    1116
    """
    require_columns(pairs, ["exporter", "importer"], what="the pairs to locate")
    countries, shared = _bundled()
    where = countries.set_index("iso3")
    codes = set(pairs["exporter"].astype(str)) | set(pairs["importer"].astype(str))
    unknown = sorted(codes - set(where.index))
    known = pairs[~pairs["exporter"].isin(unknown) & ~pairs["importer"].isin(unknown)].reset_index(drop=True)
    origin, destination = where.loc[known["exporter"]], where.loc[known["importer"]]
    out = known.copy()
    out["dist_km"] = great_circle_km(
        origin["lat"].to_numpy(),
        origin["lon"].to_numpy(),
        destination["lat"].to_numpy(),
        destination["lon"].to_numpy(),
    )
    # A country's trade with itself is spread over its own territory: GeoDist's internal distance.
    domestic = (known["exporter"] == known["importer"]).to_numpy()
    out.loc[domestic, "dist_km"] = origin["internal_dist_km"].to_numpy()[domestic]
    with np.errstate(divide="ignore"):
        out["ln_dist"] = np.log(out["dist_km"])
    exporter, importer = known["exporter"].to_numpy(dtype=object), known["importer"].to_numpy(dtype=object)
    low, high = (
        np.where(exporter < importer, exporter, importer),
        np.where(exporter < importer, importer, exporter),
    )
    links = shared.set_index(["iso_a", "iso_b"])
    found = links.reindex(pd.MultiIndex.from_arrays([low, high]))
    out["contig"] = found["contig"].fillna(0).astype(int).to_numpy() * ~domestic
    out["comlang"] = np.where(domestic, 1, found["comlang_off"].fillna(0).astype(int).to_numpy())
    out["landlocked_exp"] = origin["landlocked"].astype(int).to_numpy()
    out["landlocked_imp"] = destination["landlocked"].astype(int).to_numpy()
    return out, unknown


def is_aggregate(codes: Iterable[str]) -> list[str]:
    """The codes among ``codes`` that stand for groups of countries (WLD, EUN, UNS...), sorted.

    Examples
    --------
    >>> is_aggregate(["KAZ", "WLD", "UNS"])
    ['UNS', 'WLD']
    """
    return sorted(set(codes) & set(AGGREGATES))
