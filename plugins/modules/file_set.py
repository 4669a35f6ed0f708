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
  - New content goes to a temporary file in the same directory that has the entry's mode and owner
    before anything is written, then is renamed over the old file, so no reader sees half a file.
  - RV(changed_paths) lists the paths that changed, so that handlers can restart only what a
    change needs.
  - Not for secrets unless the task has C(no_log) (the diff shows the content).
author:
  - beowulf.slurm developers (@beowulf-slurm)
options:
  paths:
    description: What should exist, in order.
    type: list
    elements: dict
    required: true
    suboptions:
      path:
        description: Absolute path.
        type: path
        required: true
      state:
        description:
          - A directory or a regular file. Default C(file) when O(paths[].content) is given.
          - C(absent) removes a file or a link at O(paths[].path); a directory there is an error.
        type: str
        choices: [directory, file, absent]
      content:
        description: The whole file (text). Only for O(paths[].state=file).
        type: str
      line_match:
        description:
          - Instead of O(paths[].content), the file's own lines are kept except the ones that match
            this regular expression (Python C(re.search)), which O(paths[].line) replaces in the
            place of the first one. A file with a line of its own, such as a key in
            C(authorized_keys), without reading the file in a task before.
          - A missing file is empty. Without O(paths[].line) the matching lines are removed, and a
            missing file stays missing.
        type: str
      line:
        description:
          - The one line that replaces the lines matching O(paths[].line_match), or is appended
            when none does. Omit it to remove them.
        type: str
      append:
        description:
          - With O(paths[].line), whether it is appended when no line matches O(paths[].line_match).
            V(false) changes only a line that is there (a missing file stays missing), like
            C(lineinfile)'s C(backrefs). Not set means V(true).
        type: bool
      owner:
        description: User name, or a numeric id (a user that exists on other hosts only).
        type: str
        default: root
      group:
        description: Group name, or a numeric id.
        type: str
        default: root
      mode:
        description:
          - Octal string such as C("0644") (a bare number is refused; YAML reads C(0644) as 420).
          - Required unless O(paths[].state=absent).
        type: raw
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

import grp
import pwd

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.beowulf.slurm.plugins.module_utils.files import (
    apply_entry, check_entry, differences, resolve_lines)


def _id(lookup, name: str):
    """A user or group id from a name, or from digits (an id without a name on this host)."""
    if name.isdigit():
        return int(name)
    try:
        return lookup(name)[2]
    except KeyError:
        return None


def main() -> None:
    module = AnsibleModule(
        argument_spec=dict(paths=dict(type="list", elements="dict", required=True, options=dict(
            path=dict(type="path", required=True),
            state=dict(type="str", choices=["directory", "file", "absent"]),
            content=dict(type="str"),
            line=dict(type="str"),
            line_match=dict(type="str"),
            append=dict(type="bool"),
            owner=dict(type="str", default="root"),
            group=dict(type="str", default="root"),
            mode=dict(type="raw"),
        ))),
        supports_check_mode=True,
    )
    try:
        entries = [check_entry(entry, index) for index, entry in enumerate(module.params["paths"])]
    except ValueError as exc:
        module.fail_json(msg=str(exc))
    changes, diffs = {}, []
    for entry in entries:
        try:
            entry = resolve_lines(entry)
        except (OSError, UnicodeDecodeError) as exc:
            module.fail_json(msg="%s: %s" % (entry["path"], exc), changed_paths=list(changes), changes=changes)
        if entry is None:  # only lines to remove, from a file that is not there
            continue
        uid, gid = _id(pwd.getpwnam, entry["owner"]), _id(grp.getgrnam, entry["group"])
        if not module.check_mode:
            missing = [what for what, value in (("user", uid), ("group", gid)) if value is None]
            if missing:
                module.fail_json(msg="%s: no %s named %s on this host" % (
                    entry["path"], missing[0], entry["owner"] if missing[0] == "user" else entry["group"]),
                    changed_paths=list(changes), changes=changes)
        found = differences(entry, uid, gid)
        if not found:
            continue
        changes[entry["path"]] = found
        if entry["state"] == "file" and ("content" in found or "create" in found):
            before = ""
            if "content" in found:
                with open(entry["path"], encoding="utf-8", errors="replace") as handle:
                    before = handle.read()
            diffs.append({"before_header": entry["path"], "after_header": entry["path"],
                          "before": before, "after": entry["content"]})
        else:
            diffs.append({"before_header": entry["path"], "after_header": entry["path"],
                          "before": "", "after": "%s: %s\n" % (entry["path"], ", ".join(found))})
        if not module.check_mode:
            try:
                apply_entry(entry, uid, gid)
            except OSError as exc:
                module.fail_json(msg="%s: %s" % (entry["path"], exc), changed_paths=list(changes), changes=changes)
    result = {"changed": bool(changes), "changed_paths": list(changes), "changes": changes}
    if module._diff:  # pylint: disable=protected-access
        result["diff"] = diffs
    module.exit_json(**result)


if __name__ == "__main__":
    main()
