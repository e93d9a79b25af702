#!/usr/bin/env bash
# ocgen 0.1.0 · profile serve · OpenClaw 2026.9.6 · generated — do not edit.
# Edit deploy.toml and run `ocgen render` instead; `ocgen check` tells whether this file is stale.
#
# Entrypoint of the OpenClaw gateway container. It starts as root, does as root only
# what needs root, and runs the gateway as uid 1000 / gid 1000. In order:
#   1. refuse to start without the gateway token; check which release last ran on the data
#      volume: snapshot the state before an upgrade, refuse (or, when told, restore the
#      snapshot for) a rollback the state cannot take (docs/upgrades.md);
#   2. start tailscaled (userspace networking, as root), make the gateway's user its
#      operator (OpenClaw runs `tailscale serve` as that user), log in with TS_AUTHKEY
#      when it is set, and wait until the node is Running (on timeout: exit, config untouched);
#   3. hand the OpenClaw state directories to the gateway's user: create them, and give
#      it what root owns there (an older deploy ran everything as root); nothing else;
#   4. make sure `openclaw` on PATH is the image's pinned release (restore the link if not);
#   5. as the gateway's user: patch openclaw.json with jq (temp file + mv;
#      keys it does not own are kept; a link planted there cannot make root read or write elsewhere);
#   5b. on an upgrade across a state migration, what the new release needs first (as the
#      gateway's user); record the release on the volume (docs/upgrades.md);
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
  trap - ERR
  log "error: $*"
  exit 1
}
# Faults (docs/upgrades.md#faults): a command that fails where no check names the cause
# (a full or read-only volume, …) still ends the log with a line that says where.
failed() {
  local status=$? line=$1 command=$2
  # In a subshell or $(…) (set -E hands them the trap) only end it: the script around it
  # decides (`x=$(…) || …` handles it; else the assignment fails here, at the top).
  if [ "$BASH_SUBSHELL" -gt 0 ]; then
    exit "$status"
  fi
  trap - ERR
  log "error: \`$command\` failed (exit $status) at line $line of $0; openclaw.json is untouched unless \"patched\" was logged, the gateway is not started"
  exit "$status"
}
set -E
trap 'failed "$LINENO" "$BASH_COMMAND"' ERR

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
  trap - ERR
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
  # Faults: a start killed mid-patch (SIGKILL, a host crash) leaves its temporary file;
  # it is this script's own, never the config: remove it.
  local stale
  for stale in "$OPENCLAW_CONFIG_PATH".ocgen.??????; do
    if [ -f "$stale" ] && [ ! -L "$stale" ]; then
      rm -f -- "$stale"
      log "removed $stale, left by an interrupted start"
    fi
  done
  config_tmp=$(mktemp -- "$OPENCLAW_CONFIG_PATH.ocgen.XXXXXX") \
    || die "cannot create a file next to $OPENCLAW_CONFIG_PATH: is the data volume read-only or full? Make it writable or free space on it (config untouched)"
  if [ -s "$OPENCLAW_CONFIG_PATH" ] && grep -q '[^[:space:]]' -- "$OPENCLAW_CONFIG_PATH"; then
    local one_object="if length == 1 and (.[0] | type) == \"object\" then .[0] else error(\"expected one JSON object\") end"
    if ! jq --slurp "$one_object" -- "$OPENCLAW_CONFIG_PATH" >/dev/null; then
      # OpenClaw keeps the config it overwrote last as openclaw.json.bak: name it when it is whole.
      local hint="fix or remove it"
      if [ -f "$OPENCLAW_CONFIG_PATH.bak" ] && jq --slurp "$one_object" -- "$OPENCLAW_CONFIG_PATH.bak" >/dev/null 2>&1; then
        hint="fix it, or restore OpenClaw's backup of it, which is whole (cp -p $OPENCLAW_CONFIG_PATH.bak $OPENCLAW_CONFIG_PATH), or remove it"
      fi
      die "cannot patch $OPENCLAW_CONFIG_PATH: it is not one JSON object; $hint (left untouched)"
    fi
    jq --slurp "$one_object | $JQ_PATCH" -- "$OPENCLAW_CONFIG_PATH" >"$config_tmp" \
      || die "cannot write the patched config to $config_tmp: is the data volume full? Free space on it (config untouched)"
  else
    log "no config at $OPENCLAW_CONFIG_PATH yet: starting from {}"
    jq -n "{} | $JQ_PATCH" >"$config_tmp" \
      || die "cannot write the new config to $config_tmp: is the data volume full? Free space on it"
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

