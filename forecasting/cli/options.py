"""Flags shared by the ``outlook`` and ``read`` commands, their argparse types and cross-checks.

Each flag sets one keyword of the library (:data:`DATA_FLAGS`, :data:`OUTLOOK_FLAGS`), and the
command enters :func:`forecasting.errors.cli_wording` with that mapping, so a library message
that says what to pass names the flag here (``pass --encoding latin-1``). The checks below run
on the parsed arguments alone, before any file is read: a wrong combination fails at once.
"""

from __future__ import annotations

import argparse
import codecs
import importlib
import math
import os
import re
from collections.abc import Iterator, Sequence
from pathlib import Path

from forecasting.errors import OptionError

#: Formats of --data; "demo" is the bundled simulated panel (no --data).
SOURCES = ("comtrade", "baci", "wits", "kz_stat", "tidy", "demo")
# The reader behind each source: a flag applies to a source when its reader takes the keyword.
_READERS = {
    "comtrade": "read_comtrade",
    "baci": "scan_baci",
    "wits": "read_wits",
    "kz_stat": "read_kz_stat",
    "tidy": "read_tidy",
}

# library keyword -> the flag that sets it (what option_hint names under cli_wording)
READER_FLAGS = {
    "encoding": "--encoding",
    "sep": "--sep",
    "thousands": "--thousands",
    "decimal": "--decimal",
    "classification": "--classification",
    "freq": "--freq",
    "columns": "--columns",
    "country_codes": "--country-codes",
    "product_codes": "--product-codes",
    "flow": "--flow",
}
DATA_FLAGS = {"source": "--source", **READER_FLAGS}
OUTLOOK_FLAGS = {
    **DATA_FLAGS,
    "pair": "--pair",
    "mirror_rule": "--mirror-rule",
    "horizon": "--horizon",
    "draws": "--draws",
    "seed": "--seed",
    "scenarios": "--scenarios",
}


class LazyChoices(Sequence[str]):
    """The valid values of a library constant, imported only when argparse needs them.

    ``--help`` stays instant (the constant's module imports pandas) while the choices are
    the library's own, never a copy.
    """

    def __init__(self, module: str, name: str) -> None:
        self._where = (module, name)

    def _values(self) -> tuple[str, ...]:
        from forecasting.validation import valid_choices

        module, name = self._where
        return tuple(str(v) for v in valid_choices(getattr(importlib.import_module(module), name)))

    def __getitem__(self, index):  # noqa: ANN001, ANN204 - Sequence protocol
        return self._values()[index]

    def __len__(self) -> int:
        return len(self._values())

    def __iter__(self) -> Iterator[str]:
        return iter(self._values())

    def __contains__(self, value: object) -> bool:
        return value in self._values()


MIRROR_RULES = LazyChoices("forecasting.data.clean.mirror", "MIRROR_RULES")
FREQS = LazyChoices("forecasting.data.readers.tidy", "TidyFreq")
KZ_FLOWS = LazyChoices("forecasting.data.readers.kz_stat", "KzFlow")


def existing_path(text: str) -> Path:
    """An input file or folder that exists and can be read."""
    path = Path(text)
    if not path.exists():
        raise argparse.ArgumentTypeError(f"{text}: no such file or folder")
    if not os.access(path, os.R_OK):
        raise argparse.ArgumentTypeError(f"{text}: cannot be read (permissions)")
    return path


def existing_file(text: str) -> Path:
    """An input file that exists and can be read."""
    path = existing_path(text)
    if not path.is_file():
        raise argparse.ArgumentTypeError(f"{text}: is a folder; give a file")
    return path


def encoding_name(text: str) -> str:
    """A text encoding Python knows (``latin-1``, ``cp1251``, ``utf-8-sig``...)."""
    try:
        codecs.lookup(text)
    except LookupError:
        raise argparse.ArgumentTypeError(
            f"unknown encoding {text!r}; use a name such as utf-8, latin-1, cp1251 or cp1252"
        ) from None
    return text


