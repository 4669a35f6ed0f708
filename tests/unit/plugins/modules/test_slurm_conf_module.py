from __future__ import annotations

import os
import stat

from ansible_collections.beowulf.slurm.plugins.modules import slurm_conf

OLD = "ClusterName=beowulf\nNodeName=node1 CPUs=8\nPartitionName=main Nodes=node1\n"
POWER = "SuspendProgram=/usr/local/sbin/beowulf-suspend\nResumeProgram=/usr/local/sbin/beowulf-resume\n"


def test_first_write_starts_both_then_nothing(run_module, tmp_path):
    path = tmp_path / "slurm.conf"
    first = run_module(slurm_conf, path=str(path), content=OLD, version="22.05.8")
    assert first["changed"] is True and first["restart"] == ["slurmctld", "slurmd"]
    assert path.read_text() == OLD and stat.S_IMODE(path.stat().st_mode) == 0o644
    (tmp_path / "slurm.conf.beowulf-pending").unlink()  # the role's last handler, after the restarts
    again = run_module(slurm_conf, path=str(path), content=OLD, version="22.05.8")
    assert again["changed"] is False and again["restart"] == [] and again["reconfigure"] is False


def test_power_saving_restarts_slurmctld_and_reconfigures(run_module, tmp_path):
    path = tmp_path / "slurm.conf"
    path.write_text(OLD)
    os.chmod(path, 0o644)
    result = run_module(slurm_conf, path=str(path), content=OLD + POWER, version="24.11.5")
    assert result["changed"] is True and result["restart"] == ["slurmctld"] and result["reconfigure"] is True
    assert path.read_text() == OLD + POWER


def test_check_mode_plans_without_writing(run_module, tmp_path):
    path = tmp_path / "slurm.conf"
    path.write_text(OLD)
    os.chmod(path, 0o644)
    result = run_module(slurm_conf, path=str(path), content=OLD + "DefMemPerCPU=100\n", version="22.05",
                        _ansible_check_mode=True)
    assert result["changed"] is True and result["reconfigure"] is True and result["restart"] == []
    assert path.read_text() == OLD


def test_a_mode_change_alone_is_a_change_without_restart(run_module, tmp_path):
    path = tmp_path / "slurm.conf"
    path.write_text(OLD)
    os.chmod(path, 0o600)
    result = run_module(slurm_conf, path=str(path), content=OLD, version="22.05")
    assert result["changed"] is True and result["restart"] == [] and result["reconfigure"] is False
    assert stat.S_IMODE(path.stat().st_mode) == 0o644


def test_a_bad_version_is_named(run_module, tmp_path):
    result = run_module(slurm_conf, path=str(tmp_path / "slurm.conf"), content=OLD, version="latest")
    assert result["failed"] is True and result["msg"].startswith("version: not a Slurm version")
    assert not (tmp_path / "slurm.conf").exists()


def test_restarts_a_run_did_not_finish_come_back_until_forgotten(run_module, tmp_path):
    """The file is written, the run stops before the handlers: the next run still restarts."""
    path = tmp_path / "slurm.conf"
    path.write_text(OLD)
    os.chmod(path, 0o644)
    changed = OLD.replace("CPUs=8", "CPUs=4")
    first = run_module(slurm_conf, path=str(path), content=changed, version="24.11")
    assert first["restart"] == ["slurmctld", "slurmd"]
    pending = tmp_path / "slurm.conf.beowulf-pending"
    assert first["pending"] == str(pending) and pending.exists()
    # no handler ran: the same content again still carries the restarts, as a change
    again = run_module(slurm_conf, path=str(path), content=changed, version="24.11")
    assert again["changed"] is True and again["restart"] == ["slurmctld", "slurmd"]
    assert "left from an earlier run that did not finish: nodename: restart slurmctld and slurmd" in again["reasons"]
    pending.unlink()  # what the role's last handler does after the restarts
    done = run_module(slurm_conf, path=str(path), content=changed, version="24.11")
    assert done["changed"] is False and done["restart"] == [] and not pending.exists()


