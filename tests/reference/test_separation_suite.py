"""Separation in PPML: hand-built cases of every kind, with the separated rows known.

The kinds follow Correia, Guimarães & Zylkin (2021), "Verifying the existence of maximum
likelihood estimates for generalized linear models", and the examples in ppmlhdfe's
separation primer (a regressor that is positive only on zero flows, a combination of two
regressors, a fixed-effect level with only zeros, and two fixed effects whose combination
isolates one zero): the data here are our own, built so the separated rows are known by
construction. For each case the estimates on the remaining rows are checked against an
independent Poisson maximum-likelihood fit (statsmodels GLM, fixed effects as dummies),
which has finite estimates on those rows.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from forecasting.errors import EstimationError
from forecasting.gravity import ppml

pytestmark = pytest.mark.reference

INDEPENDENT_MLE = 1e-6  # IRLS to tol 1e-10 (pyfixest) vs Newton/IRLS to 1e-12 (statsmodels)


def _glm(data: pd.DataFrame, regressors: list[str], fixed_effects: list[str], weights: str | None = None):
    """statsmodels Poisson MLE with one dummy per fixed-effect level (an intercept when there are none)."""
    parts = [data[regressors].astype(float)]
    for fe in fixed_effects:
        parts.append(pd.get_dummies(data[fe].astype(str), prefix=fe, drop_first=bool(parts[1:]), dtype=float))
    exog = pd.concat(parts, axis=1)
    if not fixed_effects:
        exog.insert(0, "Intercept", 1.0)
    kwargs = {"var_weights": data[weights].to_numpy(float)} if weights else {}
    fit = sm.GLM(data["y"].to_numpy(float), exog, family=sm.families.Poisson(), **kwargs)
    return fit.fit(tol=1e-12, maxiter=500).params


def _compare(result, reference: pd.Series) -> None:
    common = [t for t in result.coef.index]
    assert common, "no coefficient to compare"
    np.testing.assert_allclose(result.coef[common], reference[common], atol=INDEPENDENT_MLE)


def _regressor_case(seed: int = 1) -> tuple[pd.DataFrame, list[int]]:
    """x2 is 1 on three zero flows and 0 elsewhere: its coefficient would be minus infinity."""
    rng = np.random.default_rng(seed)
    n = 60
    data = pd.DataFrame({"x1": rng.normal(size=n), "x2": 0.0})
    data["y"] = rng.poisson(np.exp(0.5 + 0.3 * data["x1"])).astype(float)
    separated = [4, 17, 33]
    data.loc[separated, "y"] = 0.0
    data.loc[separated, "x2"] = 1.0
    return data, separated


def test_regressor_driven_no_fixed_effects() -> None:
    data, separated = _regressor_case()
    with pytest.warns(UserWarning, match="'x2' are collinear"):
        res = ppml(data, "y ~ x1 + x2")
    assert sorted(res.dropped.loc[res.dropped.reason == "separated", "row"]) == separated
    assert res.collinear == ("x2",) and res.converged
    assert res.separated_by == {"simplex": 3}
    _compare(res, _glm(data.drop(index=separated), ["x1"], []))


def test_combination_of_two_regressors_no_fixed_effects() -> None:
    # z = 2 x1 + x2 is 0 on every positive flow, >= 0 on zeros and > 0 on rows 0 and 9 only.
    rng = np.random.default_rng(2)
    n = 50
    x1 = rng.normal(size=n)
    data = pd.DataFrame({"x1": x1, "x2": -2 * x1 + 0.0, "x3": rng.normal(size=n)})
    data["y"] = rng.poisson(np.exp(1 + 0.4 * data["x3"])).astype(float)
    separated = [0, 9]
    data.loc[separated, "x2"] += [3.0, 1.5]
    data.loc[separated, "y"] = 0.0
    quiet_zeros = [20, 21]  # zeros on which z = 0: not separated
    data.loc[quiet_zeros, "y"] = 0.0
    with pytest.warns(UserWarning, match="collinear"):
        res = ppml(data, "y ~ x1 + x2 + x3")
    assert sorted(res.dropped["row"]) == separated
    kept = data.drop(index=separated)
    _compare(res, _glm(kept, [c for c in ["x1", "x2", "x3"] if c in res.coef.index], []))


def _fixed_effect_case(seed: int = 3) -> tuple[pd.DataFrame, list[int]]:
    """Group 'g07' has only zero flows; in (a, b) the zero at (a1, b0) is isolated by a + b."""
    rng = np.random.default_rng(seed)
    groups = np.repeat([f"g{i:02d}" for i in range(10)], 8)
    data = pd.DataFrame({"g": groups, "x": rng.normal(size=len(groups))})
    data["y"] = rng.poisson(np.exp(1 + 0.5 * data["x"])).astype(float)
    all_zero = list(np.flatnonzero(groups == "g07"))
    data.loc[all_zero, "y"] = 0.0
    return data, all_zero


def test_fixed_effect_level_with_only_zeros() -> None:
    data, separated = _fixed_effect_case()
    res = ppml(data, "y ~ x | g")
    assert sorted(res.dropped["row"]) == separated and res.separated_by == {"fe": len(separated)}
    _compare(res, _glm(data.drop(index=separated), ["x"], ["g"]))


def _two_way_case(seed: int = 4) -> tuple[pd.DataFrame, int]:
    """Two fixed effects; one zero flow is separated by their combination (no level is all zero).

    Exporters A = {e0, e1} trade with importers B = {i0, i1}, and exporters e2..e5 with
    importers i2..i5; the only flow across the blocks, e0 -> i3, is zero. Then
    z = 1[exporter in A] - 1[importer in B] is zero on every other flow and 1 on e0 -> i3:
    that row is separated, although e0 and i3 both have positive flows.
    """
    rng = np.random.default_rng(seed)
    rows = [(f"e{a}", f"i{b}") for a in (0, 1) for b in (0, 1)]
    rows += [(f"e{a}", f"i{b}") for a in range(2, 6) for b in range(2, 6)]
    rows += [("e0", "i3")]
    data = pd.DataFrame(rows, columns=["exp", "imp"])
    data["x"] = rng.normal(size=len(data))
    data["y"] = rng.poisson(np.exp(1.5 + 0.4 * data["x"])).astype(float).clip(min=1.0)
    target = len(data) - 1
    data.loc[target, "y"] = 0.0
    data.loc[[6, 13], "y"] = 0.0  # zeros inside a block: not separated
    return data, target


def test_two_fixed_effects_combine_to_separate_one_zero() -> None:
    data, target = _two_way_case()
    res = ppml(data, "y ~ x | exp + imp")
    assert res.dropped["row"].tolist() == [target] and res.separated_by == {"ir": 1}
    kept = data.drop(index=target)
    _compare(res, _glm(kept, ["x"], ["exp", "imp"]))


def test_fixed_effect_and_regressor_together() -> None:
    # z = 1[g == g03] - x is zero on all positive flows and 1 on g03's zero flows: neither the
    # fixed-effect check nor the regressors alone see it. x is then collinear with g03.
    rng = np.random.default_rng(5)
    groups = np.repeat([f"g{i:02d}" for i in range(8)], 10)
    data = pd.DataFrame({"g": groups, "w": rng.normal(size=len(groups))})
    data["y"] = rng.poisson(np.exp(1.2 + 0.3 * data["w"])).astype(float).clip(min=1.0)
    in_g03 = np.flatnonzero(groups == "g03")
    separated = [int(in_g03[1]), int(in_g03[6])]
    data.loc[separated, "y"] = 0.0
    data["x"] = ((data["g"] == "g03") & (data["y"] > 0)).astype(float)
    data.loc[[40, 50], "y"] = 0.0  # ordinary zeros elsewhere
    with pytest.warns(UserWarning, match="'x' are collinear"):
        res = ppml(data, "y ~ w + x | g")
    assert sorted(res.dropped["row"]) == separated and res.separated_by == {"ir": 2}
    _compare(res, _glm(data.drop(index=separated), ["w"], ["g"]))


def test_zeros_without_separation_drop_nothing() -> None:
    rng = np.random.default_rng(6)
    data = pd.DataFrame({"g": np.repeat(list("abcdefgh"), 12), "x": rng.normal(size=96)})
    data["y"] = rng.poisson(np.exp(0.2 + 0.6 * data["x"])).astype(float)
    assert (data["y"] == 0).sum() > 10
    res = ppml(data, "y ~ x | g")
    assert res.dropped.empty and res.separated_by == {}
    _compare(res, _glm(data, ["x"], ["g"]))
    plain = ppml(data, "y ~ x")
    _compare(plain, _glm(data, ["x"], []))


def test_weights_do_not_change_what_is_separated() -> None:
    data, separated = _regressor_case(seed=7)
    data["w"] = np.random.default_rng(8).uniform(0.5, 3.0, len(data))
    with pytest.warns(UserWarning, match="collinear"):
        res = ppml(data, "y ~ x1 + x2", weights="w")
    assert sorted(res.dropped["row"]) == separated
    _compare(res, _glm(data.drop(index=separated), ["x1"], [], weights="w"))
    fe_data, fe_separated = _fixed_effect_case(seed=9)
    fe_data["w"] = np.random.default_rng(10).uniform(0.5, 3.0, len(fe_data))
    weighted = ppml(fe_data, "y ~ x | g", weights="w")
    assert sorted(weighted.dropped["row"]) == fe_separated
    _compare(weighted, _glm(fe_data.drop(index=fe_separated), ["x"], ["g"], weights="w"))


@pytest.mark.parametrize("case", ["regressor", "fixed_effect", "two_way"])
def test_with_checks_off_a_separated_model_is_refused_not_returned(case: str) -> None:
    if case == "regressor":
        data, formula = _regressor_case()[0], "y ~ x1 + x2"
    elif case == "fixed_effect":
        data, formula = _fixed_effect_case()[0], "y ~ x | g"
    else:
        data, formula = _two_way_case()[0], "y ~ x | exp + imp"
    with pytest.raises(EstimationError, match="collaps|explode|not finite|did not converge"):
        ppml(data, formula, separation=())
