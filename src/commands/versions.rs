//! `ocgen versions`: the covered range, each range's rules and each release's
//! Node and npm overrides.

use clap::Args;
use serde_json::{Value, json};

use super::Exit;

use crate::data::versions::{self, HealthPass, OriginCheck, Range, Release};

fn members(r: &Range) -> Vec<&'static Release> {
    versions::releases().iter().filter(|x| x.range_from == r.from).collect()
}

fn rules(r: &Range) -> Vec<(&'static str, String)> {
    let or_dash = |v: String| if v.is_empty() { "-".to_string() } else { v };
    vec![
        (
            "lan sub-agent fix",
            if r.lan_subagent_workaround {
                "mode=remote workaround"
            } else {
                "not needed"
            }
            .into(),
        ),
        ("retired keys", or_dash(r.retired_keys.join(", "))),
        (
            "trusted proxies",
            if r.proxy_attribution_required {
                "required (X-Forwarded-For from an untrusted proxy is refused)"
            } else {
                "not required"
            }
            .into(),
        ),
        (
            "health check",
            match (r.health_path.as_str(), r.health_pass) {
                ("", _) => "TCP connect".into(),
                (path, HealthPass::Status) => format!("HTTP {path} (2xx)"),
                (path, HealthPass::NotStarting) => {
                    format!("HTTP {path} (any answer but `startup-sidecars`)")
                }
            },
        ),
        (
            "browser origins",
            match r.origin_check {
                OriginCheck::None => "not checked (any Origin)",
                OriginCheck::HostHeader => "Origin host = Host admitted",
                OriginCheck::Allowlist => "only gateway.controlUi.allowedOrigins (ocgen lists them)",
                OriginCheck::PrivateSameOrigin => "listed, or same-origin on a private address / *.ts.net",
            }
            .into(),
        ),
        ("custom bind", if r.custom_bind { "accepted" } else { "crashes" }.into()),
        (
            "Tailscale Serve (serve)",
            if r.serve_foreground {
                "foreground; an older release's background route on :443 is removed"
            } else {
                "background (`--bg`)"
            }
            .into(),
        ),
        (
            "state (docs/upgrades.md)",
            format!(
                "format {}{}{}",
                r.state_format,
                match r.on_upgrade {
                    versions::OnUpgrade::None => String::new(),
                    u => format!("; upgrade: `openclaw {}`", u.argv().join(" ")),
                },
                if r.refuses_newer_config {
                    "; refuses a newer release's config"
                } else {
                    ""
                }
            ),
        ),
    ]
}

