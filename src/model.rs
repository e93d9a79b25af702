//! The validated model: a schema-valid [`RawConfig`] checked against domain
//! rules (known OpenClaw release, pinned images, addresses, owned keys) and
//! resolved against the profile, with no `Option` left where a default exists.

use std::net::IpAddr;

use crate::config::{self, BindMode, Loaded, ProfileName, RawConfig, SpanIndex, TailscaleNetworking};
use crate::data::profile::{self, Profile, TailscalePlacement};
use crate::data::versions::{self, Release};
use crate::diagnostic::Diagnostic;

/// Options from the command line that change how input is read.
#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    /// `--profile`: overrides the file's `profile`.
    pub profile: Option<ProfileName>,
    /// `--allow-unknown-version`: render an unknown OpenClaw version with the
    /// nearest older known release's rules.
    pub allow_unknown_version: bool,
}

#[derive(Debug, Clone)]
pub struct Model {
    pub raw: RawConfig,
    pub spans: SpanIndex,
    pub profile: &'static Profile,
    /// The version the user asked for (may differ from `release.version`).
    pub openclaw_version: String,
    pub release: &'static Release,
    /// The effective `gateway.bind`.
    pub bind: BindMode,
    /// Name of the Coolify variable holding the gateway token.
    pub token_var: String,
    /// Name of the Coolify variable holding the Tailscale auth key, if any.
    pub auth_key_var: Option<String>,
    /// Warnings produced while resolving (e.g. unknown version fallback).
    pub warnings: Vec<Diagnostic>,
}

impl Model {
    /// How tailscaled makes its interface: as set, or the profile's safe default
    /// (`kernel` in the sidecar: in userspace mode tailscaled re-dials tailnet peers
    /// from 127.0.0.1 and the gateway would trust them as local; `userspace` where
    /// tailscaled runs in the unprivileged gateway container).
    pub fn tailscale_networking(&self) -> TailscaleNetworking {
        self.raw.tailscale.networking.unwrap_or(match self.profile.tailscale {
            TailscalePlacement::Sidecar => TailscaleNetworking::Kernel,
            _ => TailscaleNetworking::Userspace,
        })
    }
}

/// `openclaw.json` paths a profile decides; `[openclaw.config]` may not set them.
pub const OWNED_PATHS: &[&str] = &[
    "gateway.port",
    "gateway.bind",
    "gateway.mode",
    "gateway.remote",
    "gateway.tailscale.mode",
    "gateway.auth.token",
];

/// Further paths the `serve` profile decides: whether loopback (Tailscale
/// Serve) is a trusted proxy depends on the release (`plan::bootstrap::serve_trusted_proxies`).
pub const SERVE_OWNED_PATHS: &[&str] = &["gateway.trustedProxies"];

/// Further paths the `domain` profile decides.
pub const DOMAIN_OWNED_PATHS: &[&str] = &[
    "gateway.trustedProxies",
    "gateway.controlUi.allowedOrigins",
    "gateway.auth.mode",
];

pub fn resolve(loaded: Loaded, opts: &LoadOptions) -> Result<Model, Vec<Diagnostic>> {
    let Loaded { mut raw, spans } = loaded;
    if let Some(p) = opts.profile {
        raw.profile = p;
    }
    let mut errors = Vec::new();
    let mut warnings = Vec::new();

    let version = raw.openclaw.version.clone();
    let release = match versions::find(&version) {
        Some(r) => Some(r),
        None => {
            let known = format!(
                "ocgen covers the releases {} (`ocgen versions` lists them)",
                versions::covered()
            );
            let span = spans.value("/openclaw/version");
            match (opts.allow_unknown_version, versions::nearest_older(&version)) {
                (true, Some(r)) => {
                    warnings.push(
                        Diagnostic::warning(
                            "OC005",
                            format!(
                                "OpenClaw {version} is not in ocgen's release table; rendering with the rules of {}",
                                r.version
                            ),
                        )
                        .with_span(span)
                        .with_label("unknown release")
                        .with_hint(format!(
                            "{known}; check the output against {version} yourself, or add it with scripts/measure-release.sh"
                        )),
                    );
                    Some(r)
                }
                (allow, _) => {
                    errors.push(
                        Diagnostic::error("OC005", format!("unknown OpenClaw version `{version}`"))
                            .with_span(span)
                            .with_label("not in ocgen's release table")
                            .with_hint(if allow {
                                format!("no listed release is older than {version}; {known}")
                            } else {
                                format!(
                                    "{known}; pin a listed release, or pass --allow-unknown-version to use the nearest older one's rules"
                                )
                            }),
                    );
                    None
                }
            }
        }
    };

    if raw.gateway.publish_address.parse::<IpAddr>().is_err() {
        errors.push(
            Diagnostic::error("OC003", "`gateway.publish_address` is not an IP address")
                .with_span(spans.value("/gateway/publish_address"))
                .with_label("expected an IPv4 or IPv6 address")
                .with_hint("use the host's LAN address, e.g. \"192.168.1.100\", or \"0.0.0.0\" for every address"),
        );
    }

    for (pointer, image) in [
        ("/image/base", raw.image.base.clone()),
        (
            "/tailscale/tag",
            format!("{}:{}", raw.tailscale.image, raw.tailscale.tag),
        ),
    ] {
        if let Some(problem) = unpinned(&image) {
            errors.push(
                Diagnostic::error("OC006", format!("image `{image}` is {problem}"))
                    .with_span(spans.value(pointer))
                    .with_label("not pinned")
                    .with_hint("pin a version tag (e.g. `v1.94.2`, `bookworm-slim`) or a `@sha256:` digest"),
            );
        }
    }

    if raw.target == config::Target::Kubernetes {
        match &raw.kubernetes.image {
            None => errors.push(
                Diagnostic::error("OC003", "`target = \"kubernetes\"` needs `[kubernetes] image`")
                    .with_span(spans.value("/target"))
                    .with_label("no image for the cluster to pull")
                    .with_hint("build the rendered Dockerfile, push it, and name it: `[kubernetes]` `image = \"registry.example.com/openclaw:<tag>\"`"),
            ),
            Some(image) => {
                if let Some(problem) = unpinned(image) {
                    errors.push(
                        Diagnostic::error("OC006", format!("image `{image}` is {problem}"))
                            .with_span(spans.value("/kubernetes/image"))
                            .with_label("not pinned")
                            .with_hint("tag each build (e.g. the OpenClaw version) or use its `@sha256:` digest"),
                    );
                }
            }
        }
    }

    // With [gateway] tls, the bootstrap writes gateway.tls too.
    let tls_owned: &[&str] = if raw.gateway.tls == config::GatewayTls::SelfSigned {
        &["gateway.tls"]
    } else {
        &[]
    };
    for key in raw.openclaw.config.keys() {
        let domain_owned = match raw.profile {
            ProfileName::Domain => DOMAIN_OWNED_PATHS,
            ProfileName::Serve => SERVE_OWNED_PATHS,
            _ => &[],
        };
        if let Some(owned) = OWNED_PATHS
            .iter()
            .chain(tls_owned)
            .chain(domain_owned)
            .find(|o| key == *o || key.starts_with(&format!("{o}.")))
        {
            errors.push(
                Diagnostic::error(
                    "OC007",
                    format!("`{key}` is set by the profile and cannot be overridden in [openclaw.config]"),
                )
                .with_span(spans.key(&format!("/openclaw/config/{}", config::parse::escape_segment(key))))
                .with_label("owned by the profile")
                .with_hint(format!(
                    "`{owned}` follows from `profile` and [gateway]; change those instead"
                )),
            );
        }
    }

    let Some(release) = release else {
        return Err(errors);
    };
    if !errors.is_empty() {
        return Err(errors);
    }
    let profile = profile::get(raw.profile);
    let bind = match raw.gateway.bind {
        BindMode::Profile => profile.bind,
        b => b,
    };
    let token_var = var_name(&raw.gateway.token).unwrap_or_else(|| "OPENCLAW_GATEWAY_TOKEN".into());
    let auth_key_var = var_name(&raw.tailscale.auth_key);
    Ok(Model {
        openclaw_version: version,
        release,
        profile,
        bind,
        token_var,
        auth_key_var,
        warnings,
        raw,
        spans,
    })
}

