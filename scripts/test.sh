#!/usr/bin/env bash
# The whole test suite, as the README's test command and .ci/run run it:
# installs what the tests need (idempotent) into a cache outside the clone
# ($OCGEN_CACHE_DIR, default /var/cache/ocgen-test: tools/ for the validators, the
# OpenClaw releases and their Node runtimes; target/ for cargo's build and the
# gateways' transpile caches), then runs every cargo test target (unit, CLI,
# snapshots, real validators, bootstrap behaviour, real OpenClaw gateway, the
# rendered images on a real Docker engine, benches in test mode) and prints the time
# each test binary took. The Docker engines this script started (26 and 20.10) are
# stopped again at the end (by their PIDs); their image stores (/var/lib/ocgen-docker-26,
# /var/lib/ocgen-docker) stay for the next run.
#
#   scripts/test.sh            everything (CI)
#   scripts/test.sh --quick    the tier without real gateways or a Docker engine
#                              (lib, CLI, snapshots, validators, bootstrap, schema,
#                              precommit, fuzz)
#   scripts/test.sh ARGS...    extra arguments go to `cargo test` (e.g. `--test cli`)
set -euo pipefail
root=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)
cd -- "$root"
start=$SECONDS
export OCGEN_CACHE_DIR="${OCGEN_CACHE_DIR:-/var/cache/ocgen-test}"
# cargo's build outside the clone too: a fresh clone on a used machine rebuilds only
# this crate, not its ~150 dependencies
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$OCGEN_CACHE_DIR/target}"
quick=false
if [[ "${1:-}" == --quick ]]; then
  quick=true
  shift
fi
# The engines the tests use (26, and 20.10 for the floor scenario): each one this script
# starts (install-test-tools.sh) is stopped at the end; one already running stays.
engines=(26 20.10)
declare -A engine_was_running=()
for e in "${engines[@]}"; do
  engine_was_running[$e]=false
  if ! $quick && OCGEN_DOCKER_ENGINE=$e scripts/docker-engine.sh status 2>/dev/null; then engine_was_running[$e]=true; fi
done
# shellcheck disable=SC2329 # run by the EXIT trap
stop_engine() {
  if [[ -n "${sampler:-}" ]]; then kill "$sampler" 2>/dev/null || true; fi
  $quick && return 0
  local e
  for e in "${engines[@]}"; do
    if ! ${engine_was_running[$e]}; then OCGEN_DOCKER_ENGINE=$e scripts/docker-engine.sh stop || true; fi
  done
}
trap stop_engine EXIT
# What the suite keeps on disk, and what is left: a full disk is the first
# thing to rule out when a run fails far from its cause.
footprint() {
  local images="" e
  for e in "${engines[@]}"; do
    images+="${images:+; }$e: $(eval "$(OCGEN_DOCKER_ENGINE=$e scripts/docker-engine.sh env)" && docker system df --format '{{.Type}} {{.Size}}' 2>/dev/null | paste -sd, - || true)"
  done
  echo "scripts/test.sh: disk $1: tools $(size "$OCGEN_CACHE_DIR/tools"), build $(size "$CARGO_TARGET_DIR/debug")," \
    "npm cache $(size "${npm_config_cache:-$HOME/.npm}"), docker [${images}]," \
    "$(df -h --output=avail . | tail -1 | tr -d ' ') free" >&2
}
size() { if [[ -e "$1" ]]; then du -sh "$1" | cut -f1; else echo none; fi; }
if $quick; then
  scripts/install-test-tools.sh validators
else
  scripts/install-test-tools.sh all
fi
footprint "after install"
# The same work on one core, timed in CPU seconds: this machine's speed varies between days
# by more than a session's changes to the suite, so a run's seconds compare with another
# run's only beside this figure.
speed() {
  local secs
  secs=$( { TIMEFORMAT=%U; time sha256sum < <(head -c 512M /dev/zero) >/dev/null; } 2>&1) || secs="?"
  echo "scripts/test.sh: this machine's speed $1: sha256 of 512 MiB in ${secs} CPU-s (one core; lower is faster)" >&2
}
speed "before the tests"
# shellcheck source=/dev/null
. "$OCGEN_CACHE_DIR/tools/env.sh"
# A clean clone builds once: incremental artefacts would only take disk.
export CARGO_INCREMENTAL="${CARGO_INCREMENTAL:-0}"
# Every checkout on the machine shares the build; cargo's fingerprints are relative to the
# package and its sources are judged by mtime, so a checkout whose files are older than
# another checkout's last build would run that build: the other checkout's test code, reading
# the other checkout's fixtures and stubs (measured: /work/main ran CI's /check/work/main
# binaries). When the last build was another checkout's, this one's crate is rebuilt
# (src/lib.rs touched: the crate and every target on it, ~20 s; the dependencies stay).
checkout_stamp="$CARGO_TARGET_DIR/.ocgen-checkout"
if [[ "$(cat -- "$checkout_stamp" 2>/dev/null)" != "$root" ]]; then
  touch src/lib.rs
  mkdir -p -- "$CARGO_TARGET_DIR"
  printf '%s\n' "$root" >"$checkout_stamp"
fi
targets=(--all-targets)
if $quick; then
  targets=(--lib --bins --test cli --test snapshots --test validators --test bootstrap --test schema
    --test precommit --test fuzz --test lifecycle --test errors --test faults)
