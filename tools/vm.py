"""Small Debian 12 VMs under qemu (TCG) for what containers cannot show: kernel NFS and LVM.

    python3 tools/vm.py image            # build (or reuse) the cached VM image
    python3 tools/vm.py up SPEC.json     # boot the VMs SPEC describes, wait for SSH
    python3 tools/vm.py down SPEC.json   # stop them, remove their disks
    python3 tools/vm.py ssh SPEC.json vm1 [command]

The image is built offline except for Debian's mirror: debootstrap (minbase) with Debian's
cloud kernel and the storage and Slurm packages preinstalled (services disabled: the roles
enable them), an fstab for ``LABEL=root``, systemd-networkd, root's authorized key made here,
apt timers masked, an initrd with the virtio drivers (then ``update_initramfs=no``: rebuilding
it under TCG costs minutes per package). Kernel, initrd and a raw ext4 disk made with
``mkfs.ext4 -d`` (no loop mount) land in ``.cache/vm/<recipe hash>/``, reused while the recipe
is unchanged.

SPEC (JSON), written by the molecule scenario's create playbook::

    {"state_dir": "...", "vms": [
       {"name": "vm1", "ssh_port": 2231, "link_port": 47011, "peer_port": 47012,
        "private_mac": "52:54:00:be:01:11", "memory": 1024,
        "disks": [{"size": "1G"}, {"size": "1G", "ext4_with_file": "precious.txt"}]}]}

Each VM gets a qcow2 overlay on the shared image, its spare disks (``vdb``, ``vdc``, ... in
order; a disk with ``ext4_with_file`` already holds an ext4 filesystem with that file in it),
a user-mode NIC with SSH forwarded from 127.0.0.1:<ssh_port> (and Debian's mirror through it),
and a private link to its peer over a UDP tunnel on loopback. The image gives the NIC with MAC
52:54:00:be:01:NN the address 10.77.0.NN/24.

Test VMs only: every VM booted from one image has the same SSH host keys and root's key lives
in the cache directory, so the VMs listen on 127.0.0.1 only and the scenario turns host key
checking off for them. Do not reuse the image for anything reachable from a network.
"""

from __future__ import annotations

import hashlib
import inspect
import json
import os
import pathlib
import shutil
import signal
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
CACHE = pathlib.Path(os.environ.get("BEOWULF_CACHE", ROOT / ".cache")) / "vm"
SUITE = "bookworm"
PRIVATE_NET = "10.77.0"
PACKAGES = [
    "systemd-sysv", "udev", "dbus", "kmod", "iproute2", "procps", "openssh-server", "python3",
    "python3-apt", "sudo", "linux-image-cloud-amd64", "ca-certificates", "initramfs-tools",
    # storage roles
    "nfs-kernel-server", "nfs-common", "lvm2", "xfsprogs", "e2fsprogs",
    # site.yml on the VMs: MUNGE and Slurm (MPI stays in the container tier)
    "munge", "slurmctld", "slurmd", "slurm-client",
]
# Services the roles start; disabled in the image so the roles' enable/start is what runs.
DISABLED = ["nfs-server", "munge", "slurmd", "slurmctld", "rpcbind", "rpcbind.socket"]
RECIPE_VERSION = "4"


def log(message: str) -> None:
    print("==> %s" % message, file=sys.stderr, flush=True)


