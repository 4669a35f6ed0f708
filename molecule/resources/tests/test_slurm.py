"""Slurm as a user would check it: nodes idle, jobs run on every node inside their cgroups,
MPI across nodes, one slurm.conf everywhere, the RK1 node idle only thanks to config_overrides,
bad input refused before anything changes."""

from __future__ import annotations

import hashlib
import json
import re
import time

import base64
import os

import pytest

import playbook
from test_munge import _inventory_with


def wait_for(check, timeout=90, interval=2):
    """Poll ``check`` until it returns a truthy value; return the last value."""
    deadline = time.monotonic() + timeout
    value = check()
    while not value and time.monotonic() < deadline:
        time.sleep(interval)
        value = check()
    return value


@pytest.fixture(scope="module")
def compute(runner, inventory):
    import testinfra
    names = sorted(runner.get_hosts("slurmd"))
    return {n: testinfra.get_host("ansible://%s?ansible_inventory=%s" % (n, inventory)) for n in names}


def node_states(controller) -> dict:
    out = controller.check_output("sinfo -h -N -o '%N %T'")
    return dict(line.split() for line in out.splitlines() if line.strip())


def all_idle(controller, compute):
    states = node_states(controller)
    return states if len(states) == len(compute) and set(states.values()) == {"idle"} else None


def show_node(controller, name) -> str:
    return controller.check_output("scontrol show node %s" % name)


def rk1_node(compute):
    """The compute node that presents RK1 topology (the scenario's host_vars)."""
    for name, host in compute.items():
        if host.file("/opt/beowulf/topology").is_directory:
            return name, host
    pytest.fail("no compute node presents a captured RK1 tree")


def test_every_node_is_idle(controller, compute):
    assert wait_for(lambda: all_idle(controller, compute)), node_states(controller)


def test_services_enabled(controller, compute):
    assert controller.service("slurmctld").is_enabled and controller.service("slurmctld").is_running
    for name, host in compute.items():
        assert host.service("slurmd").is_enabled and host.service("slurmd").is_running, name


def test_slurm_conf_is_identical_everywhere(cluster):
    sums = {n: hashlib.sha256(h.file("/etc/slurm/slurm.conf").content).hexdigest() for n, h in cluster.items()}
    assert len(set(sums.values())) == 1, sums
    cgroup = {n: hashlib.sha256(h.file("/etc/slurm/cgroup.conf").content).hexdigest() for n, h in cluster.items()}
    assert len(set(cgroup.values())) == 1, cgroup


def test_srun_reaches_every_compute_node(controller, compute):
    count = len(compute)
    out = controller.check_output("srun -N%d hostname" % count)
    names = out.split()
    assert len(names) == count and len(set(names)) == count, out
    assert set(names) == {h.check_output("hostname -s") for h in compute.values()}


def test_sbatch_job_completes(controller):
    job = controller.run("sbatch --wait --parsable -N1 --wrap 'sleep 1; hostname'")
    assert job.rc == 0, job.stderr
    job_id = job.stdout.strip().split(";")[0]
    info = controller.check_output("scontrol show job %s", job_id)
    assert "JobState=COMPLETED" in info, info


# Prints the task's memory cgroup and the limit on its step (the task's parent): Slurm
# sets the limit on the job and step cgroups. Handles cgroup v1 and v2 hosts.
CGROUP_PROBE = (
    "if [ -f /sys/fs/cgroup/cgroup.controllers ]; then "
    "p=$(cut -d: -f3 /proc/self/cgroup); echo $p; cat /sys/fs/cgroup${p%/task_*}/memory.max; "
    "else p=$(awk -F: '$2 ~ /(^|,)memory(,|$)/ {print $3}' /proc/self/cgroup); echo $p; "
    "cat /sys/fs/cgroup/memory${p%/task_*}/memory.limit_in_bytes; fi"
)


def test_systemd_restarts_every_slurm_daemon_that_dies(controller, compute):
    """The role's drop-in (Restart=on-failure) is where systemd reads it, for each daemon of a host."""
    assert controller.check_output("systemctl show -p Restart --value slurmctld") == "on-failure"
    for name, host in compute.items():
        assert host.check_output("systemctl show -p Restart --value slurmd") == "on-failure", name
    for host in [controller] + list(compute.values()):
        dropins = host.check_output("ls /etc/systemd/system | grep '[.]service[.]d$' || true").split()
        assert set(dropins) <= {"slurmctld.service.d", "slurmd.service.d", "slurmdbd.service.d"}, dropins


