//! Faults while a rendered `bootstrap.sh` starts, on the stand-ins (no real
//! gateway, no Docker engine; the plumbing is tests/common/faults.rs). Each
//! case must end with a clear `[bootstrap]` log line, `openclaw.json` either
//! the old file or the new one (never a mix), nothing of the run left behind
//! that gets in the next start's way, and the next start recovering:
//!
//! - the container SIGKILLed at every step the bootstrap reaches (every line,
//!   as root and in its `--patch-config` run), and while `openssl` writes the
//!   TLS key pair;
//! - a full data volume (a small tmpfs) while patching;
//! - a read-only data volume;
//! - `openclaw.json` truncated at every byte of a patched config;
//! - serve: the Tailscale state lost while the auth key has expired;
//! - domain: the proxy (`coolify-proxy`) absent at start.
//!
//! What tests/bootstrap.rs already proves is not repeated (a corrupt config
//! of five shapes refused byte for byte, a missing token, tailscaled crashing
//! or never answering, `up` failing or never Running, all bounded).

mod common;

use std::fs;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use common::*;
use serde_json::Value;

const LIMIT: Duration = Duration::from_secs(60);
const V: &str = "2026.9.6";
/// A volume that ran before: a key the patch owns with another value, and the user's own keys.
const SEED: &str = r#"{"gateway":{"port":18789,"bind":"loopback"},"agents":{"defaults":{"workspace":"/data/workspace"}},"ui":{"assistant":{"name":"Kept by the user"}}}"#;
/// Run the bootstrap once.
const ONCE: &str = "exec \"$@\"";
/// `coolify-proxy` resolves (the container is on the proxy's network).
const WITH_PROXY: &str = "printf '127.0.0.1 localhost\\n10.0.9.9 coolify-proxy\\n' >\"$SB/hosts\"\nmount --bind \"$SB/hosts\" /etc/hosts\nexec \"$@\"";

fn domain_case() -> Case {
    Case {
        profile: "domain",
        version: V,
        tls: false,
        publish_address: None,
    }
}

fn script_of(case: Case) -> String {
    if case.profile == "domain" {
        let text = format!(
            "profile = \"domain\"\n[openclaw]\nversion = \"{}\"\n[coolify]\ndomain = \"https://claw.example.com\"\n",
            case.version
        );
        let src = ocgen::diagnostic::Source::new("deploy.toml", text);
        let model = ocgen::load_model(&src, &Default::default()).expect("domain deploy.toml loads");
        return ocgen::render_files(&model)
            .into_iter()
            .find(|f| f.name == "bootstrap.sh")
            .expect("bootstrap.sh")
            .contents;
    }
    render_bootstrap(case)
}

/// What every run of `case` adds to the environment.
fn extra_env(case: Case) -> Vec<(&'static str, &'static str)> {
    match case.profile {
        // No sidecar beside it: do not wait for one (it starts without the tailnet origin).
        "sidecar" => vec![("TS_WAIT_SECONDS", "0")],
        "domain" => vec![("OPENCLAW_PUBLIC_URL", "https://claw.example.com")],
        _ => vec![],
    }
}

fn wrapper_of(case: Case) -> &'static str {
    if case.profile == "domain" { WITH_PROXY } else { ONCE }
}

/// The config as JSON with what differs between sandboxes masked: the TLS
/// fingerprint (a new key pair per sandbox) and the sandbox's path.
fn masked(bytes: &[u8], root: &std::path::Path) -> Result<Value, String> {
    let text = String::from_utf8_lossy(bytes).replace(&root.display().to_string(), "<sandbox>");
    fn mask(v: &mut Value) {
        match v {
            Value::String(s) if s.len() == 95 && s.split(':').all(|h| h.len() == 2) => *s = "<fingerprint>".into(),
            Value::Object(m) => m.values_mut().for_each(mask),
            Value::Array(a) => a.iter_mut().for_each(mask),
            _ => {}
        }
    }
    let mut v: Value = serde_json::from_str(&text).map_err(|e| format!("not JSON: {e}"))?;
    mask(&mut v);
    Ok(v)
}

