//! The `deploy.toml` file as serde reads it. These types are the single
//! source of the published JSON Schema (`schema/deploy.schema.json`); doc
//! comments become the schema's descriptions and the README reference.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Pattern of a `${VAR}` reference to a Coolify environment variable.
pub const SECRET_REF_PATTERN: &str = r"^\$\{[A-Z_][A-Z0-9_]*\}$";
const OPTIONAL_SECRET_REF_PATTERN: &str = r"^(\$\{[A-Z_][A-Z0-9_]*\})?$";
const VERSION_PATTERN: &str = r"^[0-9]{4}\.[0-9]{1,2}\.[0-9]{1,2}(-[0-9]+)?$";
const NAME_PATTERN: &str = r"^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,62}$";
const HOSTNAME_PATTERN: &str = r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$";
const IMAGE_PATTERN: &str =
    r"^[a-z0-9]+([._/:@-][a-zA-Z0-9_]+)*(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(@sha256:[a-f0-9]{64})?$";
const TAG_PATTERN: &str = r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}(@sha256:[a-f0-9]{64})?$";
/// A host name, optionally with a scheme (`http://` is accepted here and refused by lint OC115).
const DOMAIN_PATTERN: &str =
    r"^(https?://)?[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)+/?$";
const PROXY_ADDRESS_PATTERN: &str = r"^([0-9]{1,3}(\.[0-9]{1,3}){3}(/[0-9]{1,2})?|[0-9a-fA-F:]*:[0-9a-fA-F:.]*)$";
const CONFIG_PATH_PATTERN: &str = r"^[A-Za-z_][A-Za-z0-9_-]*(\.[A-Za-z_][A-Za-z0-9_-]*)*$";

/// `deploy.toml`: how to deploy one OpenClaw gateway on a Coolify-managed Docker host.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "ocgen deploy.toml")]
pub struct RawConfig {
    /// The deployment profile: `lan-patch` (gateway on the LAN), `sidecar` (LAN plus a
    /// Tailscale sidecar container), `serve` (gateway on loopback, published to the tailnet
    /// over HTTPS by Tailscale Serve inside the container) or `domain` (HTTPS on a domain through
    /// Coolify's Traefik, no published port). `ocgen render --profile` overrides it.
    pub profile: ProfileName,
    /// Where the deployment runs: `coolify` (a Docker host Coolify manages: Dockerfile,
    /// docker-compose.yaml, bootstrap.sh, coolify.env) or `kubernetes` (a Kustomize base:
    /// the same Dockerfile and bootstrap.sh, plus kustomization.yaml and the manifests; see
    /// `[kubernetes]`). The profile's decisions are the same on both.
    #[serde(default)]
    pub target: Target,
    /// The OpenClaw release to deploy.
    pub openclaw: OpenclawSection,
    /// The gateway process and how it is reached.
    #[serde(default)]
    pub gateway: GatewaySection,
    /// The container image that is built.
    #[serde(default)]
    pub image: ImageSection,
    /// How the service sits in Coolify.
    #[serde(default)]
    pub coolify: CoolifySection,
    /// Tailscale settings (used by the `sidecar` and `serve` profiles).
    #[serde(default)]
    pub tailscale: TailscaleSection,
    /// `target = "kubernetes"` only: the cluster's side of the deployment.
    #[serde(default)]
    pub kubernetes: KubernetesSection,
}

/// Where the rendered deployment runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Target {
    /// A Docker host managed by Coolify (docker-compose.yaml, coolify.env).
    #[default]
    Coolify,
    /// A Kubernetes cluster (a Kustomize base: `kubectl apply -k DIR`).
    Kubernetes,
}

impl Target {
    pub fn as_str(self) -> &'static str {
        match self {
            Target::Coolify => "coolify",
            Target::Kubernetes => "kubernetes",
        }
    }
}

/// How a `lan-patch` or `sidecar` gateway's port is reached from outside the cluster.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
pub enum ServiceType {
    /// A load balancer address (the cloud's, or MetalLB/kube-vip/ServiceLB on bare metal).
    LoadBalancer,
    /// A port on every node (`node_port`, or one the cluster picks in 30000-32767).
    NodePort,
    /// Inside the cluster only (`kubectl port-forward`).
    ClusterIP,
}

