"""vm1 exports /scratch/shared to 10.77.0.0/24 only; vm2 mounts it at /shared."""

from __future__ import annotations

import uuid

import pytest


def test_share_is_mounted_on_the_client_and_in_its_fstab(client):
    assert client.check_output("findmnt -n -o SOURCE,FSTYPE /shared").split() == ["10.77.0.11:/scratch/shared", "nfs4"]
    fstab = client.check_output("findmnt --fstab -n -o SOURCE,FSTYPE,OPTIONS /shared").split()
    assert fstab[:2] == ["10.77.0.11:/scratch/shared", "nfs"]
    assert {"hard", "_netdev"} <= set(fstab[2].split(","))


def test_server_sees_the_share_at_the_same_path(server):
    assert server.check_output("findmnt -n -o TARGET /shared") == "/shared"


def test_a_file_written_on_the_client_is_on_the_server_with_its_owner(client, server):
    name = "from-client-%s" % uuid.uuid4().hex[:8]
    client.check_output("runuser -u alice -- sh -c 'echo hello > /shared/alice/%s'" % name)
    on_server = server.file("/scratch/shared/alice/%s" % name)
    assert on_server.exists
    assert on_server.uid == 2001 and on_server.content_string == "hello\n"


def test_root_on_the_client_is_not_root_on_the_share(client, server):
    touch = client.run("touch /shared/root-was-here")
    assert touch.rc != 0 and "Permission denied" in touch.stderr
    assert not server.file("/scratch/shared/root-was-here").exists
    # Squashed to nobody, root cannot even look into alice's directory.
    assert client.run("ls /shared/alice").rc != 0


def test_export_is_offered_to_the_cluster_network_only(server):
    exports = server.check_output("exportfs -s").split()
    assert exports[0] == "/scratch/shared"
    assert [e.split("(")[0] for e in exports[1:]] == ["10.77.0.0/24"]


@pytest.fixture()
def other_network(server, client):
    """Both VMs also get an address on 10.99.0.0/24 (same wire, another network)."""
    server.check_output("ip addr add 10.99.0.11/24 dev eth1")
    client.check_output("ip addr add 10.99.0.12/24 dev eth1")
    client.check_output("mkdir -p /mnt/from-other /mnt/from-cluster")
    yield
    client.run("umount /mnt/from-cluster")
    client.run("ip addr del 10.99.0.12/24 dev eth1")
    server.run("ip addr del 10.99.0.11/24 dev eth1")


def test_a_client_from_another_network_is_refused(client, other_network):
    refused = client.run("timeout 90 mount -t nfs -o retry=0 10.99.0.11:/scratch/shared /mnt/from-other")
    assert refused.rc != 0
    assert "access denied" in refused.stderr
    # The same mount over the cluster network works: the refusal is the export's doing.
    client.check_output("timeout 90 mount -t nfs -o retry=0 10.77.0.11:/scratch/shared /mnt/from-cluster")
