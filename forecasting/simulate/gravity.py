"""Known-truth simulator of bilateral trade by commodity (structural gravity).

The expected flow from exporter ``i`` to importer ``j`` in commodity ``k`` and year ``t`` is

    mu_ijkt = kappa_k * s_ik * d_jk * Y_it^0.9 * Y_jt^0.85
              * exp(b_dist_k ln dist_ij + b_contig contig_ij + b_lang comlang_ij
                    + b_rta rta_ijt + b_tariff_k ln(1 + tariff_ijkt) + u_ijk)

which is multiplicatively separable into exporter-year, importer-year and pair terms plus
the time-varying policy variables (``rta``, ``ln_tariff``); so PPML with exporter-year,
importer-year and pair fixed effects is consistent for ``b_rta`` and ``b_tariff_k``, and
PPML with exporter-year and importer-year effects for the distance, contiguity and language
terms. The observed true flow is ``mu * eta`` where ``eta`` has mean one: a persistent AR(1)
log component (so series behave like real trade, with momentum) times a zero-inflated gamma
shock whose zero probability is higher for small expected flows; both shrink for flows
above ``noise_reference_usd`` (large flows aggregate many shipments). ``E[eta] = 1`` exactly,
so the zeros do not bias PPML. Applied tariffs (:mod:`forecasting.simulate.world`)
carry a bilateral composition factor besides MFN rates and preferences, so the tariff
elasticity is identified by more than the timing of agreements.

Known truth, measured: on 20 development seeds (7000-7019, not the bundled seed) the
per-commodity structural PPML estimates average the truth, but the standard deviation of
their t-statistics (estimate minus truth over the pair-clustered standard error) is 1.2-1.8
rather than 1, because a few very large pairs carry much of each exporter-year and
importer-year total and their noise is partly absorbed by those effects; 80 % of seeds
have all twelve policy coefficients within 3 standard errors.

Both sides' customs reports of these flows come from :mod:`forecasting.simulate.reports`.
This is **demonstration data**; no number in it is a real trade statistic.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from forecasting.simulate.world import (
    COMMODITIES,
    COVARIATES,
    DEMAND,
    PANEL_KEYS,
    SUPPLY,
    SUPPLY_DEFAULT,
    domestic_pairs,
    pair_covariates,
    policy_frame,
)

__all__ = ["GravityTruth", "production", "simulate_gravity"]

DOMESTIC_NOISE_SCALE = 0.1

# The per-commodity truth: distance elasticity, elasticity with respect to ln(1 + tariff),
# and the commodity's share of world trade (which sets its scale kappa_k).
_COMMODITY_TRUTH: dict[str, tuple[float, float, float]] = {
    "textiles": (-1.0, -5.0, 0.06),
    "pharma": (-0.8, -3.0, 0.05),
    "coal": (-1.4, -6.0, 0.015),
    "hydrocarbons": (-1.2, -6.0, 0.12),
    "buses": (-1.1, -4.0, 0.003),
    "other": (-1.0, -4.0, 0.75),
}


def _per_commodity(position: int) -> Callable[[], dict[str, float]]:
    return lambda: {k: values[position] for k, values in _COMMODITY_TRUTH.items()}


@dataclass(frozen=True)
class GravityTruth:
    """True parameters of the simulator (documented so tests can check recovery).

    Examples
    --------
    >>> truth = GravityTruth()
    >>> truth.b_rta, truth.b_tariff["coal"], truth.b_dist["pharma"]
    (0.4, -6.0, -0.8)
    """

    b_rta: float = 0.40
    """Effect of a trade agreement in force on log trade."""
    b_contig: float = 0.50
    """Effect of a common border."""
    b_lang: float = 0.30
    """Effect of a common language."""
    b_landlocked: float = -0.30
    """Effect of each landlocked side (exporter and importer add up)."""
    b_domestic: float = 2.50
    """Premium of a country's sales to itself over international trade (``domestic=True``)."""
    gdp_exporter: float = 0.90
    """Elasticity of exports with respect to the exporter's GDP."""
    gdp_importer: float = 0.85
    """Elasticity of imports with respect to the importer's GDP."""
    b_dist: dict[str, float] = field(default_factory=_per_commodity(0))
    """Distance elasticity by commodity."""
    b_tariff: dict[str, float] = field(default_factory=_per_commodity(1))
    """Elasticity with respect to ``ln(1 + tariff)`` by commodity (the trade elasticity)."""
    world_share: dict[str, float] = field(default_factory=_per_commodity(2))
    """Share of each commodity in the simulated world's trade."""
    pair_sd: float = 0.5
    """Standard deviation of the log pair effect ``u_ijk`` (mean-corrected to keep E[exp(u)] = 1)."""
    ar_rho: float = 0.7
    """Persistence of the AR(1) log shock of every flow."""
    ar_sd: float = 0.15
    """Standard deviation of the AR(1) innovations."""
    gamma_dispersion: float = 0.25
    """Dispersion of the mean-one gamma shock."""
    noise_reference_usd: float = 1e8
    """Expected flow above which the shocks shrink with size."""
    noise_size_power: float = 0.25
    """How fast shocks shrink above ``noise_reference_usd`` (scale ``(mu / reference) ** -power``)."""
    zero_scale_usd: float = 2e5
    """Expected flow at which a flow is zero with probability one half."""
    cif_base: float = 0.04
    """CIF/FOB margin at zero distance, in the importer's reports."""
    cif_per_1000km: float = 0.006
    """Increase of the CIF/FOB margin per 1000 km."""
    report_noise_sd: float = 0.08
    """Log standard deviation of each side's reporting noise."""
    pak_export_report_factor: float = 3.5
    """Factor on Pakistan's reported exports to Kazakhstan (the real mirror gap)."""
    kz_pk_targets_2024_usd: dict[str, float] = field(
        default_factory=lambda: {"PAK>KAZ": 45e6, "KAZ>PAK": 25e6}
    )
    """Expected 2024 totals the two Kazakhstan-Pakistan directions are calibrated to."""

    def tidy(self) -> pd.DataFrame:
        """The true coefficients as a tidy ``model, term, truth`` table (``model`` is the commodity).

        Its ``model`` and ``term`` match the per-commodity coefficient table of the outlook
        (``ppml_by_sector(...).tidy()`` with the commodity as ``model``), so the two merge.

        Examples
        --------
        >>> GravityTruth().tidy().query("model == 'coal'").values.tolist()[:2]
        [['coal', 'ln_dist', -1.4], ['coal', 'ln_tariff', -6.0]]
        """
        rows = []
        for k in COMMODITIES:
            rows += [
                (k, "ln_dist", self.b_dist[k]),
                (k, "ln_tariff", self.b_tariff[k]),
                (k, "rta", self.b_rta),
                (k, "contig", self.b_contig),
                (k, "comlang", self.b_lang),
            ]
        return pd.DataFrame(rows, columns=["model", "term", "truth"])


