//! The tailnet user's path, on a gateway a test started: Tailscale Serve's
//! reverse proxy (`tests/clients/serve-proxy.mjs`, a stand-in that rewrites
//! requests exactly as `ipn/ipnlocal/serve.go` does) in front of a serve
//! gateway, and the sidecar's tailnet browser on the node's MagicDNS name.
//! `tests/user_path.rs` runs both beside its LAN checks on every release;
//! `tests/tailnet_path.rs` holds the negative controls and the real browser.

use std::time::{Duration, Instant};

use serde_json::Value;

use super::client::{ClientResult, READY_LIMIT, expect_refused, page_args};
use super::gateway::Gateway;
use super::proc::{Net, NsProc};
use super::tools::{clients_dir, tools};
use super::topology::Topology;
use super::{PORT, TOKEN, release};

/// The sidecar node's (and Serve's) MagicDNS name.
pub const TAILNET_HOST: &str = "openclaw-server.tailnet-stub.ts.net";
/// The tailnet peer the browser runs on (Tailscale's CGNAT range).
pub const PEER: &str = "100.64.0.7";
/// Where the Serve stand-in answers plain HTTP (`tailscale serve --http`; 443 with TLS).
pub const SERVE_PORT: u16 = 8443;
/// The tailnet's other nodes, as the server's tailscaled knows them (its
/// netmap): `{"IP": {"login", "name", "pic"}}` for a node its user owns,
/// `{"IP": {"tags": [...]}}` for a tagged one. `tailscale whois` (the stand-in
/// the gateway runs) and the Serve stand-in both answer from it; an address not
/// in it is no tailnet peer.
pub fn set_tailnet_peers(g: &Gateway, peers: &Value) -> Result<(), String> {
    let path = peers_file(g);
    let dir = path.parent().expect("the socket has a directory");
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let tmp = path.with_extension("json.tmp");
    std::fs::write(&tmp, peers.to_string()).map_err(|e| format!("{}: {e}", tmp.display()))?;
    std::fs::rename(&tmp, &path).map_err(|e| format!("{}: {e}", path.display()))
}

/// Where the tailscaled stand-in keeps its netmap's peers (next to its state).
fn peers_file(g: &Gateway) -> std::path::PathBuf {
    let mut sock = g.sb.socket().into_os_string();
    sock.push(".stub/peers.json");
    sock.into()
}

/// The tailnet [`check_tailnet`] runs on: the browser's node ([`PEER`]) is a
/// tagged one, so Serve asserts no identity and the token decides.
pub fn tagged_browser_tailnet() -> Value {
    serde_json::json!({ PEER: { "tags": ["tag:laptop"] } })
}

