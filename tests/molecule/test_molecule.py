"""Molecule tier: every scenario's full test sequence on real systemd containers and VMs."""

from __future__ import annotations

import os
import sys

import pytest

from helpers import ROOT, VENV_BIN, run_logged, tail

sys.path.insert(0, str(ROOT / "tools"))
from node_image import CLUSTER_PACKAGES, node_image  # noqa: E402  pylint: disable=wrong-import-position

pytestmark = pytest.mark.molecule

# The VM scenario first: its software-emulated CPUs suffer most from sharing the machine late in
# the run, when the e2e tier beside it converges most often.
SCENARIOS = sorted((p.parent.name for p in (ROOT / "molecule").glob("*/molecule.yml")),
                   key=lambda name: (name != "storage", name))
# Each scenario's time limit (a hang guard): about twice what it takes beside the e2e tier on a
# normal day; the VM scenario took over 40 min on a slow day (2026-11-28), so it gets 60.
TIME_LIMIT = {"storage": 3600}
# Debian 12 and 13 run on node images with the cluster's packages already installed (built once,
# cached by a hash of the package list: tools/node_image.py); the roles' install tasks still run
# and find them. Debian testing keeps the bare image, so one scenario always installs everything
# from the mirror, on the release most likely to change.
PREINSTALLED = {"debian12": ("BEOWULF_IMAGE_DEBIAN12", "beowulf-slurm/debian12:base"),
                "debian13": ("BEOWULF_IMAGE_DEBIAN13", "beowulf-slurm/debian13:base")}


def _images(scenario: str) -> dict:
    if scenario not in PREINSTALLED:
        return {}
    variable, default = PREINSTALLED[scenario]
    return {variable: node_image(os.environ.get(variable, default), CLUSTER_PACKAGES)}


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_molecule_scenario(scenario):
    molecule = str(VENV_BIN / "molecule")
    proc = run_logged("molecule-" + scenario, [molecule, "test", "-s", scenario],
                      timeout=TIME_LIMIT.get(scenario, 3000), **_images(scenario))
    if proc.returncode == -9:  # stopped at its time limit before its own destroy step ran
        run_logged("molecule-%s-destroy" % scenario, [molecule, "destroy", "-s", scenario], timeout=300,
                   **_images(scenario))
    assert proc.returncode == 0, tail(proc.stdout, 120)


def test_there_are_the_container_and_the_vm_scenarios():
    assert {"debian12", "debian13", "debian-testing", "storage"} <= set(SCENARIOS)