def column_rename(text: str) -> tuple[str, str]:
    """One ``OLD=NEW`` pair of ``--columns``: the file's column name, then the FLOWS name."""
    old, sep, new = text.partition("=")
    if not sep or not old.strip() or not new.strip():
        raise argparse.ArgumentTypeError(f"{text!r}: give OLD=NEW, e.g. Year=period 'Trade Value'=value_usd")
    return old.strip(), new.strip()


def country_code(text: str) -> str:
    """An ISO 3166-1 alpha-3 code, upper case (``kaz`` is read as ``KAZ``)."""
    code = text.strip().upper()
    if not re.fullmatch(r"[A-Z]{3}", code):
        raise argparse.ArgumentTypeError(f"{text!r} is not an ISO3 country code such as KAZ or PAK")
    return code


def year(text: str) -> int:
    """A four-digit year."""
    if not re.fullmatch(r"\d{4}", text.strip()):
        raise argparse.ArgumentTypeError(f"{text!r} is not a year such as 2035")
    return int(text)


def whole_number(text: str) -> int:
    """A whole number (the library checks its range, in the words of the flag)."""
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None


def trade_elasticity(text: str) -> float:
    """A trade elasticity ``1 - sigma``: a negative, finite number such as -5."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number such as -5") from None
    if not math.isfinite(value) or value >= 0:
        raise argparse.ArgumentTypeError(
            f"{text}: the trade elasticity (1 - sigma) is negative, such as -5 (sigma = 6)"
        )
    return value


def table_file(path: str | Path, flag: str) -> Path:
    """An output table's path: a ``.csv`` or ``.parquet`` file name, not a folder (checked before work)."""
    out = Path(path)
    if out.suffix not in (".csv", ".parquet") or out.is_dir():
        raise OptionError(f"{flag} {out}: give a .csv or .parquet file name")
    parent = next((p for p in out.absolute().parents if p.exists()), None)
    if parent is not None and not (parent.is_dir() and os.access(parent, os.W_OK | os.X_OK)):
        raise OptionError(f"{flag} {out}: {parent} is not a folder this user can write in")
    return out


def write_table(table: object, out: Path) -> Path:
    """Write a DataFrame to ``out`` (.csv or .parquet) whole: a failed write leaves ``out`` as it was."""
    from forecasting.files import atomic_write

    def save(temporary: Path) -> None:
        if out.suffix == ".parquet":
            table.to_parquet(temporary, index=False)  # type: ignore[attr-defined]
        else:
            table.to_csv(temporary, index=False)  # type: ignore[attr-defined]

    try:
        return atomic_write(out, save)
    except OSError as exc:  # a folder that refuses files (/proc, a read-only mount, a full disk)
        raise OptionError(f"cannot write {out}: {exc.strerror or exc}") from None


def read_scenario_file(path: Path, flag: str) -> dict:
    """The scenarios of a TOML file; a file that is not UTF-8 text is refused in the flag's words."""
    from forecasting.scenarios import read_scenarios

    try:
        return read_scenarios(path)
    except UnicodeDecodeError as exc:
        raise OptionError(f"{flag} {path}: is not UTF-8 text ({exc.reason}); save it as UTF-8") from None


def separator(text: str) -> str:
    """A field separator, one character; ``tab`` (or ``\\t``) is the tab character."""
    return one_character("\t" if text in ("tab", "\\t", "\t") else text)


def one_character(text: str) -> str:
    """One character: a separator, thousands separator or decimal mark (``;``, ``,``, ``.``)."""
    if len(text) != 1 or text in '\r\n"':
        raise argparse.ArgumentTypeError(f"{text!r}: give one character, such as ';' or ','")
    return text


