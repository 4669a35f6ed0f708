from __future__ import annotations

import copy

import pytest

from ansible_collections.beowulf.slurm.plugins.module_utils import slurm_config as sc

RK1 = {"hostname": "rk1", "heterogeneous": True, "little_cpus": "0-3",
       "slurm": {"CPUs": 8, "Boards": 1, "SocketsPerBoard": 1, "CoresPerSocket": 8, "ThreadsPerCore": 1,
                 "RealMemory": 15000}}
CM4 = {"hostname": "cm4", "heterogeneous": False, "little_cpus": "",
       "slurm": {"CPUs": 4, "Boards": 1, "SocketsPerBoard": 1, "CoresPerSocket": 4, "ThreadsPerCore": 1,
                 "RealMemory": 3600}}
DEFAULTS = {"ClusterName": "lab", "SlurmUser": "slurm", "TaskPlugin": "task/cgroup,task/affinity",
            "MpiDefault": "pmix"}
CGROUP = {"CgroupPlugin": "autodetect", "ConstrainCores": "yes", "ConstrainRAMSpace": "yes"}


def cluster(**changes):
    base = {
        "controller": {"name": "ctl", "hostname": "ctl", "addr": ""},
        "nodes": [{"name": "node1", "topology": copy.deepcopy(RK1)},
                  {"name": "node2", "topology": copy.deepcopy(CM4)}],
        "config_defaults": dict(DEFAULTS), "config": {},
        "cgroup_defaults": dict(CGROUP), "cgroup": {},
        "partitions": [], "default_partition": "main",
        "config_overrides": "auto", "reserve_little_cores": False,
    }
    base.update(changes)
    return base


def build(**changes):
    return sc.build_cluster_config(cluster(**changes))


def test_renders_nodes_partition_and_controller():
    result = build()
    assert result["errors"] == []
    text = result["slurm_conf"]
    assert "SlurmctldHost=ctl\n" in text
    assert ("NodeName=rk1 CPUs=8 Boards=1 SocketsPerBoard=1 CoresPerSocket=8 ThreadsPerCore=1 "
            "RealMemory=15000 State=UNKNOWN\n") in text
    assert "NodeName=cm4 CPUs=4 " in text
    assert "PartitionName=main Nodes=rk1,cm4 Default=YES MaxTime=INFINITE State=UP\n" in text
    assert text.startswith("# Managed by Ansible")
    assert "ConstrainCores=yes\n" in result["cgroup_conf"]


def test_auto_policy_turns_overrides_on_for_heterogeneous_nodes_only():
    assert "SlurmdParameters=config_overrides\n" in build()["slurm_conf"]
    assert build()["config_overrides"] is True
    homogeneous = build(nodes=[{"name": "node2", "topology": CM4}])
    assert homogeneous["config_overrides"] is False
    assert "SlurmdParameters" not in homogeneous["slurm_conf"]


@pytest.mark.parametrize("policy, expected", [(True, True), (False, False), ("true", True), ("false", False),
                                              ("auto", True)])
def test_explicit_policy(policy, expected):
    assert build(config_overrides=policy)["config_overrides"] is expected


def test_policy_false_removes_a_user_supplied_flag_but_keeps_other_parameters():
    result = build(config_overrides=False, config={"SlurmdParameters": "config_overrides,l3cache_as_socket"})
    assert "SlurmdParameters=l3cache_as_socket\n" in result["slurm_conf"]


def test_bad_policy_names_the_variable():
    assert any("slurm_config_overrides must be one of auto, true, false" in e
               for e in build(config_overrides="sometimes")["errors"])


def test_user_config_overrides_key_by_key_and_none_removes():
    text = build(config={"MpiDefault": "none", "SlurmUser": None, "SlurmctldTimeout": 300})["slurm_conf"]
    assert "MpiDefault=none\n" in text
    assert "SlurmUser" not in text
    assert "SlurmctldTimeout=300\n" in text
    assert "ClusterName=lab\n" in text


@pytest.mark.parametrize("value, fragment", [
    ({"a": 1}, "slurm_config.MpiDefault must be a string or a number, got dict"),
    ([1], "slurm_config.MpiDefault must be a string or a number, got list"),
    (True, "slurm_config.MpiDefault must be a string or a number, got bool"),
    ("x\ny", "slurm_config.MpiDefault must be one line"),
])
def test_bad_config_values_name_the_key(value, fragment):
    assert fragment in build(config={"MpiDefault": value})["errors"]


