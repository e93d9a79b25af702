//! A real browser: Debian's Chromium, driven by `tests/clients/chromium.mjs`
//! on the laptop of a [`Topology`].

use std::io::{BufRead, BufReader};
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, Stdio};

use serde_json::Value;

use super::gateway::Gateway;
use super::proc::kill_group;
use super::tools::{clients_dir, tools};
#[allow(unused_imports)]
use super::topology::Topology;

/// How long the browser may take to reach the page state a test waits for.
pub const BROWSER_WAIT_MS: &str = "60000";

pub struct Browser {
    child: std::process::Child,
    lines: std::io::Lines<BufReader<std::process::ChildStdout>>,
}

impl Browser {
    /// Chromium in the network namespace `laptop_netns` (e.g. a [`Topology`]'s
    /// laptop), opening `url` with the profile `profile` and
    /// waiting for one of `until` in the page's text. `spki`: accept exactly
    /// the certificate with that public key (the user's "accept the risk");
    /// `host_rules`: Chromium's `--host-resolver-rules` (the name a user types,
    /// mapped to the test's address, as DNS would).
    pub fn open(
        laptop_netns: &str,
        url: &str,
        profile: &Path,
        spki: Option<&str>,
        host_rules: Option<&str>,
        until: &[&str],
    ) -> Browser {
        let tools = tools().unwrap_or_else(|e| panic!("{e}"));
        let mut cmd = Command::new("ip");
        cmd.args(["netns", "exec", laptop_netns])
            .arg(tools.node())
            .arg(clients_dir().join("chromium.mjs"))
            .args(["--url", url, "--wait-ms", BROWSER_WAIT_MS, "--profile"])
            .arg(profile);
        if let Some(h) = spki {
            cmd.args(["--spki", h]);
        }
        if let Some(r) = host_rules {
            cmd.args(["--host-rules", r]);
        }
        for u in until {
            cmd.args(["--until", u]);
        }
        let mut child = cmd
            .env_clear()
            .env("PATH", "/usr/bin:/bin")
            .env("HOME", profile)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .expect("start chromium.mjs (is Debian's chromium installed? scripts/install-test-tools.sh)");
        let lines = BufReader::new(child.stdout.take().unwrap()).lines();
        Browser { child, lines }
    }

    /// The driver's verdict (its JSON line).
    pub fn result(mut self) -> Value {
        let line = self.lines.next().and_then(Result::ok).unwrap_or_default();
        let _ = self.child.wait();
        serde_json::from_str(&line).unwrap_or_else(|_| panic!("chromium.mjs printed no JSON: {line:?}"))
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        // the driver's process group: node and Chromium's processes (`kill -- -PGID`:
        // procps `kill -KILL -PGID` without `--` reads the PGID as options and may
        // signal every process, kill(-1))
        kill_group(self.child.id());
        let _ = self.child.wait();
    }
}

/// SHA-256 of the certificate's public key, base64: what Chromium's
/// `--ignore-certificate-errors-spki-list` accepts.
pub fn spki_hash(cert: &Path) -> String {
    let o = Command::new("bash")
        .arg("-c")
        .arg("openssl x509 -in \"$1\" -pubkey -noout | openssl pkey -pubin -outform der | openssl dgst -sha256 -binary | base64")
        .arg("spki")
        .arg(cert)
        .output()
        .expect("openssl");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8_lossy(&o.stdout).trim().to_string()
}

/// A self-signed certificate for `name` (SAN DNS) into `dir`: (cert, key).
pub fn self_signed(dir: &Path, name: &str) -> (std::path::PathBuf, std::path::PathBuf) {
    let (cert, key) = (dir.join(format!("{name}.crt")), dir.join(format!("{name}.key")));
    let o = Command::new("openssl")
        .args(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj"])
        .arg(format!("/CN={name}"))
        .arg("-addext")
        .arg(format!("subjectAltName=DNS:{name}"))
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .output()
        .expect("openssl");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    (cert, key)
}

/// What the connected Control UI shows, per release (its own dashboard text,
/// which needs the gateway's answers).
pub fn control_ui_connected_texts(version: &str) -> &'static [&'static str] {
    if version == "2026.2.19" {
        &["Health OK"]
    } else {
        &["OpenClaw discovers AI access on this Gateway"]
    }
}

/// The pending pairing request of the Control UI (from `ip`, if given).
pub fn pending_request(g: &Gateway, ip: Option<&str>) -> Result<Option<String>, String> {
    let list = g.openclaw(&["devices", "list", "--json"], &[], std::time::Duration::from_secs(60))?;
    let v: Value =
        serde_json::from_str(&list.stdout).map_err(|e| format!("devices list --json: {e}: {}", list.describe()))?;
    Ok(v["pending"].as_array().into_iter().flatten().find_map(|r| {
        (r["clientId"] == "openclaw-control-ui" && ip.is_none_or(|ip| r["remoteIp"] == ip))
            .then(|| r["requestId"].as_str().map(String::from))
            .flatten()
    }))
}
