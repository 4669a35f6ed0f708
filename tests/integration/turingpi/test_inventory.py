"""The turingpi inventory plugin against emulated BMCs, as ansible-inventory shows it."""

from __future__ import annotations

import json
import subprocess

import pytest
import yaml

from helpers import ROOT, VENV_BIN, tool_env

pytestmark = pytest.mark.integration


def write_config(tmp_path, boards, name="lab.turingpi.yml", **options):
    data = {"plugin": "beowulf.slurm.turingpi", "boards": boards}
    data.update(options)
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data))
    return path


def board_entry(emulated, **extra):
    entry = {"name": emulated.board.name, "address": "127.0.0.1", "http_port": emulated.http_port,
             "https_port": emulated.https_port or 443, "cert_fingerprint": emulated.fingerprint}
    entry.update(extra)
    return entry


def ansible_inventory(path, tmp_path, **env):
    proc = subprocess.run([str(VENV_BIN / "ansible-inventory"), "-i", str(path), "--list"], cwd=tmp_path,
                          env=tool_env(TURINGPI_PASSWORD="turing", **env), capture_output=True, text=True,
                          timeout=60, check=False)
    return proc


def plain(value):
    """ansible-core 2.19 marks strings from inventory plugins as {"__ansible_unsafe": ...} in --list."""
    if isinstance(value, dict):
        if set(value) == {"__ansible_unsafe"}:
            return value["__ansible_unsafe"]
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


def listing(path, tmp_path, **env):
    proc = ansible_inventory(path, tmp_path, **env)
    assert proc.returncode == 0, proc.stderr
    assert "WARNING" not in proc.stderr, proc.stderr
    return plain(json.loads(proc.stdout))


def hosts_of(data, group):
    return sorted(data.get(group, {}).get("hosts", []))


def test_one_board_field_by_field(make_board, tmp_path):
    emulated = make_board(name="tp1", power={1: True, 2: True, 3: True, 4: False}, names={3: "rk1-ctl"},
                          modules={1: "Turing RK1", 2: "Turing RK1", 3: "Turing RK1"})
    path = write_config(tmp_path, [board_entry(emulated, slots={1: {"ansible_host": "10.0.0.11"}})])
    data = listing(path, tmp_path)
    hv = data["_meta"]["hostvars"]
    assert sorted(hv) == ["rk1-ctl", "tp1-node1", "tp1-node2"]  # slot 4 is off and left out
    assert hv["tp1-node1"]["ansible_host"] == "10.0.0.11"
    assert "ansible_host" not in hv["tp1-node2"]
    assert hv["rk1-ctl"]["turingpi_slot"] == 3
    assert hv["rk1-ctl"]["turingpi_board"] == "tp1"
    assert hv["rk1-ctl"]["turingpi_power"] == "on"
    assert hv["rk1-ctl"]["turingpi_module"] == "Turing RK1"
    assert hv["rk1-ctl"]["turingpi_firmware"] == "2.3.4"
    assert isinstance(hv["rk1-ctl"]["turingpi_power_on_time"], int)
    assert hosts_of(data, "slurmctld") == ["rk1-ctl"]
    assert hosts_of(data, "slurmd") == ["tp1-node1", "tp1-node2"]
    assert hosts_of(data, "nfs_server") == ["rk1-ctl"]
    assert hosts_of(data, "nfs_clients") == ["tp1-node1", "tp1-node2"]
    assert hosts_of(data, "powered_on") == ["rk1-ctl", "tp1-node1", "tp1-node2"]
    assert hosts_of(data, "module_turing_rk1") == ["rk1-ctl", "tp1-node1", "tp1-node2"]
    assert hosts_of(data, "tp1") == ["rk1-ctl", "tp1-node1", "tp1-node2"]
    assert "turing" not in json.dumps(data).replace("turingpi", "").replace("Turing RK1", "").replace(
        "module_turing_rk1", "")