/// The access mode of the state's PersistentVolumeClaim.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
pub enum AccessMode {
    /// Mounted read-write by one node: what a single-writer gateway needs.
    ReadWriteOnce,
    /// Mounted read-write by one pod only (Kubernetes >= 1.29, CSI volumes).
    ReadWriteOncePod,
    /// Mounted read-write by many nodes (NFS-like storage; lint OC131).
    ReadWriteMany,
}

impl AccessMode {
    pub fn as_str(self) -> &'static str {
        match self {
            AccessMode::ReadWriteOnce => "ReadWriteOnce",
            AccessMode::ReadWriteOncePod => "ReadWriteOncePod",
            AccessMode::ReadWriteMany => "ReadWriteMany",
        }
    }
}

/// How the `sidecar` profile puts the gateway on the tailnet on a cluster.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum KubernetesTailscale {
    /// A `tailscale` container in the gateway's pod, as Tailscale's Kubernetes docs run it:
    /// node state in a Kubernetes Secret (`TS_KUBE_SECRET`), a ServiceAccount whose Role may
    /// only update that Secret. Needs nothing installed in the cluster.
    Sidecar,
    /// The Tailscale Kubernetes operator (installed separately) exposes the Service
    /// (annotation `tailscale.com/expose`); no container, no auth key in the pod.
    Operator,
}

/// Kubernetes (`target = "kubernetes"`).
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct KubernetesSection {
    /// The image built from the rendered Dockerfile and pushed to a registry the cluster pulls
    /// from, pinned to a tag or digest, e.g. `registry.example.com/openclaw:2026.9.6`.
    /// Required with `target = "kubernetes"`.
    #[schemars(regex(pattern = IMAGE_PATTERN))]
    pub image: Option<String>,
    /// Name of the Deployment, and prefix of every other object's name.
    #[schemars(regex(pattern = HOSTNAME_PATTERN))]
    pub name: String,
    /// Namespace written into kustomization.yaml. Unset: the namespace `kubectl` uses.
    #[schemars(regex(pattern = HOSTNAME_PATTERN))]
    pub namespace: Option<String>,
    /// The Secret the pod reads the gateway token (and the Tailscale auth key) from. ocgen
    /// never writes it: create it with `kubectl create secret generic` (docs/kubernetes.md).
    #[schemars(regex(pattern = HOSTNAME_PATTERN))]
    pub secret: String,
    /// Pods of the Deployment. The gateway is single-writer (a lock, its channel logins):
    /// anything but 1 is refused (lint OC130).
    #[schemars(range(min = 0))]
    pub replicas: u32,
    /// `lan-patch` and `sidecar`: how the gateway's port is reached from outside the cluster.
    pub service_type: ServiceType,
    /// `service_type = "NodePort"`: the node port (30000-32767). Unset: the cluster picks one.
    #[schemars(range(min = 30000, max = 32767))]
    pub node_port: Option<u16>,
    /// StorageClass of the state's PersistentVolumeClaim. Unset: the cluster's default class
    /// (lint OC132).
    #[schemars(regex(pattern = HOSTNAME_PATTERN))]
    pub storage_class: Option<String>,
    /// Size of the state's PersistentVolumeClaim, e.g. `5Gi`.
    #[schemars(regex(pattern = r"^[0-9]+(Mi|Gi|Ti)$"))]
    pub storage_size: String,
    /// Access mode of the state's PersistentVolumeClaim.
    pub access_mode: AccessMode,
    /// `sidecar`: a Tailscale container in the pod (`sidecar`) or the Tailscale operator
    /// (`operator`).
    pub tailscale: KubernetesTailscale,
    /// `domain`: the host the Ingress routes (and its certificate names). Unset: `[coolify]
    /// domain`.
    #[schemars(regex(pattern = DOMAIN_PATTERN))]
    pub domain: Option<String>,
    /// `domain`: the Ingress's `ingressClassName`.
    #[schemars(regex(pattern = HOSTNAME_PATTERN))]
    pub ingress_class: String,
    /// `domain`: the cert-manager ClusterIssuer that issues the Ingress's certificate
    /// (annotation `cert-manager.io/cluster-issuer`).
    #[schemars(regex(pattern = HOSTNAME_PATTERN))]
    pub cluster_issuer: String,
    /// `domain`: the addresses or IPv4 CIDRs the ingress controller connects to the pod from,
    /// written to `gateway.trustedProxies`: its pods' addresses, i.e. the cluster's pod CIDR
    /// (k3s `10.42.0.0/16`, kubeadm with Flannel `10.244.0.0/16`), or narrower where the
    /// controller runs on known nodes. Required for `domain` (lint OC133).
    pub trusted_proxies: Vec<ProxyAddress>,
}

