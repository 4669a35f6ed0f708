"""A rebooted client mounts the share (and its scratch volume) again by itself."""

from __future__ import annotations


def test_the_client_remounts_the_share_after_a_reboot(client, server):
    server.check_output("echo before-reboot > /scratch/shared/marker")
    boot_id = client.file("/proc/sys/kernel/random/boot_id").content_string
    client.ansible("ansible.builtin.reboot", "reboot_timeout=300", check=False, become=True)
    assert client.file("/proc/sys/kernel/random/boot_id").content_string != boot_id
    assert client.check_output("findmnt -n -o SOURCE,FSTYPE /shared").split() == ["10.77.0.11:/scratch/shared", "nfs4"]
    assert client.file("/shared/marker").content_string == "before-reboot\n"
    assert client.check_output("findmnt -n -o FSTYPE /scratch") == "xfs"
