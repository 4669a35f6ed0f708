"""Derived node images: a base image plus packages, built once and cached in the local engine.

The tag is keyed by a hash of the base image name, the package list and the extra setup, so a
changed list builds a new image and an unchanged one is reused. The roles' install tasks still
run on such nodes and find the packages present.
"""

from __future__ import annotations

import hashlib
import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]

# What site.yml installs (roles' defaults), so that converges measure the roles, not the mirror.
CLUSTER_PACKAGES = ["munge", "slurmctld", "slurmd", "slurm-client", "openmpi-bin", "libpmix-dev", "python3-mpi4py",
                    "slurmdbd", "mariadb-server", "python3-pymysql"]


def _sh(*argv: str) -> str:
    return subprocess.run(argv, check=True, capture_output=True, text=True).stdout.strip()


def image_name(base: str, packages: list, setup: str = "", label: str = "node") -> str:
    digest = hashlib.sha256("\n".join([base, " ".join(packages), setup]).encode()).hexdigest()[:12]
    return "%s-%s-%s" % (base.replace(":", "-"), label, digest)


def image_exists(name: str) -> bool:
    return subprocess.run(["docker", "image", "inspect", name], capture_output=True, check=False).returncode == 0


def node_image(base: str, packages: list, setup: str = "", label: str = "node") -> str:
    """Return the name of ``base`` + ``packages`` (+ shell ``setup``), building it if missing."""
    name = image_name(base, packages, setup, label)
    digest = name.rsplit("-", 1)[1]
    if image_exists(name):
        return name
    print("building image %s (%s)" % (name, " ".join(packages)), file=sys.stderr, flush=True)
    builder = "beowulf-image-build-%s" % digest
    subprocess.run(["docker", "rm", "-f", builder], capture_output=True, check=False)
    _sh("docker", "run", "-d", "--name", builder, base, "sleep", "infinity")
    try:
        for source in (ROOT / "tests" / "fixtures" / "topology.py", ROOT / "plugins" / "module_utils" / "cpu_topology.py"):
            _sh("docker", "cp", str(source), builder + ":/opt/" + source.name)
        script = ("apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "
                  "--no-install-recommends %s >/dev/null && "
                  # Services start from the roles, keys come from the roles: none baked in.
                  "(systemctl disable munge slurmd slurmctld slurmdbd mariadb >/dev/null 2>&1 || true) && "
                  "rm -f /etc/munge/munge.key && %s apt-get clean && rm -rf /var/lib/apt/lists/* && "
                  "apt-get update -qq" % (" ".join(packages), setup + " &&" if setup else ""))
        _sh("docker", "exec", builder, "sh", "-c", script)
        _sh("docker", "commit", "-c", 'CMD ["/lib/systemd/systemd"]', builder, name)
    finally:
        subprocess.run(["docker", "rm", "-f", builder], capture_output=True, check=False)
    return name


if __name__ == "__main__":
    # python3 tools/node_image.py BASE: the cluster node image of BASE (scripts/bootstrap.sh builds
    # Debian 12's and 13's beside the other images, so the molecule tier finds them ready).
    print(node_image(sys.argv[1], CLUSTER_PACKAGES))
