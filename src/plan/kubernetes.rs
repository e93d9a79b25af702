//! The Kubernetes target's part of the plan (`templates/kubernetes/*.yaml.j2`):
//! a Kustomize base that runs the same image (the rendered Dockerfile) and the
//! same bootstrap.sh as the Coolify target. Nothing here decides anything about
//! OpenClaw: the patch, the origins, the proxies and the probe are the ones
//! [`super::bootstrap`] and [`super::compose`] decide; this module only says
//! where each goes on a cluster (env, volumes, probes, Service, Ingress,
//! RBAC) and how the pod is confined.
//!
//! The pod runs as uid/gid 1000 (the gateway's user) from its first process:
//! bootstrap.sh, rendered for this target, skips what only root did on Docker
//! (handing a root-owned volume over with chown, restoring /usr/local/bin,
//! dropping privileges), since `fsGroup` gives the volume to the group and a
//! read-only root filesystem keeps /usr/local/bin as the image built it. So
//! every capability is dropped and privilege escalation is off.

use serde::Serialize;

use super::compose::{healthcheck, sidecar_identity, sidecar_runtime};
use super::{DATA_DIR, GATEWAY_USER, SIDECAR_SOCKET_DIR, TOKEN_ENV, sidecar_tailnet_origin, tailscale_image};
use crate::config::{KubernetesTailscale, ProfileName, ServiceType, TailscaleNetworking, TailscaleState};
use crate::data::profile::TailscalePlacement;
use crate::model::Model;

