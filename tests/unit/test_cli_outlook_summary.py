"""The CLI's one-screen turnover table: median headline, mean beside it, a reason when it strays."""

from __future__ import annotations

import dataclasses

from forecasting.cli.outlook import summary, summary_years


def test_the_summary_prints_median_interval_and_mean_for_each_target_year(outlook):
    text = summary(outlook, 1.0)
    assert "median of the draws (80% interval) and their mean" in text
    t = outlook.turnover.query("level == 80 and scenario == 'statistical'")
    for year in summary_years(outlook.settings.horizon):
        row = t[t.period.dt.year == year].iloc[0]
        assert (
            f"{row['median'] / 1e6:7.0f} ({row['lower'] / 1e6:5.0f}-{row['upper'] / 1e6:5.0f}) mean" in text
        )


def test_a_mean_outside_its_80_interval_is_starred_and_explained(outlook):
    skewed = outlook.turnover.copy()
    hit = (skewed.scenario == "statistical") & (skewed.period.dt.year == 2035)
    skewed.loc[hit, "mean"] = skewed.loc[hit, "upper"] * 2
    text = summary(dataclasses.replace(outlook, turnover=skewed), 1.0)
    assert "* statistical 2035: mean above the 80 % interval: a few very high draws" in text
    assert "*" in next(line for line in text.splitlines() if line.startswith("statistical"))
