from __future__ import annotations

import pytest

from ansible_collections.beowulf.slurm.plugins.filter.option_types import FilterModule
from ansible_collections.beowulf.slurm.plugins.module_utils.option_types import option_type_errors, type_error


@pytest.mark.parametrize("value, kind", [
    ("testing", "str"), (2026, "str"), ("", "str"), ("/x", "path"), (["a"], "list"), ([], "list"),
    ({"a": 1}, "dict"), (True, "bool"), ("yes", "bool"), ("False", "bool"), (0, "bool"), (4, "int"),
    ("300", "int"), (["x"], "raw"), (None, "str"),
])
def test_values_of_the_documented_type_pass(value, kind):
    assert type_error("opt", value, kind) == ""


@pytest.mark.parametrize("value, kind, words", [
    (["testing"], "str", "opt must be a string, got a list"),
    ({"a": 1}, "str", "opt must be a string, got a dictionary"),
    (True, "str", "opt must be a string, got a boolean (true)"),
    (["/x"], "path", "opt must be a string, got a list"),
    ("/dev/sdb", "list", "opt must be a list (write [/dev/sdb] for one item), got a string ('/dev/sdb')"),
    ({"a": 1}, "list", "opt must be a list (write [...] for one item), got a dictionary"),
    ("MaxJobCount=5", "dict", "opt must be a dictionary, got a string ('MaxJobCount=5')"),
    ("perhaps", "bool", "opt must be true or false, got a string ('perhaps')"),
    (["x"], "bool", "opt must be true or false, got a list"),
    ("soon", "int", "opt must be a whole number, got a string ('soon')"),
    (True, "int", "opt must be a whole number, got a boolean (true)"),
    (1.5, "int", "opt must be a whole number, got a number (1.5)"),
])
def test_other_types_are_named(value, kind, words):
    assert type_error("opt", value, kind) == words


def test_errors_name_the_hosts_or_every_host():
    options = {"a_list": {"type": "list"}, "a_str": {"type": "str"}, "unset": {"type": "dict"}}
    hostvars = {"n1": {"a_list": "/dev/sdb", "a_str": ["x"]}, "n2": {"a_list": ["/dev/sdb"], "a_str": ["x"]}}
    assert option_type_errors(options, hostvars, ["n1", "n2"]) == [
        "a_list must be a list (write [/dev/sdb] for one item), got a string ('/dev/sdb') (n1)",
        "a_str must be a string, got a list (every host)"]
    assert FilterModule().filters()["option_type_errors"](options, hostvars, ["n2"]) == [
        "a_str must be a string, got a list (n2)"]
