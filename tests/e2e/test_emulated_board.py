"""The main job end to end, as a new user meets it: a fresh clone, `make demo`, then every command
the README shows, run as written in that clone (BMC emulator -> inventory plugin -> power_on.yml,
site.yml, verify.yml), and the galaxy-install path with a user's own ansible.cfg.

The commands that need a real board run against the emulated one with the same options: the
clone's inventories/turingpi is rewritten to point at the emulator (address, ports, the pinned
fingerprint, the node addresses), which is what a board owner edits.
"""

from __future__ import annotations

import contextlib
import json
import os
import shlex
import signal
import pathlib
import re
import shutil
import subprocess
import time

import pytest
import yaml

from helpers import LOGS, ROOT, VENV_BIN, tail

pytestmark = pytest.mark.e2e

# Every command of the README's ```sh blocks, and how this test runs it. A command the README
# gains without an entry here fails test_readme_commands_are_all_known: the README cannot drift.
RUN = "run as written in the clone"
DAY_TWO = "run as written in the clone by the day-two tests"
ADD_NODE5 = ".venv/bin/python scripts/demo.py add-node 5"
CONVERGE = "ansible-playbook site.yml -i inventories/emulated"
WITHOUT_NODE1 = CONVERGE + " --limit '!node1'"
KEEP_NODE2_ON = CONVERGE + """ -e '{"slurm_power_saving_exclude_nodes": ["node2"]}'"""
UPGRADE = CONVERGE + " -e slurm_upgrade=true"
CONFIGLESS = CONVERGE + " -e slurm_configless=true"
BOARD = "run as written in the clone, its inventories/turingpi pointed at the emulated board"
README_COMMANDS = {
    "make demo": RUN,
    "make test": "not run: it is this test suite",
    ". .venv/bin/activate": RUN,
    "ansible-inventory -i inventories/emulated --graph": RUN,
    "ansible-playbook verify.yml -i inventories/emulated": RUN,
    "make demo-login": RUN,
    "make demo-destroy": RUN,
    "ansible-inventory -i inventories/turingpi --graph": BOARD,
    "ansible-playbook power_on.yml -i inventories/turingpi": BOARD,
    "ansible-playbook site.yml -i inventories/turingpi": BOARD,
    "ansible-playbook verify.yml -i inventories/turingpi": BOARD,
    "openssl s_client -connect turingpi.local:443 </dev/null 2>/dev/null | openssl x509 -noout "
    "-fingerprint -sha256": BOARD,
    "ansible-playbook site.yml -i my-inventory.yml": RUN,
    "ansible-galaxy collection build": RUN,
    "ansible-galaxy collection install beowulf-slurm-0.1.0.tar.gz": RUN,
    "ansible-playbook beowulf.slurm.site -i my-inventory.yml": RUN,
    ADD_NODE5: DAY_TWO,
    CONVERGE: DAY_TWO,
    KEEP_NODE2_ON: DAY_TWO,
    WITHOUT_NODE1: DAY_TWO,
    UPGRADE: DAY_TWO,
    CONFIGLESS: DAY_TWO,
}


def readme_commands() -> list:
    """The commands of the README's ```sh blocks, comments stripped, in order."""
    text = (ROOT / "README.md").read_text()
    commands = []
    for block in re.findall(r"```sh\n(.*?)```", text, re.S):
        for line in block.splitlines():
            command = re.sub(r"\s+#.*$", "", line).strip()
            if command and not command.startswith("#"):
                commands.append(command)
    return commands


def sh(script: str, cwd: pathlib.Path, name: str, timeout: int = 1800, stdin: str | None = None,
       env: dict | None = None) -> subprocess.CompletedProcess:
    """bash -c in the clone; the whole output is kept in .cache/logs/<name>.log."""
    LOGS.mkdir(parents=True, exist_ok=True)
    environment = dict(os.environ)
    for key in list(environment):  # the clone's own settings, not the suite's
        if key.startswith("ANSIBLE_") or key in ("TURINGPI_PASSWORD", "VIRTUAL_ENV"):
            del environment[key]
    environment.update(env or {})
    started = time.monotonic()
    proc = subprocess.run(["bash", "-c", script], cwd=cwd, env=environment, input=stdin or "",
                          capture_output=True, text=True, timeout=timeout, check=False)
    output = proc.stdout + proc.stderr
    (LOGS / ("%s.log" % name)).write_text("$ %s\n%s\n[beowulf] exited %s after %.1f s\n" % (
        script, output, proc.returncode, time.monotonic() - started))
    proc.output = output
    return proc


def docker(*argv: str) -> subprocess.CompletedProcess:
    return subprocess.run(["docker", *argv], capture_output=True, text=True, check=False)


def ctl(command: str) -> subprocess.CompletedProcess:
    return docker("exec", "beowulf-node3", "sh", "-c", command)


def recaps(output: str) -> list:
    return [line for line in output.splitlines() if " changed=" in line and " ok=" in line]


@pytest.fixture(scope="module")
def clone(tmp_path_factory):
    """A fresh clone of this commit, the suite's venv linked in, the board brought up by its `make demo`."""
    # One emulated board at a time (fixed ports and container names): remove one left running.
    sh("%s scripts/demo.py destroy" % (VENV_BIN / "python"), ROOT, "e2e-destroy-before",
       env={"BEOWULF_KEEP_ENGINE": "1"})
    where = tmp_path_factory.mktemp("clone") / "beowulf.slurm"
    subprocess.run(["git", "clone", "-q", str(ROOT), str(where)], check=True)
    (where / ".venv").symlink_to(ROOT / ".venv")  # the README's setup made it; same requirements.txt
    demo = sh("make demo", where, "e2e-make-demo", timeout=2400)
    yield where, demo
    sh("make demo-destroy", where, "e2e-destroy-after", env={"BEOWULF_KEEP_ENGINE": "1"})
    shutil.rmtree(where.parent, ignore_errors=True)


def test_make_demo_from_a_fresh_clone(clone):
    where, demo = clone
    assert demo.returncode == 0, tail(demo.output, 120)
    out = demo.output
    assert "[7/8] the cluster" in out
    assert "$ srun -N3 hostname" in out
    assert out.count("allreduce sum 6") == 3, tail(out, 40)
    # Clean: no warnings a user must learn to ignore, and the way to the BMC is printed, not the password.
    for noise in ("WARNING", "debconf:", "zstd"):
        assert noise not in out, "%r in the demo's output" % noise
    assert "make demo as a whole:" in out
    assert "ansible-inventory -i inventories/emulated --graph" in out
    assert ".cache/emulated/bmc_password" in out
    password = (where / ".cache" / "emulated" / "bmc_password").read_text().strip()
    assert password not in out
    assert oct((where / ".cache" / "emulated" / "bmc_password").stat().st_mode & 0o777) == "0o600"


