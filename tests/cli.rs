//! CLI tests: every command, every exit code, every input error path.

use std::fs;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use predicates::prelude::*;
use tempfile::TempDir;

const OUTPUTS: [&str; 4] = ["Dockerfile", "docker-compose.yaml", "bootstrap.sh", "coolify.env"];

fn ocgen(dir: &Path) -> Command {
    let mut cmd = Command::cargo_bin("ocgen").unwrap();
    cmd.current_dir(dir).env_remove("NO_COLOR");
    cmd
}

fn sandbox(deploy: &str) -> TempDir {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("deploy.toml"), deploy).unwrap();
    dir
}

fn minimal(profile: &str) -> String {
    format!("profile = \"{profile}\"\n\n[openclaw]\nversion = \"2026.9.6\"\n")
}

fn listing(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<_> = fs::read_dir(dir)
        .map(|r| r.map(|e| e.unwrap().path()).collect())
        .unwrap_or_default();
    v.sort();
    v
}

// ---------- general ----------

#[test]
fn help_and_version() {
    let d = tempfile::tempdir().unwrap();
    ocgen(d.path())
        .arg("--help")
        .assert()
        .success()
        .stdout(predicate::str::contains("render").and(predicate::str::contains("Exit codes")));
    ocgen(d.path())
        .arg("--version")
        .assert()
        .success()
        .stdout(predicate::str::contains(env!("CARGO_PKG_VERSION")));
    for sub in [
        "init",
        "render",
        "check",
        "validate",
        "lint",
        "explain",
        "schema",
        "versions",
        "completions",
    ] {
        ocgen(d.path()).args([sub, "--help"]).assert().success();
    }
}

