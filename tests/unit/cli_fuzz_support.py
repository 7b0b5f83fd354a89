"""Files and checks of the CLI fuzz test: small real samples, their mutations, what a run left.

The samples are cuts of ../shared/data (see /work/shared/data/PROVENANCE.md): WITS 2009
(semicolon CSV), the BACI HS92 2021 sample with its country table, the Kazakh monthly export
table, a Comtrade-API-format JSON of the WITS KAZ-PAK rows, and a tidy CSV of the demo flows.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import io
import json
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import strategies as st

from forecasting.cli import main
from tests.conftest import shared_file


@dataclass(frozen=True)
class Sample:
    """One real file to mutate: its name, bytes, source format and the flags it needs."""

    source: str
    name: str
    body: bytes
    flags: tuple[str, ...] = ()


def _head(relative: str, lines: int) -> bytes:
    text = shared_file(relative).read_text(encoding="utf-8")
    return ("\n".join(text.splitlines()[:lines]) + "\n").encode("utf-8")


def _comtrade_json(wits: Path) -> bytes:
    """The WITS 2009 KAZ-PAK rows in the Comtrade API's JSON layout (thousand USD -> USD)."""
    records = []
    for line in wits.read_text(encoding="utf-8").splitlines()[1:]:
        _, reporter, _, reporter_name, partner, partner_name, year, flow, _, value = line.split(";")
        if {reporter, partner} != {"KAZ", "PAK"}:
            continue
        records.append(
            {
                "typeCode": "C", "freqCode": "A", "refPeriodId": int(f"{year}0101"), "refYear": int(year),
                "refMonth": 52, "period": year, "reporterCode": {"KAZ": 398, "PAK": 586}[reporter],
                "reporterISO": reporter, "reporterDesc": reporter_name, "flowCode": flow[0],
                "flowDesc": flow, "partnerCode": {"KAZ": 398, "PAK": 586}[partner],
                "partnerISO": partner, "partnerDesc": partner_name, "partner2Code": 0,
                "classificationCode": "H3", "cmdCode": "TOTAL", "cmdDesc": "All Commodities",
                "aggrLevel": 0, "isLeaf": False, "customsCode": "C00", "mosCode": "0", "motCode": 0,
                "qtyUnitCode": -1, "qtyUnitAbbr": "N/A", "qty": None, "isQtyEstimated": False,
                "netWgt": None, "cifvalue": None, "fobvalue": None,
                "primaryValue": float(value) * 1000, "isReported": True, "isAggregate": True,
            }
        )  # fmt: skip
    payload = {"elapsedTime": "0.4 secs", "count": len(records), "data": records, "error": ""}
    return json.dumps(payload).encode("utf-8")


def _small_tidy() -> bytes:
    """A tidy CSV of the demo flows between four countries, one commodity, 2008-2025."""
    from forecasting.data import load_demo_flows

    flows = load_demo_flows()
    keep = ["KAZ", "PAK", "CHN", "RUS"]
    small = flows[
        flows.reporter.isin(keep)
        & flows.partner.isin(keep)
        & (flows.commodity == "other")
        & (flows.period.dt.year >= 2008)
    ]
    return small.drop(columns=["source"]).to_csv(index=False).encode("utf-8")


@pytest.fixture(scope="module")
def samples(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Sample]:
    codes = tmp_path_factory.mktemp("codes") / "country_codes_V202201.csv"
    shutil.copy(shared_file("baci_iops_afg_zaf/country_codes_V202201.csv"), codes)
    wits = shared_file("wits2009_grasland/WITS_trade2009.csv")
    return {
        "wits": Sample("wits", "WITS_trade2009.csv", _head("wits2009_grasland/WITS_trade2009.csv", 80)),
        "baci": Sample(
            "baci",
            "BACI_HS92_Y2021_V202301.csv",
            _head("baci_iops_afg_zaf/ExampleTradeData.csv", 80),
            ("--country-codes", str(codes)),
        ),
        "comtrade": Sample("comtrade", "kaz_pak_2009.json", _comtrade_json(wits)),
        "kz_stat": Sample(
            "kz_stat", "exports.csv", shared_file("kz_bns_monthly_trade/exports.csv").read_bytes()
        ),
        "tidy": Sample("tidy", "flows.csv", _small_tidy()),
    }


# ---- mutations of a file's bytes -------------------------------------------------------------


def _separator(header: str) -> str:
    return ";" if header.count(";") > header.count(",") else ","


def _columns_mutated(body: bytes, how: str, which: int, new_name: str) -> bytes:
    """Drop, rename or duplicate one column (one key of every record in a JSON file)."""
    text = body.decode("utf-8")
    if text.lstrip().startswith("{"):
        payload = json.loads(text)
        for record in payload["data"]:
            key = sorted(record)[which % len(record)]
            if how == "drop":
                record.pop(key)
            elif how == "rename":
                record[new_name] = record.pop(key)
            else:  # a JSON object cannot hold a key twice: write it as its lower-case twin
                record[key.lower() + "_"] = record[key]
        return json.dumps(payload).encode("utf-8")
    lines = text.splitlines()
    sep = _separator(lines[0])
    rows = [line.split(sep) for line in lines]
    column = which % len(rows[0])
    out = []
    for number, row in enumerate(rows):
        cells = list(row)
        if column < len(cells):
            if how == "drop":
                cells.pop(column)
            elif how == "rename" and number == 0:
                cells[column] = new_name
            elif how == "duplicate":
                cells.append(cells[column])
        out.append(sep.join(cells))
    return ("\n".join(out) + "\n").encode("utf-8")


