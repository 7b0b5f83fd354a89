"""Detect a delimited text file's encoding, separator and number format, or insist they be declared.

Trade files arrive as UTF-8 or Latin-1, separated by commas, semicolons, tabs or pipes,
with thousands grouped by commas, dots or spaces. What is detected is logged; what cannot
be told apart from the first lines (a Latin-1 file that is also valid in another 8-bit
encoding, "1,234" that may be a thousand or one point two) raises :class:`ReaderError`
asking the caller to declare it. Nothing is guessed silently.

Every reader of delimited text takes the same declarations, :class:`TextOptions`
(``encoding``, ``sep``, ``thousands``, ``decimal``), as keyword arguments and hands them on
unchanged to :func:`read_table` and :func:`detect_format`, which checks them.
"""

from __future__ import annotations

import csv
import gzip
import io
import logging
import re
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypedDict, Unpack, cast

import pandas as pd

from forecasting.errors import ReaderError, describe_items, option_hint
from forecasting.validation import did_you_mean

logger = logging.getLogger(__name__)

SEPARATORS = (",", ";", "\t", "|")


class EmptySourceError(ReaderError):
    """A source file holds no data: a header without rows, or an API answer without records."""


class TextOptions(TypedDict, total=False):
    """What a reader can be told about a delimited text file; whatever is not declared is detected.

    ``encoding`` (``"latin-1"``, ``"cp1251"``, ...), ``sep`` (``","``, ``";"``, ``"\\t"``, ``"|"``),
    and the number marks ``thousands`` and ``decimal`` (``"."`` and ``","`` in much of Europe).
    ``None`` means "detect it".
    """

    encoding: str | None
    sep: str | None
    thousands: str | None
    decimal: str | None


#: The keywords of :class:`TextOptions`, in the order they are documented.
TEXT_OPTIONS: tuple[str, ...] = tuple(TextOptions.__annotations__)


def text_options(options: Mapping[str, object], *, reader: str) -> TextOptions:
    """``options`` as :class:`TextOptions`, refusing any keyword a reader does not take.

    Examples
    --------
    >>> text_options({"sep": ";"}, reader="read_wits")
    {'sep': ';'}
    >>> text_options({"encodng": "latin-1"}, reader="read_wits")
    Traceback (most recent call last):
    ...
    TypeError: read_wits() got an unexpected keyword argument 'encodng' (did you mean 'encoding'?); besides its own options it takes encoding, sep, thousands, decimal
    """
    unknown = [name for name in options if name not in TEXT_OPTIONS]
    if unknown:
        hint = did_you_mean(unknown[0], TEXT_OPTIONS) if len(unknown) == 1 else ""
        raise TypeError(
            f"{reader}() got an unexpected keyword argument {describe_items(unknown)}{hint}; besides its"
            f" own options it takes {', '.join(TEXT_OPTIONS)}"
        )
    return cast(TextOptions, dict(options))


_SAMPLE_BYTES = 256 * 1024
_SAMPLE_LINES = 200
_GROUPED = re.compile(r"^-?[1-9]\d{0,2}(?P<mark>[,. \u00a0'])\d{3}(?:(?P=mark)\d{3})*(?P<rest>[.,]\d+)?$")
_DECIMAL_COMMA = re.compile(r"^-?\d*,\d+$")
_DECIMAL_DOT = re.compile(r"^-?\d*\.\d+$")


@dataclass(frozen=True)
class TextFormat:
    """How to parse a delimited text file: :meth:`read` reads one with it (the readers' one path)."""

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

    def read(
        self, path: str | Path, *, na_values: Sequence[str] = ("",), as_text: bool = True
    ) -> pd.DataFrame:
        """Read ``path`` with this format: every cell as text (``as_text``), numbers in plain form.

        Raises :class:`ReaderError` naming the file when it cannot be parsed, is cut short
        (a truncated gzip), or has a header and no data rows.

        Examples
        --------
        >>> import tempfile, pathlib
        >>> p = pathlib.Path(tempfile.mkdtemp()) / "t.csv"
        >>> _ = p.write_text("a;b\\n1.234,5;x\\n")
        >>> TextFormat("utf-8", ";", thousands=".", decimal=",").read(p)["a"].tolist()
        ['1234.5']
        """
        path = Path(path)
        options = (
            {"dtype": "string", "keep_default_na": False, "na_values": list(na_values)} if as_text else {}
        )
        try:
            frame = pd.read_csv(path, **options, **self.read_csv_options())  # type: ignore[call-overload]
        except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
            raise ReaderError(
                f"{path}: is truncated or damaged ({self.compression or 'text'} stream: {exc}); the download"
                " was probably cut short — download it again"
            ) from None
        except UnicodeDecodeError as exc:
            raise ReaderError(
                f"{path}: is not valid {self.encoding} beyond the lines checked ({exc.reason} at byte"
                f" {exc.start} of a block); {option_hint('encoding', 'latin-1')} or the encoding the"
                " publisher used"
            ) from None
        except (pd.errors.ParserError, ValueError) as exc:
            raise ReaderError(f"{path}: cannot be parsed as {self} ({exc})") from None
        if frame.empty:
            raise EmptySourceError(
                f"{path}: has a header ({', '.join(map(str, frame.columns[:8]))}) but no data rows;"
                " nothing to read — check the download or the export that wrote it"
            )
        return apply_number_format(frame, self.thousands, self.decimal) if as_text else frame