#[test]
fn usage_errors_exit_2() {
    let d = tempfile::tempdir().unwrap();
    ocgen(d.path()).assert().code(2);
    ocgen(d.path()).arg("frobnicate").assert().code(2);
    ocgen(d.path())
        .args(["render", "--profile", "nope"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("lan-patch"));
    ocgen(d.path()).args(["render", "--bogus"]).assert().code(2);
}

// ---------- init ----------

#[test]
fn init_writes_a_starter_that_renders_and_never_overwrites() {
    for profile in ocgen::config::ProfileName::ALL.map(ocgen::config::ProfileName::as_str) {
        let d = tempfile::tempdir().unwrap();
        ocgen(d.path()).args(["init", "--profile", profile]).assert().success();
        let text = fs::read_to_string(d.path().join("deploy.toml")).unwrap();
        assert!(text.contains(&format!("profile = \"{profile}\"")));
        // The starter renders as it is, without errors.
        ocgen(d.path()).args(["render", "-o", "out"]).assert().success();
        assert_eq!(listing(&d.path().join("out")).len(), 4);
        // A second init refuses and leaves the file alone.
        fs::write(d.path().join("deploy.toml"), "# mine\n").unwrap();
        ocgen(d.path())
            .arg("init")
            .assert()
            .code(2)
            .stderr(predicate::str::contains("already exists").and(predicate::str::contains("never overwrites")));
        assert_eq!(fs::read_to_string(d.path().join("deploy.toml")).unwrap(), "# mine\n");
    }
}

#[test]
fn init_to_a_path_and_into_a_missing_directory() {
    let d = tempfile::tempdir().unwrap();
    ocgen(d.path()).args(["init", "custom.toml"]).assert().success();
    assert!(d.path().join("custom.toml").exists());
    ocgen(d.path())
        .args(["init", "no/such/dir/deploy.toml"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("cannot create"));
}

// ---------- render ----------

#[test]
fn render_writes_exactly_four_files_with_modes() {
    let d = sandbox(&minimal("serve"));
    ocgen(d.path()).args(["render", "-o", "out"]).assert().success();
    let out = d.path().join("out");
    let names: Vec<_> = listing(&out)
        .iter()
        .map(|p| p.file_name().unwrap().to_str().unwrap().to_string())
        .collect();
    let mut expected: Vec<_> = OUTPUTS.iter().map(|s| s.to_string()).collect();
    expected.sort();
    assert_eq!(names, expected);
    use std::os::unix::fs::PermissionsExt;
    let mode = |n: &str| fs::metadata(out.join(n)).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode("bootstrap.sh"), 0o755);
    assert_eq!(mode("Dockerfile"), 0o644);
    for name in OUTPUTS {
        let text = fs::read_to_string(out.join(name)).unwrap();
        let head: String = text.lines().take(3).collect::<Vec<_>>().join("\n");
        assert!(
            head.contains("ocgen") && head.contains("profile serve") && head.contains("generated — do not edit"),
            "{name}: {head}"
        );
    }
}

#[test]
fn render_defaults_to_current_directory_and_profile_override() {
    let d = sandbox(&minimal("lan-patch"));
    ocgen(d.path())
        .args(["render", "--profile", "serve", "-q"])
        .assert()
        .success()
        .stderr("");
    let compose = fs::read_to_string(d.path().join("docker-compose.yaml")).unwrap();
    assert!(compose.contains("profile serve"));
    assert!(!compose.contains("ports:"), "serve publishes no port");
}

#[test]
fn render_leaves_unchanged_files_untouched() {
    let d = sandbox(&minimal("sidecar"));
    ocgen(d.path()).args(["render", "-o", "out"]).assert().success();
    let path = d.path().join("out/Dockerfile");
    let before = fs::metadata(&path).unwrap().modified().unwrap();
    std::thread::sleep(std::time::Duration::from_millis(20));
    ocgen(d.path())
        .args(["render", "-o", "out"])
        .assert()
        .success()
        .stderr(predicate::str::contains("unchanged"));
    assert_eq!(fs::metadata(&path).unwrap().modified().unwrap(), before);
    assert_eq!(listing(&d.path().join("out")).len(), 4, "no temp files left behind");
}

#[test]
fn render_exit_code_reports_changes() {
    let d = sandbox(&minimal("serve"));
    ocgen(d.path())
        .args(["render", "-q", "--exit-code"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "regenerated Dockerfile, docker-compose.yaml, bootstrap.sh, coolify.env",
        ));
    ocgen(d.path())
        .args(["render", "-q", "--exit-code"])
        .assert()
        .success()
        .stderr("");
    fs::write(d.path().join("coolify.env"), "edited").unwrap();
    ocgen(d.path())
        .args(["render", "-q", "--exit-code"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("regenerated coolify.env;"));
}

#[test]
fn render_is_byte_for_byte_deterministic_across_directories() {
    let a = sandbox(&minimal("serve"));
    let b = sandbox(&minimal("serve"));
    ocgen(a.path()).arg("render").assert().success();
    ocgen(b.path()).arg("render").assert().success();
    for name in OUTPUTS {
        assert_eq!(
            fs::read(a.path().join(name)).unwrap(),
            fs::read(b.path().join(name)).unwrap(),
            "{name}"
        );
    }
}

/// Each bad input: exit 2, a located error with its code, nothing written.
fn assert_bad_input(deploy: &str, code: &str, location: &str, also: &[&str]) {
    let d = sandbox(deploy);
    let assert = ocgen(d.path()).args(["render", "-o", "out"]).assert().code(2);
    let stderr = String::from_utf8(assert.get_output().stderr.clone()).unwrap();
    assert!(stderr.contains(&format!("error[{code}]")), "want {code}:\n{stderr}");
    assert!(
        stderr.contains(&format!("deploy.toml:{location}")),
        "want location {location}:\n{stderr}"
    );
    for s in also {
        assert!(stderr.contains(s), "want {s:?}:\n{stderr}");
    }
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(!d.path().join("out").exists(), "nothing may be written on bad input");
    // validate reports the same
    ocgen(d.path())
        .arg("validate")
        .assert()
        .code(2)
        .stderr(predicate::str::contains(code));
}

#[test]
fn bad_toml() {
    assert_bad_input(
        "profile = \"serve\"\n[openclaw\nversion = 1\n",
        "OC001",
        "2:",
        &["invalid TOML"],
    );
}

#[test]
fn invalid_utf8() {
    let d = tempfile::tempdir().unwrap();
    fs::write(d.path().join("deploy.toml"), b"profile = \"serve\xff\"\n").unwrap();
    ocgen(d.path())
        .arg("render")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("OC001").and(predicate::str::contains("UTF-8")));
}

#[test]
fn unknown_key() {
    let text = format!("{}\n[gateway]\nprot = 18789\n", minimal("serve"));
    assert_bad_input(&text, "OC002", "7:1", &["unknown key `prot`", "did you mean `port`"]);
    let text = format!("{}\nfoo = 1\n", minimal("serve"));
    assert_bad_input(&text, "OC002", "6:1", &["unknown key `foo` in [openclaw]"]);
}

#[test]
fn wrong_type_and_bad_values() {
    let text = format!("{}\n[gateway]\nport = \"18789\"\n", minimal("serve"));
    assert_bad_input(&text, "OC003", "7:8", &["expected integer, found string"]);
    let text = format!("{}\n[gateway]\nport = 70000\n", minimal("serve"));
    assert_bad_input(&text, "OC003", "7:8", &["too large"]);
    assert_bad_input(
        "profile = \"lan\"\n[openclaw]\nversion = \"2026.9.6\"\n",
        "OC003",
        "1:11",
        &["\"lan-patch\", \"sidecar\", \"serve\""],
    );
    assert_bad_input(
        "profile = \"serve\"\n",
        "OC003",
        "",
        &["missing required key `openclaw`"],
    );
    let text = format!("{}\n[gateway]\npublish_address = \"lan\"\n", minimal("lan-patch"));
    assert_bad_input(&text, "OC003", "7:19", &["not an IP address"]);
    let text = format!("{}\n[tailscale]\nhostname = \"Bad_Host\"\n", minimal("serve"));
    assert_bad_input(&text, "OC003", "7:12", &["`tailscale.hostname`"]);
}

#[test]
fn literal_secrets_are_refused_and_not_echoed() {
    let text = format!("{}\n[gateway]\ntoken = \"s3cr3t-gateway-token\"\n", minimal("serve"));
    assert_bad_input(&text, "OC004", "7:9", &["literal secret"]);
    let text = format!("{}\n[tailscale]\nauth_key = \"tskey-auth-kXYZ\"\n", minimal("serve"));
    assert_bad_input(&text, "OC004", "7:12", &["TS_AUTHKEY"]);
    let d = sandbox(&format!(
        "{}\n[tailscale]\nauth_key = \"tskey-auth-kXYZ\"\n",
        minimal("serve")
    ));
    for args in [vec!["render"], vec!["validate", "--format", "json"]] {
        let out = ocgen(d.path()).args(&args).output().unwrap();
        let all = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        // The line of source shown may contain the key; the snippet is the
        // user's own file. The message and hint must not repeat it.
        let without_snippet: String = all.lines().filter(|l| !l.contains(" | ")).collect();
        assert!(!without_snippet.contains("kXYZ") || args[0] == "render", "{all}");
    }
}

#[test]
fn unknown_openclaw_version_and_override() {
    // 2026.5.1 was never published: between two listed releases it is unknown like a newer one.
    let text = "profile = \"serve\"\n[openclaw]\nversion = \"2026.5.1\"\n";
    assert_bad_input(
        text,
        "OC005",
        "3:11",
        &["2026.1.29 … 2026.9.6", "--allow-unknown-version"],
    );
    let d = sandbox(text);
    ocgen(d.path())
        .args(["render", "--allow-unknown-version"])
        .assert()
        .success()
        .stderr(predicate::str::contains("warning[OC005]").and(predicate::str::contains("rules of 2026.4.29")));
    let compose = fs::read_to_string(d.path().join("Dockerfile")).unwrap();
    assert!(
        compose.contains("\"openclaw\":\"2026.5.1\""),
        "pins the requested version"
    );
    // Newer than every listed release: the same, with the newest release's rules.
    let d = sandbox("profile = \"serve\"\n[openclaw]\nversion = \"2026.10.1\"\n");
    ocgen(d.path())
        .arg("render")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("OC005"));
    ocgen(d.path())
        .args(["render", "--allow-unknown-version"])
        .assert()
        .success()
        .stderr(predicate::str::contains("rules of 2026.9.6"));
}

