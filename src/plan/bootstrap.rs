//! bootstrap.sh's part of the plan (`templates/bootstrap.sh.j2`): the
//! `openclaw.json` patch with the reason for each step, the browser origins,
//! and what the bootstrap does before it (Tailscale, the sidecar's tailnet
//! origin, TLS).

use serde::Serialize;
use serde_json::Value;

use super::patch::{PatchOp, PatchStep, delete, set, set_env, set_env_list};
use super::{
    ALLOWED_ORIGINS, DATA_DIR, GATEWAY_USER, GatewayUser, OPENCLAW_HOME, SIDECAR_SOCKET, TOKEN_ENV, bracket_v6,
    sidecar_tailnet_origin, tags,
};
use crate::config::{BindMode, ProfileName, TailscaleState};
use crate::data::profile::TailscalePlacement;
use crate::data::versions::OriginCheck;
use crate::model::Model;

/// The last release whose `gateway run` ignores `--allow-unconfigured` (only
/// the bare `gateway` command sees it), and the release that was measured
/// on: facts about the LAN workaround's releases that the release table does
/// not hold as rules. The tests keep both listed and inside the workaround.
const ALLOW_UNCONFIGURED_RUN_IGNORED_UNTIL: &str = "2026.2.12";
const ALLOW_UNCONFIGURED_MEASURED_ON: &str = "2026.2.9";

#[derive(Debug, Clone, Serialize)]
pub struct Bootstrap {
    pub port: u16,
    pub data_dir: &'static str,
    pub openclaw_home: &'static str,
    /// Why the config looks the way it does (comment lines).
    pub notes: Vec<String>,
    /// The `openclaw.json` patch, one step a line, with the reason for each.
    pub patch: Vec<PatchStep>,
    /// The whole jq program.
    pub jq_program: String,
    /// Settings the seed wanted that this release rejects.
    pub omitted: Vec<PatchStep>,
    pub tailscale: Option<BootstrapTailscale>,
    /// sidecar: ask the sidecar's tailscaled for the node's tailnet origin.
    pub sidecar: Option<BootstrapSidecar>,
    /// The public origin and proxy addresses (`domain` only).
    pub domain: Option<super::domain::BootstrapDomain>,
    pub exec: Vec<String>,
    /// Make the gateway's self-signed TLS certificate before the patch.
    pub tls: bool,
    /// Who the gateway runs as (the bootstrap drops to it before `exec`).
    pub gateway_user: GatewayUser,
    /// Upgrades and rollbacks on the data volume (`templates/bootstrap/volume.sh.j2`).
    pub volume: BootstrapVolume,
    /// The bootstrap may also start as the gateway's user and skip what needs root
    /// (`target = "kubernetes"`: the pod runs as uid 1000 with every capability dropped).
    pub unprivileged: bool,
}

/// The variable Coolify sets to `restore` to roll the volume's state back to
/// the snapshot taken before an upgrade (docs/upgrades.md).
pub const ROLLBACK_ENV: &str = "OCGEN_ROLLBACK";

/// What the bootstrap knows of the volume's releases: it records the release
/// that last ran (`$OPENCLAW_DATA_DIR/.ocgen/last-release`), snapshots the
/// state before a release of a higher state format migrates it, runs what
/// that release needs first (`on_upgrade`), and refuses a release of a lower
/// format unless told to restore the snapshot ([`ROLLBACK_ENV`]).
#[derive(Debug, Clone, Serialize)]
pub struct BootstrapVolume {
    /// The pinned release.
    pub release: String,
    /// Its state format (`[[range]] state_format`).
    pub state_format: u32,
    /// The first listed release of each state format, oldest first.
    pub format_starts: Vec<FormatStart>,
    /// The newest listed release: a volume last run by a newer one is of an
    /// unknown format (refused).
    pub newest_known: String,
    /// `openclaw ARGS…` run before the gateway on a volume of a lower format
    /// (empty: nothing).
    pub on_upgrade: Vec<String>,
    /// The pinned release's gateway refuses a config a newer release wrote:
    /// every rollback is refused (or restored), not only one across formats.
    pub refuses_newer_config: bool,
    pub rollback_env: &'static str,
}

#[derive(Debug, Clone, Serialize)]
pub struct FormatStart {
    pub from: String,
    pub format: u32,
}

