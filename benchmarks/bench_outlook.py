"""Time the full default outlook (all commodities, all built-in corridors, 1,000 draws) and the report.

Usage: ``.venv/bin/python benchmarks/bench_outlook.py [--draws 1000] [--repeat 1]``
Writes ``benchmarks/results/outlook.md``. Target (issue 7): under 2 minutes on 2 cores.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import tempfile
import time
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results" / "outlook.md"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--draws", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()

    from forecasting.outlook import outlook
    from forecasting.report import build_report

    rows = []
    for i in range(args.repeat):
        t0 = time.perf_counter()
        result = outlook(draws=args.draws)
        t1 = time.perf_counter()
        with tempfile.TemporaryDirectory() as tmp:
            build_report(result, Path(tmp) / "outlook")
        t2 = time.perf_counter()
        rows.append((i + 1, t1 - t0, t2 - t1, t2 - t0))
        print(f"run {i + 1}: outlook {t1 - t0:.1f} s, report {t2 - t1:.1f} s, total {t2 - t0:.1f} s")
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    lines = [
        "# Full default outlook: wall time",
        "",
        f"Command: `.venv/bin/python benchmarks/bench_outlook.py --draws {args.draws} --repeat {args.repeat}`",
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()};"
        " run while other work shared the machine unless stated otherwise.",
        "",
        "Bundled demo data, 6 commodity groups x 2 directions, 7 built-in scenarios + the statistical"
        f" baseline, {args.draws} Monte Carlo draws, GE solved on 40 countries; the report includes"
        " kernel start-up and notebook execution.",
        "",
        "| run | outlook (s) | report (s) | total (s) | target (s) |",
        "|---|---|---|---|---|",
        *[f"| {r} | {a:.1f} | {b:.1f} | {c:.1f} | 120 |" for r, a, b, c in rows],
        "",
        f"Peak resident memory of the process: {peak_mb:.0f} MB.",
    ]
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
