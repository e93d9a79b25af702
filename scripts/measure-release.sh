#!/usr/bin/env bash
# Measure one OpenClaw release and write or confirm its row in the release table.
#
#   scripts/measure-release.sh [--install-only] VERSION
#
# --install-only: steps 1-3 (a CI release the table lists, or one to try by hand).
#
# 1. row: reads the release's engines.node from the registry (`npm view`) and adds
#    `{ version, engines_node }` to profiles/openclaw-versions.toml's release list, or
#    confirms the listed one (exit 1 when they differ);
# 2. wrapper: writes scripts/openclaw-wrapper/<VERSION>/package.json (with the npm
#    overrides of the release's range) and its package-lock.json (npm, lock only);
# 3. install: scripts/install-test-tools.sh openclaw with OCGEN_RELEASES=VERSION, so the
#    release is installed exactly like the CI ones (npm ci --ignore-scripts, the pending
#    lifecycle completed) on the Node ocgen picks for it;
# 4. schema: scripts/export-openclaw-schemas.sh VERSION -> schema/openclaw/<VERSION>.json;
# 5. checks: the real-gateway rows and the user's-path checks of every profile on this
#    release (OCGEN_RELEASES=VERSION cargo test --test real_gateway --test user_path
#    --test tailnet_path on_each_release): the sub-agent call, the LAN browser with its
#    origins and pairing, TLS, the tailnet browser through the Serve stand-in.
#
# Then review `git diff` (see README, "Adding an OpenClaw release").
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TABLE="$ROOT/profiles/openclaw-versions.toml"
install_only=false
if [[ "${1:-}" == --install-only ]]; then
  install_only=true
  shift
fi
version="${1:-}"
[[ "$version" =~ ^[0-9]+\.[0-9]+\.[0-9]+(-[0-9]+)?$ ]] || {
  echo "usage: $0 [--install-only] VERSION   (a published stable openclaw release, e.g. 2026.8.1)" >&2
  exit 2
}
log() { printf '[measure-release %s] %s\n' "$version" "$*" >&2; }

# 1. the row
engines="$(npm view "openclaw@$version" engines.node 2>/dev/null)" || {
  echo "openclaw@$version is not on the registry" >&2
  exit 2
}
[[ -n "$engines" ]] || engines=">=0"
listed="$(sed -n "s/^  { version = \"$version\", engines_node = \"\(.*\)\" },\$/\1/p" "$TABLE")"
if [[ -z "$listed" ]]; then
  log "adding { version = \"$version\", engines_node = \"$engines\" } to ${TABLE#"$ROOT"/}"
  python3 - "$TABLE" "$version" "$engines" <<'PY'
import re, sys
path, version, engines = sys.argv[1:]
key = lambda v: [int(p) for p in re.split(r"[.-]", v)]
lines = open(path).read().split("\n")
rows = [i for i, l in enumerate(lines) if l.startswith('  { version = "')]
at = rows[-1] + 1
for i in rows:
    if key(re.search(r'"([^"]+)"', lines[i]).group(1)) > key(version):
        at = i
        break
lines.insert(at, f'  {{ version = "{version}", engines_node = "{engines}" }},')
open(path, "w").write("\n".join(lines))
PY
elif [[ "$listed" != "$engines" ]]; then
  echo "${TABLE#"$ROOT"/}: $version lists engines.node \"$listed\", the registry says \"$engines\"" >&2
  exit 1
else
  log "row confirmed (engines.node $engines)"
fi

cd "$ROOT"
cargo build -q
facts="$(target/debug/ocgen versions --format json |
  jq -c --arg v "$version" '.ranges[] as $r | $r.releases[] | select(.version == $v)
    | {node, from: $r.from, overrides: $r.npm_overrides}')"
[[ -n "$facts" ]] || {
  echo "ocgen does not resolve $version after adding its row" >&2
  exit 1
}
node="$(jq -r .node <<<"$facts")"
log "range from $(jq -r .from <<<"$facts"), Node $node"

# 2. the wrapper package and its lock
wrapper="$ROOT/scripts/openclaw-wrapper/$version"
if [[ ! -f "$wrapper/package-lock.json" ]]; then
  mkdir -p "$wrapper"
  jq -n --arg v "$version" --argjson o "$(jq -c .overrides <<<"$facts")" '{
    name: "ocgen-openclaw-\($v)", version: "0.0.0", private: true,
    description: "Test-only install of the real OpenClaw gateway for ocgen (see ../README.md).",
    dependencies: {openclaw: $v}} + (if $o == {} then {} else {overrides: $o} end)' >"$wrapper/package.json"
  log "locking ${wrapper#"$ROOT"/}"
  (cd "$wrapper" && npm install --package-lock-only --ignore-scripts --no-audit --no-fund --loglevel=error)
fi

# 3. install, 4. schema
SECONDS=0
OCGEN_RELEASES="$version" "$ROOT/scripts/install-test-tools.sh" openclaw
log "installed in ${SECONDS}s"
if $install_only; then
  log "done (--install-only): review git diff (profiles/, scripts/openclaw-wrapper/$version/)"
  exit 0
fi
"$ROOT/scripts/export-openclaw-schemas.sh" "$version"

# 5. the real-gateway rows and the user's-path checks of every profile
# shellcheck source=/dev/null
. "$ROOT/target/tools/env.sh"
SECONDS=0
OCGEN_RELEASES="$version" nice -n 10 cargo test --test real_gateway --test user_path --test tailnet_path \
  on_each_release -- --nocapture
log "real-gateway and user's-path checks in ${SECONDS}s"
log "done: review git diff (profiles/, scripts/openclaw-wrapper/$version/, schema/openclaw/$version.json)"
