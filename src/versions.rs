//! The OpenClaw release table (`profiles/openclaw-versions.toml`), embedded.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use serde::{Deserialize, Serialize};

/// What one OpenClaw release needs.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Release {
    pub version: String,
    /// Node.js major version of the runtime image.
    pub node_major: u32,
    /// The exact Node.js release the image copies (`node:<node>-bookworm-slim`).
    pub node: String,
    /// Whether `bind=lan` needs the `gateway.mode=remote` loopback workaround
    /// for sub-agents (true before 2026.2.22).
    pub lan_subagent_workaround: bool,
    /// Whether `bind=custom` (with `gateway.customBindHost`) is accepted.
    pub custom_bind: bool,
    /// `openclaw.json` keys this release rejects.
    pub retired_keys: Vec<String>,
    /// HTTP path of the liveness endpoint; empty when the release has none
    /// (the healthcheck then only checks that the port accepts connections).
    pub health_path: String,
    /// Whether requests a proxy forwards (with `X-Forwarded-For`) are refused
    /// unless the proxy is listed in `gateway.trustedProxies`.
    pub proxy_attribution_required: bool,
    /// npm `overrides` the image's install needs.
    pub npm_overrides: BTreeMap<String, String>,
}

impl Release {
    pub fn is_retired(&self, path: &str) -> bool {
        self.retired_keys.iter().any(|k| k == path)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Table {
    release: Vec<Release>,
}

pub const TABLE_TOML: &str = include_str!("../profiles/openclaw-versions.toml");

static RELEASES: LazyLock<Vec<Release>> = LazyLock::new(|| {
    let mut t: Table = toml::from_str(TABLE_TOML).expect("embedded version table parses");
    t.release.sort_by_key(|r| version_key(&r.version));
    t.release
});

/// All known releases, oldest first.
pub fn releases() -> &'static [Release] {
    &RELEASES
}

pub fn known_versions() -> Vec<&'static str> {
    releases().iter().map(|r| r.version.as_str()).collect()
}

/// Numeric sort key of `2026.2.19` or `2026.2.21-2`.
pub fn version_key(v: &str) -> Vec<u64> {
    v.split(['.', '-']).map(|p| p.parse().unwrap_or(0)).collect()
}

/// The row for exactly this version.
pub fn find(version: &str) -> Option<&'static Release> {
    releases().iter().find(|r| r.version == version)
}

/// The newest known release not newer than `version`.
pub fn nearest_older(version: &str) -> Option<&'static Release> {
    let key = version_key(version);
    releases().iter().rev().find(|r| version_key(&r.version) <= key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_covers_seed_and_latest() {
        assert!(find("2026.2.19").unwrap().lan_subagent_workaround);
        let latest = find("2026.9.6").unwrap();
        assert!(!latest.lan_subagent_workaround);
        assert!(latest.is_retired("commands.useAccessGroups"));
        assert_eq!(latest.node_major, 24);
        for r in releases() {
            assert!(
                r.node.starts_with(&format!("{}.", r.node_major)),
                "{}: node {} is not major {}",
                r.version,
                r.node,
                r.node_major
            );
        }
    }

    #[test]
    fn nearest_older_picks_the_floor() {
        assert_eq!(nearest_older("2026.5.1").unwrap().version, "2026.2.19");
        assert_eq!(nearest_older("2027.1.1").unwrap().version, "2026.9.6");
        assert!(nearest_older("2025.1.1").is_none());
        assert!(version_key("2026.2.21-2") > version_key("2026.2.21"));
    }
}