/// `libsignal=2.0.1, …` (empty when the release needs none).
fn overrides(x: &Release) -> String {
    x.npm_overrides
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The human table.
pub fn human() -> String {
    let all = versions::releases();
    let mut out = format!(
        "OpenClaw releases covered: {} ({} stable releases)\n\
         A release outside this list is unknown: an error, or with --allow-unknown-version the\n\
         rules of the nearest older listed release and a warning.\n",
        versions::covered(),
        all.len()
    );
    for r in versions::ranges() {
        let m = members(r);
        let to = m.last().map(|x| x.version.as_str()).unwrap_or(&r.from);
        let n = m.len();
        out.push_str(&format!(
            "\n{} … {} ({n} release{})\n",
            r.from,
            to,
            if n == 1 { "" } else { "s" }
        ));
        for (k, v) in rules(r) {
            out.push_str(&format!("  {k:<18} {v}\n"));
        }
        let mut nodes: Vec<&str> = m.iter().map(|x| x.node.as_str()).collect();
        nodes.dedup();
        for node in nodes {
            let on: Vec<&str> = m
                .iter()
                .filter(|x| x.node == node)
                .map(|x| x.version.as_str())
                .collect();
            out.push_str(&format!("  {:<18} {}\n", format!("node {node}"), on.join(" ")));
        }
        // npm overrides are per release (registry facts), not range rules: one
        // line per distinct set, naming the releases that need it.
        let mut sets: Vec<String> = m.iter().map(|x| overrides(x)).filter(|o| !o.is_empty()).collect();
        sets.sort();
        sets.dedup();
        if sets.is_empty() {
            out.push_str(&format!("  {:<18} -\n", "npm overrides"));
        }
        for set in sets {
            let on: Vec<&str> = m
                .iter()
                .filter(|x| overrides(x) == set)
                .map(|x| x.version.as_str())
                .collect();
            out.push_str(&format!("  {:<18} {set}: {}\n", "npm overrides", on.join(" ")));
        }
        let measured: Vec<&str> = r.measured.split_whitespace().collect();
        out.push_str(&format!("  {:<18} {}\n", "measured", measured.join(" ")));
    }
    out.push_str(&format!(
        "\nCI runs the real gateway on: {}\n",
        versions::ci_releases().join(", ")
    ));
    out
}

/// The same as one JSON document.
pub fn json() -> Value {
    let ranges: Vec<Value> = versions::ranges()
        .iter()
        .map(|r| {
            let m = members(r);
            json!({
                "from": r.from,
                "to": m.last().map(|x| x.version.as_str()).unwrap_or(&r.from),
                "lan_subagent_workaround": r.lan_subagent_workaround,
                "retired_keys": r.retired_keys,
                "proxy_attribution_required": r.proxy_attribution_required,
                "origin_check": r.origin_check,
                "health_path": r.health_path,
                "health_pass": r.health_pass,
                "custom_bind": r.custom_bind,
                "state_format": r.state_format,
                "on_upgrade": r.on_upgrade,
                "refuses_newer_config": r.refuses_newer_config,
                "serve_foreground": r.serve_foreground,
                "measured": r.measured.split_whitespace().collect::<Vec<_>>().join(" "),
                "releases": m.iter().map(|x| json!({
                    "version": x.version, "engines_node": x.engines_node, "node": x.node,
                    "npm_overrides": x.npm_overrides,
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    let all = versions::releases();
    json!({
        "covered": {
            "from": all.first().map(|x| x.version.as_str()),
            "to": all.last().map(|x| x.version.as_str()),
        },
        "ci": versions::ci_releases(),
        "ranges": ranges,
    })
}

/// The same as Markdown: `docs/releases.md` is exactly this (a test keeps it current).
pub fn markdown() -> String {
    let line = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
    let cell = |s: &str| line(s).replace('|', "\\|");
    let all = versions::releases();
    let mut out = format!(
        "# Supported OpenClaw releases\n\n\
         <!-- generated by `ocgen versions --format markdown` from profiles/openclaw-versions.toml; \
         do not edit: `UPDATE_SCHEMA=1 cargo test --test schema` rewrites it -->\n\n\
         ocgen covers every stable release **{}** ({} releases). A release outside this list \
         (newer, or between two listed releases) is unknown: an error (OC005), or with \
         `--allow-unknown-version` the rules of the nearest older listed release and a warning.\n\n\
         Behaviour is described by ranges: a range holds from its first release up to the next \
         range's; `measured` records what placed its boundaries (\"text\": grepped in the published \
         package and bisected over the listed releases; \"gateway\": run on the real gateway by \
         the user's-path tests).\n\n## Ranges\n\n",
        versions::covered(),
        all.len()
    );
    let names: Vec<&str> = rules(&versions::ranges()[0]).iter().map(|(k, _)| *k).collect();
    out.push_str(&format!("| releases | {} | Node |\n|---|", names.join(" | ")));
    out.push_str(&"---|".repeat(names.len() + 1));
    out.push('\n');
    for r in versions::ranges() {
        let m = members(r);
        let to = m.last().map(|x| x.version.as_str()).unwrap_or(&r.from);
        let values: Vec<String> = rules(r).into_iter().map(|(_, v)| cell(&v)).collect();
        let mut nodes: Vec<&str> = m.iter().map(|x| x.node.as_str()).collect();
        nodes.dedup();
        out.push_str(&format!(
            "| {} … {to} ({}) | {} | {} |\n",
            r.from,
            m.len(),
            values.join(" | "),
            nodes.join(", ")
        ));
    }
    for r in versions::ranges() {
        let m = members(r);
        let to = m.last().map(|x| x.version.as_str()).unwrap_or(&r.from);
        out.push_str(&format!(
            "\n### {} … {to}\n\n**measured:** {}\n",
            r.from,
            line(&r.measured)
        ));
    }
    out.push_str(&format!(
        "\n## CI\n\nCI installs and runs the real gateway on the oldest and the newest release \
         and on both sides of every boundary: {}.\n",
        versions::ci_releases().join(", ")
    ));
    if !versions::not_run_here().is_empty() {
        out.push_str(&format!(
            "\nNot run here (boundary releases whose gateway fetches plugin dependencies from npm \
             at start): {}.\n",
            versions::not_run_here().join(", ")
        ));
    }
    out.push_str("\n## Releases\n\n| release | range | engines.node | Node | npm overrides |\n|---|---|---|---|---|\n");
    for x in all {
        let o = overrides(x);
        out.push_str(&format!(
            "| {} | {} | `{}` | {} | {} |\n",
            x.version,
            x.range_from,
            cell(&x.engines_node),
            x.node,
            if o.is_empty() { "-".into() } else { cell(&o) }
        ));
    }
    out
}

#[derive(Args, Debug)]
pub struct VersionsArgs {
    /// Output format (json: one document on stdout; markdown: docs/releases.md)
    #[arg(long, value_enum, default_value = "human")]
    pub format: VersionsFormat,
}

/// `ocgen versions --format`: the findings' formats plus Markdown.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum VersionsFormat {
    Human,
    Json,
    Markdown,
}

pub fn run(args: &VersionsArgs) -> Exit {
    match args.format {
        VersionsFormat::Human => print!("{}", human()),
        VersionsFormat::Markdown => print!("{}", markdown()),
        VersionsFormat::Json => println!("{}", serde_json::to_string_pretty(&json()).expect("report serializes")),
    }
    Exit::Ok
}
