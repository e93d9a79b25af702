//! `ocgen plan --to PROFILE`: what moving a deployment to another profile
//! changes — the `openclaw.json` keys, the operator steps, the file diffs.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Write as _;

use clap::Args;
use serde_json::Value;

use super::input::{findings, load};
use super::{Exit, Format, InputArgs};
use crate::config::ProfileName;
use crate::model::Model;
use crate::plan::{self, PatchOp, PatchStep};

/// One `openclaw.json` key that changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyChange {
    Added { path: String, value: String },
    Removed { path: String, value: String },
    Changed { path: String, from: String, to: String },
}

/// The effect of a patch on each key: `Some(value)` sets it, `None` deletes it.
fn effects(steps: &[PatchStep]) -> BTreeMap<String, Option<String>> {
    steps
        .iter()
        .map(|s| {
            let value = match &s.op {
                PatchOp::Delete => None,
                PatchOp::SetEnv(var) => Some(format!("${{{var}}}")),
                PatchOp::SetEnvList(var) => Some(format!("[${{{var}}}, comma-separated]")),
                PatchOp::SetListPlusEnv { fixed, var } => Some(format!(
                    "{} + [${{{var}}}, comma-separated]",
                    Value::from(fixed.clone())
                )),
                PatchOp::Set(v) => Some(v.to_string()),
            };
            (s.path.clone(), value)
        })
        .collect()
}

/// Keys whose value differs between two patches (deletes of absent keys are not changes).
pub fn key_changes(from: &[PatchStep], to: &[PatchStep]) -> Vec<KeyChange> {
    let a = effects(from);
    let b = effects(to);
    let mut paths: Vec<&String> = a.keys().chain(b.keys()).collect();
    paths.sort();
    paths.dedup();
    let mut out = Vec::new();
    for path in paths {
        let before = a.get(path).cloned().flatten();
        let after = b.get(path).cloned().flatten();
        let path = path.clone();
        match (before, after) {
            (None, Some(value)) => out.push(KeyChange::Added { path, value }),
            (Some(value), None) => out.push(KeyChange::Removed { path, value }),
            (Some(from), Some(to)) if from != to => out.push(KeyChange::Changed { path, from, to }),
            _ => {}
        }
    }
    out
}

/// The human report.
pub fn report(current: &Model, target: &Model) -> String {
    let from = plan::plan(current);
    let to = plan::plan(target);
    let mut out = String::new();
    let (a, b) = (current.profile.name, target.profile.name);
    let _ = writeln!(out, "Moving {a} → {b} (OpenClaw {})\n", target.openclaw_version);
    if a == b {
        let _ = writeln!(out, "Nothing changes: deploy.toml already uses profile {b}.");
        return out;
    }
    let _ = writeln!(out, "openclaw.json (patched by bootstrap.sh on the next start):");
    let changes = key_changes(&from.bootstrap.patch, &to.bootstrap.patch);
    for c in &changes {
        let _ = match c {
            KeyChange::Added { path, value } => writeln!(out, "  + {path} = {value}"),
            KeyChange::Removed { path, value } => writeln!(out, "  - {path} (was {value})"),
            KeyChange::Changed { path, from, to } => writeln!(out, "  ~ {path}: {from} → {to}"),
        };
    }
    if changes.is_empty() {
        let _ = writeln!(out, "  (no change)");
    }
    if from.bootstrap.exec != to.bootstrap.exec {
        let _ = writeln!(
            out,
            "  gateway command: `openclaw {}` → `openclaw {}`",
            from.bootstrap.exec.join(" "),
            to.bootstrap.exec.join(" ")
        );
    }
    let _ = writeln!(out, "\nOperator steps:");
    let tls_steps = crate::plan::tls::steps(target);
    let steps = target.profile.steps_in.iter().map(|s| s.text.as_str());
    for (i, step) in steps.chain(tls_steps.iter().map(String::as_str)).enumerate() {
        let _ = writeln!(out, "  {}. {}", i + 1, step);
    }
    let new_vars: Vec<_> = to
        .env
        .iter()
        .filter(|v| !from.env.iter().any(|f| f.name == v.name))
        .collect();
    for v in &new_vars {
        let _ = writeln!(out, "  • Coolify variable {} is new: {}", v.name, v.comment);
    }
    let _ = writeln!(
        out,
        "  • Commit the regenerated files: `ocgen render --profile {b}` (and set `profile = \"{b}\"` in deploy.toml)."
    );
    // What stays, as tests/profile_moves.rs measures it on the real gateway.
    let _ = writeln!(
        out,
        "\nKept on the data volume: paired devices, the openclaw.json keys not listed above (your own, e.g. from `openclaw config set`), the agent workspaces."
    );
    let _ = writeln!(
        out,
        "  A browser keeps its device identity per URL: one that now opens the Control UI at another address is a new device there and is approved once; devices that keep their key (OpenClaw's CLI, apps) stay paired."
    );
    let _ = writeln!(out, "\nFile changes:");
    let before = crate::render::render(&from).unwrap_or_default();
    let after = crate::render::render(&to).unwrap_or_default();
    for (x, y) in before.iter().zip(&after) {
        if x.contents != y.contents {
            let diff = similar::TextDiff::from_lines(&x.contents, &y.contents)
                .unified_diff()
                .context_radius(2)
                .header(&format!("{a}/{}", x.name), &format!("{b}/{}", y.name))
                .to_string();
            out.push_str(&diff);
        }
    }
    out
}

