#!/usr/bin/env bash
# ocgen 0.1.0 · profile serve · OpenClaw 2026.9.6 · generated — do not edit.
# Edit deploy.toml and run `ocgen render` instead; `ocgen check` tells whether this file is stale.
#
# Entrypoint of the OpenClaw gateway container. It starts as root, does as root only
# what needs root, and runs the gateway as uid 1000 / gid 1000. In order:
#   1. refuse to start without the gateway token;
#   2. start tailscaled (userspace networking, as root), make the gateway's user its
#      operator (OpenClaw runs `tailscale serve` as that user), log in with TS_AUTHKEY
#      when it is set, and wait until the node is Running (on timeout: exit, config untouched);
#   3. hand the OpenClaw state directories to the gateway's user: create them, and give
#      it what root owns there (an older deploy ran everything as root); nothing else;
#   4. make sure `openclaw` on PATH is the image's pinned release (restore the link if not);
#   5. as the gateway's user: patch openclaw.json with jq (temp file + mv;
#      keys it does not own are kept; a link planted there cannot make root read or write elsewhere);
#   6. drop to the gateway's user (setpriv: no setuid helper, no capabilities, no new
#      privileges) and exec the gateway (tailscaled keeps running as root in the background).
#
# Locations come from the environment (defaults are production's):
#   OPENCLAW_DATA_DIR     data volume                (/data)
#   OPENCLAW_STATE_DIR    OpenClaw state             ($OPENCLAW_DATA_DIR/.openclaw)
#   OPENCLAW_CONFIG_PATH  openclaw.json              ($OPENCLAW_STATE_DIR/openclaw.json)
#   OPENCLAW_IMAGE_DIR    the image's OpenClaw       (/opt/openclaw)
#   OPENCLAW_BIN          the link on PATH           (/usr/local/bin/openclaw)
#   HOME                  the gateway's HOME; root's (Docker's default) becomes the
#                         gateway user's own from /etc/passwd (/home/node)
#   TS_STATE_DIR          tailscaled state           ($OPENCLAW_DATA_DIR/tailscale)
#   TS_SOCKET             tailscaled socket          (/var/run/tailscale/tailscaled.sock)
#   TS_WAIT_SECONDS       how long to wait for login (30)
set -euo pipefail

log() { printf '[bootstrap] %s\n' "$*" >&2; }
die() {
  log "error: $*"
  exit 1
}

OPENCLAW_DATA_DIR="${OPENCLAW_DATA_DIR:-/data}"
OPENCLAW_STATE_DIR="${OPENCLAW_STATE_DIR:-$OPENCLAW_DATA_DIR/.openclaw}"
OPENCLAW_CONFIG_PATH="${OPENCLAW_CONFIG_PATH:-$OPENCLAW_STATE_DIR/openclaw.json}"
export OPENCLAW_STATE_DIR OPENCLAW_CONFIG_PATH

# The gateway's user (the image creates it; OpenClaw's official image uses the same ids).
GATEWAY_UID=1000
GATEWAY_GID=1000
# Run a command as the gateway's user: real, effective and saved ids, no supplementary
# groups, no inheritable capabilities, and no way back up (no_new_privs).
as_gateway=(setpriv --reuid="$GATEWAY_UID" --regid="$GATEWAY_GID" --clear-groups --inh-caps=-all --no-new-privs --)

config_tmp=""
cleanup() {
  local status=$?
  if [ -n "$config_tmp" ]; then
    rm -f -- "$config_tmp"
  fi
  if [ -n "${tailscaled_pid:-}" ]; then
    kill "$tailscaled_pid" 2>/dev/null || true
    wait "$tailscaled_pid" 2>/dev/null || true
  fi
  return "$status"
}
trap cleanup EXIT

# Create a directory only its owner can read (it holds tokens and keys).
private_dir() {
  if [ ! -d "$1" ]; then
    mkdir -p -- "$1"
    chmod 0700 -- "$1"
  fi
}