def test_inventory_comes_from_the_bmc(clone):
    where, _demo = clone
    proc = sh(". .venv/bin/activate && ansible-inventory -i inventories/emulated --list", where, "e2e-inventory")
    assert proc.returncode == 0, proc.output
    data = json.loads(proc.stdout)
    assert data["slurmctld"]["hosts"] == ["node3"]
    assert sorted(data["slurmd"]["hosts"]) == ["node1", "node2", "node4"]
    # make demo ends with the compute nodes powered down by Slurm (power saving) through the BMC.
    assert data["powered_on"]["hosts"] == ["node3"]
    assert sorted(data["powered_off"]["hosts"]) == ["node1", "node2", "node4"]
    fingerprint = data["_meta"]["hostvars"]["node1"]["turingpi_bmc_connection"]["cert_fingerprint"]
    assert re.fullmatch(r"[0-9a-f]{64}", fingerprint["__ansible_unsafe"] if isinstance(fingerprint, dict)
                        else fingerprint), "the emulated inventory pins the certificate"
    assert (where / ".cache" / "emulated" / "bmc_password").read_text().strip() not in proc.output


def test_slurm_sees_rk1_nodes(clone):
    # The demo ends with the compute nodes powered down (idle~): Slurm still knows their shape.
    out = ctl("sinfo -h -N -o '%N %c %z'").stdout.split("\n")
    assert sorted(line for line in out if line) == ["node1 8 1:8:1", "node2 8 1:8:1", "node4 8 1:8:1"]


def test_eight_one_cpu_jobs_share_an_rk1_node(clone):
    """DefMemPerCPU from RealMemory / CPUs: a one-CPU job no longer holds the whole node's memory."""
    line = ctl("scontrol show partition main -o").stdout
    share = int(re.search(r"DefMemPerCPU=(\d+)", line).group(1))
    real = int(re.search(r"RealMemory=(\d+)", ctl("scontrol show node node1 -o").stdout).group(1))
    assert share == real // 8, (share, real)
    # node1 awake first, then one job every half second: eight batch jobs launched in the same
    # instant on an emulated node (8 CPUs claimed, 2 real, cgroup v1 host) can race on the shared
    # cpuset ("unable to write ... cpuset.cpus: Device or resource busy", seen once in CI), which
    # drains the node. Here they start one by one and then run together.
    assert ctl("srun -w node1 true").returncode == 0, board_report()
    wait_until_free("node1")
    jobs = []
    for _job in range(8):
        submit = ctl("sbatch --parsable -w node1 -n1 -o /dev/null --wrap 'sleep 40'")
        assert submit.returncode == 0, submit.stderr
        jobs.append(submit.stdout.strip())
        time.sleep(0.5)
    try:
        deadline, running = time.monotonic() + 60, 0
        while time.monotonic() < deadline:
            states = ctl("squeue -h -j %s -o '%%T %%N'" % ",".join(jobs)).stdout.split("\n")
            running = sum(1 for s in states if s == "RUNNING node1")
            if running == 8:
                break
            time.sleep(1)
        assert running == 8, "only %d of 8 one-CPU jobs run at once on node1:\n%s" % (
            running, ctl("squeue -r -o '%i %T %R %m'; scontrol show node node1").stdout)
    finally:
        ctl("scancel %s" % " ".join(jobs))
        # a failure here must not drain node1 for the tests after this one
        if "DRAIN" in ctl("scontrol show node node1 -o").stdout:
            ctl("scontrol update NodeName=node1 State=RESUME")
    # More than its share: still granted (the default is a default, not a limit).
    big = ctl("srun -w node2 -n1 --mem=%d sh -c 'scontrol show job -o $SLURM_JOB_ID'" % (share * 3))
    assert big.returncode == 0 and "MinMemoryNode=%dM" % (share * 3) in big.stdout, big.stdout + big.stderr


def test_accounting_records_jobs_and_keeps_them_across_a_slurmdbd_restart(clone):
    where, _demo = clone
    for service in ("mariadb", "slurmdbd"):
        assert ctl("systemctl is-active %s" % service).stdout.strip() == "active", service
    assert ctl("stat -c '%a %U' /etc/slurm/slurmdbd.conf").stdout.strip() == "600 slurm"
    assert ctl("stat -c '%a %U' /etc/slurm/slurmdbd.dbpass").stdout.strip() == "600 root"
    password = ctl("cat /etc/slurm/slurmdbd.dbpass").stdout.strip()
    assert len(password) == 32
    for log in LOGS.glob("e2e-*.log"):  # everything the converges printed
        assert password not in log.read_text(errors="replace"), log
    assert password not in ctl("cat /etc/slurm/slurm.conf").stdout
    assert "users" in ctl("sacctmgr -n -P show account format=account").stdout.split()
    # Records written while slurmdbd is down reach the database when it is back (slurmctld's queue).
    assert ctl("systemctl stop slurmdbd").returncode == 0
    try:
        job = ctl("sbatch --parsable -o /dev/null --wrap true").stdout.strip()
        assert job.isdigit()
        assert wait(lambda: "COMPLETED" in ctl("scontrol show job %s" % job).stdout or
                    "Invalid job id" in ctl("scontrol show job %s" % job).stderr, 60)
    finally:
        assert ctl("systemctl start slurmdbd").returncode == 0
    assert wait(lambda: "%s|COMPLETED" % job in ctl("sacct -n -P -X -j %s -o JobID,State" % job).stdout, 120), \
        ctl("sacct -n -P -X -j %s -o JobID,State" % job).stdout


COMPUTE = ("node1", "node2", "node4")


def states() -> dict:
    out = ctl("sinfo -h -N -o '%N %t'").stdout.split()
    return dict(zip(out[::2], out[1::2]))


def all_asleep() -> bool:
    now = states()
    return sorted(now) == list(COMPUTE) and set(now.values()) == {"idle~"}


def wait_until_free(name: str) -> None:
    """No job on the node, and 3 s for its cgroups to go, before the next job takes its CPUs: a
    batch job started a second after an srun on the same CPU failed on the busy cpuset and
    drained the node ("batch job complete failure"; Slurm 22.05, cgroup v1 containers, CI
    2026-11-29)."""
    assert wait(lambda: "CPUAlloc=0 " in ctl("scontrol show node %s -o" % name).stdout
                and not ctl("squeue -h -w %s -o %%i" % name).stdout.strip(), 60), board_report()
    time.sleep(3)


def container_running(name: str) -> bool:
    return docker("inspect", "-f", "{{.State.Running}}", "beowulf-" + name).stdout.strip() == "true"


