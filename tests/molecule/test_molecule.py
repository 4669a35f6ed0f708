"""Molecule tier: every scenario's full test sequence on real systemd containers."""

from __future__ import annotations

import pytest

from helpers import ROOT, VENV_BIN, run_logged, tail

pytestmark = pytest.mark.molecule

SCENARIOS = sorted(p.parent.name for p in (ROOT / "molecule").glob("*/molecule.yml"))


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_molecule_scenario(scenario):
    proc = run_logged("molecule-" + scenario, [str(VENV_BIN / "molecule"), "test", "-s", scenario],
                      timeout=3000)
    assert proc.returncode == 0, tail(proc.stdout, 120)


def test_there_are_the_container_and_the_vm_scenarios():
    assert {"debian12", "debian13", "storage"} <= set(SCENARIOS)
