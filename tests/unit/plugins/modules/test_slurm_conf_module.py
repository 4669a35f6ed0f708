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
