//! The `openclaw.json` a bootstrap writes (run with the stand-in openclaw)
//! and a release's own verdict on a config.

use std::collections::HashMap;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use serde_json::{Value, json};

use super::proc::NsProc;
use super::sandbox::Sandbox;
use super::slots::{COLD_START_LIMIT, acquire_slot, warm_gate};
use super::tools::{SYS_PATH, stubs_dir, tools};
use super::{Case, PORT, TOKEN, render_bootstrap};

/// bootstrap.sh with the stand-in openclaw (no real gateway).
pub const STUB_RUN_LIMIT: Duration = Duration::from_secs(90);
/// One `openclaw config …` validation.
pub const VALIDATE_LIMIT: Duration = Duration::from_secs(90);

/// The `openclaw.json` a bootstrap run left for the gateway: the exact bytes
/// and their JSON.
#[derive(Debug, Clone)]
pub struct Produced {
    pub text: String,
    pub value: Value,
}

/// Run the case's bootstrap with the stand-in openclaw once per case (shared
/// by every job that needs the case's config).
pub fn stub_config(case: Case) -> Result<Produced, String> {
    type Memo = Mutex<HashMap<Case, Arc<OnceLock<Result<Produced, String>>>>>;
    static MEMO: OnceLock<Memo> = OnceLock::new();
    let cell = MEMO
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .entry(case)
        .or_default()
        .clone();
    cell.get_or_init(|| run_stub(case)).clone()
}

fn run_stub(case: Case) -> Result<Produced, String> {
    let name = case.name();
    let sb = Sandbox::new(&format!("stub-{name}"))?;
    let script = sb.write_script(&render_bootstrap(case))?;
    let mut env = sb.env(case, &stubs_dir());
    let capture = sb.path("out/captured.json");
    env.push(("STUB_OPENCLAW_CAPTURE".into(), capture.display().to_string()));
    let mut p = NsProc::spawn(
        &["bash".as_ref(), script.as_os_str()],
        &env,
        &sb.path("cwd"),
        sb.path("out/stdout"),
        sb.path("out/stderr"),
    )?;
    let status = p.wait_exit(STUB_RUN_LIMIT);
    let stopped = p.stop();
    let Some(status) = status else {
        return Err(format!(
            "{name}: bootstrap.sh (stand-in openclaw) still running after {STUB_RUN_LIMIT:?}\n{}",
            p.output()
        ));
    };
    stopped.map_err(|e| format!("{name}: stand-in run: {e}"))?;
    if !status.success() {
        return Err(format!(
            "{name}: bootstrap.sh with the stand-in openclaw exited with {status}\n{}",
            p.output()
        ));
    }
    // `openclaw gateway run …`, or `openclaw gateway --allow-unconfigured` (the
    // workaround's form: the `gateway` command runs the gateway itself).
    let started = sb.stub_log().into_iter().any(|inv| {
        inv.first().map(String::as_str) == Some("openclaw")
            && inv.get(1).map(String::as_str) == Some("gateway")
            && inv.get(2).is_none_or(|a| a == "run" || a.starts_with("--"))
    });
    if !started {
        return Err(format!(
            "{name}: bootstrap.sh never started the gateway (`openclaw gateway [run] …`)\n{}",
            p.output()
        ));
    }
    let seen = fs::read_to_string(&capture)
        .map_err(|e| format!("{name}: the stand-in gateway saw no config ({e})\n{}", p.output()))?;
    let on_disk = fs::read_to_string(sb.config()).map_err(|e| format!("{name}: {e}"))?;
    if seen != on_disk {
        return Err(format!("{name}: the config changed after the gateway started"));
    }
    let config: Value =
        serde_json::from_str(&seen).map_err(|e| format!("{name}: openclaw.json is not JSON ({e}):\n{seen}"))?;
    // What the real run's listener check relies on.
    let want_bind = if case.serve() { "loopback" } else { "lan" };
    if config["gateway"]["port"] != json!(PORT) || config["gateway"]["bind"] != json!(want_bind) {
        return Err(format!(
            "{name}: expected gateway.port={PORT}, gateway.bind={want_bind:?} in {config}"
        ));
    }
    Ok(Produced {
        text: seen,
        value: config,
    })
}

#[derive(Debug)]
pub enum Verdict {
    Valid(String),
    Invalid(String),
}

