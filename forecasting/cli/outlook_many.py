"""``forecasting outlook`` for many pairs: ``--pair A B`` given several times, or ``--pairs FILE``.

The pairs share one data preparation and one gravity estimation
(:func:`forecasting.projection.many.outlook_many`) and run serially, on a local Dask cluster
(``--workers N``) or on a running one (``--scheduler ADDRESS``). Under ``--out`` each pair
that ran gets its own report folder (``KAZ-PAK/``, ...), and an index lists them all:
``index.csv`` (the combined table: turnover in the horizon year and the chance of reaching
the target, by pair and scenario), ``reports.csv`` (each pair, its report or why it has
none) and ``index.html`` (both, with links). A pair that fails does not stop the others; it
is listed in the index and on the console, and the command then exits with status 2.

A pairs file is a CSV with the columns ``reporter,partner`` (one pair a row) or a TOML file
with ``pairs = [["KAZ", "PAK"], ["UZB", "PAK"]]``.
"""

from __future__ import annotations

import contextlib
import html
import textwrap
import time
import tomllib
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from forecasting.errors import ForecastingError, ReaderError
from forecasting.files import atomic_write_text
from forecasting.schema import require_columns

if TYPE_CHECKING:
    import argparse

    from forecasting.projection.many_result import PairOutlooks

__all__ = ["many_pairs_requested", "read_pairs_file", "requested_pairs", "run_many_command", "write_index"]

PAIR_FILE_COLUMNS = ("reporter", "partner")
INDEX_FILES = ("index.csv", "reports.csv", "index.html")


def many_pairs_requested(
    pair: Sequence[Sequence[str]] | None,
    pairs_file: Path | None,
    *,
    workers: int = 1,
    scheduler: str | None = None,
) -> bool:
    """Whether the command asks for many pairs: ``--pairs FILE``, or ``--pair`` more than once.

    ``--workers`` and ``--scheduler`` spread pairs over processes, so one pair refuses them.
    """
    many = pairs_file is not None or len(pair or ()) > 1
    if not many and (workers != 1 or scheduler):
        raise ForecastingError(
            "--workers and --scheduler run many pairs in parallel; give --pair more than once or --pairs FILE"
        )
    return many


def read_pairs_file(path: Path) -> list[tuple[str, str]]:
    """The pairs listed in a CSV (``reporter,partner``) or TOML (``pairs = [[A, B], ...]``) file."""
    path = Path(path)
    if not path.is_file():
        raise ReaderError(f"pairs file {path} does not exist (give a .csv or .toml file of pairs)")
    if path.suffix.lower() == ".toml":
        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8")).get("pairs")
        except tomllib.TOMLDecodeError as exc:
            raise ReaderError(f"pairs file {path} is not valid TOML: {exc}") from exc
        if not isinstance(raw, list):
            raise ReaderError(f'pairs file {path} needs a list pairs = [["KAZ", "PAK"], ...]')
        return [tuple(item) if isinstance(item, list) else item for item in raw]
    if path.suffix.lower() != ".csv":
        raise ReaderError(f"pairs file {path}: use a .csv (columns reporter,partner) or a .toml file")
    try:
        table = pd.read_csv(path, dtype=str, skipinitialspace=True)
    except (pd.errors.EmptyDataError, pd.errors.ParserError) as exc:
        raise ReaderError(f"pairs file {path} cannot be read as CSV: {exc}") from exc
    require_columns(table, PAIR_FILE_COLUMNS, what=f"pairs file {path}")
    table = table[list(PAIR_FILE_COLUMNS)].apply(lambda c: c.str.strip())
    blank = table.index[table.isna().any(axis=1)]
    if len(blank):
        lines = ", ".join(str(i + 2) for i in blank[:5])
        raise ReaderError(f"pairs file {path}: line(s) {lines} lack a reporter or a partner")
    return list(table.itertuples(index=False, name=None))


