from __future__ import annotations

import json
import os

import pytest

from ansible_collections.beowulf.slurm.plugins.module_utils import slurm_power as sp
from ansible_collections.beowulf.slurm.plugins.module_utils.turingpi_bmc import BmcError

CONNECTION = {"address": "turingpi.local", "username": "root", "http_port": 80, "https_port": 443, "validate_certs": True,
              "cert_fingerprint": "ab" * 32, "timeout": 10.0, "firmware": "2", "password_file": "/x/pw"}


def node(name, slot, board="tp1", controller=False, **extra):
    entry = {"name": name, "hostname": name, "addr": "", "board": board, "slot": slot,
             "connection": dict(CONNECTION), "controller": controller}
    entry.update(extra)
    return entry


def params(**changes):
    base = {"enabled": True, "nodes": [node("n1", 1), node("n2", 2), node("n3", 3, controller=True), node("n4", 4)],
            "exclude": [], "bmc_addresses": {}, "suspend_time": 900, "suspend_timeout": 120, "resume_timeout": 300,
            "suspend_rate": 0, "resume_rate": 0, "shutdown_timeout": 90}
    base.update(changes)
    return base


def test_plan_powers_the_compute_nodes_and_never_the_controller():
    result = sp.plan(params())
    assert result["errors"] == []
    assert result["powered"] == ["n1", "n2", "n4"]
    assert result["settings"]["SuspendExcNodes"] == "n3"
    assert result["settings"]["SuspendProgram"] == "/usr/local/sbin/beowulf-suspend"
    assert result["settings"]["ResumeFailProgram"] == "/usr/local/sbin/beowulf-resume-fail"
    assert result["settings"]["ResumeTimeout"] == 300
    assert result["nodes"]["n2"] == {"board": "tp1", "slot": 2, "address": "n2"}


def test_plan_keeps_the_password_out_and_points_to_files_beside_the_map():
    result = sp.plan(params())
    board = result["boards"]["tp1"]
    assert "password" not in board
    assert board["password_file"] == "tp1.password"
    assert board["address"] == "turingpi.local"
    assert result["sources"]["tp1"] == {"host": "n1", "ca_path": ""}


def test_one_board_described_with_or_without_its_defaults_is_one_entry():
    spelled_out = node("n1", 1)
    short = node("n2", 2, connection={"address": "turingpi.local", "firmware": "2", "password_file": "/x/pw",
                                      "cert_fingerprint": ":".join(["AB"] * 32), "https_port": "443"})
    result = sp.plan(params(nodes=[spelled_out, short, node("n3", 3, controller=True)]))
    assert result["errors"] == []
    assert result["boards"]["tp1"] == {"address": "turingpi.local", "username": "root", "firmware": "2",
                                       "validate_certs": True, "cert_fingerprint": "ab" * 32, "timeout": 10.0,
                                       "http_port": 80, "https_port": 443, "password_file": "tp1.password"}
    other_file = node("n2", 2, connection=dict(CONNECTION, password_file="/y/pw"))
    errors = sp.plan(params(nodes=[spelled_out, other_file]))["errors"]
    assert errors == ["board tp1: its hosts disagree on how to reach the BMC (turingpi_bmc_connection host variables)"]


def test_hosts_without_a_power_path_and_excluded_hosts_are_never_suspended():
    nodes = [node("n1", 1), node("pc", None, board=None, connection=None), node("n2", 2)]
    result = sp.plan(params(nodes=nodes, exclude=["n2"]))
    assert result["errors"] == []
    assert result["powered"] == ["n1"]
    assert result["settings"]["SuspendExcNodes"] == "n2,pc"


def test_bmc_address_seen_from_the_controller():
    result = sp.plan(params(bmc_addresses={"tp1": "10.0.0.2"}))
    assert result["boards"]["tp1"]["address"] == "10.0.0.2"


def test_slurm_node_addr_is_where_the_controller_connects():
    result = sp.plan(params(nodes=[node("n1", 1, addr="192.168.1.101")]))
    assert result["nodes"]["n1"]["address"] == "192.168.1.101"


def test_off_plans_nothing_but_still_checks():
    result = sp.plan(params(enabled=False))
    assert result["settings"] == {} and result["boards"] == {}
    assert sp.plan(params(enabled=False, suspend_time="soon"))["errors"]


