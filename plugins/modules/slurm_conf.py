#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, beowulf.slurm developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: slurm_conf
short_description: Write slurm.conf (and a node's other Slurm files) and say what the change needs
version_added: 0.1.0
description:
  - Writes O(content) to O(path) atomically (owner root, mode O(mode)) when it differs, and compares
    the old file with the new one, key by key, against what the installed Slurm O(version) documents
    (scontrol(1) C(reconfigure), the restart notes of slurm.conf(5)).
  - RV(restart) lists the daemons that must be restarted for the change; RV(reconfigure) says an
    C(scontrol reconfigure) must follow for the others. Switching power saving on or off restarts
    slurmctld; node definition changes restart both daemons in every version; most other changes
    (partitions, memory defaults, timers) need only a reconfigure, so running job launches are not
    interrupted by a slurmd restart.
  - Without an old file (a new or reinstalled host) both daemons are to be (re)started.
  - A change's plan is also written to O(pending) before the file, and stays there until the play
    removes it after the restarts (the role's last handler). A run that stopped in between (a host
    dropped out, a failed restart, Ctrl-C) leaves the file new and the daemons old; the next run
    finds the pending plan, reports a change and returns its restarts again, even if slurm.conf
    is already up to date.
  - O(paths) writes the node's other directories and files in the same module run, as
    M(beowulf.slurm.file_set) does (one module run per host instead of two on every converge).
    Their changes do not enter the restart plan; RV(changed_paths) names them for the handlers.
author:
  - beowulf.slurm developers (@beowulf-slurm)
extends_documentation_fragment:
  - beowulf.slurm.file_set_paths
options:
  path:
    description: Where slurm.conf lives.
    type: path
    default: /etc/slurm/slurm.conf
  content:
    description:
      - The whole new file.
      - Omitted, slurm.conf is left as it is and nothing is planned (a configless node, which
        reads slurmctld's copy); only O(paths) is written.
    type: str
  version:
    description: The installed Slurm version, for example C(22.05.8) or C(24.11).
    type: str
    required: true
  mode:
    description: Mode of the file (slurm.conf must be readable by every user).
    type: raw
    default: "0644"
  pending:
    description: Where the plan of a change waits for its restarts. Default O(path) with C(.beowulf-pending) appended.
    type: path
attributes:
  check_mode:
    description: Reports the change and its plan without writing.
    support: full
  diff_mode:
    description: Shows the old and new file, and each changed path of O(paths).
    support: full
"""

EXAMPLES = r"""
- name: Write slurm.conf
  beowulf.slurm.slurm_conf:
    content: "{{ lookup('ansible.builtin.template', 'slurm.conf.j2') }}"
    version: "{{ slurm_version }}"
  register: slurm_conf
  notify: Apply the Slurm configuration

- name: slurm.conf and the node's other files in one module run
  beowulf.slurm.slurm_conf:
    content: "{{ lookup('ansible.builtin.template', 'slurm.conf.j2') }}"
    version: "{{ slurm_version }}"
    paths:
      - {path: /var/log/slurm, state: directory, owner: slurm, group: slurm, mode: "0755"}
      - {path: /etc/slurm/cgroup.conf, content: "{{ cgroup_conf }}", mode: "0644"}
  register: slurm_conf

- name: Say what the change needs
  ansible.builtin.debug:
    msg: "restart {{ slurm_conf.restart }}, reconfigure {{ slurm_conf.reconfigure }}"
"""

RETURN = r"""
changed_paths:
  description: The paths of O(paths) that were (or in check mode would be) created or changed, in the order given.
  returned: success
  type: list
  elements: str
  sample: [/etc/slurm/cgroup.conf]
changes:
  description: For each changed path of O(paths), what differed (create, type, content, owner, group, mode, remove).
  returned: success
  type: dict
  sample: {"/etc/slurm/cgroup.conf": [content]}
changed_keys:
  description: slurm.conf keys (lower case) whose value changed; C(nodename) or C(partitionname) when such lines changed.
  returned: success
  type: list
  elements: str
  sample: [defmempercpu, partitionname]
restart:
  description: Daemons to restart for this change (on the hosts that run them).
  returned: success
  type: list
  elements: str
  sample: [slurmctld]
reconfigure:
  description: Whether C(scontrol reconfigure) must follow (some daemon was not restarted but must read the file).
  returned: success
  type: bool
pending:
  description: The file holding the plan until the restarts are done (remove it after them).
  returned: when O(content) is given
  type: str
  sample: /etc/slurm/slurm.conf.beowulf-pending
reasons:
  description: One line per decision, for the play's output.
  returned: success
  type: list
  elements: str
  sample: ["power saving switched on: restart slurmctld"]
"""

import json
import os

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.beowulf.slurm.plugins.module_utils.files import PATHS_SPEC, apply_paths, atomic_write, check_entry, paths_module
from ansible_collections.beowulf.slurm.plugins.module_utils.slurm_rollout import (
    merge, plan, read_pending, version_tuple)

SLURM_HINT = "is Slurm installed?"


def no_plan() -> dict:
    """What an unchanged (or unmanaged) slurm.conf needs: nothing."""
    return {"changed_keys": [], "restart": [], "reconfigure": False, "reasons": []}


def _read(module: AnsibleModule, path: str) -> str | None:
    if not os.path.exists(path):
        return None
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            return handle.read()
    except OSError as exc:
        module.fail_json(msg="cannot read %s: %s" % (path, exc))
    return None


def main() -> None:
    module = paths_module(
        dict(
            path=dict(type="path", default="/etc/slurm/slurm.conf"),
            content=dict(type="str"),
            version=dict(type="str", required=True),
            mode=dict(type="raw", default="0644"),
            pending=dict(type="path"),
            paths=PATHS_SPEC,
        ),
        supports_check_mode=True,
    )
    try:
        version_tuple(module.params["version"])
    except ValueError as exc:
        module.fail_json(msg="version: %s" % exc)
    for index, entry in enumerate(module.params["paths"]):  # every entry checked before a write
        try:
            check_entry(entry, index)
        except ValueError as exc:
            module.fail_json(msg=str(exc))
    result = no_plan()
    changed, diffs = False, []
    if module.params["content"] is not None:
        changed, diff, result = _write_slurm_conf(module)
        diffs += [diff] if diff else []
    files = apply_paths(module, module.params["paths"])
    diffs += files.pop("diff")
    result.update(files)
    changed = changed or bool(files["changed_paths"])
    module.exit_json(changed=changed, diff=diffs if module._diff else {}, **result)  # pylint: disable=protected-access


def _write_slurm_conf(module: AnsibleModule) -> tuple:
    """slurm.conf and its plan: (changed, diff or {}, result)."""
    path, content = module.params["path"], module.params["content"]
    pending_path = module.params["pending"] or path + ".beowulf-pending"
    old = _read(module, path)
    pending = read_pending(_read(module, pending_path))
    changed = old != content
    result = plan(old, content, module.params["version"]) if changed else no_plan()
    result = merge(pending, result)
    if (result["restart"] or result["reconfigure"]) and not module.check_mode:
        atomic_write(module, pending_path, (json.dumps(result, indent=2) + "\n").encode(), 0o644, SLURM_HINT)
    if changed and not module.check_mode:
        atomic_write(module, path, content.encode(), 0o644, SLURM_HINT)
    changed = changed or pending is not None
    if os.path.exists(path):
        file_args = module.load_file_common_arguments(dict(path=path, owner="root", group="root",
                                                           mode=module.params["mode"]))
        changed = module.set_fs_attributes_if_different(file_args, changed)
    diff = {"before": old or "", "after": content, "before_header": path, "after_header": path} \
        if module._diff and old != content else {}  # pylint: disable=protected-access
    result["pending"] = pending_path
    return changed, diff, result


if __name__ == "__main__":
    main()
