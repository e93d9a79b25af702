//! The `openclaw.json` the rendered `bootstrap.sh` writes, judged by the REAL
//! OpenClaw release it targets, for every profile × release of the run (the
//! table's CI set, or `OCGEN_RELEASES`; `scripts/install-test-tools.sh openclaw`
//! installs them under `/var/cache/ocgen-test/tools/`; run `scripts/test.sh` first).
//!
//! Each row (`<profile>_on_each_release`, one row per release) runs the
//! rendered bootstrap in a sandbox against the stand-in
//! `tailscale`/`tailscaled`/`openclaw` of `tests/stubs/`, takes the
//! `openclaw.json` the (stand-in) gateway was started with and runs it through
//! THAT release's own config validation (`openclaw config validate --json` from
//! 2026.3.2; `openclaw config get commands --json` before, which has no `config
//! validate`). No gateway starts here: that the real gateway started by the same
//! render listens where the profile says (on 127.0.0.1 and nowhere else for
//! serve, which must also have run `tailscale serve` itself without `--socket`;
//! on 0.0.0.0 for lan-patch and sidecar), at its start and when it is stopped,
//! is checked on `tests/user_path.rs`'s gateway of the same case, which also
//! shows the check telling the profiles apart.
//!
//! Negative controls prove the harness bites: the serve bootstrap without its
//! `gateway.mode = "local"` step is reported as not listening (both releases
//! refuse to start); retired keys fail 2026.9.6's validation; the 2026.2.19
//! config fails 2026.9.6's validation; an unknown key fails 2026.2.19's.
//!
//! The machinery (sandboxes, namespaces, process groups, slots and warm
//! transpile caches, the gateway launcher) lives in `tests/common/`.

use std::net::SocketAddr;
use std::os::unix::process::CommandExt;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use regex::Regex;
use serde_json::{Value, json};

mod common;
use common::*;

// ---------------------------------------------------------------------------
// Jobs

fn row(case: Case) -> Result<String, String> {
    let name = case.name();
    let mut report = Vec::new();

    // 1. The config bootstrap.sh writes passes this release's validation.
    let Produced { text, value: config } = stub_config(case)?;
    match validate(case.version, &text, &name)? {
        Verdict::Valid(cmd) => report.push(format!("config valid (`{cmd}`): {config}")),
        Verdict::Invalid(issues) => {
            return Err(format!(
                "FINDING: {name}: the openclaw.json bootstrap.sh writes fails OpenClaw {}'s own validation:\n{issues}\nconfig: {config}",
                case.version
            ));
        }
    }

    // 2. The browser client the user's-path tests run signs its device as this
    //    release's own Control UI does.
    report.push(control_ui_signs_v2(case.version)?);
    Ok(report.join("\n"))
}

