#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, beowulf.slurm developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: file_set
short_description: Several directories and small files, with owner and mode, in one module run
version_added: 0.1.0
description:
  - Makes each entry of O(paths) exist as described, in the order given (a directory before the
    files in it), either a directory (missing parents are made root-owned, mode 0755) or a file with
    the given content, owner, group and mode; or removes a file that should be absent (never a
    directory).
  - One module run for all of them instead of one task per path. On a no-op converge each
    M(ansible.builtin.file) or M(ansible.builtin.copy) task is one or two module runs per host; on a
    small board, or a VM without hardware virtualisation, those are most of the run's time.
  - RV(changed_paths) lists the paths that changed, so that handlers can restart only what a
    change needs.
  - Not for secrets unless the task has C(no_log) (the diff shows the content).
author:
  - beowulf.slurm developers (@beowulf-slurm)
extends_documentation_fragment:
  - beowulf.slurm.file_set_paths
attributes:
  check_mode:
    description: Reports what would change without changing it.
    support: full
  diff_mode:
    description: Shows old and new content of changed files, and the attributes that change.
    support: full
"""

EXAMPLES = r"""
- name: Directories and configuration of a Slurm node
  beowulf.slurm.file_set:
    paths:
      - {path: /var/log/slurm, state: directory, owner: slurm, group: slurm, mode: "0755"}
      - {path: /etc/slurm/cgroup.conf, content: "{{ cgroup_conf }}", mode: "0644"}
      - {path: /etc/slurm/old.conf, state: absent}

- name: One key of our own in root's authorized_keys, every other line kept
  beowulf.slurm.file_set:
    paths:
      - {path: /root/.ssh, state: directory, mode: "0700"}
      - path: /root/.ssh/authorized_keys
        line: 'restrict,command="/usr/bin/systemctl poweroff" ssh-ed25519 AAAA... power-off'
        line_match: ' power-off$'
        mode: "0600"
  register: slurm_files
  notify: Restart slurmd

- name: Say what changed
  ansible.builtin.debug:
    msg: "{{ slurm_files.changed_paths }}"
"""

RETURN = r"""
changed_paths:
  description: The paths that were (or in check mode would be) created or changed, in the order given.
  returned: success
  type: list
  elements: str
  sample: [/etc/slurm/cgroup.conf]
changes:
  description: For each changed path, what differed (create, type, content, owner, group, mode, remove).
  returned: success
  type: dict
  sample: {"/etc/slurm/cgroup.conf": [content]}
"""

from ansible_collections.beowulf.slurm.plugins.module_utils.files import PATHS_SPEC, apply_paths, paths_module


def main() -> None:
    module = paths_module(dict(paths=PATHS_SPEC), supports_check_mode=True)
    result = apply_paths(module, module.params["paths"])
    diffs = result.pop("diff")
    if module._diff:  # pylint: disable=protected-access
        result["diff"] = diffs
    module.exit_json(changed=bool(result["changed_paths"]), **result)


if __name__ == "__main__":
    main()
