# -*- coding: utf-8 -*-
# Copyright: (c) 2026, beowulf.slurm developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Slurm power saving through the Turing Pi BMC.

Two halves, standard library only:

* ``plan()``: what the slurm role writes (slurm.conf keys, the node -> board/slot map, the
  boards' connections) from the inventory, every option checked, and ``asleep_hosts()``: which
  inventory hosts slurmctld has powered down (a converge leaves them asleep).
* ``main()``: SuspendProgram, ResumeProgram and ResumeFailProgram. slurmctld runs them on the
  controller as SlurmUser with a hostlist expression; they read the map and the credentials
  from files only SlurmUser can read, send one BMC login and one request per board and call
  (serialised per board with a lock, because Slurm may run them concurrently), log one line per
  node (Slurm does not log their output) and return quickly. Suspend shuts each node down over
  SSH first (a forced-command key: the node can only be told to power off) and switches the
  slot off only once the node is gone, in a detached process. Resume switches the slots on and
  exits; slurmd registering with a new boot time is the proof, not the BMC's power report.
"""

from __future__ import annotations

import datetime
import fcntl
import json
import os
import re
import socket
import subprocess
import sys
import threading
import time

try:  # inside the collection
    from ansible_collections.beowulf.slurm.plugins.module_utils.turingpi_bmc import (
        CONNECTION_HOSTVAR, BmcClient, BmcError, BoardConfig, OptionError)
except ImportError:  # installed beside turingpi_bmc.py on the controller
    from turingpi_bmc import (  # type: ignore[no-redef]
        CONNECTION_HOSTVAR, BmcClient, BmcError, BoardConfig, OptionError)

CONF_DIR = "/etc/slurm/power"
LIB_DIR = "/usr/local/lib/beowulf-slurm"
LOG_FILE = "/var/log/slurm/power_save.log"
PROGRAMS = {
    "suspend": "/usr/local/sbin/beowulf-suspend",
    "resume": "/usr/local/sbin/beowulf-resume",
    "resume-fail": "/usr/local/sbin/beowulf-resume-fail",
}
# The key on each compute node may only do this.
SHUTDOWN_COMMAND = "/usr/bin/systemctl poweroff"
KEY_COMMENT = "beowulf-slurm-power"

# option name -> (smallest, largest)
LIMITS = {
    "suspend_time": (1, 31536000),
    "suspend_timeout": (10, 86400),
    "resume_timeout": (10, 86400),
    "suspend_rate": (0, 100000),
    "resume_rate": (0, 100000),
    "shutdown_timeout": (5, 86400),
}


def _int_option(name: str, value: object, errors: list) -> int:
    low, high = LIMITS[name]
    if isinstance(value, bool) or not isinstance(value, (int, str)) or not str(value).strip().isdigit():
        errors.append("slurm_power_saving_%s must be a whole number of %s from %d to %d, got %r"
                      % (name, "nodes per minute" if name.endswith("rate") else "seconds", low, high, value))
        return 0
    number = int(value)
    if not low <= number <= high:
        errors.append("slurm_power_saving_%s must be from %d to %d, got %d" % (name, low, high, number))
    return number


def plan(params: dict) -> dict:
    """Check the power-saving options and build what the role writes.

    ``params``: ``enabled``; ``nodes`` (one dict per compute host: ``name`` (inventory),
    ``hostname`` (its Slurm NodeName), ``addr`` (where the controller reaches it), ``board``,
    ``slot``, ``connection`` (its ``turingpi_bmc_connection``: how to reach the board, no password));
    ``exclude`` (inventory names); ``bmc_addresses`` (board -> address from the controller);
    the numbers of ``LIMITS``.

    Returns ``errors``; ``settings`` (slurm.conf keys); ``nodes`` (NodeName -> board, slot,
    address); ``boards`` (board -> connection as the controller uses it: no password, its
    ``password_file`` and ``ca_path`` beside boards.json); ``sources`` (board -> first host (whose
    password is written, see the turingpi_bmc_password filter) and ``ca_path`` where Ansible runs); ``powered`` and ``excluded``
    (NodeNames); ``hosts`` (inventory names with a power path).
    """
    errors: list[str] = []
    numbers = {name: _int_option(name, params.get(name), errors) for name in LIMITS}
    if not errors and numbers["shutdown_timeout"] >= numbers["suspend_timeout"]:
        errors.append("slurm_power_saving_shutdown_timeout (%d) must be shorter than "
                      "slurm_power_saving_suspend_timeout (%d): Slurm must see the node off within SuspendTimeout"
                      % (numbers["shutdown_timeout"], numbers["suspend_timeout"]))
    nodes = params.get("nodes") or []
    names = [node.get("name") for node in nodes]
    exclude = params.get("exclude")
    if not isinstance(exclude, list) or not all(isinstance(item, str) for item in exclude):
        errors.append("slurm_power_saving_exclude_nodes must be a list of inventory host names, got %r" % (exclude,))
        exclude = []
    unknown = [item for item in exclude if item not in names]
    if unknown:
        errors.append("slurm_power_saving_exclude_nodes names hosts that are not compute nodes (group slurmd): %s"
                      % ", ".join(unknown))
    addresses = params.get("bmc_addresses")
    if not isinstance(addresses, dict) or not all(isinstance(k, str) and isinstance(v, str) and v.strip()
                                                  for k, v in addresses.items()):
        errors.append("slurm_power_saving_bmc_addresses must map board names to addresses, got %r" % (addresses,))
        addresses = {}
    result: dict = {"errors": errors, "settings": {}, "nodes": {}, "boards": {}, "powered": [], "excluded": [],
                    "hosts": [], "sources": {}}
    boards: dict = {}
    first_host: dict = {}
    for node in nodes:
        hostname = node.get("hostname") or node.get("name")
        board, slot, connection = node.get("board"), node.get("slot"), node.get("connection")
        if connection is not None and not isinstance(connection, dict):
            errors.append("host %s: %s must be a dictionary of BMC settings, got a value of type %s"
                          % (node.get("name"), CONNECTION_HOSTVAR, type(connection).__name__))
            continue
        connection = {key: value for key, value in (connection or {}).items() if value is not None}
        path = bool(board) and bool(connection.get("address")) and slot not in (None, "")
        if path and (isinstance(slot, bool) or not str(slot).isdigit() or int(slot) not in (1, 2, 3, 4)):
            errors.append("host %s: turingpi_slot must be 1 to 4, got %r" % (node.get("name"), slot))
            continue
        if node.get("controller") or not path or node.get("name") in exclude:
            result["excluded"].append(hostname)
            continue
        connection["address"] = addresses.get(board) or connection["address"]
        try:
            config = BoardConfig(name=board, **{k: v for k, v in connection.items() if k != "password_file"})
        except (OptionError, TypeError) as exc:
            errors.append("host %s: the BMC connection of board %s: %s" % (node.get("name"), board, exc))
            continue
        # Checked and complete (defaults filled in, the fingerprint in one spelling): one board
        # described with or without its defaults, by the turingpi inventory or by hand, is one
        # boards.json entry.
        connection = {key: value for key, value in dict(config.connection(), password_file=connection.get(
            "password_file")).items() if value is not None}
        if board in boards and boards[board] != connection:
            errors.append("board %s: its hosts disagree on how to reach the BMC (%s host variables)"
                          % (board, CONNECTION_HOSTVAR))
            continue
        boards[board] = connection
        first_host.setdefault(board, node.get("name"))
        result["nodes"][hostname] = {"board": board, "slot": int(slot), "address": node.get("addr") or hostname}
        result["powered"].append(hostname)
        result["hosts"].append(node.get("name"))
    unused = sorted(set(addresses) - set(boards))
    if unused and not errors:
        errors.append("slurm_power_saving_bmc_addresses names boards without a powered compute node: %s"
                      % ", ".join(unused))
    if params.get("enabled") and not result["powered"] and not errors:
        errors.append("slurm_power_saving is on, but no compute node has a power path: hosts need turingpi_board, "
                      "turingpi_slot and %s with an address (the turingpi inventory sets them) and must not be "
                      "excluded" % CONNECTION_HOSTVAR)
    if errors or not params.get("enabled"):
        return result
    for board, connection in boards.items():
        # On the controller: the password and the CA file sit beside boards.json.
        entry = {k: v for k, v in connection.items() if k not in ("password_file", "ca_path")}
        entry["password_file"] = "%s.password" % board
        if connection.get("ca_path"):
            entry["ca_path"] = "%s.ca.pem" % board
        result["boards"][board] = entry
        result["sources"][board] = {"host": first_host[board], "ca_path": connection.get("ca_path") or ""}
    result["powered"].sort()
    result["excluded"].sort()
    settings = {
        "SuspendProgram": PROGRAMS["suspend"],
        "ResumeProgram": PROGRAMS["resume"],
        "ResumeFailProgram": PROGRAMS["resume-fail"],
        "SuspendTime": numbers["suspend_time"],
        "SuspendTimeout": numbers["suspend_timeout"],
        "ResumeTimeout": numbers["resume_timeout"],
        "SuspendRate": numbers["suspend_rate"],
        "ResumeRate": numbers["resume_rate"],
    }
    if result["excluded"]:
        settings["SuspendExcNodes"] = ",".join(result["excluded"])
    result["settings"] = settings
    return result


# -- node states --------------------------------------------------------------------------------------
ASLEEP_FLAGS = ("POWERED_DOWN", "POWERING_DOWN")


def node_states(oneliners: str) -> dict:
    """NodeName -> set of state words, from ``scontrol show nodes --oneliner``."""
    states = {}
    for line in oneliners.splitlines():
        name = re.search(r"(?:^|\s)NodeName=(\S+)", line)
        state = re.search(r"(?:^|\s)State=(\S+)", line)
        if name and state:
            states[name.group(1)] = set(state.group(1).split("+"))
    return states


def asleep_hosts(oneliners: str, hosts: list, saved: dict) -> list:
    """Inventory hosts whose node slurmctld has powered down (or is powering down), in order.

    ``saved`` is what ``saved_facts()`` kept (the topology's ``hostname`` is the NodeName); a
    host without saved facts is matched by its inventory name.
    """
    states = node_states(oneliners)
    asleep = []
    for host in hosts:
        facts = saved.get(host) if isinstance(saved, dict) else None
        topology = facts.get("topology") if isinstance(facts, dict) else None
        nodename = topology.get("hostname") if isinstance(topology, dict) and topology.get("hostname") else host
        flags = states.get(nodename, set())
        if flags & set(ASLEEP_FLAGS) and "POWERING_UP" not in flags:
            asleep.append(host)
    return asleep


# -- the programs ---------------------------------------------------------------------------------------
class PowerError(Exception):
    """A failure that the program reports with one line."""


def _now() -> str:
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


class Log:
    """One line per event, appended (O_APPEND keeps concurrent lines whole)."""

    def __init__(self, path: str, action: str) -> None:
        self.path, self.action = path, action

    def __call__(self, message: str) -> None:
        line = "%s %s[%d]: %s\n" % (_now(), self.action, os.getpid(), message)
        try:
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
            try:
                os.write(fd, line.encode())
            finally:
                os.close(fd)
        except OSError:
            sys.stderr.write(line)


def read_private_json(path: str) -> dict:
    """A file that holds credentials: refused when others may read it."""
    try:
        status = os.stat(path)
    except OSError as exc:
        raise PowerError("cannot read %s: %s" % (path, exc.strerror)) from exc
    if status.st_mode & 0o077:
        raise PowerError("%s is readable by others (mode %o); it must be 0600 or 0400" % (path, status.st_mode & 0o777))
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)


def expand_hostlist(expression: str) -> list:
    """``node[1-2,4]`` -> names, with Slurm's own parser."""
    done = subprocess.run(["scontrol", "show", "hostnames", expression], capture_output=True, text=True,
                          check=False, timeout=30)
    if done.returncode != 0:
        raise PowerError("scontrol show hostnames %s failed: %s" % (expression, done.stderr.strip()))
    return done.stdout.split()


def by_board(names: list, nodes: dict) -> tuple:
    """(board -> {slot: name}, names missing from the map)."""
    groups: dict = {}
    missing = []
    for name in names:
        entry = nodes.get(name)
        if not entry:
            missing.append(name)
            continue
        groups.setdefault(entry["board"], {})[int(entry["slot"])] = name
    return groups, missing


def switch(board: str, slots: dict, on: bool, boards: dict, conf_dir: str, log: Log) -> list:
    """One login and one request for every slot of one board, serialised per board. Returns the
    names that failed."""
    connection = dict(boards.get(board) or {})
    if not connection:
        for slot, name in sorted(slots.items()):
            log("%s: board %s has no connection in %s/boards.json" % (name, board, conf_dir))
        return list(slots.values())
    for key in ("password_file", "ca_path"):
        if connection.get(key):
            connection[key] = os.path.join(conf_dir, connection[key])
    what = "on" if on else "off"
    lock_path = os.path.join(conf_dir, "%s.lock" % re.sub(r"[^A-Za-z0-9_.-]", "_", board))
    with os.fdopen(os.open(lock_path, os.O_WRONLY | os.O_CREAT, 0o600), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        started = time.monotonic()
        try:
            client = BmcClient(BoardConfig.from_params(board, connection))
            client.set_powers({slot: on for slot in slots})
            client.close()
        except (BmcError, OptionError, OSError, ValueError) as exc:
            for slot, name in sorted(slots.items()):
                log("%s: switching %s slot %d %s failed: %s" % (name, board, slot, what, exc))
            return list(slots.values())
    for slot, name in sorted(slots.items()):
        log("%s: %s slot %d switched %s (%.1f s)" % (name, board, slot, what, time.monotonic() - started))
    return []


def _reachable(address: str, port: int) -> bool | None:
    """True: something answers; None: the host is up but the port is closed; False: gone."""
    try:
        with socket.create_connection((address, port), timeout=2):
            return True
    except ConnectionRefusedError:
        return None
    except OSError:
        return False


def shut_down(name: str, entry: dict, settings: dict, conf_dir: str, log: Log) -> str:
    """Ask the node to power itself off over SSH and wait until it is gone; '' or why not."""
    try:
        address = socket.getaddrinfo(entry["address"], settings.get("ssh_port", 22), type=socket.SOCK_STREAM)[0][4][0]
    except (OSError, IndexError) as exc:
        return "cannot resolve %s: %s" % (entry["address"], exc)
    port = int(settings.get("ssh_port", 22))
    argv = ["ssh", "-F", "/dev/null", "-i", os.path.join(conf_dir, "id_ed25519"), "-o", "IdentitiesOnly=yes",
            "-o", "BatchMode=yes", "-o", "ConnectTimeout=10", "-o", "StrictHostKeyChecking=yes",
            "-o", "UserKnownHostsFile=%s" % os.path.join(conf_dir, "known_hosts"), "-o", "LogLevel=ERROR",
            "-p", str(port), "%s@%s" % (settings.get("ssh_user", "root"), entry["address"]), "poweroff"]
    try:
        done = subprocess.run(argv, capture_output=True, text=True, check=False, timeout=30)
        ssh_error = done.stderr.strip().splitlines()[-1] if done.returncode not in (0, 255) or (
            done.returncode == 255 and done.stderr.strip()) else ""
    except subprocess.TimeoutExpired:
        ssh_error = "ssh did not return within 30 s"
    deadline = time.monotonic() + int(settings.get("shutdown_timeout", 90))
    gone = 0
    while time.monotonic() < deadline:
        state = _reachable(address, port)
        gone = gone + 1 if state is False else 0
        if gone >= 2:
            log("%s: shut down (%s no longer answers)" % (name, address))
            return ""
        refused = any(word in ssh_error for word in ("denied", "verification", "key"))
        if state is True and refused:
            break  # it will not go down: the key or the host key was refused
        time.sleep(1)
    detail = " (ssh: %s)" % ssh_error if ssh_error else ""
    return "did not shut down within %s s%s" % (settings.get("shutdown_timeout", 90), detail)


def mark_down(names: list, reason: str, log: Log) -> None:
    """Tell slurmctld why a node is not off (it would otherwise believe it powered down)."""
    done = subprocess.run(["scontrol", "update", "NodeName=%s" % ",".join(names), "State=DOWN",
                           "Reason=%s" % reason[:200]], capture_output=True, text=True, check=False, timeout=30)
    if done.returncode != 0:
        log("%s: scontrol update State=DOWN failed: %s" % (",".join(names), done.stderr.strip()))


def power_off(names: list, nodes: dict, boards: dict, settings: dict, conf_dir: str, log: Log,
              force: bool) -> int:
    """Shut every node down (in parallel), then switch off each board's slots of those that went
    down; ``force`` (resume failure) switches off also the ones that did not."""
    failures: dict = {}
    down: list = []
    lock = threading.Lock()

    def one(name: str) -> None:
        why = shut_down(name, nodes[name], settings, conf_dir, log)
        with lock:
            (failures.__setitem__(name, why) if why else down.append(name))

    threads = [threading.Thread(target=one, args=(name,)) for name in names]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for name, why in sorted(failures.items()):
        log("%s: %s; %s" % (name, why, "switching it off anyway (it failed to resume)" if force
                            else "left on: no power cut under a running system"))
    targets = names if force else sorted(down)
    groups, _missing = by_board(targets, nodes)
    failed = []
    for board, slots in sorted(groups.items()):
        failed += switch(board, slots, False, boards, conf_dir, log)
    if not force:
        for name in sorted(failures):
            mark_down([name], "beowulf-suspend: %s, not powered off (see %s)" % (failures[name], LOG_FILE), log)
        for name in failed:
            mark_down([name], "beowulf-suspend: the BMC did not switch it off (see %s)" % LOG_FILE, log)
    return 1 if failures or failed else 0


def main(action: str, argv: list, conf_dir: str = CONF_DIR, log_path: str = LOG_FILE, detach: bool = True) -> int:
    """SuspendProgram (suspend), ResumeProgram (resume), ResumeFailProgram (resume-fail)."""
    log = Log(log_path, "beowulf-" + action)
    if action not in PROGRAMS or len(argv) != 1:
        log("usage: beowulf-%s <hostlist>, got %r" % (action, argv))
        return 2
    try:
        names = expand_hostlist(argv[0])
        nodes = read_private_json(os.path.join(conf_dir, "nodes.json"))
        boards = read_private_json(os.path.join(conf_dir, "boards.json"))
    except (PowerError, ValueError, OSError, subprocess.SubprocessError) as exc:
        log("%s: %s" % (argv[0], exc))
        return 1
    settings = nodes.pop("_settings", {})
    groups, missing = by_board(names, nodes)
    for name in missing:
        log("%s: not in %s/nodes.json (no board and slot known); nothing done" % (name, conf_dir))
    known = [name for name in names if name not in missing]
    if action == "resume":
        failed = []
        for board, slots in sorted(groups.items()):
            failed += switch(board, slots, True, boards, conf_dir, log)
        return 1 if failed or missing else 0
    log("%s: shutting down %s, then switching the slot%s off" % (
        argv[0], ", ".join(known) or "nothing", "" if len(known) == 1 else "s"))
    if not known:
        return 1
    if detach:
        # Return to slurmctld at once; the shutdown and the power-off finish in the background.
        if os.fork() > 0:
            return 1 if missing else 0
        os.setsid()
        if os.fork() > 0:
            os._exit(0)  # pylint: disable=protected-access
        null = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(null, fd)
        code = power_off(known, nodes, boards, settings, conf_dir, log, force=action == "resume-fail")
        os._exit(code)  # pylint: disable=protected-access
    return power_off(known, nodes, boards, settings, conf_dir, log, force=action == "resume-fail") or (
        1 if missing else 0)


# -- inputs from Ansible's hostvars ---------------------------------------------------------------------


def node_inputs(names: list, hostvars: dict, controller: str) -> list:
    """What ``plan()`` needs of each compute host, read from Ansible's hostvars."""
    nodes = []
    for name in names:
        vars_ = hostvars.get(name, {}) if hasattr(hostvars, "get") else {}
        topology = vars_.get("beowulf_cpu_topology") or {}
        nodes.append({"name": name, "hostname": topology.get("hostname") or name,
                      "addr": vars_.get("slurm_node_addr") or "", "board": vars_.get("turingpi_board"),
                      "slot": vars_.get("turingpi_slot"), "connection": vars_.get(CONNECTION_HOSTVAR), "controller": name == controller})
    return nodes


def saved_facts(names: list, hostvars: dict) -> dict:
    """Inventory name -> the facts a node line needs (kept on the controller for sleeping nodes)."""
    saved = {}
    for name in names:
        vars_ = hostvars.get(name, {}) if hasattr(hostvars, "get") else {}
        if vars_.get("beowulf_cpu_topology"):
            saved[name] = {"topology": vars_.get("beowulf_cpu_topology"),
                           "tmp_disk": int(vars_.get("__slurm_tmp_disk_mb") or 0)}
    return saved