@contextlib.contextmanager
def nodes_held():
    """Every compute node awake and allocated (one CPU each) while a converge runs: with the
    emulated board's 60 s SuspendTime an idle node could power down in the middle of a run."""
    job = ctl("sbatch --parsable -N3 --ntasks-per-node=1 -J e2e-hold -o /dev/null --wrap 'sleep 3600'").stdout.strip()
    assert job.isdigit()
    try:
        assert wait(lambda: ctl("squeue -h -j %s -o %%T" % job).stdout.strip() == "RUNNING", 120), \
            ctl("squeue; sinfo -N").stdout
        yield job
    finally:
        ctl("scancel %s" % job)
        # Gone before the next test allocates the same CPUs: on Slurm 22.05 with cgroup v1 (these
        # containers) a job started a second after the cancel found the old job's cpuset still busy
        # ("cpuset.cpus: Device or resource busy", "Slurmd could not execve job") and its node was
        # drained (2026-11-29).
        wait(lambda: ctl("squeue -h -j %s -o %%T" % job).stdout.strip() == "", 60)
        time.sleep(3)


def power_log() -> str:
    return ctl("cat /var/log/slurm/power_save.log").stdout


def board_report() -> str:
    """What an admin would look at when the board is not in the state a test expects."""
    report = ctl("date; scontrol show node -o; squeue -o '%i %j %T %R %S'; tail -n 20 /var/log/slurm/power_save.log; "
                 "tail -n 40 /var/log/slurm/slurmctld.log").stdout
    for name in COMPUTE:
        if container_running(name):
            node = docker("exec", "beowulf-" + name, "sh", "-c",
                          "tail -n 30 /var/log/slurm/slurmd.log; journalctl -u slurmd -n 15 --no-pager -o short-precise")
            report += "\n--- %s: slurmd.log and journal\n%s%s" % (name, node.stdout, node.stderr)
    return report


def test_idle_nodes_power_down_through_the_bmc_and_a_job_powers_them_up(clone):
    where, demo = clone
    # make demo showed it: idle -> idle% -> idle~ (containers off), a job, and idle~ again.
    showcase = demo.output.split("power saving: idle nodes power off")[1]
    assert "node1 idle~  node2 idle~  node4 idle~   (containers node1:off node2:off node4:off)" in showcase
    assert "the nodes powered on, registered and ran the job in" in showcase
    assert wait(all_asleep, 200), states()
    assert not any(container_running(name) for name in COMPUTE)
    assert container_running("node3"), "the controller is never powered down"
    # The BMC agrees: the plugin lists them as powered off.
    inventory = sh(". .venv/bin/activate && ansible-inventory -i inventories/emulated --list", where, "e2e-power-inv")
    assert sorted(json.loads(inventory.stdout)["powered_off"]["hosts"]) == list(COMPUTE)
    started = time.monotonic()
    job = ctl("sbatch --parsable --wait -N3 -o /dev/null --wrap 'srun hostname'")
    elapsed = time.monotonic() - started
    assert job.returncode == 0, job.stderr
    assert wait(lambda: "COMPLETED" in ctl("sacct -n -X -j %s -o State" % job.stdout.strip()).stdout, 60)
    print("a job on three powered-down nodes completed %.1f s after sbatch" % elapsed)
    log = power_log()
    for name, slot in (("node1", 1), ("node2", 2), ("node4", 4)):
        assert "%s: shut down" % name in log and "%s: emulated slot %d switched off" % (name, slot) in log
        assert "%s: emulated slot %d switched on" % (name, slot) in log
    assert "node3" not in log
    config = ctl("scontrol show config").stdout
    assert re.search(r"SuspendProgram\s+= /usr/local/sbin/beowulf-suspend", config), config


def test_a_converge_leaves_sleeping_nodes_asleep_and_changes_nothing(clone):
    where, _demo = clone
    assert wait(all_asleep, 200), states()
    run = sh(". .venv/bin/activate && ansible-playbook site.yml -i inventories/emulated", where, "e2e-power-converge")
    assert run.returncode == 0, tail(run.output, 60)
    lines = recaps(run.output)
    assert len(lines) == 4 and all(" changed=0 " in line and " unreachable=0 " in line for line in lines), lines
    assert all_asleep(), states()
    assert not any(container_running(name) for name in COMPUTE), "a converge woke a sleeping node"


def test_power_secrets_are_readable_by_the_slurm_user_only(clone):
    where, _demo = clone
    password = (where / ".cache" / "emulated" / "bmc_password").read_text().strip()
    listing = ctl("stat -c '%n %a %U' /etc/slurm/power /etc/slurm/power/*").stdout.split("\n")
    modes = dict((line.split()[0], line.split()[1:]) for line in listing if line)
    assert modes.pop("/etc/slurm/power") == ["700", "slurm"]
    expected = ("boards.json", "nodes.json", "emulated.password", "id_ed25519", "known_hosts")
    assert set(modes) >= {"/etc/slurm/power/%s" % name for name in expected}
    assert all(mode == ["600", "slurm"] for mode in modes.values()), modes
    holders = ctl("grep -rlF -- '%s' /etc /var/log /usr/local /root /tmp /var/lib/slurm 2>/dev/null" % password)
    assert holders.stdout.split() == ["/etc/slurm/power/emulated.password"], holders.stdout
    journal = ctl("journalctl --no-pager -o cat").stdout
    assert password not in journal
    for log in list(LOGS.glob("e2e-*.log")):
        assert password not in log.read_text(errors="replace"), log
    # The compute nodes accept the controller's key for one command only (read from the
    # stopped container's disk: the node sleeps).
    key = ctl("cat /etc/slurm/power/id_ed25519.pub").stdout.split()[1]
    archive = subprocess.run(["docker", "cp", "beowulf-node1:/root/.ssh/authorized_keys", "-"], capture_output=True,
                             check=True).stdout
    lines = [line for line in archive.decode(errors="replace").splitlines() if key in line]
    assert len(lines) == 1 and 'restrict,command="/usr/bin/systemctl poweroff" ssh-ed25519 ' in lines[0], lines


@pytest.mark.parametrize("extra, words", [
    ('{"slurm_power_saving_suspend_time": "soon"}', "slurm_power_saving_suspend_time"),
    ('{"slurm_power_saving_shutdown_timeout": 500}', "slurm_power_saving_shutdown_timeout (500) must be shorter"),
    ('{"slurm_power_saving_exclude_nodes": ["node9"]}', "slurm_power_saving_exclude_nodes names hosts that are not"),
])
def test_bad_power_settings_are_refused_before_any_change(clone, extra, words):
    where, _demo = clone
    before = ctl("md5sum /etc/slurm/slurm.conf /etc/slurm/power/nodes.json").stdout
    run = sh(". .venv/bin/activate && ansible-playbook site.yml -i inventories/emulated -e '%s'" % extra, where,
             "e2e-power-bad-%d" % len(extra))
    assert run.returncode != 0
    assert words in run.output, tail(run.output, 30)
    assert all(" changed=0 " in line for line in recaps(run.output)), recaps(run.output)
    assert ctl("md5sum /etc/slurm/slurm.conf /etc/slurm/power/nodes.json").stdout == before


