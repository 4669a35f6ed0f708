# -*- coding: utf-8 -*-
# Copyright: (c) 2026, beowulf.slurm developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters that build the cluster's Slurm configuration (documentation in the .yml files)."""

from __future__ import annotations

from ansible_collections.beowulf.slurm.plugins.module_utils.slurm_config import (
    build_cluster_config,
    node_inputs,
)


def slurm_cluster_config(cluster: dict) -> dict:
    """Validate the settings and render slurm.conf and cgroup.conf."""
    return build_cluster_config(cluster)


def slurm_node_inputs(names: list, hostvars: dict) -> list:
    """Per compute host: topology facts, CpuSpecList, address, TmpDisk."""
    return node_inputs(list(names), hostvars)


class FilterModule:
    """beowulf.slurm Slurm filters."""

    def filters(self) -> dict:
        return {
            "slurm_cluster_config": slurm_cluster_config,
            "slurm_node_inputs": slurm_node_inputs,
        }
