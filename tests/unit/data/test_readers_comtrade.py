"""UN Comtrade reader on hand-made files that follow the real field names exactly.

Field names of the current API (comtradeapi.un.org data/v1/get and public/v1/preview) and
of the legacy CSV (comtrade.un.org before 2023) are as documented by UNSD; the values below
are invented, so every expected number is computed from the fixture, not published.
"""

from __future__ import annotations

import csv
import json

import numpy as np
import pandas as pd
import pytest

from forecasting.data.readers import EmptySourceError, read_comtrade, read_flows
from forecasting.errors import ReaderError, UnknownCodeError
from forecasting.schema import FLOWS, validate


def api_record(**changes):
    record = {
        "typeCode": "C",
        "freqCode": "A",
        "refPeriodId": 20230101,
        "refYear": 2023,
        "refMonth": 52,
        "period": "2023",
        "reporterCode": 398,
        "reporterISO": "KAZ",
        "reporterDesc": "Kazakhstan",
        "flowCode": "X",
        "flowDesc": "Export",
        "partnerCode": 586,
        "partnerISO": "PAK",
        "partnerDesc": "Pakistan",
        "partner2Code": 0,
        "classificationCode": "H6",
        "cmdCode": "520100",
        "cmdDesc": "Cotton; not carded or combed",
        "aggrLevel": 6,
        "isLeaf": True,
        "customsCode": "C00",
        "mosCode": "0",
        "motCode": 0,
        "qtyUnitCode": 8,
        "qtyUnitAbbr": "kg",
        "qty": 2500.0,
        "isQtyEstimated": False,
        "altQty": None,
        "netWgt": 2500.0,
        "grossWgt": None,
        "cifvalue": None,
        "fobvalue": 4100.5,
        "primaryValue": 4100.5,
        "legacyEstimationFlag": 0,
        "isReported": True,
        "isAggregate": False,
    }
    record.update(changes)
    return record


def write_json(path, records, **envelope):
    payload = {"elapsedTime": "0.42 secs", "count": len(records), "data": records, "error": ""}
    payload.update(envelope)
    path.write_text(json.dumps(payload))
    return path


@pytest.fixture
def api_file(tmp_path):
    records = [
        api_record(),
        api_record(flowCode="M", flowDesc="Import", fobvalue=None, cifvalue=900.0, primaryValue=900.0),
        api_record(partnerCode=0, partnerISO="W00", partnerDesc="World", primaryValue=10_000.0),
        api_record(cmdCode="10121", qtyUnitCode=-1, qtyUnitAbbr="N/A", qty=0, isQtyEstimated=True),
        api_record(cmdCode="TOTAL", cmdDesc="All Commodities", aggrLevel=0, primaryValue=None, qty=None),
        api_record(flowCode="RX", flowDesc="Re-export", primaryValue=0.0),
    ]
    return write_json(tmp_path / "comtrade.json", records)


def test_api_json_maps_every_field(api_file):
    flows = read_comtrade(api_file)
    validate(flows, FLOWS)
    assert len(flows) == 6
    first = flows.iloc[0]
    assert (first.reporter, first.partner, first.flow, first.freq) == ("KAZ", "PAK", "export", "A")
    assert first.period == pd.Timestamp("2023-01-01")
    assert (first.commodity, first.classification) == ("520100", "HS2022")
    assert first.value_usd == 4100.5 and first.quantity == 2500.0 and first.quantity_unit == "kg"
    assert (first["source"], first["flags"]) == ("comtrade", "")
    assert flows["flow"].tolist() == ["export", "import", "export", "export", "export", "re-export"]
    assert flows.loc[1, "cif_usd"] == 900.0 and np.isnan(flows.loc[1, "fob_usd"])


def test_api_json_partner_aggregate_is_kept_and_flagged(api_file):
    flows = read_comtrade(api_file)
    assert flows.loc[2, "partner"] == "WLD"
    assert flows.loc[2, "flags"] == "partner_aggregate"