/// The device payload OpenClaw's Control UI (the browser client) signs, read
/// from the release's own bundle (`dist/control-ui/assets/*.js`): `v2|deviceId|
/// clientId|clientMode|role|scopes|signedAtMs|token|nonce` on every release
/// measured (2026.1.29 … 2026.9.6); `tests/clients/gateway-client.mjs` signs
/// exactly that. OpenClaw's node client (`GatewayClient`: the CLI, the apps)
/// signs `v3` (with platform and device family) from 2026.5.12, and the tests
/// run the real CLI for that path. A release whose Control UI signs anything
/// else fails here, so the test client is changed with it.
fn control_ui_signs_v2(version: &str) -> Result<String, String> {
    let dir = tools()?.package(version).join("dist/control-ui/assets");
    let mut v2 = Vec::new();
    let mut other = Vec::new();
    let new_form = Regex::new(
        r#"\[["`]v2["`],\w+\.deviceId,\w+\.clientId,\w+\.clientMode,\w+\.role,\w+,String\(\w+\.signedAtMs\),\w+,\w+\.nonce\]\.join"#,
    )
    .expect("regex");
    let old_form = Regex::new(
        r#"\?"v2":"v1"\).{0,80}\[\w+,\w+\.deviceId,\w+\.clientId,\w+\.clientMode,\w+\.role,\w+,String\(\w+\.signedAtMs\),\w+\];return \w+==="v2"&&\w+\.push\(\w+\.nonce"#,
    )
    .expect("regex");
    let v3_form = Regex::new(r#"\[["`]v3["`],\w+\.deviceId"#).expect("regex");
    for entry in std::fs::read_dir(&dir).map_err(|e| format!("{}: {e}", dir.display()))? {
        let path = entry.map_err(|e| e.to_string())?.path();
        if path.extension().is_none_or(|x| x != "js") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        let name = path.file_name().unwrap_or_default().to_string_lossy().into_owned();
        // 2026.2.22 …: ["v2",e.deviceId,…,e.nonce].join("|"); before: the version
        // chosen as e.nonce?"v2":"v1", the nonce pushed last for v2 (the
        // minifier's names differ between releases).
        if new_form.is_match(&text) || old_form.is_match(&text) {
            v2.push(name.clone());
        }
        if v3_form.is_match(&text) {
            other.push(name);
        }
    }
    match (v2.is_empty(), other.is_empty()) {
        (false, true) => Ok(format!("Control UI signs its device payload v2 ({})", v2.join(", "))),
        _ => Err(format!(
            "FINDING: {version}'s Control UI device payload is not the v2 form tests/clients/gateway-client.mjs signs (v2 builders: {v2:?}; v3 builders: {other:?}): sign as this release's Control UI does"
        )),
    }
}

/// The serve bootstrap without its `gateway.mode = "local"` step: both
/// releases refuse to start, and the harness must say so.
fn serve_without_mode_local(version: &'static str) -> Result<String, String> {
    let case = case("serve", version);
    let text = render_bootstrap(case);
    let step = "\n| .gateway.mode = \"local\"\n";
    if text.matches(step).count() != 1 {
        return Err(format!(
            "{}: the bootstrap has no single `{}` step to remove",
            case.name(),
            step.trim()
        ));
    }
    let broken = text.replacen(step, "\n| del(.gateway.mode)\n", 1);
    match start_gateway(case, &format!("nomode-{}", case.name()), &broken, &Net::Private)? {
        Ok(g) => Err(format!(
            "{}: without gateway.mode=local the harness still saw the gateway listening ({}): it does not bite",
            case.name(),
            show(&g.table)
        )),
        Err(n) => {
            let config: Option<Value> = n.config.as_deref().and_then(|c| serde_json::from_str(c).ok());
            let mode = config.as_ref().map(|c| c["gateway"]["mode"].clone());
            if mode != Some(Value::Null) {
                return Err(format!(
                    "{}: the mutated bootstrap did not drop gateway.mode: {:?}",
                    case.name(),
                    n.config
                ));
            }
            match n.exit {
                Some(st) if !st.success() => Ok(format!(
                    "not listening, as it must be: {}\n{}",
                    n.reason,
                    n.output
                        .lines()
                        .filter(|l| l.contains("gateway.mode"))
                        .take(2)
                        .collect::<Vec<_>>()
                        .join("\n")
                )),
                _ => Err(format!(
                    "{}: expected the gateway to refuse to start (non-zero exit), got: {}",
                    case.name(),
                    n.describe()
                )),
            }
        }
    }
}

fn expect_invalid(version: &'static str, text: &str, label: &str, mentions: &str) -> Result<String, String> {
    match validate(version, text, label)? {
        Verdict::Valid(cmd) => Err(format!("{label}: `{cmd}` accepted a config it must reject: {text}")),
        Verdict::Invalid(issues) if issues.contains(mentions) => {
            Ok(format!("{label}: rejected ({})", issues.replace('\n', " ")))
        }
        Verdict::Invalid(issues) => Err(format!("{label}: rejected, but not for `{mentions}`: {issues}")),
    }
}

fn retired_keys_fail_2026_9_6() -> Result<String, String> {
    let lan = stub_config(case("lan-patch", "2026.9.6"))?;
    let serve = stub_config(case("serve", "2026.9.6"))?;
    let a = expect_invalid(
        "2026.9.6",
        &set(lan.value, "commands.useAccessGroups", json!(false)).to_string(),
        "lan-patch@2026.9.6+commands.useAccessGroups",
        "useAccessGroups",
    )?;
    let b = expect_invalid(
        "2026.9.6",
        &set(serve.value, "gateway.tailscale.resetOnExit", json!(false)).to_string(),
        "serve@2026.9.6+gateway.tailscale.resetOnExit",
        "resetOnExit",
    )?;
    Ok(format!("{a}\n{b}"))
}

fn config_2026_2_19_fails_2026_9_6() -> Result<String, String> {
    let old = stub_config(case("lan-patch", "2026.2.19"))?;
    expect_invalid(
        "2026.9.6",
        &old.text,
        "lan-patch@2026.2.19's config under 2026.9.6",
        "useAccessGroups",
    )
}

fn validation_2026_2_19_bites() -> Result<String, String> {
    let serve = stub_config(case("serve", "2026.2.19"))?;
    expect_invalid(
        "2026.2.19",
        &set(serve.value, "gateway.notAKey", json!(1)).to_string(),
        "serve@2026.2.19+gateway.notAKey",
        "notAKey",
    )
}

fn jobs() -> Vec<Job> {
    // the slowest first
    // lan-patch and sidecar with the same bootstrap code write the same
    // openclaw.json: one validation for both
    let mut jobs: Vec<Job> = Vec::new();
    for &v in releases().iter().rev() {
        let (lan, side) = (case("lan-patch", v), case("sidecar", v));
        if bootstrap_code(lan) == bootstrap_code(side) {
            jobs.push(shared_job(vec![lan.name(), side.name()], move || {
                row(side).map(|r| format!("lan-patch@{v} and sidecar@{v}: the same bootstrap code, one config\n{r}"))
            }));
        } else {
            jobs.push(job(lan.name(), move || row(lan)));
            jobs.push(job(side.name(), move || row(side)));
        }
        jobs.push(job(format!("serve@{v}"), move || row(case("serve", v))));
    }
    jobs.extend([
        job("nomode@2026.9.6", || serve_without_mode_local("2026.9.6")),
        job("nomode@2026.2.19", || serve_without_mode_local("2026.2.19")),
        job("retired-keys", retired_keys_fail_2026_9_6),
        job("old-config-new-release", config_2026_2_19_fails_2026_9_6),
        job("validation-2026.2.19-bites", validation_2026_2_19_bites),
    ]);
    jobs
}

/// Every job, run once, all at the same time.
fn results() -> &'static Results {
    static RESULTS: OnceLock<Results> = OnceLock::new();
    RESULTS.get_or_init(|| run_all("real_gateway", jobs()))
}

