#!/usr/bin/env bash
# The whole test suite, as the README's test command and .ci/run run it:
# installs what the tests need into target/tools (idempotent, reused across
# runs), then runs every cargo test target (unit, CLI, snapshots, real
# validators, bootstrap behaviour, real OpenClaw gateway, the rendered images on a
# real Docker engine, benches in test mode). A Docker engine this script started
# is stopped again at the end (by its PID); its image store stays for the next run.
set -euo pipefail
root=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)
cd -- "$root"
start=$SECONDS
engine_was_running=false
if scripts/docker-engine.sh status 2>/dev/null; then engine_was_running=true; fi
# shellcheck disable=SC2329 # run by the EXIT trap
stop_engine() { if ! $engine_was_running; then scripts/docker-engine.sh stop || true; fi; }
trap stop_engine EXIT
# What the suite keeps on disk, and what is left: a full disk is the first
# thing to rule out when a run fails far from its cause.
footprint() {
  local images
  images="$(eval "$(scripts/docker-engine.sh env)" && docker system df --format '{{.Type}} {{.Size}}' 2>/dev/null | paste -sd, - || true)"
  echo "scripts/test.sh: disk $1: tools $(size target/tools), build $(size target/debug)," \
    "npm cache $(size "${npm_config_cache:-$HOME/.npm}"), docker [${images:-not running}]," \
    "$(df -h --output=avail . | tail -1 | tr -d ' ') free" >&2
}
size() { if [[ -e "$1" ]]; then du -sh "$1" | cut -f1; else echo none; fi; }
scripts/install-test-tools.sh all
footprint "after install"
# shellcheck source=/dev/null
. target/tools/env.sh
# A clean clone builds once: incremental artefacts would only take disk.
export CARGO_INCREMENTAL="${CARGO_INCREMENTAL:-0}"
status=0
cargo test --locked --all-targets --no-fail-fast "$@" || status=$?
# images a rebuild untagged hold layers no tag names; the build cache keeps what a
# next run reuses
(eval "$(scripts/docker-engine.sh env)" && docker image prune --force >/dev/null 2>&1) || true
footprint "after the tests"
echo "scripts/test.sh: whole suite took $((SECONDS - start))s" >&2
exit "$status"
