"""Do the default paths' chances of large growth come true as often as they say? TRADHIST, both halves.

The outlook's headline is a chance: that turnover reaches USD 1 bn, about ten times today's,
within ten years. Coverage of central bands (path_calibration.py) does not test that: it
needs the far upper tail. Here, for every series and origin of the paths section, the paths'
share at or above ``m`` times the last observed level, ``m`` in ``MULTIPLES``, ``k`` years
ahead (``STEPS``), is the chance they give; whether the series got there is the outcome.
Reported per ``(m, k)`` (mean chance beside the share that happened) and in bins of the
chance, where the bin "0" holds the outcomes none of the paths reached.

Read with care: one series' outcomes at the five multiples and three steps are nested, and
series of one origin share its years, so the rows are not independent draws.

Used by ``accuracy_real_data.py`` (section ``exceedance``).
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd

try:  # run from the repository root or from benchmarks/
    from path_calibration import origin_paths
except ImportError:  # pragma: no cover - imported as benchmarks.exceedance
    from benchmarks.path_calibration import origin_paths

MULTIPLES = (1.5, 2.0, 3.0, 5.0, 10.0)
STEPS = (3, 5, 10)
#: Upper edges of the chance bins after the bin of exactly 0.
BIN_EDGES = (0.01, 0.05, 0.2, 0.5, 1.0)


def exceedance_rows(frame: pd.DataFrame, cutoffs: list[int], *, n_paths: int, min_train: int) -> pd.DataFrame:
    """One row per series, origin, multiple and step: the chance the paths gave and the outcome."""
    rows = []
    for cutoff in cutoffs:
        origin = origin_paths(frame, cutoff, horizon=max(STEPS), n_paths=n_paths, min_train=min_train)
        if origin is None:
            continue
        for multiple in MULTIPLES:
            threshold = origin.last + np.log(multiple)
            for step in STEPS:
                rows.append(pd.DataFrame({
                    "series": origin.ids, "cutoff": cutoff, "multiple": multiple, "step": step,
                    "chance": (origin.logs[:, :, step - 1] >= threshold[:, None]).mean(axis=1),
                    "happened": origin.y[:, step - 1] >= threshold,
                }))  # fmt: skip
    return pd.concat(rows, ignore_index=True)


def bin_labels() -> list[str]:
    """The chance bins in order: "0", then "(0, 1 %]", "(1, 5 %]" ... (see ``BIN_EDGES``).

    Examples
    --------
    >>> bin_labels()[:3]
    ['0', '(0, 1 %]', '(1, 5 %]']
    """
    edges = (0.0, *BIN_EDGES)
    return ["0", *(f"({100 * lo:g}, {100 * hi:g} %]" for lo, hi in zip(edges[:-1], edges[1:], strict=True))]


def chance_bins(chance: pd.Series) -> pd.Series:
    """The bin label of each chance (:func:`bin_labels`).

    Examples
    --------
    >>> chance_bins(pd.Series([0.0, 0.004, 0.03, 0.7])).tolist()
    ['0', '(0, 1 %]', '(1, 5 %]', '(50, 100 %]']
    """
    binned = pd.cut(chance, (0.0, *BIN_EDGES), labels=bin_labels()[1:]).astype(object)
    return binned.where(chance > 0, "0")


def markdown(title: str, rows: pd.DataFrame, note: str) -> list[str]:
    """The two tables of one half: by multiple and step, then by bin of the chance."""
    brier = float(((rows["chance"] - rows["happened"]) ** 2).mean())
    lines = [f"### {title}", "", note, "",
             f"{rows['series'].nunique()} series; {len(rows)} chances; Brier score {brier:.5f} (mean squared"
             " difference between chance and outcome; lower is better).", "",
             "| multiple of the last level | years ahead | n | mean chance the paths gave | share that happened |",
             "|---|---|---|---|---|"]  # fmt: skip
    grouped = rows.groupby(["multiple", "step"])
    for (multiple, step), part in grouped:
        lines.append(
            f"| {multiple:g} | {step} | {len(part)} | {part['chance'].mean():.4f} | {part['happened'].mean():.4f} |"
        )
    lines += ["", "| chance the paths gave | n | mean chance | share that happened |", "|---|---|---|---|"]
    binned = rows.assign(bin=chance_bins(rows["chance"]))
    for label in bin_labels():
        part = binned[binned["bin"] == label]
        if len(part):
            lines.append(
                f"| {label} | {len(part)} | {part['chance'].mean():.4f} | {part['happened'].mean():.4f} |"
            )
    return [*lines, ""]


def exceedance_section(tradhist: pd.DataFrame, halves: dict[str, pd.Series], *, cutoffs: list[int],
                       n_paths: int, min_train: int, short_years: int) -> list[str]:  # fmt: skip
    """Both halves, full histories and histories cut to ``short_years`` years before each origin."""
    start = time.perf_counter()
    body = []
    for label, mask in halves.items():
        part = tradhist[mask]
        full = exceedance_rows(part, cutoffs, n_paths=n_paths, min_train=min_train)
        body += markdown(f"Chances of growth, full histories: {label} set", full,
                         f"Origins {', '.join(map(str, cutoffs))}; {n_paths} paths per origin; series with at least"
                         f" {min_train} years before the origin.")  # fmt: skip
        cut = pd.concat([
            exceedance_rows(part[part["period"] > c - short_years], [c], n_paths=n_paths, min_train=short_years)
            for c in cutoffs
        ])  # fmt: skip
        body += markdown(f"Chances of growth, histories cut to {short_years} years: {label} set", cut,
                         f"As above, each series' last {short_years} years before the origin only.")  # fmt: skip
    head = ["## Chances of large growth: do they come true? TRADHIST paths", "",
            f"Run time {time.perf_counter() - start:.0f} s (both halves). The chance is the share of"
            " `simulate_paths(model='auto', transform='log')` paths at or above the multiple of the last observed"
            " level; the outlook's chance of USD 1 bn is of this kind (about ten times today's turnover). Rows of"
            " one series and origin are nested, so they are not independent.", ""]  # fmt: skip
    return head + body
