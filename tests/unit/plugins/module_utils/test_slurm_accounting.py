"""The slurm role's accounting settings, checked together and named."""

from __future__ import annotations

import pytest

from ansible_collections.beowulf.slurm.plugins.module_utils.slurm_accounting import accounting_errors

GOOD = {"dbd_hosts": ["ctl"], "pass_is_text": True, "storage_host": "localhost",
        "accounts": [{"name": "users"}, {"name": "physics", "users": ["alice", "bob"], "description": "x"}],
        "mariadb_settings": {"innodb_lock_wait_timeout": 900, "innodb_buffer_pool_size": "256M"}}


def errors(**changes):
    return accounting_errors(**dict(GOOD, **changes))


@pytest.mark.parametrize("host", ["localhost", "db.example.org", "10.0.0.5", "[fe80::1]", "fe80::1", ""])
def test_good_settings_pass(host):
    assert errors(storage_host=host) == []


@pytest.mark.parametrize("changes, words", [
    ({"dbd_hosts": ["a", "b"]}, "group slurmdbd must hold at most one host (it holds a, b)"),
    ({"pass_is_text": False}, "slurm_dbd_storage_pass must be a string (quote it"),
    ({"storage_host": "bad host!"}, "slurm_dbd_storage_host must be a host name or an address, got 'bad host!'"),
    ({"storage_host": 5}, "slurm_dbd_storage_host must be a host name or an address, got 5"),
    ({"accounts": "users"}, "slurm_accounts must be a list of accounts"),
    ({"accounts": [{"description": "no name"}]}, "slurm_accounts: each account needs a name"),
    ({"accounts": [{"name": "a b"}]}, "slurm_accounts: each account needs a name"),
    ({"accounts": [{"name": "p", "users": "alice"}]}, "and users as a list of names"),
    ({"accounts": [{"name": "p", "users": [1]}]}, "and users as a list of names"),
    ({"accounts": [{"name": "p"}, {"name": "p"}]}, "slurm_accounts names an account twice: p"),
    ({"mariadb_settings": "innodb_lock_wait_timeout=900"}, "slurm_dbd_mariadb_settings must be a dict"),
    ({"mariadb_settings": {"innodb_lock_wait_timeout": True}}, "not so: innodb_lock_wait_timeout"),
    ({"mariadb_settings": {"bad name": "1"}}, "not so: bad name"),
    ({"mariadb_settings": {"x": [1]}}, "not so: x"),
])
def test_each_problem_is_named(changes, words):
    found = errors(**changes)
    assert len(found) == 1 and words in found[0], found


def test_every_problem_is_said_at_once():
    found = errors(dbd_hosts=["a", "b"], storage_host="bad host!", mariadb_settings="x")
    assert [line.split()[0] for line in found] == ["group", "slurm_dbd_storage_host", "slurm_dbd_mariadb_settings"]
