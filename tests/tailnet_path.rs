//! serve on its users' path (issue 9): a browser on the tailnet reaches the
//! REAL gateway through Tailscale Serve. No real tailscaled can run here, so
//! Serve's reverse proxy is `tests/clients/serve-proxy.mjs`, a stand-in that
//! rewrites requests exactly as `ipn/ipnlocal/serve.go` does (the file cites
//! the source): it runs in the server namespace on the server's address (the
//! stand-in for the node's tailnet address) and proxies to the gateway on
//! 127.0.0.1, adding `X-Forwarded-For: <tailnet peer>`, `X-Forwarded-Proto:
//! https` and `X-Forwarded-Host`, keeping the `Host`
//! `openclaw-server.tailnet-stub.ts.net` the browser sent. The browser is
//! `tests/clients/gateway-client.mjs` on the laptop.
//!
//! For serve × each release, against the gateway the rendered bootstrap
//! starts: `GET /` through Serve is the Control UI; a browser with a device
//! identity (HTTPS is a secure context) and the token completes OpenClaw's
//! handshake and `health` answers (after the operator approves it once, when
//! the release asks for pairing); a foreign Origin is refused.
//!
//! Negative control (the defect this fixes): on 2026.9.6 the serve render
//! without `gateway.trustedProxies` gets HTTP 403 "Proxy client attribution is
//! required" for `GET /` through Serve.

use std::time::{Duration, Instant};

use serde_json::Value;

mod common;
use common::*;

const TAILNET_HOST: &str = "openclaw-server.tailnet-stub.ts.net";
/// The tailnet peer the browser runs on (Tailscale's CGNAT range).
const PEER: &str = "100.64.0.7";
const SERVE_PORT: u16 = 8443;
const CLI_LIMIT: Duration = Duration::from_secs(90);

