//! Fault injection into a rendered `bootstrap.sh` run against the stand-ins
//! (tests/stubs/: `openclaw`, `tailscale`, `tailscaled`), as root, in its own
//! mount and PID namespaces (a container: killing its process group kills
//! everything in it, and a mount made there, a tmpfs as the data volume or a
//! read-only bind, vanishes with it). No real gateway, no engine.
//!
//! - [`StandIn::run`]: one run (its own network namespace too: nothing leaves it); `wrapper` is a bash program run as root in the
//!   namespace before the bootstrap (mounts, a filler file), which calls the
//!   bootstrap as `"$@"` as often as it likes.
//! - Steps: every bash `bash -c`/script started with [`HOOK`] as `BASH_ENV`
//!   and `FAULT_SCRIPT` = the bootstrap's path gets a DEBUG trap (`set -T`:
//!   functions and `$(…)` too) that names each command it is about to run as
//!   `ROLE:LINE` (`root` for the container's bootstrap, `patch` for its
//!   `--patch-config` run as the gateway's user). With `FAULT_TRACE` it
//!   records each; with `FAULT_AT=ROLE:LINE` it writes the step to
//!   `FAULT_MARK` and stops itself (SIGSTOP) there, and [`StandIn::run`]
//!   SIGKILLs the whole process group, as `docker kill` does a container.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use super::Case;
use super::proc::kill_group;
use super::sandbox::Sandbox;
use super::tools::SYS_PATH;

/// Sourced by every non-interactive bash of the run (BASH_ENV); acts only in
/// the bootstrap itself.
pub const HOOK: &str = r#"
if [ -n "${FAULT_SCRIPT:-}" ] && [ "$0" = "$FAULT_SCRIPT" ]; then
  if [ "$EUID" -eq 0 ]; then fault_role=root; else fault_role=patch; fi
  fault_step() {
    local id="$fault_role:$1"
    if [ -n "${FAULT_TRACE:-}" ]; then printf '%s\n' "$id" >>"$FAULT_TRACE"; fi
    if [ "$id" = "${FAULT_AT:-}" ]; then
      printf '%s\n' "$id" >"$FAULT_MARK"
      kill -s STOP "$BASHPID"
    fi
  }
  set -T
  trap '[[ "${BASH_SOURCE[0]:-}" != "$FAULT_SCRIPT" ]] || fault_step "$LINENO"' DEBUG
fi
"#;

/// How one run ended.
#[derive(Debug)]
pub struct Ended {
    /// None when the run was killed at a step (or hung past the limit).
    pub status: Option<ExitStatus>,
    /// The step it was killed at.
    pub killed_at: Option<String>,
    pub stderr: String,
    pub elapsed: Duration,
}

impl Ended {
    pub fn ok(&self) -> bool {
        self.status.is_some_and(|s| s.success())
    }
    /// The bootstrap's own log lines (`[bootstrap] …`).
    pub fn log_lines(&self) -> Vec<&str> {
        self.stderr.lines().filter(|l| l.starts_with("[bootstrap]")).collect()
    }
    pub fn describe(&self) -> String {
        format!(
            "exit {:?}, killed at {:?}, after {:.2?}\n--- stderr ---\n{}",
            self.status.map(|s| s.code()),
            self.killed_at,
            self.elapsed,
            self.stderr
        )
    }
}

/// A sandbox with a rendered bootstrap, run against the stand-ins.
pub struct StandIn {
    pub case: Case,
    pub sb: Sandbox,
    pub script: PathBuf,
    runs: usize,
}

impl StandIn {
    pub fn new(case: Case, label: &str, script_text: &str) -> Result<StandIn, String> {
        let sb = Sandbox::new(label)?;
        let script = sb.write_script(script_text)?;
        fs::write(sb.path("fault-hook.sh"), HOOK).map_err(|e| e.to_string())?;
        Ok(StandIn {
            case,
            sb,
            script,
            runs: 0,
        })
    }

    pub fn data(&self) -> PathBuf {
        self.sb.path("data")
    }
    pub fn config_dir(&self) -> PathBuf {
        self.sb.path("data/.openclaw")
    }

    /// Write `openclaw.json` (0600, the gateway's) as a volume that ran before has it.
    pub fn seed(&self, bytes: &[u8]) -> Result<(), String> {
        let dir = self.config_dir();
        fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
        fs::write(self.sb.config(), bytes).map_err(|e| e.to_string())?;
        fs::set_permissions(self.sb.config(), fs::Permissions::from_mode(0o600)).map_err(|e| e.to_string())?;
        let own = Command::new("chown")
            .args(["-R", "1000:1000"])
            .arg(self.data())
            .status()
            .map_err(|e| e.to_string())?;
        if !own.success() {
            return Err("chown the seeded volume".into());
        }
        Ok(())
    }

