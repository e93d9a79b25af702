//! Processes in their own PID + mount namespaces (and a private or named
//! network namespace), killed by process group.
//!
//! Every run is its own process group: `unshare --pid --fork --kill-child
//! --mount-proc`, so killing the group kills the namespace's init, which
//! takes every process of the namespace with it, including what the gateway
//! starts detached (2026.9.6 forks its `tailscale serve` route owner into its
//! own process group). [`NsProc`] kills on drop and `stop` proves nothing is
//! left.

use std::ffi::OsStr;
use std::fs;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use super::net::parse_proc_net;
use super::sandbox::tail;
use super::tools::SYS_PATH;

/// How long processes may take to vanish after SIGKILL.
pub const REAP_LIMIT: Duration = Duration::from_secs(10);

/// `unshare NS_PREFIX bash -c NS_INIT ns-init CMD…`
pub const NS_PREFIX: &[&str] = &["--net", "--pid", "--fork", "--kill-child", "--mount-proc", "--"];
/// The same without `--net`, for `ip netns exec NAME unshare …`.
pub const NS_PREFIX_SHARED_NET: &[&str] = &["--pid", "--fork", "--kill-child", "--mount-proc", "--"];
/// `unshare --net` leaves `lo` down: bring it up, then become CMD (PID 1).
pub const NS_INIT: &str = "set -eu\nip link set lo up\nexec \"$@\"\n";

/// Which network namespace a run gets.
#[derive(Debug, Clone)]
pub enum Net {
    /// Its own, with only loopback (`unshare --net`).
    Private,
    /// A named one (`ip netns exec NAME`), e.g. a [`super::Topology`]'s server.
    Named(String),
}

pub fn ns_of(pid: u32) -> Option<PathBuf> {
    fs::read_link(format!("/proc/{pid}/ns/net")).ok()
}

pub fn own_netns() -> PathBuf {
    fs::read_link("/proc/self/ns/net").expect("/proc/self/ns/net")
}

/// The PID namespace of `pid`.
pub fn pidns_of(pid: u32) -> Option<PathBuf> {
    fs::read_link(format!("/proc/{pid}/ns/pid")).ok()
}

pub fn kill_group(pgid: u32) {
    let _ = Command::new("bash")
        .args(["-c", "kill -s KILL -- -\"$1\" 2>/dev/null; true", "kill"])
        .arg(pgid.to_string())
        .env_clear()
        .env("PATH", SYS_PATH)
        .status();
}

/// Processes (not zombies) whose network namespace is `ns` or whose process
/// group is `pgid`.
pub fn processes_of(ns: Option<&Path>, pgid: u32) -> Vec<String> {
    processes_where(|pid, pgrp| pgrp == pgid || ns.is_some_and(|ns| ns_of(pid).as_deref() == Some(ns)))
}

/// The start time of `pid` (field 22 of its stat, clock ticks since boot): with
/// the pid, one process for good.
fn start_time(pid: u32) -> Option<u64> {
    let stat = fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let (_, rest) = stat.rsplit_once(')')?;
    rest.split_whitespace().nth(19)?.parse().ok()
}

/// Whether a thread of `pid` is neither a zombie nor dead.
fn any_thread_alive(pid: u32) -> bool {
    let Ok(tasks) = fs::read_dir(format!("/proc/{pid}/task")) else {
        return false;
    };
    tasks.flatten().any(|t| {
        fs::read_to_string(t.path().join("stat")).is_ok_and(|stat| {
            let state = stat
                .rsplit_once(')')
                .and_then(|(_, rest)| rest.split_whitespace().next());
            !matches!(state, Some("Z" | "X") | None)
        })
    })
}

/// Processes (not zombies) for which `keep(pid, process group)` holds, as
/// `pid N: argv`.
fn processes_where(keep: impl Fn(u32, u32) -> bool) -> Vec<String> {
    let mut out = Vec::new();
    let Ok(rd) = fs::read_dir("/proc") else {
        return out;
    };
    for e in rd.flatten() {
        let Some(pid) = e.file_name().to_str().and_then(|s| s.parse::<u32>().ok()) else {
            continue;
        };
        let Ok(stat) = fs::read_to_string(format!("/proc/{pid}/stat")) else {
            continue;
        };
        let Some((_, rest)) = stat.rsplit_once(')') else {
            continue;
        };
        let fields: Vec<&str> = rest.split_whitespace().collect();
        // A process is gone when every thread of it is: a killed
        // multi-threaded process (node) shows its leader a zombie while the
        // other threads still exit, holding its sockets open.
        if !any_thread_alive(pid) {
            continue;
        }
        let pgrp: u32 = fields.get(2).and_then(|f| f.parse().ok()).unwrap_or(0);
        if keep(pid, pgrp) {
            let cmd = fs::read(format!("/proc/{pid}/cmdline"))
                .map(|b| String::from_utf8_lossy(&b).replace('\0', " "))
                .unwrap_or_default();
            out.push(format!("pid {pid}: {}", cmd.trim()));
        }
    }
    out
}

