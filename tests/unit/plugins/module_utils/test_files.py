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


# file_set's logic

from ansible_collections.beowulf.slurm.plugins.module_utils.files import (  # noqa: E402
    apply_entry, check_entry, differences, parse_mode)


def me() -> tuple:
    return os.getuid(), os.getgid()


@pytest.mark.parametrize("value", ["0644", "644", "0700", "4755"])
def test_modes_are_octal_strings(value):
    assert parse_mode(value, "paths[0]") == int(value, 8)


@pytest.mark.parametrize("value", [420, 644, "0648", "rw-r--r--", "", None, "07777"])
def test_other_modes_are_refused_by_name(value):
    with pytest.raises(ValueError, match=r"paths\[0\]\.mode must be an octal string"):
        parse_mode(value, "paths[0]")


@pytest.mark.parametrize("entry, words", [
    ("not a dict", r"paths\[2\] must be a dict"),
    ({"path": "etc/x", "mode": "0644", "content": ""}, r"paths\[2\]\.path must be an absolute path"),
    ({"path": "/", "mode": "0644", "state": "directory"}, r"paths\[2\]\.path must be an absolute path"),
    ({"path": "/etc/../x", "mode": "0644", "content": ""}, r"paths\[2\]\.path must be an absolute path"),
    ({"path": "/etc/x", "mode": "0644"}, r"paths\[2\]\.state must be one of directory, file, absent"),
    ({"path": "/etc/x", "state": "file", "content": ""}, r"paths\[2\]\.mode must be an octal string"),
    ({"path": "/etc/x", "state": "absent", "content": ""}, r"paths\[2\]: an absent file has no content"),
    ({"path": "/etc/x", "mode": "0644", "state": "file"}, r"paths\[2\]\.content must be a string"),
    ({"path": "/etc/x", "mode": "0644", "state": "directory", "content": "x"}, r"a directory has no content"),
    ({"path": "/etc/x", "mode": "0644", "content": "", "owner": ""}, r"paths\[2\]\.owner must be a user"),
    ({"path": "/etc/x", "mode": "0644", "content": "", "colour": "red"}, r"unknown field\(s\) colour"),
])
def test_bad_entries_name_the_field(entry, words):
    with pytest.raises(ValueError, match=words):
        check_entry(entry, 2)


def test_a_new_directory_and_file_then_nothing_to_do(tmp_path):
    uid, gid = me()
    directory = check_entry({"path": str(tmp_path / "a" / "b"), "state": "directory", "mode": "0700"}, 0)
    conf = check_entry({"path": str(tmp_path / "a" / "b" / "c.conf"), "content": "x=1\n", "mode": "0640"}, 1)
    assert differences(directory, uid, gid) == ["create"] and differences(conf, uid, gid) == ["create"]
    apply_entry(directory, uid, gid)
    apply_entry(conf, uid, gid)
    assert stat.S_IMODE((tmp_path / "a" / "b").stat().st_mode) == 0o700
    assert stat.S_IMODE((tmp_path / "a").stat().st_mode) == 0o755
    assert (tmp_path / "a" / "b" / "c.conf").read_text() == "x=1\n"
    assert stat.S_IMODE((tmp_path / "a" / "b" / "c.conf").stat().st_mode) == 0o640
    assert differences(directory, uid, gid) == [] and differences(conf, uid, gid) == []
    assert sorted(p.name for p in (tmp_path / "a" / "b").iterdir()) == ["c.conf"]  # no temporary left


def test_content_mode_and_owner_differences_are_named(tmp_path):
    uid, gid = me()
    path = tmp_path / "c.conf"
    path.write_text("old\n")
    os.chmod(path, 0o600)
    entry = check_entry({"path": str(path), "content": "new\n", "mode": "0644"}, 0)
    assert differences(entry, uid, gid) == ["content", "mode"]
    assert differences(entry, uid + 1, gid) == ["content", "owner", "mode"]
    assert differences(entry, None, None) == ["content", "owner", "group", "mode"]  # user not there yet
    apply_entry(entry, uid, gid)
    assert path.read_text() == "new\n" and differences(entry, uid, gid) == []


def test_a_file_where_a_directory_should_be_is_a_type_difference_and_is_not_replaced(tmp_path):
    uid, gid = me()
    (tmp_path / "d").write_text("somebody's file\n")
    entry = check_entry({"path": str(tmp_path / "d"), "state": "directory", "mode": "0755"}, 0)
    assert differences(entry, uid, gid) == ["type"]
    with pytest.raises(OSError):
        apply_entry(entry, uid, gid)
    assert (tmp_path / "d").read_text() == "somebody's file\n"


def test_a_file_in_a_missing_directory_is_named(tmp_path):
    uid, gid = me()
    entry = check_entry({"path": str(tmp_path / "nope" / "c.conf"), "content": "", "mode": "0644"}, 0)
    with pytest.raises(FileNotFoundError, match=r"directory .*/nope does not exist"):
        apply_entry(entry, uid, gid)