def test_a_bmc_that_is_down_at_resume_leaves_the_node_down_and_the_job_pending(clone):
    where, _demo = clone
    assert wait(lambda: states().get("node1") == "idle~", 200), states()
    pid = int((where / ".cache" / "emulated" / "bmc.pid").read_text())
    os.killpg(pid, signal.SIGTERM)  # the BMC is gone (rebooting, unplugged)
    try:
        job = ctl("sbatch --parsable -w node1 -o /dev/null --wrap true").stdout.strip()
        assert job.isdigit()
        assert wait(lambda: "node1: switching emulated slot 1 on failed" in power_log(), 30), power_log()[-2000:]
        # ResumeTimeout (60 s on the emulated board): node1 DOWN with a reason, the job requeued, not lost.
        assert wait(lambda: " State=DOWN" in ctl("scontrol show node node1 -o").stdout, 150), board_report()
        node = ctl("scontrol show node node1 -o").stdout
        assert re.search(r"Reason=\S", node), node
        assert ctl("squeue -h -j %s -o %%T" % job).stdout.strip() == "PENDING"
        assert not container_running("node1")
    finally:
        restart = sh("%s scripts/demo.py bmc" % (VENV_BIN / "python"), where, "e2e-bmc-restart")
        assert restart.returncode == 0, restart.output
    # Back: the documented way to return it (README, power saving); the requeued job runs after
    # Slurm's requeue delay (about two minutes; `scontrol update JobId=.. StartTime=now` is not used:
    # on Slurm 22.05 it leaves a CPU allocated on the node after the job ends).
    assert ctl("scontrol update NodeName=node1 State=RESUME").returncode == 0
    assert wait(lambda: "COMPLETED" in ctl("sacct -n -X -j %s -o State" % job).stdout, 300), board_report()
    # In service again: nothing left allocated, so it idles and powers down as before.
    assert wait(lambda: re.search(r"CPUAlloc=0 .* State=IDLE", ctl("scontrol show node node1 -o").stdout), 30), \
        board_report()


def test_power_saving_off_wakes_the_nodes_and_removes_its_files(clone):
    where, _demo = clone
    # Every node asleep first (the previous test's job may still be ending on node1): the run
    # must wake them all and hold them until power saving is off.
    assert wait(all_asleep, 200), board_report()
    # node1 busy when the run starts, its job ending in the middle of it: it must stay held too.
    busy = ctl("sbatch --parsable -w node1 -o /dev/null --wrap 'sleep 45'").stdout.strip()
    assert wait(lambda: ctl("squeue -h -j %s -o %%T" % busy).stdout.strip() == "RUNNING", 90), board_report()
    off = ". .venv/bin/activate && ansible-playbook site.yml -i inventories/emulated -e slurm_power_saving=false"
    first = sh(off, where, "e2e-power-off")
    assert first.returncode == 0, tail(first.output, 60) + board_report()
    assert wait(lambda: set(states().values()) == {"idle"}, 60), board_report()
    assert all(container_running(name) for name in COMPUTE)
    assert "COMPLETED" in ctl("sacct -n -X -j %s -o State" % busy).stdout, board_report()
    assert "SuspendProgram" not in ctl("cat /etc/slurm/slurm.conf").stdout
    assert ctl("ls /etc/slurm/power /usr/local/sbin/beowulf-suspend").returncode != 0
    for name in COMPUTE:
        assert "beowulf-slurm-power" not in docker("exec", "beowulf-" + name, "cat", "/root/.ssh/authorized_keys").stdout
    again = sh(off, where, "e2e-power-off-again")
    assert again.returncode == 0 and all(" changed=0 " in line for line in recaps(again.output)), recaps(again.output)
    with nodes_held():
        back = sh(". .venv/bin/activate && ansible-playbook site.yml -i inventories/emulated", where, "e2e-power-on")
    assert back.returncode == 0, tail(back.output, 60)
    assert "SuspendProgram=/usr/local/sbin/beowulf-suspend" in ctl("cat /etc/slurm/slurm.conf").stdout


def daemon_pids() -> dict:
    pids = {name: docker("exec", "beowulf-" + name, "systemctl", "show", "-p", "MainPID", "--value", "slurmd")
            .stdout.strip() for name in COMPUTE}
    pids["slurmctld"] = ctl("systemctl show -p MainPID --value slurmctld").stdout.strip()
    return pids


def slurm_config_e(where: pathlib.Path, **keys) -> str:
    """An -e that adds ``keys`` to the emulated inventory's slurm_config (an -e replaces a variable whole)."""
    inventory = yaml.safe_load((where / "inventories" / "emulated" / "group_vars" / "all.yml").read_text())
    return "-e %s" % shlex.quote(json.dumps({"slurm_config": dict(inventory.get("slurm_config") or {}, **keys)}))


def test_a_slurm_conf_change_while_jobs_run_restarts_only_what_it_must(clone):
    """Slurm 22.05 (the board's): MaxJobCount needs a slurmctld restart, DefMemPerCPU a reconfigure;
    no slurmd restarts, the running jobs keep running and the short one completes."""
    where, _demo = clone
    with nodes_held() as held:
        short = ctl("sbatch --parsable -w node1 -o /dev/null --wrap 'sleep 40'").stdout.strip()
        assert wait(lambda: ctl("squeue -h -j %s -o %%T" % short).stdout.strip() == "RUNNING", 60), board_report()
        before = daemon_pids()
        change = sh(". .venv/bin/activate && ansible-playbook site.yml -i inventories/emulated "
                    + slurm_config_e(where, MaxJobCount=20000, DefMemPerCPU=1000), where, "e2e-change")
        assert change.returncode == 0, tail(change.output, 60)
        after = daemon_pids()
        assert after["slurmctld"] != before["slurmctld"], "MaxJobCount needs a slurmctld restart on 22.05"
        assert {name: after[name] for name in COMPUTE} == {name: before[name] for name in COMPUTE}, \
            "a slurmd was restarted for a change a reconfigure applies"
        config = ctl("scontrol show config").stdout
        assert re.search(r"MaxJobCount\s+= 20000", config) and re.search(r"DefMemPerCPU\s+= 1000", config), config
        assert ctl("squeue -h -j %s -o %%T" % held).stdout.strip() == "RUNNING", board_report()
        assert wait(lambda: "COMPLETED" in ctl("sacct -n -X -j %s -o State" % short).stdout, 90), board_report()
        back = sh(". .venv/bin/activate && ansible-playbook site.yml -i inventories/emulated", where, "e2e-change-back")
        assert back.returncode == 0, tail(back.output, 60)
        assert re.search(r"MaxJobCount\s+= 10000", ctl("scontrol show config").stdout)
        assert daemon_pids()["node2"] == before["node2"]
        assert ctl("squeue -h -j %s -o %%T" % held).stdout.strip() == "RUNNING", board_report()


