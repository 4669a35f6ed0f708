"""Static tier: ansible-lint (production profile) and ansible-test sanity."""

from __future__ import annotations

import pathlib
import re
import shutil
import subprocess
import sys

import pytest
import yaml

from helpers import ROOT, VENV_BIN, run_logged, tail

pytestmark = pytest.mark.static


def test_ansible_lint_production_profile_is_clean():
    proc = run_logged("ansible-lint", [str(VENV_BIN / "ansible-lint"), "--profile", "production", "--offline"])
    assert proc.returncode == 0, tail(proc.stdout)


def _sanity_tree():
    """ansible-test needs the collection under ansible_collections/<ns>/<name>: copy what git tracks."""
    base = ROOT / ".cache" / "sanity"
    dest = base / "ansible_collections" / "beowulf" / "slurm"
    shutil.rmtree(base, ignore_errors=True)
    dest.mkdir(parents=True)
    files = subprocess.run(["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=ROOT,
                           capture_output=True, check=True).stdout.decode().split("\0")
    for name in filter(None, files):
        src = ROOT / name
        if name.startswith("collections/") or not src.exists() or src.is_symlink():
            continue
        target = dest / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(src, target)
    subprocess.run(["git", "init", "-q"], cwd=dest, check=True)
    subprocess.run(["git", "add", "-A"], cwd=dest, check=True)
    return dest


def _sanity_python() -> pathlib.Path:
    """A venv of its own for ansible-test (it installs its pinned linters into it)."""
    pin = re.search(r"^ansible-core==(\S+)", (ROOT / "requirements.txt").read_text(), re.M).group(1)
    venv = ROOT / ".cache" / "sanity-venv"
    stamp = venv / ".ansible-core"
    if not (stamp.exists() and stamp.read_text() == pin):
        subprocess.run([sys.executable, "-m", "venv", "--clear", str(venv)], check=True)
        subprocess.run([str(venv / "bin" / "pip"), "install", "-q", "ansible-core==" + pin], check=True,
                       capture_output=True)
        stamp.write_text(pin)
    return venv / "bin"


def _offline_pip_bootstrap() -> None:
    """ansible-test fetches get-pip.py from a host we cannot reach; give it the offline stand-in."""
    shim = (ROOT / "tests" / "static" / "get_pip_offline.py").read_text()
    cache = pathlib.Path.home() / ".ansible" / "test" / "cache"
    cache.mkdir(parents=True, exist_ok=True)
    for version in ("24_2",):
        target = cache / ("get_pip_%s.py" % version)
        if not target.exists() or "Offline stand-in" in target.read_text():
            target.write_text(shim)


def test_ansible_test_sanity_is_clean():
    dest = _sanity_tree()
    bindir = _sanity_python()
    _offline_pip_bootstrap()
    proc = run_logged("ansible-test-sanity",
                      [str(bindir / "ansible-test"), "sanity", "--local", "--requirements",
                       "--python", "3.11", "--color", "no"],
                      cwd=dest, timeout=2400)
    assert proc.returncode == 0, tail(proc.stdout)


def test_the_task_names_the_tests_wait_for_exist():
    """Tests that act when a run reaches a task find it by name in ansible-playbook's output:
    a renamed task must fail here in seconds, not after an hour of e2e."""
    e2e = (ROOT / "tests" / "e2e" / "test_emulated_board.py").read_text()
    waited = re.findall(r'TASK \[beowulf\.slurm\.(\w+) : ([^\]]+)\]', e2e)
    assert waited, "no task name found in the e2e tests"
    for role, name in waited:
        names = set()
        for path in (ROOT / "roles" / role).glob("*/*.yml"):
            for item in yaml.safe_load(path.read_text()) or []:
                if isinstance(item, dict) and "name" in item:
                    names.add(item["name"])
        assert name in names, "%s: no task named %r in roles/%s" % (role, name, role)


def test_the_container_scenarios_are_written_from_one_table(tmp_path, monkeypatch):
    """molecule/debian12, debian13 and debian-testing come from tools/molecule_scenarios.py."""
    sys.path.insert(0, str(ROOT / "tools"))
    import molecule_scenarios  # pylint: disable=import-outside-toplevel

    assert molecule_scenarios.stale() == [], "run python3 tools/molecule_scenarios.py"
    for name in molecule_scenarios.SCENARIOS:
        text = (ROOT / "molecule" / name / "molecule.yml").read_text()
        assert yaml.safe_load(text)["platforms"][3]["name"].endswith("-c3")
    # An edit made to a generated file instead of the table is found.
    monkeypatch.setattr(molecule_scenarios, "ROOT", tmp_path)
    (tmp_path / "molecule" / "debian12").mkdir(parents=True)
    (tmp_path / "molecule" / "debian12" / "molecule.yml").write_text(
        molecule_scenarios.render("debian12").replace("rk1-5.10", "rk1-6.1"))
    assert "debian12" in molecule_scenarios.stale()
