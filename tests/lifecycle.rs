//! Container lifecycle of the rendered bootstrap.sh, with the stand-ins of
//! tests/stubs and a fake image layout in a sandbox:
//! - the `openclaw` on PATH is verified against the pinned release and the
//!   link restored when an `npm install -g` replaced it;
//! - under `tini -g` (the image's PID 1), SIGTERM ends the gateway and
//!   tailscaled within seconds;
//! - the running gateway is uid/gid 1000 with no capabilities (its
//!   `/proc/PID/status`), tailscaled root.

use std::fs;
use std::os::unix::fs::{PermissionsExt, symlink};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use ocgen::diagnostic::Source;

const VERSION: &str = "2026.9.6";

fn render_bootstrap(profile: &str) -> String {
    let text = format!("profile = \"{profile}\"\n[openclaw]\nversion = \"{VERSION}\"\n");
    let model = ocgen::load_model(&Source::new("deploy.toml", text), &Default::default()).unwrap();
    ocgen::render_files(&model)
        .into_iter()
        .find(|f| f.name == "bootstrap.sh")
        .unwrap()
        .contents
}

fn stubs() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/stubs")
}

fn write_exe(path: &Path, text: &str) {
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, text).unwrap();
    fs::set_permissions(path, fs::Permissions::from_mode(0o755)).unwrap();
}

/// A fake OpenClaw package: `DIR/openclaw.mjs` (a script) and `DIR/package.json`.
fn fake_package(dir: &Path, version: &str, body: &str) -> PathBuf {
    fs::create_dir_all(dir).unwrap();
    fs::write(
        dir.join("package.json"),
        format!("{{\"name\":\"openclaw\",\"version\":\"{version}\"}}\n"),
    )
    .unwrap();
    let entry = dir.join("openclaw.mjs");
    write_exe(&entry, &format!("#!/usr/bin/env bash\n{body}\n"));
    entry
}

struct Sandbox {
    dir: tempfile::TempDir,
}

impl Sandbox {
    /// Image layout: `opt/openclaw` holds the pinned package with a `.bin`
    /// link; `bin/` is the directory of the `openclaw` link (OPENCLAW_BIN);
    /// `tsbin/` holds the tailscale stand-ins.
    fn new(gateway_body: &str) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        // The gateway runs as uid 1000 (the bootstrap drops to it): it must
        // reach the sandbox and append to the marker.
        fs::set_permissions(root, fs::Permissions::from_mode(0o755)).unwrap();
        fs::write(root.join("marker"), "").unwrap();
        fs::set_permissions(root.join("marker"), fs::Permissions::from_mode(0o666)).unwrap();
        let pkg = root.join("opt/openclaw/node_modules/openclaw");
        fake_package(
            &pkg,
            VERSION,
            &format!("echo \"pinned $$\" >> \"$MARKER\"\n{gateway_body}"),
        );
        let dotbin = root.join("opt/openclaw/node_modules/.bin");
        fs::create_dir_all(&dotbin).unwrap();
        symlink("../openclaw/openclaw.mjs", dotbin.join("openclaw")).unwrap();
        fs::create_dir_all(root.join("bin")).unwrap();
        symlink(dotbin.join("openclaw"), root.join("bin/openclaw")).unwrap();
        fs::create_dir_all(root.join("tsbin")).unwrap();
        for name in ["tailscale", "tailscaled"] {
            symlink(stubs().join(name), root.join("tsbin").join(name)).unwrap();
        }
        Sandbox { dir }
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    fn command(&self, script: &str, program: &[&str]) -> Command {
        let root = self.dir.path();
        fs::write(root.join("bootstrap.sh"), script).unwrap();
        let mut cmd = Command::new(program[0]);
        cmd.args(&program[1..])
            .arg("bash")
            .arg(root.join("bootstrap.sh"))
            .env_clear()
            .env(
                "PATH",
                format!(
                    "{}:{}:/usr/bin:/bin",
                    root.join("bin").display(),
                    root.join("tsbin").display()
                ),
            )
            .env("HOME", root)
            .env("OPENCLAW_DATA_DIR", root.join("data"))
            .env("OPENCLAW_GATEWAY_TOKEN", "test-token")
            .env("OPENCLAW_IMAGE_DIR", root.join("opt/openclaw"))
            .env("OPENCLAW_BIN", root.join("bin/openclaw"))
            .env("TS_SOCKET", root.join("run/tailscaled.sock"))
            .env("STUB_DEFAULT_SOCKET", root.join("run/tailscaled.sock"))
            .env("STUB_PIDFILE", root.join("pids"))
            .env("STUB_TS_INITIAL_STATE", "Running")
            .env("TS_WAIT_SECONDS", "10")
            .env("MARKER", root.join("marker"))
            .stdin(Stdio::null());
        cmd
    }

