from __future__ import annotations

from ansible_collections.beowulf.slurm.plugins.filter.slurm import FilterModule

TOPO = {"hostname": "n1", "heterogeneous": False, "little_cpus": "",
        "slurm": {"CPUs": 2, "Boards": 1, "SocketsPerBoard": 1, "CoresPerSocket": 2, "ThreadsPerCore": 1,
                  "RealMemory": 900}}


def test_filters_are_registered_and_work_together():
    filters = FilterModule().filters()
    nodes = filters["slurm_node_inputs"](["n1"], {"n1": {"beowulf_cpu_topology": TOPO}})
    result = filters["slurm_cluster_config"]({
        "controller": {"name": "c", "hostname": "c"}, "nodes": nodes,
        "config_defaults": {"ClusterName": "x"}, "config": {}, "cgroup_defaults": {}, "cgroup": {},
        "partitions": [], "config_overrides": "auto"})
    assert result["errors"] == []
    assert "NodeName=n1 CPUs=2" in result["slurm_conf"]