fi
log=$(mktemp)
cpu=$(mktemp)
marks=$(mktemp)
# What the machine's CPUs did while each test binary ran, from /proc/stat every 2 s:
# "epoch busy% iowait% steal%" (a binary that waits on I/O or on nothing shows here, not in its
# seconds alone).
sample_cpu() {
  local _ u n s i w q sq st t prev_t prev_i prev_w prev_st
  read -r _ u n s i w q sq st _ </proc/stat
  prev_t=$((u + n + s + i + w + q + sq + st)) prev_i=$i prev_w=$w prev_st=$st
  while sleep 2; do
    read -r _ u n s i w q sq st _ </proc/stat
    t=$((u + n + s + i + w + q + sq + st))
    if ((t > prev_t)); then
      # busy (ours), I/O wait, and steal: time the hypervisor gave the VM's cores to others
      echo "$(date +%s) $(((t - prev_t - (i - prev_i) - (w - prev_w) - (st - prev_st)) * 100 / (t - prev_t))) $(((w - prev_w) * 100 / (t - prev_t))) $(((st - prev_st) * 100 / (t - prev_t)))"
    fi
    prev_t=$t prev_i=$i prev_w=$w prev_st=$st
  done >"$cpu"
}
sample_cpu &
sampler=$!
status=0
build_start=$SECONDS
# Each binary's start time goes to $marks as cargo names it (a line at a time: mawk would
# hold its input back in blocks).
mark_binaries() {
  local line
  while IFS= read -r line || [[ -n "$line" ]]; do
    printf '%s\n' "$line"
    if [[ "$line" =~ ^\ *(Running|Doc-tests)\  ]]; then printf '%(%s)T\n' -1 >>"$marks"; fi
  done
}
cargo test --locked "${targets[@]}" --no-fail-fast "$@" 2>&1 | mark_binaries | tee "$log" || status=$?
kill "$sampler" 2>/dev/null || true
sampler=""
# the time of each test binary, as its harness reports it (`finished in`), and the
# machine's mean CPU busy, I/O wait and steal while it ran
{
  echo "scripts/test.sh: time per test binary (seconds; cargo's build and the install are not in them; CPU busy, I/O wait and steal of the machine's 2 cores meanwhile):"
  awk -v marks="$marks" -v cpu="$cpu" '
    BEGIN { while ((getline l < cpu) > 0) { split(l, f, " "); ns++; st[ns] = f[1]; sb[ns] = f[2]; sw[ns] = f[3]; ss[ns] = f[4] } }
    /^ *Running / { name = $2; if (name ~ /^unittests$/) name = $3; getline start < marks; next }
    /^ *Doc-tests / { name = "doc-tests " $2; getline start < marks; next }
    /^test result:/ { for (i = 1; i <= NF; i++) if ($i == "in") t = $(i + 1); sub(/s$/, "", t);
                      b = 0; w = 0; z = 0; k = 0
                      if (t + 0 >= 2) for (j = 1; j <= ns; j++) if (st[j] > start && st[j] <= start + t + 2) { b += sb[j]; w += sw[j]; z += ss[j]; k++ }
                      use = k ? sprintf("busy %3d%% io %3d%% steal %3d%%", b / k, w / k, z / k) : "                              "
                      printf "  %-40s %8s  %s  %s\n", name, t, use, $3 " " $4 " " $5 " " $6 " " $7 " " $8 }
  ' "$log" | sort -k2 -n -r
  awk '{ b += $2; w += $3; z += $4; k++ } END { if (k) printf "  %-40s %8s  busy %3d%% io %3d%% steal %3d%%\n", "(the whole cargo test)", 2 * k, b / k, w / k, z / k }' "$cpu"
} >&2
rm -f "$cpu" "$marks"
# A failing test's finding sits in the middle of a long log; keep the first lines of
# each one's panic message for the end of the output (printed last, below).
failures=$(awk '
  /^---- .* stdout ----$/ { test = $2; grab = 0; next }
  /panicked at / && test != "" { print "  " test ":"; grab = 12; next }
  /^note: run with `RUST_BACKTRACE/ { grab = 0; next }
  grab > 0 { print "    " substr($0, 1, 300); grab--; if (grab == 0) print "    …" }
' "$log" | head -n 60)
cp "$log" "$OCGEN_CACHE_DIR/last-test-run.log" 2>/dev/null || true
rm -f "$log"
if ! $quick; then
  # images a rebuild untagged hold layers no tag names; the build cache keeps what a
  # next run reuses
  for e in "${engines[@]}"; do
    (eval "$(OCGEN_DOCKER_ENGINE=$e scripts/docker-engine.sh env)" && docker image prune --force >/dev/null 2>&1) || true
  done
fi
footprint "after the tests"
speed "after the tests"
echo "scripts/test.sh: install, build and tests took $((SECONDS - start))s (cargo build and tests $((SECONDS - build_start))s)" >&2
echo "scripts/test.sh: whole suite took $((SECONDS - start))s" >&2
if [ -n "$failures" ]; then
  echo "scripts/test.sh: what the failing tests said (the first lines; the whole log: $OCGEN_CACHE_DIR/last-test-run.log):" >&2
  printf '%s\n' "$failures" >&2
fi
exit "$status"
