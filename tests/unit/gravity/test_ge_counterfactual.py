"""counterfactual() and its coefficient route: known truths, economic sanity, input checks, contracts."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from forecasting.errors import ConvergenceError, ScenarioError, SchemaError, UnknownCodeError
from forecasting.gravity.ge import (
    GEOptions,
    counterfactual,
    counterfactual_from_coefficients,
    simulate_ge_data,
)
from forecasting.schema import GE_BILATERAL, GE_COUNTRY, validate

SOLVE_KEYS = ("sigma", "reference_importer", "kind", "stopping", "tol", "max_iter", "baseline")


def by_coefficients(data, coefs, changes, **options):
    """The coefficient route with GE options given as keywords (AAA the reference importer)."""
    options.setdefault("reference_importer", "AAA")
    solve = GEOptions(**{k: options.pop(k) for k in SOLVE_KEYS if k in options})
    return counterfactual_from_coefficients(data, coefs, changes, options=solve, **options)


@pytest.fixture(scope="module")
def world() -> tuple[pd.DataFrame, pd.DataFrame]:
    return simulate_ge_data(n_countries=8, seed=4)


def _no_borders(data, coefs, **options):
    return by_coefficients(data, coefs, {"border": 0.0}, **options)


@pytest.mark.parametrize("kind", ["full", "conditional"])
def test_zero_shock_changes_nothing(world, kind) -> None:
    data, coefs = world
    same = data[["exporter", "importer", "border"]]
    result = by_coefficients(data, coefs, same, kind=kind)
    assert result.country["change_pct"].abs().max() < 1e-9
    assert result.bilateral["change_pct"].abs().max() < 1e-9


def test_scaling_all_trade_leaves_percentage_changes_unchanged(world) -> None:
    data, coefs = world
    first = _no_borders(data, coefs)
    scaled = _no_borders(data.assign(value_usd=data["value_usd"] * 1e-6), coefs)
    np.testing.assert_allclose(
        first.country["change_pct"], scaled.country["change_pct"], rtol=1e-8, atol=1e-9
    )


def test_separable_pair_effect_is_absorbed_by_country_effects(world) -> None:
    data, coefs = world
    codes = {c: k for k, c in enumerate(sorted(data["exporter"].unique()))}
    separable = data.assign(pair=0.3 * data["exporter"].map(codes) - 0.2 * data["importer"].map(codes))
    plain = _no_borders(data, coefs)
    with_pair = _no_borders(separable, coefs, pair_effect="pair")
    np.testing.assert_allclose(plain.country["change_pct"], with_pair.country["change_pct"], atol=1e-8)


def test_equilibrium_identities_hold(world) -> None:
    data, coefs = world
    result = _no_borders(data, coefs)
    d = result.diagnostics
    assert d["converged"] and d["residual"] < 1e-8
    assert d["market_clearing_residual"] < 1e-9 and d["budget_residual"] < 1e-9
    wide = result.country.pivot(index="country", columns="measure", values="counterfactual")
    np.testing.assert_allclose(wide["real_gdp"], wide["gdp"] / wide["imr"], rtol=1e-12)
    assert wide.loc["AAA", "imr"] == pytest.approx(1.0)
    flows = result.bilateral
    exports = flows[flows.exporter != flows.importer].groupby("exporter")["counterfactual_usd"].sum()
    np.testing.assert_allclose(exports, wide.loc[exports.index, "exports"], rtol=1e-12)
    validate(result.country, GE_COUNTRY)
    validate(result.bilateral, GE_BILATERAL)


def test_removing_borders_raises_trade_and_welfare_everywhere(world) -> None:
    data, coefs = world
    result = _no_borders(data, coefs)
    assert (result.change("exports") > 0).all()
    assert (result.change("real_gdp") > 0).all()
    # Conditional stage holds output fixed; the full stage lets it move.
    conditional = _no_borders(data, coefs, kind="conditional")
    assert conditional.change("gdp").abs().max() < 1e-12
    assert conditional.change("factory_gate_price").abs().max() < 1e-12
    np.testing.assert_allclose(conditional.change("exports"), result.change("exports_conditional"), atol=1e-9)


def test_cheaper_route_diverts_trade_from_third_countries(world) -> None:
    data, coefs = world
    cut = pd.DataFrame({"exporter": ["AAA"], "importer": ["BBB"], "delta_log_cost": [0.5]})
    result = by_coefficients(data, coefs, cut, kind="conditional")
    pairs = result.bilateral.set_index(["exporter", "importer"])["change_pct"]
    assert pairs["AAA", "BBB"] > 50.0
    third = pairs.xs("BBB", level="importer").drop("AAA")
    assert (third < 0).all()


def test_delta_log_cost_equals_new_covariate_values(world) -> None:
    data, coefs = world
    beta_border = float(coefs.set_index("term").loc["border", "estimate"])
    delta = data[["exporter", "importer"]].assign(delta_log_cost=-beta_border * data["border"])
    by_delta = by_coefficients(data, coefs, delta)
    by_value = _no_borders(data, coefs)
    np.testing.assert_allclose(by_delta.country["change_pct"], by_value.country["change_pct"], atol=1e-9)


def test_observed_baseline_reproduces_observed_flows(world) -> None:
    data, coefs = world
    result = _no_borders(data, coefs, baseline="observed")
    merged = result.bilateral.merge(data, on=["exporter", "importer"])
    np.testing.assert_allclose(merged["baseline_usd"], merged["value_usd"], rtol=1e-9)
    assert (result.change("exports") > 0).all()


def test_book_stopping_warns_and_stays_near_the_tight_answer(world) -> None:
    from forecasting.errors import ConvergenceWarning

    data, coefs = world
    with pytest.warns(ConvergenceWarning, match="book's stopping rule"):
        book = _no_borders(data, coefs, stopping="book")
    tight = _no_borders(data, coefs)
    gap = (book.change("factory_gate_price") - tight.change("factory_gate_price")).abs()
    assert gap.max() < 1.0
    assert "residual" in str(tight.summary()) and "<table" in tight.summary()._repr_html_()


def test_no_equilibrium_within_max_iter_raises(world) -> None:
    data, coefs = world
    with pytest.raises(ConvergenceError, match="did not converge in 1 iterations"):
        _no_borders(data, coefs, max_iter=1)


def test_incomplete_square_names_the_missing_pairs(world) -> None:
    data, coefs = world
    holed = data[~((data.exporter == "BBB") & (data.importer == "CCC"))]
    with pytest.raises(SchemaError, match=r"1 pairs are missing: 'BBB->CCC'"):
        _no_borders(holed, coefs)


@pytest.mark.parametrize(
    ("mutate", "error", "message"),
    [
        (lambda d: d.assign(value_usd=d["value_usd"].where(d.index != 3, -1.0)), SchemaError, "negative"),
        (lambda d: d.assign(year=np.arange(len(d)) % 2 + 2000), SchemaError, "several values of 'year'"),
        (lambda d: d.drop(columns="ln_dist"), SchemaError, r"lacks column\(s\) 'ln_dist'"),
        (lambda d: pd.concat([d, d.iloc[[0]]]), SchemaError, "repeat a pair: 'AAA->AAA'"),
        (lambda d: d.assign(ln_dist=d["ln_dist"].where(d.index != 5, np.nan)), SchemaError, "ln_dist"),
    ],
)
def test_bad_data_is_reported(world, mutate, error, message) -> None:
    data, coefs = world
    with pytest.raises(error, match=message):
        _no_borders(mutate(data), coefs)


def test_bad_choices_are_reported(world) -> None:
    data, coefs = world
    with pytest.raises(UnknownCodeError, match="'ZZZ' is not among the 8 countries"):
        _no_borders(data, coefs, reference_importer="ZZZ")
    with pytest.raises(SchemaError, match="use one of 'tight', 'book'"):
        _no_borders(data, coefs, stopping="loose")
    with pytest.raises(SchemaError, match="sigma must be greater than 1"):
        _no_borders(data, coefs, sigma=0.5)
    with pytest.raises(ScenarioError, match="'tariff'"):
        by_coefficients(data, coefs, {"tariff": 0.0})
    with pytest.raises(ScenarioError, match="'QQQ'"):
        by_coefficients(
            data, coefs, pd.DataFrame({"exporter": ["QQQ"], "importer": ["AAA"], "delta_log_cost": [0.1]})
        )
    with pytest.raises(SchemaError, match="several models"):
        _no_borders(data, pd.concat([coefs.assign(model="a"), coefs.assign(model="b")]))


def test_constant_term_is_ignored_and_zero_output_country_rejected(world) -> None:
    data, coefs = world
    with_constant = pd.concat([coefs, pd.DataFrame({"term": ["Intercept"], "estimate": [3.0]})])
    np.testing.assert_allclose(
        _no_borders(data, with_constant).country["change_pct"], _no_borders(data, coefs).country["change_pct"]
    )
    silent = data.assign(value_usd=data["value_usd"].where(data.exporter != "DDD", 0.0))
    with pytest.raises(SchemaError, match="'DDD' have zero total output"):
        _no_borders(silent, coefs)


def test_corridor_scenario_frame_is_accepted(world) -> None:
    data, coefs = world
    # The shape Scenario.cost_changes returns: the total plus its channels and phase-in.
    changes = pd.DataFrame(
        {
            "exporter": ["AAA", "BBB"],
            "importer": ["BBB", "AAA"],
            "commodity": ["TOTAL", "TOTAL"],
            "delta_log_cost": [0.3, 0.2],
            "delta_days": [-5.0, -5.0],
            "channel": ["transit", "transit"],
            "phase": [1.0, 1.0],
        }
    )
    result = counterfactual(
        data, changes, options=GEOptions(reference_importer="AAA", baseline="observed"), scenario="rail"
    )
    pairs = result.bilateral.set_index(["exporter", "importer"])["change_pct"]
    assert pairs["AAA", "BBB"] > 0 and pairs["BBB", "AAA"] > 0
    assert set(result.country["scenario"]) == {"rail"}
    with pytest.raises(ScenarioError, match="one row per pair"):
        counterfactual(
            data,
            pd.concat([changes, changes]),
            options=GEOptions(reference_importer="AAA", baseline="observed"),
        )
    with pytest.raises(ScenarioError, match="'channel'"):
        by_coefficients(data, coefs, changes.drop(columns="delta_log_cost").assign(border=0.0))
    with pytest.raises(ScenarioError, match="lack columns 'delta_log_cost'"):
        counterfactual(
            data,
            changes.drop(columns="delta_log_cost"),
            options=GEOptions(reference_importer="AAA", baseline="observed"),
        )


def test_direct_cost_change_equals_the_coefficient_route(world) -> None:
    """The one entry point, given the cost change the coefficient route computes, gives its numbers."""
    data, coefs = world
    beta = coefs.set_index("term")["estimate"]
    fitted = data.assign(log_cost=beta["ln_dist"] * data["ln_dist"] + beta["border"] * data["border"])
    delta = data[["exporter", "importer"]].assign(delta_log_cost=-beta["border"] * data["border"])
    direct = counterfactual(fitted, delta, options=GEOptions(reference_importer="AAA"))
    route = _no_borders(data, coefs)
    pd.testing.assert_frame_equal(direct.country, route.country, rtol=1e-12, atol=1e-12)
    pd.testing.assert_frame_equal(direct.bilateral, route.bilateral, rtol=1e-12, atol=1e-12)


def test_fitted_baseline_without_log_costs_is_refused(world) -> None:
    data, _ = world
    cut = pd.DataFrame({"exporter": ["AAA"], "importer": ["BBB"], "delta_log_cost": [0.5]})
    with pytest.raises(SchemaError, match="baseline='observed'"):
        counterfactual(data, cut, options=GEOptions(reference_importer="AAA"))
    series = cut.set_index(["exporter", "importer"])["delta_log_cost"]
    observed = GEOptions(reference_importer="AAA", baseline="observed")
    pd.testing.assert_frame_equal(
        counterfactual(data, series, options=observed).country,
        counterfactual(data, cut, options=observed).country,
    )
    with pytest.raises(ScenarioError, match="counterfactual_draws"):
        counterfactual(data, pd.concat([cut.assign(draw=0), cut.assign(draw=1)]), options=observed)
