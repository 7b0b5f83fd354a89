"""Property tests: malformed files thrown at every reader.

Each reader must either read the file correctly — a valid FLOWS table with one row per
record and the value total an independent parse of the same text gives — or raise one of
our errors. Any other exception, or a result that disagrees with the independent parse,
fails the test.
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from forecasting.data.readers import read_baci, read_comtrade, read_kz_stat, read_tidy, read_wits
from forecasting.data.readers._columns import squash
from forecasting.data.readers.detect import detect_format
from forecasting.errors import ForecastingError
from forecasting.schema import FLOWS, validate

# More examples for a deeper local hunt: FORECASTING_HYPOTHESIS_EXAMPLES=500
SETTINGS = settings(
    max_examples=int(os.environ.get("FORECASTING_HYPOTHESIS_EXAMPLES", "40")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
BLANKS = {"", "NA", "N/A", "NaN", "nan", "null", "NULL", ".", "-"}
GARBAGE = st.sampled_from(
    [
        "",
        "NA",
        "abc",
        "-1",
        "-0.5",
        "1e400",
        "0x1F",
        "1,5",
        "1.234.567",
        " 7 ",
        "é",
        '"',
        ";",
        ",",
        "\t",
        "2021",
        "00",
        "X",
        "TOTAL",
    ]
)


def oracle_number(cell: str, thousands: str | None = None, decimal: str = ".") -> float | None:
    """Independent parse of a value cell: NaN for blanks, None when it is not a plain number.

    ``thousands``/``decimal`` are the marks the file's format declares (as detection found them).
    """
    text = cell.strip()
    if text in BLANKS:
        return math.nan
    if thousands:
        text = text.replace(thousands, "")
    text = text.replace(decimal, ".")
    try:
        number = float(text)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def check_result(flows, records: list[list[str]], value_index: int, scale: float, fmt=None) -> None:
    validate(flows, FLOWS)
    assert len(flows) == len(records)
    marks = (fmt.thousands, fmt.decimal) if fmt is not None else (None, ".")
    numbers = [oracle_number(r[value_index], *marks) if len(r) > value_index else None for r in records]
    assert None not in numbers, "the reader accepted a value an independent parse rejects"
    expected = sum(n for n in numbers if not math.isnan(n)) * scale
    assert flows["value_usd"].sum() == pytest.approx(expected, rel=1e-9, abs=1e-6)
    assert int(flows["value_usd"].isna().sum()) == sum(math.isnan(n) for n in numbers)


def mutate(lines: list[str], data: st.DataObject, sep: str) -> list[str]:
    """Apply one to three damages: a cell, a header name, a dropped or extra field, truncation."""
    lines = list(lines)
    for _ in range(data.draw(st.integers(1, 3))):
        kind = data.draw(
            st.sampled_from(["cell", "header", "drop_field", "extra_field", "truncate", "swap_lines"])
        )
        row = data.draw(st.integers(0, len(lines) - 1))
        fields = lines[row].split(sep)
        col = data.draw(st.integers(0, len(fields) - 1))
        if kind == "cell" and row > 0:
            fields[col] = data.draw(GARBAGE)
        elif kind == "header":
            header = lines[0].split(sep)
            header[col % len(header)] = data.draw(
                st.sampled_from(["", "x", header[col % len(header)].upper(), "v v"])
            )
            lines[0] = sep.join(header)
            continue
        elif kind == "drop_field":
            del fields[col]
        elif kind == "extra_field":
            fields.insert(col, data.draw(GARBAGE))
        elif kind == "truncate":
            lines = lines[: max(1, row)]
            continue
        elif kind == "swap_lines" and len(lines) > 2:
            lines[1], lines[-1] = lines[-1], lines[1]
            continue
        lines[row] = sep.join(fields)
    return lines


def column_index(text: str, sep: str, name: str) -> int:
    """Position of ``name`` in the header, compared the way readers do (case- and punctuation-blind)."""
    header = next(csv.reader(io.StringIO(text), delimiter=sep))
    return [squash(h) for h in header].index(squash(name))


def records_of(text: str, sep: str) -> list[list[str]]:
    rows = [r for r in csv.reader(io.StringIO(text), delimiter=sep) if r]
    return rows[1:]


def run(reader, name: str, text: str | bytes, **options):
    """Read ``text`` written to a file; return (flows or None, error or None, detected format or None)."""
    folder = Path(tempfile.mkdtemp())
    try:
        path = folder / name
        (path.write_bytes if isinstance(text, bytes) else path.write_text)(text)  # type: ignore[operator]
        try:
            fmt = detect_format(path)
        except ForecastingError:
            fmt = None
        try:
            return reader(path, **options), None, fmt
        except ForecastingError as exc:
            return None, exc, fmt
    finally:
        shutil.rmtree(folder, ignore_errors=True)


BACI_LINES = [
    '"t","i","j","k","v","q"',
    '2021,398,586,520100,12.5,"       13.235"',
    '2021,4,586,80620,0.041,"           NA"',
    '2021,710,398,300490,3.403,"        1.854"',
    '2021,398,156,270900,100,"      250.000"',
]


@SETTINGS
@given(st.data())
def test_baci_reader_reads_right_or_raises_ours(data):
    lines = mutate(BACI_LINES, data, ",")
    text = "\n".join(lines) + "\n"
    flows, _, fmt = run(read_baci, "BACI_HS92_Y2021_V202301.csv", text)
    if flows is not None:
        check_result(flows, records_of(text, ","), 4, 1000.0)


WITS_LINES = [
    "Nomenclature;ReporterISO3;ProductCode;ReporterName;PartnerISO3;PartnerName;Year;TradeFlowName;TradeFlowCode;TradeValue in 1000 USD",
    "NC;KAZ; Total;Kazakhstan;PAK;Pakistan;2009;Export;6;15634.181",
    "NC;KAZ; Total;Kazakhstan;PAK;Pakistan;2009;Import;5;15360.446",
    "NC;PAK; Total;Pakistan;KAZ;Kazakhstan;2009;Export;6;3712.178",
    "NC;ROM; Total;Romania;WLD;World;2009;Import;5;.067",
]


@SETTINGS
@given(st.data())
def test_wits_reader_reads_right_or_raises_ours(data):
    lines = mutate(WITS_LINES, data, ";")
    text = "\r\n".join(lines) + "\r\n"
    flows, _, fmt = run(read_wits, "wits.csv", text)
    if flows is not None:
        check_result(
            flows, records_of(text, ";"), column_index(text, ";", "TradeValue in 1000 USD"), 1000.0, fmt
        )


KZ_LINES = [
    "date,value,transformation",
    "2022-01-01,5351587.7,level",
    "2022-02-01,4559264.0,level",
    "2022-03-01,0,level",
]


@SETTINGS
@given(st.data())
def test_kz_stat_reader_reads_right_or_raises_ours(data):
    lines = mutate(KZ_LINES, data, ",")
    text = "\r\n".join(lines) + "\r\n"
    flows, _, fmt = run(read_kz_stat, "exports.csv", text)
    if flows is not None:
        check_result(flows, records_of(text, ","), column_index(text, ",", "value"), 1000.0, fmt)


TIDY_LINES = [
    "reporter,partner,flow,period,commodity,value_usd",
    "KAZ,PAK,export,2023,2709,10.5",
    "PAK,KAZ,import,2023,520100,0",
    "KAZ,WLD,export,2023,TOTAL,",
]


@SETTINGS
@given(st.data())
def test_tidy_reader_reads_right_or_raises_ours(data):
    lines = mutate(TIDY_LINES, data, ",")
    text = "\n".join(lines) + "\n"
    flows, _, fmt = run(read_tidy, "tidy.csv", text, classification="HS2017")
    if flows is not None:
        check_result(flows, records_of(text, ","), column_index(text, ",", "value_usd"), 1.0, fmt)


JSON_VALUES = st.one_of(
    st.none(),
    st.integers(-5, 10**6),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.text(max_size=4),
    st.booleans(),
    st.lists(st.integers(), max_size=2),
)
COMTRADE_FIELDS = [
    "freqCode",
    "period",
    "reporterCode",
    "partnerCode",
    "flowCode",
    "classificationCode",
    "cmdCode",
    "primaryValue",
    "qty",
    "qtyUnitAbbr",
]


def comtrade_record(**changes):
    record = {
        "typeCode": "C", "freqCode": "A", "refYear": 2023, "period": "2023", "reporterCode": 398,
        "reporterISO": "KAZ", "flowCode": "X", "partnerCode": 586, "partnerISO": "PAK", "partner2Code": 0,
        "classificationCode": "H6", "cmdCode": "520100", "customsCode": "C00", "motCode": 0,
        "qtyUnitCode": 8, "qtyUnitAbbr": "kg", "qty": 10.0, "isQtyEstimated": False,
        "primaryValue": 100.0, "legacyEstimationFlag": 0,
    }  # fmt: skip
    record.update(changes)
    return record


@SETTINGS
@given(st.data())
def test_comtrade_json_reads_right_or_raises_ours(data):
    records = [comtrade_record(cmdCode=code) for code in ("520100", "2709", "TOTAL")]
    for _ in range(data.draw(st.integers(1, 3))):
        target = records[data.draw(st.integers(0, len(records) - 1))]
        field = data.draw(st.sampled_from(COMTRADE_FIELDS))
        if data.draw(st.booleans()):
            target.pop(field, None)
        else:
            target[field] = data.draw(JSON_VALUES)
    envelope = {"elapsedTime": "0.1 secs", "count": len(records), "data": records, "error": ""}
    text = (
        json.dumps(envelope)
        if data.draw(st.integers(0, 9))
        else json.dumps(envelope)[: data.draw(st.integers(0, 60))]
    )
    flows, _, fmt = run(read_comtrade, "c.json", text)
    if flows is not None:
        validate(flows, FLOWS)
        assert len(flows) == len(records)
        values = [r.get("primaryValue") for r in records]
        assert all(
            v is None or (isinstance(v, (int, float, str)) and not isinstance(v, bool)) for v in values
        )
        expected = sum(float(v) for v in values if v is not None and str(v).strip() not in BLANKS)
        assert flows["value_usd"].sum() == pytest.approx(expected, rel=1e-6, abs=1e-6)


@SETTINGS
@given(raw=st.binary(min_size=0, max_size=300))
def test_random_bytes_never_crash_any_reader(raw):
    for reader, name, options in (
        (read_baci, "BACI_HS92_Y2021_V202301.csv", {}),
        (read_wits, "wits.csv", {}),
        (read_kz_stat, "exports.csv", {}),
        (read_tidy, "t.csv", {"classification": "HS2017"}),
        (read_comtrade, "c.json", {}),
        (read_comtrade, "c.csv", {}),
    ):
        flows, _, fmt = run(reader, name, raw, **options)
        if flows is not None:
            validate(flows, FLOWS)
