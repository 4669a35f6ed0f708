"""Cluster-wide fixtures for the testinfra checks.

Runs under Molecule's testinfra verifier, or with plain pytest:
    MOLECULE_INVENTORY_FILE=<inventory> pytest molecule/resources/tests
"""

from __future__ import annotations

import os
import pathlib

import pytest
import testinfra
from testinfra.utils.ansible_runner import AnsibleRunner

ROOT = pathlib.Path(__file__).resolve().parents[3]


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "converges: runs a playbook again (bad input, key rotation, upgrades...); the full scenarios "
        "(the oldest and the newest Debian) run these, the middle one deselects them (-m 'not converges')")
    config.addinivalue_line(
        "markers", "any_release: input checks made on the Ansible controller before anything reaches a host, "
        "and MUNGE key handling: no Slurm release changes them; Debian 12 runs them, testing deselects them")
    config.addinivalue_line(
        "markers", "configless: switches configless Slurm on and off again with jobs running; runs in Debian 13's "
        "short form (24.11); 22.05 is tested on the emulated board (tests/e2e)")
    config.addinivalue_line(
        "markers", "upgrade: upgrades the cluster's Slurm for good (Debian 13's 24.11 to testing's 26.05); runs "
        "last, in the Debian 13 scenario only (the others: -m 'not upgrade')")


def pytest_collection_modifyitems(items: list) -> None:
    """The upgrade changes the Slurm every other check was written for: it runs last."""
    items.sort(key=lambda item: item.get_closest_marker("upgrade") is not None)


def _inventory() -> str:
    inventory = os.environ.get("MOLECULE_INVENTORY_FILE")
    if not inventory:
        pytest.fail("MOLECULE_INVENTORY_FILE is not set: run through molecule verify, or export it")
    return inventory


@pytest.fixture(scope="session")
def inventory() -> str:
    return _inventory()


@pytest.fixture(scope="session")
def runner(inventory: str) -> AnsibleRunner:
    return AnsibleRunner(inventory)


def _hosts(runner: AnsibleRunner, inventory: str, pattern: str) -> dict:
    names = set()
    for group in pattern.split(":"):
        names.update(runner.get_hosts(group))
    return {
        name: testinfra.get_host("ansible://%s?ansible_inventory=%s" % (name, inventory))
        for name in sorted(names)
    }


@pytest.fixture(scope="session")
def cluster(runner: AnsibleRunner, inventory: str) -> dict:
    """Every host of the cluster, by inventory name."""
    hosts = _hosts(runner, inventory, "slurmctld:slurmd")
    assert len(hosts) >= 3, "the scenario should have a controller and at least two compute nodes"
    return hosts


@pytest.fixture(scope="session")
def controller(runner: AnsibleRunner, inventory: str):
    hosts = _hosts(runner, inventory, "slurmctld")
    assert len(hosts) == 1
    return next(iter(hosts.values()))


@pytest.fixture(scope="session")
def ephemeral_dir() -> pathlib.Path:
    path = os.environ.get("MOLECULE_EPHEMERAL_DIRECTORY")
    if not path:
        pytest.fail("MOLECULE_EPHEMERAL_DIRECTORY is not set")
    return pathlib.Path(path)
