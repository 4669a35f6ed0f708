"""Accounting as a user checks it: slurmdbd on MariaDB, sacct shows what ran, accounts exist,
the password stays secret, records survive a slurmdbd restart, bad input changes nothing."""

from __future__ import annotations

import pytest

import playbook
from test_slurm import wait_for


def test_mariadb_and_slurmdbd_run_on_the_controller(controller):
    for service in ("mariadb", "slurmdbd"):
        assert controller.service(service).is_enabled and controller.service(service).is_running, service
    conf = controller.file("/etc/slurm/slurm.conf").content_string
    assert "AccountingStorageType=accounting_storage/slurmdbd\n" in conf


def test_mariadb_is_set_up_as_slurm_asks(controller):
    """Slurm's accounting guide: no "not recommended values" from slurmdbd, and MariaDB 11.6's
    snapshot isolation (slurmdbd stops on a write conflict under it) off where MariaDB has it."""
    pid = controller.check_output("systemctl show -p MainPID --value slurmdbd")
    log = controller.check_output("journalctl --no-pager -o cat _PID=%s", pid)
    assert "not recommended values" not in log and "innodb_snapshot_isolation" not in log, log[-2000:]
    cnf = controller.file("/etc/mysql/mariadb.conf.d/60-beowulf-slurmdbd.cnf")
    assert (cnf.user, cnf.mode) == ("root", 0o644)
    timeout, pool = controller.check_output(
        "mysql -N -e 'select @@innodb_lock_wait_timeout, @@innodb_buffer_pool_size'").split()
    assert (int(timeout), int(pool)) == (900, 2048 * 1024 * 1024)
    has_isolation = controller.run("mysql -N -e 'select @@innodb_snapshot_isolation'")
    assert has_isolation.rc != 0 or has_isolation.stdout.strip() == "0", has_isolation.stdout


def test_the_password_is_secret(controller, cluster):
    dbd = controller.file("/etc/slurm/slurmdbd.conf")
    assert (dbd.mode, dbd.user) == (0o600, "slurm")
    kept = controller.file("/etc/slurm/slurmdbd.dbpass")
    assert (kept.mode, kept.user) == (0o600, "root")
    password = controller.check_output("cat /etc/slurm/slurmdbd.dbpass").strip()
    assert len(password) == 32
    assert "StoragePass=%s\n" % password in dbd.content_string
    for name, host in cluster.items():
        assert password not in host.file("/etc/slurm/slurm.conf").content_string, name
    # Nothing the journal or a world-readable log holds.
    assert password not in controller.check_output("journalctl --no-pager -o cat 2>/dev/null | tail -n 2000 || true")


def test_sacct_shows_a_job_that_ran_and_the_account_exists(controller):
    job = controller.check_output("sbatch --parsable -o /dev/null --wrap 'sleep 1'").strip()

    def recorded():
        out = controller.run("sacct -n -P -X -j %s -o JobID,State,Elapsed", job).stdout
        return out if "%s|COMPLETED|" % job in out else None

    assert wait_for(recorded, timeout=90), controller.run("sacct -n -P -X -j %s", job).stdout
    assert "users" in controller.check_output("sacctmgr -n -P show account format=account").split()
    assert controller.run("sreport -n -P cluster utilization start=now-1days").rc == 0


@pytest.mark.converges
def test_records_written_while_slurmdbd_is_down_are_kept(controller):
    controller.check_output("systemctl stop slurmdbd")
    try:
        job = controller.check_output("sbatch --parsable -o /dev/null --wrap true").strip()
        assert wait_for(lambda: "JobState=COMPLETED" in controller.run("scontrol show job %s", job).stdout
                        or controller.run("scontrol show job %s", job).rc != 0, timeout=60)
    finally:
        controller.check_output("systemctl start slurmdbd")
    assert wait_for(lambda: "%s|COMPLETED" % job in controller.run("sacct -n -P -X -j %s -o JobID,State", job).stdout,
                    timeout=120), controller.run("sacct -n -P -X -j %s", job).stdout


@pytest.mark.converges
def test_users_are_added_once_and_the_database_is_kept(controller, inventory):
    jobs = set(controller.check_output("sacct -n -P -X -a -S now-1days -o JobID").split())
    accounts = {"slurm_accounts": [{"name": "users"}, {"name": "physics", "users": ["alice", "bob"]}]}
    added = playbook.run("site.yml", inventory, accounts)
    assert added.rc == 0, added.output[-3000:]
    assert added.changed() >= 2  # the account, the users
    assoc = controller.check_output("sacctmgr -n -P show assoc account=physics format=account,user")
    assert {"physics|alice", "physics|bob"} <= set(assoc.split()), assoc
    again = playbook.run("site.yml", inventory, accounts)
    assert again.rc == 0 and again.changed() == 0, again.output[-3000:]
    assert jobs <= set(controller.check_output("sacct -n -P -X -a -S now-1days -o JobID").split())


@pytest.mark.parametrize("extravars, message", [
    ({"slurm_accounts": [{"description": "no name"}]}, "slurm_accounts"),
    ({"slurm_dbd_storage_host": "bad host!"}, "slurm_dbd_storage_host must be a host name or an address"),
    ({"slurm_dbd_storage_pass": ["not", "a", "string"]}, "slurm_dbd_storage_pass"),
    ({"slurm_dbd_mariadb_settings": {"innodb_lock_wait_timeout": True}},
     "slurm_dbd_mariadb_settings must be a dict of MariaDB options"),
    ({"slurm_dbd_mariadb_settings": "innodb_lock_wait_timeout=900"}, "slurm_dbd_mariadb_settings"),
], ids=["account-without-name", "bad-storage-host", "password-not-a-string", "mariadb-value-bool",
        "mariadb-settings-not-a-dict"])
@pytest.mark.converges
@pytest.mark.any_release
def test_bad_accounting_input_changes_nothing(controller, inventory, extravars, message):
    before = controller.file("/etc/slurm/slurmdbd.conf").sha256sum
    result = playbook.run("site.yml", inventory, extravars)
    assert result.rc != 0
    assert message in result.output, result.output[-2000:]
    assert result.changed() == 0
    assert controller.file("/etc/slurm/slurmdbd.conf").sha256sum == before