/// The namespace `link` names (`net:[N]`) when it is not `own`, with an open
/// handle on it pushed to `holds`: the handle keeps the namespace, and so its
/// number, from going to another while it is held. The link is read before and
/// after the open: when both name the same namespace the handle is on it (a
/// process enters its new namespace once).
fn hold(holds: &mut Vec<fs::File>, link: &str, own: Option<&PathBuf>) -> Option<PathBuf> {
    let before = fs::read_link(link).ok()?;
    let file = fs::File::open(link).ok()?;
    let after = fs::read_link(link).ok()?;
    if before != after || Some(&after) == own {
        return None;
    }
    holds.push(file);
    Some(after)
}

pub struct NsProc {
    child: Child,
    pub pid: u32,
    pub netns: Option<PathBuf>,
    /// The run's own PID namespace (its init's): what [`NsProc::stop`] proves
    /// empty. In a named network namespace other runs share the network (the
    /// gateway and the Serve or sidecar stand-in), never the PID namespace.
    pub pidns: Option<PathBuf>,
    /// The namespace's init (host pid, start time): while it lives, so does the PID
    /// namespace; once it is gone the kernel has killed and reaped every process of it,
    /// and a namespace with the same inode is another run's (inodes are reused).
    init: Option<(u32, u64)>,
    /// The network namespace is the run's own ([`Net::Private`]): everything
    /// in it belongs to the run too.
    private_net: bool,
    /// Open handles on the run's network and PID namespaces, held as long as
    /// this record: a namespace's number (its inode) is reused once the
    /// namespace dies, and the kernel hands out the lowest free one, so without
    /// them [`NsProc::left`] would count a later process in a new namespace
    /// with the same number as the run's.
    _holds: Vec<fs::File>,
    status: Option<ExitStatus>,
    stopped: bool,
    pub stdout: PathBuf,
    pub stderr: PathBuf,
}

impl NsProc {
    /// `argv` in a private network namespace.
    pub fn spawn(
        argv: &[&OsStr],
        env: &[(String, String)],
        cwd: &Path,
        stdout: PathBuf,
        stderr: PathBuf,
    ) -> Result<NsProc, String> {
        Self::spawn_in(&Net::Private, argv, env, cwd, stdout, stderr)
    }

