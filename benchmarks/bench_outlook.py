"""Time the full default outlook (all commodities, all built-in corridors, 1,000 draws) and the report.

Usage: ``.venv/bin/python benchmarks/bench_outlook.py [--draws 1000] [--repeat 1]``
Writes ``benchmarks/results/outlook.md``. Target (issue 14): within 60 s on this 2-core machine,
report included, with every GE draw solved in general equilibrium.

The three stages of the outlook are timed apart: (a) data preparation, (b) the gravity
estimate, (c) the pair's outlook (baseline paths, every scenario's GE draws, joint draws and
tables); then the report (artefacts, kernel start-up and notebook execution).

Wall time on a shared machine grows with the other work running on it, so the table also gives
the CPU time of the run (this process and its children: the PPML workers and the report kernel)
and the load average: on an idle 2-core machine the wall time is about the CPU time over the
cores the run keeps busy.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import tempfile
import time
import warnings
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results" / "outlook.md"
TARGET_S = 60


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--draws", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()

    from forecasting.projection.estimate import estimate_gravity
    from forecasting.projection.pair import pair_outlook
    from forecasting.projection.prepare import prepare_data
    from forecasting.report import build_report

    def cpu_seconds() -> float:
        own, children = (resource.getrusage(w) for w in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
        return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime

    rows = []
    for i in range(args.repeat):
        c0 = cpu_seconds()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # demo data and its fall-backs: recorded in the settings
            t0 = time.perf_counter()
            prepared = prepare_data()
            t1 = time.perf_counter()
            gravity = estimate_gravity(prepared)
            t2 = time.perf_counter()
            result = pair_outlook(prepared, gravity, draws=args.draws)
            t3 = time.perf_counter()
        with tempfile.TemporaryDirectory() as tmp:
            build_report(result, Path(tmp) / "outlook")
        t4 = time.perf_counter()
        load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
        rows.append((i + 1, t1 - t0, t2 - t1, t3 - t2, t4 - t3, t4 - t0, cpu_seconds() - c0, load))
        print(f"run {i + 1}: prepare {t1 - t0:.1f} s, gravity {t2 - t1:.1f} s, pair {t3 - t2:.1f} s,"
              f" report {t4 - t3:.1f} s, total {t4 - t0:.1f} s")  # fmt: skip
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    s = result.settings
    lines = [
        "# Full default outlook: wall time",
        "",
        f"Command: `.venv/bin/python benchmarks/bench_outlook.py --draws {args.draws} --repeat {args.repeat}`",
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()};"
        f" 1-minute load average {load:.1f} at the end (the machine is shared with other work).",
        "",
        f"Bundled demo data, {len(set(result.forecast.commodity))} commodity groups x 2 directions,"
        f" {len(result.scenarios)} built-in scenarios + the statistical baseline, {s.draws} Monte Carlo draws,"
        f" {s.ge_draws} GE draws per scenario and commodity each solved in full-endowment GE with its own"
        f" elasticity and corridor case ({gravity.bases['other'].exporter.nunique()} countries); the report"
        " includes kernel start-up and notebook execution.",
        "",
        "| run | (a) prepare (s) | (b) gravity (s) | (c) pair outlook (s) | report (s) | total (s) | target (s)"
        " | CPU time (s) | load average |",
        "|---|---|---|---|---|---|---|---|---|",
        *[
            f"| {r} | {a:.1f} | {b:.1f} | {c:.1f} | {d:.1f} | {e:.1f} | {TARGET_S} | {cpu:.1f} | {la:.1f} |"
            for r, a, b, c, d, e, cpu, la in rows
        ],
        "",
        f"Peak resident memory of the process: {peak_mb:.0f} MB.",
    ]
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
