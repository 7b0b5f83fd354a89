"""Many pairs on a two-worker Dask cluster against a serial run, measured in the same run.

Usage: ``.venv/bin/python benchmarks/bench_many_pairs.py [--draws 1000] [--repeat 2]``
Writes ``benchmarks/results/many_pairs.md``.

The five Central Asian countries with Pakistan (KAZ, UZB, KGZ, TJK, TKM with PAK) on the
bundled demo panel, every built-in corridor, default draws. The data are prepared and gravity
estimated once (timed apart: both runs share them); then, alternating so that a change in the
machine's load hits both alike, the pairs run serially in this process and on a
``LocalCluster`` of two worker processes (one thread each). The cluster time includes
scattering the shared inputs; starting the cluster is timed apart. Every table of every pair
is checked to be identical between the two.

With 5 pairs on 2 workers the best possible speed-up is 5 / 3 = 1.67 (one worker runs three).
The machine has 2 cores shared with other engineers' test runs: the load average is recorded
before and after, and only ratios from the same run are reported.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time
import warnings
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

RESULTS = Path(__file__).resolve().parent / "results" / "many_pairs.md"
PAIRS = [("KAZ", "PAK"), ("UZB", "PAK"), ("KGZ", "PAK"), ("TJK", "PAK"), ("TKM", "PAK")]
WORKERS = 2


def _same(a, b) -> bool:
    for pair, result in a.items():
        for name, table in result.tables().items():
            pd.testing.assert_frame_equal(
                table, b[pair].tables()[name], check_exact=True, obj=f"{pair} {name}"
            )
        assert result.settings == b[pair].settings
    return list(a) == list(b)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--draws", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()

    import distributed

    from forecasting.projection.estimate import estimate_gravity
    from forecasting.projection.many import outlook_pairs
    from forecasting.projection.prepare import prepare_data

    load_before = os.getloadavg()
    warnings.simplefilter("ignore")  # demo data and fall-backs: recorded in each pair's settings
    t0 = time.perf_counter()
    prepared = prepare_data()
    t1 = time.perf_counter()
    gravity = estimate_gravity(prepared)
    t2 = time.perf_counter()
    print(f"prepare {t1 - t0:.1f} s, gravity {t2 - t1:.1f} s (once, shared by both runs)")
    options = dict(draws=args.draws)
    rows, same = [], True
    started = time.perf_counter()
    with (
        distributed.LocalCluster(
            n_workers=WORKERS, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        client.wait_for_workers(WORKERS)
        startup = time.perf_counter() - started
        for i in range(args.repeat):
            t = time.perf_counter()
            serial = outlook_pairs(prepared, gravity, PAIRS, **options)
            serial_s = time.perf_counter() - t
            t = time.perf_counter()
            on_cluster = outlook_pairs(prepared, gravity, PAIRS, client=client, **options)
            cluster_s = time.perf_counter() - t
            same = same and _same(serial, on_cluster)
            rows.append((i + 1, serial_s, cluster_s, serial_s / cluster_s, os.getloadavg()[0]))
            print(
                f"run {i + 1}: serial {serial_s:.1f} s, cluster {cluster_s:.1f} s, ratio {serial_s / cluster_s:.2f}"
            )
    load_after = os.getloadavg()
    median = statistics.median(r[3] for r in rows)
    serial_total = statistics.median(r[1] for r in rows)
    cluster_total = statistics.median(r[2] for r in rows)
    with_startup = serial_total / (cluster_total + startup)
    n_scenarios = len(serial[PAIRS[0]].scenarios)
    lines = [
        "# Many pairs: two Dask workers against a serial run",
        "",
        f"{len(PAIRS)} pairs ({', '.join(f'{a}-{b}' for a, b in PAIRS)}) on the bundled demo panel, {n_scenarios}"
        f" built-in scenarios + the statistical baseline, {args.draws} draws each; one data preparation"
        f" ({t1 - t0:.1f} s) and one gravity estimation ({t2 - t1:.1f} s) shared by both runs and not in the"
        " times below. Serial: the pairs one after another in this process. Cluster: a `LocalCluster` of"
        f" {WORKERS} worker processes, one thread each; its time includes scattering the shared inputs once."
        f" With {len(PAIRS)} pairs on {WORKERS} workers the best possible ratio is"
        f" {len(PAIRS)}/{-(-len(PAIRS) // WORKERS)} = {len(PAIRS) / -(-len(PAIRS) // WORKERS):.2f}.",
        "",
        "| run | serial (s) | 2 workers (s) | speed-up (serial / cluster) | 1-min load after |",
        "|---|---:|---:|---:|---:|",
        *[f"| {r} | {s:.1f} | {c:.1f} | {x:.2f} | {load:.1f} |" for r, s, c, x, load in rows],
        "",
        f"- **Speed-up on {WORKERS} workers: {median:.2f}x** (median of the runs, the same run's serial time as"
        " the reference).",
        f"- Starting the cluster took {startup:.1f} s; counting it once, the speed-up of a single call is"
        f' {with_startup:.2f}x (`client="local"` pays it on every call; a long-lived `distributed.Client`'
        " pays it once).",
        f"- Every table and the settings of every pair identical between the two runs: **{'yes' if same else 'NO'}**.",
        "",
        f"Machine: {os.cpu_count()} cores, {platform.platform()}, Python {platform.python_version()},"
        f" dask/distributed {distributed.__version__}. **Shared machine**: 1/5/15-min load average"
        f" {load_before[0]:.1f}/{load_before[1]:.1f}/{load_before[2]:.1f} before and"
        f" {load_after[0]:.1f}/{load_after[1]:.1f}/{load_after[2]:.1f} after (other engineers' test suites"
        " on the same two cores); absolute times are noisy, the ratios come from the same run.",
        f"Run: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC — `.venv/bin/python benchmarks/bench_many_pairs.py"
        f" --draws {args.draws} --repeat {args.repeat}`",
    ]
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