def test_powered_off_slots_can_be_listed(make_board, tmp_path):
    emulated = make_board(name="tp1", power={1: True, 2: False, 3: True, 4: True})
    data = listing(write_config(tmp_path, [board_entry(emulated)], include_powered_off=True), tmp_path)
    assert hosts_of(data, "powered_off") == ["tp1-node2"]
    assert data["_meta"]["hostvars"]["tp1-node2"]["turingpi_power"] == "off"
    assert "tp1-node2" in hosts_of(data, "slurmd")


def test_shared_storage_groups_can_be_left_empty(make_board, tmp_path):
    emulated = make_board(name="tp1")
    data = listing(write_config(tmp_path, [board_entry(emulated)], nfs=False), tmp_path)
    assert hosts_of(data, "nfs_server") == [] and hosts_of(data, "nfs_clients") == []
    assert hosts_of(data, "slurmctld") == ["tp1-node3"]


def test_two_boards_at_once_with_one_controller(make_board, tmp_path):
    one, two = make_board(name="alpha"), make_board(name="beta", firmware="1")
    path = write_config(tmp_path, [board_entry(one), board_entry(two)], controller={"board": "beta", "slot": 1},
                        host_name_template="{board}{slot}")
    data = listing(path, tmp_path)
    assert hosts_of(data, "slurmctld") == ["beta1"]
    assert len(hosts_of(data, "slurmd")) == 7
    assert hosts_of(data, "alpha") == ["alpha1", "alpha2", "alpha3", "alpha4"]
    assert data["_meta"]["hostvars"]["beta2"]["turingpi_firmware"] == "1.1.0"


def test_wrong_password_names_the_board_and_hides_the_password(make_board, tmp_path):
    emulated = make_board(name="tp1")
    path = write_config(tmp_path, [board_entry(emulated, password="s3cr3t-wrong")])
    proc = ansible_inventory(path, tmp_path)
    assert "Turing Pi BMC tp1: authentication as root failed" in proc.stderr
    assert "s3cr3t-wrong" not in proc.stderr + proc.stdout
    assert emulated.board.auth_calls == 1


def test_unreachable_board_is_named(make_board, tmp_path):
    emulated = make_board(name="tp1")
    entry = board_entry(emulated, name="gone", http_port=1, https_port=1)
    proc = ansible_inventory(write_config(tmp_path, [entry]), tmp_path)
    assert "Turing Pi BMC gone: cannot connect to 127.0.0.1" in proc.stderr


def test_bad_config_is_named(make_board, tmp_path):
    emulated = make_board(name="tp1")
    proc = ansible_inventory(write_config(tmp_path, [board_entry(emulated, colour="red")]), tmp_path)
    assert "boards[0] has unknown keys: colour" in proc.stderr


def test_cache_answers_without_the_board(make_board, tmp_path):
    emulated = make_board(name="tp1")
    cache_dir = tmp_path / "cache"
    path = write_config(tmp_path, [board_entry(emulated)], cache=True, cache_plugin="ansible.builtin.jsonfile",
                        cache_connection=str(cache_dir), cache_timeout=3600)
    first = listing(path, tmp_path)
    requests = len(emulated.board.requests)
    emulated.stop()
    second = listing(path, tmp_path)
    assert first == second
    assert len(emulated.board.requests) == requests
    assert list(cache_dir.iterdir())


def test_discovery_of_16_boards_is_fast():
    """Cold discovery of 16 boards in parallel under 1 s, from the inventory cache under 50 ms."""
    proc = subprocess.run([str(VENV_BIN / "python"), str(ROOT / "scripts" / "bench_inventory.py"), "--boards", "16",
                           "--repeat", "3"], env=tool_env(), capture_output=True, text=True, timeout=120,
                          check=False)
    assert proc.returncode == 0, proc.stderr[-2000:]
    report = json.loads(proc.stdout)
    assert report["hosts"] == 64
    assert report["cold_discovery_s"] < 1.0, report
    assert report["cached_discovery_s"] < 0.05, report