def test_api_json_padding_missing_and_zero_values(api_file):
    flows = read_comtrade(api_file)
    assert flows.loc[3, "commodity"] == "010121"
    assert (
        np.isnan(flows.loc[3, "quantity"]) and flows.loc[3, "quantity_unit"] is None
    )  # N/A unit: no quantity
    assert flows.loc[3, "flags"] == "qty_estimated"
    assert flows.loc[4, "commodity"] == "TOTAL" and flows.loc[4, "classification"] == "TOTAL"
    assert np.isnan(flows.loc[4, "value_usd"])  # missing stays missing
    assert flows.loc[5, "value_usd"] == 0.0  # zero stays zero


def test_value_total_in_equals_out(api_file):
    records = json.loads(api_file.read_text())["data"]
    expected = sum(r["primaryValue"] for r in records if r["primaryValue"] is not None)
    assert read_comtrade(api_file)["value_usd"].sum() == pytest.approx(expected, rel=1e-12)


def test_monthly_periods(tmp_path):
    path = write_json(tmp_path / "m.json", [api_record(freqCode="M", period="202303", refMonth=3)])
    flows = read_comtrade(path)
    assert flows.loc[0, "period"] == pd.Timestamp("2023-03-01") and flows.loc[0, "freq"] == "M"


def test_api_error_and_truncated_payloads(tmp_path):
    with pytest.raises(ReaderError, match="returned an error: quota"):
        read_comtrade(write_json(tmp_path / "e.json", [], error="quota exceeded"))
    with pytest.raises(ReaderError, match="count=3 but holds 1"):
        read_comtrade(write_json(tmp_path / "t.json", [api_record()], count=3))
    bad = tmp_path / "bad.json"
    bad.write_text('{"count": 1, "data": [')
    with pytest.raises(ReaderError, match="not valid JSON"):
        read_comtrade(bad)


def test_an_empty_answer_is_refused_naming_the_file(tmp_path):
    # {"data": []} used to come back as 0 rows without a word, and failed later in the outlook
    with pytest.raises(EmptySourceError, match=r"none.json: holds no records \('data' is empty\)"):
        read_comtrade(write_json(tmp_path / "none.json", []))


def test_unknown_flow_codes_are_listed(tmp_path):
    path = write_json(
        tmp_path / "f.json", [api_record(), api_record(flowCode="DX"), api_record(flowCode="FM")]
    )
    with pytest.raises(ReaderError, match=r"flow codes 'DX', 'FM' on record\(s\) 2, 3"):
        read_comtrade(path)


def test_as_reported_classification_needs_a_declaration(tmp_path):
    path = write_json(tmp_path / "hs.json", [api_record(classificationCode="HS")])
    with pytest.raises(ReaderError, match="classification='HS2017'"):
        read_comtrade(path)
    assert read_comtrade(path, classification="HS2017").loc[0, "classification"] == "HS2017"


def test_negative_value_and_unknown_country_raise(tmp_path):
    with pytest.raises(ReaderError, match="negative"):
        read_comtrade(write_json(tmp_path / "n.json", [api_record(primaryValue=-5.0)]))
    with pytest.raises(UnknownCodeError, match="partner.*9999"):
        read_comtrade(write_json(tmp_path / "u.json", [api_record(partnerCode=9999)]))


def test_duplicate_keys_raise(tmp_path):
    path = write_json(tmp_path / "d.json", [api_record(), api_record(period="2021"), api_record()])
    # JSON has no lines: the repeated records are named by their 1-based number
    with pytest.raises(ReaderError, match=r"2 rows share a flow key .* on record\(s\) 1, 3;"):
        read_comtrade(path)


def test_mode_of_transport_breakdown_is_explained(tmp_path):
    path = write_json(tmp_path / "mot.json", [api_record(motCode=0), api_record(motCode=3100)])
    with pytest.raises(ReaderError, match="motCode 0"):
        read_comtrade(path)


def write_csv(path, rows, sep=","):
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]), delimiter=sep)
        writer.writeheader()
        writer.writerows(rows)
    return path


def test_website_csv_with_capitalised_names(tmp_path):
    rows = [{key[0].upper() + key[1:]: value for key, value in api_record().items()}]
    rows.append({**rows[0], "CmdCode": "2709", "PrimaryValue": 12.25})
    flows = read_comtrade(write_csv(tmp_path / "web.csv", rows))
    assert flows["commodity"].tolist() == ["520100", "2709"]
    assert flows["value_usd"].tolist() == [4100.5, 12.25]


