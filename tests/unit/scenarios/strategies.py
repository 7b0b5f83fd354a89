"""Hypothesis strategies for random but valid scenarios."""

from __future__ import annotations

from hypothesis import strategies as st

from forecasting.scenarios import PhaseIn, Scenario, Shock

_codes = st.sampled_from(["KAZ", "PAK", "UZB", "KGZ", "TJK", "TKM", "AFG", "KEN"])
_pairs = st.lists(
    st.tuples(_codes, _codes).filter(lambda p: p[0] != p[1]), min_size=1, max_size=4, unique=True
)


@st.composite
def scenarios(draw):
    n = draw(st.integers(1, 3))
    variables = draw(
        st.lists(
            st.sampled_from(["transit_days", "freight_cost_pct", "route_available", "dist_km"]),
            min_size=n,
            max_size=n,
            unique=True,
        )
    )
    shocks = []
    for variable in variables:
        pairs = draw(_pairs)
        if variable == "route_available":
            shocks.append(Shock(variable, pairs, value=draw(st.floats(0, 1)), mode="set"))
        else:
            value = draw(st.floats(-0.9, -0.01))
            shocks.append(
                Shock(
                    variable,
                    pairs,
                    value=value,
                    mode="relative",
                    low=value / 2,
                    commodities=tuple(draw(st.lists(st.sampled_from(["coal", "pharma"]), unique=True))),
                )
            )
    start = draw(st.integers(2020, 2040))
    ramp = draw(st.integers(0, 6))
    return Scenario(
        draw(st.text("abc_", min_size=1, max_size=8)),
        start_year=start,
        shocks=tuple(shocks),
        phase_in=PhaseIn(ramp_years=ramp),
        availability={start + 1: draw(st.floats(0, 1))},
        description=draw(st.text(max_size=30)),
        title=draw(st.text(max_size=30)),
    )