impl Default for KubernetesSection {
    fn default() -> Self {
        Self {
            image: None,
            name: "openclaw".into(),
            namespace: None,
            secret: "openclaw".into(),
            replicas: 1,
            service_type: ServiceType::LoadBalancer,
            node_port: None,
            storage_class: None,
            storage_size: "5Gi".into(),
            access_mode: AccessMode::ReadWriteOnce,
            tailscale: KubernetesTailscale::Sidecar,
            domain: None,
            ingress_class: "nginx".into(),
            cluster_issuer: "letsencrypt".into(),
            trusted_proxies: Vec::new(),
        }
    }
}

/// A deployment profile (also the value of `--profile` on the command line).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, Serialize, JsonSchema, clap::ValueEnum,
)]
#[serde(rename_all = "kebab-case")]
pub enum ProfileName {
    /// Gateway listens on the LAN; sub-agents reach it over loopback.
    LanPatch,
    /// `lan-patch` plus a Tailscale sidecar container sharing the gateway's network.
    Sidecar,
    /// Gateway on loopback; tailscaled in the container publishes it with Tailscale Serve.
    Serve,
    /// Gateway on the container network; Coolify's Traefik terminates HTTPS on a domain.
    Domain,
}

impl ProfileName {
    pub const ALL: [ProfileName; 4] = [
        ProfileName::LanPatch,
        ProfileName::Sidecar,
        ProfileName::Serve,
        ProfileName::Domain,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ProfileName::LanPatch => "lan-patch",
            ProfileName::Sidecar => "sidecar",
            ProfileName::Serve => "serve",
            ProfileName::Domain => "domain",
        }
    }
}

impl std::fmt::Display for ProfileName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The OpenClaw release.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OpenclawSection {
    /// npm version of the `openclaw` package, e.g. `2026.2.19`. It selects the Node runtime,
    /// which config keys are written and whether the LAN sub-agent workaround is needed.
    #[schemars(regex(pattern = VERSION_PATTERN))]
    pub version: String,
    /// Extra `openclaw.json` settings the bootstrap writes on every start, as dotted paths,
    /// e.g. `"agents.defaults.model" = "openai/gpt-5"`. Keys the profile owns cannot be set here.
    #[serde(default)]
    #[schemars(extend("propertyNames" = { "pattern": CONFIG_PATH_PATTERN }))]
    pub config: BTreeMap<String, serde_json::Value>,
}

/// Which address the gateway listens on (`gateway.bind` in `openclaw.json`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum BindMode {
    /// The profile's choice (`lan` for lan-patch and sidecar, `loopback` for serve).
    Profile,
    /// 127.0.0.1 only.
    Loopback,
    /// All addresses of the container.
    Lan,
    /// The Tailscale address only.
    Tailnet,
    /// LAN if available, else loopback.
    Auto,
    /// `gateway.customBindHost`.
    Custom,
}

impl BindMode {
    pub fn as_str(self) -> &'static str {
        match self {
            BindMode::Profile => "profile",
            BindMode::Loopback => "loopback",
            BindMode::Lan => "lan",
            BindMode::Tailnet => "tailnet",
            BindMode::Auto => "auto",
            BindMode::Custom => "custom",
        }
    }
}

