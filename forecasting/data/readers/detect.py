"""Detect a delimited text file's encoding, separator and number format, or insist they be declared.

Trade files arrive as UTF-8 or Latin-1, separated by commas, semicolons, tabs or pipes,
with thousands grouped by commas, dots or spaces. What is detected is logged; what cannot
be told apart from the first lines (a Latin-1 file that is also valid in another 8-bit
encoding, "1,234" that may be a thousand or one point two) raises :class:`ReaderError`
asking the caller to declare it. Nothing is guessed silently.
"""

from __future__ import annotations

import csv
import gzip
import io
import logging
import re
from dataclasses import dataclass
from pathlib import Path

from forecasting.errors import ReaderError

logger = logging.getLogger(__name__)

SEPARATORS = (",", ";", "\t", "|")
_SAMPLE_BYTES = 256 * 1024
_SAMPLE_LINES = 200
_GROUPED = re.compile(r"^-?[1-9]\d{0,2}(?P<mark>[,. \u00a0'])\d{3}(?:(?P=mark)\d{3})*(?P<rest>[.,]\d+)?$")
_DECIMAL_COMMA = re.compile(r"^-?\d*,\d+$")
_DECIMAL_DOT = re.compile(r"^-?\d*\.\d+$")


@dataclass(frozen=True)
class TextFormat:
    """How to parse a delimited text file; pass it to ``pandas.read_csv`` via :meth:`read_csv_options`."""

    encoding: str
    sep: str
    thousands: str | None = None
    decimal: str = "."
    compression: str | None = None

    def read_csv_options(self) -> dict[str, object]:
        """Keyword arguments for ``pandas.read_csv``.

        Examples
        --------
        >>> TextFormat("utf-8", ";", decimal=",").read_csv_options()["sep"]
        ';'
        """
        return {
            "encoding": self.encoding,
            "sep": self.sep,
            "thousands": self.thousands,
            "decimal": self.decimal,
            "compression": self.compression,
        }


def _open_bytes(path: Path) -> tuple[bytes, str | None]:
    compression = "gzip" if path.suffix.lower() == ".gz" else None
    try:
        if compression:
            with gzip.open(path, "rb") as handle:
                return handle.read(_SAMPLE_BYTES), compression
        with path.open("rb") as handle:
            return handle.read(_SAMPLE_BYTES), compression
    except FileNotFoundError:
        raise ReaderError(f"{path}: no such file") from None
    except (OSError, EOFError) as exc:
        raise ReaderError(f"{path}: cannot be opened as {compression or 'plain text'} ({exc})") from None


def _decode(raw: bytes, path: Path, encoding: str | None) -> tuple[str, str]:
    if encoding is not None:
        try:
            return raw.decode(encoding, errors="strict"), encoding
        except (UnicodeDecodeError, LookupError) as exc:
            # a multi-byte character may be cut at the sample's end; only the tail may fail
            if isinstance(exc, UnicodeDecodeError) and exc.start >= len(raw) - 4:
                return raw[: exc.start].decode(encoding), encoding
            raise ReaderError(
                f"{path}: is not valid {encoding} ({exc}); declare the file's real encoding"
            ) from None
    if raw.startswith(b"\xef\xbb\xbf"):
        return raw[3:].decode("utf-8", errors="replace"), "utf-8-sig"
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16"), "utf-16"
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as exc:
        if exc.start >= len(raw) - 4 and len(raw) == _SAMPLE_BYTES:
            return raw[: exc.start].decode("utf-8"), "utf-8"
        line = raw[: exc.start].count(b"\n") + 1
        raise ReaderError(
            f"{path}: is not UTF-8 (byte {raw[exc.start]:#x} on line {line}); pass encoding='latin-1'"
            " (CEPII files) or 'cp1251' (Cyrillic sources) — whichever the publisher used"
        ) from None


def _sample_lines(text: str) -> list[str]:
    lines = text.splitlines()
    if len(lines) > 1 and not text.endswith(("\n", "\r")):
        lines = lines[:-1]  # the last line of the sample may be cut in the middle
    return [line for line in lines[:_SAMPLE_LINES] if line.strip()]


def _field_counts(lines: list[str], sep: str) -> list[int]:
    return [len(row) for row in csv.reader(io.StringIO("\n".join(lines)), delimiter=sep)]


def _detect_sep(lines: list[str], path: Path) -> str:
    consistent = []
    for sep in SEPARATORS:
        counts = _field_counts(lines, sep)
        if counts and counts[0] > 1 and all(c == counts[0] for c in counts):
            consistent.append((sep, counts[0]))
    if len(consistent) == 1:
        return consistent[0][0]
    shown = ", ".join(repr(s) for s in SEPARATORS)
    if not consistent:
        raise ReaderError(
            f"{path}: no separator among {shown} splits every line into the same number of fields;"
            " check the file (truncated or mixed lines?) or pass sep="
        )
    names = ", ".join(f"{sep!r} ({n} fields)" for sep, n in consistent)
    raise ReaderError(f"{path}: several separators fit every line: {names}; pass sep= to say which")


