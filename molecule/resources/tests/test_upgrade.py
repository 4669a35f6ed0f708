"""A Slurm upgrade that goes through, as an admin would run it on a live cluster: Debian 13's
Slurm 24.11 to Debian testing's 26.05 (three major releases apart, within what 26.05 reads),
the suite added at a low pin priority as backports are, ``slurm_apt_default_release`` naming it.

While one job runs and another waits for it, ``site.yml -e slurm_upgrade=true`` upgrades
slurmdbd, then slurmctld, then every slurmd (dpkg's own log on each host gives the order); both
jobs end COMPLETED with the ids they had, sacct still holds every earlier job, every node
reports the new version and idles, and a second run changes nothing.

It changes the cluster's Slurm for good, so it runs last (conftest.py) and only where the
scenario selects it (marker ``upgrade``: the Debian 13 scenario).
"""

from __future__ import annotations

import re

import pytest

import playbook
from test_slurm import wait_for

pytestmark = pytest.mark.upgrade

SUITE = "testing"
GO = "/var/tmp/beowulf-upgrade-go"  # the running job waits for this file on its node


def _version(host, package: str) -> str:
    return host.check_output("dpkg-query --show --showformat '${Version}' %s" % package)


def _upgraded_at(host, package: str, version: str) -> str:
    """When dpkg finished upgrading ``package`` to ``version`` (its log's timestamp)."""
    line = [entry for entry in host.check_output("grep -h ' status installed %s:' /var/log/dpkg.log" % package)
            .splitlines() if entry.endswith(" " + version)]
    assert line, (host.backend.hostname, package, version)
    return line[-1][:19]


def _job(controller, job_id: str) -> str:
    return controller.check_output("scontrol show job %s", job_id)


def _add_the_newer_suite(cluster) -> None:
    """On every host: the suite that carries the newer Slurm, pinned low (nothing else moves)."""
    for host in cluster.values():
        sources = host.run("cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list "
                           "/etc/apt/sources.list.d/*.sources 2>/dev/null").stdout
        mirror = re.search(r"^(?:deb|URIs:)\s+(https?://\S+/debian)/?\s", sources, re.M).group(1)
        host.check_output("printf 'Types: deb\\nURIs: %s\\nSuites: %s\\nComponents: main\\n' "
                          "> /etc/apt/sources.list.d/beowulf-upgrade.sources" % (mirror, SUITE))
        host.check_output("printf 'Package: *\\nPin: release a=%s\\nPin-Priority: 100\\n' "
                          "> /etc/apt/preferences.d/beowulf-upgrade" % SUITE)
        # A snapshot mirror's testing Release may carry a Valid-Until in the past.
        host.check_output("echo 'Acquire::Check-Valid-Until \"false\";' > /etc/apt/apt.conf.d/99beowulf-upgrade")


def test_slurm_upgrades_in_order_while_a_job_runs_and_no_job_is_lost(controller, cluster, inventory, runner):
    ctl_name = next(iter(runner.get_hosts("slurmctld")))
    nodes = sorted(runner.get_hosts("slurmd"))
    old = _version(controller, "slurmctld")
    assert old.startswith("24.11"), "this test upgrades Debian 13's Slurm 24.11; the controller runs %s" % old

    earlier = set(controller.check_output("sacct -n -P -X -a -S now-1days -o JobID").split())
    assert earlier, "the scenario's earlier checks ran jobs that accounting should hold"
    running = controller.check_output(
        "sbatch --parsable -o /dev/null -N1 -w %s --wrap 'while [ ! -e %s ]; do sleep 1; done'" % (nodes[-1], GO)
    ).strip()
    waiting = controller.check_output(
        "sbatch --parsable -o /dev/null -N1 --dependency=afterok:%s --wrap true" % running).strip()
    assert wait_for(lambda: "JobState=RUNNING" in _job(controller, running), timeout=60), _job(controller, running)
    assert "JobState=PENDING" in _job(controller, waiting)

    _add_the_newer_suite(cluster)
    result = playbook.run("site.yml", inventory, {"slurm_upgrade": True, "slurm_apt_default_release": SUITE})
    assert result.rc == 0, result.output[-4000:]

    new = _version(controller, "slurmctld")
    assert new.startswith("26.05"), new
    # Slurm's order, read from each host's dpkg log: slurmdbd, then slurmctld, then every slurmd.
    dbd_at = _upgraded_at(controller, "slurmdbd", new)
    ctld_at = _upgraded_at(controller, "slurmctld", new)
    slurmd_at = {name: _upgraded_at(cluster[name], "slurmd", new) for name in nodes}
    assert dbd_at <= ctld_at <= min(slurmd_at.values()), (dbd_at, ctld_at, slurmd_at)

    # Every node runs the new slurmd and is back in service; the controller answers as 26.05.
    assert "26.05" in controller.check_output("scontrol version")
    for name in nodes:
        assert wait_for(lambda name=name: re.search(r"Version=26\.05", controller.check_output(
            "scontrol show node %s", name)), timeout=120), controller.check_output("scontrol show node %s", name)

    # The job that ran through the upgrade is the same job, still running; then both complete.
    assert "JobState=RUNNING" in _job(controller, running), _job(controller, running)
    cluster[nodes[-1]].check_output("touch %s" % GO)
    for job_id in (running, waiting):
        assert wait_for(lambda job_id=job_id: "%s|COMPLETED" % job_id in controller.run(
            "sacct -n -P -X -j %s -o JobID,State", job_id).stdout, timeout=180), \
            controller.run("sacct -n -P -X -j %s -o JobID,State,Reason", job_id).stdout
    assert earlier <= set(controller.check_output("sacct -n -P -X -a -S now-1days -o JobID").split())
    assert wait_for(lambda: set(controller.check_output("sinfo -h -N -o '%T'").split()) == {"idle"}, timeout=120), \
        controller.check_output("sinfo -N")
    # A new job runs on every node under the new Slurm.
    hosts = controller.check_output("srun -N%d hostname" % len(nodes)).split()
    assert sorted(hosts) == sorted(cluster[name].check_output("hostname") for name in nodes)

    again = playbook.run("site.yml", inventory, {"slurm_upgrade": True, "slurm_apt_default_release": SUITE})
    assert again.rc == 0 and again.changed() == 0, again.output[-3000:]
    assert _version(controller, "slurmctld") == new and ctl_name in cluster