def simulate_gravity(
    countries: pd.DataFrame,
    *,
    years: Sequence[int] = tuple(range(2000, 2026)),
    commodities: Sequence[str] = COMMODITIES,
    truth: GravityTruth | None = None,
    seed: int = 20260201,
    domestic: bool = False,
) -> pd.DataFrame:
    """Simulate true bilateral flows by commodity (GRAVITY_PANEL plus covariates).

    Parameters
    ----------
    countries
        One row per country with ``iso3, lat, lon, landlocked, gdp_2023_busd,
        gdp_growth_pct, language`` (``forecasting/datasets/country_facts.csv`` is the bundled one).
    years, commodities
        Panel dimensions; commodities must be keys of the truth's dictionaries.
    truth
        True parameters; the defaults are documented in :class:`GravityTruth`.
    seed
        Seed of the random generator: the same seed gives the same panel.
    domestic
        Also simulate intra-national flows ``i -> i`` (internal distance
        ``0.67 * sqrt(area / pi)``, common language, no border: ``b_domestic`` is the
        premium of domestic over international trade, minus the book's INTL_BRDR effect).

    Returns
    -------
    pandas.DataFrame
        exporter, importer, year, commodity, value_usd (zeros kept), dist_km, ln_dist,
        contig, comlang, rta, tariff_pct, ln_tariff, landlocked_exp, landlocked_imp,
        gdp_exp_usd, gdp_imp_usd, expected_usd (the DGP mean) and flags ``demo``.

    Examples
    --------
    >>> facts = pd.DataFrame({"iso3": ["KAZ", "PAK", "CHN"], "lat": [51.2, 33.7, 39.9],
    ...     "lon": [71.4, 73.0, 116.4], "landlocked": [1, 0, 0], "gdp_2023_busd": [262, 338, 17800],
    ...     "gdp_growth_pct": [4.5, 3.5, 7.5], "language": ["russian", "english", "chinese"]})
    >>> panel = simulate_gravity(facts, years=[2020, 2021], seed=1)
    >>> panel.shape[0], bool((panel.value_usd >= 0).all())
    (72, True)
    """
    truth = truth or GravityTruth()
    rng = np.random.default_rng(seed)
    years = list(years)
    pairs = pair_covariates(countries)
    if domestic:
        pairs = pd.concat([pairs, domestic_pairs(countries)], ignore_index=True)
    gdp = _gdp_paths(countries, years, rng)
    frames = []
    n_pairs = len(pairs)
    for k in commodities:
        base = policy_frame(pairs, years, k)
        base["gdp_exp_usd"] = gdp.loc[list(zip(base.exporter, base.year, strict=True))].to_numpy()
        base["gdp_imp_usd"] = gdp.loc[list(zip(base.importer, base.year, strict=True))].to_numpy()
        supply = base.exporter.map(SUPPLY.get(k, {})).fillna(SUPPLY_DEFAULT.get(k, 1.0))
        demand = base.importer.map(DEMAND.get(k, {})).fillna(1.0)
        u = np.repeat(rng.normal(-(truth.pair_sd**2) / 2, truth.pair_sd, n_pairs), len(years))
        log_mu = (
            truth.gdp_exporter * np.log(base.gdp_exp_usd)
            + truth.gdp_importer * np.log(base.gdp_imp_usd)
            + np.log(supply)
            + np.log(demand)
            + truth.b_dist[k] * np.log(base.dist_km)
            + truth.b_contig * base.contig
            + truth.b_lang * base.comlang
            + truth.b_landlocked * (base.landlocked_exp + base.landlocked_imp)
            + truth.b_rta * base.rta
            + truth.b_tariff[k] * np.log1p(base.tariff_pct / 100)
            + truth.b_domestic * (base.exporter == base.importer)
            + u
        )
        base["log_mu"] = log_mu
        frames.append(base)
    panel = pd.concat(frames, ignore_index=True)
    panel = _scale_to_world_shares(panel, truth)
    panel = _calibrate_kz_pk(panel, truth)
    panel["expected_usd"] = np.exp(panel.pop("log_mu"))
    panel["value_usd"] = np.round(panel.expected_usd * _shocks(panel, truth, rng), 0)
    panel["ln_dist"] = np.log(panel.dist_km)
    panel["ln_tariff"] = np.log1p(panel.tariff_pct / 100)
    panel["flags"] = "demo"
    cols = [
        *PANEL_KEYS,
        "value_usd",
        *COVARIATES,
        "landlocked_exp",
        "landlocked_imp",
        "gdp_exp_usd",
        "gdp_imp_usd",
        "expected_usd",
        "flags",
    ]
    return panel[cols].sort_values(["commodity", "exporter", "importer", "year"]).reset_index(drop=True)