def run(*argv: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(argv, check=True, **kwargs)


def mirror() -> str:
    out = subprocess.run(["bash", "-c", '. "$1/scripts/config.sh"; beowulf_mirror', "_", str(ROOT)],
                         check=True, capture_output=True, text=True)
    return out.stdout.strip()


def recipe_hash() -> str:
    text = "\n".join([SUITE, ",".join(PACKAGES), ",".join(DISABLED), RECIPE_VERSION,
                      json.dumps(NETWORK_FILES, sort_keys=True), inspect.getsource(build_image)])
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def image_dir() -> pathlib.Path:
    return CACHE / ("%s-%s" % (SUITE, recipe_hash()))


NETWORK_FILES = {
    # The private NICs: one file per MAC the scenarios use (52:54:00:be:01:NN -> .NN).
    **{"10-private-%02d.network" % n: (
        "[Match]\nMACAddress=52:54:00:be:01:%02x\n\n[Network]\nAddress=%s.%d/24\n"
        "LinkLocalAddressing=no\nIPv6AcceptRA=no\n" % (n, PRIVATE_NET, n)) for n in range(10, 20)},
    # Anything else (qemu's user-mode NIC): DHCP, default route, DNS.
    "90-dhcp.network": "[Match]\nName=en* eth*\n\n[Network]\nDHCP=ipv4\nIPv6AcceptRA=no\n",
}


def write(path: pathlib.Path, text: str, mode: int = 0o644) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    path.chmod(mode)


def build_image(force: bool = False) -> pathlib.Path:
    out = image_dir()
    if (out / "image.raw").exists() and not force:
        return out
    for tool in ("debootstrap", "mkfs.ext4", "qemu-img", "qemu-system-x86_64", "ssh-keygen"):
        if not shutil.which(tool):
            sys.exit("ERROR: %s not found (scripts/bootstrap.sh vm installs what the VMs need)" % tool)
    if os.geteuid() != 0:
        sys.exit("ERROR: building the VM image needs root (debootstrap, chroot)")
    CACHE.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    work = pathlib.Path(tempfile.mkdtemp(prefix="beowulf-vm-", dir=str(CACHE)))
    tree = work / "root"
    try:
        log("VM image: debootstrap %s with %d packages (1-2 minutes)" % (SUITE, len(PACKAGES)))
        with open(work / "debootstrap.log", "w") as handle:
            proc = subprocess.run(["debootstrap", "--variant=minbase", "--include=" + ",".join(PACKAGES),
                                   SUITE, str(tree), mirror()], stdout=handle, stderr=subprocess.STDOUT,
                                  check=False)
        if proc.returncode:
            shutil.copy(work / "debootstrap.log", CACHE / "debootstrap.log")
            sys.exit("ERROR: debootstrap failed, see %s" % (CACHE / "debootstrap.log"))
        write(tree / "etc/fstab", "LABEL=root / ext4 defaults,noatime 0 1\n")
        write(tree / "etc/machine-id", "")
        write(tree / "etc/hostname", "localhost\n")
        for name, text in NETWORK_FILES.items():
            write(tree / "etc/systemd/network" / name, text)
        (tree / "root/.ssh").mkdir(mode=0o700, exist_ok=True)
        key = work / "id_ed25519"
        run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "beowulf-vm", "-f", str(key))
        write(tree / "root/.ssh/authorized_keys", (work / "id_ed25519.pub").read_text(), 0o600)
        write(tree / "etc/initramfs-tools/modules", "virtio_pci\nvirtio_blk\nvirtio_net\next4\n")
        conf = tree / "etc/initramfs-tools/initramfs.conf"
        conf.write_text(conf.read_text().replace("MODULES=most", "MODULES=list"))
        chroot = ["chroot", str(tree)]
        run(*chroot, "systemctl", "enable", "-q", "systemd-networkd", "ssh")
        run(*chroot, "systemctl", "mask", "-q", "apt-daily.timer", "apt-daily-upgrade.timer",
            "e2scrub_all.timer", "fstrim.timer")
        subprocess.run(chroot + ["systemctl", "disable", "-q"] + DISABLED, check=False)
        (tree / "etc/munge/munge.key").unlink(missing_ok=True)  # the munge role brings the key
        log("VM image: initrd with the virtio drivers")
        run(*chroot, "update-initramfs", "-u", "-k", "all", stdout=subprocess.DEVNULL)
        upd = tree / "etc/initramfs-tools/update-initramfs.conf"
        upd.write_text(upd.read_text().replace("update_initramfs=yes", "update_initramfs=no"))
        for pattern, dest in (("vmlinuz-*", "vmlinuz"), ("initrd.img-*", "initrd.img")):
            found = sorted((tree / "boot").glob(pattern))
            if not found:
                sys.exit("ERROR: no /boot/%s in the image tree" % pattern)
            shutil.copy(found[-1], work / dest)
        for leftover in (tree / "var/cache/apt/archives").glob("*.deb"):
            leftover.unlink()
        run("mkfs.ext4", "-q", "-L", "root", "-d", str(tree), str(work / "image.raw"), "3G")
        shutil.rmtree(tree)
        if out.exists():
            shutil.rmtree(out)
        work.rename(out)
    finally:
        if work.exists():
            shutil.rmtree(work, ignore_errors=True)
    for old in CACHE.glob("%s-*" % SUITE):  # images of earlier recipes
        if old != out and old.is_dir():
            shutil.rmtree(old, ignore_errors=True)
    log("VM image ready in %.0f s: %s" % (time.monotonic() - started, out))
    return out


def load_spec(path: str) -> dict:
    spec = json.loads(pathlib.Path(path).read_text())
    spec["state_dir"] = pathlib.Path(spec["state_dir"])
    return spec


def _pid(pidfile: pathlib.Path) -> int | None:
    try:
        pid = int(pidfile.read_text().strip())
        os.kill(pid, 0)
        return pid
    except (OSError, ValueError):
        return None


def ssh_argv(image: pathlib.Path, port: int) -> list:
    return ["ssh", "-i", str(image / "id_ed25519"), "-p", str(port), "-o", "BatchMode=yes",
            "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
            "-o", "LogLevel=ERROR", "-o", "ConnectTimeout=5", "root@127.0.0.1"]


