//! The `openclaw.json` a profile writes, checked against the targeted
//! release's own config JSON Schema (exported once by
//! `scripts/export-openclaw-schemas.sh` into `schema/openclaw/`, embedded
//! deflated by `build.rs`), so `ocgen validate` needs no Node at run time.

use serde_json::Value;

use crate::diagnostic::Diagnostic;
use crate::model::Model;
use crate::plan;

// `SCHEMAS`: release → its exported config schema, deflated; every file in
// `schema/openclaw/` (a unit test checks each is a listed release, and that the
// CI set has its own).
include!(concat!(env!("OUT_DIR"), "/openclaw-schemas.rs"));

/// The releases ocgen has the config schema of, oldest first.
pub fn releases_with_schema() -> impl Iterator<Item = &'static str> {
    SCHEMAS.iter().map(|(v, _)| *v)
}

/// The schema text of `release` exactly, if ocgen has it.
pub fn schema_text(release: &str) -> Option<String> {
    SCHEMAS.iter().find(|(v, _)| *v == release).map(|(_, z)| inflate(z))
}

fn inflate(deflated: &[u8]) -> String {
    let bytes = miniz_oxide::inflate::decompress_to_vec(deflated).expect("build.rs deflated this schema");
    String::from_utf8(bytes).expect("build.rs checked this schema is JSON")
}

/// The schema to check `release` against: its own where ocgen has it; else the
/// nearest release in the same behaviour range that has one; else the nearest
/// older one; else the oldest. Returns the schema's release and its text.
pub fn schema_for(release: &crate::data::versions::Release) -> Option<(&'static str, String)> {
    schema_release_for(release).map(|v| (v, schema_text(v).expect("listed in SCHEMAS")))
}

/// Which release's schema [`schema_for`] uses, without inflating it.
pub fn schema_release_for(release: &crate::data::versions::Release) -> Option<&'static str> {
    use crate::data::versions::{find, releases, version_key};
    if let Some((v, _)) = SCHEMAS.iter().find(|(v, _)| *v == release.version) {
        return Some(v);
    }
    let index = |v: &str| releases().iter().position(|r| r.version == v);
    let here = index(&release.version)?;
    let same_range = SCHEMAS
        .iter()
        .filter(|(v, _)| find(v).is_some_and(|r| r.range_from == release.range_from))
        .min_by_key(|(v, _)| index(v).map(|i| i.abs_diff(here)));
    let key = version_key(&release.version);
    let older = SCHEMAS
        .iter()
        .filter(|(v, _)| version_key(v) <= key)
        .max_by_key(|(v, _)| version_key(v));
    same_range
        .or(older)
        .or_else(|| SCHEMAS.iter().min_by_key(|(v, _)| version_key(v)))
        .map(|(v, _)| *v)
}

/// Make OpenClaw's exported schema compile with Rust's `jsonschema`:
/// - it comes from zod and uses ECMAScript regex syntax; the one escape
///   Rust's engines lack is `\0` (NUL): rewrite it as `\x00`;
/// - plugin sub-schemas carry their own `$defs` and refer to them as
///   `#/$defs/…` relative to themselves, without an `$id`; give each such
///   sub-schema an `$id` so those references resolve where they were meant to.
fn adapt(v: &mut Value) {
    adapt_at(v, "");
}

