//! The pre-commit hooks of `.pre-commit-hooks.yaml`, run by the real
//! `pre-commit` framework (PyPI; `scripts/install-test-tools.sh validators`
//! puts it in /var/cache/ocgen-test/tools/venv) exactly as a user's repository consumes them:
//! a `.pre-commit-config.yaml` naming this repository and a `rev`, hooks
//! installed into `.git/hooks`, real `git commit`s.
//!
//! pre-commit only sees committed files of a hook repository, so the test
//! snapshots this work tree (what `git ls-files` lists plus untracked files
//! that are not ignored, less tests/) into a fresh repository with one commit
//! whose dates and author are fixed: the same sources give the same `rev`. That
//! repository and pre-commit's cache live in `target/tmp/precommit/<rev>/`, so a
//! second run with unchanged sources reuses the built hook environment, and
//! `cargo install` (which `language: rust` runs) builds into
//! `target/tmp/precommit/build` at opt-level 0, so a changed source rebuilds only
//! the ocgen crate. Snapshots unused for an hour are pruned.
//!
//! Hermetic: every command in the test's repositories runs with a cleared environment (no PRE_COMMIT_*,
//! SKIP, GIT_* or user git config leaks in; HOME is a temporary directory),
//! cargo runs with `CARGO_NET_OFFLINE=true` from the registry cache the outer
//! build filled, and pre-commit runs in a new network namespace when `unshare`
//! allows it, so a hook that reached for the network would fail here. A decoy
//! `ocgen` that exits 99 is first on pre-commit's PATH: the hooks must run the
//! ocgen pre-commit built, not whatever is installed.
//!
//! Cold (fresh target/), the `cargo install` costs about a minute on 2 cores;
//! warm, the whole file takes about 5 s.

#![cfg(unix)]

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use serde::Deserialize;

const RENDERED: [&str; 4] = ["Dockerfile", "docker-compose.yaml", "bootstrap.sh", "coolify.env"];
const RENDER_ID: &str = "ocgen-render";
const CHECK_ID: &str = "ocgen-check";

/// A snapshot unused for this long is removed by the next run.
const PRUNE_AFTER: Duration = Duration::from_secs(3600);

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn ocgen_bin() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_ocgen"))
}

fn tools() -> PathBuf {
    std::env::var_os("OCGEN_TOOLS_DIR")
        .filter(|d| !d.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            Path::new(&std::env::var("OCGEN_CACHE_DIR").unwrap_or_else(|_| "/var/cache/ocgen-test".into()))
                .join("tools")
        })
}

fn venv_bin(name: &str) -> PathBuf {
    let bin = tools().join("venv/bin").join(name);
    assert!(
        bin.exists(),
        "{} is missing: run scripts/test.sh (or scripts/install-test-tools.sh validators)",
        bin.display()
    );
    bin
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn run(cmd: &mut Command) -> Output {
    cmd.stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("{cmd:?}: {e}"))
}

fn run_ok(cmd: &mut Command) -> String {
    let out = run(cmd);
    assert!(out.status.success(), "{cmd:?} failed:\n{}", text(&out));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

// ---------------------------------------------------------------------------
// The manifest

#[derive(Deserialize, Debug)]
struct HookDef {
    id: String,
    name: String,
    entry: String,
    language: String,
    files: String,
    pass_filenames: bool,
}

fn manifest() -> &'static [HookDef] {
    static HOOKS: OnceLock<Vec<HookDef>> = OnceLock::new();
    HOOKS.get_or_init(|| {
        let path = root().join(".pre-commit-hooks.yaml");
        let yaml = fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        serde_saphyr::from_str(&yaml).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    })
}

fn hook(id: &str) -> &'static HookDef {
    manifest()
        .iter()
        .find(|h| h.id == id)
        .unwrap_or_else(|| panic!("no hook `{id}` in .pre-commit-hooks.yaml"))
}

