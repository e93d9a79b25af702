//! The real gateway, started by a rendered `bootstrap.sh` with the real
//! `openclaw` first on PATH (the stand-in tailscale CLI and daemon behind
//! it, the CLI's default socket being the bootstrap's `TS_SOCKET`), in its
//! own PID and mount namespaces and a private or named network namespace.

use std::ffi::OsStr;
use std::fs;
use std::net::{Ipv4Addr, SocketAddr};
use std::os::unix::fs::symlink;
use std::process::{Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use super::Case;
use super::net::{check_listeners, show};
use super::proc::{Net, NsProc, Ran, kill_group, run_bounded};
use super::sandbox::{Sandbox, tail};
use super::slots::{Slot, acquire_slot, warm_gate, warm_marker};
use super::tools::{SYS_PATH, stubs_dir, tools};

/// A gateway that listens as its profile says, until [`Gateway::stop`] (or drop).
pub struct Gateway {
    pub case: Case,
    pub sb: Sandbox,
    p: NsProc,
    /// The bootstrap's environment (what the gateway and its sub-agents see).
    pub env: Vec<(String, String)>,
    /// From starting bootstrap.sh to listening.
    pub after: Duration,
    /// When port 18789 first listened (and, for serve, serve was set up).
    pub table: Vec<SocketAddr>,
    /// `tailscale serve …` calls the gateway made (no --socket).
    pub serve_claims: Vec<String>,
    /// Proxy targets of the stand-in's serve config.
    pub serve_proxies: Vec<String>,
    /// The sidecar's tailscaled, when the run has one ([`Beside::sidecar`]).
    sidecar: Option<NsProc>,
    /// The sidecar's node logged in (`tailscale up`) at this start.
    pub sidecar_login: bool,
    /// The operator's CLI has approved a pairing request on this gateway ([`Gateway::approve`]).
    cli_approved: std::sync::atomic::AtomicBool,
    /// The local operator's client in the server's network namespace ([`Gateway::rpc`]), one process.
    rpc_client: std::sync::Mutex<Option<super::ClientServer>>,
    _slot: Slot,
}

/// What runs beside the bootstrap, and what its environment adds.
#[derive(Debug, Clone, Default)]
pub struct Beside {
    /// sidecar: the tailscale service's tailscaled (stand-in) on the socket
    /// the two containers share ([`Sandbox::socket`]), in the same network
    /// namespace but its own PID namespace, as another container.
    pub sidecar: Option<SidecarNode>,
    /// Added to (or overriding) [`Sandbox::env`].
    pub env: Vec<(String, String)>,
    /// A data volume that outlives this gateway ([`super::Volume`]'s path,
    /// used by an earlier gateway): the sandbox's data directory, also linked
    /// as its `data/`, so gateways of different releases or profiles run one
    /// after another on the same state. None: a fresh one in the sandbox.
    pub volume: Option<std::path::PathBuf>,
    /// Added to the time the gateway has to listen (an upgrade's
    /// `openclaw doctor --fix` runs before it).
    pub extra_wait: Duration,
    /// sidecar: the tailscale service's state volume (a [`super::Volume`]'s
    /// path), which outlives this gateway as the named volume outlives a
    /// redeploy. The node then starts as containerboot starts it with the
    /// case's rendered `tailscale` service: its state kept there when the
    /// service sets `TS_STATE_DIR` (else in memory), and `tailscale up` at
    /// every start unless it sets `TS_AUTH_ONCE=true`, then only while the
    /// node needs a login. None: a fresh node, logged in at every start.
    pub sidecar_state: Option<std::path::PathBuf>,
}

/// The state the sidecar's node is in when the bootstrap starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SidecarNode {
    /// Logged in as [`SIDECAR_HOSTNAME`] (containerboot ran `tailscale up`
    /// with the auth key): its MagicDNS name is
    /// `openclaw-server.tailnet-stub.ts.net`.
    Running,
    /// tailscaled answers but nobody logged in (no auth key, or not yet).
    NeedsLogin,
}

