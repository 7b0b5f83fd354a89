"""Reading a BACI-sized file and filtering it: the project's reader versus plain pandas.

Generates a BACI-format CSV (t,i,j,k,v,q; ten million rows by default, ~200 countries,
~5,000 HS6 products, space-padded quoted quantities with some "NA") in a temporary folder,
then filters it to 40 exporting countries and HS chapter 27, each approach in a fresh
child process so its peak resident memory (ru_maxrss) is its own:

* ``forecasting.scan_baci`` — the project's reader (DuckDB streaming, output in FLOWS);
* ``pandas.read_csv + filter`` — what most users write first;
* ``pandas chunked`` — read_csv with chunksize, the careful pandas user's answer;
* ``duckdb SQL`` — a hand-written DuckDB query, to show the reader's own overhead.

Run from the repository root:

    .venv/bin/python benchmarks/bench_read_baci.py            # 10 million rows, writes the table
    .venv/bin/python benchmarks/bench_read_baci.py --rows 500000 --no-write   # quick check
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "benchmarks" / "results" / "read_baci.md"
CHAPTER = "27"
# 40 exporters: Central Asia, South Asia, the corridor's neighbours and large traders.
EXPORTERS_ISO3 = (
    "KAZ PAK AFG UZB TKM KGZ TJK IRN CHN RUS IND TUR AZE GEO ARM BGD LKA NPL ARE SAU "
    "OMN QAT KWT IRQ KEN TZA ZAF EGY DEU FRA ITA GBR NLD POL UKR BLR USA JPN KOR MYS"
).split()


def generate(path: Path, rows: int, seed: int = 20240101) -> None:
    """Write a BACI-format CSV: numbers drawn with numpy, text written by DuckDB in blocks."""
    import duckdb
    import numpy as np

    from forecasting.classify.countries import _tables, numeric_codes_for

    rng = np.random.default_rng(seed)
    ours = {codes[-1] for codes in numeric_codes_for(EXPORTERS_ISO3).values()}
    # other M49 countries (so the reader knows every code), one code per ISO3 and none of the 40
    by_iso = {iso: number for number, iso in sorted(_tables()[1].items()) if iso not in EXPORTERS_ISO3}
    known = sorted(by_iso.values())
    countries = np.array(sorted(ours | set(known[:160])))
    products = np.unique(rng.integers(1, 98, 6000) * 10_000 + rng.integers(100, 9_999, 6000))[:5000]
    n_c, n_p = len(countries), len(products)
    con = duckdb.connect(config={"threads": 2})
    with path.open("w") as handle:
        handle.write('"t","i","j","k","v","q"\n')
    # distinct (i, j, k) keys, sorted as BACI sorts its files; j never equals i
    keys = np.sort(rng.choice(n_c * (n_c - 1) * n_p, size=rows, replace=False))
    block = 2_000_000
    for start in range(0, rows, block):
        chunk = keys[start : start + block]
        n = len(chunk)
        pair, k_pos = np.divmod(chunk, n_p)
        i_pos, j_step = np.divmod(pair, n_c - 1)
        j_pos = (i_pos + 1 + j_step) % n_c
        con.register(
            "block",
            _frame(
                {
                    "t": np.full(n, 2021),
                    "i": countries[i_pos],
                    "j": countries[j_pos],
                    "k": products[k_pos],  # integers: chapters 01-09 lose the zero, as in BACI
                    "v": np.round(rng.gamma(0.4, 300.0, n), 3),
                    "qn": np.round(rng.gamma(0.4, 80.0, n), 3),
                    "na": rng.random(n) < 0.03,
                }
            ),
        )
        part = path.with_suffix(f".part{start}")
        con.execute(
            f"""
            COPY (SELECT t, i, j, k, v,
                         CASE WHEN na THEN lpad('NA', 13, ' ') ELSE lpad(printf('%.3f', qn), 13, ' ') END AS q
                  FROM block)
            TO '{part}' (HEADER false, DELIMITER ',', FORCE_QUOTE (q))
            """
        )
        with path.open("ab") as out, part.open("rb") as src:
            shutil.copyfileobj(src, out)
        part.unlink()
    con.close()


def _frame(columns):  # type: ignore[no-untyped-def]
    import pandas as pd

    return pd.DataFrame(columns)


def peak_rss_mb() -> float:
    """This process's peak resident memory (VmHWM; unlike ru_maxrss it restarts at exec)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # not Linux: best effort


