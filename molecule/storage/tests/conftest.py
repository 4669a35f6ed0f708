"""Fixtures for the VM checks (molecule verify, or plain pytest):

    MOLECULE_INVENTORY_FILE=<inventory> pytest molecule/storage/tests
"""

from __future__ import annotations

import os
import pathlib
import sys

import pytest
import testinfra

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2] / "resources" / "tests"))
import playbook  # noqa: E402,F401  pylint: disable=wrong-import-position,unused-import


def _host(name: str):
    inventory = os.environ.get("MOLECULE_INVENTORY_FILE")
    if not inventory:
        pytest.fail("MOLECULE_INVENTORY_FILE is not set: run through molecule verify, or export it")
    return testinfra.get_host("ansible://%s?ansible_inventory=%s" % (name, inventory))


@pytest.fixture(scope="session")
def inventory() -> str:
    return os.environ["MOLECULE_INVENTORY_FILE"]


@pytest.fixture(scope="session")
def server():
    """vm1: controller, compute node, scratch volume, NFS server."""
    return _host("vm1")


@pytest.fixture(scope="session")
def client():
    """vm2: compute node and NFS client; its spare disk holds somebody's data."""
    return _host("vm2")


# The checks of the converged cluster only read it and hold in any order. Two tests change it and
# run after them, in this order: a spare disk wiped into a scratch volume (test_data_safety.py:
# its data exists once), then a reboot of the client (test_reboot.py: whatever was mounted, and
# the node in Slurm, come back). vm2's scratch volume then exists, but slurm.conf still says
# TmpDisk=0 for it and the Slurm checks have run.
CHANGE_THE_CLUSTER = ("test_data_safety.py", "test_reboot.py")


def pytest_collection_modifyitems(items):
    def rank(item) -> int:
        name = item.path.name
        return CHANGE_THE_CLUSTER.index(name) + 1 if name in CHANGE_THE_CLUSTER else 0

    items.sort(key=rank)  # stable: the read-only checks keep their order