fn outcome(job: &str) {
    common::outcome(results(), job)
}

// ---------------------------------------------------------------------------
// Tests: profile × release

/// Every profile on every release of the run (OCGEN_RELEASES, else the
/// table's CI set); scripts/measure-release.sh runs these.
#[test]
fn lan_patch_on_each_release() {
    outcome_on_each_release(results(), "lan-patch");
}

#[test]
fn sidecar_on_each_release() {
    outcome_on_each_release(results(), "sidecar");
}

#[test]
fn serve_on_each_release() {
    outcome_on_each_release(results(), "serve");
}

// Negative controls: the harness bites

#[test]
fn serve_without_gateway_mode_local_does_not_listen_2026_2_19() {
    outcome("nomode@2026.2.19");
}

#[test]
fn serve_without_gateway_mode_local_does_not_listen_2026_9_6() {
    outcome("nomode@2026.9.6");
}

#[test]
fn retired_keys_fail_2026_9_6_validation() {
    outcome("retired-keys");
}

#[test]
fn the_2026_2_19_config_fails_2026_9_6_validation() {
    outcome("old-config-new-release");
}

#[test]
fn validation_of_2026_2_19_rejects_an_unknown_key() {
    outcome("validation-2026.2.19-bites");
}

/// What a gateway starts detached (its own session and process group, as
/// 2026.9.6's `tailscale serve` route owner) dies with the run, whether the
/// run is stopped or dropped.
#[test]
fn runs_leave_nothing_behind_even_detached_children() {
    let sb = Sandbox::new("reaper").unwrap();
    let marker = format!("ocgen-reaper-{}", std::process::id());
    let env = vec![("PATH".to_string(), SYS_PATH.to_string())];
    // (`exec -a` puts the marker in sleep's argv: no fork after the marker is
    // there, so it is never counted twice. A `sleep 300; : marker` script was
    // counted twice while bash forked for sleep: CI, session 14)
    let script = format!("setsid bash -c 'exec -a {marker}-detached sleep 300' & exec sleep 300");
    let spawn = |n: usize| {
        NsProc::spawn(
            &["bash".as_ref(), "-c".as_ref(), script.as_ref()],
            &env,
            &sb.path("cwd"),
            sb.path(&format!("out/{n}.stdout")),
            sb.path(&format!("out/{n}.stderr")),
        )
        .unwrap()
    };
    let detached_of = |p: &NsProc| {
        processes_of(p.netns.as_deref(), p.pid)
            .into_iter()
            // (unshare's own argv holds the marker too, quoted)
            .filter(|l| l.ends_with(&format!(": {marker}-detached 300")))
            .count()
    };
    let wait_for = |f: &dyn Fn() -> bool| {
        let end = Instant::now() + Duration::from_secs(10);
        while !f() && Instant::now() < end {
            std::thread::sleep(Duration::from_millis(20));
        }
        f()
    };

    let mut p = spawn(0);
    assert!(
        wait_for(&|| detached_of(&p) == 1),
        "the detached child is found by its network namespace"
    );
    assert!(
        !processes_of(None, p.pid)
            .iter()
            .any(|l| l.ends_with(&format!(": {marker}-detached 300"))),
        "the detached child has left the run's process group (a group kill alone would miss it)"
    );
    p.stop().expect("stop leaves nothing");
    assert_eq!(processes_of(p.netns.as_deref(), p.pid), Vec::<String>::new());

    let p = spawn(1);
    assert!(wait_for(&|| detached_of(&p) == 1));
    let (ns, pid) = (p.netns.clone(), p.pid);
    drop(p);
    assert!(
        wait_for(&|| processes_of(ns.as_deref(), pid).is_empty()),
        "dropping a run kills everything in it: {:?}",
        processes_of(ns.as_deref(), pid)
    );
}

