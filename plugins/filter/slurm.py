# -*- coding: utf-8 -*-
# Copyright: (c) 2026, beowulf.slurm developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters that build the cluster's Slurm configuration (documentation in the .yml files)."""

from __future__ import annotations

from ansible_collections.beowulf.slurm.plugins.module_utils.slurm_accounting import accounting_errors
from ansible_collections.beowulf.slurm.plugins.module_utils.slurm_config import (
    build_cluster_config,
    node_inputs,
)
from ansible_collections.beowulf.slurm.plugins.module_utils.slurm_upgrade import (
    node_error,
    parse_apt_policy,
    planned_version,
    upgrade_errors,
)


def slurm_accounting_errors(dbd_hosts: list, pass_is_text: bool, storage_host: object, accounts: object,
                            mariadb_settings: object) -> list:
    """The accounting settings together: one message per problem ([] when none)."""
    return accounting_errors(list(dbd_hosts or []), bool(pass_is_text), storage_host, accounts, mariadb_settings)


def slurm_cluster_config(cluster: dict) -> dict:
    """Validate the settings and render slurm.conf and cgroup.conf."""
    return build_cluster_config(cluster)


def slurm_node_inputs(names: list, hostvars: dict) -> list:
    """Per compute host: topology facts, CpuSpecList, address, TmpDisk."""
    return node_inputs(list(names), hostvars)


def slurm_upgrade_errors(names: list, hostvars: dict, groups: dict, dbd_host: str, upgrade: bool) -> list:
    """Per host the daemons, the installed and the offered version (``__slurm_versions``): problems."""
    hosts = {}
    for name in names:
        roles = [group for group in ("slurmctld", "slurmd") if name in groups.get(group, [])]
        roles += ["slurmdbd"] if name == dbd_host else []
        policy = hostvars[name].get("__slurm_versions") or {}
        hosts[name] = dict(parse_apt_policy(policy.get("stdout", "")), roles=roles)
    return upgrade_errors(hosts, bool(upgrade))


def slurm_node_version_error(version: str, name: str, controller_version: str, controller: str) -> str:
    """Empty, or why slurmd ``version`` on ``name`` cannot work with the controller's slurmctld."""
    return node_error(name, version, controller, controller_version) or ""


def slurm_planned_version(policy: str, upgrade: bool) -> str:
    """The Slurm version a host runs after this converge, from ``apt-cache policy`` output."""
    return planned_version(policy, bool(upgrade))


class FilterModule:
    """beowulf.slurm Slurm filters."""

    def filters(self) -> dict:
        return {
            "slurm_accounting_errors": slurm_accounting_errors,
            "slurm_cluster_config": slurm_cluster_config,
            "slurm_node_inputs": slurm_node_inputs,
            "slurm_upgrade_errors": slurm_upgrade_errors,
            "slurm_node_version_error": slurm_node_version_error,
            "slurm_planned_version": slurm_planned_version,
        }
