"""Would other members serve short annual histories better? Point forecasts on TRADHIST cut to 12 years.

The default's median beats naive by little on histories cut to 12 years (relative MASE 0.926 on
development, 0.964 on evaluation; benchmarks/results/accuracy_real_data.md, 'Short histories'),
and this pair's product series have 11-14 years. This re-scores the point forecast of every
equal-weight combination of one to three of eight candidates (and a few of four, and the
median of the default's three) on the same series and origins as that section (1984, 1994,
2004; each series' last 12 years before the origin; 10 years ahead), fitted with statsforecast
directly. A change would be chosen on the development half only; the evaluation half is
printed beside it for the chosen rows, not searched.

Candidates: Naive, the standard Theta method, DOTM, SES (alpha 0.5), random walk with drift,
ETS without trend, damped additive-trend ETS and a damped drift (0.3 times the mean change of
the last ten years, from the issue).

Run:  .venv/bin/python benchmarks/short_history_members.py [--years 12]
Writes benchmarks/results/short_history_members.md.
"""

from __future__ import annotations

import argparse
import itertools
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from accuracy_real_data import PATH_CUTOFFS, PATH_HORIZON, in_development, load_tradhist
from path_calibration import relative_mase
from statsforecast import StatsForecast
from statsforecast.models import (
    AutoETS,
    DynamicOptimizedTheta,
    Naive,
    RandomWalkWithDrift,
    SimpleExponentialSmoothing,
    Theta,
)

RESULTS = Path(__file__).resolve().parent / "results" / "short_history_members.md"
DEFAULT = ("Naive", "Theta", "DynamicOptimizedTheta")
CANDIDATES = (*DEFAULT, "SES", "RWD", "ETS no trend", "ETS damped", "DampedDrift")
FOUR = ((*DEFAULT, "Naive"), (*DEFAULT, "SES"), (*DEFAULT, "DampedDrift"), (*DEFAULT, "ETS damped"))


def member_forecasts(frame: pd.DataFrame, years: int) -> pd.DataFrame:
    """Every candidate's forecast, the outcome and the MASE scale, one row per series, origin and step."""
    rows = []
    for cutoff in PATH_CUTOFFS:
        train = frame[(frame.period <= cutoff) & (frame.period > cutoff - years)]
        future = frame[(frame.period > cutoff) & (frame.period <= cutoff + PATH_HORIZON)]
        enough = train.groupby("series").size() >= years
        observed = future.groupby("series").size().reindex(enough.index) == PATH_HORIZON
        ids = sorted(enough[enough & observed].index)
        train = train[train.series.isin(ids)]
        fit = train.rename(columns={"series": "unique_id", "value": "y"})
        fit["ds"] = pd.to_datetime(fit.pop("period").astype(str) + "-01-01")
        models = [
            Naive(), Theta(), DynamicOptimizedTheta(), SimpleExponentialSmoothing(alpha=0.5, alias="SES"),
            RandomWalkWithDrift(alias="RWD"), AutoETS(model="ZZN", alias="ETS no trend"),
            AutoETS(model="AAN", damped=True, alias="ETS damped"),
        ]  # fmt: skip
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out = StatsForecast(models=models, freq="YS", n_jobs=2).forecast(
                df=fit[["unique_id", "ds", "y"]], h=PATH_HORIZON
            )
        out = out.reset_index() if "unique_id" not in out.columns else out
        out = out.sort_values(["unique_id", "ds"]).reset_index(drop=True)
        out["step"] = out.groupby("unique_id").cumcount() + 1
        by_series = fit.groupby("unique_id")["y"]
        recent = by_series.apply(lambda v: (v.iloc[-1] - v.iloc[max(0, len(v) - 11)]) / min(10, len(v) - 1))
        out["DampedDrift"] = (
            out["unique_id"].map(by_series.last()) + 0.3 * out["unique_id"].map(recent) * out["step"]
        )
        out["y"] = future[future.series.isin(ids)].sort_values(["series", "period"])["value"].to_numpy()
        out["scale"] = out["unique_id"].map(by_series.apply(lambda v: np.abs(np.diff(v)).mean()))
        rows.append(out.assign(cutoff=cutoff))
    return pd.concat(rows, ignore_index=True)


def combinations() -> dict[str, tuple[str, ...] | str]:
    combos: dict[str, tuple[str, ...] | str] = {
        " + ".join(c): c for k in (1, 2, 3) for c in itertools.combinations(CANDIDATES, k)
    }
    combos.update({" + ".join(c): c for c in FOUR})
    combos["median of " + ", ".join(DEFAULT)] = "median"
    return combos


def score(scored: pd.DataFrame) -> pd.Series:
    values = {}
    for name, members in combinations().items():
        pick = (
            scored[list(DEFAULT)].median(axis=1)
            if members == "median"
            else scored[list(members)].mean(axis=1)
        )
        values[name] = relative_mase(
            scored[["y", "scale"]].assign(series=scored["unique_id"], median=pick, naive=scored["Naive"])
        )
    return pd.Series(values)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--years", type=int, default=12)
    args = parser.parse_args()
    start = time.perf_counter()
    frame = load_tradhist()
    dev = frame["series"].map(in_development)
    halves = {
        label: member_forecasts(frame[part], args.years) for label, part in (("dev", dev), ("eval", ~dev))
    }
    dev_scores = score(halves["dev"]).sort_values()
    eval_scores = score(halves["eval"])
    default = " + ".join(DEFAULT)
    shown = (
        [*dev_scores.index[:10], default]
        if default not in dev_scores.index[:10]
        else list(dev_scores.index[:10])
    )
    lines = [f"# Member sets for histories cut to {args.years} years (TRADHIST point forecasts)", "",
             f"Run on {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {time.perf_counter() - start:.0f} s."
             f" Command: `.venv/bin/python benchmarks/short_history_members.py --years {args.years}` (design in its"
             " docstring).", "",
             f"{len(dev_scores)} combinations scored on the development half; its ten best and the default, with"
             " the evaluation half beside them (not searched). Relative MASE vs naive over steps 1-10.", "",
             f"Series-origins: development {halves['dev'].groupby(['unique_id', 'cutoff']).ngroups}, evaluation"
             f" {halves['eval'].groupby(['unique_id', 'cutoff']).ngroups}.", "",
             "| members | development | evaluation |", "|---|---|---|"]  # fmt: skip
    for name in shown:
        mark = " (default)" if name == default else ""
        lines.append(f"| {name}{mark} | {dev_scores[name]:.3f} | {eval_scores[name]:.3f} |")
    best = dev_scores.index[0]
    lines += ["", f"Best on development: {best}, {dev_scores[best]:.3f} against the default's {dev_scores[default]:.3f}"
              f" (evaluation {eval_scores[best]:.3f} against {eval_scores[default]:.3f})."]  # fmt: skip
    RESULTS.write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
