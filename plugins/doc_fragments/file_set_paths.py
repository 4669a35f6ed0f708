# -*- coding: utf-8 -*-
# Copyright: (c) 2026, beowulf.slurm developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The paths option: directories and small files with owner and mode (file_set, slurm_conf)."""

from __future__ import annotations


class ModuleDocFragment:
    """Option paths (module_utils/files.py PATHS_SPEC) and what the module returns for it."""

    DOCUMENTATION = r"""
options:
  paths:
    description:
      - What should exist, in order (a directory before the files in it).
      - Directories are made with missing parents (root-owned, mode 0755); a file's new content goes
        to a temporary file in the same directory that has the entry's mode and owner before
        anything is written, then is renamed over the old file, so no reader sees half a file.
      - RV(changed_paths) lists the paths that changed, RV(changes) what differed.
    type: list
    elements: dict
    default: []
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
"""