def run_approach(name: str, path: Path) -> dict[str, object]:
    """Run one approach in this (child) process: import time, work time, peak memory, result."""
    start = time.perf_counter()
    codes = json.loads(os.environ["BENCH_EXPORTER_CODES"])
    chapter = int(CHAPTER)
    if name == "forecasting.scan_baci":
        from forecasting.data.readers import scan_baci
    else:
        import pandas as pd
    if name == "duckdb SQL (hand-written)":
        import duckdb
    imported = time.perf_counter()
    if name == "forecasting.scan_baci":
        out = scan_baci(path, exporters=EXPORTERS_ISO3, products=[CHAPTER], classification="HS17")
        rows, value = len(out), float(out["value_usd"].sum()) / 1000.0
    elif name == "pandas.read_csv + filter":
        frame = pd.read_csv(path)
        out = frame[frame["i"].isin(codes) & (frame["k"] // 10_000 == chapter)]
        rows, value = len(out), float(out["v"].sum())
    elif name == "pandas chunked (1M rows)":
        parts = [
            chunk[chunk["i"].isin(codes) & (chunk["k"] // 10_000 == chapter)]
            for chunk in pd.read_csv(path, chunksize=1_000_000)
        ]
        out = pd.concat(parts)
        rows, value = len(out), float(out["v"].sum())
    elif name == "duckdb SQL (hand-written)":
        con = duckdb.connect(config={"threads": 2})
        out = con.execute(
            f"SELECT * FROM read_csv(?, header = true) WHERE i IN ({','.join(map(str, codes))})"
            f" AND k // 10000 = {chapter}",
            [str(path)],
        ).df()
        rows, value = len(out), float(out["v"].sum())
    else:
        raise ValueError(name)
    done = time.perf_counter()
    return {
        "approach": name,
        "rows": rows,
        "value_kusd": value,
        "import_seconds": imported - start,
        "seconds": done - imported,
        "peak_mb": peak_rss_mb(),
    }


APPROACHES = (
    "forecasting.scan_baci",
    "pandas.read_csv + filter",
    "pandas chunked (1M rows)",
    "duckdb SQL (hand-written)",
)


def exporter_codes() -> list[int]:
    """Every numeric code BACI may use for the 40 exporters (M49 and variants such as 842 for USA)."""
    from forecasting.classify.countries import numeric_codes_for

    return sorted({c for codes in numeric_codes_for(EXPORTERS_ISO3).values() for c in codes})


def baseline_mb(modules: str) -> float:
    """Peak memory of a child that only imports ``modules`` (what each approach starts from)."""
    code = f"import {modules}; from benchmarks.bench_read_baci import peak_rss_mb; print(peak_rss_mb())"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO)
    return float(done.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument(
        "--no-write", action="store_true", help="print the table, do not write results/read_baci.md"
    )
    parser.add_argument("--child", nargs=2, metavar=("APPROACH", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(run_approach(args.child[0], Path(args.child[1]))))
        return

    folder = Path(tempfile.mkdtemp(prefix="bench_baci_"))
    try:
        path = folder / "BACI_HS17_Y2021_V202401.csv"
        t0 = time.perf_counter()
        generate(path, args.rows)
        gen_seconds = time.perf_counter() - t0
        size_mb = path.stat().st_size / 1e6
        results = []
        for name in APPROACHES:
            done = subprocess.run(
                [sys.executable, __file__, "--child", name, str(path)],
                capture_output=True,
                text=True,
                cwd=REPO,
                env={**os.environ, "BENCH_EXPORTER_CODES": json.dumps(exporter_codes())},
            )
            if done.returncode != 0:
                results.append({"approach": name, "error": done.stderr.strip().splitlines()[-1]})
                continue
            results.append(json.loads(done.stdout.strip().splitlines()[-1]))
        imports_mb = {
            "pandas": baseline_mb("pandas"),
            "pandas + duckdb": baseline_mb("pandas, duckdb"),
            "forecasting.data.readers": baseline_mb("forecasting.data.readers"),
        }
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    table = render(results, args.rows, size_mb, gen_seconds, imports_mb)
    print(table)
    if not args.no_write:
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        RESULTS.write_text(table)


def render(results, rows, size_mb, gen_seconds, imports_mb) -> str:  # type: ignore[no-untyped-def]
    import duckdb
    import pandas as pd

    ok = [r for r in results if "error" not in r]
    ref = next((r for r in ok if r["approach"] == "pandas.read_csv + filter"), None)
    if ref is None:  # pandas itself failed (out of memory?): ratios against the first approach that ran
        ref = ok[0]
    lines = [
        "# Reading a BACI-sized file filtered to 40 exporters and HS chapter 27",
        "",
        f"Generated BACI-format CSV: {rows:,} rows, {size_mb:,.0f} MB (t,i,j,k,v,q; ~200 countries, 5,000 HS6"
        f" codes, quoted space-padded q with 3% NA; generated in {gen_seconds:.0f} s, deleted afterwards).",
        f"Filter: exporters in {len(EXPORTERS_ISO3)} countries ({', '.join(EXPORTERS_ISO3[:8])}, ...), products in"
        f" HS chapter {CHAPTER}. Each approach ran once, in its own child process; peak memory is that"
        " process's peak resident set size (VmHWM), imports included; time is the read and filter"
        " alone, imports listed apart.",
        "",
        "| approach | rows kept | value kept (thousand USD) | read + filter (s) | imports (s) |"
        " peak memory (MB) | time vs pandas | memory vs pandas |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        if "error" in r:
            lines.append(f"| {r['approach']} | failed: {r['error']} | | | | | | |")
            continue
        lines.append(
            f"| {r['approach']} | {r['rows']:,} | {r['value_kusd']:,.1f} | {r['seconds']:.1f} |"
            f" {r['import_seconds']:.1f} | {r['peak_mb']:,.0f} |"
            f" {r['seconds'] / ref['seconds']:.2f} | {r['peak_mb'] / ref['peak_mb']:.2f} |"
        )
    same = len({(r["rows"], round(r["value_kusd"], 1)) for r in ok}) == 1
    lines += [
        "",
        f"All approaches kept the same rows and value total: **{'yes' if same else 'NO — investigate'}**.",
        "Memory after imports alone (each in a fresh child): "
        + ", ".join(f"{name} {mb:,.0f} MB" for name, mb in imports_mb.items())
        + ".",
        "The project's reader also returns the FLOWS table (ISO3 codes, US dollars, zero-padded HS codes,"
        " flags, validated); the pandas and DuckDB rows are raw BACI columns.",
        "",
        f"Machine: {os.cpu_count()} cores, {platform.platform()}, Python {platform.python_version()},"
        f" pandas {pd.__version__}, duckdb {duckdb.__version__}. **Ran under shared load**: other"
        " helpers' test suites were running on the same two cores, so absolute times are noisy;"
        " the ratios come from the same run.",
        f"Run: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC —"
        " `.venv/bin/python benchmarks/bench_read_baci.py` (add `--rows 500000 --no-write` for a quick check).",
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
