# -*- coding: utf-8 -*-
# Copyright: (c) 2026, beowulf.slurm developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""slurm.conf and cgroup.conf from settings, node facts and partitions.

Plain Python, no Ansible imports; the ``slurm_cluster_config`` filter is a thin shell around
:func:`build_cluster_config`. Every problem is reported as a message that names the variable
to fix, so a play can stop before it changes anything.
"""

from __future__ import annotations

import re

from ansible_collections.beowulf.slurm.plugins.module_utils.slurm_versions import key_errors, version_defaults

KEY_RE = re.compile(r"^[A-Za-z][A-Za-z0-9]*$")
NAME_RE = re.compile(r"^[A-Za-z0-9_-]+$")
NODE_PARAMS = ("CPUs", "Boards", "SocketsPerBoard", "CoresPerSocket", "ThreadsPerCore", "RealMemory")
OVERRIDES_CHOICES = ("auto", "true", "false")
HEADER = (
    "# Managed by Ansible (beowulf.slurm). Local edits are overwritten: set %s instead.\n"
)


def _is_value(value: object) -> bool:
    return isinstance(value, (str, int, float)) and not isinstance(value, bool)


def settings_errors(settings: object, name: str) -> list[str]:
    """Problems with a key=value settings dict (``None`` values mean: remove the key)."""
    if not isinstance(settings, dict):
        return ["%s must be a dictionary of Slurm keys, got %s" % (name, type(settings).__name__)]
    errors = []
    for key, value in settings.items():
        if not isinstance(key, str) or not KEY_RE.match(key):
            errors.append("%s: key %r is not a Slurm parameter name" % (name, key))
        elif value is not None and not _is_value(value):
            errors.append("%s.%s must be a string or a number, got %s" % (name, key, type(value).__name__))
        elif isinstance(value, str) and ("\n" in value or "\r" in value):
            errors.append("%s.%s must be one line" % (name, key))
    return errors


def merge(defaults: dict, overrides: dict) -> dict:
    """Defaults overridden key by key; a ``None`` override removes the key."""
    merged = dict(defaults)
    for key, value in (overrides or {}).items():
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = value
    return merged


def _render_value(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def render_settings(settings: dict) -> str:
    return "".join("%s=%s\n" % (key, _render_value(value)) for key, value in settings.items()
                   if value is not None)


def overrides_policy(value: object) -> str | None:
    """Normalise ``slurm_config_overrides`` to auto/true/false, or None when invalid."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str) and value.strip().lower() in OVERRIDES_CHOICES + ("yes", "no", "on", "off"):
        text = value.strip().lower()
        return {"yes": "true", "on": "true", "no": "false", "off": "false"}.get(text, text)
    return None


def _list_of_plugins(value: object) -> list[str]:
    return [part.strip() for part in str(value or "").split(",") if part.strip()]


MEMORY_DEFAULT_KEYS = ("DefMemPerCPU", "DefMemPerNode", "DefMemPerGPU")


def _cpu_count(cpu_list: str) -> int:
    """How many CPUs a kernel CPU list such as ``0-3,6`` names."""
    count = 0
    for part in str(cpu_list or "").split(","):
        if "-" in part:
            low, high = part.split("-", 1)
            count += int(high) - int(low) + 1
        elif part.strip():
            count += 1
    return count


def memory_share_mb(definition: dict, spec_list: str = "") -> int:
    """A node's memory per CPU that jobs can use: RealMemory / (CPUs - CpuSpecList), in MB, floored."""
    cpus = int(definition["CPUs"]) - _cpu_count(spec_list)
    return int(definition["RealMemory"]) // cpus if cpus > 0 else 0


def partition_mem_per_cpu(config: dict, options: dict, shares: list) -> int | None:
    """DefMemPerCPU for a partition: the smallest share of its nodes, so that a job of N CPUs
    given its default memory fits on any of them, and a node of C CPUs runs C one-CPU jobs.

    None when the user set a memory default (globally or for this partition), when memory is not
    a consumable resource (SelectTypeParameters without Memory), or when nothing is known.
    """
    if any(key in config for key in MEMORY_DEFAULT_KEYS) or any(key in options for key in MEMORY_DEFAULT_KEYS):
        return None
    if "memory" not in str(config.get("SelectTypeParameters", "")).lower():
        return None
    shares = [share for share in shares if share > 0]
    return min(shares) if shares else None


