"""Pieces every report chart shares: the figure with its demo stamp, colours, labels, axes, fans.

The demonstration stamp is the figure's bottom label (``supxlabel``), so the constrained
layout keeps room for it under the x-axis years instead of drawing over them. Money axes
use :class:`UsdFormatter`: units that fit the values (k, m, bn) and enough decimals, never
"0, 0, 0, 1, 1". Legends are built from what was drawn (labelled artists only).
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping
from typing import TYPE_CHECKING

import matplotlib

matplotlib.use("Agg")  # the report is drawn headless, in notebooks and on CI alike

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import Formatter, LogLocator, NullFormatter

from forecasting.report.formatting import usd_tick_labels
from forecasting.report.headline import STATISTICAL, scenario_titles

if TYPE_CHECKING:  # annotations only: the notebook kernel need not import the outlook's types
    from forecasting.projection.result import OutlookResult

DEMO_STAMP = "DEMONSTRATION DATA — simulated"
BASELINE_COLOUR = "#4d4d4d"
PALETTE = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b")
TARGET_COLOUR = "#c00000"
#: Bands narrower than this share of the forecast's largest value are not drawn (nor listed).
VISIBLE_BAND = 0.01
#: Characters per legend line; longer labels wrap.
LEGEND_WIDTH = 48


class UsdFormatter(Formatter):
    """Tick labels of a US-dollar axis in adaptive units (:func:`~forecasting.report.formatting.usd_tick_labels`).

    Examples
    --------
    >>> figure = Figure()
    >>> axes = figure.subplots()
    >>> _ = axes.plot([2000, 2001], [0, 9e5])
    >>> axes.yaxis.set_major_formatter(UsdFormatter())
    >>> figure.canvas.draw()
    >>> [t.get_text() for t in axes.get_yticklabels()][1:4]
    ['0', '200 k', '400 k']
    """

    def __init__(self, *, log: bool = False) -> None:
        self.log = log
        self._labels: dict[float, str] = {}

    def set_locs(self, locs) -> None:
        super().set_locs(locs)
        low, high = sorted(self.axis.get_view_interval()) if self.axis is not None else (-np.inf, np.inf)
        visible = [float(v) for v in locs if low - 1e-9 * abs(low) <= v <= high + 1e-9 * abs(high)]
        self._labels = dict(zip(visible, usd_tick_labels(visible, per_tick_unit=self.log), strict=True))

    def __call__(self, x, pos=None) -> str:
        return self._labels.get(float(x), usd_tick_labels([x], per_tick_unit=self.log)[0])


def new_figure(result: OutlookResult, width: float, height: float) -> Figure:
    """A figure with constrained layout and, on demonstration data, the watermark and bottom stamp."""
    figure = Figure(figsize=(width, height), dpi=100, layout="constrained")
    if result.is_demo:
        figure.text(
            0.5,
            0.5,
            DEMO_STAMP,
            fontsize=26,
            color=TARGET_COLOUR,
            alpha=0.13,
            rotation=20,
            ha="center",
            va="center",
            weight="bold",
            zorder=10,
        )
        figure.supxlabel(DEMO_STAMP, fontsize=8, color=TARGET_COLOUR, weight="bold", x=0.01, ha="left")
    return figure


def scenario_colours(result: OutlookResult) -> dict[str, str]:
    """One colour per scenario for every chart: grey for the status quo, then the palette in order."""
    titles = list(scenario_titles(result))
    reference = next((n for n, s in result.scenarios.items() if s.kind == "baseline"), STATISTICAL)
    others = [n for n in titles if n != reference]
    colours = {name: PALETTE[i % len(PALETTE)] for i, name in enumerate(others)}
    return {reference: BASELINE_COLOUR, "baseline": BASELINE_COLOUR} | colours


def scenario_label(result: OutlookResult, scenario: str) -> str:
    """The scenario's name in a legend: its title without the bracketed route ("Trans-Afghan railway").

    The tables give the full titles.
    """
    title = scenario_titles(result).get(scenario, scenario.replace("_", " "))
    return title.split(" (")[0] if scenario != STATISTICAL else title


def usd_axis(axes, *, log: bool = False, label: str = "US dollars a year") -> None:
    """Money on the y-axis: adaptive units, 1-2-5 ticks on a log scale, a light grid."""
    if log:
        axes.set_yscale("log")
        axes.yaxis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
        axes.yaxis.set_minor_formatter(NullFormatter())
    axes.yaxis.set_major_formatter(UsdFormatter(log=log))
    axes.set_ylabel(label)
    axes.grid(alpha=0.3)


def fan(
    axes,
    frame: pd.DataFrame,
    colour: str,
    label: str,
    *,
    bands: bool = True,
    central: str = "mean",
    band_label: str = "",
    since: int | None = None,
) -> None:
    """A forecast's central line (from year ``since``) and its 80 and 95 percent bands (labelled)."""
    frame = frame.sort_values("period")
    line = frame.drop_duplicates("period")  # the central value is the same at every level
    if since is not None:
        line = line[line["period"].dt.year >= since]
    axes.plot(line["period"].dt.year, line[central], color=colour, linewidth=1.8, label=label, zorder=3)
    if not bands:
        return
    size = float(np.nanmax(np.abs(frame[["upper", central]].to_numpy()))) if len(frame) else 0.0
    for level, alpha in ((80, 0.35), (95, 0.15)):
        band = frame[frame["level"] == level]
        # A band thinner than a line would be a legend entry for nothing visible: not drawn.
        if len(band) and (band["upper"] - band["lower"]).abs().max() > VISIBLE_BAND * size:
            axes.fill_between(
                band["period"].dt.year,
                band["lower"],
                band["upper"],
                color=colour,
                alpha=alpha,
                linewidth=0,
                label=f"{band_label}{level} % interval",
                zorder=1,
            )


