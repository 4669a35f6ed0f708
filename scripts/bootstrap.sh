#!/usr/bin/env bash
# Install what the tests need, idempotently: the Python venv, a Docker engine, local images.
#   scripts/bootstrap.sh [tools|venv|engine|images|vm|demo|all]
set -euo pipefail
# shellcheck source=scripts/config.sh
. "$(dirname "$0")/config.sh"

need_root_debian() {
  [ "$(id -u)" = 0 ] || die "$1 needs root (run as root, or provide it yourself: $2)"
  command -v apt-get >/dev/null || die "$1 needs apt-get (Debian/Ubuntu); otherwise: $2"
}

apt_install() {
  local missing=()
  for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  need_root_debian "installing ${missing[*]}" "apt-get install ${missing[*]}"
  log "apt-get install ${missing[*]}"
  if [ ! -f "$BEOWULF_CACHE/.apt-updated" ] || [ -n "$(find "$BEOWULF_CACHE/.apt-updated" -mmin +360 2>/dev/null)" ]; then
    apt-get update -qq
    mkdir -p "$BEOWULF_CACHE" && touch "$BEOWULF_CACHE/.apt-updated"
  fi
  mkdir -p "$BEOWULF_CACHE"
  DEBIAN_FRONTEND=noninteractive DEBCONF_NOWARNINGS=yes \
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >"$BEOWULF_CACHE/apt.log" 2>&1 \
    || { tail -20 "$BEOWULF_CACHE/apt.log" >&2; die "apt-get install ${missing[*]} failed; see $BEOWULF_CACHE/apt.log"; }
}

