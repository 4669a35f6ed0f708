#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, beowulf.slurm developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: slurm_conf
short_description: Write slurm.conf and say whether the change needs a daemon restart or a reconfigure
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
author:
  - beowulf.slurm developers (@beowulf-slurm)
options:
  path:
    description: Where slurm.conf lives.
    type: path
    default: /etc/slurm/slurm.conf
  content:
    description: The whole new file.
    type: str
    required: true
  version:
    description: The installed Slurm version, for example C(22.05.8) or C(24.11).
    type: str
    required: true
  mode:
    description: Mode of the file (slurm.conf must be readable by every user).
    type: raw
    default: "0644"
attributes:
  check_mode:
    description: Reports the change and its plan without writing.
    support: full
  diff_mode:
    description: Shows the old and new file.
    support: full
"""

EXAMPLES = r"""
- name: Write slurm.conf
  beowulf.slurm.slurm_conf:
    content: "{{ lookup('ansible.builtin.template', 'slurm.conf.j2') }}"
    version: "{{ slurm_version }}"
  register: slurm_conf
  notify: Apply the Slurm configuration

- name: Say what the change needs
  ansible.builtin.debug:
    msg: "restart {{ slurm_conf.restart }}, reconfigure {{ slurm_conf.reconfigure }}"
"""

RETURN = r"""
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
reasons:
  description: One line per decision, for the play's output.
  returned: success
  type: list
  elements: str
  sample: ["power saving switched on: restart slurmctld"]
"""

import os
import tempfile

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.beowulf.slurm.plugins.module_utils.slurm_rollout import plan, version_tuple


def main() -> None:
    module = AnsibleModule(
        argument_spec=dict(
            path=dict(type="path", default="/etc/slurm/slurm.conf"),
            content=dict(type="str", required=True),
            version=dict(type="str", required=True),
            mode=dict(type="raw", default="0644"),
        ),
        supports_check_mode=True,
    )
    path, content = module.params["path"], module.params["content"]
    try:
        version_tuple(module.params["version"])
    except ValueError as exc:
        module.fail_json(msg="version: %s" % exc)
    old = None
    if os.path.exists(path):
        try:
            with open(path, encoding="utf-8", errors="replace") as handle:
                old = handle.read()
        except OSError as exc:
            module.fail_json(msg="cannot read %s: %s" % (path, exc))
    changed = old != content
    result = plan(old, content, module.params["version"]) if changed else {
        "changed_keys": [], "restart": [], "reconfigure": False, "reasons": []}
    if changed and not module.check_mode:
        directory = os.path.dirname(path) or "."
        if not os.path.isdir(directory):
            module.fail_json(msg="directory %s does not exist (is Slurm installed?)" % directory)
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=".slurm.conf.")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(content)
            module.atomic_move(tmp, path)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
    if os.path.exists(path):
        file_args = module.load_file_common_arguments(dict(path=path, owner="root", group="root",
                                                           mode=module.params["mode"]))
        changed = module.set_fs_attributes_if_different(file_args, changed)
    diff = {"before": old or "", "after": content, "before_header": path, "after_header": path} \
        if module._diff and old != content else {}
    module.exit_json(changed=changed, diff=diff, **result)


if __name__ == "__main__":
    main()
