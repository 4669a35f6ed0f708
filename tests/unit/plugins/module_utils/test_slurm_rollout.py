from __future__ import annotations

import pytest

from ansible_collections.beowulf.slurm.plugins.module_utils import slurm_rollout as sr

BASE = """# managed by beowulf.slurm
ClusterName=beowulf
SlurmctldHost=node3
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
TaskPlugin=task/cgroup,task/affinity
DefMemPerCPU=1890
NodeName=node1 CPUs=8 RealMemory=15119 State=UNKNOWN
NodeName=node2 CPUs=8 RealMemory=15119 State=UNKNOWN
PartitionName=main Nodes=node1,node2 Default=YES State=UP
"""
POWER = "SuspendProgram=/usr/local/sbin/beowulf-suspend\nResumeProgram=/usr/local/sbin/beowulf-resume\nSuspendTime=600\n"


def change(old: str, new: str, version: str = "22.05.8") -> dict:
    return sr.plan(old, new, version)


@pytest.mark.parametrize("version", ["22.05.8", "23.11.4", "24.11.5", "26.05.5"])
def test_no_change_needs_nothing(version):
    assert change(BASE, BASE, version) == {"changed_keys": [], "restart": [], "reconfigure": False, "reasons": []}


@pytest.mark.parametrize("version", ["22.05.8", "24.11.5", "26.05.5"])
def test_memory_default_and_partitions_are_reconfigured(version):
    new = BASE.replace("DefMemPerCPU=1890", "DefMemPerCPU=1000").replace("State=UP", "State=UP MaxTime=60")
    result = change(BASE, new, version)
    assert result["changed_keys"] == ["defmempercpu", "partitionname"]
    assert result["restart"] == [] and result["reconfigure"] is True


@pytest.mark.parametrize("version", ["22.05.8", "24.11.5", "26.05.5"])
def test_power_saving_switched_on_or_off_restarts_slurmctld_only(version):
    on = change(BASE, BASE + POWER, version)
    assert on["restart"] == ["slurmctld"] and on["reconfigure"] is True
    assert "power saving switched on: restart slurmctld" in on["reasons"]
    off = change(BASE + POWER, BASE, version)
    assert off["restart"] == ["slurmctld"] and off["reconfigure"] is True
    # A timer of power saving that is already on: a reconfigure.
    timer = change(BASE + POWER, BASE + POWER.replace("600", "300"), version)
    assert timer["restart"] == [] and timer["reconfigure"] is True


@pytest.mark.parametrize("version", ["22.05.8", "24.11.5"])
def test_node_definitions_restart_both(version):
    new = BASE.replace("PartitionName", "NodeName=node4 CPUs=8 RealMemory=15119 State=UNKNOWN\nPartitionName")
    result = change(BASE, new, version)
    assert result["restart"] == ["slurmctld", "slurmd"] and result["reconfigure"] is False
    # config_overrides decides whether a registration is valid: every node registers again.
    overrides = change(BASE, BASE + "SlurmdParameters=config_overrides\n", version)
    assert overrides["restart"] == ["slurmctld", "slurmd"] and overrides["reconfigure"] is False


def test_restart_notes_follow_the_version():
    new = BASE.replace("CR_Core_Memory", "CR_CPU_Memory")
    old_slurm = change(BASE, new, "22.05.8")
    assert old_slurm["restart"] == ["slurmctld"] and old_slurm["reconfigure"] is True
    assert change(BASE, new, "23.11.3")["restart"] == ["slurmctld"]  # the rewrite came with 23.11.4
    newer = change(BASE, new, "24.11")
    assert newer["restart"] == [] and newer["reconfigure"] is True
    ports = change(BASE, BASE + "SlurmdPort=7003\n", "26.05.5")
    assert ports["restart"] == ["slurmctld", "slurmd"] and ports["reconfigure"] is False


def test_no_old_file_starts_both():
    result = sr.plan(None, BASE, "24.11.5")
    assert result["restart"] == ["slurmctld", "slurmd"] and result["reconfigure"] is False


def test_parsing_ignores_case_comments_spacing_and_order():
    shuffled = "\n".join(reversed(BASE.splitlines())).replace("ClusterName=beowulf", "clustername=beowulf  # name")
    shuffled = shuffled.replace("NodeName=node1 CPUs=8", "NodeName=node1   CPUs=8")
    assert sr.changed_keys(BASE, shuffled) == []
    assert sr.changed_keys(BASE, BASE + "Include /etc/slurm/extra.conf\n") == ["include"]


@pytest.mark.parametrize("text, expected", [("22.05.8", (22, 5, 8)), ("24.11", (24, 11, 0)), (" 26.05.5-1", (26, 5, 5))])
def test_versions(text, expected):
    assert sr.version_tuple(text) == expected


def test_a_version_that_is_not_one_is_refused():
    with pytest.raises(ValueError, match="not a Slurm version"):
        sr.version_tuple("latest")


def test_merge_keeps_every_pending_restart_and_drops_a_reconfigure_both_restarts_cover():
    from ansible_collections.beowulf.slurm.plugins.module_utils.slurm_rollout import merge, read_pending
    current = {"changed_keys": ["defmempercpu"], "restart": [], "reconfigure": True, "reasons": ["r"]}
    pending = read_pending('{"changed_keys": ["nodename"], "restart": ["slurmd", "slurmctld"], '
                           '"reconfigure": false, "reasons": ["nodename: restart slurmctld and slurmd"]}')
    merged = merge(pending, current)
    assert merged["restart"] == ["slurmctld", "slurmd"] and merged["reconfigure"] is False
    assert merged["changed_keys"] == ["defmempercpu", "nodename"]
    assert merge(None, current) is current
    assert read_pending(None) is None
    assert read_pending('{"restart": ["slurmdbd"]}')["restart"] == ["slurmctld", "slurmd"]  # not ours: safe side
