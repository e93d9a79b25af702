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
//!
//! sidecar on its tailnet users' path: the sidecar's tailscaled (the stand-in
//! `tests/stubs/tailscaled`) runs beside the rendered bootstrap in the server
//! namespace, in a PID namespace of its own (another container), on the
//! socket the two containers share (the sandbox's, `TS_SOCKET`), logged in
//! as `openclaw-server` (MagicDNS name `openclaw-server.tailnet-stub.ts.net`).
//! The node's tailnet address is the server's address (the kernel-mode TUN
//! device delivers tailnet peers to the namespace the gateway shares), so the
//! tailnet browser on the laptop dials the server's address with `Host` and
//! `Origin` `http://openclaw-server.tailnet-stub.ts.net:18789`, a device
//! identity and the token (as `tests/user_path.rs`'s LAN browser: a browser in
//! a secure context; on plain http a real one has none, OC120, hence the TLS
//! case), is paired once by the operator and gets `health` — on every release
//! of the run. Where the release admits only listed origins (2026.2.23 …
//! 2026.5.12) the bootstrap reads the name from the sidecar and lists the
//! origin; elsewhere it has no sidecar step at all. Negative control on such
//! a release: the sidecar's node not Running within `TS_WAIT_SECONDS` (3 s):
//! the gateway still starts, says once that the tailnet origin is not listed,
//! the LAN browser gets in, the tailnet browser gets `origin not allowed`.

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
/// `tls`: Serve's certificate and key (HTTPS on port 443, as Serve answers
/// the tailnet), or plain HTTP on [`SERVE_PORT`].
fn start_serve(t: &Topology, g: &Gateway, tls: Option<(&std::path::Path, &std::path::Path)>) -> Result<NsProc, String> {
    let tools = tools()?;
    let node = tools.node();
    let script = clients_dir().join("serve-proxy.mjs");
    let port = if tls.is_some() { 443 } else { SERVE_PORT };
    let listen = format!("{}:{port}", t.server_addr());
    let target = format!("http://127.0.0.1:{PORT}");
    let mut argv: Vec<&std::ffi::OsStr> = vec![
        node.as_os_str(),
        script.as_os_str(),
        "--listen".as_ref(),
        listen.as_ref(),
        "--target".as_ref(),
        target.as_ref(),
        "--peer".as_ref(),
        PEER.as_ref(),
    ];
    if let Some((cert, key)) = tls {
        argv.extend(["--cert".as_ref(), cert.as_os_str(), "--key".as_ref(), key.as_os_str()]);
    }
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
        self.t
            .client_when_ready(&page_args(&url, TAILNET_HOST, origin, token, dev), &self.scratch)
    }
}

fn check_tailnet(t: &Topology, g: &Gateway) -> Result<Vec<String>, String> {
    let version = g.case.version;
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
    if release::origin_check(version) == ocgen::data::versions::OriginCheck::None {
        if !foreign.ok {
            return Err(format!(
                "FINDING: {version} checks no Origin (table: none), yet a foreign Origin through Serve failed: {}",
                foreign.brief()
            ));
        }
        report.push(format!(
            "foreign Origin through Serve: connected ({version} checks no Origin)"
        ));
        return Ok(report);
    }
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
        let mut serve = start_serve(&t, &g, None)?;
        let r = check_tailnet(&t, &g);
        let _ = serve.stop();
        report.extend(r?);
        Ok(())
    })();
    g.finish(checks).map_err(|e| format!("{name}: {e}"))?;
    Ok(report.join("\n"))
}

fn tailnet_path(version: &'static str) -> Result<String, String> {
    let case = case("serve", version);
    tailnet_path_of(case, &format!("tailnet-{}", case.name()), &render_bootstrap(case))
}

