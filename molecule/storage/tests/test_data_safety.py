"""vm2's spare disk holds an ext4 filesystem with a file: it is refused until listed for wiping."""

from __future__ import annotations

from playbook import run

PLAYBOOK = "molecule/storage/scratch_on.yml"


def _precious(client) -> str:
    client.check_output("mkdir -p /mnt/check && mount -o ro,noload /dev/vdb /mnt/check")
    try:
        return client.file("/mnt/check/precious.txt").content_string
    finally:
        client.check_output("umount /mnt/check")


def test_a_disk_with_data_is_refused_until_listed_for_wiping(inventory, client):
    """One test, two steps in this order: the disk's data exists once, and only the first step keeps it."""
    # Step 1, refused: vm2's spare disk holds a filesystem with a file; naming it in scratch_devices
    # alone changes nothing and says how to proceed.
    assert _precious(client) == "data that must survive\n"
    result = run(PLAYBOOK, inventory, extravars={"scratch_target": "vm2", "scratch_devices": ["/dev/vdb"]})
    text = " ".join(result.output.split())
    assert result.rc != 0, result.output[-3000:]
    assert "scratch_devices: /dev/vdb holds an ext4 filesystem (label 'userdata'" in text
    assert "Nothing was changed" in text and "scratch_wipe_devices" in text
    assert result.changed() == 0
    assert client.run("vgs scratch").rc != 0
    assert _precious(client) == "data that must survive\n"

    # Step 2, listed for wiping: the disk becomes an xfs scratch volume, and a rerun changes nothing.
    extravars = {"scratch_target": "vm2", "scratch_devices": ["/dev/vdb"], "scratch_wipe_devices": ["/dev/vdb"],
                 "scratch_fstype": "xfs", "scratch_lv_size": "80%VG"}
    first = run(PLAYBOOK, inventory, extravars=extravars)
    assert first.rc == 0, first.output[-3000:]
    assert client.check_output("findmnt -n -o SOURCE,FSTYPE /scratch").split() == ["/dev/mapper/scratch-scratch", "xfs"]
    assert "userdata" not in client.check_output("blkid -p /dev/vdb || true")
    again = run(PLAYBOOK, inventory, extravars=extravars)
    assert again.rc == 0 and again.changed() == 0, again.output[-3000:]
