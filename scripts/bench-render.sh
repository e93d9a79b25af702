#!/usr/bin/env bash
# Render speed of a whole `ocgen render` process (issue 13): targets at most
# 2 M instructions (valgrind callgrind) and at least 3x faster than
# minijinja-cli rendering the same four templates with the same context.
#
#   scripts/bench-render.sh [DEPLOY_TOML]     (default: examples/deploy.toml)
#
# Needs: scripts/install-test-tools.sh bench (minijinja-cli, hyperfine, valgrind).
# A missing tool is an error (exit 2), never a pass. Exit 1 when a target is missed.
#
# Reported:
#   - callgrind instructions of `ocgen render -q` (release build, files unchanged
#     after the first run, as in a pre-commit hook) and of the four minijinja-cli runs;
#   - hyperfine wall time of both, side by side, and the ratio.
# minijinja-cli renders one template per run, so its side is the sum of four runs
# (one per output file), each with ocgen's own template context
# (examples/render-context.rs prints it) and ocgen's syntax settings. It has no
# `sq` filter (ocgen's shell quoting); the copy it renders uses `string` there.
set -euo pipefail
root=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)
cd -- "$root"
deploy=${1:-examples/deploy.toml}
tools=${OCGEN_TOOLS_DIR:-$root/target/tools}
mj=$tools/minijinja-cli/bin/minijinja-cli

missing=()
[[ -x "$mj" ]] || missing+=("minijinja-cli ($mj)")
command -v hyperfine >/dev/null || missing+=(hyperfine)
command -v valgrind >/dev/null || missing+=(valgrind)
if ((${#missing[@]})); then
  echo "bench-render: MISSING ${missing[*]}; install with: scripts/install-test-tools.sh bench" >&2
  exit 2
fi

cargo build --quiet --release --locked --bin ocgen --example render-context
work=$(mktemp -d)
trap 'rm -rf -- "$work"' EXIT
ocgen=$root/target/release/ocgen
target/release/examples/render-context "$deploy" >"$work/context.json"
cp -r templates "$work/templates"
grep -rlZ '| sq' "$work/templates" | xargs -0 -r sed -i 's/| sq\b/| string/g'
mkdir -p "$work/ocgen" "$work/minijinja"
"$ocgen" render -q -c "$deploy" -o "$work/ocgen"
mj_args() { # template -> the minijinja-cli command line rendering it
  printf '%s --strict --trim-blocks --lstrip-blocks -f json %s %s -o %s' \
    "$mj" "$work/templates/$1.j2" "$work/context.json" "$work/minijinja/$1"
}
outputs=(Dockerfile docker-compose.yaml bootstrap.sh coolify.env)

instructions() { # command... -> callgrind's instruction count
  valgrind --tool=callgrind --callgrind-out-file=/dev/null "$@" 2>&1 >/dev/null |
    sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}
ocgen_ir=$(instructions "$ocgen" render -q -c "$deploy" -o "$work/ocgen")
mj_ir=0
for t in "${outputs[@]}"; do
  # shellcheck disable=SC2046 # mj_args is split into words on purpose (no spaces in its paths)
  n=$(instructions $(mj_args "$t"))
  mj_ir=$((mj_ir + n))
done

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
printf '%-44s %12s  (target <= 2000000)\n' "ocgen instructions (callgrind)" "$ocgen_ir"
printf '%-44s %12s\n' "minijinja-cli instructions, 4 runs" "$mj_ir"
printf '%-44s %12s\n' "instruction ratio minijinja-cli / ocgen" "$(python3 -c "print(f'{$mj_ir/$ocgen_ir:.2f}x')")"
printf '%-44s %12s\n' "ocgen wall time (hyperfine median)" "$ocgen_ms ms"
printf '%-44s %12s\n' "minijinja-cli wall time, sum of 4 medians" "$mj_ms ms"
printf '%-44s %12s\n' "mean CPU (user+sys) ocgen / minijinja-cli x4" "$ocgen_cpu / $mj_cpu ms"
ratio=$(python3 -c "print(f'{$mj_ms/$ocgen_ms:.2f}')")
printf '%-44s %12s  (target >= 3x)\n' "wall-time ratio minijinja-cli / ocgen" "${ratio}x"
((ocgen_ir <= 2000000)) || { echo "bench-render: MISSED: $ocgen_ir instructions > 2000000" >&2; ok=0; }
python3 -c "import sys; sys.exit(0 if $ratio >= 3 else 1)" || { echo "bench-render: MISSED: ratio ${ratio}x < 3x" >&2; ok=0; }
((ok)) || exit 1