/// serve on every release of the run (OCGEN_RELEASES, else the table's CI set).
#[test]
fn serve_tailnet_browser_through_serve_on_each_release() {
    on_each_release("serve tailnet browser through Serve", tailnet_path);
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

/// A real browser on the tailnet: Chromium on the laptop opens
/// `https://<tailnet host>/#token=…` (the name resolved to the node's address
/// as MagicDNS would, Serve's certificate accepted) through the Serve
/// stand-in, now terminating TLS on 443 as Serve does. The Control UI asks to
/// be paired, the operator approves it in the container, and the same page
/// connects and shows the gateway's dashboard.
fn tailnet_browser_in_chromium(version: &'static str) {
    let case = case("serve", version);
    let (page, request, output) = chromium_through_serve(case, &render_bootstrap(case));
    let name = case.name();
    assert_eq!(page["secureContext"], true, "{name}: {page}");
    assert!(
        request.is_some(),
        "{name}: the Control UI made no pairing request: {page}\n{output}"
    );
    assert_eq!(
        page["ok"], true,
        "{name}: the approved tailnet browser did not get the connected Control UI: {page}\n{output}"
    );
}

/// Chromium through the Serve stand-in against the gateway `script` starts:
/// the page it ended on, the pairing request approved, the gateway's output.
fn chromium_through_serve(case: Case, script: &str) -> (Value, Option<String>, String) {
    let version = case.version;
    let name = case.name();
    let t = Topology::new().unwrap_or_else(|e| panic!("{e}"));
    let g = start_gateway(case, &format!("chromium-{name}"), script, &Net::Named(t.server.clone()))
        .unwrap_or_else(|e| panic!("{e}"))
        .unwrap_or_else(|n| panic!("{name}: the real gateway did not come up: {}", n.describe()));
    let dir = g.sb.path("out/serve-tls");
    std::fs::create_dir_all(&dir).unwrap();
    let (cert, key) = self_signed(&dir, TAILNET_HOST);
    let mut serve = start_serve(&t, &g, Some((&cert, &key))).unwrap_or_else(|e| panic!("{e}"));
    let profile = g.sb.path("out/chromium");
    std::fs::create_dir_all(&profile).unwrap();
    let url = format!("https://{TAILNET_HOST}/#token={TOKEN}");
    let rules = format!("MAP {TAILNET_HOST} {}", t.server_addr());
    let browser = Browser::open(
        &t.laptop,
        &url,
        &profile,
        Some(&spki_hash(&cert)),
        Some(&rules),
        control_ui_connected_texts(version),
    );
    let start = Instant::now();
    let mut request = None;
    while request.is_none() && start.elapsed() < Duration::from_secs(40) {
        if let Some(id) = pending_request(&g, None).unwrap_or_else(|e| panic!("{name}: {e}")) {
            let approve = g
                .openclaw(&["devices", "approve", &id, "--json"], &[], CLI_LIMIT)
                .unwrap();
            assert!(approve.ok(), "{name}: devices approve {id}: {}", approve.describe());
            request = Some(id);
        } else {
            std::thread::sleep(Duration::from_millis(500));
        }
    }
    let page = browser.result();
    eprintln!("{name}: Chromium on {url} through Serve: pairing request {request:?}; {page}");
    let _ = serve.stop();
    let output = g.output();
    g.stop().unwrap_or_else(|e| panic!("{name}: {e}\n{output}"));
    (page, request, output)
}

#[test]
fn serve_2026_9_6_tailnet_browser_in_chromium() {
    tailnet_browser_in_chromium("2026.9.6");
}

#[test]
fn serve_2026_2_19_tailnet_browser_in_chromium() {
    tailnet_browser_in_chromium("2026.2.19");
}

/// The render before the fix, in a real browser: 2026.9.6 answers the tailnet
/// browser's page with HTTP 403; no pairing request, never connected.
#[test]
fn serve_2026_9_6_without_trusted_proxies_chromium_is_refused() {
    let case = case("serve", "2026.9.6");
    let broken = render_bootstrap(case).replace("\n| .gateway.trustedProxies = [\"127.0.0.1\",\"::1\"]", "");
    let (page, request, _) = chromium_through_serve(case, &broken);
    assert_eq!(request, None, "{page}");
    assert_eq!(page["ok"], false, "{page}");
    let text = page["text"].as_str().unwrap_or_default();
    assert!(
        text.contains("Proxy client attribution is required"),
        "expected the 403 page: {page}"
    );
}

/// The serve render before ocgen listed the tailnet origin, on a release that
/// admits only listed origins (2026.2.23 … 2026.5.12): the tailnet browser's
/// page loads through Serve, but its WebSocket is refused ("origin not
/// allowed"). Skipped when the run has no such release.
#[test]
fn serve_without_the_tailnet_origin_is_refused_where_only_listed_origins_pass() {
    let Some(version) = releases()
        .iter()
        .copied()
        .find(|v| release::origin_check(v) == ocgen::data::versions::OriginCheck::Allowlist)
    else {
        eprintln!("no release of this run admits only listed origins: nothing to check");
        return;
    };
    let case = case("serve", version);
    let text = render_bootstrap(case);
    let step = "\n| .gateway.controlUi.allowedOrigins = ($ENV.OPENCLAW_TAILNET_ORIGIN | split(\",\"))";
    assert_eq!(
        text.matches(step).count(),
        1,
        "the serve bootstrap of {version} lists the tailnet origin once"
    );
    let err = tailnet_path_of(case, "tailnet-serve-no-origin", &text.replace(step, ""))
        .expect_err("without the tailnet origin the browser must be refused");
    assert!(
        err.contains("origin not allowed"),
        "expected `origin not allowed` for the tailnet browser on {version}, got: {err}"
    );
}

// ---------------------------------------------------------------------------
// sidecar

/// The sidecar's node, where a tailnet browser finds the gateway's port.
fn sidecar_origin(scheme: &str) -> String {
    format!("{scheme}://{TAILNET_HOST}:{PORT}")
}

/// A browser on the laptop: `scheme://<name>:PORT/` resolved to the server's
/// address (the node's tailnet address, as MagicDNS resolves it), `Host` and
/// `Origin` the name; `trust` accepts the gateway's certificate (TLS).
struct PageOn<'a> {
    t: &'a Topology,
    g: &'a Gateway,
    host: String,
    origin: String,
    url: String,
    trust: Vec<String>,
}

