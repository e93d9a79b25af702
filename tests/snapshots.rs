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

/// `target = "kubernetes"`: the same image files and the Kustomize base.
fn snapshot_kubernetes(name: &str, text: &str) {
    let files = render(text);
    let names: Vec<_> = files.iter().map(|f| f.name).collect();
    assert!(
        names.starts_with(&[
            "Dockerfile",
            "bootstrap.sh",
            "kustomization.yaml",
            "deployment.yaml",
            "pvc.yaml"
        ]),
        "{names:?}"
    );
    for f in files {
        insta::assert_snapshot!(format!("k8s-{name}__{}", f.name), f.contents);
    }
}

/// The common part of the Kubernetes snapshots' deploy.toml (domain reads the last three keys).
pub const KUBERNETES: &str = "[kubernetes]\nimage = \"registry.example.com/openclaw:1\"\nstorage_class = \"standard\"\ndomain = \"openclaw.example.com\"\ntrusted_proxies = [\"10.244.0.0/16\"]\n";

#[test]
fn every_profile_and_release_on_kubernetes() {
    for profile in ProfileName::ALL.map(ProfileName::as_str) {
        for version in ["2026.2.19", "2026.9.6"] {
            let text = format!(
                "profile = \"{profile}\"\ntarget = \"kubernetes\"\n[openclaw]\nversion = \"{version}\"\n{KUBERNETES}"
            );
            snapshot_kubernetes(&format!("{profile}-{version}"), &text);
        }
    }
}

#[test]
fn kubernetes_fixtures() {
    insta::glob!("fixtures/kubernetes/*.toml", |path| {
        let text = std::fs::read_to_string(path).unwrap();
        let stem = path.file_stem().unwrap().to_str().unwrap();
        snapshot_kubernetes(stem, &text);
    });
}

/// The Kubernetes target renders the Coolify target's Dockerfile byte for byte, and its
/// bootstrap.sh differs only by the unprivileged start.
#[test]
fn kubernetes_reuses_the_coolify_image() {
    for profile in ProfileName::ALL.map(ProfileName::as_str) {
        let coolify = format!("profile = \"{profile}\"\n[openclaw]\nversion = \"2026.9.6\"\n{KUBERNETES}");
        let k8s = coolify.replacen('\n', "\ntarget = \"kubernetes\"\n", 1);
        let (c, k) = (render(&coolify), render(&k8s));
        assert_eq!(c[0].name, "Dockerfile");
        assert_eq!(c[0].contents, k[0].contents, "{profile}");
        let (cb, kb) = (&c[2].contents, &k[1].contents);
        assert!(
            kb.contains("unprivileged=1") && !cb.contains("unprivileged=1"),
            "{profile}"
        );
        for step in cb
            .lines()
            .filter(|l| l.starts_with("#   gateway") || l.starts_with("JQ_PATCH="))
        {
            assert!(kb.contains(step), "{profile}: {step}");
        }
    }
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
