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
fn reference_doc_is_current() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/reference.md");
    let doc = std::fs::read_to_string(&path).unwrap();
    let begin = doc
        .find(ocgen::commands::schema::BEGIN)
        .expect("docs/reference.md has the BEGIN marker");
    let end = doc
        .find(ocgen::commands::schema::END)
        .expect("docs/reference.md has the END marker")
        + ocgen::commands::schema::END.len()
        + 1;
    let generated = ocgen::commands::schema::reference_markdown();
    if std::env::var_os("UPDATE_SCHEMA").is_some() {
        let updated = format!("{}{}{}", &doc[..begin], generated, &doc[end..]);
        std::fs::write(&path, updated).unwrap();
        return;
    }
    assert!(
        doc[begin..end] == generated,
        "docs/reference.md's deploy.toml reference is stale: run `UPDATE_SCHEMA=1 cargo test --test schema`"
    );
}

#[test]
fn releases_doc_is_current() {
    // docs/releases.md is exactly `ocgen versions --format markdown`.
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/releases.md");
    let generated = ocgen::commands::versions::markdown();
    if std::env::var_os("UPDATE_SCHEMA").is_some() {
        std::fs::write(&path, &generated).unwrap();
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "docs/releases.md is stale: run `UPDATE_SCHEMA=1 cargo test --test schema` \
         (or `ocgen versions --format markdown > docs/releases.md`)"
    );
}

#[test]
fn doc_links_resolve() {
    // Every relative link in README.md and docs/*.md names a file or directory that exists.
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = vec![root.join("README.md")];
    for e in std::fs::read_dir(root.join("docs")).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "md") {
            files.push(p);
        }
    }
    let mut broken = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        for (i, _) in text.match_indices("](") {
            let rest = &text[i + 2..];
            let Some(close) = rest.find(')') else { continue };
            let target = rest[..close].split('#').next().unwrap_or_default();
            if target.is_empty() || target.contains("://") || target.starts_with("mailto:") {
                continue;
            }
            if !file.parent().unwrap().join(target).exists() {
                broken.push(format!("{}: {target}", file.strip_prefix(root).unwrap().display()));
            }
        }
    }
    assert!(broken.is_empty(), "broken links:\n{}", broken.join("\n"));
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
    // scripts/install-test-tools.sh installs the CI set of the release table on
    // the Node ocgen picks for each, from the wrapper package of each release.
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let script = std::fs::read_to_string(root.join("scripts/install-test-tools.sh")).unwrap();
    assert!(
        script.contains("print(f\"{v}:{node.split('.')[0]}\")") && script.contains("t[\"ci\"]"),
        "install-test-tools.sh no longer reads the CI set from the table"
    );
    let ci = ocgen::data::versions::ci_releases();
    let mut problems = Vec::new();
    for r in ocgen::data::versions::releases()
        .iter()
        .filter(|r| ci.contains(&r.version))
    {
        let node = format!("[{}]=\"{}\"", r.node_major, r.node);
        if !script.contains(&node) {
            problems.push(format!(
                "install-test-tools.sh lacks Node {node} for OpenClaw {}",
                r.version
            ));
        }
        let dir = root.join("scripts/openclaw-wrapper").join(&r.version);
        let Ok(text) = std::fs::read_to_string(dir.join("package.json")) else {
            problems.push(format!(
                "no {}/package.json: run scripts/measure-release.sh {}",
                dir.display(),
                r.version
            ));
            continue;
        };
        let pkg: serde_json::Value = serde_json::from_str(&text).unwrap();
        if pkg["dependencies"]["openclaw"] != r.version.as_str() {
            problems.push(format!(
                "{}/package.json installs openclaw {}",
                dir.display(),
                pkg["dependencies"]["openclaw"]
            ));
        }
        let overrides: std::collections::BTreeMap<String, String> =
            serde_json::from_value(pkg.get("overrides").cloned().unwrap_or_default()).unwrap_or_default();
        if overrides != r.npm_overrides {
            problems.push(format!(
                "{}/package.json overrides {overrides:?}, the table says {:?}",
                dir.display(),
                r.npm_overrides
            ));
        }
        if !dir.join("package-lock.json").is_file() {
            problems.push(format!("no {}/package-lock.json", dir.display()));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn every_diagnostic_code_is_in_the_reference() {
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/reference.md")).unwrap();
    for c in ocgen::lint::CODES {
        let row = readme.lines().find(|l| l.starts_with(&format!("| {} |", c.code)));
        let row = row.unwrap_or_else(|| panic!("docs/reference.md's code table lacks {}", c.code));
        assert!(
            row.contains(c.severity.as_str()),
            "docs/reference.md gives {} the wrong severity: {row}",
            c.code
        );
    }
}
