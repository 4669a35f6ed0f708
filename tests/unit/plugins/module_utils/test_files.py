from __future__ import annotations

import os
import stat

import pytest

from ansible_collections.beowulf.slurm.plugins.module_utils.files import atomic_write


class FakeModule:
    """Only what atomic_write uses: atomic_move (a rename) and fail_json."""

    def atomic_move(self, src: str, dest: str) -> None:
        os.rename(src, dest)

    def fail_json(self, msg: str) -> None:
        raise RuntimeError(msg)


def test_writes_the_whole_file_with_its_mode_and_leaves_no_temporary(tmp_path):
    path = tmp_path / "munge.key"
    atomic_write(FakeModule(), str(path), b"secret", 0o400)
    assert path.read_bytes() == b"secret" and stat.S_IMODE(path.stat().st_mode) == 0o400
    assert [p.name for p in tmp_path.iterdir()] == ["munge.key"]


def test_a_missing_directory_is_named_with_the_hint(tmp_path):
    with pytest.raises(RuntimeError, match=r"directory .*/nope does not exist \(is munge installed\?\)"):
        atomic_write(FakeModule(), str(tmp_path / "nope" / "munge.key"), b"x", 0o400, "is munge installed?")


def test_a_failed_rename_leaves_the_old_file_and_no_temporary(tmp_path):
    class Failing(FakeModule):
        def atomic_move(self, src: str, dest: str) -> None:
            raise OSError("disk full")

    path = tmp_path / "slurm.conf"
    path.write_text("old")
    with pytest.raises(OSError):
        atomic_write(Failing(), str(path), b"new", 0o644)
    assert path.read_text() == "old" and [p.name for p in tmp_path.iterdir()] == ["slurm.conf"]
