"""Typed settings, fall-back records and the reporting basis derived from the data and the rule."""

from __future__ import annotations

import dataclasses
import warnings

import pandas as pd
import pytest

from forecasting.data.bundled import load_published_figures
from forecasting.data.clean.mirror import MIRROR_RULES
from forecasting.errors import FallbackWarning, SchemaError
from forecasting.projection.history import RULE_WORDS, published_history, reporting_basis
from forecasting.projection.settings import Elasticity, Fallback, OutlookSettings, SeriesMethod, announce

SETTINGS = OutlookSettings(
    pair=("KAZ", "PAK"),
    horizon=2030,
    base_year=2025,
    draws=10,
    ge_draws=5,
    seed=1,
    levels=(80, 95),
    target_usd=1e9,
    demo=False,
    data_label="",
    data_source="tidy: extract.csv",
    mirror_rule="importer",
    reporting_basis="...",
    ge_mode="full",
    reference_importer="DEU",
    rows_set_aside=3,
    series_methods=(SeriesMethod("KAZ", "PAK", "export", "coal", "auto", "20 positive years", 2006, 20),),
    elasticities=(Elasticity("coal", -5.0, 1.0, "pooled", "mean of a, b"),),
    fallbacks=(Fallback("trade elasticity (coal)", "not significant", "the pooled value is used"),),
)


def _reports(rows):
    columns = ["reporter", "partner", "flow", "year", "value_usd", "source", "basis", "commodity"]
    return pd.DataFrame([(*r, "customs", "", "TOTAL") for r in rows], columns=columns)


def test_settings_round_trip_through_json_and_refuse_nonsense():
    assert OutlookSettings.from_dict(SETTINGS.to_dict()) == SETTINGS
    assert SETTINGS.elasticity("coal").origin == "pooled"
    with pytest.raises(SchemaError, match="no elasticity recorded for 'pharma'"):
        SETTINGS.elasticity("pharma")
    with pytest.raises(SchemaError, match="horizon 2025 must be after the base year 2025"):
        dataclasses.replace(SETTINGS, horizon=2025)
    with pytest.raises(SchemaError, match="ge_mode 'partial'"):
        dataclasses.replace(SETTINGS, ge_mode="partial")
    with pytest.raises(SchemaError, match="unknown fields \\['reporter_choice'\\]"):
        OutlookSettings.from_dict({**SETTINGS.to_dict(), "reporter_choice": "x"})
    with pytest.raises(SchemaError, match="origin 'guess'"):
        Elasticity("coal", -5.0, 1.0, "guess")


def test_every_mirror_rule_has_its_own_statement():
    assert set(RULE_WORDS) == set(MIRROR_RULES)
    reports = _reports([("KAZ", "PAK", "export", 2024, 10e6), ("PAK", "KAZ", "import", 2024, 12e6)])
    statements = {rule: reporting_basis(reports, ("KAZ", "PAK"), rule) for rule in MIRROR_RULES}
    assert len(set(statements.values())) == len(MIRROR_RULES)
    assert "importer's report" in statements["importer"] and "exporter's report" in statements["exporter"]


def test_the_statement_reads_the_figures_of_both_sides():
    reports = _reports(
        [
            ("KAZ", "PAK", "export", 2023, 8e6),
            ("PAK", "KAZ", "import", 2023, 9e6),
            ("KAZ", "PAK", "export", 2024, 10e6),
            ("PAK", "KAZ", "import", 2024, 12e6),
            ("PAK", "KAZ", "export", 2024, 50e6),
        ]
    )
    text = reporting_basis(reports, ("KAZ", "PAK"), "importer")
    assert "KAZ->PAK in 2024: KAZ reported exports of USD 10.0 m, PAK imports of USD 12.0 m" in text
    assert "(importer/exporter 1.20)" in text
    assert "PAK->KAZ: only PAK reports it (latest 2024: USD 50.0 m)" in text
    other = reporting_basis(reports, ("UZB", "PAK"), "importer")
    assert "UZB->PAK: neither side reports it" in other and "Pakistan" not in other


def test_published_figures_belong_to_their_pair_only():
    figures = load_published_figures()
    assert len(published_history(figures, ("PAK", "KAZ"))) == len(figures)
    assert published_history(figures, ("UZB", "PAK")).empty


def test_fall_backs_are_warned_once_at_the_callers_line_and_logged(caplog):
    taken = (Fallback("a", "b", "c"), Fallback("d", "e", "f"))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert announce(taken) == taken
    assert len(caught) == 1 and caught[0].category is FallbackWarning
    assert caught[0].filename == __file__  # points at the caller, not inside the package
    assert "2 fall-back(s)" in str(caught[0].message) and "  - d: e; f" in str(caught[0].message)
    assert [r.getMessage() for r in caplog.records] == ["fall-back: a: b; c", "fall-back: d: e; f"]
    with warnings.catch_warnings(record=True) as none:
        warnings.simplefilter("always")
        announce(())
    assert not none