@pytest.mark.converges
def test_the_next_run_reads_each_node_as_it_is_now(controller, compute, inventory, tmp_path):
    """site.yml's first play reads which daemons are enabled and running, and each node's topology,
    once per run: the roles start exactly the daemons stopped or disabled by hand (one change
    each) and leave the running ones alone; a fact cache holding a stale topology (here: one CPU,
    1 MiB) changes no node line."""
    names = sorted(compute)
    stopped_munge, disabled_slurmd, stopped_slurmd = names[0], names[1 % len(names)], names[-1]
    slurm_conf = controller.check_output("md5sum /etc/slurm/slurm.conf")
    cache = tmp_path / "facts"
    cache.mkdir()
    stale = {"hostname": "stale", "cpus": 1, "slurm": {"CPUs": 1, "RealMemory": 1}, "slurm_line": "CPUs=1 RealMemory=1"}
    for name in names:
        (cache / name).write_text(json.dumps({"beowulf_cpu_topology": dict(stale, hostname=name)}))
    compute[stopped_munge].check_output("systemctl stop munge")
    compute[disabled_slurmd].check_output("systemctl disable slurmd")
    compute[stopped_slurmd].check_output("systemctl stop slurmd")
    result = playbook.run("site.yml", inventory, environment={
        "ANSIBLE_CACHE_PLUGIN": "jsonfile", "ANSIBLE_CACHE_PLUGIN_CONNECTION": str(cache)})
    assert result.rc == 0, result.output[-3000:]
    for name, host in compute.items():
        for unit in ("munge", "slurmd"):
            assert host.service(unit).is_running and host.service(unit).is_enabled, (name, unit)
    started = {host: count for host, count in result.stats.get("changed", {}).items() if count}
    expected = {}
    for name in (stopped_munge, disabled_slurmd, stopped_slurmd):
        expected[name] = expected.get(name, 0) + 1
    assert started == expected, result.output[-3000:]
    assert controller.check_output("md5sum /etc/slurm/slurm.conf") == slurm_conf
    assert wait_for(lambda: all_idle(controller, compute), 90), node_states(controller)


def test_the_node_facts_kept_for_sleeping_nodes_are_json(controller, compute):
    facts = json.loads(controller.file("/etc/slurm/beowulf-node-facts.json").content_string)
    assert set(facts) == set(compute)
    assert all("slurm_line" in fact["topology"] for fact in facts.values())


def test_job_step_runs_in_its_cgroup_with_the_memory_limit(controller, compute):
    for name in compute:
        out = controller.check_output("srun -N1 -w %s --mem=123M sh -c %s", name, CGROUP_PROBE)
        path, limit = out.split()
        assert "slurm" in path and re.search(r"job_\d+", path) and "step_0" in path, out
        assert int(limit) == 123 * 1024 * 1024, out


def test_mpi_default_is_pmix_exactly_where_slurm_has_the_plugin(controller):
    """slurm_mpi_default: auto. Debian testing's Slurm 26.05 ships no mpi_pmix.so: there srun
    would refuse every job under MpiDefault=pmix."""
    has_plugin = controller.run("dpkg-query --listfiles slurm-wlm-basic-plugins | grep -q '/mpi_pmix[.]so$'").rc == 0
    config = controller.check_output("scontrol show config")
    expected = "pmix" if has_plugin else r"(none|\(null\))"  # scontrol shows none as (null)
    assert re.search(r"(?m)^MpiDefault\s*=\s*%s\s*$" % expected, config), config
    srun_list = controller.check_output("srun --mpi=list 2>&1")
    assert ("pmix" in srun_list) == has_plugin, srun_list


def test_mpi_allreduce_across_every_compute_node(controller, compute):
    count = len(compute)
    program = ("from mpi4py import MPI; c = MPI.COMM_WORLD; "
               "print(MPI.Get_processor_name(), c.Get_size(), c.allreduce(c.Get_rank() + 1))")
    # MpiDefault=pmix: srun starts the ranks; none (a Slurm without its PMIx plugin): mpirun does.
    config = controller.check_output("scontrol show config")
    if re.search(r"(?m)^MpiDefault\s*=\s*pmix", config):
        launch = "srun --mpi=pmix -N%d -n%d" % (count, count)
    else:
        launch = ("OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 salloc --quiet -N%d -n%d mpirun"
                  % (count, count))
    out = controller.check_output(launch + " python3 -c %s", program)
    lines = [line.split() for line in out.splitlines()]
    expected = count * (count + 1) // 2
    assert len(lines) == count, out
    assert {line[0] for line in lines} == set(compute), out
    assert all(line[1] == str(count) and line[2] == str(expected) for line in lines), out