def test_a_daemon_that_fails_to_start_shows_its_journal_and_the_next_run_heals(clone):
    where, _demo = clone
    with nodes_held():
        broken = sh(". .venv/bin/activate && ansible-playbook site.yml -i inventories/emulated "
                    + slurm_config_e(where, SelectType="select/no_such_plugin"), where, "e2e-broken-config")
        assert broken.returncode != 0
        assert "slurmctld did not start on node3; the last lines of its journal:" in broken.output, \
            tail(broken.output, 40)
        assert "no_such_plugin" in broken.output.split("the last lines of its journal:")[1]
        healed = sh(". .venv/bin/activate && ansible-playbook site.yml -i inventories/emulated", where, "e2e-healed")
        assert healed.returncode == 0, tail(healed.output, 60)
        assert wait(lambda: sorted(states().items()) ==
                    [("node1", "mix"), ("node2", "mix"), ("node4", "mix")], 60), ctl("sinfo -N").stdout


def readme_yaml(first_line: str) -> str:
    """The README's ```yaml block that begins with the comment ``first_line``."""
    text = (ROOT / "README.md").read_text()
    found = re.search(r"```yaml\n(# %s\n.*?)```" % re.escape(first_line), text, re.S)
    assert found, "the README has no yaml block beginning with # %s" % first_line
    return found.group(1)


def converge(where: pathlib.Path, name: str, command: str = CONVERGE) -> subprocess.CompletedProcess:
    run = sh(". .venv/bin/activate && " + command, where, name)
    assert run.returncode == 0, tail(run.output, 60) + board_report()
    return run


def job_state(job: str) -> str:
    return ctl("sacct -n -X -j %s -o State" % job).stdout.strip()


def running_job(command: str) -> str:
    job = ctl("sbatch --parsable -o /dev/null " + command).stdout.strip()
    assert job.isdigit(), command
    assert wait(lambda: ctl("squeue -h -j %s -o %%T" % job).stdout.strip() == "RUNNING", 120), board_report()
    return job


def munge_key(name: str) -> str:
    return docker("exec", "beowulf-" + name, "md5sum", "/etc/munge/munge.key").stdout.split()[0]


def test_day_two_a_fifth_node_joins_and_leaves_while_a_job_runs(clone):
    """README, Day two: a machine beside the board joins by a re-run; the running job completes;
    removed from the inventory (drained first), it leaves slurm.conf everywhere."""
    where, _demo = clone
    with nodes_held():
        # Runs until the test lets it end (a file on its nodes), however long the converges take.
        job = running_job("-N3 --ntasks-per-node=1 --wrap 'while [ ! -e /var/tmp/e2e-go ]; do sleep 1; done'")
        added = sh(ADD_NODE5, where, "e2e-add-node5")
        assert added.returncode == 0, added.output
        address = re.search(r"address (\S+) on the board network", added.output).group(1)
        node5 = where / "inventories" / "emulated" / "node5.yml"
        node5.write_text(readme_yaml("inventories/emulated/node5.yml").replace("172.30.71.15", address))
        joined = converge(where, "e2e-node5-join")
        assert len(recaps(joined.output)) == 5
        assert wait(lambda: states().get("node5") == "idle", 60), board_report()
        assert ctl("srun -w node5 hostname").stdout.strip() == "node5"
        assert munge_key("node5") == munge_key("node3"), "node5 did not get the cluster's MUNGE key"
        assert "SuspendExcNodes=node5" in ctl("cat /etc/slurm/slurm.conf").stdout, "no BMC: never powered down"
        assert ctl("squeue -h -j %s -o %%T" % job).stdout.strip() == "RUNNING", board_report()
        again = converge(where, "e2e-node5-again")
        assert all(" changed=0 " in line for line in recaps(again.output)), recaps(again.output)
        # Leave: drain, out of the inventory, a re-run; then the machine is switched off.
        assert ctl("scontrol update NodeName=node5 State=DRAIN Reason=leaving").returncode == 0
        assert wait(lambda: states().get("node5") == "drain", 30), board_report()
        node5.unlink()
        left = converge(where, "e2e-node5-leave")
        assert len(recaps(left.output)) == 4
        assert "node5" not in states()
        for name in ("node3", "node1"):
            assert "node5" not in docker("exec", "beowulf-" + name, "cat", "/etc/slurm/slurm.conf").stdout, name
        docker("rm", "-f", "beowulf-node5")
        for name in ("node1", "node2", "node4"):
            docker("exec", "beowulf-" + name, "touch", "/var/tmp/e2e-go")
        assert wait(lambda: job_state(job) == "COMPLETED", 180), board_report()


def test_day_two_a_reinstalled_node_is_healed_by_a_re_run(clone):
    """README, Day two: node2 kept on (out of power saving), drained, reinstalled (no key, no Slurm),
    healed by a re-run and resumed; jobs elsewhere keep running; then back in power saving."""
    where, _demo = clone
    held = running_job("-w node1,node4 -N2 --ntasks-per-node=1 -J e2e-hold --wrap 'sleep 3600'")
    busy = ""
    try:
        short = running_job("-w node2 --wrap 'sleep 30'")  # node2 awake while it leaves power saving
        converge(where, "e2e-replace-keep-on", KEEP_NODE2_ON)
        assert "SuspendExcNodes=node2" in ctl("cat /etc/slurm/slurm.conf").stdout
        assert ctl("scontrol update NodeName=node2 State=DRAIN Reason=replaced").returncode == 0
        assert wait(lambda: job_state(short) == "COMPLETED", 60), board_report()
        assert wait(lambda: states().get("node2") == "drain", 30), board_report()
        reinstalled = sh("%s scripts/demo.py reinstall 2" % (VENV_BIN / "python"), where, "e2e-reinstall-node2")
        assert reinstalled.returncode == 0, reinstalled.output
        assert docker("exec", "beowulf-node2", "ls", "/etc/munge/munge.key").returncode != 0
        healed = converge(where, "e2e-replace-heal", KEEP_NODE2_ON)
        node2 = [line for line in recaps(healed.output) if line.startswith("node2 ")]
        assert node2 and " changed=0 " not in node2[0], recaps(healed.output)
        others = [line for line in recaps(healed.output) if not line.startswith("node2 ")]
        assert len(others) == 3 and all(" changed=0 " in line for line in others), "only node2 changes"
        assert munge_key("node2") == munge_key("node3")
        assert states().get("node2") == "drain", "the admin's drain is kept until the admin resumes"
        assert ctl("scontrol update NodeName=node2 State=RESUME").returncode == 0
        assert ctl("srun -w node2 hostname").stdout.strip() == "node2"
        # Back under power saving, busy meanwhile: idle longer than SuspendTime (60 s here) by the
        # time the run's reconfigure applies it, node2 would power down within the run (CI saw it).
        busy = running_job("-w node2 --wrap 'sleep 600'")
        back = converge(where, "e2e-replace-back")
        assert "SuspendExcNodes=node2" not in ctl("cat /etc/slurm/slurm.conf").stdout
        assert all(" failed=0 " in line for line in recaps(back.output))
        assert ctl("squeue -h -j %s,%s -o %%T" % (held, busy)).stdout.split() == ["RUNNING", "RUNNING"], \
            board_report()
    finally:
        ctl("scancel %s %s" % (held, busy))


