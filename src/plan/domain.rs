//! The `domain` profile's decisions: how Coolify routes a domain to the
//! gateway, and what the gateway must trust behind a TLS-terminating proxy.
//!
//! Read from Coolify's source (github.com/coollabsio/coolify, commit 379abb2,
//! 2026-08-22):
//! - `bootstrap/helpers/parsers.php`: a compose service whose environment
//!   declares `SERVICE_FQDN_<SERVICE>_<PORT>` (or `SERVICE_URL_…`) gets a domain;
//!   the `_<PORT>` suffix is the container port the proxy forwards to. Coolify
//!   always creates the pairs `SERVICE_FQDN_<S>` (host) / `SERVICE_URL_<S>`
//!   (`https://host`, no port) and the port-suffixed ones (which carry
//!   `:<PORT>`, the container port, not part of the public origin), and keeps
//!   them in step with the domain entered in its UI.
//!   `addTraefikDockerNetworkLabel` adds `traefik.docker.network=<network>`.
//! - `bootstrap/helpers/docker.php` `fqdnLabelsForTraefik`: for an `https://`
//!   domain it writes the `gzip` and `redirect-to-https` middlewares, an
//!   `https-<n>-<uuid>` router on entrypoint `https` with `tls=true` and
//!   `tls.certresolver=letsencrypt`, an `http-<n>-<uuid>` router on entrypoint
//!   `http` that redirects to HTTPS, and for each a service whose
//!   `loadbalancer.server.port` is the container port.
//! - `bootstrap/helpers/proxy.php`: the proxy is the container `coolify-proxy`
//!   (Traefik v3.6), entrypoints `http` (:80) and `https` (:443), the Docker
//!   provider with `exposedbydefault=false`, ACME resolver `letsencrypt`.
//!
//! Measured with the real gateways (tests/domain_path.rs): both 2026.2.19 and
//! 2026.9.6 accept exact addresses and IPv4 CIDRs in `gateway.trustedProxies`
//! (2026.2.19 matches a CIDR only for IPv4). Behind an untrusted proxy 2026.9.6
//! answers 403 to every proxied request; 2026.2.19 serves it but does not
//! attribute the client. The Control UI's origin must be in
//! `gateway.controlUi.allowedOrigins`.

use serde::Serialize;

use super::compose::Service;
use super::env::{EnvVar, push_env};
use super::patch::{PatchStep, set_env_list};
use crate::config::LabelsMode;
use crate::model::Model;

/// The compose service name, which Coolify's magic variables are named after.
pub const SERVICE: &str = "openclaw";
/// Environment variables the bootstrap reads (set in docker-compose.yaml).
pub const PUBLIC_URL_ENV: &str = "OPENCLAW_PUBLIC_URL";
pub const PUBLIC_ORIGIN_ENV: &str = "OPENCLAW_PUBLIC_ORIGIN";
pub const TRUSTED_PROXIES_ENV: &str = "OPENCLAW_TRUSTED_PROXIES";
pub const PROXY_HOST_ENV: &str = "OPENCLAW_PROXY_HOST";

#[derive(Debug, Clone, Serialize)]
pub struct BootstrapDomain {
    pub public_url_env: &'static str,
    pub public_origin_env: &'static str,
    pub trusted_proxies_env: &'static str,
    pub proxy_host_env: &'static str,
    pub proxy_host: String,
}

/// `https://host` from `[coolify] domain` (`host`, `https://host`, `https://host/`).
pub fn origin(domain: &str) -> String {
    let host = domain
        .trim_start_matches("https://")
        .trim_start_matches("http://")
        .trim_end_matches('/');
    format!("https://{host}")
}

fn host(domain: &str) -> String {
    origin(domain).trim_start_matches("https://").to_string()
}

/// `SERVICE_FQDN_OPENCLAW_<port>`: Coolify routes its domain to this port.
pub fn fqdn_variable(port: u16) -> String {
    format!("SERVICE_FQDN_{}_{port}", SERVICE.to_uppercase())
}

