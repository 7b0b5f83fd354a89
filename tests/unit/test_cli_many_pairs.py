"""`forecasting outlook` for many pairs: --pair several times or --pairs FILE, a report folder each, an index."""

from __future__ import annotations

import json
import time

import pandas as pd
import pytest

from forecasting.cli import build_parser, main
from forecasting.cli.outlook_many import read_pairs_file, requested_pairs, write_index
from forecasting.errors import SchemaError
from forecasting.projection.many_result import PairFailure, PairOutlooks


def test_pair_is_repeatable_and_one_pair_stays_one_pair():
    parse = build_parser().parse_args
    assert parse(["outlook", "--pair", "UZB", "PAK"]).pair == [["UZB", "PAK"]]
    both = parse(["outlook", "--pair", "KAZ", "PAK", "--pair", "UZB", "PAK"])
    assert both.pair == [["KAZ", "PAK"], ["UZB", "PAK"]] and both.pairs is None and both.workers == 1
    assert parse(["outlook"]).pair is None


def test_pairs_files_in_csv_and_toml(tmp_path):
    csv = tmp_path / "pairs.csv"
    csv.write_text("reporter, partner, note\nKAZ, PAK, first\nUZB,PAK,\n", encoding="utf-8")
    assert read_pairs_file(csv) == [("KAZ", "PAK"), ("UZB", "PAK")]
    toml = tmp_path / "pairs.toml"
    toml.write_text('pairs = [["KGZ", "PAK"], ["TJK", "PAK"]]\n', encoding="utf-8")
    assert read_pairs_file(toml) == [("KGZ", "PAK"), ("TJK", "PAK")]
    assert requested_pairs([["KAZ", "PAK"]], toml) == (("KAZ", "PAK"), ("KGZ", "PAK"), ("TJK", "PAK"))


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("pairs.csv", "exporter,partner\nKAZ,PAK\n", "lacks column\\(s\\) 'reporter'"),
        ("pairs.csv", "reporter,partner\nKAZ,PAK\nUZB,\n", "line\\(s\\) 3 lack a reporter or a partner"),
        ("pairs.csv", "", "cannot be read as CSV"),
        ("pairs.toml", "pair = [['KAZ', 'PAK']]\n", "needs a list pairs ="),
        ("pairs.toml", "pairs = [[", "is not valid TOML"),
        ("pairs.txt", "KAZ PAK\n", "use a .csv"),
    ],
)
def test_a_bad_pairs_file_is_refused_naming_what_is_wrong(tmp_path, name, text, message):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SchemaError, match=message):  # a ReaderError, or the missing-column check
        read_pairs_file(path)


def test_a_pair_given_on_the_command_line_and_in_the_file_is_a_repeat(tmp_path):
    toml = tmp_path / "pairs.toml"
    toml.write_text('pairs = [["PAK", "KAZ"], ["UZB", "PAK", "AFG"]]\n', encoding="utf-8")
    with pytest.raises(SchemaError) as caught:
        requested_pairs([["KAZ", "PAK"]], toml)
    assert "'PAK-KAZ' repeat(s) an earlier pair" in str(caught.value)
    assert "('UZB', 'PAK', 'AFG')" in str(caught.value)


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--pair", "KAZ", "PAK", "--pair", "KAZ", "PAK"], "'KAZ-PAK' repeat(s) an earlier pair"),
        (["--pairs", "missing.csv"], "pairs file missing.csv does not exist"),
        (["--pair", "KAZ", "PAK", "--workers", "2"], "--workers and --scheduler run many pairs"),
        (["--pair", "KAZ", "PAK", "--pair", "UZB", "PAK", "--workers", "0"], "--workers takes a number"),
        (["--pair", "KAZ", "PAK", "--pair", "UZB", "PAK", "--source", "tidy", "--data", "x.csv"], None),
    ],
)
def test_bad_arguments_fail_fast_with_exit_two_and_write_nothing(
    tmp_path, monkeypatch, capsys, extra, message
):
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "out"
    started = time.perf_counter()
    try:
        code = main(["outlook", *extra, "--out", str(out)])
    except SystemExit as refused_by_argparse:  # a flag's type check (e.g. --data of a missing file)
        code = refused_by_argparse.code
    assert code == 2 and time.perf_counter() - started < 2
    err = capsys.readouterr().err
    assert "error: " in err and (message is None or message in err or pytest.fail(err))
    assert not out.exists()


