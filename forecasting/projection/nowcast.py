"""Nowcast the current year's total from a published year-to-date figure.

Press figures arrive months before the full year: Kazakhstan-Pakistan turnover was USD
89.6 m in January-July 2025 against 36.3 m a year earlier. The full-year estimate is the
year-to-date value divided by the share of a year's trade that the first ``m`` months carry:

    total = ytd / s_m,    log s_pair,m = log s_m + u

``s_m`` is the mean share of months ``1..m`` in Kazakhstan's total trade (exports plus
imports, Bureau of National Statistics monthly tables, complete years 2019-2025; bundled as
the derived ratios ``kz_seasonal_shares.csv``). ``u`` is how far one pair's months depart
from the national pattern: bilateral trade is lumpier than a national total. It is measured
on the pair's own published checks, every year with both a year-to-date and a full-year
figure of the same side and measure (for Kazakhstan-Pakistan turnover: January-September
2022, January-July and January-August 2024), each against the national share of the other
years. The log interval is ``+- t(q, n) x sqrt(sd(log s_m)^2 + mean(u^2))`` with ``n`` the
number of check years: the spread of the national share over the years plus the pair's
root-mean-square departure (its mean included, since two or three checks cannot separate a
bias from noise), with Student quantiles for so few checks.

Only the Kazakh side's calendar-year figures (year-to-date from January) can be nowcast
this way; Pakistani fiscal-year figures follow another calendar and are left as they are.
"""

from __future__ import annotations

import functools
import logging
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from forecasting.data.bundled import bundled_path, load_published_figures
from forecasting.errors import SchemaError, describe_items
from forecasting.projection.settings import Nowcast
from forecasting.schema import require_columns

logger = logging.getLogger(__name__)

__all__ = [
    "NOWCAST_SIDE",
    "derive_seasonal_shares",
    "load_seasonal_shares",
    "nowcast_total",
    "outlook_nowcasts",
    "pair_checks",
    "published_nowcasts",
]

#: The side whose monthly statistics give the seasonal shares.
NOWCAST_SIDE = "KAZ"
FIGURE_COLUMNS = (
    "reporter_side",
    "basis",
    "period",
    "period_start",
    "period_end",
    "measure",
    "value_musd",
    "source",
)


def derive_seasonal_shares(exports: str | Path, imports: str | Path) -> pd.DataFrame:
    """Share of each complete year's trade carried by months ``1..m`` (``year, months, share``).

    ``exports`` and ``imports`` are the monthly national totals (``date, value``); a year
    counts when all twelve months of both are there.
    """
    monthly = [pd.read_csv(p, parse_dates=["date"]).set_index("date")["value"] for p in (exports, imports)]
    total = (monthly[0] + monthly[1]).dropna()
    frame = pd.DataFrame({"year": total.index.year, "month": total.index.month, "value": total.to_numpy()})
    complete = frame.groupby("year").month.nunique()
    frame = frame[frame.year.isin(complete[complete == 12].index)].sort_values(["year", "month"])
    frame["share"] = frame.groupby("year").value.cumsum() / frame.groupby("year").value.transform("sum")
    out = frame[frame.month < 12].rename(columns={"month": "months"})[["year", "months", "share"]]
    return out.assign(share=out.share.round(6)).reset_index(drop=True)


@functools.lru_cache(maxsize=1)
def _bundled_shares() -> pd.DataFrame:
    return pd.read_csv(bundled_path("kz_seasonal_shares"))


def load_seasonal_shares() -> pd.DataFrame:
    """The bundled year-to-date shares of Kazakhstan's trade, by year and number of months.

    Examples
    --------
    >>> shares = load_seasonal_shares()
    >>> int(shares.year.min()), int(shares.year.max()), round(float(shares.query("months == 7").share.mean()), 3)
    (2019, 2025, 0.559)
    """
    return _bundled_shares().copy()


def _share_stats(
    shares: pd.DataFrame, months: int, *, leave_out: int | None = None
) -> tuple[float, float, int]:
    rows = shares[(shares.months == months) & (shares.year != leave_out)]
    if len(rows) < 2:
        raise SchemaError(
            f"the seasonal shares hold {len(rows)} years for {months} months; at least 2 are needed"
        )
    logs = np.log(rows.share.to_numpy(dtype=float))
    return float(np.exp(logs.mean())), float(logs.std(ddof=1)), len(rows)