def add_data_options(
    parser: argparse.ArgumentParser, *, sources: Sequence[str], required: bool = False
) -> None:
    """``--source`` and the reader flags (``--encoding``, ``--columns``...): how data files are read.

    Each reader flag sets the keyword of the same name of the source's reader; a flag the
    chosen source's reader does not take is refused (:func:`reader_options`).
    """
    parser.add_argument("--source", choices=sources, required=required, help="format of the data files")
    group = parser.add_argument_group("reading the data files (when detection refuses to guess)")
    group.add_argument("--encoding", type=encoding_name, help="text encoding, e.g. latin-1 or cp1251")
    group.add_argument("--sep", type=separator, help="field separator, e.g. ';' or tab")
    group.add_argument("--thousands", type=one_character, help="thousands separator in numbers, e.g. ','")
    group.add_argument("--decimal", type=one_character, help="decimal mark in numbers, e.g. ','")
    group.add_argument(
        "--classification", help="HS vintage of the codes when the file does not say, e.g. HS2017"
    )
    group.add_argument(
        "--freq", choices=FREQS, metavar="FREQ", help="period frequency of a tidy file: %(choices)s"
    )
    group.add_argument(
        "--columns",
        nargs="+",
        type=column_rename,
        metavar="OLD=NEW",
        help="rename a tidy file's columns to FLOWS names, e.g. Year=period Value=value_usd",
    )
    group.add_argument(
        "--country-codes", type=existing_file, help="BACI country table (country_codes_V*.csv)"
    )
    group.add_argument("--product-codes", type=existing_file, help="BACI product table (product_codes_*.csv)")
    group.add_argument("--flow", choices=KZ_FLOWS, metavar="FLOW", help="kz_stat files: %(choices)s")


def reader_options(args: argparse.Namespace) -> dict[str, object]:
    """Keyword arguments of :func:`forecasting.data.read_flows` from the flags; refuses misfits."""
    import inspect

    from forecasting.data import readers
    from forecasting.data.readers.detect import TEXT_OPTIONS

    def takes(source: str, keyword: str) -> bool:
        parameters = inspect.signature(getattr(readers, _READERS[source])).parameters
        text = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters.values())
        return keyword in parameters or (text and keyword in TEXT_OPTIONS)  # **text: the shared TextOptions

    options: dict[str, object] = {}
    for keyword, flag in READER_FLAGS.items():
        value = getattr(args, keyword, None)
        if value is None:
            continue
        if not takes(args.source, keyword):
            fits = [s for s in _READERS if takes(s, keyword)]
            raise OptionError(f"{flag} applies to --source {' or '.join(fits)}, not to {args.source} files")
        options[keyword] = value
    marks = {READER_FLAGS[k]: options[k] for k in ("sep", "thousands", "decimal") if k in options}
    if len(set(marks.values())) < len(marks):
        raise OptionError(
            f"{' and '.join(f'{flag} {mark!r}' for flag, mark in marks.items())}: a number cannot be read"
            " when these marks are the same character; give each a different one"
        )
    if "columns" in options:
        pairs = options["columns"]
        options["columns"] = dict(pairs)  # type: ignore[call-overload]
        if len(options["columns"]) < len(pairs):  # type: ignore[arg-type]
            raise OptionError("--columns names a file column twice; give each OLD=NEW once")
    return options


def check_data_flags(args: argparse.Namespace) -> None:
    """``--data`` and ``--source`` go together; ``--source demo`` is the bundled data alone."""
    if args.data and not args.source:
        raise OptionError("--data needs --source, the files' format: comtrade, baci, wits, kz_stat or tidy")
    if args.data and args.source == "demo":
        raise OptionError(
            "--source demo is the bundled demonstration data; drop --data, or give the files' format"
        )
    if not args.data and args.source not in (None, "demo"):
        raise OptionError(
            f"--source {args.source} names the format of --data files, and no --data was given;"
            " add --data FILE ..., or drop --source to run on the bundled demonstration data"
        )
    given = [flag for keyword, flag in READER_FLAGS.items() if getattr(args, keyword, None) is not None]
    if not args.data and given:
        raise OptionError(
            f"{' '.join(given)}: these describe --data files; add --data FILE ... --source FORMAT"
        )


def chosen_pair(args: argparse.Namespace) -> tuple[str, str]:
    """The one pair of ``--pair A B`` (KAZ PAK when not given; several go to the many-pairs command)."""
    a, b = (args.pair or [("KAZ", "PAK")])[0]
    if a == b:
        raise OptionError(f"--pair {a} {b}: give two different countries, e.g. --pair KAZ PAK")
    return a, b
