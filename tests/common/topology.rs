//! A "server" and a "laptop" network namespace joined by a veth pair:
//! server `10.203.N.2/24`, laptop `10.203.N.1/24` (`eth0` on both sides),
//! loopback up on both. Created with `ip netns add` + veth inside the new
//! namespaces (nothing is added to the host's namespace), removed on drop.
//! Namespaces are named `ocgen-t<pid>-<n>-srv|lap`, so parallel tests and
//! test binaries never collide; leftovers of a dead test process (its pid
//! gone) are removed by the next topology.

use std::ffi::OsStr;
use std::fs;
use std::net::Ipv4Addr;
use std::path::Path;
use std::process::Command;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use super::proc::{Ran, run_bounded};
use super::tools::SYS_PATH;

const PREFIX: &str = "ocgen-t";

pub struct Topology {
    pub n: u8,
    pub server: String,
    pub laptop: String,
    /// The gateway client's long-lived process on the laptop ([`Topology::client`]).
    pub(super) client: std::sync::Mutex<Option<super::client::ClientServer>>,
}

fn ip(args: &[&str]) -> Result<(), String> {
    let out = Command::new("ip")
        .args(args)
        .env_clear()
        .env("PATH", SYS_PATH)
        .output()
        .map_err(|e| format!("ip: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "`ip {}` failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    }
}

/// Remove `ocgen-t<pid>-…` namespaces whose test process is gone.
fn remove_stale() {
    let Ok(rd) = fs::read_dir("/run/netns") else { return };
    for e in rd.flatten() {
        let name = e.file_name().to_string_lossy().to_string();
        let Some(pid) = name
            .strip_prefix(PREFIX)
            .and_then(|r| r.split('-').next())
            .and_then(|p| p.parse::<u32>().ok())
        else {
            continue;
        };
        if !Path::new(&format!("/proc/{pid}")).exists() {
            let _ = ip(&["netns", "del", &name]);
        }
    }
}

impl Topology {
    pub fn new() -> Result<Topology, String> {
        static SEQ: AtomicU32 = AtomicU32::new(0);
        static CLEAN: std::sync::Once = std::sync::Once::new();
        CLEAN.call_once(remove_stale);
        let seq = SEQ.fetch_add(1, Ordering::Relaxed);
        let pid = std::process::id();
        // 10.203.1.x … 10.203.250.x; the pair is private, so equal N in two
        // test processes do not meet.
        let n = ((pid + seq) % 250 + 1) as u8;
        let server = format!("{PREFIX}{pid}-{seq}-srv");
        let laptop = format!("{PREFIX}{pid}-{seq}-lap");
        let t = Topology {
            n,
            server,
            laptop,
            client: Default::default(),
        };
        // from here on, drop removes whatever exists
        ip(&["netns", "add", &t.server])?;
        ip(&["netns", "add", &t.laptop])?;
        ip(&[
            "-n", &t.server, "link", "add", "eth0", "type", "veth", "peer", "name", "eth0", "netns", &t.laptop,
        ])?;
        for (ns, addr) in [(&t.server, t.server_addr()), (&t.laptop, t.laptop_addr())] {
            ip(&["-n", ns, "addr", "add", &format!("{addr}/24"), "dev", "eth0"])?;
            ip(&["-n", ns, "link", "set", "lo", "up"])?;
            ip(&["-n", ns, "link", "set", "eth0", "up"])?;
        }
        Ok(t)
    }

    pub fn server_addr(&self) -> Ipv4Addr {
        Ipv4Addr::new(10, 203, self.n, 2)
    }

    pub fn laptop_addr(&self) -> Ipv4Addr {
        Ipv4Addr::new(10, 203, self.n, 1)
    }

    /// Run `argv` on the laptop (its network namespace only; the host's
    /// filesystem), with exactly `env`, bounded by `limit`.
    pub fn on_laptop<S: AsRef<OsStr>>(
        &self,
        argv: &[S],
        env: &[(&str, &str)],
        limit: Duration,
        scratch: &Path,
    ) -> Result<Ran, String> {
        let mut cmd = Command::new("ip");
        cmd.args(["netns", "exec", &self.laptop])
            .args(argv)
            .env_clear()
            .env("PATH", SYS_PATH)
            .envs(env.iter().copied());
        run_bounded(cmd, limit, scratch)
    }
}

impl Drop for Topology {
    fn drop(&mut self) {
        // the client's process first: nothing of the run is left in the laptop
        drop(self.client.lock().unwrap_or_else(|e| e.into_inner()).take());
        let _ = ip(&["netns", "del", &self.laptop]);
        let _ = ip(&["netns", "del", &self.server]);
    }
}
