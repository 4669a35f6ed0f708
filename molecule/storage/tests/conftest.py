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
