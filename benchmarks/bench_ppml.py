"""Benchmark: forecasting.gravity.ppml vs a direct pyfixest call vs statsmodels GLM with dummies.

Each variant runs in a fresh Python process, so wall time and peak resident memory (the
process's ``ru_maxrss`` minus that of a process that only imported the libraries and built
the data) are measured alike. Variants: ``pyfixest`` (``pf.fepois`` with its separation
checks ``fe`` and ``ir``, the same options as ours), ``pyfixest_nocheck`` (no separation
check), ``ours`` (``gravity.ppml`` with all its checks: fe, simplex, iterative rectifier,
mu, and the final guards) and ``statsmodels`` (GLM with one dummy per level, small panel
only). Writes ``benchmarks/results/ppml.md``.

Usage::

    .venv/bin/python benchmarks/bench_ppml.py                 # 495,000 rows, about 5 minutes
    .venv/bin/python benchmarks/bench_ppml.py --countries 40 --years 5 --repeats 1   # quick check
"""

from __future__ import annotations

import argparse
import json
import platform
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "ppml.md"
FORMULA = "value_usd ~ rta + ln_tariff | exp_year + imp_year + pair"


def make_panel(countries: int, years: int, seed: int = 0) -> pd.DataFrame:
    """Trade-like panel: exporter-year, importer-year and pair effects, RTAs, tariffs, Poisson flows."""
    rng = np.random.default_rng(seed)
    exp_i, imp_i = np.meshgrid(np.arange(countries), np.arange(countries), indexing="ij")
    keep = exp_i != imp_i
    exp_i, imp_i = exp_i[keep], imp_i[keep]
    n_pairs = exp_i.size
    year = np.repeat(np.arange(years), n_pairs)
    exp_c = np.tile(exp_i, years)
    imp_c = np.tile(imp_i, years)
    pair = np.tile(np.arange(n_pairs), years)
    exp_fe = rng.normal(1.0, 0.8, (countries, years))
    imp_fe = rng.normal(0.5, 0.8, (countries, years))
    pair_fe = rng.normal(0.0, 1.0, n_pairs)
    start = rng.integers(0, 2 * years, n_pairs)  # half the pairs never sign an agreement
    rta = (year >= start[pair]).astype(np.int8)
    ln_tariff = np.log1p(rng.uniform(0, 0.5, year.size))
    eta = 2.0 + exp_fe[exp_c, year] + imp_fe[imp_c, year] + pair_fe[pair] + 0.4 * rta - 1.5 * ln_tariff
    return pd.DataFrame(
        {
            "exp_year": exp_c * years + year,
            "imp_year": imp_c * years + year,
            "pair": pair,
            "rta": rta,
            "ln_tariff": ln_tariff,
            "value_usd": rng.poisson(np.exp(eta)).astype(float),
        }
    )


def worker(variant: str, countries: int, years: int) -> dict[str, float]:
    import resource

    data = make_panel(countries, years)
    import pyfixest as pf
    from pyfixest.demeaners import MapDemeaner

    from forecasting.gravity import ppml

    if variant == "statsmodels":
        import statsmodels.api as sm
    baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    if variant == "ours":
        res = ppml(data, FORMULA, cluster="pair")
        coef = float(res.coef["rta"])
    elif variant in ("pyfixest", "pyfixest_nocheck"):
        fit = pf.fepois(
            FORMULA,
            data,
            vcov={"CRV1": "pair"},
            ssc=pf.ssc(k_adj=False, G_adj=True),
            separation_check=["fe", "ir"] if variant == "pyfixest" else [],
            iwls_maxiter=1000,
            demeaner=MapDemeaner(fixef_tol=1e-8),
        )
        coef = float(fit.coef()["rta"])
    else:
        dummies = pd.get_dummies(
            data[["exp_year", "imp_year", "pair"]].astype(str), drop_first=True, dtype=float
        )
        exog = pd.concat([data[["rta", "ln_tariff"]].astype(float), dummies], axis=1)
        exog.insert(0, "const", 1.0)
        fit = sm.GLM(data["value_usd"], exog, family=sm.families.Poisson()).fit(
            cov_type="cluster", cov_kwds={"groups": data["pair"]}
        )
        coef = float(fit.params["rta"])
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {"seconds": seconds, "peak_mb": max(peak - baseline, 0) / 1024, "rta": coef, "rows": len(data)}


