"""Slurm on the storage: TmpFS is the scratch volume, jobs work in their directory on the share."""

from __future__ import annotations

import re


def test_tmpfs_is_the_scratch_volume_and_tmpdisk_is_measured_from_it(server):
    config = server.check_output("scontrol show config")
    assert re.search(r"^TmpFS\s+= /scratch$", config, re.M)
    blocks, frsize = server.check_output("stat -f -c '%b %S' /scratch").split()
    measured = int(blocks) * int(frsize) // (1024 * 1024)
    node = server.check_output("scontrol show node vm1")
    assert "TmpDisk=%d " % measured in node and measured > 1000
    assert "TmpDisk=0 " in server.check_output("scontrol show node vm2")


def test_both_nodes_are_idle(server):
    states = server.check_output("sinfo -h -N -o '%N %t'").splitlines()
    assert sorted(states) == ["vm1 idle", "vm2 idle"]


def test_a_job_asking_for_scratch_lands_on_the_scratch_node(server):
    out = server.check_output("srun --tmp=500M -N1 hostname")
    assert out == "vm1"
    refused = server.run("srun --immediate=5 --tmp=100G -N1 hostname")
    assert refused.rc != 0


def test_a_job_works_in_its_directory_on_the_share(server):
    out = server.check_output(
        "runuser -u alice -- sbatch --parsable --wait -w vm2 -D /shared/alice "
        "--wrap 'hostname > job-ran-on.txt; pwd >> job-ran-on.txt'")
    job = out.split(";")[0]
    result = server.file("/scratch/shared/alice/job-ran-on.txt")
    assert result.content_string == "vm2\n/shared/alice\n"
    assert result.uid == 2001
    assert server.file("/scratch/shared/alice/slurm-%s.out" % job).exists


def test_accounting_off_means_no_slurmdbd(server):
    """slurm_accounting: false (this scenario): no accounting keys, no slurmdbd, no database."""
    conf = server.file("/etc/slurm/slurm.conf").content_string
    assert "AccountingStorageType" not in conf
    assert not server.file("/etc/slurm/slurmdbd.conf").exists
    assert not server.service("slurmdbd").is_running