def _yes(value: object) -> bool:
    return str(value).strip().lower() in ("yes", "true", "1", "on", "y", "t")  # Ansible's true values


def check_inputs(cluster: dict) -> tuple[list[str], str | None, dict[str, dict]]:
    """The checks that need no other part: free-form settings, the overrides policy, the
    controller, and the compute nodes with topology facts.

    Returns the errors, the overrides policy (None when invalid) and the usable nodes by name.
    """
    errors: list[str] = []
    errors += settings_errors(cluster.get("config", {}), "slurm_config")
    errors += settings_errors(cluster.get("cgroup", {}), "slurm_cgroup_config")
    policy = overrides_policy(cluster.get("config_overrides", "auto"))
    if policy is None:
        errors.append("slurm_config_overrides must be one of auto, true, false; got %r"
                      % (cluster.get("config_overrides"),))
    if not (cluster.get("controller") or {}).get("hostname"):
        errors.append("the controller (group slurmctld) has no topology facts; it must be part of the play")
    nodes = cluster.get("nodes") or []
    if not nodes:
        errors.append("group slurmd is empty: there is no compute node to configure")
    by_name: dict[str, dict] = {}
    hostnames: dict[str, str] = {}
    for node in nodes:
        if not node.get("topology"):
            errors.append("compute node %s has no topology facts; it must be part of the play"
                          " (beowulf.slurm.cpu_topology runs on every host)" % node.get("name"))
            continue
        by_name[node["name"]] = node
    for name, node in by_name.items():
        hostname = node["topology"].get("hostname") or name
        if hostname in hostnames:
            errors.append("compute nodes %s and %s have the same host name %s; Slurm needs unique"
                          " node names" % (hostnames[hostname], name, hostname))
        hostnames[hostname] = name
    return errors, policy, by_name


def resolve_partitions(cluster: dict) -> tuple[list[str], list[tuple[dict, list[str], dict]]]:
    """``slurm_partitions`` checked and resolved: (errors, [(partition, member names, options)]).
    No partition given: one named ``default_partition`` (or main) with every compute node."""
    errors: list[str] = []
    names = [n.get("name") for n in cluster.get("nodes") or []]
    partitions = cluster.get("partitions") or []
    if not isinstance(partitions, list):
        errors.append("slurm_partitions must be a list of partitions")
        partitions = []
    if not partitions:
        partitions = [{"name": cluster.get("default_partition") or "main", "default": True}]
    seen = set()
    resolved = []
    for index, part in enumerate(partitions):
        label = "slurm_partitions[%d]" % index
        if not isinstance(part, dict) or not NAME_RE.match(str(part.get("name", ""))):
            errors.append("%s needs a name made of letters, digits, '-' and '_'" % label)
            continue
        if part["name"] in seen:
            errors.append("%s: partition %s is defined twice" % (label, part["name"]))
        seen.add(part["name"])
        members = part.get("nodes")
        if members is None:
            members = list(names)
        if not isinstance(members, list) or not all(isinstance(m, str) for m in members):
            errors.append("%s.nodes must be a list of inventory host names" % label)
            continue
        unknown = [m for m in members if m not in names]
        if unknown:
            errors.append("%s.nodes names hosts that are not in group slurmd: %s" % (label, ", ".join(unknown)))
            continue
        if not members:
            errors.append("%s.nodes is empty" % label)
            continue
        options = part.get("options", {})
        errors += settings_errors(options, "%s.options" % label)
        resolved.append((part, members, options if isinstance(options, dict) else {}))
    if sum(1 for part, _members, _options in resolved if _yes(part.get("default"))) > 1:
        errors.append("slurm_partitions: more than one partition has default: true")
    return errors, resolved


