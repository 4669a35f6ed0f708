"""The emulated Turing Pi 2 board, end to end: the project's main job.

    make demo               # up + deploy + smoke test
    make demo-login         # shell on the controller (node3)
    make demo-destroy       # remove the board

`up` builds a node image (Debian 12, systemd, openssh-server and the cluster's packages, a
captured RK1 CPU tree), starts four containers node1..node4 reachable over SSH on
127.0.0.1:2221-2224 with a key made here, and starts the BMC emulator on 127.0.0.1
(HTTP 18080, HTTPS 18443, a password made here) with each slot bound to its container.
Then it runs, exactly as on a real board:
    ansible-playbook power_on.yml -i inventories/emulated
    ansible-playbook site.yml     -i inventories/emulated
    ansible-playbook verify.yml   -i inventories/emulated
"""

from __future__ import annotations

import ipaddress
import json
import os
import pathlib
import secrets
import signal
import subprocess
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
from node_image import CLUSTER_PACKAGES, image_exists, image_name, node_image  # noqa: E402  pylint: disable=wrong-import-position

STATE = ROOT / ".cache" / "emulated"
INVENTORY = ROOT / "inventories" / "emulated"
NETWORK = "beowulf-board"
# The board network gets a subnet of ours so that every node keeps its address, and every node's
# /etc/hosts names all four: Docker's DNS forgets a stopped container, and slurmctld drops a node
# whose name does not resolve when it starts (a real board's names come from /etc/hosts or DNS
# that does not forget a powered-off node). The first free one is used.
SUBNETS = ("172.30.71.0/24", "172.31.71.0/24", "10.213.71.0/24", "192.168.213.0/24")
SLOTS = (1, 2, 3, 4)
CONTROLLER_SLOT = 3
RUN_FLAGS = ["--cap-add", "SYS_ADMIN", "--security-opt", "seccomp=unconfined", "--security-opt",
             "apparmor=unconfined", "--cgroupns=host", "-v", "/sys/fs/cgroup:/sys/fs/cgroup:rw",
             "--tmpfs", "/run", "--tmpfs", "/run/lock"]
BASE = os.environ.get("BEOWULF_IMAGE_DEBIAN12", "beowulf-slurm/debian12:base")
# Containers share the host's kernel, so a container "powered on" by the BMC emulator still
# reports the host's boot time, and slurmctld waits for a new boot time before it counts a
# resumed node as up. `slurmd -b` reports a boot when slurmd starts, as a real node's first
# start after power-on does (harmless with the role's ReturnToService=2). Emulator only.
SLURMD_DROP_IN = ("[Service]\\nExecStart=\\nExecStart=/usr/sbin/slurmd -D -b -s \\$SLURMD_OPTIONS\\n")
SETUP = ("python3 /opt/topology.py rk1-5.10 /opt/beowulf/topology/rk1-5.10 && "
         "mkdir -p /root/.ssh && chmod 700 /root/.ssh && systemctl enable ssh >/dev/null 2>&1 && "
         "mkdir -p /etc/systemd/system/slurmd.service.d && "
         "printf \"" + SLURMD_DROP_IN + "\" > /etc/systemd/system/slurmd.service.d/emulated-boot.conf")


class Progress:
    """Numbered steps with their wall time."""

    def __init__(self, total: int) -> None:
        self.total, self.number, self.started = total, 0, time.monotonic()

    def step(self, title: str):
        self.number += 1
        print("\033[1m[%d/%d] %s\033[0m" % (self.number, self.total, title), flush=True)
        return _Timer()

    def done(self) -> None:
        # The whole time of `make demo`, bootstrap (venv, engine, base image) included.
        started = float(os.environ.get("BEOWULF_DEMO_STARTED") or 0)
        total = time.time() - started if started else time.monotonic() - self.started
        print("\033[1mdone in %.0f s (make demo as a whole: %.0f s)\033[0m"
              % (time.monotonic() - self.started, total), flush=True)


class _Timer:
    def __enter__(self):
        self.started = time.monotonic()
        return self

    def __exit__(self, *exc):
        if exc[0] is None:
            print("      ok (%.1f s)" % (time.monotonic() - self.started), flush=True)


