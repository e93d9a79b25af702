//! `tests/clients/gateway-client.mjs` (a browser-like OpenClaw gateway
//! client, run with the private Node 24) from the laptop or anywhere else.

use std::ffi::OsString;
use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::Value;

use super::proc::{Ran, run_bounded};
use super::tools::{SYS_PATH, clients_dir, tools};
use super::topology::Topology;

/// Bound on one client run (its own `--timeout-ms` is shorter).
pub const CLIENT_LIMIT: Duration = Duration::from_secs(75);
/// The client's own bound (`--timeout-ms`) from the upgrade to the answer: as
/// long as a browser's page would wait. 15 s was too short on the 2-core CI
/// machine with three gateways and their CLIs beside it: a 2026.5.12 gateway once
/// answered an upgrade in none of them (CI, session 14's submission). Refusals
/// end on OpenClaw's own words, so no passing check waits it out.
pub const CLIENT_TIMEOUT_MS: &str = "30000";
/// How long a gateway that listens may still answer "gateway starting".
pub const READY_LIMIT: Duration = Duration::from_secs(90);

/// `node gateway-client.mjs ARGS…` (an argv for any runner).
pub fn client_argv(args: &[&str]) -> Result<Vec<OsString>, String> {
    let tools = tools()?;
    let mut argv: Vec<OsString> = vec![tools.node().into(), clients_dir().join("gateway-client.mjs").into()];
    argv.extend(args.iter().map(OsString::from));
    Ok(argv)
}

/// The client as a browser page on `origin`, loaded from `host` (the Host
/// header), with its device identity kept in `dev` (a secure context), the
/// token typed in; [`CLIENT_TIMEOUT_MS`] to connect.
pub fn page_args<'a>(url: &'a str, host: &'a str, origin: &'a str, token: &'a str, dev: &'a str) -> Vec<&'a str> {
    vec![
        "--url",
        url,
        "--host",
        host,
        "--origin",
        origin,
        "--token",
        token,
        "--device-dir",
        dev,
        "--timeout-ms",
        CLIENT_TIMEOUT_MS,
    ]
}

/// The environment the client needs (where the `ws` package is).
pub fn client_env() -> Result<Vec<(&'static str, String)>, String> {
    Ok(vec![("OCGEN_TOOLS_DIR", tools()?.dir.display().to_string())])
}

/// What the client printed: its JSON line, and whether it exited 0 (ok) or 1
/// (refused); anything else (usage error, crash, no JSON) is an `Err`.
#[derive(Debug, Clone)]
pub struct ClientResult {
    pub ok: bool,
    pub json: Value,
    pub ran: Ran,
}

impl ClientResult {
    pub fn error(&self) -> &str {
        self.json["error"].as_str().unwrap_or("")
    }
    pub fn stage(&self) -> &str {
        self.json["stage"].as_str().unwrap_or("")
    }
    /// One line for reports (long payloads cut).
    pub fn brief(&self) -> String {
        let mut s = self.json.to_string();
        if s.len() > 300 {
            s.truncate(300);
            s.push('…');
        }
        s
    }
}

pub fn parse_client(ran: Ran) -> Result<ClientResult, String> {
    let line = ran.stdout.lines().rev().find(|l| l.starts_with('{')).unwrap_or("");
    let json: Value = serde_json::from_str(line)
        .map_err(|e| format!("gateway-client printed no JSON line ({e}): {}", ran.describe()))?;
    let ok = match (ran.code(), json["ok"].as_bool()) {
        (Some(0), Some(true)) => true,
        (Some(1), Some(false)) => false,
        _ => return Err(format!("gateway-client: unexpected exit/verdict: {}", ran.describe())),
    };
    Ok(ClientResult { ok, json, ran })
}

/// The gateway client in the named network namespace `ns` (the host's
/// filesystem), e.g. a [`Topology`]'s laptop or [`super::domain::Net`]'s.
pub fn client_in(ns: &str, args: &[&str], scratch: &Path) -> Result<ClientResult, String> {
    let mut cmd = std::process::Command::new("ip");
    cmd.args(["netns", "exec", ns])
        .args(client_argv(args)?)
        .env_clear()
        .env("PATH", SYS_PATH)
        .envs(client_env()?);
    parse_client(run_bounded(cmd, CLIENT_LIMIT, scratch)?)
}

