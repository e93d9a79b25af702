//! The OpenClaw release table (`profiles/openclaw-versions.toml`), embedded.
//!
//! The table has three parts: the Node releases the image may copy, behaviour
//! by *ranges* of releases (each row holds from its `from` release up to the
//! next row's, with what was measured to place that boundary), and the list of
//! published stable releases with their `engines.node` and, where their install
//! needs them, their npm overrides (registry facts; no install needed).
//! Resolving joins them: every listed release gets its range's rules, its own
//! overrides and the first listed Node that satisfies its `engines.node`.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use serde::{Deserialize, Serialize};

/// What one OpenClaw release needs (resolved from its range and its row).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Release {
    pub version: String,
    /// The package's `engines.node`.
    pub engines_node: String,
    /// Node.js major version of the runtime image.
    pub node_major: u32,
    /// The exact Node.js release the image copies (`node:<node>-bookworm-slim`).
    pub node: String,
    /// First release of the behaviour range this release is in.
    pub range_from: String,
    /// Whether `bind=lan` needs the `gateway.mode=remote` loopback workaround
    /// for sub-agents.
    pub lan_subagent_workaround: bool,
    /// Whether `bind=custom` (with `gateway.customBindHost`) is accepted.
    pub custom_bind: bool,
    /// `openclaw.json` keys this release rejects.
    pub retired_keys: Vec<String>,
    /// HTTP path the compose healthcheck asks; empty when the release has
    /// no probe endpoint (the healthcheck then only checks that the port
    /// accepts connections).
    pub health_path: String,
    /// What answer from `health_path` counts as healthy.
    pub health_pass: HealthPass,
    /// Whether requests a proxy forwards (with `X-Forwarded-For`) are refused
    /// unless the proxy is listed in `gateway.trustedProxies`.
    pub proxy_attribution_required: bool,
    /// npm `overrides` the image's install needs (the release row's
    /// `npm_overrides`; empty for most releases).
    pub npm_overrides: BTreeMap<String, String>,
    /// Which browser origins the gateway accepts on its own.
    pub origin_check: OriginCheck,
    /// The layout of the state this release writes on the volume
    /// (`$OPENCLAW_STATE_DIR`): a release reads state of its own format and
    /// migrates state of a lower one; state of a higher format it cannot read.
    pub state_format: u32,
    /// What must run before this release's gateway on a volume whose last
    /// release had a lower `state_format`.
    pub on_upgrade: OnUpgrade,
    /// Whether this release's gateway refuses to start on a config a newer
    /// release last wrote (`meta.lastTouchedVersion`; "Refusing to run
    /// automatic gateway startup migrations because this OpenClaw binary … is
    /// older than the config last written by …").
    pub refuses_newer_config: bool,
    /// Whether the gateway runs Tailscale Serve in the foreground (`--bg=false`) and
    /// refuses to start while a background route it cannot prove its own holds
    /// https:443, such as the one an older release left (`serve --bg`).
    pub serve_foreground: bool,
}

/// What the bootstrap runs, as the gateway's user and before the gateway,
/// when a release starts on a volume a release of a lower state format
/// wrote (`[[range]] on_upgrade`).
#[derive(Debug, Clone, Copy, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum OnUpgrade {
    /// Nothing: the gateway reads (and migrates) the older state itself.
    #[default]
    None,
    /// `openclaw doctor --fix --non-interactive`: the only owner of the
    /// file-to-SQLite migrations from 2026.8.1 (the gateway refuses to start
    /// on unmigrated legacy auth-profile stores).
    DoctorFix,
}

impl OnUpgrade {
    /// The command's arguments after `openclaw` (empty for `None`).
    pub fn argv(self) -> &'static [&'static str] {
        match self {
            OnUpgrade::None => &[],
            OnUpgrade::DoctorFix => &["doctor", "--fix", "--non-interactive"],
        }
    }
}

