"""Job throughput of the emulated board: the collection's slurm.conf against Debian's stock one.

    .venv/bin/python scripts/bench.py --parts throughput [--jobs 1000]   # part of `make bench`

On the emulated board (`make demo`; started here when it is not up): for each configuration,
converge site.yml with it, then submit `--jobs` trivial jobs (`true`, one CPU each) from the
controller, half as one job array and half as single `sbatch` calls, and time from the first
submit until the queue is empty. Jobs per second = jobs / that time; sacct confirms how many
completed. Power saving is off in both runs (a node powering on would be timed, not Slurm); the
demo's own settings are converged again at the end.

"stock" is the scheduling part of Debian's example slurm.conf (slurm.conf.simple in the
slurmctld package: proctrack/linuxproc, task/none, jobacct_gather/none, cons_tres with
CR_Core_Memory and no memory default) on the same nodes, partition and accounting database.
"""

from __future__ import annotations

import json
import os
import pathlib
import subprocess
import time

import yaml

ROOT = pathlib.Path(__file__).resolve().parents[1]
CONTROLLER = "beowulf-node3"
INVENTORY = "inventories/emulated"

# Debian 12's /usr/share/doc/slurmctld/examples/slurm.conf.simple.gz with the demo's cluster
# name; SlurmctldHost, the node lines and the partition come from the inventory as always.
STOCK = {
    "ClusterName": "beowulf",  # the demo's cluster in the accounting database
    "SlurmUser": "slurm",
    "ProctrackType": "proctrack/linuxproc",
    "ReturnToService": 2,
    "SlurmctldPidFile": "/run/slurmctld.pid",
    "SlurmdPidFile": "/run/slurmd.pid",
    "SlurmdSpoolDir": "/var/lib/slurm/slurmd",
    "StateSaveLocation": "/var/lib/slurm/slurmctld",
    "TaskPlugin": "task/none",
    "SchedulerType": "sched/backfill",
    "SelectType": "select/cons_tres",
    "SelectTypeParameters": "CR_Core_Memory",
    "JobCompType": "jobcomp/none",
    "JobAcctGatherType": "jobacct_gather/none",
    "SlurmctldDebug": "info",
    "SlurmctldLogFile": "/var/log/slurm/slurmctld.log",
    "SlurmdDebug": "info",
    "SlurmdLogFile": "/var/log/slurm/slurmd.log",
}
# The stock example has no memory default: a one-CPU job is given the whole node's memory.
STOCK_VARS = {"slurm_config_defaults": STOCK, "slurm_config": {"DefMemPerNode": 0}}

# Runs inside the controller: submit, wait until nothing is queued or running, print timings.
JOBS_SCRIPT = r"""
set -e
half=$(( %(jobs)d / 2 )); rest=$(( %(jobs)d - half ))
since=$(date +%%Y-%%m-%%dT%%H:%%M:%%S)
start=$(date +%%s.%%N)
sbatch --parsable -J beowulf-bench --array=1-$half -o /dev/null --wrap true >/dev/null
i=0; while [ $i -lt $rest ]; do sbatch --parsable -J beowulf-bench -o /dev/null --wrap true >/dev/null; i=$((i+1)); done
submitted=$(date +%%s.%%N)
while [ -n "$(squeue -h -o %%i)" ]; do sleep 0.2; done
end=$(date +%%s.%%N)
echo "since=$since start=$start submitted=$submitted end=$end"
"""


