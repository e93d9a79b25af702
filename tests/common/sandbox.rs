//! A temporary tree for one run: HOME, TMPDIR, the data volume, run/, out/.

use std::fs;
use std::os::unix::fs::{PermissionsExt, symlink};
use std::path::{Path, PathBuf};

use super::slots::cache_dir;
use super::tools::{SYS_PATH, stubs_dir};
use super::{AUTH_KEY, Case, TOKEN};

pub struct Sandbox {
    pub root: PathBuf,
    /// The data volume (`OPENCLAW_DATA_DIR`): `root/data`, or a [`Volume`]'s
    /// directory that outlives this sandbox ([`Sandbox::on_volume`]).
    pub data: PathBuf,
    _dir: Option<tempfile::TempDir>,
}

/// Where sandboxes and volumes go: `OCGEN_TEST_TMPDIR`, else `/dev/shm` (tmpfs) when a
/// directory can be made there, else the system's temporary directory. A sandbox holds a
/// gateway's state and its private copy of the release's transpile caches (6,000 to
/// 11,000 files): on this machine's disk (ext4 mounted with `discard`) copying one took
/// 8 s of system CPU and removing it 20 s of I/O (`real_gateway` waited on I/O 58 % of
/// its time); on tmpfs 1.2 s and 0.2 s.
pub fn temp_root() -> &'static Path {
    static ROOT: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    ROOT.get_or_init(|| {
        if let Some(dir) = std::env::var_os("OCGEN_TEST_TMPDIR").filter(|d| !d.is_empty()) {
            return PathBuf::from(dir);
        }
        let shm = Path::new("/dev/shm");
        if tempfile::Builder::new().prefix("ocgen-probe-").tempdir_in(shm).is_ok() {
            shm.to_path_buf()
        } else {
            std::env::temp_dir()
        }
    })
}

/// [`Sandbox::link_caches`] into the directory `tmp` (a gateway's `TMPDIR`).
pub fn link_caches_into(tmp: &Path, version: &str) -> Result<(), String> {
    let warm = super::slots::warm_marker(version).exists();
    for name in ["jiti", "node-compile-cache"] {
        let shared = cache_dir(version).join(name);
        fs::create_dir_all(&shared).map_err(|e| format!("{}: {e}", shared.display()))?;
        let own = tmp.join(name);
        // Written by root (validation) and uid 1000 (the bootstrap's gateway): the
        // shared cache while it is cold (on the disk: once per cold start, not per
        // sandbox; every file's ctime is a journal write there), else the copy.
        let writable = if warm { own.clone() } else { shared.clone() };
        if warm {
            let from = warm_mirror(version)?.map_or(shared.clone(), |m| m.join(name));
            let ok = std::process::Command::new("cp")
                .arg("-a")
                .arg(&from)
                .arg(&own)
                .status()
                .map_err(|e| format!("cp {}: {e}", from.display()))?
                .success();
            if !ok {
                return Err(format!("cp -a {} {} failed", from.display(), own.display()));
            }
        } else {
            symlink(&shared, &own).map_err(|e| e.to_string())?;
        }
        std::process::Command::new("chmod")
            .args(["-R", "a+rwX"])
            .arg(&writable)
            .status()
            .map_err(|e| format!("chmod {}: {e}", writable.display()))?;
    }
    Ok(())
}

/// A warm release's transpile caches on tmpfs, `<temp_root>/ocgen-gateway-cache/<version>`,
/// copied from the disk cache ([`cache_dir`]) once per warm marker (a warm cache does not
/// change: starts take private copies): sandboxes copy from memory, not from a disk whose
/// page cache the Docker suites' builds evict (measured: `real_gateway` 139 s, 47 % of it
/// waiting on reads of the caches, against 65 s with them in the page cache). None when
/// [`temp_root`] is not under `/dev/shm`.
fn warm_mirror(version: &str) -> Result<Option<PathBuf>, String> {
    static LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());
    if !temp_root().starts_with("/dev/shm") {
        return Ok(None);
    }
    let marker = super::slots::warm_marker(version);
    let stamp = fs::metadata(&marker)
        .and_then(|m| m.modified())
        .map_err(|e| format!("{}: {e}", marker.display()))?
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos().to_string())
        .unwrap_or_default();
    let _one = LOCK.lock().unwrap_or_else(|e| e.into_inner());
    let mirror = temp_root().join("ocgen-gateway-cache").join(version);
    if fs::read_to_string(mirror.join(".stamp")).is_ok_and(|s| s == stamp) {
        return Ok(Some(mirror));
    }
    let fresh = mirror.with_extension(format!("new-{}", std::process::id()));
    let _ = fs::remove_dir_all(&fresh);
    fs::create_dir_all(&fresh).map_err(|e| format!("{}: {e}", fresh.display()))?;
    for name in ["jiti", "node-compile-cache"] {
        let ok = std::process::Command::new("cp")
            .arg("-a")
            .arg(cache_dir(version).join(name))
            .arg(fresh.join(name))
            .status()
            .is_ok_and(|s| s.success());
        if !ok {
            let _ = fs::remove_dir_all(&fresh);
            return Err(format!(
                "cp -a {} into {} failed",
                cache_dir(version).display(),
                fresh.display()
            ));
        }
    }
    fs::write(fresh.join(".stamp"), &stamp).map_err(|e| e.to_string())?;
    let _ = fs::remove_dir_all(&mirror);
    fs::rename(&fresh, &mirror).map_err(|e| format!("{} -> {}: {e}", fresh.display(), mirror.display()))?;
    Ok(Some(mirror))
}