impl<'a> PageOn<'a> {
    fn tailnet(t: &'a Topology, g: &'a Gateway, fingerprint: Option<&str>) -> Self {
        let (http, ws) = if fingerprint.is_some() {
            ("https", "wss")
        } else {
            ("http", "ws")
        };
        PageOn {
            t,
            g,
            host: format!("{TAILNET_HOST}:{PORT}"),
            origin: sidecar_origin(http),
            url: format!("{ws}://{}:{PORT}/", t.server_addr()),
            trust: fingerprint
                .map(|fp| vec!["--tls-fingerprint".to_string(), fp.to_string()])
                .unwrap_or_default(),
        }
    }

    fn lan(t: &'a Topology, g: &'a Gateway) -> Self {
        let addr = format!("{}:{PORT}", t.server_addr());
        PageOn {
            t,
            g,
            host: addr.clone(),
            origin: format!("http://{addr}"),
            url: format!("ws://{addr}/"),
            trust: vec![],
        }
    }

    fn ws(&self, origin: &str, token: &str, dev: &str) -> Result<ClientResult, String> {
        let mut args = page_args(&self.url, &self.host, origin, token, dev);
        args.extend(self.trust.iter().map(String::as_str));
        self.t.client_when_ready(&args, &self.g.sb.path("out/laptop"))
    }

    /// The browser with its own device identity: connected (after the
    /// operator approves the pairing request once, when the release asks).
    fn pair_and_connect(&self, who: &str, report: &mut Vec<String>) -> Result<(), String> {
        let dev = self.g.sb.path(&format!("laptop/{who}")).display().to_string();
        let first = self.ws(&self.origin, TOKEN, &dev)?;
        let ok = if first.ok {
            report.push(format!("{who}: connected at once (no pairing asked)"));
            first
        } else if let (Some("NOT_PAIRED"), Some(id)) =
            (first.json["code"].as_str(), first.json["details"]["requestId"].as_str())
        {
            report.push(format!("{who}, first connect: pairing required (request {id})"));
            let approve = self.g.openclaw(&["devices", "approve", id, "--json"], &[], CLI_LIMIT)?;
            if !approve.ok() {
                return Err(format!(
                    "FINDING: `openclaw devices approve {id}` failed: {}",
                    approve.describe()
                ));
            }
            report.push(format!("operator: `openclaw devices approve {id}` ok"));
            self.ws(&self.origin, TOKEN, &dev)?
        } else {
            return Err(format!(
                "FINDING: {who} (token, Host {}, Origin {}) was refused: {}",
                self.host,
                self.origin,
                first.brief()
            ));
        };
        if !(ok.ok && ok.json["response"]["ok"] == Value::Bool(true)) {
            return Err(format!("FINDING: {who} got no answer to health: {}", ok.brief()));
        }
        report.push(format!(
            "{who} (token, Origin {}): hello-ok protocol {}, health ok",
            self.origin, ok.json["hello"]["protocol"]
        ));
        Ok(())
    }
}

/// The bootstrap's log so far.
fn bootstrap_log(g: &Gateway) -> String {
    std::fs::read_to_string(g.sb.path("out/stderr")).unwrap_or_default()
}

fn allowed_origins(g: &Gateway) -> Vec<String> {
    g.config()
        .and_then(|c| c["gateway"]["controlUi"]["allowedOrigins"].as_array().cloned())
        .unwrap_or_default()
        .iter()
        .filter_map(|o| o.as_str().map(str::to_string))
        .collect()
}

