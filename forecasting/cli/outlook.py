"""``forecasting outlook``: run the outlook, write the report, print a one-screen summary."""

from __future__ import annotations

import textwrap
import time
from pathlib import Path
from typing import TYPE_CHECKING

from forecasting.data.bundled import bundled_path, catalog
from forecasting.errors import ForecastingError

if TYPE_CHECKING:
    from forecasting.projection.result import OutlookResult

TARGET_YEARS = (2030, 2035)


def run_outlook_command(
    *,
    data: list[Path] | None,
    source: str | None,
    scenarios: Path | None,
    horizon: int,
    out: Path,
    draws: int,
    seed: int,
    pdf: bool,
    report: bool,
) -> int:
    """Run the main job and print where the report is; returns the exit code."""
    from forecasting.projection.pipeline import outlook
    from forecasting.report import build_report, write_artefacts
    from forecasting.scenarios import read_scenarios

    started = time.perf_counter()
    if data and not source:
        raise ForecastingError("--data needs --source (comtrade, baci, wits, kz_stat or tidy)")
    chosen = read_scenarios(scenarios) if scenarios else None
    if data:
        from forecasting.data import read_flows

        flows = read_flows([str(p) for p in data], source=source)
        inputs = {p.name: p for p in data}
        print(f"read {len(flows):,} rows from {len(data)} file(s) ({source})")
        result = outlook(
            flows,
            scenarios=chosen,
            horizon=horizon,
            draws=draws,
            seed=seed,
            data_source=f"{source}: {', '.join(p.name for p in data)}",
        )
    else:
        print("running on the bundled DEMONSTRATION DATA (simulated, not real trade statistics)")
        inputs = {name: bundled_path(name) for name in catalog()}
        result = outlook(scenarios=chosen, horizon=horizon, draws=draws, seed=seed)
    if scenarios:
        inputs["scenarios"] = scenarios
    if report:
        artefacts = build_report(result, out, inputs=inputs, pdf=pdf, progress=True)
        where = artefacts.html
    else:
        artefacts = write_artefacts(result, out, inputs=inputs, progress=True)
        where = artefacts.out_dir
    print(summary(result, time.perf_counter() - started))
    print(f"report: {Path(where).resolve()}")
    return 0


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

    t = result.turnover[result.turnover.level == 80].assign(year=lambda d: d.period.dt.year)
    first = result.first_year.set_index("scenario")
    lines.append("turnover, $m: median of the draws (80% interval) and their mean")
    header = f"{'scenario':26s}" + "".join(f"{y:<37d}" for y in TARGET_YEARS)
    lines.append(header + f"P(>= ${target / 1e9:g} bn by {s.horizon})  first year")
    notes = []
    for scenario, rows in t.groupby("scenario", sort=False):
        cells = []
        for y in TARGET_YEARS:
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
    for note in notes:
        lines += textwrap.wrap(note, width=110, subsequent_indent="  ")
    if s.fallbacks:
        lines.append(f"fall-backs ({len(s.fallbacks)}): steps that could not run as asked")
        for taken in s.fallbacks:
            lines += textwrap.wrap(f"- {taken}", width=110, initial_indent="  ", subsequent_indent="    ")
    else:
        lines.append("fall-backs: none, every step ran as asked")
    return "\n".join(lines)
