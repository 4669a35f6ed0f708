from __future__ import annotations

import os
import sys

import pytest

from ansible_collections.beowulf.slurm.plugins.modules import cpu_topology

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "..", "fixtures"))
import topology as trees  # noqa: E402  pylint: disable=wrong-import-position


@pytest.fixture()
def run(run_module):
    return lambda **args: run_module(cpu_topology, **args)


def test_module_reports_rk1_facts(tmp_path, run):
    trees.build("rk1-5.10", str(tmp_path))
    result = run(sysfs_root=str(tmp_path / "sys"), procfs_root=str(tmp_path / "proc"))
    facts = result["ansible_facts"]["beowulf_cpu_topology"]
    assert result["changed"] is False
    assert facts["heterogeneous"] is True
    assert facts["packages"] == 3 and facts["cpus"] == 8
    assert facts["little_cpus"] == "0-3"
    assert facts["slurm_line"].startswith("CPUs=8 Boards=1 SocketsPerBoard=1 CoresPerSocket=8 ThreadsPerCore=1 ")
    assert facts["slurm"]["RealMemory"] == (16297732 // 1024) * 95 // 100


def test_module_fails_clearly_on_a_missing_tree(tmp_path, run):
    result = run(sysfs_root=str(tmp_path / "none"), procfs_root=str(tmp_path / "none"))
    assert result["failed"] is True
    assert "cannot read the CPU topology" in result["msg"]


def test_module_lists_the_installed_packages_in_the_same_run(tmp_path, run):
    trees.build("rk1-5.10", str(tmp_path))
    roots = dict(sysfs_root=str(tmp_path / "sys"), procfs_root=str(tmp_path / "proc"))
    assert "installed_packages" not in run(**roots)
    result = run(installed_packages=True, **roots)
    # this machine's own dpkg database: dpkg itself is always installed on Debian
    assert "dpkg" in result["installed_packages"] and result["installed_packages"] == sorted(result["installed_packages"])
    assert result["ansible_facts"]["beowulf_cpu_topology"]["cpus"] == 8


def test_module_names_a_failed_package_listing(tmp_path, run, monkeypatch):
    trees.build("rk1-5.10", str(tmp_path))
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "dpkg-query").write_text("#!/bin/sh\necho 'dpkg-query: error: database locked' >&2\nexit 2\n")
    (bin_dir / "dpkg-query").chmod(0o755)
    monkeypatch.setenv("PATH", "%s:%s" % (bin_dir, os.environ["PATH"]))
    result = run(sysfs_root=str(tmp_path / "sys"), procfs_root=str(tmp_path / "proc"), installed_packages=True)
    assert result["failed"] is True
    assert result["msg"] == "cannot list the installed packages (dpkg-query --show): dpkg-query: error: database locked"


def test_installed_packages_of_a_wrong_type_is_refused_by_name(tmp_path, run):
    trees.build("rk1-5.10", str(tmp_path))
    result = run(sysfs_root=str(tmp_path / "sys"), procfs_root=str(tmp_path / "proc"), installed_packages="perhaps")
    assert result["failed"] is True and "installed_packages" in result["msg"]
    assert "installed_packages" not in {key for key in result if key != "msg"}


def _fake_systemctl(tmp_path, monkeypatch, script: str) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    (bin_dir / "systemctl").write_text("#!/bin/sh\n" + script)
    (bin_dir / "systemctl").chmod(0o755)
    monkeypatch.setenv("PATH", "%s:%s" % (bin_dir, os.environ["PATH"]))


def test_module_says_which_services_run_in_the_same_run(tmp_path, run, monkeypatch):
    trees.build("rk1-5.10", str(tmp_path))
    # prints what it was asked, so the test sees the names reached systemctl after "--"
    _fake_systemctl(tmp_path, monkeypatch, 'echo "$@" > %s/argv\n'
                    'printf "Id=munge.service\\nActiveState=active\\nUnitFileState=enabled\\n\\n'
                    'Id=slurmd.service\\nActiveState=failed\\nUnitFileState=enabled\\n"\n' % tmp_path)
    roots = dict(sysfs_root=str(tmp_path / "sys"), procfs_root=str(tmp_path / "proc"))
    assert "running_services" not in run(**roots)
    result = run(services=["munge", "slurmd"], **roots)
    assert result["running_services"] == ["munge"]
    assert (tmp_path / "argv").read_text().split() == ["show", "--property=Id,UnitFileState,ActiveState", "--", "munge", "slurmd"]
    assert result["changed"] is False


def test_module_names_a_failed_service_read(tmp_path, run, monkeypatch):
    trees.build("rk1-5.10", str(tmp_path))
    _fake_systemctl(tmp_path, monkeypatch, "echo 'System has not been booted with systemd' >&2\nexit 1\n")
    result = run(sysfs_root=str(tmp_path / "sys"), procfs_root=str(tmp_path / "proc"), services=["munge"])
    assert result["failed"] is True
    assert result["msg"] == ("cannot read the state of the services munge (systemctl show): "
                             "System has not been booted with systemd")


def test_services_of_a_wrong_type_is_refused_by_name(tmp_path, run):
    trees.build("rk1-5.10", str(tmp_path))
    result = run(sysfs_root=str(tmp_path / "sys"), procfs_root=str(tmp_path / "proc"), services={"munge": True})
    assert result["failed"] is True and "services" in result["msg"]
