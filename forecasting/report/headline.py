"""The numbers of the report's first screen, as tables (so the page shows what the files hold).

Four questions, four tables: where trade stands (``tables.turnover_summary``, both sides and
the forecast's basis), how much it grows and under which corridor (:func:`scenario_summary`,
ranked, the status quo first), in which goods (:func:`growth_contributions`), and what
reaching the target would take (:func:`target_growth`).

The central value of a forecast is chosen in one place, :func:`central_column`: the median
of the draws when the outlook tables carry one, else their mean. Contributions of goods
always use the mean, the one central value that adds up over goods.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from forecasting.errors import SchemaError
from forecasting.report.scenario_text import describe_pairs

if TYPE_CHECKING:  # annotations only: the notebook kernel need not import the outlook's types
    from forecasting.projection.result import OutlookResult
    from forecasting.scenarios import Scenario

MUSD = 1e6
#: Central-value columns of the forecast tables, in order of preference.
CENTRAL_COLUMNS = ("median", "mean")
#: The time-series baseline alone (no shock, no known shipment) has this scenario name.
STATISTICAL = "statistical"
STATISTICAL_TITLE = "Statistical trend only (no contracts, no shocks)"
#: A scenario whose turnover stays this close to the status quo's (percent, every year and
#: bound) is reported as the same, with the reason.
SAME_AS_REFERENCE_PCT = 0.5
#: How each mirror rule's basis reads in a legend.
BASIS_WORDS = {"importer": "importer's reports", "exporter": "exporter's reports"}


def basis_words(rule: str) -> str:
    """The forecast's basis in a few words ("importer's reports", or the rule's name).

    Examples
    --------
    >>> basis_words("importer"), basis_words("mean")
    ("importer's reports", "mirror rule 'mean'")
    """
    return BASIS_WORDS.get(rule, f"mirror rule '{rule}'")


def central_column(frame: pd.DataFrame) -> str:
    """The forecast column the report calls central: ``median`` if present, else ``mean``.

    Examples
    --------
    >>> import pandas as pd
    >>> central_column(pd.DataFrame(columns=["mean", "lower", "upper"]))
    'mean'
    """
    for name in CENTRAL_COLUMNS:
        if name in frame.columns:
            return name
    raise SchemaError(f"a forecast table needs one of the columns {', '.join(CENTRAL_COLUMNS)}")


def headline_years(horizon: int) -> tuple[int, ...]:
    """The years the summary reports: 2030 (or the horizon if earlier) and the horizon.

    Examples
    --------
    >>> headline_years(2035), headline_years(2028)
    ((2030, 2035), (2028,))
    """
    return tuple(sorted({min(2030, horizon), horizon}))


def scenario_titles(result: OutlookResult) -> dict[str, str]:
    """Display name of every scenario of the run: the status quo first, then as defined.

    Examples
    --------
    >>> from forecasting.projection.pipeline import example_outlook
    >>> list(scenario_titles(example_outlook()).values())[-1]
    'Statistical trend only (no contracts, no shocks)'
    """
    defined = sorted(result.scenarios.values(), key=lambda s: s.kind != "baseline")
    titles = {s.name: s.display_name for s in defined}
    present = set(result.turnover["scenario"]) | set(result.forecast["scenario"])
    for name in sorted(present - set(titles) - {STATISTICAL}):
        titles[name] = name.replace("_", " ")
    if STATISTICAL in present:
        titles[STATISTICAL] = STATISTICAL_TITLE
    return titles


def reference_scenario(result: OutlookResult) -> str:
    """The scenario the others are compared with: the status quo (``kind == "baseline"``) if run.

    Without one, the statistical trend is the reference.
    """
    present = set(result.turnover["scenario"])
    for name, scenario in result.scenarios.items():
        if scenario.kind == "baseline" and name in present:
            return name
    if STATISTICAL in present:
        return STATISTICAL
    return sorted(present)[0]


def pair_turnover(result: OutlookResult) -> pd.DataFrame:
    """The pair's turnover forecast rows (sorted pair order), with a ``year`` column."""
    low, high = sorted(result.settings.pair)
    turnover = result.turnover
    mine = turnover[(turnover["reporter"] == low) & (turnover["partner"] == high)]
    if mine.empty:
        raise SchemaError(f"the turnover table has no rows for the pair {low}-{high} of the settings")
    return mine.assign(year=mine["period"].dt.year.astype("int64"))


