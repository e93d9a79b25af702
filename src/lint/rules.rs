//! One function per lint rule, named after its code's name in the registry
//! ([`super::codes`]). Each reads the model and returns its findings;
//! [`super::lint`] runs them all, in the order they are reported.

use crate::config::{
    AccessMode, BindMode, GatewayTls, LabelsMode, ProfileName, TailscaleNetworking, TailscaleState, Target,
};
use crate::data::profile::TailscalePlacement;
use crate::data::versions::{self, OriginCheck};
use crate::diagnostic::{Diagnostic, Severity};
use crate::model::{Model, publishes_everywhere};

use super::codes::find;

/// The release a real browser measured refusing a LAN page on plain http
/// (no secure context; tests/user_path.rs). A unit test keeps it listed.
pub(super) const MEASURED_REFUSES_INSECURE_LAN: &str = "2026.2.19";

/// A finding of the rule `code`, at the registry's severity.
fn diag(code: &'static str, message: impl Into<String>) -> Diagnostic {
    let c = find(code).expect("lint code is documented");
    let d = Diagnostic::error(code, message);
    Diagnostic {
        severity: c.severity,
        ..d
    }
    .with_hint(format!("`ocgen explain {code}` says why and how to fix it"))
}

fn uses_tailscale(m: &Model) -> bool {
    m.profile.tailscale != TailscalePlacement::None
}

/// `gateway.bind`, or the profile that chose it.
fn bind_span(m: &Model) -> Option<std::ops::Range<usize>> {
    m.spans.value("/gateway/bind").or_else(|| m.spans.value("/profile"))
}

/// `coolify.domain`, or the profile.
fn domain_span(m: &Model) -> Option<std::ops::Range<usize>> {
    m.spans.value("/coolify/domain").or_else(|| m.spans.value("/profile"))
}

/// OC101
pub(super) fn serve_needs_loopback(m: &Model) -> Option<Diagnostic> {
    (m.profile.name == ProfileName::Serve && m.bind != BindMode::Loopback).then(|| {
        diag(
            "OC101",
            format!(
                "serve needs gateway.bind = loopback, not {}: the gateway refuses to start",
                m.bind.as_str()
            ),
        )
        .with_span(bind_span(m))
        .with_label("tailscale serve requires a loopback bind")
    })
}

/// OC102
pub(super) fn tailnet_bind(m: &Model) -> Option<Diagnostic> {
    (m.bind == BindMode::Tailnet).then(|| {
        diag(
            "OC102",
            "gateway.bind = tailnet ends LAN access and breaks loopback clients",
        )
        .with_span(bind_span(m))
        .with_label("listens on the Tailscale address only")
    })
}

/// OC103
pub(super) fn custom_bind(m: &Model) -> Option<Diagnostic> {
    (m.bind == BindMode::Custom).then(|| {
        let msg = if m.release.custom_bind {
            format!(
                "gateway.bind = custom needs gateway.customBindHost, which ocgen does not manage (OpenClaw {})",
                m.release.version
            )
        } else {
            format!("gateway.bind = custom crashes OpenClaw {}", m.release.version)
        };
        diag("OC103", msg).with_span(bind_span(m)).with_label("custom bind")
    })
}

/// OC104
pub(super) fn tailscale_tag_not_a_version(m: &Model) -> Option<Diagnostic> {
    let tag = &m.raw.tailscale.tag;
    (uses_tailscale(m) && !is_version_tag(tag)).then(|| {
        diag("OC104", format!("Tailscale image tag `{tag}` is not a version"))
            .with_span(m.spans.value("/tailscale/tag"))
            .with_label("moving tag")
    })
}

/// OC105
pub(super) fn tailscale_on_internal_network(m: &Model) -> Option<Diagnostic> {
    (uses_tailscale(m) && m.raw.coolify.network_internal).then(|| {
        diag(
            "OC105",
            format!(
                "network `{}` is internal: tailscaled cannot reach its control plane",
                m.raw.coolify.network
            ),
        )
        .with_span(m.spans.value("/coolify/network_internal"))
        .with_label("no outbound access")
    })
}

