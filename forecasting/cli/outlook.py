"""``forecasting outlook``: check the flags, run the outlook, write the report, print a summary.

Every flag is checked before the long work starts, in this order, so that a mistake costs
seconds, not minutes: flags alone (``--data``/``--source``, ``--draws``, ``--pair``), the
output folder (``--out``: a file or a folder that is not a report is refused), the scenario
file, then the data are read and ``--horizon`` is checked against their last year
(:func:`forecasting.projection.settings.check_horizon`). The library checks the same again
(after preparing the data, before any estimation).

A previous report in ``--out`` is replaced only when the new one is complete; it is then kept
once as ``<out>.previous`` (an older copy there goes), and the console says so.
"""

from __future__ import annotations

import argparse
import textwrap
import time
from pathlib import Path
from typing import TYPE_CHECKING

from forecasting.cli.options import check_data_flags, chosen_pair, read_scenario_file, reader_options
from forecasting.errors import OptionError

if TYPE_CHECKING:
    import pandas as pd

    from forecasting.projection.result import OutlookResult

TARGET_YEARS = (2030, 2035)


def run_outlook_command(args: argparse.Namespace) -> int:
    """Run the main job and print where the report is; returns the exit code."""
    from forecasting.projection.settings import check_draws, check_horizon
    from forecasting.report.folder import check_directory, previous_copy

    started = time.perf_counter()
    check_data_flags(args)
    options = reader_options(args) if args.data else {}
    pair = chosen_pair(args)
    check_draws(args.draws)
    if check_directory(args.out):
        print(
            f"{args.out} holds a previous report: it stays until the new one is complete, then is kept"
            f" as {previous_copy(args.out)} (replacing an older copy there)"
        )
    chosen = _scenarios(args.scenarios)
    flows, inputs = _read_data(args, options)
    check_horizon(args.horizon, _last_year(flows))
    if flows is not None:
        check_pair_present(flows, pair)
    if args.horizon < TARGET_YEARS[-1]:
        shown = ", ".join(map(str, summary_years(args.horizon)))
        print(f"note: --horizon {args.horizon} ends before {TARGET_YEARS[-1]}; the summary shows {shown}")
    result = _run(args, flows, chosen, pair)
    if args.scenarios:
        inputs["scenarios"] = args.scenarios
    where = _write(result, args, inputs)
    print(summary(result, time.perf_counter() - started))
    print(f"report: {Path(where).resolve()}")
    return 0


def _scenarios(path: Path | None) -> dict | None:
    return None if path is None else read_scenario_file(path, "--scenarios")


def _read_data(args: argparse.Namespace, options: dict) -> tuple[pd.DataFrame | None, dict[str, Path]]:
    """The user's flows (None for the bundled demo data) and the input files for the manifest."""
    if not args.data:
        from forecasting.data.bundled import bundled_path, catalog

        return None, {name: bundled_path(name) for name in catalog()}
    from forecasting.data import read_flows

    flows = read_flows([str(p) for p in args.data], source=args.source, **options)
    print(f"read {len(flows):,} rows from {len(args.data)} file(s) ({args.source})")
    return flows, {p.name: p for p in args.data}


def _last_year(flows: pd.DataFrame | None) -> int:
    """Last year in the data: the horizon must come after it (read cheaply for the demo panel)."""
    import pandas as pd

    if flows is None:
        from forecasting.data.bundled import bundled_path

        flows = pd.read_parquet(bundled_path("demo_flows", verify=False), columns=["period"])
    years = pd.to_datetime(flows["period"]).dt.year
    if years.isna().all():
        raise OptionError("the data hold no dated rows, so there is nothing to forecast from")
    return int(years.max())


def check_pair_present(flows: pd.DataFrame, pair: tuple[str, str]) -> None:
    """Refuse data with no row between the pair's two countries (in either direction, either side).

    Examples
    --------
    >>> import pandas as pd
    >>> flows = pd.DataFrame({"reporter": ["AFG", "ZAF"], "partner": ["PAK", "KAZ"]})
    >>> check_pair_present(flows, ("KAZ", "PAK"))
    Traceback (most recent call last):
    ...
    forecasting.errors.OptionError: --pair KAZ PAK: the data hold no trade between KAZ and PAK (reported by either); they hold 2 reporters ('AFG', 'ZAF') and 2 partners ('KAZ', 'PAK'); give data on the pair, or another --pair
    """
    from forecasting.errors import describe_items

    a, b = pair
    between = ((flows.reporter == a) & (flows.partner == b)) | ((flows.reporter == b) & (flows.partner == a))
    if not between.any():
        reporters, partners = sorted(flows.reporter.unique()), sorted(flows.partner.unique())
        raise OptionError(
            f"--pair {a} {b}: the data hold no trade between {a} and {b} (reported by either); they hold"
            f" {len(reporters)} reporters ({describe_items(reporters, limit=4)}) and {len(partners)} partners"
            f" ({describe_items(partners, limit=4)}); give data on the pair, or another --pair"
        )