/// Run `f` over `items` on `threads` threads.
fn pool<T: Sync>(items: &[T], threads: usize, f: impl Fn(&T) -> Result<(), String> + Sync) -> Vec<String> {
    let next = AtomicUsize::new(0);
    let errors = Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::SeqCst);
                    let Some(item) = items.get(i) else { break };
                    if let Err(e) = f(item) {
                        errors.lock().unwrap().push(e);
                    }
                }
            });
        }
    });
    errors.into_inner().unwrap()
}

/// The next start after a fault: it succeeds, the config is `new` (masked), and no
/// temporary file of the bootstrap is left on the volume.
fn recovers(si: &mut StandIn, new: &Value, what: &str) -> Result<Ended, String> {
    let extra = extra_env(si.case);
    let rec = si.run(wrapper_of(si.case), &extra, None, None, LIMIT)?;
    if !rec.ok() {
        return Err(format!("{what}: the next start fails\n{}", rec.describe()));
    }
    let now = si
        .config_bytes()
        .ok_or(format!("{what}: no config after the next start"))?;
    if masked(&now, &si.sb.root)? != *new {
        return Err(format!(
            "{what}: the next start's config is not the patched one:\n{}",
            String::from_utf8_lossy(&now)
        ));
    }
    let left = si.leftovers();
    if !left.is_empty() {
        return Err(format!(
            "{what}: the bootstrap's temporary files are left on the volume after the next start: {left:?}\n{}",
            rec.describe()
        ));
    }
    Ok(rec)
}

// ---------------------------------------------------------------------------
// SIGKILL at every step

/// The text of a step's line (`ROLE:LINE`) in `script`.
fn line_text(script: &str, step: &str) -> String {
    let line: usize = step.rsplit(':').next().and_then(|n| n.parse().ok()).unwrap_or(0);
    script
        .lines()
        .nth(line.wrapping_sub(1))
        .unwrap_or_default()
        .trim()
        .to_string()
}

/// Kill `case` at every step it reaches, except steps whose role and line text are in
/// `done` (the same command, already killed at in another profile's run).
fn kill_at_every_step(case: Case, done: &std::collections::BTreeSet<String>) -> Result<String, String> {
    let script = script_of(case);
    let extra = extra_env(case);
    let wrap = wrapper_of(case);
    let mut base = StandIn::new(case, &format!("faults-trace-{}", case.name()), &script)?;
    base.seed(SEED.as_bytes())?;
    let trace = base.sb.path("out/trace");
    let r = base.run(wrap, &extra, None, Some(&trace), LIMIT)?;
    if !r.ok() {
        return Err(format!("the unfaulted run fails\n{}", r.describe()));
    }
    let new_bytes = base.config_bytes().ok_or("no config after the unfaulted run")?;
    let new = masked(&new_bytes, &base.sb.root)?;
    let all = steps_of(&trace);
    if all.len() < 20 || !all.iter().any(|s| s.starts_with("patch:")) {
        return Err(format!("the trace has too few steps (the hook did not act?): {all:?}"));
    }
    let role = |s: &str| s.split(':').next().unwrap_or_default().to_string();
    let mut steps: Vec<String> = all
        .iter()
        .filter(|s| !done.contains(&format!("{}:{}", role(s), line_text(&script, s))))
        .cloned()
        .collect();
    if case.tls {
        // Killed while openssl writes the key pair (the key is on disk, the certificate not yet).
        steps.push("openssl:req".into());
    }
    let reached = AtomicUsize::new(0);
    let errors = pool(&steps, 3, |step| {
        let what = format!("{} killed at {step}", case.name());
        let mut si = StandIn::new(case, &format!("faults-kill-{}", case.name()), &script)?;
        si.seed(SEED.as_bytes())?;
        if step == "openssl:req" {
            openssl_that_dies_half_way(&si)?;
        }
        let k = si.run(wrap, &extra, Some(step), None, LIMIT)?;
        if k.killed_at.as_deref() != Some(step.as_str()) {
            // A step of a wait loop another run took once more (or never).
            if k.ok() {
                return Ok(());
            }
            return Err(format!("{what}: not reached, and the run failed\n{}", k.describe()));
        }
        reached.fetch_add(1, Ordering::SeqCst);
        match si.config_bytes() {
            Some(b) if b == SEED.as_bytes() => {}
            Some(b) if masked(&b, &si.sb.root).ok().as_ref() == Some(&new) => {}
            other => {
                return Err(format!(
                    "{what}: openclaw.json is neither the old nor the new file: {:?}",
                    other.map(|b| String::from_utf8_lossy(&b).into_owned())
                ));
            }
        }
        let _ = fs::remove_file(si.sb.path("bin/openssl"));
        let rec = recovers(&mut si, &new, &what)?;
        if !rec.log_lines().iter().any(|l| l.contains("exec openclaw")) {
            return Err(format!(
                "{what}: the next start does not say it starts the gateway\n{}",
                rec.describe()
            ));
        }
        Ok(())
    });
    if !errors.is_empty() {
        return Err(format!("{} finding(s):\n{}", errors.len(), errors.join("\n\n")));
    }
    let reached = reached.into_inner();
    if reached * 10 < steps.len() * 9 {
        return Err(format!("only {reached} of {} steps were reached", steps.len()));
    }
    Ok(format!(
        "{}: killed at {reached} of {} steps ({} reached in all, the others' commands killed at in lan-patch); openclaw.json old or new each time, the next start recovered, nothing lost",
        case.name(),
        steps.len(),
        all.len()
    ))
}