/// Two runs in one named network namespace (the gateway and the Serve or
/// sidecar stand-in beside it): stopping one kills what it started, detached
/// children included, and proves it at once, without waiting on the other run
/// (which keeps running). Before the PID namespace was the measure, `stop`
/// counted the other run's processes as leftovers and gave up after
/// `REAP_LIMIT` (10 s) with an error, which the callers ignored: ~200 s a run.
#[test]
fn a_run_beside_another_in_its_network_stops_alone() {
    let t = Topology::new().unwrap();
    let sb = Sandbox::new("beside").unwrap();
    let marker = format!("ocgen-beside-{}", std::process::id());
    let env = vec![("PATH".to_string(), SYS_PATH.to_string())];
    let spawn = |n: usize| {
        // (as above: `exec -a`, so a detached child is never counted twice)
        let script = format!("setsid bash -c 'exec -a {marker}-{n} sleep 300' & exec sleep 300");
        NsProc::spawn_in(
            &Net::Named(t.server.clone()),
            &["bash".as_ref(), "-c".as_ref(), script.as_ref()],
            &env,
            &sb.path("cwd"),
            sb.path(&format!("out/{n}.stdout")),
            sb.path(&format!("out/{n}.stderr")),
        )
        .unwrap()
    };
    let detached = |n: usize| {
        // the detached sleep's argv[0] is the marker (unshare's argv holds it
        // inside a longer argument)
        std::fs::read_dir("/proc")
            .unwrap()
            .flatten()
            .filter(|e| {
                std::fs::read(e.path().join("cmdline"))
                    .is_ok_and(|c| c.starts_with(format!("{marker}-{n}\0").as_bytes()))
            })
            .count()
    };
    let (mut a, mut b) = (spawn(0), spawn(1));
    assert_eq!(a.netns, b.netns, "both runs share the server's network namespace");
    assert_ne!(a.pidns, b.pidns, "each run has its own PID namespace");
    let end = Instant::now() + Duration::from_secs(10);
    while (detached(0), detached(1)) != (1, 1) && Instant::now() < end {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!((detached(0), detached(1)), (1, 1), "each run's detached child runs");
    let started = Instant::now();
    a.stop().expect("the first run stops, the other one running beside it");
    let took = started.elapsed();
    assert!(
        took < Duration::from_secs(3),
        "stopping one run waited {took:?} on the other"
    );
    assert_eq!(detached(0), 0, "the stopped run's detached child is gone");
    assert_eq!(detached(1), 1, "the other run's detached child still runs");
    assert!(!b.left().is_empty(), "the other run still runs");
    b.stop().expect("the second run stops");
    assert_eq!(detached(1), 0);
}

/// A stopped run claims nothing that starts after it. The kernel hands a new
/// namespace the lowest free inode number, so a later process's network
/// namespace can carry the number of a run's that has just died: `left` then
/// counted the later processes as leftovers of the stopped run (CI, session 10:
/// `sidecar@2026.2.9` listed another job's `openclaw-2026.2.3`).
#[test]
fn a_stopped_run_claims_nothing_of_a_later_run() {
    let sb = Sandbox::new("reuse").unwrap();
    let env = vec![("PATH".to_string(), SYS_PATH.to_string())];
    let mut a = NsProc::spawn(
        &["sleep".as_ref(), "300".as_ref()],
        &env,
        &sb.path("cwd"),
        sb.path("out/a.stdout"),
        sb.path("out/a.stderr"),
    )
    .unwrap();
    let a_ns = a.netns.clone();
    a.stop().expect("the run stops");
    // The kernel frees a dead namespace's numbers (its network, PID and mount
    // namespaces') after a deferred cleanup (~0.5 s here): for 3 s, start four
    // processes at a time in new network namespaces, so they take the lowest
    // free numbers once the cleanup has run.
    let end = Instant::now() + Duration::from_secs(3);
    let mut round = 0;
    while Instant::now() < end {
        round += 1;
        let later: Vec<_> = (0..4)
            .map(|_| {
                std::process::Command::new("unshare")
                    .args(["--net", "sleep", "300"])
                    .env_clear()
                    .env("PATH", SYS_PATH)
                    .process_group(0)
                    .spawn()
                    .unwrap()
            })
            .collect();
        let wait = Instant::now() + Duration::from_secs(2);
        while later.iter().any(|c| ns_of(c.id()).as_deref() == Some(&own_netns())) && Instant::now() < wait {
            std::thread::sleep(Duration::from_millis(5));
        }
        let nss: Vec<_> = later.iter().map(|c| ns_of(c.id())).collect();
        let left = a.left();
        for mut c in later {
            kill_group(c.id());
            let _ = c.wait();
        }
        assert!(
            left.is_empty(),
            "the stopped run (namespace {a_ns:?}) claims processes started after it (round {round}, namespaces {nss:?}): {left:?}"
        );
        assert!(
            !nss.contains(&a_ns),
            "a later process got the stopped run's namespace number (round {round}): the run's record must hold its namespace"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn proc_net_tcp_parsing() {
    let tcp = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n   \
               0: 0100007F:4965 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1 1 0 100 0 0 10 0\n   \
               1: 00000000:4965 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 2 1 0 100 0 0 10 0\n   \
               2: 0100007F:A4B3 0100007F:4965 01 00000000:00000000 00:00000000 00000000     0        0 3 1 0 100 0 0 10 0\n";
    let tcp6 = "  sl  local_address                         remote_address                        st\n   \
                0: 00000000000000000000000001000000:4965 00000000000000000000000000000000:0000 0A 0\n   \
                1: 0000000000000000FFFF00000100007F:1F90 00000000000000000000000000000000:0000 0A 0\n   \
                2: 00000000000000000000000000000000:0016 00000000000000000000000000000000:0000 0A 0\n";
    let v4 = parse_proc_net(tcp, false);
    assert_eq!(
        v4,
        vec!["0.0.0.0:18789".parse().unwrap(), "127.0.0.1:18789".parse().unwrap()],
        "LISTEN rows only"
    );
    let v6 = parse_proc_net(tcp6, true);
    assert_eq!(
        v6,
        vec![
            "127.0.0.1:8080".parse().unwrap(),
            "[::]:22".parse().unwrap(),
            "[::1]:18789".parse().unwrap()
        ]
    );
    let loopback: Vec<SocketAddr> = vec!["127.0.0.1:18789".parse().unwrap(), "[::1]:18789".parse().unwrap()];
    assert!(check_listeners(Expect::LoopbackOnly, &loopback).is_ok());
    assert!(check_listeners(Expect::AllAddresses, &loopback).is_err());
    assert!(
        check_listeners(Expect::LoopbackOnly, &v4).is_err(),
        "0.0.0.0 is not loopback-only"
    );
    assert!(check_listeners(Expect::AllAddresses, &v4).is_ok());
    let mut plus_wildcard = loopback.clone();
    plus_wildcard.push("[::]:22".parse().unwrap());
    assert!(
        check_listeners(Expect::LoopbackOnly, &plus_wildcard).is_err(),
        "any non-loopback listener breaks loopback-only"
    );
}