/// OC106
pub(super) fn kernel_mode_without_privileges(m: &Model) -> Option<Diagnostic> {
    (m.profile.tailscale == TailscalePlacement::InContainer && m.tailscale_networking() == TailscaleNetworking::Kernel)
        .then(|| {
            diag(
                "OC106",
                "kernel networking in serve: the gateway container has no NET_ADMIN, SYS_MODULE or /dev/net/tun",
            )
            .with_span(m.spans.value("/tailscale/networking"))
            .with_label("kernel mode")
        })
}

/// OC107
pub(super) fn tailscale_state_not_persistent(m: &Model) -> Option<Diagnostic> {
    (uses_tailscale(m) && m.raw.tailscale.state == TailscaleState::Ephemeral).then(|| {
        diag(
            "OC107",
            "Tailscale state is kept in memory: every restart registers a new node",
        )
        .with_span(m.spans.value("/tailscale/state"))
        .with_label("not persisted")
    })
}

/// OC108
pub(super) fn serve_published_port(m: &Model) -> Option<Diagnostic> {
    (!m.profile.publish_port && m.spans.contains("/gateway/publish_address")).then(|| {
        diag(
            "OC108",
            format!(
                "profile {} does not publish the gateway port; gateway.publish_address is ignored",
                m.profile.name
            ),
        )
        .with_span(m.spans.key("/gateway/publish_address"))
        .with_label("vestigial")
    })
}

/// OC109, once per retired key.
pub(super) fn retired_config_key(m: &Model) -> Vec<Diagnostic> {
    m.raw
        .openclaw
        .config
        .keys()
        .filter(|key| m.release.is_retired(key))
        .map(|key| {
            diag(
                "OC109",
                format!(
                    "`{key}` is retired in OpenClaw {}: the gateway would refuse the config",
                    m.release.version
                ),
            )
            .with_span(m.spans.key(&format!(
                "/openclaw/config/{}",
                crate::config::parse::escape_segment(key)
            )))
            .with_label("retired key")
        })
        .collect()
}

/// OC110: an error, or a warning when the state persists.
pub(super) fn tailscale_no_first_start_auth(m: &Model) -> Option<Diagnostic> {
    if !uses_tailscale(m) || m.auth_key_var.is_some() {
        return None;
    }
    let persisted = m.raw.tailscale.state == TailscaleState::Volume;
    let mut d = diag(
        "OC110",
        if persisted {
            "no Tailscale auth key: the first start waits for an interactive login"
        } else {
            "no Tailscale auth key and no persisted state: every start needs an interactive login"
        },
    )
    .with_span(
        m.spans
            .value("/tailscale/auth_key")
            .or_else(|| m.spans.value("/profile")),
    )
    .with_label("no auth key");
    if persisted {
        d.severity = Severity::Warning;
    }
    Some(d)
}

/// OC111
pub(super) fn published_on_all_addresses(m: &Model) -> Option<Diagnostic> {
    let gw = &m.raw.gateway;
    (m.profile.publish_port && publishes_everywhere(&gw.publish_address)).then(|| {
        diag(
            "OC111",
            format!(
                "port {} is published on every host address ({})",
                gw.port, gw.publish_address
            ),
        )
        .with_span(
            m.spans
                .value("/gateway/publish_address")
                .or_else(|| m.spans.value("/profile")),
        )
        .with_label("all interfaces")
    })
}

/// OC113
pub(super) fn domain_without_route(m: &Model) -> Option<Diagnostic> {
    let c = &m.raw.coolify;
    (m.profile.name == ProfileName::Domain && c.labels == LabelsMode::Traefik && c.domain.is_none()).then(|| {
        diag(
            "OC113",
            "coolify.labels = \"traefik\" without coolify.domain: no route reaches the gateway",
        )
        .with_span(m.spans.value("/coolify/labels"))
        .with_label("no Host rule to write")
    })
}

/// OC114
pub(super) fn published_port_beside_domain(m: &Model) -> Option<Diagnostic> {
    (m.profile.publish_port && m.raw.coolify.domain.is_some()).then(|| {
        diag(
            "OC114",
            format!(
                "profile {} publishes port {} in plain HTTP; coolify.domain is not used",
                m.profile.name, m.raw.gateway.port
            ),
        )
        .with_span(domain_span(m))
        .with_label("no proxy routes it")
    })
}

