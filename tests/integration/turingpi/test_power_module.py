"""turingpi_power against the emulator, with slots bound to real Docker containers."""

from __future__ import annotations

import json
import os
import subprocess
import uuid

import pytest

from helpers import VENV_BIN, tool_env

pytestmark = pytest.mark.integration

IMAGE = os.environ.get("BEOWULF_IMAGE_DEBIAN12", "beowulf-slurm/debian12:base")


def docker(*argv):
    return subprocess.run(["docker", *argv], capture_output=True, text=True, check=False)


@pytest.fixture
def container():
    if docker("image", "inspect", IMAGE).returncode != 0:
        pytest.fail("image %s is missing: run scripts/bootstrap.sh images" % IMAGE)
    name = "beowulf-power-%s" % uuid.uuid4().hex[:8]
    assert docker("run", "-d", "--name", name, IMAGE, "sleep", "infinity").returncode == 0
    yield name
    docker("rm", "-f", name)


def running(name):
    return docker("inspect", "-f", "{{.State.Running}}", name).stdout.strip() == "true"


def started_at(name):
    return docker("inspect", "-f", "{{.State.StartedAt}}", name).stdout.strip()


def power(emulated, slots, state, check=False):
    args = {"address": "127.0.0.1", "board": emulated.board.name, "password": "turing", "slots": slots,
            "state": state, "http_port": emulated.http_port, "https_port": emulated.https_port,
            "cert_fingerprint": emulated.fingerprint}
    argv = [str(VENV_BIN / "ansible"), "localhost", "-m", "beowulf.slurm.turingpi_power", "-a", json.dumps(args)]
    if check:
        argv.append("--check")
    proc = subprocess.run(argv, env=tool_env(ANSIBLE_STDOUT_CALLBACK="ansible.builtin.json",
                                             ANSIBLE_LOAD_CALLBACK_PLUGINS="1"),
                          capture_output=True, text=True, timeout=120, check=False)
    data = json.loads(proc.stdout)
    return data["plays"][0]["tasks"][0]["hosts"]["localhost"]


def test_off_on_reset_and_idempotence(make_board, container):
    emulated = make_board(name="tp1", containers={1: container})
    assert running(container)

    result = power(emulated, [1], "off", check=True)
    assert result["changed"] is True and running(container), "check mode must not switch"

    result = power(emulated, [1], "off")
    assert result["changed"] is True and result["switched"] == [1]
    assert result["after"]["1"] == "off" and not running(container)

    again = power(emulated, [1], "off")
    assert again["changed"] is False and again["switched"] == []

    result = power(emulated, [1, 2], "on")
    assert result["changed"] is True and result["switched"] == [1]  # slot 2 was already on
    assert running(container)
    assert power(emulated, [1, 2], "on")["changed"] is False

    before = started_at(container)
    result = power(emulated, [1], "reset")
    assert result["changed"] is True and running(container)
    assert started_at(container) != before


def test_password_never_in_output_and_errors_name_the_board(make_board):
    emulated = make_board(name="tp9")
    args = {"address": "127.0.0.1", "board": "tp9", "password": "wrong-Pa55", "slots": [1], "state": "on",
            "http_port": emulated.http_port, "https_port": emulated.https_port,
            "cert_fingerprint": emulated.fingerprint}
    proc = subprocess.run([str(VENV_BIN / "ansible"), "localhost", "-m", "beowulf.slurm.turingpi_power", "-vvv",
                           "-a", json.dumps(args)], env=tool_env(), capture_output=True, text=True, timeout=120,
                          check=False)
    assert proc.returncode != 0
    assert "Turing Pi BMC tp9: authentication as root failed" in proc.stdout
    assert "wrong-Pa55" not in proc.stdout + proc.stderr


def test_bad_slot_is_refused_before_any_request(make_board):
    emulated = make_board(name="tp1")
    result = power(emulated, [5], "on")
    assert result["failed"] is True
    assert result["msg"] == "slots must list slot numbers 1 to 4, got [5]"
    assert emulated.board.requests == []


@pytest.mark.parametrize("option, value, message", [
    ("validate_certs", "perhaps", "validate_certs"),
    ("https_port", 70000, "board tp1: https_port must be an integer from 1 to 65535, got 70000"),
    ("https_port", "abc", "https_port"),
    ("timeout", -1, "board tp1: timeout must be a number greater than 0"),
    ("cert_fingerprint", "not-a-fingerprint", "board tp1: cert_fingerprint must be the certificate's SHA-256"),
    ("password_file", "/nonexistent/bmc.password", "board tp1: password_file /nonexistent/bmc.password cannot be read"),
    ("slots", "one", "slots"),
])
def test_every_option_is_checked_before_any_request(make_board, option, value, message):
    emulated = make_board(name="tp1")
    args = {"address": "127.0.0.1", "board": "tp1", "slots": [1], "state": "on",
            "http_port": emulated.http_port, "https_port": emulated.https_port,
            "cert_fingerprint": emulated.fingerprint, option: value}
    if option != "password_file":
        args["password"] = "turing"
    result = run_module(args)
    assert result["failed"] is True
    assert message in result["msg"], result["msg"]
    assert emulated.board.requests == []


