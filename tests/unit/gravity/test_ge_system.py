"""The structural system and its solvers, checked against the model's primitives."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from forecasting.gravity.ge.book import book_full_equilibrium
from forecasting.gravity.ge.equilibrium import full_equilibrium, resistance_equilibrium
from forecasting.gravity.ge.system import solve_full, solve_resistances


def _world(n: int, seed: int, symmetric: bool = False) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    log_cost = -rng.uniform(0.5, 4.0, size=(n, n))
    np.fill_diagonal(log_cost, 0.0)
    flows = np.exp(rng.normal(0.0, 1.0, size=(n, n)) + log_cost)
    if symmetric:
        log_cost = (log_cost + log_cost.T) / 2.0
        flows = (flows + flows.T) / 2.0
    return log_cost[None], flows


@given(n=st.integers(2, 12), seed=st.integers(0, 10_000))
@settings(max_examples=25, deadline=None)
def test_resistances_reproduce_totals_with_reference_normalised(n: int, seed: int) -> None:
    log_cost, flows = _world(n, seed)
    output, expenditure = flows.sum(axis=1)[None], flows.sum(axis=0)[None]
    log_a, log_b, info = solve_resistances(log_cost, output, expenditure, reference=n - 1)
    fitted = np.exp(log_a[0][:, None] + log_b[0][None, :] + log_cost[0])
    assert info.converged.all()
    np.testing.assert_allclose(fitted.sum(axis=1), output[0], rtol=1e-9)
    np.testing.assert_allclose(fitted.sum(axis=0), expenditure[0], rtol=1e-9)
    assert log_b[0, n - 1] == pytest.approx(0.0, abs=1e-12)


def test_batched_solves_equal_one_at_a_time() -> None:
    costs, totals = [], []
    for seed in range(3):
        log_cost, flows = _world(5, seed)
        costs.append(log_cost[0])
        totals.append((flows.sum(axis=1), flows.sum(axis=0)))
    batch = solve_resistances(
        np.stack(costs), np.stack([t[0] for t in totals]), np.stack([t[1] for t in totals]), 0
    )
    for d in range(3):
        single = solve_resistances(costs[d][None], totals[d][0][None], totals[d][1][None], 0)
        np.testing.assert_allclose(batch[0][d], single[0][0], atol=1e-10)
        np.testing.assert_allclose(batch[1][d], single[1][0], atol=1e-10)


def test_unchanged_costs_leave_prices_at_one() -> None:
    log_cost, flows = _world(6, 3)
    output = flows.sum(axis=1)[None]
    phi = flows.sum(axis=0)[None] / output
    log_a0, _, _ = solve_resistances(log_cost, output, phi * output, 2)
    log_price, kappa, info = solve_full(log_cost, log_a0, output, phi, 5.0, 2)
    assert info.converged.all() and info.iterations == 1
    np.testing.assert_allclose(log_price, 0.0, atol=1e-12)
    assert kappa[0] == pytest.approx(1.0)


@pytest.mark.parametrize("sigma", [3.0, 7.0, 12.0])
def test_full_equilibrium_clears_markets_from_ces_primitives(sigma: float) -> None:
    """Rebuild demand from CES primitives (preference weights, prices, costs) and check it."""
    log_cost, flows = _world(7, 11)
    output, expenditure = flows.sum(axis=1)[None], flows.sum(axis=0)[None]
    base = resistance_equilibrium(log_cost, output, expenditure, 0, tol=1e-12, max_iter=50)
    new_cost = log_cost + 0.8 * (1.0 - np.eye(7))  # every international cost falls
    full, kappa = full_equilibrium(new_cost, base, sigma, 0, tol=1e-12, max_iter=50)
    # Baseline prices are 1, so (beta_i)^(1-sigma) is the baseline exporter term up to scale.
    weight = base.exporter_effect[0]
    price = full.price[0]
    supply = weight * price ** (1.0 - sigma)
    index = supply @ np.exp(new_cost[0])
    income = price * output[0]
    spend = kappa[0] * (expenditure[0] / output[0]) * income
    demand = supply[:, None] * np.exp(new_cost[0]) * (spend / index)[None, :]
    np.testing.assert_allclose(demand.sum(axis=1), income, rtol=1e-9)
    np.testing.assert_allclose(demand.sum(), income.sum(), rtol=1e-12)
    # Numeraire: the reference importer's CES price index is unchanged.
    assert index[0] == pytest.approx((weight @ np.exp(log_cost[0]))[0], rel=1e-10)
    assert full.imr_power[0, 0] == pytest.approx(1.0, rel=1e-10)


def test_newton_equals_the_books_loop_run_to_convergence_when_trade_is_balanced() -> None:
    # With balanced trade (E = Y) the book's loop and the direct solve describe the same
    # equilibrium; two independent algorithms must then agree.
    log_cost, flows = _world(8, 5, symmetric=True)
    output, expenditure = flows.sum(axis=1)[None], flows.sum(axis=0)[None]
    np.testing.assert_allclose(output, expenditure)
    base = resistance_equilibrium(log_cost, output, expenditure, 3, tol=1e-12, max_iter=50)
    new_cost = log_cost + 1.5 * (1.0 - np.eye(8))
    cdl = resistance_equilibrium(
        new_cost, output, expenditure, 3, tol=1e-12, max_iter=50, stage="conditional"
    )
    newton, _ = full_equilibrium(new_cost, base, 7.0, 3, tol=1e-12, max_iter=50)
    loop = book_full_equilibrium(new_cost, base, cdl, 7.0, 3, rule="tight", tol=1e-12, max_iter=2000)
    np.testing.assert_allclose(loop.price, newton.price, rtol=1e-8)
    np.testing.assert_allclose(loop.flows, newton.flows, rtol=1e-7)
    np.testing.assert_allclose(loop.imr_power, newton.imr_power, rtol=1e-8)