/// The Serve stand-in, running in the server namespace until dropped, its
/// requests coming from the tailnet address `peer`. `tls`: Serve's certificate
/// and key (HTTPS on port 443, as `tailscale serve PORT` answers the tailnet),
/// or plain HTTP on [`SERVE_PORT`] (`tailscale serve --http`).
pub fn start_serve_from(
    t: &Topology,
    g: &Gateway,
    tls: Option<(&std::path::Path, &std::path::Path)>,
    peer: &str,
) -> Result<NsProc, String> {
    let tools = tools()?;
    let node = tools.node();
    let script = clients_dir().join("serve-proxy.mjs");
    let port = if tls.is_some() { 443 } else { SERVE_PORT };
    let listen = format!("{}:{port}", t.server_addr());
    let target = serve_target(g)?;
    let peers = peers_file(g);
    let mut argv: Vec<&std::ffi::OsStr> = vec![
        node.as_os_str(),
        script.as_os_str(),
        "--listen".as_ref(),
        listen.as_ref(),
        "--target".as_ref(),
        target.as_ref(),
        "--peer".as_ref(),
        peer.as_ref(),
        "--peers".as_ref(),
        peers.as_os_str(),
    ];
    if let Some((cert, key)) = tls {
        argv.extend(["--cert".as_ref(), cert.as_os_str(), "--key".as_ref(), key.as_os_str()]);
    }
    let env = vec![("PATH".to_string(), "/usr/bin:/bin".to_string())];
    let _ = std::fs::remove_file(g.sb.path("out/serve-proxy.out"));
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

/// Where Serve proxies to: the one target of the serve config the gateway
/// wrote with `tailscale serve` (the gateway's port, or from 2026.8.1 a
/// loopback listener of its own for Tailscale ingress, on a port it picks).
pub fn serve_target(g: &Gateway) -> Result<String, String> {
    let mut targets: Vec<&String> = g.serve_proxies.iter().collect();
    targets.sort();
    targets.dedup();
    match targets.as_slice() {
        [one] => Ok(one.trim_end_matches('/').to_string()),
        _ => Err(format!(
            "the serve config should proxy to one target, it has {:?} (ran {:?})",
            g.serve_proxies, g.serve_claims
        )),
    }
}

/// [`start_serve_from`] the browser's node, [`PEER`].
pub fn start_serve(
    t: &Topology,
    g: &Gateway,
    tls: Option<(&std::path::Path, &std::path::Path)>,
) -> Result<NsProc, String> {
    start_serve_from(t, g, tls, PEER)
}

/// Serve as the tailnet meets it: HTTPS on 443 with the node's certificate
/// (self-signed here, for [`TAILNET_HOST`]), requests from `peer`. Returns the
/// stand-in and the certificate's SHA-256 fingerprint (what the browser accepts).
pub fn start_serve_https(t: &Topology, g: &Gateway, peer: &str) -> Result<(NsProc, String), String> {
    let dir = g.sb.path("out/serve-tls");
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let (cert, key) = (
        dir.join(format!("{TAILNET_HOST}.crt")),
        dir.join(format!("{TAILNET_HOST}.key")),
    );
    if !cert.exists() {
        super::browser::self_signed(&dir, TAILNET_HOST);
    }
    let fp = cert_fingerprint(&cert)?;
    Ok((start_serve_from(t, g, Some((&cert, &key)), peer)?, fp))
}

/// The tailnet's browser through Serve on `https://<TAILNET_HOST>/`.
pub struct Tailnet<'a> {
    t: &'a Topology,
    scratch: std::path::PathBuf,
    fingerprint: String,
}

impl<'a> Tailnet<'a> {
    /// `fingerprint`: Serve's certificate ([`start_serve_https`]).
    pub fn new(t: &'a Topology, g: &Gateway, fingerprint: &str) -> Self {
        Tailnet {
            t,
            scratch: g.sb.path("out/laptop"),
            fingerprint: fingerprint.to_string(),
        }
    }

    fn url(&self, scheme: &str) -> String {
        format!("{scheme}://{}:443/", self.t.server_addr())
    }

    pub fn page(&self) -> Result<ClientResult, String> {
        let url = self.url("https");
        self.t.client(
            &[
                "--http-get",
                "/",
                "--url",
                &url,
                "--host",
                TAILNET_HOST,
                "--tls-fingerprint",
                &self.fingerprint,
            ],
            &self.scratch,
        )
    }

    /// The Control UI page, once the gateway answers it (or refuses with 403).
    pub fn ready(&self) -> Result<ClientResult, String> {
        let end = Instant::now() + READY_LIMIT;
        loop {
            let p = self.page()?;
            if p.ok || Instant::now() >= end || p.json["status"] == 403 {
                return Ok(p);
            }
            std::thread::sleep(Duration::from_millis(500));
        }
    }

    /// The browser on `https://<host>`, with a device identity (and `extra`
    /// client options, e.g. `--header`).
    pub fn ws_with(&self, origin: &str, token: &str, dev: &str, extra: &[&str]) -> Result<ClientResult, String> {
        let url = self.url("wss");
        let mut args = page_args(&url, TAILNET_HOST, origin, token, dev);
        args.extend(["--tls-fingerprint", self.fingerprint.as_str()]);
        args.extend(extra);
        self.t.client_when_ready(&args, &self.scratch)
    }

    pub fn ws(&self, origin: &str, token: &str, dev: &str) -> Result<ClientResult, String> {
        self.ws_with(origin, token, dev, &[])
    }
}

/// The token path through Serve (HTTPS, as Serve answers the tailnet) from a
/// tagged browser node ([`tagged_browser_tailnet`]): the Control UI page, the
/// browser connects with the token (pairing once), a wrong token and a foreign
/// Origin are refused.
pub fn check_tailnet(t: &Topology, g: &Gateway) -> Result<Vec<String>, String> {
    let version = g.case.version;
    let mut report = Vec::new();
    set_tailnet_peers(g, &tagged_browser_tailnet())?;
    let (mut serve, fp) = start_serve_https(t, g, PEER)?;
    let r = check_tailnet_on(&Tailnet::new(t, g, &fp), g, version, &mut report);
    let stopped = serve.stop().map_err(|e| format!("the Serve stand-in: {e}"));
    r.and(stopped).map(|()| report)
}

