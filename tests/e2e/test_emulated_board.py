"""The main job end to end: BMC emulator -> inventory plugin -> power_on.yml, site.yml, verify.yml."""

from __future__ import annotations

import json
import subprocess

import pytest

from helpers import ROOT, VENV_BIN, run_logged, tail, tool_env

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def board():
    proc = run_logged("emulated-board", [str(VENV_BIN / "python"), str(ROOT / "scripts" / "demo.py"), "up"],
                      timeout=2400)
    yield proc
    run_logged("emulated-board-destroy", [str(VENV_BIN / "python"), str(ROOT / "scripts" / "demo.py"), "destroy"])


def password():
    return (ROOT / ".cache" / "emulated" / "bmc_password").read_text().strip()


def test_make_demo_deploys_and_smoke_tests_the_board(board):
    assert board.returncode == 0, tail(board.stdout, 120)
    out = board.stdout
    assert "[7/7] the cluster" in out
    assert "$ srun -N3 hostname" in out
    assert out.count("allreduce sum 6") == 3, tail(out, 40)


def test_inventory_comes_from_the_bmc(board):
    proc = subprocess.run([str(VENV_BIN / "ansible-inventory"), "-i", str(ROOT / "inventories" / "emulated"),
                           "--list"], cwd=ROOT, env=tool_env(TURINGPI_PASSWORD=password()), capture_output=True,
                          text=True, timeout=60, check=False)
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["slurmctld"]["hosts"] == ["node3"]
    assert sorted(data["slurmd"]["hosts"]) == ["node1", "node2", "node4"]
    assert sorted(data["powered_on"]["hosts"]) == ["node1", "node2", "node3", "node4"]
    assert password() not in proc.stdout


def test_slurm_sees_rk1_nodes(board):
    out = subprocess.run(["docker", "exec", "beowulf-node3", "sinfo", "-h", "-N", "-o", "%N %T %c %z"],
                         capture_output=True, text=True, check=True).stdout.split("\n")
    assert sorted(line for line in out if line) == ["node1 idle 8 1:8:1", "node2 idle 8 1:8:1", "node4 idle 8 1:8:1"]


def test_second_run_changes_nothing(board):
    proc = run_logged("emulated-board-rerun", [str(VENV_BIN / "ansible-playbook"), "site.yml", "-i",
                                               "inventories/emulated"], TURINGPI_PASSWORD=password())
    assert proc.returncode == 0, tail(proc.stdout)
    recap = [line for line in proc.stdout.splitlines() if "changed=" in line and "ok=" in line]
    assert len(recap) == 4 and all(" changed=0 " in line for line in recap), "\n".join(recap)
    assert password() not in proc.stdout
