"""vm1: two spare disks became the scratch volume group, a 1500 MiB ext4 volume on /scratch."""

from __future__ import annotations


def test_volume_group_spans_both_spare_disks(server):
    pvs = server.check_output("pvs --noheadings -o pv_name,vg_name --separator=,")
    assert sorted(line.strip() for line in pvs.splitlines()) == ["/dev/vdb,scratch", "/dev/vdc,scratch"]


def test_logical_volume_has_the_requested_size(server):
    size = server.check_output("lvs --noheadings --units b --nosuffix -o lv_size scratch/scratch")
    assert int(size.strip()) == 1500 * 1024 * 1024


def test_filesystem_is_ext4_mounted_on_scratch_from_fstab(server):
    assert server.check_output("findmnt -n -o SOURCE,FSTYPE /scratch").split() == ["/dev/mapper/scratch-scratch", "ext4"]
    assert server.check_output("findmnt --fstab -n -o SOURCE,FSTYPE /scratch").split() == ["/dev/scratch/scratch", "ext4"]
    assert server.file("/scratch").mode == 0o1777