fn check_tailnet_on(tn: &Tailnet, g: &Gateway, version: &str, report: &mut Vec<String>) -> Result<(), String> {
    let origin = format!("https://{TAILNET_HOST}");

    let page = tn.ready()?;
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
        report.push(g.approve(id)?);
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
    report.push(expect_refused(
        "wrong token through Serve",
        &wrong,
        "connect",
        "unauthorized",
    )?);

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
        return Ok(());
    }
    if foreign.ok || !foreign.error().contains("origin not allowed") {
        return Err(format!(
            "FINDING: foreign Origin https://evil.example through Serve: expected `origin not allowed`, got {}",
            foreign.brief()
        ));
    }
    report.push("foreign Origin through Serve: refused (origin not allowed)".into());
    Ok(())
}

/// The sidecar's node, where a tailnet browser finds the gateway's port.
pub fn sidecar_origin(scheme: &str) -> String {
    format!("{scheme}://{TAILNET_HOST}:{PORT}")
}

/// A browser on the laptop: `scheme://<name>:PORT/` resolved to the server's
/// address (the node's tailnet address, as MagicDNS resolves it), `Host` and
/// `Origin` the name; `trust` accepts the gateway's certificate (TLS).
pub struct PageOn<'a> {
    t: &'a Topology,
    g: &'a Gateway,
    pub host: String,
    pub origin: String,
    url: String,
    trust: Vec<String>,
}

