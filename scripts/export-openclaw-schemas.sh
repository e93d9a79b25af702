#!/usr/bin/env bash
# Export the openclaw.json JSON Schema of each real OpenClaw version into
# schema/openclaw/<version>.json (sorted keys, pretty-printed: deterministic).
#
#   scripts/export-openclaw-schemas.sh [--check] [VERSION...]
#
# Default versions: all that scripts/install-test-tools.sh installs
# ($OCGEN_OPENCLAW_VERSIONS). --check writes nothing and exits 1 when a
# committed schema differs from what the installed OpenClaw exports.
#
# How each version is asked (in a throwaway HOME/state dir, clean environment):
#   - a version with `openclaw config schema` (2026.3.x on) prints it itself, with
#     the config schemas of its bundled plugins;
#   - older ones (2026.1.x, 2026.2.x) have none: scripts/openclaw-wrapper/export-zod-config-schema.mjs
#     converts the zod object OpenClaw validates with (OpenClawSchema) like
#     the gateway's config.schema method does, as the input it accepts.
#   - Some releases' `config schema` (2026.5.12, 2026.5.18) describes the parsed
#     output instead: every defaulted key is "required", so `commands.native` is
#     demanded of a config the release itself calls valid. Each export must accept
#     PROBE, a config `openclaw config validate` accepts; one that does not is
#     replaced by the zod export (without the plugin schemas).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="$ROOT/schema/openclaw"

check=0
if [[ "${1:-}" == --check ]]; then
  check=1
  shift
fi

log="$(mktemp)"
if ! "$ROOT/scripts/install-test-tools.sh" openclaw >"$log" 2>&1; then
  cat "$log" >&2
  exit 1
fi
rm -f "$log"
# shellcheck source=/dev/null
. "${OCGEN_CACHE_DIR:-/var/cache/ocgen-test}/tools/env.sh"

versions=("$@")
if ((${#versions[@]} == 0)); then read -r -a versions <<<"$OCGEN_OPENCLAW_VERSIONS"; fi
((${#versions[@]})) || {
  echo "no OpenClaw versions installed" >&2
  exit 1
}

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# run a command with nothing of the caller's environment but PATH, in a fresh
# HOME with a missing config file (so no user config or plugin changes the schema)
sandboxed() {
  local home
  home="$(mktemp -d "$work/home.XXXXXX")"
  env -i PATH="$PATH" LANG=C.UTF-8 HOME="$home" \
    OPENCLAW_STATE_DIR="$home/state" OPENCLAW_CONFIG_PATH="$home/openclaw.json" \
    NO_COLOR=1 "$@"
}

export_one() {
  local v="$1" launcher="openclaw-$1" pkg="$OCGEN_TOOLS_DIR/openclaw/$1"
  command -v "$launcher" >/dev/null || {
    echo "OpenClaw $v is not installed (see scripts/install-test-tools.sh)" >&2
    return 1
  }
  if sandboxed "$launcher" config --help 2>/dev/null | grep -Eq '^[[:space:]]+schema([[:space:]]|$)'; then
    sandboxed "$launcher" config schema >"$work/$v.cli.json"
    if accepts_probe "$v" "$work/$v.cli.json"; then
      cat "$work/$v.cli.json"
      return 0
    fi
    echo "OpenClaw $v: \`config schema\` rejects a config the release validates (it describes the parsed output); using the zod input schema" >&2
  fi
  sandboxed "$pkg/node" "$ROOT/scripts/openclaw-wrapper/export-zod-config-schema.mjs" \
    "$pkg/node_modules/openclaw"
}

# a config that every release validates: a defaulted key left out of a section
PROBE='{"gateway":{"mode":"local","port":18789},"commands":{"bash":false}}'

# does schema $2 accept PROBE? (and does release $1 itself, where it can say)
accepts_probe() {
  local home
  home="$(mktemp -d "$work/probe.XXXXXX")"
  printf '%s\n' "$PROBE" >"$home/openclaw.json"
  if sandboxed "openclaw-$1" config --help 2>/dev/null | grep -Eq '^[[:space:]]+validate([[:space:]]|$)'; then
    env -i PATH="$PATH" LANG=C.UTF-8 HOME="$home" OPENCLAW_STATE_DIR="$home/state" \
      OPENCLAW_CONFIG_PATH="$home/openclaw.json" NO_COLOR=1 "openclaw-$1" config validate >/dev/null ||
      die "OpenClaw $1 rejects the probe config $PROBE: change PROBE"
  fi
  "$OCGEN_TOOLS_DIR/venv/bin/python" - "$2" "$home/openclaw.json" <<'PY'
import json, sys
import jsonschema
schema, config = (json.load(open(p)) for p in sys.argv[1:3])
sys.exit(0 if jsonschema.validators.validator_for(schema)(schema).is_valid(config) else 1)
PY
}

die() {
  echo "export-openclaw-schemas: $*" >&2
  exit 1
}

status=0
for v in "${versions[@]}"; do
  raw="$work/$v.raw.json"
  export_one "$v" >"$raw"
  # must be a JSON Schema of an object with a gateway section
  jq -e '.type == "object" and (.properties.gateway | type) == "object"' "$raw" >/dev/null || {
    echo "OpenClaw $v: output is not a config schema" >&2
    exit 1
  }
  jq -S . "$raw" >"$work/$v.json"
  if ((check)); then
    if cmp -s "$work/$v.json" "$OUT/$v.json"; then
      echo "schema/openclaw/$v.json: up to date"
    else
      echo "schema/openclaw/$v.json: differs from what OpenClaw $v exports" >&2
      status=1
    fi
  else
    mkdir -p "$OUT"
    mv "$work/$v.json" "$OUT/$v.json"
    echo "schema/openclaw/$v.json ($(wc -c <"$OUT/$v.json") bytes)"
  fi
done
exit "$status"