/// `[tailscale] hostname` of the renders (its default).
/// A bound on one `openclaw` CLI command inside the server.
pub const CLI_LIMIT: Duration = Duration::from_secs(90);
pub const SIDECAR_HOSTNAME: &str = "openclaw-server";

/// What containerboot does with the case's rendered `tailscale` service
/// (`docker-compose.yaml`): whether it keeps the node's state (`TS_STATE_DIR`)
/// and whether it logs in only once (`TS_AUTH_ONCE`).
fn containerboot_rules(case: Case) -> Result<(bool, bool), String> {
    let compose = super::render_file(case, "docker-compose.yaml");
    let v: Value = serde_saphyr::from_str(&compose).map_err(|e| format!("docker-compose.yaml: {e}"))?;
    let env = &v["services"]["tailscale"]["environment"];
    let truthy = |k: &str| matches!(&env[k], Value::Bool(true)) || env[k].as_str() == Some("true");
    Ok((env.get("TS_STATE_DIR").is_some(), truthy("TS_AUTH_ONCE")))
}

/// Start the sidecar's tailscaled (stand-in) on the sandbox's socket in
/// `net`, its own PID namespace, and bring it to `node` as containerboot
/// would (`tailscale --socket=… up --authkey=… --hostname=…`); with a state
/// volume ([`Beside::sidecar_state`]) by the rendered service's rules.
/// Returns the daemon and whether it ran `tailscale up`.
fn start_sidecar(
    sb: &Sandbox,
    net: &Net,
    node: SidecarNode,
    case: Case,
    state_volume: Option<&std::path::Path>,
) -> Result<(NsProc, bool), String> {
    let socket = sb.socket();
    let (state, auth_once) = match state_volume {
        None => (sb.path("run/sidecar-tailscaled.state").display().to_string(), false),
        Some(dir) => match containerboot_rules(case)? {
            (true, once) => (dir.join("tailscaled.state").display().to_string(), once),
            (false, once) => ("mem:".to_string(), once),
        },
    };
    let path = format!("{}:{SYS_PATH}", stubs_dir().display());
    let env = vec![("PATH".to_string(), path.clone())];
    let socket_arg = format!("--socket={}", socket.display());
    let state_arg = format!("--state={state}");
    let argv: [&OsStr; 5] = [
        "tailscaled".as_ref(),
        socket_arg.as_ref(),
        state_arg.as_ref(),
        "--tun=userspace-networking".as_ref(),
        "--statedir=/tmp".as_ref(),
    ];
    let mut p = NsProc::spawn_in(
        net,
        &argv,
        &env,
        &sb.path("cwd"),
        sb.path("out/sidecar.out"),
        sb.path("out/sidecar.err"),
    )?;
    let end = Instant::now() + Duration::from_secs(20);
    while !socket.exists() {
        if p.exited().is_some() || Instant::now() >= end {
            return Err(format!("the sidecar's tailscaled did not start: {}", p.output()));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let cli = |args: &[&str]| {
        let mut c = Command::new("tailscale");
        c.arg(&socket_arg).args(args).env_clear().env("PATH", &path);
        run_bounded(c, Duration::from_secs(30), &sb.path("out/runs"))
    };
    // containerboot with TS_AUTH_ONCE: `up` only while the node needs a login.
    let running = auth_once && {
        let status = cli(&["status", "--json"])?;
        serde_json::from_str::<Value>(&status.stdout).is_ok_and(|s| s["BackendState"] == "Running")
    };
    let login = node == SidecarNode::Running && !running;
    if login {
        let hostname = format!("--hostname={SIDECAR_HOSTNAME}");
        let authkey = format!("--authkey={}", super::AUTH_KEY);
        let ran = cli(&["up", "--accept-dns=false", &hostname, &authkey])?;
        if !ran.ok() {
            return Err(format!("the sidecar's `tailscale up` failed: {}", ran.describe()));
        }
    }
    Ok((p, login))
}

/// What a stopped gateway left.
#[derive(Debug)]
pub struct Stopped {
    /// Listeners just before the run was stopped.
    pub final_table: Vec<SocketAddr>,
    pub output: String,
}

#[derive(Debug)]
pub struct NotListening {
    pub reason: String,
    pub exit: Option<ExitStatus>,
    pub table: Vec<SocketAddr>,
    pub output: String,
    pub config: Option<String>,
}

impl NotListening {
    pub fn describe(&self) -> String {
        format!(
            "{}\nlisteners: {}\nopenclaw.json: {}\n{}",
            self.reason,
            show(&self.table),
            self.config.as_deref().unwrap_or("(none)"),
            self.output
        )
    }
}

/// `tailscale serve|funnel …` calls made without --socket (the bootstrap's
/// own calls all pass --socket), not counting `status`/`reset`.
fn serve_claims(sb: &Sandbox) -> Vec<String> {
    sb.stub_log()
        .into_iter()
        .filter(|inv| {
            inv.first().map(String::as_str) == Some("tailscale")
                && !inv
                    .iter()
                    .any(|a| a.starts_with("--socket") || a.starts_with("-socket"))
                && matches!(inv.get(1).map(String::as_str), Some("serve" | "funnel"))
                && !matches!(inv.get(2).map(String::as_str), Some("status" | "reset"))
        })
        .map(|inv| inv.join(" "))
        .collect()
}

/// `nsenter` into the run's network, PID and mount namespaces.
fn nsenter(p: &NsProc) -> Result<Command, String> {
    nsenter_as(p, &[])
}

/// [`nsenter`] with extra options (e.g. `--setuid`).
fn nsenter_as(p: &NsProc, opts: &[&str]) -> Result<Command, String> {
    let init = p.init_pid().ok_or("the namespace has no init process")?;
    let mut cmd = Command::new("nsenter");
    cmd.args(["-t", &init.to_string(), "--pid", "--mount", "--net"]);
    cmd.args(opts).arg("--");
    Ok(cmd)
}

/// The stand-in's serve config, asked from inside the namespaces through the
/// CLI's default socket (as OpenClaw asks).
fn serve_status(p: &NsProc, sb: &Sandbox) -> Result<Value, String> {
    let out = nsenter(p)?
        .args(["tailscale", "serve", "status", "--json"])
        .env_clear()
        .env("PATH", format!("{}:{SYS_PATH}", stubs_dir().display()))
        .env("STUB_DEFAULT_SOCKET", sb.socket())
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("nsenter: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "tailscale serve status --json: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    serde_json::from_slice(&out.stdout).map_err(|e| format!("serve status is not JSON: {e}"))
}

fn proxies(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            for (k, v) in m {
                match (k.as_str(), v) {
                    ("Proxy", Value::String(s)) => out.push(s.clone()),
                    _ => proxies(v, out),
                }
            }
        }
        Value::Array(a) => a.iter().for_each(|v| proxies(v, out)),
        _ => {}
    }
}

/// Loopback ports the serve config proxies to.
fn proxy_port(proxy: &str) -> Option<u16> {
    let rest = proxy.strip_prefix("http://")?;
    let (host, port) = rest.trim_end_matches('/').rsplit_once(':')?;
    matches!(host, "127.0.0.1" | "localhost" | "[::1]")
        .then(|| port.parse().ok())
        .flatten()
}

/// Start `script` (a rendered bootstrap.sh, maybe mutated) with the real
/// gateway of `case.version` first on PATH, in `net`, and wait until it
/// listens on port 18789 as `case.expect()` says (and, with `serve`, until it
/// has set up `tailscale serve` to a listening loopback port).
pub fn start_gateway(
    case: Case,
    label: &str,
    script_text: &str,
    net: &Net,
) -> Result<Result<Gateway, NotListening>, String> {
    start_gateway_beside(case, label, script_text, net, &Beside::default())
}

/// [`start_gateway`] with what `beside` runs beside it and adds to its
/// environment.
pub fn start_gateway_beside(
    case: Case,
    label: &str,
    script_text: &str,
    net: &Net,
    beside: &Beside,
) -> Result<Result<Gateway, NotListening>, String> {
    let tools = tools()?;
    let version = case.version;
    let mut sb = Sandbox::new(label)?;
    if let Some(v) = &beside.volume {
        sb = sb.on_volume(v);
    }
    let script = sb.write_script(script_text)?;
    symlink(tools.launcher(version), sb.path("bin/openclaw")).map_err(|e| e.to_string())?;
    if let Some(volume) = &beside.volume {
        symlink(volume, sb.path("data")).map_err(|e| format!("link the volume: {e}"))?;
    }
    let mut env = sb.env(case, &sb.path("bin"));
    for (k, v) in &beside.env {
        env.retain(|(name, _)| name != k);
        env.push((k.clone(), v.clone()));
    }
    let (mut sidecar, sidecar_login) = match beside.sidecar {
        Some(node) => {
            let (p, login) = start_sidecar(&sb, net, node, case, beside.sidecar_state.as_deref())?;
            (Some(p), login)
        }
        None => (None, false),
    };

    let (warm_guard, limit) = warm_gate(version);
    let limit = limit + beside.extra_wait;
    // After the gate: the cold start links the shared cache, the others copy it.
    sb.link_caches(version)?;
    let slot = acquire_slot();
    let mut p = NsProc::spawn_in(
        net,
        &["bash".as_ref(), script.as_os_str()],
        &env,
        &sb.path("cwd"),
        sb.path("out/stdout"),
        sb.path("out/stderr"),
    )?;
    let start = Instant::now();
    let expect = case.expect();
    let mut table = Vec::new();
    let verdict = loop {
        if let Some(status) = p.exited() {
            break Err((
                format!(
                    "bootstrap.sh exited with {status} after {:.1?}, before the gateway listened as expected",
                    start.elapsed()
                ),
                Some(status),
            ));
        }
        if let Some(t) = p.listeners() {
            table = t;
        }
        let check = check_listeners(expect, &table);
        if check.is_ok() {
            if !case.serve() {
                break Ok((Vec::new(), Vec::new()));
            }
            let claims = serve_claims(&sb);
            if !claims.is_empty() {
                if let Ok(status) = serve_status(&p, &sb) {
                    let mut found = Vec::new();
                    proxies(&status, &mut found);
                    let live = found
                        .iter()
                        .filter_map(|px| proxy_port(px))
                        .any(|port| table.contains(&SocketAddr::new(Ipv4Addr::LOCALHOST.into(), port)));
                    if live {
                        break Ok((claims, found));
                    }
                }
            }
        }
        if start.elapsed() > limit {
            let why = match check {
                Err(e) => e,
                Ok(()) => "it listened, but never ran `tailscale serve` (without --socket) \
                           to a listening loopback port"
                    .into(),
            };
            break Err((format!("not listening as expected after {limit:?}: {why}"), None));
        }
        std::thread::sleep(Duration::from_millis(250));
    };
    let after = start.elapsed();
    super::proc::tally("bootstrap.sh until the gateway listens", after);
    match verdict {
        Ok((serve_claims, serve_proxies)) => {
            if warm_guard.is_some() {
                let _ = fs::write(warm_marker(version), "");
            }
            drop(warm_guard);
            Ok(Ok(Gateway {
                case,
                sb,
                p,
                env,
                after,
                table,
                serve_claims,
                serve_proxies,
                sidecar,
                sidecar_login,
                cli_approved: Default::default(),
                rpc_client: Default::default(),
                _slot: slot,
            }))
        }
        Err((reason, exit)) => {
            drop(warm_guard);
            let output = format!(
                "{}\n--- stand-in tailscale log ---\n{}",
                p.output(),
                tail(&sb.path("out/stub.log"), 30)
            );
            if let Some(s) = &sidecar {
                kill_group(s.pid);
            }
            p.stop().map_err(|e| format!("{label}: {e}"))?;
            if let Some(s) = sidecar.as_mut() {
                s.stop().map_err(|e| format!("{label}: the sidecar: {e}"))?;
            }
            Ok(Err(NotListening {
                reason,
                exit,
                table,
                output,
                config: fs::read_to_string(sb.config()).ok(),
            }))
        }
    }
}

impl Gateway {
    /// Listeners now (None once the run has ended).
    pub fn listeners(&mut self) -> Option<Vec<SocketAddr>> {
        self.p.listeners()
    }

    /// The gateway's log so far (stdout/stderr tails).
    pub fn output(&self) -> String {
        self.p.output()
    }

    /// The config the gateway runs with.
    pub fn config(&self) -> Option<Value> {
        fs::read_to_string(self.sb.config())
            .ok()
            .and_then(|t| serde_json::from_str(&t).ok())
    }

    /// Run `argv` inside the server (the gateway's network, PID and mount
    /// namespaces) as the gateway's user (uid/gid 1000, as its sub-agents run and
    /// as an operator's `docker exec -u node` does), with the gateway's environment plus what the bootstrap
    /// exports (`OPENCLAW_STATE_DIR`, `OPENCLAW_CONFIG_PATH`) plus `extra`:
    /// what a sub-agent or `docker exec` in the container sees.
    pub fn in_server<S: AsRef<OsStr>>(
        &self,
        argv: &[S],
        extra: &[(&str, &str)],
        limit: Duration,
    ) -> Result<Ran, String> {
        let state = self.sb.data.join(".openclaw");
        let mut cmd = nsenter_as(&self.p, &["--setuid", "1000", "--setgid", "1000"])?;
        cmd.args(argv)
            .env_clear()
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .env("OPENCLAW_STATE_DIR", &state)
            .env("OPENCLAW_CONFIG_PATH", self.sb.config())
            .envs(extra.iter().copied())
            .current_dir(self.sb.path("cwd"));
        run_bounded(cmd, limit, &self.sb.path("out/runs"))
    }

    /// `openclaw ARGS…` (the release the gateway runs) inside the server.
    pub fn openclaw(&self, args: &[&str], extra: &[(&str, &str)], limit: Duration) -> Result<Ran, String> {
        let bin = self.sb.path("bin/openclaw");
        let mut argv: Vec<&OsStr> = vec![bin.as_os_str()];
        argv.extend(args.iter().map(OsStr::new));
        self.in_server(&argv, extra, limit)
    }

    /// The operator approves pairing request `id` from inside the server. The
    /// first approval on a plain lan-patch or sidecar gateway (one gateway for
    /// both on most releases) with the CLI (`openclaw devices approve ID`, what a
    /// user runs with `docker exec`); every other one over the gateway's own
    /// WebSocket with the method that command calls (`device.pair.approve`), as a
    /// local operator (loopback, the token, a device of its own): the same
    /// approval on the gateway's side for a tenth of the CLI's start-up
    /// (measured: ~0.4 s against ~4.7 s, of CPU the suite waits for).
    /// Returns the line for the report.
    pub fn approve(&self, id: &str) -> Result<String, String> {
        use std::sync::atomic::Ordering;
        let cli = !self.case.serve() && !self.case.tls && !self.cli_approved.swap(true, Ordering::SeqCst);
        if cli {
            return self
                .approve_with_cli(id)
                .map(|how| format!("operator: `openclaw devices approve {id}` ok{how}"))
                .map_err(|e| format!("FINDING: {e}"));
        }
        let r = self.rpc("device.pair.approve", &serde_json::json!({ "requestId": id }))?;
        if r.ok {
            Ok(format!(
                "operator: `device.pair.approve {id}` over the gateway's WebSocket ok"
            ))
        } else {
            Err(format!(
                "FINDING: `device.pair.approve {id}` inside the server failed: {}",
                r.brief()
            ))
        }
    }

    /// `openclaw devices approve ID` inside the server, as the operator runs it with
    /// `docker exec`. Run once more when the CLI gave up connecting within its own 10 s
    /// (`gateway timeout after 10000ms`: the gateway's event loop busy while other gateways
    /// start on this loaded 2-core machine; seen once in CI), as an operator would; Ok with
    /// what to add to the report (empty, or that it took a second run).
    pub fn approve_with_cli(&self, id: &str) -> Result<String, String> {
        let mut note = String::new();
        for attempt in 1..=2 {
            let approve = self.openclaw(&["devices", "approve", id, "--json"], &[], CLI_LIMIT)?;
            if approve.ok() {
                return Ok(note);
            }
            let text = approve.describe();
            if attempt == 2 || !text.contains("gateway timeout after") {
                return Err(format!(
                    "`openclaw devices approve {id}` inside the server failed: {text}"
                ));
            }
            note = format!(" (a second run: the first gave up connecting, {:.0?})", approve.took);
        }
        unreachable!()
    }

    /// `method` with `params` over the gateway's own WebSocket, as a local operator
    /// (loopback, the token, a device of its own under the state directory), with
    /// `tests/clients/gateway-client.mjs`: what the operator's `openclaw devices …`
    /// commands call, for a tenth of the CLI's start-up. The answer is
    /// `json["response"]` when `ok`.
    pub fn rpc(&self, method: &str, params: &Value) -> Result<super::ClientResult, String> {
        let ws = if self.case.tls { "wss" } else { "ws" };
        let url = format!("{ws}://127.0.0.1:{}/", super::PORT);
        let dev = self.sb.data.join(".openclaw/ocgen-operator").display().to_string();
        let params = params.to_string();
        let mut args = vec![
            "--url",
            &url,
            "--token",
            super::TOKEN,
            "--device-dir",
            &dev,
            "--client-id",
            "cli",
            "--client-mode",
            "cli",
            "--request",
            method,
            "--params",
            &params,
        ];
        if self.case.tls {
            args.push("--insecure-tls");
        }
        // In the gateway's network namespace only: in its PID namespace the client,
        // killed, would wait as a zombie for the gateway (PID 1 there, which reaps
        // only its own children) and hold up the namespace's end by ~1 s (measured).
        let init = self.p.init_pid().ok_or("the namespace has no init process")?;
        let mut runner = Command::new("nsenter");
        runner
            .args([
                "-t",
                &init.to_string(),
                "--net",
                "--setuid",
                "1000",
                "--setgid",
                "1000",
                "--",
            ])
            .env_clear()
            .env("PATH", SYS_PATH)
            .envs(super::client_env()?)
            .current_dir(self.sb.path("cwd"));
        super::ClientServer::ask(&self.rpc_client, runner, &args, CLI_LIMIT, &self.sb.path("out/runs"))
    }

    /// Kill everything and prove nothing of the run is left.
    pub fn stop(mut self) -> Result<Stopped, String> {
        let final_table = self.p.listeners().unwrap_or_else(|| self.table.clone());
        let output = self.p.output();
        // The sidecar shares the network namespace: both go before either
        // proves nothing is left in it.
        let t = Instant::now();
        // the operator's client first (it is in the gateway's network namespace)
        drop(self.rpc_client.lock().unwrap_or_else(|e| e.into_inner()).take());
        if let Some(s) = &self.sidecar {
            kill_group(s.pid);
        }
        self.p.stop()?;
        if let Some(mut s) = self.sidecar.take() {
            s.stop().map_err(|e| format!("the sidecar: {e}"))?;
        }
        super::proc::tally("gateway stop, its namespaces proven empty", t.elapsed());
        Ok(Stopped { final_table, output })
    }

    /// Stop the gateway the `checks` ran against: a failed check comes back
    /// with the gateway's output (what it logged is why); a clean stop is
    /// required either way.
    ///
    /// The gateway must still listen as its profile says when it is stopped
    /// (the same check that gated its start).
    pub fn finish<T>(self, checks: Result<T, String>) -> Result<T, String> {
        let output = self.output();
        let expect = self.case.expect();
        let stopped = self.stop();
        let value = checks.map_err(|e| format!("{e}\n--- gateway ---\n{output}"))?;
        let stopped = stopped?;
        check_listeners(expect, &stopped.final_table)
            .map_err(|e| format!("FINDING: before it was stopped: {e}\n--- gateway ---\n{output}"))?;
        Ok(value)
    }
}