def build_node_lines(by_name: dict[str, dict], reserve_little_cores: bool) -> dict:
    """One ``NodeName=`` line per compute node from its topology facts.

    Returns ``errors``, ``lines`` (name -> line), ``shares`` (name -> MB of memory per usable CPU),
    ``spec_nodes`` (nodes with a CpuSpecList) and ``heterogeneous`` (nodes of mixed core kinds).
    """
    result: dict = {"errors": [], "lines": {}, "shares": {}, "spec_nodes": [], "heterogeneous": []}
    for name, node in by_name.items():
        topo = node["topology"]
        definition = topo.get("slurm") or {}
        missing = [p for p in NODE_PARAMS if p not in definition]
        if missing:
            result["errors"].append("compute node %s: topology facts lack %s" % (name, ", ".join(missing)))
            continue
        if topo.get("heterogeneous"):
            result["heterogeneous"].append(name)
        parts = ["NodeName=%s" % topo.get("hostname", name)]
        if node.get("addr"):
            parts.append("NodeAddr=%s" % node["addr"])
        parts += ["%s=%s" % (p, definition[p]) for p in NODE_PARAMS]
        if node.get("tmp_disk"):
            parts.append("TmpDisk=%s" % node["tmp_disk"])
        spec = node.get("cpu_spec_list") or (topo.get("little_cpus") if reserve_little_cores else "")
        valid = True
        if spec:
            if not re.fullmatch(r"\d+(-\d+)?(,\d+(-\d+)?)*", str(spec)):
                result["errors"].append("slurm_cpu_spec_list of %s must be a CPU list such as 0-3, got %r"
                                        % (name, spec))
                valid = False
            result["spec_nodes"].append(name)
            parts.append("CpuSpecList=%s" % spec)
        parts.append("State=UNKNOWN")
        result["lines"][name] = " ".join(parts)
        if valid:
            result["shares"][name] = memory_share_mb(definition, spec)
    return result


def cluster_settings(cluster: dict, policy: str | None, heterogeneous: list[str], spec_nodes: list[str]
                     ) -> tuple[list[str], dict, dict, bool]:
    """slurm.conf and cgroup.conf settings: defaults, computed settings, then the user's; with
    SlurmdParameters=config_overrides by policy and SlurmctldHost from the controller. With
    ``cluster['version']`` (the Slurm installed or about to be), defaults that release lacks are
    left out and every key it would not start with (or ignores) is an error (slurm_versions).

    Returns (errors, slurm.conf settings, cgroup.conf settings, config_overrides on).
    """
    version = cluster.get("version") or None
    config = merge(merge(version_defaults("slurm.conf", cluster.get("config_defaults", {}), version),
                         cluster.get("extra_settings", {})), cluster.get("config", {}))
    cgroup = merge(version_defaults("cgroup.conf", cluster.get("cgroup_defaults", {}), version),
                   cluster.get("cgroup", {}))
    errors = key_errors(version, {"slurm.conf": config, "cgroup.conf": cgroup})
    if spec_nodes:
        tasks = _list_of_plugins(config.get("TaskPlugin"))
        if "task/cgroup" not in tasks or not _yes(cgroup.get("ConstrainCores", "no")):
            errors.append(
                "CpuSpecList (slurm_cpu_spec_list / slurm_reserve_little_cores, on %s) needs "
                "TaskPlugin with task/cgroup in slurm_config and ConstrainCores=yes in "
                "slurm_cgroup_config; without them Slurm ignores it" % ", ".join(sorted(spec_nodes)))
    overrides = policy == "true" or (policy == "auto" and bool(heterogeneous))
    params = _list_of_plugins(config.get("SlurmdParameters"))
    if overrides and "config_overrides" not in params:
        params.append("config_overrides")
    if not overrides and "config_overrides" in params:
        params.remove("config_overrides")
    if params:
        config["SlurmdParameters"] = ",".join(params)
    else:
        config.pop("SlurmdParameters", None)
    if _yes(cluster.get("configless", False)):
        ctld_params = _list_of_plugins(config.get("SlurmctldParameters"))
        if "enable_configless" not in ctld_params:
            config["SlurmctldParameters"] = ",".join(ctld_params + ["enable_configless"])
    controller = cluster.get("controller") or {}
    if controller.get("hostname"):
        host = controller["hostname"]
        config["SlurmctldHost"] = "%s(%s)" % (host, controller["addr"]) if controller.get("addr") else host
    return errors, config, cgroup, overrides


