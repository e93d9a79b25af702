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
stop_engine() { if ! $engine_was_running; then scripts/docker-engine.sh stop || true; fi; }
trap stop_engine EXIT
scripts/install-test-tools.sh all
# shellcheck source=/dev/null
. target/tools/env.sh
cargo test --locked --all-targets "$@"
echo "scripts/test.sh: whole suite took $((SECONDS - start))s" >&2
