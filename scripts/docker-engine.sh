#!/usr/bin/env bash
# Private, fenced Docker engines for ocgen's engine tests (tests/docker_e2e.rs).
#
#   scripts/docker-engine.sh install   install what the selected engine needs (idempotent)
#   scripts/docker-engine.sh start     install, then start its dockerd in the background (idempotent)
#   scripts/docker-engine.sh stop      stop the dockerd this script started, by its PID
#   scripts/docker-engine.sh status    exit 0 when the engine answers, 1 when not
#   scripts/docker-engine.sh env       print the variables a client needs (eval-able)
#
# Two engines, selected by OCGEN_DOCKER_ENGINE; each command acts on that one:
#   26     (default) Docker Engine 26.1.5 (API 1.45), a current engine: Debian trixie's
#          docker.io and containerd, downloaded with a private apt state (the system's
#          apt sources and packages are untouched) and unpacked into a private prefix,
#          $OCGEN_DOCKER26_PREFIX (/var/cache/ocgen-test/engine26; stamped, so a second
#          install does nothing). Bookworm's runc is its runtime (trixie's runc needs
#          glibc 2.38). Health checks honour `start_interval` (Engine >= 25).
#   20.10  Debian bookworm's docker.io 20.10.24, the floor: no `start_interval`.
#
# Each engine has a data root, exec root, pidfile, socket and containerd namespace of
# its own, so the two run side by side and never meet a system Docker:
#   OCGEN_DOCKER_ROOT  data root: images, build cache, volumes
#                      (/var/lib/ocgen-docker-26; 20.10: /var/lib/ocgen-docker)
#   OCGEN_DOCKER_RUN   socket, pidfile, exec root
#                      (/run/ocgen-docker-26; 20.10: /run/ocgen-docker)
# The data roots live outside the clone on purpose: a fresh clone on the same machine
# (CI) reuses the image store and the build cache, so a warm run rebuilds only what
# changed. Delete one to measure a cold run.
#
# The fence: dockerd gets HTTP(S)_PROXY=http://127.0.0.1:9, so any pull fails at once
# (the Hub is unreachable here; every base image is a local stand-in, see
# scripts/docker-stand-ins.sh); --bridge=none, so no container has a default bridge;
# the tests put services on `internal: true` networks and build with --network host
# (RUN steps reach apt and npm exactly as the host does, nothing else).
# Engine 26 runs with --iptables=false: at start-up a dockerd flushes the host's DOCKER*
# chains, which would take the rules of the 20.10 engine running beside it (an internal
# network has no default route either way, and the host does not forward: ip_forward=0).
# Clients: Debian's /usr/bin/docker (20.10) with DOCKER_BUILDKIT=1 for both engines (a
# newer CLI elsewhere on PATH may lack buildx and reject `COPY --chmod`),
# DOCKER_HOST=unix://$OCGEN_DOCKER_RUN/docker.sock.
set -euo pipefail

ENGINE="${OCGEN_DOCKER_ENGINE:-26}"
PREFIX26="${OCGEN_DOCKER26_PREFIX:-/var/cache/ocgen-test/engine26}"
# what the prefix holds (trixie's current versions: 26.1.5 and 1.7.24 when this was
# written); a change here, or a missing stamp, re-installs it
PACKAGES26=(docker.io containerd)
TRIXIE="deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian trixie main"
case "$ENGINE" in
  26)
    DATA_ROOT="${OCGEN_DOCKER_ROOT:-/var/lib/ocgen-docker-26}"
    RUN_DIR="${OCGEN_DOCKER_RUN:-/run/ocgen-docker-26}"
    DOCKERD="$PREFIX26/root/usr/sbin/dockerd"
    NAMESPACE=ocgen26
    ;;
  20.10)
    DATA_ROOT="${OCGEN_DOCKER_ROOT:-/var/lib/ocgen-docker}"
    RUN_DIR="${OCGEN_DOCKER_RUN:-/run/ocgen-docker}"
    DOCKERD=/usr/sbin/dockerd
    NAMESPACE=ocgen
    ;;
  *)
    printf '[docker-engine] ERROR: OCGEN_DOCKER_ENGINE=%s: 26 or 20.10\n' "$ENGINE" >&2
    exit 1
    ;;