def test_an_out_folder_that_is_not_ours_is_refused_before_any_work(tmp_path, capsys):
    out = tmp_path / "out"
    out.mkdir()
    (out / "thesis.docx").write_text("precious", encoding="utf-8")
    assert main(["outlook", "--pair", "KAZ", "PAK", "--pair", "UZB", "PAK", "--out", str(out)]) == 2
    assert "holds files that are not a many-pairs outlook" in capsys.readouterr().err
    assert [p.name for p in out.iterdir()] == ["thesis.docx"]


def test_the_index_lists_every_pair_with_its_report_or_why_it_has_none(tmp_path, outlook):
    failure = PairFailure(("KAZ", "PAQ"), "absent from the data", "'PAQ' not in the data")
    outlooks = PairOutlooks(
        (("KAZ", "PAK"), ("KAZ", "PAQ")), {("KAZ", "PAK"): outlook}, {failure.pair: failure}
    )
    page = write_index(tmp_path, outlooks, {("KAZ", "PAK"): tmp_path / "KAZ-PAK" / "report.html"})
    reports = pd.read_csv(tmp_path / "reports.csv", keep_default_na=False)
    assert reports.to_dict("records") == [
        {"pair": "KAZ-PAK", "status": "ok", "report": "KAZ-PAK/report.html", "error": ""},
        {"pair": "KAZ-PAQ", "status": "failed", "report": "", "error": str(failure)},
    ]
    index = pd.read_csv(tmp_path / "index.csv")
    assert index.pair.unique().tolist() == ["KAZ-PAK"] and len(index) == outlook.turnover.scenario.nunique()
    text = page.read_text(encoding="utf-8")
    assert '<a href="KAZ-PAK/report.html">KAZ-PAK</a>' in text and "KAZ-PAQ: no report" in text
    assert "DEMONSTRATION DATA" in text


@pytest.mark.dask
@pytest.mark.slow
def test_many_pairs_on_two_local_workers_write_a_folder_each_and_an_index(tmp_path, capsys):
    pairs = tmp_path / "pairs.csv"
    pairs.write_text("reporter,partner\nUZB,PAK\nKAZ,PAQ\n", encoding="utf-8")
    out = tmp_path / "many"
    args = ["outlook", "--pair", "KAZ", "PAK", "--pairs", str(pairs), "--workers", "2", "--draws", "40"]
    code = main(
        [*args, "--horizon", "2027", "--scenarios", _one_scenario(tmp_path), "--out", str(out), "--no-report"]
    )
    printed = capsys.readouterr().out
    assert code == 2  # KAZ-PAQ is absent from the data: the others still ran, the command says so
    assert "run on a local Dask cluster of 2 worker processes" in printed and "failed: KAZ-PAQ" in printed
    assert sorted(p.name for p in out.iterdir()) == [
        "KAZ-PAK",
        "UZB-PAK",
        "index.csv",
        "index.html",
        "reports.csv",
    ]
    index = pd.read_csv(out / "index.csv")
    for label in ("KAZ-PAK", "UZB-PAK"):
        manifest = json.loads((out / label / "manifest.json").read_text(encoding="utf-8"))
        assert manifest["settings"]["pair"] == label.split("-")
        turnover = pd.read_parquet(out / label / "data" / "turnover.parquet")
        mine = turnover[(turnover.level == 80) & (turnover.period.dt.year == 2027)].set_index("scenario")[
            "mean_usd"  # the Parquet copies name their unit (forecasting.report.writers.PARQUET_NAMES)
        ]
        listed = index[index.pair == label].set_index("scenario").turnover_usd
        pd.testing.assert_series_equal(listed.sort_index(), mine.sort_index(), check_names=False)
    assert pd.read_csv(out / "reports.csv").status.tolist() == ["ok", "ok", "failed"]


def _one_scenario(tmp_path) -> str:
    from forecasting.scenarios import builtin_corridors, write_scenarios

    path = tmp_path / "scenarios.toml"
    write_scenarios({"trans_afghan_railway": builtin_corridors()["trans_afghan_railway"]}, path)
    return str(path)