def test_rk1_node_gets_a_full_8_cpu_line_and_config_overrides(controller, compute):
    name, _host = rk1_node(compute)
    conf = controller.file("/etc/slurm/slurm.conf").content_string
    line = next(l for l in conf.splitlines() if l.startswith("NodeName=%s " % name))
    params = dict(p.split("=", 1) for p in line.split()[1:])
    assert params["CPUs"] == "8"
    assert int(params["SocketsPerBoard"]) * int(params["CoresPerSocket"]) * int(params["ThreadsPerCore"]) == 8
    assert re.search(r"^SlurmdParameters=.*config_overrides", conf, re.M), "auto should turn overrides on"
    node = show_node(controller, name)
    assert "CPUTot=8" in node and re.search(r"State=IDLE\b", node), node


def _refused_before_any_change(controller, cluster, inventory, cases: dict) -> None:
    """Each case's site.yml run fails naming its message, changes nothing, restarts nothing."""
    before = {n: h.file("/etc/slurm/slurm.conf").sha256sum for n, h in cluster.items()}
    pid = controller.check_output("systemctl show -p MainPID --value slurmctld")
    for label, (extravars, message) in cases.items():
        result = playbook.run("site.yml", inventory, extravars)
        assert result.rc != 0, label
        assert message in result.output, (label, result.output[-2000:])
        assert result.changed() == 0, label
    assert {n: h.file("/etc/slurm/slurm.conf").sha256sum for n, h in cluster.items()} == before
    assert controller.check_output("systemctl show -p MainPID --value slurmctld") == pid


@pytest.mark.converges
def test_slurm_config_keys_are_checked_against_the_installed_release(controller, cluster, inventory):
    installed = controller.check_output("dpkg-query --show --showformat '${Version}' slurmctld")
    # A key of a newer Slurm on 22.05, a removed one on 24.11 and later: named with the version.
    newer_or_gone = ("MetricsType", "it came in 25.11") if installed.startswith("22.05") \
        else ("FrontendName", "it was removed after 24.11")
    _refused_before_any_change(controller, cluster, inventory, {
        "slurm_config key of another release": (
            {"slurm_config": {newer_or_gone[0]: "x"}},
            "slurm_config.{0}: Slurm {1} does not know the key {0} ({2})".format(
                newer_or_gone[0], installed, newer_or_gone[1])),
        "slurm_config key no release has": ({"slurm_config": {"MaxJobCont": 5}},
                                            "check the spelling"),
    })


@pytest.mark.converges
@pytest.mark.any_release
def test_bad_input_is_refused_before_any_change(controller, cluster, inventory):
    _refused_before_any_change(controller, cluster, inventory, {
        "slurm_partitions": ({"slurm_partitions": [{"name": "p", "nodes": ["no-such-node"]}]},
                             "slurm_partitions[0].nodes names hosts that are not in group slurmd: no-such-node"),
        "slurm_config": ({"slurm_config": {"MpiDefault": {"nested": 1}}},
                         "slurm_config.MpiDefault must be a string or a number"),
        "slurm_config_overrides": ({"slurm_config_overrides": "sometimes"},
                                   "slurm_config_overrides must be one of auto, true, false"),
        "slurm_upgrade": ({"slurm_upgrade": "perhaps"},
                          "argument 'slurm_upgrade' is of type str and we were unable to convert to bool"),
        "slurm_configless": ({"slurm_configless": "sometimes"},
                             "argument 'slurm_configless' is of type str and we were unable to convert to bool"),
        "slurm_apt_default_release": ({"slurm_apt_default_release": "no-such-suite"},
                                      'slurm_apt_default_release: "no-such-suite" is not a release in the apt '
                                      'sources of'),
        # Ansible's own argument check passes these (as "['testing']" and {"MaxJobCount": "5"}).
        "release as a list": ({"slurm_apt_default_release": ["testing"]},
                              "slurm_apt_default_release must be a string, got a list (every host)"),
        "slurm_config as key=value text": ({"slurm_config": "MaxJobCount=5"},
                                           "slurm_config must be a dictionary, got a string ('MaxJobCount=5')"),
        "CpuSpecList": ({"slurm_reserve_little_cores": True, "slurm_config": {"TaskPlugin": "task/affinity"}},
                        "needs TaskPlugin with task/cgroup"),
    })