/// A new temporary directory `KIND-LABEL-XXXXXX` under [`temp_root`] (canonical path),
/// removed on drop of the guard unless `OCGEN_KEEP_SANDBOX=1` keeps it for a post-mortem
/// (no guard).
fn temp_tree(kind: &str, label: &str) -> Result<(PathBuf, Option<tempfile::TempDir>), String> {
    let dir = tempfile::Builder::new()
        .prefix(&format!(
            "{kind}-{}-",
            label.replace(|c: char| !c.is_ascii_alphanumeric() && c != '.', "-")
        ))
        .tempdir_in(temp_root())
        .map_err(|e| format!("tempdir in {}: {e}", temp_root().display()))?;
    let root = dir.path().canonicalize().map_err(|e| e.to_string())?;
    if std::env::var_os("OCGEN_KEEP_SANDBOX").is_some_and(|v| v == "1") {
        let _ = dir.keep();
        return Ok((root, None));
    }
    Ok((root, Some(dir)))
}

impl Sandbox {
    pub fn new(label: &str) -> Result<Sandbox, String> {
        let (root, dir) = temp_tree("ocgen-real-gw", label)?;
        for sub in ["home", "bin", "run", "out", "tmp", "cwd"] {
            fs::create_dir_all(root.join(sub)).map_err(|e| e.to_string())?;
        }
        // The bootstrap runs the gateway as uid 1000: it reads the script,
        // writes HOME, TMPDIR and the stand-ins' log (which root writes too).
        let mode = |p: &Path, m: u32| fs::set_permissions(p, fs::Permissions::from_mode(m)).map_err(|e| e.to_string());
        mode(&root, 0o755)?;
        for sub in ["home", "out", "tmp", "cwd"] {
            mode(&root.join(sub), 0o777)?;
        }
        for file in ["out/stub.log", "out/pids"] {
            fs::write(root.join(file), "").map_err(|e| e.to_string())?;
            mode(&root.join(file), 0o666)?;
        }
        Ok(Sandbox {
            data: root.join("data"),
            root,
            _dir: dir,
        })
    }

    /// This sandbox with its data volume at `volume` (a [`Volume`]'s path).
    pub fn on_volume(mut self, volume: &Path) -> Sandbox {
        self.data = volume.to_path_buf();
        self
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.root.join(rel)
    }

    pub fn write_script(&self, contents: &str) -> Result<PathBuf, String> {
        let script = self.path("bootstrap.sh");
        fs::write(&script, contents).map_err(|e| e.to_string())?;
        fs::set_permissions(&script, fs::Permissions::from_mode(0o755)).map_err(|e| e.to_string())?;
        Ok(script)
    }

    /// `TMPDIR/jiti` and `TMPDIR/node-compile-cache` from the release's shared
    /// cache: while it is cold, the link itself (the one cold start the warm
    /// gate lets through fills it); once warm, a private copy, so that
    /// gateways starting at the same time never read a cache file another
    /// one is writing (measured: 2026.5.12 once failed to start with "Unable
    /// to open bundled plugin public surface" beside two other starts; as in
    /// production, where no two containers share a TMPDIR).
    pub fn link_caches(&self, version: &str) -> Result<(), String> {
        link_caches_into(&self.path("tmp"), version)
    }

    pub fn socket(&self) -> PathBuf {
        self.path("run/tailscaled.sock")
    }

    pub fn config(&self) -> PathBuf {
        self.data.join(".openclaw/openclaw.json")
    }

