//! The one registry of diagnostic codes: every code ocgen emits, input
//! errors (OC0xx, from `config`, `model`, `openclaw_schema` and reading the
//! file) and lint rules (OC1xx, `lint/rules.rs`), with what `ocgen explain`
//! says about it. A test checks both ways that the codes emitted in `src/`
//! are the codes listed here.
//!
//! An explanation may name releases by what the release table says about
//! them (`@{…}`, expanded by [`Code::explanation`]), so that it follows the
//! table: `@{origin-none}` is the span of listed releases that check no
//! browser origin (`first … last`), `@{origin-none.after}` the first listed
//! release after them; likewise `origin-allowlist` and `custom-bind`.

use std::borrow::Cow;

use crate::data::versions::{self, OriginCheck, Release};
use crate::diagnostic::Severity;

/// A documented code: input errors (OC0xx) and lint rules (OC1xx).
pub struct Code {
    pub code: &'static str,
    pub name: &'static str,
    pub severity: Severity,
    pub summary: &'static str,
    /// The explanation as written, `@{…}` unexpanded: see [`Code::explanation`].
    pub template: &'static str,
}

macro_rules! code {
    ($code:literal, $name:literal, $sev:ident, $summary:literal, $expl:literal) => {
        Code {
            code: $code,
            name: $name,
            severity: Severity::$sev,
            summary: $summary,
            template: $expl,
        }
    };
}

