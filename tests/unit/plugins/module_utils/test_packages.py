from __future__ import annotations

from ansible_collections.beowulf.slurm.plugins.filter.packages import FilterModule
from ansible_collections.beowulf.slurm.plugins.module_utils.packages import installed

OUTPUT = """ii  munge
ii  libc6:amd64
rc  slurmctld
iU  slurmd
iHR nfs-common
un  lvm2
ii  munge
"""


def test_only_fully_installed_packages_count():
    assert installed(OUTPUT) == ["libc6", "munge"]


def test_nothing_installed_is_an_empty_list():
    assert installed("") == []


def test_the_filter_is_registered():
    assert FilterModule().filters()["dpkg_installed"]("ii  slurmd\n") == ["slurmd"]
