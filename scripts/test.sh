#!/usr/bin/env bash
# The whole test suite, as the README's test command and .ci/run run it:
# installs what the tests need into target/tools (idempotent, reused across
# runs), then runs every cargo test target (unit, CLI, snapshots, real
# validators, bootstrap behaviour, real OpenClaw gateway, benches in test mode).
set -euo pipefail
root=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)
cd -- "$root"
start=$SECONDS
scripts/install-test-tools.sh all
# shellcheck source=/dev/null
. target/tools/env.sh
cargo test --locked --all-targets "$@"
echo "scripts/test.sh: whole suite took $((SECONDS - start))s" >&2
