"""Optional macro drivers: a baseline that grows with the product of the two countries' incomes.

In structural gravity, bilateral trade is proportional to the product of the partners'
incomes (``X_ij ~ Y_i * Y_j / (trade costs and multilateral resistance)``). With trade costs
and resistances held at their current level, trade then grows by the product of the two
income growth factors. :func:`income_anchored` re-centres the statistical baseline's joint
paths on that growth:

    path'[d, t] = path[d, t] * anchor[t] / median_d(path[d, t]),
    anchor[t]   = median_d(path[d, T + 1]) * prod_{T+1 < k <= t} (1 + g_i[k]) * (1 + g_j[k])

so every draw keeps its calibrated deviation from the centre (and draws stay joint across
series) while the centre moves with incomes from the first forecast year on. Growth rates
are in percent a year (``real_gdp_growth_pct``); with real rates the anchor is in constant
prices, so nominal trade values grow more slowly than they would with inflation: pass
nominal rates to anchor nominal values.

This is an option, not the default. Measured on TRADHIST with gapminder GDP (origins 1984,
1989, 1994, steps 1-10; ``python benchmarks/gdp_driver.py``, benchmarks/results/gdp_driver.md),
the feasible driver (each country's growth of the ten years before the origin, held) lowers
relative MASE against the default on both halves (evaluation 0.901 against 0.926, chosen on
development 0.844 against 0.870) with the same coverage, but: its median grows 0.049 a year
where outcomes grew 0.026 (the default's 0.038), so the gain is in telling faster from slower
pairs, not in the level; it needs each country's GDP history, which the toolkit does not
bundle (its gdp_growth_projections table holds 2025-2029 projections only, not verified
against the WEO); and the decision rule fixed before the measurement (coverage inside the
bands as well) is not met, by the default either on those origins (80 % coverage 0.87).
With the world-income denominator of structural gravity the driver is worse (0.918).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import numpy as np
import pandas as pd

from forecasting.data.bundled import bundled_path
from forecasting.errors import DataQualityWarning, SchemaError, describe_items, warn_and_log
from forecasting.projection.result import SERIES_KEYS
from forecasting.schema import require_columns

logger = logging.getLogger(__name__)

GDP_COLUMNS = ("country", "year", "real_gdp_growth_pct")


class MissingDriverError(SchemaError, KeyError):
    """A GDP path lacks a country or some of the years the baseline needs."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


def load_gdp_projections() -> pd.DataFrame:
    """The bundled GDP growth projections (``country, year, real_gdp_growth_pct, source, note``).

    Examples
    --------
    >>> sorted(load_gdp_projections().country.unique())
    ['CHN', 'KAZ', 'PAK', 'RUS']
    """
    return pd.read_csv(bundled_path("gdp_growth_projections"))


def hold_last_rate(gdp: pd.DataFrame, *, until: int) -> pd.DataFrame:
    """Extend each country's path to ``until`` at its last projected rate (marked as an assumption).

    Examples
    --------
    >>> g = pd.DataFrame({"country": "KAZ", "year": [2025], "real_gdp_growth_pct": [4.0]})
    >>> hold_last_rate(g, until=2027).real_gdp_growth_pct.tolist()
    [4.0, 4.0, 4.0]
    """
    require_columns(gdp, GDP_COLUMNS, what="GDP path")
    pieces = [gdp]
    for country, rows in gdp.groupby("country", sort=True):
        last = rows.sort_values("year").iloc[-1]
        years = range(int(last.year) + 1, until + 1)
        if len(years):
            pieces.append(
                pd.DataFrame({"country": country, "year": list(years), "real_gdp_growth_pct": last.real_gdp_growth_pct,
                              "note": f"assumption: {int(last.year)} rate held constant"})
            )  # fmt: skip
    return pd.concat(pieces, ignore_index=True)