def test_bad_keys_and_types():
    assert "slurm_config: key 'bad key' is not a Slurm parameter name" in build(config={"bad key": 1})["errors"]
    assert build(config=[])["errors"] == ["slurm_config must be a dictionary of Slurm keys, got list"]
    assert "slurm_cgroup_config.ConstrainCores must be a string or a number, got list" in build(
        cgroup={"ConstrainCores": []})["errors"]


def test_partitions_from_the_user():
    parts = [{"name": "big", "nodes": ["node1"], "default": True, "max_time": "1-00:00:00"},
             {"name": "small", "nodes": ["node2"], "options": {"OverSubscribe": "NO"}}]
    text = build(partitions=parts)["slurm_conf"]
    assert "PartitionName=big Nodes=rk1 Default=YES MaxTime=1-00:00:00 State=UP\n" in text
    assert "PartitionName=small Nodes=cm4 Default=NO MaxTime=INFINITE State=UP OverSubscribe=NO\n" in text


def test_a_partition_default_written_as_a_yaml_string_means_what_it_says():
    parts = [{"name": "big", "nodes": ["node1"], "default": "yes"}, {"name": "small", "nodes": ["node2"], "default": "no"}]
    text = build(partitions=parts)["slurm_conf"]
    assert "PartitionName=big Nodes=rk1 Default=YES" in text and "PartitionName=small Nodes=cm4 Default=NO" in text


@pytest.mark.parametrize("parts, fragment", [
    ([{"name": "p", "nodes": ["node9"]}], "slurm_partitions[0].nodes names hosts that are not in group slurmd: node9"),
    ([{"nodes": ["node1"]}], "slurm_partitions[0] needs a name"),
    ([{"name": "p", "nodes": "node1"}], "slurm_partitions[0].nodes must be a list"),
    ([{"name": "p"}, {"name": "p"}], "slurm_partitions[1]: partition p is defined twice"),
    ([{"name": "a", "default": True}, {"name": "b", "default": True}], "more than one partition has default"),
    ([{"name": "a", "options": {"X": {}}}], "slurm_partitions[0].options.X must be a string or a number"),
])
def test_partition_errors_name_the_variable(parts, fragment):
    errors = build(partitions=parts)["errors"]
    assert any(fragment in e for e in errors), errors


def test_cpu_spec_list_needs_task_cgroup_and_constrain_cores():
    ok = build(reserve_little_cores=True)
    assert "CpuSpecList=0-3 State=UNKNOWN" in ok["nodes"]["node1"]
    assert "CpuSpecList" not in ok["nodes"]["node2"]
    no_task = build(reserve_little_cores=True, config={"TaskPlugin": "task/affinity"})
    assert any("needs TaskPlugin with task/cgroup" in e for e in no_task["errors"])
    no_constrain = build(reserve_little_cores=True, cgroup={"ConstrainCores": "no"})
    assert any("ConstrainCores=yes" in e for e in no_constrain["errors"])


def test_explicit_cpu_spec_list_is_validated():
    nodes = [{"name": "node2", "topology": CM4, "cpu_spec_list": "zero"}]
    assert any("slurm_cpu_spec_list of node2 must be a CPU list" in e for e in build(nodes=nodes)["errors"])


def test_missing_facts_and_groups():
    assert any("group slurmd is empty" in e for e in build(nodes=[])["errors"])
    assert any("node1 has no topology facts" in e for e in build(nodes=[{"name": "node1"}])["errors"])
    assert any("controller (group slurmctld) has no topology facts" in e
               for e in build(controller={"name": "ctl"})["errors"])


def test_duplicate_hostnames_are_refused():
    nodes = [{"name": "a", "topology": CM4}, {"name": "b", "topology": CM4}]
    assert any("have the same host name cm4" in e for e in build(nodes=nodes)["errors"])


def test_addresses_and_tmp_disk():
    nodes = [{"name": "node2", "topology": CM4, "addr": "10.0.0.2", "tmp_disk": 2048}]
    result = build(nodes=nodes, controller={"name": "ctl", "hostname": "ctl", "addr": "10.0.0.1"})
    assert "SlurmctldHost=ctl(10.0.0.1)\n" in result["slurm_conf"]
    assert "NodeName=cm4 NodeAddr=10.0.0.2 CPUs=4" in result["nodes"]["node2"]
    assert "TmpDisk=2048" in result["nodes"]["node2"]


