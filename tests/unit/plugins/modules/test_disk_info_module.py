from __future__ import annotations

from ansible_collections.beowulf.slurm.plugins.modules import disk_info


def test_missing_and_non_block_devices_are_refused_without_failing(tmp_path, run_module):
    regular = tmp_path / "image.raw"
    regular.write_bytes(b"\0" * 4096)
    result = run_module(disk_info, devices=["/dev/does-not-exist", str(regular)], vg_name="scratch", lv_size="1g")
    assert result["changed"] is False and not result.get("failed")
    assert result["refused"] == ["/dev/does-not-exist does not exist", "%s is not a block device" % regular]
    assert [d["action"] for d in result["devices"]] == ["refuse", "refuse"]
    assert result["usable_bytes"] == 0 and result["to_wipe"] == []
