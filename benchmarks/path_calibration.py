"""Calibration of the default ``auto`` sample paths on real annual series, step by step.

For each origin, every series with enough history and ``horizon`` observed years after the
origin gets ``simulate_paths(model="auto", transform="log")`` paths, joint across series as the
outlook uses them. Scored per step ahead, on what the outlook prints:

* coverage of the paths' central 80 / 95 / 99 % bands (log scale, equal to the level scale),
  the share of outcomes above the 80 and 95 % bands (half the misses, 0.10 and 0.025, when
  the bands are centred), and the share above the paths' 99.5 % quantile (0.005 when the
  upper tail is calibrated);
* the level-scale mean, ``mean(exp(log path))`` in the series' own unit, against the
  realised level: ``sum(realised) / sum(mean)`` over all series and origins, the mean of
  ``realised / mean`` (1 for a calibrated mean), and the mean of ``log(realised / mean)``
  beside what the paths themselves expect for it (``mean(log(path / mean))``);
* MASE of the paths' median (the combined point forecast: the calibrated errors are
  symmetric) and of the naive forecast, scaled by the in-sample mean absolute change.

Used by ``accuracy_real_data.py``; ``python benchmarks/path_calibration.py --half dev`` runs
the TRADHIST development half alone (the one used to choose the design).
"""

from __future__ import annotations

import argparse
import time
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from forecasting.timeseries import simulate_paths

BANDS = (80, 95, 99)


@dataclass(frozen=True)
class OriginPaths:
    """The default paths at one origin, with what scoring them needs."""

    cutoff: int
    ids: list[str]
    train: pd.DataFrame  # the selected series up to the origin, sorted by series and period
    logs: np.ndarray  # series x path x step, log levels
    y: np.ndarray  # series x step, realised log levels
    last: np.ndarray  # last log level before the origin (the naive forecast)
    scale: np.ndarray  # in-sample mean absolute change