/// Run `text` (as `openclaw.json`) through `version`'s own validation:
/// `openclaw config validate --json` for 2026.9.x; `openclaw config get
/// commands --json` for 2026.2.19, which has no `config validate`.
pub fn validate(version: &'static str, text: &str, label: &str) -> Result<Verdict, String> {
    let tools = tools()?;
    let sb = Sandbox::new(&format!("validate-{label}"))?;
    // While the release's transpile cache is cold, its validations run one at a
    // time (the warm gate) with the cold limit, each filling the shared cache
    // the next one reads; only a gateway's start marks the cache warm (it
    // transpiles more than a validation does).
    let (cold, limit) = match warm_gate(version) {
        (Some(guard), _) => (Some(guard), COLD_START_LIMIT.max(VALIDATE_LIMIT)),
        (None, _) => (None, VALIDATE_LIMIT),
    };
    sb.link_caches(version)?;
    let state = sb.path("state");
    fs::create_dir_all(&state).map_err(|e| e.to_string())?;
    let file = state.join("openclaw.json");
    fs::write(&file, text).map_err(|e| e.to_string())?;
    fs::set_permissions(&file, fs::Permissions::from_mode(0o600)).map_err(|e| e.to_string())?;
    let s = |p: &Path| p.display().to_string();
    let env = vec![
        ("PATH".to_string(), SYS_PATH.to_string()),
        ("HOME".into(), s(&sb.path("home"))),
        ("TMPDIR".into(), s(&sb.path("tmp"))),
        ("LANG".into(), "C.UTF-8".into()),
        ("OPENCLAW_STATE_DIR".into(), s(&state)),
        ("OPENCLAW_CONFIG_PATH".into(), s(&file)),
        // without a token 2026.2.19 rewrites openclaw.json
        ("OPENCLAW_GATEWAY_TOKEN".into(), TOKEN.into()),
    ];
    let launcher = tools.launcher(version);
    let args: &[&str] = if !super::release::has_config_validate(version) {
        // `config get` loads and schema-checks the whole file (`commands`: a
        // key with defaults, so valid files exit 0)
        &["config", "get", "commands", "--json"]
    } else {
        &["config", "validate", "--json"]
    };
    let mut argv: Vec<&std::ffi::OsStr> = vec![launcher.as_os_str()];
    argv.extend(args.iter().map(|a| std::ffi::OsStr::new(*a)));
    let slot = acquire_slot();
    let mut p = NsProc::spawn(
        &argv,
        &env,
        &sb.path("cwd"),
        sb.path("out/stdout"),
        sb.path("out/stderr"),
    )?;
    let status = p.wait_exit(limit);
    let stopped = p.stop();
    drop(slot);
    drop(cold);
    let cmd = format!("openclaw-{version} {}", args.join(" "));
    let Some(status) = status else {
        return Err(format!("`{cmd}` still running after {limit:?}\n{}", p.output()));
    };
    stopped.map_err(|e| format!("`{cmd}`: {e}"))?;
    let stdout = fs::read_to_string(&p.stdout).unwrap_or_default();
    let stderr = fs::read_to_string(&p.stderr).unwrap_or_default();
    let both = format!("{stdout}\n{stderr}");
    let unexpected = || {
        format!(
            "`{cmd}` gave no verdict (exit {status}) on\n{text}\n--- stdout ---\n{stdout}\n--- stderr ---\n{stderr}"
        )
    };
    if !super::release::has_config_validate(version) {
        match status.code() {
            Some(0) if !both.contains("Config invalid") => Ok(Verdict::Valid(cmd)),
            Some(1) if both.contains("Config invalid") => Ok(Verdict::Invalid(stderr.trim().to_string())),
            _ => Err(unexpected()),
        }
    } else {
        let json: Option<Value> = stdout.find('{').and_then(|i| serde_json::from_str(&stdout[i..]).ok());
        let valid = json.as_ref().and_then(|j| j.get("valid")).and_then(Value::as_bool);
        match (status.code(), valid) {
            (Some(0), Some(true)) => Ok(Verdict::Valid(cmd)),
            (Some(1), Some(false)) => Ok(Verdict::Invalid(
                json.map(|j| j["issues"].to_string()).unwrap_or_default(),
            )),
            _ => Err(unexpected()),
        }
    }
}
