from __future__ import annotations

import grp
import os
import pwd
import stat

from ansible_collections.beowulf.slurm.plugins.modules import file_set


def names() -> dict:
    return {"owner": pwd.getpwuid(os.getuid()).pw_name, "group": grp.getgrgid(os.getgid()).gr_name}


def paths(tmp_path, content="CgroupPlugin=autodetect\n") -> list:
    return [dict(path=str(tmp_path / "log"), state="directory", mode="0755", **names()),
            dict(path=str(tmp_path / "cgroup.conf"), content=content, mode="0644", **names())]


def test_one_run_makes_everything_then_changes_nothing(run_module, tmp_path):
    first = run_module(file_set, paths=paths(tmp_path))
    assert first["changed"] is True
    assert first["changed_paths"] == [str(tmp_path / "log"), str(tmp_path / "cgroup.conf")]
    assert (tmp_path / "cgroup.conf").read_text() == "CgroupPlugin=autodetect\n"
    assert stat.S_IMODE((tmp_path / "log").stat().st_mode) == 0o755
    again = run_module(file_set, paths=paths(tmp_path))
    assert again["changed"] is False and again["changed_paths"] == []


def test_only_what_changed_is_listed_with_what_differed(run_module, tmp_path):
    run_module(file_set, paths=paths(tmp_path))
    result = run_module(file_set, paths=paths(tmp_path, "CgroupPlugin=cgroup/v2\n"), _ansible_diff=True)
    assert result["changed_paths"] == [str(tmp_path / "cgroup.conf")]
    assert result["changes"] == {str(tmp_path / "cgroup.conf"): ["content"]}
    assert result["diff"][0]["before"] == "CgroupPlugin=autodetect\n"
    assert result["diff"][0]["after"] == "CgroupPlugin=cgroup/v2\n"


def test_check_mode_reports_without_touching_the_disk(run_module, tmp_path):
    result = run_module(file_set, paths=paths(tmp_path), _ansible_check_mode=True)
    assert result["changed"] is True and len(result["changed_paths"]) == 2
    assert list(tmp_path.iterdir()) == []


def test_an_unknown_user_is_named_and_nothing_after_it_is_done(run_module, tmp_path):
    entries = paths(tmp_path)
    entries[0]["owner"] = "no-such-user-beowulf"
    result = run_module(file_set, paths=entries)
    assert result["failed"] is True
    assert result["msg"] == "%s: no user named no-such-user-beowulf on this host" % (tmp_path / "log")
    assert list(tmp_path.iterdir()) == []


def test_a_number_for_a_mode_is_refused_by_name(run_module, tmp_path):
    entries = paths(tmp_path)
    entries[1]["mode"] = 420
    result = run_module(file_set, paths=entries)
    assert result["failed"] is True and result["msg"].startswith("paths[1].mode must be an octal string")
    assert list(tmp_path.iterdir()) == []


def test_a_numeric_owner_needs_no_user_of_that_name(run_module, tmp_path):
    entry = dict(path=str(tmp_path / "alice"), state="directory", mode="0750", owner=str(os.getuid()),
                 group=str(os.getgid()))
    first = run_module(file_set, paths=[entry])
    assert first["changed"] is True and (tmp_path / "alice").stat().st_uid == os.getuid()
    assert run_module(file_set, paths=[entry])["changed"] is False


def test_a_line_of_our_own_joins_a_users_file_once_and_leaves_again(run_module, tmp_path):
    keys = tmp_path / "authorized_keys"
    keys.write_text("ssh-ed25519 AAAA user@laptop\n")
    os.chmod(keys, 0o600)
    ours = dict(path=str(keys), line="ssh-ed25519 BBBB beowulf-slurm-power", line_match=" beowulf-slurm-power$",
                mode="0600", **names())
    first = run_module(file_set, paths=[ours])
    assert first["changed_paths"] == [str(keys)]
    assert keys.read_text() == "ssh-ed25519 AAAA user@laptop\nssh-ed25519 BBBB beowulf-slurm-power\n"
    assert run_module(file_set, paths=[ours])["changed"] is False
    gone = dict(ours, line=None)
    assert run_module(file_set, paths=[gone])["changed"] is True
    assert keys.read_text() == "ssh-ed25519 AAAA user@laptop\n"
    missing = dict(gone, path=str(tmp_path / "none"))
    assert run_module(file_set, paths=[missing])["changed"] is False and not (tmp_path / "none").exists()


def test_append_false_changes_a_line_that_is_there_and_leaves_other_files_alone(run_module, tmp_path):
    params = tmp_path / "openmpi-mca-params.conf"
    params.write_text("# site settings\nbtl_tcp_if_include = lo\n")
    os.chmod(params, 0o644)
    entry = dict(path=str(params), line="# btl_tcp_if_include=lo (disabled)", append=False,
                 line_match=r"^\s*btl_tcp_if_include\s*=\s*lo\s*$", mode="0644", **names())
    assert run_module(file_set, paths=[entry])["changed"] is True
    assert params.read_text() == "# site settings\n# btl_tcp_if_include=lo (disabled)\n"
    assert run_module(file_set, paths=[entry])["changed"] is False
    other = tmp_path / "other.conf"
    other.write_text("mine")
    os.chmod(other, 0o644)
    assert run_module(file_set, paths=[dict(entry, path=str(other))])["changed"] is False
    assert other.read_text() == "mine"
    assert run_module(file_set, paths=[dict(entry, path=str(tmp_path / "none"))])["changed"] is False
    assert not (tmp_path / "none").exists()


def test_paths_of_a_wrong_type_is_refused_by_name(run_module, tmp_path):
    for paths in (str(tmp_path / "log"), [str(tmp_path / "log")]):
        result = run_module(file_set, paths=paths)
        assert result["failed"] is True and "'paths'" in result["msg"], result["msg"]
    assert not (tmp_path / "log").exists()
