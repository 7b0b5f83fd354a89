"""Every table file says when it is demo data, what its units are, and is the same on every run."""

from __future__ import annotations

import io
import zipfile

import pandas as pd

from forecasting.report import writers

NOTES = writers.TableNotes("DEMONSTRATION DATA (simulated)", "bundled demo data", 2025, 2035, 7, "0.1.0",
                           {"baseline": "Status quo"})  # fmt: skip
REAL = writers.TableNotes("", "tidy: flows.csv", 2025, 2035, 7, "0.1.0", {})
TABLE = pd.DataFrame({"scenario": ["baseline"], "year": [2030], "value_musd": [1.5]})


def test_demo_tables_carry_the_label_in_csv_excel_and_notes(tmp_path):
    csv, xlsx = writers.write_table(TABLE, tmp_path, "t", NOTES, description="a test table")
    assert pd.read_csv(csv)["data_label"].tolist() == [NOTES.data_label]
    sheets = pd.read_excel(xlsx, sheet_name=None)
    assert list(sheets) == ["t", "notes"] and sheets["t"]["data_label"].tolist() == [NOTES.data_label]
    notes = dict(zip(sheets["notes"]["field"], sheets["notes"]["text"], strict=True))
    assert notes["table"] == "t: a test table" and notes["data"] == NOTES.data_label
    assert notes["units"] == "value_musd: millions of US dollars"
    assert notes["scenarios"] == "baseline = Status quo" and notes["dates"].startswith(
        "data to 2025, forecast to 2035"
    )
    assert {"source", "seed", "produced by"} <= set(notes)


def test_real_data_tables_have_no_label_column_but_still_notes(tmp_path):
    csv, xlsx = writers.write_table(TABLE, tmp_path, "t", REAL)
    assert "data_label" not in pd.read_csv(csv).columns
    notes = pd.read_excel(xlsx, sheet_name="notes")
    assert notes.set_index("field").at["data", "text"] == "real data (not simulated)"


def test_workbooks_do_not_depend_on_the_clock(tmp_path, monkeypatch):
    import datetime as dt

    first = writers.workbook_bytes({"t": TABLE})

    class Later(dt.datetime):
        @classmethod
        def now(cls, tz=None):
            return dt.datetime(2031, 5, 6, 7, 8, 9, tzinfo=tz)

    monkeypatch.setattr(dt, "datetime", Later)  # openpyxl stamps the save time with datetime.now
    second = writers.workbook_bytes({"t": TABLE})
    assert first == second
    with zipfile.ZipFile(io.BytesIO(first)) as package:
        assert {i.date_time for i in package.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        core = package.read("docProps/core.xml").decode()
    assert core.count("1980-01-01T00:00:00Z") == 2


def test_source_date_epoch_sets_the_document_time(monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    assert writers.document_time().year == 2023


def test_parquet_names_its_money_columns_and_keeps_the_notes_in_its_metadata(tmp_path):
    frame = pd.DataFrame({"scenario": ["baseline"], "mean": [2e6], "lower": [1e6], "upper": [3e6]})
    path = writers.write_parquet(frame, tmp_path / "turnover.parquet", "turnover", NOTES)
    back = pd.read_parquet(path)
    assert list(back.columns) == ["scenario", "mean_usd", "lower_usd", "upper_usd", "data_label"]
    notes = writers.read_notes(path)
    assert notes["data"] == NOTES.data_label and "mean_usd: US dollars" in notes["units"]
