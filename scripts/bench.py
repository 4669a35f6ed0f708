"""Benchmark: converge times at 4 and 16 compute nodes, and job throughput of the emulated board.

    make bench        # or: .venv/bin/python scripts/bench.py [--parts converge throughput]
                      #       [--nodes 4 16] [--image ...] [--jobs 1000]

Job throughput: see scripts/bench_throughput.py (the emulated board, the collection's slurm.conf
against Debian's stock settings, side by side in one run).

Converge:
For each size: start a controller and N compute systemd containers on a private network,
run site.yml (first converge), run it again (no-op re-run, must report changed=0), remove
the containers. The no-op's recap says how many task results (ok, skipped) a compute node
had; its per-task profile (each task's mean duration on a compute node, from ansible-runner's
events) is in the JSON (the costliest rows) and whole in n<N>-noop-profile.json. Prints JSON
with wall times, the no-op ratio of the largest to the smallest size and the no-op split into a
fixed part and a part per compute node (a line through those two). Nodes come from a derived
image with the distribution's packages preinstalled (built once, named by a hash of the package list), so
the first converge measures the roles rather than the Debian mirror; the roles' install
tasks still run and find the packages present. The Ansible output of every timed run is kept in
.cache/bench/<date-time>/ (named in the JSON), so each number can be traced to what ran.
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "molecule" / "resources" / "tests"))
import playbook  # noqa: E402  pylint: disable=wrong-import-position

sys.path.insert(0, str(ROOT / "tools"))
from node_image import CLUSTER_PACKAGES, node_image  # noqa: E402  pylint: disable=wrong-import-position

sys.path.insert(0, str(ROOT / "scripts"))
import bench_throughput  # noqa: E402  pylint: disable=wrong-import-position

LOGS = ROOT / ".cache" / "bench" / time.strftime("%Y%m%d-%H%M%S")
RUN_FLAGS = ["--cap-add", "SYS_ADMIN", "--security-opt", "seccomp=unconfined", "--security-opt",
             "apparmor=unconfined", "--cgroupns=host", "-v", "/sys/fs/cgroup:/sys/fs/cgroup:rw",
             "--tmpfs", "/run", "--tmpfs", "/run/lock"]


def sh(*argv: str, check: bool = True) -> str:
    return subprocess.run(argv, check=check, capture_output=True, text=True).stdout.strip()


def start_cluster(image: str, count: int, network: str) -> list:
    names = ["bench-ctl"] + ["bench-c%d" % i for i in range(1, count + 1)]
    sh("docker", "network", "create", network, check=False)
    for name in names:
        sh("docker", "run", "-d", "--name", name, "--hostname", name, "--network", network, *RUN_FLAGS,
           image, "/lib/systemd/systemd")
    deadline = time.monotonic() + 120
    for name in names:
        while time.monotonic() < deadline:
            state = subprocess.run(["docker", "exec", name, "systemctl", "is-system-running"],
                                   capture_output=True, text=True, check=False).stdout.strip()
            if state in ("running", "degraded"):
                break
            time.sleep(1)
    return names


def stop_cluster(names: list, network: str) -> None:
    sh("docker", "rm", "-f", *names, check=False)
    sh("docker", "network", "rm", network, check=False)


def inventory(names: list, connection: str) -> str:
    lines = ["all:", "  vars:", "    ansible_connection: %s" % connection, "  children:",
             "    slurmctld:", "      hosts:", "        %s:" % names[0], "    slurmd:", "      hosts:"]
    lines += ["        %s:" % n for n in names[1:]]
    handle = tempfile.NamedTemporaryFile("w", suffix=".yml", delete=False, prefix="beowulf-bench-")
    handle.write("\n".join(lines) + "\n")
    handle.close()
    return handle.name


def keep_log(name: str, output: str) -> None:
    LOGS.mkdir(parents=True, exist_ok=True)
    (LOGS / name).write_text(output)


def measure(image: str, count: int, connection: str) -> dict:
    network = "beowulf-bench"
    names = start_cluster(image, count, network)
    inv = inventory(names, connection)
    try:
        started = time.monotonic()
        first = playbook.run("site.yml", inv)
        first_s = time.monotonic() - started
        keep_log("n%d-first-converge.log" % count, first.output)
        if first.rc != 0:
            raise SystemExit("first converge failed at %d nodes:\n%s" % (count, first.output[-3000:]))
        started = time.monotonic()
        second = playbook.run("site.yml", inv, events=True)
        second_s = time.monotonic() - started
        keep_log("n%d-noop-rerun.log" % count, second.output)
        profile = task_profile(second.events, names[1:])
        keep_log("n%d-noop-profile.json" % count, json.dumps(profile, indent=2) + "\n")
        if second.rc != 0:
            raise SystemExit("re-run failed at %d nodes:\n%s" % (count, second.output[-3000:]))
        return {"compute_nodes": count, "first_converge_s": round(first_s, 1),
                "noop_rerun_s": round(second_s, 1), "rerun_changed": second.changed(),
                "noop_tasks_per_compute_node": tasks_per_host(second.stats, names[1:]),
                "noop_task_seconds_per_compute_node": round(sum(row["s"] for row in profile), 2),
                "noop_profile_per_compute_node": profile[:PROFILE_ROWS]}
    finally:
        stop_cluster(names, network)
        os.unlink(inv)


PROFILE_ROWS = 12  # the JSON's share; the log directory keeps every row


def task_profile(events: list, hosts: list) -> list:
    """Per task, what it cost a compute node: the mean over ``hosts`` of each result's duration
    (from the task's start on that host to its result, in s), costliest first."""
    rows: dict = {}
    for event in events:
        if event["host"] in hosts:
            row = rows.setdefault(event["task"], {"task": event["task"], "results": {}, "total": 0.0})
            row["results"][event["result"]] = row["results"].get(event["result"], 0) + 1
            row["total"] += event["duration"]
    profile = [{"task": row["task"], "s": round(row["total"] / len(hosts), 3),
                "results": row["results"]} for row in rows.values()]
    return sorted(profile, key=lambda row: -row["s"])


def tasks_per_host(stats: dict, hosts: list) -> dict:
    """What a run's recap says the busiest of ``hosts`` did: task results ok and skipped (each one
    a worker started for the host, the per-node cost of a no-op)."""
    busiest = max(hosts, key=lambda host: sum((stats or {}).get(key, {}).get(host, 0) for key in ("ok", "skipped")))
    return {key: (stats or {}).get(key, {}).get(busiest, 0) for key in ("ok", "skipped")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, nargs="+", default=[4, 16])
    parser.add_argument("--image", default=os.environ.get("BEOWULF_IMAGE_DEBIAN12", "beowulf-slurm/debian12:base"))
    # The docker CLI connection, not docker_api: Ansible imports a collection's connection plugin
    # afresh in every forked worker, and docker_api's import (requests, urllib3, its docs) cost more
    # CPU per task and host than starting the docker CLI (16 nodes, no-op: 92 s against 71 s).
    parser.add_argument("--connection", default="community.docker.docker",
                        choices=["community.docker.docker", "community.docker.docker_api"])
    parser.add_argument("--parts", nargs="+", choices=["converge", "throughput"], default=["converge", "throughput"])
    parser.add_argument("--jobs", type=int, default=1000, help="trivial jobs per throughput run")
    parser.add_argument("--trial", type=json.loads, default=None, metavar="JSON",
                        help="slurm.conf settings to measure as a third throughput run, e.g. "
                             "'{\"SchedulerParameters\": \"defer\"}'")
    args = parser.parse_args()
    report = {"ansible_logs": str(LOGS.relative_to(ROOT))}
    if "converge" in args.parts:
        report.update(converge_report(args))
    if "throughput" in args.parts:
        report["throughput"] = bench_throughput.measure(args.jobs, LOGS, args.trial)
    print(json.dumps(report, indent=2))


def converge_report(args: argparse.Namespace) -> dict:
    image = node_image(args.image, CLUSTER_PACKAGES)
    results = [measure(image, n, args.connection) for n in args.nodes]
    report = {"image": image, "connection": args.connection, "results": results}
    small, large = min(results, key=lambda r: r["compute_nodes"]), max(results, key=lambda r: r["compute_nodes"])
    if large["compute_nodes"] > small["compute_nodes"] and small["noop_rerun_s"]:
        report["noop_ratio_largest_to_smallest"] = round(large["noop_rerun_s"] / small["noop_rerun_s"], 2)
        # time = fixed + nodes * per_node, through the smallest and the largest size.
        span = large["compute_nodes"] - small["compute_nodes"]
        for key in ("noop_rerun_s", "first_converge_s"):
            per_node = (large[key] - small[key]) / span
            prefix = "noop" if key.startswith("noop") else "first_converge"
            report["%s_per_compute_node_s" % prefix] = round(per_node, 2)
            report["%s_fixed_s" % prefix] = round(small[key] - small["compute_nodes"] * per_node, 1)
    return report


if __name__ == "__main__":
    main()
