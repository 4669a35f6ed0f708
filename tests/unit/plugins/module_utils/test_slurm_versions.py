from __future__ import annotations

import pathlib

import pytest
import yaml

from ansible_collections.beowulf.slurm.plugins.module_utils import slurm_versions as sv

D12, D13, TESTING = "22.05.8-4+deb12u3", "24.11.5-4+deb13u1", "26.05.5-1"
ROLE = pathlib.Path(__file__).resolve().parents[4] / "roles" / "slurm" / "defaults" / "main.yml"


@pytest.mark.parametrize("version", [D12, D13, TESTING, "23.11.4-1ubuntu1", "25.11.2-1"])
def test_every_default_of_the_role_is_accepted_by_every_packaged_release(version):
    defaults = yaml.safe_load(ROLE.read_text())
    settings = {"slurm.conf": dict(defaults["slurm_config_defaults"], SlurmctldHost="ctl",
                                   SlurmdParameters="config_overrides", TmpFS="/scratch",
                                   AccountingStorageType="accounting_storage/slurmdbd",
                                   AccountingStorageHost="ctl", SuspendProgram="/x", ResumeProgram="/y",
                                   SuspendTime=600, ResumeTimeout=300, SuspendTimeout=60, SuspendExcNodes="n1",
                                   SuspendRate=1, ResumeRate=1, DefMemPerCPU=1000, MaxJobCount=10000),
                "cgroup.conf": defaults["slurm_cgroup_config_defaults"]}
    assert sv.key_errors(version, settings) == []


@pytest.mark.parametrize("key, version, fragment", [
    ("MetricsType", "25.05.8", "Slurm 25.05.8 does not know the key MetricsType (it came in 25.11)"),
    ("FrontendName", "25.11.1", "(it was removed after 24.11)"),
    ("MaxJobCont", D13, "no Slurm release from 22.05 to 26.05 has it: check the spelling"),
    ("PowerPlugin", D13, "PowerPlugin is defunct since Slurm 24.05: Slurm %s ignores it" % D13),
    ("FastSchedule", D12, "refuses to start with FastSchedule in slurm.conf (use SlurmdParameters=config_overrides"),
    ("SlurmctldPlugstack", TESTING, "(it was removed after 22.05)"),
])
def test_a_key_the_release_would_not_start_with_is_named_with_the_version(key, version, fragment):
    error = sv.key_error("slurm.conf", key, version)
    assert error.startswith("slurm_config.%s: " % key) and fragment in error


@pytest.mark.parametrize("key, version", [("MetricsType", TESTING), ("maxjobcount", D12), ("MetricsType", "27.05.1"),
                                          ("AnythingAtAll", "20.11.7"), ("AnythingAtAll", "")])
def test_known_keys_any_case_and_releases_outside_the_table_pass(key, version):
    assert sv.key_error("slurm.conf", key, version) is None


def test_a_cgroup_key_from_a_point_release():
    error = sv.key_error("cgroup.conf", "CgroupJobIdPaths", "26.05.1-1")
    assert error.startswith("slurm_cgroup_config.CgroupJobIdPaths: ") and "(it came in 26.05.2)" in error
    assert sv.key_error("cgroup.conf", "CgroupJobIdPaths", TESTING) is None
    assert "came in 26.05" in sv.key_error("cgroup.conf", "CgroupJobIdPaths", D13)


def test_removed_cgroup_keys_and_defunct_automount():
    assert "removed after 23.02" in sv.key_error("cgroup.conf", "ConstrainKmemSpace", D13)
    assert sv.key_error("cgroup.conf", "ConstrainKmemSpace", D12) is None
    assert "defunct since Slurm 23.11" in sv.key_error("cgroup.conf", "CgroupAutomount", TESTING)
    assert sv.key_error("cgroup.conf", "CgroupAutomount", D12) is None


def test_values_left_out_are_not_checked():
    assert sv.key_errors(D12, {"slurm.conf": {"MetricsType": None}, "cgroup.conf": {"CgroupSlice": None}}) == []
    assert len(sv.key_errors(D12, {"slurm.conf": {"MetricsType": "x"}, "cgroup.conf": {"CgroupSlice": "y"}})) == 2


def test_release_names_and_key_sets_grow_in_order():
    assert sv.release_of("1:26.05.5-1") == "26.05" and sv.release_of("(none)") is None
    assert sv.RELEASES == ("22.05", "23.02", "23.11", "24.05", "24.11", "25.05", "25.11", "26.05")
    assert sv.known_keys("slurm.conf", "21.08") is None
    assert len(sv.known_keys("slurm.conf", "22.05")) == 226 and len(sv.known_keys("slurm.conf", "26.05")) == 248
    assert sv.known_keys("slurm.conf", "26.05")["metricstype"] == "MetricsType"


def test_defaults_a_release_lacks_are_left_out():
    defaults = {"CgroupPlugin": "autodetect", "ConstrainCores": "yes"}
    assert sv.version_defaults("cgroup.conf", defaults, "20.11.7") == {"ConstrainCores": "yes"}
    assert sv.version_defaults("cgroup.conf", defaults, D12) == defaults
    assert sv.version_defaults("cgroup.conf", defaults, "") == defaults