def requested_pairs(
    pair: Sequence[Sequence[str]] | None, pairs_file: Path | None
) -> tuple[tuple[str, str], ...]:
    """The ``--pair`` pairs, then those of ``--pairs FILE``, checked (each once, ISO3 codes)."""
    from forecasting.projection.many import check_pairs

    listed = [tuple(p) for p in pair or ()]
    if pairs_file is not None:
        listed += read_pairs_file(pairs_file)
    return check_pairs(listed)  # type: ignore[arg-type]


def _check_out(out: Path) -> None:
    """Refuse an ``--out`` that is a file or a foreign non-empty folder (before any work)."""
    if out.exists() and not out.is_dir():
        raise ForecastingError(f"--out {out} is a file; give a folder for the reports of the pairs")
    if out.is_dir() and any(out.iterdir()) and not (out / "reports.csv").is_file():
        raise ForecastingError(
            f"--out {out} holds files that are not a many-pairs outlook; choose a new or empty folder"
        )


def _flows_and_inputs(
    data: list[Path] | None, source: str | None, options: dict[str, object]
) -> tuple[Any, dict[str, Path], dict]:
    """The flows (None: the bundled demo data), the input files for the manifests, and the data source."""
    from forecasting.data.bundled import bundled_path, catalog

    if not data:
        print("running on the bundled DEMONSTRATION DATA (simulated, not real trade statistics)")
        return None, {name: bundled_path(name) for name in catalog()}, {}
    from forecasting.data import read_flows

    flows = read_flows([str(p) for p in data], source=source, **options)
    print(f"read {len(flows):,} rows from {len(data)} file(s) ({source})")
    return flows, {p.name: p for p in data}, {"data_source": f"{source}: {', '.join(p.name for p in data)}"}


@contextlib.contextmanager
def _where(workers: int, scheduler: str | None) -> Iterator[tuple[Any, str]]:
    """The ``client`` argument of ``outlook_many`` and where that runs, in words."""
    if workers < 1:
        raise ForecastingError(
            f"--workers {workers}: give a number of local processes, 1 or more (1: serially)"
        )
    if scheduler and workers > 1:
        raise ForecastingError("--workers sets local processes; drop it when --scheduler runs the pairs")
    if not scheduler:
        yield (
            ("local", f"on a local Dask cluster of {workers} worker processes")
            if workers > 1
            else (None, "serially")
        )
        return
    from distributed import Client

    try:
        client = Client(scheduler, timeout="20s")
    except OSError as exc:
        raise ForecastingError(f"--scheduler {scheduler}: no Dask scheduler answers there ({exc})") from exc
    with client:
        yield client, f"on the Dask cluster at {scheduler}"


def _title(pair: tuple[str, str]) -> str:
    from forecasting.data.bundled import load_country_facts

    names = load_country_facts().set_index("iso3").name.to_dict()
    return f"{names.get(pair[0], pair[0])}–{names.get(pair[1], pair[1])} trade outlook"


def run_many_command(args: argparse.Namespace) -> int:
    """Run the outlook of every pair, write a report folder per pair and the index; the exit code."""
    from forecasting.cli.options import check_data_flags, read_scenario_file, reader_options
    from forecasting.projection.many import outlook_many
    from forecasting.projection.many_result import pair_label
    from forecasting.projection.settings import check_draws
    from forecasting.report import build_report, write_artefacts

    started = time.perf_counter()
    check_data_flags(args)
    options = reader_options(args) if args.data else {}
    check_draws(args.draws)
    pairs = requested_pairs(args.pair, args.pairs)
    data, source, scenarios, out = args.data, args.source, args.scenarios, args.out
    horizon, draws, seed, pdf, report = args.horizon, args.draws, args.seed, args.pdf, not args.no_report
    workers, scheduler = args.workers, args.scheduler
    _check_out(out)
    chosen = read_scenario_file(scenarios, "--scenarios") if scenarios else None
    with _where(workers, scheduler) as (client, where):
        flows, inputs, source_option = _flows_and_inputs(data, source, options)
        outlooks = outlook_many(
            pairs, flows, client=client, workers=workers, scenarios=chosen, horizon=horizon, draws=draws,
            seed=seed, mirror_rule=args.mirror_rule, **source_option,
        )  # fmt: skip
    if scenarios:
        inputs["scenarios"] = scenarios
    reports = {}
    for ran, result in outlooks.items():
        folder = out / pair_label(ran)
        if report:
            reports[ran] = build_report(
                result, folder, inputs=inputs, title=_title(ran), pdf=pdf, progress=True
            ).html
        else:
            reports[ran] = write_artefacts(
                result, folder, inputs=inputs, title=_title(ran), progress=True
            ).out_dir
    index = write_index(out, outlooks, reports)
    print(many_summary(outlooks, time.perf_counter() - started, where))
    print(f"index: {index.resolve()}")
    return 2 if outlooks.failures else 0