def test_password_file_and_environment(make_board, tmp_path):
    emulated = make_board(name="tp1")
    secret = tmp_path / "bmc.password"
    secret.write_text("turing\n")
    secret.chmod(0o600)
    args = {"address": "127.0.0.1", "board": "tp1", "slots": [2], "state": "on", "password_file": str(secret),
            "http_port": emulated.http_port, "https_port": emulated.https_port,
            "cert_fingerprint": emulated.fingerprint}
    argv = [str(VENV_BIN / "ansible"), "localhost", "-m", "beowulf.slurm.turingpi_power", "-a", json.dumps(args)]
    env = tool_env(ANSIBLE_STDOUT_CALLBACK="ansible.builtin.json", ANSIBLE_LOAD_CALLBACK_PLUGINS="1",
                   TURINGPI_PASSWORD="wrong-from-env")
    proc = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=120, check=False)
    result = json.loads(proc.stdout)["plays"][0]["tasks"][0]["hosts"]["localhost"]
    assert result.get("failed") is not True, result  # the file wins over the environment
    del args["password_file"]
    env["TURINGPI_PASSWORD"] = "turing"
    argv[-1] = json.dumps(args)
    proc = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=120, check=False)
    result = json.loads(proc.stdout)["plays"][0]["tasks"][0]["hosts"]["localhost"]
    assert result.get("failed") is not True, result
    assert "turing\n" not in proc.stdout


def run_module(args, **env):
    argv = [str(VENV_BIN / "ansible"), "localhost", "-m", "beowulf.slurm.turingpi_power", "-a", json.dumps(args)]
    proc = subprocess.run(argv, env=tool_env(ANSIBLE_STDOUT_CALLBACK="ansible.builtin.json",
                                             ANSIBLE_LOAD_CALLBACK_PLUGINS="1", **env),
                          capture_output=True, text=True, timeout=120, check=False)
    return json.loads(proc.stdout)["plays"][0]["tasks"][0]["hosts"]["localhost"]


def test_a_host_connection_goes_straight_through_as_power_on_passes_it(make_board, container, tmp_path):
    """The shape of playbooks/power_on.yml: a host's turingpi_bmc_connection, the password kept apart."""
    emulated = make_board(name="tp1", containers={3: container})
    secret = tmp_path / "bmc.password"
    secret.write_text("turing\n")
    secret.chmod(0o600)
    inventory = tmp_path / "hosts.yml"
    inventory.write_text(json.dumps({"all": {"hosts": {"node3": {
        "ansible_connection": "local", "turingpi_board": "tp1", "turingpi_slot": 3,
        "turingpi_bmc_connection": {"address": "127.0.0.1", "http_port": emulated.http_port,
                                    "https_port": emulated.https_port, "cert_fingerprint": emulated.fingerprint,
                                    "password_file": str(secret), "firmware": "2"}}}}}))
    playbook = tmp_path / "power.yml"
    playbook.write_text("""
- hosts: all
  gather_facts: false
  tasks:
    - name: Power the slot off
      beowulf.slurm.turingpi_power:
        connection: "{{ turingpi_bmc_connection }}"
        password: "{{ turingpi_bmc_password | default(omit) }}"
        board: "{{ turingpi_board }}"
        slots: ["{{ turingpi_slot }}"]
        state: "off"
      delegate_to: localhost
""")
    argv = [str(VENV_BIN / "ansible-playbook"), "-i", str(inventory), str(playbook), "-vvv"]
    first = subprocess.run(argv, env=tool_env(), capture_output=True, text=True, timeout=180, check=False)
    assert first.returncode == 0, first.stdout[-3000:]
    assert "changed=1" in first.stdout and not running(container)
    again = subprocess.run(argv, env=tool_env(), capture_output=True, text=True, timeout=180, check=False)
    assert again.returncode == 0 and "changed=0" in again.stdout, again.stdout[-3000:]
    assert "turing\n" not in first.stdout + again.stdout and '"turing"' not in first.stdout + again.stdout


@pytest.mark.parametrize("connection, beside, message", [
    ({"address": "127.0.0.1", "password": "turing"}, {}, "board tp1: connection.password is not allowed"),
    ({"address": "127.0.0.1", "password": "s3cret-in-dict"}, {"password": None},
     "board tp1: connection.password is not allowed"),
    ({"address": "127.0.0.1", "port": 443}, {}, "board tp1: connection has unknown keys: port"),
    ({"address": "127.0.0.1"}, {"address": "127.0.0.2"}, "connection and the option address beside it both set it"),
    ("127.0.0.1", {}, "connection"),
    ({"https_port": 443}, {}, "board tp1: address is required"),
    ({"address": "127.0.0.1", "https_port": "abc"}, {}, "board tp1: https_port must be an integer"),
])
def test_a_wrong_connection_is_refused_before_any_request(make_board, connection, beside, message):
    emulated = make_board(name="tp1")
    args = dict(dict(password="turing"), board="tp1", slots=[1], state="on", connection=connection, **beside)
    args = {key: value for key, value in args.items() if value is not None}
    result = run_module(args)
    assert result["failed"] is True
    assert message in result["msg"], result["msg"]
    assert "turing" not in json.dumps(result).replace("turingpi", "")
    assert "s3cret-in-dict" not in json.dumps(result)
    assert emulated.board.requests == []