/// Every stable release from 2026.1.29 to 2026.9.6 renders without --allow-unknown-version,
/// each with its range's rules, a Node inside its `engines.node` and its own npm overrides.
#[test]
fn every_listed_release_renders_with_its_range_rules() {
    // (release, Node, lan workaround, serve trusts loopback, ocgen lists the origins)
    for (version, node, lan_fix, trusted_proxies, origins) in [
        ("2026.1.29", "22.23.3", false, false, false),
        ("2026.2.3", "22.23.3", false, false, false),
        ("2026.2.9", "22.23.3", true, false, false),
        ("2026.2.19", "22.23.3", true, false, false),
        ("2026.2.21", "22.23.3", false, false, false),
        ("2026.2.22", "22.23.3", false, false, false),
        ("2026.2.23", "22.23.3", false, false, true),
        ("2026.5.12", "22.23.3", false, false, true),
        ("2026.5.18", "22.23.3", false, false, false),
        ("2026.5.28", "22.23.3", false, false, false),
        ("2026.7.35", "22.23.3", false, false, false),
        ("2026.8.1", "22.23.3", false, true, false),
        ("2026.9.2", "22.23.3", false, true, false),
        ("2026.9.3", "24.21.0", false, true, false),
    ] {
        for profile in ["lan-patch", "serve"] {
            let d = sandbox(&format!(
                "profile = \"{profile}\"\n[openclaw]\nversion = \"{version}\"\n"
            ));
            ocgen(d.path()).arg("render").assert().success();
            let dockerfile = fs::read_to_string(d.path().join("Dockerfile")).unwrap();
            assert!(
                dockerfile.contains(&format!("node:{node}-bookworm-slim")),
                "{version}: {dockerfile}"
            );
            let bootstrap = fs::read_to_string(d.path().join("bootstrap.sh")).unwrap();
            let listed = if profile == "lan-patch" {
                "| .gateway.controlUi.allowedOrigins = [\"http://localhost:18789\",\"http://127.0.0.1:18789\"]"
            } else {
                "| .gateway.controlUi.allowedOrigins = ($ENV.OPENCLAW_TAILNET_ORIGIN | split(\",\"))"
            };
            assert_eq!(
                bootstrap.contains(listed),
                origins,
                "{version} {profile} origins\n{bootstrap}"
            );
            if profile == "lan-patch" {
                assert_eq!(
                    bootstrap.contains("| .gateway.mode = \"remote\""),
                    lan_fix,
                    "{version} lan fix\n{bootstrap}"
                );
            } else {
                assert_eq!(
                    bootstrap.contains("| .gateway.trustedProxies = ["),
                    trusted_proxies,
                    "{version}\n{bootstrap}"
                );
            }
        }
    }
    let out = ocgen(tempfile::tempdir().unwrap().path())
        .args(["versions", "--format", "json"])
        .output()
        .unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut listed = 0;
    let mut with_libsignal = Vec::new();
    for range in doc["ranges"].as_array().unwrap() {
        for r in range["releases"].as_array().unwrap() {
            listed += 1;
            let version = r["version"].as_str().unwrap();
            let d = sandbox(&format!("profile = \"sidecar\"\n[openclaw]\nversion = \"{version}\"\n"));
            ocgen(d.path())
                .arg("render")
                .assert()
                .success()
                .stderr(predicate::str::contains("OC005").not());
            // The image's package.json carries exactly the release's npm overrides.
            let dockerfile = fs::read_to_string(d.path().join("Dockerfile")).unwrap();
            let overrides = r["npm_overrides"].as_object().unwrap();
            let expected = if overrides.is_empty() {
                String::new()
            } else {
                format!(",\"overrides\":{}", r["npm_overrides"])
            };
            assert!(
                dockerfile.contains(&format!("\"dependencies\":{{\"openclaw\":\"{version}\"}}{expected}}}")),
                "{version}: {dockerfile}"
            );
            if overrides.contains_key("libsignal") {
                with_libsignal.push(version.to_string());
            }
        }
    }
    assert_eq!(listed, 82);
    // `npm view openclaw@X dependencies` has @whiskeysockets/baileys (libsignal from
    // git) up to 2026.3.13 and again in 2026.4.14 and 2026.4.15.
    assert_eq!(with_libsignal.len(), 23, "{with_libsignal:?}");
    assert_eq!(with_libsignal[20..], ["2026.3.13", "2026.4.14", "2026.4.15"]);
}

#[test]
fn latest_image_is_refused() {
    let text = format!("{}\n[tailscale]\ntag = \"latest\"\n", minimal("serve"));
    assert_bad_input(&text, "OC006", "7:7", &["latest"]);
    let text = format!("{}\n[image]\nbase = \"debian\"\n", minimal("serve"));
    assert_bad_input(&text, "OC006", "7:8", &["untagged"]);
}

#[test]
fn profile_owned_config_keys_are_refused() {
    let text =
        "profile = \"serve\"\n[openclaw]\nversion = \"2026.9.6\"\n[openclaw.config]\n\"gateway.bind\" = \"lan\"\n";
    assert_bad_input(text, "OC007", "5:1", &["owned by the profile"]);
}

#[test]
fn serve_owns_trusted_proxies() {
    // Which proxies serve trusts depends on the release (loopback for Tailscale
    // Serve on 2026.9.6; none on 2026.2.19, where it would break sub-agents).
    for version in ["2026.2.19", "2026.9.6"] {
        let text = format!(
            "profile = \"serve\"\n[openclaw]\nversion = \"{version}\"\n[openclaw.config]\n\"gateway.trustedProxies\" = [\"0.0.0.0/0\"]\n"
        );
        assert_bad_input(&text, "OC007", "5:1", &["owned by the profile"]);
    }
}

#[test]
fn missing_config_file() {
    let d = tempfile::tempdir().unwrap();
    ocgen(d.path())
        .arg("render")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("cannot read deploy.toml").and(predicate::str::contains("ocgen init")));
    ocgen(d.path())
        .args(["validate", "-c", "nope.toml", "--format", "json"])
        .assert()
        .code(2)
        .stdout(predicate::str::contains("\"ok\": false"));
}

