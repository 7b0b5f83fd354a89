"""Trade potential: the gravity-predicted flow of each named group and direction against the actual."""

from __future__ import annotations

import numpy as np
import pytest

from forecasting.classify import DEFAULT_GROUPS


@pytest.mark.slow
def test_potential_covers_the_five_groups_both_ways_and_is_never_negative(outlook):
    t = outlook.trade_potential
    a, b = outlook.settings.pair
    assert len(DEFAULT_GROUPS) == 5
    assert set(zip(t.commodity, t.exporter, t.importer, strict=True)) == {
        (g, e, i) for g in DEFAULT_GROUPS for e, i in ((a, b), (b, a))
    }
    predicted = t[t.predicted_usd.notna()]
    assert len(predicted) == len(t)  # the demo panel has the covariates and effects for every row
    assert (predicted.potential_usd >= 0).all() and (predicted.predicted_usd > 0).all()
    np.testing.assert_allclose(predicted.gap_usd, predicted.predicted_usd - predicted.actual_usd)
    np.testing.assert_allclose(predicted.potential_usd, predicted.gap_usd.clip(lower=0))
    # The prediction swaps the pair's own effect for the one its costs predict, and nothing else.
    assert (t.pair_effect != t.predicted_pair_effect).all()


@pytest.mark.slow
def test_the_railway_brings_new_fuel_trade_once_open(outlook):
    """The extensive margin: a share of the hydrocarbons gap enters only after the line opens."""
    f = outlook.forecast[(outlook.forecast.level == 80) & (outlook.forecast.commodity == "hydrocarbons")]
    f = f[f.flow == "export"].assign(year=lambda d: d.period.dt.year).set_index(["scenario", "year"])["mean"]
    earliest = outlook.scenarios["trans_afghan_railway"].opening.earliest
    assert f[("trans_afghan_railway", earliest - 1)] == pytest.approx(f[("baseline", earliest - 1)], rel=1e-9)
    gap = outlook.trade_potential.set_index(["commodity", "exporter"]).potential_usd[("hydrocarbons", "KAZ")]
    added = f[("trans_afghan_railway", 2035)] - f[("baseline", 2035)]
    effects = outlook.pair_effects.set_index(["scenario", "flow", "commodity"]).median_pct
    ge_alone = f[("baseline", 2035)] * effects[("trans_afghan_railway", "export", "hydrocarbons")] / 100
    # Beyond the GE effect fully in place on today's small flow, part of the gap has closed.
    assert added - ge_alone > 0.01 * gap