/// `VAR` from `${VAR}`.
pub fn var_name(reference: &str) -> Option<String> {
    reference
        .strip_prefix("${")
        .and_then(|s| s.strip_suffix('}'))
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

/// Why an image reference is not pinned, if it is not.
pub fn unpinned(image: &str) -> Option<&'static str> {
    let (name, digest) = match image.split_once('@') {
        Some((n, d)) => (n, Some(d)),
        None => (image, None),
    };
    let last = name.rsplit('/').next().unwrap_or(name);
    let tag = last.split_once(':').map(|(_, t)| t);
    match (tag, digest) {
        (Some("latest"), _) => Some("tagged `latest`, which moves under you"),
        (None, None) => Some("untagged (that means `latest`)"),
        _ => None,
    }
}

/// Whether a `publish_address` names every address of the host (`0.0.0.0`,
/// `::`, `[::]`) rather than one a browser could type.
pub fn publishes_everywhere(addr: &str) -> bool {
    addr.trim_matches(['[', ']'])
        .parse::<std::net::IpAddr>()
        .is_ok_and(|a| a.is_unspecified())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn model(text: &str) -> Result<Model, Vec<Diagnostic>> {
        resolve(config::load(text).unwrap(), &LoadOptions::default())
    }

    #[test]
    fn pinning() {
        assert!(unpinned("debian:bookworm-slim").is_none());
        assert!(unpinned("registry:5000/x/debian").is_some());
        assert!(unpinned("debian:latest").is_some());
        assert!(unpinned("debian@sha256:abc").is_none());
    }

    #[test]
    fn unknown_version_names_the_covered_range_unless_overridden() {
        let text = "profile = \"serve\"\n[openclaw]\nversion = \"2026.5.1\"\n";
        let e = model(text).err().unwrap();
        assert_eq!(e[0].code, "OC005");
        assert!(e[0].hint.as_deref().unwrap().contains("2026.1.29 … 2026.9.6"));
        let opts = LoadOptions {
            allow_unknown_version: true,
            ..Default::default()
        };
        let m = resolve(config::load(text).unwrap(), &opts).unwrap();
        assert_eq!(m.release.version, "2026.4.29");
        assert_eq!(m.warnings[0].code, "OC005");
    }

    #[test]
    fn owned_paths_and_latest_are_refused() {
        let text = "profile = \"serve\"\n[openclaw]\nversion = \"2026.2.19\"\nconfig = { \"gateway.bind\" = \"lan\" }\n[tailscale]\ntag = \"latest\"\n";
        let codes: Vec<_> = model(text).err().unwrap().iter().map(|d| d.code).collect();
        assert!(codes.contains(&"OC006") && codes.contains(&"OC007"), "{codes:?}");
    }

    #[test]
    fn profile_decides_bind() {
        let m = model("profile = \"serve\"\n[openclaw]\nversion = \"2026.2.19\"\n").unwrap();
        assert_eq!(m.bind, BindMode::Loopback);
        assert_eq!(m.token_var, "OPENCLAW_GATEWAY_TOKEN");
        assert_eq!(m.auth_key_var.as_deref(), Some("TS_AUTHKEY"));
    }
}
