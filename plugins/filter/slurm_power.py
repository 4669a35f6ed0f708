# -*- coding: utf-8 -*-
# Copyright: (c) 2026, beowulf.slurm developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters for Slurm power saving through the Turing Pi BMC (documentation in the .yml files)."""

from __future__ import annotations

from ansible_collections.beowulf.slurm.plugins.module_utils.slurm_power import (
    asleep_hosts,
    node_inputs,
    plan,
    saved_facts,
)


def slurm_power_plan(params: dict) -> dict:
    """Check the power-saving options; slurm.conf keys, node map and board connections."""
    return plan(params)


def slurm_power_nodes(names: list, hostvars: dict, controller: str) -> list:
    """Per compute host: Slurm name, address, board, slot, BMC connection."""
    return node_inputs(list(names), hostvars, controller)


def slurm_saved_facts(names: list, hostvars: dict) -> dict:
    """Per compute host with facts: its topology and TmpDisk, kept for when it sleeps."""
    return saved_facts(list(names), hostvars)


def slurm_asleep_hosts(oneliners: str, hosts: list, saved: dict) -> list:
    """Inventory hosts whose node slurmctld has powered down."""
    return asleep_hosts(oneliners or "", list(hosts), saved or {})


class FilterModule:
    """beowulf.slurm power-saving filters."""

    def filters(self) -> dict:
        return {
            "slurm_power_plan": slurm_power_plan,
            "slurm_power_nodes": slurm_power_nodes,
            "slurm_saved_facts": slurm_saved_facts,
            "slurm_asleep_hosts": slurm_asleep_hosts,
        }
