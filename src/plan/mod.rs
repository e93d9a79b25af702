//! The render plan: every decision about the four files, made here in typed
//! Rust from the validated [`Model`]. Templates only lay the plan out.
//!
//! One submodule per output (`dockerfile`, `compose`, `bootstrap`, `env`, the
//! Coolify env list), plus `patch`, the `openclaw.json` patch bootstrap.sh
//! applies, and the decisions of two features several outputs share:
//! `domain` (the domain profile's routing) and `tls` (`[gateway] tls`). What
//! several outputs share otherwise stays here.

mod bootstrap;
mod compose;
mod dockerfile;
pub mod domain;
mod env;
pub mod kubernetes;
mod patch;
pub mod tls;

pub use bootstrap::{
    BROWSER_TOOL_KEYS, Bootstrap, BootstrapSidecar, BootstrapTailscale, BootstrapVolume, FormatStart, ROLLBACK_ENV,
    SERVE_PROXIES, TAILNET_ORIGIN_ENV,
};
pub use compose::{Compose, Healthcheck, Network, Service};
pub use dockerfile::{Dockerfile, Stage};
pub use env::EnvVar;
pub use kubernetes::Kubernetes;
pub use patch::{PatchOp, PatchStep, apply_to_empty, jq_path};

use serde::Serialize;

use crate::config::{BindMode, Target};
use crate::data::profile::TailscalePlacement;
use crate::model::Model;

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
    /// `target = "kubernetes"`: where each piece goes on a cluster.
    pub kubernetes: Option<Kubernetes>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Header {
    pub tool_version: &'static str,
    pub profile: &'static str,
    pub openclaw_version: String,
    pub release: String,
    pub target: &'static str,
}

pub fn plan(m: &Model) -> Plan {
    let port = m.raw.gateway.port;
    let header = Header {
        tool_version: env!("CARGO_PKG_VERSION"),
        profile: m.profile.name.as_str(),
        openclaw_version: m.openclaw_version.clone(),
        release: m.release.version.clone(),
        target: m.raw.target.as_str(),
    };
    let mut env = Vec::new();
    Plan {
        header,
        dockerfile: dockerfile::dockerfile(m),
        compose: compose::compose(m, &mut env),
        bootstrap: bootstrap::bootstrap(m, port),
        env,
        kubernetes: (m.raw.target == Target::Kubernetes).then(|| kubernetes::kubernetes(m)),
    }
}

/// Where the sidecar's tailscaled listens (`TS_SOCKET` of containerboot, whose
/// own default, `/tmp/tailscaled.sock`, is not on a volume), on the volume the
/// gateway's container mounts read-only to ask it for the node's name.
pub const SIDECAR_SOCKET: &str = "/var/run/tailscale/tailscaled.sock";
pub const SIDECAR_SOCKET_DIR: &str = "/var/run/tailscale";
/// The named volume that shares [`SIDECAR_SOCKET`]'s directory.
pub const SIDECAR_SOCKET_VOLUME: &str = "tailscale-socket";

/// Any MagicDNS name: what a tailnet browser's page is on.
const MAGICDNS_NAME: &str = "node.tailnet.ts.net";

const ALLOWED_ORIGINS: &str = "gateway.controlUi.allowedOrigins";

/// sidecar: whether the gateway's container must learn the node's MagicDNS
/// name from the sidecar's tailscaled (shared socket volume, `tailscale` CLI
/// in the image) to list the tailnet origin: only where the release refuses a
/// same-origin page on `*.ts.net` by itself ([`OriginCheck::Allowlist`];
/// `PrivateSameOrigin` admits it, `HostHeader` and `None` admit any), and
/// ocgen writes the list (not `[openclaw.config]`). Elsewhere the gateway's
/// container gets no access to tailscaled at all.
///
/// [`OriginCheck::Allowlist`]: crate::data::versions::OriginCheck::Allowlist
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

fn tailscale_image(m: &Model) -> String {
    format!("{}:{}", m.raw.tailscale.image, m.raw.tailscale.tag)
}

fn tags(m: &Model) -> Vec<String> {
    m.raw.tailscale.tags.iter().map(|t| t.0.clone()).collect()
}

fn bracket_v6(addr: &str) -> String {
    if addr.contains(':') {
        format!("[{addr}]")
    } else {
        addr.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::versions::OriginCheck;

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