def test_a_pending_reconfigure_joins_a_new_restart(run_module, tmp_path):
    path = tmp_path / "slurm.conf"
    path.write_text(OLD)
    os.chmod(path, 0o644)
    run_module(slurm_conf, path=str(path), content=OLD + "DefMemPerCPU=100\n", version="22.05")
    result = run_module(slurm_conf, path=str(path), content=OLD + "DefMemPerCPU=100\n" + POWER, version="22.05")
    assert result["restart"] == ["slurmctld"] and result["reconfigure"] is True
    assert result["changed_keys"][-1] == "defmempercpu"


def test_an_unreadable_pending_plan_restarts_both(run_module, tmp_path):
    path = tmp_path / "slurm.conf"
    path.write_text(OLD)
    os.chmod(path, 0o644)
    (tmp_path / "slurm.conf.beowulf-pending").write_text("{not json")
    result = run_module(slurm_conf, path=str(path), content=OLD, version="22.05")
    assert result["changed"] is True and result["restart"] == ["slurmctld", "slurmd"]


def test_check_mode_writes_no_pending_plan(run_module, tmp_path):
    path = tmp_path / "slurm.conf"
    run_module(slurm_conf, path=str(path), content=OLD, version="22.05", _ansible_check_mode=True)
    assert not (tmp_path / "slurm.conf.beowulf-pending").exists() and not path.exists()


def _node_paths(tmp_path, cgroup: str = "CgroupPlugin=autodetect\n") -> list:
    return [{"path": str(tmp_path / "log"), "state": "directory", "mode": "0755", "owner": "root", "group": "root"},
            {"path": str(tmp_path / "cgroup.conf"), "content": cgroup, "mode": "0644", "owner": "root", "group": "root"}]


def test_the_other_files_are_written_in_the_same_run_outside_the_plan(run_module, tmp_path):
    path = tmp_path / "slurm.conf"
    path.write_text(OLD)
    os.chmod(path, 0o644)
    first = run_module(slurm_conf, path=str(path), content=OLD, version="24.11.5", paths=_node_paths(tmp_path))
    assert first["changed"] is True and first["restart"] == [] and first["reconfigure"] is False
    assert first["changed_paths"] == [str(tmp_path / "log"), str(tmp_path / "cgroup.conf")]
    assert (tmp_path / "log").is_dir() and (tmp_path / "cgroup.conf").read_text() == "CgroupPlugin=autodetect\n"
    again = run_module(slurm_conf, path=str(path), content=OLD, version="24.11.5", paths=_node_paths(tmp_path))
    assert again["changed"] is False and again["changed_paths"] == [] and again["changes"] == {}


def test_without_content_slurm_conf_is_left_alone_and_nothing_planned(run_module, tmp_path):
    """A configless node: only its other files; no plan, no pending file to forget."""
    result = run_module(slurm_conf, version="24.11.5", path=str(tmp_path / "slurm.conf"), paths=_node_paths(tmp_path))
    assert result["changed"] is True and result["restart"] == [] and "pending" not in result
    assert not (tmp_path / "slurm.conf").exists() and not (tmp_path / "slurm.conf.beowulf-pending").exists()
    assert result["changed_paths"] == [str(tmp_path / "log"), str(tmp_path / "cgroup.conf")]


def test_a_bad_entry_is_refused_before_slurm_conf_is_written(run_module, tmp_path):
    path = tmp_path / "slurm.conf"
    bad = _node_paths(tmp_path) + [{"path": str(tmp_path / "x"), "content": "x", "mode": 644}]
    result = run_module(slurm_conf, path=str(path), content=OLD, version="24.11.5", paths=bad)
    assert result["failed"] is True and result["msg"].startswith("paths[2].mode must be an octal string")
    assert not path.exists() and not (tmp_path / "log").exists()


def test_the_diff_holds_slurm_conf_and_each_changed_path(run_module, tmp_path):
    path = tmp_path / "slurm.conf"
    result = run_module(slurm_conf, path=str(path), content=OLD, version="24.11.5", paths=_node_paths(tmp_path),
                        _ansible_diff=True)
    headers = [entry["after_header"] for entry in result["diff"]]
    assert headers == [str(path), str(tmp_path / "log"), str(tmp_path / "cgroup.conf")]


def test_paths_of_a_wrong_type_is_refused_by_name_before_anything_is_written(run_module, tmp_path):
    path = tmp_path / "slurm.conf"
    result = run_module(slurm_conf, path=str(path), content=OLD, version="24.11.5", paths="/var/log/slurm")
    assert result["failed"] is True and "paths" in result["msg"]
    assert not path.exists()