def production(true_flows: pd.DataFrame) -> pd.DataFrame:
    """Gross output by country, commodity and year: the sum of a country's sales to all
    destinations including itself (needs flows simulated with ``domestic=True``)."""
    if not (true_flows.exporter == true_flows.importer).any():
        raise ValueError("production needs intra-national flows: simulate with domestic=True")
    out = true_flows.groupby(["exporter", "commodity", "year"], as_index=False).value_usd.sum()
    return out.rename(columns={"exporter": "country", "value_usd": "output_usd"})


def _gdp_paths(countries: pd.DataFrame, years: list[int], rng: np.random.Generator) -> pd.Series:
    global_shock = {2009: -0.05, 2020: -0.04}
    rows = []
    for c in countries.itertuples():
        noise = np.cumsum(rng.normal(0, 0.02, len(years)))
        for t, e in zip(years, noise, strict=True):
            level = (
                c.gdp_2023_busd
                * 1e9
                * np.exp(c.gdp_growth_pct / 100 * (t - 2023) + global_shock.get(t, 0) + e)
            )
            rows.append((c.iso3, t, level))
    return pd.DataFrame(rows, columns=["iso3", "year", "gdp"]).set_index(["iso3", "year"]).gdp


def _scale_to_world_shares(panel: pd.DataFrame, truth: GravityTruth) -> pd.DataFrame:
    # Each commodity's constant kappa_k makes the sample's total trade about 20% of the
    # exporters' GDP in 2023, split across commodities by the world shares.
    ref = panel[(panel.year == 2023) & (panel.exporter != panel.importer)]
    gdp_total = ref.drop_duplicates("exporter").gdp_exp_usd.sum()
    out = panel.copy()
    for k, sub in ref.groupby("commodity"):
        target = 0.20 * gdp_total * truth.world_share[k] / sum(truth.world_share.values())
        current = np.exp(sub.log_mu).sum()
        out.loc[out.commodity == k, "log_mu"] += np.log(target / current)
    return out


