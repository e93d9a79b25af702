//! Snapshots of the four rendered files for every profile × known OpenClaw
//! release, and for each fixture under tests/fixtures/.

use ocgen::config::ProfileName;
use ocgen::diagnostic::Source;
use ocgen::model::LoadOptions;

fn render(text: &str) -> Vec<ocgen::render::RenderedFile> {
    let src = Source::new("deploy.toml", text);
    let model = ocgen::load_model(&src, &LoadOptions::default()).unwrap_or_else(|d| panic!("{d:#?}"));
    ocgen::render_files(&model)
}

fn snapshot_all(name: &str, text: &str) {
    let files = render(text);
    assert_eq!(files.len(), 4);
    for f in files {
        insta::assert_snapshot!(format!("{name}__{}", f.name), f.contents);
    }
}

#[test]
fn every_profile_and_release() {
    for profile in ProfileName::ALL.map(ProfileName::as_str) {
        // The seed's release and the newest: every rule of the table changes
        // between them; every listed release renders, range by range, in
        // tests/cli.rs (every_listed_release_renders_with_its_range_rules).
        for version in ["2026.2.19", "2026.9.6"] {
            let text = format!("profile = \"{profile}\"\n[openclaw]\nversion = \"{version}\"\n");
            snapshot_all(&format!("{profile}-{version}"), &text);
        }
    }
}

#[test]
fn fixtures() {
    insta::glob!("fixtures/*.toml", |path| {
        let text = std::fs::read_to_string(path).unwrap();
        let stem = path.file_stem().unwrap().to_str().unwrap();
        snapshot_all(stem, &text);
    });
}

#[test]
fn rendering_is_deterministic() {
    for profile in ProfileName::ALL.map(ProfileName::as_str) {
        let text = format!("profile = \"{profile}\"\n[openclaw]\nversion = \"2026.9.6\"\n");
        assert_eq!(render(&text), render(&text));
    }
}

#[test]
fn secrets_only_appear_as_references() {
    for profile in ProfileName::ALL.map(ProfileName::as_str) {
        let text = format!("profile = \"{profile}\"\n[openclaw]\nversion = \"2026.9.6\"\n");
        for f in render(&text) {
            for line in f.contents.lines() {
                // Any mention of a secret variable is a ${…} reference, an
                // env-file key with an empty value, or shell reading it.
                if line.contains("TS_AUTHKEY=") || line.contains("OPENCLAW_GATEWAY_TOKEN=") {
                    assert!(
                        f.name == "coolify.env" && line.ends_with('='),
                        "{}: secret assignment with a value: {line}",
                        f.name
                    );
                }
            }
        }
    }
}
