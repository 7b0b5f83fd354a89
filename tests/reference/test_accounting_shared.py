"""Row accounting and mirror reconciliation on real published data from ../shared/data.

Sources (../shared/data/PROVENANCE.md):
* 4a ``wits2009_grasland/WITS_trade2009.csv`` - WITS total merchandise trade 2009, every
  reporter's exports and imports by partner (thousand USD), and
  ``WITS_Trade2009_harmonized_flows.csv`` - the reconciled matrix published with it;
* 4c ``baci_iops_afg_zaf/ExampleTradeData_HS17_2020.csv.gz`` - a BACI HS17 extract;
* 4e ``kz_bns_monthly_trade/exports.csv`` - Kazakhstan's monthly exports (BNS, thousand USD).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from forecasting.classify.concordance import read_concordance
from forecasting.data.clean.accounting import check_accounting
from forecasting.data.clean.aggregate import to_frequency
from forecasting.data.clean.flags import describe_flags
from forecasting.data.clean.gravity_view import to_gravity
from forecasting.data.clean.grouping import group_commodities
from forecasting.data.clean.hs_vintage import convert_hs
from forecasting.data.clean.mirror import mirror_compare, mirror_summary, reconcile_mirror
from forecasting.schema import GRAVITY_PANEL, validate
from tests.conftest import shared_file
from tests.reference.test_concordance_shared import baci_flows

pytestmark = pytest.mark.reference
THOUSAND = 1000.0


@pytest.fixture(scope="module")
def wits() -> pd.DataFrame:
    raw = pd.read_csv(shared_file("wits2009_grasland/WITS_trade2009.csv"), sep=";")
    return pd.DataFrame(
        {
            "reporter": raw["ReporterISO3"],
            "partner": raw["PartnerISO3"],
            "flow": raw["TradeFlowName"].str.lower(),
            "period": pd.Timestamp("2009-01-01"),
            "freq": "A",
            "commodity": "TOTAL",
            "classification": "TOTAL",
            "value_usd": raw["TradeValue in 1000 USD"] * THOUSAND,
            "source": "wits",
            "flags": "",
        }
    )


def pair(table: pd.DataFrame, exporter: str, importer: str) -> pd.Series:
    return table[(table["exporter"] == exporter) & (table["importer"] == importer)].iloc[0]


def test_kazakhstan_pakistan_reports_kept_side_by_side(wits):
    table, dropped = mirror_compare(wits, cif_fob_margin=0.05)
    # PROVENANCE 4a: KAZ->PAK exports 15,634.181 vs PAK imports from KAZ 2,152.264;
    # PAK->KAZ exports 3,712.178 vs KAZ imports from PAK 15,360.446 (thousand USD).
    kp = pair(table, "KAZ", "PAK")
    assert kp["value_exporter_report"] == pytest.approx(15634.181 * THOUSAND, rel=1e-12)
    assert kp["value_importer_report"] == pytest.approx(2152.264 * THOUSAND, rel=1e-12)
    pk = pair(table, "PAK", "KAZ")
    assert pk["value_exporter_report"] == pytest.approx(3712.178 * THOUSAND, rel=1e-12)
    assert pk["value_importer_report"] == pytest.approx(15360.446 * THOUSAND, rel=1e-12)
    summary = mirror_summary(table).set_index(["exporter", "importer"])
    # Pakistan recorded about 13 % of what Kazakhstan declared exporting (FOB basis, 5 % margin).
    assert summary.loc[("KAZ", "PAK"), "ratio_importer_to_exporter"] == pytest.approx(
        2152.264 / 1.05 / 15634.181, rel=1e-9
    )
    # Only world totals (340 rows) and self-trade (19 rows) are set aside; the rest pairs up.
    assert dropped["reason"].str.contains("world aggregate").sum() == 340
    assert dropped["reason"].str.contains("reporter equals partner").sum() == 19
    paired = table["row_exporter_report"].count() + table["row_importer_report"].count()
    assert paired + len(dropped) == len(wits) == 40618


def test_mirror_accounting_by_reporter(wits):
    table, dropped = mirror_compare(wits)
    kept = wits.drop(index=dropped["row"].to_numpy())
    exports = kept[kept["flow"] == "export"].groupby("reporter")["value_usd"].sum()
    imports = kept[kept["flow"] == "import"].groupby("reporter")["value_usd"].sum()
    pd.testing.assert_series_equal(
        table.groupby("exporter")["value_exporter_report"].sum().loc[exports.index],
        exports,
        check_names=False,
        rtol=1e-12,
    )
    pd.testing.assert_series_equal(
        table.groupby("importer")["value_importer_report"].sum().loc[imports.index],
        imports,
        check_names=False,
        rtol=1e-12,
    )


def test_importer_rule_reproduces_the_published_harmonized_matrix(wits):
    # The harmonized matrix published with the data takes the importer's report and falls
    # back on the exporter's, with no CIF/FOB adjustment: our "importer" rule with a zero
    # margin must give the same value for every pair it lists (25,637 of them).
    table, _ = reconcile_mirror(wits, rule="importer", cif_fob_margin=0.0)
    published = pd.read_csv(shared_file("wits2009_grasland/WITS_Trade2009_harmonized_flows.csv"), sep=";")
    merged = table.merge(published, left_on=["exporter", "importer"], right_on=["i", "j"])
    assert len(merged) == 25637
    np.testing.assert_allclose(merged["value_usd"] / THOUSAND, merged["Fij"], rtol=1e-9, atol=1e-6)
    assert pair(merged, "KAZ", "PAK")["Fij"] == 2152.264 and pair(merged, "PAK", "KAZ")["Fij"] == 15360.446


def test_to_gravity_on_wits(wits):
    panel, dropped = to_gravity(wits, trust="exporter", cif_fob_margin=0.05)
    validate(panel, GRAVITY_PANEL)
    assert pair(panel, "KAZ", "PAK")["value_usd"] == pytest.approx(15634.181 * THOUSAND, rel=1e-12)
    assert panel["flags"].str.contains("mirror_exporter").all()
    filled = panel["flags"].str.contains("mirror_filled")
    # Every import-only pair was filled from the importer's report, brought to FOB.
    assert (panel.loc[filled, "chosen_side"] == "importer").all() and filled.sum() > 1000
    flags = describe_flags(panel).set_index("flag")
    assert flags.loc["mirror_exporter", "rows"] == len(panel)


@pytest.mark.slow
def test_baci_pipeline_balances_at_every_step():
    flows = baci_flows()
    concordance = read_concordance(shared_file("hs_concordances/HS_consolidated_comtrade_concordances.csv"))
    converted, dropped_hs = convert_hs(flows, to="HS2022", concordance=concordance)
    check_accounting(flows, converted, dropped_hs)
    grouped, dropped_groups = group_commodities(
        converted, groups=["textiles", "pharma", "coal", "hydrocarbons"]
    )
    check_accounting(converted, grouped, dropped_groups)
    # The composition balances too: input = output + everything set aside on the way.
    check_accounting(flows, grouped, pd.concat([dropped_hs, dropped_groups], ignore_index=True))
    assert set(grouped["commodity"]) <= {"textiles", "pharma", "coal", "hydrocarbons", "other"}


def test_kazakhstan_monthly_exports_to_annual():
    raw = pd.read_csv(shared_file("kz_bns_monthly_trade/exports.csv"), parse_dates=["date"])
    flows = pd.DataFrame(
        {
            "reporter": "KAZ",
            "partner": "WLD",
            "flow": "export",
            "period": raw["date"],
            "freq": "M",
            "commodity": "TOTAL",
            "classification": "TOTAL",
            "value_usd": raw["value"] * THOUSAND,
            "source": "kz_stat",
            "flags": "",
        }
    )
    annual, dropped = to_frequency(flows, "A")
    check_accounting(flows, annual, dropped)
    by_year = annual.set_index(annual["period"].dt.year)
    # PROVENANCE 4e: "2022 exports sum = 84.6 bn USD" (BNS); checked to 0.1 bn.
    assert by_year.loc[2022, "value_usd"] / 1e9 == pytest.approx(84.6, abs=0.1)
    assert by_year.loc[2022, "flags"] == "" and by_year.loc[2022, "periods_covered"] == 12
    # The series ends in June 2026: that year is flagged as partial, six months seen.
    assert by_year.loc[2026, "flags"] == "partial_period" and by_year.loc[2026, "periods_covered"] == 6
