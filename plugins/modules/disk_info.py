#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, beowulf.slurm developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: disk_info
short_description: Say what is on block devices before they become LVM physical volumes
version_added: 0.1.0
description:
  - Reads each device's signatures (C(wipefs --no-act --json)), the volume group of an LVM
    label (C(pvs)), its partitions, mounts and holders, and decides per device whether it
    may join the volume group O(vg_name).
  - "C(use): blank. C(ours): only an LVM label of O(vg_name) (a re-run). C(wipe): holds a
    partition table, filesystem, foreign LVM label or other signature and is listed in
    O(wipe). C(refuse): holds something and is not listed, does not exist, is not a block
    device, or is in use (mounted, or held by another device); in use is never wiped."
  - Reads only, changes nothing, and never fails because of what it found; the caller decides
    (the C(scratch) role stops before any change when a device is refused).
  - C(community.general.lvg) runs C(pvcreate -f), which erases signatures without asking;
    run this module first.
author:
  - beowulf.slurm developers (@beowulf-slurm)
extends_documentation_fragment:
  - beowulf.slurm.read_only
options:
  devices:
    description: Device paths (symlinks such as C(/dev/disk/by-id/...) are followed).
    type: list
    elements: str
    required: true
  vg_name:
    description: The volume group whose LVM labels count as already ours.
    type: str
    required: true
  wipe:
    description: Devices whose contents may be erased (each must also be in O(devices)).
    type: list
    elements: str
    default: []
  lv_size:
    description:
      - When set, also check that this logical volume size (C(500m), C(20g), C(80%VG), C(100%FREE))
        is well-formed and fits into the devices; the result is in RV(size_error).
    type: str
notes:
  - Needs C(wipefs) (util-linux). Without C(pvs) (lvm2), an LVM label is reported but its
    volume group is unknown, so such a device is refused unless listed in O(wipe).
"""

EXAMPLES = r"""
- name: Look at the scratch disks
  beowulf.slurm.disk_info:
    devices: [/dev/sdb, /dev/sdc]
    vg_name: scratch
    lv_size: 100%FREE
  register: disks

- name: Stop before pvcreate when a disk holds data
  ansible.builtin.assert:
    that: disks.refused | length == 0
    fail_msg: "{{ disks.refused | join('; ') }}"
"""

RETURN = r"""
devices:
  description: One entry per device, in the order given.
  returned: always
  type: list
  elements: dict
  contains:
    path:
      description: The path as given.
      type: str
    resolved:
      description: The device node the path resolves to.
      type: str
    size_bytes:
      description: Size of the device.
      type: int
    signatures:
      description: What wipefs found (type, offset, label, uuid).
      type: list
      elements: dict
    action:
      description: use, ours, wipe or refuse.
      type: str
    reason:
      description: Why, naming the device and what is on it.
      type: str
  sample:
    - path: /dev/vdb
      resolved: /dev/vdb
      size_bytes: 1073741824
      signatures: [{type: ext4, offset: "0x438", label: userdata, uuid: 3f1c...}]
      action: refuse
      reason: "/dev/vdb holds an ext4 filesystem (label 'userdata', UUID 3f1c...)"
refused:
  description: The reasons of every refused device (empty when all may be used).
  returned: always
  type: list
  elements: str
to_wipe:
  description: Devices listed in O(wipe) that hold something and would be erased.
  returned: always
  type: list
  elements: str
usable_bytes:
  description: What LVM can allocate from all devices together (metadata and 4 MiB extents off).
  returned: always
  type: int
size_error:
  description: Empty, or why O(lv_size) is malformed or larger than RV(usable_bytes).
  returned: always
  type: str
