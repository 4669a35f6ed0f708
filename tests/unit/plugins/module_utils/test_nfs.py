from __future__ import annotations

import pytest

from ansible_collections.beowulf.slurm.plugins.filter.nfs import FilterModule
from ansible_collections.beowulf.slurm.plugins.module_utils.nfs import (
    config_errors, exports_file, network_cidr, normalise)

OPTIONS = ["rw", "sync", "root_squash", "no_subtree_check"]
MOUNT = ["rw", "hard", "_netdev"]


def test_the_default_export_is_valid_and_renders_for_the_cluster_network_only():
    assert config_errors([{"path": "/shared"}], "10.77.0.0/24") == []
    exports = normalise([{"path": "/shared"}], "10.77.0.0/24", OPTIONS, MOUNT)
    assert exports == [{"path": "/shared", "mount_point": "/shared", "clients": ["10.77.0.0/24"],
                        "options": OPTIONS, "mount_options": MOUNT, "owner": "root", "group": "root",
                        "mode": "0755"}]
    assert exports_file(exports).splitlines()[1] == "/shared 10.77.0.0/24(rw,sync,root_squash,no_subtree_check)"


def test_an_export_from_scratch_keeps_its_mount_point_and_own_clients():
    exports = normalise([{"path": "/scratch/shared", "mount_point": "/shared",
                          "clients": ["10.0.0.0/24", "10.0.1.0/24"], "options": ["ro"]}], "x", OPTIONS, MOUNT)
    assert exports[0]["mount_point"] == "/shared"
    assert exports_file(exports).splitlines()[1] == "/scratch/shared 10.0.0.0/24(ro) 10.0.1.0/24(ro)"


@pytest.mark.parametrize("exports, network, message", [
    ([{"path": "shared"}], "", "nfs_exports[0].path must be an absolute path, got 'shared'"),
    ([{"path": "/a/../b"}], "", "nfs_exports[0].path='/a/../b': give a normalised path"),
    ([{"path": "/"}], "", "nfs_exports[0].path='/': give a normalised path"),
    ([{"path": "/s", "mount_point": "s"}], "", "nfs_exports[0].mount_point must be an absolute path"),
    ([{"path": "/s", "clients": ["10.0.0.0/33"]}], "", "nfs_exports[0].clients[0]='10.0.0.0/33' is not a network"),
    ([{"path": "/s", "clients": ["everyone"]}], "", "nfs_exports[0].clients[0]='everyone' is not a network"),
    ([{"path": "/s", "clients": ["0.0.0.0/0"]}], "", "is every address there is"),
    ([{"path": "/s"}], "10.0.0/24", "nfs_network='10.0.0/24' is not a network in CIDR notation"),
    ([{"path": "/s", "pth": "/x"}], "", "nfs_exports[0] has unknown keys pth"),
    ([{"path": "/s", "options": "rw"}], "", "nfs_exports[0].options must be a list of option strings"),
    ([{"path": "/s", "mode": "rwx"}], "", "nfs_exports[0].mode must be an octal string"),
    ([{"path": "/s"}, {"path": "/s"}], "", "nfs_exports[1].path /s is also nfs_exports[0].path"),
    ([{"path": "/a", "mount_point": "/m"}, {"path": "/b", "mount_point": "/m"}], "", "nfs_exports[1] mounts at /m"),
    ("/shared", "", "nfs_exports must be a list of exports"),
    (["/shared"], "", "nfs_exports[0] must be a dictionary"),
])
def test_bad_input_is_named(exports, network, message):
    errors = config_errors(exports, network)
    assert any(message in e for e in errors), errors


def test_network_cidr_from_address_and_netmask():
    assert network_cidr("192.168.1.20", "255.255.255.0") == "192.168.1.0/24"


def test_filters_are_registered():
    filters = FilterModule().filters()
    assert filters["nfs_config_error"]([{"path": "x"}], "") == "nfs_exports[0].path must be an absolute path, got 'x'"
    assert filters["nfs_config_error"]([{"path": "/x"}], "10.0.0.0/8") == ""
    assert filters["nfs_network_cidr"]("10.1.2.3", "255.0.0.0") == "10.0.0.0/8"
    exports = filters["nfs_exports_normalise"]([{"path": "/x"}], "10.0.0.0/8", ["rw"], ["hard"])
    assert filters["nfs_exports_file"](exports).endswith("/x 10.0.0.0/8(rw)\n")


def test_server_paths_are_the_exports_the_user_dirs_and_the_exports_file():
    filters = FilterModule().filters()
    exports = filters["nfs_exports_normalise"]([{"path": "/shared", "owner": "root", "mode": "1777"}, {"path": "/data/"}],
                                               "10.0.0.0/8", ["rw"], ["hard"])
    paths = filters["nfs_server_paths"](exports, [{"name": "alice", "uid": 2001}, {"name": "bob", "gid": 50,
                                                                                   "mode": "0700"}])
    assert [(p["path"], p["owner"], p["group"], p["mode"]) for p in paths[:6]] == [
        ("/shared", "root", "root", "1777"), ("/data/", "root", "root", "0755"),
        ("/shared/alice", "2001", "2001", "0750"), ("/shared/bob", "bob", "50", "0700"),
        ("/data/alice", "2001", "2001", "0750"), ("/data/bob", "bob", "50", "0700")]
    assert all(p["state"] == "directory" for p in paths[:7]) and paths[6]["path"] == "/etc/exports.d"
    assert paths[7] == {"path": "/etc/exports.d/beowulf.exports", "state": "file", "owner": "root", "group": "root",
                        "mode": "0644", "content": filters["nfs_exports_file"](exports)}


def test_user_dirs_need_a_user_name_and_numeric_ids():
    from ansible_collections.beowulf.slurm.plugins.module_utils.nfs import user_dirs_errors
    assert user_dirs_errors([{"name": "alice"}, {"name": "bob", "uid": 1001, "gid": "1001", "mode": "0700"}]) == []
    assert user_dirs_errors([]) == []
    bad = user_dirs_errors([{"name": "alice"}, "bob", {"name": "Carol"}, {"name": "dan", "uid": "x"}, {"uid": 5}])
    named = [error.split(" must", maxsplit=1)[0] for error in bad]
    assert named == ["nfs_user_dirs[1]", "nfs_user_dirs[2]", "nfs_user_dirs[3]", "nfs_user_dirs[4]"]
    assert bad[0] == ("nfs_user_dirs[1] must be a dictionary with a user 'name' and optional numeric 'uid', 'gid' "
                      "and 'mode', got 'bob'")
    assert user_dirs_errors("alice") == ["nfs_user_dirs must be a list such as [{name: alice}], got 'alice'"]
