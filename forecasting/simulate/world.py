"""The stylised world behind the demo data: who makes and buys what, agreements, tariffs, distances.

Everything here is an observable covariate of the simulated panel (what a user would merge
from GeoDist, RTA and tariff databases); the random parts of the simulation live in
:mod:`forecasting.simulate.gravity`. The tables are rough stylised facts, not estimates.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence

import numpy as np
import pandas as pd

from forecasting.classify.countries import great_circle_km

COMMODITIES = ("textiles", "pharma", "coal", "hydrocarbons", "buses", "other")
PANEL_KEYS = ("exporter", "importer", "year", "commodity")
COVARIATES = ("dist_km", "ln_dist", "contig", "comlang", "rta", "tariff_pct", "ln_tariff")
TARIFF_MIX_SEED = 20260202
TARIFF_MIX_SD = 0.3  # log sd of the bilateral composition factor of applied tariffs
TARIFF_MIX_RHO = 0.7

# Comparative advantage of exporters and demand of importers by commodity (relative weights);
# rough stylised facts (e.g. Gulf and Caspian states export hydrocarbons, Kazakhstan, Russia,
# Indonesia and South Africa coal, South Asia and China textiles), not estimates.
SUPPLY = {
    "textiles": {"CHN": 3, "BGD": 8, "PAK": 6, "IND": 3, "TUR": 4, "UZB": 3, "LKA": 5, "ITA": 1.5},
    "pharma": {
        "DEU": 4,
        "IND": 4,
        "FRA": 3,
        "ITA": 3,
        "NLD": 3,
        "GBR": 3,
        "USA": 2.5,
        "PAK": 1.2,
        "CHN": 1.0,
    },
    "coal": {"RUS": 6, "KAZ": 6, "ZAF": 6, "IDN": 8, "USA": 2, "POL": 2, "CHN": 0.5},
    "hydrocarbons": {
        "RUS": 8,
        "KAZ": 8,
        "SAU": 10,
        "ARE": 8,
        "QAT": 10,
        "KWT": 10,
        "OMN": 8,
        "IRN": 6,
        "TKM": 8,
        "AZE": 8,
        "USA": 2,
        "NLD": 2,
        "IND": 1.5,
        "MYS": 2,
    },
    "buses": {"CHN": 3, "DEU": 2, "TUR": 3, "POL": 2, "KOR": 1.5, "JPN": 1.5, "BLR": 1, "KAZ": 0.3},
}
SUPPLY_DEFAULT = {"textiles": 0.5, "pharma": 0.2, "coal": 0.05, "hydrocarbons": 0.1, "buses": 0.05}
DEMAND = {
    "coal": {"IND": 3, "CHN": 3, "JPN": 3, "KOR": 3, "PAK": 3, "TUR": 2},
    "hydrocarbons": {c: 0.2 for c in ("RUS", "KAZ", "SAU", "ARE", "QAT", "KWT", "OMN", "IRN", "TKM", "AZE")},
    "textiles": {"KAZ": 1.5, "KGZ": 1.5, "UZB": 1.2, "RUS": 1.3},
}

# Regional trade agreements: (members, first year in force). Stylised from public RTA lists.
_RTAS: tuple[tuple[tuple[str, ...], int], ...] = (
    (("KAZ", "RUS", "BLR"), 2010),
    (("KAZ", "RUS", "BLR", "KGZ"), 2015),
    (("KAZ", "RUS", "BLR", "KGZ", "TJK", "UKR"), 2012),
    (("UZB", "KAZ", "RUS", "BLR", "KGZ", "TJK"), 2014),
    (("DEU", "FRA", "ITA", "ESP", "NLD", "GBR", "TUR"), 2000),
    (("POL", "DEU", "FRA", "ITA", "ESP", "NLD", "GBR", "TUR"), 2004),
    (("ARE", "SAU", "QAT", "OMN", "KWT"), 2000),
    (("ARE", "SAU", "QAT", "OMN", "KWT", "EGY"), 2005),
    (("PAK", "IND", "BGD", "LKA"), 2006),
    (("PAK", "IND", "BGD", "LKA", "AFG"), 2011),
    (("PAK", "CHN"), 2007),
    (("PAK", "LKA"), 2005),
    (("PAK", "MYS"), 2008),
    (("PAK", "IDN"), 2013),
    (("KEN", "TZA"), 2000),
    (("ZAF", "TZA"), 2008),
    (("CHN", "IDN", "MYS"), 2005),
    (("IND", "KOR"), 2010),
    (("IND", "JPN", "MYS"), 2011),
    (("KOR", "USA"), 2012),
    (("KOR", "CHN"), 2015),
    (("GEO", "DEU", "FRA", "ITA", "ESP", "NLD", "POL"), 2014),
    (("UKR", "DEU", "FRA", "ITA", "ESP", "NLD", "POL"), 2016),
    (("GEO", "TUR"), 2008),
    (("GEO", "CHN"), 2018),
)
_CONTIGUOUS = (
    "KAZ-UZB KAZ-KGZ KAZ-TKM KAZ-CHN KAZ-RUS UZB-KGZ UZB-TJK UZB-TKM UZB-AFG KGZ-TJK KGZ-CHN TJK-AFG "
    "TJK-CHN TKM-AFG TKM-IRN AFG-PAK AFG-IRN AFG-CHN PAK-IND PAK-IRN PAK-CHN IND-CHN IND-BGD IRN-TUR "
    "IRN-AZE CHN-RUS RUS-AZE RUS-GEO RUS-BLR RUS-UKR RUS-POL TUR-GEO TUR-AZE AZE-GEO SAU-ARE SAU-QAT "
    "SAU-OMN SAU-KWT ARE-OMN DEU-FRA DEU-NLD DEU-POL FRA-ITA FRA-ESP POL-BLR POL-UKR BLR-UKR KEN-TZA "
    "KEN-ETH MYS-IDN"
).split()
# Importers' average MFN tariff in 2000 and 2025, percent (stylised by income group).
_MFN_RICH = (4.0, 3.0)
_MFN_OTHER = (15.0, 8.0)
_RICH = {"DEU", "FRA", "ITA", "ESP", "NLD", "GBR", "USA", "JPN", "KOR", "ARE", "QAT", "KWT", "SAU"}
_TARIFF_SCALE = {"textiles": 1.8, "pharma": 0.3, "coal": 0.3, "hydrocarbons": 0.4, "buses": 1.5, "other": 1.0}
# Customs data of these reporters is missing in some years (realistic for small or closed reporters).
PATCHY_REPORTERS = {"AFG": 0.5, "TKM": 0.8, "TJK": 0.4, "ETH": 0.3, "IRN": 0.3}


def pair_covariates(countries: pd.DataFrame) -> pd.DataFrame:
    """All ordered pairs of ``countries`` (iso3, lat, lon, landlocked, language) with gravity covariates.

    Returns exporter, importer, dist_km (great-circle between capitals), contig, comlang,
    landlocked_exp, landlocked_imp.
    """
    c = countries.set_index("iso3")
    pairs = pd.MultiIndex.from_product([c.index, c.index], names=["exporter", "importer"]).to_frame(
        index=False
    )
    pairs = pairs[pairs.exporter != pairs.importer].reset_index(drop=True)
    e, m = c.loc[pairs.exporter], c.loc[pairs.importer]
    pairs["dist_km"] = great_circle_km(e.lat.to_numpy(), e.lon.to_numpy(), m.lat.to_numpy(), m.lon.to_numpy())
    border = {tuple(sorted(p.split("-"))) for p in _CONTIGUOUS}
    pairs["contig"] = [
        int(tuple(sorted((a, b))) in border) for a, b in zip(pairs.exporter, pairs.importer, strict=True)
    ]
    pairs["comlang"] = (e.language.to_numpy() == m.language.to_numpy()).astype(int)
    pairs["landlocked_exp"] = e.landlocked.to_numpy().astype(int)
    pairs["landlocked_imp"] = m.landlocked.to_numpy().astype(int)
    return pairs


def rta_in_force(exporter: pd.Series, importer: pd.Series, year: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """1 where the pair belongs to a (stylised) trade agreement in force that year, and the first year.

    Pairs with no agreement get the first year 9999.
    """
    first = {}
    for members, start in _RTAS:
        for a in members:
            for b in members:
                if a != b:
                    first[(a, b)] = min(first.get((a, b), 9999), start)
    start = np.array([first.get((a, b), 9999) for a, b in zip(exporter, importer, strict=True)])
    return (year.to_numpy() >= start).astype(int), start


def policy_frame(pairs: pd.DataFrame, years: list[int], commodity: str) -> pd.DataFrame:
    """Pairs x years of one commodity with the agreement dummy and tariffs (none at home)."""
    base = pairs.loc[pairs.index.repeat(len(years))].reset_index(drop=True)
    base["year"] = np.tile(years, len(pairs))
    base["commodity"] = commodity
    base["rta"], start = rta_in_force(base.exporter, base.importer, base.year)
    base["tariff_pct"] = np.where(base.exporter == base.importer, 0.0, _tariffs(base, start, commodity))
    return base


def domestic_pairs(countries: pd.DataFrame) -> pd.DataFrame:
    """Each country's sales to itself, over the internal distance ``0.67 * sqrt(area / pi)``."""
    c = countries
    return pd.DataFrame(
        {
            "exporter": c.iso3.to_numpy(),
            "importer": c.iso3.to_numpy(),
            "dist_km": 0.67 * np.sqrt(c.area_kkm2.to_numpy() * 1000 / np.pi),
            "contig": 0,
            "comlang": 1,
            "landlocked_exp": c.landlocked.to_numpy().astype(int),
            "landlocked_imp": c.landlocked.to_numpy().astype(int),
        }
    )