# 5. Patch openclaw.json. What the patch does, and why:
#   .gateway.port = 18789
#       the port the gateway listens on (and the healthcheck dials)
#   .gateway.bind = "loopback"
#       Tailscale Serve requires a loopback gateway; the tailnet reaches it over HTTPS
#   .gateway.mode = "local"
#       the gateway refuses to start without mode=local
#   del(.gateway.remote)
#       only remote mode reads it
#   del(.gateway.tls)
#       [gateway] tls = "off": plain http; a gateway.tls left from tls = "self-signed" would keep TLS on
#   .gateway.tailscale.mode = "serve"
#       OpenClaw runs `tailscale serve` to publish the loopback gateway to the tailnet over HTTPS
#   .gateway.auth.allowTailscale = false
#       otherwise every user-owned device on the tailnet gets in without the token on Serve's say-so (Tailscale-User-Login, checked with tailscale whois), and from 2026.5.12 without the operator approving the device; set it true in [openclaw.config] to let tailnet identity stand in for the token
#   .browser.noSandbox = true
#       OpenClaw 2026.9.6 starts Chromium with its sandbox unless this is set, and the sandbox needs user namespaces (Docker's seccomp profile refuses them) or a setuid helper (no-new-privileges): without it the browser tool fails ("No usable sandbox!"); set it false in [openclaw.config] only if the container may create user namespaces
#   .browser.defaultProfile = "openclaw"
#       the browser the image ships, which OpenClaw launches itself; up to 2026.2.23 the default profile is `chrome`, the relay to a desktop Chrome's extension, which a container never has ("no tab is connected"); `openclaw` is the default from 2026.5.12
#   .browser.headless = true
#       the container has no display: Chromium must run headless (OpenClaw up to 2026.2.23 passes --headless only when this is set, later releases also on Linux without DISPLAY; the image's headless shell needs neither, a full Chromium in browser.executablePath fails with "Missing X server")
#   .gateway.trustedProxies = ["127.0.0.1","::1"]
#       Tailscale Serve proxies from loopback: only it may say who the tailnet client is (X-Forwarded-For); OpenClaw 2026.9.6 refuses proxied requests (HTTP 403) otherwise
#   del(.gateway.tailscale.resetOnExit)
#       retired in OpenClaw 2026.9.6; an older config may still carry it
#   del(.commands.useAccessGroups)
#       retired in OpenClaw 2026.9.6; an older config may still carry it
#   not written: gateway.tailscale.resetOnExit
#       OpenClaw 2026.9.6 rejects it; the seed set it because it keeps the Serve configuration across gateway restarts
JQ_PATCH='.gateway.port = 18789
| .gateway.bind = "loopback"
| .gateway.mode = "local"
| del(.gateway.remote)
| del(.gateway.tls)
| .gateway.tailscale.mode = "serve"
| .gateway.auth.allowTailscale = false
| .browser.noSandbox = true
| .browser.defaultProfile = "openclaw"
| .browser.headless = true
| .gateway.trustedProxies = ["127.0.0.1","::1"]
| del(.gateway.tailscale.resetOnExit)
| del(.commands.useAccessGroups)'
# Runs as the gateway's user (step 5), in the directory step 3 gave it.
patch_config() {
  config_tmp=$(mktemp -- "$OPENCLAW_CONFIG_PATH.ocgen.XXXXXX")
  if [ -s "$OPENCLAW_CONFIG_PATH" ] && grep -q '[^[:space:]]' -- "$OPENCLAW_CONFIG_PATH"; then
    if ! jq --slurp "if length == 1 and (.[0] | type) == \"object\" then .[0] | $JQ_PATCH else error(\"expected one JSON object\") end" \
      -- "$OPENCLAW_CONFIG_PATH" >"$config_tmp"; then
      die "cannot patch $OPENCLAW_CONFIG_PATH: it is not one JSON object; fix or remove it (left untouched)"
    fi
  else
    log "no config at $OPENCLAW_CONFIG_PATH yet: starting from {}"
    jq -n "{} | $JQ_PATCH" >"$config_tmp"
  fi
  chmod 0600 -- "$config_tmp"
  if cmp -s -- "$config_tmp" "$OPENCLAW_CONFIG_PATH"; then
    log "config $OPENCLAW_CONFIG_PATH already up to date"
    chmod 0600 -- "$OPENCLAW_CONFIG_PATH"
    rm -f -- "$config_tmp"
  else
    mv -f -- "$config_tmp" "$OPENCLAW_CONFIG_PATH"
    log "patched $OPENCLAW_CONFIG_PATH"
  fi
  config_tmp=""
}

if [ "${1:-}" = --patch-config ]; then
  # Step 5: the root part below runs this script again like this, as the gateway's user.
  patch_config
  exit 0
