"""Bad flags and bad input on the command line: exit 2, one line naming the flag, before any work.

Issue 18's rows, through the entry point ``forecasting.cli.main``. The outlook's stages are
replaced by tripwires, so each test also proves that the error comes before any estimation
(the timing is measured in benchmarks/bench_cli_errors.py, not asserted here).
"""

from __future__ import annotations

import json

import pytest

from forecasting.cli import main
from forecasting.projection import pipeline


@pytest.fixture
def no_work(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any stage of the outlook starting is a failure: the error must come first."""

    def tripwire(*args, **kwargs):
        raise AssertionError("the outlook started before the flags were checked")

    for name in ("outlook", "prepare_data", "estimate_gravity", "pair_outlook"):
        monkeypatch.setattr(pipeline, name, tripwire)


def refused(capsys: pytest.CaptureFixture[str], argv: list[str]) -> str:
    """Run ``argv``; it must exit 2 with one ``error:`` line and no traceback. Returns the line."""
    code = main(argv)
    out, err = capsys.readouterr()
    assert code == 2, (out, err)
    assert "Traceback" not in err and err.startswith("error: ") and err.count("\n") == 1, err
    return err


@pytest.mark.parametrize("horizon", ["2020", "2025"])
def test_a_horizon_not_after_the_last_data_year(tmp_path, capsys, no_work, horizon):
    err = refused(capsys, ["outlook", "--horizon", horizon, "--out", str(tmp_path / "r")])
    assert f"--horizon {horizon}: the forecast must end after the last data year 2025" in err
    assert "pass --horizon 2035" in err and not (tmp_path / "r").exists()


def test_a_horizon_far_beyond_the_documented_maximum(tmp_path, capsys, no_work):
    err = refused(capsys, ["outlook", "--horizon", "2200", "--out", str(tmp_path / "r")])
    assert "--horizon 2200 is 175 years after the last data year 2025" in err
    assert "at most 25 years ahead" in err and "pass --horizon 2050 or earlier" in err


@pytest.mark.parametrize("draws", ["0", "1", "39", "-5"])
def test_too_few_draws_are_refused_in_the_words_of_the_cli(tmp_path, capsys, no_work, draws):
    err = refused(capsys, ["outlook", "--draws", draws, "--out", str(tmp_path / "r")])
    assert f"--draws {draws} is too few for the 95% interval" in err and "at least 40" in err
    assert "n_paths" not in err and "draws=" not in err


def test_source_without_data_is_refused_not_run_on_the_demo(tmp_path, capsys, no_work):
    err = refused(capsys, ["outlook", "--source", "tidy", "--out", str(tmp_path / "r")])
    assert "--source tidy names the format of --data files, and no --data was given" in err


def test_data_without_source(tmp_path, capsys, no_work):
    flows = tmp_path / "flows.csv"
    flows.write_text("reporter,partner\nKAZ,PAK\n")
    assert "--data needs --source" in refused(capsys, ["outlook", "--data", str(flows)])


def test_out_pointing_at_a_file(tmp_path, capsys, no_work):
    target = tmp_path / "report"
    target.write_text("not a folder")
    err = refused(capsys, ["outlook", "--out", str(target)])
    assert "is a file; give a directory path" in err and target.read_text() == "not a folder"


def test_out_pointing_at_someone_elses_folder(tmp_path, capsys, no_work):
    target = tmp_path / "thesis"
    target.mkdir()
    (target / "chapter1.docx").write_text("precious")
    err = refused(capsys, ["outlook", "--out", str(target)])
    assert "holds no report manifest ('chapter1.docx')" in err
    assert [p.name for p in target.iterdir()] == ["chapter1.docx"]


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["--pair", "KAZ", "KAZ"], "--pair KAZ KAZ: give two different countries"),
        (["--pair", "KAZ", "PAK", "--pair", "PAK", "KAZ"], "'PAK-KAZ' repeat(s) an earlier pair"),
    ],
)
def test_pair_checks(tmp_path, capsys, no_work, argv, expected):
    assert expected in refused(capsys, ["outlook", *argv, "--out", str(tmp_path / "r")])


def test_reader_flags_that_do_not_fit_the_source(tmp_path, capsys, no_work):
    flows = tmp_path / "BACI_HS17_Y2021_V202401.csv"
    flows.write_text('"t","i","j","k","v","q"\n2021,398,586,520100,1.5,"  1.000"\n')
    err = refused(capsys, ["outlook", "--data", str(flows), "--source", "baci", "--encoding", "latin-1"])
    assert "--encoding applies to --source comtrade or wits or kz_stat or tidy, not to baci files" in err
    err = refused(capsys, ["read", str(flows), "--source", "baci", "--columns", "i=reporter"])
    assert "--columns applies to --source tidy" in err
    err = refused(capsys, ["outlook", "--columns", "Year=period", "--out", str(tmp_path / "r")])
    assert "--columns: these describe --data files" in err


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["outlook", "--pair", "kz", "PAK"], "'kz' is not an ISO3 country code"),
        (["outlook", "--mirror-rule", "imp"], "invalid choice: 'imp' (choose from 'importer'"),
        (["outlook", "--horizon", "soon"], "'soon' is not a year"),
        (["outlook", "--draws", "many"], "'many' is not a whole number"),
        (["outlook", "--data", "absent.csv", "--source", "tidy"], "absent.csv: no such file or folder"),
        (["outlook", "--encoding", "klingon"], "unknown encoding 'klingon'"),
        (["outlook", "--columns", "Year"], "'Year': give OLD=NEW"),
        (["scenarios", "--file", "absent.toml"], "absent.toml: no such file"),
    ],
)
def test_argparse_errors_exit_two_with_usage(capsys, no_work, argv, expected):
    with pytest.raises(SystemExit) as info:
        main(argv)
    err = capsys.readouterr().err
    assert info.value.code == 2 and expected in err and "Traceback" not in err


def test_a_tidy_csv_with_a_header_and_no_rows(tmp_path, capsys, no_work):
    empty = tmp_path / "flows.csv"
    empty.write_text("reporter,partner,flow,period,commodity,value_usd\n")
    for argv in (
        ["outlook", "--data", str(empty), "--source", "tidy"],
        ["read", str(empty), "--source", "tidy"],
    ):
        assert (
            "has a header (reporter, partner, flow, period, commodity, value_usd) but no data rows"
            in refused(capsys, argv)
        )


def test_an_empty_comtrade_response(tmp_path, capsys, no_work):
    empty = tmp_path / "kaz_pak.json"
    empty.write_text(json.dumps({"count": 0, "data": [], "error": ""}))
    err = refused(
        capsys, ["outlook", "--data", str(empty), "--source", "comtrade", "--out", str(tmp_path / "r")]
    )
    assert "holds no records ('data' is empty)" in err and not (tmp_path / "r").exists()


def test_a_real_baci_file_without_the_pair(tmp_path, capsys, no_work, shared_data):
    sample = shared_data / "baci_iops_afg_zaf"
    lines = (sample / "ExampleTradeData.csv").read_text().splitlines()[:3000]  # AFG's rows: no KAZ-PAK trade
    extract = tmp_path / "BACI_HS92_Y2021_V202301.csv"
    extract.write_text("\n".join(lines) + "\n")
    codes = sample / "country_codes_V202201.csv"
    argv = ["outlook", "--data", str(extract), "--source", "baci", "--country-codes", str(codes)]
    err = refused(capsys, [*argv, "--horizon", "2030", "--out", str(tmp_path / "r")])
    assert "--pair KAZ PAK: the data hold no trade between KAZ and PAK" in err
    assert "1 reporters ('AFG')" in err and not (tmp_path / "r").exists()


def test_library_messages_name_the_flags_on_the_command_line(tmp_path, capsys, no_work):
    baci = tmp_path / "extract.csv"  # no HS revision in the name: the reader asks for it
    baci.write_text('"t","i","j","k","v","q"\n2021,398,586,520100,1.5,"  1.000"\n')
    err = refused(capsys, ["read", str(baci), "--source", "baci"])
    assert "pass --classification HS1992" in err and "classification=" not in err