def _text_in_numbers(body: bytes, row: int, junk: str) -> bytes:
    """Replace the last digit run of one data line by ``junk``."""
    lines = body.decode("utf-8").splitlines()
    if len(lines) < 2:
        return body
    index = 1 + row % (len(lines) - 1)
    line = lines[index]
    end = max((i for i, c in enumerate(line) if c.isdigit()), default=-1)
    if end >= 0:
        start = end
        while start > 0 and (line[start - 1].isdigit() or line[start - 1] == "."):
            start -= 1
        lines[index] = line[:start] + junk + line[end + 1 :]
    return ("\n".join(lines) + "\n").encode("utf-8")


MUTATIONS = (
    "none",
    "truncate",
    "drop",
    "rename",
    "duplicate",
    "text",
    "encoding",
    "empty",
    "header only",
    "separator",
    "gzip",
    "gzip cut",
)


@st.composite
def mutated(draw: st.DrawFn, samples: dict[str, Sample]) -> tuple[Sample, str, bytes]:
    """A sample, the mutation applied and the mutated bytes."""
    sample = samples[draw(st.sampled_from(sorted(samples)))]
    how = draw(st.sampled_from(MUTATIONS))
    body, name = sample.body, sample.name
    if how == "truncate":
        body = body[: draw(st.integers(1, len(body) - 1))]
    elif how in ("drop", "rename", "duplicate"):
        new_name = draw(st.sampled_from(["Year", "value", "reporter", "Réporter", "", "partner"]))
        body = _columns_mutated(body, how, draw(st.integers(0, 30)), new_name)
    elif how == "text":
        body = _text_in_numbers(
            body, draw(st.integers(0, 200)), draw(st.sampled_from(["n/a", "1,2.3", "—", "1e999"]))
        )
    elif how == "encoding":
        codec = draw(st.sampled_from(["utf-16", "latin-1", "cp1251"]))
        text = body.decode("utf-8").replace("Kazakhstan", "Qazaqstan Respublikasy Казахстан", 1)
        body = text.encode(codec, errors="replace")
    elif how == "empty":
        body = b""
    elif how == "header only":
        body = body.split(b"\n", 1)[0] + b"\n"
    elif how == "separator":
        swap = draw(st.sampled_from([(b",", b";"), (b";", b","), (b",", b"\t"), (b";", b"|")]))
        body = body.replace(*swap)
    elif how in ("gzip", "gzip cut"):
        body, name = gzip.compress(body, mtime=0), name + ".gz"
        if how == "gzip cut":
            body = body[: len(body) // 2]
    return Sample(sample.source, name, body, sample.flags), how, body


# ---- running the command and checking what it left ----------------------------------------------


def run(argv: list[str]) -> tuple[int, str, str]:
    """``main(argv)``: the exit status, stdout and stderr; any exception but SystemExit fails."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(argv)
        except SystemExit as exit_:
            code = exit_.code if isinstance(exit_.code, int) else 2
    printed, errors = out.getvalue(), err.getvalue()
    assert "Traceback" not in errors and "Traceback" not in printed, (argv, errors)
    assert code in (0, 2), (argv, code, errors)
    if code == 2:
        assert "error: " in errors, (argv, errors)
    return code, printed, errors


def snapshot(path: Path) -> dict[str, str] | str | None:
    """What ``path`` holds: None if missing, a file's digest, or a folder's files and digests."""
    if not path.exists():
        return None
    if path.is_file():
        return hashlib.sha256(path.read_bytes()).hexdigest()
    return {
        str(p.relative_to(path)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(path.rglob("*"))
        if p.is_file()
    }


def assert_complete_report(out: Path) -> None:
    """The folder's manifest lists every file in it, each with the digest the file has."""
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    listed = manifest["artefacts"]
    held = snapshot(out)
    assert isinstance(held, dict)
    for relative, entry in listed.items():
        assert held.get(relative) == entry["sha256"], relative
    assert set(held) - set(listed) == {"manifest.json"}


def _previous_report(folder: Path) -> None:
    """A small folder the CLI takes for an earlier report (a manifest of this package)."""
    folder.mkdir()
    (folder / "tables").mkdir()
    table = folder / "tables" / "turnover.csv"
    table.write_text("scenario,mean\nbaseline,1\n")
    digest = hashlib.sha256(table.read_bytes()).hexdigest()
    manifest = {"generator": "forecasting.report", "artefacts": {"tables/turnover.csv": {"sha256": digest}}}
    (folder / "manifest.json").write_text(json.dumps(manifest))


OUT_KINDS = ("new", "file", "foreign folder", "previous report")


def prepare_out(kind: str, where: Path) -> Path:
    out = where / "out"
    if kind == "file":
        out.write_text("not a folder")
    elif kind == "foreign folder":
        out.mkdir()
        (out / "thesis.docx").write_text("precious")
    elif kind == "previous report":
        _previous_report(out)
    return out


@contextlib.contextmanager
def scratch() -> Iterator[Path]:
    folder = Path(tempfile.mkdtemp(prefix="cli-fuzz-"))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def write(where: Path, sample: Sample) -> Path:
    path = where / sample.name
    path.write_bytes(sample.body)
    return path
