"""How many calibration origins and steps a history gets, and how few origins widen the widths."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from forecasting.timeseries import simulate_paths, to_panel
from forecasting.timeseries.conformal import calibration_plan, small_sample_factor
from forecasting.timeseries.core import RunSettings


def plan_for(years: int, horizon: int, need: int = 4) -> tuple[int, int]:
    frame = pd.DataFrame({"k": "a", "period": range(2000, 2000 + years), "value": np.arange(years) + 1.0})
    panel = to_panel(frame, keys=["k"], time_col="period", value_col="value", freq="A")
    (plan,) = calibration_plan(panel, need, RunSettings(horizon=horizon, levels=(80,))).values()
    return plan


@pytest.mark.parametrize(
    ("years", "horizon", "expected"),
    [
        (40, 10, (10, 10)),  # room for every step and the default ten origins
        (25, 10, (9, 9)),  # origins keep 8 years: 17 left, at most half (9) for steps
        (18, 10, (6, 5)),  # 10 left: 5 steps from 6 origins, not 8 steps from 3
        (12, 10, (4, 3)),  # keeping 8 years would leave 4: origins keep 6, and 6 are left
        (11, 10, (4, 3)),
        (7, 10, (3, 1)),  # too short for either: the models' minimum (4) and three origins
    ],
)
def test_origins_keep_eight_years_and_share_the_rest_with_the_steps(years, horizon, expected):
    assert plan_for(years, horizon) == expected


def test_few_origins_widen_by_the_student_t_prediction_ratio():
    def by_hand(windows: int, level: float) -> float:
        q = 0.5 + level / 200
        own = stats.t.ppf(q, windows - 1) * np.sqrt(1 + 1 / windows)
        return own / (stats.t.ppf(q, 9) * np.sqrt(1 + 1 / 10))

    factors = small_sample_factor(np.array([3, 6, 9, 10, 25]), 95)
    np.testing.assert_allclose(factors[:3], [by_hand(3, 95), by_hand(6, 95), by_hand(9, 95)])
    assert factors[3] == factors[4] == 1.0
    assert (np.diff(factors[:4]) < 0).all()  # fewer origins, wider
    assert small_sample_factor(3, 99) > small_sample_factor(3, 95) > small_sample_factor(3, 80) > 1
    # At 80 % the full ratio over-covered short development histories: its square root is used.
    np.testing.assert_allclose(
        small_sample_factor(np.array([3, 6]), 80), np.sqrt([by_hand(3, 80), by_hand(6, 80)])
    )


def test_short_noisy_histories_keep_sane_tails_whatever_the_seed():
    # 18 years of log-level white noise (sd 0.8): calibrating on trends fitted to the first four
    # years put path means up to 107 times the median ten years on (benchmarks/noise_tails.py).
    ratios, inside = [], []
    for seed in range(10, 20):
        rng = np.random.default_rng(seed)
        hist = pd.DataFrame(
            {"k": "a", "period": range(2008, 2026), "value": np.exp(17 + rng.normal(0, 0.8, 18))}
        )
        paths = simulate_paths(
            hist, keys=["k"], model="auto", horizon=10, n_paths=2000, seed=3, transform="log"
        )
        last = paths[paths["period"].dt.year == 2035]["value"].to_numpy()
        low, median, high, far = np.quantile(last, [0.1, 0.5, 0.9, 0.999])
        ratios.append((last.mean() / median, far / median))
        inside.append(low <= last.mean() <= high)
    assert all(inside), ratios
    assert max(r[0] for r in ratios) < 5 and max(r[1] for r in ratios) < 100, ratios