#[derive(Debug, Clone, Serialize)]
pub struct Kubernetes {
    pub name: String,
    pub namespace: Option<String>,
    /// The manifests kustomization.yaml lists, in order.
    pub resources: Vec<&'static str>,
    pub replicas: u32,
    pub port: u16,
    /// The Secret ocgen names but never writes.
    pub secret: String,
    pub secret_keys: Vec<SecretKey>,
    pub pvc: Pvc,
    pub uid: u32,
    pub gid: u32,
    pub containers: Vec<Container>,
    pub volumes: Vec<Volume>,
    /// The ServiceAccount the pod runs as (sidecar: may update its own state Secret).
    pub service_account: Option<Rbac>,
    pub services: Vec<KubeService>,
    pub ingress: Option<Ingress>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SecretKey {
    pub key: String,
    pub required: bool,
    pub comment: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Pvc {
    pub name: String,
    pub access_mode: &'static str,
    pub storage_class: Option<String>,
    pub size: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Container {
    pub name: &'static str,
    pub image: String,
    pub env: Vec<EnvEntry>,
    pub mounts: Vec<Mount>,
    pub port: Option<u16>,
    pub startup: Option<Probe>,
    pub readiness: Option<Probe>,
    pub liveness: Option<Probe>,
    /// None: the pod's user (uid 1000); Some(0): containerboot, root in its own container.
    pub run_as_user: Option<u32>,
    pub read_only_root: bool,
    pub caps_add: Vec<&'static str>,
    /// Why the container is confined the way it is (a comment in deployment.yaml).
    pub comment: Option<&'static str>,
}

#[derive(Debug, Clone, Serialize)]
pub struct EnvEntry {
    pub name: String,
    pub value: Option<String>,
    /// `(secret, key, optional)`.
    pub secret: Option<(String, String, bool)>,
    /// A `fieldRef` path such as `metadata.name`.
    pub field: Option<&'static str>,
}

impl EnvEntry {
    fn value(name: impl Into<String>, value: impl Into<String>) -> Self {
        EnvEntry {
            name: name.into(),
            value: Some(value.into()),
            secret: None,
            field: None,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Mount {
    pub volume: &'static str,
    pub path: String,
    pub read_only: bool,
    pub sub_path: Option<&'static str>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Volume {
    pub name: &'static str,
    /// `pvc`, `empty-dir` or `service-account-token`.
    pub kind: &'static str,
    pub claim: Option<String>,
    pub memory: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct Probe {
    pub command: Vec<String>,
    pub period: u32,
    pub timeout: u32,
    pub failure_threshold: u32,
}

#[derive(Debug, Clone, Serialize)]
pub struct Rbac {
    pub name: String,
    /// The Secret containerboot keeps the node's state in (`TS_KUBE_SECRET`), if any.
    pub state_secret: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct KubeService {
    pub name: String,
    pub kind: &'static str,
    pub node_port: Option<u16>,
    pub annotations: Vec<(String, String)>,
    pub comment: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Ingress {
    pub name: String,
    pub host: String,
    pub class: String,
    pub issuer: String,
    pub tls_secret: String,
    pub annotations: Vec<(String, String)>,
}

/// Volumes the read-only root filesystem needs writable (measured: docs/kubernetes.md):
/// the gateway writes temporary files and its user's caches.
const TMP_VOLUME: &str = "tmp";
const HOME_VOLUME: &str = "home";
const DATA_VOLUME: &str = "data";
const SOCKET_VOLUME: &str = "tailscale-socket";
const TOKEN_VOLUME: &str = "tailscale-api";
/// Where a pod's ServiceAccount token is read from (containerboot's kube client).
const SA_TOKEN_DIR: &str = "/var/run/secrets/kubernetes.io/serviceaccount";

/// How long the startup probe waits for the gateway to admit clients (docs/kubernetes.md).
const STARTUP_SECONDS: u32 = 300;

/// A variable read from the deployment's Secret.
fn secret_env(m: &Model, name: &str, key: &str, optional: bool) -> EnvEntry {
    EnvEntry {
        name: name.into(),
        value: None,
        secret: Some((m.raw.kubernetes.secret.clone(), key.into(), optional)),
        field: None,
    }
}

/// The image the cluster pulls: `[kubernetes] image` (the model refuses a
/// Kubernetes target without one).
pub fn image(m: &Model) -> String {
    m.raw.kubernetes.image.clone().unwrap_or_default()
}

/// `[kubernetes] domain`, else `[coolify] domain`.
pub fn domain(m: &Model) -> Option<&str> {
    m.raw.kubernetes.domain.as_deref().or(m.raw.coolify.domain.as_deref())
}

pub(super) fn kubernetes(m: &Model) -> Kubernetes {
    let k = &m.raw.kubernetes;
    let port = m.raw.gateway.port;
    let name = k.name.clone();
    let placement = m.profile.tailscale;
    let mut secret_keys = vec![SecretKey {
        key: m.token_var.clone(),
        required: true,
        comment: "the gateway token: a long random string (`openssl rand -hex 32`); clients log in with it".into(),
    }];
    let operator = placement == TailscalePlacement::Sidecar && k.tailscale == KubernetesTailscale::Operator;
    let auth_key = m
        .auth_key_var
        .clone()
        .filter(|_| placement != TailscalePlacement::None && !operator);
    if let Some(key) = &auth_key {
        secret_keys.push(SecretKey {
            key: key.clone(),
            required: false,
            comment: "the Tailscale auth key (first start only; an OAuth client secret with a tag never expires)"
                .into(),
        });
    }

    // The gateway's container: the compose service's environment, mapped.
    let mut env = vec![
        secret_env(m, TOKEN_ENV, &m.token_var, false),
        EnvEntry::value("OPENCLAW_DATA_DIR", DATA_DIR),
        EnvEntry::value("HOME", GATEWAY_USER.home),
    ];
    let mut mounts = vec![
        Mount {
            volume: DATA_VOLUME,
            path: DATA_DIR.into(),
            read_only: false,
            sub_path: None,
        },
        Mount {
            volume: TMP_VOLUME,
            path: "/tmp".into(),
            read_only: false,
            sub_path: None,
        },
        Mount {
            volume: HOME_VOLUME,
            path: GATEWAY_USER.home.into(),
            read_only: false,
            sub_path: None,
        },
    ];
    let mut volumes = vec![
        Volume {
            name: DATA_VOLUME,
            kind: "pvc",
            claim: Some(format!("{name}-data")),
            memory: false,
        },
        Volume {
            name: TMP_VOLUME,
            kind: "empty-dir",
            claim: None,
            memory: false,
        },
        Volume {
            name: HOME_VOLUME,
            kind: "empty-dir",
            claim: None,
            memory: false,
        },
    ];
    let hc = healthcheck(m);
    let command: Vec<String> = hc.test[1..].to_vec();
    let probes = |command: Vec<String>, start: u32| {
        (
            // "Admits clients": the compose healthcheck's command, every second while starting.
            Some(Probe {
                command: command.clone(),
                period: 1,
                timeout: 5,
                failure_threshold: start,
            }),
            Some(Probe {
                command: command.clone(),
                period: 10,
                timeout: 5,
                failure_threshold: 3,
            }),
            Some(Probe {
                command,
                period: 30,
                timeout: 5,
                failure_threshold: 3,
            }),
        )
    };
    // A startup probe that gives up restarts the container: allow far more than the compose
    // file's start period (measured: 89 s to a passing probe under a load of 20 on 2 cores).
    let (startup, readiness, liveness) = probes(command, STARTUP_SECONDS);

    let mut containers = Vec::new();
    let mut service_account = None;
    let mut services = Vec::new();
    let mut ingress = None;
    let lan_service = |comment: &str| KubeService {
        name: name.clone(),
        kind: match k.service_type {
            ServiceType::LoadBalancer => "LoadBalancer",
            ServiceType::NodePort => "NodePort",
            ServiceType::ClusterIP => "ClusterIP",
        },
        node_port: k.node_port.filter(|_| k.service_type == ServiceType::NodePort),
        annotations: vec![],
        comment: comment.into(),
    };
    match placement {
        TailscalePlacement::None if m.profile.name == ProfileName::Domain => {
            let host = domain(m).map(super::domain::origin).unwrap_or_default();
            env.push(EnvEntry::value(super::domain::PUBLIC_URL_ENV, host.clone()));
            let proxies: Vec<&str> = k.trusted_proxies.iter().map(|p| p.0.as_str()).collect();
            env.push(EnvEntry::value(super::domain::TRUSTED_PROXIES_ENV, proxies.join(",")));
            services.push(KubeService {
                name: name.clone(),
                kind: "ClusterIP",
                node_port: None,
                annotations: vec![],
                comment: "The Ingress's backend; nothing outside the cluster reaches it directly.".into(),
            });
            let mut annotations = vec![("cert-manager.io/cluster-issuer".to_string(), k.cluster_issuer.clone())];
            if k.ingress_class == "nginx" {
                // ingress-nginx closes a WebSocket idle for 60 s by default.
                for key in ["proxy-read-timeout", "proxy-send-timeout"] {
                    annotations.push((format!("nginx.ingress.kubernetes.io/{key}"), "3600".into()));
                }
            }
            ingress = Some(Ingress {
                name: name.clone(),
                host: host.trim_start_matches("https://").to_string(),
                class: k.ingress_class.clone(),
                issuer: k.cluster_issuer.clone(),
                tls_secret: format!("{name}-tls"),
                annotations,
            });
        }
        TailscalePlacement::None => {
            services.push(lan_service(
                "The gateway's port, as the Coolify target publishes it on the host.",
            ));
        }
        TailscalePlacement::InContainer => {
            // serve: tailscaled runs in the gateway's container, as its user
            // (userspace networking), state on the data volume; its socket
            // directory is the one place outside /data and /tmp it writes.
            if let Some(key) = &auth_key {
                env.push(secret_env(m, "TS_AUTHKEY", key, true));
            }
            env.push(EnvEntry::value("TS_HOSTNAME", m.raw.tailscale.hostname.clone()));
            mounts.push(Mount {
                volume: SOCKET_VOLUME,
                path: SIDECAR_SOCKET_DIR.into(),
                read_only: false,
                sub_path: None,
            });
            volumes.push(Volume {
                name: SOCKET_VOLUME,
                kind: "empty-dir",
                claim: None,
                memory: true,
            });
        }
        TailscalePlacement::Sidecar if operator => {
            services.push(lan_service(
                "The gateway's port on the LAN, as the Coolify target publishes it.",
            ));
            let mut annotations = vec![
                ("tailscale.com/expose".to_string(), "true".to_string()),
                ("tailscale.com/hostname".to_string(), m.raw.tailscale.hostname.clone()),
            ];
            if !m.raw.tailscale.tags.is_empty() {
                annotations.push(("tailscale.com/tags".into(), super::tags(m).join(",")));
            }
            services.push(KubeService {
                name: format!("{name}-tailnet"),
                kind: "ClusterIP",
                node_port: None,
                annotations,
                comment: "The Tailscale operator (installed separately) puts this Service on the tailnet.".into(),
            });
        }
        TailscalePlacement::Sidecar => {
            services.push(lan_service(
                "The gateway's port on the LAN, as the Coolify target publishes it.",
            ));
            let kernel = m.tailscale_networking() == TailscaleNetworking::Kernel;
            let state_secret =
                (m.raw.tailscale.state == TailscaleState::Volume).then(|| format!("{name}-tailscale-state"));
            let mut ts_env = Vec::new();
            if let Some(key) = &auth_key {
                ts_env.push(secret_env(m, "TS_AUTHKEY", key, true));
                ts_env.push(EnvEntry::value("TS_AUTH_ONCE", "true"));
            }
            ts_env.extend(sidecar_identity(m).into_iter().map(|(n, v)| EnvEntry::value(n, v)));
            // The node's state in a Secret of its own (Tailscale's Kubernetes docs), or in
            // memory (`[tailscale] state = "ephemeral"`: containerboot's default Secret off).
            ts_env.push(EnvEntry::value(
                "TS_KUBE_SECRET",
                state_secret.clone().unwrap_or_default(),
            ));
            ts_env.extend(sidecar_runtime(m).into_iter().map(|(n, v)| EnvEntry::value(n, v)));
            for (n, f) in [("POD_NAME", "metadata.name"), ("POD_UID", "metadata.uid")] {
                ts_env.push(EnvEntry {
                    name: n.into(),
                    value: None,
                    secret: None,
                    field: Some(f),
                });
            }
            let mut ts_mounts = vec![Mount {
                volume: TOKEN_VOLUME,
                path: SA_TOKEN_DIR.into(),
                read_only: true,
                sub_path: None,
            }];
            volumes.push(Volume {
                name: TOKEN_VOLUME,
                kind: "service-account-token",
                claim: None,
                memory: false,
            });
            if sidecar_tailnet_origin(m) {
                ts_mounts.push(Mount {
                    volume: SOCKET_VOLUME,
                    path: SIDECAR_SOCKET_DIR.into(),
                    read_only: false,
                    sub_path: None,
                });
                mounts.push(Mount {
                    volume: SOCKET_VOLUME,
                    path: SIDECAR_SOCKET_DIR.into(),
                    read_only: true,
                    sub_path: None,
                });
                volumes.push(Volume {
                    name: SOCKET_VOLUME,
                    kind: "empty-dir",
                    claim: None,
                    memory: true,
                });
            }
            containers.push(Container {
                name: "tailscale",
                image: tailscale_image(m),
                env: ts_env,
                mounts: ts_mounts,
                port: None,
                // No probes: a pod is Ready only when every container is, and the LAN path
                // must not wait for the tailnet (the compose file's depends_on waits for
                // the sidecar to start, not to be healthy); a probe that restarts it would
                // also lose an interactive login in progress.
                startup: None,
                readiness: None,
                liveness: None,
                run_as_user: Some(0),
                read_only_root: false,
                caps_add: if kernel { vec!["NET_ADMIN"] } else { vec![] },
                comment: Some(
                    "containerboot, as Tailscale's Kubernetes docs run it: root in its own container with the runtime's default capabilities plus NET_ADMIN for kernel networking (all dropped in userspace mode), the only container with the ServiceAccount's token.",
                ),
            });
            service_account = Some(Rbac {
                name: format!("{name}-tailscale"),
                state_secret,
            });
        }
    }
    containers.insert(
        0,
        Container {
            name: "openclaw",
            image: image(m),
            env,
            mounts,
            port: Some(port),
            startup,
            readiness,
            liveness,
            run_as_user: None,
            read_only_root: true,
            caps_add: vec![],
            comment: None,
        },
    );

    let mut resources = vec!["deployment.yaml", "pvc.yaml"];
    if !services.is_empty() {
        resources.push("service.yaml");
    }
    if ingress.is_some() {
        resources.push("ingress.yaml");
    }
    if service_account.is_some() {
        resources.push("rbac.yaml");
    }
    Kubernetes {
        name: name.clone(),
        namespace: k.namespace.clone(),
        resources,
        replicas: k.replicas,
        port,
        secret: k.secret.clone(),
        secret_keys,
        pvc: Pvc {
            name: format!("{name}-data"),
            access_mode: k.access_mode.as_str(),
            storage_class: k.storage_class.clone(),
            size: k.storage_size.clone(),
        },
        uid: GATEWAY_USER.uid,
        gid: GATEWAY_USER.gid,
        containers,
        volumes,
        service_account,
        services,
        ingress,
    }
}