    /// The production container's environment, pointed at the sandbox.
    pub fn env(&self, case: Case, path_head: &Path) -> Vec<(String, String)> {
        let s = |p: PathBuf| p.display().to_string();
        let mut env = vec![
            (
                "PATH".into(),
                format!("{}:{}:{SYS_PATH}", path_head.display(), stubs_dir().display()),
            ),
            ("HOME".into(), s(self.path("home"))),
            ("TMPDIR".into(), s(self.path("tmp"))),
            ("LANG".into(), "C.UTF-8".into()),
            ("OPENCLAW_DATA_DIR".into(), s(self.data.clone())),
            ("OPENCLAW_GATEWAY_TOKEN".into(), TOKEN.into()),
            ("STUB_LOG".into(), s(self.path("out/stub.log"))),
            ("STUB_PIDFILE".into(), s(self.path("out/pids"))),
        ];
        if case.serve() {
            // The CLI's default socket (what OpenClaw's `tailscale serve`
            // without --socket reaches) is the socket the bootstrap starts
            // tailscaled on, as /var/run/tailscale/tailscaled.sock is in
            // production.
            env.extend([
                ("TS_SOCKET".into(), s(self.socket())),
                ("STUB_DEFAULT_SOCKET".into(), s(self.socket())),
                ("TS_AUTHKEY".into(), AUTH_KEY.into()),
                ("TS_WAIT_SECONDS".into(), "45".into()),
            ]);
        }
        if case.profile == "sidecar" {
            // The sidecar's socket on the volume both containers mount
            // (/var/run/tailscale/tailscaled.sock in production). Without a
            // sidecar tailscaled beside it (Beside::sidecar), a bootstrap
            // that asks it for the tailnet origin gives up after this wait.
            env.extend([
                ("TS_SOCKET".into(), s(self.socket())),
                ("STUB_DEFAULT_SOCKET".into(), s(self.socket())),
                ("TS_WAIT_SECONDS".into(), "3".into()),
            ]);
        }
        env
    }

    /// The stand-ins' invocation log, one argv per line.
    pub fn stub_log(&self) -> Vec<Vec<String>> {
        fs::read_to_string(self.path("out/stub.log"))
            .unwrap_or_default()
            .lines()
            .map(|l| l.split_whitespace().map(str::to_string).collect())
            .collect()
    }
}

/// The last `lines` lines of a file.
pub fn tail(path: &Path, lines: usize) -> String {
    let text = fs::read_to_string(path).unwrap_or_default();
    let all: Vec<&str> = text.lines().collect();
    let from = all.len().saturating_sub(lines);
    let mut out = all[from..].join("\n");
    if from > 0 {
        out.insert_str(0, &format!("[… {from} earlier lines]\n"));
    }
    out
}

/// A data volume that outlives the gateways started on it
/// ([`Beside::volume`](super::Beside)), as the same named volume under a
/// redeploy: upgrades, rollbacks and profile moves run one gateway after
/// another on the same state. Removed on drop.
pub struct Volume {
    pub path: PathBuf,
    _dir: Option<tempfile::TempDir>,
}

/// `bash -c TREE_DIGEST digest DIR` prints one SHA-256 over every entry of the tree at
/// DIR (type, path, mode, owner, size, mtime, link target) and every file's SHA-256:
/// equal digests mean the tree is byte-for-byte the same (names, contents, modes, owners,
/// times). Run on the host for a [`Volume`], in a helper container for a Docker volume
/// (`docker::Project::volume_digest`).
pub const TREE_DIGEST: &str = "cd \"$1\" && { find . -xdev -printf '%y %p %m %U:%G %s %T@ %l\\n' | LC_ALL=C sort; \
                               find . -xdev -type f -print0 | LC_ALL=C sort -z | xargs -0r sha256sum; } | sha256sum";

impl Volume {
    pub fn new(label: &str) -> Result<Volume, String> {
        let (path, dir) = temp_tree("ocgen-volume", label)?;
        // Docker's named volume: root's, readable by the gateway's user.
        fs::set_permissions(&path, fs::Permissions::from_mode(0o755)).map_err(|e| e.to_string())?;
        Ok(Volume { path, _dir: dir })
    }

    pub fn join(&self, rel: &str) -> PathBuf {
        self.path.join(rel)
    }

    /// [`TREE_DIGEST`] of the volume.
    pub fn tree_digest(&self) -> Result<String, String> {
        let out = std::process::Command::new("bash")
            .args(["-c", TREE_DIGEST, "digest"])
            .arg(&self.path)
            .output()
            .map_err(|e| format!("digest: {e}"))?;
        if !out.status.success() {
            return Err(format!(
                "digest of {}: {}",
                self.path.display(),
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        Ok(String::from_utf8_lossy(&out.stdout)
            .split_whitespace()
            .next()
            .unwrap_or("")
            .to_string())
    }
}
