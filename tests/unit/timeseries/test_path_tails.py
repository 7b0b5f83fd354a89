"""Widths and sample paths of ``auto`` far ahead: flat noise stays flat, tails and means stay sane."""

from __future__ import annotations

import numpy as np
import pandas as pd

from forecasting.timeseries import forecast, simulate_paths
from forecasting.timeseries.conformal import CAP_FACTORS, TAIL_RATIOS, half_widths, level_widths


def white_noise(n_years: int, sd: float, seed: int, level: float = 100.0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {"hs": "27", "period": range(2000, 2000 + n_years), "value": level + rng.normal(0.0, sd, n_years)}
    )


def test_level_like_noise_keeps_its_width_over_ten_steps():
    # The combination's errors on white noise around a level grow little with the step (the theta
    # trend on noise): a width forced to grow at least like a random walk (sqrt(10) = 3.2 times)
    # is far too wide ten steps ahead.
    ratios = []
    for seed in (1, 2, 3):
        fc = forecast(white_noise(30, 5.0, seed), keys=["hs"], models="auto", horizon=10, level=80)
        width = (fc["upper"] - fc["lower"]).to_numpy()
        ratios.append(width[-1] / width[0])
    assert max(ratios) < 3.0 and np.mean(ratios) < 2.2, ratios


def test_paths_mean_stays_inside_the_80_interval_for_a_noisy_level_series():
    # Log-level noise like a small trade flow's (history of 18 years, log sd 0.8): the USD mean of
    # the paths ten years ahead must lie inside their own 80 % band, and the far tail stay bounded.
    rng = np.random.default_rng(12)
    hist = pd.DataFrame(
        {"k": "other", "period": range(2008, 2026), "value": np.exp(np.log(20e6) + rng.normal(0, 0.8, 18))}
    )
    paths = simulate_paths(hist, keys=["k"], model="auto", horizon=10, n_paths=2000, seed=3, transform="log")
    last = paths[paths["period"].dt.year == 2035]["value"].to_numpy()
    low, median, high, far = np.quantile(last, [0.1, 0.5, 0.9, 0.999])
    assert low <= last.mean() <= high, (low, last.mean(), high)
    assert far / median < 100, far / median


def test_an_early_break_is_not_scaled_past_the_largest_error_seen():
    # One break of 4 log units two steps into the calibration, small errors elsewhere: scaled like
    # the step it would reach 20 at step 10; above the forecast the width stops at the break.
    steps = np.tile(np.arange(1, 11), 10)
    error = np.where(np.arange(100) % 10 == 0, 0.1, 0.3) * np.sqrt(steps)
    error[1] = -4.0
    errors = pd.DataFrame({"unique_id": "a", "model": "auto", "cutoff": np.repeat(range(10), 10), "step": steps,
                           "error": error})  # fmt: skip
    widths = half_widths(errors, (50, 80, 95, 99))
    down, up = level_widths(widths, np.arange(1, 11), (50, 80, 95, 99))
    assert up.max() <= CAP_FACTORS["up"] * 4.0 + 1e-9 and down.max() <= CAP_FACTORS["down"] * 4.0 + 1e-9
    assert (np.diff(up, axis=1) >= 0).all() and (np.diff(down, axis=1) >= 0).all()  # levels nest


def test_tails_are_at_least_the_floor_times_the_80_width():
    errors = pd.DataFrame({"unique_id": "a", "model": "auto", "cutoff": np.repeat(range(10), 4),
                           "step": np.tile(np.arange(1, 5), 10), "error": np.tile([1.0, -1.0], 20)})  # fmt: skip
    widths = half_widths(errors, (80, 95, 99))
    down, up = level_widths(widths, np.arange(1, 5), (80, 95, 99))
    # every error is 1: the 80 % width is 1, the floors would exceed the cap, which binds on the upper side
    np.testing.assert_allclose(up, 1.0)
    floors = np.minimum(CAP_FACTORS["down"], [TAIL_RATIOS[95], TAIL_RATIOS[99]])
    np.testing.assert_allclose(down[:, 1:], np.broadcast_to(floors, (4, 2)))
