"""A small, realistic synthetic :class:`OutlookResult` for examples, tests and report previews.

It follows the outlook contract exactly (columns, keys, levels) so the report layer can be
exercised without running any estimator. Every number is simulated: the result says so
(``settings["demo"]``) unless asked otherwise, and the report then stamps every chart.
The magnitudes echo public reporting of Kazakhstan-Pakistan trade (tens to a few hundred
million USD a year, with the two sides' figures far apart) but are not data.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from forecasting.errors import UnknownCodeError, describe_items
from forecasting.outlook.result import OutlookResult

_Z = {80: 1.2815515655446004, 95: 1.959963984540054}  # two-sided normal quantiles
_COMMODITIES = {
    # commodity: (KAZ export level 2024, KAZ import level 2024) in USD
    "coal": (4.0e6, 0.0),
    "hydrocarbons": (3.0e6, 0.0),
    "textiles": (0.5e6, 18.0e6),
    "pharma": (0.0, 9.0e6),
    "buses": (0.0, 2.0e6),
    "other": (4.3e6, 17.8e6),
}
_SCENARIOS = {
    "trans_afghan_rail": {
        "label": "Trans-Afghan railway",
        "description": "Termez-Kharlachi railway opens; rail transit time KZ-PK falls from ~35 to ~5 days.",
        "shocks": [{"variable": "transit_days", "pairs": [["KAZ", "PAK"]], "change_pct": -60.0}],
        "phase_in": {"start": 2028, "years": 3},
        "growth_uplift": 0.40,
    },
    "qtta_karakoram": {
        "label": "Karakoram (QTTA) road",
        "description": "Year-round TIR trucking via Khunjerab and Kashgar under the Quadrilateral agreement.",
        "shocks": [{"variable": "border_hours", "pairs": [["KAZ", "PAK"]], "change_pct": -30.0}],
        "phase_in": {"start": 2026, "years": 3},
        "growth_uplift": 0.12,
    },
}


def _lognormal_band(median: np.ndarray, sigma: np.ndarray, level: int) -> tuple[np.ndarray, np.ndarray]:
    spread = np.exp(_Z[level] * sigma)
    return median / spread, median * spread


def _phase(years: np.ndarray, start: int, span: int) -> np.ndarray:
    return np.clip((years - start + 1) / span, 0.0, 1.0)


def _history(rng: np.random.Generator, first: int, last: int) -> pd.DataFrame:
    years = np.arange(first, last + 1)
    rows = []
    kaz_exp = 6e6 * np.exp(0.08 * (years - first) + rng.normal(0, 0.25, len(years)))
    kaz_imp = 30e6 * np.exp(0.07 * (years - first) + rng.normal(0, 0.15, len(years)))
    for year, exp_, imp_ in zip(years, kaz_exp, kaz_imp, strict=True):
        # The partner's mirror figures differ by more than the CIF/FOB margin, as in the real data.
        rows += [
            ("KAZ", "PAK", "export", year, exp_, "demo_kaz_stat", "FOB"),
            ("KAZ", "PAK", "import", year, imp_, "demo_kaz_stat", "CIF"),
            ("PAK", "KAZ", "import", year, exp_ * rng.uniform(1.05, 2.5), "demo_pbs", "CIF"),
            ("PAK", "KAZ", "export", year, imp_ * rng.uniform(1.5, 4.0), "demo_pbs", "FOB"),
        ]
    cols = ["reporter", "partner", "flow", "year", "value_usd", "source", "basis"]
    history = pd.DataFrame(rows, columns=cols)
    history["year"] = history["year"].astype("int64")
    history["commodity"] = "TOTAL"
    return history


def _paths(base_year: int, horizon: int, commodities: tuple[str, ...]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Commodity forecasts and the coherent turnover, for baseline and each corridor."""
    years = np.arange(base_year + 1, horizon + 1)
    steps = years - base_year
    scenario_uplift = {"baseline": (0.0, base_year + 1, 1)} | {
        name: (spec["growth_uplift"], spec["phase_in"]["start"], spec["phase_in"]["years"])
        for name, spec in _SCENARIOS.items()
    }
    forecast_rows, turnover_rows = [], []
    for scenario, (uplift, start, span) in scenario_uplift.items():
        total = np.zeros(len(years))
        spread = np.zeros(len(years))
        for commodity in commodities:
            levels = _COMMODITIES[commodity]
            for flow, level in zip(("export", "import"), levels, strict=True):
                if level == 0.0:
                    continue
                growth = 0.08 + uplift * _phase(years, start, span)
                median = level * np.exp(np.cumsum(growth))
                sigma = 0.18 * np.sqrt(steps)
                mean = median * np.exp(sigma**2 / 2)
                total += mean
                spread += np.sqrt(np.expm1(sigma**2)) * mean
                for lvl in (80, 95):
                    lower, upper = _lognormal_band(median, sigma, lvl)
                    for i, year in enumerate(years):
                        forecast_rows.append(
                            (
                                "KAZ",
                                "PAK",
                                flow,
                                commodity,
                                pd.Timestamp(year=int(year), month=1, day=1),
                                scenario,
                                "ets",
                                lvl,
                                mean[i],
                                lower[i],
                                upper[i],
                            )
                        )
        # Commodities share one demand shock (perfect correlation): standard deviations add up.
        sigma_total = np.sqrt(np.log1p((spread / total) ** 2))
        median_total = total * np.exp(-(sigma_total**2) / 2)
        for lvl in (80, 95):
            lower, upper = _lognormal_band(median_total, sigma_total, lvl)
            for i, year in enumerate(years):
                turnover_rows.append(
                    (
                        "KAZ",
                        "PAK",
                        pd.Timestamp(year=int(year), month=1, day=1),
                        scenario,
                        "ets",
                        lvl,
                        total[i],
                        lower[i],
                        upper[i],
                    )
                )
    forecast = pd.DataFrame(
        forecast_rows,
        columns=[
            "reporter",
            "partner",
            "flow",
            "commodity",
            "period",
            "scenario",
            "model",
            "level",
            "mean",
            "lower",
            "upper",
        ],
    )
    turnover = pd.DataFrame(
        turnover_rows,
        columns=["reporter", "partner", "period", "scenario", "model", "level", "mean", "lower", "upper"],
    )
    return forecast, turnover