/// [`client_in`] `ns`, repeated while the gateway answers "gateway starting"
/// (2026.9.6 listens before it admits clients) or a proxy in front of it
/// has no answer from it yet (HTTP 502).
pub fn client_in_when_ready(ns: &str, args: &[&str], scratch: &Path) -> Result<ClientResult, String> {
    when_ready(|| client_in(ns, args, scratch))
}

/// `connect` repeated while the gateway answers "gateway starting" or a proxy in front
/// of it has no answer from it yet (HTTP 502), for at most [`READY_LIMIT`].
fn when_ready(connect: impl Fn() -> Result<ClientResult, String>) -> Result<ClientResult, String> {
    let end = Instant::now() + READY_LIMIT;
    loop {
        let r = connect()?;
        let starting = r.error().contains("gateway starting") || r.json["status"] == 502;
        if !starting || Instant::now() >= end {
            return Ok(r);
        }
        std::thread::sleep(Duration::from_millis(500));
    }
}

/// The gateway client as one long-lived process in a network namespace
/// (`gateway-client.mjs --serve`): each request the same arguments and the same
/// JSON verdict as a run of its own, on connections of its own, without a Node
/// start each (~0.1 CPU-s; a user's-path case runs the client ~12 times, the
/// suite ~800). One request at a time; a request that outlives its bound ends
/// the process, and the next request starts another.
pub struct ClientServer {
    child: std::process::Child,
    stdin: std::process::ChildStdin,
    lines: std::sync::mpsc::Receiver<String>,
    stderr: std::path::PathBuf,
}

impl ClientServer {
    /// Start it with `runner` (what puts it where it runs, `ip netns exec NS` or
    /// `nsenter …`, with its environment; the client's argv is appended), in a
    /// process group of its own, its stderr in `scratch`.
    fn start(mut runner: std::process::Command, scratch: &Path) -> Result<ClientServer, String> {
        use std::io::BufRead;
        use std::os::unix::process::CommandExt;
        static SEQ: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = SEQ.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        std::fs::create_dir_all(scratch).map_err(|e| format!("{}: {e}", scratch.display()))?;
        let stderr = scratch.join(format!("client-server{n}.err"));
        let mut child = runner
            .args(client_argv(&["--serve"])?)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::fs::File::create(&stderr).map_err(|e| e.to_string())?)
            .process_group(0)
            .spawn()
            .map_err(|e| format!("spawn the gateway client: {e}"))?;
        let (stdin, stdout) = (child.stdin.take(), child.stdout.take());
        let (Some(stdin), Some(stdout)) = (stdin, stdout) else {
            return Err("the gateway client has no pipes".into());
        };
        let (tx, lines) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in std::io::BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Ok(ClientServer {
            child,
            stdin,
            lines,
            stderr,
        })
    }

    /// One request, bounded by `limit`: what a run of its own would have printed
    /// and exited with (`status` None: the bound ran out, as [`run_bounded`]'s).
    fn request(&mut self, args: &[&str], limit: Duration) -> Result<Ran, String> {
        use std::io::Write;
        use std::os::unix::process::ExitStatusExt;
        use std::sync::mpsc::RecvTimeoutError;
        let start = Instant::now();
        let line = serde_json::to_string(args).map_err(|e| e.to_string())?;
        let gone = |what: &str| {
            format!(
                "the gateway client's process {what}: {}",
                std::fs::read_to_string(&self.stderr).unwrap_or_default().trim_end()
            )
        };
        if self.stdin.write_all(format!("{line}\n").as_bytes()).is_err() {
            return Err(gone("took no request"));
        }
        let ran = match self.lines.recv_timeout(limit) {
            Ok(reply) => {
                let v: Value =
                    serde_json::from_str(&reply).map_err(|e| format!("{}: {e}", gone("answered no JSON")))?;
                let exit = v["exit"].as_i64().ok_or_else(|| gone(&format!("answered {reply}")))?;
                Ran {
                    status: Some(std::process::ExitStatus::from_raw(((exit & 0xff) as i32) << 8)),
                    stdout: format!("{}\n", v["result"]),
                    stderr: String::new(),
                    took: start.elapsed(),
                }
            }
            Err(RecvTimeoutError::Timeout) => Ran {
                status: None,
                stdout: String::new(),
                stderr: std::fs::read_to_string(&self.stderr).unwrap_or_default(),
                took: start.elapsed(),
            },
            Err(RecvTimeoutError::Disconnected) => return Err(gone("ended")),
        };
        super::proc::tally("gateway-client.mjs (long-lived)", ran.took);
        Ok(ran)
    }

    /// One request to the process kept in `slot`, started with `runner` when there
    /// is none; a process whose request ran out of time or that ended is not kept.
    pub fn ask(
        slot: &std::sync::Mutex<Option<ClientServer>>,
        runner: std::process::Command,
        args: &[&str],
        limit: Duration,
        scratch: &Path,
    ) -> Result<ClientResult, String> {
        let mut slot = slot.lock().unwrap_or_else(|e| e.into_inner());
        let server = match slot.as_mut() {
            Some(s) => s,
            None => slot.insert(ClientServer::start(runner, scratch)?),
        };
        match server.request(args, limit) {
            Ok(ran) => {
                if ran.status.is_none() {
                    *slot = None;
                }
                parse_client(ran)
            }
            Err(e) => {
                *slot = None;
                Err(e)
            }
        }
    }
}

