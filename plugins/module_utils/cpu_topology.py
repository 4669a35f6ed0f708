# -*- coding: utf-8 -*-
# Copyright: (c) 2026, beowulf.slurm developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""CPU topology as Linux reports it, and the Slurm node definition to use for it.

Plain Python, no Ansible imports: the ``cpu_topology`` module is a thin shell around
:func:`read_topology` and :func:`slurm_node_definition`.

Why not ``slurmd -C`` or Ansible's processor facts: on a Rockchip RK3588 (Turing RK1) the
vendor 5.10 kernel reports each CPU cluster as a package (4+2+2). Slurm integer-divides
cores by sockets (8 // 3 = 2) and a pasted ``SocketsPerBoard=3 CoresPerSocket=2`` line makes
slurm.conf parsing reset CPUs to 6. Ansible's facts see no ``physical id`` on arm64 and say
8 sockets of 1 core. Here every CPU is counted, and a machine whose packages are unequal or
whose CPUs are of several kinds is described as one socket holding all its cores, so that
Sockets x Cores x Threads equals the CPU count.
"""

from __future__ import annotations

import os
import re
import socket
from dataclasses import asdict, dataclass, field

# ARM "CPU part" numbers (implementer 0x41) -> core names, from util-linux lscpu-arm.c.
ARM_PARTS = {
    "0xd03": "Cortex-A53",
    "0xd04": "Cortex-A35",
    "0xd05": "Cortex-A55",
    "0xd07": "Cortex-A57",
    "0xd08": "Cortex-A72",
    "0xd09": "Cortex-A73",
    "0xd0a": "Cortex-A75",
    "0xd0b": "Cortex-A76",
    "0xd0c": "Neoverse-N1",
    "0xd0d": "Cortex-A77",
    "0xd41": "Cortex-A78",
    "0xd42": "Cortex-A78AE",
    "0xd44": "Cortex-X1",
    "0xd46": "Cortex-A510",
    "0xd47": "Cortex-A710",
    "0xd48": "Cortex-X2",
    "0xd49": "Neoverse-N2",
    "0xd4b": "Cortex-A78C",
    "0xd80": "Cortex-A520",
    "0xd81": "Cortex-A720",
}


class TopologyError(ValueError):
    """The sysfs/procfs tree does not describe a usable set of CPUs."""


@dataclass
class Cpu:
    """One logical CPU as sysfs and /proc/cpuinfo describe it."""

    cpu: int
    package: int
    core: int
    cluster: int | None
    siblings: str
    capacity: int | None
    max_mhz: int | None
    model: str


@dataclass
class CpuKind:
    """A group of identical CPUs (same model, capacity and top frequency)."""

    model: str
    count: int
    cpus: str
    capacity: int | None
    max_mhz: int | None


@dataclass
class Topology:
    """What Linux reports, summarised."""

    cpus: int
    packages: int
    clusters: int
    cores: int
    threads_per_core: int
    cores_per_package: list[int]
    kinds: list[CpuKind] = field(default_factory=list)
    heterogeneous: bool = False
    memory_mb: int = 0
    hostname: str = ""

    def as_dict(self) -> dict:
        return asdict(self)


def parse_cpu_list(text: str) -> list[int]:
    """Expand a kernel CPU list such as ``0-3,6,8-9``."""
    cpus: list[int] = []
    for part in text.strip().split(","):
        part = part.strip()
        if not part:
            continue
        if "-" in part:
            low, high = part.split("-", 1)
            cpus.extend(range(int(low), int(high) + 1))
        else:
            cpus.append(int(part))
    return cpus


def format_cpu_list(cpus: list[int]) -> str:
    """Compress CPU numbers into the kernel's list syntax (``0-3,6``)."""
    ranges: list[list[int]] = []
    for cpu in sorted(set(cpus)):
        if ranges and cpu == ranges[-1][1] + 1:
            ranges[-1][1] = cpu
        else:
            ranges.append([cpu, cpu])
    return ",".join(str(low) if low == high else "%d-%d" % (low, high) for low, high in ranges)


def _read(path: str) -> str | None:
    try:
        with open(path, encoding="ascii", errors="replace") as handle:
            return handle.read().strip()
    except (FileNotFoundError, NotADirectoryError):
        return None


def _read_int(path: str) -> int | None:
    text = _read(path)
    if text is None or not re.fullmatch(r"-?\d+", text):
        return None
    return int(text)


def parse_cpuinfo(text: str) -> dict[int, str]:
    """Model name per processor number from /proc/cpuinfo (x86 ``model name``, ARM ``CPU part``)."""
    models: dict[int, str] = {}
    for block in re.split(r"\n\s*\n", text):
        fields: dict[str, str] = {}
        for line in block.splitlines():
            if ":" in line:
                key, _sep, value = line.partition(":")
                fields[key.strip().lower()] = value.strip()
        if "processor" not in fields or not fields["processor"].isdigit():
            continue
        number = int(fields["processor"])
        if fields.get("model name"):
            models[number] = re.sub(r"\s+", " ", fields["model name"])
        elif fields.get("cpu part"):
            part = fields["cpu part"].lower()
            models[number] = ARM_PARTS.get(part, "ARM part %s" % part)
        else:
            models[number] = "unknown"
    return models


def parse_meminfo_mb(text: str) -> int:
    """MemTotal from /proc/meminfo, in MiB."""
    match = re.search(r"^MemTotal:\s+(\d+)\s*kB", text, re.M)
    if not match:
        raise TopologyError("/proc/meminfo has no MemTotal line")
    return int(match.group(1)) // 1024


def read_cpus(sysfs_root: str = "/sys", procfs_root: str = "/proc") -> list[Cpu]:
    """Read every online CPU's topology from ``<sysfs_root>/devices/system/cpu``."""
    base = os.path.join(sysfs_root, "devices", "system", "cpu")
    online_text = _read(os.path.join(base, "online"))
    if online_text:
        numbers = parse_cpu_list(online_text)
    else:
        try:
            numbers = sorted(int(n[3:]) for n in os.listdir(base) if re.fullmatch(r"cpu\d+", n))
        except FileNotFoundError:
            raise TopologyError("%s does not exist" % base) from None
    if not numbers:
        raise TopologyError("no online CPUs under %s" % base)
    models = parse_cpuinfo(_read(os.path.join(procfs_root, "cpuinfo")) or "")
    cpus = []
    for number in numbers:
        cpu_dir = os.path.join(base, "cpu%d" % number)
        topo = os.path.join(cpu_dir, "topology")
        package = _read_int(os.path.join(topo, "physical_package_id"))
        core = _read_int(os.path.join(topo, "core_id"))
        if package is None or core is None:
            raise TopologyError("cpu%d has no topology in %s" % (number, topo))
        siblings = (_read(os.path.join(topo, "thread_siblings_list"))
                    or _read(os.path.join(topo, "core_cpus_list")) or str(number))
        freq = _read_int(os.path.join(cpu_dir, "cpufreq", "cpuinfo_max_freq"))
        cpus.append(Cpu(
            cpu=number,
            package=package,
            core=core,
            cluster=_read_int(os.path.join(topo, "cluster_id")),
            siblings=format_cpu_list(parse_cpu_list(siblings)),
            capacity=_read_int(os.path.join(cpu_dir, "cpu_capacity")),
            max_mhz=freq // 1000 if freq else None,
            model=models.get(number, "unknown"),
        ))
    return cpus


def summarise(cpus: list[Cpu], memory_mb: int = 0, hostname: str = "") -> Topology:
    """Count packages, clusters, cores and CPU kinds."""
    if not cpus:
        raise TopologyError("no CPUs")
    packages = sorted({c.package for c in cpus})
    clusters = {(c.package, c.cluster) for c in cpus if c.cluster is not None and c.cluster >= 0}
    # A core is a set of hardware threads; its siblings list names it on every kernel.
    core_of = {c.cpu: c.siblings for c in cpus}
    cores = sorted(set(core_of.values()))
    threads = {len(parse_cpu_list(s)) for s in cores}
    threads_per_core = max(threads) if len(threads) == 1 else 1
    cores_per_package = [len({core_of[c.cpu] for c in cpus if c.package == p}) for p in packages]

    groups: dict[tuple, list[int]] = {}
    for c in cpus:
        groups.setdefault((c.model, c.capacity, c.max_mhz), []).append(c.cpu)
    kinds = [
        CpuKind(model=model, count=len(members), cpus=format_cpu_list(members), capacity=capacity, max_mhz=mhz)
        for (model, capacity, mhz), members in sorted(groups.items(), key=lambda item: min(item[1]))
    ]
    heterogeneous = len(kinds) > 1 or len(set(cores_per_package)) > 1 or len(threads) > 1
    return Topology(
        cpus=len(cpus),
        packages=len(packages),
        clusters=len(clusters) or len(packages),
        cores=len(cores),
        threads_per_core=threads_per_core,
        cores_per_package=cores_per_package,
        kinds=kinds,
        heterogeneous=heterogeneous,
        memory_mb=memory_mb,
        hostname=hostname,
    )


def read_topology(sysfs_root: str = "/sys", procfs_root: str = "/proc", hostname: str | None = None) -> Topology:
    """Read CPUs and memory under the given roots."""
    cpus = read_cpus(sysfs_root, procfs_root)
    meminfo = _read(os.path.join(procfs_root, "meminfo"))
    if meminfo is None:
        raise TopologyError("%s/meminfo does not exist" % procfs_root)
    if hostname is None:
        hostname = socket.gethostname().split(".")[0]
    return summarise(cpus, parse_meminfo_mb(meminfo), hostname)


def slurm_node_definition(topo: Topology, memory_reserve_percent: int = 5,
                          memory_reserve_mb: int = 0) -> dict:
    """The NodeName parameters for ``topo``: S x C x T always equals CPUs.

    Homogeneous machines keep their real sockets (what ``slurmd -C`` says). Machines whose
    packages hold unequal numbers of cores, or whose CPUs are of several kinds (big.LITTLE),
    become one socket with every core: Slurm cannot describe 4+2+2, and integer division
    would silently lose CPUs.
    """
    if not 0 <= memory_reserve_percent < 100:
        raise TopologyError("memory_reserve_percent must be between 0 and 99, got %s" % memory_reserve_percent)
    if memory_reserve_mb < 0:
        raise TopologyError("memory_reserve_mb must not be negative, got %s" % memory_reserve_mb)
    if topo.heterogeneous or topo.cores % topo.packages:
        sockets, cores_per_socket = 1, topo.cores
    else:
        sockets, cores_per_socket = topo.packages, topo.cores // topo.packages
    threads = topo.threads_per_core
    if sockets * cores_per_socket * threads != topo.cpus:
        # Uneven SMT (some cores with threads disabled): count every CPU as a core.
        sockets, cores_per_socket, threads = 1, topo.cpus, 1
    real_memory = topo.memory_mb * (100 - memory_reserve_percent) // 100 - memory_reserve_mb
    return {
        "CPUs": topo.cpus,
        "Boards": 1,
        "SocketsPerBoard": sockets,
        "CoresPerSocket": cores_per_socket,
        "ThreadsPerCore": threads,
        "RealMemory": max(real_memory, 1),
    }


def little_cpus(topo: Topology) -> str:
    """CPU list of the lowest-capacity kind on a heterogeneous machine ('' otherwise)."""
    if not topo.heterogeneous:
        return ""
    with_capacity = [k for k in topo.kinds if k.capacity is not None]
    if len(with_capacity) < 2:
        return ""
    smallest = min(with_capacity, key=lambda k: (k.capacity, k.max_mhz or 0))
    return smallest.cpus


def node_line(definition: dict) -> str:
    """``CPUs=8 Boards=1 ...`` in Slurm's order."""
    order = ["CPUs", "Boards", "SocketsPerBoard", "CoresPerSocket", "ThreadsPerCore", "RealMemory"]
    return " ".join("%s=%s" % (key, definition[key]) for key in order if key in definition)