/// The labels `fqdnLabelsForTraefik` writes for one `https://` domain with
/// path `/`, gzip on, force-HTTPS on, the resource named `openclaw`.
pub fn traefik_labels(domain: &str, port: u16, network: &str) -> Vec<String> {
    let host = host(domain);
    let https = format!("https-0-{SERVICE}");
    let http = format!("http-0-{SERVICE}");
    let rule = format!("Host(`{host}`) && PathPrefix(`/`)");
    vec![
        "traefik.enable=true".into(),
        "traefik.http.middlewares.gzip.compress=true".into(),
        "traefik.http.middlewares.redirect-to-https.redirectscheme.scheme=https".into(),
        format!("traefik.http.routers.{https}.rule={rule}"),
        format!("traefik.http.routers.{https}.entryPoints=https"),
        format!("traefik.http.routers.{https}.service={https}"),
        format!("traefik.http.services.{https}.loadbalancer.server.port={port}"),
        format!("traefik.http.routers.{https}.middlewares=gzip"),
        format!("traefik.http.routers.{https}.tls=true"),
        format!("traefik.http.routers.{https}.tls.certresolver=letsencrypt"),
        format!("traefik.http.routers.{http}.rule={rule}"),
        format!("traefik.http.routers.{http}.entryPoints=http"),
        format!("traefik.http.services.{http}.loadbalancer.server.port={port}"),
        format!("traefik.http.routers.{http}.service={http}"),
        format!("traefik.http.routers.{http}.middlewares=redirect-to-https"),
        format!("traefik.docker.network={network}"),
    ]
}

/// The gateway service of `domain`: no published port; Coolify's magic
/// variable or ocgen's labels; what the bootstrap needs to know.
pub fn compose(m: &Model, svc: &mut Service, env: &mut Vec<EnvVar>) {
    let raw = &m.raw;
    let port = raw.gateway.port;
    match raw.coolify.labels {
        LabelsMode::Coolify => {
            // Declared without a value: Coolify fills it and writes the labels.
            svc.environment.push((fqdn_variable(port), String::new()));
        }
        LabelsMode::Traefik => {
            if let Some(domain) = &raw.coolify.domain {
                svc.labels = traefik_labels(domain, port, &raw.coolify.network);
            }
        }
    }
    let public_url = match &raw.coolify.domain {
        Some(domain) => origin(domain),
        None => push_env(
            env,
            EnvVar {
                name: format!("SERVICE_URL_{}", SERVICE.to_uppercase()),
                value: String::new(),
                secret: false,
                required: false,
                comment: "The domain's URL (https://…), set by Coolify from the domain entered for the openclaw service; the Control UI's allowed origin.".into(),
            },
        ),
    };
    svc.environment.push((PUBLIC_URL_ENV.into(), public_url));
    let proxies: Vec<&str> = raw.coolify.trusted_proxies.iter().map(|p| p.0.as_str()).collect();
    svc.environment.push((TRUSTED_PROXIES_ENV.into(), proxies.join(",")));
    if proxies.is_empty() {
        svc.environment
            .push((PROXY_HOST_ENV.into(), raw.coolify.proxy_host.clone()));
    }
}

/// The patch steps `domain` adds, and what the bootstrap computes first.
pub fn bootstrap(m: &Model, patch: &mut Vec<PatchStep>) -> BootstrapDomain {
    patch.push(set_env_list(
        "gateway.trustedProxies",
        TRUSTED_PROXIES_ENV,
        "only the proxy's addresses: its X-Forwarded-For names the browser; anyone else's is ignored",
    ));
    if m.release.origin_check != crate::data::versions::OriginCheck::None {
        patch.push(set_env_list(
            "gateway.controlUi.allowedOrigins",
            PUBLIC_ORIGIN_ENV,
            "the browser loads the Control UI from the domain's HTTPS origin; other origins are refused",
        ));
    }
    BootstrapDomain {
        public_url_env: PUBLIC_URL_ENV,
        public_origin_env: PUBLIC_ORIGIN_ENV,
        trusted_proxies_env: TRUSTED_PROXIES_ENV,
        proxy_host_env: PROXY_HOST_ENV,
        proxy_host: m.raw.coolify.proxy_host.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_and_labels() {
        assert_eq!(origin("a.example.com"), "https://a.example.com");
        assert_eq!(origin("https://a.example.com/"), "https://a.example.com");
        let labels = traefik_labels("a.example.com", 18789, "coolify");
        assert!(labels.contains(&"traefik.http.services.https-0-openclaw.loadbalancer.server.port=18789".into()));
        assert!(labels.contains(&"traefik.docker.network=coolify".into()));
        assert_eq!(fqdn_variable(18789), "SERVICE_FQDN_OPENCLAW_18789");
    }
}
