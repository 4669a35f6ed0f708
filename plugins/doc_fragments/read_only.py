# -*- coding: utf-8 -*-
# Copyright: (c) 2026, beowulf.slurm developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Attributes of a module that only reads a node (cpu_topology, disk_info)."""

from __future__ import annotations


class ModuleDocFragment:
    """check_mode and diff_mode of a module that changes nothing."""

    DOCUMENTATION = r"""
attributes:
  check_mode:
    description: Reads only; runs the same in check mode.
    support: full
  diff_mode:
    description: Changes nothing, so there is no diff.
    support: none
"""
