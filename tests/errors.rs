//! Every error path a user can reach, snapshotted exactly: one fixture per
//! bad input (`tests/fixtures/errors/*.toml`), its first line naming the
//! command (`# ocgen render -o out`), its second why it fails. Each runs in a
//! fresh directory as `deploy.toml`, colour off; the snapshot holds the
//! command, the exit code and stderr byte for byte (stdout, the stale
//! files' diff of `check`, is left out).

use std::path::Path;

use assert_cmd::Command;

fn run(dir: &Path, args: &[&str]) -> String {
    let out = Command::cargo_bin("ocgen")
        .unwrap()
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .args(args)
        .output()
        .unwrap();
    let code = out.status.code().map_or("signal".to_string(), |c| c.to_string());
    format!(
        "$ ocgen {}\nexit: {code}\n--- stderr\n{}",
        args.join(" "),
        String::from_utf8(out.stderr).expect("stderr is UTF-8")
    )
}

#[test]
fn each_bad_input() {
    insta::glob!("fixtures/errors/*.toml", |path| {
        let bytes = std::fs::read(path).unwrap();
        let first = bytes.split(|b| *b == b'\n').next().unwrap();
        let command = std::str::from_utf8(first)
            .ok()
            .and_then(|l| l.strip_prefix("# ocgen "))
            .unwrap_or_else(|| panic!("{}: the first line is `# ocgen ARGS`", path.display()));
        let args: Vec<&str> = command.split_whitespace().collect();
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("deploy.toml"), &bytes).unwrap();
        insta::assert_snapshot!(run(dir.path(), &args));
    });
}

#[test]
fn no_deploy_toml() {
    let dir = tempfile::tempdir().unwrap();
    insta::assert_snapshot!(run(dir.path(), &["render", "-o", "out"]));
}

#[test]
fn unknown_code() {
    let dir = tempfile::tempdir().unwrap();
    insta::assert_snapshot!(run(dir.path(), &["explain", "OC999"]));
}

#[test]
fn output_directory_not_writable() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("deploy.toml"),
        "profile = \"serve\"\n[openclaw]\nversion = \"2026.9.6\"\n",
    )
    .unwrap();
    // A file where the output directory should be.
    std::fs::write(dir.path().join("out"), "").unwrap();
    insta::assert_snapshot!(run(dir.path(), &["render", "-o", "out"]));
}

#[test]
fn init_never_overwrites() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("deploy.toml"), "").unwrap();
    insta::assert_snapshot!(run(dir.path(), &["init"]));
}
