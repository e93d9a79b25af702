//! The Dockerfile's part of the plan (`templates/Dockerfile.j2`).

use serde::Serialize;
use serde_json::Value;

use super::{GATEWAY_USER, GatewayUser, OPENCLAW_HOME, sidecar_tailnet_origin, tailscale_image};
use crate::data::profile::TailscalePlacement;
use crate::model::Model;

#[derive(Debug, Clone, Serialize)]
pub struct Dockerfile {
    pub base_image: String,
    pub node_image: String,
    pub node_major: u32,
    pub browser: bool,
    pub openclaw_version: String,
    pub openclaw_home: &'static str,
    /// `package.json` of the image's OpenClaw install (pins version and overrides).
    pub package_json: String,
    /// `image:tag` to copy tailscale binaries from (serve; sidecar: the CLI,
    /// where [`sidecar_tailnet_origin`]).
    pub tailscale_image: Option<String>,
    /// The stage each stage builds on, in order.
    pub stages: Vec<Stage>,
    pub port: u16,
    /// Install `openssl` (bootstrap.sh makes the gateway's TLS certificate).
    pub tls: bool,
    pub gateway_user: GatewayUser,
}

#[derive(Debug, Clone, Serialize)]
pub struct Stage {
    pub name: &'static str,
    pub from: String,
}

pub(super) fn dockerfile(m: &Model) -> Dockerfile {
    let mut stages = vec![Stage {
        name: "base",
        from: m.raw.image.base.clone(),
    }];
    let mut push = |name: &'static str| {
        let from = stages.last().map(|s| s.name.to_string()).unwrap_or_default();
        stages.push(Stage { name, from });
    };
    push("runtimes");
    if m.raw.image.browser {
        push("browser-deps");
    }
    // Tailscale's binaries before OpenClaw: bumping `[openclaw] version` (the most frequent
    // change) then rebuilds only the OpenClaw install and the small final stage.
    let in_container = m.profile.tailscale == TailscalePlacement::InContainer;
    let sidecar_cli = sidecar_tailnet_origin(m);
    if in_container {
        push("tailscale-install");
    } else if sidecar_cli {
        push("tailscale-cli");
    }
    push("openclaw-install");
    push("final");
    let mut package = serde_json::Map::new();
    package.insert("name".into(), "openclaw-runtime".into());
    package.insert("private".into(), true.into());
    package.insert(
        "dependencies".into(),
        serde_json::json!({ "openclaw": m.openclaw_version }),
    );
    if !m.release.npm_overrides.is_empty() {
        package.insert(
            "overrides".into(),
            serde_json::to_value(&m.release.npm_overrides).unwrap_or_default(),
        );
    }
    Dockerfile {
        base_image: m.raw.image.base.clone(),
        node_image: format!("docker.io/library/node:{}-bookworm-slim", m.release.node),
        node_major: m.release.node_major,
        browser: m.raw.image.browser,
        openclaw_version: m.openclaw_version.clone(),
        openclaw_home: OPENCLAW_HOME,
        package_json: Value::Object(package).to_string(),
        tailscale_image: (in_container || sidecar_cli).then(|| tailscale_image(m)),
        stages,
        port: m.raw.gateway.port,
        tls: super::tls::enabled(m),
        gateway_user: GATEWAY_USER,
    }
}
