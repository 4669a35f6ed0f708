# -*- coding: utf-8 -*-
# Copyright: (c) 2026, beowulf.slurm developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters for MUNGE key validation (documentation in munge_key_error.yml)."""

from __future__ import annotations

from ansible_collections.beowulf.slurm.plugins.module_utils.munge_key import key_error, settings_errors


def munge_key_error(value: object, name: str = "munge_key") -> str:
    """Empty string when ``value`` is a usable base64 MUNGE key, else why it is not."""
    return key_error(value, name)


def munge_settings_errors(key: str, rotate: bool, size: object, controllers: list, play_hosts: list) -> list:
    """One host's MUNGE settings: what is wrong, one message each ([] when nothing is)."""
    return settings_errors(key, bool(rotate), size, list(controllers), list(play_hosts))


class FilterModule:
    """beowulf.slurm MUNGE filters."""

    def filters(self) -> dict:
        return {"munge_key_error": munge_key_error, "munge_settings_errors": munge_settings_errors}