fi

# 1. The gateway token (jq reads it from the environment, never from argv).
if [ -z "${OPENCLAW_GATEWAY_TOKEN:-}" ]; then
  die "OPENCLAW_GATEWAY_TOKEN is empty: set it in Coolify's environment variables (see coolify.env)"
fi
export OPENCLAW_GATEWAY_TOKEN

# Steps 2-4 need root (tailscaled, the ownership of the volume, /usr/local/bin).
[ "$EUID" -eq 0 ] \
  || die "bootstrap.sh runs as uid $EUID: it must start as root and drops to uid $GATEWAY_UID itself; remove \`user:\` from the compose service"
# The gateway user's name (tailscaled's operator) and home, and root's home, from /etc/passwd.
gateway_user="" gateway_home="" root_home=""
while IFS=: read -r name _ uid _ _ home _; do
  case "$uid" in
    0) [ -n "$root_home" ] || root_home=$home ;;
    "$GATEWAY_UID") [ -n "$gateway_user" ] || { gateway_user=$name; gateway_home=$home; } ;;
  esac
done </etc/passwd
[ -n "$gateway_user" ] \
  || die "no user with uid $GATEWAY_UID in /etc/passwd: the image creates it (rebuild it from the rendered Dockerfile)"

# 2. Tailscale: tailscaled in this container, userspace networking, default socket
#    (OpenClaw runs `tailscale serve` without --socket).
TS_SOCKET="${TS_SOCKET:-/var/run/tailscale/tailscaled.sock}"
TS_STATE_DIR="${TS_STATE_DIR:-$OPENCLAW_DATA_DIR/tailscale}"
TS_WAIT_SECONDS="${TS_WAIT_SECONDS:-30}"
TS_HOSTNAME="${TS_HOSTNAME:-openclaw-server}"
case "$TS_WAIT_SECONDS" in
  '' | *[!0-9]*) die "TS_WAIT_SECONDS must be a whole number of seconds, not '$TS_WAIT_SECONDS'" ;;
esac
# Keep the auth key out of every child's environment and argv.
ts_auth_key="${TS_AUTHKEY:-}"
unset TS_AUTHKEY

ts() { tailscale --socket="$TS_SOCKET" "$@"; }
ts_backend_state() {
  { ts status --json 2>/dev/null || true; } | jq -r '.BackendState // empty' 2>/dev/null || true
}

mkdir -p -- "$(dirname -- "$TS_SOCKET")"
private_dir "$TS_STATE_DIR"
ts_state_arg="$TS_STATE_DIR/tailscaled.state"
deadline=$((SECONDS + TS_WAIT_SECONDS))
log "starting tailscaled (userspace networking, socket $TS_SOCKET)"
tailscaled --tun=userspace-networking --state="$ts_state_arg" --socket="$TS_SOCKET" &
tailscaled_pid=$!

# Poll the backend state every 50 ms until it is one of $1 (|-separated); the
# state seen last is left in $ts_state.
ts_state=""
ts_wait_for() {
  local want=$1
  while :; do
    ts_state=$(ts_backend_state)
    # A `case` pattern from a variable would treat | literally: match by hand.
    [[ -n "$ts_state" && "|$want|" == *"|$ts_state|"* ]] && return 0
    kill -0 "$tailscaled_pid" 2>/dev/null || die "tailscaled exited during start-up"
    if [ "$SECONDS" -ge "$deadline" ]; then
      log "tailscale is not ready after ${TS_WAIT_SECONDS}s (state: ${ts_state:-no answer})"
      return 1
    fi
    sleep 0.05
  done
}
ts_wait_for 'NeedsLogin|NeedsMachineAuth|Stopped|Running' \
  || die "tailscaled did not answer within ${TS_WAIT_SECONDS}s; config untouched, gateway not started"