    /// Run to completion. Output goes to files, not pipes: a serve run leaves
    /// tailscaled running in the background, holding whatever it inherited.
    fn run(&self, profile: &str) -> Output {
        let mut cmd = self.command(&render_bootstrap(profile), &["/usr/bin/env"]);
        run_to_files(&mut cmd, self.dir.path())
    }

    fn marker(&self) -> String {
        fs::read_to_string(self.path("marker")).unwrap_or_default()
    }

    /// pid of the running gateway (from the marker).
    fn gateway_pid(&self) -> Option<u32> {
        self.marker().split_whitespace().nth(1)?.parse().ok()
    }

    /// pid of tailscaled (STUB_PIDFILE).
    fn tailscaled_pid(&self) -> Option<u32> {
        fs::read_to_string(self.path("pids"))
            .ok()?
            .lines()
            .find_map(|l| l.strip_prefix("tailscaled ")?.trim().parse().ok())
    }

    fn link_target(&self) -> PathBuf {
        fs::read_link(self.path("bin/openclaw")).unwrap()
    }

    /// Pids the stand-ins recorded (tailscaled) plus the gateway's.
    fn pids(&self) -> Vec<u32> {
        let mut pids: Vec<u32> = fs::read_to_string(self.path("pids"))
            .unwrap_or_default()
            .split_whitespace()
            .filter_map(|w| w.parse().ok())
            .collect();
        pids.extend(self.marker().split_whitespace().filter_map(|w| w.parse::<u32>().ok()));
        pids
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        for pid in self.pids() {
            let _ = Command::new("kill")
                .args(["-KILL", &pid.to_string()])
                .stderr(Stdio::null())
                .status();
        }
    }
}

fn run_to_files(cmd: &mut Command, dir: &Path) -> Output {
    let (out, err) = (dir.join("stdout"), dir.join("stderr"));
    let status = cmd
        .stdout(fs::File::create(&out).unwrap())
        .stderr(fs::File::create(&err).unwrap())
        .status()
        .unwrap();
    Output {
        status,
        stdout: fs::read(out).unwrap(),
        stderr: fs::read(err).unwrap(),
    }
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn a_correct_link_is_left_alone() {
    let sb = Sandbox::new("exit 0");
    let before = sb.link_target();
    let out = sb.run("lan-patch");
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        sb.marker().starts_with("pinned"),
        "the pinned gateway ran: {}",
        sb.marker()
    );
    assert!(!stderr(&out).contains("restoring"), "{}", stderr(&out));
    assert_eq!(sb.link_target(), before);
}

#[test]
fn a_link_replaced_by_npm_install_g_is_restored() {
    let sb = Sandbox::new("exit 0");
    // `npm install -g openclaw@latest`: the link now points into the global tree.
    let global = fake_package(
        &sb.path("lib/node_modules/openclaw"),
        "2026.10.1",
        "echo \"global $$\" >> \"$MARKER\"",
    );
    fs::remove_file(sb.path("bin/openclaw")).unwrap();
    symlink(&global, sb.path("bin/openclaw")).unwrap();
    let out = sb.run("lan-patch");
    assert!(out.status.success(), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("version 2026.10.1) is not the image's 2026.9.6: restoring"),
        "{err}"
    );
    assert!(
        sb.marker().starts_with("pinned"),
        "the pinned gateway ran, not the global one: {}",
        sb.marker()
    );
    assert_eq!(sb.link_target(), sb.path("opt/openclaw/node_modules/.bin/openclaw"));
}

#[test]
fn a_deleted_link_is_restored() {
    let sb = Sandbox::new("exit 0");
    fs::remove_file(sb.path("bin/openclaw")).unwrap();
    let out = sb.run("serve");
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("(none, version unknown)"), "{}", stderr(&out));
    assert!(sb.marker().starts_with("pinned"));
}

#[test]
fn another_openclaw_earlier_on_path_stops_the_script() {
    let sb = Sandbox::new("exit 0");
    // A wrong openclaw in a PATH directory before OPENCLAW_BIN's: restoring the
    // link cannot help, so the script must refuse rather than run it.
    let other = fake_package(
        &sb.path("lib/node_modules/openclaw"),
        "2026.1.1",
        "echo \"other $$\" >> \"$MARKER\"",
    );
    let mut cmd = sb.command(&render_bootstrap("lan-patch"), &["/usr/bin/env"]);
    fs::create_dir_all(sb.path("early")).unwrap();
    symlink(&other, sb.path("early/openclaw")).unwrap();
    let path = format!(
        "{}:{}:{}:/usr/bin:/bin",
        sb.path("early").display(),
        sb.path("bin").display(),
        sb.path("tsbin").display()
    );
    let out = run_to_files(cmd.env("PATH", path), sb.dir.path());
    assert!(!out.status.success());
    assert!(stderr(&out).contains("is still not 2026.9.6"), "{}", stderr(&out));
    assert_eq!(sb.marker(), "", "no gateway ran");
}

