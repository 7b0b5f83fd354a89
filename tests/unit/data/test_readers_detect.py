"""Separator, encoding and number-format detection: found when clear, refused when ambiguous."""

from __future__ import annotations

import gzip
import logging

import pytest

from forecasting.data.readers.detect import detect_format, header_of
from forecasting.errors import ReaderError, cli_wording


@pytest.mark.parametrize("sep", [",", ";", "\t", "|"])
def test_each_separator_is_detected(tmp_path, sep):
    path = tmp_path / "f.csv"
    path.write_text(sep.join(["a", "b", "c"]) + "\n" + sep.join(["1", "2.5", "x"]) + "\n")
    assert detect_format(path).sep == sep


def test_detection_is_logged(tmp_path, caplog):
    path = tmp_path / "f.csv"
    path.write_text("a;b\n1;2\n")
    with caplog.at_level(logging.INFO, logger="forecasting.data.readers.detect"):
        detect_format(path)
    assert "sep=';'" in caplog.text and "detected" in caplog.text


def test_quoted_separators_inside_fields_do_not_confuse(tmp_path):
    path = tmp_path / "f.csv"
    path.write_text('name;value\n"Korea, Rep.";1.5\n"Iran, Islamic Rep.";2.5\n')
    assert detect_format(path).sep == ";"


def test_ambiguous_separator_raises_unless_declared(tmp_path):
    path = tmp_path / "f.csv"
    path.write_text("a,b;c\n1,2;3\n")
    with pytest.raises(ReaderError, match="several separators"):
        detect_format(path)
    assert detect_format(path, sep=";").sep == ";"


def test_ragged_file_raises(tmp_path):
    path = tmp_path / "f.csv"
    path.write_text("a,b,c\n1,2\n3,4,5,6\n")
    with pytest.raises(ReaderError, match="no separator"):
        detect_format(path)


def test_latin1_file_is_refused_with_the_fix(tmp_path):
    path = tmp_path / "f.csv"
    path.write_bytes("country;code\nCôte d'Ivoire;CIV\n".encode("latin-1"))
    with pytest.raises(ReaderError, match="not UTF-8.*encoding='latin-1'"):
        detect_format(path)
    assert detect_format(path, encoding="latin-1").encoding == "latin-1"


def test_the_fix_is_worded_for_the_command_line_there(tmp_path):
    path = tmp_path / "f.csv"
    path.write_bytes("country;code\nCôte d'Ivoire;CIV\n".encode("latin-1"))
    with cli_wording({"encoding": "--encoding"}), pytest.raises(ReaderError, match="pass --encoding latin-1"):
        detect_format(path)
    numbers = tmp_path / "n.csv"
    numbers.write_text("a;b\n1,234;x\n")
    flags = {"thousands": "--thousands", "decimal": "--decimal"}
    with cli_wording(flags), pytest.raises(ReaderError, match="pass --thousands . and --decimal ,"):
        detect_format(numbers)


def test_declared_wrong_encoding_is_an_error(tmp_path):
    path = tmp_path / "f.csv"
    path.write_bytes("a;b\n\xff\xfe;1\n".encode("latin-1"))
    with pytest.raises(ReaderError, match="not valid utf-8"):
        detect_format(path, encoding="utf-8")


def test_utf8_bom_is_recognised(tmp_path):
    path = tmp_path / "f.csv"
    path.write_bytes(b"\xef\xbb\xbfa,b\n1,2\n")
    fmt = detect_format(path)
    assert fmt.encoding == "utf-8-sig"
    assert header_of(path, fmt) == (["a", "b"], True)


def test_gzip_is_read_through(tmp_path):
    path = tmp_path / "f.csv.gz"
    with gzip.open(path, "wt") as handle:
        handle.write("a;b\n1;2\n")
    fmt = detect_format(path)
    assert (fmt.sep, fmt.compression) == (";", "gzip")


@pytest.mark.parametrize(
    ("body", "thousands", "decimal"),
    [
        ("a;b\n1,5;2\n", None, ","),
        ("a;b\n1.234.567,5;2\n", ".", ","),
        ('a,b\n"1,234,567",2\n', ",", "."),
        ('a,b\n"1,234.5",2\n', ",", "."),
        ("a;b\n1 234 567;2\n", " ", "."),
        ("a;b\n0.041;2\n", None, "."),
        ("a;b\n1.854;0.5\n", None, "."),
    ],
)
def test_number_formats(tmp_path, body, thousands, decimal):
    path = tmp_path / "f.csv"
    path.write_text(body)
    fmt = detect_format(path)
    assert (fmt.thousands, fmt.decimal) == (thousands, decimal)


def test_a_lone_grouped_number_is_ambiguous(tmp_path):
    path = tmp_path / "f.csv"
    path.write_text("a;b\n1,234;x\n")
    with pytest.raises(ReaderError, match="thousands or a decimal mark"):
        detect_format(path)
    fmt = detect_format(path, thousands=",", decimal=".")
    assert fmt.thousands == ","


def test_conflicting_marks_raise(tmp_path):
    path = tmp_path / "f.csv"
    path.write_text("a;b\n1,5;2.5\n")
    with pytest.raises(ReaderError, match="conflicting"):
        detect_format(path)


def test_empty_and_missing_files(tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    with pytest.raises(ReaderError, match="empty"):
        detect_format(empty)
    with pytest.raises(ReaderError, match="no such file"):
        detect_format(tmp_path / "absent.csv")


KZ_EXPORTS = "date;value;transformation\n2022-01-01;1.234,5;level\n"


@pytest.mark.parametrize("reader", ["read_kz_stat", "read_flows"])
def test_every_reader_takes_the_same_text_declarations(tmp_path, reader):
    from forecasting.data import readers

    path = tmp_path / "exports.csv"
    path.write_text(KZ_EXPORTS, encoding="latin-1")
    call = getattr(readers, reader)
    extra = {"source": "kz_stat"} if reader == "read_flows" else {}
    flows = call(path, encoding="latin-1", sep=";", thousands=".", decimal=",", **extra)
    assert flows["value_usd"].tolist() == [1234500.0]


@pytest.mark.parametrize(
    "reader", ["read_comtrade", "read_kz_stat", "read_reference_table", "read_tidy", "read_wits"]
)
def test_a_misspelt_text_declaration_is_refused_naming_the_reader(tmp_path, reader):
    from forecasting.data import readers

    path = tmp_path / "exports.csv"
    path.write_text(KZ_EXPORTS)
    with pytest.raises(TypeError, match=rf"{reader}\(\) .* 'encodng' \(did you mean 'encoding'\?\)"):
        getattr(readers, reader)(path, encodng="latin-1")