/// What answer from the release's `health_path` the compose healthcheck
/// counts as healthy. Docker's `healthy` is what Coolify waits for before it
/// switches a deployment over and what Traefik's Docker provider waits for
/// before it routes to the container, so it must mean "a client is admitted",
/// not only "the port answers": from 2026.5.12 the gateway answers
/// `/healthz` while it still refuses every connect with "gateway starting;
/// retry shortly" (`startup-sidecars`).
#[derive(Debug, Clone, Copy, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum HealthPass {
    /// An HTTP 2xx (`/healthz`; `/startupz`, which answers 503 "starting"
    /// until the start-up sidecars are up and leaves channel health out).
    #[default]
    Status,
    /// Any answer that does not name `startup-sidecars` (`/readyz`, which
    /// lists it among its failing checks while the gateway still refuses
    /// connects; its other failing checks are channels, which must not take
    /// the Control UI off the proxy).
    NotStarting,
}

/// Which browser origins (the `Origin` of the Control UI's WebSocket) a
/// release accepts without `gateway.controlUi.allowedOrigins` naming them.
#[derive(Debug, Clone, Copy, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum OriginCheck {
    /// No check: any Origin connects (and there is no
    /// `gateway.controlUi.allowedOrigins` key yet).
    None,
    /// Any Origin whose host equals the `Host` header (what the browser
    /// loaded the page from).
    HostHeader,
    /// Only the listed origins (and loopback pages on a loopback Host); a
    /// non-loopback bind without a list refuses to start (2026.2.23 …
    /// 2026.2.26) or gets `http://localhost:PORT` and `http://127.0.0.1:PORT`
    /// seeded (from 2026.3.1).
    Allowlist,
    /// The listed origins, and same-origin pages on a private or loopback
    /// address, `*.local` or `*.ts.net`.
    PrivateSameOrigin,
}

impl OriginCheck {
    /// Whether a browser on `host` (an address or name the page was loaded
    /// from) gets through without `gateway.controlUi.allowedOrigins`.
    pub fn admits_same_origin(self, host: &str) -> bool {
        match self {
            OriginCheck::None | OriginCheck::HostHeader => true,
            OriginCheck::Allowlist => false,
            OriginCheck::PrivateSameOrigin => is_private_host(host),
        }
    }
}

/// A private, loopback or link-local address, `localhost`, `*.local` or
/// `*.ts.net` (OpenClaw's `isTrustedSameOriginHost`).
pub fn is_private_host(host: &str) -> bool {
    use std::net::IpAddr;
    let h = host.trim_start_matches('[').trim_end_matches(']');
    match h.parse::<IpAddr>() {
        Ok(IpAddr::V4(a)) => {
            let o = a.octets();
            a.is_private() || a.is_loopback() || a.is_link_local() || (o[0] == 100 && (64..128).contains(&o[1]))
        }
        Ok(IpAddr::V6(a)) => {
            a.is_loopback() || (a.segments()[0] & 0xfe00) == 0xfc00 || (a.segments()[0] & 0xffc0) == 0xfe80
        }
        Err(_) => h == "localhost" || h.ends_with(".local") || h.ends_with(".ts.net"),
    }
}

impl Release {
    pub fn is_retired(&self, path: &str) -> bool {
        self.retired_keys.iter().any(|k| k == path)
    }
}

/// Behaviour shared by the releases from `from` up to the next range's `from`.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Range {
    pub from: String,
    pub lan_subagent_workaround: bool,
    pub custom_bind: bool,
    pub retired_keys: Vec<String>,
    pub health_path: String,
    #[serde(default)]
    pub health_pass: HealthPass,
    pub proxy_attribution_required: bool,
    pub origin_check: OriginCheck,
    /// See [`Release::state_format`]; 0 when not given.
    #[serde(default)]
    pub state_format: u32,
    /// See [`Release::on_upgrade`].
    #[serde(default)]
    pub on_upgrade: OnUpgrade,
    /// See [`Release::refuses_newer_config`].
    #[serde(default)]
    pub refuses_newer_config: bool,
    /// See [`Release::serve_foreground`].
    #[serde(default)]
    pub serve_foreground: bool,
    /// What was measured to place this range's boundaries, on which releases, how.
    pub measured: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Table {
    nodes: Vec<String>,
    ci: Vec<String>,
    #[serde(default)]
    not_run_here: Vec<String>,
    range: Vec<Range>,
    release: Vec<Listed>,
}