def legacy_row(**changes):
    row = {
        "Classification": "H4",
        "Year": 2015,
        "Period": 2015,
        "Period Desc.": 2015,
        "Aggregate Level": 4,
        "Is Leaf Code": 0,
        "Trade Flow Code": 2,
        "Trade Flow": "Export",
        "Reporter Code": 586,
        "Reporter": "Pakistan",
        "Reporter ISO": "PAK",
        "Partner Code": 398,
        "Partner": "Kazakhstan",
        "Partner ISO": "KAZ",
        "Commodity Code": "3004",
        "Commodity": "Medicaments",
        "Qty Unit Code": 1,
        "Qty Unit": "No Quantity",
        "Qty": "",
        "Netweight (kg)": 1200,
        "Trade Value (US$)": 350000,
        "Flag": 0,
    }
    row.update(changes)
    return row


def test_legacy_csv(tmp_path):
    rows = [
        legacy_row(),
        legacy_row(**{"Trade Flow Code": 1, "Trade Flow": "Import", "Commodity Code": "0402", "Flag": 6}),
        legacy_row(**{"Partner Code": 0, "Partner": "World", "Partner ISO": "WLD", "Trade Value (US$)": 9e6}),
        legacy_row(
            **{"Qty Unit Code": 8, "Qty Unit": "Weight in kilograms", "Qty": 1200, "Commodity Code": "300490"}
        ),
    ]
    flows = read_flows(write_csv(tmp_path / "legacy.csv", rows), source="comtrade")
    assert flows["flow"].tolist() == ["export", "import", "export", "export"]
    assert flows["classification"].unique().tolist() == ["HS2012"]
    assert flows["commodity"].tolist() == ["3004", "0402", "3004", "300490"]
    assert flows["flags"].tolist() == ["", "estimated", "partner_aggregate", ""]
    assert np.isnan(flows.loc[0, "quantity"]) and flows.loc[3, "quantity"] == 1200
    assert flows["value_usd"].sum() == 3 * 350000 + 9e6


def test_missing_value_column_is_named(tmp_path):
    rows = [{k: v for k, v in legacy_row().items() if k != "Trade Value (US$)"} | {"TradeValue": 1}]
    with pytest.raises(ReaderError, match=r"missing column\(s\) 'primaryValue'"):
        read_comtrade(write_csv(tmp_path / "x.csv", rows))


def test_format_option_is_validated(api_file):
    with pytest.raises(ValueError, match="'auto', 'json', 'csv'"):
        read_comtrade(api_file, format="xml")  # type: ignore[arg-type]


def test_declared_classification_is_validated(tmp_path):
    path = write_json(tmp_path / "hs.json", [api_record(classificationCode="HS")])
    with pytest.raises(ValueError, match="HS2017"):
        read_comtrade(path, classification="HS20177")


def test_unit_codes_written_as_floats_still_mean_no_quantity(tmp_path):
    records = [
        api_record(qtyUnitCode=-1.0, qtyUnitAbbr=None, qty=0.0),
        api_record(cmdCode="2709", qtyUnitCode=None),
    ]
    flows = read_comtrade(write_json(tmp_path / "u.json", records))
    assert np.isnan(flows.loc[0, "quantity"])
    assert flows.loc[1, "quantity"] == 2500.0 and flows.loc[1, "quantity_unit"] == "kg"


def test_bulk_tab_separated_gzip(tmp_path):
    import gzip

    rows = [api_record(), api_record(partnerCode=860, partnerISO="UZB", primaryValue=77.0)]
    text = io_text(rows, "\t")
    path = tmp_path / "COMTRADE-FINAL-CA398-2023.txt.gz"
    with gzip.open(path, "wt", encoding="utf-8") as handle:
        handle.write(text)
    flows = read_comtrade(path)
    assert flows["partner"].tolist() == ["PAK", "UZB"] and flows["value_usd"].sum() == 4100.5 + 77.0


def io_text(rows, sep):
    import io

    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), delimiter=sep)
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()