@pytest.mark.parametrize("option, value, words", [
    ("suspend_time", "soon", "slurm_power_saving_suspend_time must be a whole number"),
    ("suspend_time", True, "slurm_power_saving_suspend_time must be a whole number"),
    ("suspend_time", 0, "slurm_power_saving_suspend_time must be from 1"),
    ("resume_timeout", 5, "slurm_power_saving_resume_timeout must be from 10"),
    ("suspend_rate", -1, "slurm_power_saving_suspend_rate must be a whole number of nodes per minute"),
    ("shutdown_timeout", 200, "slurm_power_saving_shutdown_timeout (200) must be shorter"),
    ("exclude", "n1", "slurm_power_saving_exclude_nodes must be a list"),
    ("exclude", ["nope"], "names hosts that are not compute nodes (group slurmd): nope"),
    ("bmc_addresses", ["x"], "slurm_power_saving_bmc_addresses must map board names"),
    ("bmc_addresses", {"tp9": "1.2.3.4"}, "names boards without a powered compute node: tp9"),
])
def test_bad_options_are_named(option, value, words):
    errors = sp.plan(params(**{option: value}))["errors"]
    assert any(words in error for error in errors), errors


def test_a_bad_slot_and_a_bad_connection_name_the_host():
    errors = sp.plan(params(nodes=[node("n1", 7)]))["errors"]
    assert errors == ["host n1: turingpi_slot must be 1 to 4, got 7"]
    bad = node("n1", 1)
    bad["connection"]["https_port"] = "abc"
    errors = sp.plan(params(nodes=[bad]))["errors"]
    assert "host n1: the BMC connection of board tp1" in errors[0] and "https_port" in errors[0]


@pytest.mark.parametrize("connection", ["turingpi.local", ["turingpi.local"], 443])
def test_a_connection_that_is_not_a_dict_names_the_variable(connection):
    errors = sp.plan(params(nodes=[node("n1", 1, connection=connection)]))["errors"]
    assert errors == ["host n1: turingpi_bmc_connection must be a dictionary of BMC settings, got a value of type %s"
                      % type(connection).__name__]


def test_a_connection_without_an_address_is_no_power_path():
    connection = {key: value for key, value in CONNECTION.items() if key != "address"}
    result = sp.plan(params(enabled=False, nodes=[node("n1", 1, connection=connection)]))
    assert result["errors"] == [] and result["excluded"] == ["n1"]


def test_power_saving_without_any_power_path_is_refused():
    errors = sp.plan(params(nodes=[node("pc", None, board=None, bmc=None)]))["errors"]
    assert "no compute node has a power path" in errors[0]


SCONTROL = """NodeName=node1 Arch=x86_64 CoresPerSocket=8 State=IDLE+POWERED_DOWN ThreadsPerCore=1
NodeName=node2 Arch=x86_64 CoresPerSocket=8 State=IDLE+POWERING_DOWN ThreadsPerCore=1
NodeName=node4 Arch=x86_64 CoresPerSocket=8 State=IDLE ThreadsPerCore=1
NodeName=rk5 Arch=x86_64 State=IDLE+POWERED_DOWN+POWERING_UP
"""


def test_asleep_hosts_by_saved_node_name():
    saved = {"tp1-node5": {"topology": {"hostname": "rk5"}}, "h1": {"topology": {"hostname": "node1"}}}
    assert sp.asleep_hosts(SCONTROL, ["h1", "node2", "node4", "tp1-node5"], saved) == ["h1", "node2"]
    assert sp.node_states(SCONTROL)["node4"] == {"IDLE"}


def test_node_inputs_and_saved_facts_from_hostvars():
    hostvars = {"n1": {"beowulf_cpu_topology": {"hostname": "rk1"}, "turingpi_board": "tp1", "turingpi_slot": 1,
                       "turingpi_bmc_connection": {"address": "bmc", "username": "root"},
                       "turingpi_bmc_password": "secret",
                       "__slurm_tmp_disk_mb": "512"},
                "n2": {}}
    inputs = sp.node_inputs(["n1", "n2"], hostvars, "n2")
    assert inputs[0]["hostname"] == "rk1" and inputs[0]["connection"] == {"address": "bmc", "username": "root"}
    assert "secret" not in repr(inputs)
    assert inputs[1]["controller"] and inputs[1]["hostname"] == "n2"
    assert sp.saved_facts(["n1", "n2"], hostvars) == {"n1": {"topology": {"hostname": "rk1"}, "tmp_disk": 512}}


# -- the programs, against files in a temporary directory ---------------------------------------------
@pytest.fixture()
def conf(tmp_path, monkeypatch):
    nodes = {"n1": {"board": "tp1", "slot": 1, "address": "n1"}, "n2": {"board": "tp1", "slot": 2, "address": "n2"},
             "n9": {"board": "tp2", "slot": 4, "address": "n9"},
             "_settings": {"shutdown_timeout": 5, "ssh_user": "root", "ssh_port": 22}}
    boards = {"tp1": {"address": "127.0.0.1", "firmware": "2", "password_file": "tp1.password"},
              "tp2": {"address": "127.0.0.2", "firmware": "2", "password_file": "tp2.password"}}
    for name, content in (("nodes.json", json.dumps(nodes)), ("boards.json", json.dumps(boards)),
                          ("tp1.password", "pw1"), ("tp2.password", "pw2")):
        path = tmp_path / name
        path.write_text(content)
        path.chmod(0o600)
    monkeypatch.setattr(sp, "expand_hostlist", lambda expression: expression.split(","))
    return tmp_path