def test_the_text_is_identical_for_identical_input():
    assert build()["slurm_conf"] == build()["slurm_conf"]


def test_node_inputs_reads_hostvars():
    hostvars = {"node1": {"beowulf_cpu_topology": RK1, "slurm_cpu_spec_list": "0-3"}, "node2": {}}
    nodes = sc.node_inputs(["node1", "node2"], hostvars)
    assert nodes[0]["topology"] == RK1 and nodes[0]["cpu_spec_list"] == "0-3"
    assert nodes[1]["topology"] is None


MEMORY = dict(DEFAULTS, SelectTypeParameters="CR_Core_Memory")


def partition_line(result, name="main"):
    return next(line for line in result["slurm_conf"].splitlines() if line.startswith("PartitionName=%s " % name))


def test_default_memory_per_cpu_is_the_smallest_share_of_the_partition():
    # rk1: 15000 MB / 8 CPUs = 1875; cm4: 3600 / 4 = 900: a one-CPU job fits 8 times on rk1, 4 on cm4.
    result = build(config_defaults=dict(MEMORY))
    assert result["errors"] == []
    assert partition_line(result).endswith(" State=UP DefMemPerCPU=900")
    parts = [{"name": "big", "nodes": ["node1"]}, {"name": "small", "nodes": ["node2"], "default": True}]
    result = build(config_defaults=dict(MEMORY), partitions=parts)
    assert partition_line(result, "big").endswith("DefMemPerCPU=1875")
    assert partition_line(result, "small").endswith("DefMemPerCPU=900")


def test_reserved_cores_leave_the_memory_to_the_others():
    result = build(config_defaults=dict(MEMORY), nodes=[{"name": "node1", "topology": copy.deepcopy(RK1)}],
                   reserve_little_cores=True)
    assert partition_line(result).endswith("DefMemPerCPU=3750")  # 15000 MB over the 4 big cores


@pytest.mark.parametrize("where", ["config", "options"])
@pytest.mark.parametrize("key", ["DefMemPerCPU", "DefMemPerNode"])
def test_a_memory_default_of_the_user_wins(where, key):
    if where == "config":
        result = build(config_defaults=dict(MEMORY), config={key: 500})
        assert "%s=500\n" % key in result["slurm_conf"]
    else:
        result = build(config_defaults=dict(MEMORY), partitions=[{"name": "main", "options": {key: 500}}])
        assert partition_line(result).endswith("%s=500" % key)
    assert "DefMemPerCPU=900" not in result["slurm_conf"]


def test_no_memory_default_when_memory_is_not_consumable():
    result = build(config_defaults=dict(DEFAULTS, SelectTypeParameters="CR_Core"))
    assert "DefMem" not in result["slurm_conf"]


# The parts build_cluster_config is made of, one by one.

def test_check_inputs_keeps_the_nodes_with_facts_and_names_the_others():
    nodes = [{"name": "node1", "topology": copy.deepcopy(RK1)}, {"name": "node9", "topology": None}]
    errors, policy, by_name = sc.check_inputs(cluster(nodes=nodes, config_overrides="maybe"))
    assert policy is None and list(by_name) == ["node1"]
    assert any("slurm_config_overrides must be one of auto, true, false" in e for e in errors)
    assert any(e.startswith("compute node node9 has no topology facts") for e in errors)


def test_resolve_partitions_defaults_to_one_with_every_node_and_names_bad_entries():
    errors, resolved = sc.resolve_partitions(cluster())
    assert errors == [] and [(p["name"], m) for p, m, _o in resolved] == [("main", ["node1", "node2"])]
    errors, resolved = sc.resolve_partitions(cluster(partitions=[
        {"name": "a", "default": True}, {"name": "b", "default": True, "nodes": ["node7"]}, {"name": "bad name"}]))
    assert [p["name"] for p, _m, _o in resolved] == ["a"]
    assert errors == ["slurm_partitions[1].nodes names hosts that are not in group slurmd: node7",
                      "slurm_partitions[2] needs a name made of letters, digits, '-' and '_'"]


