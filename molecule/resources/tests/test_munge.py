"""MUNGE as a user would check it: daemons up, one key everywhere, credentials cross hosts,
the key never printed, bad input refused before anything changes, rotation on request."""

from __future__ import annotations

import base64
import hashlib
import os
import tempfile

import pytest
import yaml

import playbook

KEY = "/etc/munge/munge.key"


def key_bytes(host) -> bytes:
    return host.file(KEY).content


def fingerprints(cluster: dict) -> dict:
    return {name: hashlib.sha256(key_bytes(h)).hexdigest() for name, h in cluster.items()}


def munged_pids(cluster: dict) -> dict:
    return {
        name: h.check_output("systemctl show -p MainPID --value munge") for name, h in cluster.items()
    }


def assert_cross_decode(cluster: dict) -> None:
    failures = []
    for src_name, src in cluster.items():
        cred = src.check_output("munge -n")
        for dst_name, dst in cluster.items():
            if dst_name == src_name:
                continue
            out = dst.run("echo %s | unmunge", cred)
            if out.rc != 0 or "Success" not in out.stdout:
                failures.append("%s -> %s: rc=%s %s" % (src_name, dst_name, out.rc, out.stdout + out.stderr))
    assert not failures, "credentials do not decode across hosts:\n" + "\n".join(failures)


def leaked(key: bytes, text: str) -> list:
    """Every representation of the key (or a fragment of it) found in ``text``."""
    b64 = base64.b64encode(key).decode()
    forms = {"base64": b64, "base64 fragment": b64[8:40], "hex fragment": key[:24].hex()}
    return [label for label, form in forms.items() if form in text]


def test_munged_active_and_enabled(cluster):
    for name, host in cluster.items():
        service = host.service("munge")
        assert service.is_running, name
        assert service.is_enabled, name


def test_key_identical_private_and_owned_by_munge(cluster):
    for name, host in cluster.items():
        key = host.file(KEY)
        assert key.user == "munge" and key.group == "munge", name
        assert key.mode == 0o400, "%s: mode %o" % (name, key.mode)
        assert key.size >= 32, name
    prints = fingerprints(cluster)
    assert len(set(prints.values())) == 1, prints


def test_credentials_decode_on_every_other_host(cluster):
    assert_cross_decode(cluster)


def test_key_absent_from_converge_output(cluster, controller, ephemeral_dir):
    log = (ephemeral_dir / "ansible.log").read_text()
    assert "Install the key" in log, "the converge log does not hold the MUNGE tasks"
    assert not leaked(key_bytes(controller), log)


def _inventory_with(groups: dict) -> str:
    data = {
        "all": {
            "vars": {"ansible_connection": "community.docker.docker"},
            "children": {g: {"hosts": {h: {} for h in hosts}} for g, hosts in groups.items()},
        }
    }
    handle = tempfile.NamedTemporaryFile("w", suffix=".yml", delete=False)
    yaml.safe_dump(data, handle)
    handle.close()
    return handle.name


def _bad_runs(cluster, controller_name):
    nodes = [n for n in cluster if n != controller_name]
    short = base64.b64encode(os.urandom(16)).decode()
    return {
        "not base64": ({"munge_key": "this is not base64!"}, None, "munge_key is not valid base64"),
        "too short": ({"munge_key": short}, None, "munge_key decodes to 16 bytes"),
        "no controller": ({}, {"slurmd": list(cluster)}, "group slurmctld holds 0 hosts"),
        "two controllers": ({}, {"slurmctld": [controller_name, nodes[0]], "slurmd": nodes},
                            "group slurmctld holds 2 hosts"),
        "rotate with a given key": ({"munge_key_rotate": True,
                                     "munge_key": base64.b64encode(os.urandom(64)).decode()},
                                    None, "munge_key_rotate=true"),
    }


@pytest.mark.parametrize("case", ["not base64", "too short", "no controller", "two controllers",
                                  "rotate with a given key"])
@pytest.mark.converges
@pytest.mark.any_release
def test_bad_input_fails_before_any_change(case, cluster, runner, inventory):
    controller_name = next(iter(runner.get_hosts("slurmctld")))
    extravars, groups, message = _bad_runs(cluster, controller_name)[case]
    before_keys, before_pids = fingerprints(cluster), munged_pids(cluster)
    inv = _inventory_with(groups) if groups else inventory
    result = playbook.run("site.yml", inv, extravars)
    assert result.rc != 0, result.output[-2000:]
    assert message in result.output, result.output[-2000:]
    assert result.changed() == 0
    assert fingerprints(cluster) == before_keys
    assert munged_pids(cluster) == before_pids


@pytest.mark.converges
@pytest.mark.any_release
def test_rotation_replaces_the_key_everywhere_without_printing_it(cluster, inventory):
    before = fingerprints(cluster)
    pids = munged_pids(cluster)
    result = playbook.run("site.yml", inventory, {"munge_key_rotate": True}, verbosity=3)
    assert result.rc == 0, result.output[-3000:]
    after = fingerprints(cluster)
    assert len(set(after.values())) == 1, after
    assert set(after.values()).isdisjoint(before.values())
    new_pids = munged_pids(cluster)
    assert all(new_pids[n] != pids[n] for n in cluster), "munged was not restarted everywhere"
    assert not leaked(key_bytes(next(iter(cluster.values()))), result.output)
    assert_cross_decode(cluster)
    again = playbook.run("site.yml", inventory)
    assert again.rc == 0 and again.changed() == 0, again.output[-3000:]


@pytest.mark.converges
@pytest.mark.any_release
def test_supplied_key_wins_and_is_idempotent(cluster, inventory):
    supplied = os.urandom(128)
    b64 = base64.b64encode(supplied).decode()
    result = playbook.run("site.yml", inventory, {"munge_key": b64}, verbosity=2)
    assert result.rc == 0, result.output[-3000:]
    assert set(fingerprints(cluster).values()) == {hashlib.sha256(supplied).hexdigest()}
    assert not leaked(supplied, result.output)
    assert_cross_decode(cluster)
    again = playbook.run("site.yml", inventory, {"munge_key": b64})
    assert again.rc == 0 and again.changed() == 0, again.output[-3000:]