# OpenClaw runs `tailscale serve` as the gateway's user. tailscaled lets only root, its own
# user and its operator change its state (Tailscale's ipn/ipnauth IsReadonlyConn); anyone
# else gets "Access denied: serve config denied". So that user becomes the operator (a pref
# kept with the node): with `up --operator` when this script logs in, else with `tailscale
# set --operator` once Running (a node logged in before, e.g. by an older deploy, or by hand).
operator_set=""
if [ "$ts_state" != "Running" ]; then
  if [ -n "$ts_auth_key" ]; then
    log "logging in to the tailnet as $TS_HOSTNAME"
    # The key goes through a file descriptor: never in argv, never on disk.
    ts up --auth-key=file:/dev/fd/3 --hostname="$TS_HOSTNAME" --operator="$gateway_user" --timeout="$((deadline > SECONDS ? deadline - SECONDS : 1))s" --advertise-tags=tag:server 3<<<"$ts_auth_key" \
      || die "tailscale up failed; config untouched, gateway not started"
    operator_set=1
  else
    log "no TS_AUTHKEY: waiting for an interactive login (docker exec … tailscale up)"
  fi
  ts_auth_key=""
  ts_wait_for 'Running' \
    || die "tailscale did not reach Running within ${TS_WAIT_SECONDS}s; config untouched, gateway not started"
fi
ts_auth_key=""
if [ -z "$operator_set" ]; then
  ts set --operator="$gateway_user" \
    || die "tailscale set --operator=$gateway_user failed; config untouched, gateway not started"
fi
log "tailscale is Running"

# 3. The OpenClaw state directories belong to the gateway's user: create them for it,
#    and give it every entry root owns there (what a deploy from before the gateway ran
#    unprivileged left, or a `docker exec` as root). Entries owned by anyone else are
#    left alone; links are not followed (chown -h); modes are kept.
hand_over_dir() {
  local dir=$1
  [ "$dir" != / ] || die "refusing to hand / to the gateway's user; check OPENCLAW_STATE_DIR and OPENCLAW_CONFIG_PATH"
  if [ ! -d "$dir" ]; then
    mkdir -p -- "$(dirname -- "$dir")"
    private_dir "$dir"
  fi
  find "$dir" -xdev -user 0 -exec chown -h -- "$GATEWAY_UID:$GATEWAY_GID" {} +
}
config_dir=$(dirname -- "$OPENCLAW_CONFIG_PATH")
if [ "$config_dir" != "$OPENCLAW_STATE_DIR" ]; then
  hand_over_dir "$config_dir"
fi
hand_over_dir "$OPENCLAW_STATE_DIR"

# 4. The openclaw on PATH must be the image's pinned 2026.9.6: an agent running
#    `npm install -g openclaw@…` inside the container replaces /usr/local/bin/openclaw.
#    Compare the version of the package the executable belongs to; restore the link if needed.
OPENCLAW_IMAGE_DIR="${OPENCLAW_IMAGE_DIR:-/opt/openclaw}"
OPENCLAW_BIN="${OPENCLAW_BIN:-/usr/local/bin/openclaw}"
pinned_version=2026.9.6
package_version() {
  local real
  real=$(readlink -f -- "$1" 2>/dev/null) || return 0
  jq -r '.version // empty' -- "$(dirname -- "$real")/package.json" 2>/dev/null || true
}
if [ -d "$OPENCLAW_IMAGE_DIR/node_modules/openclaw" ]; then
  found=$(command -v openclaw || true)
  found_version=$(package_version "${found:-/nonexistent}")
  if [ "$found_version" != "$pinned_version" ]; then
    log "openclaw on PATH (${found:-none}, version ${found_version:-unknown}) is not the image's $pinned_version: restoring $OPENCLAW_BIN"
    ln -sfn -- "$OPENCLAW_IMAGE_DIR/node_modules/.bin/openclaw" "$OPENCLAW_BIN"
    hash -r
    found=$(command -v openclaw || true)
    [ "$(package_version "${found:-/nonexistent}")" = "$pinned_version" ] \
      || die "openclaw on PATH (${found:-none}) is still not $pinned_version after restoring $OPENCLAW_BIN; check PATH"
  fi
fi

# 5. Patch the config as the gateway's user (this script again, in its --patch-config mode).
"${as_gateway[@]}" "$BASH" "${BASH_SOURCE[0]}" --patch-config || exit 1

# 6. Start the gateway in this process, as its user. Docker gives root's HOME (/root),
#    which the gateway cannot write: it gets its own.
if [ -z "${HOME:-}" ] || [ "$HOME" = "$root_home" ]; then
  export HOME="$gateway_home"
fi
trap - EXIT
log "exec openclaw gateway run as $gateway_user (uid $GATEWAY_UID, gid $GATEWAY_GID)"
exec "${as_gateway[@]}" openclaw gateway run
