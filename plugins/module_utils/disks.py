# -*- coding: utf-8 -*-
# Copyright: (c) 2026, beowulf.slurm developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Decide whether a block device may become an LVM physical volume of the scratch VG.

Plain Python, no Ansible imports: the ``disk_info`` module gathers the raw facts (wipefs
signatures, the VG of an LVM label, mounts, holders, partitions) and this module decides.

A device is *blank* (no signature, no partition), *ours* (only an LVM label of our own volume
group), to be *wiped* (it holds something and the user listed it for wiping) or *refused*
(it holds something and the user did not, or it is in use: mounted or held by another device,
which no wipe list overrides).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple

MIB = 1024 * 1024
# LVM defaults: 1 MiB of metadata area at the start of each PV, 4 MiB extents.
PV_METADATA = MIB
EXTENT = 4 * MIB

_UNITS = {"": MIB, "b": 1, "s": 512, "k": 1024, "m": MIB, "g": 1024 * MIB, "t": 1024 ** 2 * MIB,
          "p": 1024 ** 3 * MIB, "e": 1024 ** 4 * MIB}
_ABSOLUTE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([bskmgtpe]?)\s*$", re.IGNORECASE)
_PERCENT = re.compile(r"^\s*(\d+)%(VG|PVS|FREE)\s*$", re.IGNORECASE)


@dataclass
class DeviceFacts:
    """What the system says about one device."""

    path: str
    exists: bool = True
    is_block: bool = True
    resolved: str = ""
    size_bytes: int = 0
    signatures: List[Dict[str, str]] = field(default_factory=list)
    lvm_vg: Optional[str] = None  # VG of an LVM label; "" = a PV in no VG; None = no label / unknown
    lvm_readable: bool = True  # False when an LVM label was found but pvs could not read it
    mounted_at: List[str] = field(default_factory=list)
    holders: List[str] = field(default_factory=list)
    partitions: List[str] = field(default_factory=list)


@dataclass
class Verdict:
    path: str
    action: str  # use | ours | wipe | refuse
    reason: str

    def as_dict(self) -> Dict[str, str]:
        return {"path": self.path, "action": self.action, "reason": self.reason}


def parse_lv_size(text: str) -> Tuple[str, float, str]:
    """``'500M'`` -> ``('bytes', 524288000, '')``; ``'80%VG'`` -> ``('percent', 80, 'VG')``.

    Absolute sizes take LVM's units (b, s, k, m, g, t, p, e; powers of 1024, default m).
    Raises ValueError with the reason.
    """
    text = str(text)
    match = _ABSOLUTE.match(text)
    if match:
        value = float(match.group(1)) * _UNITS[match.group(2).lower()]
        if value <= 0:
            raise ValueError("a size must be larger than 0")
        return ("bytes", value, "")
    match = _PERCENT.match(text)
    if match:
        percent = int(match.group(1))
        if not 0 < percent <= 100:
            raise ValueError("a percentage must be between 1 and 100")
        return ("percent", percent, match.group(2).upper())
    raise ValueError("expected a size such as 500m, 20g, 1.5t or a percentage such as 100%FREE, 80%VG, 50%PVS")


def usable_bytes(sizes: List[int]) -> int:
    """Bytes LVM can allocate from PVs of these sizes (metadata and extent rounding off)."""
    return sum(max(0, (size - PV_METADATA) // EXTENT * EXTENT) for size in sizes)


def human(size: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if abs(size) < 1024 or unit == "TiB":
            return ("%d %s" % (size, unit)) if unit == "B" else ("%.1f %s" % (size, unit))
        size /= 1024.0
    return "%.1f TiB" % size  # pragma: no cover


def lv_size_error(size: str, usable: int, variable: str = "scratch_lv_size") -> str:
    """Empty when ``size`` is well-formed and fits into ``usable`` bytes, else why not."""
    try:
        kind, value, _unit = parse_lv_size(size)
    except ValueError as err:
        return "%s=%r is not a size: %s" % (variable, size, err)
    if kind == "bytes" and value > usable:
        return ("%s=%s (%s) is larger than the %s the devices give the volume group"
                % (variable, size, human(value), human(usable)))
    return ""


def describe(signature: Dict[str, str], facts: DeviceFacts) -> str:
    kind = signature.get("type", "unknown")
    extra = []
    if signature.get("label"):
        extra.append("label %r" % signature["label"])
    if signature.get("uuid"):
        extra.append("UUID %s" % signature["uuid"])
    suffix = " (%s)" % ", ".join(extra) if extra else ""
    if kind == "LVM2_member":
        if not facts.lvm_readable:
            return "an LVM physical volume (its volume group could not be read: is lvm2 installed?)"
        if facts.lvm_vg:
            return "an LVM physical volume of volume group %r" % facts.lvm_vg
        return "an LVM physical volume in no volume group"
    if kind in ("gpt", "dos", "PMBR", "atari", "sun", "sgi", "bsd", "mac"):
        parts = " with partitions %s" % ", ".join(facts.partitions) if facts.partitions else ""
        return "a %s partition table%s" % (kind, parts)
    if kind == "swap":
        return "a swap area%s" % suffix
    if kind in ("linux_raid_member", "zfs_member", "crypto_LUKS", "bcache"):
        return "a %s signature%s" % (kind, suffix)  # linux_raid_member, zfs_member, ...
    return "%s %s filesystem%s" % ("an" if kind[:1].lower() in "aeiou" else "a", kind, suffix)


def assess(facts: DeviceFacts, vg_name: str, wipe: bool) -> Verdict:
    """The one decision: may ``facts.path`` become (or stay) a PV of ``vg_name``?"""
    path = facts.path
    if not facts.exists:
        return Verdict(path, "refuse", "%s does not exist" % path)
    if not facts.is_block:
        return Verdict(path, "refuse", "%s is not a block device" % path)
    if facts.mounted_at:
        return Verdict(path, "refuse", "%s is mounted at %s (never wiped, even when listed)"
                       % (path, ", ".join(facts.mounted_at)))
    types = [s.get("type", "") for s in facts.signatures]
    if types == ["LVM2_member"] and facts.lvm_readable and facts.lvm_vg == vg_name and not facts.partitions:
        return Verdict(path, "ours", "%s is already a physical volume of %s" % (path, vg_name))
    if facts.holders:
        return Verdict(path, "refuse", "%s is in use by %s (never wiped, even when listed)"
                       % (path, ", ".join(facts.holders)))
    if not facts.signatures and not facts.partitions:
        return Verdict(path, "use", "%s is blank" % path)
    found = [describe(s, facts) for s in facts.signatures]
    if facts.partitions and not any(t in ("gpt", "dos", "PMBR") for t in types):
        found.append("partitions %s" % ", ".join(facts.partitions))
    what = "; ".join(dict.fromkeys(found))
    if wipe:
        return Verdict(path, "wipe", "%s holds %s and is listed for wiping" % (path, what))
    return Verdict(path, "refuse", "%s holds %s" % (path, what))


def parse_wipefs_json(text: str) -> List[Dict[str, str]]:
    """Signatures from ``wipefs --no-act --json DEVICE`` (empty output: none)."""
    import json

    if not text.strip():
        return []
    data = json.loads(text)
    return [{k: str(v) for k, v in sig.items() if v is not None} for sig in data.get("signatures", [])]
