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
    // `device.pair.list`, what `openclaw devices list` calls, over the gateway's WebSocket
    let list = g.rpc("device.pair.list", &serde_json::json!({}))?;
    if !list.ok {
        return Err(format!("device.pair.list inside the server failed: {}", list.brief()));
    }
    let v = &list.json["response"];
    Ok(v["pending"].as_array().into_iter().flatten().find_map(|r| {
        (r["clientId"] == "openclaw-control-ui" && ip.is_none_or(|ip| r["remoteIp"] == ip))
            .then(|| r["requestId"].as_str().map(String::from))
            .flatten()
    }))
}

/// What a real browser got from a gateway: the driver's last JSON line, and
/// the pairing request of the Control UI the operator approved (or, when the
/// page ended on a refusal, the one still pending, if any).
pub struct Seen {
    pub page: Value,
    pub request: Option<String>,
    /// The operator's approval, as [`Gateway::approve`] reports it.
    pub approval: Option<String>,
}

/// The operator approves the Control UI's pairing request (from `ip`, if given) once
/// one comes ([`Gateway::approve`]), within 40 s; then the page's verdict. With
/// `refusal` among the texts the page may end on, nobody approves anything: the
/// driver stops as soon as the text shows, and the gateway is asked once whether a
/// request came.
fn approve_and_watch(g: &Gateway, browser: Browser, ip: Option<&str>, refusal: bool) -> Result<Seen, String> {
    let start = std::time::Instant::now();
    let (mut request, mut approval) = (None, None);
    while !refusal && start.elapsed() < std::time::Duration::from_secs(40) {
        if let Some(id) = pending_request(g, ip)? {
            approval = Some(g.approve(&id)?);
            request = Some(id);
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(500));
    }
    let page = browser.result();
    if refusal {
        request = pending_request(g, ip)?;
    }
    Ok(Seen {
        page,
        request,
        approval,
    })
}

/// A user on the laptop opens the Control UI of `g` on its LAN address with the
/// token in the URL: over https accepting exactly the gateway's certificate
/// (`data/.openclaw/gateway/tls/gateway-cert.pem`) when the case has `[gateway]
/// tls`, else plain http. The operator approves the browser's pairing request; the
/// page is watched until it shows the connected Control UI, or `refusal`.
pub fn chromium_on_lan(t: &Topology, g: &Gateway, refusal: Option<&'static str>) -> Result<Seen, String> {
    let tls = g.case.tls;
    let spki = tls.then(|| spki_hash(&g.sb.path("data/.openclaw/gateway/tls/gateway-cert.pem")));
    let profile = g.sb.path("out/chromium-lan");
    std::fs::create_dir_all(&profile).map_err(|e| format!("{}: {e}", profile.display()))?;
    let scheme = if tls { "https" } else { "http" };
    let url = format!("{scheme}://{}:{}/#token={}", t.server_addr(), super::PORT, super::TOKEN);
    let mut until = control_ui_connected_texts(g.case.version).to_vec();
    until.extend(refusal);
    let browser = Browser::open(&t.laptop, &url, &profile, spki.as_deref(), None, &until);
    approve_and_watch(g, browser, Some(&t.laptop_addr().to_string()), refusal.is_some())
}

/// A real browser on the tailnet: Chromium on the laptop opens
/// `https://<tailnet host>/#token=…` (the name mapped to the node's address as
/// MagicDNS would, Serve's certificate accepted) through the Serve stand-in,
/// terminating TLS on 443 as Serve does. The operator approves its pairing request;
/// the page is watched until it shows the connected Control UI.
pub fn chromium_through_serve(t: &Topology, g: &Gateway) -> Result<Seen, String> {
    let dir = g.sb.path("out/serve-tls");
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let (cert, key) = self_signed(&dir, super::TAILNET_HOST);
    let mut serve = super::start_serve(t, g, Some((&cert, &key)))?;
    let profile = g.sb.path("out/chromium-tailnet");
    std::fs::create_dir_all(&profile).map_err(|e| format!("{}: {e}", profile.display()))?;
    let url = format!("https://{}/#token={}", super::TAILNET_HOST, super::TOKEN);
    let rules = format!("MAP {} {}", super::TAILNET_HOST, t.server_addr());
    let browser = Browser::open(
        &t.laptop,
        &url,
        &profile,
        Some(&spki_hash(&cert)),
        Some(&rules),
        control_ui_connected_texts(g.case.version),
    );
    let seen = approve_and_watch(g, browser, None, false);
    serve.stop().map_err(|e| format!("the Serve stand-in: {e}"))?;
    seen
}