# --- upgrades and rollbacks (docs/upgrades.md) -----------------------------------------
# Before anything touches the volume: which release last ran on it ($OCGEN_DIR/last-release,
# else openclaw.json's meta.lastTouchedVersion), and what that means for 2026.9.6:
#   the same release    start as usual;
#   older release       upgrade: snapshot the state (all of $OPENCLAW_STATE_DIR but agent
#                       workspaces, tmp/ and cache/) into $OCGEN_DIR/snapshots/<last release>/;
#                       across a state format, after the patch, run what this release needs
#                       first (`openclaw doctor --fix --non-interactive`);
#   newer release       a rollback: where this release cannot read the newer state (a higher
#                       format, or any newer release: OpenClaw 2026.9.6 refuses a config a newer one wrote),
#                       refuse at once and change nothing, unless OCGEN_ROLLBACK=restore:
#                       then put the snapshot back (the replaced state is set aside in
#                       $OCGEN_DIR/replaced/, workspaces are kept) and start.
# State formats (profiles/openclaw-versions.toml, [[range]] state_format), by first release:
#   2026.1.29 and later: 0
#   2026.6.1 and later: 1
#   2026.8.1 and later: 2
OCGEN_DIR="${OCGEN_DIR:-$OPENCLAW_DATA_DIR/.ocgen}"
release_pinned=2026.9.6
format_pinned=2
# OpenClaw 2026.9.6's gateway refuses a config a newer release last wrote.
refuses_newer_config=True
release_newest_known=2026.9.6
# Whether release $1 is older than release $2 (numeric, field by field).
release_lt() {
  [ "$1" != "$2" ] && [ "$(printf '%s\n%s\n' "$1" "$2" | sort -t. -k1,1n -k2,2n -k3,3n | head -n1)" = "$1" ]
}
# The state format of release $1; "unknown" for one newer than every listed release.
state_format_of() {
  if release_lt "$release_newest_known" "$1"; then
    echo unknown
    return
  fi
  local format=0
  release_lt "$1" 2026.1.29 || format=0
  release_lt "$1" 2026.6.1 || format=1
  release_lt "$1" 2026.8.1 || format=2
  echo "$format"
}
# Whether $OPENCLAW_STATE_DIR holds what a gateway wrote. What this script itself writes
# before the release is recorded is no sign of one: the config, a killed patch's temporary
# file, the TLS pair under gateway/.
state_written_by_a_gateway() {
  local entry
  for entry in "$OPENCLAW_STATE_DIR"/* "$OPENCLAW_STATE_DIR"/.[!.]*; do
    [ -e "$entry" ] || [ -L "$entry" ] || continue
    case "${entry##*/}" in
      openclaw.json | openclaw.json.ocgen.?????? | gateway) ;;
      *) return 0 ;;
    esac
  done
  return 1
}
# $OCGEN_DIR, made when it is first written: a start refused before that (a missing
# domain, a refused rollback) leaves the volume as it was.
ocgen_dir() {
  [ ! -d "$OCGEN_DIR" ] || return 0
  { mkdir -p -- "$OCGEN_DIR" && chmod 0700 -- "$OCGEN_DIR"; } 2>/dev/null \
    || die "cannot create $OCGEN_DIR (where the bootstrap records the volume's releases): is the data volume writable?"
}
# Write $2 to file $1 (in $OCGEN_DIR) atomically (temp file + mv).
write_atomic() {
  ocgen_dir
  printf '%s\n' "$2" >"$1.tmp.$$" && mv -f -- "$1.tmp.$$" "$1"
}
# Put the state of snapshot $1 back in place of $OPENCLAW_STATE_DIR, in steps a crash can
# resume: the next start finishes a restore whose marker exists, whatever the environment.
restore_marker="$OCGEN_DIR/restore-in-progress"
upgrade_marker="$OCGEN_DIR/upgrade-in-progress"
restore_prepared="$OPENCLAW_STATE_DIR.ocgen-restore"
restore_snapshot() {
  local snap=$1 replaced_release=$2
  rm -rf -- "$restore_prepared" "$restore_prepared.tmp"
  cp -a -- "$snap/state" "$restore_prepared.tmp" \
    || { rm -rf -- "$restore_prepared.tmp"; die "cannot copy the snapshot $snap/state next to $OPENCLAW_STATE_DIR (nothing was changed; free some space and retry)"; }
  mv -- "$restore_prepared.tmp" "$restore_prepared"
  write_atomic "$restore_marker" "$(basename -- "$snap") $replaced_release $(date -u +%Y%m%dT%H%M%SZ)"
  resume_restore
}
resume_restore() {
  local snap_release replaced_release stamp replaced entry
  read -r snap_release replaced_release stamp <"$restore_marker" \
    || die "$restore_marker is unreadable: remove it to start over (the state is in $OPENCLAW_STATE_DIR or $restore_prepared)"
  replaced="$OCGEN_DIR/replaced/$replaced_release-$stamp"
  if [ -d "$restore_prepared" ]; then
    if [ -d "$OPENCLAW_STATE_DIR" ]; then
      # Agent workspaces are not in snapshots: they move over as they are.
      for entry in "$OPENCLAW_STATE_DIR"/workspace "$OPENCLAW_STATE_DIR"/workspace-*; do
        [ -e "$entry" ] || continue
        [ -e "$restore_prepared/$(basename -- "$entry")" ] || mv -- "$entry" "$restore_prepared/"
      done
      mkdir -p -- "$OCGEN_DIR/replaced"
      mv -- "$OPENCLAW_STATE_DIR" "$replaced"
    fi
    mv -- "$restore_prepared" "$OPENCLAW_STATE_DIR"
  fi
  write_atomic "$OCGEN_DIR/last-release" "$snap_release"
  rm -f -- "$upgrade_marker" "$restore_marker"
  log "restored the state snapshot taken before the upgrade from OpenClaw $snap_release; the state it replaced (OpenClaw $replaced_release's) is kept in $replaced"
}

