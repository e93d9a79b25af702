//! The committed JSON Schema of deploy.toml must equal the one generated
//! from the Rust types. Regenerate with `ocgen schema > schema/deploy.schema.json`
//! or `UPDATE_SCHEMA=1 cargo test --test schema`.

use std::path::Path;

#[test]
fn committed_schema_is_current() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("schema/deploy.schema.json");
    let generated = ocgen::config::json_schema_text();
    if std::env::var_os("UPDATE_SCHEMA").is_some() {
        std::fs::write(&path, &generated).unwrap();
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "schema/deploy.schema.json is stale: run `cargo run -q -- schema > schema/deploy.schema.json`"
    );
}

#[test]
fn verdict_table_is_current() {
    // src/config/schema_table.rs is the schema as the table the fast verdict walks.
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/config/schema_table.rs");
    let generated = ocgen::config::verdict::table_source(&ocgen::config::json_schema());
    if std::env::var_os("UPDATE_SCHEMA").is_some() {
        std::fs::write(&path, &generated).unwrap();
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "src/config/schema_table.rs is stale: run `UPDATE_SCHEMA=1 cargo test --test schema`"
    );
    // Every keyword and pattern of the schema is understood, so valid input never
    // compiles the schema (an `unknown` node would still be correct, only slow).
    assert!(ocgen::config::verdict::NODES.iter().all(|n| !n.unknown), "{generated}");
    for p in ocgen::config::verdict::PATTERNS {
        assert!(
            ocgen::config::pattern::Pattern::new(p).is_some(),
            "pattern outside the subset: {p}"
        );
    }
}

#[test]
fn schema_rejects_what_ocgen_rejects() {
    // The published schema is what PR review checks against: it must refuse
    // unknown keys, bad enums and literal secrets on its own.
    let schema = ocgen::config::json_schema();
    let v = jsonschema::validator_for(&schema).unwrap();
    let ok = serde_json::json!({"profile": "serve", "openclaw": {"version": "2026.9.6"}});
    assert!(v.is_valid(&ok));
    for bad in [
        serde_json::json!({"profile": "serve", "openclaw": {"version": "2026.9.6"}, "extra": 1}),
        serde_json::json!({"profile": "lan", "openclaw": {"version": "2026.9.6"}}),
        serde_json::json!({"profile": "serve", "openclaw": {"version": "2026.9.6"}, "gateway": {"token": "literal"}}),
        serde_json::json!({"profile": "serve", "openclaw": {"version": "2026.9.6"}, "tailscale": {"auth_key": "tskey-auth-x"}}),
        serde_json::json!({"profile": "serve", "openclaw": {"version": "2026.9.6"}, "gateway": {"port": 0}}),
        serde_json::json!({"profile": "serve"}),
    ] {
        assert!(!v.is_valid(&bad), "schema accepted {bad}");
    }
}

#[test]
fn readme_reference_is_current() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md");
    let readme = std::fs::read_to_string(&path).unwrap();
    let begin = readme.find(ocgen::docs::BEGIN).expect("README has the BEGIN marker");
    let end = readme.find(ocgen::docs::END).expect("README has the END marker") + ocgen::docs::END.len() + 1;
    let generated = ocgen::docs::reference_markdown();
    if std::env::var_os("UPDATE_SCHEMA").is_some() {
        let updated = format!("{}{}{}", &readme[..begin], generated, &readme[end..]);
        std::fs::write(&path, updated).unwrap();
        return;
    }
    assert!(
        readme[begin..end] == generated,
        "README.md's deploy.toml reference is stale: run `UPDATE_SCHEMA=1 cargo test --test schema`"
    );
}

#[test]
fn example_rendering_is_current() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(root.join("examples/deploy.toml")).unwrap();
    let src = ocgen::diagnostic::Source::new("examples/deploy.toml", text);
    let model = ocgen::load_model(&src, &Default::default()).unwrap();
    let stale = ocgen::output::compare(&root.join("examples/rendered"), &ocgen::render_files(&model));
    assert!(
        stale.is_empty(),
        "examples/rendered is stale: run `ocgen render -c examples/deploy.toml -o examples/rendered`"
    );
}

#[test]
fn test_tool_installer_matches_the_release_table() {
    // scripts/install-test-tools.sh installs the Node and OpenClaw releases the
    // real-gateway tests run; they must be the ones ocgen renders for.
    let script =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/install-test-tools.sh")).unwrap();
    let ci = ocgen::versions::ci_releases();
    for r in ocgen::versions::releases().iter().filter(|r| ci.contains(&r.version)) {
        let node = format!("[{}]=\"{}\"", r.node_major, r.node);
        assert!(
            script.contains(&node),
            "install-test-tools.sh lacks Node {node} for OpenClaw {}",
            r.version
        );
        let line = script
            .lines()
            .find(|l| l.starts_with("OPENCLAW_VERSIONS=("))
            .expect("OPENCLAW_VERSIONS line");
        assert!(
            line.contains(&r.version),
            "install-test-tools.sh does not install OpenClaw {}",
            r.version
        );
        let mapping = format!("[{}]={}", r.version, r.node_major);
        assert!(script.contains(&mapping), "install-test-tools.sh lacks {mapping}");
        assert!(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join(format!("schema/openclaw/{}.json", r.version))
                .exists(),
            "schema/openclaw/{}.json is missing: run scripts/export-openclaw-schemas.sh",
            r.version
        );
    }
}

#[test]
fn every_diagnostic_code_is_in_the_readme() {
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    for c in ocgen::lint::CODES {
        let row = readme.lines().find(|l| l.starts_with(&format!("| {} |", c.code)));
        let row = row.unwrap_or_else(|| panic!("README's code table lacks {}", c.code));
        assert!(
            row.contains(c.severity.as_str()),
            "README gives {} the wrong severity: {row}",
            c.code
        );
    }
}
