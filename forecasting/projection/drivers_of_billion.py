"""What drives the $1 billion answer, and what it would take to reach it.

:func:`billion_drivers` splits the uncertainty of each scenario's turnover in the driver year
(2035, or the horizon if earlier) among the sources of the joint sample
(:data:`~forecasting.projection.uncertainty.SOURCES`), with the same draws:

``variance_share``
    First-order Sobol index of the source, ``Var(E[Y | source]) / Var(Y)``, from the same
    draws, using the model's form: turnover is ``Y = sum_s B_s * M_s + C`` with the baseline
    paths ``B`` independent of the scenario factors ``M`` (availability, GE effect, phase-in)
    and of the added contracts and new trade ``C``. So ``E[Y | B] = sum_s B_s * mean(M_s) +
    mean(C)`` exactly, and for any other source ``X``, ``E[Y | X] = E[Z | X]`` with
    ``Z = sum_s mean(B_s) * M_s + C``, which does not carry the baseline's heavy tail. That is
    estimated by grouping the draws on ``X`` (its drawn value where it takes few values, as
    opening years and ramp-ups do, else up to 20 equal-count groups of its quantile) and taking
    the between-group variance of ``Z``, less what pure noise would give (the epsilon-squared
    correction). Each lies in [0, 1]. The ``interaction`` row holds the rest,
    so the shares sum to 1: what no source explains alone (their interplay, and for the
    baseline the detail of its paths beyond its total). When noise makes the first-order shares
    sum to more than 1 they are scaled down to sum to 1 and the interaction is 0. A source that
    does not move the scenario (held at its central value nothing changes) has share 0.
``probability``, ``probability_held``, ``probability_change``
    P(turnover >= target) with every source uncertain, with this source held at its central
    value (the others still drawn), and the difference: how much this source's uncertainty
    moves the chance (negative when, for example, the chance that a railway never opens
    outweighs the chance that it opens early).
``probability_low``, ``probability_high``
    P(turnover >= target) among the draws where the source falls in its conservative half
    (quantile below 0.5: later opening, slower ramp-up, fewer days saved, ...) and in its
    optimistic half: the two ends of the source's bar in the tornado chart.

:func:`growth_needed` gives the annual growth that turnover needs from the last data year to
reach the target by each target year, beside the growth the scenario's median path shows.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence

import numpy as np
import pandas as pd

from forecasting.projection.combine import BaselineArray, ScenarioPath
from forecasting.projection.effects import CommodityEffects
from forecasting.projection.paths import scenario_path
from forecasting.projection.result import BILLION_DRIVER_COLUMNS, BILLION_GROWTH_COLUMNS
from forecasting.projection.uncertainty import GE_SOURCES, SOURCES, JointSample
from forecasting.scenarios import Scenario

__all__ = [
    "BILLION_DRIVER_COLUMNS",
    "DRIVER_YEAR",
    "GROWTH_COLUMNS",
    "billion_drivers",
    "first_order_shares",
    "form_shares",
    "growth_needed",
    "scenario_drivers",
]

DRIVER_YEAR = 2035
GROWTH_COLUMNS = BILLION_GROWTH_COLUMNS
MAX_GROUPS = 20


def _groups(labels: np.ndarray, quantile: np.ndarray) -> np.ndarray:
    """Group codes: the labels themselves when few, else equal-count bins of the quantile."""
    values, codes = np.unique(labels, return_inverse=True)
    n_groups = int(np.clip(len(labels) // 50, 2, MAX_GROUPS))
    if len(values) <= n_groups:
        return codes.reshape(-1)
    ranks = np.argsort(np.argsort(quantile, kind="stable"), kind="stable")
    return (ranks * n_groups // len(quantile)).astype(int)


def first_order_shares(y: np.ndarray, groups: Mapping[str, np.ndarray]) -> dict[str, float]:
    """Bias-corrected between-group variance share of ``y`` for each grouping, in [0, 1].

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> a, b = rng.integers(0, 4, 4000), rng.integers(0, 4, 4000)
    >>> shares = first_order_shares(3.0 * a + 1.0 * b, {"a": a, "b": b})
    >>> round(shares["a"], 1), round(shares["b"], 1)
    (0.9, 0.1)
    """
    y = np.asarray(y, dtype=float)
    total = float(((y - y.mean()) ** 2).sum())
    out = {}
    for name, codes in groups.items():
        if total <= 0:
            out[name] = 0.0
            continue
        counts = np.bincount(codes)
        means = np.bincount(codes, weights=y) / np.maximum(counts, 1)
        k = int((counts > 0).sum())
        between = float((counts * (means - y.mean()) ** 2).sum())
        within = (total - between) / max(len(y) - k, 1)
        out[name] = float(np.clip((between - (k - 1) * within) / total, 0.0, 1.0))
    return out


def source_quantiles(sample: JointSample, baseline_total: np.ndarray) -> dict[str, np.ndarray]:
    """Each source's quantile in every outlook draw (the baseline's: the rank of its total)."""
    out = {
        "baseline": (np.argsort(np.argsort(baseline_total, kind="stable"), kind="stable") + 0.5)
        / len(baseline_total)
    }
    for source in SOURCES[1:]:
        u = sample.quantiles[source]
        out[source] = u[sample.ge_index] if source in GE_SOURCES else u
    return out


def form_shares(
    base: np.ndarray,
    path: ScenarioPath,
    turnover: np.ndarray,
    groups: Mapping[str, np.ndarray],
) -> dict[str, float]:
    """First-order shares of the baseline and of each grouped source, by the model's form.

    ``base`` and the path's arrays are ``(draws, series, 1)`` (one year); ``groups`` maps each
    non-baseline source to its group code per draw.
    """
    factor = np.broadcast_to(path.availability * np.exp(path.log_effect[..., None] * path.phase), base.shape)[
        :, :, 0
    ]
    added = np.broadcast_to(path.shipments + path.new_trade, base.shape)[:, :, 0].sum(axis=1)
    variance = float(np.var(turnover))
    if variance <= 0:
        return {"baseline": 0.0, **dict.fromkeys(groups, 0.0)}
    given_baseline = (base[:, :, 0] * factor.mean(axis=0)).sum(axis=1) + added.mean()
    without_baseline = (base[:, :, 0].mean(axis=0) * factor).sum(axis=1) + added
    scale = float(np.var(without_baseline)) / variance
    shares = {k: v * scale for k, v in first_order_shares(without_baseline, groups).items()}
    return {"baseline": float(np.var(given_baseline)) / variance, **shares}


def billion_drivers(
    scenario: str,
    year: int,
    turnover: np.ndarray,
    held: Mapping[str, np.ndarray],
    quantiles: Mapping[str, np.ndarray],
    shares: Mapping[str, float],
    *,
    target_usd: float,
    moving: Collection[str] = SOURCES,
) -> pd.DataFrame:
    """The ``BILLION_DRIVER_COLUMNS`` rows of one scenario (see the module).

    ``turnover`` is the ``(draws,)`` turnover in ``year``; ``held[source]`` the same with the
    source at its central value; ``quantiles[source]`` the source's quantile per draw;
    ``shares`` the first-order variance shares (sources left out have none: 0); a source not
    in ``moving`` does not change the scenario, so its halves both get the overall probability.

    Examples
    --------
    >>> y = np.array([0.0, 2.0, 0.0, 2.0])
    >>> u = {s: np.array([0.1, 0.9, 0.2, 0.8]) for s in SOURCES}
    >>> t = billion_drivers("s", 2035, y, {s: y for s in SOURCES}, u, {"baseline": 0.7}, target_usd=1.0)
    >>> t.set_index("source").variance_share[["baseline", "interaction"]].round(2).tolist()
    [0.7, 0.3]
    """
    hit = turnover >= target_usd
    p = float(hit.mean())
    clipped = {s: float(np.clip(shares.get(s, 0.0), 0.0, 1.0)) for s in SOURCES}
    total = sum(clipped.values())
    scale = 1.0 / total if total > 1.0 else 1.0
    rows = []
    for source in SOURCES:
        low = quantiles[source] < 0.5
        split = source in moving
        p_low = float(hit[low].mean()) if split and low.any() else p
        p_high = float(hit[~low].mean()) if split and (~low).any() else p
        p_held = float((held[source] >= target_usd).mean())
        rows.append((scenario, year, source, clipped[source] * scale, p, p_held, p - p_held, p_low, p_high))
    rows.append(
        (scenario, year, "interaction", max(0.0, 1.0 - total * scale), p, np.nan, np.nan, np.nan, np.nan)
    )
    return pd.DataFrame(rows, columns=list(BILLION_DRIVER_COLUMNS))


def growth_needed(
    turnover_draws: pd.DataFrame,
    billion: pd.DataFrame,
    scenarios: Mapping[str, object],
    *,
    from_year: int,
    from_usd: float,
    target_usd: float,
    target_years: Sequence[int] = (2030, 2035),
) -> pd.DataFrame:
    """The annual growth turnover needs to reach ``target_usd`` by each target year (``GROWTH_COLUMNS``).

    For the status quo (``baseline``, or the statistical baseline without it) and the best
    combination (the combined scenario with the highest chance of the target in the last
    target year; the best scenario when the run has no combination): the required growth from
    the last data year's turnover ``from_usd``, the growth of the scenario's median path, and the
    gap in percentage points.

    Examples
    --------
    >>> t = pd.DataFrame({"scenario": "baseline", "year": 2030, "draw": [0, 1], "value": [2e8, 4e8]})
    >>> b = pd.DataFrame({"scenario": ["baseline"], "year": [2030], "probability": [0.0]})
    >>> g = growth_needed(t, b, {}, from_year=2025, from_usd=1e8, target_usd=1e9, target_years=(2030,))
    >>> g[["required_growth_pct", "median_growth_pct"]].round(1).values.tolist()
    [[58.5, 24.6]]
    """
    names = set(turnover_draws.scenario)
    status_quo = "baseline" if "baseline" in names else "statistical"
    combos = [n for n, s in scenarios.items() if getattr(s, "components", ()) and n in names]
    last = (
        max(y for y in target_years if y in set(billion.year))
        if set(target_years) & set(billion.year)
        else None
    )
    candidates = combos or [n for n in scenarios if n in names and n != status_quo]
    chosen = [(status_quo, "status quo")]
    if candidates and last is not None:
        at = billion[billion.year == last].set_index("scenario").probability
        medians = turnover_draws[turnover_draws.year == last].groupby("scenario").value.median()
        best = max(candidates, key=lambda n: (at.get(n, 0.0), medians.get(n, 0.0)))
        chosen.append((best, "best combination" if combos else "best scenario"))
    rows = []
    for name, role in chosen:
        for year in target_years:
            values = turnover_draws[(turnover_draws.scenario == name) & (turnover_draws.year == year)].value
            if values.empty:
                continue
            span = year - from_year
            median = float(values.median())
            required = 100 * ((target_usd / from_usd) ** (1 / span) - 1) if from_usd > 0 else np.nan
            implied = 100 * ((median / from_usd) ** (1 / span) - 1) if from_usd > 0 else np.nan
            rows.append(
                (
                    name,
                    role,
                    year,
                    from_year,
                    from_usd,
                    target_usd,
                    required,
                    median,
                    implied,
                    required - implied,
                )
            )
    return pd.DataFrame(rows, columns=list(GROWTH_COLUMNS))


def _drawn_labels(scenario: Scenario, sample: JointSample) -> dict[str, np.ndarray]:
    """Opening years and ramp-ups as drawn (one code per combination of the routes' draws)."""
    routes = scenario.components or (scenario,)

    def code(columns: list[np.ndarray]) -> np.ndarray:
        if not columns:
            return np.zeros(sample.draws, dtype=int)
        return np.unique(np.stack(columns, axis=1), axis=0, return_inverse=True)[1].reshape(-1)

    opening = [sample.opening(r.opening, r.opening_year) for r in routes if r.opening is not None]
    ramps = [sample.ramp(r.phase_in) for r in routes if r.phase_in.has_range]
    return {"opening_year": code(opening), "ramp_up": code(ramps)}


def scenario_drivers(
    scenario: Scenario,
    effects: Sequence[CommodityEffects],
    sample: JointSample,
    baseline: BaselineArray,
    *,
    year: int,
    reference: np.ndarray,
    status_quo: Callable[[JointSample], np.ndarray] | None,
    potential: np.ndarray,
    target_usd: float,
    name: str | None = None,
) -> pd.DataFrame:
    """:func:`billion_drivers` of one scenario (rows named ``name``, else the scenario's name): its turnover in ``year`` with every source drawn
    and with each source held at its central value in turn (the same draws otherwise).

    ``status_quo(sample)`` gives the status quo's drawn availability ``(draws, series, years)``
    for a sample (None for the status quo itself); ``reference`` its central availability.
    """
    t = int(np.flatnonzero(baseline.years == year)[0])
    base = baseline.values[:, :, [t]]

    def path_of(held: JointSample) -> ScenarioPath:
        sq = None if status_quo is None else status_quo(held)[:, :, [t]]
        return scenario_path(
            scenario, effects, held, baseline.series, [year], reference=reference[:, [t]], status_quo=sq,
            potential=potential,
        )  # fmt: skip

    def total(values: np.ndarray) -> np.ndarray:
        return values[:, :, 0].sum(axis=1)

    main_path = path_of(sample)
    main = total(main_path.values(base))
    central_paths = np.median(base, axis=0, keepdims=True)
    held = {s: total(path_of(sample.held(s)).values(base)) for s in SOURCES[1:]}
    held["baseline"] = total(main_path.values(central_paths))
    quantiles = source_quantiles(sample, total(base))
    labels = {**quantiles, **_drawn_labels(scenario, sample)}
    # A source that moves nothing (held at its centre the turnover is the same) has share 0.
    moving = [s for s in SOURCES[1:] if not np.allclose(held[s], main, rtol=1e-12, atol=1e-6)]
    groups = {s: _groups(np.asarray(labels[s]), quantiles[s]) for s in moving}
    shares = form_shares(base, main_path, main, groups)
    return billion_drivers(
        name or scenario.name,
        year,
        main,
        held,
        quantiles,
        shares,
        target_usd=target_usd,
        moving=["baseline", *moving],
    )