/// The SHA-256 fingerprint of the gateway's certificate on the data volume
/// (what the browser's "accept the risk" pins).
fn gateway_fingerprint(g: &Gateway) -> Result<String, String> {
    let cert = g.sb.path("data/.openclaw/gateway/tls/gateway-cert.pem");
    let out = std::process::Command::new("openssl")
        .args(["x509", "-noout", "-fingerprint", "-sha256", "-in"])
        .arg(&cert)
        .output()
        .map_err(|e| format!("openssl: {e}"))?;
    String::from_utf8_lossy(&out.stdout)
        .trim()
        .split_once('=')
        .map(|(_, fp)| fp.to_string())
        .filter(|_| out.status.success())
        .ok_or_else(|| format!("no certificate at {}", cert.display()))
}

/// sidecar, published on the server's LAN address (OC111), its node
/// Running: the tailnet browser's path, and the origin the bootstrap listed.
fn sidecar_tailnet_path(case: Case) -> Result<String, String> {
    let name = case.name();
    let version = case.version;
    let t = Topology::new()?;
    let case = case.published_on(&t.server_addr().to_string());
    let script = render_bootstrap(case);
    let beside = Beside {
        sidecar: Some(SidecarNode::Running),
        env: vec![],
    };
    let g = start_gateway_beside(
        case,
        &format!("tailnet-{name}"),
        &script,
        &Net::Named(t.server.clone()),
        &beside,
    )?
    .map_err(|n| format!("FINDING: {name}: the real gateway did not come up: {}", n.describe()))?;
    let mut report = vec![format!("gateway listening after {:.1?} in {}", g.after, t.server)];
    let checks = (|| -> Result<(), String> {
        let scheme = if case.tls { "https" } else { "http" };
        let origin = sidecar_origin(scheme);
        let check = release::origin_check(version);
        // The user's path first: the browser on the tailnet gets in.
        let fp = if case.tls { Some(gateway_fingerprint(&g)?) } else { None };
        let browser = PageOn::tailnet(&t, &g, fp.as_deref());
        browser.pair_and_connect("tailnet browser", &mut report)?;
        // ... and why: the release admits the page by itself, or the bootstrap listed it.
        let listed = allowed_origins(&g);
        if check.admits_same_origin(TAILNET_HOST) {
            if script.contains("tailscale --socket") || listed.iter().any(|o| o.contains(".ts.net")) {
                return Err(format!(
                    "FINDING: {version} admits a same-origin *.ts.net page ({check:?}), yet the bootstrap asks the sidecar for the name (allowedOrigins {listed:?})"
                ));
            }
            report.push(format!(
                "{version} admits the tailnet page by itself ({check:?}): no sidecar step, allowedOrigins {listed:?}"
            ));
        } else {
            if !listed.contains(&origin) {
                return Err(format!(
                    "FINDING: {version} admits only listed origins; the bootstrap did not list {origin}: allowedOrigins {listed:?}"
                ));
            }
            let log = bootstrap_log(&g);
            let line = log
                .lines()
                .find(|l| l.contains("tailnet origin(s) listed"))
                .ok_or("FINDING: the bootstrap did not log the tailnet origin it listed")?;
            report.push(format!("bootstrap: {}", line.trim()));
            report.push(format!("allowedOrigins {listed:?}"));
        }

        let dev = g.sb.path("laptop/tailnet browser").display().to_string();
        let wrong = browser.ws(&origin, "not-the-token", &dev)?;
        if wrong.ok {
            return Err(format!("FINDING: a wrong token was accepted: {}", wrong.brief()));
        }
        report.push(format!("wrong token: refused ({})", wrong.error()));
        let foreign = browser.ws(&format!("{scheme}://evil.example"), TOKEN, &dev)?;
        if check == ocgen::data::versions::OriginCheck::None {
            if !foreign.ok {
                return Err(format!(
                    "FINDING: {version} checks no Origin (table: none), yet a foreign Origin failed: {}",
                    foreign.brief()
                ));
            }
            report.push(format!("foreign Origin: connected ({version} checks no Origin)"));
        } else if foreign.ok || !foreign.error().contains("origin not allowed") {
            return Err(format!(
                "FINDING: foreign Origin {scheme}://evil.example: expected `origin not allowed`, got {}",
                foreign.brief()
            ));
        } else {
            report.push("foreign Origin: refused (origin not allowed)".into());
        }
        Ok(())
    })();
    g.finish(checks).map_err(|e| format!("{name}: {e}"))?;
    Ok(report.join("\n"))
}