if [ -e "$restore_marker" ]; then
  log "finishing the state restore an earlier start began ($restore_marker)"
  resume_restore
fi
release_last="" release_last_source=""
if [ -s "$OCGEN_DIR/last-release" ]; then
  release_last=$(head -n1 -- "$OCGEN_DIR/last-release")
  release_last_source="$OCGEN_DIR/last-release"
elif [ -s "$OPENCLAW_CONFIG_PATH" ]; then
  release_last=$(jq -r '.meta.lastTouchedVersion // empty | strings' -- "$OPENCLAW_CONFIG_PATH" 2>/dev/null || true)
  release_last_source="meta.lastTouchedVersion in $OPENCLAW_CONFIG_PATH"
fi
case "$release_last" in
  *[!0-9.-]* | .* | "") release_last="" ;;
esac
volume_upgrade="" volume_migrate="" upgrade_resumed=""
# An upgrade that did not finish (killed, or its migration failed) resumes when the same
# release starts again; any other release sees the volume as that release's (recorded
# when the upgrade began), so a rollback is refused or restores the snapshot.
if [ -s "$upgrade_marker" ]; then
  read -r marker_from marker_to <"$upgrade_marker" || true
  if [ "${marker_to:-}" = "$release_pinned" ] && [ -d "$OCGEN_DIR/snapshots/${marker_from:-}/state" ]; then
    log "the upgrade from OpenClaw $marker_from to $release_pinned did not finish: resuming it (its snapshot $OCGEN_DIR/snapshots/$marker_from is kept)"
    volume_upgrade=$marker_from upgrade_resumed=yes
    [ "$(state_format_of "$marker_from")" -ge "$format_pinned" ] 2>/dev/null || volume_migrate=yes
    release_last=$release_pinned
  fi