def test_day_two_a_node_down_at_the_start_stops_the_run_and_the_rest_converge_without_it(clone):
    """README, Day two: node1 unreachable (sshd stopped) -> the run names it and changes nothing;
    --limit '!node1' converges the rest with node1's line kept; back, a plain run changes nothing."""
    where, _demo = clone
    with nodes_held() as held:
        before = ctl("md5sum /etc/slurm/slurm.conf").stdout
        # sshd and its sessions gone (Ansible's persistent connections too)
        assert docker("exec", "beowulf-node1", "sh", "-c",
                      "systemctl stop ssh.socket ssh; pkill -f '^sshd'; true").returncode == 0
        try:
            stopped = sh(". .venv/bin/activate && " + CONVERGE, where, "e2e-node1-down")
            assert stopped.returncode != 0
            assert "fatal: [node1]: UNREACHABLE!" in stopped.output, tail(stopped.output, 40)
            assert all(" changed=0 " in line for line in recaps(stopped.output)), recaps(stopped.output)
            rest = converge(where, "e2e-without-node1", WITHOUT_NODE1)
            assert len(recaps(rest.output)) == 3 and all(" changed=0 " in line for line in recaps(rest.output))
            assert ctl("md5sum /etc/slurm/slurm.conf").stdout == before
            assert "NodeName=node1 CPUs=8" in ctl("cat /etc/slurm/slurm.conf").stdout
        finally:
            docker("exec", "beowulf-node1", "systemctl", "start", "ssh")
        back = converge(where, "e2e-node1-back")
        assert len(recaps(back.output)) == 4 and all(" changed=0 " in line for line in recaps(back.output))
        assert ctl("squeue -h -j %s -o %%T" % held).stdout.strip() == "RUNNING", board_report()


# The task right after slurm.conf is written on every host (roles/slurm/tasks/configure.yml).
CUT_AT = "TASK [beowulf.slurm.slurm : Restart slurmd for the controller's change (configless nodes)]"


