"""atomic_directory / replace_directory: a folder is replaced whole, or not at all."""

from __future__ import annotations

import os

import pytest

from forecasting import files
from forecasting.files import atomic_directory, replace_directory


def _tree(folder):
    return {p.relative_to(folder).as_posix(): p.read_text() for p in folder.rglob("*") if p.is_file()}


def _make(folder, **contents):
    folder.mkdir(parents=True)
    for name, text in contents.items():
        (folder / name).write_text(text)
    return folder


def test_a_new_folder_appears_complete_with_the_usual_permissions(tmp_path):
    target = tmp_path / "deep" / "report"
    with atomic_directory(target) as staging:
        assert staging.parent == target.parent and staging.name.startswith(".report.")
        (staging / "sub").mkdir()
        (staging / "sub" / "a.txt").write_text("a")
        assert not target.exists()
    assert _tree(target) == {"sub/a.txt": "a"}
    assert target.stat().st_mode & 0o777 == 0o777 & ~files._current_umask()
    assert sorted(p.name for p in target.parent.iterdir()) == ["report"]


@pytest.mark.parametrize("error", [KeyboardInterrupt, RuntimeError])
def test_an_error_inside_leaves_the_old_folder_and_no_staging(tmp_path, error):
    target = _make(tmp_path / "report", old="old")
    with pytest.raises(error), atomic_directory(target, backup=tmp_path / "report.previous") as staging:
        (staging / "new").write_text("half")
        raise error("stop")
    assert _tree(target) == {"old": "old"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report"]


def test_the_old_folder_goes_to_the_backup_replacing_an_older_one(tmp_path):
    target = _make(tmp_path / "report", v="2")
    _make(tmp_path / "report.previous", v="1")
    with atomic_directory(target, backup=tmp_path / "report.previous") as staging:
        (staging / "v").write_text("3")
    assert _tree(target) == {"v": "3"} and _tree(tmp_path / "report.previous") == {"v": "2"}


def test_without_a_backup_the_old_folder_is_deleted(tmp_path):
    target = _make(tmp_path / "report", v="old")
    with atomic_directory(target) as staging:
        (staging / "v").write_text("new")
    assert _tree(target) == {"v": "new"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report"]


def test_a_failed_second_rename_puts_the_old_folder_back(tmp_path, monkeypatch):
    target = _make(tmp_path / "report", v="old")
    source = _make(tmp_path / "staging", v="new")
    real_rename, calls = os.rename, []

    def second_fails(src, dst):
        calls.append((src, dst))
        if len(calls) == 2:
            raise OSError("disk full")
        return real_rename(src, dst)

    monkeypatch.setattr(files.os, "rename", second_fails)
    with pytest.raises(OSError, match="disk full"):
        replace_directory(source, target, backup=tmp_path / "report.previous")
    assert _tree(target) == {"v": "old"} and _tree(source) == {"v": "new"}
    assert not (tmp_path / "report.previous").exists()


def test_an_empty_target_folder_is_simply_replaced(tmp_path):
    target = tmp_path / "report"
    target.mkdir()
    with atomic_directory(target) as staging:
        (staging / "v").write_text("new")
    assert _tree(target) == {"v": "new"}
