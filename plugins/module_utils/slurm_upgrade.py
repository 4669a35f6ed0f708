# -*- coding: utf-8 -*-
# Copyright: (c) 2026, beowulf.slurm developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which Slurm version changes a cluster can take in place, checked before anything changes.

Slurm's upgrade guide (slurm.schedmd.com/upgrades.html): slurmdbd and slurmctld read the state
and database of the two previous major releases, three from 24.11 on; anything older is lost
(a slurmctld started on it forgets the queue and the running jobs). slurmctld talks to slurmd
and the commands of as many older releases, never newer ones. The order is slurmdbd, then
slurmctld, then slurmd. A downgrade is never supported: a newer release's state is unreadable.

Debian gives each distribution release one Slurm release (12: 22.05, 13: 24.11, testing: 26.05),
so the jump a package upgrade makes is the distance between those. Pure Python, unit-tested.
"""

from __future__ import annotations

import re

# Major releases in order (Slurm numbers them year.month, two a year from 23.02 on).
RELEASES = ("20.02", "20.11", "21.08", "22.05", "23.02", "23.11", "24.05", "24.11", "25.05", "25.11", "26.05",
            "26.11")
HOW = ("the documented way through (README, Day two: upgrades): upgrade in steps Slurm supports, or drain "
       "the cluster, let every job end and back up StateSaveLocation and the accounting database before a "
       "fresh start")


def release(version: str | None) -> str | None:
    """'22.05.8-4+deb12u3' -> '22.05'; None or '(none)' (not installed) -> None."""
    if not version:
        return None
    found = re.match(r"^(?:\d+:)?(\d+)\.(\d+)", str(version).strip())
    return "%d.%02d" % (int(found.group(1)), int(found.group(2))) if found else None


def _index(rel: str) -> int:
    if rel not in RELEASES:
        # A release this table does not know yet: after the last one (compared by number).
        return len(RELEASES) if rel > RELEASES[-1] else -1
    return RELEASES.index(rel)


def supported_span(target: str) -> int:
    """How many major releases back ``target`` reads state from (2, or 3 from 24.11)."""
    return 3 if target >= "24.11" else 2


def jump_error(current: str | None, target: str | None) -> str | None:
    """Why a daemon's state (or database) written by ``current`` cannot be taken by ``target``."""
    old, new = release(current), release(target)
    if not old or not new or old == new:
        return None
    if new < old:
        return "a downgrade from %s to %s: Slurm cannot read the newer release's state" % (current, target)
    steps = _index(new) - _index(old)
    if steps > supported_span(new):
        return ("%s to %s skips %d major releases; %s reads the state of the %d before it only, so the "
                "saved jobs and queue would be lost" % (current, target, steps - 1, new, supported_span(new)))
    return None


def parse_apt_policy(text: str) -> dict:
    """``apt-cache policy slurm-client`` -> {'installed': '22.05.8-...'|None, 'candidate': ...|None}."""
    found = {}
    for key in ("installed", "candidate"):
        match = re.search(r"^\s*%s:\s*(\S+)" % key.capitalize(), text or "", re.M)
        value = match.group(1) if match else None
        found[key] = None if value in (None, "(none)") else value
    return found


def planned_version(policy_text: str, upgrade: bool) -> str:
    """The Slurm a host will run after this converge, from its ``apt-cache policy``: the installed
    one (the one apt offers when nothing is installed, or with ``upgrade``); '' when apt knows none."""
    found = parse_apt_policy(policy_text)
    if upgrade or not found["installed"]:
        return found["candidate"] or found["installed"] or ""
    return found["installed"]


def upgrade_errors(hosts: dict, upgrade: bool) -> list:
    """Check the Slurm version each host would run after this converge.

    ``hosts``: name -> {'roles': ['slurmctld'|'slurmd'|'slurmdbd', ...], 'installed': version|None,
    'candidate': version|None}. A host keeps its installed version unless ``upgrade`` (then it
    gets the candidate); a host without Slurm gets the candidate. Returns one message per problem:
    a daemon whose saved state the new version cannot read, a compute node newer than the
    controller, or one further behind than the controller supports.
    """
    errors = []
    target = {}
    for name, host in sorted(hosts.items()):
        installed, candidate = host.get("installed"), host.get("candidate")
        target[name] = candidate if (upgrade or not installed) and candidate else installed
        if not upgrade or not installed:
            continue
        daemons = [d for d in ("slurmdbd", "slurmctld") if d in host.get("roles", ())]
        problem = jump_error(installed, target[name])
        if problem and daemons:
            errors.append("slurm_upgrade: %s on %s: %s; nothing was changed. Refused: %s."
                          % (" and ".join(daemons), name, problem, HOW))
        elif problem and problem.startswith("a downgrade"):
            errors.append("slurm_upgrade: slurmd on %s: %s; nothing was changed." % (name, problem))
    controllers = [n for n, h in hosts.items() if "slurmctld" in h.get("roles", ())]
    if len(controllers) != 1 or errors:  # the nodes are compared with a controller that may upgrade
        return errors
    ctl = controllers[0]
    for name, host in sorted(hosts.items()):
        if name != ctl and "slurmd" in host.get("roles", ()):
            problem = node_error(name, target[name], ctl, target[ctl])
            if problem:
                errors.append(problem)
    return errors


def node_error(name: str, version: str | None, controller: str, controller_version: str | None) -> str | None:
    """Why slurmd ``version`` on ``name`` cannot work with slurmctld ``controller_version``."""
    node, ctl = release(version), release(controller_version)
    if not node or not ctl:
        return None
    if node > ctl:
        return ("slurmd %s on %s would be newer than slurmctld %s on %s: slurmctld must be the same release "
                "or newer (upgrade the controller first: slurm_upgrade=true on the whole cluster)."
                % (version, name, controller_version, controller))
    if _index(ctl) - _index(node) > supported_span(ctl):
        return ("slurmd %s on %s is more than %d major releases behind slurmctld %s on %s: upgrade it "
                "(slurm_upgrade=true)." % (version, name, supported_span(ctl), controller_version, controller))
    return None
