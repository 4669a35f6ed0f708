#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, beowulf.slurm developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: cpu_topology
short_description: CPU topology and memory of a host, and the Slurm node definition for it
version_added: 0.1.0
description:
  - Reads C(/sys/devices/system/cpu/*/topology), C(cpu_capacity), C(cpufreq) maximum
    frequency, C(/proc/cpuinfo) part numbers or model names, and C(/proc/meminfo).
  - Returns what Linux reports (packages, clusters, cores, threads, CPU kinds) and the Slurm
    C(NodeName) parameters to use. Sockets x Cores x Threads always equals the CPU count.
  - Machines with several kinds of CPU (big.LITTLE, such as the Rockchip RK3588 of a Turing RK1)
    or with packages of unequal size are described as one socket holding every core, because
    Slurm cannot describe 4+2+2 and would otherwise lose CPUs (C(slurmd -C) says 3 x 2 = 6 on
    the RK1's 5.10 kernel).
  - Sets the fact C(beowulf_cpu_topology).
  - Optionally, in the same run, lists the installed packages (O(installed_packages)) and the
    services that run (O(services)), so a play learns what it needs of a node in one module run.
author:
  - beowulf.slurm developers (@beowulf-slurm)
extends_documentation_fragment:
  - beowulf.slurm.read_only
options:
  sysfs_root:
    description: Where sysfs is mounted; point it at a captured tree to describe another machine.
    type: path
    default: /sys
  procfs_root:
    description: Where procfs is mounted (C(cpuinfo), C(meminfo) are read from it).
    type: path
    default: /proc
  memory_reserve_percent:
    description: Share of MemTotal kept out of C(RealMemory) for the operating system.
    type: int
    default: 5
  memory_reserve_mb:
    description: MiB kept out of C(RealMemory) in addition to O(memory_reserve_percent).
    type: int
    default: 0
  installed_packages:
    description:
      - Also list the Debian packages that are fully installed (one C(dpkg-query) run), returned as
        RV(installed_packages), so a play learns a node's topology and packages in one module run.
    type: bool
    default: false
  services:
    description:
      - Also say which of these systemd services are enabled and running (one C(systemctl show)
        run), returned as RV(running_services), so a play can skip starting a daemon that runs.
      - A unit name without a suffix is a C(.service).
    type: list
    elements: str
    default: []
attributes:
  facts:
    description: Sets C(beowulf_cpu_topology).
    support: full
"""

EXAMPLES = r"""
- name: Read the CPU topology
  beowulf.slurm.cpu_topology:

- name: Describe a node from a captured tree
  beowulf.slurm.cpu_topology:
    sysfs_root: /opt/captured/rk1/sys
    procfs_root: /opt/captured/rk1/proc

- name: Show the Slurm node line
  ansible.builtin.debug:
    msg: "NodeName={{ beowulf_cpu_topology.hostname }} {{ beowulf_cpu_topology.slurm_line }}"
"""

RETURN = r"""
installed_packages:
  description: Names of the fully installed packages (dpkg status C(ii)), sorted.
  returned: when O(installed_packages=true)
  type: list
  elements: str
  sample: [munge, slurmd]
running_services:
  description:
    - The names among O(services) whose unit is enabled and active (C(UnitFileState=enabled),
      C(ActiveState=active)), in the order given. Disabled, failed, starting or missing units are
      not listed.
  returned: when O(services) is not empty
  type: list
  elements: str
  sample: [munge, slurmd]
ansible_facts:
  description: Facts set by the module.
  returned: always
  type: complex
  contains:
    beowulf_cpu_topology:
      description: The topology summary.
      returned: always
      type: complex
      contains:
        cpus:
          description: Online CPUs.
          type: int
          sample: 8
        packages:
          description: Distinct physical_package_id values (what Linux calls sockets).
          type: int
          sample: 3
        clusters:
          description: CPU clusters (cluster_id), or packages when the kernel has no cluster_id.
          type: int
          sample: 3
        cores:
          description: Physical cores.
          type: int
          sample: 8
        threads_per_core:
          description: Hardware threads per core.
          type: int
          sample: 1
        cores_per_package:
          description: Cores in each package.
          type: list
          elements: int
          sample: [4, 2, 2]
        kinds:
          description: Groups of identical CPUs.
          type: list
          elements: dict
          sample: [{model: Cortex-A55, count: 4, cpus: "0-3", capacity: 397, max_mhz: 1800}]
        heterogeneous:
          description: Whether the CPUs differ (several kinds, or unequal packages).
          type: bool
          sample: true
        little_cpus:
          description: CPU list of the lowest-capacity kind on a heterogeneous machine, else empty.
          type: str
          sample: "0-3"
        memory_mb:
          description: MemTotal in MiB.
          type: int
          sample: 15915
        hostname:
          description: Short host name, which Slurm uses as NodeName.
          type: str
          sample: node1
        slurm:
          description: Slurm NodeName parameters.
          type: dict
          sample: {CPUs: 8, Boards: 1, SocketsPerBoard: 1, CoresPerSocket: 8, ThreadsPerCore: 1, RealMemory: 15119}
        slurm_line:
          description: The same parameters as C(slurm.conf) text.
          type: str
          sample: CPUs=8 Boards=1 SocketsPerBoard=1 CoresPerSocket=8 ThreadsPerCore=1 RealMemory=15119
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.beowulf.slurm.plugins.module_utils.packages import DPKG_QUERY, installed
from ansible_collections.beowulf.slurm.plugins.module_utils.cpu_topology import (
    TopologyError,
    little_cpus,
    node_line,
    read_topology,
    slurm_node_definition,
)
from ansible_collections.beowulf.slurm.plugins.module_utils.services import SYSTEMCTL_SHOW, running


def main() -> None:
    module = AnsibleModule(
        argument_spec=dict(
            sysfs_root=dict(type="path", default="/sys"),
            procfs_root=dict(type="path", default="/proc"),
            memory_reserve_percent=dict(type="int", default=5),
            memory_reserve_mb=dict(type="int", default=0),
            installed_packages=dict(type="bool", default=False),
            services=dict(type="list", elements="str", default=[]),
        ),
        supports_check_mode=True,
    )
    try:
        topo = read_topology(module.params["sysfs_root"], module.params["procfs_root"])
        definition = slurm_node_definition(
            topo, module.params["memory_reserve_percent"], module.params["memory_reserve_mb"]
        )
    except (TopologyError, OSError, ValueError) as exc:
        module.fail_json(msg="cannot read the CPU topology: %s" % exc)
    facts = topo.as_dict()
    facts.update(little_cpus=little_cpus(topo), slurm=definition, slurm_line=node_line(definition))
    result = {}
    if module.params["installed_packages"]:
        rc, out, err = module.run_command(DPKG_QUERY)
        if rc != 0:
            module.fail_json(msg="cannot list the installed packages (%s): %s" % (" ".join(DPKG_QUERY[:2]), err.strip()))
        result["installed_packages"] = installed(out)
    if module.params["services"]:
        names = module.params["services"]
        rc, out, err = module.run_command(SYSTEMCTL_SHOW + names)
        try:
            if rc != 0:
                raise ValueError(err.strip())
            result["running_services"] = running(out, names)
        except ValueError as exc:
            module.fail_json(msg="cannot read the state of the services %s (systemctl show): %s" % (", ".join(names), exc))
    module.exit_json(changed=False, ansible_facts={"beowulf_cpu_topology": facts}, **result)


if __name__ == "__main__":
    main()