def _calibrate_kz_pk(panel: pd.DataFrame, truth: GravityTruth) -> pd.DataFrame:
    # Shift the two directional pair effects so expected 2024 totals match stated targets of
    # the same order as the published figures; a pair effect is absorbed by pair fixed effects.
    out = panel.copy()
    for key, target in truth.kz_pk_targets_2024_usd.items():
        exp_, imp_ = key.split(">")
        pair = (out.exporter == exp_) & (out.importer == imp_)
        current = np.exp(out.loc[pair & (out.year == 2024), "log_mu"]).sum()
        if current > 0:
            out.loc[pair, "log_mu"] += np.log(target / current)
    return out


def _shocks(panel: pd.DataFrame, truth: GravityTruth, rng: np.random.Generator) -> np.ndarray:
    n = len(panel)
    keys = panel.groupby(["exporter", "importer", "commodity"], sort=False).ngroup().to_numpy()
    order = np.lexsort((panel.year.to_numpy(), keys))
    innov = rng.normal(0, truth.ar_sd, n)
    ar = np.empty(n)
    stationary_sd = truth.ar_sd / np.sqrt(1 - truth.ar_rho**2)
    prev_key, prev = -1, 0.0
    for pos in order:
        if keys[pos] != prev_key:
            prev = rng.normal(0, stationary_sd)
            prev_key = keys[pos]
        else:
            prev = truth.ar_rho * prev + innov[pos]
        ar[pos] = prev
    # Large flows aggregate many shipments and are smoother than small ones: the shocks of a
    # flow above noise_reference_usd shrink with its size (keeping their mean at one), and a
    # country's sales to itself, the largest aggregate, by DOMESTIC_NOISE_SCALE.
    mu = panel.expected_usd.to_numpy()
    size_scale = np.minimum(1.0, (mu / truth.noise_reference_usd) ** -truth.noise_size_power)
    domestic = panel.exporter.to_numpy() == panel.importer.to_numpy()
    scale = np.where(domestic, DOMESTIC_NOISE_SCALE, size_scale)
    persistent = np.exp(scale * ar - (scale * stationary_sd) ** 2 / 2)
    p_zero = 1 / (1 + (mu / truth.zero_scale_usd) ** 0.8)
    positive = rng.random(n) >= p_zero
    phi = truth.gamma_dispersion
    gamma = 1 + scale * (rng.gamma(1 / phi, phi, n) - 1)
    return persistent * positive * gamma / (1 - p_zero)