def sh(*argv: str, check: bool = True, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(argv, check=check, capture_output=True, text=True, **kwargs)


def container(slot: int) -> str:
    return "beowulf-node%d" % slot


def ssh_key() -> pathlib.Path:
    key = STATE / "id_ed25519"
    if not key.exists():
        sh("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "beowulf-emulated-board", "-f", str(key))
    return key


def bmc_password() -> str:
    path = STATE / "bmc_password"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(18))
        path.chmod(0o600)
    return path.read_text().strip()


def running(name: str) -> bool:
    return sh("docker", "inspect", "-f", "{{.State.Running}}", name, check=False).stdout.strip() == "true"


def board_network() -> str:
    """The board network's subnet, the network created on the first free one of SUBNETS."""
    known = sh("docker", "network", "inspect", "-f", "{{range .IPAM.Config}}{{.Subnet}}{{end}}", NETWORK,
               check=False)
    if known.returncode == 0 and known.stdout.strip():
        return known.stdout.strip()
    refusals = []
    for subnet in SUBNETS:
        made = sh("docker", "network", "create", "--subnet", subnet,
                  "--gateway", str(ipaddress.ip_network(subnet)[1]), NETWORK, check=False)
        if made.returncode == 0:
            return subnet
        refusals.append("%s: %s" % (subnet, made.stderr.strip()))
    raise SystemExit("cannot create the Docker network %s on any of its subnets:\n  %s"
                     % (NETWORK, "\n  ".join(refusals)))


def node_address(subnet: str, number: int) -> str:
    return str(ipaddress.ip_network(subnet)[10 + number])


def node_numbers() -> list:
    """The board's slots and every extra node started beside it (add-node)."""
    names = sh("docker", "ps", "-a", "--format", "{{.Names}}", check=False).stdout.split()
    extra = sorted(int(name[len("beowulf-node"):]) for name in names
                   if name.startswith("beowulf-node") and name[len("beowulf-node"):].isdigit())
    return sorted(set(SLOTS) | set(extra))


def start_node(number: int, image: str, subnet: str, numbers: list) -> None:
    """Container node<number>: fixed address, /etc/hosts naming ``numbers``, SSH on 127.0.0.1:222<number>."""
    name = container(number)
    hosts = [flag for n in numbers if n != number  # Docker adds the container's own name
             for flag in ("--add-host", "node%d:%s" % (n, node_address(subnet, n)))]
    sh("docker", "rm", "-f", name, check=False)
    run = sh("docker", "run", "-d", "--name", name, "--hostname", "node%d" % number, "--network", NETWORK,
             "--network-alias", "node%d" % number, "--ip", node_address(subnet, number), *hosts,
             "-p", "127.0.0.1:%d:22" % (2220 + number), *RUN_FLAGS, image, "/lib/systemd/systemd", check=False)
    if run.returncode != 0:
        raise SystemExit("starting %s failed: %s%s" % (name, run.stderr.strip(), (
            "\n(the network %s comes from an older demo: make demo-destroy, then make demo)" % NETWORK
            if "user configured subnets" in run.stderr else "")))


def admit_ssh(numbers: list, key: pathlib.Path) -> None:
    """Boot, the demo's key in root's authorized_keys, sshd; the host keys in .cache/emulated/known_hosts."""
    pub = key.with_suffix(".pub")
    for number in numbers:
        name = container(number)
        deadline = time.monotonic() + 120
        while sh("docker", "exec", name, "systemctl", "is-system-running", check=False).stdout.strip() not in (
                "running", "degraded"):
            if time.monotonic() > deadline:
                raise SystemExit("%s did not boot within 120 s" % name)
            time.sleep(1)
        sh("docker", "cp", str(pub), "%s:/root/.ssh/authorized_keys" % name)
        sh("docker", "exec", name, "sh", "-c", "chown root:root /root/.ssh/authorized_keys && "
           "chmod 600 /root/.ssh/authorized_keys && systemctl start ssh")
    known = STATE / "known_hosts"
    lines = [line for line in (known.read_text().splitlines() if known.exists() else [])
             if not any(line.startswith("[127.0.0.1]:%d " % (2220 + number)) for number in numbers)]
    for number in numbers:
        for _attempt in range(30):
            scan = sh("ssh-keyscan", "-p", str(2220 + number), "-t", "ed25519", "127.0.0.1", check=False)
            if scan.stdout.strip():
                lines.append(scan.stdout.strip())
                break
            time.sleep(1)
        else:
            raise SystemExit("node%d does not answer SSH on 127.0.0.1:%d" % (number, 2220 + number))
    known.write_text("\n".join(lines) + "\n")


def start_nodes(image: str, key: pathlib.Path) -> None:
    subnet = board_network()
    starting = [slot for slot in SLOTS if not running(container(slot))]
    for slot in starting:
        start_node(slot, image, subnet, list(SLOTS))
    (STATE / "known_hosts").unlink(missing_ok=True)
    admit_ssh(list(SLOTS), key)


def board_image() -> str:
    return node_image(BASE, CLUSTER_PACKAGES + ["openssh-server"], SETUP, label="board")


# What a reinstalled machine lacks: the MUNGE key, Slurm and everything the cluster wrote.
REINSTALL = ("apt-get purge -y -q munge libmunge2 slurmd slurmctld slurmdbd slurm-client slurm-wlm-basic-plugins "
             ">/dev/null 2>&1; rm -rf /etc/munge /etc/slurm /var/lib/slurm /var/log/slurm /var/spool/slurmd "
             "/var/log/munge /etc/systemd/system/slurmd.service.d/beowulf-restart.conf; "
             "dpkg -s munge slurmd >/dev/null 2>&1 && exit 1; exit 0")


def add_node(number: int) -> None:
    """A machine beside the board (not in a slot: no BMC power): container node<number>, reachable over
    SSH on 127.0.0.1:222<number> with the demo's key, at a fixed address on the board network."""
    if number in SLOTS or not 5 <= number <= 9:
        raise SystemExit("add-node: a number from 5 to 9 (1-4 are the board's slots)")
    if not running(container(CONTROLLER_SLOT)):
        raise SystemExit("add-node: the emulated board is not up (make demo)")
    subnet = board_network()
    start_node(number, board_image(), subnet, sorted(set(node_numbers()) | {number}))
    admit_ssh([number], ssh_key())
    print("node%d: 127.0.0.1:%d over SSH, address %s on the board network"
          % (number, 2220 + number, node_address(subnet, number)))


def reinstall(number: int) -> None:
    """node<number> as after a fresh OS install: a new container of the same name and address,
    without the MUNGE key, Slurm or any cluster file (its jobs die with it, as on real hardware)."""
    if number not in node_numbers():
        raise SystemExit("reinstall: there is no node%d" % number)
    start_node(number, board_image(), board_network(), node_numbers())
    admit_ssh([number], ssh_key())
    if sh("docker", "exec", container(number), "sh", "-c", REINSTALL, check=False).returncode != 0:
        raise SystemExit("reinstall: node%d still has munge or slurmd installed" % number)
    print("node%d reinstalled: no MUNGE key, no Slurm" % number)


def emulator_pid() -> int | None:
    pidfile = STATE / "bmc.pid"
    if not pidfile.exists():
        return None
    pid = int(pidfile.read_text())
    try:
        os.kill(pid, 0)
    except OSError:
        return None
    return pid


def board_gateway() -> str:
    """The host's address on the board network: where the controller container reaches the BMC."""
    return sh("docker", "network", "inspect", "-f", "{{range .IPAM.Config}}{{.Gateway}}{{end}}", NETWORK).stdout.strip()


def start_emulator(password: str) -> None:
    gateway = board_gateway()
    if emulator_pid():
        if (STATE / "bmc_gateway").exists() and (STATE / "bmc_gateway").read_text().strip() == gateway:
            return
        os.killpg(emulator_pid(), signal.SIGTERM)  # an emulator from before: listen on the gateway too
        time.sleep(0.5)
    (STATE / "bmc_gateway").write_text(gateway + "\n")
    config = {"boards": [{"name": "emulated", "http_port": 18080, "https_port": 18443, "password": password,
                          "extra_hosts": [gateway] if gateway else [],
                          "names": {str(s): "node%d" % s for s in SLOTS},
                          "modules": {str(s): "Turing RK1" for s in SLOTS},
                          "containers": {str(s): container(s) for s in SLOTS}}]}
    config_path = STATE / "bmc.json"
    config_path.write_text(json.dumps(config))
    config_path.chmod(0o600)
    log = open(STATE / "bmc.log", "w")  # pylint: disable=consider-using-with
    proc = subprocess.Popen([sys.executable, str(ROOT / "tools" / "bmc_emulator.py"), "--config", str(config_path),
                             "--state-dir", str(STATE / "bmc")], stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)
    (STATE / "bmc.pid").write_text(str(proc.pid))
    deadline = time.monotonic() + 30
    while not (STATE / "bmc" / "ports.json").exists() or (STATE / "bmc" / "ports.json").stat().st_mtime < \
            config_path.stat().st_mtime:
        if proc.poll() is not None or time.monotonic() > deadline:
            raise SystemExit("the BMC emulator did not start; see %s" % (STATE / "bmc.log"))
        time.sleep(0.2)


def playbook(name: str, password: str) -> None:
    env = dict(os.environ, TURINGPI_PASSWORD=password, ANSIBLE_FORCE_COLOR="1")
    env["PATH"] = "%s:%s" % (ROOT / ".venv" / "bin", env.get("PATH", ""))
    argv = [str(ROOT / ".venv" / "bin" / "ansible-playbook"), name, "-i", str(INVENTORY)]
    print("      $ ansible-playbook %s -i inventories/emulated" % name, flush=True)
    if subprocess.run(argv, cwd=ROOT, env=env, check=False).returncode != 0:
        raise SystemExit("ansible-playbook %s failed" % name)


def show_cluster() -> None:
    ctl = container(CONTROLLER_SLOT)
    failed = []
    for command in ("sinfo", "srun -N3 hostname",
                    "srun --mpi=pmix -N3 -n3 python3 -c 'from mpi4py import MPI; c = MPI.COMM_WORLD; "
                    "print(\"hello from\", MPI.Get_processor_name(), \"rank\", c.Get_rank(), \"of\", c.Get_size(), "
                    "\"allreduce sum\", c.allreduce(c.Get_rank() + 1))'"):
        print("\n$ %s" % command.split(" python3", maxsplit=1)[0] + (" python3 mpi_hello" if "python3" in command else ""))
        out = sh("docker", "exec", ctl, "sh", "-c", command, check=False)
        print((out.stdout + out.stderr).rstrip())
        if out.returncode != 0:
            failed.append(command.split(" python3", maxsplit=1)[0])
    if failed:
        raise SystemExit("the cluster did not answer: %s" % ", ".join(failed))


def node_states() -> dict:
    out = sh("docker", "exec", container(CONTROLLER_SLOT), "sinfo", "--noheader", "--Node", "--format=%N %t",
             check=False).stdout
    return dict(line.split() for line in out.splitlines() if len(line.split()) == 2)


def watch_states(done, timeout: float, started: float) -> dict:
    """Print each change of the nodes' states until ``done(states)``; SystemExit after ``timeout``."""
    last = None
    deadline = time.monotonic() + timeout
    while True:
        states = node_states()
        if states != last:
            containers = " ".join("%s:%s" % (name, "on" if running(container(int(name[-1]))) else "off")
                                  for name in sorted(states) if name[-1].isdigit())
            print("      %5.0f s  %s   (containers %s)" % (time.monotonic() - started, "  ".join(
                "%s %s" % item for item in sorted(states.items())), containers), flush=True)
            last = states
        if done(states):
            return states
        if time.monotonic() > deadline:
            raise SystemExit("the nodes did not reach the expected state within %.0f s; see "
                             "/var/log/slurm/power_save.log on node3 (make demo-login)" % timeout)
        time.sleep(1)


def show_power_saving() -> None:
    """Idle nodes power off through the BMC after SuspendTime; a job powers them on again."""
    config = sh("docker", "exec", container(CONTROLLER_SLOT), "scontrol", "show", "config").stdout
    settings = dict((k.strip(), v.strip()) for k, _sep, v in (line.partition("=") for line in config.splitlines()))
    suspend_time = int(settings.get("SuspendTime", "0 sec").split()[0] or 0)
    suspend_timeout = int(settings.get("SuspendTimeout", "0 sec").split()[0] or 0)
    resume_timeout = int(settings.get("ResumeTimeout", "0 sec").split()[0] or 0)
    if not suspend_time:
        print("      power saving is off in this inventory (slurm_power_saving: false)")
        return
    print("      SuspendTime=%d s: idle compute nodes are shut down and their slots switched off (idle~);"
          " node3, the controller, never." % suspend_time, flush=True)
    started = time.monotonic()

    def asleep(states: dict) -> bool:
        return all(state == "idle~" for state in states.values())

    watch_states(asleep, suspend_time + suspend_timeout + 90, started)
    print("\n$ srun -N3 hostname       # needs the sleeping nodes: Slurm powers them on", flush=True)
    begin = time.monotonic()
    out = sh("docker", "exec", container(CONTROLLER_SLOT), "srun", "-N3", "hostname", check=False,
             timeout=resume_timeout + 120)
    print((out.stdout + out.stderr).rstrip())
    if out.returncode != 0:
        raise SystemExit("the job on the powered-down nodes failed")
    print("      the nodes powered on, registered and ran the job in %.0f s" % (time.monotonic() - begin), flush=True)
    log = sh("docker", "exec", container(CONTROLLER_SLOT), "tail", "-n", "12", "/var/log/slurm/power_save.log",
             check=False).stdout
    print("\n$ tail /var/log/slurm/power_save.log      # on node3\n" + log.rstrip(), flush=True)
    print("\n      idle again: after SuspendTime they power off once more", flush=True)
    watch_states(asleep, suspend_time + suspend_timeout + 90, time.monotonic())


def up() -> None:
    STATE.mkdir(parents=True, exist_ok=True)
    progress = Progress(8)
    cached = image_exists(image_name(BASE, CLUSTER_PACKAGES + ["openssh-server"], SETUP, label="board"))
    with progress.step("node image: Debian 12 + systemd, openssh-server, Slurm, MUNGE, OpenMPI (%s)"
                       % ("cached" if cached else "building, about a minute")):
        image = board_image()
    with progress.step("four nodes on 127.0.0.1:2221-2224, SSH key and host keys in .cache/emulated"):
        start_nodes(image, ssh_key())
    with progress.step("BMC emulator on 127.0.0.1:18080/18443, slots bound to the containers"):
        password = bmc_password()
        start_emulator(password)
    with progress.step("power on every slot through the BMC and wait for SSH"):
        playbook("power_on.yml", password)
    with progress.step("deploy: MUNGE, Slurm (node3 controller, RK1 topology on every node)"):
        playbook("site.yml", password)
    with progress.step("smoke test: idle nodes, srun, MUNGE across hosts, MPI allreduce"):
        playbook("verify.yml", password)
    with progress.step("the cluster"):
        show_cluster()
    with progress.step("power saving: idle nodes power off through the BMC, a job powers them on"):
        show_power_saving()
    progress.done()
    print(NEXT_STEPS % {"password": (STATE / "bmc_password").relative_to(ROOT)})


NEXT_STEPS = """
Next, from this directory (the venv has Ansible; the collection is found through ansible.cfg):
  . .venv/bin/activate
  ansible-inventory -i inventories/emulated --graph    # what the emulated BMC reports
  ansible-playbook verify.yml -i inventories/emulated  # the smoke test again
The BMC answers on https://127.0.0.1:18443 (user root); its password is read from the file
%(password)s (password_file in inventories/emulated/emulated.turingpi.yml), never
printed. Log in to the controller: make demo-login    Remove the board: make demo-destroy"""


def stop_own_engine() -> str:
    """Stop the Docker engine that scripts/bootstrap.sh started, when nothing else runs on it."""
    pidfile = STATE.parent / "dockerd.pid"
    if not pidfile.exists():
        return "Docker engine: not started by this project, left running"
    pid = int(pidfile.read_text().strip() or 0)
    try:
        os.kill(pid, 0)
    except OSError:
        pidfile.unlink()
        return "Docker engine: the one this project started (pid %d) is no longer running" % pid
    others = sh("docker", "ps", "-q", check=False).stdout.split()
    if others:
        return ("Docker engine: started by this project (pid %d), left running: %d other container(s) use it"
                % (pid, len(others)))
    os.kill(pid, signal.SIGTERM)
    for _tick in range(100):
        try:
            os.kill(pid, 0)
        except OSError:
            break
        time.sleep(0.1)
    pidfile.unlink()
    return "Docker engine: started by this project (pid %d), nothing else used it: stopped" % pid


def destroy() -> None:
    pid = emulator_pid()
    if pid:
        os.killpg(pid, signal.SIGTERM)
    for number in node_numbers():
        sh("docker", "rm", "-f", container(number), check=False)
    sh("docker", "network", "rm", NETWORK, check=False)
    for name in ("bmc.pid", "known_hosts", "bmc_gateway", "bmc/emulated.power.json"):
        (STATE / name).unlink(missing_ok=True)
    print("emulated board removed")
    if os.environ.get("BEOWULF_KEEP_ENGINE") != "1":
        print(stop_own_engine())


def login() -> None:
    # A terminal gets an interactive shell; piped input (`echo sinfo | make demo-login`) runs as a script.
    flags = "-it" if sys.stdin.isatty() else "-i"
    os.execvp("docker", ["docker", "exec", flags, container(CONTROLLER_SLOT), "bash", "-l"])


if __name__ == "__main__":
    action = sys.argv[1] if len(sys.argv) > 1 else "up"
    # bmc: (re)start only the BMC emulator, as after a BMC reboot (the tests stop and start it).
    # add-node N: a machine beside the board; reinstall N: node N as freshly installed (day two).
    number = int(sys.argv[2]) if len(sys.argv) > 2 and sys.argv[2].isdigit() else 0
    {"up": up, "destroy": destroy, "login": login, "bmc": lambda: start_emulator(bmc_password()),
     "add-node": lambda: add_node(number), "reinstall": lambda: reinstall(number)}.get(
        action, lambda: sys.exit("usage: demo.py up|destroy|login|bmc|add-node N|reinstall N"))()
