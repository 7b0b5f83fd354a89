"""Thin data is refused or flagged (issue 13 part 4; issue 18's outlook-level rows).

Empty tables and absent pairs fail with a message naming what is wrong (no NaN traceback);
a pair with fewer than three years of trade is refused; a short history gets "no statistical
forecast" with bands that grow with the horizon, flagged; one side's reports only is flagged;
published press figures never stand in for the data's own latest year.
"""

from __future__ import annotations

import dataclasses
import time
import warnings

import numpy as np
import pandas as pd
import pytest

import forecasting
from forecasting.cli import main
from forecasting.data import load_demo_flows, read_flows
from forecasting.data.bundled import load_published_figures
from forecasting.data.readers import EmptySourceError
from forecasting.errors import DemoDataWarning, FallbackWarning, SeriesTooShortError
from forecasting.projection.history import published_history
from forecasting.projection.thin_data import (
    REFERENCE_LOG_VOLATILITY,
    NoDataError,
    PairAbsentError,
    ThinDataError,
    check_pair,
    floor_bands,
)
from forecasting.report import tables

SMALL = ("KAZ", "PAK", "UZB", "KGZ", "TJK", "AFG", "CHN", "RUS", "IND", "TUR")
KEYS = ["reporter", "partner", "flow", "commodity"]


def _small() -> pd.DataFrame:
    flows = load_demo_flows()
    return flows[flows.reporter.isin(SMALL) & flows.partner.isin(SMALL)].reset_index(drop=True)


def _run(flows: pd.DataFrame, **options):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DemoDataWarning)
        warnings.simplefilter("ignore", FallbackWarning)
        return forecasting.outlook(
            flows, **{"scenarios": {}, "draws": 200, "horizon": 2030, "seed": 5, **options}
        )


def _kz_pk(flows: pd.DataFrame) -> pd.Series:
    return flows.reporter.isin(["KAZ", "PAK"]) & flows.partner.isin(["KAZ", "PAK"])


def test_a_tidy_file_with_a_header_and_no_rows_fails_clearly_in_the_reader_and_the_outlook(tmp_path, capsys):
    path = tmp_path / "empty.csv"
    path.write_text("reporter,partner,flow,period,commodity,value_usd\n")
    with pytest.raises(EmptySourceError, match="no data rows"):
        read_flows(path, source="tidy")
    started = time.perf_counter()
    with pytest.raises(NoDataError, match="the flows table has no rows: there is nothing to forecast"):
        _run(load_demo_flows().iloc[:0])
    assert time.perf_counter() - started < 5  # refused before any work
    out = tmp_path / "report"
    code = main(["outlook", "--data", str(path), "--source", "tidy", "--out", str(out), "--no-report"])
    assert code == 2 and "no data rows" in capsys.readouterr().err and not (out / "manifest.json").exists()


def test_a_pair_absent_from_the_data_is_named_with_what_the_data_hold():
    flows = _small()
    with pytest.raises(PairAbsentError) as caught:
        _run(flows[~_kz_pk(flows)])
    message = str(caught.value)
    assert message.startswith("the pair KAZ-PAK is absent from the data: no flow between them")
    assert "The data hold 10 countries" in message and "KAZ trades with 8 partners" in message
    assert "pass pair=(" in message and "nan" not in message.lower()


def test_one_or_two_years_of_the_pairs_trade_are_refused_with_the_reason():
    flows = _small()
    one_year = flows[flows.period.dt.year == 2025]
    with pytest.raises(
        ThinDataError, match=r"1 year only \(2025\), and the data cover 2025 only \(one cross-section\)"
    ):
        _run(one_year, horizon=2027)
    two = flows[~_kz_pk(flows) | flows.period.dt.year.isin([2010, 2024])]
    with pytest.raises(
        SeriesTooShortError, match=r"2 years only \(2010, 2024\), and the data cover 2000-2025"
    ):
        _run(two)


@pytest.mark.slow
def test_three_years_of_data_give_flagged_bands_that_grow_with_the_horizon():
    flows = _small()
    short = _run(flows[flows.period.dt.year >= 2023])
    long = _run(flows)
    methods = {m.commodity + " " + m.flow: m.method for m in short.settings.series_methods}
    assert "no statistical forecast" in methods.values()
    widened = [f for f in short.settings.fallbacks if f.step.startswith("baseline bands (")]
    assert len(widened) == list(methods.values()).count("no statistical forecast")
    assert all("may still be narrower than a long history would show" in f.remedy for f in widened)

    def widths(result):
        t = result.turnover[(result.turnover.level == 80) & (result.turnover.scenario == "statistical")]
        return np.log(t.upper / t.lower).to_numpy()

    mine, theirs = widths(short), widths(long)
    assert (mine > 0.5).all() and mine[-1] > mine[0]  # never zero width; widening with the horizon
    assert mine[0] >= theirs[0]  # the first year's band is no narrower than a 26-year history gives
    rows = short.forecast[short.forecast.level == 80]
    traded = rows.groupby([rows.flow, rows.commodity])["mean"].transform("max") > 0  # never-traded stay at 0
    assert (rows.upper > rows.lower)[traded].groupby([rows.flow, rows.commodity]).all().all()


