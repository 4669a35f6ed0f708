# -*- coding: utf-8 -*-
# Copyright: (c) 2026, beowulf.slurm developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""NFS exports: validate the user's ``nfs_exports``, fill in defaults, render the exports file.

Plain Python, no Ansible imports (the ``nfs`` filters are thin shells around it).
"""

from __future__ import annotations

import ipaddress
import posixpath
import re
from typing import Any, Dict, List

_OPTION = re.compile(r"^[A-Za-z0-9_=:.,/@-]+$")
_KNOWN_KEYS = {"path", "mount_point", "clients", "options", "mount_options", "owner", "group", "mode"}


def network_cidr(address: str, netmask: str) -> str:
    """``('192.168.1.20', '255.255.255.0')`` -> ``'192.168.1.0/24'``."""
    return str(ipaddress.ip_network("%s/%s" % (address, netmask), strict=False))


def cidr_error(value: Any, variable: str) -> str:
    """Empty when ``value`` is a network in CIDR notation (or one address), else why not."""
    if not isinstance(value, str) or not value.strip():
        return "%s must be a network in CIDR notation such as 192.168.1.0/24, got %r" % (variable, value)
    try:
        ipaddress.ip_network(value, strict=False)
    except ValueError as err:
        return "%s=%r is not a network in CIDR notation such as 192.168.1.0/24 (%s)" % (variable, value, err)
    if "/" in value and int(value.rsplit("/", 1)[1]) == 0:
        return "%s=%r is every address there is; name the cluster's own network" % (variable, value)
    return ""


def _path_error(value: Any, variable: str) -> str:
    if not isinstance(value, str) or not value.startswith("/"):
        return "%s must be an absolute path, got %r" % (variable, value)
    if posixpath.normpath(value) != value.rstrip("/") or value == "/":
        return "%s=%r: give a normalised path below / (no '..', '//', trailing '/')" % (variable, value)
    if any(c.isspace() for c in value):
        return "%s=%r: paths with white space are not supported in exports" % (variable, value)
    return ""


def _options_error(value: Any, variable: str) -> str:
    if not isinstance(value, list) or not all(isinstance(o, str) and _OPTION.match(o) for o in value):
        return "%s must be a list of option strings such as [rw, sync], got %r" % (variable, value)
    return ""


def config_errors(exports: Any, network: Any = "") -> List[str]:
    """Every problem with ``nfs_exports`` and ``nfs_network``, each naming the variable."""
    errors: List[str] = []
    if network:
        msg = cidr_error(network, "nfs_network")
        if msg:
            errors.append(msg)
    if not isinstance(exports, list):
        return errors + ["nfs_exports must be a list of exports such as [{path: /shared}], got %r" % (exports,)]
    seen_paths: Dict[str, int] = {}
    seen_mounts: Dict[str, int] = {}
    for index, export in enumerate(exports):
        name = "nfs_exports[%d]" % index
        if not isinstance(export, dict):
            errors.append("%s must be a dictionary with at least 'path', got %r" % (name, export))
            continue
        unknown = sorted(set(export) - _KNOWN_KEYS)
        if unknown:
            errors.append("%s has unknown keys %s (known: %s)" % (name, ", ".join(unknown), ", ".join(sorted(_KNOWN_KEYS))))
        for key in ("path", "mount_point"):
            if key in export or key == "path":
                msg = _path_error(export.get(key), "%s.%s" % (name, key))
                if msg:
                    errors.append(msg)
        clients = export.get("clients", [])
        if not isinstance(clients, list):
            errors.append("%s.clients must be a list of networks in CIDR notation, got %r" % (name, clients))
        else:
            for ci, client in enumerate(clients):
                msg = cidr_error(client, "%s.clients[%d]" % (name, ci))
                if msg:
                    errors.append(msg)
        for key in ("options", "mount_options"):
            if key in export:
                msg = _options_error(export[key], "%s.%s" % (name, key))
                if msg:
                    errors.append(msg)
        if "mode" in export and not re.match(r"^0?[0-7]{3,4}$", str(export["mode"])):
            errors.append("%s.mode must be an octal string such as '0755', got %r" % (name, export["mode"]))
        path = export.get("path")
        if isinstance(path, str):
            if path in seen_paths:
                errors.append("%s.path %s is also nfs_exports[%d].path" % (name, path, seen_paths[path]))
            seen_paths.setdefault(path, index)
            mount = export.get("mount_point", path)
            if isinstance(mount, str):
                if mount in seen_mounts:
                    errors.append("%s mounts at %s like nfs_exports[%d]" % (name, mount, seen_mounts[mount]))
                seen_mounts.setdefault(mount, index)
    return errors


def user_dirs_errors(user_dirs: Any) -> List[str]:
    """Every entry of ``nfs_user_dirs`` that is not a user's directory: a dict with a user
    ``name`` and optional numeric ``uid`` and ``gid`` (and ``mode``), each naming its index."""
    if not isinstance(user_dirs, list):
        return ["nfs_user_dirs must be a list such as [{name: alice}], got %r" % (user_dirs,)]
    errors = []
    for index, item in enumerate(user_dirs):
        usable = (isinstance(item, dict) and isinstance(item.get("name"), str)
                  and re.match(r"^[a-z_][a-z0-9_.-]*$", item["name"]) is not None
                  and all(re.match(r"^[0-9]+$", str(item.get(key, 0))) for key in ("uid", "gid")))
        if not usable:
            errors.append("nfs_user_dirs[%d] must be a dictionary with a user 'name' and optional numeric "
                          "'uid', 'gid' and 'mode', got %r" % (index, item))
    return errors


def normalise(exports: List[Dict[str, Any]], network: str, options: List[str],
              mount_options: List[str]) -> List[Dict[str, Any]]:
    """Exports with every key filled in from the defaults."""
    result = []
    for export in exports:
        item = {
            "path": export["path"],
            "mount_point": export.get("mount_point", export["path"]),
            "clients": list(export.get("clients") or [network]),
            "options": list(export.get("options") or options),
            "mount_options": list(export.get("mount_options") or mount_options),
            "owner": str(export.get("owner", "root")),
            "group": str(export.get("group", "root")),
            "mode": str(export.get("mode", "0755")),
        }
        result.append(item)
    return result


def exports_file(exports: List[Dict[str, Any]]) -> str:
    """The text of ``/etc/exports.d/beowulf.exports`` for normalised exports."""
    lines = ["# Managed by Ansible (beowulf.slurm.nfs): edit nfs_exports, not this file."]
    for export in exports:
        opts = ",".join(export["options"])
        clients = " ".join("%s(%s)" % (client, opts) for client in export["clients"])
        lines.append("%s %s" % (export["path"], clients))
    return "\n".join(lines) + "\n"


EXPORTS_FILE = "/etc/exports.d/beowulf.exports"


def server_paths(exports: List[Dict[str, Any]], user_dirs: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
    """What the NFS server's disk must hold, for one file_set call: each exported directory, a
    directory per user in each export (owner uid or name, group gid, else uid or name; mode 0750
    unless given), /etc/exports.d and the exports file."""
    paths: List[Dict[str, Any]] = []
    for export in exports:
        paths.append({"path": export["path"], "state": "directory", "owner": export["owner"],
                      "group": export["group"], "mode": export["mode"]})
    for export in exports:
        for user in user_dirs:
            owner = str(user.get("uid", user["name"]))
            paths.append({"path": "%s/%s" % (export["path"].rstrip("/"), user["name"]), "state": "directory",
                          "owner": owner, "group": str(user.get("gid", owner)),
                          "mode": str(user.get("mode", "0750"))})
    paths.append({"path": "/etc/exports.d", "state": "directory", "owner": "root", "group": "root", "mode": "0755"})
    paths.append({"path": EXPORTS_FILE, "state": "file", "owner": "root", "group": "root", "mode": "0644",
                  "content": exports_file(exports)})
    return paths
