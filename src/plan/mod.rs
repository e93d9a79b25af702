//! The render plan: every decision about the four files, made here in typed
//! Rust from the validated [`Model`]. Templates only lay the plan out.

mod dockerfile;
mod env;
mod patch;

pub use dockerfile::{Dockerfile, Stage};
pub use env::EnvVar;
pub(crate) use env::push_env;
pub(crate) use patch::set_env_list;
pub use patch::{PatchOp, PatchStep, apply_to_empty, jq_path};

use serde::Serialize;
use serde_json::Value;

use crate::config::{BindMode, ProfileName, TailscaleNetworking, TailscaleState};
use crate::model::Model;
use crate::profile::TailscalePlacement;
use crate::versions::{HealthPass, OriginCheck};
use patch::{delete, set, set_env};

/// Where the image keeps its own copy of OpenClaw.
pub const OPENCLAW_HOME: &str = "/opt/openclaw";

/// The unprivileged user the gateway runs as: uid/gid 1000 `node`, as in
/// OpenClaw's official image. Fixed: the bootstrap hands the data volume's
/// state to this uid, so nothing on the deployment side needs another.
pub const GATEWAY_USER: GatewayUser = GatewayUser {
    name: "node",
    uid: 1000,
    gid: 1000,
    home: "/home/node",
};

#[derive(Debug, Clone, Copy, Serialize)]
pub struct GatewayUser {
    /// Name the image gives the user when its base has no uid `uid`.
    pub name: &'static str,
    pub uid: u32,
    pub gid: u32,
    pub home: &'static str,
}