def _calendar_figures(figures: pd.DataFrame, side: str) -> pd.DataFrame:
    require_columns(figures, FIGURE_COLUMNS, what="the published figures")
    rows = figures[figures.reporter_side == side].copy()
    start, end = pd.to_datetime(rows.period_start), pd.to_datetime(rows.period_end)
    from_january = (start.dt.month == 1) & (start.dt.day == 1) & (start.dt.year == end.dt.year)
    month_end = end.dt.is_month_end
    rows = rows[from_january & month_end & ~rows.basis.astype(str).str.startswith("fiscal")]
    rows["year"], rows["months"] = end[rows.index].dt.year, end[rows.index].dt.month
    rows["value_usd"] = rows.value_musd.astype(float) * 1e6
    return rows


def pair_checks(figures: pd.DataFrame, shares: pd.DataFrame, *, side: str = NOWCAST_SIDE) -> pd.DataFrame:
    """The pair's own departures from the national pattern: year-to-date vs full year, same side and measure.

    Returns ``measure, year, months, ytd_usd, full_usd, pair_share, national_share, u`` with
    ``u = log(pair_share / national_share)``, the national share taken over the other years.

    Examples
    --------
    >>> from forecasting.data.bundled import load_published_figures
    >>> checks = pair_checks(load_published_figures(), load_seasonal_shares())
    >>> checks[["year", "months"]].values.tolist()
    [[2022, 9], [2024, 7], [2024, 8]]
    """
    rows = _calendar_figures(figures, side)
    full = rows[rows.months == 12].set_index(["measure", "year"]).value_usd
    found = []
    for r in rows[rows.months < 12].itertuples(index=False):
        total = full.get((r.measure, r.year))
        if total is None or not total > 0:
            continue
        national, _, _ = _share_stats(shares, int(r.months), leave_out=int(r.year))
        pair_share = r.value_usd / total
        found.append((r.measure, r.year, r.months, r.value_usd, total, pair_share, national,
                      float(np.log(pair_share / national))))  # fmt: skip
    columns = ["measure", "year", "months", "ytd_usd", "full_usd", "pair_share", "national_share", "u"]
    return pd.DataFrame(found, columns=columns).sort_values(["year", "months"]).reset_index(drop=True)


def nowcast_total(
    ytd_usd: float, months: int, *, shares: pd.DataFrame, checks: pd.DataFrame, year: int | None = None
) -> dict[str, float]:
    """Full-year estimate and 80/95 % intervals from a year-to-date value (see the module).

    ``checks`` are :func:`pair_checks` rows (the pair's departures); ``year`` is left out of
    the national shares and of the checks, so a backtest never sees the year it predicts.

    Examples
    --------
    >>> from forecasting.data.bundled import load_published_figures
    >>> shares = load_seasonal_shares()
    >>> out = nowcast_total(89.6e6, 7, shares=shares, checks=pair_checks(load_published_figures(), shares), year=2025)
    >>> [round(float(out[k]) / 1e6, 1) for k in ("estimate_usd", "lower_80_usd", "upper_80_usd")]
    [159.7, 121.4, 210.1]
    """
    if not (np.isfinite(ytd_usd) and ytd_usd > 0) or not 1 <= months <= 11:
        raise SchemaError(
            f"a nowcast needs a positive year-to-date value over 1-11 months, got {ytd_usd!r} over {months!r}"
        )
    national, spread, _ = _share_stats(shares, months, leave_out=year)
    own = checks[checks.year != year] if year is not None else checks
    if own.empty:
        raise SchemaError(
            "no year has both a year-to-date and a full-year figure of the pair, so its departure from the"
            " national seasonal pattern cannot be measured; add such a pair of published figures"
        )
    departure = float(np.sqrt(np.mean(own.u.to_numpy() ** 2)))
    scale = float(np.hypot(spread, departure))
    n_years = int(own.year.nunique())
    estimate = ytd_usd / national
    out = {"estimate_usd": estimate, "national_share": national, "log_sd": scale, "check_years": n_years}
    for level in (80, 95):
        half = float(stats.t.ppf(0.5 + level / 200, df=n_years)) * scale
        out[f"lower_{level}_usd"], out[f"upper_{level}_usd"] = (
            estimate * np.exp(-half),
            estimate * np.exp(half),
        )
    return out


