# -*- coding: utf-8 -*-
# Copyright: (c) 2026, beowulf.slurm developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which systemd services are enabled and running, read from one ``systemctl show`` run (the
roles then start only the daemons that are not, instead of one module run per daemon and host)."""

from __future__ import annotations

from typing import List, Sequence

# One block of properties per unit, in the order the units are named, blocks apart by a blank line.
SYSTEMCTL_SHOW = ["systemctl", "show", "--property=Id,UnitFileState,ActiveState", "--"]


def running(output: str, names: Sequence[str]) -> List[str]:
    """The names among ``names`` (as given to ``SYSTEMCTL_SHOW``, in that order) whose unit is
    enabled and active: exactly what ``systemd_service: enabled=true state=started`` would leave
    alone. Anything else (disabled, static, masked, failed, activating, not installed) is not in
    the list, so the role's own task runs for it as before. An alias counts by the name given.

    Raises ValueError when the output does not hold one block per name."""
    blocks = [block for block in output.strip().split("\n\n") if block.strip()]
    if len(blocks) != len(names):
        raise ValueError("systemctl show described %d units for the %d asked (%s)"
                         % (len(blocks), len(names), ", ".join(names)))
    result = []
    for name, block in zip(names, blocks):
        properties = dict(line.split("=", 1) for line in block.splitlines() if "=" in line)
        if properties.get("UnitFileState") == "enabled" and properties.get("ActiveState") == "active":
            result.append(name)
    return result