/// A published release: registry facts, no install needed.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Listed {
    version: String,
    engines_node: String,
    #[serde(default)]
    npm_overrides: BTreeMap<String, String>,
}

/// The table as a maintainer edits it, embedded and parsed on first use.
const TABLE_TOML: &str = include_str!("../../profiles/openclaw-versions.toml");

struct Parsed {
    /// Oldest first.
    ranges: Vec<Range>,
    ci: Vec<String>,
    not_run_here: Vec<String>,
    /// Every listed release resolved, oldest first.
    releases: Vec<Release>,
}

fn parse(text: &str) -> Result<Parsed, String> {
    let mut t: Table = toml::from_str(text).map_err(|e| e.to_string())?;
    t.range.sort_by_cached_key(|r| version_key(&r.from));
    t.release.sort_by_cached_key(|r| version_key(&r.version));
    let releases = t
        .release
        .iter()
        .map(|l| resolve_one(&t.nodes, &t.range, l))
        .collect::<Result<Vec<_>, _>>()?;
    for v in &t.ci {
        if !releases.iter().any(|r| &r.version == v) {
            return Err(format!("CI release {v} is not listed"));
        }
    }
    Ok(Parsed {
        ranges: t.range,
        ci: t.ci,
        not_run_here: t.not_run_here,
        releases,
    })
}

/// A listed release joined with its range and its Node.
fn resolve_one(nodes: &[String], ranges: &[Range], listed: &Listed) -> Result<Release, String> {
    let version = listed.version.as_str();
    let key = version_key(version);
    let range = ranges
        .iter()
        .rev()
        .find(|r| version_key(&r.from) <= key)
        .ok_or_else(|| format!("{version} is older than the first range"))?;
    let engines_node = listed.engines_node.as_str();
    let node = nodes
        .iter()
        .find(|n| satisfies(n, engines_node))
        .ok_or_else(|| format!("{version}: no listed Node satisfies `{engines_node}`"))?;
    let node_major = node.split('.').next().and_then(|m| m.parse().ok()).unwrap_or(0);
    Ok(Release {
        version: version.to_string(),
        engines_node: engines_node.to_string(),
        node_major,
        node: node.clone(),
        range_from: range.from.clone(),
        lan_subagent_workaround: range.lan_subagent_workaround,
        custom_bind: range.custom_bind,
        retired_keys: range.retired_keys.clone(),
        health_path: range.health_path.clone(),
        health_pass: range.health_pass,
        proxy_attribution_required: range.proxy_attribution_required,
        npm_overrides: listed.npm_overrides.clone(),
        origin_check: range.origin_check,
        state_format: range.state_format,
        on_upgrade: range.on_upgrade,
        refuses_newer_config: range.refuses_newer_config,
        serve_foreground: range.serve_foreground,
    })
}

static PARSED: LazyLock<Parsed> = LazyLock::new(|| {
    parse(TABLE_TOML).unwrap_or_else(|e| panic!("embedded version table profiles/openclaw-versions.toml: {e}"))
});

/// All known releases, oldest first.
pub fn releases() -> &'static [Release] {
    &PARSED.releases
}

/// The behaviour ranges, oldest first.
pub fn ranges() -> &'static [Range] {
    &PARSED.ranges
}

/// The releases CI runs the real-gateway and user's-path tests on.
/// Boundary releases whose gateway cannot run on this machine (the table says why).
pub fn not_run_here() -> &'static [String] {
    &PARSED.not_run_here
}

pub fn ci_releases() -> &'static [String] {
    &PARSED.ci
}

pub fn known_versions() -> Vec<&'static str> {
    releases().iter().map(|r| r.version.as_str()).collect()
}

/// The covered range, e.g. `2026.1.29 … 2026.9.6`.
pub fn covered() -> String {
    match (releases().first(), releases().last()) {
        (Some(a), Some(b)) => format!("{} … {}", a.version, b.version),
        _ => String::new(),
    }
}

/// Numeric sort key of `2026.2.19` or `2026.2.21-2`.
pub fn version_key(v: &str) -> Vec<u64> {
    v.split(['.', '-']).map(|p| p.parse().unwrap_or(0)).collect()
}

