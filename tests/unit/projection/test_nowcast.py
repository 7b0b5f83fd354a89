"""Nowcast of the current year from published year-to-date figures (issue 13, part 6).

Tested on the bundled published Kazakhstan-Pakistan figures (forecasting/datasets/
published_figures.csv, each row with its press source): the 2025 estimate from January-July
2025 (USD 89.6 m), and leave-one-year-out backtests on the years that have both a
year-to-date and a full-year figure (2022 and 2024).
"""

from __future__ import annotations

import logging
import warnings

import pandas as pd
import pytest

import forecasting
from forecasting.data import load_demo_flows
from forecasting.data.bundled import load_published_figures
from forecasting.errors import DemoDataWarning, FallbackWarning, SchemaError
from forecasting.projection.nowcast import (
    load_seasonal_shares,
    nowcast_total,
    outlook_nowcasts,
    pair_checks,
    published_nowcasts,
)
from forecasting.projection.settings import OutlookSettings

SMALL = ("KAZ", "PAK", "UZB", "KGZ", "TJK", "AFG", "CHN", "RUS", "IND", "TUR")
INFORM_2025 = (
    "https://oz.inform.kz/news/kozogiston-va-pokiston-urtasidagi-savdo-aylanmasi-25-barobar-oshdi-952b4d/"
)


@pytest.fixture(scope="module")
def figures() -> pd.DataFrame:
    return load_published_figures()


@pytest.fixture(scope="module")
def checks(figures) -> pd.DataFrame:
    return pair_checks(figures, load_seasonal_shares())


def test_the_partial_year_figures_are_bundled_with_their_citations(figures):
    ytd = figures[(figures.period == "Jan-Jul 2025") & (figures.measure == "turnover")].iloc[0]
    a_year_earlier = figures[(figures.period == "Jan-Jul 2024") & (figures.measure == "turnover")].iloc[0]
    assert (ytd.value_musd, a_year_earlier.value_musd) == (89.6, 36.3)
    assert ytd.source == a_year_earlier.source == INFORM_2025


def test_the_2025_nowcast_from_january_to_july(figures):
    (exports, turnover) = published_nowcasts(figures, ("KAZ", "PAK"), after_year=2024)
    assert (turnover.year, turnover.measure, turnover.months, turnover.year_to_date_usd) == (
        2025,
        "turnover",
        7,
        89.6e6,
    )
    # 89.6 m over the share of January-July in Kazakhstan's trade, 2019-2024 (about 0.56).
    assert turnover.estimate_usd / 1e6 == pytest.approx(159.7, abs=0.1)
    assert (turnover.lower_80_usd / 1e6, turnover.upper_80_usd / 1e6) == pytest.approx(
        (121.4, 210.1), abs=0.1
    )
    assert turnover.lower_95_usd < turnover.lower_80_usd < turnover.estimate_usd < turnover.upper_80_usd
    # The pair's own 2024 ratio (January-July 36.3 of the year's 53.7) would give 132.5 m: inside the band.
    assert turnover.lower_80_usd < 89.6 / (36.3 / 53.7) * 1e6 < turnover.upper_80_usd
    assert turnover.source == INFORM_2025 and "2 check year(s) (2022, 2024)" in turnover.method
    assert exports.measure == "KAZ exports to PAK" and "borrowed" in exports.method
    assert exports.estimate_usd == pytest.approx(55.5e6 / turnover.year_to_date_usd * turnover.estimate_usd)


def test_leave_one_year_out_the_published_full_years_fall_inside_the_80_percent_band(checks):
    shares = load_seasonal_shares()
    assert checks[["year", "months"]].values.tolist() == [[2022, 9], [2024, 7], [2024, 8]]
    for check in checks.itertuples(index=False):
        out = nowcast_total(check.ytd_usd, check.months, shares=shares, checks=checks, year=check.year)
        assert out["check_years"] == 1  # the year predicted is never among the checks
        assert out["lower_80_usd"] < check.full_usd < out["upper_80_usd"], check


def test_a_nowcast_needs_a_partial_year_and_the_pairs_own_checks(checks):
    shares = load_seasonal_shares()
    with pytest.raises(SchemaError, match="over 1-11 months"):
        nowcast_total(50e6, 12, shares=shares, checks=checks)
    with pytest.raises(SchemaError, match="cannot be measured"):
        nowcast_total(50e6, 7, shares=shares, checks=checks.iloc[:0])


def test_fiscal_year_and_other_sides_figures_are_not_nowcast(figures):
    assert published_nowcasts(figures, ("PAK", "UZB"), after_year=2020) == ()
    pakistani = figures[figures.reporter_side == "PAK"]
    assert published_nowcasts(pakistani, ("KAZ", "PAK"), after_year=2020) == ()
    assert outlook_nowcasts(False, ("KAZ", "PAK"), base_year=2023, demo=False) == ()
    with pytest.raises(TypeError, match="nowcast must be True, False or a table"):
        outlook_nowcasts("yes", ("KAZ", "PAK"), base_year=2023, demo=False)  # type: ignore[arg-type]


@pytest.mark.slow
def test_the_outlook_records_the_nowcast_for_a_year_after_its_data(caplog):
    flows = load_demo_flows()
    flows = flows[flows.reporter.isin(SMALL) & flows.partner.isin(SMALL) & (flows.period.dt.year <= 2023)]
    flows = flows.assign(source="customs extract")  # real-looking data ending in 2023
    with warnings.catch_warnings(), caplog.at_level(logging.INFO, logger="forecasting.projection.nowcast"):
        warnings.simplefilter("ignore", FallbackWarning)
        warnings.simplefilter("ignore", DemoDataWarning)
        result = forecasting.outlook(flows, scenarios={}, draws=50, horizon=2027, seed=1)
    nowcasts = result.settings.nowcasts
    assert [(n.year, n.measure) for n in nowcasts] == [(2025, "KAZ exports to PAK"), (2025, "turnover")]
    assert "nowcast 2025 turnover (KAZ figures): USD 159.7 m" in caplog.text
    assert OutlookSettings.from_dict(result.settings.to_dict()) == result.settings
    assert not result.history.source.eq("nowcast").any()  # kept apart from the data and published figures


def test_no_nowcast_beside_simulated_data(outlook):
    assert outlook.settings.nowcasts == ()  # the bundled panel ends in 2025, and it is simulated
    assert outlook_nowcasts(True, ("KAZ", "PAK"), base_year=2023, demo=True) == ()
