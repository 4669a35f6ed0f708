from __future__ import annotations

import pytest

from ansible_collections.beowulf.slurm.plugins.module_utils.services import SYSTEMCTL_SHOW, running

# `systemctl show --property=Id,UnitFileState,ActiveState -- munge nosuch slurmctld slurmd mysql`
# on a Debian 12 controller (mysql is an alias of mariadb.service).
OUTPUT = """Id=munge.service
ActiveState=active
UnitFileState=enabled

Id=nosuch.service
ActiveState=inactive
UnitFileState=

Id=slurmctld.service
ActiveState=active
UnitFileState=enabled

Id=slurmd.service
ActiveState=inactive
UnitFileState=disabled

Id=mariadb.service
ActiveState=active
UnitFileState=enabled
"""


def test_enabled_and_active_units_run_by_the_names_given():
    assert running(OUTPUT, ["munge", "nosuch", "slurmctld", "slurmd", "mysql"]) == ["munge", "slurmctld", "mysql"]


@pytest.mark.parametrize("unit_file_state, active_state", [
    ("disabled", "active"),           # started by hand, would not come back after a reboot
    ("enabled", "failed"),
    ("enabled", "activating"),        # auto-restart after a crash: the role's task decides
    ("enabled-runtime", "active"),
    ("masked", "inactive"),
    ("static", "active"),
])
def test_anything_but_enabled_and_active_is_left_to_the_role(unit_file_state, active_state):
    output = "Id=slurmd.service\nActiveState=%s\nUnitFileState=%s\n" % (active_state, unit_file_state)
    assert running(output, ["slurmd"]) == []


def test_a_block_missing_or_extra_is_refused_not_guessed():
    with pytest.raises(ValueError, match="described 5 units for the 2 asked"):
        running(OUTPUT, ["munge", "slurmd"])


def test_the_command_ends_its_options_before_the_names():
    assert SYSTEMCTL_SHOW[-1] == "--"