pub const CODES: &[Code] = &[
    code!(
        "OC000",
        "unreadable-input",
        Error,
        "deploy.toml cannot be read",
        "The file named by -c (default ./deploy.toml) does not exist or cannot be read.\nFix: create one with `ocgen init`, or point -c at it; check its permissions."
    ),
    code!(
        "OC001",
        "invalid-toml",
        Error,
        "deploy.toml is not valid TOML (or not UTF-8)",
        "ocgen could not parse the file. The message points at the first syntax error.\nFix: correct the TOML at that line and column."
    ),
    code!(
        "OC002",
        "unknown-key",
        Error,
        "a key ocgen does not know",
        "Every table of deploy.toml accepts a fixed set of keys (see `ocgen schema`), so that a typo never silently falls back to a default.\nFix: rename the key (the hint suggests the closest known one) or remove it."
    ),
    code!(
        "OC003",
        "invalid-value",
        Error,
        "a missing key, a wrong type or a value outside what is allowed",
        "The value does not match deploy.toml's JSON Schema (`ocgen schema`).\nFix: use a value of the expected type and form; the hint describes the key."
    ),
    code!(
        "OC004",
        "literal-secret",
        Error,
        "a secret written literally into deploy.toml",
        "deploy.toml is committed to the Coolify repo, and the rendered files are too. Secrets (the gateway token, the Tailscale auth key) must only appear as `${VAR}` references that Coolify fills from its environment.\nFix: move the value to Coolify's environment variables and write `token = \"${OPENCLAW_GATEWAY_TOKEN}\"` (or `auth_key = \"${TS_AUTHKEY}\"`). Rotate the secret if it was ever committed."
    ),
    code!(
        "OC005",
        "unknown-openclaw-version",
        Error,
        "an OpenClaw version not in ocgen's release table",
        "Which config keys are valid, which Node the image needs and whether the LAN sub-agent workaround applies depend on the OpenClaw release; ocgen knows the releases listed by `ocgen versions`.\nFix: pick a known release, or pass --allow-unknown-version to use the rules of the nearest older known release (a warning), and verify the result yourself."
    ),
    code!(
        "OC006",
        "unpinned-image",
        Error,
        "an image tagged `latest` or untagged",
        "A moving tag makes two deploys of the same commit run different software.\nFix: pin a version tag (`v1.94.2`, `bookworm-slim`) or a `@sha256:` digest."
    ),
    code!(
        "OC007",
        "owned-config-key",
        Error,
        "[openclaw.config] sets a key the profile owns",
        "gateway.port, gateway.bind, gateway.mode, gateway.remote, gateway.tailscale.mode and gateway.auth.token follow from the profile and [gateway]; setting them by hand would fight the bootstrap patch.\nFix: change `profile` or [gateway] instead."
    ),
    code!(
        "OC008",
        "openclaw-config-rejected",
        Error,
        "the openclaw.json the profile writes fails the targeted release's own schema",
        "`ocgen validate` builds the openclaw.json the bootstrap writes into a fresh volume (the profile's settings and [openclaw.config]) and checks it against the config JSON Schema of the targeted OpenClaw release, embedded in ocgen (schema/openclaw/; for a release without one, the nearest older release's). A key the release does not know, or a value of the wrong type, makes the gateway refuse its config at start-up. With no schema for the release or any older one, ocgen cannot check and warns.\nFix: correct or remove the [openclaw.config] key the message points at; if it points at the profile, report the profile and release as an ocgen bug."
    ),
    code!(
        "OC101",
        "serve-needs-loopback",
        Error,
        "serve with a bind other than loopback",
        "With gateway.tailscale.mode=serve, OpenClaw refuses to start unless gateway.bind=loopback (\"tailscale serve/funnel requires gateway bind=loopback\").\nFix: remove `gateway.bind` (the profile sets loopback), or use the sidecar profile to keep LAN access."
    ),
    code!(
        "OC102",
        "tailnet-bind",
        Warning,
        "gateway.bind = tailnet",
        "A tailnet bind listens only on the Tailscale address: LAN access on the published port ends and loopback (sub-agents, the local CLI) stops working. It also needs tailscaled in the gateway's own network namespace.\nFix: use the serve profile (HTTPS on the tailnet, loopback kept) or the sidecar profile (LAN kept)."
    ),
    code!(
        "OC103",
        "custom-bind",
        Error,
        "gateway.bind = custom",
        "OpenClaw releases before @{custom-bind.from} reject gateway.customBindHost, so a custom bind crashes the gateway in a restart loop; later releases need customBindHost and auth set as well.\nFix: use the profile's bind."
    ),
    code!(
        "OC104",
        "tailscale-tag-not-a-version",
        Error,
        "the Tailscale image tag is not a version",
        "Tags such as `stable` or `unstable` move; a redeploy would silently change tailscaled.\nFix: pin a release such as `v1.94.2` (optionally with a digest)."
    ),
    code!(
        "OC105",
        "tailscale-on-internal-network",
        Error,
        "Tailscale on an `internal` network",
        "An internal Docker network has no outbound route, so tailscaled never reaches its control plane and stays \"connecting\" forever.\nFix: set `coolify.network_internal = false` (Coolify's external `proxy` network has outbound access)."
    ),
    code!(
        "OC106",
        "kernel-mode-without-privileges",
        Error,
        "kernel networking where the container gets no NET_ADMIN or /dev/net/tun",
        "Kernel-mode tailscaled needs NET_ADMIN, SYS_MODULE and /dev/net/tun. The serve profile runs tailscaled inside the gateway container, which ocgen keeps unprivileged, so kernel mode would fail with \"cannot create TUN device\".\nFix: use `tailscale.networking = \"userspace\"` with serve, or the sidecar profile for kernel mode (the sidecar gets the capabilities)."
    ),
    code!(
        "OC107",
        "tailscale-state-not-persistent",
        Warning,
        "Tailscale state not on a persistent volume",
        "With state in memory, every restart registers a new node and needs the auth key again; the node's name and address change.\nFix: `tailscale.state = \"volume\"`."
    ),
    code!(
        "OC108",
        "serve-published-port",
        Warning,
        "a published gateway port in serve or domain",
        "In serve the gateway listens on the container's loopback only, and in domain only Coolify's proxy reaches it; a published port leads nowhere (serve) or bypasses the proxy (domain), so ocgen does not publish it and ignores gateway.publish_address.\nFix: remove `gateway.publish_address`, or use the sidecar profile to keep LAN access."
    ),
    code!(
        "OC109",
        "retired-config-key",
        Error,
        "a config key the targeted OpenClaw release has retired",
        "The targeted release rejects this key at start-up (Config invalid), so the gateway would not start.\nFix: remove it from [openclaw.config]; the bootstrap also deletes retired keys from an existing openclaw.json."
    ),
    code!(
        "OC110",
        "tailscale-no-first-start-auth",
        Error,
        "Tailscale with no way to authenticate on first start",
        "Without an auth key the node can only join the tailnet by an interactive login. With no auth key and no persisted state that is needed on every start, and the gateway never starts unattended.\nFix: set `tailscale.auth_key = \"${TS_AUTHKEY}\"` and add TS_AUTHKEY to Coolify. Without a key but with persisted state this is a warning: log in once with `docker exec … tailscale up`."
    ),
    code!(
        "OC111",
        "published-on-all-addresses",
        Warning,
        "the gateway port is published on every host address",
        "`0.0.0.0` (or `::`) publishes the gateway on every interface of the host, public ones included if the host has any; Docker's published ports bypass host firewalls such as ufw.\nFix: set `gateway.publish_address` to the host's LAN address (e.g. \"192.168.1.100\"), or keep it and make sure the host is not reachable from outside."
    ),
    code!(
        "OC112",
        "lan-profile-on-loopback",
        Warning,
        "a LAN profile with the gateway bound to loopback",
        "The port is published, but a gateway on the container's loopback refuses connections arriving on the container's network interface.\nFix: remove `gateway.bind` (the profile sets lan), or use the serve profile."
    ),
    code!(
        "OC113",
        "domain-without-route",
        Error,
        "the domain profile with neither a domain nor Coolify's FQDN variable",
        "With `coolify.labels = \"traefik\"` ocgen writes the Traefik labels itself instead of declaring `SERVICE_FQDN_OPENCLAW_<port>`, so Coolify writes none; without `coolify.domain` there is no Host rule to write, and no route reaches the gateway (it publishes no port).\nFix: set `coolify.domain = \"openclaw.example.com\"`, or remove `coolify.labels` so that Coolify routes the domain entered in its UI."
    ),
    code!(
        "OC114",
        "published-port-beside-domain",
        Warning,
        "a domain beside a published gateway port",
        "`coolify.domain` is only used by the domain profile. This profile publishes the gateway's port in plain HTTP on the host, and no proxy routes the domain to it: browsers get no secure context, and the port bypasses the proxy.\nFix: use `profile = \"domain\"` (no published port), or remove `coolify.domain`."
    ),
    code!(
        "OC115",
        "plain-http-domain",
        Error,
        "a plain http:// domain",
        "Coolify writes an HTTPS router and a Let's Encrypt certificate only for an https:// domain. Over plain HTTP the browser gives the Control UI no secure context (no device identity), the gateway refuses it, and the token crosses the network in clear.\nFix: write the domain as `openclaw.example.com` or `https://openclaw.example.com`."
    ),
    code!(
        "OC116",
        "sidecar-tailnet-looks-local",
        Warning,
        "sidecar with userspace networking: tailnet clients reach the gateway from 127.0.0.1",
        "In userspace mode tailscaled has no network interface: it accepts a tailnet peer's connection to the node's address itself and dials 127.0.0.1:<port> in the namespace the gateway shares (tailscale wgengine/netstack/netstack.go, acceptTCP: `case isTailscaleIP: dialIP = ipv4Loopback`). The gateway then sees every tailnet client as a loopback client, and OpenClaw gives local clients trust it gives no remote one (device pairing is approved without the operator). Anyone on the tailnet who has the token gets that trust.\nFix: leave `tailscale.networking` unset or set it to `\"kernel\"`, the sidecar's default (a TUN device: the gateway sees the peer's 100.x address and asks for pairing; needs NET_ADMIN and /dev/net/tun, which ocgen then adds), restrict the node's port with a tailnet ACL, or use the serve profile (HTTPS through Tailscale Serve with the proxy attributed)."
    ),
    code!(
        "OC120",
        "lan-browser-without-https",
        Warning,
        "a LAN profile on plain http: the token crosses the LAN in clear, and older releases refuse LAN browsers",
        "Over plain http:// the gateway token, the pairing and every Control UI message cross the LAN unencrypted. A browser also treats such a page as no secure context (no WebCrypto). Measured with a real Chromium (tests/user_path.rs): OpenClaw 2026.2.19 then refuses the Control UI outright (\"control ui requires HTTPS or localhost (secure context)\"); 2026.9.6's Control UI still makes a device identity and gets in once the operator approves the browser. Releases in between are not measured. Sub-agents, the CLI in the container and browsers through an SSH tunnel to http://localhost:PORT are not affected.\nFix: set `tls = \"self-signed\"` in [gateway]: the gateway serves https://<LAN IP>:<port>/ with a self-signed certificate on the data volume; accept it once per browser and approve each browser once (`openclaw devices approve`). Write `tls = \"off\"` to keep plain http (e.g. SSH tunnels only, or a trusted LAN on 2026.9.x) and silence this warning."
    ),
    code!(
        "OC121",
        "tls-without-published-port",
        Error,
        "[gateway] tls in a profile that publishes no gateway port (serve, domain)",
        "In serve, Tailscale Serve terminates HTTPS for the tailnet, and in domain Coolify's proxy does, each proxying plain HTTP to the gateway; ocgen manages gateway TLS only for the LAN profiles (lan-patch, sidecar), where the browser connects to the gateway's own port.\nFix: remove `tls` from [gateway] (serve and domain already give browsers HTTPS), or use lan-patch or sidecar."
    ),
    code!(
        "OC122",
        "lan-origin-unknown",
        Warning,
        "the release admits only listed browser origins, and no LAN address is known to list",
        "OpenClaw @{origin-allowlist} accept a Control UI page only from the origins gateway.controlUi.allowedOrigins lists (the Host-header fallback became opt-in in @{origin-allowlist.from}; same-origin pages on private addresses pass again from @{origin-allowlist.after}). ocgen lists `http(s)://<publish_address>:<port>` and localhost for you, but with publish_address 0.0.0.0 (or ::) it does not know the address LAN browsers type, so they get \"origin not allowed\"; SSH tunnels to localhost still work.\nFix: set `gateway.publish_address` to the host's LAN address (e.g. \"192.168.1.100\"), or list the origins yourself in [openclaw.config] (`\"gateway.controlUi.allowedOrigins\" = [\"http://192.168.1.100:18789\"]`), or pin OpenClaw @{origin-allowlist.after} or newer."
    ),
    code!(
        "OC123",
        "release-checks-no-origin",
        Warning,
        "the release checks no browser Origin",
        "OpenClaw @{origin-none} accept a Control UI WebSocket from any page (measured, tests/user_path.rs: a page from http://evil.example connects with the token); gateway.controlUi.allowedOrigins does not exist yet, so ocgen cannot restrict it. A page that learns or guesses the token, or a paired device's page, talks to the gateway from any site.\nFix: pin OpenClaw @{origin-none.after} or newer (`[openclaw] version`)."
    ),
    code!(
        "OC124",
        "docker-engine-without-start-interval",
        Warning,
        "the host's Docker Engine is older than 25: the gateway turns healthy only at the first 30 s probe",
        "Docker Engine 25 added `start_interval` to healthchecks: ocgen renders `start_interval: 1s`, so Docker probes every second while the gateway starts and marks it `healthy` within about a second of it admitting clients (measured on Engine 26, tests/docker_e2e.rs). Docker Compose refuses the key on an older engine, so with `[coolify] docker_engine` below 25 ocgen leaves it out, and the first probe runs only 30 s after the container starts. Until a container is healthy Coolify's Traefik routes nothing to it: a domain answers 404 for those ~30 s on every deploy and restart, and Coolify reports the deployment as starting.\nFix: upgrade the host's Docker Engine to 25 or newer (Coolify's installer and Docker's apt repository install a current one), then set `docker_engine` in [coolify] to its major version (or remove the key: the default is a current engine)."
    ),
    code!(
        "OC130",
        "kubernetes-replicas",
        Error,
        "more than one gateway pod (or none) on Kubernetes",
        "The OpenClaw gateway is single-writer: it holds a lock on its state on the volume and its channel logins (WhatsApp Web and the like) are one session each. Two pods on one state fight over the lock, or (on ReadWriteMany storage) both write it; a second pod on its own volume is a second, unpaired gateway behind the same Service. ocgen renders `strategy: Recreate` so that even a rollout never runs two.\nFix: set `replicas = 1` in [kubernetes] (or remove the key); scale a stopped gateway with `kubectl scale deploy/openclaw --replicas=0` instead of `replicas = 0`."
    ),
    code!(
        "OC131",
        "kubernetes-read-write-many",
        Warning,
        "the state's volume is ReadWriteMany",
        "A ReadWriteMany claim lets pods on several nodes mount the gateway's state at once (NFS, CephFS, cloud file shares). The gateway needs one writer (OC130), and its SQLite state and lock files need the POSIX locking that network file systems often do not give, so a second mount can corrupt it rather than be refused.\nFix: `access_mode = \"ReadWriteOnce\"` (the default) or `\"ReadWriteOncePod\"` (Kubernetes >= 1.29, CSI volumes) in [kubernetes]."
    ),
    code!(
        "OC132",
        "kubernetes-no-storage-class",
        Warning,
        "no storage class for the state's volume",
        "Without `storageClassName` the claim takes the cluster's default StorageClass. A cluster without one (kubeadm, many bare-metal installs) leaves the claim Pending, and the pod with it, with no error in `kubectl apply`; a default class may also be one that deletes the volume with the claim.\nFix: name the class in [kubernetes] `storage_class` (`kubectl get storageclass` lists them; k3s ships `local-path`)."
    ),
    code!(
        "OC133",
        "kubernetes-domain-incomplete",
        Error,
        "the domain profile on Kubernetes without a host or without the ingress controller's addresses",
        "On Kubernetes the Ingress needs the host it routes (its certificate names it, and it is the Control UI's only allowed origin), and the gateway must trust X-Forwarded-For only from the ingress controller's pods, whose addresses come from the cluster's pod CIDR. On Docker the bootstrap resolves Coolify's proxy by name; a cluster has no such name (a Service's address is not where its pods connect from), so without `trusted_proxies` the bootstrap refuses to start, and a too-wide list lets any pod claim any client address.\nFix: set [kubernetes] `domain` (or [coolify] `domain`) and `trusted_proxies` to the controller pods' CIDR (k3s `10.42.0.0/16`, kubeadm with Flannel `10.244.0.0/16`; `kubectl get pods -A -o wide` shows the controller's address)."
    ),
];