def published_nowcasts(
    figures: pd.DataFrame, pair: tuple[str, str], *, after_year: int, side: str = NOWCAST_SIDE
) -> tuple[Nowcast, ...]:
    """Nowcasts of every measure the pair's figures give year-to-date, for years after ``after_year``.

    A measure is nowcast for a year with a year-to-date figure and no full-year one, from
    its latest year-to-date figure. Measures without checks of their own borrow the
    departures measured on the pair's other measures (the turnover's, say), and say so.

    Examples
    --------
    >>> from forecasting.data.bundled import load_published_figures
    >>> [(n.year, n.measure, n.months) for n in published_nowcasts(load_published_figures(), ("KAZ", "PAK"),
    ...                                                            after_year=2023)]
    [(2025, 'KAZ exports to PAK', 7), (2025, 'turnover', 7)]
    """
    if side not in pair:
        return ()
    partner = pair[1] if pair[0] == side else pair[0]
    rows = _calendar_figures(figures, side)
    measures = rows.measure.astype(str)
    rows = rows[(measures == "turnover") | measures.str.contains(partner, regex=False)]
    shares = load_seasonal_shares()
    checks = pair_checks(figures, shares, side=side)
    full = set(zip(rows.loc[rows.months == 12, "measure"], rows.loc[rows.months == 12, "year"], strict=True))
    open_years = rows[(rows.months < 12) & (rows.year > after_year)]
    out = []
    for (measure, year), group in open_years.groupby(["measure", "year"], sort=True):
        if (measure, year) in full:
            continue
        latest = group.sort_values("months").iloc[-1]
        own = checks[checks.measure == measure]
        borrowed = own.empty
        used = checks if borrowed else own
        if used.empty:
            logger.info("no checks for %s %s: no nowcast", measure, year)
            continue
        result = nowcast_total(
            float(latest.value_usd), int(latest.months), shares=shares, checks=used, year=int(year)
        )
        method = (
            f"year-to-date {latest.period} / {result['national_share']:.3f} (share of months 1-{int(latest.months)}"
            f" in Kazakhstan's total trade, BNS monthly tables); log sd {result['log_sd']:.3f} from the spread of"
            f" that share and the pair's departures from it in {result['check_years']} check year(s)"
            f" ({describe_items(sorted(set(used.year)))})"
            + ("; departures borrowed from its other measures" if borrowed else "")
        )
        out.append(
            Nowcast(
                year=int(year),
                reporter=side,
                partner=partner,
                measure=str(measure),
                months=int(latest.months),
                year_to_date_usd=float(latest.value_usd),
                estimate_usd=result["estimate_usd"],
                lower_80_usd=result["lower_80_usd"],
                upper_80_usd=result["upper_80_usd"],
                lower_95_usd=result["lower_95_usd"],
                upper_95_usd=result["upper_95_usd"],
                method=method,
                source=str(latest.source),
            )  # fmt: skip
        )
    return tuple(out)


def outlook_nowcasts(
    option: bool | pd.DataFrame, pair: tuple[str, str], *, base_year: int, demo: bool
) -> tuple[Nowcast, ...]:
    """The nowcasts an outlook records: years after ``base_year`` that published figures begin to cover.

    ``option`` is ``True`` (the bundled published figures, never beside simulated data),
    ``False`` (none) or the user's own figures in the layout of
    ``forecasting/datasets/published_figures.csv``. Each nowcast is logged.

    Examples
    --------
    >>> [n.year for n in outlook_nowcasts(True, ("KAZ", "PAK"), base_year=2023, demo=False)]
    [2025, 2025]
    >>> outlook_nowcasts(True, ("KAZ", "PAK"), base_year=2023, demo=True)
    ()
    """
    if option is False:
        return ()
    if option is True:
        if demo:
            return ()
        figures = load_published_figures()
    elif isinstance(option, pd.DataFrame):
        figures = option
    else:
        raise TypeError(
            f"nowcast must be True, False or a table of published figures, got {type(option).__name__}"
        )
    found = published_nowcasts(figures, pair, after_year=base_year)
    for item in found:
        logger.info("%s", item)
    return found
