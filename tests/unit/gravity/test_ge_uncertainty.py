"""Monte Carlo intervals: reproducible, nested, centred, and honest about failed draws."""

from __future__ import annotations

import os
import signal
import threading
import time

import numpy as np
import pandas as pd
import pytest

from forecasting.errors import ConvergenceError, ForecastingWarning, OptionError, SchemaError
from forecasting.gravity.ge import GEOptions, ge_monte_carlo, simulate_ge_data
from forecasting.gravity.ge import draws as draws_module
from forecasting.gravity.ge.uncertainty import draw_coefficients
from tests.unit.gravity.test_sectors import _children


@pytest.fixture(scope="module")
def world() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    data, coefs = simulate_ge_data(n_countries=6, seed=2)
    se = coefs.set_index("term")["std_error"]
    # A correlated covariance, as a PPML fit would give.
    cov = pd.DataFrame(np.diag(se**2), index=se.index, columns=se.index)
    cov.loc["ln_dist", "border"] = cov.loc["border", "ln_dist"] = 0.5 * se["ln_dist"] * se["border"]
    return data, coefs, cov


AAA = GEOptions(reference_importer="AAA")


def _run(world, **options):
    data, coefs, cov = world
    options.setdefault("covariance", cov)
    options.setdefault("draws", 60)
    options.setdefault("seed", 7)
    return ge_monte_carlo(data, coefs, {"border": 0.0}, options=AAA, **options)


def test_same_seed_same_intervals_whatever_n_jobs(world) -> None:
    serial = _run(world, n_jobs=1, chunk_size=20)
    parallel = _run(world, n_jobs=2, chunk_size=20)
    again = _run(world, n_jobs=1, chunk_size=60)
    pd.testing.assert_frame_equal(serial.country, parallel.country)
    pd.testing.assert_frame_equal(serial.bilateral, parallel.bilateral)
    np.testing.assert_allclose(serial.country["upper"], again.country["upper"], rtol=1e-9)
    different = _run(world, seed=8)
    assert not np.allclose(serial.country["upper"], different.country["upper"])


def test_intervals_nest_and_cover_the_point(world) -> None:
    result = _run(world, level=(80, 95))
    wide = result.tidy(95).set_index(["country", "measure"])
    narrow = result.tidy(80).set_index(["country", "measure"])
    moving = wide["upper"] - wide["lower"] > 1e-9
    assert moving.sum() > 20
    assert (narrow["lower"] >= wide["lower"] - 1e-12).all() and (
        narrow["upper"] <= wide["upper"] + 1e-12
    ).all()
    inside = (wide["lower"] <= wide["change_pct"] + 1e-9) & (wide["change_pct"] <= wide["upper"] + 1e-9)
    assert inside.mean() > 0.9
    assert set(result.bilateral.columns) >= {"exporter", "importer", "lower", "median", "upper", "level"}
    assert result.diagnostics["n_draws"] == 60 and result.diagnostics["n_failed"] == 0


def test_zero_covariance_collapses_intervals_to_the_point(world) -> None:
    data, coefs, cov = world
    result = _run(world, covariance=cov * 0.0, draws=5)
    table = result.tidy(95)
    np.testing.assert_allclose(table["lower"], table["change_pct"], atol=1e-7)
    np.testing.assert_allclose(table["upper"], table["change_pct"], atol=1e-7)


def test_draws_follow_the_covariance(world) -> None:
    _, coefs, cov = world
    table = draw_coefficients(coefs, draws=20_000, seed=3, covariance=cov)
    wide = table.pivot(index="draw", columns="term", values="estimate")
    np.testing.assert_allclose(wide.mean(), coefs.set_index("term")["estimate"].loc[wide.columns], atol=3e-3)
    np.testing.assert_allclose(wide.cov().loc[cov.index, cov.columns], cov, rtol=0.05, atol=1e-5)


def test_failed_draws_are_reported_not_hidden(world, monkeypatch) -> None:
    real = draws_module.ChunkSolver.solve
    data, coefs, cov = world
    draws = pd.DataFrame(
        {
            "draw": np.repeat(np.arange(4), 2),
            "term": ["ln_dist", "border"] * 4,
            "estimate": [-0.9, -2.0, -0.95, -2.1, -0.85, 99.0, -0.9, -1.9],
        }
    )

    def flaky(self, log_base, log_new, sigma):
        if np.any(log_base > 50.0):  # the draw with a border coefficient of 99
            raise ConvergenceError("simulated failure")
        return real(self, log_base, log_new, sigma)

    monkeypatch.setattr(draws_module.ChunkSolver, "solve", flaky)
    with pytest.warns(ForecastingWarning, match="1 of 4 draws had no equilibrium"):
        result = _run(world, coefficient_draws=draws)
    assert result.diagnostics["failed_draws"] == [2]
    assert result.diagnostics["source"] == "supplied"
    assert np.isfinite(result.tidy(95)["upper"]).all()