def run(variant: str, countries: int, years: int) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, __file__, "--worker", variant, "--countries", str(countries), "--years", str(years)],
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def best_of(variant: str, countries: int, years: int, repeats: int) -> dict[str, float]:
    runs = [run(variant, countries, years) for _ in range(repeats)]
    return min(runs, key=lambda r: r["seconds"]) | {"peak_mb": max(r["peak_mb"] for r in runs)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--worker", choices=["ours", "pyfixest", "pyfixest_nocheck", "statsmodels"])
    parser.add_argument("--countries", type=int, default=100)
    parser.add_argument("--years", type=int, default=50)
    parser.add_argument("--small-countries", type=int, default=12)
    parser.add_argument("--small-years", type=int, default=3)
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(args.worker, args.countries, args.years)))
        return

    lines = [
        "# PPML benchmark: gravity.ppml vs pyfixest vs statsmodels GLM",
        "",
        f"Model: `{FORMULA}`, pair-clustered errors, Poisson flows from a known DGP (rta = 0.4).",
        f"Machine: {platform.machine()}, Python {platform.python_version()}, 2 cores **shared with other jobs"
        " running at the same time** (timings are noisy; best of "
        f"{args.repeats} fresh processes, peak memory = max RSS growth during the fit).",
        "",
        "| rows | variant | seconds | peak MB | time ratio vs pyfixest | vs pyfixest_nocheck | memory ratio | rta |",
        "|---:|---|---:|---:|---:|---:|---:|---:|",
    ]
    for countries, years, variants in [
        (args.small_countries, args.small_years, ("pyfixest", "pyfixest_nocheck", "ours", "statsmodels")),
        (args.countries, args.years, ("pyfixest", "pyfixest_nocheck", "ours")),
    ]:
        # statsmodels runs once: it takes minutes even on the small panel.
        measured = {
            v: best_of(v, countries, years, 1 if v == "statsmodels" else args.repeats) for v in variants
        }
        ref, bare = measured["pyfixest"], measured["pyfixest_nocheck"]
        for variant, m in measured.items():
            lines.append(
                f"| {int(m['rows']):,} | {variant} | {m['seconds']:.2f} | {m['peak_mb']:.0f} |"
                f" {m['seconds'] / ref['seconds']:.2f} | {m['seconds'] / bare['seconds']:.2f} |"
                f" {m['peak_mb'] / max(ref['peak_mb'], 1e-9):.2f} | {m['rta']:.4f} |"
            )
    lines += [
        "",
        "`ours` = `forecasting.gravity.ppml(data, formula, cluster='pair')` with its defaults (Stata",
        "small-sample convention, separation checks fe + simplex + iterative rectifier + mu and the final",
        "guards, fixef_tol 1e-8, rust demeaner); `pyfixest` = the same model through `pf.fepois` with",
        "identical options and its own separation checks (`fe`, `ir`); `pyfixest_nocheck` = the same",
        "without any separation check; `statsmodels` = `sm.GLM(..., Poisson)` with one",
        "dummy column per fixed-effect level (only feasible on the small panel). Its IRLS runs to its",
        "100-iteration cap: exporter-year, importer-year and pair dummies together are rank-deficient",
        "(a user gets a SingularMatrixWarning), so every step solves a pseudo-inverse; the slope",
        "estimate still agrees with the fixed-effect estimators.",
        "",
        "The checks are not the same work: pyfixest's `ir` check solves its weighted regressions by",
        "alternating projections, which stall under the method's extreme weights (on the two-way case",
        "of tests/reference/test_separation_suite.py it stops with 'Demeaning failed'); ours solves them",
        "with pyfixest's LSMR demeaner and verifies every certificate before dropping a row, and passes",
        "clean rows to pyfixest with its checks off. The target is ours <= 1.1 x pyfixest with the same",
        "options (first ratio column).",
        "",
        f"Reproduce: `.venv/bin/python benchmarks/bench_ppml.py --countries {args.countries} --years {args.years}"
        f" --small-countries {args.small_countries} --small-years {args.small_years} --repeats {args.repeats}`",
    ]
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