    /// `argv` in `net`, in its own PID and mount namespaces and process group.
    pub fn spawn_in(
        net: &Net,
        argv: &[&OsStr],
        env: &[(String, String)],
        cwd: &Path,
        stdout: PathBuf,
        stderr: PathBuf,
    ) -> Result<NsProc, String> {
        let out = fs::File::create(&stdout).map_err(|e| e.to_string())?;
        let err = fs::File::create(&stderr).map_err(|e| e.to_string())?;
        let mut cmd = match net {
            Net::Private => {
                let mut c = Command::new("unshare");
                c.args(NS_PREFIX);
                c
            }
            Net::Named(name) => {
                let mut c = Command::new("ip");
                c.args(["netns", "exec", name, "unshare"]).args(NS_PREFIX_SHARED_NET);
                c
            }
        };
        let child = cmd
            .args(["bash", "-c", NS_INIT, "ns-init"])
            .args(argv)
            .env_clear()
            .envs(env.iter().map(|(k, v)| (k, v)))
            .current_dir(cwd)
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .process_group(0)
            .spawn()
            .map_err(|e| format!("spawn unshare: {e}"))?;
        let pid = child.id();
        let mut p = NsProc {
            child,
            pid,
            netns: None,
            pidns: None,
            init: None,
            private_net: matches!(net, Net::Private),
            _holds: Vec::new(),
            status: None,
            stopped: false,
            stdout,
            stderr,
        };
        // unshare(2) / setns(2) move the process itself into the network
        // namespace: learn it, so listeners are read from there. unshare's
        // children (the run's init and all it starts) get the new PID
        // namespace (`pid_for_children`): learn it, so leftovers are found.
        let own = own_netns();
        let own_pid = fs::read_link("/proc/self/ns/pid").ok();
        let end = Instant::now() + Duration::from_secs(20);
        while Instant::now() < end {
            if p.netns.is_none() {
                p.netns = hold(&mut p._holds, &format!("/proc/{pid}/ns/net"), Some(&own));
            }
            if p.pidns.is_none() {
                p.pidns = hold(
                    &mut p._holds,
                    &format!("/proc/{pid}/ns/pid_for_children"),
                    own_pid.as_ref(),
                );
            }
            if p.netns.is_some() && p.pidns.is_some() {
                p.init = p.init_pid().and_then(|pid| start_time(pid).map(|t| (pid, t)));
                if p.init.is_some() {
                    break;
                }
            }
            if p.exited().is_some() {
                break;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        if (p.netns.is_none() || p.pidns.is_none()) && p.status.is_none() {
            return Err(format!(
                "unshare (pid {pid}) never entered a new network and PID namespace (network: {:?}, PID: {:?})",
                p.netns, p.pidns
            ));
        }
        Ok(p)
    }

    pub fn exited(&mut self) -> Option<ExitStatus> {
        if self.status.is_none() {
            self.status = self.child.try_wait().ok().flatten();
        }
        self.status
    }

    pub fn wait_exit(&mut self, limit: Duration) -> Option<ExitStatus> {
        let end = Instant::now() + limit;
        loop {
            if let Some(s) = self.exited() {
                return Some(s);
            }
            if Instant::now() >= end {
                return None;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// TCP listeners of the namespace (IPv4-mapped addresses canonicalised).
    pub fn listeners(&mut self) -> Option<Vec<std::net::SocketAddr>> {
        if self.exited().is_some() {
            return None;
        }
        let tcp = fs::read_to_string(format!("/proc/{}/net/tcp", self.pid)).ok()?;
        let tcp6 = fs::read_to_string(format!("/proc/{}/net/tcp6", self.pid)).unwrap_or_default();
        // the process may have died between the reads: make sure the tables
        // are the namespace's
        if ns_of(self.pid) != self.netns {
            return None;
        }
        let mut out = parse_proc_net(&tcp, false);
        out.extend(parse_proc_net(&tcp6, true));
        Some(out)
    }

    /// The host pid of the namespace's PID 1 (unshare's only child).
    pub fn init_pid(&self) -> Option<u32> {
        fs::read_to_string(format!("/proc/{0}/task/{0}/children", self.pid))
            .ok()?
            .split_whitespace()
            .next()?
            .parse()
            .ok()
    }

    /// What of the run is still running: its process group, its PID
    /// namespace and, when the network namespace is its own, what is in it.
    pub fn left(&self) -> Vec<String> {
        let net = self.netns.as_deref().filter(|_| self.private_net);
        let init_lives = self
            .init
            .is_some_and(|(pid, start)| start_time(pid) == Some(start) && any_thread_alive(pid));
        let pidns = self.pidns.as_deref().filter(|_| init_lives);
        processes_where(|pid, pgrp| {
            pgrp == self.pid
                || pidns.is_some_and(|ns| pidns_of(pid).as_deref() == Some(ns))
                || net.is_some_and(|ns| ns_of(pid).as_deref() == Some(ns))
        })
    }

    /// Kill everything, reap, and prove nothing of the run is left.
    pub fn stop(&mut self) -> Result<(), String> {
        self.stopped = true;
        kill_group(self.pid);
        let _ = self.child.kill();
        if self.status.is_none() {
            self.status = self.child.wait().ok();
        }
        let end = Instant::now() + REAP_LIMIT;
        loop {
            let left = self.left();
            if left.is_empty() {
                return Ok(());
            }
            if Instant::now() >= end {
                return Err(format!(
                    "processes left running {REAP_LIMIT:?} after SIGKILL to process group {}:\n{}",
                    self.pid,
                    left.join("\n")
                ));
            }
            kill_group(self.pid);
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    pub fn output(&self) -> String {
        format!(
            "--- stdout (tail) ---\n{}\n--- stderr (tail) ---\n{}",
            tail(&self.stdout, 25),
            tail(&self.stderr, 40)
        )
    }
}

impl Drop for NsProc {
    fn drop(&mut self) {
        if !self.stopped {
            kill_group(self.pid);
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// What a bounded command did.
#[derive(Debug, Clone)]
pub struct Ran {
    /// `None`: killed at the time limit.
    pub status: Option<ExitStatus>,
    pub stdout: String,
    pub stderr: String,
    pub took: Duration,
}

impl Ran {
    pub fn ok(&self) -> bool {
        self.status.is_some_and(|s| s.success())
    }
    pub fn code(&self) -> Option<i32> {
        self.status.and_then(|s| s.code())
    }
    /// The command line's summary for messages.
    pub fn describe(&self) -> String {
        format!(
            "exit {} after {:.1?}\n--- stdout ---\n{}\n--- stderr ---\n{}",
            self.status
                .map(|s| s.to_string())
                .unwrap_or_else(|| "none (killed at the time limit)".into()),
            self.took,
            self.stdout.trim_end(),
            self.stderr.trim_end()
        )
    }
}

/// Run `cmd` in its own process group with a time limit; on the limit the
/// group is killed. Output goes through files in `scratch` (no pipe can
/// block a detached grandchild).
pub fn run_bounded(mut cmd: Command, limit: Duration, scratch: &Path) -> Result<Ran, String> {
    static SEQ: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = SEQ.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    fs::create_dir_all(scratch).map_err(|e| format!("{}: {e}", scratch.display()))?;
    let (o, e) = (scratch.join(format!("run{n}.out")), scratch.join(format!("run{n}.err")));
    let start = Instant::now();
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(fs::File::create(&o).map_err(|e| e.to_string())?)
        .stderr(fs::File::create(&e).map_err(|e| e.to_string())?)
        .process_group(0)
        .spawn()
        .map_err(|err| format!("spawn {:?}: {err}", cmd.get_program()))?;
    let pid = child.id();
    let status = loop {
        if let Some(s) = child.try_wait().map_err(|e| e.to_string())? {
            break Some(s);
        }
        if start.elapsed() >= limit {
            break None;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    kill_group(pid);
    if status.is_none() {
        let _ = child.kill();
        let _ = child.wait();
    }
    let read = |p: &Path| fs::read_to_string(p).unwrap_or_default();
    let ran = Ran {
        status,
        stdout: read(&o),
        stderr: read(&e),
        took: start.elapsed(),
    };
    let _ = (fs::remove_file(&o), fs::remove_file(&e));
    tally(&kind_of(&cmd), ran.took);
    Ok(ran)
}

/// What the bounded commands of a run took, by kind (`openclaw devices approve`, the
/// gateway client, …): count and total seconds, for [`tallies`].
static TALLY: std::sync::Mutex<Vec<(String, usize, f64)>> = std::sync::Mutex::new(Vec::new());

fn kind_of(cmd: &Command) -> String {
    let args: Vec<String> = std::iter::once(cmd.get_program())
        .chain(cmd.get_args())
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    let base = |a: &str| a.rsplit('/').next().unwrap_or(a).to_string();
    if let Some(i) = args.iter().position(|a| base(a) == "openclaw") {
        let words: Vec<&str> = args[i + 1..]
            .iter()
            .map(String::as_str)
            .take_while(|a| !a.starts_with('-'))
            .take(2)
            .collect();
        format!("openclaw {}", words.join(" "))
    } else if let Some(a) = args.iter().find(|a| a.ends_with(".mjs")) {
        base(a)
    } else {
        args.iter()
            .map(|a| base(a))
            .find(|a| {
                !["nsenter", "setpriv", "unshare", "env"].contains(&a.as_str())
                    && !a.starts_with('-')
                    && !a.chars().all(|c| c.is_ascii_digit())
            })
            .unwrap_or_default()
    }
}

/// Count `took` under `kind` in the run's [`tallies`].
pub fn tally(kind: &str, took: Duration) {
    let mut t = TALLY.lock().unwrap_or_else(|e| e.into_inner());
    match t.iter_mut().find(|(k, _, _)| *k == kind) {
        Some(row) => {
            row.1 += 1;
            row.2 += took.as_secs_f64();
        }
        None => t.push((kind.to_string(), 1, took.as_secs_f64())),
    }
}

/// The tally so far, slowest kind first: one line per kind (count, total and mean
/// seconds), where a suite's time goes.
pub fn tallies() -> String {
    let mut t = TALLY.lock().unwrap_or_else(|e| e.into_inner()).clone();
    t.sort_by(|a, b| b.2.total_cmp(&a.2));
    t.iter()
        .map(|(k, n, s)| format!("  {s:7.1}s {n:4} x {k} (mean {:.2}s)", s / *n as f64))
        .collect::<Vec<_>>()
        .join("\n")
}