class FakeClient:
    calls: list = []
    fail: set = set()

    def __init__(self, config):
        self.config = config

    def set_powers(self, states):
        if self.config.name in FakeClient.fail:
            raise BmcError(self.config.name, "cannot connect to 127.0.0.2:443: Connection refused")
        FakeClient.calls.append((self.config.name, self.config.password, dict(states)))

    def close(self):
        pass


@pytest.fixture()
def fake_bmc(monkeypatch):
    FakeClient.calls, FakeClient.fail = [], set()
    monkeypatch.setattr(sp, "BmcClient", FakeClient)
    return FakeClient


def test_resume_sends_one_request_per_board_and_logs_one_line_per_node(conf, fake_bmc):
    log = conf / "power.log"
    assert sp.main("resume", ["n1,n2,n9"], str(conf), str(log), detach=False) == 0
    assert sorted(fake_bmc.calls) == [("tp1", "pw1", {1: True, 2: True}), ("tp2", "pw2", {4: True})]
    lines = log.read_text().splitlines()
    assert len(lines) == 3 and all("switched on" in line for line in lines)
    assert "pw1" not in log.read_text()


def test_resume_fails_with_a_clear_line_when_the_bmc_is_unreachable(conf, fake_bmc):
    fake_bmc.fail = {"tp2"}
    log = conf / "power.log"
    assert sp.main("resume", ["n1,n9"], str(conf), str(log), detach=False) == 1
    text = log.read_text()
    assert "n9: switching tp2 slot 4 on failed: Turing Pi BMC tp2: cannot connect" in text
    assert "n1: tp1 slot 1 switched on" in text


def test_an_unknown_node_is_logged_and_fails(conf, fake_bmc):
    log = conf / "power.log"
    assert sp.main("resume", ["n1,zz"], str(conf), str(log), detach=False) == 1
    assert "zz: not in" in log.read_text()


def test_credentials_readable_by_others_are_refused(conf, fake_bmc):
    (conf / "boards.json").chmod(0o644)
    log = conf / "power.log"
    assert sp.main("resume", ["n1"], str(conf), str(log), detach=False) == 1
    assert "readable by others" in log.read_text()
    assert fake_bmc.calls == []


def test_suspend_switches_off_only_nodes_that_shut_down(conf, fake_bmc, monkeypatch):
    downs = []
    monkeypatch.setattr(sp, "shut_down", lambda name, *args: "" if name == "n1" else "did not shut down within 5 s")
    monkeypatch.setattr(sp, "mark_down", lambda names, reason, log: downs.append((names, reason)))
    log = conf / "power.log"
    assert sp.main("suspend", ["n1,n2"], str(conf), str(log), detach=False) == 1
    assert fake_bmc.calls == [("tp1", "pw1", {1: False})]
    assert downs == [(["n2"], "beowulf-suspend: did not shut down within 5 s, not powered off (see %s)"
                      % sp.LOG_FILE)]
    assert "n2: did not shut down within 5 s; left on" in log.read_text()


def test_resume_fail_switches_off_even_a_node_that_did_not_shut_down(conf, fake_bmc, monkeypatch):
    monkeypatch.setattr(sp, "shut_down", lambda name, *args: "did not shut down within 5 s")
    monkeypatch.setattr(sp, "mark_down", lambda *args: pytest.fail("Slurm already set it DOWN"))
    assert sp.main("resume-fail", ["n1"], str(conf), str(conf / "log"), detach=False) == 1
    assert fake_bmc.calls == [("tp1", "pw1", {1: False})]


def test_one_request_at_a_time_per_board(conf, monkeypatch):
    import threading
    import time

    active, peak = [0], [0]
    guard = threading.Lock()

    class Slow(FakeClient):
        def set_powers(self, states):
            with guard:
                active[0] += 1
                peak[0] = max(peak[0], active[0])
            time.sleep(0.2)
            with guard:
                active[0] -= 1

    monkeypatch.setattr(sp, "BmcClient", Slow)
    threads = [threading.Thread(target=sp.main, args=("resume", [name], str(conf), str(conf / "log")),
                                kwargs={"detach": False}) for name in ("n1", "n2", "n1", "n2")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert peak[0] == 1
    assert os.stat(conf / "tp1.lock").st_mode & 0o777 == 0o600