def test_one_sides_reports_only_are_flagged():
    flows = _small()
    annual = flows.assign(period=flows.period)
    reconciled = annual.rename(columns={"reporter": "exporter", "partner": "importer"})
    only_kaz = annual[~((annual.reporter == "PAK") & (annual.partner == "KAZ"))]
    (note,) = check_pair(reconciled, only_kaz, ("KAZ", "PAK"))
    assert note.step == "mirror (KAZ-PAK)" and note.reason.startswith("only KAZ reports its trade with PAK")
    assert "Comtrade with reporter PAK" in note.remedy
    assert check_pair(reconciled, annual, ("KAZ", "PAK")) == ()


def _paths(
    pool: list[float], draws: int = 4000, years: int = 10
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(0)
    paths = pd.DataFrame({
        "reporter": "KAZ", "partner": "PAK", "flow": "export", "commodity": "coal",
        "draw": np.repeat(np.arange(draws), years), "year": np.tile(np.arange(2026, 2026 + years), draws),
        "value": rng.choice(pool, size=draws * years),
    })  # fmt: skip
    methods = pd.DataFrame({"reporter": ["KAZ"], "partner": ["PAK"], "flow": ["export"], "commodity": ["coal"],
                            "method": ["no statistical forecast"], "fitted_from": [2026 - len(pool)],
                            "years": [len(pool)]})  # fmt: skip
    history = pd.DataFrame({"reporter": "KAZ", "partner": "PAK", "flow": "export", "commodity": "coal",
                            "period": pd.date_range(f"{2026 - len(pool)}", periods=len(pool), freq="YS"),
                            "value": pool})  # fmt: skip
    return paths, methods, history


def test_a_single_value_gets_a_random_walk_band_with_the_reference_volatility_and_its_mean():
    paths, methods, history = _paths([50.0])
    wide, notes = floor_bands(paths, methods, history, seed=3)
    by_year = np.log(wide.value).groupby(wide.year)
    # log sd grows as sigma * sqrt(h): a random walk with the reference volatility.
    np.testing.assert_allclose(by_year.std(), REFERENCE_LOG_VOLATILITY * np.sqrt(np.arange(1, 11)), rtol=0.06)
    np.testing.assert_allclose(wide.groupby("year").value.mean(), 50.0, rtol=0.08)  # mean kept
    assert len(notes) == 1 and f"{REFERENCE_LOG_VOLATILITY}" in notes[0].remedy


def test_a_volatile_short_history_keeps_its_own_larger_volatility():
    pool = [10.0, 40.0, 12.0, 50.0]
    paths, methods, history = _paths(pool)
    own = float(np.std(np.diff(np.log(pool)), ddof=1))
    _, notes = floor_bands(paths, methods, history, seed=3)
    assert own > REFERENCE_LOG_VOLATILITY and f"volatility {own:.2f}" in notes[0].remedy
    untouched, none = floor_bands(paths, methods.assign(method="auto"), history, seed=3)
    assert none == () and untouched.value.equals(paths.value)


def test_the_latest_reported_year_never_takes_a_press_figure(outlook):
    # One customs year (a WITS 2009 cross-section) beside the 2016-2025 press figures: the
    # summary's "latest reported year" is the data's own 2009, from the data's source.
    customs = pd.DataFrame({
        "reporter": ["KAZ", "KAZ", "PAK", "PAK"], "partner": ["PAK", "PAK", "KAZ", "KAZ"],
        "flow": ["export", "import", "export", "import"], "year": 2009,
        "value_usd": [15.6e6, 15.4e6, 3.7e6, 2.2e6], "source": "wits", "basis": "customs", "commodity": "TOTAL",
    })  # fmt: skip
    history = pd.concat(
        [customs, published_history(load_published_figures(), ("KAZ", "PAK"))], ignore_index=True
    )
    summary = tables.turnover_summary(dataclasses.replace(outlook, history=history))
    assert summary.year.tolist() == [2009, 2009] and set(summary.source) == {"wits"}
    assert summary.set_index("reporter").at["KAZ", "turnover_musd"] == pytest.approx(31.0)