#[test]
fn manifest_declares_the_two_hooks_and_pre_commit_accepts_it() {
    let ids: Vec<_> = manifest().iter().map(|h| h.id.as_str()).collect();
    assert_eq!(ids, [CHECK_ID, RENDER_ID]);
    for h in manifest() {
        assert_eq!(h.language, "rust", "{}", h.id);
        assert!(!h.pass_filenames, "{}: ocgen takes no file names", h.id);
    }
    assert!(hook(RENDER_ID).entry.starts_with("ocgen render"));
    assert!(hook(CHECK_ID).entry.starts_with("ocgen check"));
    assert_eq!(hook(RENDER_ID).files, hook(CHECK_ID).files);

    // pre-commit's own schema check of a hook repository's manifest
    let home = tempfile::tempdir().unwrap();
    let out = run(hermetic(venv_bin("pre-commit"), home.path())
        .env("PRE_COMMIT_HOME", home.path().join("cache"))
        .arg("validate-manifest")
        .arg(root().join(".pre-commit-hooks.yaml")));
    assert!(out.status.success(), "{}", text(&out));

    // `files` as pre-commit applies it: Python `re.search` on the repo-relative path
    let cases: BTreeMap<&str, bool> = [
        ("deploy.toml", true),
        ("Dockerfile", true),
        ("docker-compose.yaml", true),
        ("bootstrap.sh", true),
        ("coolify.env", true),
        ("deploy/deploy.toml", true),
        ("deploy/docker-compose.yaml", true),
        // target = "kubernetes"
        ("k8s/kustomization.yaml", true),
        ("deployment.yaml", true),
        ("pvc.yaml", true),
        ("service.yaml", true),
        ("ingress.yaml", true),
        ("rbac.yaml", true),
        ("templates/kubernetes/deployment.yaml.j2", false),
        ("my-deployment.yaml", false),
        ("notes.txt", false),
        ("my-deploy.toml", false),
        ("Dockerfile.dev", false),
        ("docker-compose.yml", false),
        ("coolify.env.example", false),
        ("templates/bootstrap.sh.j2", false),
        ("src/Dockerfile/readme.md", false),
    ]
    .into();
    let out = run_ok(
        Command::new(venv_bin("python"))
            .args([
                "-c",
                "import re, sys\nr = re.compile(sys.argv[1])\nfor p in sys.argv[2:]: print(bool(r.search(p)))",
                &hook(CHECK_ID).files,
            ])
            .args(cases.keys()),
    );
    let got: Vec<bool> = out.lines().map(|l| l == "True").collect();
    let want: Vec<bool> = cases.values().copied().collect();
    assert_eq!(got.len(), want.len(), "{out}");
    let wrong: Vec<_> = cases
        .keys()
        .zip(got.iter().zip(&want))
        .filter(|(_, (g, w))| g != w)
        .map(|(p, (g, _))| format!("{p}: matched={g}"))
        .collect();
    assert!(wrong.is_empty(), "files regex: {wrong:?}");
}

// ---------------------------------------------------------------------------
// Environment

/// How pre-commit is kept off the network.
#[derive(Debug, Clone, Copy, PartialEq)]
enum NoNet {
    /// `unshare --net` (root).
    Root,
    /// `unshare --user --map-root-user --net`.
    UserNs,
    /// Neither works here: only CARGO_NET_OFFLINE and a local hook repo.
    None,
}

impl NoNet {
    fn prefix(self) -> &'static [&'static str] {
        match self {
            NoNet::Root => &["unshare", "--net", "--"],
            NoNet::UserNs => &["unshare", "--user", "--map-root-user", "--net", "--"],
            NoNet::None => &[],
        }
    }

    fn get() -> NoNet {
        static KIND: OnceLock<NoNet> = OnceLock::new();
        *KIND.get_or_init(|| {
            for kind in [NoNet::Root, NoNet::UserNs] {
                let p = kind.prefix();
                let ok = Command::new(p[0])
                    .args(&p[1..])
                    .arg("true")
                    .stdin(Stdio::null())
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .status()
                    .is_ok_and(|s| s.success());
                if ok {
                    return kind;
                }
            }
            eprintln!("warning: `unshare --net` is not available: pre-commit runs with the network reachable");
            NoNet::None
        })
    }
}