def _numeric_cells(lines: list[str], sep: str) -> list[str]:
    rows = list(csv.reader(io.StringIO("\n".join(lines[1:])), delimiter=sep))
    return [cell.strip() for row in rows for cell in row if any(ch.isdigit() for ch in cell)]


def _detect_numbers(lines: list[str], sep: str, path: Path) -> tuple[str | None, str]:
    cells = _numeric_cells(lines, sep)
    marks = set()
    ambiguous = []
    decimal_comma = decimal_dot = False
    for cell in cells:
        grouped = _GROUPED.match(cell)
        if grouped:
            mark, rest = grouped.group("mark"), grouped.group("rest")
            groups = cell.count(mark)
            if groups > 1 or rest or mark in " \u00a0'":
                marks.add(mark)
            else:
                ambiguous.append(cell)  # "1,234" or "1.234": a thousand, or one and a bit?
            continue
        decimal_comma |= bool(_DECIMAL_COMMA.match(cell))
        decimal_dot |= bool(_DECIMAL_DOT.match(cell))
    if len(marks) > 1 or (decimal_comma and decimal_dot):
        raise ReaderError(
            f"{path}: numbers use both ',' and '.' in conflicting ways; pass thousands= and decimal="
        )
    thousands = next(iter(marks)) if marks else None
    if (thousands == "." and decimal_dot) or (thousands == "," and decimal_comma):
        # "1.234.567" beside "0.5": the dot cannot be both; refusing beats dropping a decimal point
        raise ReaderError(
            f"{path}: '{thousands}' groups thousands in some numbers and marks decimals in others;"
            " pass thousands= and decimal="
        )
    decimal = "," if decimal_comma or thousands == "." else "."
    if thousands == decimal:
        raise ReaderError(f"{path}: '{decimal}' is both the decimal and the thousands mark; pass them")
    for cell in ambiguous:
        mark = "," if "," in cell else "."
        if mark == decimal and thousands is None and (decimal_comma or decimal_dot):
            continue  # the file already shows this mark as its decimal point
        if mark == thousands:
            continue
        raise ReaderError(
            f"{path}: cannot tell whether {cell!r} uses {mark!r} as a thousands or a decimal mark;"
            " pass thousands= and decimal="
        )
    return thousands, decimal


def detect_format(
    path: str | Path,
    *,
    encoding: str | None = None,
    sep: str | None = None,
    thousands: str | None = None,
    decimal: str | None = None,
) -> TextFormat:
    """Find how ``path`` is encoded, separated and number-formatted; declared values win.

    Raises :class:`ReaderError` when a property cannot be told from the first lines.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "t.csv").write_text("a;b\\n1,5;2\\n3,25;4\\n")
    >>> fmt = detect_format(folder / "t.csv")
    >>> fmt.sep, fmt.decimal, fmt.thousands
    (';', ',', None)
    """
    path = Path(path)
    raw, compression = _open_bytes(path)
    if not raw.strip():
        raise ReaderError(f"{path}: the file is empty")
    text, used_encoding = _decode(raw, path, encoding)
    lines = _sample_lines(text)
    found_sep = sep if sep is not None else _detect_sep(lines, path)
    if thousands is None and decimal is None:
        found_thousands, found_decimal = _detect_numbers(lines, found_sep, path)
    else:
        found_thousands, found_decimal = thousands, decimal or "."
    fmt = TextFormat(used_encoding, found_sep, found_thousands, found_decimal, compression)
    logger.info(
        "%s: encoding=%s sep=%r thousands=%r decimal=%r (%s)",
        path.name,
        fmt.encoding,
        fmt.sep,
        fmt.thousands,
        fmt.decimal,
        "declared" if sep and encoding else "detected",
    )
    return fmt


def header_of(path: str | Path, fmt: TextFormat) -> list[str]:
    """The header fields of a delimited file, stripped of quotes and spaces.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "h.csv"
    >>> _ = p.write_text('"t","i" ,j\\n1,2,3\\n')
    >>> header_of(p, TextFormat("utf-8", ","))
    ['t', 'i', 'j']
    """
    raw, _ = _open_bytes(Path(path))
    text, _ = _decode(raw, Path(path), fmt.encoding)
    first = next(csv.reader(io.StringIO(text.splitlines()[0] if text else ""), delimiter=fmt.sep), [])
    return [name.strip().strip('"').strip() for name in first]
