"""The collection builds, installs offline into an empty path, and documents itself."""

from __future__ import annotations

import tarfile

import pytest

from helpers import ROOT, VENV_BIN, run_logged, tail

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    out = tmp_path_factory.mktemp("build")
    build = run_logged("galaxy-build", [str(VENV_BIN / "ansible-galaxy"), "collection", "build",
                                        "--output-path", str(out), str(ROOT)])
    assert build.returncode == 0, tail(build.stdout)
    tarball = out / "beowulf-slurm-0.1.0.tar.gz"
    assert tarball.exists()
    dest = tmp_path_factory.mktemp("collections")
    install = run_logged("galaxy-install", [str(VENV_BIN / "ansible-galaxy"), "collection", "install",
                                            "--no-deps", "--offline", "-p", str(dest), str(tarball)],
                         cwd=dest, ANSIBLE_COLLECTIONS_PATH=str(dest))
    assert install.returncode == 0, tail(install.stdout)
    assert (dest / "ansible_collections" / "beowulf" / "slurm" / "MANIFEST.json").exists(), tail(install.stdout)
    return tarball, dest


def test_tarball_holds_the_collection_and_nothing_local(installed):
    tarball = installed[0]
    with tarfile.open(tarball) as tar:
        names = tar.getnames()
    assert "roles/munge/tasks/main.yml" in names
    assert "plugins/modules/munge_key.py" in names
    assert "playbooks/site.yml" in names
    assert "playbooks/verify.yml" in names
    assert "playbooks/storage.yml" in names
    assert "roles/scratch/meta/argument_specs.yml" in names
    assert "roles/nfs/meta/argument_specs.yml" in names
    assert "roles/slurm/meta/argument_specs.yml" in names
    assert "meta/runtime.yml" in names
    assert "plugins/inventory/turingpi.py" in names
    assert "plugins/modules/turingpi_power.py" in names
    for unwanted in (".venv", ".cache", ".git", "molecule", "collections", "scripts", "tools"):
        assert not any(n == unwanted or n.startswith(unwanted + "/") for n in names), unwanted


def _doc(dest, *args):
    # Run from the install path so nothing of the clone (ansible.cfg, collections/) is seen.
    return run_logged("ansible-doc-" + args[-1].replace(".", "-"), [str(VENV_BIN / "ansible-doc"), *args],
                      cwd=dest, ANSIBLE_COLLECTIONS_PATH=str(dest))


def test_ansible_doc_documents_the_munge_role(installed):
    dest = installed[1]
    proc = _doc(dest, "-t", "role", "beowulf.slurm.munge")
    assert proc.returncode == 0, tail(proc.stdout)
    for option in ("munge_key", "munge_key_rotate", "munge_key_size"):
        assert option in proc.stdout


def test_ansible_doc_documents_the_slurm_role_and_its_plugins(installed):
    dest = installed[1]
    role = _doc(dest, "-t", "role", "beowulf.slurm.slurm")
    assert role.returncode == 0, tail(role.stdout)
    for option in ("slurm_config_overrides", "slurm_partitions", "slurm_reserve_little_cores"):
        assert option in role.stdout
    module = _doc(dest, "beowulf.slurm.cpu_topology")
    assert module.returncode == 0 and "sysfs_root" in module.stdout, tail(module.stdout)
    flt = _doc(dest, "-t", "filter", "beowulf.slurm.slurm_cluster_config")
    assert flt.returncode == 0 and "config_overrides" in flt.stdout, tail(flt.stdout)


def test_ansible_doc_documents_the_turingpi_plugins(installed):
    dest = installed[1]
    inventory = _doc(dest, "-t", "inventory", "beowulf.slurm.turingpi")
    assert inventory.returncode == 0, tail(inventory.stdout)
    for option in ("boards", "cert_fingerprint", "include_powered_off", "controller", "keyed_groups"):
        assert option in inventory.stdout
    power = _doc(dest, "beowulf.slurm.turingpi_power")
    assert power.returncode == 0 and "reset" in power.stdout, tail(power.stdout)


def test_ansible_doc_documents_the_module_and_filter(installed):
    dest = installed[1]
    module = _doc(dest, "beowulf.slurm.munge_key")
    assert module.returncode == 0 and "regenerate" in module.stdout, tail(module.stdout)
    flt = _doc(dest, "-t", "filter", "beowulf.slurm.munge_key_error")
    assert flt.returncode == 0 and "never contains the key" in flt.stdout, tail(flt.stdout)
    files = _doc(dest, "beowulf.slurm.file_set")
    assert files.returncode == 0 and "changed_paths" in files.stdout, tail(files.stdout)
    dpkg = _doc(dest, "-t", "filter", "beowulf.slurm.dpkg_installed")
    assert dpkg.returncode == 0 and "Status-Abbrev" in dpkg.stdout, tail(dpkg.stdout)


def test_ansible_doc_documents_the_storage_roles_and_plugins(installed):
    dest = installed[1]
    for role, options in (("beowulf.slurm.scratch", ("scratch_devices", "scratch_wipe_devices", "scratch_lv_size")),
                          ("beowulf.slurm.nfs", ("nfs_exports", "nfs_network", "nfs_user_dirs"))):
        proc = _doc(dest, "-t", "role", role)
        assert proc.returncode == 0, tail(proc.stdout)
        for option in options:
            assert option in proc.stdout, option
    module = _doc(dest, "beowulf.slurm.disk_info")
    assert module.returncode == 0 and "wipe" in module.stdout, tail(module.stdout)
    flt = _doc(dest, "-t", "filter", "beowulf.slurm.nfs_config_error")
    assert flt.returncode == 0 and "CIDR" in flt.stdout, tail(flt.stdout)