    /// The config's bytes now (None: no file).
    pub fn config_bytes(&self) -> Option<Vec<u8>> {
        fs::read(self.sb.config()).ok()
    }

    /// Files and directories under the data volume whose name has `.ocgen.`
    /// (the bootstrap's temporary files) or `.tmp` (the stand-ins').
    pub fn leftovers(&self) -> Vec<String> {
        let mut out = Vec::new();
        walk(&self.data(), &mut |p| {
            let name = p.file_name().unwrap_or_default().to_string_lossy();
            if name.contains(".ocgen.") {
                out.push(p.display().to_string());
            }
        });
        out
    }

    /// One run: `wrapper` (bash, as root, in the run's namespaces; the bootstrap
    /// is `"$@"`; `$SB` is the sandbox) with the production environment plus
    /// `extra`; killed at `kill_at` (a `ROLE:LINE` step) when given; `trace`
    /// records every step to that file.
    pub fn run(
        &mut self,
        wrapper: &str,
        extra: &[(&str, &str)],
        kill_at: Option<&str>,
        trace: Option<&Path>,
        limit: Duration,
    ) -> Result<Ended, String> {
        let n = self.runs;
        self.runs += 1;
        let mark = self.sb.path(&format!("out/fault-mark.{n}"));
        let _ = fs::remove_file(&mark);
        let stderr = self.sb.path(&format!("out/run.{n}.stderr"));
        let mut env = self.sb.env(self.case, &self.sb.path("bin"));
        env.push(("BASH_ENV".into(), self.sb.path("fault-hook.sh").display().to_string()));
        env.push(("FAULT_SCRIPT".into(), self.script.display().to_string()));
        env.push(("FAULT_MARK".into(), mark.display().to_string()));
        env.push(("SB".into(), self.sb.root.display().to_string()));
        if let Some(step) = kill_at {
            env.push(("FAULT_AT".into(), step.into()));
        }
        if let Some(t) = trace {
            fs::write(t, "").map_err(|e| e.to_string())?;
            fs::set_permissions(t, fs::Permissions::from_mode(0o666)).map_err(|e| e.to_string())?;
            env.push(("FAULT_TRACE".into(), t.display().to_string()));
        }
        for (k, v) in extra {
            env.retain(|(name, _)| name != k);
            env.push((k.to_string(), v.to_string()));
        }
        // out/ is written by root and by uid 1000 (the mark of a patch step).
        let err = fs::File::create(&stderr).map_err(|e| e.to_string())?;
        let mut child = Command::new("unshare")
            .args([
                "--net",
                "--mount",
                "--propagation",
                "private",
                "--pid",
                "--fork",
                "--kill-child",
                "--mount-proc",
                "--",
                "bash",
                "-c",
            ])
            .arg(format!("set -u\nexport PATH={SYS_PATH}:$PATH\n{wrapper}"))
            .arg("fault-wrapper")
            .arg("bash")
            .arg(&self.script)
            .env_clear()
            .envs(env.iter().map(|(k, v)| (k, v)))
            .current_dir(self.sb.path("cwd"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(err)
            .process_group(0)
            .spawn()
            .map_err(|e| format!("spawn unshare: {e}"))?;
        let pgid = child.id();
        let start = Instant::now();
        let mut killed_at = None;
        let status = loop {
            if let Some(s) = child.try_wait().map_err(|e| e.to_string())? {
                break Some(s);
            }
            if kill_at.is_some() {
                if let Ok(step) = fs::read_to_string(&mark) {
                    if !step.is_empty() {
                        kill_group(pgid);
                        let _ = child.wait();
                        killed_at = Some(step.trim().to_string());
                        break None;
                    }
                }
            }
            if start.elapsed() > limit {
                kill_group(pgid);
                let _ = child.wait();
                return Err(format!(
                    "the run did not end within {limit:?}\n{}",
                    fs::read_to_string(&stderr).unwrap_or_default()
                ));
            }
            std::thread::sleep(Duration::from_millis(5));
        };
        // A SIGKILLed container leaves nothing running.
        kill_group(pgid);
        Ok(Ended {
            status,
            killed_at,
            stderr: fs::read_to_string(&stderr).unwrap_or_default(),
            elapsed: start.elapsed(),
        })
    }
}

/// The distinct steps of a trace, in the order first reached.
pub fn steps_of(trace: &Path) -> Vec<String> {
    let mut seen = std::collections::BTreeSet::new();
    fs::read_to_string(trace)
        .unwrap_or_default()
        .lines()
        .filter(|s| seen.insert(s.to_string()))
        .map(str::to_string)
        .collect()
}

fn walk(dir: &Path, f: &mut dyn FnMut(&Path)) {
    let Ok(rd) = fs::read_dir(dir) else { return };
    for e in rd.flatten() {
        let p = e.path();
        f(&p);
        if e.file_type().is_ok_and(|t| t.is_dir()) {
            walk(&p, f);
        }
    }
}
