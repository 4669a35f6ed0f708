"""Each role's options are written once: meta/argument_specs.yml (what `ansible-doc -t role`
shows) agrees with defaults/main.yml, the preflight entry point reuses main's options, and the
list-of-dict options check their items' keys and types."""

from __future__ import annotations

import pytest
import yaml
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from helpers import ROOT

ROLES = sorted(p.name for p in (ROOT / "roles").iterdir() if (p / "meta" / "argument_specs.yml").is_file())
# Read from other hosts' hostvars (role defaults are not visible there), so documented, not defaulted.
PER_HOST = {"slurm": {"slurm_node_addr"}}


def specs(role: str) -> dict:
    return yaml.safe_load((ROOT / "roles" / role / "meta" / "argument_specs.yml").read_text())["argument_specs"]


def defaults(role: str) -> dict:
    return yaml.safe_load((ROOT / "roles" / role / "defaults" / "main.yml").read_text()) or {}


def test_every_role_has_a_spec():
    assert ROLES == ["munge", "nfs", "scratch", "slurm"]


@pytest.mark.parametrize("role", ROLES)
def test_defaults_and_the_spec_say_the_same(role):
    options, values = specs(role)["main"]["options"], defaults(role)
    assert not set(values) - set(options), "defaults without documentation"
    undefaulted = {name for name, option in options.items() if "default" in option and name not in values}
    assert undefaulted == PER_HOST.get(role, set())
    differ = {name: (options[name]["default"], values[name]) for name in values
              if "default" in options[name] and options[name]["default"] != values[name]}
    assert not differ, "spec default vs defaults/main.yml: %s" % differ
    result = ArgumentSpecValidator(options).validate(dict(values))
    assert not result.error_messages


@pytest.mark.parametrize("role", ROLES)
def test_the_preflight_entry_point_checks_the_same_options(role):
    entry = specs(role)
    assert entry["preflight"]["options"] == entry["main"]["options"]


@pytest.mark.parametrize("role, variable, item, words", [
    ("slurm", "slurm_partitions", {"nodes": ["node1"]}, "missing required arguments: name"),
    ("slurm", "slurm_partitions", {"name": "p", "colour": "red"}, "colour"),
    ("slurm", "slurm_partitions", {"name": "p", "options": ["MaxNodes=1"]}, "options"),
    ("slurm", "slurm_partitions", {"name": "p", "default": "perhaps"}, "default"),
    ("slurm", "slurm_accounts", {"description": "no name"}, "missing required arguments: name"),
    ("nfs", "nfs_exports", {"path": "/shared", "mode": "0755", "size": 3}, "size"),
    ("nfs", "nfs_user_dirs", {"name": "alice", "uid": "many"}, "uid"),
])
def test_list_items_are_checked_by_the_spec(role, variable, item, words):
    options = specs(role)["main"]["options"]
    result = ArgumentSpecValidator(options).validate({variable: [item]})
    assert result.error_messages and any(words in m for m in result.error_messages), result.error_messages


# A value of the wrong type for each checked type (Ansible converts anything to str, path, raw).
WRONG_VALUES = {"bool": "sometimes", "int": "many", "float": "many", "dict": ["a", "list"], "list": {"a": "dict"}}


@pytest.mark.parametrize("role", ROLES)
def test_every_option_refuses_a_value_of_the_wrong_type_by_name(role):
    options = specs(role)["main"]["options"]
    checked = 0
    for name, option in options.items():
        wrong = WRONG_VALUES.get(option.get("type", "str"))
        if wrong is None:
            continue
        result = ArgumentSpecValidator(options).validate({name: wrong})
        assert any(name in message for message in result.error_messages), (name, result.error_messages)
        checked += 1
    assert checked, "no option of a checked type"
