# -*- coding: utf-8 -*-
# Copyright: (c) 2026, beowulf.slurm developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which Debian packages are installed, read from one dpkg-query run (shared by the roles)."""

from __future__ import annotations

from typing import List

# What the roles run: one line per package dpkg knows, its status abbreviation first.
DPKG_QUERY = ["dpkg-query", "--show", "--showformat", "${db:Status-Abbrev} ${Package}\n"]


def installed(dpkg_output: str) -> List[str]:
    """The names of the packages that are fully installed ("ii": wanted install, status
    installed, no error flag). Half-installed, config-files-only or held-broken packages are not
    in the list, so apt runs for them and repairs or reports them."""
    names = []
    for line in dpkg_output.splitlines():
        fields = line.split()
        if len(fields) == 2 and fields[0] == "ii":
            names.append(fields[1].split(":", 1)[0])
    return sorted(set(names))