def apply_number_format(frame: pd.DataFrame, thousands: str | None, decimal: str) -> pd.DataFrame:
    """Rewrite numbers in a text-typed frame to plain ``1234.5`` form under the file's marks.

    Only cells that are wholly a number in that format change ("1.234,5" with thousands "."
    and decimal ","), so names such as "Korea, Rep." and dates are left alone.

    Examples
    --------
    >>> f = pd.DataFrame({"v": ["1.234,5", "7"], "name": ["Korea, Rep.", "x"]}, dtype="string")
    >>> apply_number_format(f, ".", ",")["v"].tolist()
    ['1234.5', '7']
    """
    if thousands is None and decimal == ".":
        return frame
    group = re.escape(thousands) if thousands else ""
    pattern = rf"^\s*-?\d[\d{group}]*(?:{re.escape(decimal)}\d+)?\s*$"
    out = frame.copy()
    for column in out.columns:
        text = out[column].astype("string")
        numeric = text.str.match(pattern).fillna(False).astype(bool)
        if not numeric.any():
            continue
        cleaned = text.str.strip()
        if thousands:
            cleaned = cleaned.str.replace(thousands, "", regex=False)
        if decimal != ".":
            cleaned = cleaned.str.replace(decimal, ".", regex=False)
        out[column] = text.where(~numeric, cleaned)
    return out


def read_table(
    path: str | Path, *, na_values: Sequence[str] = ("",), as_text: bool = True, **text: Unpack[TextOptions]
) -> tuple[pd.DataFrame, TextFormat]:
    """Detect ``path``'s format (declared ``text`` options win) and read it: every reader's text path.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "t.csv"
    >>> _ = p.write_text("a,b\\n1,x\\n")
    >>> frame, fmt = read_table(p)
    >>> frame.values.tolist(), fmt.sep
    ([['1', 'x']], ',')
    """
    fmt = detect_format(path, **text)
    return fmt.read(path, na_values=na_values, as_text=as_text), fmt


def _marks_hint() -> str:
    example = f"{option_hint('thousands', '.')} and {option_hint('decimal', ',', verb='').strip()}"
    return f"declare the marks (for example {example})"


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
                f" ({option_hint('encoding')}=...)"
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
            f"{path}: is not UTF-8 (byte {raw[exc.start]:#x} on line {line}); {option_hint('encoding', 'latin-1')}"
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
            f" check the file (truncated or mixed lines?) or {option_hint('sep')}"
        )
    names = ", ".join(f"{sep!r} ({n} fields)" for sep, n in consistent)
    raise ReaderError(
        f"{path}: several separators fit every line: {names}; {option_hint('sep')} to say which"
    )


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
        raise ReaderError(f"{path}: numbers use both ',' and '.' in conflicting ways; {_marks_hint()}")
    thousands = next(iter(marks)) if marks else None
    if (thousands == "." and decimal_dot) or (thousands == "," and decimal_comma):
        # "1.234.567" beside "0.5": the dot cannot be both; refusing beats dropping a decimal point
        raise ReaderError(
            f"{path}: '{thousands}' groups thousands in some numbers and marks decimals in others;"
            f" {_marks_hint()}"
        )
    decimal = "," if decimal_comma or thousands == "." else "."
    if thousands == decimal:
        raise ReaderError(f"{path}: '{decimal}' is both the decimal and the thousands mark; {_marks_hint()}")
    for cell in ambiguous:
        mark = "," if "," in cell else "."
        if mark == decimal and thousands is None and (decimal_comma or decimal_dot):
            continue  # the file already shows this mark as its decimal point
        if mark == thousands:
            continue
        raise ReaderError(
            f"{path}: cannot tell whether {cell!r} uses {mark!r} as a thousands or a decimal mark;"
            f" {_marks_hint()}"
        )
    return thousands, decimal


def detect_format(path: str | Path, **text: Unpack[TextOptions]) -> TextFormat:
    """Find how ``path`` is encoded, separated and number-formatted; declared ``text`` options win.

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
    declared = text_options(text, reader="detect_format")
    encoding, sep = declared.get("encoding"), declared.get("sep")
    thousands, decimal = declared.get("thousands"), declared.get("decimal")
    raw, compression = _open_bytes(path)
    if not raw.strip():
        raise EmptySourceError(f"{path}: the file is empty (no header, no rows); nothing to read")
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


def header_of(path: str | Path, fmt: TextFormat) -> tuple[list[str], bool]:
    """The header fields of a delimited file (stripped of quotes and spaces), and whether rows follow.

    The second value is False only when the whole file was sampled and holds no line after
    the header (a header-only file).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "h.csv"
    >>> _ = p.write_text('"t","i" ,j\\n1,2,3\\n')
    >>> header_of(p, TextFormat("utf-8", ","))
    (['t', 'i', 'j'], True)
    """
    raw, _ = _open_bytes(Path(path))
    text, _ = _decode(raw, Path(path), fmt.encoding)
    lines = [line for line in text.splitlines() if line.strip()]
    first = next(csv.reader(io.StringIO(lines[0] if lines else ""), delimiter=fmt.sep), [])
    has_rows = len(lines) > 1 or len(raw) >= _SAMPLE_BYTES
    return [name.strip().strip('"').strip() for name in first], has_rows
