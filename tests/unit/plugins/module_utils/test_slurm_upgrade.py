from __future__ import annotations

import pytest

from ansible_collections.beowulf.slurm.plugins.module_utils import slurm_upgrade as su

D12, D13, TESTING = "22.05.8-4+deb12u3", "24.11.5-4", "26.05.5-1"


@pytest.mark.parametrize("version, expected", [
    (D12, "22.05"), (D13, "24.11"), ("1:26.05.5-1", "26.05"), ("(none)", None), (None, None), ("", None),
])
def test_release_of_a_debian_version(version, expected):
    assert su.release(version) == expected


@pytest.mark.parametrize("current, target", [
    (D12, D12), ("22.05.8-1", D12), ("23.11.4", "24.11.5"), ("23.02.7", "24.11.5"), (D13, TESTING),
    ("24.05.1", "25.05.0"), (None, D13), (D12, None),
])
def test_supported_steps_pass(current, target):
    assert su.jump_error(current, target) is None


def test_debian_12_to_13_is_refused_with_both_versions():
    error = su.jump_error(D12, D13)
    assert D12 in error and D13 in error and "skips 3 major releases" in error and "state of the 3" in error


def test_before_24_11_two_releases_back_only():
    assert su.jump_error("22.05.8", "23.11.4") is None
    assert "skips 2" in su.jump_error("22.05.8", "24.05.1")


def test_a_downgrade_is_refused():
    assert "downgrade" in su.jump_error(D13, D12)


def test_a_release_newer_than_the_table_counts_as_after_it():
    assert su.jump_error("26.05.1", "27.05.0") is None
    assert su.jump_error(D12, "27.05.0") is not None


def test_apt_policy_parsing():
    text = """slurm-client:
  Installed: 22.05.8-4+deb12u3
  Candidate: 24.11.5-4
  Version table:
     24.11.5-4 500
"""
    assert su.parse_apt_policy(text) == {"installed": D12, "candidate": D13}
    assert su.parse_apt_policy("slurm-client:\n  Installed: (none)\n  Candidate: 22.05.8-4\n") == \
        {"installed": None, "candidate": "22.05.8-4"}
    assert su.parse_apt_policy("") == {"installed": None, "candidate": None}


def cluster(ctl=(D12, D12), node=(D12, D12), dbd=True):
    roles = ["slurmctld"] + (["slurmdbd"] if dbd else [])
    return {"node3": {"roles": roles, "installed": ctl[0], "candidate": ctl[1]},
            "node1": {"roles": ["slurmd"], "installed": node[0], "candidate": node[1]}}


def test_an_unsupported_upgrade_is_refused_only_when_asked_for():
    hosts = cluster(ctl=(D12, D13), node=(D12, D12))
    assert su.upgrade_errors(hosts, upgrade=False) == []
    errors = su.upgrade_errors(hosts, upgrade=True)
    assert len(errors) == 1
    assert errors[0].startswith("slurm_upgrade: slurmctld and slurmdbd on node3:") or \
        errors[0].startswith("slurm_upgrade: slurmdbd and slurmctld on node3:")
    assert D12 in errors[0] and D13 in errors[0] and "nothing was changed" in errors[0]


def test_a_supported_upgrade_passes():
    assert su.upgrade_errors(cluster(ctl=(D13, TESTING), node=(D13, TESTING)), upgrade=True) == []


def test_a_new_node_newer_than_the_controller_is_refused():
    errors = su.upgrade_errors(cluster(ctl=(D12, D12), node=(None, D13)), upgrade=False)
    assert len(errors) == 1 and "slurmd 24.11.5-4 on node1 would be newer than slurmctld 22.05.8" in errors[0]
    assert su.node_error("node1", D13, "node3", D12) == errors[0]
    assert su.node_error("node1", D12, "node3", D12) is None
    assert su.node_error("node1", None, "node3", D12) is None


def test_a_node_too_far_behind_the_controller_is_refused():
    errors = su.upgrade_errors(cluster(ctl=(TESTING, TESTING), node=(D12, D12)), upgrade=False)
    assert len(errors) == 1 and "more than 3 major releases behind" in errors[0]


def test_a_compute_node_downgrade_is_refused():
    errors = su.upgrade_errors(cluster(ctl=(D13, D13), node=(TESTING, D13)), upgrade=True)
    assert any("downgrade" in e and "node1" in e for e in errors)


def test_unknown_versions_are_not_guessed():
    assert su.upgrade_errors(cluster(ctl=(None, None), node=(None, None)), upgrade=True) == []


POLICY = """slurmctld:
  Installed: %s
  Candidate: %s
  Version table:
"""


@pytest.mark.parametrize("installed, candidate, upgrade, expected", [
    (D12, D12, False, D12), (D13, TESTING, False, D13), (D13, TESTING, True, TESTING),
    ("(none)", TESTING, False, TESTING), ("(none)", "(none)", False, ""),
])
def test_the_version_a_host_runs_after_the_converge(installed, candidate, upgrade, expected):
    assert su.planned_version(POLICY % (installed, candidate), upgrade) == expected


def test_no_package_known_to_apt_means_no_version():
    assert su.planned_version("N: Unable to locate package slurmctld\n", False) == ""
