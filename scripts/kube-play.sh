#!/usr/bin/env bash
# Run a rendered Kubernetes base (target = "kubernetes") with `podman kube play`
# (Debian's podman 4.3), the way this machine allows it, then check what the manifest
# declares: the startup probe's own command passes, and the state survives `down` + `play`.
#
#   scripts/kube-play.sh OUT_DIR IMAGE
#
# OUT_DIR  the directory `ocgen render` wrote (kustomization.yaml …)
# IMAGE    the image built from OUT_DIR/Dockerfile, already in podman's store
#          (e.g. `docker save X | podman load`)
#
# Two things in the setup (docs/kubernetes.md, "podman kube play"):
# - rlimits: podman as root gives containers root's default nofile/nproc, which runc cannot
#   set without CAP_SYS_RESOURCE (this machine is a container): a containers.conf with
#   default_ulimits inside the hard limits;
# - secretKeyRef: podman 4.3 reads the podman secret named by secretKeyRef.name as a JSON
#   map key -> base64(value);
# - fsGroup: podman 4.3 does not apply it to the claim's volume, and on its first mount
#   gives the volume's root the image's /data owner (root, 0755): the gateway, uid 1000,
#   cannot write it and exits. After the first play the volume is prepared as a kubelet
#   does (group 1000, setgid, group-writable); the container's restart then finds it so.
# Everything it creates is named after the Deployment and removed at the end.
set -euo pipefail

out=${1:?usage: kube-play.sh OUT_DIR IMAGE}
image=${2:?usage: kube-play.sh OUT_DIR IMAGE}
log() { printf '[kube-play] %s\n' "$*" >&2; }
die() {
  log "error: $*"
  exit 1
}
command -v podman >/dev/null || die "podman is not installed (Debian: apt-get install podman catatonit)"
command -v kubectl >/dev/null || die "kubectl is not installed (Debian: kubernetes-client)"

work=$(mktemp -d)
printf '[containers]\ndefault_ulimits = ["nofile=%s:%s", "nproc=4096:4096"]\n' "$(ulimit -Hn)" "$(ulimit -Hn)" >"$work/containers.conf"
export CONTAINERS_CONF="$work/containers.conf"

# The base as the cluster would get it, with the local image.
kubectl kustomize "$out" >"$work/base.yaml"
gateway_image=$(awk '/^ *image:/ {print $2; exit}' "$work/base.yaml")
# The claim itself is left out: kube play would create its volume (and refuse an existing
# one); the volume is created below instead, prepared as fsGroup would.
sed "s|image: ${gateway_image}\$|image: \"${image}\"|" "$work/base.yaml" \
  | python3 -c 'import sys, yaml
docs = [d for d in yaml.safe_load_all(sys.stdin) if d and d["kind"] != "PersistentVolumeClaim"]
yaml.safe_dump_all(docs, sys.stdout, sort_keys=False)' >"$work/play.yaml"
name=$(awk '/^kind: Deployment/ {d=1} d && /^  name:/ {print $2; exit}' "$work/play.yaml" | tr -d '"')
secret=$(awk '/secretKeyRef:/ {s=1} s && /name:/ {print $2; exit}' "$work/play.yaml" | tr -d '"')
pod="$name-pod-0"
ctr="$pod-openclaw"
probe=$(python3 -c 'import sys, yaml
for d in yaml.safe_load_all(open(sys.argv[1])):
    if d and d["kind"] == "Deployment":
        c = d["spec"]["template"]["spec"]["containers"][0]
        print(c["startupProbe"]["exec"]["command"][-1])' "$work/play.yaml")

cleanup() {
  podman kube down "$work/play.yaml" >/dev/null 2>&1 || true
  podman volume rm -f "$name-data" >/dev/null 2>&1 || true
  podman secret rm "$secret" >/dev/null 2>&1 || true
  rm -rf -- "$work"
}
trap cleanup EXIT

token=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
printf '{"OPENCLAW_GATEWAY_TOKEN":"%s"}' "$(printf %s "$token" | base64 -w0)" | podman secret create "$secret" - >/dev/null

podman volume create "$name-data" >/dev/null
vol=$(podman volume inspect --format '{{.Mountpoint}}' "$name-data")
mkdir -m 0700 "$vol/lost+found" # as on an ext4 volume

play() {
  podman kube play "$work/play.yaml" >/dev/null
  chgrp 1000 "$vol" && chmod 2775 "$vol" # fsGroup, after podman's first-mount chown
  local start=$SECONDS
  until podman exec "$ctr" node -e "$probe" 2>/dev/null; do
    [ $((SECONDS - start)) -lt 300 ] || {
      podman logs "$ctr" 2>&1 | tail -20 >&2
      die "the startup probe did not pass in 300 s"
    }
    sleep 1
  done
  log "startup probe passed $((SECONDS - start)) s after play; $(podman exec "$ctr" id)"
}

play
podman exec "$ctr" sh -c 'test ! -w /usr/local/bin && ! touch /usr/local/bin/x 2>/dev/null' \
  && log "root filesystem is read-only for the gateway"
# What must survive: a marker the gateway's user writes, openclaw.json as the bootstrap left
# it, and every entry of the state directory (the gateway may add more, e.g. .last-good).
marker=$(head -c 8 /dev/urandom | od -An -tx1 | tr -d ' \n')
podman exec "$ctr" sh -c "echo $marker > /data/.openclaw/kube-play-marker"
state() { podman exec "$ctr" sh -c 'cat /data/.openclaw/kube-play-marker; sha256sum /data/.openclaw/openclaw.json; ls -A /data/.openclaw'; }
before=$(state)
podman kube down "$work/play.yaml" >/dev/null
log "down; the volume $name-data stays"
play
after=$(state)
missing=$(comm -23 <(sort <<<"$before") <(sort <<<"$after"))
[ -z "$missing" ] || die "lost across down + play: $missing"
log "state survived down + play: marker $marker, $(sed -n 2p <<<"$after" | cut -c1-16)… openclaw.json, $(($(wc -l <<<"$after") - 2)) entries in /data/.openclaw"