def write_index(out: Path, outlooks: PairOutlooks, reports: dict[tuple[str, str], Path]) -> Path:
    """Write ``index.csv``, ``reports.csv`` and ``index.html`` under ``out``; return the HTML's path."""
    from forecasting.projection.many_result import pair_label

    rows = [
        {"pair": pair_label(p), "status": "ok", "report": reports[p].relative_to(out).as_posix(), "error": ""}
        if p in reports
        else {"pair": pair_label(p), "status": "failed", "report": "", "error": str(outlooks.failures[p])}
        for p in outlooks.pairs
    ]
    listing = pd.DataFrame(rows, columns=["pair", "status", "report", "error"])
    overview = outlooks.overview()
    atomic_write_text(out / "index.csv", overview.to_csv(index=False))
    atomic_write_text(out / "reports.csv", listing.to_csv(index=False))
    demo = bool(overview.demo.any())
    links = "".join(
        f'<li><a href="{html.escape(r.report)}">{html.escape(r.pair)}</a></li>'
        if r.status == "ok"
        else f"<li>{html.escape(r.pair)}: no report ({html.escape(r.error)})</li>"
        for r in listing.itertuples()
    )
    page = (
        '<!DOCTYPE html><html><head><meta charset="utf-8"><title>Trade outlook of many pairs</title></head><body>'
        + (
            "<p><strong>DEMONSTRATION DATA (simulated): no number here is a real forecast</strong></p>"
            if demo
            else ""
        )
        + f"<h1>Trade outlook of {len(outlooks.pairs)} pairs</h1><h2>Reports</h2><ul>{links}</ul>"
        + "<h2>Turnover in the horizon year and the chance of reaching the target</h2>"
        + overview.to_html(index=False, float_format=lambda v: f"{v:,.3g}")
        + "</body></html>\n"
    )
    return atomic_write_text(out / "index.html", page)


def many_summary(outlooks: PairOutlooks, seconds: float, where: str) -> str:
    """One screen: where the pairs ran, each pair's turnover and target chance by scenario, the failures."""
    overview = outlooks.overview()
    lines = []
    if overview.demo.any():
        lines.append("*** DEMONSTRATION DATA (simulated): no number below is a real forecast ***")
    lines.append(
        f"{len(outlooks.pairs)} pairs, one data preparation and one gravity estimation, run {where}"
        f" ({seconds:.0f} s)"
    )
    if len(overview):
        year, level, target = overview.year.iloc[0], overview.level.iloc[0], overview.target_usd.iloc[0]
        lines.append(
            f"{'pair':9s}{'scenario':26s}{year} turnover, $m ({level}%)  P(>= ${target / 1e9:g} bn in {year})"
            "  first year  fall-backs"
        )
        for r in overview.itertuples():
            band = f"{r.turnover_usd / 1e6:8.0f} ({r.lower_usd / 1e6:5.0f}-{r.upper_usd / 1e6:5.0f})"
            lines.append(
                f"{r.pair:9s}{r.scenario:26s}{band:27s}{r.probability:10.0%}            {r.first_year:12s}{r.fallbacks:d}"
            )
        from forecasting.projection.small_chances import small_chance_note

        small = small_chance_note(overview.probability)
        lines += textwrap.wrap(f"P under 1 %: {small}", width=110, subsequent_indent="  ") if small else []
    for failure in outlooks.failures.values():
        lines.append(f"failed: {failure}")
    return "\n".join(lines)