def sh(*argv: str, check: bool = True, timeout: int | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(argv, check=check, capture_output=True, text=True, timeout=timeout)


def ctl(command: str, timeout: int | None = None) -> subprocess.CompletedProcess:
    return sh("docker", "exec", CONTROLLER, "bash", "-c", command, check=False, timeout=timeout)


def board_is_up() -> bool:
    running = sh("docker", "inspect", "-f", "{{.State.Running}}", CONTROLLER, check=False).stdout.strip()
    return running == "true" and (ROOT / ".cache" / "emulated" / "bmc_password").exists()


def converge(extravars: dict, log: pathlib.Path) -> float:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANSIBLE_") and k != "TURINGPI_PASSWORD"}
    env["PATH"] = "%s:%s" % (ROOT / ".venv" / "bin", env.get("PATH", ""))
    argv = [str(ROOT / ".venv" / "bin" / "ansible-playbook"), "site.yml", "-i", INVENTORY]
    if extravars:
        argv += ["-e", json.dumps(extravars)]
    started = time.monotonic()
    proc = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    seconds = time.monotonic() - started
    log.write_text("$ %s\n%s%s\n[bench] exited %d after %.1f s\n" % (" ".join(argv), proc.stdout, proc.stderr,
                                                                     proc.returncode, seconds))
    if proc.returncode != 0:
        raise SystemExit("site.yml failed (see %s):\n%s" % (log, proc.stdout[-3000:]))
    return seconds


def wait_idle(timeout: float = 300) -> dict:
    """Every node idle (awake, nothing running): returns sinfo's node states."""
    deadline = time.monotonic() + timeout
    states = {}
    while time.monotonic() < deadline:
        out = ctl("sinfo -h -N -o '%N %T'").stdout.split("\n")
        states = dict(line.split() for line in out if line.strip())
        if states and all(state == "idle" for state in states.values()):
            return states
        time.sleep(2)
    raise SystemExit("the nodes did not become idle: %s" % states)


def run_jobs(jobs: int) -> dict:
    proc = ctl(JOBS_SCRIPT % {"jobs": jobs}, timeout=3600)
    if proc.returncode != 0:
        raise SystemExit("submitting jobs failed: %s" % (proc.stdout + proc.stderr)[-2000:])
    marks = dict(part.split("=", 1) for part in proc.stdout.split())
    elapsed = float(marks["end"]) - float(marks["start"])
    # slurmdbd writes asynchronously: wait until it has every job (or a minute).
    completed = failed = 0
    for _attempt in range(30):
        rows = ctl("sacct -n -X -P -a -S %s --name beowulf-bench -o State" % marks["since"]).stdout.splitlines()
        completed = sum(1 for row in rows if row == "COMPLETED")
        failed = len(rows) - completed
        if len(rows) >= jobs:
            break
        time.sleep(2)
    return {"jobs": jobs, "seconds": round(elapsed, 1),
            "submit_seconds": round(float(marks["submitted"]) - float(marks["start"]), 1),
            "jobs_per_second": round(jobs / elapsed, 2), "completed": completed, "not_completed": failed}


def concurrency() -> int:
    """How many one-CPU jobs run at once: 32 six-second jobs, counted while the first ones run.
    They end by themselves (a job cancelled and another started on its CPU a second later made
    Slurm 22.05 on cgroup v1 drain the node: 'cpuset busy')."""
    out = ctl("j=$(sbatch --parsable --array=1-32 -o /dev/null --wrap 'sleep 6'); "
              "until squeue -h -t R -j $j -o %i | grep -q .; do sleep 0.5; done; sleep 2; "
              "squeue -h -t R -j $j -o %i | wc -l; "
              "while [ -n \"$(squeue -h -o %i)\" ]; do sleep 0.5; done", timeout=900).stdout.split()
    return int(out[0]) if out and out[0].isdigit() else 0


def measure(jobs: int, logs: pathlib.Path, trial: dict | None = None) -> dict:
    """Both configurations (and the collection's with `trial` added to slurm_config, when given),
    then the demo's own settings again."""
    if not board_is_up():
        print("[bench] the emulated board is not up: make demo first", flush=True)
        if subprocess.run(["make", "demo"], cwd=ROOT, check=False).returncode != 0:
            raise SystemExit("make demo failed")
    logs.mkdir(parents=True, exist_ok=True)
    report = {}
    try:
        configurations = [("collection", {}), ("stock", STOCK_VARS)]
        if trial:
            # Over the inventory's own slurm_config (an -e replaces the variable whole).
            inventory = yaml.safe_load((ROOT / INVENTORY / "group_vars" / "all.yml").read_text())
            configurations.append(("collection_with_trial",
                                   {"slurm_config": dict(inventory.get("slurm_config") or {}, **trial)}))
        for name, extravars in configurations:
            variables = dict(extravars, slurm_power_saving=False)
            converge_s = converge(variables, logs / ("throughput-%s-converge.log" % name))
            wait_idle()
            result = {"converge_s": round(converge_s, 1), "one_cpu_jobs_at_once": concurrency()}
            result.update(run_jobs(jobs))
            (logs / ("throughput-%s-slurm.conf" % name)).write_text(ctl("cat /etc/slurm/slurm.conf").stdout)
            report[name] = result
            print("[bench] %s: %s" % (name, json.dumps(result)), flush=True)
    finally:
        converge({}, logs / "throughput-restore-demo.log")
    if report.get("stock", {}).get("jobs_per_second"):
        report["collection_to_stock"] = round(report["collection"]["jobs_per_second"]
                                              / report["stock"]["jobs_per_second"], 2)
    return report
