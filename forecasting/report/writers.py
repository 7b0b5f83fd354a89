"""Table files that say what they are: CSV, Excel and Parquet with the data label, units and notes.

Every table file carries what a reader needs when it travels alone:

- **demo label**: on demonstration data every CSV, Excel and Parquet table has a
  ``data_label`` column (last) holding the run's data label on every row. A column, not a
  leading comment line: comment lines break ordinary CSV readers, and a column survives
  copying rows into another sheet;
- **units in the column names**: the report's tables (``tables/``) give money in millions of
  US dollars (``_musd``), the outlook's own tables (``data/*.parquet``) in US dollars, with the
  money columns named ``_usd`` there (``mean_usd``, ...) so the two cannot be confused;
- **notes**: every workbook has a ``notes`` sheet (table, data, source, units, scenarios,
  dates, seed, package version); every Parquet file has the same notes as JSON in its schema
  metadata (key ``forecasting``).

Two runs with one seed give byte-identical files: nothing written depends on the clock
(Excel's document dates and the zip entries' times are fixed, see :data:`FIXED_TIME`); the
time of the run is in ``manifest.json`` only.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from forecasting.files import atomic_write, atomic_write_bytes

if TYPE_CHECKING:  # annotations only: the notebook kernel need not import the outlook's types
    from forecasting.projection.result import OutlookResult

DATA_LABEL_COLUMN = "data_label"
#: Document time of every workbook: ``SOURCE_DATE_EPOCH`` when set (the reproducible-builds
#: convention), else the zip format's epoch; never the clock.
FIXED_TIME = dt.datetime(1980, 1, 1, tzinfo=dt.UTC)
#: Money columns of the outlook's tables renamed in their Parquet copies, so each file says its unit.
PARQUET_NAMES = {
    "forecast": {"mean": "mean_usd", "median": "median_usd", "lower": "lower_usd", "upper": "upper_usd"},
    "turnover": {"mean": "mean_usd", "median": "median_usd", "lower": "lower_usd", "upper": "upper_usd"},
    "pair_effects": {"lower_95": "lower95_pct", "upper_95": "upper95_pct"},
}
_UNIT_WORDS = (
    ("_musd", "millions of US dollars"),
    ("_usd", "US dollars"),
    ("_pct", "percent"),
    ("_km", "kilometres"),
)
_SHARES = {"probability", "probability_by_horizon", "share", "coverage_80", "coverage_95"}


def document_time() -> dt.datetime:
    """The fixed time written into workbooks (see :data:`FIXED_TIME`)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "")
    return dt.datetime.fromtimestamp(int(epoch), dt.UTC) if epoch.isdigit() else FIXED_TIME


@dataclass(frozen=True)
class TableNotes:
    """What every table file of one run says about itself.

    Examples
    --------
    >>> notes = TableNotes("DEMO", "bundled demo data", 2025, 2035, 7, "0.1.0", {"baseline": "Status quo"})
    >>> dict(notes.rows("t", pd.DataFrame({"value_musd": [1.0], "scenario": ["baseline"]})))["units"]
    'value_musd: millions of US dollars'
    """

    data_label: str
    source: str
    base_year: int
    horizon: int
    seed: int
    version: str
    titles: dict[str, str]

    @classmethod
    def of(cls, result: OutlookResult, titles: dict[str, str]) -> TableNotes:
        import forecasting

        s = result.settings
        label = s.data_label if s.demo else ""
        return cls(label, s.data_source, s.base_year, s.horizon, s.seed, forecasting.__version__, titles)

    def rows(self, name: str, table: pd.DataFrame, description: str = "") -> list[tuple[str, str]]:
        """The notes of one table as (field, text) rows."""
        scenarios = "all (not by scenario)"
        if "scenario" in table.columns:
            present = list(dict.fromkeys(table["scenario"].astype(str)))
            scenarios = "; ".join(f"{n} = {self.titles.get(n, n)}" for n in present)
        return [
            ("table", name + (f": {description}" if description else "")),
            ("data", self.data_label or "real data (not simulated)"),
            ("source", self.source),
            ("units", units_text(table.columns)),
            ("scenarios", scenarios),
            (
                "dates",
                f"data to {self.base_year}, forecast to {self.horizon}; the time of the run is in"
                " manifest.json, kept out of the tables so that two runs with one seed give identical files",
            ),
            ("seed", str(self.seed)),
            ("produced by", f"forecasting {self.version}"),
        ]


