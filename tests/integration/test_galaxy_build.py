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


# What a user reads with ansible-doc from the installed collection: (type, name, words it must show).
DOCS = [
    ("role", "beowulf.slurm.munge", ("munge_key", "munge_key_rotate", "munge_key_size")),
    ("role", "beowulf.slurm.slurm", ("slurm_config_overrides", "slurm_partitions", "slurm_reserve_little_cores")),
    ("role", "beowulf.slurm.scratch", ("scratch_devices", "scratch_wipe_devices", "scratch_lv_size")),
    ("role", "beowulf.slurm.nfs", ("nfs_exports", "nfs_network", "nfs_user_dirs")),
    ("inventory", "beowulf.slurm.turingpi",
     ("boards", "cert_fingerprint", "include_powered_off", "controller", "keyed_groups", "turingpi_bmc_connection")),
    ("module", "beowulf.slurm.turingpi_power", ("reset", "connection", "cert_fingerprint", "TURINGPI_PASSWORD")),
    ("module", "beowulf.slurm.cpu_topology", ("sysfs_root", "running_services")),
    ("module", "beowulf.slurm.munge_key", ("regenerate",)),
    ("module", "beowulf.slurm.file_set", ("changed_paths", "line_match")),
    # The paths option comes from the doc fragment beowulf.slurm.file_set_paths.
    ("module", "beowulf.slurm.slurm_conf", ("reconfigure", "line_match", "changed_paths")),
    ("module", "beowulf.slurm.disk_info", ("wipe",)),
    ("filter", "beowulf.slurm.slurm_cluster_config", ("config_overrides",)),
    ("filter", "beowulf.slurm.munge_key_error", ("never contains the key",)),
    ("filter", "beowulf.slurm.dpkg_installed", ("Status-Abbrev",)),
    ("filter", "beowulf.slurm.nfs_config_error", ("CIDR",)),
    ("filter", "beowulf.slurm.turingpi_bmc_password", ("TURINGPI_PASSWORD", "no_log")),
    ("filter", "beowulf.slurm.slurm_accounting_errors", ("slurm_dbd_storage_host", "never the password")),
]


@pytest.mark.parametrize("kind, name, words", DOCS, ids=[name.split(".")[-1] for _kind, name, _words in DOCS])
def test_ansible_doc_documents_it(installed, kind, name, words):
    proc = _doc(installed[1], "-t", kind, name)
    assert proc.returncode == 0, tail(proc.stdout)
    text = " ".join(proc.stdout.split())
    for word in words:
        assert word in text, "%s: %s" % (name, word)