def test_build_node_lines_with_address_spec_list_and_memory_share():
    _errors, _policy, by_name = sc.check_inputs(cluster())
    by_name["node2"]["addr"] = "10.0.0.2"
    nodes = sc.build_node_lines(by_name, reserve_little_cores=True)
    assert nodes["errors"] == [] and nodes["heterogeneous"] == ["node1"] and nodes["spec_nodes"] == ["node1"]
    assert nodes["lines"]["node1"].endswith("CpuSpecList=0-3 State=UNKNOWN")
    assert nodes["lines"]["node2"].startswith("NodeName=cm4 NodeAddr=10.0.0.2 CPUs=4 ")
    assert nodes["shares"] == {"node1": 15000 // 4, "node2": 3600 // 4}


def test_cluster_settings_sets_overrides_by_policy_and_the_controller_host():
    errors, config, _cgroup, overrides = sc.cluster_settings(
        cluster(controller={"name": "ctl", "hostname": "ctl", "addr": "10.0.0.1"}), "auto", ["node1"], [])
    assert errors == [] and overrides is True
    assert config["SlurmdParameters"] == "config_overrides" and config["SlurmctldHost"] == "ctl(10.0.0.1)"
    _errors, config, _cgroup, overrides = sc.cluster_settings(
        cluster(config={"SlurmdParameters": "config_overrides"}), "false", ["node1"], [])
    assert overrides is False and "SlurmdParameters" not in config


def test_render_slurm_conf_sorts_nodes_and_gives_each_partition_its_memory_default():
    _errors, _policy, by_name = sc.check_inputs(cluster())
    nodes = sc.build_node_lines(by_name, reserve_little_cores=False)
    _errors, partitions = sc.resolve_partitions(cluster())
    config = dict(DEFAULTS, SelectTypeParameters="CR_Core_Memory")
    text = sc.render_slurm_conf(config, nodes, partitions, by_name)
    assert text.index("NodeName=rk1") < text.index("NodeName=cm4")  # by inventory name: node1, node2
    assert "PartitionName=main Nodes=rk1,cm4 Default=YES MaxTime=INFINITE State=UP DefMemPerCPU=900\n" in text


def test_the_installed_version_decides_which_keys_slurm_conf_may_hold():
    assert build(version="26.05.5-1", config={"MetricsType": "metrics/openmetrics"})["errors"] == []
    result = build(version="24.11.5-4", config={"MetricsType": "metrics/openmetrics"})
    assert result["errors"] == ["slurm_config.MetricsType: Slurm 24.11.5-4 does not know the key MetricsType (it "
                                "came in 25.11), and its daemons would not start with it in slurm.conf"]
    assert "cgroup" not in str(result["errors"])
    old = build(version="20.11.7-1")
    assert "CgroupPlugin" not in old["cgroup_conf"] and "ConstrainCores=yes" in old["cgroup_conf"]
    assert "CgroupPlugin=autodetect" in build(version="22.05.8-4")["cgroup_conf"]


def test_configless_enables_it_on_the_controller_and_keeps_the_users_parameters():
    assert "enable_configless" not in build()["slurm_conf"]
    assert "SlurmctldParameters=enable_configless\n" in build(configless=True)["slurm_conf"]
    both = build(configless=True, config={"SlurmctldParameters": "idle_on_node_suspend"})["slurm_conf"]
    assert "SlurmctldParameters=idle_on_node_suspend,enable_configless\n" in both
    once = build(configless=True, config={"SlurmctldParameters": "enable_configless"})["slurm_conf"]
    assert "SlurmctldParameters=enable_configless\n" in once


@pytest.mark.parametrize("controller, config, expected", [
    ({"name": "ctl", "hostname": "ctl", "addr": ""}, {}, "ctl"),
    ({"name": "ctl", "hostname": "ctl", "addr": "10.0.0.1"}, {}, "10.0.0.1"),
    ({"name": "ctl", "hostname": "ctl", "addr": ""}, {"SlurmctldPort": 7817}, "ctl:7817"),
    ({"name": "ctl", "hostname": "ctl", "addr": ""}, {"SlurmctldPort": "6817-6818"}, "ctl:6817"),
])
def test_the_conf_server_is_the_controllers_address_and_port(controller, config, expected):
    assert build(controller=controller, config=config)["conf_server"] == expected
