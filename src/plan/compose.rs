//! The compose file's part of the plan (`templates/docker-compose.yaml.j2`):
//! services, their healthchecks, volumes and network.

use serde::Serialize;

use super::bootstrap::ROLLBACK_ENV;
use super::env::{EnvVar, push_env};
use super::{
    DATA_DIR, SIDECAR_SOCKET, SIDECAR_SOCKET_DIR, SIDECAR_SOCKET_VOLUME, TOKEN_ENV, bracket_v6, sidecar_tailnet_origin,
    tags, tailscale_image,
};
use crate::config::{ProfileName, TailscaleNetworking, TailscaleState};
use crate::data::profile::TailscalePlacement;
use crate::data::versions::HealthPass;
use crate::model::Model;

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
    /// The interval during `start_period` (Engine >= 25; `[coolify] docker_engine`).
    pub start_interval: Option<&'static str>,
}

/// Probe every second while the service starts, where the engine can (Docker Engine >= 25):
/// healthy within a second or two of the service being ready, instead of at the first
/// 30 s tick (Coolify's proxy routes nothing to a container before it is healthy).
fn start_interval(m: &Model) -> Option<&'static str> {
    (m.raw.coolify.docker_engine >= crate::config::raw::START_INTERVAL_ENGINE).then_some("1s")
}

/// The gateway's healthcheck: the release's probe endpoint where it has one
/// (with Node: no curl in the image), read as its `health_pass` says, else a
/// TCP connect (bash).
pub(super) fn healthcheck(m: &Model) -> Healthcheck {
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
            health_probe(port, path, m.release.health_pass, super::tls::enabled(m)),
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
        start_interval: start_interval(m),
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

const TS_STATE_DIR_SIDECAR: &str = "/var/lib/tailscale";
const SIDECAR_HEALTH_ADDR: &str = "127.0.0.1:9002";

/// The sidecar's containerboot settings that do not depend on where it runs
/// (after the auth key, before the state): its name and tags.
pub(super) fn sidecar_identity(m: &Model) -> Vec<(String, String)> {
    let mut environment = vec![("TS_HOSTNAME".into(), m.raw.tailscale.hostname.clone())];
    if !m.raw.tailscale.tags.is_empty() {
        environment.push((
            "TS_EXTRA_ARGS".into(),
            format!("--advertise-tags={}", tags(m).join(",")),
        ));
    }
    environment
}

/// The sidecar's containerboot settings after its state: the shared socket,
/// networking and its own health endpoint.
pub(super) fn sidecar_runtime(m: &Model) -> Vec<(String, String)> {
    let kernel = m.tailscale_networking() == TailscaleNetworking::Kernel;
    let mut environment = Vec::new();
    if sidecar_tailnet_origin(m) {
        environment.push(("TS_SOCKET".into(), SIDECAR_SOCKET.into()));
    }
    environment.push(("TS_USERSPACE".into(), (!kernel).to_string()));
    // containerboot's own health endpoint: healthy once the node is up.
    environment.push(("TS_ENABLE_HEALTH_CHECK".into(), "true".into()));
    environment.push(("TS_LOCAL_ADDR_PORT".into(), SIDECAR_HEALTH_ADDR.into()));
    environment
}

/// The sidecar's healthcheck command: containerboot's health endpoint.
fn sidecar_health_test() -> Vec<String> {
    [
        "CMD",
        "wget",
        "-q",
        "--spider",
        &format!("http://{SIDECAR_HEALTH_ADDR}/healthz"),
    ]
    .map(String::from)
    .to_vec()
}

pub(super) fn compose(m: &Model, env: &mut Vec<EnvVar>) -> Compose {
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
    // Upgrades and rollbacks (docs/upgrades.md): the bootstrap restores the state
    // snapshot taken before an upgrade only when this says so.
    let rollback_ref = push_env(
        env,
        EnvVar {
            name: ROLLBACK_ENV.into(),
            value: String::new(),
            secret: false,
            required: false,
            comment: "Rollback to an older release (docs/upgrades.md): empty, or `restore` to put back the state snapshot the bootstrap took before this volume was upgraded past the pinned release (what changed since that upgrade is set aside under /data/.ocgen/replaced/, workspaces are kept). Only read when the pinned release cannot read the volume's newer state; leave it empty otherwise.".into(),
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
            (ROLLBACK_ENV.into(), rollback_ref),
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
                super::domain::compose(m, &mut openclaw, env);
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
            environment.extend(sidecar_identity(m));
            if persistent {
                environment.push(("TS_STATE_DIR".into(), TS_STATE_DIR_SIDECAR.into()));
            }
            let share_socket = sidecar_tailnet_origin(m);
            environment.extend(sidecar_runtime(m));
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
                    test: sidecar_health_test(),
                    interval: "30s",
                    timeout: "5s",
                    retries: 3,
                    start_period: "60s",
                    start_interval: start_interval(m),
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

fn network_of(m: &Model) -> Network {
    Network {
        name: m.raw.coolify.network.clone(),
        external: m.raw.coolify.network_external && !m.raw.coolify.network_internal,
        internal: m.raw.coolify.network_internal,
    }
}