def forecast_basis_history(history: pd.DataFrame) -> pd.DataFrame:
    """The history the forecast starts from (mirror-reconciled, by commodity and flow)."""
    return history[history["source"] == "mirror-reconciled"]


def basis_turnover(result: OutlookResult, year: int | None = None) -> float:
    """Turnover in ``year`` (default: the base year) on the forecast's basis, USD; NaN if unknown."""
    year = result.settings.base_year if year is None else year
    rows = forecast_basis_history(result.history)
    rows = rows[(rows["year"] == year) & rows["value_usd"].notna()]
    return float(rows["value_usd"].sum()) if len(rows) else float("nan")


def required_growth(latest_usd: float, target_usd: float, years: int) -> float:
    """Annual growth (percent) that takes ``latest_usd`` to ``target_usd`` in ``years`` years.

    ``(target / latest) ** (1 / years) - 1``; NaN when the latest value is not positive.

    Examples
    --------
    >>> round(required_growth(59.8e6, 1e9, 10), 1)
    32.5
    """
    if not latest_usd > 0 or years <= 0:
        return float("nan")
    return 100.0 * ((target_usd / latest_usd) ** (1.0 / years) - 1.0)


def target_growth(result: OutlookResult) -> pd.DataFrame:
    """What reaching the target would take: the growth a year needed by each headline year.

    Columns: ``year, years_from_base, required_growth_pct`` (from the base year's turnover on
    the forecast's basis), ``reference_growth_pct`` (the growth a year of the status quo's
    central path) and ``reference_turnover_musd``.

    Examples
    --------
    >>> from forecasting.projection.pipeline import example_outlook
    >>> target_growth(example_outlook())["year"].tolist()
    [2030, 2035]
    """
    s = result.settings
    latest = basis_turnover(result)
    paths = pair_turnover(result)
    central = central_column(paths)
    reference = paths[paths["scenario"] == reference_scenario(result)].drop_duplicates("year")
    reference = reference.set_index("year")[central]
    rows = []
    for year in headline_years(s.horizon):
        value = float(reference.get(year, np.nan))
        rows.append(
            {
                "year": year,
                "years_from_base": year - s.base_year,
                "required_growth_pct": required_growth(latest, s.target_usd, year - s.base_year),
                "reference_growth_pct": required_growth(latest, value, year - s.base_year),
                "reference_turnover_musd": value / MUSD,
            }
        )
    return pd.DataFrame(rows)


def growth_contributions(result: OutlookResult) -> pd.DataFrame:
    """Each good's contribution to turnover growth from the base year to the horizon, by scenario.

    Growth is measured on the forecast's basis: the base year's mirror-reconciled value of
    the good (both directions) against the mean forecast at the horizon. ``share_of_growth_pct``
    is the good's share of the total change; goods are ranked by their change.

    Examples
    --------
    >>> from forecasting.projection.pipeline import example_outlook
    >>> table = growth_contributions(example_outlook())
    >>> list(table.columns)
    ['scenario', 'rank', 'commodity', 'base_musd', 'horizon_musd', 'change_musd', 'share_of_growth_pct']
    """
    s = result.settings
    history = forecast_basis_history(result.history)
    base = history[history["year"] == s.base_year].groupby("commodity")["value_usd"].sum()
    forecast = result.forecast[result.forecast["period"].dt.year == s.horizon]
    frames = []
    for scenario, part in forecast.groupby("scenario", sort=False):
        # One mean per series (it repeats on every interval level), summed over both directions.
        means = part.drop_duplicates(["reporter", "partner", "flow", "commodity"])
        horizon = means.groupby("commodity")["mean"].sum()
        goods = sorted(set(horizon.index) | set(base.index))
        frame = pd.DataFrame(
            {
                "scenario": scenario,
                "commodity": goods,
                "base_musd": base.reindex(goods).fillna(0.0).to_numpy() / MUSD,
                "horizon_musd": horizon.reindex(goods).fillna(0.0).to_numpy() / MUSD,
            }
        )
        frame["change_musd"] = frame["horizon_musd"] - frame["base_musd"]
        total = frame["change_musd"].sum()
        frame["share_of_growth_pct"] = 100.0 * frame["change_musd"] / total if total != 0 else np.nan
        frame = frame.sort_values(["change_musd", "commodity"], ascending=[False, True])
        frame.insert(1, "rank", np.arange(1, len(frame) + 1))
        frames.append(frame)
    columns = [
        "scenario",
        "rank",
        "commodity",
        "base_musd",
        "horizon_musd",
        "change_musd",
        "share_of_growth_pct",
    ]
    return pd.concat(frames, ignore_index=True)[columns] if frames else pd.DataFrame(columns=columns)


