"""One aggregation rule across commodity GE systems: values add up, indices are weighted means."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from forecasting.errors import SchemaError
from forecasting.gravity.ge import (
    GEOptions,
    aggregate_bilateral,
    aggregate_country,
    counterfactual,
    simulate_ge_data,
)


def _country(values: dict[str, tuple[float, float]]) -> pd.DataFrame:
    rows = [("rail", "KAZ", m, b, c, 100 * (c / b - 1)) for m, (b, c) in values.items()]
    return pd.DataFrame(
        rows, columns=["scenario", "country", "measure", "baseline", "counterfactual", "change_pct"]
    )


def test_values_add_up_and_indices_take_their_own_weights():
    coal = _country({"gdp": (10.0, 12.0), "expenditure": (40.0, 40.0), "exports": (5.0, 7.0),
                     "factory_gate_price": (1.0, 1.2), "imr": (1.0, 0.9)})  # fmt: skip
    pharma = _country({"gdp": (30.0, 30.0), "expenditure": (10.0, 10.0), "exports": (5.0, 5.0),
                       "factory_gate_price": (1.0, 1.0), "imr": (1.0, 1.0)})  # fmt: skip
    out = aggregate_country({"coal": coal, "pharma": pharma}).set_index("measure")
    assert out.loc["exports", "change_pct"] == pytest.approx(20.0)  # (12 - 10) / 10
    assert out.loc["exports", "baseline"] == pytest.approx(10.0)
    # Output weights for the producer price (10 and 30), expenditure weights for the CPI (40 and 10).
    assert out.loc["factory_gate_price", "change_pct"] == pytest.approx(20.0 * 10 / 40)
    assert out.loc["imr", "change_pct"] == pytest.approx(-10.0 * 40 / 50)
    assert np.isnan(out.loc["imr", "baseline"])
    # With fixed endowments the output-weighted price change is the change of total output.
    assert out.loc["factory_gate_price", "change_pct"] == pytest.approx(out.loc["gdp", "change_pct"])
    stacked = pd.concat([coal.assign(commodity="coal"), pharma.assign(commodity="pharma")])
    pd.testing.assert_frame_equal(
        aggregate_country(stacked), out.reset_index()[aggregate_country(stacked).columns]
    )


def test_aggregating_real_ge_results_matches_the_single_system_when_there_is_one():
    data, _ = simulate_ge_data(n_countries=5, seed=1)
    cut = pd.DataFrame({"exporter": ["AAA"], "importer": ["BBB"], "delta_log_cost": [0.3]})
    result = counterfactual(data, cut, options=GEOptions(reference_importer="AAA", baseline="observed"))
    total = aggregate_country({"only": result.country}).set_index(["country", "measure"])
    single = result.country.set_index(["country", "measure"])
    np.testing.assert_allclose(total["change_pct"], single.loc[total.index, "change_pct"], atol=1e-9)


def test_measures_without_a_rule_and_missing_weights_are_refused():
    odd = _country({"gdp": (1.0, 1.0), "welfare_index": (1.0, 1.1)})
    with pytest.raises(SchemaError, match="'welfare_index' have no aggregation rule"):
        aggregate_country({"coal": odd})
    no_weight = _country({"imr": (1.0, 0.9)})
    with pytest.raises(SchemaError, match="expenditure for KAZ"):
        aggregate_country({"coal": no_weight})
    with pytest.raises(SchemaError, match="'TOTAL' is the name of the aggregate"):
        aggregate_country({"TOTAL": no_weight})


def test_bilateral_totals_recompute_the_change_from_the_sums():
    def ge(base, new):
        return pd.DataFrame({"exporter": ["KAZ", "PAK"], "importer": ["PAK", "KAZ"],
                             "baseline_usd": base, "counterfactual_usd": new})  # fmt: skip

    out = aggregate_bilateral(
        {"coal": ge([10.0, 20.0], [20.0, 20.0]), "pharma": ge([30.0, 0.0], [30.0, 0.0])}
    )
    total = out[out.commodity == "TOTAL"].set_index("exporter")["change_pct"]
    assert total["KAZ"] == pytest.approx(25.0) and total["PAK"] == pytest.approx(0.0)
    with pytest.raises(SchemaError, match="lacks column"):
        aggregate_bilateral({"coal": ge([1.0, 1.0], [1.0, 1.0]).drop(columns="counterfactual_usd")})