def test_day_two_a_node_that_drops_out_mid_converge_leaves_the_rest_consistent_and_the_next_run_heals(clone):
    """node1 loses its network (sshd and its sessions killed) right after slurm.conf is written
    everywhere: the run stops naming it; node2-4 have the same new slurm.conf and running daemons;
    the restart the change needs (MaxJobCount, slurmctld on 22.05) is done by the next run."""
    where, _demo = clone
    change = CONVERGE + " " + slurm_config_e(where, MaxJobCount=20000)
    with nodes_held() as held:
        LOGS.mkdir(parents=True, exist_ok=True)
        environment = {key: value for key, value in os.environ.items()
                       if not key.startswith("ANSIBLE_") and key not in ("TURINGPI_PASSWORD", "VIRTUAL_ENV")}
        cut = False
        with open(LOGS / "e2e-node1-drops-out.log", "w") as log:
            proc = subprocess.Popen(["bash", "-c", ". .venv/bin/activate && " + change], cwd=where, env=environment,
                                    stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
            output = []
            for line in proc.stdout:
                log.write(line)
                output.append(line)
                if not cut and CUT_AT in line:
                    docker("exec", "beowulf-node1", "sh", "-c", "systemctl stop ssh.socket ssh; pkill -f '^sshd'; true")
                    cut = True
            proc.wait(timeout=900)
        output = "".join(output)
        try:
            assert cut, "the run never reached %r: was the task renamed?\n%s" % (CUT_AT, tail(output, 40))
            assert proc.returncode != 0, tail(output, 40)
            assert re.search(r"^node1 .* unreachable=1 ", output, re.M), recaps(output)
            sums = {name: docker("exec", "beowulf-" + name, "md5sum", "/etc/slurm/slurm.conf").stdout.split()[0]
                    for name in ("node2", "node3", "node4")}
            assert len(set(sums.values())) == 1, sums
            assert "MaxJobCount=20000" in ctl("cat /etc/slurm/slurm.conf").stdout
            assert ctl("systemctl is-active slurmctld").stdout.strip() == "active"
            for name in ("node2", "node4"):
                assert docker("exec", "beowulf-" + name, "systemctl", "is-active", "slurmd").stdout.strip() == "active"
            assert ctl("test -f /etc/slurm/slurm.conf.beowulf-pending").returncode == 0, "the restart is not remembered"
        except AssertionError:
            # Leave the board as the next tests expect it (the default MaxJobCount, node1 reachable).
            docker("exec", "beowulf-node1", "systemctl", "start", "ssh")
            converge(where, "e2e-node1-restore", CONVERGE)
            raise
        finally:
            docker("exec", "beowulf-node1", "systemctl", "start", "ssh")
        healed = converge(where, "e2e-node1-heals", change)
        assert re.search(r"MaxJobCount\s+= 20000", ctl("scontrol show config").stdout), "the pending restart was lost"
        assert ctl("ls /etc/slurm/slurm.conf.beowulf-pending").returncode != 0
        assert all(" failed=0 " in line for line in recaps(healed.output))
        # The default again, with the README's upgrade command: nothing newer in apt, so it checks
        # every host's Slurm version and upgrades nothing.
        back = converge(where, "e2e-node1-heals-back", UPGRADE)
        assert "Check that the Slurm versions are ones Slurm can run together" in back.output
        assert re.search(r"MaxJobCount\s+= 10000", ctl("scontrol show config").stdout)
        assert ctl("squeue -h -j %s -o %%T" % held).stdout.strip() == "RUNNING", board_report()


def test_day_two_a_killed_slurmd_comes_back_by_itself(clone):
    """systemd restarts a slurmd that died (the role's drop-in); the job on the node keeps running."""
    _where, _demo = clone
    with nodes_held() as held:
        before = daemon_pids()["node1"]
        assert docker("exec", "beowulf-node1", "systemctl", "kill", "--signal=KILL", "slurmd").returncode == 0
        assert wait(lambda: daemon_pids()["node1"] not in ("0", "", before), 30), board_report()
        assert wait(lambda: states().get("node1") == "mix", 60), board_report()
        assert ctl("squeue -h -j %s -o %%T" % held).stdout.strip() == "RUNNING", board_report()
        # In service again: a new step runs there (within 30 s: the first srun right after the
        # re-registration returned nothing once in an e2e run; its stderr is kept for the report).
        tries = []
        assert wait(lambda: tries.append(ctl("srun -w node1 hostname")) or tries[-1].stdout.strip() == "node1",
                    30), "%s\n%s" % ([t.stderr for t in tries][-3:], board_report())


def test_day_two_configless_on_and_off_while_jobs_run(clone):
    """README, Day two: the board switched to configless and back with the README's commands; the
    compute nodes lose their slurm.conf and run slurmd with --conf-server, a job runs, and the job
    held on every node keeps running through both runs."""
    where, _demo = clone
    with nodes_held() as held:
        on = converge(where, "e2e-configless-on", CONFIGLESS)
        assert all(" failed=0 " in line for line in recaps(on.output)), recaps(on.output)
        try:
            assert "enable_configless" in ctl("grep ^SlurmctldParameters /etc/slurm/slurm.conf").stdout
            for name in COMPUTE:
                assert docker("exec", "beowulf-" + name, "test", "-e", "/etc/slurm/slurm.conf").returncode != 0, name
                args = docker("exec", "beowulf-" + name, "ps", "-o", "args=", "-C", "slurmd").stdout
                assert "--conf-server" in args, (name, args)
            assert wait(lambda: sorted(states().values()) == ["mix"] * 3, 60), board_report()
            assert ctl("srun -w node1 -c1 scontrol show config").stdout.count("enable_configless") == 1
        finally:
            off = converge(where, "e2e-configless-off")
        assert all(" failed=0 " in line for line in recaps(off.output)), recaps(off.output)
        for name in COMPUTE:
            assert docker("exec", "beowulf-" + name, "cat", "/etc/slurm/slurm.conf").stdout \
                == ctl("cat /etc/slurm/slurm.conf").stdout, name
        assert ctl("squeue -h -j %s -o %%T" % held).stdout.strip() == "RUNNING", board_report()
    wait_until_free("node1")


def bmc_power(where: pathlib.Path, slot: int, state: str) -> subprocess.CompletedProcess:
    """Switch a slot through the BMC with the collection's module, as an admin would (ad hoc)."""
    emulated = where / ".cache" / "emulated"
    args = {"address": "127.0.0.1", "http_port": 18080, "https_port": 18443,
            "cert_fingerprint": (emulated / "bmc" / "emulated" / "stock.fingerprint").read_text().strip(),
            "password_file": str(emulated / "bmc_password"), "slots": [slot], "state": state}
    return sh(". .venv/bin/activate && ansible localhost -m beowulf.slurm.turingpi_power -a '%s'" % json.dumps(args),
              where, "e2e-bmc-slot%d-%s" % (slot, state))


def test_day_two_a_node_powered_off_under_a_job_requeues_it_and_returns_to_service(clone):
    """node1's slot is switched off through the BMC while two batch jobs run there (no clean
    shutdown first). Slurm sets node1 DOWN after SlurmdTimeout (60 s on the emulated board) with the reason "Not
    responding": the requeueable job is requeued (its first run NODE_FAIL), the --no-requeue one
    ends NODE_FAIL. Power back on: slurmd registers, ReturnToService=2 returns node1 to service
    by itself, and the requeued job (bound to node1) runs again there and completes."""
    where, _demo = clone
    # A job whose first run would last an hour and whose second run (after the requeue) ends at once.
    requeued = running_job("-w node1 --wrap 'if [ \"${SLURM_RESTART_COUNT:-0}\" = 0 ]; then sleep 3600; fi'")
    failed = running_job("-w node1 --no-requeue --wrap 'sleep 3600'")
    cut = time.monotonic()
    off = bmc_power(where, 1, "off")
    assert off.returncode == 0 and "localhost | CHANGED" in off.output, tail(off.output, 30)
    assert wait(lambda: not container_running("node1"), 60)
    # SlurmdTimeout 60 s (the emulated inventory's), nodes pinged every 20 s: DOWN within about 80 s.
    assert wait(lambda: " State=DOWN" in ctl("scontrol show node node1 -o").stdout, 240), board_report()
    print("node1 DOWN %.0f s after its power was cut" % (time.monotonic() - cut))
    node = ctl("scontrol show node node1 -o").stdout
    assert "Reason=Not responding" in node, node
    assert wait(lambda: job_state(failed) == "NODE_FAIL", 60), ctl("sacct -j %s" % failed).stdout
    first_run = ctl("sacct -n -X -D -j %s -o State" % requeued).stdout
    assert re.search(r"NODE_FAIL|REQUEUED", first_run), first_run
    assert ctl("squeue -h -j %s -o %%T" % requeued).stdout.strip() == "PENDING", board_report()
    assert "Restarts=1" in ctl("scontrol show job %s" % requeued).stdout
    # Power back: the node boots, slurmd registers, Slurm returns it to service by itself.
    on = bmc_power(where, 1, "on")
    assert on.returncode == 0, tail(on.output, 30)
    assert wait(lambda: "COMPLETED" in job_state(requeued), 420), board_report()
    assert ctl("sacct -n -X -j %s -o NodeList" % requeued).stdout.strip() == "node1"
    node = ctl("scontrol show node node1 -o").stdout
    assert not re.search(r"State=\S*(DOWN|DRAIN)", node), node
    assert ctl("srun -w node1 hostname").stdout.strip() == "node1", board_report()
    wait_until_free("node1")


def wait(check, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(2)
    return False


def _point_turingpi_inventory_at_the_emulator(where: pathlib.Path) -> None:
    """What a board owner edits in inventories/turingpi, done for the emulated board."""
    inventory = where / "inventories" / "turingpi"
    ports = json.loads((where / ".cache" / "emulated" / "bmc" / "ports.json").read_text())["emulated"]
    config = yaml.safe_load((inventory / "turingpi.yml").read_text())
    board = config["boards"][0]
    fingerprint = (where / ".cache" / "emulated" / "bmc" / "emulated" / "stock.fingerprint").read_text().strip()
    # The same board as the emulated inventory's, under the same name (power saving keeps a
    # file per board on the controller: another name would be another board).
    board.update(name="emulated", address="127.0.0.1", http_port=ports["http_port"], https_port=ports["https_port"],
                 cert_fingerprint=fingerprint)
    config["nfs"] = False  # containers cannot run the kernel NFS server (the storage tier has VMs for it)
    board["slots"] = {slot: {"ansible_host": "127.0.0.1", "vars": {"ansible_port": 2220 + slot}}
                      for slot in (1, 2, 3, 4)}
    (inventory / "turingpi.yml").write_text(yaml.safe_dump(config, sort_keys=False))
    # The emulated board's connection settings and node topology (the README's step 2 edits these).
    shutil.copy(where / "inventories" / "emulated" / "group_vars" / "all.yml", inventory / "group_vars" / "all.yml")
    for host_vars in (inventory / "host_vars").glob("*.yml"):
        host_vars.unlink()


def _static_inventory(where: pathlib.Path, path: pathlib.Path) -> None:
    """The emulated nodes as a user with a hand-written inventory would list them."""
    cache = where / ".cache" / "emulated"
    common = {"ansible_user": "root", "ansible_host": "127.0.0.1",
              "ansible_ssh_private_key_file": str(cache / "id_ed25519"),
              "ansible_ssh_common_args": "-o UserKnownHostsFile=%s -o StrictHostKeyChecking=yes"
                                         % (cache / "known_hosts"),
              "slurm_topology_sysfs_root": "/opt/beowulf/topology/rk1-5.10/sys",
              "slurm_topology_procfs_root": "/opt/beowulf/topology/rk1-5.10/proc"}
    # Power saving and slurm.conf settings as in the emulated inventory, each node mapped to its
    # board and slot by hand.
    emulated = yaml.safe_load((where / "inventories" / "emulated" / "group_vars" / "all.yml").read_text())
    common.update({key: value for key, value in emulated.items()
                   if key.startswith("slurm_power_saving") or key == "slurm_config"})
    common["slurm_power_saving_bmc_addresses"] = {"emulated": (cache / "bmc_gateway").read_text().strip()}
    fingerprint = (cache / "bmc" / "emulated" / "stock.fingerprint").read_text().strip()
    bmc = {"turingpi_board": "emulated", "turingpi_bmc_connection": {
        "address": "127.0.0.1", "http_port": 18080, "https_port": 18443, "firmware": "2",
        "cert_fingerprint": fingerprint.split("=", 1)[1].replace(":", "").lower(),
        "password_file": str(cache / "bmc_password")}}
    hosts = {"node%d" % slot: dict(bmc, ansible_port=2220 + slot, turingpi_slot=slot) for slot in (1, 2, 3, 4)}
    inventory = {"all": {"vars": common, "children": {
        "slurmctld": {"hosts": {"node3": hosts["node3"]}},
        "slurmd": {"hosts": {name: hosts[name] for name in ("node1", "node2", "node4")}}}}}
    path.write_text(yaml.safe_dump(inventory, sort_keys=False))


def test_readme_commands_are_all_known():
    commands = readme_commands()
    assert "make demo" in commands and "make test" in commands
    unknown = [c for c in commands if c not in README_COMMANDS]
    assert not unknown, "README commands this test does not run (add them to README_COMMANDS): %s" % unknown
    stale = [c for c in README_COMMANDS if c not in commands]
    assert not stale, "commands no longer in the README: %s" % stale


def test_readme_commands_run_as_written(clone, tmp_path):
    """Every README command after `make demo`, in the fresh clone, as written (see README_COMMANDS)."""
    where, demo = clone
    assert demo.returncode == 0, "make demo failed"
    _point_turingpi_inventory_at_the_emulator(where)
    _static_inventory(where, where / "my-inventory.yml")
    password = (where / ".cache" / "emulated" / "bmc_password").read_text().strip()
    collections = tmp_path / "collections"
    env = {"TURINGPI_PASSWORD": password}
    commands = [c for c in readme_commands() if README_COMMANDS[c] in (RUN, BOARD)
                and c not in ("make demo", "make demo-destroy")]
    jobs_before = ctl("sacct -n -P -X -a -S now-1days -o JobID").stdout.split()
    assert jobs_before, "the demo's jobs are in the accounting database"
    outputs = {}
    with nodes_held():  # awake through every converge (the emulated SuspendTime is 60 s)
        for command in commands:
            if command == ". .venv/bin/activate":
                continue
            script = ". .venv/bin/activate && " + command.replace("turingpi.local:443", "127.0.0.1:18443")
            if command.startswith(("ansible-galaxy collection install", "ansible-playbook beowulf.slurm.site")):
                # Existing infrastructure: the user's own ansible.cfg (nothing of this clone's) in its own directory.
                home = tmp_path / "infra"
                home.mkdir(exist_ok=True)
                (home / "ansible.cfg").write_text("[defaults]\nforks = 10\n")
                shutil.copy(where / "my-inventory.yml", home / "my-inventory.yml")
                if command.startswith("ansible-galaxy"):
                    shutil.copy(where / "beowulf-slurm-0.1.0.tar.gz", home)
                proc = sh(script.replace(". .venv/bin/activate", ". %s/.venv/bin/activate" % where), home,
                          "e2e-readme-%d" % len(outputs), env=dict(env, ANSIBLE_COLLECTIONS_PATH=str(collections)))
            else:
                proc = sh(script, where, "e2e-readme-%d" % len(outputs),
                          stdin="sinfo -h -o '%T %D'\n" if command == "make demo-login" else None, env=env)
            assert proc.returncode == 0, "%s\n%s" % (command, tail(proc.output, 60))
            assert password not in proc.output, command
            outputs[command] = proc.output

    graph = outputs["ansible-inventory -i inventories/turingpi --graph"]
    assert "@slurmctld:" in graph and "|--node3" in graph and "@emulated:" in graph, graph
    assert "mixed" in outputs["make demo-login"], outputs["make demo-login"]
    fingerprint = (where / ".cache" / "emulated" / "bmc" / "emulated" / "stock.fingerprint").read_text().strip()
    assert outputs["openssl s_client -connect turingpi.local:443 </dev/null 2>/dev/null | openssl x509 -noout "
                   "-fingerprint -sha256"].strip() == fingerprint
    # Re-running the deployment on the deployed board changes nothing, by either inventory.
    for command in ("ansible-playbook site.yml -i inventories/turingpi", "ansible-playbook site.yml -i my-inventory.yml",
                    "ansible-playbook beowulf.slurm.site -i my-inventory.yml"):
        lines = recaps(outputs[command])
        assert len(lines) == 4 and all(" changed=0 " in line for line in lines), "%s\n%s" % (command, lines)
    jobs_after = ctl("sacct -n -P -X -a -S now-1days -o JobID").stdout.split()
    assert set(jobs_before) <= set(jobs_after), "a re-run lost accounting records"
    # The galaxy path with the user's own ansible.cfg: no warning a user must learn to ignore.
    galaxy = outputs["ansible-playbook beowulf.slurm.site -i my-inventory.yml"]
    assert "WARNING" not in galaxy, tail(galaxy, 40)
    assert (collections / "ansible_collections" / "beowulf" / "slurm" / "MANIFEST.json").exists()

    destroy = sh("make demo-destroy", where, "e2e-readme-destroy", env={"BEOWULF_KEEP_ENGINE": "1"})
    assert destroy.returncode == 0, destroy.output
    assert "emulated board removed" in destroy.output
    assert docker("inspect", "beowulf-node3").returncode != 0
