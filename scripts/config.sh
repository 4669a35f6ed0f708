# shellcheck shell=bash
# One place for the names and paths the test harness uses.
# Sourced by scripts/*.sh; read by tests/ through the same variables (exported).

BEOWULF_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export BEOWULF_ROOT
export BEOWULF_VENV="${BEOWULF_VENV:-$BEOWULF_ROOT/.venv}"
export BEOWULF_CACHE="${BEOWULF_CACHE:-$BEOWULF_ROOT/.cache}"

# Local base images (built with debootstrap + docker import, never pulled).
export BEOWULF_IMAGE_DEBIAN12="${BEOWULF_IMAGE_DEBIAN12:-beowulf-slurm/debian12:base}"
export BEOWULF_IMAGE_DEBIAN13="${BEOWULF_IMAGE_DEBIAN13:-beowulf-slurm/debian13:base}"
export BEOWULF_IMAGE_TESTING="${BEOWULF_IMAGE_TESTING:-beowulf-slurm/debian-testing:base}"
# Packages every base image carries (systemd as PID 1, python3 for Ansible).
# (sudo: the playbooks use become, as on real boards.) Changing this list rebuilds the images.
export BEOWULF_IMAGE_INCLUDE="systemd,systemd-sysv,python3,python3-apt,dbus,iproute2,procps,sudo"
# Bump when the way images are made changes: images with another stamp are rebuilt.
export BEOWULF_IMAGE_STAMP="$BEOWULF_IMAGE_INCLUDE;recipe=2"

# Debian mirror: the URIs line of the Debian entry in debian.sources, else sources.list.
beowulf_mirror() {
  if [ -n "${BEOWULF_MIRROR:-}" ]; then echo "$BEOWULF_MIRROR"; return; fi
  local f=/etc/apt/sources.list.d/debian.sources uri=""
  if [ -r "$f" ]; then
    uri=$(awk '/^URIs:/ && $2 !~ /security/ {print $2; exit}' "$f")
  fi
  if [ -z "$uri" ] && [ -r /etc/apt/sources.list ]; then
    uri=$(awk '$1=="deb" && $0 !~ /security/ {print $2; exit}' /etc/apt/sources.list)
  fi
  echo "${uri:-http://deb.debian.org/debian}"
}

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
die() { printf 'ERROR: %s\n' "$*" >&2; exit 1; }
