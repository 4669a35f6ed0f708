# -*- coding: utf-8 -*-
# Copyright: (c) 2026, beowulf.slurm developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters about installed packages (documentation in dpkg_installed.yml next to this file)."""

from __future__ import annotations

from ansible_collections.beowulf.slurm.plugins.module_utils.packages import installed


def dpkg_installed(dpkg_output: str) -> list:
    """Installed package names from ``dpkg-query --show --showformat '${db:Status-Abbrev} ${Package}\\n'``."""
    return installed(dpkg_output)


class FilterModule:
    """beowulf.slurm package filters."""

    def filters(self) -> dict:
        return {"dpkg_installed": dpkg_installed}