/// OC115
pub(super) fn plain_http_domain(m: &Model) -> Option<Diagnostic> {
    let domain = m.raw.coolify.domain.as_deref().filter(|d| d.starts_with("http://"))?;
    Some(
        diag("OC115", format!("coolify.domain `{domain}` is plain http://"))
            .with_span(domain_span(m))
            .with_label("no HTTPS, no secure context"),
    )
}

/// OC116
pub(super) fn sidecar_tailnet_looks_local(m: &Model) -> Option<Diagnostic> {
    (m.profile.tailscale == TailscalePlacement::Sidecar && m.tailscale_networking() == TailscaleNetworking::Userspace)
        .then(|| {
            diag(
                "OC116",
                "tailscale.networking = userspace: tailnet clients reach the gateway from 127.0.0.1 and count as local",
            )
            .with_span(
                m.spans
                    .value("/tailscale/networking")
                    .or_else(|| m.spans.value("/profile")),
            )
            .with_label("tailnet peers look local")
        })
}

/// OC120: only when `[gateway] tls` is not written at all (`tls = "off"` silences it).
pub(super) fn lan_browser_without_https(m: &Model) -> Option<Diagnostic> {
    (m.profile.publish_port && m.raw.gateway.tls == GatewayTls::Off && !m.spans.contains("/gateway/tls")).then(|| {
        diag(
            "OC120",
            format!(
                "profile {} serves the Control UI on plain http://: the token crosses the LAN in clear, and {MEASURED_REFUSES_INSECURE_LAN} refuses LAN browsers (no secure context)",
                m.profile.name
            ),
        )
        .with_span(m.spans.value("/profile"))
        .with_label("no [gateway] tls")
    })
}

/// OC121
pub(super) fn tls_without_published_port(m: &Model) -> Option<Diagnostic> {
    (!m.profile.publish_port && m.raw.gateway.tls == GatewayTls::SelfSigned).then(|| {
        diag(
            "OC121",
            format!("[gateway] tls is for lan-patch and sidecar, not {}", m.profile.name),
        )
        .with_span(m.spans.value("/gateway/tls"))
        .with_label("HTTPS comes from Tailscale Serve or the proxy")
    })
}

/// OC122
pub(super) fn lan_origin_unknown(m: &Model) -> Option<Diagnostic> {
    let gw = &m.raw.gateway;
    (m.profile.publish_port
        && m.bind != BindMode::Loopback
        && m.release.origin_check == OriginCheck::Allowlist
        && publishes_everywhere(&gw.publish_address)
        && !m.raw.openclaw.config.contains_key("gateway.controlUi.allowedOrigins"))
    .then(|| {
        diag(
            "OC122",
            format!(
                "OpenClaw {} admits only listed browser origins, and publish_address {} names no LAN address: LAN browsers get \"origin not allowed\"",
                m.release.version, gw.publish_address
            ),
        )
        .with_span(
            m.spans
                .value("/gateway/publish_address")
                .or_else(|| m.spans.value("/openclaw/version"))
                .or_else(|| m.spans.value("/profile")),
        )
        .with_label("which address do LAN browsers use?")
    })
}

/// OC123
pub(super) fn release_checks_no_origin(m: &Model) -> Option<Diagnostic> {
    if m.release.origin_check != OriginCheck::None {
        return None;
    }
    let first_checking = versions::first_after(|r| r.origin_check == OriginCheck::None)
        .expect("the release table lists a release that checks origins");
    Some(
        diag(
            "OC123",
            format!(
                "OpenClaw {} checks no browser Origin: a page from any site can open the gateway's WebSocket",
                m.release.version
            ),
        )
        .with_span(m.spans.value("/openclaw/version").or_else(|| m.spans.value("/profile")))
        .with_label(format!("pin {} or newer", first_checking.version)),
    )
}

/// OC112
pub(super) fn lan_profile_on_loopback(m: &Model) -> Option<Diagnostic> {
    (m.profile.publish_port && m.bind == BindMode::Loopback).then(|| {
        diag(
            "OC112",
            format!(
                "profile {} publishes the port but the gateway listens on loopback only",
                m.profile.name
            ),
        )
        .with_span(bind_span(m))
        .with_label("unreachable from the LAN")
    })
}

