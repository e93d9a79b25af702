#!/usr/bin/env bash
# The deployment's own speed, per profile (issue 21; docs/image.md "Per profile"):
#   - image size (`docker image inspect .Size`) with `[image] browser` on and off;
#   - the builds: every image from the engine's cache first (each row says which stages
#     ran; profiles whose Dockerfiles differ only in comments share every layer but the
#     final `COPY bootstrap.sh`), then one `--no-cache` build per distinct Dockerfile
#     (last: BuildKit does not reuse the layers of a `--no-cache` build);
#   - the rebuild after changing `[openclaw] version` (to the previous release and back)
#     and which stages it rebuilt;
#   - `docker compose up` → the first client the gateway admits → Docker's `healthy`, on
#     Docker Engine 26 (`start_interval: 1s`) and on the floor, 20.10 (rendered with
#     `[coolify] docker_engine = 24`, the image copied over).
# Each row carries the 1-minute load average before → after: the machine may be shared,
# and cold builds then are upper bounds.
#
#   scripts/bench-image.sh [--profiles "lan-patch serve"] [--versions "2026.9.6"]
#                          [--cold "on off"|on|off|none] [--steps "images bump start floor"]
#                          [--cold-profiles P] [--bump-profiles P] [--floor-profiles P]
#                          [--out FILE]
# (--cold-profiles, --bump-profiles, --floor-profiles: which of the profiles get a cold
# build, a version change, a run on 20.10; default all of them)
#
# Builds run one at a time (tests/image.rs `bench_image`, through the engine plumbing of
# tests/common/docker.rs: the fenced engines of scripts/docker-engine.sh with the
# stand-in base images). Images it builds are tagged ocgen-bench/*; delete them with
#   docker image rm $(docker images -q 'ocgen-bench/*')
# Exit 0 when every measurement ran, 1 when one failed, 2 on bad arguments.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
profiles="lan-patch sidecar serve domain"
versions="2026.9.6 2026.2.19"
cold="on"
steps="images bump start floor"
out=""
while (($#)); do
  case "$1" in
  --profiles) profiles="$2" ;;
  --versions) versions="$2" ;;
  --cold) cold="$2" ;;
  --steps) steps="$2" ;;
  --out) out="$2" ;;
  --cold-profiles) export OCGEN_BENCH_COLD_PROFILES="$2" ;;
  --bump-profiles) export OCGEN_BENCH_BUMP_PROFILES="$2" ;;
  --floor-profiles) export OCGEN_BENCH_FLOOR_PROFILES="$2" ;;
  -h | --help)
    sed -n '2,/^set -e/p' "$0" | sed '$d; s/^# \{0,1\}//'
    exit 0
    ;;
  *)
    echo "bench-image: unknown argument $1 (see --help)" >&2
    exit 2
    ;;
  esac
  shift 2 || {
    echo "bench-image: $1 needs a value" >&2
    exit 2
  }
done

export OCGEN_CACHE_DIR="${OCGEN_CACHE_DIR:-/var/cache/ocgen-test}"
# shellcheck source=/dev/null
. "$OCGEN_CACHE_DIR/tools/env.sh"
rows="${out:-$(mktemp)}"
: >"$rows"
echo "bench-image: $(nproc) cores, $(date -u +%FT%TZ), load $(cut -d' ' -f1-3 /proc/loadavg); rows in $rows" >&2

status=0
(cd "$ROOT" && OCGEN_BENCH_PROFILES="$profiles" OCGEN_BENCH_VERSIONS="$versions" \
  OCGEN_BENCH_COLD="$cold" OCGEN_BENCH_STEPS="$steps" OCGEN_BENCH_OUT="$rows" \
  cargo test --test image -- --ignored --nocapture --exact bench_image) >&2 || status=1

table() {
  local name="$1" header="$2" sep
  grep -q "^BENCH $name " "$rows" || return 0
  sep="$(sed -E 's/[^|]+/---/g' <<<"$header")"
  printf '\n%s\n%s\n' "$header" "$sep"
  sed -n "s/^BENCH $name //p" "$rows"
}
{
  table image "| profile | release | browser | image GB | build | time | load |"
  table bump "| profile | version change | rebuild | stages rebuilt | load |"
  table start "| profile | release | engine | up → admitted | up → healthy | admitted → healthy | load |"
}
exit "$status"
