#!/usr/bin/env bash
# A private, fenced Docker engine for ocgen's engine tests (tests/docker_e2e.rs).
#
#   scripts/docker-engine.sh install   apt-get install Debian's docker.io and mmdebstrap when missing
#   scripts/docker-engine.sh start     install, then start dockerd in the background (idempotent)
#   scripts/docker-engine.sh stop      stop the dockerd this script started, by its PID
#   scripts/docker-engine.sh status    exit 0 when the engine answers, 1 when not
#   scripts/docker-engine.sh env       print the variables a client needs (eval-able)
#
# The engine has a data root, exec root, pidfile and socket of its own, so it never
# meets a system Docker:
#   OCGEN_DOCKER_ROOT  data root: images, build cache, volumes   (/var/lib/ocgen-docker)
#   OCGEN_DOCKER_RUN   socket, pidfile, exec root                (/run/ocgen-docker)
# The data root lives outside the clone on purpose: a fresh clone on the same machine
# (CI) reuses the image store and the build cache, so a warm run rebuilds only what
# changed. Delete it to measure a cold run.
#
# The fence: dockerd gets HTTP(S)_PROXY=http://127.0.0.1:9, so any pull fails at once
# (the Hub is unreachable here; every base image is a local stand-in, see
# scripts/docker-stand-ins.sh); --bridge=none, so no container has a default bridge;
# the tests put services on `internal: true` networks and build with --network host
# (RUN steps reach apt and npm exactly as the host does, nothing else).
# Clients: Debian's /usr/bin/docker with DOCKER_BUILDKIT=1 (a newer CLI elsewhere on PATH
# may lack buildx and reject `COPY --chmod`), DOCKER_HOST=unix://$OCGEN_DOCKER_RUN/docker.sock.
set -euo pipefail

DATA_ROOT="${OCGEN_DOCKER_ROOT:-/var/lib/ocgen-docker}"
RUN_DIR="${OCGEN_DOCKER_RUN:-/run/ocgen-docker}"
SOCK="$RUN_DIR/docker.sock"
PIDFILE="$RUN_DIR/dockerd.pid"
LOG="$DATA_ROOT/dockerd.log"
DOCKER=/usr/bin/docker
START_TIMEOUT=60

log() { printf '[docker-engine] %s\n' "$*" >&2; }
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

install() {
  local missing=()
  [[ -x /usr/sbin/dockerd && -x "$DOCKER" ]] || missing+=(docker.io)
  command -v mmdebstrap >/dev/null 2>&1 || missing+=(mmdebstrap)
  # docker.io recommends these; the engine needs iptables for internal networks
  command -v iptables >/dev/null 2>&1 || missing+=(iptables)
  ((${#missing[@]})) || return 0
  local sudo=()
  if [[ "$(id -u)" != 0 ]]; then
    command -v sudo >/dev/null 2>&1 || die "need root (or sudo) to apt-get install ${missing[*]}"
    sudo=(sudo)
  fi
  log "apt-get install ${missing[*]}"
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
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
  log "starting dockerd (data root $DATA_ROOT, socket $SOCK, log $LOG)"
  # setsid: its own session, so it outlives the caller and is stopped only by PID;
  # 8>&-: it must not inherit (and hold forever) the start lock.
  # Own containerd namespaces: even a shared system containerd keeps the two apart.
  HTTP_PROXY=http://127.0.0.1:9 HTTPS_PROXY=http://127.0.0.1:9 NO_PROXY='' \
    http_proxy=http://127.0.0.1:9 https_proxy=http://127.0.0.1:9 no_proxy='' \
    setsid /usr/sbin/dockerd \
    --data-root="$DATA_ROOT" \
    --exec-root="$RUN_DIR/exec" \
    --pidfile="$PIDFILE" \
    --host="unix://$SOCK" \
    --containerd-namespace=ocgen \
    --containerd-plugins-namespace=ocgen-plugins \
    --storage-driver=overlay2 \
    --bridge=none \
    --ip-forward=false \
    --ip-masq=false \
    --userland-proxy=false \
    --log-driver=json-file \
    --log-opt=max-size=10m \
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
  env) printf 'export DOCKER_HOST=%q DOCKER_BUILDKIT=1 OCGEN_DOCKER=%q\n' "unix://$SOCK" "$DOCKER" ;;
  -h | --help) sed -n '2,8p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' ;;
  *) die "usage: $0 install|start|stop|status|env" ;;
esac