def units_text(columns) -> str:
    """The unit of every column whose name says one, in words.

    Examples
    --------
    >>> units_text(["year", "mean_usd", "probability"])
    'mean_usd: US dollars; probability: share between 0 and 1'
    """
    parts = []
    for column in map(str, columns):
        word = next((w for suffix, w in _UNIT_WORDS if column.endswith(suffix)), None)
        if word is None and column in _SHARES:
            word = "share between 0 and 1"
        if word:
            parts.append(f"{column}: {word}")
    return "; ".join(parts) or "no money or percentage columns"


def labelled(table: pd.DataFrame, notes: TableNotes) -> pd.DataFrame:
    """``table`` with the ``data_label`` column on demonstration data (unchanged on real data)."""
    if not notes.data_label:
        return table
    return table.assign(**{DATA_LABEL_COLUMN: notes.data_label})


def _fixed_zip(data: bytes, when: dt.datetime) -> bytes:
    """The same zip package with every entry's time, and the document's core dates, fixed."""
    stamp = when.strftime("%Y-%m-%dT%H:%M:%SZ")
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for entry in source.infolist():
            content = source.read(entry.filename)
            if entry.filename == "docProps/core.xml":
                text = content.decode("utf-8")
                text = re.sub(
                    r"(<dcterms:(created|modified)[^>]*>)[^<]*(</dcterms:)", rf"\g<1>{stamp}\g<3>", text
                )
                content = text.encode("utf-8")
            info = zipfile.ZipInfo(entry.filename, date_time=when.timetuple()[:6])
            info.compress_type, info.external_attr = zipfile.ZIP_DEFLATED, entry.external_attr
            target.writestr(info, content)
    return out.getvalue()


def workbook_bytes(sheets: dict[str, pd.DataFrame]) -> bytes:
    """An Excel workbook of ``sheets`` (name -> frame) whose bytes do not depend on the clock."""
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        for sheet, frame in sheets.items():
            frame.to_excel(writer, sheet_name=sheet[:31], index=False)
        writer.book.properties.creator = "forecasting"
    return _fixed_zip(buffer.getvalue(), document_time())


def write_table(
    table: pd.DataFrame, directory: Path, name: str, notes: TableNotes, *, description: str = ""
) -> tuple[Path, Path]:
    """Write ``directory/name.csv`` and ``directory/name.xlsx`` (data sheet + ``notes`` sheet), atomically.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> notes = TableNotes("DEMO", "demo", 2025, 2035, 7, "0.1.0", {})
    >>> csv, xlsx = write_table(pd.DataFrame({"a": [1]}), pathlib.Path(tempfile.mkdtemp()), "t", notes)
    >>> csv.read_text().splitlines()
    ['a,data_label', '1,DEMO']
    >>> pd.read_excel(xlsx, sheet_name=None).keys()
    dict_keys(['t', 'notes'])
    """
    shown = labelled(table, notes)
    csv_path = atomic_write(directory / f"{name}.csv", lambda p: shown.to_csv(p, index=False))
    rows = pd.DataFrame(notes.rows(name, table, description), columns=["field", "text"])
    xlsx_path = atomic_write_bytes(directory / f"{name}.xlsx", workbook_bytes({name: shown, "notes": rows}))
    return csv_path, xlsx_path


def write_parquet(
    table: pd.DataFrame, path: Path, name: str, notes: TableNotes, *, description: str = ""
) -> Path:
    """Write one outlook table as Parquet: money columns named by unit, the label, notes in the metadata."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    frame = labelled(table.rename(columns=PARQUET_NAMES.get(name, {})), notes)
    arrow = pa.Table.from_pandas(frame, preserve_index=False)
    meta = dict(notes.rows(name, frame, description))
    extra = {b"forecasting": json.dumps(meta, sort_keys=True, ensure_ascii=False).encode("utf-8")}
    arrow = arrow.replace_schema_metadata({**(arrow.schema.metadata or {}), **extra})
    return atomic_write(path, lambda p: pq.write_table(arrow, p))


def read_notes(path: Path) -> dict[str, str]:
    """The notes a Parquet file written by :func:`write_parquet` carries in its metadata."""
    import pyarrow.parquet as pq

    metadata = pq.read_schema(path).metadata or {}
    return json.loads(metadata.get(b"forecasting", b"{}"))


def write_data(result: OutlookResult, directory: Path, notes: TableNotes) -> dict[str, Path]:
    """Every outlook table as ``directory/<name>.parquet`` (see :func:`write_parquet`)."""
    return {
        name: write_parquet(table, Path(directory) / f"{name}.parquet", name, notes)
        for name, table in result.tables().items()
    }