#[derive(Args, Debug)]
pub struct PlanArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// The profile to move to
    #[arg(long, value_enum)]
    pub to: ProfileName,
}

pub fn run(args: &PlanArgs) -> Exit {
    let (input, to) = (&args.input, args.to);
    let current = match load(input, Format::Human) {
        Ok(l) => l,
        Err(code) => return code,
    };
    let target_input = InputArgs {
        profile: Some(to),
        ..input.clone()
    };
    let target = match load(&target_input, Format::Human) {
        Ok(l) => l,
        Err(code) => return code,
    };
    let (diags, _) = findings(&target, false);
    if !diags.is_empty() {
        let _ = writeln!(anstream::stderr(), "Findings for deploy.toml under profile {to}:");
        super::report::report(&diags, &target.source, Format::Human);
    }
    print!("{}", report(&current.model, &target.model));
    Exit::Ok
}

#[cfg(test)]
mod tests {
    use super::*;

    fn model(profile: &str, version: &str) -> Model {
        let text = format!("profile = \"{profile}\"\n[openclaw]\nversion = \"{version}\"\n");
        crate::load_model(&crate::diagnostic::Source::new("d", text), &Default::default()).unwrap()
    }

    #[test]
    fn lan_patch_to_serve_on_the_seed_release() {
        let r = report(&model("lan-patch", "2026.2.19"), &model("serve", "2026.2.19"));
        assert!(r.contains("~ gateway.bind: \"lan\" → \"loopback\""), "{r}");
        assert!(r.contains("~ gateway.mode: \"remote\" → \"local\""), "{r}");
        assert!(r.contains("+ gateway.tailscale.mode = \"serve\""), "{r}");
        assert!(r.contains("- gateway.remote.url"), "{r}");
        assert!(r.contains("- commands.useAccessGroups (was false)"), "{r}");
        assert!(
            r.contains("`openclaw gateway --allow-unconfigured` → `openclaw gateway run`"),
            "{r}"
        );
        assert!(r.contains("LAN access on the published port ends"), "{r}");
        assert!(r.contains("Enroll the laptop"), "{r}");
        assert!(r.contains("TS_AUTHKEY"), "{r}");
        assert!(r.contains("https://<tailnet hostname>"), "{r}");
        assert!(r.contains("+FROM browser-deps AS tailscale-install"), "{r}");
    }

    #[test]
    fn moving_with_tls_lists_the_certificate_steps() {
        let text = "profile = \"sidecar\"\n[openclaw]\nversion = \"2026.9.6\"\n[gateway]\ntls = \"self-signed\"\n";
        let target = crate::load_model(&crate::diagnostic::Source::new("d", text), &Default::default()).unwrap();
        let r = report(&model("lan-patch", "2026.9.6"), &target);
        assert!(r.contains("+ gateway.tls.enabled = true"), "{r}");
        assert!(r.contains("becomes https://<host LAN IP>:18789/"), "{r}");
        assert!(r.contains("accept the self-signed certificate"), "{r}");
        assert!(r.contains("openclaw devices approve"), "{r}");
        let plain = report(&model("lan-patch", "2026.9.6"), &model("sidecar", "2026.9.6"));
        assert!(!plain.contains("self-signed"), "{plain}");
    }

    #[test]
    fn a_move_says_what_the_volume_keeps() {
        let r = report(&model("lan-patch", "2026.9.6"), &model("serve", "2026.9.6"));
        assert!(r.contains("Kept on the data volume: paired devices"), "{r}");
        assert!(r.contains("is a new device there and is approved once"), "{r}");
    }

    #[test]
    fn same_profile_changes_nothing() {
        let r = report(&model("serve", "2026.9.6"), &model("serve", "2026.9.6"));
        assert!(r.contains("Nothing changes"));
    }
}
