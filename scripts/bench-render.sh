#!/usr/bin/env bash
# Render speed of a whole `ocgen render` process, as a user running it by hand or
# from pre-commit waits for it (issue 21). Budget: the median at most 20 ms on this
# 2-core machine, and not slower than minijinja-cli rendering the same four files
# with the same context, side by side in one hyperfine run.
#
#   scripts/bench-render.sh [DEPLOY_TOML]     (default: examples/deploy.toml)
#
# Needs: scripts/install-test-tools.sh bench (minijinja-cli, hyperfine).
# A missing tool is an error (exit 2), never a pass. Exit 1 when the budget is missed.
#
# minijinja-cli renders one template per run, so its side is the sum of four runs
# (one per output file), each with ocgen's own template context
# (examples/render-context.rs prints it) and ocgen's syntax settings. It has no
# `sq` filter (ocgen's shell quoting); the copy it renders uses `string` there.
set -euo pipefail
root=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)
cd -- "$root"
deploy=${1:-examples/deploy.toml}
tools=${OCGEN_TOOLS_DIR:-${OCGEN_CACHE_DIR:-/var/cache/ocgen-test}/tools}
mj=$tools/minijinja-cli/bin/minijinja-cli

missing=()
[[ -x "$mj" ]] || missing+=("minijinja-cli ($mj)")
command -v hyperfine >/dev/null || missing+=(hyperfine)
if ((${#missing[@]})); then
  echo "bench-render: MISSING ${missing[*]}; install with: scripts/install-test-tools.sh bench" >&2
  exit 2
fi

cargo build --quiet --release --locked --bin ocgen --example render-context
work=$(mktemp -d)
trap 'rm -rf -- "$work"' EXIT
target_dir=${CARGO_TARGET_DIR:-$root/target}
ocgen=$target_dir/release/ocgen
"$target_dir/release/examples/render-context" "$deploy" >"$work/context.json"
cp -r templates "$work/templates"
grep -rlZ '| sq' "$work/templates" | xargs -0 -r sed -i 's/| sq\b/| string/g'
mkdir -p "$work/ocgen" "$work/minijinja"
"$ocgen" render -q -c "$deploy" -o "$work/ocgen"
mj_args() { # template -> the minijinja-cli command line rendering it
  printf '%s --strict --trim-blocks --lstrip-blocks -f json %s %s -o %s' \
    "$mj" "$work/templates/$1.j2" "$work/context.json" "$work/minijinja/$1"
}
outputs=(Dockerfile docker-compose.yaml bootstrap.sh coolify.env)

# No shell (-N): each command is exec'd directly; the minijinja-cli side is the
# sum of its four runs. Medians, since the machine is shared and means drift with load.
hyperfine_args=(-N --warmup 20 --min-runs 200 --export-json "$work/hyperfine.json"
  -n ocgen "$ocgen render -q -c $deploy -o $work/ocgen")
for t in "${outputs[@]}"; do hyperfine_args+=(-n "minijinja-cli $t" "$(mj_args "$t")"); done
hyperfine "${hyperfine_args[@]}" >&2

read -r ocgen_ms mj_ms ocgen_cpu mj_cpu < <(python3 -c 'import json,sys
rs=json.load(open(sys.argv[1]))["results"]
cpu=lambda x: (x["user"]+x["system"])*1e3
o=[x for x in rs if x["command"]=="ocgen"][0]; m=[x for x in rs if x["command"]!="ocgen"]
print("%.3f %.3f %.3f %.3f" % (o["median"]*1e3, sum(x["median"] for x in m)*1e3, cpu(o), sum(cpu(x) for x in m)))' "$work/hyperfine.json")

ok=1
printf '\n%-44s %12s\n' "whole-process render of $deploy" "value"
printf '%-44s %12s  (budget <= 20 ms)\n' "ocgen wall time (hyperfine median)" "$ocgen_ms ms"
printf '%-44s %12s\n' "minijinja-cli wall time, sum of 4 medians" "$mj_ms ms"
printf '%-44s %12s\n' "mean CPU (user+sys) ocgen / minijinja-cli x4" "$ocgen_cpu / $mj_cpu ms"
ratio=$(python3 -c "print(f'{$mj_ms/$ocgen_ms:.2f}')")
printf '%-44s %12s  (budget >= 1x)\n' "wall-time ratio minijinja-cli / ocgen" "${ratio}x"
python3 -c "import sys; sys.exit(0 if $ocgen_ms <= 20 else 1)" || { echo "bench-render: MISSED: median $ocgen_ms ms > 20 ms" >&2; ok=0; }
python3 -c "import sys; sys.exit(0 if $ratio >= 1 else 1)" || { echo "bench-render: MISSED: slower than minijinja-cli (${ratio}x)" >&2; ok=0; }
((ok)) || exit 1
