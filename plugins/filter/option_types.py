# -*- coding: utf-8 -*-
# Copyright: (c) 2026, beowulf.slurm developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filter: options whose value is not of the documented type (documentation in option_type_errors.yml)."""

from __future__ import annotations

from ansible_collections.beowulf.slurm.plugins.module_utils.option_types import option_type_errors as _errors


def option_type_errors(options: dict, hostvars: dict, hosts: list) -> list:
    """Problems, one line each, for the options of an argument spec the hosts set to another type."""
    return _errors(options, hostvars, list(hosts))


class FilterModule:
    """beowulf.slurm option type filter."""

    def filters(self) -> dict:
        return {"option_type_errors": option_type_errors}