/// sidecar on every release of the run: a browser on the tailnet, on the
/// sidecar node's MagicDNS name and the gateway's port, gets in.
#[test]
fn sidecar_tailnet_browser_on_each_release() {
    on_each_release("sidecar tailnet browser", |v| sidecar_tailnet_path(case("sidecar", v)));
}

/// The first release of the run that admits only listed origins.
fn allowlist_release() -> Option<&'static str> {
    releases()
        .iter()
        .copied()
        .find(|v| release::origin_check(v) == ocgen::data::versions::OriginCheck::Allowlist)
}

/// `[gateway] tls`: the listed tailnet origin is `https://…:PORT`, and the
/// browser on it (a real secure context) gets in over wss. Skipped when the
/// run has no release that admits only listed origins.
#[test]
fn sidecar_tls_tailnet_browser_where_only_listed_origins_pass() {
    let Some(version) = allowlist_release() else {
        eprintln!("no release of this run admits only listed origins: nothing to check");
        return;
    };
    match sidecar_tailnet_path(case_tls("sidecar", version)) {
        Ok(report) => println!("{report}"),
        Err(e) => panic!("{e}"),
    }
}

/// The sidecar's node is not Running within TS_WAIT_SECONDS (not logged in
/// yet): on a release that admits only listed origins the gateway still
/// starts for the LAN, the log says the tailnet origin is not listed and
/// what to do, the LAN browser gets in, and the tailnet browser gets
/// `origin not allowed` (what every tailnet browser got before the bootstrap
/// asked the sidecar). Skipped when the run has no such release.
#[test]
fn sidecar_not_running_in_time_starts_for_the_lan_and_leaves_the_tailnet_origin_out() {
    let Some(version) = allowlist_release() else {
        eprintln!("no release of this run admits only listed origins: nothing to check");
        return;
    };
    let result = (|| -> Result<String, String> {
        let t = Topology::new()?;
        let case = case("sidecar", version).published_on(&t.server_addr().to_string());
        let name = case.name();
        let beside = Beside {
            sidecar: Some(SidecarNode::NeedsLogin),
            env: vec![("TS_WAIT_SECONDS".into(), "3".into())],
        };
        let started = Instant::now();
        let g = start_gateway_beside(
            case,
            "tailnet-sidecar-not-running",
            &render_bootstrap(case),
            &Net::Named(t.server.clone()),
            &beside,
        )?
        .map_err(|n| {
            format!(
                "FINDING: {name}: the gateway did not start without the tailnet: {}",
                n.describe()
            )
        })?;
        let mut report = vec![format!("gateway listening after {:.1?}", started.elapsed())];
        let checks = (|| -> Result<(), String> {
            let log = bootstrap_log(&g);
            let line = log
                .lines()
                .find(|l| l.contains("tailnet origin not listed"))
                .ok_or("FINDING: the bootstrap did not say that the tailnet origin is not listed")?;
            for needle in ["not Running after 3s", "NeedsLogin", "restart the openclaw service"] {
                if !line.contains(needle) {
                    return Err(format!("FINDING: the log line does not say {needle:?}: {line}"));
                }
            }
            if log.matches("tailnet origin not listed").count() != 1 {
                return Err(format!("FINDING: the log says it more than once:\n{log}"));
            }
            report.push(format!("bootstrap: {}", line.trim()));
            let listed = allowed_origins(&g);
            if listed.iter().any(|o| o.contains(".ts.net")) {
                return Err(format!("FINDING: a tailnet origin was listed anyway: {listed:?}"));
            }
            report.push(format!("allowedOrigins {listed:?}"));
            PageOn::lan(&t, &g).pair_and_connect("LAN browser", &mut report)?;
            let tailnet = PageOn::tailnet(&t, &g, None);
            let dev = g.sb.path("laptop/tailnet browser").display().to_string();
            let refused = tailnet.ws(&tailnet.origin, TOKEN, &dev)?;
            if refused.ok || !refused.error().contains("origin not allowed") {
                return Err(format!(
                    "FINDING: the tailnet browser (origin not listed): expected `origin not allowed`, got {}",
                    refused.brief()
                ));
            }
            report.push(format!(
                "tailnet browser (Origin {}): origin not allowed",
                tailnet.origin
            ));
            Ok(())
        })();
        g.finish(checks).map_err(|e| format!("{name}: {e}"))?;
        Ok(report.join("\n"))
    })();
    match result {
        Ok(report) => println!("{report}"),
        Err(e) => panic!("{e}"),
    }
}