fi
if [ -n "$release_last" ] && [ "$release_last" != "$release_pinned" ]; then
  format_last=$(state_format_of "$release_last")
  if [ "$format_last" = unknown ] || [ "$format_last" -gt "$format_pinned" ] \
    || { [ "$refuses_newer_config" = true ] && release_lt "$release_pinned" "$release_last"; }; then
    # The rollback needs the snapshot taken when the volume left this release or an older
    # one (which this release reads or upgrades): the newest such.
    snapshot=""
    for candidate in $(ls -1 -- "$OCGEN_DIR/snapshots" 2>/dev/null | sort -t. -k1,1nr -k2,2nr -k3,3nr); do
      [ -d "$OCGEN_DIR/snapshots/$candidate/state" ] || continue
      if [ "$candidate" = "$release_pinned" ] || release_lt "$candidate" "$release_pinned"; then
        snapshot="$OCGEN_DIR/snapshots/$candidate"
        break
      fi
    done
    if [ "${OCGEN_ROLLBACK:-}" = restore ] && [ -n "$snapshot" ]; then
      log "OCGEN_ROLLBACK=restore: OpenClaw $release_last last ran on this volume ($release_last_source); restoring $(cat -- "$snapshot/taken" 2>/dev/null || echo "the snapshot $snapshot") for OpenClaw $release_pinned"
      restore_snapshot "$snapshot" "$release_last"
      release_last=$(basename -- "$snapshot")
    else
      if [ "$format_last" = unknown ]; then
        why="OpenClaw $release_last is newer than every release this render knows (newest $release_newest_known), so its state may not be readable by OpenClaw $release_pinned"
      elif [ "$format_last" -gt "$format_pinned" ]; then
        why="OpenClaw $release_last migrated the state to a layout OpenClaw $release_pinned cannot read (state format $format_last, $release_pinned reads up to $format_pinned)"
      else
        why="OpenClaw $release_pinned refuses to start on a config a newer release last wrote (\"older than the config last written by OpenClaw $release_last\")"
      fi
      if [ -n "$snapshot" ]; then
        back="or set OCGEN_ROLLBACK=restore in Coolify's environment variables and redeploy to restore $(cat -- "$snapshot/taken" 2>/dev/null || echo "the snapshot $snapshot") (lost: what changed in the state since then - devices paired, sessions, config edits - which is set aside under $OCGEN_DIR/replaced/; agent workspaces are kept as they are)"
      else
        back="no snapshot of an older state is on this volume (it was upgraded by a bootstrap that took none), so only pinning $release_last again is safe"
      fi
      die "refusing to start OpenClaw $release_pinned on this volume: it last ran OpenClaw $release_last ($release_last_source); $why. Nothing on the volume was changed. To go back safely: pin $release_last again ([openclaw] version = \"$release_last\" in deploy.toml, ocgen render, redeploy), $back."
    fi
  fi
  format_last=$(state_format_of "$release_last")
  if release_lt "$release_last" "$release_pinned"; then
    # Every upgrade keeps a snapshot (a later rollback may be refused); a migration runs
    # only across a state format.
    volume_upgrade=$release_last
    [ "$format_last" -ge "$format_pinned" ] || volume_migrate=yes
  else
    log "OpenClaw $release_last last ran on this volume; $release_pinned reads its state (format $format_last) as it is"
  fi
elif [ -z "$release_last" ] && [ -d "$OPENCLAW_STATE_DIR" ] && state_written_by_a_gateway; then
  # State from a release nobody recorded (an older ocgen render): treat it as older.
  volume_upgrade=unrecorded volume_migrate=yes