def _shock_key(shock, start_year: int) -> tuple:
    start = start_year if shock.start_year is None else shock.start_year
    return (shock.variable, shock.mode, shock.value, shock.low, shock.high, tuple(shock.commodities), start)


def same_as_reference_reason(
    scenario: Scenario, reference: Scenario | None, pair: tuple[str, str], horizon: int
) -> str:
    """Why a scenario leaves the pair's turnover where the status quo has it, in one sentence.

    Examples
    --------
    >>> from forecasting.scenarios import builtin_corridors
    >>> library = builtin_corridors()
    >>> same_as_reference_reason(library["kz_pk_east_africa"], library["baseline"], ("KAZ", "PAK"), 2035)[:60]
    'none of its trade-cost changes applies to KAZ–PAK trade (the'
    """
    a, b = pair
    on_pair = {(a, b), (b, a)}
    known = {_shock_key(s, reference.start_year) for s in reference.shocks} if reference else set()
    touching = [s for s in scenario.shocks if set(s.pairs) & on_pair]
    new = [s for s in touching if _shock_key(s, scenario.start_year) not in known]
    if not new:
        elsewhere = [p for s in scenario.shocks if not set(s.pairs) & on_pair for p in s.pairs]
        where = f" (they apply to {describe_pairs(elsewhere)})" if elsewhere else ""
        shared = f", and what it sets on {a}–{b} equals the status quo" if touching else ""
        return (
            f"none of its trade-cost changes applies to {a}–{b} trade{where}{shared}; it reaches {a}–{b}"
            " only through general-equilibrium spill-overs"
        )
    opens = [scenario.start_year if s.start_year is None else s.start_year for s in new]
    if min(opens) > horizon:
        return f"its changes to {a}–{b} trade costs open in {min(opens)}, after the horizon {horizon}"
    return f"its changes to {a}–{b} trade costs are too small to move turnover by {SAME_AS_REFERENCE_PCT:g} %"


def _max_gap_pct(paths: pd.DataFrame, scenario: str, reference: str) -> float:
    keys = ["year", "level"]
    values = ["mean", "lower", "upper", *(["median"] if "median" in paths.columns else [])]
    own = paths[paths["scenario"] == scenario].set_index(keys)[values]
    ref = paths[paths["scenario"] == reference].set_index(keys)[values]
    own, ref = own.align(ref, join="inner")
    if own.empty:
        return float("nan")
    gap = (own - ref).abs() / ref.abs().where(ref.abs() > 0)
    return float(100.0 * np.nanmax(gap.to_numpy())) if np.isfinite(gap.to_numpy()).any() else 0.0


def same_from_year(paths: pd.DataFrame, scenario: str, reference: str) -> int | None:
    """The first year from which ``scenario``'s turnover (every level and bound) stays within
    :data:`SAME_AS_REFERENCE_PCT` of ``reference``'s to the last year; None if it never does.

    Examples
    --------
    >>> import pandas as pd
    >>> paths = pd.DataFrame({"scenario": ["a"] * 3 + ["b"] * 3, "year": [1, 2, 3] * 2, "level": 80,
    ...                       "mean": [5.0, 9, 9, 8, 9, 9], "lower": 1.0, "upper": 20.0})
    >>> same_from_year(paths, "a", "b")
    2
    """
    same = None
    for year in sorted(set(paths["year"]), reverse=True):
        upto = paths[paths["year"] >= year]
        gap = _max_gap_pct(upto, scenario, reference)
        if not (np.isfinite(gap) and gap < SAME_AS_REFERENCE_PCT):
            break
        same = int(year)
    return same