do_venv() {
  local req="$BEOWULF_ROOT/requirements.txt" stamp="$BEOWULF_VENV/.requirements.sha256"
  local want; want=$(sha256sum "$req" | cut -d' ' -f1)
  if [ -x "$BEOWULF_VENV/bin/python" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then
    return 0
  fi
  log "creating $BEOWULF_VENV from requirements.txt"
  python3 -m venv "$BEOWULF_VENV" || die "python3 -m venv failed (Debian: apt-get install python3-venv)"
  mkdir -p "$BEOWULF_CACHE"
  "$BEOWULF_VENV/bin/pip" install -q --disable-pip-version-check -r "$req" >"$BEOWULF_CACHE/pip.log" 2>&1 \
    || { tail -20 "$BEOWULF_CACHE/pip.log" >&2; die "pip install failed; see $BEOWULF_CACHE/pip.log"; }
  echo "$want" > "$stamp"
}

do_engine() {
  if docker info >/dev/null 2>&1; then return 0; fi
  if ! command -v dockerd >/dev/null; then
    need_root_debian "the Docker engine" "install and start a Docker engine, then re-run"
    apt_install docker.io
  fi
  if ! docker info >/dev/null 2>&1; then
    [ "$(id -u)" = 0 ] || die "Docker engine not running and not root: start dockerd (or ask an admin), then re-run"
    mkdir -p "$BEOWULF_CACHE"
    log "starting dockerd in the background (log: $BEOWULF_CACHE/dockerd.log)"
    if command -v systemctl >/dev/null && [ -d /run/systemd/system ]; then
      systemctl start docker || true
    fi
    if ! docker info >/dev/null 2>&1; then
      nohup dockerd >"$BEOWULF_CACHE/dockerd.log" 2>&1 &
      # make demo-destroy stops the engine it started (and only that one) when nothing else uses it.
      echo $! > "$BEOWULF_CACHE/dockerd.pid"
    fi
    for _ in $(seq 1 60); do docker info >/dev/null 2>&1 && break; sleep 1; done
    docker info >/dev/null 2>&1 || die "dockerd did not answer within 60 s; see $BEOWULF_CACHE/dockerd.log"
  fi
}

# systemd 258 and later boot only on cgroup v2; on a cgroup v1 host (these test machines) an
# image of a newer Debian keeps Debian 13's systemd as PID 1 (pinned), the rest of it unchanged.
cgroup_v1_host() { [ "$(stat -fc %T /sys/fs/cgroup 2>/dev/null)" != cgroup2fs ]; }

keep_trixie_systemd() {  # keep_trixie_systemd IMAGE MIRROR
  local image=$1 mirror=$2 tmp="beowulf-image-build-$$"
  docker rm -f "$tmp" >/dev/null 2>&1 || true
  docker run --name "$tmp" -e DEBIAN_FRONTEND=noninteractive "$image" sh -ec "
    echo 'deb $mirror trixie main' > /etc/apt/sources.list.d/beowulf-systemd.list
    printf 'Package: systemd systemd-sysv libsystemd-shared libsystemd0 libudev1 udev libpam-systemd libnss-systemd systemd-timesyncd\nPin: release n=trixie\nPin-Priority: 1001\n' > /etc/apt/preferences.d/beowulf-systemd
    apt-get update -qq
    apt-get install -y -qq --allow-downgrades systemd systemd-sysv libsystemd-shared libsystemd0 libudev1
    rm -rf /var/cache/apt/archives/*.deb" >>"$BEOWULF_CACHE/debootstrap-testing.log" 2>&1 \
    || { docker rm -f "$tmp" >/dev/null 2>&1; die "pinning Debian 13's systemd in $image failed; see $BEOWULF_CACHE/debootstrap-testing.log"; }
  docker commit -c 'CMD ["/lib/systemd/systemd"]' "$tmp" "$image" >/dev/null
  docker rm -f "$tmp" >/dev/null
}

build_image() {  # build_image NAME SUITE
  local name=$1 suite=$2 stamp=$BEOWULF_IMAGE_STAMP
  [ "$suite" = testing ] && cgroup_v1_host && stamp="$stamp;pid1=trixie"
  local have
  have=$(docker image inspect -f '{{ index .Config.Labels "beowulf.include" }}' "$name" 2>/dev/null || true)
  if [ "$have" = "$stamp" ]; then return 0; fi
  apt_install debootstrap
  local dir; dir=$(mktemp -d "${TMPDIR:-/tmp}/beowulf-rootfs.XXXXXX")
  local mirror; mirror=$(beowulf_mirror)
  log "building $name: debootstrap $suite from $mirror (about a minute; log: $BEOWULF_CACHE/debootstrap-$suite.log)"
  if ! debootstrap --variant=minbase --include="$BEOWULF_IMAGE_INCLUDE" "$suite" "$dir" "$mirror" \
      >"$BEOWULF_CACHE/debootstrap-$suite.log" 2>&1; then
    rm -rf "$dir"; die "debootstrap $suite failed; see $BEOWULF_CACHE/debootstrap-$suite.log"
  fi
  # A container image: no machine-id (systemd makes one per container); package lists kept.
  : > "$dir/etc/machine-id"
  rm -rf "$dir"/var/cache/apt/archives/*.deb
  # testing's Release files carry a Valid-Until that a snapshot mirror lets pass.
  [ "$suite" = testing ] && echo 'Acquire::Check-Valid-Until "false";' > "$dir/etc/apt/apt.conf.d/99beowulf-mirror"
  tar -C "$dir" -c . | docker import -c 'CMD ["/lib/systemd/systemd"]' \
    -c "LABEL beowulf.include=$stamp" - "$name" >/dev/null
  rm -rf "$dir"
  if [ "$suite" = testing ] && cgroup_v1_host; then keep_trixie_systemd "$name" "$mirror"; fi
  docker image prune -f --filter "label=beowulf.include" >/dev/null  # the replaced build
}

do_images() {
  do_engine
  mkdir -p "$BEOWULF_CACHE"
  build_image "$BEOWULF_IMAGE_DEBIAN12" bookworm
  [ "${1:-}" = demo ] && return 0  # the emulated board is Debian 12 only
  build_image "$BEOWULF_IMAGE_DEBIAN13" trixie
  build_image "$BEOWULF_IMAGE_TESTING" testing
}

# Jobs that wait mostly on the mirror, side by side; fails (after all ended) if any failed.
in_parallel() {  # in_parallel FUNCTION... (each one a job)
  local pids=() failed=0
  for job in "$@"; do "$job" & pids+=($!); done
  for pid in "${pids[@]}"; do wait "$pid" || failed=1; done
  [ "$failed" = 0 ] || die "bootstrap: a step above failed (its log is named above)"
}

# Debian 12 and 13 also as the molecule tier's node images (packages preinstalled: tools/node_image.py).
node_image() { python3 "$BEOWULF_ROOT/tools/node_image.py" "$1" >/dev/null || die "building the node image of $1 failed"; }
image_debian12() { build_image "$BEOWULF_IMAGE_DEBIAN12" bookworm && node_image "$BEOWULF_IMAGE_DEBIAN12"; }
image_debian13() { build_image "$BEOWULF_IMAGE_DEBIAN13" trixie && node_image "$BEOWULF_IMAGE_DEBIAN13"; }
image_testing() { build_image "$BEOWULF_IMAGE_TESTING" testing; }

do_all() {
  do_tools
  # Every Debian package first, in one apt run (dpkg takes one at a time); then the venv, the
  # three base images (and two node images) and the VM image side by side (mostly downloads).
  local packages=(debootstrap qemu-system-x86 qemu-utils e2fsprogs openssh-client)
  command -v dockerd >/dev/null || docker info >/dev/null 2>&1 || packages+=(docker.io)
  apt_install "${packages[@]}"
  do_engine
  in_parallel do_venv image_debian12 image_debian13 image_testing do_vm
}

do_vm() {
  # qemu (TCG) and the cached Debian 12 VM image for the storage scenario (tools/vm.py).
  apt_install qemu-system-x86 qemu-utils debootstrap e2fsprogs openssh-client
  [ "$(id -u)" = 0 ] || die "building the VM image needs root (debootstrap); run as root"
  python3 "$BEOWULF_ROOT/tools/vm.py" image >/dev/null
}

do_tools() {
  # ssh, ssh-keygen, ssh-keyscan for the emulated board; git for the sanity tree.
  command -v ssh-keyscan >/dev/null && command -v git >/dev/null && return 0
  apt_install openssh-client git
}

case "${1:-all}" in
  tools) do_tools ;;
  venv) do_venv ;;
  engine) do_engine ;;
  images) do_images ;;
  vm) do_vm ;;
  demo) do_tools; do_venv; do_engine; do_images demo ;;  # what make demo uses, nothing more
  all) do_all ;;
  *) die "usage: $0 [tools|venv|engine|images|vm|demo|all]" ;;
esac
