"""A rebooted client comes back by itself: the share and any scratch volume mounted, its node idle in Slurm."""

from __future__ import annotations

import time


def test_the_client_comes_back_after_a_reboot(client, server):
    server.check_output("echo before-reboot > /scratch/shared/marker")
    scratch = client.run("findmnt -n -o SOURCE,FSTYPE /scratch").stdout.split()  # [] unless a test made one
    boot_id = client.file("/proc/sys/kernel/random/boot_id").content_string
    client.ansible("ansible.builtin.reboot", "reboot_timeout=300", check=False, become=True)
    assert client.file("/proc/sys/kernel/random/boot_id").content_string != boot_id
    assert client.check_output("findmnt -n -o SOURCE,FSTYPE /shared").split() == ["10.77.0.11:/scratch/shared", "nfs4"]
    assert client.file("/shared/marker").content_string == "before-reboot\n"
    assert client.run("findmnt -n -o SOURCE,FSTYPE /scratch").stdout.split() == scratch
    # slurmd registers again by itself: the node is idle, not down, within two minutes.
    deadline = time.monotonic() + 120
    state = ""
    while time.monotonic() < deadline:
        state = server.check_output("sinfo -h -n vm2 -o %t")
        if state == "idle":
            break
        time.sleep(3)
    assert state == "idle", "vm2 is %r two minutes after its reboot" % state
