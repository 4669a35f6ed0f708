"""Write molecule/<scenario>/molecule.yml for the container scenarios from one table.

The three container scenarios (Debian 12, Debian 13, Debian testing) are the same cluster, a
controller and three compute nodes as systemd containers on a private network, and differ only
in their image, their name prefix, the kernel layout the RK1 node presents and which tests they
deselect. That is SCENARIOS below; the platform list is written once, in PLATFORMS.

    python3 tools/molecule_scenarios.py          # write the files
    python3 tools/molecule_scenarios.py --check  # exit 1 and name the files that differ

The static tier runs the check, so an edit made to a generated file instead of this table fails.
"""

from __future__ import annotations

import pathlib
import sys
from typing import NamedTuple

ROOT = pathlib.Path(__file__).resolve().parents[1]

HEADER = "# Written by tools/molecule_scenarios.py from its SCENARIOS table: edit that, then run it.\n"

PLATFORMS = """platforms:
  # One systemd container spelled out; the others differ by name and group only.
  - &node
    name: {prefix}-ctl
    groups: [slurmctld]
    image: ${{{image_env}:-{image}}}
    pre_build_image: true
    command: /lib/systemd/systemd
    cgroupns_mode: host
    capabilities: [SYS_ADMIN]
    security_opts: [seccomp=unconfined, apparmor=unconfined]
    tmpfs: [/run, /run/lock]
    volumes: ["/sys/fs/cgroup:/sys/fs/cgroup:rw"]
    networks: [{{name: beowulf-{prefix}}}]
    docker_networks: [{{name: beowulf-{prefix}}}]
  - {{<<: *node, name: {prefix}-c1, groups: [slurmd]}}
  - {{<<: *node, name: {prefix}-c2, groups: [slurmd]}}
  - {{<<: *node, name: {prefix}-c3, groups: [slurmd]}}
provisioner:
  inventory:
    host_vars:
      # This node presents a Turing RK1 (RK3588, {layout} kernel layout) to the topology facts.
      {prefix}-c1:
        beowulf_fake_topology: {topology}
        slurm_topology_sysfs_root: /opt/beowulf/topology/{topology}/sys
        slurm_topology_procfs_root: /opt/beowulf/topology/{topology}/proc
"""

VERIFIER = """verifier:
  options:
    m: {markers}
"""

# What the RK1 node's fake topology looks like to the comment: its kernel layout.
LAYOUTS = {"rk1-5.10": "5.10", "rk1-6.1": ">= 6.0"}


class Scenario(NamedTuple):
    """What differs between the container scenarios; the image is beowulf-slurm/<directory>:base."""

    prefix: str  # of the container and network names
    image_env: str  # the variable that names another image (the node images, scripts/test.sh)
    topology: str  # the RK1 kernel layout the first compute node presents
    markers: str  # the tests it deselects, and why (``tests``)
    about: str
    tests: str


SCENARIOS: dict[str, Scenario] = {
    "debian12": Scenario(
        "d12", "BEOWULF_IMAGE_DEBIAN12", "rk1-5.10", "not upgrade and not configless",
        "Controller + three compute nodes (debian12): systemd containers on a private network.",
        "The upgrade (test_upgrade.py) goes from Debian 13's Slurm: it runs in that scenario only.\n"
        "Configless on 22.05 runs on the emulated board (tests/e2e, Debian 12), here on Debian 13 (CI time)."),
    "debian13": Scenario(
        "d13", "BEOWULF_IMAGE_DEBIAN13", "rk1-6.1", "not converges or configless",
        "Controller + three compute nodes (debian13): systemd containers on a private network.",
        "The middle platform runs the short form: converge, idempotence and every check of the running\n"
        "cluster, but not the tests that converge again (they run on Debian 12 and Debian testing), except\n"
        "configless on and off (tested on both stable Slurm releases)."),
    "debian-testing": Scenario(
        "dt", "BEOWULF_IMAGE_TESTING", "rk1-6.1", "not upgrade and not any_release and not configless",
        "Controller + three compute nodes on Debian testing (Slurm 26.05, Python 3.14, Open MPI 6):\n"
        "systemd containers on a private network. On a cgroup v1 host (these test machines) PID 1 is\n"
        "Debian 13's systemd, pinned by scripts/bootstrap.sh: systemd 258 and later need cgroup v2.",
        "The upgrade (test_upgrade.py) goes from Debian 13's Slurm: it runs in that scenario only. The\n"
        "checks marked any_release (input refused on the Ansible controller, MUNGE key handling) run on\n"
        "Debian 12: no Slurm release changes them. Configless runs on Debian 12 and 13 (CI time)."),
}


def _comment(text: str) -> str:
    return "".join("# %s\n" % line for line in text.splitlines())


def render(scenario: str) -> str:
    """The molecule.yml of one scenario."""
    values = dict(SCENARIOS[scenario]._asdict(), image="beowulf-slurm/%s:base" % scenario)
    values["layout"] = LAYOUTS[values["topology"]]
    return ("---\n" + HEADER + _comment(values["about"]) + PLATFORMS.format(**values)
            + _comment(values["tests"]) + VERIFIER.format(**values))


def path_of(scenario: str) -> pathlib.Path:
    return ROOT / "molecule" / scenario / "molecule.yml"


def stale() -> list[str]:
    """Scenarios whose molecule.yml is not what the table says."""
    return [name for name in SCENARIOS
            if not path_of(name).is_file() or path_of(name).read_text(encoding="utf-8") != render(name)]


def main(argv: list[str]) -> int:
    if argv == ["--check"]:
        names = stale()
        for name in names:
            print("%s differs from tools/molecule_scenarios.py: run python3 tools/molecule_scenarios.py"
                  % path_of(name).relative_to(ROOT))
        return 1 if names else 0
    if argv:
        print(__doc__.strip())
        return 2
    for name in SCENARIOS:
        path_of(name).parent.mkdir(parents=True, exist_ok=True)
        path_of(name).write_text(render(name), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