def data_disk(path: pathlib.Path, size: str, filename: str) -> None:
    """A raw disk that already holds an ext4 filesystem with one file: somebody's data."""
    with tempfile.TemporaryDirectory() as tmp:
        pathlib.Path(tmp, filename).write_text("data that must survive\n")
        run("mkfs.ext4", "-q", "-L", "userdata", "-d", tmp, str(path), size)


def up(spec: dict) -> None:
    image = build_image()
    state = spec["state_dir"]
    state.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    for vm in spec["vms"]:
        name = vm["name"]
        pidfile = state / ("%s.pid" % name)
        if _pid(pidfile):
            continue
        root = state / ("%s-root.qcow2" % name)
        if not root.exists():
            run("qemu-img", "create", "-q", "-f", "qcow2", "-b", str(image / "image.raw"), "-F", "raw", str(root))
        drives = ["-drive", "file=%s,if=virtio,format=qcow2,cache=unsafe" % root]
        for index, disk in enumerate(vm.get("disks", [])):
            path = state / ("%s-disk%d.%s" % (name, index, "raw" if disk.get("ext4_with_file") else "qcow2"))
            if not path.exists():
                if disk.get("ext4_with_file"):
                    data_disk(path, disk["size"], disk["ext4_with_file"])
                else:
                    run("qemu-img", "create", "-q", "-f", "qcow2", str(path), disk["size"])
            fmt = "raw" if path.suffix == ".raw" else "qcow2"
            drives += ["-drive", "file=%s,if=virtio,format=%s,cache=unsafe" % (path, fmt)]
        # The software-emulated CPU is the slowest part of the test run and shares two cores with
        # the container tiers: as root, it gets a little more of them (nice -5; vCPU threads inherit).
        nice = ["nice", "-n", "-5"] if os.geteuid() == 0 else []
        argv = nice + ["qemu-system-x86_64", "-accel", "tcg", "-machine", "pc", "-cpu", "max",
                       "-smp", "1", "-m", str(vm.get("memory", 1024)), "-nodefaults", "-display", "none",
                       "-serial", "file:%s" % (state / ("%s-console.log" % name)),
                       "-kernel", str(image / "vmlinuz"), "-initrd", str(image / "initrd.img"),
                       "-append", "root=/dev/vda rw console=ttyS0 systemd.hostname=%s net.ifnames=0" % name,
                       *drives,
                       "-netdev", "user,id=wan,hostfwd=tcp:127.0.0.1:%d-:22" % vm["ssh_port"],
                       "-device", "virtio-net-pci,netdev=wan",
                       "-netdev", "socket,id=lan,udp=127.0.0.1:%d,localaddr=127.0.0.1:%d" % (vm["peer_port"], vm["link_port"]),
                       "-device", "virtio-net-pci,netdev=lan,mac=%s" % vm["private_mac"],
                       "-daemonize", "-pidfile", str(pidfile)]
        run(*argv)
    deadline = time.monotonic() + float(spec.get("boot_timeout", 300))
    for vm in spec["vms"]:
        while True:
            if subprocess.run(ssh_argv(image, vm["ssh_port"]) + ["systemctl is-system-running --wait >/dev/null; true"],
                              capture_output=True, check=False, timeout=120).returncode == 0:
                break
            if time.monotonic() > deadline:
                sys.exit("ERROR: %s did not answer on SSH 127.0.0.1:%d; console: %s"
                         % (vm["name"], vm["ssh_port"], state / ("%s-console.log" % vm["name"])))
            time.sleep(2)
    log("VMs %s up in %.0f s" % (", ".join(v["name"] for v in spec["vms"]), time.monotonic() - started))


def down(spec: dict) -> None:
    state = spec["state_dir"]
    for vm in spec["vms"]:
        pidfile = state / ("%s.pid" % vm["name"])
        pid = _pid(pidfile)
        if pid:
            os.kill(pid, signal.SIGTERM)
            for _attempt in range(50):
                if _pid(pidfile) is None:
                    break
                time.sleep(0.2)
            else:
                os.kill(pid, signal.SIGKILL)
        pidfile.unlink(missing_ok=True)
        for disk in state.glob("%s-*" % vm["name"]):
            if disk.suffix in (".qcow2", ".raw"):
                disk.unlink()


def main(argv: list) -> None:
    if not argv or argv[0] not in ("image", "up", "down", "ssh", "key"):
        sys.exit(__doc__)
    if argv[0] == "image":
        print(build_image(force="--force" in argv))
    elif argv[0] == "key":
        print(build_image() / "id_ed25519")
    elif argv[0] == "up":
        up(load_spec(argv[1]))
    elif argv[0] == "down":
        down(load_spec(argv[1]))
    else:
        spec = load_spec(argv[1])
        vm = next(v for v in spec["vms"] if v["name"] == argv[2])
        os.execvp("ssh", ssh_argv(image_dir(), vm["ssh_port"]) + argv[3:])


if __name__ == "__main__":
    main(sys.argv[1:])
