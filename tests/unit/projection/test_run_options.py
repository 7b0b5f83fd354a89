"""The outlook's own checks of horizon and draws: OptionError at once, before any estimation."""

from __future__ import annotations

import pytest

import forecasting
from forecasting.errors import OptionError
from forecasting.projection import pipeline
from forecasting.projection.settings import MAX_YEARS_AHEAD, check_draws, check_horizon, min_draws


def _tripwire(*args, **kwargs):
    raise AssertionError("this stage must not start")


def test_too_few_draws_fail_before_the_data_are_even_prepared(monkeypatch):
    monkeypatch.setattr(pipeline, "prepare_data", _tripwire)
    for draws in (0, 1, 39):
        with pytest.raises(OptionError, match=f"draws={draws} is too few for the 95% interval"):
            forecasting.outlook(draws=draws)
    with pytest.raises(OptionError, match="needs at least 10 draws"):
        forecasting.outlook(draws=5, level=(80,))
    with pytest.raises(ValueError, match="percentages between 0 and 100"):  # OptionError is a ValueError
        forecasting.outlook(level=(80, 100))


@pytest.mark.parametrize(
    ("horizon", "expected"), [(2025, "must end after the last data year 2025"), (2200, "175 years")]
)
def test_a_bad_horizon_fails_after_preparing_and_before_gravity(monkeypatch, horizon, expected):
    monkeypatch.setattr(pipeline, "estimate_gravity", _tripwire)
    with pytest.warns(forecasting.errors.DemoDataWarning), pytest.raises(OptionError, match=expected):
        forecasting.outlook(horizon=horizon, draws=40)


def test_the_documented_limits():
    assert (min_draws((80, 95)), min_draws((50,)), min_draws((99,))) == (40, 4, 200)
    check_draws(40)
    check_horizon(2025 + MAX_YEARS_AHEAD, 2025)
    with pytest.raises(OptionError, match="at most 25 years ahead"):
        check_horizon(2026 + MAX_YEARS_AHEAD, 2025)
    with pytest.raises(OptionError, match="the horizon is a year"):
        check_horizon(2030.5, 2025)
    with pytest.raises(OptionError, match="draws=True"):
        check_draws(True)