impl<'a> PageOn<'a> {
    pub fn tailnet(t: &'a Topology, g: &'a Gateway, fingerprint: Option<&str>) -> Self {
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

    pub fn lan(t: &'a Topology, g: &'a Gateway) -> Self {
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

    pub fn ws(&self, origin: &str, token: &str, dev: &str) -> Result<ClientResult, String> {
        let mut args = page_args(&self.url, &self.host, origin, token, dev);
        args.extend(self.trust.iter().map(String::as_str));
        self.t.client_when_ready(&args, &self.g.sb.path("out/laptop"))
    }

    /// The browser with its own device identity: connected (after the
    /// operator approves the pairing request once, when the release asks).
    pub fn pair_and_connect(&self, who: &str, report: &mut Vec<String>) -> Result<(), String> {
        let dev = self.g.sb.path(&format!("laptop/{who}")).display().to_string();
        let first = self.ws(&self.origin, TOKEN, &dev)?;
        let ok = if first.ok {
            report.push(format!("{who}: connected at once (no pairing asked)"));
            first
        } else if let (Some("NOT_PAIRED"), Some(id)) =
            (first.json["code"].as_str(), first.json["details"]["requestId"].as_str())
        {
            report.push(format!("{who}, first connect: pairing required (request {id})"));
            report.push(self.g.approve(id)?);
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
pub fn bootstrap_log(g: &Gateway) -> String {
    std::fs::read_to_string(g.sb.path("out/stderr")).unwrap_or_default()
}

pub fn allowed_origins(g: &Gateway) -> Vec<String> {
    g.config()
        .and_then(|c| c["gateway"]["controlUi"]["allowedOrigins"].as_array().cloned())
        .unwrap_or_default()
        .iter()
        .filter_map(|o| o.as_str().map(str::to_string))
        .collect()
}

/// The SHA-256 fingerprint of the gateway's certificate on the data volume
/// (what the browser's "accept the risk" pins).
pub fn gateway_fingerprint(g: &Gateway) -> Result<String, String> {
    cert_fingerprint(&g.sb.data.join(".openclaw/gateway/tls/gateway-cert.pem"))
}

/// The SHA-256 fingerprint of the certificate in `cert` (PEM).
pub fn cert_fingerprint(cert: &std::path::Path) -> Result<String, String> {
    let out = std::process::Command::new("openssl")
        .args(["x509", "-noout", "-fingerprint", "-sha256", "-in"])
        .arg(cert)
        .output()
        .map_err(|e| format!("openssl: {e}"))?;
    String::from_utf8_lossy(&out.stdout)
        .trim()
        .split_once('=')
        .map(|(_, fp)| fp.to_string())
        .filter(|_| out.status.success())
        .ok_or_else(|| format!("no certificate at {}", cert.display()))
}

/// The sidecar's tailnet browser against a gateway started with its node
/// Running beside it ([`SidecarNode::Running`]): it gets in on the node's
/// MagicDNS name, because the release admits the page by itself or because the
/// bootstrap (`script`) asked the sidecar for the name and listed it; a wrong
/// token and a foreign Origin are refused.
pub fn check_sidecar_tailnet(t: &Topology, g: &Gateway, script: &str) -> Result<Vec<String>, String> {
    let case = g.case;
    let version = case.version;
    let mut report = Vec::new();
    let scheme = if case.tls { "https" } else { "http" };
    let origin = sidecar_origin(scheme);
    let check = release::origin_check(version);
    // The user's path first: the browser on the tailnet gets in.
    let fp = if case.tls { Some(gateway_fingerprint(g)?) } else { None };
    let browser = PageOn::tailnet(t, g, fp.as_deref());
    browser.pair_and_connect("tailnet browser", &mut report)?;
    // ... and why: the release admits the page by itself, or the bootstrap listed it.
    let listed = allowed_origins(g);
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
        let log = bootstrap_log(g);
        let line = log
            .lines()
            .find(|l| l.contains("tailnet origin(s) listed"))
            .ok_or("FINDING: the bootstrap did not log the tailnet origin it listed")?;
        report.push(format!("bootstrap: {}", line.trim()));
        report.push(format!("allowedOrigins {listed:?}"));
    }

    let dev = g.sb.path("laptop/tailnet browser").display().to_string();
    let wrong = browser.ws(&origin, "not-the-token", &dev)?;
    report.push(expect_refused(
        "tailnet browser, wrong token",
        &wrong,
        "connect",
        "unauthorized",
    )?);
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
    Ok(report)
}

/// A user-owned laptop on the tailnet (Serve asserts its user), a tagged node
/// (Serve asserts nobody), and a LAN host that is no tailnet peer.
pub const ALICE: &str = "alice@example.com";
pub const TAGGED_PEER: &str = "100.64.0.9";

pub fn identity_tailnet() -> Value {
    serde_json::json!({
        PEER: { "login": ALICE, "name": "Alice", "host": "alice-laptop" },
        TAGGED_PEER: { "tags": ["tag:ci"], "host": "ci-runner" },
    })
}

/// The serve render's `allowTailscale` step, once.
pub const ALLOW_TAILSCALE_STEP: &str = "\n| .gateway.auth.allowTailscale = false";

/// The identity path on a serve gateway `g` (started by its render, or by one with the
/// release's own `allowTailscale` default), each browser without the token and with a
/// device of its own, through the Serve stand-in (which asserts what
/// `ipn/ipnlocal/serve.go` asserts, from the netmap the gateway's `tailscale whois` also
/// answers from):
/// - over plain HTTP (`tailscale serve --http`: no `X-Forwarded-Proto`) Alice
///   is refused: OpenClaw takes Serve's identity only from a request Serve
///   marked as HTTPS;
/// - a tagged node forging `Tailscale-User-Login: alice` is refused (Serve
///   strips it and asserts nobody for a tagged node);
/// - a LAN host that is no tailnet peer, forging the login and
///   `X-Forwarded-For: <Alice's address>`, is refused (Serve strips both; its
///   WhoIs finds no node);
/// - Alice over HTTPS, Serve asserting her login: `admitted` — she gets in
///   without the token, at once where the release skips pairing for a
///   Tailscale-verified Control UI, else once the operator approves her
///   device; not `admitted` (the serve render, `allowTailscale = false`) —
///   refused for the missing token.
///
/// Adds what happened to `report`, one line a step.
pub fn check_identity(t: &Topology, g: &Gateway, admitted: bool, report: &mut Vec<String>) -> Result<(), String> {
    set_tailnet_peers(g, &identity_tailnet())?;
    let origin = format!("https://{TAILNET_HOST}");
    let alice_dev = g.sb.path("laptop/alice").display().to_string();
    let forge_login = format!("Tailscale-User-Login: {ALICE}");

    // Plain HTTP: Serve sends no X-Forwarded-Proto.
    let mut serve = start_serve_from(t, g, None, PEER)?;
    let url = format!("ws://{}:{SERVE_PORT}/", t.server_addr());
    let plain = t.client_when_ready(
        &page_args(&url, TAILNET_HOST, &origin, "", &alice_dev),
        &g.sb.path("out/laptop"),
    )?;
    serve.stop().map_err(|e| format!("the Serve stand-in: {e}"))?;
    // Refused for the token, not for the Origin (the tailnet page's is
    // sent): at `connect`, or (2026.9.6, its Tailscale ingress listener)
    // at the upgrade, the request not attributable to Serve.
    let for_token = plain.stage() == "connect" && plain.error().contains("unauthorized");
    let unattributed = plain.json["status"] == 403 && plain.error().contains("Proxy client attribution");
    if plain.ok || !(for_token || unattributed) {
        return Err(format!(
            "FINDING: Alice without the token over plain HTTP (no X-Forwarded-Proto): expected a refusal for the token or the attribution, got {}",
            plain.brief()
        ));
    }
    report.push(format!(
        "Alice, no token, Serve over plain HTTP (no X-Forwarded-Proto): refused: {}",
        plain.brief()
    ));

    // A tagged node, forging the login.
    let (mut serve, fp) = start_serve_https(t, g, TAGGED_PEER)?;
    let tn = Tailnet::new(t, g, &fp);
    let page = tn.ready()?;
    if !page.ok {
        return Err(format!(
            "FINDING: GET https://{TAILNET_HOST}/ through Serve: {}",
            page.brief()
        ));
    }
    let dev = g.sb.path("laptop/ci").display().to_string();
    let tagged = tn.ws_with(&origin, "", &dev, &["--header", &forge_login])?;
    serve.stop().map_err(|e| format!("the Serve stand-in: {e}"))?;
    report.push(expect_refused(
        &format!("tagged node {TAGGED_PEER}, no token, forged `{forge_login}`"),
        &tagged,
        "connect",
        "unauthorized",
    )?);

    // A LAN host, no tailnet peer, forging the login and the peer address.
    let lan = t.laptop_addr().to_string();
    let (mut serve, fp) = start_serve_https(t, g, &lan)?;
    let tn = Tailnet::new(t, g, &fp);
    let dev = g.sb.path("laptop/lan").display().to_string();
    let forge_for = format!("X-Forwarded-For: {PEER}");
    let forged = tn.ws_with(&origin, "", &dev, &["--header", &forge_login, "--header", &forge_for])?;
    serve.stop().map_err(|e| format!("the Serve stand-in: {e}"))?;
    report.push(expect_refused(
        &format!("LAN host {lan} (no tailnet peer), no token, forged `{forge_login}`, `{forge_for}`"),
        &forged,
        "connect",
        "unauthorized",
    )?);

    // Alice over HTTPS, as Serve answers the tailnet.
    let (mut serve, fp) = start_serve_https(t, g, PEER)?;
    let tn = Tailnet::new(t, g, &fp);
    let first = tn.ws(&origin, "", &alice_dev);
    let r = (|| -> Result<(), String> {
        let first = first?;
        if !admitted {
            report.push(expect_refused(
                &format!("Alice ({PEER}, Serve asserts {ALICE}), no token, allowTailscale=false"),
                &first,
                "connect",
                "unauthorized",
            )?);
            return Ok(());
        }
        let ok = if first.ok {
            report.push(format!(
                "Alice ({PEER}), no token: connected at once (no pairing asked)"
            ));
            first
        } else if let (Some("NOT_PAIRED"), Some(id)) =
            (first.json["code"].as_str(), first.json["details"]["requestId"].as_str())
        {
            report.push(format!("Alice ({PEER}), no token: pairing required (request {id})"));
            let approve = g.openclaw(&["devices", "approve", id, "--json"], &[], super::gateway::CLI_LIMIT)?;
            if !approve.ok() {
                return Err(format!(
                    "FINDING: `openclaw devices approve {id}` failed: {}",
                    approve.describe()
                ));
            }
            report.push(format!("operator: `openclaw devices approve {id}` ok"));
            tn.ws(&origin, "", &alice_dev)?
        } else {
            return Err(format!(
                "FINDING: Alice ({PEER}, Serve asserts {ALICE}) without the token was refused: {}",
                first.brief()
            ));
        };
        if !(ok.ok && ok.json["response"]["ok"] == Value::Bool(true)) {
            return Err(format!("FINDING: Alice got no answer to health: {}", ok.brief()));
        }
        report.push(format!(
            "Alice, no token (Serve asserts {ALICE}, whois agrees): hello-ok protocol {}, health ok",
            ok.json["hello"]["protocol"]
        ));
        Ok(())
    })();
    let stopped = serve.stop().map_err(|e| format!("the Serve stand-in: {e}"));
    r.and(stopped)
}