#[test]
fn unwritable_output_leaves_nothing_half_written() {
    // A file where the output directory should be.
    let d = sandbox(&minimal("serve"));
    fs::write(d.path().join("out"), "not a dir").unwrap();
    ocgen(d.path())
        .args(["render", "-o", "out"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("cannot write"));
    assert_eq!(fs::read_to_string(d.path().join("out")).unwrap(), "not a dir");

    // A directory where docker-compose.yaml should be: Dockerfile (before it)
    // must not be written either, and no temp files may remain.
    let d = sandbox(&minimal("serve"));
    fs::create_dir_all(d.path().join("out/docker-compose.yaml")).unwrap();
    fs::write(d.path().join("out/Dockerfile"), "old").unwrap();
    ocgen(d.path())
        .args(["render", "-o", "out"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("docker-compose.yaml"));
    assert_eq!(fs::read_to_string(d.path().join("out/Dockerfile")).unwrap(), "old");
    assert_eq!(
        listing(&d.path().join("out")).len(),
        2,
        "{:?}",
        listing(&d.path().join("out"))
    );
}

#[test]
fn lint_errors_block_render_and_warnings_only_with_deny() {
    let text = format!("{}\n[gateway]\nbind = \"lan\"\n", minimal("serve"));
    let d = sandbox(&text);
    ocgen(d.path()).args(["render", "-o", "out"]).assert().code(1).stderr(
        predicate::str::contains("error[OC101]")
            .and(predicate::str::contains("deploy.toml:7:8"))
            .and(predicate::str::contains("nothing written")),
    );
    assert!(!d.path().join("out").exists());

    // lan-patch on 0.0.0.0 (the default) warns but renders...
    let d = sandbox(&minimal("lan-patch"));
    ocgen(d.path())
        .args(["render", "-o", "out"])
        .assert()
        .success()
        .stderr(predicate::str::contains("warning[OC111]"));
    // ...unless warnings are denied.
    let d = sandbox(&minimal("lan-patch"));
    ocgen(d.path())
        .args(["render", "-o", "out", "--deny-warnings"])
        .assert()
        .code(1);
    assert!(!d.path().join("out").exists());
}

#[test]
fn no_color_when_not_a_terminal_or_no_color_set() {
    let d = sandbox(&format!("{}\n[gateway]\nprot = 1\n", minimal("serve")));
    for no_color in [false, true] {
        let mut cmd = ocgen(d.path());
        if no_color {
            cmd.env("NO_COLOR", "1");
        }
        let out = cmd.arg("validate").output().unwrap();
        assert!(!String::from_utf8_lossy(&out.stderr).contains('\u{1b}'));
    }
}

// ---------- check ----------

#[test]
fn check_reports_stale_and_missing_files_with_a_diff_and_the_fix() {
    let d = sandbox(&minimal("sidecar"));
    ocgen(d.path())
        .args(["check", "-o", "out"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("missing"));
    assert!(!d.path().join("out").exists(), "check never writes");
    ocgen(d.path()).args(["render", "-o", "out"]).assert().success();
    ocgen(d.path()).args(["check", "-o", "out"]).assert().success();

    let compose = d.path().join("out/docker-compose.yaml");
    let edited = fs::read_to_string(&compose)
        .unwrap()
        .replace("restart: unless-stopped", "restart: always");
    fs::write(&compose, &edited).unwrap();
    ocgen(d.path())
        .args(["check", "-o", "out"])
        .assert()
        .code(1)
        .stdout(
            predicate::str::contains("-    restart: always")
                .and(predicate::str::contains("+    restart: unless-stopped")),
        )
        .stderr(
            predicate::str::contains("docker-compose.yaml (modified)")
                .and(predicate::str::contains("ocgen render -o out")),
        );
    assert_eq!(fs::read_to_string(&compose).unwrap(), edited, "check never writes");

    // JSON for PR review.
    let out = ocgen(d.path())
        .args(["check", "-o", "out", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["ok"], false);
    assert_eq!(doc["stale"][0]["file"], "docker-compose.yaml");
    assert_eq!(doc["stale"][0]["reason"], "modified");
    assert!(
        doc["stale"][0]["diff"]
            .as_str()
            .unwrap()
            .contains("+    restart: unless-stopped")
    );
}

#[test]
fn check_fix_command_repeats_the_inputs() {
    let d = tempfile::tempdir().unwrap();
    fs::write(d.path().join("my deploy.toml"), minimal("serve")).unwrap();
    ocgen(d.path())
        .args(["check", "-c", "my deploy.toml", "--profile", "sidecar"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "ocgen render -c 'my deploy.toml' --profile sidecar",
        ));
}

// ---------- validate / lint / explain / schema / versions / completions ----------

#[test]
fn validate_checks_the_written_openclaw_json_against_the_release_schema() {
    let d = sandbox(
        "profile = \"serve\"\n[openclaw]\nversion = \"2026.9.6\"\n[openclaw.config]\n\"agents.defaults.modle\" = \"x\"\n",
    );
    // deploy.toml is valid input; what it makes OpenClaw read is a finding: exit 1.
    ocgen(d.path()).arg("validate").assert().code(1).stderr(
        predicate::str::contains("error[OC008]")
            .and(predicate::str::contains("modle"))
            .and(predicate::str::contains("deploy.toml:5:1")),
    );
    let d = sandbox(
        "profile = \"serve\"\n[openclaw]\nversion = \"2026.9.6\"\n[openclaw.config]\n\"agents.defaults.workspace\" = \"/data/work\"\n",
    );
    ocgen(d.path())
        .arg("validate")
        .assert()
        .success()
        .stderr(predicate::str::contains("passes OpenClaw 2026.9.6's schema"));
}

#[test]
fn validate_ok_and_json_diagnostics() {
    let d = sandbox(&minimal("serve"));
    ocgen(d.path())
        .arg("validate")
        .assert()
        .success()
        .stderr(predicate::str::contains("valid (profile serve"));
    ocgen(d.path())
        .args(["validate", "--format", "json"])
        .assert()
        .success()
        .stdout(predicate::str::contains("\"ok\": true"));

    let d = sandbox(&format!("{}\n[gateway]\nprot = 1\n", minimal("serve")));
    let out = ocgen(d.path()).args(["validate", "--format", "json"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let diag = &doc["diagnostics"][0];
    assert_eq!(diag["code"], "OC002");
    assert_eq!(diag["severity"], "error");
    assert_eq!(diag["file"], "deploy.toml");
    assert_eq!(diag["line"], 7);
    assert_eq!(diag["column"], 1);
    assert!(diag["hint"].as_str().unwrap().contains("port"));
    assert!(diag["message"].as_str().unwrap().contains("prot"));
}

/// deploy.toml additions → the lint code they must raise (and nothing else
/// at error level for the matching clean input).
const RULE_CASES: &[(&str, &str, &str)] = &[
    ("serve", "[gateway]\nbind = \"lan\"\n", "OC101"),
    (
        "lan-patch",
        "[gateway]\nbind = \"tailnet\"\npublish_address = \"10.0.0.2\"\n",
        "OC102",
    ),
    (
        "lan-patch",
        "[gateway]\nbind = \"custom\"\npublish_address = \"10.0.0.2\"\n",
        "OC103",
    ),
    (
        "sidecar",
        "[gateway]\npublish_address = \"10.0.0.2\"\n[tailscale]\ntag = \"stable\"\n",
        "OC104",
    ),
    (
        "sidecar",
        "[gateway]\npublish_address = \"10.0.0.2\"\n[coolify]\nnetwork_internal = true\n",
        "OC105",
    ),
    ("serve", "[tailscale]\nnetworking = \"kernel\"\n", "OC106"),
    ("serve", "[tailscale]\nstate = \"ephemeral\"\n", "OC107"),
    ("serve", "[gateway]\npublish_address = \"0.0.0.0\"\n", "OC108"),
    (
        "serve",
        "[openclaw.config]\n\"commands.useAccessGroups\" = false\n",
        "OC109",
    ),
    (
        "serve",
        "[tailscale]\nauth_key = \"\"\nstate = \"ephemeral\"\n",
        "OC110",
    ),
    ("lan-patch", "", "OC111"),
    (
        "lan-patch",
        "[gateway]\nbind = \"loopback\"\npublish_address = \"10.0.0.2\"\n",
        "OC112",
    ),
    ("domain", "[coolify]\nlabels = \"traefik\"\n", "OC113"),
    (
        "lan-patch",
        "[gateway]\npublish_address = \"10.0.0.2\"\n[coolify]\ndomain = \"openclaw.example.com\"\n",
        "OC114",
    ),
    (
        "domain",
        "[coolify]\ndomain = \"http://openclaw.example.com\"\n",
        "OC115",
    ),
    ("domain", "[gateway]\npublish_address = \"0.0.0.0\"\n", "OC108"),
    ("sidecar", "[tailscale]\nnetworking = \"userspace\"\n", "OC116"),
    ("lan-patch", "[gateway]\npublish_address = \"10.0.0.2\"\n", "OC120"),
    ("sidecar", "[gateway]\npublish_address = \"10.0.0.2\"\n", "OC120"),
    ("serve", "[gateway]\ntls = \"self-signed\"\n", "OC121"),
    ("domain", "[coolify]\ndocker_engine = 24\n", "OC124"),
];

#[test]
fn every_lint_rule_fires_and_stays_quiet_on_clean_input() {
    for (profile, extra, code) in RULE_CASES {
        let d = sandbox(&format!("{}\n{extra}", minimal(profile)));
        let out = ocgen(d.path()).args(["lint", "--format", "json"]).output().unwrap();
        let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let diags = doc["diagnostics"].as_array().unwrap();
        let hit = diags
            .iter()
            .find(|d| d["code"] == *code)
            .unwrap_or_else(|| panic!("{code} did not fire for {extra:?}: {doc}"));
        assert!(hit["line"].as_u64().is_some(), "{code} has a location");
        let expect_exit = if hit["severity"] == "error" { 1 } else { 0 };
        assert_eq!(out.status.code(), Some(expect_exit), "{code}: {doc}");
    }
    // Clean inputs: nothing fires (lan profiles on a LAN address, with
    // TLS or plain http chosen explicitly).
    for (profile, extra) in [
        (
            "lan-patch",
            "[gateway]\npublish_address = \"192.168.1.100\"\ntls = \"self-signed\"\n",
        ),
        (
            "sidecar",
            "[gateway]\npublish_address = \"192.168.1.100\"\ntls = \"off\"\n[tailscale]\nnetworking = \"kernel\"\n",
        ),
        // The sidecar's default networking is kernel: tailnet peers are not local.
        (
            "sidecar",
            "[gateway]\npublish_address = \"192.168.1.100\"\ntls = \"off\"\n",
        ),
        ("serve", ""),
        ("serve", "[gateway]\ntls = \"off\"\n"),
        ("domain", ""),
        (
            "domain",
            "[coolify]\ndomain = \"https://openclaw.example.com\"\nlabels = \"traefik\"\n",
        ),
        (
            "domain",
            "[coolify]\ndomain = \"openclaw.example.com\"\ntrusted_proxies = [\"10.0.1.0/24\"]\n",
        ),
    ] {
        let d = sandbox(&format!("{}\n{extra}", minimal(profile)));
        ocgen(d.path())
            .args(["lint", "--deny-warnings", "--format", "json"])
            .assert()
            .success()
            .stdout(predicate::str::contains("\"diagnostics\": []"));
    }
}

/// OC122 and OC123 follow the pinned release's origin check: a LAN profile on
/// every address warns only where the release admits only listed origins;
/// the releases without any origin check warn whatever the profile.
#[test]
fn origin_lints_follow_the_release() {
    for (version, address, codes) in [
        ("2026.2.23", "0.0.0.0", &["OC111", "OC122"][..]),
        ("2026.2.23", "192.168.1.100", &[][..]),
        ("2026.5.12", "0.0.0.0", &["OC111", "OC122"][..]),
        ("2026.5.18", "0.0.0.0", &["OC111"][..]),
        ("2026.2.22", "0.0.0.0", &["OC111"][..]),
        ("2026.2.1", "192.168.1.100", &["OC123"][..]),
    ] {
        let d = sandbox(&format!(
            "profile = \"lan-patch\"\n[openclaw]\nversion = \"{version}\"\n[gateway]\ntoken = \"${{T}}\"\ntls = \"off\"\npublish_address = \"{address}\"\n"
        ));
        let out = ocgen(d.path()).args(["lint", "--format", "json"]).output().unwrap();
        let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let got: Vec<&str> = doc["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["code"].as_str().unwrap())
            .collect();
        assert_eq!(got, codes, "{version} on {address}: {doc}");
    }
}

#[test]
fn lint_on_2026_2_custom_bind_is_a_crash_and_human_output_counts() {
    let text = "profile = \"lan-patch\"\n[openclaw]\nversion = \"2026.2.19\"\n[gateway]\nbind = \"custom\"\npublish_address = \"10.0.0.2\"\ntls = \"off\"\n";
    let d = sandbox(text);
    ocgen(d.path()).arg("lint").assert().code(1).stderr(
        predicate::str::contains("crashes OpenClaw 2026.2.19")
            .and(predicate::str::contains("1 error(s), 0 warning(s)")),
    );
}

/// OC120: a LAN profile without `[gateway] tls` warns (with --deny-warnings
/// it fails) where LAN browsers are refused; `ocgen explain` says why and
/// what to write; `tls = "self-signed"` or `"off"` written out ends it.
#[test]
fn lan_profile_without_tls_warns_that_the_lan_session_is_in_clear() {
    let text = format!(
        "{}\n[gateway]\npublish_address = \"192.168.1.100\"\n",
        minimal("lan-patch")
    );
    let d = sandbox(&text);
    ocgen(d.path())
        .args(["lint", "--deny-warnings"])
        .assert()
        .code(1)
        .stderr(
            predicate::str::contains("warning[OC120]")
                .and(predicate::str::contains("the token crosses the LAN in clear"))
                .and(predicate::str::contains("deploy.toml:1:11"))
                .and(predicate::str::contains("`ocgen explain OC120`")),
        );
    ocgen(d.path()).args(["explain", "OC120"]).assert().success().stdout(
        predicate::str::contains("no secure context")
            .and(predicate::str::contains("tls = \"self-signed\""))
            .and(predicate::str::contains("https://<LAN IP>:<port>/"))
            .and(predicate::str::contains("openclaw devices approve")),
    );
    for tls in ["self-signed", "off"] {
        let d = sandbox(&format!("{text}tls = \"{tls}\"\n"));
        ocgen(d.path()).args(["lint", "--deny-warnings"]).assert().success();
    }
}

/// OC121: serve with TLS is refused and nothing is written; with TLS on,
/// `[openclaw.config]` may not set `gateway.tls.*` (OC007), with it off it may.
#[test]
fn tls_is_refused_in_serve_and_owns_gateway_tls() {
    let d = sandbox(&format!("{}\n[gateway]\ntls = \"self-signed\"\n", minimal("serve")));
    ocgen(d.path())
        .args(["render", "-o", "out"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("error[OC121]").and(predicate::str::contains("deploy.toml:7:7")));
    assert!(!d.path().join("out/bootstrap.sh").exists(), "nothing written");

    let own = "[openclaw.config]\n\"gateway.tls.certPath\" = \"/data/mine.pem\"\n";
    let on = format!(
        "{}\n[gateway]\npublish_address = \"10.0.0.2\"\ntls = \"self-signed\"\n{own}",
        minimal("lan-patch")
    );
    ocgen(sandbox(&on).path())
        .arg("validate")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("error[OC007]").and(predicate::str::contains("gateway.tls.certPath")));
    let off = format!(
        "{}\n[gateway]\npublish_address = \"10.0.0.2\"\ntls = \"off\"\n{own}",
        minimal("lan-patch")
    );
    ocgen(sandbox(&off).path()).arg("validate").assert().success();
}

#[test]
fn plan_shows_keys_steps_and_diffs_without_writing() {
    let d = sandbox("profile = \"lan-patch\"\n[openclaw]\nversion = \"2026.2.19\"\n");
    ocgen(d.path())
        .args(["plan", "--to", "serve"])
        .assert()
        .success()
        .stdout(
            predicate::str::contains("Moving lan-patch → serve")
                .and(predicate::str::contains("~ gateway.bind: \"lan\" → \"loopback\""))
                .and(predicate::str::contains(
                    "- gateway.remote.token (was ${OPENCLAW_GATEWAY_TOKEN})",
                ))
                .and(predicate::str::contains("LAN access on the published port ends"))
                .and(predicate::str::contains("+++ serve/docker-compose.yaml")),
        );
    assert_eq!(listing(d.path()).len(), 1, "plan never writes");
    ocgen(d.path())
        .args(["plan", "--to", "lan-patch"])
        .assert()
        .success()
        .stdout(predicate::str::contains("Nothing changes"));
    ocgen(d.path()).args(["plan", "--to", "mars"]).assert().code(2);
    let bad = sandbox("profile = \"lan-patch\"\n");
    ocgen(bad.path())
        .args(["plan", "--to", "serve"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("OC003"));
}

#[test]
fn plan_to_domain_lists_the_operator_steps() {
    let d = sandbox(
        "profile = \"lan-patch\"\n[openclaw]\nversion = \"2026.9.6\"\n[gateway]\npublish_address = \"10.0.0.2\"\n",
    );
    ocgen(d.path())
        .args(["plan", "--to", "domain"])
        .assert()
        .success()
        .stdout(
            predicate::str::contains("Moving lan-patch → domain")
                .and(predicate::str::contains("+ gateway.trustedProxies"))
                .and(predicate::str::contains("+ gateway.controlUi.allowedOrigins"))
                .and(predicate::str::contains("DNS: point an A/AAAA record"))
                .and(predicate::str::contains("enter the domain as https://<domain>"))
                .and(predicate::str::contains("+      SERVICE_FQDN_OPENCLAW_18789"))
                .and(predicate::str::contains("-    ports:")),
        );
}

#[test]
fn domain_owns_the_proxy_keys() {
    let d = sandbox(
        "profile = \"domain\"\n[openclaw]\nversion = \"2026.9.6\"\n[openclaw.config]\n\"gateway.trustedProxies\" = [\"0.0.0.0/0\"]\n",
    );
    ocgen(d.path())
        .arg("validate")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("OC007").and(predicate::str::contains("gateway.trustedProxies")));
}

#[test]
fn explain_codes() {
    let d = tempfile::tempdir().unwrap();
    ocgen(d.path())
        .args(["explain", "OC101"])
        .assert()
        .success()
        .stdout(predicate::str::contains("loopback").and(predicate::str::contains("Fix:")));
    ocgen(d.path())
        .args(["explain", "oc004"])
        .assert()
        .success()
        .stdout(predicate::str::contains("literal-secret"));
    ocgen(d.path())
        .args(["explain", "serve-needs-loopback"])
        .assert()
        .success();
    ocgen(d.path())
        .args(["explain", "OC999"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("unknown code"));
    let list = ocgen(d.path()).arg("explain").output().unwrap();
    let list = String::from_utf8(list.stdout).unwrap();
    for code in ["OC001", "OC007", "OC101", "OC112"] {
        assert!(list.contains(code), "{code} listed");
    }
}

#[test]
fn schema_prints_the_committed_schema() {
    let d = tempfile::tempdir().unwrap();
    let committed =
        fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("schema/deploy.schema.json")).unwrap();
    ocgen(d.path()).arg("schema").assert().success().stdout(committed);
}

#[test]
fn versions_lists_the_release_table() {
    let d = tempfile::tempdir().unwrap();
    ocgen(d.path()).arg("versions").assert().success().stdout(
        predicate::str::contains("covered: 2026.1.29 … 2026.9.6 (82 stable releases)")
            .and(predicate::str::contains("2026.1.29 … 2026.2.1 (3 releases)"))
            .and(predicate::str::contains("2026.2.2 … 2026.2.3 (2 releases)"))
            .and(predicate::str::contains("browser origins    not checked (any Origin)"))
            .and(predicate::str::contains(
                "browser origins    only gateway.controlUi.allowedOrigins (ocgen lists them)",
            ))
            .and(predicate::str::contains("2026.8.1 … 2026.9.6"))
            .and(predicate::str::contains(
                "node 24.21.0       2026.9.3 2026.9.4 2026.9.5 2026.9.6",
            ))
            .and(predicate::str::contains("commands.useAccessGroups"))
            .and(predicate::str::contains("2026.3.11 2026.3.13 2026.4.14 2026.4.15\n")),
    );
    let out = ocgen(d.path()).args(["versions", "--format", "json"]).output().unwrap();
    assert!(out.status.success());
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["covered"]["from"], "2026.1.29");
    assert_eq!(doc["covered"]["to"], "2026.9.6");
    let last = doc["ranges"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["from"], "2026.8.1");
    assert_eq!(last["proxy_attribution_required"], true);
    assert!(last["measured"].as_str().unwrap().contains("2026.7.35"));
    // npm overrides are per release, not per range.
    assert!(last.get("npm_overrides").is_none());
    let release = |v: &str| {
        doc["ranges"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|r| r["releases"].as_array().unwrap())
            .find(|r| r["version"] == v)
            .unwrap()
            .clone()
    };
    assert_eq!(
        release("2026.4.14")["npm_overrides"],
        serde_json::json!({ "libsignal": "2.0.1" })
    );
    assert_eq!(release("2026.4.12")["npm_overrides"], serde_json::json!({}));
}

#[test]
fn versions_as_markdown() {
    // docs/releases.md is this output (tests/schema.rs keeps the file current).
    let d = tempfile::tempdir().unwrap();
    let out = ocgen(d.path())
        .args(["versions", "--format", "markdown"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let md = String::from_utf8(out.stdout).unwrap();
    assert!(md.starts_with("# Supported OpenClaw releases\n"), "{md}");
    assert!(md.contains("**2026.1.29 … 2026.9.6** (82 releases)"));
    assert!(md.contains("| 2026.2.9 … 2026.2.19 (4) | mode=remote workaround |"));
    assert!(md.contains("### 2026.8.1 … 2026.9.6\n\n**measured:** "));
    assert!(md.contains("| 2026.4.14 | 2026.2.23 | `>=22.14.0` | 22.23.3 | libsignal=2.0.1 |"));
    for v in ocgen::data::versions::ci_releases() {
        assert!(md.contains(&format!("| {v} |")), "no row for {v}");
    }
    // the findings' formats stay human|json
    ocgen(d.path()).args(["lint", "--format", "markdown"]).assert().code(2);
}

#[test]
fn completions_for_each_shell() {
    let d = tempfile::tempdir().unwrap();
    for shell in ["bash", "zsh", "fish"] {
        ocgen(d.path())
            .args(["completions", shell])
            .assert()
            .success()
            .stdout(predicate::str::contains("ocgen"));
    }
    ocgen(d.path()).args(["completions", "tcsh"]).assert().code(2);
}

#[test]
fn every_option_in_help_is_described() {
    // clap prints an option with no doc comment as a bare flag line; every
    // option must say what it does.
    let d = tempfile::tempdir().unwrap();
    for sub in [
        "init",
        "render",
        "check",
        "validate",
        "lint",
        "plan",
        "explain",
        "schema",
        "versions",
        "completions",
    ] {
        let out = ocgen(d.path()).args([sub, "-h"]).output().unwrap();
        let help = String::from_utf8(out.stdout).unwrap();
        for line in help.lines().filter(|l| l.trim_start().starts_with('-')) {
            let (flag, rest) = line.trim_start().split_once("  ").unwrap_or((line.trim(), ""));
            assert!(!rest.trim().is_empty(), "`ocgen {sub} -h`: {flag} has no description");
        }
    }
}

#[test]
fn the_binary_is_a_position_independent_executable() {
    // ELF header: e_type (2 bytes, little-endian, at offset 16) is ET_DYN (3) for a
    // PIE, ET_EXEC (2) for a `-no-pie` link, whose image loses ASLR.
    let bin = fs::read(assert_cmd::cargo::cargo_bin("ocgen")).unwrap();
    assert_eq!(&bin[..4], b"\x7fELF");
    assert_eq!(
        u16::from_le_bytes([bin[16], bin[17]]),
        3,
        "ocgen is not linked as a PIE"
    );
}

// ---------- target = "kubernetes" ----------

fn kubernetes(profile: &str, extra: &str) -> String {
    format!(
        "profile = \"{profile}\"\ntarget = \"kubernetes\"\n[openclaw]\nversion = \"2026.9.6\"\n[kubernetes]\nimage = \"registry.example.com/openclaw:1\"\n{extra}"
    )
}

fn lint_json(d: &Path) -> (Option<i32>, Vec<serde_json::Value>) {
    let out = ocgen(d).args(["lint", "--format", "json"]).output().unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    (out.status.code(), doc["diagnostics"].as_array().unwrap().clone())
}

#[test]
fn kubernetes_lint_rules_fire_and_coolify_only_rules_stay_quiet() {
    let with_class = "storage_class = \"standard\"\n";
    for (profile, extra, code, exit) in [
        (
            "lan-patch",
            "storage_class = \"nfs\"\nreplicas = 2\naccess_mode = \"ReadWriteMany\"\n",
            "OC130",
            1,
        ),
        (
            "lan-patch",
            "storage_class = \"nfs\"\naccess_mode = \"ReadWriteMany\"\n",
            "OC131",
            0,
        ),
        ("lan-patch", "", "OC132", 0),
        (
            "domain",
            "storage_class = \"standard\"\ndomain = \"openclaw.example.com\"\n",
            "OC133",
            1,
        ),
    ] {
        let d = sandbox(&kubernetes(profile, extra));
        let (status, diags) = lint_json(d.path());
        let hit = diags
            .iter()
            .find(|d| d["code"] == code)
            .unwrap_or_else(|| panic!("{code} did not fire for {extra:?}: {diags:?}"));
        assert!(hit["line"].as_u64().is_some(), "{code} has a location");
        assert_eq!(status, Some(exit), "{code}: {diags:?}");
        if code == "OC130" {
            assert!(hit["message"].as_str().unwrap().contains("ReadWriteMany"), "{hit}");
        }
    }
    // Clean on a cluster: the Docker host's rules (0.0.0.0 published, the engine's
    // start_interval) do not apply; a complete domain is quiet.
    for (profile, extra) in [
        ("lan-patch", with_class.to_string()),
        ("serve", with_class.to_string()),
        (
            "domain",
            format!("{with_class}domain = \"openclaw.example.com\"\ntrusted_proxies = [\"10.42.0.0/16\"]\n"),
        ),
    ] {
        let text = kubernetes(profile, &extra).replace(
            "[kubernetes]",
            "[gateway]\ntls = \"self-signed\"\n[coolify]\ndocker_engine = 24\n[kubernetes]",
        );
        // TLS on the gateway's own port: lan-patch only (OC120 otherwise; OC121 elsewhere).
        let text = if profile != "lan-patch" {
            text.replace("tls = \"self-signed\"\n", "")
        } else {
            text
        };
        let d = sandbox(&text);
        let (status, diags) = lint_json(d.path());
        let codes: Vec<_> = diags.iter().map(|d| d["code"].as_str().unwrap().to_string()).collect();
        assert!(
            !codes
                .iter()
                .any(|c| ["OC111", "OC124", "OC130", "OC131", "OC132", "OC133"].contains(&c.as_str())),
            "{profile}: {codes:?}"
        );
        assert_eq!(status, Some(0), "{profile}: {codes:?}");
    }
    // The same deploy.toml on Coolify still gets the Docker host's rule.
    let d = sandbox(&minimal("lan-patch"));
    let (_, diags) = lint_json(d.path());
    assert!(diags.iter().any(|d| d["code"] == "OC111"));
}

#[test]
fn kubernetes_needs_a_pinned_image_and_renders_checks_and_explains() {
    // No image: bad input (exit 2), at `target`.
    let text = kubernetes("lan-patch", "").replace("image = \"registry.example.com/openclaw:1\"\n", "");
    let d = sandbox(&text);
    ocgen(d.path())
        .args(["render", "-o", "out"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("[kubernetes] image"));
    assert!(listing(&d.path().join("out")).is_empty(), "nothing written");
    let d = sandbox(
        &kubernetes("lan-patch", "image = \"registry.example.com/openclaw:latest\"\n").replacen(
            "image = \"registry.example.com/openclaw:1\"\n",
            "",
            1,
        ),
    );
    ocgen(d.path())
        .args(["render", "-o", "out"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("OC006"));
    // Render, then check: up to date; a hand edit is stale (exit 1).
    let d = sandbox(&kubernetes("sidecar", "storage_class = \"standard\"\n"));
    ocgen(d.path()).args(["render", "-o", "out"]).assert().success();
    let names: Vec<_> = listing(&d.path().join("out"))
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        names,
        [
            "Dockerfile",
            "bootstrap.sh",
            "deployment.yaml",
            "kustomization.yaml",
            "pvc.yaml",
            "rbac.yaml",
            "service.yaml"
        ]
    );
    ocgen(d.path()).args(["check", "-o", "out"]).assert().success();
    let dep = d.path().join("out/deployment.yaml");
    fs::write(
        &dep,
        fs::read_to_string(&dep).unwrap().replace("replicas: 1", "replicas: 2"),
    )
    .unwrap();
    ocgen(d.path())
        .args(["check", "-o", "out"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("deployment.yaml"));
    for code in ["OC130", "OC131", "OC132", "OC133"] {
        ocgen(d.path())
            .args(["explain", code])
            .assert()
            .success()
            .stdout(predicate::str::contains("Fix:"));
    }
}
