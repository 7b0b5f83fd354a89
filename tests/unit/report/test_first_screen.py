"""The first screen answers the four questions, and every number on it is the number in its table."""

from __future__ import annotations

import html as html_module
import re
from html.parser import HTMLParser

import pandas as pd
import pytest

from forecasting.report import ReportBook


class _Figures(HTMLParser):
    """Collect every ``<span class='fig'>``: the cell it names and the text it shows."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[dict[str, str], str]] = []
        self._open: dict[str, str] | None = None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "span" and attributes.get("class") == "fig":
            self._open, self._text = attributes, ""

    def handle_data(self, data):
        if self._open is not None:
            self._text += data

    def handle_endtag(self, tag):
        if tag == "span" and self._open is not None:
            self.found.append((self._open, self._text))
            self._open = None


_KEYS = {"summary_turnover": ["view"], "summary_scenarios": ["scenario"], "summary_goods": ["scenario", "commodity"],
         "summary_target": ["year"]}  # fmt: skip


def _cell(book: ReportBook, table: str, row: str, column: str):
    frame = book.table(table)
    keys = _KEYS[table]
    match = pd.Series(True, index=frame.index)
    for key, value in zip(keys, row.split("/"), strict=True):
        match &= frame[key].astype(str) == value
    assert match.sum() == 1, (table, row)
    return frame.loc[match, column].iloc[0]


def _number(text: str) -> tuple[float, float]:
    """The value a shown number stands for, in the table's unit, and half its last shown digit."""
    found = re.search(r"([+−-]?[\d,]+(?:\.\d+)?)\s*(bn|m)?", text.replace("USD ", ""))
    digits = found.group(1).replace(",", "").replace("−", "-")
    scale = 1000.0 if found.group(2) == "bn" else 1.0
    decimals = len(digits.split(".")[1]) if "." in digits else 0
    return float(digits) * scale, 0.5 * 10.0**-decimals * scale


@pytest.fixture(scope="module")
def page(written):
    book = ReportBook.open(written.out_dir)
    return book, book.first_screen().html


def test_every_number_on_the_first_screen_equals_its_table_cell(page):
    book, text = page
    parser = _Figures()
    parser.feed(text)
    assert len(parser.found) >= 15
    for attributes, shown in parser.found:
        value = _cell(book, attributes["data-table"], attributes["data-row"], attributes["data-column"])
        if attributes["data-column"] == "first_year_note":
            assert shown == value
            continue
        number, half_digit = _number(shown)
        assert number == pytest.approx(float(value), abs=half_digit * 1.0001), (attributes, shown, value)


def test_the_tables_behind_the_first_screen_are_the_outlook_numbers(page, outlook):
    book, _ = page
    summary = book.table("summary_scenarios").set_index("scenario")
    t = outlook.turnover
    at = t[(t["scenario"] == "baseline") & (t["period"].dt.year == 2030) & (t["level"] == 80)].iloc[0]
    central = summary.at["baseline", "central"]  # the headline statistic: the median when present
    assert summary.at["baseline", "turnover_2030_musd"] == pytest.approx(at[central] / 1e6, rel=1e-12)
    assert summary.at["baseline", "lower80_2030_musd"] == pytest.approx(at["lower"] / 1e6, rel=1e-12)
    billion = outlook.billion.set_index(["scenario", "year"])["probability"]
    assert summary.at["baseline", "prob_2035_pct"] == pytest.approx(100 * billion[("baseline", 2035)])


def test_a_reader_gets_the_four_answers(page, outlook):
    _, text = page
    plain = html_module.unescape(re.sub(r"<[^>]+>", "", text))
    for lead in ("Today (2025).", "Growth.", "Goods.", "Corridor.", "USD 1 bn."):
        assert lead in plain
    assert "as KAZ reports it" in plain and "as PAK reports it" in plain and "mirror rule 'importer'" in plain
    assert "a year to 2030" in plain and "a year to 2035" in plain and "80 % interval" in plain
    goods = re.search(r"comes from (.*?), measured", plain).group(1)
    assert goods.count("% of the growth") == 3
    assert "The largest gain comes from the Trans-Afghan railway (Termez–Kabul–Peshawar)" in plain
    assert "Median first year: not by 2035" in plain and "What it would take: growth of" in plain
    assert "trans_afghan_railway" not in plain  # names, not identifiers


def test_the_ranked_table_puts_the_status_quo_first_with_readable_names(page):
    _, text = page
    rows = re.findall(r"<tr><td>([^<]+)</td>", text.split("Scenarios ranked by")[1])
    assert rows[0].startswith("Status quo") and rows[-1].startswith("Statistical trend only")
    assert "headline_turnover" not in text and "data:image/png;base64" in text


def test_the_banner_says_what_is_simulated_and_what_is_published(written):
    banner = html_module.unescape(ReportBook.open(written.out_dir).banner().html)
    assert (
        "Simulated by the toolkit's demo generator" in banner
        and "customs reports of KAZ–PAK trade (2000–2025)" in banner
    )
    assert "Published (real):" in banner and "press and ministry figures" in banner
    assert (
        "falcon eurobus 600' (USD 108 m, 2026–2027), entered in every scenario but the statistical trend"
        in banner
    )


def test_a_mean_above_the_target_with_a_small_chance_is_explained(page):
    from forecasting.report import first_screen

    book, _ = page
    summary = book.table("summary_scenarios").assign(central="mean")  # a page headed by the mean
    reference = summary.iloc[0].copy()
    assert first_screen._mean_above_target(book, summary, reference, [2030, 2035]) == ""
    reference["turnover_2035_musd"] = 1077.0  # the full CLI run: mean USD 1.08 bn, 11.5 % of the draws
    said = first_screen._mean_above_target(book, summary, reference, [2030, 2035])
    assert said.startswith(" The mean path is above the target in 2035 although fewer than half")
    assert (
        first_screen._mean_above_target(book, summary.assign(central="median"), reference, [2030, 2035]) == ""
    )


def test_a_chance_under_one_percent_is_read_against_what_happened_on_real_series(page):
    from forecasting.projection.small_chances import small_chance_note
    from forecasting.report import first_screen

    book, _ = page
    summary = book.table("summary_scenarios")
    reference = summary.iloc[0].copy()
    for column in [c for c in reference.index if c.startswith("prob_")]:
        reference[column] = 0.0
    said = first_screen._target(book, summary, reference, [2030, 2035])
    assert small_chance_note([0.0]) in said
    for column in [c for c in reference.index if c.startswith("prob_")]:
        reference[column] = 12.0
    assert "not an impossibility" not in first_screen._target(book, summary, reference, [2030, 2035])
