"""Bad storage settings fail before anything changes, naming the variable."""

from __future__ import annotations

import pytest

from playbook import run

CASES = {
    "relative export path": ({"nfs_exports": [{"path": "shared"}]},
                             "nfs_exports[0].path must be an absolute path, got 'shared'"),
    "client network not CIDR": ({"nfs_network": "10.77.0.0/33"},
                                "nfs_network='10.77.0.0/33' is not a network in CIDR notation"),
    "scratch larger than the disks": ({"scratch_lv_size": "50g"},
                                      "scratch_lv_size=50g (50.0 GiB) is larger than the 2.0 GiB"),
    "one device written as text": ({"scratch_devices": "/dev/vdb"},
                                   "scratch_devices must be a list (write [/dev/vdb] for one item), got a string"),
    "device that does not exist": ({"scratch_devices": ["/dev/vdb", "/dev/vdc", "/dev/vdz"]},
                                   "scratch_devices: /dev/vdz does not exist. Nothing was changed."),
}


def _state(server, client) -> tuple:
    return (server.check_output("sha256sum /etc/exports.d/beowulf.exports /etc/fstab"),
            client.check_output("sha256sum /etc/fstab"),
            server.check_output("lvs --noheadings -o lv_size scratch/scratch"))


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_storage_input_is_refused_before_any_change(case, inventory, server, client):
    extravars, message = CASES[case]
    before = _state(server, client)
    result = run("playbooks/storage.yml", inventory, extravars=extravars)
    assert result.rc != 0, result.output[-3000:]
    assert message in " ".join(result.output.split()), result.output[-3000:]
    assert result.changed() == 0
    assert _state(server, client) == before