fn adapt_at(v: &mut Value, path: &str) {
    if let Value::Object(map) = v {
        if !path.is_empty() && map.contains_key("$defs") && !map.contains_key("$id") {
            let id = format!("urn:ocgen:openclaw-schema{}", path.replace('/', ":"));
            map.insert("$id".into(), Value::String(id));
        }
    }
    match v {
        Value::Object(map) => {
            for (k, child) in map.iter_mut() {
                adapt_at(child, &format!("{path}/{k}"));
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter_mut().enumerate() {
                adapt_at(child, &format!("{path}/{i}"));
            }
        }
        _ => {}
    }
    ecma_patterns_to_rust(v);
}

fn ecma_patterns_to_rust(v: &mut Value) {
    fn fix(p: &str) -> String {
        p.replace("\\0", "\\x00")
    }
    if let Value::Object(map) = v {
        if let Some(Value::String(p)) = map.get_mut("pattern") {
            *p = fix(p);
        }
        if let Some(Value::Object(props)) = map.get_mut("patternProperties") {
            let fixed: serde_json::Map<String, Value> =
                std::mem::take(props).into_iter().map(|(k, v)| (fix(&k), v)).collect();
            *props = fixed;
        }
    }
}

/// The config the bootstrap writes into a fresh volume (token placeholder).
pub fn written_config(m: &Model) -> Value {
    let plan = plan::plan(m);
    plan::apply_to_empty(&plan.bootstrap.patch, |var| format!("<{var} from the environment>"))
}

/// Check the written config against the release's schema.
pub fn check(m: &Model) -> Vec<Diagnostic> {
    let Some((release, text)) = schema_for(m.release) else {
        let release = &m.release.version;
        return vec![
            Diagnostic::warning("OC008", format!("ocgen has no config schema for OpenClaw {release}"))
                .with_span(m.spans.value("/openclaw/version")),
        ];
    };
    let schema: Value = match serde_json::from_str(&text) {
        Ok(mut s) => {
            adapt(&mut s);
            s
        }
        Err(e) => {
            return vec![Diagnostic::error(
                "OC008",
                format!("embedded schema of OpenClaw {release} is broken: {e}"),
            )];
        }
    };
    // OpenClaw's schemas use look-ahead patterns: keep the default fancy-regex engine.
    let validator = match jsonschema::validator_for(&schema) {
        Ok(v) => v,
        Err(e) => {
            return vec![Diagnostic::error(
                "OC008",
                format!("embedded schema of OpenClaw {release} does not compile: {e}"),
            )];
        }
    };
    let config = written_config(m);
    validator
        .iter_errors(&config)
        .map(|e| {
            let path = crate::config::dotted(e.instance_path().as_str());
            let message = e.to_string().replace('\n', " ");
            // Point at the [openclaw.config] entry that wrote it, if any; else at the profile.
            let from_user = m
                .raw
                .openclaw
                .config
                .keys()
                .find(|k| path == **k || path.starts_with(&format!("{k}.")) || k.starts_with(&format!("{path}.")));
            let span = match from_user {
                Some(k) => m
                    .spans
                    .key(&format!("/openclaw/config/{}", crate::config::parse::escape_segment(k))),
                None => m.spans.value("/profile"),
            };
            let at = if path.is_empty() {
                "openclaw.json".to_string()
            } else {
                format!("`{path}`")
            };
            Diagnostic::error(
                "OC008",
                format!("OpenClaw {release} would reject the config: {at}: {message}"),
            )
            .with_span(span)
            .with_label("written by the bootstrap")
            .with_hint("fix the key in [openclaw.config], or report the profile/release combination as an ocgen bug")
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn model(text: &str) -> Model {
        crate::load_model(&crate::diagnostic::Source::new("d", text), &Default::default()).unwrap()
    }

    #[test]
    fn every_schema_is_a_listed_release_and_every_release_finds_one() {
        for (v, _) in SCHEMAS {
            assert!(
                crate::data::versions::find(v).is_some(),
                "schema/openclaw/{v}.json: release not listed"
            );
        }
        for r in crate::data::versions::releases() {
            assert!(schema_release_for(r).is_some(), "{}", r.version);
        }
        let by = |v: &str| schema_release_for(crate::data::versions::find(v).unwrap()).unwrap();
        assert_eq!(by("2026.2.19"), "2026.2.19");
        // same range (2026.2.9 … 2026.2.19) before the nearest older release
        assert_eq!(by("2026.2.12"), "2026.2.9");
        assert_eq!(by("2026.5.19"), "2026.5.18");
        assert_eq!(by("2026.5.27"), "2026.5.28");
        assert_eq!(by("2026.6.8"), "2026.6.1");
        assert_eq!(by("2026.8.2"), "2026.8.1");
    }

    #[test]
    fn every_release_ci_runs_has_its_own_schema() {
        for v in crate::data::versions::ci_releases() {
            assert!(
                schema_text(v).is_some(),
                "schema/openclaw/{v}.json missing: scripts/export-openclaw-schemas.sh {v}"
            );
        }
    }

    #[test]
    fn an_embedded_schema_inflates_to_the_committed_file() {
        let committed =
            std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/schema/openclaw/2026.9.6.json")).unwrap();
        assert_eq!(schema_text("2026.9.6").unwrap(), committed);
        assert!(schema_text("2026.9.7").is_none());
    }

    #[test]
    fn every_profile_writes_a_valid_config_for_every_release() {
        for profile in ["lan-patch", "sidecar", "serve", "domain"] {
            // Each range's first release and each release with its own schema
            // (every release would compile a schema 82 × 4 times).
            let firsts = crate::data::versions::ranges().iter().map(|r| r.from.as_str());
            for version in firsts.chain(releases_with_schema()) {
                let extra = if profile == "domain" {
                    "[coolify]\ndomain = \"https://claw.example.com\"\n"
                } else {
                    ""
                };
                let m = model(&format!(
                    "profile = \"{profile}\"\n[openclaw]\nversion = \"{version}\"\n{extra}"
                ));
                let d = check(&m);
                assert!(d.is_empty(), "{profile} {version}: {d:?}\n{}", written_config(&m));
            }
        }
    }

    #[test]
    fn every_schema_takes_the_browser_tool_keys() {
        // written for every release (plan::BROWSER_TOOL_KEYS): a release that drops
        // either needs a rule in the release table
        for v in releases_with_schema() {
            let schema: Value = serde_json::from_str(&schema_text(v).unwrap()).unwrap();
            for key in crate::plan::BROWSER_TOOL_KEYS {
                let pointer = format!("/properties/{}", key.replace('.', "/properties/"));
                let ty = schema.pointer(&format!("{pointer}/type"));
                let want = if key.ends_with("defaultProfile") {
                    "string"
                } else {
                    "boolean"
                };
                assert_eq!(ty, Some(&Value::from(want)), "{v}: {key}");
            }
        }
    }

    #[test]
    fn a_retired_or_misspelt_key_is_caught() {
        let m = model(
            "profile = \"serve\"\n[openclaw]\nversion = \"2026.9.6\"\nconfig = { \"commands.useAccessGroups\" = false }\n",
        );
        let d = check(&m);
        assert!(d.iter().any(|d| d.message.contains("useAccessGroups")), "{d:?}");
        let m =
            model("profile = \"serve\"\n[openclaw]\nversion = \"2026.2.19\"\nconfig = { \"gateway.bnd\" = \"x\" }\n");
        let d = check(&m);
        assert!(d.iter().any(|d| d.message.contains("bnd")), "{d:?}");
        assert!(d[0].span.is_some());
    }
}