def scenario_summary(result: OutlookResult) -> pd.DataFrame:
    """One row per scenario, ranked: the status quo, the corridors by horizon turnover, the trend.

    Columns, for each headline year ``y`` (:func:`headline_years`): ``turnover_y_musd`` (the
    central value, :func:`central_column`), ``lower80_y_musd``, ``upper80_y_musd``,
    ``growth_y_pct`` (growth a year from the base year's turnover on the forecast's basis),
    ``prob_y_pct`` (chance that turnover in ``y`` reaches the target); then, at the horizon
    ``h``, ``gain_h_musd`` and ``gain_h_pct`` against the status quo; ``prob_by_horizon_pct``;
    ``first_year`` (median first year at the target, numeric, missing when not reached) with
    ``first_year_note``; and a ``note`` (what the row is, or why it equals the status quo).
    ``central`` names the statistic of the turnover columns (``mean`` or ``median``).

    Examples
    --------
    >>> from forecasting.projection.pipeline import example_outlook
    >>> table = scenario_summary(example_outlook())
    >>> table["scenario"].tolist()
    ['baseline', 'trans_afghan_railway', 'border_closure_stress', 'statistical']
    """
    s = result.settings
    paths = pair_turnover(result)
    central = central_column(paths)
    reference = reference_scenario(result)
    titles = scenario_titles(result)
    latest = basis_turnover(result)
    years = headline_years(s.horizon)
    at80 = paths[paths["level"] == 80].set_index(["scenario", "year"])
    prob = result.billion.set_index(["scenario", "year"])["probability"]
    first = result.first_year.set_index("scenario")
    ref_value = at80[central].get((reference, s.horizon), np.nan)
    rows = []
    for name in [n for n in titles if n in set(paths["scenario"])]:
        row: dict[str, object] = {"scenario": name, "title": titles[name]}
        spec = result.scenarios.get(name)
        row["kind"] = spec.kind if spec is not None else "trend"
        row["central"] = central  # the statistic the turnover columns hold, for the page's words
        for year in years:
            key = (name, year)
            value = float(at80[central].get(key, np.nan))
            row[f"turnover_{year}_musd"] = value / MUSD
            row[f"lower80_{year}_musd"] = float(at80["lower"].get(key, np.nan)) / MUSD
            row[f"upper80_{year}_musd"] = float(at80["upper"].get(key, np.nan)) / MUSD
            row[f"growth_{year}_pct"] = required_growth(latest, value, year - s.base_year)
            row[f"prob_{year}_pct"] = 100.0 * float(prob.get(key, np.nan))
        horizon_value = float(at80[central].get((name, s.horizon), np.nan))
        row[f"gain_{s.horizon}_musd"] = (horizon_value - ref_value) / MUSD
        row[f"gain_{s.horizon}_pct"] = 100.0 * (horizon_value / ref_value - 1.0) if ref_value > 0 else np.nan
        if name in first.index:
            median_year = first.at[name, "median_year"]
            row["prob_by_horizon_pct"] = 100.0 * float(first.at[name, "probability_by_horizon"])
            row["first_year"] = int(median_year) if pd.notna(median_year) else pd.NA
            row["first_year_note"] = "" if pd.notna(median_year) else str(first.at[name, "label"])
        row["note"] = _row_note(result, name, reference, paths)
        rows.append(row)
    table = pd.DataFrame(rows)
    if "first_year" in table.columns:
        table["first_year"] = table["first_year"].astype("Int64")
    order = {"baseline": 0, "corridor": 1, "trend": 2}
    table["_group"] = [
        0 if n == reference else order.get(k, 1)
        for n, k in zip(table["scenario"], table["kind"], strict=True)
    ]
    table = table.sort_values(
        ["_group", f"turnover_{s.horizon}_musd"], ascending=[True, False], kind="stable"
    )
    return table.drop(columns="_group").reset_index(drop=True)


def _row_note(result: OutlookResult, name: str, reference: str, paths: pd.DataFrame) -> str:
    if name == reference:
        return "reference: the scenarios below are compared with it"
    if name == STATISTICAL:
        same = same_from_year(paths, name, reference)
        tail = ""
        if same is not None and name != reference:
            tail = (
                "; it equals the status quo in every year to the horizon"
                if same == int(paths["year"].min())
                else f"; it equals the status quo from {same}, once the status quo's known contracts have ended"
            )
        return f"the time-series forecast alone: no known contract, no corridor (see Methods){tail}"
    gap = _max_gap_pct(paths, name, reference)
    if np.isfinite(gap) and gap < SAME_AS_REFERENCE_PCT:
        reason = (
            same_as_reference_reason(
                result.scenarios[name],
                result.scenarios.get(reference),
                result.settings.pair,
                result.settings.horizon,
            )
            if name in result.scenarios
            else "it changes nothing the outlook models"
        )
        return f"same as the status quo (within {gap:.2f} % in every year): {reason}"
    return ""
