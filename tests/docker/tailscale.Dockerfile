# Stand-in for docker.io/tailscale/tailscale:<tag> (no real Tailscale binary can be had
# here), built by scripts/docker-stand-ins.sh. Like the official image it carries
# /usr/local/bin/{tailscale,tailscaled,containerboot} and runs containerboot; here the
# three are the test suite's stand-ins (tests/stubs/tailscale, tests/stubs/tailscaled,
# tests/docker/containerboot). The official image is Alpine with busybox `wget` (the
# rendered sidecar healthcheck uses it); this one is Debian with GNU wget, plus what the
# stand-ins need (bash, jq, socat).
FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends jq socat wget \
 && rm -rf /var/lib/apt/lists/*
COPY tailscale tailscaled containerboot /usr/local/bin/
RUN mkdir -p /var/run/tailscale /var/lib/tailscale
ENTRYPOINT ["/usr/local/bin/containerboot"]