fi
if [ -n "$volume_upgrade" ] && [ -z "$upgrade_resumed" ] && [ -d "$OPENCLAW_STATE_DIR" ]; then
  snapshot="$OCGEN_DIR/snapshots/$volume_upgrade"
  ocgen_dir
  rm -rf -- "$OCGEN_DIR/snapshots/.tmp"
  mkdir -p -- "$OCGEN_DIR/snapshots/.tmp/state"
  # Everything but agent workspaces (kept in place by a restore; often large), caches and
  # the temporary files of a start killed mid-patch (the patch removes them).
  if ! (cd -- "$OPENCLAW_STATE_DIR" && tar -cf - --exclude=./workspace --exclude='./workspace-*' --exclude=./tmp --exclude=./cache \
      --exclude='./openclaw.json.ocgen.*' --exclude='./gateway/tls.ocgen.*' .) \
    | tar -xpf - -C "$OCGEN_DIR/snapshots/.tmp/state"; then
    rm -rf -- "$OCGEN_DIR/snapshots/.tmp"
    die "cannot snapshot $OPENCLAW_STATE_DIR into $OCGEN_DIR/snapshots before upgrading from OpenClaw $volume_upgrade (nothing was changed; free some space and retry)"
  fi
  printf 'the snapshot taken before the upgrade from OpenClaw %s to %s on %s\n' "$volume_upgrade" "$release_pinned" "$(date -u +%Y-%m-%dT%H:%M:%SZ)" >"$OCGEN_DIR/snapshots/.tmp/taken"
  rm -rf -- "$snapshot.old"
  [ ! -e "$snapshot" ] || mv -- "$snapshot" "$snapshot.old"
  mv -- "$OCGEN_DIR/snapshots/.tmp" "$snapshot"
  rm -rf -- "$snapshot.old"
  # From here the volume counts as the new release's: a rollback is checked against it.
  write_atomic "$upgrade_marker" "$volume_upgrade $release_pinned"
  write_atomic "$OCGEN_DIR/last-release" "$release_pinned"
  log "upgrading this volume from OpenClaw $volume_upgrade to $release_pinned: state snapshot in $snapshot ($(du -sh -- "$snapshot" 2>/dev/null | cut -f1); agent workspaces are not copied)"
fi
# --- end of upgrades and rollbacks (guard) ----------------------------------------------

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
# Faults: no saved login (a first start, or the volume's tailscale state was lost) means the
# auth key must log the node in; said when the key is refused.
ts_no_saved_login=1
if [ "$ts_state_arg" != "mem:" ] && [ -s "$ts_state_arg" ]; then
  ts_no_saved_login=""
fi
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
    if ! ts_up_out=$(ts up --auth-key=file:/dev/fd/3 --hostname="$TS_HOSTNAME" --operator="$gateway_user" --timeout="$((deadline > SECONDS ? deadline - SECONDS : 1))s" --advertise-tags=tag:server 3<<<"$ts_auth_key" 2>&1); then
      [ -z "$ts_up_out" ] || printf '%s\n' "$ts_up_out" >&2
      if [[ "$ts_up_out" == *"invalid key"* ]]; then
        # tailscale up prints the control server's refusal as "backend error: invalid key: …"
        # (cmd/tailscale/cli/up.go) and exits 1: the key expired, was revoked, or was a used one-off key.
        ts_why="Tailscale refused the auth key in TS_AUTHKEY (expired, revoked, or a one-off key already used)"
        if [ -n "$ts_no_saved_login" ]; then
          ts_why="$ts_why, and this node has no saved login to fall back on (no state at $ts_state_arg: a first start, or the volume's tailscale state was lost)"
        fi
        die "tailscale up failed: $ts_why. Make a new auth key (Tailscale admin console, Settings > Keys), set TS_AUTHKEY to it in Coolify and redeploy; config untouched, gateway not started"
      fi
      die "tailscale up failed; config untouched, gateway not started"
    fi
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
# OpenClaw 2026.9.6 runs Tailscale Serve in the foreground and refuses to start
# while https:443 holds a background route it cannot prove its own. OpenClaw 2026.7.35 and
# older leave one (`serve --bg` to this gateway, kept with the node's state): after such an
# upgrade the gateway would stop at every start. Only that route is removed; any other
# route on the node is left as it is.
ts_bg_proxy=$(ts serve status --json | jq -r '[.Web // {} | to_entries[] | select(.key | endswith(":443")) | .value.Handlers["/"].Proxy // empty] | first // ""') \
  || die "tailscale serve status --json failed; config untouched, gateway not started"
