"""n_jobs means the same everywhere: a positive count, or -1 for one per core; nothing else runs silently."""

from __future__ import annotations

import os

import numpy as np
import pandas as pd
import pytest

from forecasting.errors import OptionError
from forecasting.gravity import ppml_by_sector
from forecasting.gravity.ge import pair_bootstrap_draws
from forecasting.timeseries import forecast
from forecasting.validation import job_count


@pytest.mark.parametrize("given", [1, 2, 16, np.int64(3)])
def test_a_positive_count_is_kept(given):
    assert job_count(given) == int(given)


def test_minus_one_means_one_per_core():
    assert job_count(-1) == (os.cpu_count() or 1)


@pytest.mark.parametrize("given", [0, -2, 1.5, 2.0, "2", True, None])
def test_anything_else_is_refused_by_name(given):
    with pytest.raises(OptionError, match=rf"^jobs={given!r} is not valid: give a positive number"):
        job_count(given, name="jobs")


def _history() -> pd.DataFrame:
    return pd.DataFrame(
        {"series": "a", "period": np.arange(2000, 2020), "value": np.exp(np.linspace(1, 2, 20))}
    )


def test_every_entry_point_refuses_zero_workers_in_its_keyword():
    # forecast used to fail deep in statsforecast ("number sections must be larger than 0") and
    # the pair bootstrap ran serially without a word.
    flows = pd.DataFrame({"exporter": list("AABB"), "importer": list("ABAB"), "y": [1.0, 2.0, 3.0, 4.0]})
    calls = [
        lambda: forecast(_history(), keys=["series"], horizon=2, models="Naive", freq="A", n_jobs=0),
        lambda: pair_bootstrap_draws(flows, lambda d: d, draws=3, n_jobs=0),
        lambda: ppml_by_sector(flows.assign(commodity="c"), "y ~ 1", n_jobs=0),
    ]
    for call in calls:
        with pytest.raises(OptionError, match=r"^n_jobs=0 is not valid"):
            call()


def test_forecast_takes_minus_one_as_every_core():
    one = forecast(_history(), keys=["series"], horizon=2, models="Naive", freq="A")
    every = forecast(_history(), keys=["series"], horizon=2, models="Naive", freq="A", n_jobs=-1)
    pd.testing.assert_frame_equal(one, every)


@pytest.mark.parametrize("n_jobs", [1, 2, -1])
def test_joblib_chunks_give_the_serial_forecast_for_any_valid_count(n_jobs):
    panel = pd.concat(
        [_history().assign(series=s, value=lambda d, k=k: d.value * (k + 1)) for k, s in enumerate("abc")]
    )
    serial = forecast(panel, keys=["series"], horizon=2, models="Naive", freq="A")
    chunked = forecast(
        panel, keys=["series"], horizon=2, models="Naive", freq="A", backend="joblib", n_jobs=n_jobs
    )
    order = ["series", "period", "level"]
    pd.testing.assert_frame_equal(
        serial.sort_values(order).reset_index(drop=True), chunked.sort_values(order).reset_index(drop=True)
    )
