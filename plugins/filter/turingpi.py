# -*- coding: utf-8 -*-
# Copyright: (c) 2026, beowulf.slurm developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters for the Turing Pi BMC connection (documentation in turingpi_bmc_password.yml)."""

from __future__ import annotations

import os

from ansible.errors import AnsibleFilterError
from ansible_collections.beowulf.slurm.plugins.module_utils.turingpi_bmc import OptionError, password_of_hostvars


def turingpi_bmc_password(hostvars: dict, host: str) -> str:
    """A host's BMC password, looked up as the turingpi_power module does (never printed)."""
    try:
        return password_of_hostvars(str(host), hostvars, dict(os.environ))
    except OptionError as exc:
        raise AnsibleFilterError("turingpi_bmc_password: %s" % exc) from None


class FilterModule:
    """beowulf.slurm Turing Pi filters."""

    def filters(self) -> dict:
        return {"turingpi_bmc_password": turingpi_bmc_password}