def _tariffs(base: pd.DataFrame, rta_start: np.ndarray, commodity: str) -> np.ndarray:
    share = (base.year.to_numpy() - 2000) / 25
    rich = base.importer.isin(_RICH).to_numpy()
    lo = np.where(rich, _MFN_RICH[0], _MFN_OTHER[0])
    hi = np.where(rich, _MFN_RICH[1], _MFN_OTHER[1])
    mfn = (lo + (hi - lo) * share) * _TARIFF_SCALE[commodity]
    # Preferences phase in linearly over eight years after an agreement enters into force,
    # which gives the tariff variable within-pair variation distinct from the rta dummy.
    phase = np.clip((base.year.to_numpy() - rta_start + 1) / 8, 0, 1)
    return np.round(mfn * (1 - phase) * _tariff_mix(base, commodity), 3)


def _tariff_mix(base: pd.DataFrame, commodity: str) -> np.ndarray:
    """Bilateral factor of the applied tariff: a group's tariff is an average over tariff lines
    weighted by what the exporter sells, and unilateral preferences come and go, so the
    tariff an importer applies differs by exporter and drifts over the years (AR(1) in logs).

    Each pair draws from its own seed, so :func:`demo_covariates` rebuilds the same tariffs
    whatever other pairs or commodities are simulated beside it.
    """
    years = np.sort(base.year.unique())
    step = {int(y): i for i, y in enumerate(years)}
    keys = base.exporter.astype(str) + ">" + base.importer.astype(str) + ">" + commodity
    out = np.ones(len(base))
    innovation_sd = TARIFF_MIX_SD * np.sqrt(1 - TARIFF_MIX_RHO**2)
    for key, rows in pd.Series(np.arange(len(base))).groupby(keys.to_numpy()).groups.items():
        rng = np.random.default_rng([TARIFF_MIX_SEED, zlib.crc32(str(key).encode())])
        shocks = rng.normal(0.0, 1.0, len(years))
        path = np.empty(len(years))
        path[0] = TARIFF_MIX_SD * shocks[0]
        for t in range(1, len(years)):
            path[t] = TARIFF_MIX_RHO * path[t - 1] + innovation_sd * shocks[t]
        rows = np.asarray(rows)
        out[rows] = np.exp(path[[step[int(y)] for y in base.year.to_numpy()[rows]]])
    return out


def demo_covariates(
    countries: pd.DataFrame, *, years: Sequence[int], commodities: Sequence[str] = COMMODITIES
) -> pd.DataFrame:
    """Gravity covariates of the demo panel (what a user would merge from GeoDist, RTA and tariff data).

    Returns exporter, importer, year, commodity, dist_km, ln_dist, contig, comlang, rta,
    tariff_pct and ln_tariff, exactly as the simulator used them.
    """
    pairs = pair_covariates(countries)
    years = list(years)
    frames = []
    for k in commodities:
        frames.append(policy_frame(pairs, years, k))
    out = pd.concat(frames, ignore_index=True)
    out["ln_dist"] = np.log(out.dist_km)
    out["ln_tariff"] = np.log1p(out.tariff_pct / 100)
    return out[[*PANEL_KEYS, *COVARIATES]]
