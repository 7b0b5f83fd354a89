"""The ``forecasting`` command: thin subcommands over the library, progress bars, a summary.

Subcommands import their part of the library only when run, so ``--help`` is instant.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from forecasting import __version__
from forecasting.cli.fetch import add_fetch_parser

DEFAULT_OUT = Path("reports") / "kz-pk-outlook"
DEFAULT_PAIR = ("KAZ", "PAK")
SOURCES = ("comtrade", "baci", "wits", "kz_stat", "tidy", "demo")


def _outlook(args: argparse.Namespace) -> int:
    from forecasting.cli.outlook import run_outlook_command
    from forecasting.cli.outlook_many import many_pairs_requested, run_many_command

    if many_pairs_requested(args.pair, args.pairs, workers=args.workers, scheduler=args.scheduler):
        return run_many_command(
            pair=args.pair, pairs_file=args.pairs, data=args.data, source=args.source, scenarios=args.scenarios,
            horizon=args.horizon, out=args.out, draws=args.draws, seed=args.seed, pdf=args.pdf,
            report=not args.no_report, workers=args.workers, scheduler=args.scheduler,
        )  # fmt: skip
    return run_outlook_command(
        pair=tuple(args.pair[0]) if args.pair else DEFAULT_PAIR,
        data=args.data,
        source=args.source,
        scenarios=args.scenarios,
        horizon=args.horizon,
        out=args.out,
        draws=args.draws,
        seed=args.seed,
        pdf=args.pdf,
        report=not args.no_report,
    )


def _demo_data(args: argparse.Namespace) -> int:
    from forecasting.data.demo import write_demo_flows

    path = write_demo_flows(args.out)
    print(f"wrote {path} (DEMONSTRATION DATA, simulated) and refreshed the catalog checksums")
    return 0


def _read(args: argparse.Namespace) -> int:
    from forecasting.data import describe_flags, read_flows

    flows = read_flows(args.paths, source=args.source)
    print(f"{len(flows):,} rows, {flows.reporter.nunique()} reporters, {flows.partner.nunique()} partners")
    print(describe_flags(flows).to_string(index=False))
    if args.out:
        out = Path(args.out)
        flows.to_parquet(out, index=False) if out.suffix == ".parquet" else flows.to_csv(out, index=False)
        print(f"wrote {out}")
    return 0


def _gravity(args: argparse.Namespace) -> int:
    import pandas as pd

    from forecasting.gravity import ppml, regression_table

    path = Path(args.data)
    data = pd.read_parquet(path) if path.suffix == ".parquet" else pd.read_csv(path)
    result = ppml(data, args.formula, cluster=args.cluster)
    print(regression_table({"PPML": result}, format=args.format))
    if len(result.dropped):
        print(f"{len(result.dropped)} rows set aside: {result.dropped.reason.value_counts().to_dict()}")
    return 0


def _scenarios(args: argparse.Namespace) -> int:
    from forecasting.scenarios import builtin_corridors, read_scenarios

    scenarios = read_scenarios(args.file) if args.file else builtin_corridors()
    for name, scenario in scenarios.items():
        print(f"{name:28s} {scenario.description}")
    if args.export_cge:
        _export_cge(scenarios, args)
    return 0


def _export_cge(scenarios: dict, args: argparse.Namespace) -> None:
    import pandas as pd

    from forecasting.classify import DEFAULT_GROUPS
    from forecasting.scenarios import cge_shock_table

    countries = sorted({c for s in scenarios.values() for pair in s.pairs() for c in pair})
    pairs = pd.DataFrame(
        [(a, b, k) for a in countries for b in countries if a != b for k in (*DEFAULT_GROUPS, "other")],
        columns=["exporter", "importer", "commodity"],
    )
    table = cge_shock_table(
        scenarios, pairs, range(args.first_year, args.last_year + 1), elasticity=args.elasticity
    )
    table = table[table.delta_log_cost != 0]
    out = Path(args.export_cge)
    table.to_parquet(out, index=False) if out.suffix == ".parquet" else table.to_csv(out, index=False)
    print(f"wrote {len(table):,} pair x commodity x year iceberg-cost changes to {out}")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``forecasting`` command."""
    parser = argparse.ArgumentParser(
        prog="forecasting",
        description="Trade-flow econometric forecasting: Kazakhstan-Pakistan trade outlook and tools.",
    )
    parser.add_argument("--version", action="version", version=f"forecasting {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress details")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    p = sub.add_parser(
        "outlook",
        help="run the main job: outlook of KAZ-PAK trade by commodity and corridor, and its report",
        description="Forecast Kazakhstan-Pakistan trade turnover by commodity under each corridor scenario,"
        " with uncertainty and the probability of reaching $1 billion, and render the report."
        " Without --data it runs on the bundled simulated demonstration data.",
    )
    p.add_argument("--data", nargs="+", type=Path, help="trade data file(s); default: bundled demo data")
    p.add_argument("--source", choices=SOURCES, help="format of --data (required with --data)")
    p.add_argument("--scenarios", type=Path, help="TOML file of scenarios; default: built-in corridors")
    p.add_argument("--horizon", type=int, default=2035, help="last forecast year (default 2035)")
    p.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"output folder (default {DEFAULT_OUT})")
    p.add_argument("--draws", type=int, default=1000, help="Monte Carlo draws (default 1000)")
    p.add_argument("--seed", type=int, default=2026, help="random seed (default 2026)")
    p.add_argument(
        "--pair", action="append", nargs=2, metavar=("A", "B"),
        help="the pair, A's view (default KAZ PAK); several --pair run many pairs, a report folder each",
    )  # fmt: skip
    p.add_argument(
        "--pairs", type=Path, metavar="FILE", help="many pairs from a CSV (reporter,partner) or TOML"
    )
    p.add_argument(
        "--workers", type=int, default=1, help="many pairs: local Dask worker processes (default 1)"
    )
    p.add_argument(
        "--scheduler", metavar="ADDRESS", help="many pairs: run them on the Dask cluster at ADDRESS"
    )
    p.add_argument("--pdf", action="store_true", help="also export the report as PDF (needs Chromium)")
    p.add_argument("--no-report", action="store_true", help="write tables and figures but no HTML report")
    p.set_defaults(func=_outlook)

    p = sub.add_parser(
        "read",
        help="read trade files into the FLOWS table and summarise what cleaning flagged",
        description="Read trade data files (local only) into the FLOWS schema.",
    )
    p.add_argument("paths", nargs="+", type=Path, help="files to read")
    p.add_argument("--source", required=True, choices=SOURCES[:-1], help="file format")
    p.add_argument("--out", help="write the table to this .csv or .parquet file")
    p.set_defaults(func=_read)

    p = sub.add_parser(
        "gravity",
        help="estimate a PPML gravity model from a CSV/Parquet panel and print the table",
        description="PPML with high-dimensional fixed effects, fixest-style formula.",
    )
    p.add_argument("data", help="CSV or Parquet panel")
    p.add_argument("--formula", required=True, help='e.g. "trade ~ ln_dist + rta | exp_year + imp_year"')
    p.add_argument("--cluster", help="cluster variable, e.g. pair_id")
    p.add_argument("--format", default="markdown", choices=("markdown", "html", "latex"), help="table format")
    p.set_defaults(func=_gravity)

    p = sub.add_parser(
        "scenarios",
        help="list the built-in corridor scenarios or validate a scenario TOML file",
        description="List corridor scenarios; with --file, read and validate a user TOML file.",
    )
    p.add_argument("--file", type=Path, help="a scenario TOML file to validate and list")
    p.add_argument("--export-cge", metavar="FILE", help="write iceberg trade-cost changes (.csv or .parquet)")
    p.add_argument("--elasticity", type=float, default=-5.0, help="trade elasticity 1 - sigma (default -5)")
    p.add_argument("--first-year", type=int, default=2026, help="first year of the export (default 2026)")
    p.add_argument("--last-year", type=int, default=2040, help="last year of the export (default 2040)")
    p.set_defaults(func=_scenarios)

    p = sub.add_parser(
        "demo-data",
        help="regenerate the bundled simulated demonstration data and its checksums",
        description="Rebuild forecasting/datasets/demo_flows.parquet from the simulator (deterministic).",
    )
    p.add_argument("--out", type=Path, help="datasets folder (default: the bundled one)")
    p.set_defaults(func=_demo_data)

    add_fetch_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``forecasting`` console command."""
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s"
    )
    from forecasting.errors import ForecastingError
    from forecasting.progress import show_progress

    show_progress(True)
    try:
        return int(args.func(args) or 0)
    except ForecastingError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