impl Drop for ClientServer {
    fn drop(&mut self) {
        super::proc::kill_group(self.child.id());
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Topology {
    /// The gateway client on the laptop (its long-lived process there, [`ClientServer`]).
    pub fn client(&self, args: &[&str], scratch: &Path) -> Result<ClientResult, String> {
        let mut runner = std::process::Command::new("ip");
        runner
            .args(["netns", "exec", &self.laptop])
            .env_clear()
            .env("PATH", SYS_PATH)
            .envs(client_env()?);
        ClientServer::ask(&self.client, runner, args, CLIENT_LIMIT, scratch)
    }

    /// The client on the laptop, repeated while the gateway is starting (as [`client_in_when_ready`]).
    pub fn client_when_ready(&self, args: &[&str], scratch: &Path) -> Result<ClientResult, String> {
        when_ready(|| self.client(args, scratch))
    }
}

/// The client was refused at `stage` with an error that mentions `needle`
/// (OpenClaw's own words, e.g. `unauthorized`, `origin not allowed`): a
/// refusal for any other reason is a finding, not a pass.
pub fn expect_refused(what: &str, r: &ClientResult, stage: &str, needle: &str) -> Result<String, String> {
    if !r.ok && r.stage() == stage && r.error().contains(needle) {
        Ok(format!("{what}: refused as it must be: {}", r.error()))
    } else {
        Err(format!(
            "FINDING: {what}: expected a refusal at `{stage}` mentioning {needle:?}, got {}",
            r.brief()
        ))
    }
}

/// A browser with a new device identity: its first connect (`connect`, the client's
/// JSON verdict) is asked to pair, the operator approves the request where the gateway
/// runs (`approve(id)`: `openclaw devices approve ID` as the gateway's user), and the
/// next connect completes the token handshake and gets an answer to `health`. Returns
/// the request id.
pub fn pair_and_connect(
    connect: impl Fn() -> Value,
    approve: impl Fn(&str) -> Result<(), String>,
) -> Result<String, String> {
    let first = connect();
    let Some(id) = first["details"]["requestId"]
        .as_str()
        .filter(|_| first["code"] == "NOT_PAIRED")
    else {
        return Err(format!("the first connect should ask for pairing: {first}"));
    };
    approve(id).map_err(|e| format!("devices approve {id}: {e}"))?;
    let second = connect();
    if !(second["ok"] == true && second["response"]["ok"] == true) {
        return Err(format!("approved, it got no answer to health: {second}"));
    }
    Ok(id.to_string())
}

/// The last JSON line a client printed (`{}`-less output: `null`).
pub fn last_json(stdout: &str) -> Value {
    stdout
        .lines()
        .rev()
        .find_map(|l| serde_json::from_str(l).ok())
        .unwrap_or_default()
}
