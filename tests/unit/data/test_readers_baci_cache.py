"""The Parquet copy of BACI files: made on the first scan, reused, rebuilt when the file changes."""

from __future__ import annotations

import json
import os

import numpy as np
import pandas as pd
import pytest

from forecasting.data.readers import scan_baci
from forecasting.data.readers.baci_store import MANIFEST
from forecasting.errors import ForecastingWarning, ReaderError

HEADER = '"t","i","j","k","v","q"\n'


def write_release(path, rows: int, seed: int = 5, years=(2020, 2021)) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "t": rng.choice(years, rows),
            "i": rng.choice([4, 398, 586, 860, 156], rows),
            "j": rng.choice([643, 842, 251, 699], rows),
            "k": rng.choice([10121, 270900, 520100, 300490], rows),
        }
    ).drop_duplicates(ignore_index=True)
    frame["v"] = np.round(rng.gamma(0.5, 100.0, len(frame)), 3)
    frame["q"] = [
        f"{x:>12.3f}" if n % 5 else "          NA" for n, x in enumerate(rng.gamma(0.5, 9.0, len(frame)))
    ]
    path.write_text(HEADER + "".join(f'{r.t},{r.i},{r.j},{r.k},{r.v},"{r.q}"\n' for r in frame.itertuples()))
    return frame


def copies(cache):
    return sorted(p for p in cache.iterdir() if (p / MANIFEST).exists())


@pytest.fixture
def release(tmp_path):
    path = tmp_path / "BACI_HS17_V202401.csv"
    return path, write_release(path, 400), tmp_path / "cache"


def test_first_scan_makes_a_year_partitioned_copy_later_scans_read_it(release):
    path, frame, cache = release
    direct = scan_baci(path, exporters=["KAZ", "AFG"], cache=False)
    first = scan_baci(path, exporters=["KAZ", "AFG"], cache=cache)
    [copy] = copies(cache)
    assert sorted(p.name for p in copy.iterdir() if p.is_dir()) == ["t=2020", "t=2021"]
    manifest = json.loads((copy / MANIFEST).read_text())
    assert manifest["rows"] == len(frame) and manifest["source"] == path.name
    again = scan_baci(path, exporters=["KAZ", "AFG"], cache=cache)
    assert first.attrs["read_from"][path.name].startswith("parquet copy")
    assert direct.attrs["read_from"][path.name] == "csv (cache=False)"
    pd.testing.assert_frame_equal(first, direct)
    pd.testing.assert_frame_equal(again, direct)
    assert len(direct) == int(frame["i"].isin([398, 4]).sum()) > 0


def test_a_changed_file_is_converted_again_a_touched_one_is_not(release):
    path, _, cache = release
    scan_baci(path, cache=cache)
    [copy] = copies(cache)
    stamp = (copy / MANIFEST).stat().st_mtime_ns
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 5_000_000_000))
    scan_baci(path, cache=cache)  # same bytes: the digest matches, the copy is reused
    assert copies(cache) == [copy] and (copy / MANIFEST).stat().st_mtime_ns == stamp
    frame = write_release(path, 300, seed=9)
    got = scan_baci(path, cache=cache)
    assert len(copies(cache)) == 2 and len(got) == len(frame)
    assert got["value_usd"].sum() == pytest.approx(frame["v"].sum() * 1000, rel=1e-12)


def test_a_copy_without_its_manifest_is_never_used(release):
    # an interrupted conversion leaves no manifest: the folder is rebuilt, not read
    path, frame, cache = release
    scan_baci(path, cache=cache)
    [copy] = copies(cache)
    (copy / MANIFEST).unlink()
    for part in copy.rglob("*.parquet"):
        part.write_bytes(b"not parquet")
    got = scan_baci(path, cache=cache)
    assert len(got) == len(frame) and copies(cache) == [copy]


def test_an_unwritable_cache_falls_back_to_the_csv_loudly(release, tmp_path):
    path, frame, _ = release
    blocker = tmp_path / "file-not-folder"
    blocker.write_text("x")
    with pytest.warns(ForecastingWarning, match="Parquet cache could not be written"):
        got = scan_baci(path, cache=blocker / "cache")
    assert len(got) == len(frame)
    assert got.attrs["read_from"][path.name].startswith("csv (the Parquet cache could not be written")


def test_the_cache_follows_forecasting_cache(release, tmp_path, monkeypatch):
    path, frame, _ = release
    monkeypatch.setenv("FORECASTING_CACHE", str(tmp_path / "env-cache"))
    assert len(scan_baci(path)) == len(frame)
    assert len(copies(tmp_path / "env-cache" / "baci-parquet")) == 1


def test_a_parquet_dataset_folder_is_read(release):
    path, frame, cache = release
    scan_baci(path, cache=cache)
    [copy] = copies(cache)
    got = scan_baci(copy, years=[2021], classification="HS17")
    assert got.attrs["read_from"][copy.name] == "parquet"
    assert len(got) == int((frame["t"] == 2021).sum()) > 0


def test_an_empty_country_table_is_an_error_not_an_empty_data_file(release):
    path, _, cache = release
    (path.parent / "country_codes_V202401.csv").write_text("country_code,iso_3digit_alpha\n")
    with pytest.raises(
        ReaderError, match=r"country_codes_V202401.csv: has a header .* \(the BACI country table"
    ):
        scan_baci([path, path.with_name("BACI_HS17_copy.csv")], cache=cache)
