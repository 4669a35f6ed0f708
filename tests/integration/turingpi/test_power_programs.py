"""Slurm's power-saving programs against the BMC emulator: what they send, what they log."""

from __future__ import annotations

import json

import pytest

from ansible_collections.beowulf.slurm.plugins.module_utils import slurm_power as sp


@pytest.fixture
def conf_dir(tmp_path, monkeypatch):
    monkeypatch.setattr(sp, "expand_hostlist", lambda expression: expression.split(","))
    return tmp_path


def write_conf(conf_dir, boards, password="turing"):
    """What the slurm role writes on the controller: the map, the connections, one password file per board."""
    nodes = {"_settings": {"shutdown_timeout": 5}}
    connections = {}
    for emulated in boards:
        name = emulated.board.name
        for slot in (1, 2, 4):
            nodes["%s-n%d" % (name, slot)] = {"board": name, "slot": slot, "address": "%s-n%d" % (name, slot)}
        connections[name] = {"address": "127.0.0.1", "username": "root", "http_port": emulated.http_port,
                             "https_port": emulated.https_port, "firmware": "2", "validate_certs": True,
                             "cert_fingerprint": emulated.fingerprint, "timeout": 2.0,
                             "password_file": "%s.password" % name}
        (conf_dir / ("%s.password" % name)).write_text(password)
        (conf_dir / ("%s.password" % name)).chmod(0o600)
    for file_name, content in (("nodes.json", nodes), ("boards.json", connections)):
        (conf_dir / file_name).write_text(json.dumps(content))
        (conf_dir / file_name).chmod(0o600)


def api_requests(emulated):
    return [(method, path) for method, path, _secure in emulated.board.requests]


def test_resume_of_nodes_on_two_boards_is_one_login_and_one_request_per_board(make_board, conf_dir):
    boards = [make_board(name=name, power={1: False, 2: False, 3: True, 4: False}) for name in ("tp1", "tp2")]
    write_conf(conf_dir, boards)
    log = conf_dir / "power.log"
    assert sp.main("resume", ["tp1-n1,tp1-n2,tp2-n4"], str(conf_dir), str(log), detach=False) == 0
    first, second = boards
    assert first.board.power == {1: True, 2: True, 3: True, 4: False}
    assert second.board.power == {1: False, 2: False, 3: True, 4: True}
    assert api_requests(first) == [("POST", "/api/bmc/authenticate"),
                                   ("GET", "/api/bmc?opt=set&type=power&node1=1&node2=1")]
    assert api_requests(second) == [("POST", "/api/bmc/authenticate"), ("GET", "/api/bmc?opt=set&type=power&node4=1")]
    lines = log.read_text().splitlines()
    assert len(lines) == 3, lines
    assert "tp2-n4: tp2 slot 4 switched on" in lines[2]
    assert "turing" not in log.read_text()


def test_a_wrong_password_fails_once_and_never_retries_into_the_ban(make_board, conf_dir):
    board = make_board(name="tp1", power={1: False, 2: False, 3: True, 4: False})
    write_conf(conf_dir, [board], password="wrong")
    log = conf_dir / "power.log"
    assert sp.main("resume", ["tp1-n1,tp1-n2"], str(conf_dir), str(log), detach=False) == 1
    assert board.board.auth_calls == 1
    assert board.board.power[1] is False
    text = log.read_text()
    assert "tp1-n1: switching tp1 slot 1 on failed: Turing Pi BMC tp1: authentication as root failed (HTTP 403)" in text
    assert "wrong" not in text.replace("credentials incorrect", "")


def test_an_unreachable_bmc_fails_fast_with_a_clear_line(make_board, conf_dir):
    board = make_board(name="tp1")
    write_conf(conf_dir, [board])
    board.stop()
    log = conf_dir / "power.log"
    assert sp.main("resume", ["tp1-n1"], str(conf_dir), str(log), detach=False) == 1
    assert "tp1-n1: switching tp1 slot 1 on failed: Turing Pi BMC tp1: cannot connect to 127.0.0.1" in log.read_text()