/// The Serve stand-in, running in the server namespace until dropped.
fn start_serve(t: &Topology, g: &Gateway) -> Result<NsProc, String> {
    let tools = tools()?;
    let node = tools.node();
    let script = clients_dir().join("serve-proxy.mjs");
    let listen = format!("{}:{SERVE_PORT}", t.server_addr());
    let target = format!("http://127.0.0.1:{PORT}");
    let argv: Vec<&std::ffi::OsStr> = vec![
        node.as_os_str(),
        script.as_os_str(),
        "--listen".as_ref(),
        listen.as_ref(),
        "--target".as_ref(),
        target.as_ref(),
        "--peer".as_ref(),
        PEER.as_ref(),
    ];
    let env = vec![("PATH".to_string(), "/usr/bin:/bin".to_string())];
    let mut p = NsProc::spawn_in(
        &Net::Named(t.server.clone()),
        &argv,
        &env,
        &g.sb.path("cwd"),
        g.sb.path("out/serve-proxy.out"),
        g.sb.path("out/serve-proxy.err"),
    )?;
    let end = Instant::now() + Duration::from_secs(30);
    loop {
        let out = std::fs::read_to_string(g.sb.path("out/serve-proxy.out")).unwrap_or_default();
        if out.contains("\"listening\"") {
            return Ok(p);
        }
        if p.exited().is_some() || Instant::now() >= end {
            return Err(format!("the Serve stand-in did not start: {}", p.output()));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

struct Tailnet<'a> {
    t: &'a Topology,
    scratch: std::path::PathBuf,
}

impl Tailnet<'_> {
    fn url(&self, scheme: &str) -> String {
        format!("{scheme}://{}:{SERVE_PORT}/", self.t.server_addr())
    }

    fn page(&self) -> Result<ClientResult, String> {
        let url = self.url("http");
        self.t.client(
            &["--http-get", "/", "--url", &url, "--host", TAILNET_HOST],
            &self.scratch,
        )
    }

    /// The browser on `https://<host>`, with a device identity.
    fn ws(&self, origin: &str, token: &str, dev: &str) -> Result<ClientResult, String> {
        let url = self.url("ws");
        self.t.client_when_ready(
            &[
                "--url",
                &url,
                "--host",
                TAILNET_HOST,
                "--origin",
                origin,
                "--token",
                token,
                "--device-dir",
                dev,
                "--timeout-ms",
                "15000",
            ],
            &self.scratch,
        )
    }
}

fn check_tailnet(t: &Topology, g: &Gateway) -> Result<Vec<String>, String> {
    let mut report = Vec::new();
    let tn = Tailnet {
        t,
        scratch: g.sb.path("out/laptop"),
    };
    let origin = format!("https://{TAILNET_HOST}");

    let end = Instant::now() + READY_LIMIT;
    let page = loop {
        let p = tn.page()?;
        if p.ok || Instant::now() >= end || p.json["status"] == 403 {
            break p;
        }
        std::thread::sleep(Duration::from_millis(500));
    };
    if !page.ok {
        return Err(format!(
            "FINDING: GET https://{TAILNET_HOST}/ through Serve: {}",
            page.brief()
        ));
    }
    report.push(format!(
        "tailnet: GET https://{TAILNET_HOST}/ through Serve -> {} (Control UI)",
        page.json["status"]
    ));

    let dev = g.sb.path("laptop/browser").display().to_string();
    let first = tn.ws(&origin, TOKEN, &dev)?;
    let ok = if first.ok {
        report.push("tailnet browser: connected at once (no pairing asked)".into());
        first
    } else if let (Some("NOT_PAIRED"), Some(id)) =
        (first.json["code"].as_str(), first.json["details"]["requestId"].as_str())
    {
        report.push(format!(
            "tailnet browser, first connect: pairing required (request {id})"
        ));
        let approve = g.openclaw(&["devices", "approve", id, "--json"], &[], CLI_LIMIT)?;
        if !approve.ok() {
            return Err(format!(
                "FINDING: `openclaw devices approve {id}` failed: {}",
                approve.describe()
            ));
        }
        report.push(format!("operator: `openclaw devices approve {id}` ok"));
        tn.ws(&origin, TOKEN, &dev)?
    } else {
        return Err(format!(
            "FINDING: the tailnet browser (token, Origin {origin}) was refused: {}",
            first.brief()
        ));
    };
    if !(ok.ok && ok.json["response"]["ok"] == Value::Bool(true)) {
        return Err(format!(
            "FINDING: the tailnet browser got no answer to health: {}",
            ok.brief()
        ));
    }
    report.push(format!(
        "tailnet browser (token, Origin {origin}): hello-ok protocol {}, health ok",
        ok.json["hello"]["protocol"]
    ));

    let wrong = tn.ws(&origin, "not-the-token", &dev)?;
    if wrong.ok {
        return Err(format!(
            "FINDING: a wrong token was accepted through Serve: {}",
            wrong.brief()
        ));
    }
    report.push(format!("wrong token through Serve: refused ({})", wrong.error()));

    let foreign = tn.ws("https://evil.example", TOKEN, &dev)?;
    if foreign.ok || !foreign.error().contains("origin not allowed") {
        return Err(format!(
            "FINDING: foreign Origin https://evil.example through Serve: expected `origin not allowed`, got {}",
            foreign.brief()
        ));
    }
    report.push("foreign Origin through Serve: refused (origin not allowed)".into());
    Ok(report)
}

/// Every check against the gateway `script` starts, through the Serve stand-in.
fn tailnet_path_of(case: Case, label: &str, script: &str) -> Result<String, String> {
    let name = case.name();
    let t = Topology::new()?;
    let g = start_gateway(case, label, script, &Net::Named(t.server.clone()))?
        .map_err(|n| format!("FINDING: {name}: the real gateway did not come up: {}", n.describe()))?;
    let mut report = vec![format!("gateway listening after {:.1?} in {}", g.after, t.server)];
    let checks = (|| -> Result<(), String> {
        let mut serve = start_serve(&t, &g)?;
        let r = check_tailnet(&t, &g);
        let _ = serve.stop();
        report.extend(r?);
        Ok(())
    })();
    let output = g.output();
    let stopped = g.stop();
    checks.map_err(|e| format!("{name}: {e}\n--- gateway ---\n{output}"))?;
    stopped.map_err(|e| format!("{name}: {e}"))?;
    Ok(report.join("\n"))
}

fn tailnet_path(version: &'static str) {
    let case = case("serve", version);
    match tailnet_path_of(case, &format!("tailnet-{}", case.name()), &render_bootstrap(case)) {
        Ok(report) => eprintln!("{}:\n{report}", case.name()),
        Err(e) => panic!("{e}"),
    }
}

#[test]
fn serve_2026_2_19_tailnet_browser_through_serve() {
    tailnet_path("2026.2.19");
}

#[test]
fn serve_2026_9_6_tailnet_browser_through_serve() {
    tailnet_path("2026.9.6");
}

/// The render before the fix: no `gateway.trustedProxies`.
#[test]
fn serve_2026_9_6_without_trusted_proxies_is_refused_through_serve() {
    let case = case("serve", "2026.9.6");
    let text = render_bootstrap(case);
    let step = "\n| .gateway.trustedProxies = [\"127.0.0.1\",\"::1\"]";
    assert_eq!(
        text.matches(step).count(),
        1,
        "the serve bootstrap has one trustedProxies step"
    );
    let broken = text.replace(step, "");
    let err = tailnet_path_of(case, "tailnet-serve-no-trusted-proxies", &broken)
        .expect_err("without trustedProxies 2026.9.6 must refuse the tailnet browser");
    assert!(
        err.contains("\"status\":403") && err.contains("GET https://"),
        "expected HTTP 403 for GET / through Serve, got: {err}"
    );
    eprintln!("negative control: {}", err.lines().next().unwrap_or_default());
}
