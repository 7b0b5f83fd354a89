"""Number formats of the page: table cells, prose, and money axes that never read "0, 0, 0, 1, 1"."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from forecasting.report import formatting


@pytest.mark.parametrize(
    ("ticks", "log"),
    [
        ([0, 2e5, 4e5, 6e5, 8e5, 1e6, 1.2e6], False),  # the panels under $1 m of the old report
        ([0, 1e4, 2e4, 3e4, 4e4, 5e4], False),
        ([0, 0.25e6, 0.5e6, 0.75e6, 1e6], False),
        ([0, 2e8, 4e8, 6e8, 8e8, 1e9, 1.2e9], False),
        ([1e5, 2e5, 5e5, 1e6, 2e6, 5e6, 1e7, 1e8, 1e9, 2e9], True),
        ([0, 0.2, 0.4, 0.6], False),
    ],
)
def test_tick_labels_are_distinct_and_say_the_value(ticks, log):
    labels = formatting.usd_tick_labels(ticks, per_tick_unit=log)
    assert len(set(labels)) == len(ticks), labels
    scale = {"k": 1e3, "m": 1e6, "bn": 1e9}
    for tick, label in zip(ticks, labels, strict=True):
        number, *unit = label.split()
        value = float(number.replace(",", "")) * (scale[unit[0]] if unit else 1.0)
        assert value == pytest.approx(tick, rel=1e-9, abs=1e-12), (tick, label)


def test_a_panel_under_one_million_reads_in_fractions_of_a_million():
    assert formatting.usd_tick_labels([0, 2e5, 4e5, 6e5, 8e5, 1e6]) == [
        "0",
        "0.2 m",
        "0.4 m",
        "0.6 m",
        "0.8 m",
        "1.0 m",
    ]


def test_no_negative_zero_and_no_three_decimals_of_money():
    assert formatting.format_cell("change_pct", -0.0004) == "0.00"
    assert formatting.format_cell("estimate", -0.00001) == "0"
    assert formatting.format_cell("gain_2035_musd", -0.0001) == "0.00"
    assert formatting.format_cell("value_musd", 1465.998) == "1,466"
    assert formatting.format_cell("value_musd", 12.345) == "12.3"
    assert formatting.format_cell("value_musd", 0.0) == "0"
    assert "-0" not in "".join(formatting.format_cell("x", v) for v in (-1e-9, -0.0, -0.0004))


def test_years_print_as_years_whatever_their_type():
    for column in ("year", "first_year", "first_origin", "fitted_from", "median_year"):
        assert formatting.format_cell(column, 2015.0) == "2015"
        assert formatting.format_cell(column, np.int64(2015)) == "2015"


def test_prose_money_uses_the_unit_its_size_needs():
    assert formatting.format_usd_text(59_826_831.0) == "USD 59.8 m"
    assert formatting.format_usd_text(1_465_998_000.0) == "USD 1.47 bn"
    assert formatting.format_usd_text(float("nan")) == "–"


def test_table_html_aligns_numbers_right_and_text_left_escapes_text_and_links_sources():
    frame = pd.DataFrame(
        {
            "name": ["<b>x</b>"],
            "value_musd": [1234.56],
            "share_pct": [12.345],
            "p_value": [0.0001],
            "n": [np.nan],
            "site": ["trend.az"],
            "url": ["https://www.trend.az/a?b=1&c=2"],
        }
    )
    out = formatting.table_html(frame, caption="T", links={"site": "url"})
    assert "<td class=num>1,235</td>" in out and "<td class=num>12.3</td>" in out and "&lt;0.001" in out
    assert "<td>&lt;b&gt;x&lt;/b&gt;</td>" in out and "<b>x</b>" not in out
    assert "value (USD m)" in out and "share (%)" in out and "–" in out
    assert "<a href='https://www.trend.az/a?b=1&amp;c=2'>trend.az</a>" in out
    assert "<th>url</th>" not in out  # the address column is the link, not a column


def test_table_html_says_when_rows_were_cut():
    out = formatting.table_html(pd.DataFrame({"a": range(10)}), max_rows=3)
    assert out.count("<tr>") == 4 and "First 3 of 10 rows" in out