def test_missing_uncertainty_inputs_are_explained(world) -> None:
    data, coefs, _ = world
    with pytest.raises(SchemaError, match="covariance matrix or a complete std_error"):
        ge_monte_carlo(data, coefs.drop(columns="std_error"), {"border": 0.0}, options=AAA, draws=5)
    with pytest.warns(ForecastingWarning, match="independently"):
        ge_monte_carlo(data, coefs, {"border": 0.0}, options=AAA, draws=5, seed=1)
    fixed = data[["exporter", "importer"]].assign(delta_log_cost=2.0 * data["border"])
    with pytest.warns(ForecastingWarning, match="held fixed across draws"):
        ge_monte_carlo(data, coefs, fixed, covariance=world[2], options=AAA, draws=5, seed=1)
    with pytest.raises(SchemaError, match="level"):
        _run(world, level=120)
    with pytest.raises(OptionError, match=r"^n_jobs=0 is not valid: give a positive number"):
        _run(world, n_jobs=0)


def _log_ols(frame: pd.DataFrame) -> pd.DataFrame:
    """A quick first stage for tests: OLS of log trade on the covariates and country dummies."""
    dummies = pd.get_dummies(frame[["exporter", "importer"]], drop_first=True, dtype=float)
    design = np.column_stack(
        [frame[["ln_dist", "border"]].to_numpy(), np.ones(len(frame)), dummies.to_numpy()]
    )
    beta = np.linalg.lstsq(design, np.log(frame["value_usd"].to_numpy()), rcond=None)[0]
    return pd.DataFrame({"term": ["ln_dist", "border"], "estimate": beta[:2]})


def test_pair_bootstrap_feeds_monte_carlo(world) -> None:
    from forecasting.gravity.ge import pair_bootstrap_draws

    data, coefs, _ = world
    first = pair_bootstrap_draws(data, _log_ols, draws=30, seed=5)
    second = pair_bootstrap_draws(data, _log_ols, draws=30, seed=5, n_jobs=2)
    pd.testing.assert_frame_equal(first, second)
    spread = first.groupby("term")["estimate"].std()
    assert (spread > 0).all() and (spread < 0.5).all()
    result = _run(world, coefficient_draws=first)
    assert result.diagnostics["source"] == "supplied" and result.diagnostics["n_draws"] == 30
    table = result.tidy(95)
    assert (table["upper"] >= table["lower"]).all()


def _slow_log_ols(frame: pd.DataFrame) -> pd.DataFrame:
    time.sleep(1.0)
    return _log_ols(frame)


@pytest.mark.filterwarnings("error::pytest.PytestUnhandledThreadExceptionWarning")
def test_a_ctrl_c_stops_a_parallel_bootstrap_at_once(world) -> None:
    # The standard library's pool ran every queued refit before the Ctrl-C took effect
    # (40 draws of 1 s on two workers: the interrupt took effect 17 s late). With all 40 queued
    # in loky's pool, its manager thread failed on them (KeyError) when the workers were killed.
    from forecasting.gravity.ge import pair_bootstrap_draws

    data, _, _ = world
    before = _children()
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    ctrl_c = threading.Timer(3.0, os.kill, (os.getpid(), signal.SIGINT))
    start = time.perf_counter()
    try:
        ctrl_c.start()
        with pytest.raises(KeyboardInterrupt):
            pair_bootstrap_draws(data, _slow_log_ols, draws=40, seed=5, n_jobs=2)
        waited = time.perf_counter() - start
    finally:
        ctrl_c.cancel()
        signal.signal(signal.SIGINT, previous)
    assert waited < 3.0 + 4.0, f"the interrupt took effect {waited - 3.0:.1f} s after the Ctrl-C"
    assert _children() - before == set()


def test_a_parallel_bootstrap_takes_a_lambda(world) -> None:
    from forecasting.gravity.ge import pair_bootstrap_draws

    data, _, _ = world
    shift = 1.0  # a closure over a local, as in a notebook cell
    estimator = lambda frame: _log_ols(frame).assign(estimate=lambda t: t.estimate + shift)  # noqa: E731
    parallel = pair_bootstrap_draws(data, estimator, draws=6, seed=3, n_jobs=2)
    pd.testing.assert_frame_equal(parallel, pair_bootstrap_draws(data, estimator, draws=6, seed=3))


def test_pair_bootstrap_records_failed_refits(world) -> None:
    from forecasting.gravity.ge import pair_bootstrap_draws

    data, _, _ = world
    calls = {"n": 0}

    def sometimes(frame: pd.DataFrame) -> pd.DataFrame:
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("no convergence")
        return _log_ols(frame)

    with pytest.warns(ForecastingWarning, match="1 of 5 bootstrap refits failed"):
        table = pair_bootstrap_draws(data, sometimes, draws=5, seed=1)
    assert list(table.attrs["failed_draws"]) == [1]
    assert sorted(table["draw"].unique()) == [0, 2, 3, 4]