/// OC124: a Docker Engine below 25 gets no `start_interval` (src/plan/compose.rs).
pub(super) fn engine_without_start_interval(m: &Model) -> Option<Diagnostic> {
    let engine = m.raw.coolify.docker_engine;
    (engine < crate::config::START_INTERVAL_ENGINE).then(|| {
        diag(
            "OC124",
            format!(
                "Docker Engine {engine} has no healthcheck start_interval: the gateway turns healthy at the first probe, 30 s after each start, and a domain answers 404 until then"
            ),
        )
        .with_span(m.spans.value("/coolify/docker_engine"))
        .with_label("upgrade the host to Engine 25 or newer")
    })
}

/// `v1.94.2`, `1.94`, optionally with a digest.
fn is_version_tag(tag: &str) -> bool {
    let tag = tag.split('@').next().unwrap_or(tag);
    let tag = tag.strip_prefix('v').unwrap_or(tag);
    let parts: Vec<&str> = tag.split('.').collect();
    parts.len() >= 2
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()))
}

/// OC130
pub(super) fn kubernetes_replicas(m: &Model) -> Option<Diagnostic> {
    let k = &m.raw.kubernetes;
    (m.raw.target == Target::Kubernetes && k.replicas != 1).then(|| {
        let shared = if k.access_mode == AccessMode::ReadWriteMany {
            " on one ReadWriteMany volume"
        } else {
            ""
        };
        diag(
            "OC130",
            format!(
                "{} gateway pods{shared}: the gateway is single-writer (a lock on its state, its channel logins)",
                k.replicas
            ),
        )
        .with_span(m.spans.value("/kubernetes/replicas"))
        .with_label("must be 1")
    })
}

/// OC131
pub(super) fn kubernetes_read_write_many(m: &Model) -> Option<Diagnostic> {
    (m.raw.target == Target::Kubernetes && m.raw.kubernetes.access_mode == AccessMode::ReadWriteMany).then(|| {
        diag(
            "OC131",
            "the state's volume is ReadWriteMany: pods on several nodes could mount the gateway's state at once",
        )
        .with_span(m.spans.value("/kubernetes/access_mode"))
        .with_label("one writer only")
    })
}

/// OC132
pub(super) fn kubernetes_no_storage_class(m: &Model) -> Option<Diagnostic> {
    (m.raw.target == Target::Kubernetes && m.raw.kubernetes.storage_class.is_none()).then(|| {
        diag(
            "OC132",
            "no [kubernetes] storage_class: the state's claim takes the cluster's default StorageClass, and stays Pending where there is none",
        )
        .with_span(m.spans.value("/target"))
        .with_label("no storage class")
    })
}

/// OC133
pub(super) fn kubernetes_domain_incomplete(m: &Model) -> Option<Diagnostic> {
    if m.raw.target != Target::Kubernetes || m.profile.name != ProfileName::Domain {
        return None;
    }
    let mut missing = Vec::new();
    if crate::plan::kubernetes::domain(m).is_none() {
        missing.push("no domain for the Ingress ([kubernetes] domain)");
    }
    if m.raw.kubernetes.trusted_proxies.is_empty() {
        missing.push("no ingress controller addresses ([kubernetes] trusted_proxies): the bootstrap refuses to start");
    }
    (!missing.is_empty()).then(|| {
        diag("OC133", format!("domain on Kubernetes: {}", missing.join("; ")))
            .with_span(m.spans.value("/profile"))
            .with_label("incomplete on a cluster")
    })
}

/// Rules about the Docker host Coolify manages, which a cluster does not have.
pub(super) const COOLIFY_ONLY: &[&str] = &["OC105", "OC111", "OC113", "OC124"];

#[cfg(test)]
mod tests {
    use super::*;

    type Rule = fn(&Model) -> Option<Diagnostic>;

    /// `profile` on `version` with `extra` TOML after `[openclaw]`.
    fn model_at(version: &str, profile: &str, extra: &str) -> Model {
        let text = format!("profile = \"{profile}\"\n[openclaw]\nversion = \"{version}\"\n{extra}");
        crate::load_model(
            &crate::diagnostic::Source::new("deploy.toml", text),
            &Default::default(),
        )
        .unwrap_or_else(|d| panic!("{profile} {extra:?}: {d:?}"))
    }

    /// On the newest listed release.
    fn model(profile: &str, extra: &str) -> Model {
        let newest = versions::releases().last().expect("a listed release");
        model_at(&newest.version, profile, extra)
    }