pub fn find(code: &str) -> Option<&'static Code> {
    CODES
        .iter()
        .find(|c| c.code.eq_ignore_ascii_case(code) || c.name == code)
}

impl Code {
    /// What `ocgen explain` prints: the template with every `@{…}` replaced
    /// by what the release table says.
    pub fn explanation(&self) -> Cow<'static, str> {
        expand(self.template).unwrap_or_else(|name| panic!("{}: no release table fact `@{{{name}}}`", self.code))
    }
}

/// `template` with each `@{name}` replaced; `Err(name)` for one the table
/// cannot answer.
fn expand(template: &'static str) -> Result<Cow<'static, str>, String> {
    if !template.contains("@{") {
        return Ok(Cow::Borrowed(template));
    }
    let mut out = String::new();
    let mut rest = template;
    while let Some(i) = rest.find("@{") {
        out.push_str(&rest[..i]);
        let end = rest[i..].find('}').ok_or_else(|| rest[i..].to_string())? + i;
        let name = &rest[i + 2..end];
        out.push_str(&fact(name).ok_or_else(|| name.to_string())?);
        rest = &rest[end + 1..];
    }
    out.push_str(rest);
    Ok(Cow::Owned(out))
}

/// One `@{…}`: `<set>` (`first … last`), `<set>.from` or `<set>.after`.
fn fact(name: &str) -> Option<String> {
    let (set, part) = name.split_once('.').unwrap_or((name, ""));
    let pred: fn(&Release) -> bool = match set {
        "origin-none" => |r| r.origin_check == OriginCheck::None,
        "origin-allowlist" => |r| r.origin_check == OriginCheck::Allowlist,
        "custom-bind" => |r| r.custom_bind,
        _ => return None,
    };
    let (first, last) = versions::first_and_last(pred)?;
    match part {
        "" if first.version == last.version => Some(first.version.clone()),
        "" => Some(format!("{} … {}", first.version, last.version)),
        "from" => Some(first.version.clone()),
        "after" => versions::first_after(pred).map(|r| r.version.clone()),
        _ => None,
    }
}
