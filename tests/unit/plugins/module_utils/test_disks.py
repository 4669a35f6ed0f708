from __future__ import annotations

import json

import pytest

from ansible_collections.beowulf.slurm.plugins.module_utils.disks import (
    MIB, DeviceFacts, assess, lv_size_error, parse_lv_size, parse_wipefs_json, usable_bytes)

GIB = 1024 * MIB
EXT4 = {"device": "vdb", "offset": "0x438", "type": "ext4", "uuid": "d632", "label": "userdata"}


def test_a_blank_device_is_used():
    verdict = assess(DeviceFacts("/dev/vdb", size_bytes=GIB), "scratch", wipe=False)
    assert (verdict.action, verdict.reason) == ("use", "/dev/vdb is blank")


def test_a_filesystem_is_refused_naming_device_type_and_label():
    verdict = assess(DeviceFacts("/dev/vdb", signatures=[EXT4]), "scratch", wipe=False)
    assert verdict.action == "refuse"
    assert verdict.reason == "/dev/vdb holds an ext4 filesystem (label 'userdata', UUID d632)"


def test_a_listed_filesystem_is_wiped():
    verdict = assess(DeviceFacts("/dev/vdb", signatures=[EXT4]), "scratch", wipe=True)
    assert verdict.action == "wipe"
    assert "ext4" in verdict.reason and "listed for wiping" in verdict.reason


def test_our_own_volume_group_is_a_rerun_even_with_its_lv_active():
    facts = DeviceFacts("/dev/vdb", signatures=[{"type": "LVM2_member"}], lvm_vg="scratch",
                        holders=["scratch-scratch"])
    assert assess(facts, "scratch", wipe=False).action == "ours"


def test_a_foreign_volume_group_is_refused():
    facts = DeviceFacts("/dev/sdb", signatures=[{"type": "LVM2_member"}], lvm_vg="data")
    verdict = assess(facts, "scratch", wipe=False)
    assert verdict.action == "refuse"
    assert verdict.reason == "/dev/sdb holds an LVM physical volume of volume group 'data'"


def test_an_orphan_physical_volume_is_refused_too():
    facts = DeviceFacts("/dev/sdb", signatures=[{"type": "LVM2_member"}], lvm_vg="")
    assert "in no volume group" in assess(facts, "scratch", wipe=False).reason


def test_an_unreadable_lvm_label_is_never_taken_for_ours():
    facts = DeviceFacts("/dev/sdb", signatures=[{"type": "LVM2_member"}], lvm_vg=None, lvm_readable=False)
    verdict = assess(facts, "scratch", wipe=False)
    assert verdict.action == "refuse" and "lvm2 installed" in verdict.reason


def test_a_partition_table_names_the_partitions():
    facts = DeviceFacts("/dev/sdb", signatures=[{"type": "gpt"}, {"type": "PMBR"}],
                        partitions=["/dev/sdb1", "/dev/sdb2"])
    verdict = assess(facts, "scratch", wipe=False)
    assert verdict.reason.startswith("/dev/sdb holds a gpt partition table with partitions /dev/sdb1, /dev/sdb2")


@pytest.mark.parametrize("facts, words", [
    (DeviceFacts("/dev/sdb", signatures=[EXT4], mounted_at=["/data"]), "mounted at /data"),
    (DeviceFacts("/dev/sdb", signatures=[{"type": "LVM2_member"}], lvm_vg="data", holders=["data-home"]),
     "in use by data-home"),
])
def test_a_device_in_use_is_refused_even_when_listed(facts, words):
    verdict = assess(facts, "scratch", wipe=True)
    assert verdict.action == "refuse" and words in verdict.reason and "never wiped" in verdict.reason


@pytest.mark.parametrize("facts, words", [
    (DeviceFacts("/dev/sdz", exists=False), "/dev/sdz does not exist"),
    (DeviceFacts("/dev/null", is_block=False), "/dev/null is not a block device"),
])
def test_missing_and_non_block_devices_are_refused(facts, words):
    assert assess(facts, "scratch", wipe=True).reason == words


@pytest.mark.parametrize("text, expected", [
    ("500m", ("bytes", 500 * MIB, "")),
    ("500", ("bytes", 500 * MIB, "")),
    ("1.5G", ("bytes", 1.5 * GIB, "")),
    ("100%FREE", ("percent", 100, "FREE")),
    ("80%vg", ("percent", 80, "VG")),
    ("50%PVS", ("percent", 50, "PVS")),
])
def test_lv_sizes_parse(text, expected):
    assert parse_lv_size(text) == expected


@pytest.mark.parametrize("text", ["", "big", "0", "-1g", "101%FREE", "0%VG", "10%ORIGIN", "1gb"])
def test_bad_lv_sizes_are_named(text):
    assert lv_size_error(text, GIB).startswith("scratch_lv_size=%r is not a size" % text)


def test_usable_bytes_takes_metadata_and_extents_off():
    assert usable_bytes([GIB]) == GIB - 4 * MIB
    assert usable_bytes([GIB, GIB]) == 2 * (GIB - 4 * MIB)
    assert usable_bytes([MIB]) == 0


def test_a_size_larger_than_the_devices_is_refused():
    assert lv_size_error("1500m", usable_bytes([GIB, GIB])) == ""
    message = lv_size_error("5g", usable_bytes([GIB, GIB]))
    assert message == "scratch_lv_size=5g (5.0 GiB) is larger than the 2.0 GiB the devices give the volume group"
    assert lv_size_error("100%FREE", 0) == ""


def test_wipefs_json_is_parsed():
    text = json.dumps({"signatures": [EXT4, {"device": "vdb", "offset": "0x0", "type": "gpt", "uuid": None}]})
    assert parse_wipefs_json(text) == [EXT4, {"device": "vdb", "offset": "0x0", "type": "gpt"}]
    assert parse_wipefs_json("") == []
