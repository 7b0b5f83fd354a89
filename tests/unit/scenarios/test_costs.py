"""TradeCostMapping: documented defaults, per-commodity time sensitivity, overrides."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from forecasting.errors import ScenarioError
from forecasting.scenarios import TradeCostMapping
from forecasting.scenarios.costs import DEFAULT_FREIGHT_PCT, TRUCK_RATE_USD, delta_ln_ad_valorem


def test_defaults_are_the_literature_central_values():
    m = TradeCostMapping()
    # Djankov, Freund & Pham (2010): about 1 % less trade per day.
    assert m.per_day == -0.01
    # Hummels & Schaur (2013): 0.6-2.1 % per day, central 1.3 (facts file, section 6).
    assert m.ave_per_day_pct == 1.3
    # sigma = 7 as in Yotov et al. (2016, ch. 2), so 1 - sigma = -6.
    assert m.cost_elasticity == -6.0
    assert m.distance_elasticity == -0.9 and m.rta_effect == 0.557


def test_commodity_semi_elasticities_stay_in_the_facts_range_and_order():
    m = TradeCostMapping()
    per_day = {k: m.semi_elasticity_per_day(k) for k, _ in m.time_sensitivity}
    # The facts file's range for the per-day semi-elasticity: -0.005 (low) to -0.02 (high).
    assert all(-0.02 <= v <= -0.005 for v in per_day.values())
    assert per_day["pharma"] < per_day["textiles"] < per_day["TOTAL"] < per_day["coal"]
    assert per_day["perishables"] == per_day["pharma"] and per_day["coal"] == per_day["hydrocarbons"]


def test_unknown_commodity_uses_other_and_case_is_forgiven():
    m = TradeCostMapping()
    assert m.sensitivity("machinery") == m.sensitivity("other") == 1.0
    assert m.sensitivity("Pharma") == m.sensitivity("pharma")


def test_ten_days_saved_is_ten_percent_for_the_average_good():
    # Facts file, section 3: "10 days saved x 1 %/day = +10 %" in log points.
    assert TradeCostMapping().time_effect(-10.0, "TOTAL")[0] == pytest.approx(0.10, abs=1e-12)


def test_tariff_equivalent_time_channel_goes_through_the_cost_elasticity():
    m = TradeCostMapping(time_method="tariff_equivalent")
    # 10 days x 1.3 %/day = 13 % ad valorem, times 1 - sigma = -6.
    assert m.time_effect(-10.0, "TOTAL")[0] == pytest.approx(0.78)
    assert m.time_effect(-10.0, "TOTAL", cost_elasticity=-3.0)[0] == pytest.approx(0.39)


def test_ad_valorem_effect():
    # Freight falls from 10 % to 6 % of value: -6 * ln(1.06 / 1.10).
    assert TradeCostMapping().ad_valorem_effect(10.0, 6.0)[()] == pytest.approx(-6 * math.log(1.06 / 1.10))
    assert delta_ln_ad_valorem(np.array([0.0, 5.0]), np.array([0.0, 0.0])).tolist() == pytest.approx(
        [0.0, -math.log(1.05)]
    )


def test_freight_defaults_follow_the_stated_arithmetic():
    # USD 3,750 per truck over an assumed USD 180,000 bus (USD 108 m / 600 buses).
    assert DEFAULT_FREIGHT_PCT["buses"] == round(100 * TRUCK_RATE_USD / (108e6 / 600), 1)
    assert DEFAULT_FREIGHT_PCT["coal"] > DEFAULT_FREIGHT_PCT["hydrocarbons"] > DEFAULT_FREIGHT_PCT["textiles"]
    assert DEFAULT_FREIGHT_PCT["textiles"] > DEFAULT_FREIGHT_PCT["pharma"]


def test_partial_overrides_keep_other_defaults():
    m = TradeCostMapping(time_sensitivity={"pharma": 3.0, "fruit": 2.5}, freight_pct={"coal": 80.0})
    assert m.sensitivity("pharma") == 3.0 and m.sensitivity("fruit") == 2.5 and m.sensitivity("coal") == 0.5
    assert (
        m.baseline_freight_pct("coal") == 80.0
        and m.baseline_freight_pct("pharma") == DEFAULT_FREIGHT_PCT["pharma"]
    )
    assert hash(m) == hash(
        TradeCostMapping(time_sensitivity={"fruit": 2.5, "pharma": 3.0}, freight_pct={"coal": 80.0})
    )


def test_literature_draws():
    assert TradeCostMapping.literature("low").per_day == -0.005
    assert TradeCostMapping.literature("high").ave_per_day_pct == 2.1
    assert TradeCostMapping.literature("central") == TradeCostMapping()
    assert TradeCostMapping.literature("high", cost_elasticity=-4.0).cost_elasticity == -4.0
    with pytest.raises(ScenarioError, match="'low', 'central', 'high'"):
        TradeCostMapping.literature("mid")


def test_validation_lists_every_problem():
    with pytest.raises(ScenarioError) as caught:
        TradeCostMapping(
            per_day=0.01, cost_elasticity=7.0, time_method="semi", time_sensitivity={"coal": -1.0}
        )
    text = str(caught.value)
    assert len(caught.value.problems) == 4
    assert "per_day" in text and "cost_elasticity" in text and "'semi_elasticity'" in text and "coal" in text


def test_from_coefficients_uses_the_fitted_model():
    coefs = pd.DataFrame({"term": ["ln_dist", "rta", "contig"], "estimate": [-0.8475027, 0.5571853, 0.29]})
    m = TradeCostMapping.from_coefficients(coefs, sigma=5.0)
    assert m.distance_elasticity == pytest.approx(-0.8475027)
    assert m.rta_effect == pytest.approx(0.5571853)
    assert m.cost_elasticity == -4.0
    sources = m.tidy().set_index("parameter")["source"]
    assert sources["distance_elasticity"] == "gravity coefficient 'ln_dist'"
    assert "sigma = 5.0" in sources["cost_elasticity"]


def test_from_coefficients_missing_term_is_a_clear_error():
    coefs = pd.DataFrame({"term": ["ln_DIST"], "estimate": [-0.8]})
    with pytest.raises(ScenarioError, match="did you mean 'ln_DIST'"):
        TradeCostMapping.from_coefficients(coefs, rta_term=None)
    assert (
        TradeCostMapping.from_coefficients(coefs, distance_term="ln_DIST", rta_term=None).rta_effect == 0.557
    )


def test_tidy_lists_every_parameter_with_a_source():
    table = TradeCostMapping().tidy()
    assert list(table.columns) == ["parameter", "commodity", "value", "unit", "source"]
    assert (table["source"].str.len() > 10).all()
    assert {"per_day", "cost_elasticity", "time_sensitivity", "freight_pct"} <= set(table["parameter"])