def income_growth(gdp: pd.DataFrame, pair: tuple[str, str], years: Sequence[int]) -> pd.Series:
    """Growth factor of the product of the pair's incomes in each of ``years``.

    Raises
    ------
    MissingDriverError
        Naming each country and the years its path lacks, and how to fix it.

    Examples
    --------
    >>> g = pd.DataFrame({"country": ["KAZ", "PAK"], "year": 2026, "real_gdp_growth_pct": [5.0, 4.0]})
    >>> round(float(income_growth(g, ("KAZ", "PAK"), [2026]).iloc[0]), 4)
    1.092
    """
    require_columns(gdp, GDP_COLUMNS, what="GDP path")
    wanted = [int(y) for y in years]
    problems, factors = [], []
    for country in pair:
        rows = gdp[gdp.country == country].drop_duplicates("year", keep="last").set_index("year")
        missing = [y for y in wanted if y not in rows.index or pd.isna(rows.real_gdp_growth_pct.get(y))]
        if missing:
            problems.append(f"{country} lacks {describe_items(missing)}")
            continue
        factors.append(1 + rows.loc[wanted, "real_gdp_growth_pct"].to_numpy(dtype=float) / 100)
    if problems:
        raise MissingDriverError(
            f"the GDP path does not cover the forecast years for {'; '.join(problems)}. Add those rows"
            " (country, year, real_gdp_growth_pct), or extend the path explicitly with"
            " hold_last_rate(gdp, until=...)"
        )
    return pd.Series(np.prod(factors, axis=0), index=wanted, name="income_growth")


#: Words in a GDP path's ``note`` that mark a figure as unchecked or assumed (the bundled table's rows say so).
CAVEAT_WORDS = ("not verified", "assumption", "approximate")


def gdp_caveats(gdp: pd.DataFrame, pair: tuple[str, str], years: Sequence[int]) -> list[str]:
    """The pair's country-years in ``years`` whose ``note`` marks the figure as unverified or
    assumed (:data:`CAVEAT_WORDS`), said in a logged :class:`DataQualityWarning`; ``[]`` when
    the path has no ``note`` column or no such row.

    Examples
    --------
    >>> import warnings
    >>> g = pd.DataFrame({"country": ["KAZ", "PAK"], "year": 2026, "real_gdp_growth_pct": [5.0, 4.0],
    ...                   "note": ["approximate; NOT verified offline", ""]})
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     gdp_caveats(g, ("KAZ", "PAK"), [2026])
    ['KAZ 2026']
    """
    if "note" not in gdp:
        return []
    notes = gdp["note"].fillna("").astype(str).str.lower()
    flagged = gdp[
        gdp.country.isin(pair)
        & gdp.year.astype(int).isin([int(y) for y in years])
        & notes.apply(lambda note: any(word in note for word in CAVEAT_WORDS))
    ]
    named = [
        f"{c} {int(y)}" for c, y in flagged[["country", "year"]].drop_duplicates().itertuples(index=False)
    ]
    if named:
        said = describe_items(sorted(set(flagged["note"].astype(str))))
        warn_and_log(
            f"the GDP path's figures for {describe_items(named)} are marked approximate, unverified or assumed in"
            f" its 'note' column ({said}); the GDP-anchored baseline rests on them. Pass gdp= a path checked"
            " against a current source (the bundled IMF WEO figures were not checked against a stored copy)",
            DataQualityWarning, logger=logger, stacklevel=3,
        )  # fmt: skip
    return named


def income_anchored(
    paths: pd.DataFrame, methods: pd.DataFrame, gdp: pd.DataFrame, pair: tuple[str, str]
) -> pd.DataFrame:
    """Re-centre the ``auto`` series' paths on income growth (see module notes); others unchanged."""
    keys = list(SERIES_KEYS)
    years = sorted(paths.year.unique())
    growth = income_growth(gdp, pair, years[1:]) if len(years) > 1 else pd.Series(dtype=float)
    cumulative = pd.Series(1.0, index=years)
    cumulative.loc[years[1:]] = growth.cumprod().to_numpy()
    modelled = paths.merge(methods[methods.method == "auto"][keys], on=keys)
    if modelled.empty:
        return paths
    median = modelled.groupby([*keys, "year"]).value.median().rename("median").reset_index()
    start = median[median.year == years[0]][[*keys, "median"]].rename(columns={"median": "start"})
    median = median.merge(start, on=keys)
    median["anchor"] = median.start * median.year.map(cumulative)
    out = paths.merge(median[[*keys, "year", "median", "anchor"]], on=[*keys, "year"], how="left")
    scale = (out.anchor / out["median"]).where(out["median"] > 0, 1.0).fillna(1.0)
    out["value"] = out.value * scale
    logger.info("baseline re-centred on the income growth of %s and %s", *pair)
    return out[paths.columns.tolist()]
