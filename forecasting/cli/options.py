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
import os
import re
from collections.abc import Iterator, Sequence
from pathlib import Path

from forecasting.errors import OptionError

#: Formats of --data; "demo" is the bundled simulated panel (no --data).
SOURCES = ("comtrade", "baci", "wits", "kz_stat", "tidy", "demo")
#: Readers that take --encoding (BACI files are plain ASCII from CEPII) and --columns.
ENCODING_SOURCES = ("comtrade", "wits", "kz_stat", "tidy")
COLUMNS_SOURCES = ("tidy",)

# library keyword -> the flag that sets it (what option_hint names under cli_wording)
DATA_FLAGS = {"source": "--source", "encoding": "--encoding", "columns": "--columns"}
OUTLOOK_FLAGS = {
    **DATA_FLAGS,
    "pair": "--pair",
    "mirror_rule": "--mirror-rule",
    "horizon": "--horizon",
    "draws": "--draws",
    "seed": "--seed",
    "scenarios": "--scenarios",
    "out_dir": "--out",
}


class LazyChoices(Sequence[str]):
    """The valid values of a library constant, imported only when argparse needs them.

    ``--help`` stays instant (the constant's module imports pandas) while the choices are
    the library's own, never a copy.
    """

    def __init__(self, module: str, name: str) -> None:
        self._where = (module, name)

    def _values(self) -> tuple[str, ...]:
        module, name = self._where
        return tuple(getattr(importlib.import_module(module), name))

    def __getitem__(self, index):  # noqa: ANN001, ANN204 - Sequence protocol
        return self._values()[index]

    def __len__(self) -> int:
        return len(self._values())

    def __iter__(self) -> Iterator[str]:
        return iter(self._values())

    def __contains__(self, value: object) -> bool:
        return value in self._values()


MIRROR_RULES = LazyChoices("forecasting.data.clean.mirror", "MIRROR_RULES")


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


def add_data_options(
    parser: argparse.ArgumentParser, *, sources: Sequence[str], required: bool = False
) -> None:
    """``--source``, ``--encoding`` and ``--columns``: how the data files are read."""
    parser.add_argument("--source", choices=sources, required=required, help="format of the data files")
    parser.add_argument(
        "--encoding",
        type=encoding_name,
        help=f"text encoding of the files, when detection refuses to guess ({', '.join(ENCODING_SOURCES)})",
    )
    parser.add_argument(
        "--columns",
        nargs="+",
        type=column_rename,
        metavar="OLD=NEW",
        help="rename the file's columns to FLOWS names (tidy files), e.g. Year=period Value=value_usd",
    )


def reader_options(args: argparse.Namespace) -> dict[str, object]:
    """Keyword arguments of :func:`forecasting.data.read_flows` from the flags; refuses misfits."""
    source = args.source
    options: dict[str, object] = {}
    if args.encoding is not None:
        if source not in ENCODING_SOURCES:
            raise OptionError(f"--encoding applies to --source {', '.join(ENCODING_SOURCES)}, not {source}")
        options["encoding"] = args.encoding
    if args.columns:
        if source not in COLUMNS_SOURCES:
            raise OptionError(
                f"--columns applies to tidy files (--source tidy); {source} files have a fixed layout"
            )
        mapping = dict(args.columns)
        if len(mapping) < len(args.columns):
            raise OptionError("--columns names a file column twice; give each OLD=NEW once")
        options["columns"] = mapping
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
    if not args.data and (args.encoding or args.columns):
        raise OptionError(
            "--encoding and --columns describe --data files; add --data FILE ... --source FORMAT"
        )


def chosen_pair(args: argparse.Namespace) -> tuple[str, str]:
    """The one pair of ``--pair A B`` (KAZ PAK when not given)."""
    pairs = args.pair or [("KAZ", "PAK")]
    if len(pairs) > 1:
        raise OptionError(
            f"{len(pairs)} --pair options: this command runs one pair; give one --pair A B per run"
        )
    a, b = pairs[0]
    if a == b:
        raise OptionError(f"--pair {a} {b}: give two different countries, e.g. --pair KAZ PAK")
    return a, b