#[derive(Debug, Clone, Serialize)]
pub struct Plan {
    pub header: Header,
    pub dockerfile: Dockerfile,
    pub compose: Compose,
    pub bootstrap: Bootstrap,
    /// Every variable the compose file references, in order of first use.
    pub env: Vec<EnvVar>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Header {
    pub tool_version: &'static str,
    pub profile: &'static str,
    pub openclaw_version: String,
    pub release: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Compose {
    pub services: Vec<Service>,
    pub network: Network,
    pub volumes: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Network {
    pub name: String,
    pub external: bool,
    pub internal: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct Service {
    pub name: &'static str,
    /// Build from the rendered Dockerfile (else `image`).
    pub build: bool,
    pub image: Option<String>,
    pub hostname: Option<String>,
    pub network_mode: Option<String>,
    pub depends_on: Vec<&'static str>,
    pub environment: Vec<(String, String)>,
    pub ports: Vec<String>,
    pub volumes: Vec<String>,
    pub networks: Vec<String>,
    pub cap_add: Vec<&'static str>,
    pub devices: Vec<&'static str>,
    pub security_opt: Vec<&'static str>,
    /// How long `docker stop` waits after SIGTERM before SIGKILL.
    pub stop_grace_period: Option<&'static str>,
    pub healthcheck: Option<Healthcheck>,
    /// Container labels (`key=value`), e.g. the Traefik labels of `domain`.
    pub labels: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Healthcheck {
    /// Exec form (`["CMD", …]`).
    pub test: Vec<String>,
    pub interval: &'static str,
    pub timeout: &'static str,
    pub retries: u32,
    pub start_period: &'static str,
}

/// The gateway's healthcheck: the release's probe endpoint where it has one
/// (with Node: no curl in the image), read as its `health_pass` says, else a
/// TCP connect (bash).
fn healthcheck(m: &Model) -> Healthcheck {
    let port = m.raw.gateway.port;
    let path = &m.release.health_path;
    let test = if path.is_empty() {
        // (a TCP connect works the same over TLS)
        vec![
            "CMD".into(),
            "bash".into(),
            "-c".into(),
            format!("exec 3<>/dev/tcp/127.0.0.1/{port}"),
        ]
    } else {
        vec![
            "CMD".into(),
            "node".into(),
            "-e".into(),
            health_probe(port, path, m.release.health_pass, crate::tls::enabled(m)),
        ]
    };
    // serve (and the sidecar that lists the tailnet origin) first waits up to
    // TS_WAIT_SECONDS (30) for the tailnet.
    let serve = m.profile.tailscale == TailscalePlacement::InContainer || sidecar_tailnet_origin(m);
    Healthcheck {
        test,
        interval: "30s",
        timeout: "5s",
        retries: 3,
        start_period: if serve { "120s" } else { "90s" },
    }
}

/// The Node one-liner that asks `http(s)://127.0.0.1:PORT/PATH` and exits 0
/// when the answer passes. Over TLS it speaks https and accepts the
/// self-signed certificate (Node's `fetch` refuses it).
fn health_probe(port: u16, path: &str, pass: HealthPass, tls: bool) -> String {
    const STARTING: &str = "process.exit(t.includes('startup-sidecars') ? 1 : 0)";
    match (tls, pass) {
        (false, HealthPass::Status) => format!(
            "fetch('http://127.0.0.1:{port}{path}').then(r => process.exit(r.ok ? 0 : 1), () => process.exit(1))"
        ),
        (false, HealthPass::NotStarting) => format!(
            "fetch('http://127.0.0.1:{port}{path}').then(r => r.text()).then(t => {STARTING}, () => process.exit(1))"
        ),
        (true, HealthPass::Status) => format!(
            "require('node:https').get('https://127.0.0.1:{port}{path}', {{ rejectUnauthorized: false }}, r => process.exit(r.statusCode === 200 ? 0 : 1)).on('error', () => process.exit(1))"
        ),
        (true, HealthPass::NotStarting) => format!(
            "require('node:https').get('https://127.0.0.1:{port}{path}', {{ rejectUnauthorized: false }}, r => {{ let t = ''; r.on('data', c => t += c); r.on('end', () => {STARTING}) }}).on('error', () => process.exit(1))"
        ),
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Bootstrap {
    pub port: u16,
    pub data_dir: &'static str,
    pub openclaw_home: &'static str,
    /// Why the config looks the way it does (comment lines).
    pub notes: Vec<String>,
    /// The `openclaw.json` patch, one step a line, with the reason for each.
    pub patch: Vec<PatchStep>,
    /// The whole jq program.
    pub jq_program: String,
    /// Settings the seed wanted that this release rejects.
    pub omitted: Vec<PatchStep>,
    pub tailscale: Option<BootstrapTailscale>,
    /// sidecar: ask the sidecar's tailscaled for the node's tailnet origin.
    pub sidecar: Option<BootstrapSidecar>,
    /// The public origin and proxy addresses (`domain` only).
    pub domain: Option<crate::domain::BootstrapDomain>,
    pub exec: Vec<String>,
    /// Make the gateway's self-signed TLS certificate before the patch.
    pub tls: bool,
    /// Who the gateway runs as (the bootstrap drops to it before `exec`).
    pub gateway_user: GatewayUser,
}

#[derive(Debug, Clone, Serialize)]
pub struct BootstrapTailscale {
    pub hostname: String,
    /// `tailscaled --state=` argument, relative to `$TS_STATE_DIR` or `mem:`.
    pub persistent_state: bool,
    pub auth_key_var: Option<String>,
    pub tags: Vec<String>,
    /// The variable the bootstrap sets to the node's tailnet origin
    /// (`https://<MagicDNS name>`) once Tailscale runs, for the patch.
    pub origin_env: Option<&'static str>,
}

/// sidecar on a release that admits only listed origins: before the patch the
/// bootstrap waits (bounded) for the sidecar's tailscaled, on the socket the
/// two containers share, to be Running, and lists
/// `SCHEME://<MagicDNS name>:PORT` (and the short host name) as origins. If it
/// is not Running in time, the gateway starts without them (LAN browsers are
/// not affected) and the log says so.
#[derive(Debug, Clone, Serialize)]
pub struct BootstrapSidecar {
    /// `TS_SOCKET`'s default: the sidecar's socket on the shared volume.
    pub socket: &'static str,
    /// `TS_WAIT_SECONDS`'s default.
    pub wait_seconds: u32,
    /// The variable the patch reads the tailnet origins from.
    pub origin_env: &'static str,
    /// `http` or `https` (`[gateway] tls`).
    pub scheme: &'static str,
    pub port: u16,
    /// `[tailscale] hostname` (for the log).
    pub hostname: String,
}

/// Where the sidecar's tailscaled listens (`TS_SOCKET` of containerboot, whose
/// own default, `/tmp/tailscaled.sock`, is not on a volume), on the volume the
/// gateway's container mounts read-only to ask it for the node's name.
pub const SIDECAR_SOCKET: &str = "/var/run/tailscale/tailscaled.sock";
const SIDECAR_SOCKET_DIR: &str = "/var/run/tailscale";
/// The named volume that shares [`SIDECAR_SOCKET`]'s directory.
pub const SIDECAR_SOCKET_VOLUME: &str = "tailscale-socket";

/// How long the sidecar's bootstrap waits for the tailnet (`TS_WAIT_SECONDS`).
const SIDECAR_WAIT_SECONDS: u32 = 30;

/// Any MagicDNS name: what a tailnet browser's page is on.
const MAGICDNS_NAME: &str = "node.tailnet.ts.net";

/// sidecar: whether the gateway's container must learn the node's MagicDNS
/// name from the sidecar's tailscaled (shared socket volume, `tailscale` CLI
/// in the image) to list the tailnet origin: only where the release refuses a
/// same-origin page on `*.ts.net` by itself ([`OriginCheck::Allowlist`];
/// `PrivateSameOrigin` admits it, `HostHeader` and `None` admit any), and
/// ocgen writes the list (not `[openclaw.config]`). Elsewhere the gateway's
/// container gets no access to tailscaled at all.
pub fn sidecar_tailnet_origin(m: &Model) -> bool {
    m.profile.tailscale == TailscalePlacement::Sidecar
        && m.profile.publish_port
        && m.bind != BindMode::Loopback
        && !m.raw.openclaw.config.contains_key(ALLOWED_ORIGINS)
        && !m.release.origin_check.admits_same_origin(MAGICDNS_NAME)
}

/// The token's variable inside the container, whatever Coolify calls it.
pub const TOKEN_ENV: &str = "OPENCLAW_GATEWAY_TOKEN";
const DATA_DIR: &str = "/data";

const TS_STATE_DIR_SIDECAR: &str = "/var/lib/tailscale";
const SIDECAR_HEALTH_ADDR: &str = "127.0.0.1:9002";

pub fn plan(m: &Model) -> Plan {
    let port = m.raw.gateway.port;
    let header = Header {
        tool_version: env!("CARGO_PKG_VERSION"),
        profile: m.profile.name.as_str(),
        openclaw_version: m.openclaw_version.clone(),
        release: m.release.version.clone(),
    };
    let mut env = Vec::new();
    Plan {
        header,
        dockerfile: dockerfile::dockerfile(m),
        compose: compose(m, &mut env),
        bootstrap: bootstrap(m, port),
        env,
    }
}

fn tailscale_image(m: &Model) -> String {
    format!("{}:{}", m.raw.tailscale.image, m.raw.tailscale.tag)
}

fn compose(m: &Model, env: &mut Vec<EnvVar>) -> Compose {
    let raw = &m.raw;
    let port = raw.gateway.port;
    let placement = m.profile.tailscale;
    let generated = m.token_var.starts_with("SERVICE_");
    let token_ref = push_env(
        env,
        EnvVar {
            name: m.token_var.clone(),
            value: String::new(),
            secret: true,
            required: true,
            comment: if generated {
                "Gateway token, generated by Coolify (SERVICE_PASSWORD_* magic variable); read it in Coolify's UI to log in.".into()
            } else {
                "Gateway token (required): a long random string, e.g. `openssl rand -hex 32`. Clients log in with it."
                    .into()
            },
        },
    );
    let auth_ref = |env: &mut Vec<EnvVar>| {
        m.auth_key_var.as_ref().map(|name| {
            push_env(
                env,
                EnvVar {
                    name: name.clone(),
                    value: String::new(),
                    secret: true,
                    required: false,
                    comment: "Tailscale auth key (needed on first start; an OAuth client secret tskey-client-… with a tag never expires). Tailscale admin console → Settings → Keys or OAuth clients.".into(),
                },
            )
        })
    };
    let published = format!("{}:{port}:{port}", bracket_v6(&raw.gateway.publish_address));
    let network = raw.coolify.network.clone();
    let mut openclaw = Service {
        name: "openclaw",
        build: true,
        image: None,
        hostname: None,
        network_mode: None,
        depends_on: vec![],
        environment: vec![
            (TOKEN_ENV.into(), token_ref),
            ("OPENCLAW_DATA_DIR".into(), DATA_DIR.into()),
        ],
        ports: vec![],
        volumes: vec![format!("{}:{DATA_DIR}", raw.coolify.data_volume)],
        networks: vec![network.clone()],
        cap_add: vec![],
        devices: vec![],
        security_opt: vec!["no-new-privileges:true"],
        // OpenClaw 2026.9.6 takes ~8 s to shut down cleanly after SIGTERM (measured in
        // tests/docker_e2e.rs); Docker's default 10 s would SIGKILL it mid-shutdown on a
        // busy host.
        stop_grace_period: Some("30s"),
        healthcheck: Some(healthcheck(m)),
        labels: vec![],
    };
    let mut services = Vec::new();
    let mut volumes = vec![raw.coolify.data_volume.clone()];
    match placement {
        TailscalePlacement::None => {
            if m.profile.publish_port {
                openclaw.ports.push(published);
            }
            if m.profile.name == ProfileName::Domain {
                crate::domain::compose(m, &mut openclaw, env);
            }
        }
        TailscalePlacement::InContainer => {
            openclaw.hostname = Some(raw.tailscale.hostname.clone());
            if let Some(r) = auth_ref(env) {
                openclaw.environment.push(("TS_AUTHKEY".into(), r));
            }
            openclaw
                .environment
                .push(("TS_HOSTNAME".into(), raw.tailscale.hostname.clone()));
            if m.profile.publish_port {
                openclaw.ports.push(published);
            }
        }
        TailscalePlacement::Sidecar => {
            let kernel = m.tailscale_networking() == TailscaleNetworking::Kernel;
            let persistent = raw.tailscale.state == TailscaleState::Volume;
            let mut environment = Vec::new();
            if let Some(r) = auth_ref(env) {
                environment.push(("TS_AUTHKEY".into(), r));
                environment.push(("TS_AUTH_ONCE".into(), "true".into()));
            }
            environment.push(("TS_HOSTNAME".into(), raw.tailscale.hostname.clone()));
            if !raw.tailscale.tags.is_empty() {
                environment.push((
                    "TS_EXTRA_ARGS".into(),
                    format!("--advertise-tags={}", tags(m).join(",")),
                ));
            }
            if persistent {
                environment.push(("TS_STATE_DIR".into(), TS_STATE_DIR_SIDECAR.into()));
            }
            let share_socket = sidecar_tailnet_origin(m);
            if share_socket {
                environment.push(("TS_SOCKET".into(), SIDECAR_SOCKET.into()));
            }
            environment.push(("TS_USERSPACE".into(), (!kernel).to_string()));
            // containerboot's own health endpoint: healthy once the node is up.
            environment.push(("TS_ENABLE_HEALTH_CHECK".into(), "true".into()));
            environment.push(("TS_LOCAL_ADDR_PORT".into(), SIDECAR_HEALTH_ADDR.into()));
            let mut sidecar = Service {
                name: "tailscale",
                build: false,
                image: Some(tailscale_image(m)),
                hostname: Some(raw.tailscale.hostname.clone()),
                network_mode: None,
                depends_on: vec![],
                environment,
                ports: vec![],
                volumes: vec![],
                networks: vec![network.clone()],
                cap_add: if kernel {
                    vec!["net_admin", "sys_module"]
                } else {
                    vec![]
                },
                devices: if kernel {
                    vec!["/dev/net/tun:/dev/net/tun"]
                } else {
                    vec![]
                },
                security_opt: vec!["no-new-privileges:true"],
                stop_grace_period: None,
                healthcheck: Some(Healthcheck {
                    test: [
                        "CMD",
                        "wget",
                        "-q",
                        "--spider",
                        &format!("http://{SIDECAR_HEALTH_ADDR}/healthz"),
                    ]
                    .map(String::from)
                    .to_vec(),
                    interval: "30s",
                    timeout: "5s",
                    retries: 3,
                    start_period: "60s",
                }),
                labels: vec![],
            };
            if persistent {
                sidecar
                    .volumes
                    .push(format!("{}:{TS_STATE_DIR_SIDECAR}", raw.tailscale.state_volume));
                volumes.push(raw.tailscale.state_volume.clone());
            }
            if share_socket {
                // The gateway's bootstrap asks tailscaled for the node's
                // MagicDNS name (read-only: connecting to a socket needs no
                // write access to the mount).
                sidecar
                    .volumes
                    .push(format!("{SIDECAR_SOCKET_VOLUME}:{SIDECAR_SOCKET_DIR}"));
                openclaw
                    .volumes
                    .push(format!("{SIDECAR_SOCKET_VOLUME}:{SIDECAR_SOCKET_DIR}:ro"));
                volumes.push(SIDECAR_SOCKET_VOLUME.into());
            }
            if m.profile.publish_port {
                // The gateway shares the sidecar's network namespace, so the
                // namespace's owner publishes the port.
                sidecar.ports.push(published);
            }
            openclaw.network_mode = Some("service:tailscale".into());
            openclaw.networks.clear();
            openclaw.depends_on.push("tailscale");
            services.push(openclaw);
            services.push(sidecar);
            return Compose {
                services,
                network: network_of(m),
                volumes,
            };
        }
    }
    services.push(openclaw);
    Compose {
        services,
        network: network_of(m),
        volumes,
    }
}

fn tags(m: &Model) -> Vec<String> {
    m.raw.tailscale.tags.iter().map(|t| t.0.clone()).collect()
}

fn network_of(m: &Model) -> Network {
    Network {
        name: m.raw.coolify.network.clone(),
        external: m.raw.coolify.network_external && !m.raw.coolify.network_internal,
        internal: m.raw.coolify.network_internal,
    }
}

fn bracket_v6(addr: &str) -> String {
    if addr.contains(':') {
        format!("[{addr}]")
    } else {
        addr.to_string()
    }
}

fn bootstrap(m: &Model, port: u16) -> Bootstrap {
    let release = m.release;
    let mut notes = Vec::new();
    let mut patch = Vec::new();
    let mut omitted = Vec::new();
    let mut exec = vec!["gateway".to_string(), "run".to_string()];

    patch.push(set(
        "gateway.port",
        &Value::from(port),
        "the port the gateway listens on (and the healthcheck dials)",
    ));
    patch.push(set(
        "gateway.bind",
        &Value::from(m.bind.as_str()),
        if m.bind == m.profile.bind {
            m.profile.bind_why.clone()
        } else {
            "set by gateway.bind in deploy.toml".to_string()
        },
    ));

    let workaround = m.profile.lan_workaround && m.bind == BindMode::Lan && release.lan_subagent_workaround;
    if workaround {
        notes.push(format!(
            "OpenClaw {} makes local clients and sub-agents dial the LAN IP when bind=lan, which its plaintext ws:// check blocks.",
            release.version
        ));
        notes.push("Workaround: gateway.mode=remote with remote.url on loopback, and --allow-unconfigured so the gateway still starts.".into());
        notes.push(format!(
            "`openclaw gateway --allow-unconfigured` (the gateway command itself runs the gateway): up to 2026.2.12 only it sees the flag, `gateway run --allow-unconfigured` exits with \"Gateway start blocked\" (measured on 2026.2.9); OpenClaw {} runs the same either way.",
            release.version
        ));
        patch.push(set(
            "gateway.mode",
            &Value::from("remote"),
            "sub-agents read gateway.remote.url only in remote mode",
        ));
        patch.extend(crate::tls::remote_steps(m, port));
        patch.push(set_env(
            "gateway.remote.token",
            TOKEN_ENV,
            "sub-agents authenticate with the gateway token",
        ));
        exec = vec!["gateway".to_string(), "--allow-unconfigured".to_string()];
    } else {
        if m.profile.lan_workaround && m.bind == BindMode::Lan {
            notes.push(format!(
                "OpenClaw {} dials ws://127.0.0.1 for local clients whatever the bind: the LAN sub-agent workaround (gateway.mode=remote, --allow-unconfigured) is not needed.",
                release.version
            ));
        }
        patch.push(set(
            "gateway.mode",
            &Value::from("local"),
            "the gateway refuses to start without mode=local",
        ));
        patch.push(delete("gateway.remote", "only remote mode reads it"));
    }

    patch.extend(crate::tls::patch(m));
    for setting in &m.profile.config {
        if release.is_retired(&setting.path) {
            omitted.push(set(
                &setting.path,
                &setting.value,
                format!(
                    "OpenClaw {} rejects it; the seed set it because {}",
                    release.version, setting.why
                ),
            ));
        } else {
            patch.push(set(&setting.path, &setting.value, setting.why.clone()));
        }
    }
    if m.profile.tailscale == TailscalePlacement::InContainer {
        serve_trusted_proxies(m, &mut patch, &mut notes);
    }
    let tailnet_origin = browser_origins(m, port, &mut patch, &mut notes);
    let domain = (m.profile.name == ProfileName::Domain).then(|| crate::domain::bootstrap(m, &mut patch));
    for (path, value) in &m.raw.openclaw.config {
        patch.push(set(path, value, "[openclaw.config] in deploy.toml"));
    }
    for key in &release.retired_keys {
        if !m.raw.openclaw.config.contains_key(key) {
            patch.push(delete(
                key,
                format!(
                    "retired in OpenClaw {}; an older config may still carry it",
                    release.version
                ),
            ));
        }
    }

    let jq_program = patch.iter().map(|s| s.jq.as_str()).collect::<Vec<_>>().join("\n| ");
    let tailscale = (m.profile.tailscale == TailscalePlacement::InContainer).then(|| BootstrapTailscale {
        hostname: m.raw.tailscale.hostname.clone(),
        persistent_state: m.raw.tailscale.state == TailscaleState::Volume,
        auth_key_var: m.auth_key_var.clone(),
        tags: tags(m),
        origin_env: tailnet_origin.then_some(TAILNET_ORIGIN_ENV),
    });
    let sidecar = (m.profile.tailscale == TailscalePlacement::Sidecar && tailnet_origin).then(|| BootstrapSidecar {
        socket: SIDECAR_SOCKET,
        wait_seconds: SIDECAR_WAIT_SECONDS,
        origin_env: TAILNET_ORIGIN_ENV,
        scheme: if crate::tls::enabled(m) { "https" } else { "http" },
        port,
        hostname: m.raw.tailscale.hostname.clone(),
    });
    Bootstrap {
        port,
        data_dir: DATA_DIR,
        openclaw_home: OPENCLAW_HOME,
        notes,
        patch,
        jq_program,
        omitted,
        tailscale,
        sidecar,
        domain,
        exec,
        tls: crate::tls::enabled(m),
        gateway_user: GATEWAY_USER,
    }
}

/// The variable the `serve` bootstrap fills with `https://<MagicDNS name>`, the
/// `sidecar` one with `SCHEME://<MagicDNS name>:PORT,SCHEME://<host>:PORT`.
pub const TAILNET_ORIGIN_ENV: &str = "OPENCLAW_TAILNET_ORIGIN";

/// The origins browsers load the Control UI from, written to
/// `gateway.controlUi.allowedOrigins` where the release would refuse them on
/// its own ([`OriginCheck`]); `domain` writes its own. Returns whether the
/// bootstrap must work out the tailnet origin (`serve`; `sidecar` where
/// [`sidecar_tailnet_origin`]).
///
/// - lan-patch, sidecar (a published port): `SCHEME://ADDR:PORT` for a
///   `publish_address` the release does not admit by itself, plus
///   `SCHEME://localhost:PORT` and `SCHEME://127.0.0.1:PORT` (an SSH tunnel;
///   what OpenClaw seeds when it has no list);
/// - sidecar, where the release refuses `*.ts.net` pages by itself: also the
///   tailnet's `SCHEME://<MagicDNS name>:PORT`, known only once the sidecar's
///   node runs (the bootstrap adds them, or none if it does not run in time);
/// - serve: `https://<MagicDNS name>` (Tailscale Serve's origin), known only
///   once the node runs.
fn browser_origins(m: &Model, port: u16, patch: &mut Vec<PatchStep>, notes: &mut Vec<String>) -> bool {
    let check = m.release.origin_check;
    let v = &m.release.version;
    if m.profile.name == ProfileName::Domain || m.raw.openclaw.config.contains_key(ALLOWED_ORIGINS) {
        return false;
    }
    if !m.profile.publish_port {
        if m.profile.tailscale == TailscalePlacement::InContainer && check == OriginCheck::Allowlist {
            patch.push(set_env_list(
                ALLOWED_ORIGINS,
                TAILNET_ORIGIN_ENV,
                format!("the tailnet browser loads the Control UI from https://<this node's MagicDNS name> (Tailscale Serve); OpenClaw {v} admits only listed origins"),
            ));
            return true;
        }
        return false;
    }
    if m.bind == BindMode::Loopback {
        return false;
    }
    let scheme = if crate::tls::enabled(m) { "https" } else { "http" };
    let addr = m.raw.gateway.publish_address.as_str();
    let unspecified = crate::model::publishes_everywhere(addr);
    let lan_admitted = !unspecified && check.admits_same_origin(addr);
    if matches!(check, OriginCheck::None | OriginCheck::HostHeader)
        || (check == OriginCheck::PrivateSameOrigin && (unspecified || lan_admitted))
    {
        return false;
    }
    let mut origins = Vec::new();
    if !unspecified {
        origins.push(format!("{scheme}://{}:{port}", bracket_v6(addr)));
    } else {
        notes.push(format!(
            "OpenClaw {v} admits only the browser origins gateway.controlUi.allowedOrigins lists, and publish_address {addr} names no LAN address: LAN browsers are refused until gateway.publish_address (or [openclaw.config] gateway.controlUi.allowedOrigins) names it (lint OC122)."
        ));
    }
    origins.push(format!("{scheme}://localhost:{port}"));
    origins.push(format!("{scheme}://127.0.0.1:{port}"));
    let refuses = match check {
        OriginCheck::Allowlist => "every origin it does not list (and does not start on a LAN bind without a list)",
        _ => "a page on a public address",
    };
    if sidecar_tailnet_origin(m) {
        patch.push(PatchStep::new(
            ALLOWED_ORIGINS,
            PatchOp::SetListPlusEnv {
                fixed: origins,
                var: TAILNET_ORIGIN_ENV.into(),
            },
            format!("the browser's origins: the LAN address the port is published on, localhost (an SSH tunnel), and the tailnet's {scheme}://<MagicDNS name>:{port} (from the sidecar's tailscaled, when it runs in time); OpenClaw {v} refuses {refuses} otherwise"),
        ));
        return true;
    }
    patch.push(set(
        ALLOWED_ORIGINS,
        &Value::from(origins),
        format!("the browser's origins: the LAN address the port is published on, and localhost (an SSH tunnel); OpenClaw {v} refuses {refuses} otherwise"),
    ));
    false
}

const ALLOWED_ORIGINS: &str = "gateway.controlUi.allowedOrigins";

/// The proxy Tailscale Serve runs inside the container connects from loopback.
pub const SERVE_PROXIES: [&str; 2] = ["127.0.0.1", "::1"];

/// serve: Tailscale Serve forwards tailnet clients to the loopback gateway with
/// `X-Forwarded-For`. Whether the gateway must trust loopback as a proxy for
/// that depends on the release (measured: `tests/tailnet_path.rs`,
/// `tests/user_path.rs`).
fn serve_trusted_proxies(m: &Model, patch: &mut Vec<PatchStep>, notes: &mut Vec<String>) {
    let v = &m.release.version;
    if m.release.proxy_attribution_required {
        patch.push(set(
            "gateway.trustedProxies",
            &Value::from(SERVE_PROXIES.to_vec()),
            format!(
                "Tailscale Serve proxies from loopback: only it may say who the tailnet client is (X-Forwarded-For); OpenClaw {v} refuses proxied requests (HTTP 403) otherwise"
            ),
        ));
    } else {
        notes.push(format!(
            "OpenClaw {v} serves what Tailscale Serve proxies without gateway.trustedProxies; trusting loopback would make its own CLI and sub-agents non-local (pairing required), so it is not set."
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn model(text: &str) -> Model {
        crate::load_model(&crate::diagnostic::Source::new("d", text), &Default::default()).unwrap()
    }

    fn sidecar(version: &str, extra: &str) -> Model {
        model(&format!(
            "profile = \"sidecar\"\n[openclaw]\nversion = \"{version}\"\n[gateway]\npublish_address = \"10.0.1.20\"\n{extra}"
        ))
    }

    #[test]
    fn the_sidecar_asks_tailscaled_for_its_name_only_where_the_release_needs_the_origin_listed() {
        // Allowlist: 2026.2.23 … 2026.5.12
        for v in ["2026.2.23", "2026.5.12"] {
            let m = sidecar(v, "");
            assert_eq!(m.release.origin_check, OriginCheck::Allowlist);
            assert!(sidecar_tailnet_origin(&m), "{v}");
            let p = plan(&m);
            let names: Vec<_> = p.dockerfile.stages.iter().map(|s| s.name).collect();
            assert!(
                names.contains(&"tailscale-cli") && !names.contains(&"tailscale-install"),
                "{names:?}"
            );
            let gw = &p.compose.services[0];
            let ts = &p.compose.services[1];
            assert!(
                gw.volumes
                    .contains(&"tailscale-socket:/var/run/tailscale:ro".to_string())
            );
            assert!(ts.volumes.contains(&"tailscale-socket:/var/run/tailscale".to_string()));
            assert!(ts.environment.contains(&("TS_SOCKET".into(), SIDECAR_SOCKET.into())));
            assert!(p.compose.volumes.contains(&SIDECAR_SOCKET_VOLUME.to_string()));
            let s = p.bootstrap.sidecar.as_ref().expect("a sidecar step");
            assert_eq!((s.scheme, s.port, s.origin_env), ("http", 18789, TAILNET_ORIGIN_ENV));
            let step = p.bootstrap.patch.iter().find(|s| s.path == ALLOWED_ORIGINS).unwrap();
            let got = apply_to_empty(std::slice::from_ref(step), |_| {
                "http://n.t.ts.net:18789,http://n:18789".into()
            });
            assert_eq!(
                got["gateway"]["controlUi"]["allowedOrigins"],
                serde_json::json!([
                    "http://10.0.1.20:18789",
                    "http://localhost:18789",
                    "http://127.0.0.1:18789",
                    "http://n.t.ts.net:18789",
                    "http://n:18789"
                ])
            );
            // not Running in time: the LAN list alone
            let lan = apply_to_empty(std::slice::from_ref(step), |_| String::new());
            assert_eq!(
                lan["gateway"]["controlUi"]["allowedOrigins"].as_array().unwrap().len(),
                3
            );
        }
        // https with [gateway] tls
        let tls = plan(&sidecar("2026.2.23", "tls = \"self-signed\"\n"));
        assert_eq!(tls.bootstrap.sidecar.unwrap().scheme, "https");
        // PrivateSameOrigin admits *.ts.net, HostHeader and None any same-origin page:
        // no socket volume, no CLI, no sidecar step.
        for v in ["2026.1.29", "2026.2.19", "2026.2.22", "2026.5.18", "2026.9.6"] {
            let m = sidecar(v, "");
            assert!(
                m.release
                    .origin_check
                    .admits_same_origin("openclaw-server.tailnet-stub.ts.net")
            );
            assert!(!sidecar_tailnet_origin(&m), "{v}");
            let p = plan(&m);
            assert!(
                p.bootstrap.sidecar.is_none() && p.dockerfile.tailscale_image.is_none(),
                "{v}"
            );
            assert!(
                p.compose
                    .services
                    .iter()
                    .all(|s| s.volumes.iter().all(|v| !v.contains("tailscale-socket")))
            );
        }
        // The operator's own list wins; lan-patch has no sidecar.
        let own = sidecar(
            "2026.2.23",
            "[openclaw.config]\n\"gateway.controlUi.allowedOrigins\" = [\"http://x:1\"]\n",
        );
        assert!(!sidecar_tailnet_origin(&own));
        let lan = model("profile = \"lan-patch\"\n[openclaw]\nversion = \"2026.2.23\"\n");
        assert!(!sidecar_tailnet_origin(&lan) && plan(&lan).bootstrap.sidecar.is_none());
    }
}