if [ "$ts_bg_proxy" = "http://127.0.0.1:18789" ]; then
  ts serve --yes --https=443 --set-path=/ off >/dev/null \
    || die "could not remove the background Tailscale Serve route https:443 -> $ts_bg_proxy an older OpenClaw left (tailscale serve --https=443 --set-path=/ off); config untouched, gateway not started"
  log "removed the background Tailscale Serve route https:443 -> $ts_bg_proxy an older OpenClaw left: OpenClaw 2026.9.6 runs Serve itself, in the foreground"
fi

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

# --- upgrades and rollbacks: migrate, then record the release (docs/upgrades.md) --------
if [ -n "$volume_upgrade" ]; then
  if [ -n "$volume_migrate" ]; then
  # OpenClaw 2026.9.6 needs `openclaw doctor --fix --non-interactive` on a volume an older state format
  # wrote (its gateway refuses to start on legacy stores); as the gateway's user, after the patch.
  doctor_log="$OCGEN_DIR/upgrade-$release_pinned.log"
  log "running \`openclaw doctor --fix --non-interactive\` as $gateway_user for the upgrade from OpenClaw $volume_upgrade (output: $doctor_log)"
  upgrade_home=${HOME:-}
  if [ -z "$upgrade_home" ] || [ "$upgrade_home" = "$root_home" ]; then
    upgrade_home=$gateway_home
  fi
  if ! HOME="$upgrade_home" "${as_gateway[@]}" openclaw doctor --fix --non-interactive </dev/null >"$doctor_log" 2>&1; then
    tail -n 20 -- "$doctor_log" >&2 || true
    die "\`openclaw doctor --fix --non-interactive\` failed upgrading this volume from OpenClaw $volume_upgrade (log: $doctor_log); the state before the upgrade is in $OCGEN_DIR/snapshots/$volume_upgrade (pin $volume_upgrade again with OCGEN_ROLLBACK=restore to go back)"
  fi
  # Doctor rewrites openclaw.json: the patch again, so the keys ocgen owns are ocgen's.
  "${as_gateway[@]}" "$BASH" "${BASH_SOURCE[0]}" --patch-config || exit 1
  fi
  rm -f -- "$OCGEN_DIR/upgrade-in-progress"
  log "upgraded this volume from OpenClaw $volume_upgrade to $release_pinned"
fi
if [ "$(cat -- "$OCGEN_DIR/last-release" 2>/dev/null)" != "$release_pinned" ]; then
  write_atomic "$OCGEN_DIR/last-release" "$release_pinned" \
    || die "cannot record OpenClaw $release_pinned in $OCGEN_DIR/last-release (a later rollback could not be checked): is the data volume full or read-only?"
fi
# --- end of upgrades and rollbacks (migrate) --------------------------------------------

# 6. Start the gateway in this process, as its user. Docker gives root's HOME (/root),
#    which the gateway cannot write: it gets its own.
if [ -z "${HOME:-}" ] || [ "$HOME" = "$root_home" ]; then
  export HOME="$gateway_home"
fi
trap - EXIT
log "exec openclaw gateway run as $gateway_user (uid $GATEWAY_UID, gid $GATEWAY_GID)"
exec "${as_gateway[@]}" openclaw gateway run