/// `openssl` (first on PATH) that, for `req`, writes half a key to -keyout and
/// stops there (the fault hook's mark: `openssl:req`), when FAULT_AT asks.
fn openssl_that_dies_half_way(si: &StandIn) -> Result<(), String> {
    let shim = si.sb.path("bin/openssl");
    fs::write(
        &shim,
        r#"#!/usr/bin/env bash
if [ "${FAULT_AT:-}" = openssl:req ] && [ "${1:-}" = req ]; then
  while [ $# -gt 0 ]; do
    if [ "$1" = -keyout ]; then printf -- '-----BEGIN PRIVATE KEY-----\nMIIEv' >"$2"; fi
    shift
  done
  printf 'openssl:req\n' >"$FAULT_MARK"
  kill -s STOP $$
fi
exec /usr/bin/openssl "$@"
"#,
    )
    .map_err(|e| e.to_string())?;
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(&shim, fs::Permissions::from_mode(0o755)).map_err(|e| e.to_string())
}

#[test]
fn sigkill_at_every_step_loses_nothing() {
    // lan-patch first, at every step; then the other profiles at the steps whose
    // commands lan-patch does not run.
    let base = case("lan-patch", V);
    let empty = std::collections::BTreeSet::new();
    let first = kill_at_every_step(base, &empty);
    eprintln!("{first:?}");
    let first = first.unwrap_or_else(|e| panic!("{}: {e}", base.name()));
    let script = script_of(base);
    let mut si = StandIn::new(base, "faults-trace-done", &script).unwrap();
    si.seed(SEED.as_bytes()).unwrap();
    let trace = si.sb.path("out/trace");
    assert!(si.run(ONCE, &[], None, Some(&trace), LIMIT).unwrap().ok());
    let done: std::collections::BTreeSet<String> = steps_of(&trace)
        .iter()
        .map(|s| format!("{}:{}", s.split(':').next().unwrap(), line_text(&script, s)))
        .collect();
    // sidecar on 2026.2.23, a release where it waits for the sidecar's node (on 2026.9.6
    // its bootstrap runs lan-patch's commands only).
    let cases = [
        case_tls("lan-patch", V),
        case("sidecar", "2026.2.23"),
        case("serve", V),
        domain_case(),
    ];
    let jobs = cases
        .into_iter()
        .map(|c| {
            let done = done.clone();
            job(c.name(), move || kill_at_every_step(c, &done))
        })
        .collect();
    let results = run_all("sigkill", jobs);
    eprintln!("{first}");
    for c in cases {
        outcome(&results, &c.name());
    }
}

// ---------------------------------------------------------------------------
// A full volume, a read-only volume: the wrapper makes the fault, runs the
// bootstrap, copies what the volume holds to out/, lifts the fault, runs it again.

/// `$1`: the fault; `$2`: what lifts it. The bootstrap is the rest.
const FAULT_THEN_LIFT: &str = r#"
fault=$1 lift=$2
shift 2
data=$OPENCLAW_DATA_DIR
eval "$fault"
"$@"
echo $? >"$SB/out/faulted.rc"
cp -a "$data/.openclaw/openclaw.json" "$SB/out/faulted.json" 2>/dev/null || true
find "$data" -name '*.ocgen.*' >"$SB/out/faulted.leftovers" 2>/dev/null || true
eval "$lift"
echo '=== the fault lifted ===' >&2
"$@"
echo $? >"$SB/out/lifted.rc"
cp -a "$data/.openclaw/openclaw.json" "$SB/out/lifted.json" 2>/dev/null || true
find "$data" -name '*.ocgen.*' >"$SB/out/lifted.leftovers" 2>/dev/null || true
"#;

/// A tmpfs as the volume (what it held copied in), filled to the last byte.
const FULL: &str = r#"cp -a "$data" "$SB/volume-before"
mount -t tmpfs -o size=2m,mode=0755 tmpfs "$data"
cp -a "$SB/volume-before/." "$data/"
dd if=/dev/zero of="$data/filler" bs=4k 2>/dev/null || true
dd if=/dev/zero of="$data/filler2" bs=1 2>/dev/null || true"#;
const FREE: &str = r#"rm -f "$data/filler" "$data/filler2""#;
const READ_ONLY: &str = r#"mount --bind "$data" "$data"
mount -o remount,bind,ro "$data""#;
const WRITABLE: &str = r#"mount -o remount,bind,rw "$data""#;

fn volume_fault(case: Case, seed: Option<&str>, fault: &str, lift: &str, label: &str) -> Result<String, String> {
    let script = script_of(case);
    let extra = extra_env(case);
    // The config an unfaulted start writes on the same volume.
    let mut base = StandIn::new(case, &format!("faults-{label}-base"), &script)?;
    let mut si = StandIn::new(case, &format!("faults-{label}"), &script)?;
    match seed {
        Some(s) => {
            base.seed(s.as_bytes())?;
            si.seed(s.as_bytes())?;
        }
        None => {
            // An empty volume: Docker made the directory.
            fs::create_dir_all(si.data()).map_err(|e| e.to_string())?;
        }
    }
    let r = base.run(wrapper_of(case), &extra, None, None, LIMIT)?;
    if !r.ok() {
        return Err(format!("the unfaulted run fails\n{}", r.describe()));
    }
    let new = masked(&base.config_bytes().ok_or("no config")?, &base.sb.root)?;
    let proxy = if case.profile == "domain" {
        "printf '10.0.9.9 coolify-proxy\\n' >\"$SB/hosts\"; mount --bind \"$SB/hosts\" /etc/hosts\n"
    } else {
        ""
    };
    let wrapper = format!("{proxy}{FAULT_THEN_LIFT}");
    let mut script_args = vec![("FAULT_ARG_FAULT", fault), ("FAULT_ARG_LIFT", lift)];
    script_args.extend(extra.iter().copied());
    let wrapper = wrapper.replace(
        "fault=$1 lift=$2\nshift 2",
        "fault=$FAULT_ARG_FAULT lift=$FAULT_ARG_LIFT",
    );
    let ended = si.run(&wrapper, &script_args, None, None, LIMIT)?;
    let out = |f: &str| fs::read_to_string(si.sb.path(&format!("out/{f}"))).unwrap_or_default();
    let faulted_rc = out("faulted.rc");
    if faulted_rc.trim() == "0" || faulted_rc.is_empty() {
        return Err(format!(
            "{label}: the bootstrap did not refuse the fault (exit {faulted_rc:?})\n{}",
            ended.describe()
        ));
    }
    // The faulted run's last words: a clear error line.
    let first_run = ended
        .stderr
        .split("=== the fault lifted ===")
        .next()
        .unwrap_or_default()
        .to_string();
    let last = first_run
        .lines()
        .rfind(|l| l.starts_with("[bootstrap]"))
        .unwrap_or_default()
        .to_string();
    if !last.starts_with("[bootstrap] error:") {
        return Err(format!(
            "{label}: the faulted run does not end with an error line\n{}",
            ended.describe()
        ));
    }
    // openclaw.json: the old file or none, never a part.
    let faulted = fs::read(si.sb.path("out/faulted.json")).ok();
    let old = seed.map(|s| s.as_bytes().to_vec());
    if faulted != old {
        return Err(format!(
            "{label}: openclaw.json changed under the fault: {:?}",
            faulted.map(|b| String::from_utf8_lossy(&b).into_owned())
        ));
    }
    if !out("faulted.leftovers").trim().is_empty() || !out("lifted.leftovers").trim().is_empty() {
        return Err(format!(
            "{label}: temporary files left: {} {}",
            out("faulted.leftovers"),
            out("lifted.leftovers")
        ));
    }
    if out("lifted.rc").trim() != "0" {
        return Err(format!(
            "{label}: the next start (fault lifted) fails\n{}",
            ended.describe()
        ));
    }
    let lifted = fs::read(si.sb.path("out/lifted.json")).map_err(|e| format!("{label}: no config after: {e}"))?;
    if masked(&lifted, &si.sb.root)? != new {
        return Err(format!("{label}: the next start's config is not the patched one"));
    }
    Ok(format!(
        "{label}: refused with {last:?}; config old; the next start recovered"
    ))
}

#[test]
fn a_full_or_read_only_volume_is_refused_clearly_and_the_next_start_recovers() {
    let cases = [
        ("full/lan-patch/lived-in", case("lan-patch", V), Some(SEED), FULL, FREE),
        ("full/lan-patch/empty", case("lan-patch", V), None, FULL, FREE),
        (
            "full/lan-patch+tls/lived-in",
            case_tls("lan-patch", V),
            Some(SEED),
            FULL,
            FREE,
        ),
        ("full/serve/lived-in", case("serve", V), Some(SEED), FULL, FREE),
        ("full/domain/lived-in", domain_case(), Some(SEED), FULL, FREE),
        (
            "ro/lan-patch/lived-in",
            case("lan-patch", V),
            Some(SEED),
            READ_ONLY,
            WRITABLE,
        ),
        ("ro/lan-patch/empty", case("lan-patch", V), None, READ_ONLY, WRITABLE),
        (
            "ro/lan-patch+tls/lived-in",
            case_tls("lan-patch", V),
            Some(SEED),
            READ_ONLY,
            WRITABLE,
        ),
        (
            "ro/sidecar/lived-in",
            case("sidecar", V),
            Some(SEED),
            READ_ONLY,
            WRITABLE,
        ),
        ("ro/serve/lived-in", case("serve", V), Some(SEED), READ_ONLY, WRITABLE),
    ];
    let jobs = cases
        .into_iter()
        .map(|(label, c, seed, fault, lift)| job(label, move || volume_fault(c, seed, fault, lift, label)))
        .collect();
    let results = run_all("volume", jobs);
    for (label, ..) in cases {
        outcome(&results, label);
    }
}

// ---------------------------------------------------------------------------
// openclaw.json truncated

#[test]
fn a_truncated_config_is_refused_untouched_and_the_backup_named() {
    let c = case("lan-patch", V);
    let script = script_of(c);
    let mut base = StandIn::new(c, "faults-trunc-base", &script).unwrap();
    base.seed(SEED.as_bytes()).unwrap();
    assert!(base.run(ONCE, &[], None, None, LIMIT).unwrap().ok());
    let whole = base.config_bytes().unwrap();
    // Every 5th byte of a patched config (mid-key, mid-string, mid-object, after a comma…).
    let cuts: Vec<usize> = (1..whole.len() - 1).step_by(5).collect();
    let errors = pool(&cuts, 3, |&cut| {
        let mut si = StandIn::new(c, "faults-trunc", &script)?;
        si.seed(&whole[..cut])?;
        // OpenClaw's backup of the config it overwrote last (a whole one).
        fs::write(si.sb.path("data/.openclaw/openclaw.json.bak"), &whole).map_err(|e| e.to_string())?;
        let r = si.run(ONCE, &[], None, None, LIMIT)?;
        let last = r.log_lines().last().map(|l| l.to_string()).unwrap_or_default();
        if r.ok() || !last.contains("is not one JSON object") || !last.contains("openclaw.json.bak") {
            return Err(format!(
                "cut at {cut}: not refused with the backup named\n{}",
                r.describe()
            ));
        }
        if si.config_bytes().as_deref() != Some(&whole[..cut]) || !si.leftovers().is_empty() {
            return Err(format!("cut at {cut}: the config or its directory changed"));
        }
        // The user follows the message: the backup back, and the next start recovers.
        fs::copy(si.sb.path("data/.openclaw/openclaw.json.bak"), si.sb.config()).map_err(|e| e.to_string())?;
        let new = masked(&whole, &base.sb.root)?;
        recovers(&mut si, &new, &format!("cut at {cut}"))?;
        Ok(())
    });
    assert!(
        errors.is_empty(),
        "{} finding(s):\n{}",
        errors.len(),
        errors.join("\n\n")
    );
    eprintln!(
        "truncated at {} places of {} bytes: refused, untouched, recovered from the backup",
        cuts.len(),
        whole.len()
    );
}

// ---------------------------------------------------------------------------
// serve: the Tailscale state lost while the auth key has expired

#[test]
fn serve_lost_tailscale_state_with_an_expired_key_says_make_a_new_key() {
    let c = case("serve", V);
    let script = script_of(c);
    let mut si = StandIn::new(c, "faults-ts-expired", &script).unwrap();
    si.seed(SEED.as_bytes()).unwrap();
    // The node logged in once (its state is on the volume)…
    let first = si.run(ONCE, &[], None, None, LIMIT).unwrap();
    assert!(first.ok(), "{}", first.describe());
    let patched = si.config_bytes().unwrap();
    // …then the state is lost, and the auth key has expired since: tailscale up prints
    // the control server's refusal and exits 1 (cmd/tailscale/cli/up.go: "backend error: …").
    fs::remove_dir_all(si.sb.path("data/tailscale")).unwrap();
    let r = si
        .run(
            ONCE,
            &[("STUB_TS_UP_FAIL", "1"), ("TS_WAIT_SECONDS", "20")],
            None,
            None,
            LIMIT,
        )
        .unwrap();
    let last = r.log_lines().last().map(|l| l.to_string()).unwrap_or_default();
    assert!(!r.ok() && r.status.is_some(), "{}", r.describe());
    assert!(r.elapsed < Duration::from_secs(15), "not bounded: {:?}", r.elapsed);
    for needle in [
        "refused the auth key",
        "no saved login",
        "state was lost",
        "Make a new auth key",
        "TS_AUTHKEY",
    ] {
        assert!(
            last.contains(needle),
            "the last line does not say {needle:?}: {last}\n{}",
            r.describe()
        );
    }
    assert_eq!(si.config_bytes().as_deref(), Some(&patched[..]), "config untouched");
    // A new key: the next start recovers.
    let new = masked(&patched, &si.sb.root).unwrap();
    recovers(&mut si, &new, "a new auth key").unwrap();
}

// ---------------------------------------------------------------------------
// domain: the proxy absent at start

#[test]
fn domain_without_the_proxy_exits_at_once_and_trusts_no_one() {
    let c = domain_case();
    let script = script_of(c);
    let mut si = StandIn::new(c, "faults-no-proxy", &script).unwrap();
    si.seed(SEED.as_bytes()).unwrap();
    let extra = extra_env(c);
    // No coolify-proxy on the network (an /etc/hosts without it, no DNS in the namespace).
    let absent = "printf '127.0.0.1 localhost\\n' >\"$SB/hosts\"\nmount --bind \"$SB/hosts\" /etc/hosts\nexec \"$@\"";
    let r = si.run(absent, &extra, None, None, LIMIT).unwrap();
    let last = r.log_lines().last().map(|l| l.to_string()).unwrap_or_default();
    assert!(!r.ok() && r.status.is_some(), "{}", r.describe());
    assert!(r.elapsed < Duration::from_secs(10), "not bounded: {:?}", r.elapsed);
    assert!(
        last.contains("cannot resolve the proxy 'coolify-proxy'") && last.contains("trusted_proxies"),
        "{}",
        r.describe()
    );
    assert_eq!(si.config_bytes().as_deref(), Some(SEED.as_bytes()), "config untouched");
    assert!(!r.stderr.contains("openclaw (stub)"), "the gateway did not start");
    // The proxy is back: the next start trusts exactly its address.
    let rec = si.run(WITH_PROXY, &extra, None, None, LIMIT).unwrap();
    assert!(rec.ok(), "{}", rec.describe());
    let cfg: Value = serde_json::from_slice(&si.config_bytes().unwrap()).unwrap();
    assert_eq!(
        cfg["gateway"]["trustedProxies"],
        serde_json::json!(["10.0.9.9"]),
        "{cfg}"
    );
}
