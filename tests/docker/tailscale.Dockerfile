# Stand-in for docker.io/tailscale/tailscale:<tag> (no real Tailscale binary can be had
# here), built by scripts/docker-stand-ins.sh. Like the official image it carries
# /usr/local/bin/{tailscale,tailscaled,containerboot} and runs containerboot; here the
# three are the test suite's stand-ins (tests/stubs/tailscale, tests/stubs/tailscaled,
# tests/docker/containerboot). The official image is Alpine, whose `wget` is busybox's
# applet (the rendered sidecar healthcheck runs `wget -q --spider`); this one is Debian
# with the same busybox applet as `wget` (busybox-static, no GNU wget), so the
# healthcheck meets the tool it meets in production, plus what the stand-ins need
# (bash, jq, socat).
FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends jq socat busybox-static \
 && ln -s /bin/busybox /usr/bin/wget \
 && rm -rf /var/lib/apt/lists/*
COPY tailscale tailscaled containerboot /usr/local/bin/
RUN mkdir -p /var/run/tailscale /var/lib/tailscale
ENTRYPOINT ["/usr/local/bin/containerboot"]