fn alive(pid: u32) -> bool {
    // A zombie counts as gone.
    fs::read_to_string(format!("/proc/{pid}/stat"))
        .map(|s| !s.contains(") Z "))
        .unwrap_or(false)
}

fn wait_until(within: Duration, mut cond: impl FnMut() -> bool) -> bool {
    let start = Instant::now();
    while start.elapsed() < within {
        if cond() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    cond()
}

/// `Name:\tvalue` fields of /proc/PID/status.
fn proc_status(pid: u32) -> Vec<(String, String)> {
    fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.to_string(), v.split_whitespace().collect::<Vec<_>>().join(" ")))
        .collect()
}

fn field(status: &[(String, String)], name: &str) -> Option<String> {
    status.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone())
}

#[test]
fn under_tini_the_gateway_runs_as_uid_1000_and_tailscaled_as_root() {
    for profile in ["serve", "lan-patch"] {
        let sb = Sandbox::new("trap 'exit 0' TERM\nwhile :; do sleep 0.05; done");
        let mut child = start_under_tini(&sb, profile);
        assert!(
            wait_until(Duration::from_secs(20), || sb.gateway_pid().is_some()),
            "{profile}: the gateway never started"
        );
        let pid = sb.gateway_pid().unwrap();
        let status = proc_status(pid);
        assert_eq!(
            field(&status, "State").map(|s| s.starts_with('S') || s.starts_with('R')),
            Some(true)
        );
        assert_eq!(
            field(&status, "Uid").as_deref(),
            Some("1000 1000 1000 1000"),
            "{profile}: {status:?}"
        );
        assert_eq!(
            field(&status, "Gid").as_deref(),
            Some("1000 1000 1000 1000"),
            "{profile}: {status:?}"
        );
        assert_eq!(field(&status, "Groups").as_deref(), Some(""), "{profile}: {status:?}");
        assert_eq!(
            field(&status, "CapEff").as_deref(),
            Some("0000000000000000"),
            "{profile}"
        );
        assert_eq!(
            field(&status, "CapPrm").as_deref(),
            Some("0000000000000000"),
            "{profile}"
        );
        assert_eq!(field(&status, "NoNewPrivs").as_deref(), Some("1"), "{profile}");
        // tini's child: the bootstrap's process, which became the gateway (exec).
        let tini_children = fs::read_to_string(format!("/proc/{0}/task/{0}/children", child.id())).unwrap_or_default();
        assert_eq!(
            tini_children.split_whitespace().next(),
            Some(pid.to_string().as_str()),
            "{profile}: exec, not a child"
        );
        if profile == "serve" {
            let td = sb.tailscaled_pid().expect("tailscaled pid");
            assert_eq!(
                field(&proc_status(td), "Uid").as_deref(),
                Some("0 0 0 0"),
                "tailscaled is root's"
            );
        }
        let _ = Command::new("kill").args(["-TERM", &child.id().to_string()]).status();
        assert!(wait_until(Duration::from_secs(5), || child
            .try_wait()
            .unwrap()
            .is_some()));
    }
}

fn tini() -> &'static str {
    assert!(
        Path::new("/usr/bin/tini").exists(),
        "tini is not installed: run scripts/test.sh (it installs Debian's tini)"
    );
    "/usr/bin/tini"
}

fn start_under_tini(sb: &Sandbox, profile: &str) -> Child {
    // The gateway stand-in runs until SIGTERM, like the real one.
    sb.command(&render_bootstrap(profile), &[tini(), "-s", "-g", "--"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

#[test]
fn sigterm_to_tini_ends_gateway_and_tailscaled_within_seconds() {
    for profile in ["serve", "lan-patch"] {
        let sb = Sandbox::new("trap 'exit 0' TERM\nwhile :; do sleep 0.05; done");
        let mut child = start_under_tini(&sb, profile);
        assert!(
            wait_until(Duration::from_secs(20), || sb.marker().starts_with("pinned")),
            "{profile}: the gateway never started"
        );
        let pids = sb.pids();
        assert!(!pids.is_empty());
        if profile == "serve" {
            assert_eq!(pids.len(), 2, "tailscaled and the gateway run: {pids:?}");
        }
        assert!(pids.iter().all(|p| alive(*p)), "{profile}: all running before the stop");
        let start = Instant::now();
        Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status()
            .unwrap();
        let exited = wait_until(Duration::from_secs(5), || child.try_wait().unwrap().is_some());
        let took = start.elapsed();
        assert!(exited, "{profile}: tini did not exit within 5 s of SIGTERM");
        assert!(
            wait_until(Duration::from_secs(2), || pids.iter().all(|p| !alive(*p))),
            "{profile}: left running: {pids:?}"
        );
        assert!(took < Duration::from_secs(3), "{profile}: stop took {took:?}");
        let status = child.wait().unwrap();
        assert!(
            status.code().is_some(),
            "{profile}: tini exited with a code, not killed: {status:?}"
        );
    }
}