/// The gateway.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct GatewaySection {
    /// TCP port the gateway listens on inside the container (and on the host, when published).
    #[schemars(range(min = 1))]
    pub port: u16,
    /// Host address the LAN port is published on (lan-patch and sidecar), e.g. the server's LAN
    /// IP `192.168.1.100`. `0.0.0.0` publishes on every host address.
    pub publish_address: String,
    /// Override the profile's `gateway.bind`. Leave at `profile` unless you know why.
    pub bind: BindMode,
    /// The gateway token, as a `${VAR}` reference to a Coolify variable (never a literal).
    /// `${SERVICE_PASSWORD_64_OPENCLAW}` makes Coolify generate it.
    #[schemars(regex(pattern = SECRET_REF_PATTERN))]
    pub token: String,
    /// HTTPS on the gateway's own port (lan-patch and sidecar). `self-signed`: the gateway
    /// serves `https://`/`wss://` with a self-signed certificate kept on the data volume, so a
    /// LAN browser has a secure context and can use the Control UI at `https://<LAN IP>:<port>/`
    /// (accept the certificate once, approve the browser once). `off`: plain `http://`, where a
    /// LAN browser loads the page but cannot connect (no secure context, no device identity).
    pub tls: GatewayTls,
}

/// TLS on the gateway port (`gateway.tls` in `openclaw.json`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum GatewayTls {
    /// Plain `http://` and `ws://`.
    Off,
    /// `https://` and `wss://` with a self-signed certificate generated on first start.
    SelfSigned,
}

impl Default for GatewaySection {
    fn default() -> Self {
        Self {
            port: 18789,
            publish_address: "0.0.0.0".into(),
            bind: BindMode::Profile,
            token: "${OPENCLAW_GATEWAY_TOKEN}".into(),
            tls: GatewayTls::Off,
        }
    }
}

/// The image built from the rendered Dockerfile.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct ImageSection {
    /// Base image of every stage (Debian-based), pinned to a tag or digest; `latest` is refused.
    #[schemars(regex(pattern = IMAGE_PATTERN))]
    pub base: String,
    /// Include the `browser-deps` stage (Chromium's headless shell and fonts, for OpenClaw's browser tools).
    pub browser: bool,
}

impl Default for ImageSection {
    fn default() -> Self {
        Self {
            base: "debian:bookworm-slim".into(),
            browser: true,
        }
    }
}

/// Coolify integration.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct CoolifySection {
    /// Docker network the services join. By default an external network Coolify manages.
    #[schemars(regex(pattern = NAME_PATTERN))]
    pub network: String,
    /// Whether `network` already exists outside this compose file (Coolify's `proxy`/`coolify`).
    pub network_external: bool,
    /// Declare `network` as `internal: true` (no outbound traffic). Tailscale cannot reach its
    /// control plane from such a network.
    pub network_internal: bool,
    /// Named volume mounted at `/data` for the gateway's state.
    #[schemars(regex(pattern = NAME_PATTERN))]
    pub data_volume: String,
    /// `domain` only: the domain Coolify routes to the gateway, e.g. `openclaw.example.com`
    /// (or `https://openclaw.example.com`). It becomes the Control UI's allowed origin. Unset:
    /// the domain you enter in Coolify's UI is read at start from `SERVICE_URL_OPENCLAW`.
    #[schemars(regex(pattern = DOMAIN_PATTERN))]
    pub domain: Option<String>,
    /// `domain` only: who writes the Traefik labels. `coolify`: the compose file declares
    /// `SERVICE_FQDN_OPENCLAW_<port>` and Coolify writes the labels and the certificate.
    /// `traefik`: ocgen writes the labels Coolify would write (for a raw-compose deployment);
    /// needs `domain`.
    pub labels: LabelsMode,
    /// `domain` only: addresses or IPv4 CIDRs of the reverse proxy, written to
    /// `gateway.trustedProxies`. Empty: the bootstrap resolves `proxy_host` at every start.
    pub trusted_proxies: Vec<ProxyAddress>,
    /// `domain` only: host name of the reverse proxy on `network`, resolved at start when
    /// `trusted_proxies` is empty (`coolify-proxy` is the container Coolify runs Traefik in).
    #[schemars(regex(pattern = NAME_PATTERN))]
    pub proxy_host: String,
    /// Major version of the Docker Engine on the Coolify host (`docker version`, Server).
    /// From 25 the healthchecks probe every second during their start period
    /// (`start_interval: 1s`, then every 30 s), so the gateway is `healthy`, and Coolify's
    /// proxy routes to it, within seconds of admitting clients. Docker Compose refuses
    /// `start_interval` below Engine 25, so for 24 (or older) ocgen leaves it out: the first
    /// probe then runs 30 s after the start, and a domain answers 404 until then on every
    /// deploy (lint OC124).
    #[schemars(range(min = 20, max = 99))]
    pub docker_engine: u8,
}