fn volume(m: &Model) -> BootstrapVolume {
    use crate::data::versions::{releases, state_format_starts};
    BootstrapVolume {
        release: m.release.version.clone(),
        state_format: m.release.state_format,
        format_starts: state_format_starts()
            .into_iter()
            .map(|(from, format)| FormatStart {
                from: from.to_string(),
                format,
            })
            .collect(),
        newest_known: releases().last().map(|r| r.version.clone()).unwrap_or_default(),
        on_upgrade: m.release.on_upgrade.argv().iter().map(|a| a.to_string()).collect(),
        refuses_newer_config: m.release.refuses_newer_config,
        rollback_env: ROLLBACK_ENV,
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct BootstrapTailscale {
    pub hostname: String,
    /// `tailscaled --state=` argument, relative to `$TS_STATE_DIR` or `mem:`.
    pub persistent_state: bool,
    pub auth_key_var: Option<String>,
    pub tags: Vec<String>,
    /// The variable the bootstrap sets to the node's tailnet origin
    /// (`https://<MagicDNS name>`) once Tailscale runs, for the patch.
    pub origin_env: Option<&'static str>,
    /// On a release that runs Serve in the foreground: the background Serve target an
    /// older release left on https:443 (`http://127.0.0.1:PORT`), which the bootstrap
    /// removes before the gateway starts (the gateway refuses to start beside it).
    pub clear_background_serve: Option<String>,
}

/// sidecar on a release that admits only listed origins: before the patch the
/// bootstrap waits (bounded) for the sidecar's tailscaled, on the socket the
/// two containers share, to be Running, and lists
/// `SCHEME://<MagicDNS name>:PORT` (and the short host name) as origins. If it
/// is not Running in time, the gateway starts without them (LAN browsers are
/// not affected) and the log says so.
#[derive(Debug, Clone, Serialize)]
pub struct BootstrapSidecar {
    /// `TS_SOCKET`'s default: the sidecar's socket on the shared volume.
    pub socket: &'static str,
    /// `TS_WAIT_SECONDS`'s default.
    pub wait_seconds: u32,
    /// The variable the patch reads the tailnet origins from.
    pub origin_env: &'static str,
    /// `http` or `https` (`[gateway] tls`).
    pub scheme: &'static str,
    pub port: u16,
    /// `[tailscale] hostname` (for the log).
    pub hostname: String,
}

/// How long the sidecar's bootstrap waits for the tailnet (`TS_WAIT_SECONDS`).
const SIDECAR_WAIT_SECONDS: u32 = 30;

pub(super) fn bootstrap(m: &Model, port: u16) -> Bootstrap {
    let release = m.release;
    let mut notes = Vec::new();
    let mut patch = Vec::new();
    let mut omitted = Vec::new();
    let mut exec = vec!["gateway".to_string(), "run".to_string()];

    patch.push(set(
        "gateway.port",
        &Value::from(port),
        "the port the gateway listens on (and the healthcheck dials)",
    ));
    patch.push(set(
        "gateway.bind",
        &Value::from(m.bind.as_str()),
        if m.bind == m.profile.bind {
            m.profile.bind_why.clone()
        } else {
            "set by gateway.bind in deploy.toml".to_string()
        },
    ));

    let workaround = m.profile.lan_workaround && m.bind == BindMode::Lan && release.lan_subagent_workaround;
    if workaround {
        notes.push(format!(
            "OpenClaw {} makes local clients and sub-agents dial the LAN IP when bind=lan, which its plaintext ws:// check blocks.",
            release.version
        ));
        notes.push("Workaround: gateway.mode=remote with remote.url on loopback, and --allow-unconfigured so the gateway still starts.".into());
        notes.push(format!(
            "`openclaw gateway --allow-unconfigured` (the gateway command itself runs the gateway): up to {ALLOW_UNCONFIGURED_RUN_IGNORED_UNTIL} only it sees the flag, `gateway run --allow-unconfigured` exits with \"Gateway start blocked\" (measured on {ALLOW_UNCONFIGURED_MEASURED_ON}); OpenClaw {} runs the same either way.",
            release.version
        ));
        patch.push(set(
            "gateway.mode",
            &Value::from("remote"),
            "sub-agents read gateway.remote.url only in remote mode",
        ));
        patch.extend(super::tls::remote_steps(m, port));
        patch.push(set_env(
            "gateway.remote.token",
            TOKEN_ENV,
            "sub-agents authenticate with the gateway token",
        ));
        exec = vec!["gateway".to_string(), "--allow-unconfigured".to_string()];
    } else {
        if m.profile.lan_workaround && m.bind == BindMode::Lan {
            notes.push(format!(
                "OpenClaw {} dials ws://127.0.0.1 for local clients whatever the bind: the LAN sub-agent workaround (gateway.mode=remote, --allow-unconfigured) is not needed.",
                release.version
            ));
        }
        patch.push(set(
            "gateway.mode",
            &Value::from("local"),
            "the gateway refuses to start without mode=local",
        ));
        patch.push(delete("gateway.remote", "only remote mode reads it"));
    }

    patch.extend(super::tls::patch(m));
    for setting in &m.profile.config {
        if release.is_retired(&setting.path) {
            omitted.push(set(
                &setting.path,
                &setting.value,
                format!(
                    "OpenClaw {} rejects it; the seed set it because {}",
                    release.version, setting.why
                ),
            ));
        } else {
            patch.push(set(&setting.path, &setting.value, setting.why.clone()));
        }
    }
    if m.raw.image.browser {
        patch.extend(browser_tool(m));
    }
    if m.profile.tailscale == TailscalePlacement::InContainer {
        serve_trusted_proxies(m, &mut patch, &mut notes);
    }
    let tailnet_origin = browser_origins(m, port, &mut patch, &mut notes);
    let domain = (m.profile.name == ProfileName::Domain).then(|| super::domain::bootstrap(m, &mut patch));
    for (path, value) in &m.raw.openclaw.config {
        patch.push(set(path, value, "[openclaw.config] in deploy.toml"));
    }
    for key in &release.retired_keys {
        if !m.raw.openclaw.config.contains_key(key) {
            patch.push(delete(
                key,
                format!(
                    "retired in OpenClaw {}; an older config may still carry it",
                    release.version
                ),
            ));
        }
    }

    let jq_program = patch.iter().map(|s| s.jq.as_str()).collect::<Vec<_>>().join("\n| ");
    let tailscale = (m.profile.tailscale == TailscalePlacement::InContainer).then(|| BootstrapTailscale {
        hostname: m.raw.tailscale.hostname.clone(),
        persistent_state: m.raw.tailscale.state == TailscaleState::Volume,
        auth_key_var: m.auth_key_var.clone(),
        tags: tags(m),
        origin_env: tailnet_origin.then_some(TAILNET_ORIGIN_ENV),
        clear_background_serve: m.release.serve_foreground.then(|| format!("http://127.0.0.1:{port}")),
    });
    let sidecar = (m.profile.tailscale == TailscalePlacement::Sidecar && tailnet_origin).then(|| BootstrapSidecar {
        socket: SIDECAR_SOCKET,
        wait_seconds: SIDECAR_WAIT_SECONDS,
        origin_env: TAILNET_ORIGIN_ENV,
        scheme: if super::tls::enabled(m) { "https" } else { "http" },
        port,
        hostname: m.raw.tailscale.hostname.clone(),
    });
    Bootstrap {
        port,
        data_dir: DATA_DIR,
        openclaw_home: OPENCLAW_HOME,
        notes,
        patch,
        jq_program,
        omitted,
        tailscale,
        sidecar,
        domain,
        exec,
        tls: super::tls::enabled(m),
        gateway_user: GATEWAY_USER,
        volume: volume(m),
        unprivileged: m.raw.target == crate::config::Target::Kubernetes,
    }
}

/// `browser.noSandbox`, `browser.headless`, `browser.defaultProfile`: what OpenClaw's
/// browser tool needs to start and use the image's Chromium (`[image] browser`) in this
/// container. Defaults, not owned keys: they come before `[openclaw.config]`, which may
/// set any of them (e.g. `browser.noSandbox = false` on a host that runs the container
/// with a seccomp profile allowing user namespaces). Every release ocgen has a config
/// schema of accepts all three (a unit test checks it), and each value is right or
/// harmless on every release, so they are written for every release. Measured in the image with the
/// gateway's own browser tool (tests/image.rs, docs/image.md "The browser").
pub const BROWSER_TOOL_KEYS: [&str; 3] = ["browser.noSandbox", "browser.headless", "browser.defaultProfile"];

/// OpenClaw's own managed browser profile (it launches the executable it finds).
const MANAGED_BROWSER_PROFILE: &str = "openclaw";

fn browser_tool(m: &Model) -> Vec<PatchStep> {
    let v = &m.release.version;
    vec![
        set(
            BROWSER_TOOL_KEYS[0],
            &Value::Bool(true),
            format!(
                "OpenClaw {v} starts Chromium with its sandbox unless this is set, and the sandbox needs user namespaces (Docker's seccomp profile refuses them) or a setuid helper (no-new-privileges): without it the browser tool fails (\"No usable sandbox!\"); set it false in [openclaw.config] only if the container may create user namespaces"
            ),
        ),
        set(
            BROWSER_TOOL_KEYS[2],
            &Value::from(MANAGED_BROWSER_PROFILE),
            "the browser the image ships, which OpenClaw launches itself; up to 2026.2.23 the default profile is `chrome`, the relay to a desktop Chrome's extension, which a container never has (\"no tab is connected\"); `openclaw` is the default from 2026.5.12",
        ),
        set(
            BROWSER_TOOL_KEYS[1],
            &Value::Bool(true),
            "the container has no display: Chromium must run headless (OpenClaw up to 2026.2.23 passes --headless only when this is set, later releases also on Linux without DISPLAY; the image's headless shell needs neither, a full Chromium in browser.executablePath fails with \"Missing X server\")",
        ),
    ]
}

/// The variable the `serve` bootstrap fills with `https://<MagicDNS name>`, the
/// `sidecar` one with `SCHEME://<MagicDNS name>:PORT,SCHEME://<host>:PORT`.
pub const TAILNET_ORIGIN_ENV: &str = "OPENCLAW_TAILNET_ORIGIN";

/// The origins browsers load the Control UI from, written to
/// `gateway.controlUi.allowedOrigins` where the release would refuse them on
/// its own ([`OriginCheck`]); `domain` writes its own. Returns whether the
/// bootstrap must work out the tailnet origin (`serve`; `sidecar` where
/// [`sidecar_tailnet_origin`]).
///
/// - lan-patch, sidecar (a published port): `SCHEME://ADDR:PORT` for a
///   `publish_address` the release does not admit by itself, plus
///   `SCHEME://localhost:PORT` and `SCHEME://127.0.0.1:PORT` (an SSH tunnel;
///   what OpenClaw seeds when it has no list);
/// - sidecar, where the release refuses `*.ts.net` pages by itself: also the
///   tailnet's `SCHEME://<MagicDNS name>:PORT`, known only once the sidecar's
///   node runs (the bootstrap adds them, or none if it does not run in time);
/// - serve: `https://<MagicDNS name>` (Tailscale Serve's origin), known only
///   once the node runs.
fn browser_origins(m: &Model, port: u16, patch: &mut Vec<PatchStep>, notes: &mut Vec<String>) -> bool {
    let check = m.release.origin_check;
    let v = &m.release.version;
    if m.profile.name == ProfileName::Domain || m.raw.openclaw.config.contains_key(ALLOWED_ORIGINS) {
        return false;
    }
    if !m.profile.publish_port {
        if m.profile.tailscale == TailscalePlacement::InContainer && check == OriginCheck::Allowlist {
            patch.push(set_env_list(
                ALLOWED_ORIGINS,
                TAILNET_ORIGIN_ENV,
                format!("the tailnet browser loads the Control UI from https://<this node's MagicDNS name> (Tailscale Serve); OpenClaw {v} admits only listed origins"),
            ));
            return true;
        }
        return false;
    }
    if m.bind == BindMode::Loopback {
        return false;
    }
    let scheme = if super::tls::enabled(m) { "https" } else { "http" };
    let addr = m.raw.gateway.publish_address.as_str();
    let unspecified = crate::model::publishes_everywhere(addr);
    let lan_admitted = !unspecified && check.admits_same_origin(addr);
    if matches!(check, OriginCheck::None | OriginCheck::HostHeader)
        || (check == OriginCheck::PrivateSameOrigin && (unspecified || lan_admitted))
    {
        return false;
    }
    let mut origins = Vec::new();
    if !unspecified {
        origins.push(format!("{scheme}://{}:{port}", bracket_v6(addr)));
    } else {
        notes.push(format!(
            "OpenClaw {v} admits only the browser origins gateway.controlUi.allowedOrigins lists, and publish_address {addr} names no LAN address: LAN browsers are refused until gateway.publish_address (or [openclaw.config] gateway.controlUi.allowedOrigins) names it (lint OC122)."
        ));
    }
    origins.push(format!("{scheme}://localhost:{port}"));
    origins.push(format!("{scheme}://127.0.0.1:{port}"));
    let refuses = match check {
        OriginCheck::Allowlist => "every origin it does not list (and does not start on a LAN bind without a list)",
        _ => "a page on a public address",
    };
    if sidecar_tailnet_origin(m) {
        patch.push(PatchStep::new(
            ALLOWED_ORIGINS,
            PatchOp::SetListPlusEnv {
                fixed: origins,
                var: TAILNET_ORIGIN_ENV.into(),
            },
            format!("the browser's origins: the LAN address the port is published on, localhost (an SSH tunnel), and the tailnet's {scheme}://<MagicDNS name>:{port} (from the sidecar's tailscaled, when it runs in time); OpenClaw {v} refuses {refuses} otherwise"),
        ));
        return true;
    }
    patch.push(set(
        ALLOWED_ORIGINS,
        &Value::from(origins),
        format!("the browser's origins: the LAN address the port is published on, and localhost (an SSH tunnel); OpenClaw {v} refuses {refuses} otherwise"),
    ));
    false
}

/// The proxy Tailscale Serve runs inside the container connects from loopback.
pub const SERVE_PROXIES: [&str; 2] = ["127.0.0.1", "::1"];

/// serve: Tailscale Serve forwards tailnet clients to the loopback gateway with
/// `X-Forwarded-For`. Whether the gateway must trust loopback as a proxy for
/// that depends on the release (measured: `tests/tailnet_path.rs`,
/// `tests/user_path.rs`).
fn serve_trusted_proxies(m: &Model, patch: &mut Vec<PatchStep>, notes: &mut Vec<String>) {
    let v = &m.release.version;
    if m.release.proxy_attribution_required {
        patch.push(set(
            "gateway.trustedProxies",
            &Value::from(SERVE_PROXIES.to_vec()),
            format!(
                "Tailscale Serve proxies from loopback: only it may say who the tailnet client is (X-Forwarded-For); OpenClaw {v} refuses proxied requests (HTTP 403) otherwise"
            ),
        ));
    } else {
        notes.push(format!(
            "OpenClaw {v} serves what Tailscale Serve proxies without gateway.trustedProxies; trusting loopback would make its own CLI and sub-agents non-local (pairing required), so it is not set."
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::versions;
    use crate::plan::apply_to_empty;

    fn model(text: &str) -> Model {
        crate::load_model(&crate::diagnostic::Source::new("d", text), &Default::default()).unwrap()
    }

    #[test]
    fn the_image_browser_gets_what_the_browser_tool_needs_and_the_user_may_override_it() {
        for profile in ["lan-patch", "sidecar", "serve"] {
            for v in ["2026.1.29", "2026.2.19", "2026.9.6"] {
                let text = format!("profile = \"{profile}\"\n[openclaw]\nversion = \"{v}\"\n");
                let config = |extra: &str| {
                    let m = model(&format!("{text}{extra}"));
                    apply_to_empty(&bootstrap(&m, 18789).patch, |_| "x".into())
                };
                let on = config("");
                assert_eq!(
                    on["browser"],
                    serde_json::json!({"noSandbox": true, "headless": true, "defaultProfile": "openclaw"})
                );
                let off = config("[image]\nbrowser = false\n");
                assert!(off.get("browser").is_none(), "{profile} {v}: {off}");
                let own = config("[openclaw.config]\n\"browser.noSandbox\" = false\n");
                assert_eq!(
                    own["browser"],
                    serde_json::json!({"noSandbox": false, "headless": true, "defaultProfile": "openclaw"}),
                    "[openclaw.config] wins"
                );
            }
        }
    }

    #[test]
    fn the_workaround_notes_name_listed_workaround_releases() {
        for v in [ALLOW_UNCONFIGURED_RUN_IGNORED_UNTIL, ALLOW_UNCONFIGURED_MEASURED_ON] {
            let r = versions::find(v).unwrap_or_else(|| panic!("{v} is not in the release table"));
            assert!(r.lan_subagent_workaround, "{v} needs the LAN workaround");
        }
    }
}