esac
SOCK="$RUN_DIR/docker.sock"
PIDFILE="$RUN_DIR/dockerd.pid"
LOG="$DATA_ROOT/dockerd.log"
DOCKER=/usr/bin/docker
START_TIMEOUT=60

log() { printf '[docker-engine %s] %s\n' "$ENGINE" "$*" >&2; }
die() {
  log "ERROR: $*"
  exit 1
}

client() { DOCKER_HOST="unix://$SOCK" DOCKER_BUILDKIT=1 "$DOCKER" "$@"; }
answers() { [[ -S "$SOCK" ]] && client version --format '{{.Server.Version}}' >/dev/null 2>&1; }
running_pid() {
  local pid
  pid="$(cat "$PIDFILE" 2>/dev/null)" || return 1
  [[ "$pid" =~ ^[0-9]+$ ]] && [[ "$(cat "/proc/$pid/comm" 2>/dev/null)" == dockerd ]] && printf '%s' "$pid"
}

apt_install() {
  ((${#@})) || return 0
  local sudo=()
  if [[ "$(id -u)" != 0 ]]; then
    command -v sudo >/dev/null 2>&1 || die "need root (or sudo) to apt-get install $*"
    sudo=(sudo)
  fi
  log "apt-get install $*"
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

install() {
  local missing=()
  # the 20.10 client serves both engines; 26 runs bookworm's runc and tini
  [[ -x /usr/sbin/dockerd && -x "$DOCKER" ]] || missing+=(docker.io)
  [[ -x /usr/sbin/runc ]] || missing+=(runc)
  command -v mmdebstrap >/dev/null 2>&1 || missing+=(mmdebstrap)
  # docker.io recommends these; the 20.10 engine needs iptables for internal networks
  command -v iptables >/dev/null 2>&1 || missing+=(iptables)
  apt_install "${missing[@]}"
  if [[ "$ENGINE" == 26 ]]; then install26; fi
}

# Engine 26: trixie's .debs, fetched with an apt state of its own (sources list, lists,
# cache under the prefix; the system's apt is not told about trixie) and unpacked with
# dpkg-deb -x into $PREFIX26/root. Stamped with the package versions.
install26() {
  local stamp="$PREFIX26/stamp" want
  want="$(printf '%s\n' "${PACKAGES26[@]}")"
  if [[ "$(cat "$stamp" 2>/dev/null)" == "$want" && -x "$DOCKERD" ]]; then return 0; fi
  [[ "$(id -u)" == 0 ]] || die "installing Engine 26 into $PREFIX26 needs root"
  local apt="$PREFIX26/apt" debs="$PREFIX26/debs"
  log "Engine 26: apt-get download ${PACKAGES26[*]} (trixie) into $PREFIX26"
  rm -rf "$PREFIX26/root" "$debs"
  mkdir -p "$apt/lists/partial" "$apt/cache/archives/partial" "$debs"
  printf '%s\n' "$TRIXIE" >"$apt/sources.list"
  local opts=(-o "Dir::Etc::SourceList=$apt/sources.list" -o Dir::Etc::SourceParts=/nonexistent
    -o "Dir::State::Lists=$apt/lists" -o "Dir::Cache=$apt/cache" -o APT::Sandbox::User=root)
  apt-get "${opts[@]}" update -qq
  (cd "$debs" && apt-get "${opts[@]}" download "${PACKAGES26[@]}" >/dev/null)
  local deb
  for deb in "$debs"/*.deb; do dpkg-deb -x "$deb" "$PREFIX26/root"; done
  local version
  version="$("$DOCKERD" --version)" || die "$DOCKERD does not run on this machine"
  [[ "$version" == "Docker version 26."* ]] || die "trixie's docker.io is no longer Engine 26: $version"
  printf '%s\n' "$want" >"$stamp"
  log "Engine 26: $("$DOCKERD" --version)"
}

start() {
  [[ "$(id -u)" == 0 ]] || die "dockerd needs root (run the engine tests as root, or start the engine with sudo $0 start)"
  install
  mkdir -p "$DATA_ROOT" "$RUN_DIR"
  exec 8>>"$RUN_DIR/start.lock"
  flock 8
  if running_pid >/dev/null && answers; then return 0; fi
  if pid="$(running_pid)"; then
    log "dockerd $pid does not answer; stopping it"
    stop
  fi
  log "starting $DOCKERD (data root $DATA_ROOT, socket $SOCK, log $LOG)"
  # setsid: its own session, so it outlives the caller and is stopped only by PID;
  # 8>&-: it must not inherit (and hold forever) the start lock.
  # Own containerd namespaces: even a shared system containerd keeps the two apart.
  local extra=() path=/usr/sbin:/usr/bin:/sbin:/bin
  if [[ "$ENGINE" == 26 ]]; then
    # its own containerd and shims first on PATH; bookworm's runc as the runtime
    path="$PREFIX26/root/usr/bin:$PREFIX26/root/usr/sbin:$path"
    extra=(--iptables=false --add-runtime=ocgen-runc=/usr/sbin/runc --default-runtime=ocgen-runc)
  fi
  PATH="$path" HTTP_PROXY=http://127.0.0.1:9 HTTPS_PROXY=http://127.0.0.1:9 NO_PROXY='' \
    http_proxy=http://127.0.0.1:9 https_proxy=http://127.0.0.1:9 no_proxy='' \
    setsid "$DOCKERD" \
    --data-root="$DATA_ROOT" \
    --exec-root="$RUN_DIR/exec" \
    --pidfile="$PIDFILE" \
    --host="unix://$SOCK" \
    --containerd-namespace="$NAMESPACE" \
    --containerd-plugins-namespace="$NAMESPACE-plugins" \
    --storage-driver=overlay2 \
    --bridge=none \
    --ip-forward=false \
    --ip-masq=false \
    --userland-proxy=false \
    --log-driver=json-file \
    --log-opt=max-size=10m \
    "${extra[@]}" \
    </dev/null >>"$LOG" 2>&1 8>&- &
  local waited=0
  until answers; do
    if ! kill -0 $! 2>/dev/null; then
      tail -n 20 "$LOG" >&2 || true
      die "dockerd exited during start-up (log: $LOG)"
    fi
    ((waited++ < START_TIMEOUT * 5)) || die "dockerd does not answer on $SOCK after ${START_TIMEOUT}s (log: $LOG)"
    sleep 0.2
  done
  log "dockerd $(running_pid) answers on $SOCK"
}

stop() {
  local pid
  pid="$(running_pid)" || {
    log "no dockerd of ours is running"
    return 0
  }
  log "stopping dockerd $pid"
  kill -TERM "$pid"
  for _ in $(seq 1 150); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.2
  done
  log "dockerd $pid did not stop within 30 s; killing it"
  kill -KILL "$pid" 2>/dev/null || true
}

case "${1:-}" in
  install) install ;;
  start) start ;;
  stop) stop ;;
  status) answers ;;
  env) printf 'export DOCKER_HOST=%q DOCKER_BUILDKIT=1 OCGEN_DOCKER=%q OCGEN_DOCKER_ENGINE=%q\n' "unix://$SOCK" "$DOCKER" "$ENGINE" ;;
  -h | --help) sed -n '2,17p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' ;;
  *) die "usage: $0 install|start|stop|status|env" ;;
esac