/// A command with a cleared environment: PATH (git, cargo, python), the
/// Rust toolchain and cargo's registry cache, and a throwaway HOME.
fn hermetic(program: impl AsRef<std::ffi::OsStr>, home: &Path) -> Command {
    let mut cmd = Command::new(program);
    cmd.env_clear();
    for key in ["PATH", "TMPDIR", "RUSTUP_TOOLCHAIN"] {
        if let Some(v) = std::env::var_os(key) {
            cmd.env(key, v);
        }
    }
    let real_home = std::env::var_os("HOME").map(PathBuf::from);
    for (key, default) in [("CARGO_HOME", ".cargo"), ("RUSTUP_HOME", ".rustup")] {
        let dir: Option<OsString> = std::env::var_os(key).or_else(|| {
            real_home
                .as_ref()
                .map(|h| h.join(default))
                .filter(|d| d.is_dir())
                .map(Into::into)
        });
        if let Some(dir) = dir {
            cmd.env(key, dir);
        }
    }
    cmd.env("HOME", home)
        .env("LC_ALL", "C.UTF-8")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_TERMINAL_PROMPT", "0")
        .env("NO_COLOR", "1");
    cmd
}

// ---------------------------------------------------------------------------
// The hook repository: a committed snapshot of this work tree

struct HookRepo {
    path: PathBuf,
    rev: String,
    /// PRE_COMMIT_HOME for this rev
    cache: PathBuf,
    /// CARGO_TARGET_DIR for pre-commit's `cargo install`, shared by all revs
    cargo_target: PathBuf,
}

/// Files of the work tree as they would be committed (tracked and untracked,
/// not ignored, not deleted), less tests/, which `cargo install` never reads.
fn source_files() -> Vec<PathBuf> {
    // the developer's own git settings (global excludes) apply here, but not
    // GIT_DIR & co. of a hook that may be running this test
    let out = run_ok(
        Command::new("git")
            .env_remove("GIT_DIR")
            .env_remove("GIT_WORK_TREE")
            .env_remove("GIT_INDEX_FILE")
            .arg("-C")
            .arg(root())
            .args(["ls-files", "-z", "--cached", "--others", "--exclude-standard"]),
    );
    let mut files: Vec<PathBuf> = out
        .split('\0')
        .filter(|f| !f.is_empty() && !f.starts_with("tests/"))
        .map(PathBuf::from)
        .filter(|f| root().join(f).is_file())
        .collect();
    files.sort();
    files.dedup();
    let manifest = Path::new(".pre-commit-hooks.yaml");
    assert!(
        files.iter().any(|f| f == manifest),
        "the snapshot lacks .pre-commit-hooks.yaml"
    );
    files
}

fn hook_repo(home: &Path) -> HookRepo {
    let base = Path::new(env!("CARGO_TARGET_TMPDIR")).join("precommit");
    fs::create_dir_all(&base).unwrap();
    let staging = tempfile::Builder::new().prefix("staging-").tempdir_in(&base).unwrap();
    let repo = staging.path().join("ocgen");
    for f in source_files() {
        let dest = repo.join(&f);
        fs::create_dir_all(dest.parent().unwrap()).unwrap();
        fs::copy(root().join(&f), &dest).unwrap_or_else(|e| panic!("copy {}: {e}", f.display()));
    }
    let git = |args: &[&str]| {
        let mut cmd = hermetic("git", home);
        cmd.current_dir(&repo).args(args);
        for (k, v) in [
            ("GIT_AUTHOR_NAME", "ocgen test"),
            ("GIT_AUTHOR_EMAIL", "ocgen-test@example.invalid"),
            ("GIT_AUTHOR_DATE", "2000-01-01T00:00:00Z"),
            ("GIT_COMMITTER_NAME", "ocgen test"),
            ("GIT_COMMITTER_EMAIL", "ocgen-test@example.invalid"),
            ("GIT_COMMITTER_DATE", "2000-01-01T00:00:00Z"),
        ] {
            cmd.env(k, v);
        }
        run_ok(&mut cmd)
    };
    git(&["init", "-q", "-b", "main"]);
    git(&["add", "-A"]);
    git(&[
        "-c",
        "commit.gpgsign=false",
        "commit",
        "-q",
        "--no-verify",
        "-m",
        "ocgen work tree snapshot for tests/precommit.rs",
    ]);
    let rev = git(&["rev-parse", "HEAD"]).trim().to_string();

    let dir = base.join(&rev[..12]);
    let path = dir.join("ocgen");
    fs::create_dir_all(&dir).unwrap();
    if !path.join(".git").is_dir() {
        let _ = fs::remove_dir_all(&path); // left half-made by an interrupted run
        // a concurrent run may win the race: same rev, same content
        let _ = fs::rename(&repo, &path);
    }
    assert!(path.join(".git").is_dir(), "{}", path.display());
    let stamp = dir.join("last-used");
    fs::write(&stamp, b"").unwrap();

    prune(&base, &dir);

    HookRepo {
        path,
        rev,
        cache: dir.join("pre-commit-home"),
        cargo_target: base.join("build"),
    }
}