def origin_paths(
    frame: pd.DataFrame,
    cutoff: int,
    *,
    horizon: int,
    n_paths: int,
    min_train: int,
    seed: int = 0,
    options: dict | None = None,
) -> OriginPaths | None:
    """Every series with ``min_train`` years up to ``cutoff`` and ``horizon`` observed after it,
    with ``simulate_paths(model="auto", transform="log", options=options)`` paths as the outlook
    draws them; ``None`` when no series qualifies. ``frame``: ``series, period`` (years),
    ``value`` (logs)."""
    train = frame[frame["period"] <= cutoff]
    future = frame[(frame["period"] > cutoff) & (frame["period"] <= cutoff + horizon)]
    enough = train.groupby("series").size() >= min_train
    observed = future.groupby("series").size() == horizon
    ids = sorted(set(enough[enough].index) & set(observed[observed].index))
    if not ids:
        return None
    train = train[train["series"].isin(ids)].sort_values(["series", "period"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        paths = simulate_paths(
            train.assign(value=np.exp(train["value"])), keys=["series"], model="auto", horizon=horizon,
            n_paths=n_paths, seed=seed + cutoff, transform="log", freq="A", options=options,
        )  # fmt: skip
    paths = paths.sort_values(["series", "path", "period"], kind="stable")
    logs = np.log(paths["value"].to_numpy()).reshape(len(ids), n_paths, horizon)
    truth = future[future["series"].isin(ids)].sort_values(["series", "period"])
    by_series = train.groupby("series")["value"]
    return OriginPaths(
        cutoff, ids, train, logs, truth["value"].to_numpy().reshape(len(ids), horizon),
        by_series.last().reindex(ids).to_numpy(),
        by_series.apply(lambda v: np.abs(np.diff(v)).mean()).reindex(ids).to_numpy(),
    )  # fmt: skip


def score_rows(origin: OriginPaths, logs: np.ndarray) -> pd.DataFrame:
    """One row per series and step: the outcome and what ``logs`` (paths of ``origin``'s shape) said."""
    ids, (_, _, horizon), y = origin.ids, logs.shape, origin.y
    level_mean = np.log(np.exp(logs - logs.max(axis=1, keepdims=True)).mean(axis=1)) + logs.max(axis=1)
    piece = {
        "series": np.repeat(ids, horizon), "cutoff": origin.cutoff, "step": np.tile(np.arange(1, horizon + 1), len(ids)),
        "y": y.ravel(), "median": np.median(logs, axis=1).ravel(), "naive": np.repeat(origin.last, horizon),
        "scale": np.repeat(origin.scale, horizon), "log_mean": level_mean.ravel(),
        "expected_log_ratio": (logs - level_mean[:, None, :]).mean(axis=1).ravel(),
        "above_995": (y > np.quantile(logs, 0.995, axis=1)).ravel(),
    }  # fmt: skip
    for band in BANDS:
        tail = (100 - band) / 200
        low, high = np.quantile(logs, [tail, 1 - tail], axis=1)
        piece[f"inside_{band}"] = ((y >= low) & (y <= high)).ravel()
        piece[f"over_{band}"] = (y > high).ravel()
    return pd.DataFrame(piece)


def path_scores(
    frame: pd.DataFrame,
    cutoffs: list[int],
    *,
    horizon: int,
    n_paths: int,
    min_train: int,
    seed: int = 0,
    options: dict | None = None,
) -> pd.DataFrame:
    """One row per series, origin and step: outcome and what the paths said about it.

    ``frame`` has ``series, period`` (integer years) and ``value`` (log levels); ``options``
    go to ``simulate_paths`` (``{"auto": {"beyond_volatility": 0}}`` scores the paths without
    the widening past the calibrated steps).
    """
    rows = []
    for cutoff in cutoffs:
        origin = origin_paths(
            frame, cutoff, horizon=horizon, n_paths=n_paths, min_train=min_train, seed=seed, options=options
        )
        if origin is not None:
            rows.append(score_rows(origin, origin.logs))
    return pd.concat(rows, ignore_index=True)


def by_step(scores: pd.DataFrame) -> pd.DataFrame:
    """Per step: coverage, upper-tail share, level-mean checks and relative MASE (see module notes)."""
    s = scores.assign(
        ratio=np.exp(scores["y"] - scores["log_mean"]),
        log_ratio=scores["y"] - scores["log_mean"],
        realised=np.exp(scores["y"]),
        level_mean=np.exp(scores["log_mean"]),
        ae=(scores["y"] - scores["median"]).abs() / scores["scale"],
        ae_naive=(scores["y"] - scores["naive"]).abs() / scores["scale"],
    )
    grouped = s.groupby("step")
    table = grouped.agg(
        n=("y", "size"),
        **{f"coverage_{b}": (f"inside_{b}", "mean") for b in BANDS},
        **{f"over_{b}": (f"over_{b}", "mean") for b in BANDS},
        above_995=("above_995", "mean"),
        summed_ratio=("realised", "sum"),
        mean_ratio=("ratio", "mean"),
        log_ratio=("log_ratio", "mean"),
        expected_log_ratio=("expected_log_ratio", "mean"),
        ae=("ae", "mean"),
        ae_naive=("ae_naive", "mean"),
    )
    table["summed_ratio"] = table["summed_ratio"] / grouped["level_mean"].sum()
    table["relative_mae"] = table.pop("ae") / table.pop("ae_naive")
    return table


def relative_mase(scores: pd.DataFrame) -> float:
    """Mean over series of window-averaged MASE of the median, relative to naive's."""
    s = scores.assign(
        a=(scores["y"] - scores["median"]).abs() / scores["scale"],
        n=(scores["y"] - scores["naive"]).abs() / scores["scale"],
    )
    per_series = s.groupby("series")[["a", "n"]].mean()
    return float(per_series["a"].mean() / per_series["n"].mean())


def markdown(title: str, scores: pd.DataFrame, note: str) -> list[str]:
    table = by_step(scores)
    lines = [
        f"### {title}", "", note, "",
        f"{scores['series'].nunique()} series, {len(scores) // len(table)} series-origins; relative MASE of the"
        f" median vs naive over steps 1-{len(table)}: {relative_mase(scores):.3f}.", "",
        "| step | n | 80 % cov. | 95 % cov. | 99 % cov. | missed above 80 / 95 % | above 99.5 % q. |"
        " sum realised / sum mean | mean realised/mean | mean log(realised/mean) | paths expect | rel. MAE vs naive |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]  # fmt: skip
    for step, row in table.iterrows():
        lines.append(
            f"| {step} | {int(row['n'])} | {row['coverage_80']:.3f} | {row['coverage_95']:.3f} |"
            f" {row['coverage_99']:.3f} | {row['over_80']:.3f} / {row['over_95']:.3f} | {row['above_995']:.4f} |"
            f" {row['summed_ratio']:.2f} |"
            f" {row['mean_ratio']:.2f} | {row['log_ratio']:+.3f} | {row['expected_log_ratio']:+.3f} |"
            f" {row['relative_mae']:.3f} |"
        )
    return [*lines, ""]


def main() -> None:
    from accuracy_real_data import in_development, load_tradhist

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--half", choices=("dev", "eval"), default="dev")
    parser.add_argument("--paths", type=int, default=400)
    parser.add_argument("--cutoffs", default="1984,1994,2004")
    args = parser.parse_args()
    frame = load_tradhist()
    dev = frame["series"].map(in_development)
    frame = frame[dev if args.half == "dev" else ~dev]
    start = time.perf_counter()
    cutoffs = [int(c) for c in args.cutoffs.split(",")]
    scores = path_scores(frame, cutoffs, horizon=10, n_paths=args.paths, min_train=15)
    print("\n".join(markdown(f"TRADHIST {args.half}", scores, f"cutoffs {cutoffs}")))
    print(f"{time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