def _run(args: argparse.Namespace, flows: pd.DataFrame | None, scenarios: dict | None, pair: tuple[str, str]):  # noqa: ANN202
    from forecasting.projection.pipeline import outlook

    source = None if flows is None else f"{args.source}: {', '.join(p.name for p in args.data)}"
    return outlook(
        flows,
        scenarios=scenarios,
        pair=pair,
        horizon=args.horizon,
        draws=args.draws,
        seed=args.seed,
        mirror_rule=args.mirror_rule,
        data_source=source,
    )


def _write(result: OutlookResult, args: argparse.Namespace, inputs: dict[str, Path]) -> Path:
    from forecasting.report import build_report, write_artefacts

    if args.no_report:
        return write_artefacts(result, args.out, inputs=inputs, progress=True).out_dir
    artefacts = build_report(result, args.out, inputs=inputs, pdf=args.pdf, progress=True)
    return artefacts.html


def summary_years(horizon: int) -> tuple[int, ...]:
    """The years the summary's turnover columns show: 2030 and 2035 when reached, and the horizon.

    Examples
    --------
    >>> summary_years(2035), summary_years(2032), summary_years(2026), summary_years(2040)
    ((2030, 2035), (2030, 2032), (2026,), (2030, 2035, 2040))
    """
    return tuple(sorted({y for y in TARGET_YEARS if y <= horizon} | {horizon}))


def summary(result: OutlookResult, seconds: float) -> str:
    """One screen: the data, its basis, each scenario's turnover, the $1 billion answer, the fall-backs."""
    s = result.settings
    lines = []
    if result.is_demo:
        lines.append("*** DEMONSTRATION DATA (simulated): no number below is a real forecast ***")
    a, b = s.pair
    lines.append(
        f"{a}-{b} trade outlook to {s.horizon} (base year {s.base_year}, {s.draws} draws,"
        f" seed {s.seed}, {seconds:.0f} s)"
    )
    lines += textwrap.wrap(f"basis: {s.reporting_basis}", width=110, subsequent_indent="  ")
    lines += textwrap.wrap(f"scenario effects: {s.ge_description}", width=110, subsequent_indent="  ")
    target = s.target_usd
    from forecasting.projection.combine import central_note
    from forecasting.projection.small_chances import small_chance_note

    years = summary_years(s.horizon)
    t = result.turnover[result.turnover.level == 80].assign(year=lambda d: d.period.dt.year)
    first = result.first_year.set_index("scenario")
    lines.append("turnover, $m: median of the draws (80% interval) and their mean")
    header = f"{'scenario':26s}" + "".join(f"{y:<37d}" for y in years)
    lines.append(header + f"P(>= ${target / 1e9:g} bn by {s.horizon})  first year")
    notes = []
    for scenario, rows in t.groupby("scenario", sort=False):
        cells = []
        for y in years:
            row = rows[rows.year == y]
            if not len(row):
                cells.append(f"{'':37s}")
                continue
            mean, median, lower, upper = (
                float(row[c].iloc[0]) / 1e6 for c in ("mean", "median", "lower", "upper")
            )
            note = central_note(mean, lower, upper)
            cells.append(
                f"{median:7.0f} ({lower:5.0f}-{upper:5.0f}) mean {mean:6.0f}{'*' if note else ' '}   "
            )
            if note:
                notes.append(f"* {scenario} {y}: {note}")
        p = first.loc[scenario, "probability_by_horizon"] if scenario in first.index else float("nan")
        label = first.loc[scenario, "label"] if scenario in first.index else ""
        lines.append(f"{scenario:26s}" + "".join(cells) + f"{p:10.0%}              {label}")
    small = small_chance_note(first["probability_by_horizon"]) if len(first) else ""
    for note in notes + ([f"P under 1 %: {small}"] if small else []):
        lines += textwrap.wrap(note, width=110, subsequent_indent="  ")
    if s.fallbacks:
        lines.append(f"fall-backs ({len(s.fallbacks)}): steps that could not run as asked")
        for taken in s.fallbacks:
            lines += textwrap.wrap(f"- {taken}", width=110, initial_indent="  ", subsequent_indent="    ")
    else:
        lines.append("fall-backs: none, every step ran as asked")
    return "\n".join(lines)