@pytest.mark.converges
def test_a_slurm_upgrade_slurm_cannot_make_in_place_is_refused_before_any_change(controller, cluster, inventory,
                                                                                 runner):
    """apt on the controller offers another Debian release's Slurm: Debian 13's to Debian 12
    (22.05 -> 24.11 skips three major releases), Debian 12's pinned above the installed one to
    Debian 13 (a downgrade). slurm_upgrade=true names both versions and changes nothing."""
    installed = controller.check_output("dpkg-query --show --showformat '${Version}' slurmctld")
    suite = "trixie" if installed.startswith("22.05") else "bookworm"
    # The Debian mirror the host already uses (one-line sources.list or deb822 .sources).
    sources = controller.run("cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list "
                             "/etc/apt/sources.list.d/*.sources 2>/dev/null").stdout
    mirror = re.search(r"^(?:deb|URIs:)\s+(https?://\S+/debian)/?\s", sources, re.M).group(1)
    source, pin = "/etc/apt/sources.list.d/beowulf-test.sources", "/etc/apt/preferences.d/beowulf-test"
    only_it = ("-o Dir::Etc::sourcelist=%s -o Dir::Etc::sourceparts=- -o APT::Get::List-Cleanup=0" % source)
    pid = controller.check_output("systemctl show -p MainPID --value slurmctld")
    before = {n: h.file("/etc/slurm/slurm.conf").sha256sum for n, h in cluster.items()}
    try:
        controller.check_output("printf 'Types: deb\nURIs: %s\nSuites: %s\nComponents: main\n"
                                "Trusted: yes\n' > %s" % (mirror, suite, source))
        if suite == "bookworm":
            controller.check_output("printf 'Package: slurm*\nPin: release n=bookworm\nPin-Priority: 1001\n' > %s"
                                    % pin)
        controller.check_output("apt-get update -qq %s" % only_it)
        offered = re.search(r"Candidate:\s*(\S+)", controller.check_output("apt-cache policy slurm-client")).group(1)
        assert offered.split(".")[:2] != installed.split(".")[:2], offered
        result = playbook.run("site.yml", inventory, {"slurm_upgrade": True})
        assert result.rc != 0
        message = "slurm_upgrade: slurmdbd and slurmctld on %s" % next(iter(runner.get_hosts("slurmctld")))
        assert message in result.output and installed in result.output and offered in result.output, \
            result.output[-2000:]
        assert "nothing was changed" in result.output
        assert result.changed() == 0
    finally:
        controller.run("rm -f %s %s && apt-get update -qq" % (source, pin))
    assert controller.check_output("dpkg-query --show --showformat '${Version}' slurmctld") == installed
    assert controller.check_output("systemctl show -p MainPID --value slurmctld") == pid
    assert {n: h.file("/etc/slurm/slurm.conf").sha256sum for n, h in cluster.items()} == before


@pytest.mark.converges
@pytest.mark.any_release
@pytest.mark.parametrize("controllers", [0, 2])
def test_controller_count_is_checked_before_any_change(controllers, controller, cluster, runner):
    """With a munge_key given (so MUNGE needs no controller), Slurm still needs exactly one."""
    ctl = next(iter(runner.get_hosts("slurmctld")))
    nodes = sorted(runner.get_hosts("slurmd"))
    groups = {"slurmctld": [ctl, nodes[0]][:controllers], "slurmd": nodes}
    before = {n: h.file("/etc/slurm/slurm.conf").sha256sum for n, h in cluster.items()}
    result = playbook.run("site.yml", _inventory_with(groups),
                          {"munge_key": base64.b64encode(os.urandom(64)).decode()})
    assert result.rc != 0
    assert "group slurmctld must hold exactly one host (the controller); it holds %d" % controllers in result.output
    assert result.changed() == 0
    assert {n: h.file("/etc/slurm/slurm.conf").sha256sum for n, h in cluster.items()} == before


@pytest.mark.converges
def test_without_config_overrides_the_rk1_node_is_invalid(controller, compute, inventory):
    """The policy matters: with overrides off, the 8-CPU line on 2 real CPUs is rejected."""
    name, _host = rk1_node(compute)
    off = playbook.run("site.yml", inventory, {"slurm_config_overrides": False})
    assert off.rc == 0, off.output[-3000:]
    assert "config_overrides" not in controller.file("/etc/slurm/slurm.conf").content_string

    def rejected():
        node = show_node(controller, name)
        return node if "Low socket*core*thread count" in node and re.search(r"State=\S*(INVAL|DRAIN)", node) else None

    assert wait_for(rejected, timeout=60), show_node(controller, name)

    back = playbook.run("site.yml", inventory)
    assert back.rc == 0, back.output[-3000:]
    assert wait_for(lambda: all_idle(controller, compute)), node_states(controller)
    # Nothing newer offered: slurm_upgrade checks every host's versions and changes nothing either.
    again = playbook.run("site.yml", inventory, {"slurm_upgrade": True})
    assert again.rc == 0 and again.changed() == 0, again.output[-3000:]


