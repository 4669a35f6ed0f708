"""Molecule tier: every scenario's full test sequence on real systemd containers and VMs."""

from __future__ import annotations

import pytest

from helpers import ROOT, VENV_BIN, run_logged, tail

pytestmark = pytest.mark.molecule

# The VM scenario first: its software-emulated CPUs suffer most from sharing the machine late in
# the run, when the e2e tier beside it converges most often.
SCENARIOS = sorted((p.parent.name for p in (ROOT / "molecule").glob("*/molecule.yml")),
                   key=lambda name: (name != "storage", name))
# Each scenario's time limit: about twice what it takes beside the e2e tier (tests/README.md).
TIME_LIMIT = {"storage": 2400}


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_molecule_scenario(scenario):
    molecule = str(VENV_BIN / "molecule")
    proc = run_logged("molecule-" + scenario, [molecule, "test", "-s", scenario],
                      timeout=TIME_LIMIT.get(scenario, 2000))
    if proc.returncode == -9:  # stopped at its time limit before its own destroy step ran
        run_logged("molecule-%s-destroy" % scenario, [molecule, "destroy", "-s", scenario], timeout=300)
    assert proc.returncode == 0, tail(proc.stdout, 120)


def test_there_are_the_container_and_the_vm_scenarios():
    assert {"debian12", "debian13", "storage"} <= set(SCENARIOS)
