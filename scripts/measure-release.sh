#!/usr/bin/env bash
# Measure one OpenClaw release and write or confirm its row in the release table.
#
#   scripts/measure-release.sh [--install-only] VERSION
#
# --install-only: steps 1-3 (a CI release the table lists, or one to try by hand).
#
# 1. row: reads the release's engines.node and dependencies from the registry
#    (`npm view`; @whiskeysockets/baileys among them -> npm_overrides = { libsignal =
#    "2.0.1" }) and adds `{ version, engines_node[, npm_overrides] }` to
#    profiles/openclaw-versions.toml's release list, or confirms the listed one (exit 1
#    when engines.node or the overrides differ);
# 2. wrapper: writes scripts/openclaw-wrapper/<VERSION>/package.json (with the row's
#    npm overrides, as `ocgen versions` resolves them) and its package-lock.json (npm,
#    lock only); an existing package.json must carry the same overrides (exit 1);
# 3. install: scripts/install-test-tools.sh openclaw with OCGEN_RELEASES=VERSION, so the
#    release is installed exactly like the CI ones (npm ci --ignore-scripts, the pending
#    lifecycle completed) on the Node ocgen picks for it;
# 4. schema: scripts/export-openclaw-schemas.sh VERSION -> schema/openclaw/<VERSION>.json;
# 5. checks: the real-gateway rows and the user's-path checks of every profile on this
#    release (OCGEN_RELEASES=VERSION cargo test --test real_gateway --test user_path
#    --test tailnet_path on_each_release): the sub-agent call, the LAN browser with its
#    origins and pairing, TLS, the tailnet browser through the Serve stand-in.
#
# Then review `git diff` (see docs/maintaining.md, "Adding an OpenClaw release").
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
# Its npm overrides, from its registry dependencies: @whiskeysockets/baileys pulls
# libsignal from a git URL that cannot be fetched; pin the registry release (see the
# table's header).
deps="$(npm view "openclaw@$version" dependencies --json 2>/dev/null)" || {
  echo "npm view openclaw@$version dependencies failed" >&2
  exit 2
}
[[ -n "$deps" ]] || deps='{}'
overrides="$(jq -c 'if has("@whiskeysockets/baileys") then {libsignal: "2.0.1"} else {} end' <<<"$deps")"
# Add the row, or confirm the listed one (exit 1 when engines.node or the overrides differ).
python3 - "$TABLE" "$version" "$engines" "$overrides" <<'PY'
import json, re, sys, tomllib
path, version, engines, overrides = sys.argv[1:]
overrides = json.loads(overrides)
rel = "profiles/" + path.rsplit("/", 1)[-1]
key = lambda v: [int(p) for p in re.split(r"[.-]", v)]
log = lambda m: print(f"[measure-release {version}] {m}", file=sys.stderr)
lines = open(path).read().split("\n")
rows = [i for i, l in enumerate(lines) if l.startswith('  { version = "')]
row = lambda i: tomllib.loads("r = " + lines[i].rstrip().rstrip(","))["r"]
listed = next((row(i) for i in rows if row(i)["version"] == version), None)
if listed is None:
    extra = ""
    if overrides:
        pairs = ", ".join(f"{k} = {json.dumps(v)}" for k, v in sorted(overrides.items()))
        extra = f", npm_overrides = {{ {pairs} }}"
    text = f"  {{ version = {json.dumps(version)}, engines_node = {json.dumps(engines)}{extra} }},"
    log(f"adding {text.strip().rstrip(',')} to {rel}")
    at = rows[-1] + 1
    for i in rows:
        if key(row(i)["version"]) > key(version):
            at = i
            break
    lines.insert(at, text)
    open(path, "w").write("\n".join(lines))
    sys.exit(0)
differs = False
if listed["engines_node"] != engines:
    print(f'{rel}: {version} lists engines.node "{listed["engines_node"]}", the registry says "{engines}"',
          file=sys.stderr)
    differs = True
if listed.get("npm_overrides", {}) != overrides:
    print(f"{rel}: {version} lists npm_overrides {json.dumps(listed.get('npm_overrides', {}))}, "
          f"its registry dependencies need {json.dumps(overrides)}", file=sys.stderr)
    differs = True
if differs:
    sys.exit(1)
log(f"row confirmed (engines.node {engines}, npm overrides {json.dumps(overrides)})")
PY

cd "$ROOT"
cargo build -q
facts="$("${CARGO_TARGET_DIR:-target}"/debug/ocgen versions --format json |
  jq -c --arg v "$version" '.ranges[] as $r | $r.releases[] | select(.version == $v)
    | {node, from: $r.from, overrides: (.npm_overrides // {})}')"
[[ -n "$facts" ]] || {
  echo "ocgen does not resolve $version after adding its row" >&2
  exit 1
}
node="$(jq -r .node <<<"$facts")"
log "range from $(jq -r .from <<<"$facts"), Node $node"

# 2. the wrapper package and its lock
wrapper="$ROOT/scripts/openclaw-wrapper/$version"
overrides="$(jq -c .overrides <<<"$facts")"
if [[ -f "$wrapper/package.json" ]] &&
  ! jq -e --argjson o "$overrides" '(.overrides // {}) == $o' "$wrapper/package.json" >/dev/null; then
  echo "${wrapper#"$ROOT"/}/package.json: overrides $(jq -c '.overrides // {}' "$wrapper/package.json"), the row's $overrides" >&2
  exit 1
fi
if [[ ! -f "$wrapper/package-lock.json" ]]; then
  mkdir -p "$wrapper"
  jq -n --arg v "$version" --argjson o "$overrides" '{
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
. "${OCGEN_CACHE_DIR:-/var/cache/ocgen-test}/tools/env.sh"
SECONDS=0
OCGEN_RELEASES="$version" nice -n 10 cargo test --test real_gateway --test user_path --test tailnet_path \
  on_each_release -- --nocapture
log "real-gateway and user's-path checks in ${SECONDS}s"
log "done: review git diff (profiles/, scripts/openclaw-wrapper/$version/, schema/openclaw/$version.json)"
