"""Topology -> Slurm node line, on trees built from shared/reference/cpu_topologies.md."""

from __future__ import annotations

import os
import sys

import pytest

from ansible_collections.beowulf.slurm.plugins.module_utils import cpu_topology as ct

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "..", "fixtures"))
import topology as trees  # noqa: E402  pylint: disable=wrong-import-position


def tree(tmp_path, name):
    trees.build(name, str(tmp_path))
    return ct.read_topology(str(tmp_path / "sys"), str(tmp_path / "proc"), hostname="n1")


# The node line the reference recommends for each module (section 1 table, x86 from slurmd -C).
EXPECTED = {
    "rk1-5.10": "CPUs=8 Boards=1 SocketsPerBoard=1 CoresPerSocket=8 ThreadsPerCore=1",
    "rk1-6.1": "CPUs=8 Boards=1 SocketsPerBoard=1 CoresPerSocket=8 ThreadsPerCore=1",
    "cm4": "CPUs=4 Boards=1 SocketsPerBoard=1 CoresPerSocket=4 ThreadsPerCore=1",
    "orin-nano": "CPUs=6 Boards=1 SocketsPerBoard=2 CoresPerSocket=3 ThreadsPerCore=1",
    "x86-smt": "CPUs=8 Boards=1 SocketsPerBoard=1 CoresPerSocket=4 ThreadsPerCore=2",
    "x86-2s": "CPUs=16 Boards=1 SocketsPerBoard=2 CoresPerSocket=4 ThreadsPerCore=2",
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_node_line_matches_the_reference(tmp_path, name):
    topo = tree(tmp_path, name)
    definition = ct.slurm_node_definition(topo)
    line = ct.node_line(definition)
    assert line.startswith(EXPECTED[name] + " RealMemory=")
    product = definition["SocketsPerBoard"] * definition["CoresPerSocket"] * definition["ThreadsPerCore"]
    assert product == definition["CPUs"] == topo.cpus


def test_rk1_on_the_5_10_kernel_is_what_linux_says_and_heterogeneous(tmp_path):
    topo = tree(tmp_path, "rk1-5.10")
    assert (topo.cpus, topo.packages, topo.cores, topo.threads_per_core) == (8, 3, 8, 1)
    assert topo.cores_per_package == [4, 2, 2]
    assert topo.heterogeneous
    assert [(k.model, k.count, k.cpus, k.capacity, k.max_mhz) for k in topo.kinds] == [
        ("Cortex-A55", 4, "0-3", 397, 1800),
        ("Cortex-A76", 4, "4-7", 1024, 2400),
    ]
    assert ct.little_cpus(topo) == "0-3"


def test_rk1_on_6_x_has_one_package_and_three_clusters(tmp_path):
    topo = tree(tmp_path, "rk1-6.1")
    assert (topo.packages, topo.clusters, topo.cores) == (1, 3, 8)
    assert topo.heterogeneous


@pytest.mark.parametrize("name", ["cm4", "orin-nano", "x86-smt", "x86-2s"])
def test_homogeneous_modules(tmp_path, name):
    topo = tree(tmp_path, name)
    assert not topo.heterogeneous
    assert len(topo.kinds) == 1
    assert ct.little_cpus(topo) == ""


def test_cpu_kinds_are_named(tmp_path):
    assert tree(tmp_path, "cm4").kinds[0].model == "Cortex-A72"
    assert tree(tmp_path / "o", "orin-nano").kinds[0].model == "Cortex-A78AE"
    assert tree(tmp_path / "x", "x86-smt").kinds[0].model.startswith("Intel(R) Core(TM) i7-7700")


def test_real_memory_reserve(tmp_path):
    topo = tree(tmp_path, "rk1-5.10")
    assert topo.memory_mb == 16297732 // 1024
    assert ct.slurm_node_definition(topo, 0)["RealMemory"] == topo.memory_mb
    assert ct.slurm_node_definition(topo, 5)["RealMemory"] == topo.memory_mb * 95 // 100
    assert ct.slurm_node_definition(topo, 0, 1024)["RealMemory"] == topo.memory_mb - 1024
    with pytest.raises(ct.TopologyError, match="memory_reserve_percent"):
        ct.slurm_node_definition(topo, 100)
    with pytest.raises(ct.TopologyError, match="memory_reserve_mb"):
        ct.slurm_node_definition(topo, 0, -1)


def test_uneven_packages_of_one_kind_become_one_socket():
    cpus = [ct.Cpu(cpu=n, package=0 if n < 3 else 1, core=n, cluster=None, siblings=str(n),
                   capacity=None, max_mhz=None, model="x") for n in range(5)]
    topo = ct.summarise(cpus, 1000)
    assert topo.heterogeneous
    assert ct.node_line(ct.slurm_node_definition(topo, 0)) == (
        "CPUs=5 Boards=1 SocketsPerBoard=1 CoresPerSocket=5 ThreadsPerCore=1 RealMemory=1000")


def test_missing_trees_fail_clearly(tmp_path):
    with pytest.raises(ct.TopologyError, match="does not exist"):
        ct.read_topology(str(tmp_path / "nope"), str(tmp_path / "nope"))
    trees.build("cm4", str(tmp_path))
    os.remove(tmp_path / "proc" / "meminfo")
    with pytest.raises(ct.TopologyError, match="meminfo"):
        ct.read_topology(str(tmp_path / "sys"), str(tmp_path / "proc"))


def test_offline_cpus_are_not_counted(tmp_path):
    trees.build("rk1-6.1", str(tmp_path))
    (tmp_path / "sys/devices/system/cpu/online").write_text("0-5\n")
    topo = ct.read_topology(str(tmp_path / "sys"), str(tmp_path / "proc"), hostname="n")
    assert topo.cpus == 6


@pytest.mark.parametrize("text, cpus", [("0-3", [0, 1, 2, 3]), ("0,2-3,7", [0, 2, 3, 7]), ("5", [5]), ("", [])])
def test_cpu_lists_round_trip(text, cpus):
    assert ct.parse_cpu_list(text) == cpus
    assert ct.format_cpu_list(cpus) == text


def test_this_machine_reads_without_error():
    topo = ct.read_topology()
    definition = ct.slurm_node_definition(topo)
    assert definition["CPUs"] == os.cpu_count()
    product = definition["SocketsPerBoard"] * definition["CoresPerSocket"] * definition["ThreadsPerCore"]
    assert product == definition["CPUs"]