def conf_server(config: dict, controller: dict) -> str:
    """slurmd's ``--conf-server`` for configless nodes: the controller's address (its name when
    none is set), with SlurmctldPort when slurm.conf sets one (the first of a range)."""
    host = controller.get("addr") or controller.get("hostname") or controller.get("name") or ""
    port = str(config.get("SlurmctldPort") or "").split("-", 1)[0].strip()
    return "%s:%s" % (host, port) if port else host


def render_slurm_conf(config: dict, nodes: dict, partitions: list, by_name: dict[str, dict]) -> str:
    """The text of slurm.conf: settings, node lines (sorted), partitions with their DefMemPerCPU."""
    lines = [HEADER % "slurm_config / slurm_partitions", render_settings(config), "\n# Compute nodes\n"]
    if nodes["heterogeneous"]:
        lines.append("# Heterogeneous CPUs (described as one socket of all cores): %s\n"
                     % ", ".join(sorted(nodes["heterogeneous"])))
    lines += [nodes["lines"][name] + "\n" for name in sorted(nodes["lines"])]
    lines.append("\n# Partitions\n")
    for part, members, options in partitions:
        hostnames = ",".join(by_name[m]["topology"].get("hostname", m) for m in members if m in by_name)
        fields = ["PartitionName=%s" % part["name"], "Nodes=%s" % hostnames,
                  "Default=%s" % ("YES" if _yes(part.get("default")) else "NO"),
                  "MaxTime=%s" % part.get("max_time", "INFINITE"), "State=UP"]
        mem_per_cpu = partition_mem_per_cpu(config, options, [nodes["shares"].get(m, 0) for m in members])
        if mem_per_cpu:
            fields.append("DefMemPerCPU=%d" % mem_per_cpu)
        fields += ["%s=%s" % (k, _render_value(v)) for k, v in options.items() if v is not None]
        lines.append(" ".join(fields) + "\n")
    return "".join(lines)


def build_cluster_config(cluster: dict) -> dict:
    """Validate everything and render both files.

    ``cluster`` keys: ``controller`` (dict: name, hostname, addr), ``nodes`` (list of dicts:
    name, hostname, topology (the ``cpu_topology`` facts), cpu_spec_list, addr),
    ``config_defaults``, ``config``, ``cgroup_defaults``, ``cgroup``, ``partitions``,
    ``default_partition``, ``config_overrides``, ``reserve_little_cores``, ``extra_settings``
    (computed settings such as TmpFS, applied between defaults and the user's config),
    ``configless`` (SlurmctldParameters gets enable_configless).

    Returns ``errors`` (list of messages) and, when there are none, ``slurm_conf``,
    ``cgroup_conf``, ``config_overrides`` (bool), ``nodes`` (name -> line) and ``conf_server``
    (what configless slurmd's ``--conf-server`` names).
    """
    errors, policy, by_name = check_inputs(cluster)
    partition_errors, partitions = resolve_partitions(cluster)
    nodes = build_node_lines(by_name, bool(cluster.get("reserve_little_cores")))
    setting_errors, config, cgroup, overrides = cluster_settings(
        cluster, policy, nodes["heterogeneous"], nodes["spec_nodes"])
    errors += partition_errors + nodes["errors"] + setting_errors
    if errors:
        return {"errors": errors}
    return {
        "errors": [],
        "slurm_conf": render_slurm_conf(config, nodes, partitions, by_name),
        "cgroup_conf": HEADER % "slurm_cgroup_config" + render_settings(cgroup),
        "config_overrides": overrides,
        "heterogeneous_nodes": sorted(nodes["heterogeneous"]),
        "nodes": nodes["lines"],
        "conf_server": conf_server(config, cluster.get("controller") or {}),
    }


def node_inputs(names: list, hostvars: dict) -> list[dict]:
    """What the builder needs of each compute host, read from Ansible's hostvars."""
    nodes = []
    for name in names:
        vars_ = hostvars.get(name, {}) if hasattr(hostvars, "get") else {}
        nodes.append({
            "name": name,
            "topology": vars_.get("beowulf_cpu_topology"),
            "cpu_spec_list": vars_.get("slurm_cpu_spec_list", ""),
            "addr": vars_.get("slurm_node_addr", ""),
            "tmp_disk": vars_.get("__slurm_tmp_disk_mb", 0),
        })
    return nodes