"""

import json
import os
import stat

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.beowulf.slurm.plugins.module_utils.disks import (
    DeviceFacts, assess, lv_size_error, parse_wipefs_json, usable_bytes)


def _read(path: str) -> str:
    try:
        with open(path) as handle:
            return handle.read().strip()
    except OSError:
        return ""


def _mounts() -> dict:
    """Resolved mount source -> mount points."""
    found: dict = {}
    for line in _read("/proc/self/mounts").splitlines():
        parts = line.split()
        if len(parts) >= 2 and parts[0].startswith("/dev/"):
            found.setdefault(os.path.realpath(parts[0]), []).append(parts[1].replace("\\040", " "))
    return found


def gather(module: AnsibleModule, path: str, mounts: dict) -> DeviceFacts:
    facts = DeviceFacts(path=path)
    if not os.path.exists(path):
        facts.exists = False
        return facts
    resolved = os.path.realpath(path)
    facts.resolved = resolved
    if not stat.S_ISBLK(os.stat(resolved).st_mode):
        facts.is_block = False
        return facts
    name = os.path.basename(resolved)
    sysdir = "/sys/class/block/%s" % name
    facts.size_bytes = int(_read(sysdir + "/size") or 0) * 512
    facts.partitions = sorted("/dev/" + entry for entry in os.listdir(sysdir)
                              if entry.startswith(name) and os.path.exists("%s/%s/partition" % (sysdir, entry)))
    for dev in [name] + [p[len("/dev/"):] for p in facts.partitions]:
        facts.mounted_at += mounts.get("/dev/" + dev, [])
        holders_dir = "/sys/class/block/%s/holders" % dev
        for holder in sorted(os.listdir(holders_dir)) if os.path.isdir(holders_dir) else []:
            label = _read("/sys/class/block/%s/dm/name" % holder) or holder
            facts.holders.append(label)
    wipefs = module.get_bin_path("wipefs", required=True)
    rc, out, err = module.run_command([wipefs, "--no-act", "--json", resolved])
    if rc != 0:
        module.fail_json(msg="wipefs could not read %s: %s" % (path, err.strip() or out.strip()))
    facts.signatures = parse_wipefs_json(out)
    if any(s.get("type") == "LVM2_member" for s in facts.signatures):
        pvs = module.get_bin_path("pvs")
        facts.lvm_readable = False
        if pvs:
            rc, out, _err = module.run_command([pvs, "--noheadings", "--reportformat", "json", "-o", "vg_name", resolved])
            if rc == 0:
                try:
                    rows = json.loads(out)["report"][0]["pv"]
                    facts.lvm_vg = rows[0]["vg_name"] if rows else ""
                    facts.lvm_readable = True
                except (ValueError, KeyError, IndexError):
                    facts.lvm_readable = False
    return facts


def main() -> None:
    module = AnsibleModule(
        argument_spec=dict(
            devices=dict(type="list", elements="str", required=True),
            vg_name=dict(type="str", required=True),
            wipe=dict(type="list", elements="str", default=[]),
            lv_size=dict(type="str"),
        ),
        supports_check_mode=True,
    )
    params = module.params
    mounts = _mounts()
    facts = [gather(module, path, mounts) for path in params["devices"]]
    verdicts = [assess(f, params["vg_name"], f.path in params["wipe"]) for f in facts]
    usable = usable_bytes([f.size_bytes for f in facts if f.exists and f.is_block])
    devices = []
    for fact, verdict in zip(facts, verdicts):
        entry = verdict.as_dict()
        entry.update(resolved=fact.resolved, size_bytes=fact.size_bytes, signatures=fact.signatures)
        devices.append(entry)
    size_error = ""
    if params["lv_size"] is not None and not any(v.action == "refuse" for v in verdicts):
        size_error = lv_size_error(params["lv_size"], usable)
    module.exit_json(
        changed=False,
        devices=devices,
        refused=[v.reason for v in verdicts if v.action == "refuse"],
        to_wipe=[v.path for v in verdicts if v.action == "wipe"],
        usable_bytes=usable,
        size_error=size_error,
    )


if __name__ == "__main__":
    main()