def slurmd_args(host) -> str:
    return host.check_output("ps -o args= -C slurmd")


def running(controller, job: str) -> bool:
    return controller.check_output("squeue -h -j %s -o %%T" % job).strip() == "RUNNING"


@pytest.mark.converges
@pytest.mark.configless
def test_configless_on_and_off_with_jobs_running(controller, compute, inventory):
    """slurm_configless=true on a running cluster, a job on every node: the compute nodes lose
    their slurm.conf and cgroup.conf and run slurmd with --conf-server; a job's own srun on a
    node reads the fetched file; a change that needs only a reconfigure reaches every node without
    a slurmd restart; a second run changes nothing; off again, the files come back. The job
    started before all of it is still running at the end."""
    count = len(compute)
    job = controller.check_output(
        "sbatch --parsable -N%d --ntasks-per-node=1 -o /dev/null --wrap 'srun sleep 900'" % count).strip()
    assert wait_for(lambda: running(controller, job), 60), node_states(controller)
    on = playbook.run("site.yml", inventory, {"slurm_configless": True})
    assert on.rc == 0, on.output[-3000:]
    assert "enable_configless" in controller.file("/etc/slurm/slurm.conf").content_string
    for name, host in compute.items():
        assert not host.file("/etc/slurm/slurm.conf").exists, name
        assert not host.file("/etc/slurm/cgroup.conf").exists, name
        assert "--conf-server" in slurmd_args(host), (name, slurmd_args(host))
    assert wait_for(lambda: set(node_states(controller).values()) == {"mixed"}, 90), node_states(controller)
    assert running(controller, job)
    # A batch script runs on a compute node: its scontrol and srun read the configuration slurmd fetched.
    name, host = sorted(compute.items())[0]
    inner = controller.check_output(
        "sbatch --parsable -w %s -o /tmp/configless-%%j.out --wrap "
        "'scontrol show config | grep -i ^SlurmctldParameters; srun hostname'" % name).strip()
    assert wait_for(lambda: "COMPLETED" in controller.check_output("sacct -n -X -j %s -o State" % inner), 90), \
        controller.check_output("sacct -j %s; sinfo -N" % inner)
    output = host.file("/tmp/configless-%s.out" % inner).content_string
    assert "enable_configless" in output and name in output.split(), output

    pids = {name: host.check_output("pgrep -x slurmd") for name, host in compute.items()}
    change = {"slurm_configless": True, "slurm_config": {"SchedulerParameters": "bf_interval=31"}}
    changed = playbook.run("site.yml", inventory, change)
    assert changed.rc == 0, changed.output[-3000:]
    for name, host in compute.items():
        assert wait_for(lambda h=host: "bf_interval=31" in h.check_output(
            "cat /run/slurm/conf/slurm.conf 2>/dev/null || true"), 60), name
    # No slurmd restart: the handler did not run (from 23.11.4 the reconfigure itself starts new
    # daemon processes, so the pids compare on 22.05 only).
    assert "TASK [beowulf.slurm.slurm : Restart slurmd]" not in changed.output, changed.output[-3000:]
    if controller.check_output("dpkg-query --show --showformat '${Version}' slurmctld").startswith("22.05"):
        assert {name: host.check_output("pgrep -x slurmd") for name, host in compute.items()} == pids, \
            "a slurmd was restarted for a change the reconfigure applies"
    again = playbook.run("site.yml", inventory, change)
    assert again.rc == 0 and again.changed() == 0, again.output[-3000:]

    off = playbook.run("site.yml", inventory)
    assert off.rc == 0, off.output[-3000:]
    assert "enable_configless" not in controller.file("/etc/slurm/slurm.conf").content_string
    for name, host in compute.items():
        assert host.file("/etc/slurm/slurm.conf").content == controller.file("/etc/slurm/slurm.conf").content, name
        assert "--conf-server" not in slurmd_args(host), name
    assert wait_for(lambda: set(node_states(controller).values()) == {"mixed"}, 90), node_states(controller)
    assert running(controller, job)
    controller.check_output("scancel %s" % job)
    assert wait_for(lambda: all_idle(controller, compute), 90), node_states(controller)


def test_the_users_smoke_playbook_passes_and_changes_nothing(inventory):
    result = playbook.run("verify.yml", inventory)
    assert result.rc == 0, result.output[-3000:]
    assert result.changed() == 0
    assert "MPI (host rank size sum)" in result.output
