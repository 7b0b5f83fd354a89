"""`forecasting outlook` writes the whole report folder, and the manifest's checksums match."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pytest

from forecasting.cli import main


def _sha256(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.slow
def test_outlook_command_writes_report_tables_figures_and_manifest(tmp_path, capsys):
    out = tmp_path / "kz-pk-outlook"
    assert main(["outlook", "--draws", "40", "--horizon", "2032", "--out", str(out)]) == 0
    printed, err = capsys.readouterr()
    assert "DEMONSTRATION DATA" in printed and "report:" in printed and "P(>=" in printed
    # the status quo's chance of USD 1 bn by 2032 is 0 of 40 draws: read against real series
    assert "P under 1 %: A chance under 1 % is not an impossibility" in printed
    # The console: each warning once on one line, no Python source line, no kernel chatter.
    assert err.count("DEMONSTRATION DATA") == 1 and "warning: the outlook runs on the bundled" in err
    progress = re.compile(r"[\w .-]+: \d+(/\d+)?( done)? \(\d+ s\)")  # plain lines: stderr is no TTY
    assert all(line.startswith("warning: ") or progress.fullmatch(line) for line in err.splitlines()), err
    assert "sys.exit" not in err and "IPKernelApp" not in err and "\r" not in err
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "DEMONSTRATION DATA" in html and "data:image/png;base64" in html
    assert list((out / "tables").glob("*.csv")) and list((out / "figures").glob("*.png"))
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["package"]["version"] and manifest["created_utc"] and manifest["demo"] is True
    assert "trans_afghan_railway" in manifest["scenarios"]
    assert {"demo_flows", "demo_production", "published_figures"} <= set(manifest["inputs"])
    for entry in manifest["inputs"].values():
        assert _sha256(Path(entry["path"])) == entry["sha256"], entry["path"]
    artefacts = manifest["artefacts"]
    assert "report.html" in artefacts and len(artefacts) > 20
    for relative, entry in artefacts.items():
        assert _sha256(out / relative) == entry["sha256"], relative