/// The row for exactly this version.
pub fn find(version: &str) -> Option<&'static Release> {
    releases().iter().find(|r| r.version == version)
}

/// The oldest and the newest listed release for which `pred` holds (e.g.
/// one origin check): what user-facing text names instead of spelling out
/// releases that drift when the table changes.
pub fn first_and_last(pred: impl Fn(&Release) -> bool) -> Option<(&'static Release, &'static Release)> {
    let mut matching = releases().iter().filter(|r| pred(r));
    let first = matching.next()?;
    Some((first, matching.next_back().unwrap_or(first)))
}

/// The oldest listed release newer than every release for which `pred` holds.
pub fn first_after(pred: impl Fn(&Release) -> bool) -> Option<&'static Release> {
    let last = releases().iter().rposition(pred)?;
    releases().get(last + 1)
}

/// The newest known release not newer than `version`.
pub fn nearest_older(version: &str) -> Option<&'static Release> {
    let key = version_key(version);
    releases().iter().rev().find(|r| version_key(&r.version) <= key)
}

/// Where the state format changes: the first listed release of each format,
/// oldest first (the bootstrap's table of formats, `[[range]] state_format`).
pub fn state_format_starts() -> Vec<(&'static str, u32)> {
    let mut out: Vec<(&'static str, u32)> = Vec::new();
    for r in releases() {
        if out.last().is_none_or(|(_, f)| *f != r.state_format) {
            out.push((r.version.as_str(), r.state_format));
        }
    }
    out
}

/// Whether Node `version` (e.g. `22.23.3`) satisfies an npm `engines.node`
/// range made of `||` alternatives of space-separated comparators
/// (`>=22.12.0`, `<25`, `>24.1`, `<=26`, `=22.1.0` or a bare version).
pub fn satisfies(version: &str, range: &str) -> bool {
    let v = semver3(version);
    range.split("||").any(|alt| {
        alt.split_whitespace().all(|c| {
            let (op, rest) = match c.find(|ch: char| ch.is_ascii_digit()) {
                Some(i) => c.split_at(i),
                None => return false,
            };
            let bound = semver3(rest);
            match op {
                ">=" => v >= bound,
                ">" => v > bound,
                "<=" => v <= bound,
                "<" => v < bound,
                "" | "=" => v == bound,
                _ => false,
            }
        })
    })
}

fn semver3(v: &str) -> [u64; 3] {
    let mut out = [0; 3];
    for (slot, part) in out.iter_mut().zip(v.trim_start_matches('v').split('.')) {
        *slot = part.parse().unwrap_or(0);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn state_formats_and_upgrade_steps() {
        // Measured (tests/upgrade_path.rs, docs/upgrades.md): shared state in SQLite from
        // 2026.6.1, doctor --fix needed from 2026.8.1.
        assert_eq!(
            state_format_starts(),
            vec![("2026.1.29", 0), ("2026.6.1", 1), ("2026.8.1", 2)]
        );
        let f = |v: &str| find(v).unwrap();
        assert_eq!(f("2026.5.28").state_format, 0);
        assert_eq!(f("2026.7.35").on_upgrade, OnUpgrade::None);
        assert_eq!(f("2026.8.1").on_upgrade, OnUpgrade::DoctorFix);
        assert_eq!(
            f("2026.9.6").on_upgrade.argv(),
            ["doctor", "--fix", "--non-interactive"]
        );
        assert!(f("2026.7.35").refuses_newer_config && !f("2026.5.18").refuses_newer_config);
        // Formats never go down.
        assert!(releases().windows(2).all(|w| w[0].state_format <= w[1].state_format));
    }

    #[test]
    fn table_covers_seed_and_latest() {
        assert!(find("2026.2.19").unwrap().lan_subagent_workaround);
        let latest = find("2026.9.6").unwrap();
        assert!(!latest.lan_subagent_workaround);
        assert!(latest.is_retired("commands.useAccessGroups"));
        assert_eq!(latest.node_major, 24);
        assert_eq!(find("2026.2.19").unwrap().node, "22.23.3");
        assert_eq!(latest.node, "24.21.0");
    }

    #[test]
    fn every_release_gets_a_node_inside_its_engines_range() {
        for r in releases() {
            assert!(
                satisfies(&r.node, &r.engines_node),
                "{}: node {} outside {}",
                r.version,
                r.node,
                r.engines_node
            );
            assert!(r.node.starts_with(&format!("{}.", r.node_major)));
        }
        // 7.1–9.2 accept Node 22 again after the 22.19 floor; 9.3 drops it.
        assert_eq!(find("2026.9.2").unwrap().node, "22.23.3");
        assert_eq!(find("2026.9.3").unwrap().node, "24.21.0");
    }

    #[test]
    fn engines_ranges_parse_like_npm() {
        let r = ">=22.22.3 <23 || >=24.15.0 <25 || >=25.9.0";
        assert!(satisfies("22.23.3", r));
        assert!(!satisfies("22.22.2", r));
        assert!(!satisfies("24.14.9", r));
        assert!(satisfies("24.21.0", r));
        assert!(satisfies("26.0.0", r));
        assert!(!satisfies("22.12.0", ">=22.14.0"));
        assert!(satisfies("24.21.0", ">=22.12.0"));
    }

    #[test]
    fn every_stable_release_from_1_29_to_9_6_is_known() {
        let v = known_versions();
        assert_eq!(v.first(), Some(&"2026.1.29"));
        assert_eq!(v.last(), Some(&"2026.9.6"));
        assert_eq!(v.len(), 82);
        assert!(find("2026.5.28").is_some());
    }

    #[test]
    fn ranges_are_contiguous_and_each_holds_a_release() {
        for r in ranges() {
            assert!(find(&r.from).is_some(), "range starts at unlisted {}", r.from);
            assert!(!r.measured.trim().is_empty(), "range {} records no measurement", r.from);
        }
        assert_eq!(ranges()[0].from, releases()[0].version);
    }

    #[test]
    fn ci_set_holds_the_ends_and_both_sides_of_every_boundary() {
        let ci = ci_releases();
        assert!(ci.iter().all(|v| find(v).is_some()));
        let all = releases();
        let mut want = vec![&all[0].version, &all[all.len() - 1].version];
        for r in &ranges()[1..] {
            let i = all.iter().position(|x| x.version == r.from).unwrap();
            want.extend([&all[i - 1].version, &all[i].version]);
        }
        let missing: Vec<_> = want
            .into_iter()
            .filter(|v| !ci.contains(v) && !not_run_here().contains(v))
            .collect();
        assert!(missing.is_empty(), "the CI set lacks {missing:?}");
        assert!(not_run_here().iter().all(|v| find(v).is_some() && !ci.contains(v)));
    }

    #[test]
    fn npm_overrides_follow_each_releases_registry_dependencies() {
        // `npm view openclaw@X dependencies`: @whiskeysockets/baileys (libsignal from
        // git) up to 2026.3.13, gone in 2026.3.22 … 2026.4.12, back in 2026.4.14 and
        // 2026.4.15, gone from 2026.4.20.
        let libsignal = BTreeMap::from([("libsignal".to_string(), "2.0.1".to_string())]);
        for v in ["2026.1.29", "2026.2.19", "2026.3.13", "2026.4.14", "2026.4.15"] {
            assert_eq!(find(v).unwrap().npm_overrides, libsignal, "{v}");
        }
        for v in ["2026.3.22", "2026.4.12", "2026.4.20", "2026.9.6"] {
            assert!(find(v).unwrap().npm_overrides.is_empty(), "{v}");
        }
        let with: Vec<&str> = releases()
            .iter()
            .filter(|r| !r.npm_overrides.is_empty())
            .map(|r| r.version.as_str())
            .collect();
        assert_eq!(with.len(), 23, "{with:?}");
    }

    #[test]
    fn nearest_older_picks_the_floor() {
        assert_eq!(nearest_older("2026.5.1").unwrap().version, "2026.4.29");
        assert_eq!(nearest_older("2027.1.1").unwrap().version, "2026.9.6");
        assert!(nearest_older("2025.1.1").is_none());
        assert!(version_key("2026.2.21-2") > version_key("2026.2.21"));
    }
}