/// The first Docker Engine whose healthchecks take `start_interval` (API 1.44).
pub const START_INTERVAL_ENGINE: u8 = 25;

/// Who writes the Traefik labels of the `domain` profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum LabelsMode {
    /// Coolify, from the `SERVICE_FQDN_OPENCLAW_<port>` magic variable and the domain in its UI.
    Coolify,
    /// ocgen, the labels Coolify's `fqdnLabelsForTraefik` writes (raw-compose deployments).
    Traefik,
}

/// An IP address or an IPv4 CIDR such as `10.0.1.5` or `10.0.1.0/24`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(transparent)]
pub struct ProxyAddress(#[schemars(regex(pattern = PROXY_ADDRESS_PATTERN))] pub String);

impl Default for CoolifySection {
    fn default() -> Self {
        Self {
            network: "proxy".into(),
            network_external: true,
            network_internal: false,
            data_volume: "openclaw-data".into(),
            domain: None,
            labels: LabelsMode::Coolify,
            trusted_proxies: Vec::new(),
            proxy_host: "coolify-proxy".into(),
            docker_engine: 28,
        }
    }
}

/// How tailscaled creates its network interface.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum TailscaleNetworking {
    /// Userspace networking: no capabilities, no `/dev/net/tun`.
    Userspace,
    /// Kernel TUN device: needs `NET_ADMIN`, `SYS_MODULE` and `/dev/net/tun`.
    Kernel,
}

/// Where tailscaled keeps its node state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum TailscaleState {
    /// On a persistent volume: the node survives restarts and redeploys.
    Volume,
    /// In memory: every start registers a new node with the auth key.
    Ephemeral,
}

/// Tailscale.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct TailscaleSection {
    /// Image the sidecar runs and the `serve` Dockerfile copies binaries from.
    #[schemars(regex(pattern = IMAGE_PATTERN))]
    pub image: String,
    /// Tag of `image`: a version such as `v1.94.2` (optionally with `@sha256:` digest).
    /// `latest` is refused.
    #[schemars(regex(pattern = TAG_PATTERN))]
    pub tag: String,
    /// Machine name on the tailnet.
    #[schemars(regex(pattern = HOSTNAME_PATTERN))]
    pub hostname: String,
    /// Auth key as a `${VAR}` reference (an OAuth client secret `tskey-client-…` or a reusable
    /// key). Empty string: no key; the first start then needs an interactive login.
    #[schemars(regex(pattern = OPTIONAL_SECRET_REF_PATTERN))]
    pub auth_key: String,
    /// ACL tags the node advertises, e.g. `["tag:server"]`. Required when `auth_key` is an
    /// OAuth client secret; tagged nodes never expire.
    pub tags: Vec<Tag>,
    /// How tailscaled makes its interface. Unset: `kernel` for `sidecar` (the gateway
    /// sees a tailnet peer's own 100.x address; ocgen adds `NET_ADMIN`, `SYS_MODULE` and
    /// `/dev/net/tun` to the sidecar), `userspace` for `serve` (no capabilities in the
    /// gateway's container). `userspace` in `sidecar` makes every tailnet client look local
    /// to the gateway (lint OC116).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(with = "TailscaleNetworking")]
    pub networking: Option<TailscaleNetworking>,
    /// Where node state lives (`sidecar`: its own named volume; `serve`: on the data volume).
    pub state: TailscaleState,
    /// `sidecar` only: named volume for the sidecar's state.
    #[schemars(regex(pattern = NAME_PATTERN))]
    pub state_volume: String,
}

impl Default for TailscaleSection {
    fn default() -> Self {
        Self {
            image: "docker.io/tailscale/tailscale".into(),
            tag: "v1.94.2".into(),
            hostname: "openclaw-server".into(),
            auth_key: "${TS_AUTHKEY}".into(),
            tags: Vec::new(),
            networking: None,
            state: TailscaleState::Volume,
            state_volume: "tailscale-state".into(),
        }
    }
}

/// A Tailscale ACL tag such as `tag:server`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(transparent)]
pub struct Tag(#[schemars(regex(pattern = r"^tag:[a-zA-Z][a-zA-Z0-9-]{0,63}$"))] pub String);