    /// `rule` raises `code` (with a location) on `fires`, nothing on `quiet`.
    fn check(rule: Rule, code: &str, fires: &Model, quiet: &Model) {
        let d = rule(fires).unwrap_or_else(|| panic!("{code} did not fire"));
        assert_eq!(d.code, code);
        assert!(d.span.is_some(), "{code} points into deploy.toml");
        assert_eq!(
            d.severity,
            find(code).unwrap().severity,
            "{code} at the registry's severity"
        );
        assert!(rule(quiet).is_none(), "{code} fired on clean input");
    }

    const LAN: &str = "[gateway]\npublish_address = \"10.0.0.2\"\n";

    #[test]
    fn oc101_serve_needs_loopback() {
        check(
            serve_needs_loopback,
            "OC101",
            &model("serve", "[gateway]\nbind = \"lan\"\n"),
            &model("serve", ""),
        );
    }

    #[test]
    fn oc102_tailnet_bind() {
        check(
            tailnet_bind,
            "OC102",
            &model(
                "lan-patch",
                "[gateway]\nbind = \"tailnet\"\npublish_address = \"10.0.0.2\"\n",
            ),
            &model("lan-patch", LAN),
        );
    }

    #[test]
    fn oc103_custom_bind() {
        let custom = "[gateway]\nbind = \"custom\"\npublish_address = \"10.0.0.2\"\n";
        check(
            custom_bind,
            "OC103",
            &model("lan-patch", custom),
            &model("lan-patch", LAN),
        );
        // Before the release that accepts customBindHost, the gateway crashes.
        let (old, _) = versions::first_and_last(|r| !r.custom_bind).unwrap();
        let d = custom_bind(&model_at(&old.version, "lan-patch", custom)).unwrap();
        assert!(d.message.contains("crashes"), "{}", d.message);
    }

    #[test]
    fn oc104_tailscale_tag_not_a_version() {
        check(
            tailscale_tag_not_a_version,
            "OC104",
            &model(
                "sidecar",
                "[gateway]\npublish_address = \"10.0.0.2\"\n[tailscale]\ntag = \"stable\"\n",
            ),
            &model("sidecar", LAN),
        );
        assert!(is_version_tag("v1.94.2"));
        assert!(is_version_tag("1.94.2@sha256:abc"));
        assert!(!is_version_tag("stable"));
        assert!(!is_version_tag("v1"));
    }

    #[test]
    fn oc105_tailscale_on_internal_network() {
        check(
            tailscale_on_internal_network,
            "OC105",
            &model(
                "sidecar",
                "[gateway]\npublish_address = \"10.0.0.2\"\n[coolify]\nnetwork_internal = true\n",
            ),
            &model("sidecar", LAN),
        );
    }

    #[test]
    fn oc106_kernel_mode_without_privileges() {
        check(
            kernel_mode_without_privileges,
            "OC106",
            &model("serve", "[tailscale]\nnetworking = \"kernel\"\n"),
            &model("serve", ""),
        );
    }

    #[test]
    fn oc107_tailscale_state_not_persistent() {
        check(
            tailscale_state_not_persistent,
            "OC107",
            &model("serve", "[tailscale]\nstate = \"ephemeral\"\n"),
            &model("serve", ""),
        );
    }

    #[test]
    fn oc108_serve_published_port() {
        check(
            serve_published_port,
            "OC108",
            &model("serve", "[gateway]\npublish_address = \"0.0.0.0\"\n"),
            &model("serve", ""),
        );
        assert!(serve_published_port(&model("domain", "[gateway]\npublish_address = \"0.0.0.0\"\n")).is_some());
    }