def _billion(turnover: pd.DataFrame, target: float, horizon: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    band = turnover[turnover["level"] == 95].copy()
    sigma = np.log(band["upper"] / band["lower"]) / (2 * _Z[95])
    median = np.sqrt(band["upper"] * band["lower"])
    z = (np.log(target) - np.log(median)) / sigma
    band["probability"] = [0.5 * math.erfc(v / math.sqrt(2)) for v in z]
    band["year"] = band["period"].dt.year.astype("int64")
    billion = band[["scenario", "year", "probability"]].reset_index(drop=True)
    first = []
    for scenario, part in billion.groupby("scenario", sort=False):
        crossed = part.loc[part["probability"] >= 0.5, "year"]
        by_horizon = float(part["probability"].max())
        if crossed.empty:
            first.append((scenario, pd.NA, f"not by {horizon}", by_horizon))
        else:
            first.append((scenario, int(crossed.min()), str(int(crossed.min())), by_horizon))
    first_year = pd.DataFrame(first, columns=["scenario", "median_year", "label", "probability_by_horizon"])
    first_year["median_year"] = first_year["median_year"].astype("Int64")
    return billion, first_year


def _coefficients() -> pd.DataFrame:
    terms = [  # term, estimate, std_error
        ("ln_dist", -0.85, 0.035),
        ("contig", 0.29, 0.095),
        ("comlang", 0.36, 0.083),
        ("rta", 0.56, 0.10),
        ("ln_transit_days", -0.42, 0.12),
    ]
    rows = []
    for term, est, se in terms:
        stat = est / se
        p_value = math.erfc(abs(stat) / math.sqrt(2))
        rows.append(("ppml_gravity", term, est, se, stat, p_value, est - 1.96 * se, est + 1.96 * se))
    return pd.DataFrame(
        rows,
        columns=["model", "term", "estimate", "std_error", "statistic", "p_value", "conf_low", "conf_high"],
    )


def _ge_country(rng: np.random.Generator) -> pd.DataFrame:
    countries = ["KAZ", "PAK", "AFG", "UZB", "CHN", "RUS", "TKM"]
    scale = {"trans_afghan_rail": 1.0, "qtta_karakoram": 0.4}
    rows = []
    for scenario, s in scale.items():
        for country in countries:
            core = country in ("KAZ", "PAK", "AFG", "UZB")
            for measure, size in (("real_gdp", 0.25), ("exports", 2.0)):
                change = s * size * (1.0 if core else -0.05) * rng.uniform(0.6, 1.4)
                base = rng.uniform(10, 500) * 1e9
                width = abs(change) * 0.4 + 0.01
                rows.append(
                    (
                        scenario,
                        country,
                        measure,
                        base,
                        base * (1 + change / 100),
                        change,
                        change - width,
                        change + width,
                    )
                )
    return pd.DataFrame(
        rows,
        columns=[
            "scenario",
            "country",
            "measure",
            "baseline",
            "counterfactual",
            "change_pct",
            "lower",
            "upper",
        ],
    )


def example_result(
    *,
    demo: bool = True,
    seed: int = 0,
    base_year: int = 2024,
    horizon: int = 2035,
    commodities: tuple[str, ...] | None = None,
) -> OutlookResult:
    """Build a synthetic outlook result that follows the :class:`OutlookResult` contract.

    Parameters
    ----------
    demo
        Mark the result as demonstration data (the report then stamps every chart).
    seed
        Seed of the random history and GE noise; the same seed gives the same tables.
    base_year, horizon
        Last year of history and last forecast year.
    commodities
        A subset of ``coal, hydrocarbons, textiles, pharma, buses, other`` (default all six);
        fewer commodities make a quicker report for examples.

    Returns
    -------
    OutlookResult
        Tables for a baseline and two corridor scenarios, KAZ-PAK, six commodity groups.

    Examples
    --------
    >>> result = example_result()
    >>> sorted(result.forecast["scenario"].unique())
    ['baseline', 'qtta_karakoram', 'trans_afghan_rail']
    >>> result.is_demo
    True
    """
    chosen = tuple(_COMMODITIES) if commodities is None else tuple(commodities)
    unknown = [c for c in chosen if c not in _COMMODITIES]
    if unknown or not chosen:
        raise UnknownCodeError(
            f"example commodities {describe_items(unknown)} are not known; choose from {', '.join(_COMMODITIES)}"
        )
    rng = np.random.default_rng(seed)
    target = 1e9
    forecast, turnover = _paths(base_year, horizon, chosen)
    billion, first_year = _billion(turnover, target, horizon)
    shipments = pd.DataFrame(
        [("demo bus contract", "KAZ", "PAK", "import", "buses", base_year + 2, 15e6, "demo")],
        columns=["name", "reporter", "partner", "flow", "commodity", "year", "value_usd", "source"],
    )
    n_rows = 4 * (base_year - 2010 + 1) * len(_COMMODITIES)
    flags = pd.DataFrame(
        {"flag": ["mirror_filled", "deflated", "uv_outlier", "hs_concorded"], "rows": [31, n_rows, 7, 54]}
    )
    flags["share"] = flags["rows"] / n_rows
    scenarios = {
        name: {k: v for k, v in spec.items() if k != "growth_uplift"} for name, spec in _SCENARIOS.items()
    }
    settings = {
        "pair": ["KAZ", "PAK"],
        "horizon": horizon,
        "base_year": base_year,
        "draws": 2000,
        "seed": seed,
        "data_source": "demo" if demo else "synthetic",
        "demo": demo,
        "target_usd": target,
        "reporter_choice": "KAZ",
        "reporter_choice_reason": "KAZ reports both directions every year; PAK figures are fiscal-year based.",
        "levels": [80, 95],
        "model": "ets",
    }
    return OutlookResult(
        forecast=forecast,
        turnover=turnover,
        billion=billion,
        first_year=first_year,
        history=_history(rng, 2010, base_year),
        coefficients=_coefficients(),
        ge_country=_ge_country(rng),
        shipments=shipments,
        scenarios=scenarios,
        flags=flags,
        settings=settings,
    )