/// Remove what runs on other sources left behind and nobody used for
/// `PRUNE_AFTER`: their snapshot with its pre-commit cache (about 40 MB), and
/// interrupted staging copies. The shared build directory stays: cargo's
/// artifact names do not depend on where pre-commit cloned the sources, so it
/// does not grow from one source to the next.
fn prune(base: &Path, keep: &Path) {
    let unused = |p: &Path| {
        fs::metadata(p.join("last-used"))
            .or_else(|_| fs::metadata(p))
            .and_then(|m| m.modified())
            .is_ok_and(|t| t.elapsed().unwrap_or_default() > PRUNE_AFTER)
    };
    for entry in fs::read_dir(base).unwrap().flatten() {
        let (name, p) = (entry.file_name().to_string_lossy().into_owned(), entry.path());
        let is_rev = name.len() == 12 && name.bytes().all(|b| b.is_ascii_hexdigit());
        if (is_rev || name.starts_with("staging-")) && p != keep && unused(&p) {
            let _ = fs::remove_dir_all(&p);
        }
    }
}

// ---------------------------------------------------------------------------
// The user's repository

struct UserRepo {
    dir: PathBuf,
    home: PathBuf,
    hooks: HookRepo,
    /// a private copy of the ocgen `cargo test` built (target/debug/ocgen can
    /// be rebuilt by another cargo while this test runs)
    ocgen: PathBuf,
    /// first on pre-commit's PATH: an `ocgen` that fails, so a hook that ran
    /// anything but the ocgen pre-commit built would show
    decoy: PathBuf,
}

impl UserRepo {
    fn git_cmd(&self) -> Command {
        let mut cmd = hermetic("git", &self.home);
        cmd.current_dir(&self.dir);
        cmd
    }

    fn git(&self, args: &[&str]) -> String {
        run_ok(self.git_cmd().args(args))
    }

    /// pre-commit's own environment: its cache, and the cargo settings the
    /// `language: rust` install uses (fast, cached, offline).
    fn pre_commit_env(&self, cmd: &mut Command) {
        cmd.env("PRE_COMMIT_HOME", &self.hooks.cache)
            .env("CARGO_TARGET_DIR", &self.hooks.cargo_target)
            .env("CARGO_PROFILE_RELEASE_OPT_LEVEL", "0")
            .env("CARGO_PROFILE_RELEASE_DEBUG", "false")
            .env("CARGO_INCREMENTAL", "0")
            .env("CARGO_NET_OFFLINE", "true")
            .env("CARGO_TERM_COLOR", "never");
    }

    /// `prog args…` off the network, with pre-commit's environment.
    fn isolated(&self, prog: &Path, args: &[&str], skip: Option<&str>) -> Output {
        let prefix = NoNet::get().prefix();
        let mut cmd = if prefix.is_empty() {
            hermetic(prog, &self.home)
        } else {
            let mut c = hermetic(prefix[0], &self.home);
            c.args(&prefix[1..]).arg(prog);
            c
        };
        cmd.current_dir(&self.dir).args(args);
        self.pre_commit_env(&mut cmd);
        let path = std::env::var_os("PATH").unwrap_or_default();
        let path =
            std::env::join_paths(std::iter::once(self.decoy.clone()).chain(std::env::split_paths(&path))).unwrap();
        cmd.env("PATH", path);
        if let Some(ids) = skip {
            cmd.env("SKIP", ids);
        }
        run(&mut cmd)
    }

    /// `git commit` through the installed hook; SKIP lists hook ids not to run.
    fn commit(&self, message: &str, skip: Option<&str>) -> Output {
        self.isolated(Path::new("git"), &["commit", "-m", message], skip)
    }