    #[test]
    fn oc109_retired_config_key() {
        let newest = versions::releases().last().unwrap();
        let key = newest.retired_keys.first().expect("the newest release retires a key");
        let m = model("serve", &format!("[openclaw.config]\n\"{key}\" = false\n"));
        let found = retired_config_key(&m);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].code, "OC109");
        assert!(found[0].span.is_some());
        assert!(retired_config_key(&model("serve", "")).is_empty());
    }

    #[test]
    fn oc110_tailscale_no_first_start_auth() {
        check(
            tailscale_no_first_start_auth,
            "OC110",
            &model("serve", "[tailscale]\nauth_key = \"\"\nstate = \"ephemeral\"\n"),
            &model("serve", ""),
        );
        // With persisted state, only the first start needs a login: a warning.
        let d = tailscale_no_first_start_auth(&model("serve", "[tailscale]\nauth_key = \"\"\n")).unwrap();
        assert_eq!(d.severity, Severity::Warning);
    }

    #[test]
    fn oc111_published_on_all_addresses() {
        check(
            published_on_all_addresses,
            "OC111",
            &model("lan-patch", ""),
            &model("lan-patch", LAN),
        );
    }

    #[test]
    fn oc112_lan_profile_on_loopback() {
        check(
            lan_profile_on_loopback,
            "OC112",
            &model(
                "lan-patch",
                "[gateway]\nbind = \"loopback\"\npublish_address = \"10.0.0.2\"\n",
            ),
            &model("lan-patch", LAN),
        );
    }

    #[test]
    fn oc113_domain_without_route() {
        check(
            domain_without_route,
            "OC113",
            &model("domain", "[coolify]\nlabels = \"traefik\"\n"),
            &model(
                "domain",
                "[coolify]\nlabels = \"traefik\"\ndomain = \"openclaw.example.com\"\n",
            ),
        );
    }

    #[test]
    fn oc114_published_port_beside_domain() {
        check(
            published_port_beside_domain,
            "OC114",
            &model(
                "lan-patch",
                "[gateway]\npublish_address = \"10.0.0.2\"\n[coolify]\ndomain = \"openclaw.example.com\"\n",
            ),
            &model("domain", "[coolify]\ndomain = \"openclaw.example.com\"\n"),
        );
    }

    #[test]
    fn oc115_plain_http_domain() {
        check(
            plain_http_domain,
            "OC115",
            &model("domain", "[coolify]\ndomain = \"http://openclaw.example.com\"\n"),
            &model("domain", "[coolify]\ndomain = \"https://openclaw.example.com\"\n"),
        );
    }

    #[test]
    fn oc116_sidecar_tailnet_looks_local() {
        check(
            sidecar_tailnet_looks_local,
            "OC116",
            &model("sidecar", "[tailscale]\nnetworking = \"userspace\"\n"),
            &model("sidecar", ""),
        );
    }

    #[test]
    fn oc120_lan_browser_without_https() {
        check(
            lan_browser_without_https,
            "OC120",
            &model("sidecar", LAN),
            &model("sidecar", "[gateway]\npublish_address = \"10.0.0.2\"\ntls = \"off\"\n"),
        );
        assert!(
            versions::find(MEASURED_REFUSES_INSECURE_LAN).is_some(),
            "the measured release is listed"
        );
    }

    #[test]
    fn oc121_tls_without_published_port() {
        check(
            tls_without_published_port,
            "OC121",
            &model("serve", "[gateway]\ntls = \"self-signed\"\n"),
            &model(
                "lan-patch",
                "[gateway]\npublish_address = \"10.0.0.2\"\ntls = \"self-signed\"\n",
            ),
        );
    }

    #[test]
    fn oc122_lan_origin_unknown() {
        let (allowlist, _) = versions::first_and_last(|r| r.origin_check == OriginCheck::Allowlist).unwrap();
        check(
            lan_origin_unknown,
            "OC122",
            &model_at(&allowlist.version, "lan-patch", ""),
            &model_at(&allowlist.version, "lan-patch", LAN),
        );
    }

    #[test]
    fn oc123_release_checks_no_origin() {
        let (unchecked, _) = versions::first_and_last(|r| r.origin_check == OriginCheck::None).unwrap();
        let after = versions::first_after(|r| r.origin_check == OriginCheck::None).unwrap();
        check(
            release_checks_no_origin,
            "OC123",
            &model_at(&unchecked.version, "serve", ""),
            &model_at(&after.version, "serve", ""),
        );
        let d = release_checks_no_origin(&model_at(&unchecked.version, "serve", "")).unwrap();
        assert_eq!(
            d.label.as_deref(),
            Some(format!("pin {} or newer", after.version).as_str())
        );
    }

    #[test]
    fn oc124_engine_without_start_interval() {
        check(
            engine_without_start_interval,
            "OC124",
            &model("lan-patch", "[coolify]\ndocker_engine = 24\n"),
            &model("lan-patch", "[coolify]\ndocker_engine = 25\n"),
        );
    }
}
