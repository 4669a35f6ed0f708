# -*- coding: utf-8 -*-
# Copyright: (c) 2026, beowulf.slurm developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a change of slurm.conf needs: a daemon restart, or only ``scontrol reconfigure``.

Running jobs survive both, but a restart of slurmd while a job is being launched on that node can
fail the launch, and restarts cost time; so each change gets the least its Slurm version documents
(scontrol(1) ``reconfigure`` and the restart notes in slurm.conf(5), read for 22.05, 23.11, 24.11
and 26.05):

* Up to 23.11.3, ``scontrol reconfigure`` makes the daemons re-read slurm.conf; the parameters
  slurm.conf(5) marks "a restart of slurmctld (and slurmd) is required", and node definitions,
  need restarts (``RESTART_2205``).
* From 23.11.4, reconfigure starts new daemon processes and covers every parameter except the
  listening ports and the authentication method (``RESTART_2311``); node definitions too from
  24.11 ("restarting or reconfiguring"). This collection restarts both on node definition and
  ``SlurmdParameters`` changes in every version: allowed everywhere, and every node registers
  again under the new rule (``REGISTRATION_KEYS``).
* Switching power saving on (or off) restarts slurmctld in every version: Slurm's power_save
  guide says reconfigure does not enable it.

Anything else (partitions, DefMemPerCPU, scheduler and power-saving timers, accounting, ...) is
reconfigured. Pure Python: no Ansible import, unit-tested.
"""

from __future__ import annotations

import json
import re

# Lines that define objects, each of which may appear many times; compared as sets of lines.
OBJECT_KEYS = ("nodename", "partitionname", "nodeset", "downnodes", "frontendname")

# slurm.conf(5) of 22.05 (up to 23.11.3): parameter -> daemons that need a restart.
RESTART_2205: dict[str, tuple[str, ...]] = {
    "accountingstorageenforce": ("slurmctld",),
    "credtype": ("slurmctld",),
    "jobcontainertype": ("slurmctld",),
    "maxjobcount": ("slurmctld",),
    "maxnodecount": ("slurmctld",),
    "powerplugin": ("slurmctld",),
    "proctracktype": ("slurmctld",),
    "schedulertype": ("slurmctld",),
    "selecttypeparameters": ("slurmctld",),
    "slurmctldhost": ("slurmctld",),
    "controlmachine": ("slurmctld",),
    "slurmctldport": ("slurmctld",),
    "statesavelocation": ("slurmctld",),
    "slurmctldparameters": ("slurmctld",),  # enable_configless and no_backup_scheduling
    "slurmdport": ("slurmctld", "slurmd"),  # slurmd listens on it
    "grestypes": ("slurmctld", "slurmd"),
    "plugindir": ("slurmctld", "slurmd"),
    "selecttype": ("slurmctld", "slurmd"),
    "authtype": ("slurmctld", "slurmd"),
    "authalttypes": ("slurmctld", "slurmd"),
    "switchtype": ("slurmctld", "slurmd"),
    "corespecplugin": ("slurmd",),
}

# From 23.11.4: only what reconfigure cannot change (listening ports, authentication).
RESTART_2311: dict[str, tuple[str, ...]] = {
    "slurmctldport": ("slurmctld",),
    "slurmdport": ("slurmctld", "slurmd"),
    "authtype": ("slurmctld", "slurmd"),
    "authalttypes": ("slurmctld", "slurmd"),
    "switchtype": ("slurmctld", "slurmd"),
}

DAEMONS = ("slurmctld", "slurmd")

# Keys that change how slurmctld validates a node's registration (config_overrides): both daemons
# restart in every version, so that every node registers again under the new rule and the role
# can resume the nodes drained under the old one (a reconfigure left such a node drained on 22.05).
REGISTRATION_KEYS = ("nodename", "slurmdparameters")


def version_tuple(version: str) -> tuple[int, int, int]:
    """``"22.05.8"`` -> ``(22, 5, 8)``; a missing patch level counts as 0."""
    match = re.match(r"^\s*(\d+)\.(\d+)(?:\.(\d+))?", str(version))
    if not match:
        raise ValueError("not a Slurm version: %r" % (version,))
    return int(match.group(1)), int(match.group(2)), int(match.group(3) or 0)


def parse(text: str) -> tuple[dict[str, str], dict[str, frozenset[str]]]:
    """Settings (key in lower case -> value) and object lines (kind -> set of normalised lines)."""
    settings: dict[str, str] = {}
    objects: dict[str, set[str]] = {kind: set() for kind in OBJECT_KEYS}
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        key, sep, value = line.partition("=")
        if not sep:
            key, _space, value = line.partition(" ")  # "Include file"
        key = key.strip().lower()
        if key in objects:
            objects[key].add(" ".join(line.split()))
        else:
            settings[key] = value.strip()
    return settings, {kind: frozenset(lines) for kind, lines in objects.items()}


def changed_keys(old: str, new: str) -> list[str]:
    """Keys whose value differs (added, removed or changed), object kinds whose lines differ."""
    return _changed(parse(old), parse(new))


def _changed(old: tuple, new: tuple) -> list[str]:
    (old_settings, old_objects), (new_settings, new_objects) = old, new
    keys = {key for key in set(old_settings) | set(new_settings) if old_settings.get(key) != new_settings.get(key)}
    keys |= {kind for kind in OBJECT_KEYS if old_objects[kind] != new_objects[kind]}
    return sorted(keys)


def _power_saving(settings: dict[str, str]) -> bool:
    return bool(settings.get("suspendprogram")) and bool(settings.get("resumeprogram"))


def plan(old: str | None, new: str, version: str) -> dict:
    """What replacing slurm.conf ``old`` by ``new`` needs on a Slurm ``version`` cluster.

    Returns ``{"changed_keys": [...], "restart": [daemons], "reconfigure": bool, "reasons": [...]}``:
    ``restart`` lists the daemons to restart (on the hosts that run them), ``reconfigure`` whether an
    ``scontrol reconfigure`` must follow (daemons not restarted still run the old file).
    No old file (first install, a reinstalled node) restarts both: nothing runs a configuration yet.
    """
    if old is None:
        return {"changed_keys": [], "restart": list(DAEMONS), "reconfigure": False,
                "reasons": ["no slurm.conf before: start with the new one"]}
    old_parsed, new_parsed = parse(old), parse(new)
    keys = _changed(old_parsed, new_parsed)
    if not keys:
        return {"changed_keys": [], "restart": [], "reconfigure": False, "reasons": []}
    table = RESTART_2311 if version_tuple(version) >= (23, 11, 4) else RESTART_2205
    restart: set[str] = set()
    reasons: list[str] = []
    for key in keys:
        daemons = table.get(key, ())
        if key in REGISTRATION_KEYS:
            daemons = DAEMONS
        if daemons:
            restart.update(daemons)
            reasons.append("%s: restart %s" % (key, " and ".join(daemons)))
    power_now = _power_saving(new_parsed[0])
    if _power_saving(old_parsed[0]) != power_now:
        restart.add("slurmctld")
        reasons.append("power saving switched %s: restart slurmctld" % ("on" if power_now else "off"))
    restarted = [daemon for daemon in DAEMONS if daemon in restart]
    return {"changed_keys": keys, "restart": restarted, "reconfigure": restarted != list(DAEMONS),
            "reasons": reasons or ["scontrol reconfigure is enough for %s" % ", ".join(keys)]}


def merge(pending: dict | None, current: dict) -> dict:
    """``current`` plus what an earlier run planned and did not finish (``pending``).

    A run that wrote slurm.conf and stopped before its restarts (a host dropped out, Ctrl-C, a
    failed handler) leaves the file new and the daemons old; comparing files again would find
    nothing to do. The pending plan kept beside the file carries those restarts to the next run.
    """
    if not pending:
        return current
    restart = set(current["restart"]) | set(pending.get("restart", []))
    restarted = [daemon for daemon in DAEMONS if daemon in restart]
    reconfigure = bool(current["reconfigure"] or pending.get("reconfigure"))
    if restarted == list(DAEMONS):
        reconfigure = False
    keys = list(current["changed_keys"]) + [key for key in pending.get("changed_keys", [])
                                            if key not in current["changed_keys"]]
    earlier = "; ".join(pending.get("reasons", [])) or "an unfinished change"
    return {"changed_keys": keys, "restart": restarted, "reconfigure": reconfigure,
            "reasons": list(current["reasons"]) + ["left from an earlier run that did not finish: %s" % earlier]}


def read_pending(text: str | None) -> dict | None:
    """The pending plan from its file's text; unreadable counts as "restart both" (the safe side)."""
    if text is None:
        return None
    try:
        pending = json.loads(text)
        if isinstance(pending, dict) and isinstance(pending.get("restart", []), list) \
                and all(daemon in DAEMONS for daemon in pending.get("restart", [])):
            return pending
    except ValueError:
        pass
    return {"changed_keys": [], "restart": list(DAEMONS), "reconfigure": False,
            "reasons": ["an unreadable record of an unfinished change"]}
