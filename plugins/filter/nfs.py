# -*- coding: utf-8 -*-
# Copyright: (c) 2026, beowulf.slurm developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters for NFS exports (documentation in nfs_*.yml next to this file)."""

from __future__ import annotations

from ansible_collections.beowulf.slurm.plugins.module_utils import nfs


def nfs_config_error(exports: object, network: object = "", user_dirs: object = None) -> str:
    """Empty when ``nfs_exports``/``nfs_network`` (and ``nfs_user_dirs`` when given) are usable,
    else every problem, joined."""
    return "; ".join(nfs.config_errors(exports, network) + ([] if user_dirs is None else nfs.user_dirs_errors(user_dirs)))


def nfs_exports_normalise(exports: list, network: str, options: list, mount_options: list) -> list:
    """``nfs_exports`` with every key filled in from the role's defaults."""
    return nfs.normalise(exports, network, options, mount_options)


def nfs_exports_file(exports: list) -> str:
    """The exports file for normalised exports."""
    return nfs.exports_file(exports)


def nfs_server_paths(exports: list, user_dirs: list) -> list:
    """The NFS server's directories and exports file, for beowulf.slurm.file_set."""
    return nfs.server_paths(exports, user_dirs)


def nfs_network_cidr(address: str, netmask: str) -> str:
    """The network of an address and netmask, in CIDR notation."""
    return nfs.network_cidr(address, netmask)


class FilterModule:
    """beowulf.slurm NFS filters."""

    def filters(self) -> dict:
        return {
            "nfs_config_error": nfs_config_error,
            "nfs_exports_normalise": nfs_exports_normalise,
            "nfs_exports_file": nfs_exports_file,
            "nfs_network_cidr": nfs_network_cidr,
            "nfs_server_paths": nfs_server_paths,
        }