def test_an_absent_file_is_removed_once_and_a_directory_never(tmp_path):
    uid, gid = me()
    (tmp_path / "slurm.conf").write_text("left by an earlier run\n")
    gone = check_entry({"path": str(tmp_path / "slurm.conf"), "state": "absent"}, 0)
    assert differences(gone, uid, gid) == ["remove"]
    apply_entry(gone, uid, gid)
    assert not (tmp_path / "slurm.conf").exists() and differences(gone, uid, gid) == []
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "data").write_text("somebody's file\n")
    directory = check_entry({"path": str(tmp_path / "d"), "state": "absent"}, 0)
    assert differences(directory, uid, gid) == ["remove"]
    with pytest.raises(IsADirectoryError, match="removes files only"):
        apply_entry(directory, uid, gid)
    assert (tmp_path / "d" / "data").read_text() == "somebody's file\n"


# file_set's line mode (a key of our own in authorized_keys, every other line kept)

from ansible_collections.beowulf.slurm.plugins.module_utils.files import resolve_lines, with_line  # noqa: E402

OURS = 'restrict,command="/usr/bin/systemctl poweroff" ssh-ed25519 AAAA beowulf-slurm-power'
MATCH = " beowulf-slurm-power$"


def test_a_line_is_appended_to_the_lines_a_user_has():
    assert with_line("ssh-rsa AAA user@laptop\n", OURS, MATCH) == "ssh-rsa AAA user@laptop\n" + OURS + "\n"


def test_a_line_replaces_ours_where_it_is_and_keeps_the_lines_after_it_in_place():
    before = "ssh-rsa A one\nold key beowulf-slurm-power\nssh-rsa B two\n"
    assert with_line(before, OURS, MATCH) == "ssh-rsa A one\n" + OURS + "\nssh-rsa B two\n"
    # the same again changes nothing: a user's key after ours does not move it every run
    after = with_line(before, OURS, MATCH)
    assert with_line(after, OURS, MATCH) == after


def test_a_second_matching_line_is_dropped():
    assert with_line("x beowulf-slurm-power\ny beowulf-slurm-power\n", OURS, MATCH) == OURS + "\n"


def test_without_a_line_the_matching_lines_are_removed_and_a_missing_file_stays_missing():
    assert with_line("a\nx beowulf-slurm-power\nb", None, MATCH) == "a\nb\n"
    assert with_line("x beowulf-slurm-power\n", None, MATCH) == ""
    assert with_line(None, None, MATCH) is None
    assert with_line(None, OURS, MATCH) == OURS + "\n"


MPI = "# btl_tcp_if_include=lo  (disabled)"
MPI_MATCH = r"^\s*btl_tcp_if_include\s*=\s*lo\s*$"


def test_without_append_only_a_matching_line_changes_and_nothing_else_is_touched():
    assert with_line("a = 1\nbtl_tcp_if_include = lo\nb = 2\n", MPI, MPI_MATCH, append=False) == (
        "a = 1\n" + MPI + "\nb = 2\n")
    # no match: the text as it was, byte for byte (no newline added at the end)
    assert with_line("a = 1\nb = 2", MPI, MPI_MATCH, append=False) == "a = 1\nb = 2"
    assert with_line(None, MPI, MPI_MATCH, append=False) is None
    done = with_line("btl_tcp_if_include=lo\n", MPI, MPI_MATCH, append=False)
    assert with_line(done, MPI, MPI_MATCH, append=False) == done == MPI + "\n"


def test_resolve_lines_reads_the_file_and_gives_a_whole_content_entry(tmp_path):
    path = tmp_path / "authorized_keys"
    entry = check_entry({"path": str(path), "line": OURS, "line_match": MATCH, "mode": "0600"}, 0)
    assert entry["state"] == "file"
    assert resolve_lines(entry)["content"] == OURS + "\n"
    path.write_text("mine\n")
    resolved = resolve_lines(entry)
    assert resolved["content"] == "mine\n" + OURS + "\n" and "line" not in resolved and "line_match" not in resolved
    uid, gid = me()
    resolved.update(owner="me", group="me")
    apply_entry(resolved, uid, gid)
    assert path.read_text() == "mine\n" + OURS + "\n" and differences(resolve_lines(entry), uid, gid) in ([], ["owner", "group"])
    removal = check_entry({"path": str(tmp_path / "missing"), "line_match": MATCH, "mode": "0600"}, 1)
    assert resolve_lines(removal) is None


@pytest.mark.parametrize("entry, message", [
    ({"path": "/a", "line": "x", "mode": "0600"}, r"paths\[0\]: line and line_match describe"),
    ({"path": "/a", "line": "x", "line_match": "x", "content": "y", "mode": "0600"}, "without content"),
    ({"path": "/a", "line_match": "x", "state": "directory", "mode": "0700"}, "without content"),
    ({"path": "/a", "line_match": "(", "mode": "0600"}, r"paths\[0\].line_match is not a regular expression"),
    ({"path": "/a", "line_match": 5, "mode": "0600"}, r"paths\[0\].line_match must be a regular expression"),
    ({"path": "/a", "line_match": "x", "line": "two\nlines", "mode": "0600"}, r"paths\[0\].line must be one line"),
    ({"path": "/a", "line_match": "x", "line": "y", "append": "no", "mode": "0600"},
     r"paths\[0\].append must be true or false"),
    ({"path": "/a", "append": False, "mode": "0600"}, r"paths\[0\]: line and line_match describe"),
])
def test_line_fields_are_checked_by_name(entry, message):
    with pytest.raises(ValueError, match=message):
        check_entry(entry, 0)