    fn ocgen(&self, args: &[&str]) -> Output {
        let mut cmd = hermetic(&self.ocgen, &self.home);
        run(cmd.current_dir(&self.dir).args(args))
    }

    fn head(&self) -> String {
        self.git(&["rev-parse", "HEAD"]).trim().to_string()
    }

    fn read(&self, name: &str) -> String {
        fs::read_to_string(self.dir.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
    }

    fn write(&self, name: &str, content: &str) {
        fs::write(self.dir.join(name), content).unwrap();
    }

    /// The blob of `name` in the index (`:name`) or a commit (`HEAD:name`).
    fn show(&self, spec: &str) -> String {
        self.git(&["show", spec])
    }

    fn status(&self) -> String {
        self.git(&["status", "--porcelain"])
    }

    fn rendered(&self) -> Vec<String> {
        RENDERED.iter().map(|n| self.read(n)).collect()
    }

    /// What ocgen renders from the repository's deploy.toml, written elsewhere.
    fn oracle(&self) -> Vec<String> {
        let dir = tempfile::tempdir().unwrap();
        let out = self.ocgen(&["render", "-q", "-o", dir.path().to_str().unwrap()]);
        assert!(out.status.success(), "{}", text(&out));
        RENDERED
            .iter()
            .map(|n| fs::read_to_string(dir.path().join(n)).unwrap())
            .collect()
    }
}

/// The result pre-commit printed for a hook: `Passed`, `Failed`, `Skipped` or
/// `(no files to check)Skipped`.
fn hook_result(out: &str, id: &str) -> String {
    let name = &hook(id).name;
    let results: Vec<_> = out
        .lines()
        .filter_map(|l| l.strip_prefix(name.as_str()))
        .map(|rest| rest.trim_start_matches('.').trim().to_string())
        .collect();
    assert_eq!(results.len(), 1, "`{name}` once in:\n{out}");
    results.into_iter().next().unwrap()
}

fn assert_results(out: &Output, check: &str, render: &str) {
    let t = text(out);
    assert_eq!(hook_result(&t, CHECK_ID), check, "{CHECK_ID} in:\n{t}");
    assert_eq!(hook_result(&t, RENDER_ID), render, "{RENDER_ID} in:\n{t}");
}

fn assert_blocked(out: &Output, repo: &UserRepo, head: &str) {
    assert_eq!(out.status.code(), Some(1), "commit not blocked:\n{}", text(out));
    assert_eq!(repo.head(), head, "a blocked commit moved HEAD");
}

fn assert_committed(out: &Output, repo: &UserRepo, before: &str) {
    assert_eq!(out.status.code(), Some(0), "commit failed:\n{}", text(out));
    assert_ne!(repo.head(), before, "HEAD did not move");
    assert_eq!(repo.status(), "", "work tree not clean after the commit");
}

const DEPLOY: &str = r#"profile = "lan-patch"

[openclaw]
version = "2026.9.6"

[gateway]
publish_address = "192.168.1.100"
"#;

#[test]
fn hooks_block_stale_files_and_render_fixes_them_under_real_pre_commit() {
    let started = Instant::now();
    let pre_commit = venv_bin("pre-commit");
    let tmp = tempfile::Builder::new().prefix("ocgen-precommit-").tempdir().unwrap();
    let home = tmp.path().join("home");
    let dir = tmp.path().join("repo");
    fs::create_dir_all(&home).unwrap();
    fs::create_dir_all(&dir).unwrap();
    let ocgen = tmp.path().join("ocgen");
    fs::copy(ocgen_bin(), &ocgen).unwrap();
    let decoy = tmp.path().join("decoy");
    fs::create_dir_all(&decoy).unwrap();
    fs::write(
        decoy.join("ocgen"),
        "#!/bin/sh\necho 'DECOY: not the ocgen pre-commit built' >&2\nexit 99\n",
    )
    .unwrap();
    fs::set_permissions(decoy.join("ocgen"), std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let hooks = hook_repo(&home);
    let repo = UserRepo {
        dir,
        home,
        hooks,
        ocgen,
        decoy,
    };

    // -- a Coolify repository: deploy.toml, the rendered files, the config --
    repo.git(&["init", "-q", "-b", "main"]);
    for (k, v) in [
        ("user.name", "Test User"),
        ("user.email", "test@example.invalid"),
        ("commit.gpgsign", "false"),
    ] {
        repo.git(&["config", "--local", k, v]);
    }
    repo.write("deploy.toml", DEPLOY);
    let out = repo.ocgen(&["render", "-q"]);
    assert!(out.status.success(), "{}", text(&out));
    let original = repo.rendered();
    repo.write(
        ".pre-commit-config.yaml",
        &format!(
            "repos:\n  - repo: '{}'\n    rev: {}\n    hooks:\n      - id: {CHECK_ID}\n      - id: {RENDER_ID}\n",
            repo.hooks.path.display().to_string().replace('\'', "''"),
            repo.hooks.rev
        ),
    );
    repo.git(&["add", "-A"]);

    // pre-commit clones the hook repository and `cargo install`s ocgen from it
    let t = Instant::now();
    let out = repo.isolated(&pre_commit, &["install", "--install-hooks"], None);
    assert!(out.status.success(), "pre-commit install:\n{}", text(&out));
    let install_secs = t.elapsed().as_secs_f64();
    eprintln!("precommit: pre-commit install --install-hooks took {install_secs:.1}s");
    let built: Vec<PathBuf> = fs::read_dir(&repo.hooks.cache)
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with("repo"))
        .map(|e| e.path().join("rustenv-system/bin/ocgen"))
        .filter(|p| p.is_file())
        .collect();
    assert_eq!(
        built.len(),
        1,
        "one ocgen built by pre-commit (with the system toolchain) in {}: {built:?}",
        repo.hooks.cache.display()
    );
    // Both binaries must come from the same sources, or every comparison
    // below would be meaningless.
    let render_with = |bin: &Path| {
        let out_dir = tempfile::tempdir().unwrap();
        fs::write(out_dir.path().join("deploy.toml"), DEPLOY).unwrap();
        let mut cmd = hermetic(bin, &repo.home);
        run_ok(cmd.current_dir(out_dir.path()).args(["render", "-q"]));
        RENDERED
            .iter()
            .map(|n| fs::read_to_string(out_dir.path().join(n)).unwrap())
            .collect::<Vec<_>>()
    };
    assert!(
        render_with(&built[0]) == render_with(&repo.ocgen),
        "the ocgen pre-commit built from the work tree renders differently from the one `cargo test` \
         built: the sources changed in between (edited while the tests ran?); run the test again"
    );

    // -- 1. current files: both hooks run and pass --
    let out = repo.commit("deployment", None);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_results(&out, "Passed", "Passed");
    assert_eq!(repo.status(), "");
    let mut head = repo.head();

    // -- 2. a commit that touches none of the files: both hooks skipped --
    repo.write("notes.txt", "unrelated\n");
    repo.git(&["add", "notes.txt"]);
    let out = repo.commit("notes", None);
    assert_committed(&out, &repo, &head);
    assert_results(&out, "(no files to check)Skipped", "(no files to check)Skipped");
    head = repo.head();

    // -- 3. a hand-edited docker-compose.yaml --
    let good_line = r#"      - "192.168.1.100:18789:18789""#;
    let bad_line = r#"      - "0.0.0.0:18789:18789""#;
    assert!(original[1].contains(good_line), "{}", original[1]);
    let edited = original[1].replace(good_line, bad_line);
    repo.write("docker-compose.yaml", &edited);
    repo.git(&["add", "docker-compose.yaml"]);

    // the check hook blocks it with the diff and writes nothing
    let out = repo.commit("hand edit", Some(RENDER_ID));
    assert_blocked(&out, &repo, &head);
    assert_results(&out, "Failed", "Skipped");
    let t = text(&out);
    for needle in [
        "- exit code: 1",
        "--- a/docker-compose.yaml",
        "+++ b/docker-compose.yaml",
        &format!("-{bad_line}"),
        &format!("+{good_line}"),
        "docker-compose.yaml (modified)",
    ] {
        assert!(t.contains(needle), "`{needle}` not in:\n{t}");
    }
    assert_eq!(repo.read("docker-compose.yaml"), edited, "check wrote");
    assert_eq!(repo.show(":docker-compose.yaml"), edited);

    // the render hook blocks it too, and puts the rendered file back
    let out = repo.commit("hand edit", Some(CHECK_ID));
    assert_blocked(&out, &repo, &head);
    assert_results(&out, "Skipped", "Failed");
    let t = text(&out);
    assert!(t.contains("files were modified by this hook"), "{t}");
    assert_eq!(repo.read("docker-compose.yaml"), original[1]);
    assert_eq!(repo.show(":docker-compose.yaml"), edited, "index untouched");
    assert_eq!(repo.rendered(), original, "other files untouched");
    // re-adding the fix leaves nothing of the hand edit to commit
    repo.git(&["add", "docker-compose.yaml"]);
    assert_eq!(repo.status(), "");

    // -- 4. deploy.toml changed, files not regenerated: both hooks block,
    //       render regenerates, re-adding and committing passes --
    let deploy2 = DEPLOY.replace(
        "publish_address = \"192.168.1.100\"\n",
        "publish_address = \"192.168.1.100\"\nport = 18790\n",
    );
    assert_ne!(deploy2, DEPLOY);
    repo.write("deploy.toml", &deploy2);
    repo.git(&["add", "deploy.toml"]);
    let want = repo.oracle();
    assert_ne!(want, original);
    let out = repo.commit("port 18790", None);
    assert_blocked(&out, &repo, &head);
    assert_results(&out, "Failed", "Failed");
    let t = text(&out);
    assert!(t.contains("+      - \"192.168.1.100:18790:18790\""), "{t}");
    assert!(t.contains("files were modified by this hook"), "{t}");
    assert_eq!(repo.rendered(), want, "render hook regenerated the files");
    assert_eq!(repo.show(":docker-compose.yaml"), original[1]);
    repo.git(&["add", "-A"]);
    let out = repo.commit("port 18790", None);
    assert_committed(&out, &repo, &head);
    assert_results(&out, "Passed", "Passed");
    for (name, want) in RENDERED.iter().zip(&want) {
        assert_eq!(&repo.show(&format!("HEAD:{name}")), want, "{name}");
    }
    head = repo.head();

    // -- 5. deploy.toml changed again, check hook only: blocked, nothing
    //       written; regenerated by hand with `ocgen render`, the commit passes --
    let deploy3 = deploy2.replace("port = 18790\n", "port = 18791\n");
    repo.write("deploy.toml", &deploy3);
    repo.git(&["add", "deploy.toml"]);
    let before = repo.rendered();
    let out = repo.commit("port 18791", Some(RENDER_ID));
    assert_blocked(&out, &repo, &head);
    assert_results(&out, "Failed", "Skipped");
    assert!(text(&out).contains("run `ocgen render` to regenerate them"));
    assert_eq!(repo.rendered(), before, "check wrote");
    let out = repo.ocgen(&["render", "-q"]);
    assert!(out.status.success(), "{}", text(&out));
    repo.git(&["add", "-A"]);
    let out = repo.commit("port 18791", Some(RENDER_ID));
    assert_committed(&out, &repo, &head);
    assert_results(&out, "Passed", "Skipped");
    let want = repo.oracle();
    for (name, want) in RENDERED.iter().zip(&want) {
        assert_eq!(&repo.show(&format!("HEAD:{name}")), want, "{name}");
    }
    assert!(repo.show("HEAD:docker-compose.yaml").contains(":18791:18791"));
    head = repo.head();

    // -- 6. an invalid deploy.toml: both hooks fail with ocgen's exit 2 and
    //       its diagnostic; nothing is written --
    repo.write("deploy.toml", &format!("{deploy3}prot = 1\n"));
    repo.git(&["add", "deploy.toml"]);
    let before = repo.rendered();
    let out = repo.commit("typo", None);
    assert_blocked(&out, &repo, &head);
    assert_results(&out, "Failed", "Failed");
    let t = text(&out);
    assert_eq!(t.matches("- exit code: 2").count(), 2, "{t}");
    assert!(t.contains("error[OC002]"), "{t}");
    assert_eq!(repo.rendered(), before);

    eprintln!(
        "precommit: hook environment (clone + cargo install) {install_secs:.1}s, whole test {:.1}s, network cut by {:?}",
        started.elapsed().as_secs_f64(),
        NoNet::get()
    );
}
