"""Mirror reconciliation: both reports side by side, the rules, fills, and the gravity view."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from forecasting.data.clean.gravity_view import to_gravity
from forecasting.data.clean.mirror import mirror_compare, mirror_summary, reconcile_mirror, reporter_quality
from forecasting.errors import DataQualityWarning, SchemaError
from forecasting.schema import GRAVITY_PANEL, validate

NAN = float("nan")


def flows(rows: list[tuple]) -> pd.DataFrame:
    """Rows of (reporter, partner, flow, value_usd[, year])."""
    records = []
    for row in rows:
        reporter, partner, flow, value, *rest = row
        year = rest[0] if rest else 2009
        records.append(
            {
                "reporter": reporter,
                "partner": partner,
                "flow": flow,
                "period": pd.Timestamp(f"{year}-01-01"),
                "freq": "A",
                "commodity": "TOTAL",
                "classification": "TOTAL",
                "value_usd": float(value),
                "source": "demo",
                "flags": "",
            }
        )
    return pd.DataFrame(records)


# Both directions between KAZ and PAK as reported in WITS 2009 (thousand USD), plus a flow
# only the exporter reported and one only the importer reported.
BASE = flows(
    [
        ("KAZ", "PAK", "export", 15634.181),
        ("PAK", "KAZ", "import", 2152.264),
        ("PAK", "KAZ", "export", 3712.178),
        ("KAZ", "PAK", "import", 15360.446),
        ("KAZ", "AFG", "export", 100.0),
        ("UZB", "KAZ", "import", 210.0),
    ]
)


def row(table: pd.DataFrame, exporter: str, importer: str) -> pd.Series:
    return table[(table["exporter"] == exporter) & (table["importer"] == importer)].iloc[0]


def test_compare_keeps_both_reports_and_the_discrepancy():
    before = BASE.copy()
    table, dropped = mirror_compare(BASE, cif_fob_margin=0.05)
    pd.testing.assert_frame_equal(BASE, before)
    assert dropped.empty and len(table) == 4
    kp = row(table, "KAZ", "PAK")
    assert kp["value_exporter_report"] == 15634.181 and kp["value_importer_report"] == 2152.264
    assert kp["discrepancy_usd"] == pytest.approx(2152.264 - 15634.181 * 1.05)
    assert kp["discrepancy_log"] == pytest.approx(np.log(2152.264 / (15634.181 * 1.05)))
    assert kp["reported_by"] == "both" and kp["row_exporter_report"] == 0 and kp["row_importer_report"] == 1
    assert row(table, "KAZ", "AFG")["reported_by"] == "exporter"
    # UZB reported an import from KAZ: exporter KAZ, importer UZB, no export report.
    assert not (table["exporter"] == "UZB").any()
    kaz_uzb = row(table, "KAZ", "UZB")
    assert kaz_uzb["reported_by"] == "importer" and kaz_uzb["value_importer_report"] == 210.0
    assert np.isnan(kaz_uzb["discrepancy_usd"]) and np.isnan(kaz_uzb["discrepancy_log"])


@pytest.mark.parametrize(
    ("rule", "kaz_pak", "basis"),
    [
        ("importer", 2152.264, "CIF"),
        ("exporter", 15634.181, "FOB"),
        ("max", 15634.181 * 1.05, "CIF"),
        ("mean", (2152.264 + 15634.181 * 1.05) / 2, "CIF"),
    ],
)
def test_rules_choose_as_documented(rule, kaz_pak, basis):
    table, _ = reconcile_mirror(BASE, rule=rule, cif_fob_margin=0.05)
    kp = row(table, "KAZ", "PAK")
    assert kp["value_usd"] == pytest.approx(kaz_pak) and kp["basis"] == basis
    assert kp["value_exporter_report"] == 15634.181  # never merged away


def test_fills_use_the_other_side_with_the_margin_and_are_flagged():
    table, _ = reconcile_mirror(BASE, rule="importer", cif_fob_margin=0.1)
    afg = row(table, "KAZ", "AFG")
    assert afg["value_usd"] == pytest.approx(110.0) and afg["flags"] == "mirror_filled"
    assert afg["chosen_side"] == "exporter"
    uzb = row(table, "KAZ", "UZB")
    assert uzb["value_usd"] == 210.0 and uzb["flags"] == ""  # the preferred side is there
    table, _ = reconcile_mirror(BASE, rule="exporter", cif_fob_margin=0.1)
    assert row(table, "KAZ", "UZB")["value_usd"] == pytest.approx(210.0 / 1.1)
    assert row(table, "KAZ", "UZB")["flags"] == "mirror_filled"
    table, _ = reconcile_mirror(BASE, rule="mean")
    assert row(table, "KAZ", "UZB")["flags"] == "mirror_filled"


def test_quality_weighted_with_user_scores_and_estimated_scores():
    table, _ = reconcile_mirror(
        BASE, rule="quality_weighted", quality={"KAZ": 3.0, "PAK": 1.0, "AFG": 1, "UZB": 1}
    )
    kp = row(table, "KAZ", "PAK")
    assert kp["weight_exporter"] == pytest.approx(0.75)
    assert kp["value_usd"] == pytest.approx(0.75 * 15634.181 * 1.05 + 0.25 * 2152.264)
    with pytest.raises(ValueError, match="missing 'AFG'"):
        reconcile_mirror(BASE, rule="quality_weighted", quality={"KAZ": 1.0, "PAK": 1.0, "UZB": 1.0})
    compared, _ = mirror_compare(BASE)
    scores = reporter_quality(compared)
    assert set(scores.index) == {"AFG", "KAZ", "PAK", "UZB"} and (scores > 0).all()
    estimated, _ = reconcile_mirror(BASE, rule="quality_weighted")
    assert estimated["weight_exporter"].between(0, 1).all()


def test_unusable_rows_are_set_aside_with_reasons():
    f = pd.concat(
        [
            BASE,
            flows(
                [
                    ("KAZ", "WLD", "export", 5.0),
                    ("KAZ", "PAK", "re-export", 1.0),
                    ("KAZ", "KAZ", "import", 2.0),
                ]
            ),
        ],
        ignore_index=True,
    )
    table, dropped = mirror_compare(f)
    assert len(table) == 4 and dropped["row"].tolist() == [7, 6, 8]
    assert dropped["reason"].str.contains("re-exports").sum() == 1
    assert dropped["reason"].str.contains("world aggregate").sum() == 1
    # Accounting: every input row is one side of one pair, or dropped.
    reported = table["row_exporter_report"].count() + table["row_importer_report"].count()
    assert reported + len(dropped) == len(f)


def test_duplicate_sources_and_bad_options_raise():
    twice = pd.concat([BASE.iloc[:1], BASE.iloc[:1].assign(source="other")], ignore_index=True)
    with pytest.raises(SchemaError, match="several sources .*KAZ/PAK/export"):
        mirror_compare(twice)
    with pytest.raises(ValueError, match="use one of .importer., .exporter."):
        reconcile_mirror(BASE, rule="average")
    with pytest.raises(ValueError, match="cif_fob_margin is a share"):
        mirror_compare(BASE, cif_fob_margin=5)


def test_mismatched_classifications_warn():
    f = BASE.iloc[:2].copy()
    f.loc[1, "classification"] = "HS2017"
    with pytest.warns(DataQualityWarning, match="convert_hs"):
        mirror_compare(f)


def test_summary_by_pair():
    table, _ = mirror_compare(BASE, cif_fob_margin=0.0)
    summary = mirror_summary(table).set_index(["exporter", "importer"])
    assert summary.loc[("KAZ", "PAK"), "ratio_importer_to_exporter"] == pytest.approx(2152.264 / 15634.181)
    assert summary.loc[("KAZ", "AFG"), "exporter_only"] == 1
    assert np.isnan(summary.loc[("KAZ", "AFG"), "ratio_importer_to_exporter"])


def test_to_gravity_records_its_choice_and_sets_aside_unreported_flows():
    f = pd.concat([BASE, flows([("TJK", "KAZ", "export", NAN)])], ignore_index=True)
    panel, dropped = to_gravity(f, trust="importer")
    validate(panel, GRAVITY_PANEL)
    assert (panel["flags"].str.contains("mirror_importer")).all()
    kp = row(panel, "KAZ", "PAK")
    assert kp["value_usd"] == 2152.264 and kp["chosen_side"] == "importer" and kp["year"] == 2009
    assert dropped["reason"].str.contains("neither the exporter nor the importer").sum() == 1
    assert dropped.loc[dropped["step"] == "to_gravity", "row"].tolist() == [6]
    zero = flows([("KAZ", "PAK", "export", 0.0)])
    panel, dropped = to_gravity(zero, trust="exporter")
    assert panel["value_usd"].tolist() == [0.0] and dropped.empty  # zero is data, not missing


def test_to_gravity_needs_annual_data():
    monthly = BASE.assign(freq="M")
    with pytest.raises(SchemaError, match="to_frequency"):
        to_gravity(monthly)


def test_quality_weights_recover_the_careful_reporters_on_known_truth():
    # 24 countries trade with each other; six of them report with large errors (log-sd 0.8),
    # the rest carefully (0.05). The estimated reliability must rank every careless reporter
    # below every careful one, and quality weighting must beat the plain mean against the truth.
    rng = np.random.default_rng(11)
    countries = [f"{chr(65 + i // 26)}{chr(65 + i % 26)}X" for i in range(24)]
    careless = set(countries[:6])
    sd = {c: (0.8 if c in careless else 0.05) for c in countries}
    pairs = [(e, m) for e in countries for m in countries if e != m]
    true_fob = rng.lognormal(12, 1.5, len(pairs))
    rows = []
    for (e, m), value in zip(pairs, true_fob, strict=True):
        rows.append((e, m, "export", value * np.exp(rng.normal(0, sd[e]))))
        rows.append((m, e, "import", value * 1.05 * np.exp(rng.normal(0, sd[m]))))
    f = flows(rows)
    compared, _ = mirror_compare(f, cif_fob_margin=0.05)
    scores = reporter_quality(compared)
    assert scores[sorted(careless)].max() < scores.drop(sorted(careless)).min()
    truth = pd.Series(true_fob * 1.05, index=pd.MultiIndex.from_tuples(pairs))

    def log_rmse(rule: str) -> float:
        table, _ = reconcile_mirror(f, rule=rule, cif_fob_margin=0.05)
        got = table.set_index(["exporter", "importer"])["value_usd"]
        return float(np.sqrt(np.mean(np.log(got / truth.loc[got.index]) ** 2)))

    # With seed 11: 0.205 against 0.316.
    assert log_rmse("quality_weighted") < 0.8 * log_rmse("mean")