def departure_year(path: pd.Series, reference: pd.Series, *, tolerance_pct: float = 0.5) -> int | None:
    """The last year before ``path`` leaves ``reference`` (None when it differs from the start).

    A scenario that equals the status quo until its corridor opens is drawn from there, so
    its line does not hide the status quo's.

    Examples
    --------
    >>> import pandas as pd
    >>> departure_year(pd.Series([1.0, 1.0, 3.0], index=[2026, 2027, 2028]), pd.Series([1.0, 1.0, 1.0], index=[2026, 2027, 2028]))
    2027
    """
    a, b = path.align(reference, join="inner")
    scale = np.maximum(np.abs(a), np.abs(b))
    apart = (np.abs(a - b) > tolerance_pct / 100 * scale).to_numpy()
    if not apart.any() or apart[0]:
        return None
    return int(a.index[int(np.argmax(apart)) - 1])


def same_path(first: pd.Series, second: pd.Series, *, tolerance_pct: float = 0.5) -> bool:
    """True when two paths (aligned by index) differ by less than ``tolerance_pct`` of their size everywhere.

    Examples
    --------
    >>> import pandas as pd
    >>> same_path(pd.Series([100.0, 200.0]), pd.Series([100.1, 200.0])), same_path(pd.Series([1.0]), pd.Series([2.0]))
    (True, False)
    """
    a, b = first.align(second, join="outer")
    if a.isna().any() or b.isna().any():
        return False
    scale = np.maximum(np.abs(a.to_numpy()), np.abs(b.to_numpy())).max()
    return bool(scale == 0 or np.abs(a.to_numpy() - b.to_numpy()).max() <= tolerance_pct / 100 * scale)


def merge_identical(paths: Mapping[str, pd.Series], order: list[str]) -> list[tuple[str, list[str]]]:
    """Group scenarios whose paths coincide (see :func:`same_path`), first of each group leading.

    Drawing coincident lines would hide all but the last one while the legend listed them all;
    a group is drawn once and its legend entry names every member.

    Examples
    --------
    >>> import pandas as pd
    >>> merge_identical({"a": pd.Series([1.0]), "b": pd.Series([1.0]), "c": pd.Series([5.0])}, ["a", "b", "c"])
    [('a', ['a', 'b']), ('c', ['c'])]
    """
    groups: list[tuple[str, list[str]]] = []
    for name in [n for n in order if n in paths]:
        for lead, members in groups:
            if same_path(paths[lead], paths[name]):
                members.append(name)
                break
        else:
            groups.append((name, [name]))
    return groups


def group_label(result: OutlookResult, members: list[str], *, drawn: int | None = None) -> str:
    """A legend label for a group of coinciding scenarios (``drawn``: how many scenarios the chart has)."""
    if drawn is not None and drawn > 1 and len(members) == drawn:
        return "every scenario (identical here)"
    first, *rest = (scenario_label(result, m) for m in members)
    return first if not rest else f"{first} (same: {'; '.join(rest)})"


def legend(axes, **options) -> None:
    """A legend of the labelled artists actually drawn on ``axes`` (nothing when there are none)."""
    handles, labels = axes.get_legend_handles_labels()
    if handles:
        wrapped = [
            textwrap.fill(label, LEGEND_WIDTH) for label in labels
        ]  # long names must not squeeze the axes
        if options.get("title"):
            options = options | {"title": textwrap.fill(options["title"], LEGEND_WIDTH)}
        axes.legend(handles, wrapped, **({"fontsize": 7, "loc": "upper left"} | options))
