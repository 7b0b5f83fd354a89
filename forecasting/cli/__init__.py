"""The ``forecasting`` command: thin subcommands over the library, progress bars, a summary.

Subcommands import their part of the library only when run, so ``--help`` is instant.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

from forecasting import __version__
from forecasting.cli.fetch import add_fetch_parser
from forecasting.cli.options import (
    DATA_FLAGS,
    MIRROR_RULES,
    OUTLOOK_FLAGS,
    SOURCES,
    add_data_options,
    country_code,
    existing_file,
    existing_path,
    reader_options,
    whole_number,
    year,
)

DEFAULT_OUT = Path("reports") / "kz-pk-outlook"


def _outlook(args: argparse.Namespace) -> int:
    from forecasting.cli.outlook import run_outlook_command
    from forecasting.cli.outlook_many import many_pairs_requested, run_many_command

    if many_pairs_requested(args.pair, args.pairs, workers=args.workers, scheduler=args.scheduler):
        return run_many_command(args)
    return run_outlook_command(args)


def _demo_data(args: argparse.Namespace) -> int:
    from forecasting.data.bundled import write_demo_flows

    path = write_demo_flows(args.out)
    print(f"wrote {path} (DEMONSTRATION DATA, simulated) and refreshed the catalog checksums")
    return 0


def _read(args: argparse.Namespace) -> int:
    from forecasting.data import describe_flags, read_flows
    from forecasting.errors import OptionError
    from forecasting.files import atomic_write

    out = Path(args.out) if args.out else None
    if out is not None and (out.suffix not in (".csv", ".parquet") or out.is_dir()):
        raise OptionError(f"--out {out}: give a .csv or .parquet file name")
    flows = read_flows(args.paths, source=args.source, **reader_options(args))
    print(f"{len(flows):,} rows, {flows.reporter.nunique()} reporters, {flows.partner.nunique()} partners")
    print(describe_flags(flows).to_string(index=False))
    if out is not None:
        if out.suffix == ".parquet":
            atomic_write(out, lambda p: flows.to_parquet(p, index=False))
        else:
            atomic_write(out, lambda p: flows.to_csv(p, index=False))
        print(f"wrote {out}")
    return 0


def _gravity(args: argparse.Namespace) -> int:
    import pandas as pd

    from forecasting.errors import OptionError
    from forecasting.gravity import ppml, regression_table

    path = Path(args.data)
    try:
        data = pd.read_parquet(path) if path.suffix == ".parquet" else pd.read_csv(path)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise OptionError(f"{path}: cannot be read as a CSV panel ({exc})") from None
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
    p.add_argument(
        "--data", nargs="+", type=existing_path, help="trade data file(s); default: bundled demo data"
    )
    add_data_options(p, sources=SOURCES)
    p.add_argument(
        "--pair",
        action="append",
        nargs=2,
        type=country_code,
        metavar=("A", "B"),
        help="the two countries (ISO3) of the outlook, A's view; default KAZ PAK. Several --pair run many pairs, a report folder each",
    )
    p.add_argument(
        "--mirror-rule",
        default="importer",
        choices=MIRROR_RULES,
        metavar="RULE",
        help="whose report values each direction when both report it: %(choices)s (default %(default)s)",
    )
    p.add_argument(
        "--scenarios", type=existing_file, help="TOML file of scenarios; default: built-in corridors"
    )
    p.add_argument(
        "--horizon",
        type=year,
        default=2035,
        help="last forecast year, after the data's last year and at most 25 years after it (default 2035)",
    )
    p.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"output folder (default {DEFAULT_OUT})")
    p.add_argument(
        "--draws",
        type=whole_number,
        default=1000,
        help="Monte Carlo draws, at least 40 (one beyond each end of the 95%% interval; default 1000)",
    )
    p.add_argument("--seed", type=whole_number, default=2026, help="random seed (default 2026)")
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
    p.set_defaults(func=_outlook, flags=OUTLOOK_FLAGS)

    p = sub.add_parser(
        "read",
        help="read trade files into the FLOWS table and summarise what cleaning flagged",
        description="Read trade data files (local only) into the FLOWS schema.",
    )
    p.add_argument("paths", nargs="+", type=existing_path, help="files to read")
    add_data_options(p, sources=SOURCES[:-1], required=True)
    p.add_argument("--out", help="write the table to this .csv or .parquet file")
    p.set_defaults(func=_read, flags=DATA_FLAGS)

    p = sub.add_parser(
        "gravity",
        help="estimate a PPML gravity model from a CSV/Parquet panel and print the table",
        description="PPML with high-dimensional fixed effects, fixest-style formula.",
    )
    p.add_argument("data", type=existing_file, help="CSV or Parquet panel")
    p.add_argument("--formula", required=True, help='e.g. "trade ~ ln_dist + rta | exp_year + imp_year"')
    p.add_argument("--cluster", help="cluster variable, e.g. pair_id")
    p.add_argument("--format", default="markdown", choices=("markdown", "html", "latex"), help="table format")
    p.set_defaults(func=_gravity, flags={"formula": "--formula", "cluster": "--cluster"})

    p = sub.add_parser(
        "scenarios",
        help="list the built-in corridor scenarios or validate a scenario TOML file",
        description="List corridor scenarios; with --file, read and validate a user TOML file.",
    )
    p.add_argument("--file", type=existing_file, help="a scenario TOML file to validate and list")
    p.add_argument("--export-cge", metavar="FILE", help="write iceberg trade-cost changes (.csv or .parquet)")
    p.add_argument("--elasticity", type=float, default=-5.0, help="trade elasticity 1 - sigma (default -5)")
    p.add_argument("--first-year", type=int, default=2026, help="first year of the export (default 2026)")
    p.add_argument("--last-year", type=int, default=2040, help="last year of the export (default 2040)")
    p.set_defaults(func=_scenarios, flags={"elasticity": "--elasticity"})

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
    """Entry point of the ``forecasting`` console command; returns the exit status.

    0 on success, 2 for a user error (a bad flag, file or option, with a one-line message),
    130 when interrupted with Ctrl-C (see :mod:`forecasting.cli.console`).
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    from forecasting.cli.console import run_command

    return run_command(args.func, args, flags=getattr(args, "flags", {}), verbose=args.verbose)
