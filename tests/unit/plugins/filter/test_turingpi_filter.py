"""The turingpi_bmc_password filter: the module's password order, errors as Ansible filter errors."""

from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.beowulf.slurm.plugins.filter.turingpi import FilterModule


def test_the_filter_reads_the_environment_last(monkeypatch):
    password = FilterModule().filters()["turingpi_bmc_password"]
    monkeypatch.setenv("TURINGPI_PASSWORD", "from-env")
    assert password({"turingpi_bmc_connection": {"address": "x"}}, "n1") == "from-env"
    assert password({"turingpi_bmc_connection": {"address": "x"}, "turingpi_bmc_password": "v"}, "n1") == "v"
    monkeypatch.delenv("TURINGPI_PASSWORD")
    assert password({}, "n1") == ""


def test_a_wrong_connection_is_a_filter_error():
    password = FilterModule().filters()["turingpi_bmc_password"]
    with pytest.raises(AnsibleFilterError, match="turingpi_bmc_password: host n1: turingpi_bmc_connection must"):
        password({"turingpi_bmc_connection": ["x"]}, "n1")
