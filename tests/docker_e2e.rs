//! Every profile's rendered files on a real Docker engine (Docker Engine 26, fenced;
//! `scripts/docker-engine.sh`; one scenario on the floor, Debian's Engine 20.10), with
//! local stand-ins for the Hub images
//! (`scripts/docker-stand-ins.sh`; Tailscale itself is a stand-in: tests/stubs/ and
//! tests/docker/containerboot). For each profile on the newest release, and serve on the
//! oldest, one image is built from the rendered Dockerfile, unchanged, and then:
//!
//! 1. the image builds (size, first-build and rebuild times printed);
//! 2. `docker compose up` with a test-only override (image, internal network, no host
//!    port) brings every service to `healthy` by the rendered compose's own healthcheck;
//! 3. the user's path, from inside: the sub-agent call (`openclaw gateway call health` in
//!    the gateway container), a browser in another container on the compose network (GET /
//!    serves the Control UI, a WebSocket upgrade gets `connect.challenge`; for serve: in the
//!    gateway's network namespace with the headers Tailscale Serve adds, and the gateway
//!    unreachable from the network), and the real CLI as a remote client with the token
//!    (a wrong token refused);
//! 4. `compose restart` and `down` + `up` (volumes kept) keep `openclaw.json`, the token's
//!    effect and the Tailscale state; the bootstrap says the config is already up to date
//!    and does not log in again;
//! 5. PID 1 is `tini -g` with the gateway as its direct child (the bootstrap `exec`s), and
//!    `compose stop` ends every container within 10 s without SIGKILL;
//! 6. `compose down -v` leaves no container, network or volume.
//!
//! lan-patch on 2026.9.6 times check 2: Docker says `healthy` within
//! [`ADMITTED_TO_HEALTHY_LIMIT`] of the gateway admitting its first client (the rendered
//! `start_interval: 1s`; without it, an ignored control run by hand, up to 30 s late). serve on
//! 2026.2.19 runs on the floor engine, 20.10, rendered with `[coolify] docker_engine = 24`
//! (no `start_interval`); the default render is refused there.
//!
//! sidecar also runs on 2026.2.23, the first release that admits only listed origins:
//! the gateway's container reads the node's MagicDNS name over the sidecar's shared
//! socket volume, lists that origin, and a browser on it pairs and connects
//! (`sidecar_on_2026_2_23_lists_its_tailnet_origin`).
//!
//! The domain profile runs on the engine as Coolify deploys it: the real Traefik as
//! Coolify's proxy (Docker provider) routes `https://openclaw.test/` to the container by
//! the labels ocgen writes (`domain_on_2026_9_6_through_traefiks_docker_provider`).
//!
//! serve is also upgraded and rolled back as Coolify redeploys it, on one named volume
//! (`a_serve_upgrade_rollback_and_restore_on_the_same_volume`, issue 17, docs/upgrades.md):
//! 2026.2.19 with a paired browser, a user's config key and workspace files, then
//! 2026.9.6 (the doctor run once; the same device admitted, nothing lost, no new
//! Tailscale login), then 2026.2.19 again (refused at every start, the volume's digest
//! unchanged), then with `OCGEN_ROLLBACK=restore` (everything back); its two negative
//! controls (no doctor step, no volume guard) are ignored tests run by hand.
//!
//! The negative controls at the end show checks 1, 4 and 5 failing on a broken render,
//! and the Traefik route failing on a wrong service-port label.
//! Scenarios run two at a time ([`lane`], `OCGEN_DOCKER_JOBS`), the floor engine's beside
//! them ([`results`]); each image is built once per run (the layer cache of the engine's
//! data root makes later runs fast).

mod common;

use std::path::Path;
use std::time::{Duration, Instant};

use common::docker::{
    CURRENT, Engine, FLOOR, GATEWAY_ENV, HEALTHY_LIMIT, Image, Out, Project, Proxy, TOKEN, engine, engine_of, lane,
    lanes, mutate, render, render_with, root,
};
use common::{
    CLIENT_TIMEOUT_MS, PEER, Results, TAILNET_HOST, USER_KEY, USER_VALUE, WORKSPACE, WRITE_FILE, job, outcome,
    page_args, rollback_refusal, run_in_order, user_key_kept, workspace_unchanged,
};

const PORT: u16 = 18789;
/// `docker stop`'s grace period; a container still running after it is SIGKILLed (137).
/// `compose stop` must end every container by the signal PID 1 forwards: well
/// inside the rendered `stop_grace_period` (30 s), without SIGKILL (exit 137).
/// Measured: lan-patch and sidecar stop in ~2 s, serve on 2026.2.19 in 0.7 s.
/// serve on 2026.9.6 took 7–10 s while the engine's DNS let external lookups hang
/// (its drain waited for the plugin-feed fetch of clawhub.ai it starts after
/// start-up); the test override now makes them fail in a second, as on a host
/// without Internet access (tests/common/docker.rs).
const STOP_LIMIT: f64 = 10.0;
const CONFIG: &str = "/data/.openclaw/openclaw.json";

/// On an engine with `start_interval` (26), the longest Docker may take from the gateway
/// admitting its first client to `healthy` (the rendered `start_interval: 1s`, the probe's
/// own run time on a busy 2-core host, this test's 0.2 s polling). Without
/// `start_interval` it is whatever is left of the first 30 s interval.
const ADMITTED_TO_HEALTHY_LIMIT: f64 = 4.0;

#[derive(Clone, Copy, PartialEq)]
struct Case {
    profile: &'static str,
    version: &'static str,
    /// scripts/docker-engine.sh's OCGEN_DOCKER_ENGINE: [`CURRENT`] or [`FLOOR`]
    engine: &'static str,
    /// deploy.toml text after the `[openclaw]` table
    extra: &'static str,
}

impl Case {
    const fn new(profile: &'static str, version: &'static str) -> Case {
        Case {
            profile,
            version,
            engine: CURRENT,
            extra: "",
        }
    }
    fn engine(self) -> &'static Engine {
        engine_of(self.engine)
    }
    fn name(self) -> String {
        format!("{}@{} on Engine {}", self.profile, self.version, self.engine)
    }
    fn services(self) -> &'static [&'static str] {
        if self.profile == "sidecar" {
            &["tailscale", "openclaw"]
        } else {
            &["openclaw"]
        }
    }
    fn project(self) -> String {
        // on the floor engine a name of its own: that engine may be shared with a run of
        // an older suite, whose projects run on it under the plain name
        let floor = if self.engine == FLOOR { "floor-" } else { "" };
        format!("ocgen-e2e-{floor}{}-{}", self.profile, self.version.replace('.', "-"))
    }
    fn tag(self) -> String {
        format!("ocgen-e2e/{}:{}", self.profile, self.version)
    }
    /// Where the Tailscale node keeps its state: (service, file).
    fn tailscale_state(self) -> Option<(&'static str, &'static str)> {
        match self.profile {
            "serve" => Some(("openclaw", "/data/tailscale/tailscaled.state")),
            "sidecar" => Some(("tailscale", "/var/lib/tailscale/tailscaled.state")),
            _ => None,
        }
    }
}

type Check = Result<String, String>;

// ---------------------------------------------------------------------------
// The tests: each one is the outcome of its run in [`results`]

/// `#[test] fn NAME` for each `NAME => RUN`: the outcome of `RUN` (its panic, if any) as
/// [`results`] ran it, and [`RUNS`], the list it runs.
macro_rules! tests_from_runs {
    ($($name:ident => $run:ident),* $(,)?) => {
        $(
            #[test]
            fn $name() {
                outcome(results(), stringify!($name));
            }
        )*
        const RUNS: &[(&str, fn())] = &[$((stringify!($name), $run)),*];
    };
}

// The order they start in: the floor engine's scenario first (it runs beside the lanes),
// then the longest first (lane time on this machine, session 16: ~120 s down to ~5 s).
tests_from_runs! {
    serve_on_2026_2_19_on_the_floor_engine => serve_on_2026_2_19_on_the_floor_engine_run,
    sidecar_on_2026_9_6 => sidecar_on_2026_9_6_run,
    lan_patch_on_2026_9_6 => lan_patch_on_2026_9_6_run,
    serve_on_2026_9_6 => serve_on_2026_9_6_run,
    a_serve_upgrade_rollback_and_restore_on_the_same_volume => a_serve_upgrade_rollback_and_restore_on_the_same_volume_run,
    sidecar_on_2026_2_23_lists_its_tailnet_origin => sidecar_on_2026_2_23_lists_its_tailnet_origin_run,
    a_missing_volume_fails_the_state_check => a_missing_volume_fails_the_state_check_run,
    domain_on_2026_9_6_through_traefiks_docker_provider => domain_on_2026_9_6_through_traefiks_docker_provider_run,
    a_bootstrap_that_does_not_exec_fails_the_signal_check => a_bootstrap_that_does_not_exec_fails_the_signal_check_run,
    a_wrong_service_port_label_fails_the_route => a_wrong_service_port_label_fails_the_route_run,
    a_wrong_node_tag_fails_the_build => a_wrong_node_tag_fails_the_build_run,
}

/// Every run of [`RUNS`] that libtest selected, once per process, in [`RUNS`]' order on
/// one worker more than there are lanes ([`lane`]): each run takes a lane for its work but
/// the floor engine's scenario, which runs beside them. (As plain tests, libtest's two
/// threads would run the floor scenario in a lane's place, in the names' order.) A run's
/// panic is its test's finding; what the runs print goes to the output of the test that
/// started them.
fn results() -> &'static Results {
    static R: std::sync::OnceLock<Results> = std::sync::OnceLock::new();
    R.get_or_init(|| {
        let jobs = RUNS
            .iter()
            .filter(|(name, _)| selected(name))
            .map(|&(name, run)| {
                job(name, move || {
                    run();
                    Ok(String::new())
                })
            })
            .collect();
        run_in_order("docker_e2e", jobs, lanes() + 1)
    })
}

/// Whether libtest runs the test `name` in this process: libtest itself answers, this
/// binary run again with the same arguments and `--list` (its filters, `--exact`,
/// `--skip`, `--ignored`), so the runs of tests it filtered out are not started.
fn selected(name: &str) -> bool {
    static LISTED: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    LISTED
        .get_or_init(|| {
            let out = std::env::current_exe()
                .and_then(|exe| {
                    std::process::Command::new(exe)
                        .args(std::env::args_os().skip(1))
                        .args(["--list", "--format", "terse"])
                        .output()
                })
                .expect("libtest's --list of this binary");
            String::from_utf8_lossy(&out.stdout)
                .lines()
                .filter_map(|l| l.strip_suffix(": test").map(str::to_string))
                .collect()
        })
        .iter()
        .any(|t| t == name)
}

// ---------------------------------------------------------------------------
// Scenarios

fn lan_patch_on_2026_9_6_run() {
    scenario(Case::new("lan-patch", "2026.9.6"), users_path, after_restart);
}

fn sidecar_on_2026_9_6_run() {
    scenario(Case::new("sidecar", "2026.9.6"), users_path, after_restart);
}

fn serve_on_2026_9_6_run() {
    scenario(Case::new("serve", "2026.9.6"), users_path, after_restart);
}

/// The floor: the oldest release on Engine 20.10, rendered for it (`docker_engine = 24`:
/// no `start_interval`, which Compose refuses below Engine 25), deploys and turns
/// healthy by the rendered check (its first probe at 30 s), and every check passes.
fn serve_on_2026_2_19_on_the_floor_engine_run() {
    let case = Case {
        engine: FLOOR,
        extra: "[coolify]\ndocker_engine = 24\n",
        ..Case::new("serve", "2026.2.19")
    };
    scenario(case, users_path, after_restart);
    // Why the option exists: the default render (start_interval) does not deploy there.
    let dir = render(case.profile, case.version);
    let p = Project::new(
        dir.path(),
        "ocgen-e2e-floor-start-interval",
        &case.tag(),
        case.services(),
        "proxy",
    )
    .on(case.engine());
    let err = p.up().expect_err("Engine 20.10 took a healthcheck with start_interval");
    assert!(err.contains("start_interval"), "{err}");
    eprintln!(
        "{}: the default render (start_interval) is refused: {}",
        case.name(),
        err.lines()
            .rev()
            .find(|l| l.contains("start_interval"))
            .unwrap_or_default()
            .trim()
    );
}

/// Every check of a profile's scenario, with `users_path` as its user's path (check 3)
/// and `recheck` what is checked again after restart and `down` + `up` (check 4).
fn scenario(case: Case, users_path: fn(&Project, Case) -> Check, recheck: fn(&Project, Case) -> Check) {
    // The floor engine's scenario waits mostly for its 30 s probe intervals (no
    // `start_interval` there): it runs beside the two lanes, not in one.
    let _lane = (case.engine == CURRENT).then(lane);
    let name = case.name();
    let dir = render_with(case.profile, case.version, case.extra);
    let compose = std::fs::read_to_string(dir.path().join("docker-compose.yaml")).unwrap();
    assert_eq!(
        compose.contains("start_interval"),
        case.engine == CURRENT,
        "{name}: start_interval is rendered for Engine >= 25 only:\n{compose}"
    );
    let image = build(dir.path(), case).unwrap_or_else(|e| panic!("(1) {name}: {e}"));
    let p = project(dir.path(), case, &image);
    let report = |n: u8, c: Check| match c {
        Ok(msg) => eprintln!("({n}) {name}: {msg}"),
        Err(e) => panic!("({n}) {name}: {e}\n--- openclaw ---\n{}", p.logs("openclaw", None)),
    };
    if case == LAN {
        report(2, admitted_then_healthy(&p, case));
    } else {
        report(2, up_healthy(&p, case));
    }
    report(3, users_path(&p, case));
    report(4, keeps_state(&p, case, recheck));
    report(5, stops(&p, case));
    report(6, leaves_nothing(&p));
}

/// (1) Build the rendered context (cold when the engine's store had none of its layers;
/// once per run: scripts/bench-image.sh times cold builds and rebuilds).
fn build(dir: &Path, case: Case) -> Result<Image, String> {
    let image = case.engine().build(dir, &case.tag())?;
    eprintln!(
        "(1) {}: image {} is {:.2} GB; build {:.0}s (cold if the store lacked its layers)",
        case.name(),
        image.tag,
        image.bytes as f64 / 1e9,
        image.secs
    );
    Ok(image)
}

fn project(dir: &Path, case: Case, image: &Image) -> Project {
    let p = Project::new(dir, &case.project(), &image.tag, case.services(), "proxy").on(case.engine());
    // a leftover of an interrupted run
    p.compose(&["down", "-v", "--remove-orphans", "--timeout", "2"]);
    p
}

// ---------------------------------------------------------------------------
// The checks

/// (2) `compose up`, then Docker's own healthcheck reaches `healthy` for every service.
fn up_healthy(p: &Project, case: Case) -> Check {
    p.up()?;
    let secs = p.wait_healthy(case.services(), HEALTHY_LIMIT)?;
    Ok(format!(
        "{} healthy {secs:.0}s after `compose up`",
        case.services().join(" + ")
    ))
}

/// (2) on Engine 26, timed: `compose up`; from then on a client in the gateway's container
/// tries the gateway's WebSocket handshake with the token every 0.2 s
/// (tests/clients/gateway-client.mjs: `hello-ok`, or the new device taken to pairing, is
/// admitted), while Docker's health status is read every 0.2 s. Docker must say `healthy`
/// within [`ADMITTED_TO_HEALTHY_LIMIT`] of the first admitted handshake (the rendered
/// `start_interval: 1s`); without it the first probe waits for the 30 s interval.
fn admitted_then_healthy(p: &Project, case: Case) -> Check {
    let (admitted, healthy, unhealthy) = p.up_admitted_healthy(PORT)?;
    if let Some(at) = unhealthy {
        return Err(format!("Docker said unhealthy {at:.1}s after `compose up`"));
    }
    let late = healthy - admitted;
    let report = format!(
        "{} admitted a client {admitted:.1}s after `compose up`, Docker said healthy {healthy:.1}s after `compose up`: \
         {late:.1}s after admitting (limit {ADMITTED_TO_HEALTHY_LIMIT}s, Engine {})",
        case.name(),
        p.engine.version
    );
    if late <= ADMITTED_TO_HEALTHY_LIMIT {
        Ok(report)
    } else {
        Err(format!("healthy too late: {report}"))
    }
}

/// The sub-agent path: the gateway's own CLI, in the container, with its environment
/// (as the gateway's user, whose child a sub-agent is: `docker exec -u node`).
fn subagent_call(p: &Project) -> Result<(), String> {
    let call = p.exec_as(
        "node",
        "openclaw",
        &GATEWAY_ENV,
        &["openclaw", "gateway", "call", "health", "--json"],
    );
    if call.ok() && call.stdout.contains("\"ok\": true") {
        Ok(())
    } else {
        Err(format!(
            "sub-agent call `openclaw gateway call health` failed:\n{}",
            call.tail(15)
        ))
    }
}

/// (3) The sub-agent call, the browser and the token, each from inside.
fn users_path(p: &Project, case: Case) -> Check {
    let e = p.engine;
    subagent_call(p)?;
    // A browser in a container of its own (the image's Node runs tests/docker/browser.mjs).
    let scripts = root().join("tests/docker");
    let mounts = [(scripts.as_path(), "/t")];
    let browser = |network: &str, url: &str, headers: &[&str]| {
        let mut cmd = vec!["node", "/t/browser.mjs", url];
        cmd.extend(headers);
        e.run_on(network, &p.image, &mounts, &[], &cmd)
    };
    let lan_host = if case.profile == "sidecar" {
        "tailscale"
    } else {
        "openclaw"
    };
    let on_network = browser(&p.network, &format!("http://{lan_host}:{PORT}/"), &[]);
    if case.profile == "serve" {
        // Loopback only: nothing on the network reaches it …
        if on_network.ok() || !on_network.stdout.contains("ECONNREFUSED") {
            return Err(format!(
                "serve gateway answered on the compose network:\n{}",
                on_network.text()
            ));
        }
        // … and Tailscale Serve's proxy hop does (in the gateway's network namespace, to
        // 127.0.0.1, with the headers ipn/ipnlocal/serve.go adds).
        let netns = format!("container:{}", p.container("openclaw"));
        let host = "X-Forwarded-Host=openclaw-server.tailnet-stub.ts.net";
        let served = browser(
            &netns,
            &format!("http://127.0.0.1:{PORT}/"),
            &[
                "X-Forwarded-For=100.64.0.2",
                "X-Forwarded-Proto=https",
                host,
                "Tailscale-User-Login=alice@example.com",
                "Tailscale-User-Name=Alice",
            ],
        );
        if !served.ok() {
            return Err(format!("browser through the Serve hop failed:\n{}", served.text()));
        }
    } else if !on_network.ok() {
        return Err(format!("browser on the compose network failed:\n{}", on_network.text()));
    }
    let url = token_accepted(p, case)?;
    let bad = remote_cli(p, case, "not-the-token").1;
    // OpenClaw's own refusal ("unauthorized: gateway token mismatch …"), not just any failure.
    if bad.ok() || !format!("{}{}", bad.stdout, bad.stderr).contains("unauthorized") {
        return Err(format!(
            "remote CLI with a wrong token: expected OpenClaw's `unauthorized` refusal:\n{}",
            bad.tail(15)
        ));
    }
    Ok(format!(
        "sub-agent call ok; browser ok; token accepted, wrong token refused ({})",
        url
    ))
}

/// The real CLI as a remote client with `token` (a full connect handshake), on the path
/// the profile's users take: the compose network, or for serve the gateway's own
/// network namespace (where Serve's hop comes from). Returns the URL and what it did.
fn remote_cli(p: &Project, case: Case, token: &str) -> (String, Out) {
    let (network, url, env): (String, String, &[(&str, &str)]) = if case.profile == "serve" {
        (
            format!("container:{}", p.container("openclaw")),
            format!("ws://127.0.0.1:{PORT}"),
            &[],
        )
    } else {
        let host = if case.profile == "sidecar" {
            "tailscale"
        } else {
            "openclaw"
        };
        // plaintext ws:// to a private address needs 2026.9.x's break-glass
        (
            p.network.clone(),
            format!("ws://{host}:{PORT}"),
            &[("OPENCLAW_ALLOW_INSECURE_PRIVATE_WS", "1")],
        )
    };
    let out = p.engine.run_on(
        &network,
        &p.image,
        &[],
        env,
        &[
            "openclaw", "gateway", "call", "health", "--json", "--url", &url, "--token", token,
        ],
    );
    (url, out)
}

/// The gateway token admitted by the remote CLI ([`remote_cli`]); returns the URL.
fn token_accepted(p: &Project, case: Case) -> Result<String, String> {
    let (url, good) = remote_cli(p, case, TOKEN);
    if !good.ok() || !good.stdout.contains("\"ok\": true") {
        return Err(format!("remote CLI with the gateway token failed:\n{}", good.tail(15)));
    }
    Ok(url)
}

/// (4) After `restart` and `down` + `up`, what a restart can break, beside the state
/// [`keeps_state`] compares: the gateway answers its sub-agents and admits the token on
/// its users' path. The page, the origin rules and the wrong-token refusal come from the
/// same image and the same (compared) `openclaw.json`: check (3) proved them on those.
fn after_restart(p: &Project, case: Case) -> Check {
    subagent_call(p)?;
    let url = token_accepted(p, case)?;
    Ok(format!("sub-agent call ok; token accepted ({url})"))
}

/// What must survive a restart.
#[derive(PartialEq, Debug)]
struct State {
    config: String,
    tailscale: Option<String>,
}

/// A file in a service's running container.
fn cat(p: &Project, service: &str, file: &str) -> Result<String, String> {
    let out = p.exec(service, &[], &["cat", file]);
    if out.ok() {
        Ok(out.stdout)
    } else {
        Err(format!("cannot read {file} in {service}: {}", out.text()))
    }
}

fn state(p: &Project, case: Case) -> Result<State, String> {
    let tailscale = match case.tailscale_state() {
        Some((service, file)) => {
            let s = cat(p, service, file)?;
            if !s.contains("\"LoggedIn\": true") {
                return Err(format!("{file} does not record a login: {s}"));
            }
            Some(s)
        }
        None => None,
    };
    Ok(State {
        config: cat(p, "openclaw", CONFIG)?,
        tailscale,
    })
}

/// (4) `compose restart`, then `down` + `up` with the volumes kept; sidecar: then a
/// restart of the tailscale service alone (a new network namespace), which must restart
/// the gateway too (`depends_on: restart: true`): each time the bootstrap runs again.
fn keeps_state(p: &Project, case: Case, recheck: fn(&Project, Case) -> Check) -> Check {
    let mut hows = vec!["restart", "down + up"];
    if case.profile == "sidecar" {
        hows.push("restart tailscale");
    }
    keeps_state_over(p, case, recheck, &hows)
}

/// [`keeps_state`] over the operations `hows` ("restart", "down + up", "restart tailscale").
fn keeps_state_over(p: &Project, case: Case, recheck: fn(&Project, Case) -> Check, hows: &[&str]) -> Check {
    let before = state(p, case)?;
    for how in hows.iter().copied() {
        let since = Project::now();
        let out = match how {
            "restart" => p.compose(&["restart"]),
            "restart tailscale" => p.compose(&["restart", "tailscale"]),
            _ => p.compose(&["down"]),
        };
        if !out.ok() {
            return Err(format!("compose {how} failed:\n{}", out.tail(15)));
        }
        if how == "down + up" {
            p.up()?;
        }
        p.wait_healthy(case.services(), HEALTHY_LIMIT)?;
        let after = state(p, case)?;
        if after.config != before.config {
            return Err(format!(
                "after {how}, {CONFIG} changed:\nbefore: {}\nafter:  {}",
                before.config, after.config
            ));
        }
        if after.tailscale != before.tailscale {
            return Err(format!(
                "after {how}, the Tailscale state changed: {:?} -> {:?}",
                before, after
            ));
        }
        let log = p.logs("openclaw", Some(since));
        if !log.contains(&format!("config {CONFIG} already up to date")) {
            return Err(format!(
                "after {how}, the bootstrap did not find its config up to date:\n{log}"
            ));
        }
        let login = match case.profile {
            "serve" => Some(("openclaw", "logging in to the tailnet")),
            "sidecar" => Some(("tailscale", "Running 'tailscale up'")),
            _ => None,
        };
        if let Some((service, line)) = login {
            let log = p.logs(service, Some(since));
            if log.contains(line) {
                return Err(format!(
                    "after {how}, {service} logged in again (its state was lost?):\n{log}"
                ));
            }
        }
        recheck(p, case).map_err(|e| format!("after {how}: {e}"))?;
    }
    Ok(format!(
        "{} keep openclaw.json, the Tailscale login and the token",
        hows.join(", ")
    ))
}

/// The processes of a service's container: (pid, ppid, cmdline).
fn processes(p: &Project, service: &str) -> Result<Vec<(u32, u32, String)>, String> {
    let script = r#"for d in /proc/[0-9]*; do
  [ -r "$d/status" ] || continue
  ppid=$(sed -n 's/^PPid:[[:space:]]*//p' "$d/status")
  printf '%s %s %s\n' "${d#/proc/}" "$ppid" "$(tr '\0' ' ' < "$d/cmdline")"
done"#;
    let out = p.exec(service, &[], &["bash", "-c", script]);
    if !out.ok() {
        return Err(format!("cannot list the processes of {service}: {}", out.text()));
    }
    Ok(out
        .stdout
        .lines()
        .filter_map(|l| {
            let mut w = l.splitn(3, ' ');
            Some((
                w.next()?.parse().ok()?,
                w.next()?.parse().ok()?,
                w.next().unwrap_or("").trim().to_string(),
            ))
        })
        .collect())
}

/// (5) PID 1 forwards signals to the gateway, and `compose stop` ends everything in time.
fn stops(p: &Project, case: Case) -> Check {
    let procs = processes(p, "openclaw")?;
    let table = || {
        procs
            .iter()
            .map(|(a, b, c)| format!("{a} {b} {c}"))
            .collect::<Vec<_>>()
            .join("\n")
    };
    let init = procs
        .iter()
        .find(|(pid, ..)| *pid == 1)
        .map(|(.., c)| c.as_str())
        .unwrap_or("");
    if !init.starts_with("/usr/bin/tini -g") {
        return Err(format!("PID 1 is not `tini -g`:\n{}", table()));
    }
    if let Some(sh) = procs.iter().find(|(pid, _, c)| *pid != 1 && c.contains("bootstrap.sh")) {
        return Err(format!(
            "bootstrap.sh is still running (pid {}): it did not exec the gateway\n{}",
            sh.0,
            table()
        ));
    }
    let Some(gateway) = procs.iter().find(|(_, ppid, c)| *ppid == 1 && c.contains("openclaw")) else {
        return Err(format!("the gateway is not PID 1's direct child:\n{}", table()));
    };
    // The gateway runs unprivileged (issue 13): real, effective, saved and fs uid/gid.
    let ids = p.exec(
        "openclaw",
        &[],
        &[
            "sed",
            "-n",
            "s/^\\(Uid\\|Gid\\):[[:space:]]*//p",
            &format!("/proc/{}/status", gateway.0),
        ],
    );
    let want = "1000\t1000\t1000\t1000\n1000\t1000\t1000\t1000";
    if ids.stdout.trim() != want {
        return Err(format!(
            "the gateway (pid {}) does not run as uid/gid 1000: {:?}\n{}",
            gateway.0,
            ids.stdout.trim(),
            table()
        ));
    }
    let ids: Vec<String> = case.services().iter().map(|s| p.container(s)).collect();
    let out = p.compose(&["stop"]);
    if !out.ok() {
        return Err(format!("compose stop failed:\n{}", out.tail(10)));
    }
    if out.secs >= STOP_LIMIT {
        return Err(format!("compose stop took {:.1}s (limit {STOP_LIMIT}s)", out.secs));
    }
    for (service, id) in case.services().iter().zip(&ids) {
        let s = p
            .engine
            .docker(&["inspect", "-f", "{{.State.Status}} {{.State.ExitCode}}", id])
            .stdout;
        let s = s.trim();
        if !s.starts_with("exited") || s.ends_with(" 137") {
            return Err(format!(
                "{service} after stop: `{s}` (137 = SIGKILL after the grace period)"
            ));
        }
    }
    Ok(format!(
        "PID 1 tini -g, gateway its child as uid/gid 1000; compose stop took {:.1}s",
        out.secs
    ))
}

/// (6) `down -v` leaves nothing behind.
fn leaves_nothing(p: &Project) -> Check {
    let out = p.compose(&["down", "-v"]);
    if !out.ok() {
        return Err(format!("compose down -v failed:\n{}", out.tail(10)));
    }
    let left = p.leftovers();
    if left.is_empty() {
        Ok("down -v left nothing".into())
    } else {
        Err(format!("left behind: {left:?}"))
    }
}

// ---------------------------------------------------------------------------
// sidecar where only listed origins pass: the sidecar's socket, shared

/// `profile = "sidecar"` on 2026.2.23, the first release that admits only the
/// browser origins `gateway.controlUi.allowedOrigins` lists: the sidecar's
/// containerboot puts tailscaled's socket on the `tailscale-socket` volume,
/// the gateway's container mounts it read-only and asks it, as the gateway's
/// user, with the CLI of the image's `tailscale-cli` stage, for the node's
/// MagicDNS name, and the bootstrap lists that origin before the gateway
/// starts. Then: both containers healthy; a browser whose page is on that
/// name (in a container on the compose network, dialling the sidecar, which
/// holds the gateway's network as the tailnet address does) is asked to pair,
/// is approved, completes the token handshake; a page on an unlisted origin
/// is refused; the sub-agent call answers; restart and `down` + `up` keep the
/// state, and after each the listing and the browser's way in are there
/// again (the remote CLI of the other scenarios is no check here: 2026.2.x's
/// CLI refuses plaintext `ws://` to a non-loopback address); stop and
/// `down -v` as for every profile.
fn sidecar_on_2026_2_23_lists_its_tailnet_origin_run() {
    scenario(Case::new("sidecar", "2026.2.23"), tailnet_browser, listed_after_restart);
}

/// (4) After a restart: the sidecar's tailnet origin still listed (the bootstrap reads
/// it from the shared socket at every start) and the sub-agent call answers.
fn listed_after_restart(p: &Project, _: Case) -> Check {
    let origin = tailnet_origin_listed(p)?;
    subagent_call(p)?;
    Ok(format!("{origin} listed; sub-agent call ok"))
}

/// The `*.ts.net` origin the gateway's `openclaw.json` lists.
fn tailnet_origin_listed(p: &Project) -> Result<String, String> {
    let out = p.exec("openclaw", &[], &["cat", CONFIG]);
    let config: serde_json::Value =
        serde_json::from_str(&out.stdout).map_err(|e| format!("{CONFIG}: {e}: {}", out.text()))?;
    let listed = &config["gateway"]["controlUi"]["allowedOrigins"];
    listed
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|o| o.as_str())
        .find(|o| o.contains(".ts.net:"))
        .map(str::to_string)
        .ok_or_else(|| format!("gateway.controlUi.allowedOrigins lists no tailnet origin: {listed}"))
}

/// (3) The tailnet browser: pairing, approval, the token handshake; an
/// unlisted origin refused; the sub-agent call.
fn tailnet_browser(p: &Project, case: Case) -> Check {
    let e = p.engine;
    let origin = tailnet_origin_listed(p)?;
    let host = origin.split_once("://").map_or(origin.as_str(), |(_, h)| h);
    let scratch = browser_dir()?;
    let url = format!("ws://tailscale:{PORT}/");
    let connect = |origin: &str| {
        gateway_client(
            e,
            &p.network,
            &p.image,
            scratch.path(),
            &page_args(&url, host, origin, TOKEN, "/scratch/dev"),
        )
    };
    pair_and_connect(p, || connect(&origin)).map_err(|e| format!("the browser on {origin}: {e}"))?;
    let other = format!("http://{}-other.example.ts.net:{PORT}", case.profile);
    let refused = connect(&other);
    if refused["ok"] == true || !refused.to_string().contains("origin not allowed") {
        return Err(format!("a page on the unlisted {other} was not refused: {refused}"));
    }
    subagent_call(p)?;
    Ok(format!(
        "{origin} listed from the shared socket; its browser paired, approved, health ok; {other} refused; sub-agent call ok"
    ))
}

/// Where a browser keeps its device identity between its connects (`/scratch` in the
/// client's container).
fn browser_dir() -> Result<tempfile::TempDir, String> {
    tempfile::Builder::new()
        .prefix("ocgen-browser-")
        .tempdir()
        .map_err(|e| e.to_string())
}

/// tests/clients/gateway-client.mjs with `args` in a container of its own on `network`
/// (the gateway's image: its Node and OpenClaw's `ws`), `scratch` at `/scratch`.
fn run_gateway_client(e: &Engine, network: &str, image: &str, scratch: &Path, args: &[&str]) -> Out {
    let clients = root().join("tests/clients");
    let mut cmd = vec![
        "node",
        "/c/gateway-client.mjs",
        "--ws-from",
        "/opt/openclaw/node_modules",
    ];
    cmd.extend_from_slice(args);
    e.run_on_scratch(network, image, &[(clients.as_path(), "/c")], scratch, &cmd)
}

/// [`run_gateway_client`]'s verdict: its JSON line, or `{"client": <output>}`.
fn gateway_client(e: &Engine, network: &str, image: &str, scratch: &Path, args: &[&str]) -> serde_json::Value {
    client_json(&run_gateway_client(e, network, image, scratch, args))
}

fn client_json(o: &Out) -> serde_json::Value {
    o.stdout
        .lines()
        .rev()
        .find_map(|l| serde_json::from_str(l).ok())
        .unwrap_or_else(|| serde_json::json!({ "client": o.text() }))
}

/// A browser with a new device identity: its first connect (`connect`) is
/// asked to pair, the operator approves the request in the gateway's
/// container as the gateway's user, and the next connect completes the
/// token handshake and gets an answer to `health`. Returns the request id.
fn pair_and_connect(p: &Project, connect: impl Fn() -> serde_json::Value) -> Result<String, String> {
    common::pair_and_connect(connect, |id| {
        let approve = p.exec_as(
            "node",
            "openclaw",
            &GATEWAY_ENV,
            &["openclaw", "devices", "approve", id, "--json"],
        );
        if approve.ok() { Ok(()) } else { Err(approve.tail(10)) }
    })
}

// ---------------------------------------------------------------------------
// An upgrade, Coolify's Rollback and a restore on the same volume (issue 17)

/// The release the user starts on, and the one they bump to (docs/upgrades.md: across
/// both state-format boundaries, the doctor run included).
const OLD: Case = Case::new("serve", "2026.2.19");
const NEW: Case = Case::new("serve", "2026.9.6");
/// One project name for every deploy: Coolify redeploys a resource under its own name,
/// so compose finds the same named volume (`<project>_openclaw-data`).
const UPGRADE_PROJECT: &str = "ocgen-e2e-serve-upgrade";
const DATA_VOLUME: &str = "openclaw-data";
const STATE_DIR: &str = "/data/.openclaw";
/// How long a refused rollback may take to be refused twice (Docker's restart policy
/// starts it again after 0.1 s, 0.2 s, …).
const REFUSAL_LIMIT: Duration = Duration::from_secs(120);

/// A rendered bootstrap.sh with one line changed: the negative controls of the upgrade
/// scenario (the old behaviour).
#[derive(Clone, Copy)]
struct Broken {
    version: &'static str,
    from: &'static str,
    to: &'static str,
    label: &'static str,
}

/// serve, as a user runs it on Coolify, upgraded and rolled back on its named volume:
///
/// 1. 2026.2.19's render on an empty volume turns healthy and gets real state: the
///    tailnet browser (tests/clients/gateway-client.mjs in a container of its own, its
///    device identity kept on the host) is asked to pair, approved with `docker exec …
///    openclaw devices approve`, connects; the user's `openclaw config set
///    ui.seamColor`; two agent-workspace files; Tailscale's login on the volume.
/// 2. The bump to 2026.9.6 (its render; its image is the one `serve_on_2026_9_6`
///    builds, so the same build) on the same volume: healthy by the rendered healthcheck
///    within its budget, without a restart, after the one-time `openclaw doctor --fix`;
///    the same device admitted without pairing; the key, the workspace files and the
///    Tailscale state kept; no new login.
/// 3. Coolify's Rollback (2026.2.19's render and image again): the container exits 1 at
///    every start with the refusal (which release last ran, how to go back), and the
///    volume's tree digest (a helper container: names, modes, owners, sizes, times,
///    SHA-256) is unchanged.
/// 4. The same with `OCGEN_ROLLBACK=restore` in the environment: healthy, the device
///    admitted, key, files and login there, 2026.9.6's state set aside.
/// 5. `down -v` leaves nothing.
fn a_serve_upgrade_rollback_and_restore_on_the_same_volume_run() {
    let _lane = lane();
    match upgrade_and_rollback(None) {
        Ok(report) => eprintln!(
            "serve {} -> {} -> {} on one volume:\n{report}",
            OLD.version, NEW.version, OLD.version
        ),
        Err(e) => panic!("serve {} -> {}: {e}", OLD.version, NEW.version),
    }
}

/// Negative control (old behaviour): 2026.9.6's bootstrap without its upgrade step
/// (`openclaw doctor --fix`, as before issue 17): the gateway stops a few seconds after it
/// listens, "Auth profile store … requires legacy credential migration", and Docker's
/// restart policy starts it again and again. Run by hand (~3 min):
/// `cargo test --test docker_e2e -- --ignored without_the_doctor`.
#[test]
#[ignore = "a negative control of the upgrade scenario, run by hand"]
fn without_the_doctor_step_the_upgrade_crash_loops() {
    let _lane = lane();
    let err = upgrade_and_rollback(Some(Broken {
        version: NEW.version,
        from: "  if [ -n \"$volume_migrate\" ]; then\n",
        to: "  if false; then\n",
        label: "no-doctor",
    }))
    .expect_err("the upgrade passed without the doctor step");
    assert!(
        err.contains("restarted") || err.contains("legacy credential migration"),
        "{err}"
    );
    eprintln!("negative control: {err}");
}

/// Negative control (old behaviour): 2026.2.19's bootstrap without the volume guard (no
/// release recorded or compared): the rollback is not refused; 2026.2.19's start
/// rewrites the config 2026.9.6 left and the volume changes. Run by hand (~4 min):
/// `cargo test --test docker_e2e -- --ignored without_the_volume_guard`.
#[test]
#[ignore = "a negative control of the upgrade scenario, run by hand"]
fn without_the_volume_guard_the_rollback_is_not_refused() {
    let _lane = lane();
    let err = upgrade_and_rollback(Some(Broken {
        version: OLD.version,
        from: "if [ -n \"$release_last\" ] && [ \"$release_last\" != \"$release_pinned\" ]; then\n",
        to: "if false; then\n",
        label: "no-guard",
    }))
    .expect_err("the rollback passed without the volume guard");
    assert!(err.contains("(3) the rollback"), "{err}");
    eprintln!("negative control: {err}");
}

/// The scenario's steps; Err at the first failed check (its step number first).
fn upgrade_and_rollback(broken: Option<Broken>) -> Result<String, String> {
    let started = Instant::now();
    let mut report = Vec::new();
    let mut step = |n: u8, r: Result<String, String>| match r {
        Ok(msg) => {
            report.push(format!("({n}) [{:.0}s] {msg}", started.elapsed().as_secs_f64()));
            Ok(())
        }
        Err(e) => Err(format!("({n}) {e}")),
    };
    // Each release's render in a checkout of its own (Coolify's deploy of a commit); each
    // image built once per run (Engine::build; the store's layer cache makes it a hit).
    let deploy = |case: Case| -> Result<(tempfile::TempDir, Image), String> {
        let dir = render(case.profile, case.version);
        let mut tag = case.tag();
        if let Some(b) = broken.filter(|b| b.version == case.version) {
            mutate(dir.path(), "bootstrap.sh", b.from, b.to);
            tag = format!("ocgen-e2e/broken:{}-{}-{}", case.profile, case.version, b.label);
        }
        let image = case.engine().build(dir.path(), &tag)?;
        Ok((dir, image))
    };
    let (old_dir, old_image) = deploy(OLD)?;
    let (new_dir, new_image) = deploy(NEW)?;
    step(
        0,
        Ok(format!(
            "images {} and {} ({:.0}s; cold builds take ~4 min each)",
            old_image.tag,
            new_image.tag,
            started.elapsed().as_secs_f64()
        )),
    )?;
    let mut p = Project::new(old_dir.path(), UPGRADE_PROJECT, &old_image.tag, OLD.services(), "proxy");
    p.compose(&["down", "-v", "--remove-orphans", "--timeout", "2"]); // an interrupted run's
    let browser = browser_dir()?;
    let laptop = browser.path();

    // 1. The old release with the user's state.
    let since = Project::now();
    step(1, deployed(&p, OLD, false))?;
    step(1, transpiled_in_the_build(&p, &old_image))?;
    step(1, seed_state(&p, laptop))?;
    let login = state(&p, OLD)?.tailscale;
    if !p
        .full_logs("openclaw", Some(since), false)
        .contains("logging in to the tailnet")
    {
        return Err("(1) the first start did not log in to the tailnet".into());
    }

    // 2. The upgrade: the new render and image on the same volume.
    p.redeploy(new_dir.path(), &new_image.tag, &[]);
    let since = Project::now();
    step(
        2,
        deployed(&p, NEW, true).map_err(|e| format!("the upgrade to {}: {e}", NEW.version)),
    )?;
    step(2, state_kept(&p, NEW, laptop, &login, since))?;
    step(2, doctor_ran_once(&p, since))?;
    let recorded = cat(&p, "openclaw", "/data/.ocgen/last-release")?;
    if recorded.trim() != NEW.version {
        return Err(format!(
            "(2) /data/.ocgen/last-release says {recorded:?} after {}",
            NEW.version
        ));
    }

    // 3. Coolify's Rollback: the old render and image again. Its redeploy stops the
    //    running gateway first; the digest is taken then.
    stopped(&p)?;
    let before = p.volume_digest(DATA_VOLUME)?;
    p.redeploy(old_dir.path(), &old_image.tag, &[]);
    step(
        3,
        refused(&p, &before).map_err(|e| format!("the rollback to {}: {e}", OLD.version)),
    )?;

    // 4. The rollback with OCGEN_ROLLBACK=restore.
    p.redeploy(old_dir.path(), &old_image.tag, &[("OCGEN_ROLLBACK", "restore")]);
    let since = Project::now();
    step(4, deployed(&p, OLD, false).map_err(|e| format!("the restore: {e}")))?;
    let log = p.full_logs("openclaw", Some(since), false);
    let restored = log
        .lines()
        .find(|l| l.contains("restored the state snapshot"))
        .ok_or_else(|| {
            format!(
                "(4) the bootstrap did not log the restore:\n{}",
                p.logs("openclaw", Some(since))
            )
        })?;
    step(4, Ok(restored.trim().to_string()))?;
    step(4, state_kept(&p, OLD, laptop, &login, since))?;
    let replaced = p.exec("openclaw", &[], &["ls", "-1", "/data/.ocgen/replaced"]);
    if replaced.stdout.lines().count() != 1 {
        return Err(format!(
            "(4) the replaced state is not kept in /data/.ocgen/replaced/: {}",
            replaced.text()
        ));
    }
    step(
        4,
        Ok(format!(
            "{}'s state set aside in /data/.ocgen/replaced/{}",
            NEW.version,
            replaced.stdout.trim()
        )),
    )?;

    // 5. Nothing left.
    step(5, leaves_nothing(&p))?;
    drop(p);
    report.push(format!("wall time {:.0}s", started.elapsed().as_secs_f64()));
    Ok(report.join("\n"))
}

/// OLD (2026.2.19) ships its bundled plugins as TypeScript: the image's build transpiled them
/// into `/tmp/jiti` (the Dockerfile's `openclaw plugins list` step), so the gateway's first
/// start in a new container transpiles nothing (~35 s saved on this machine: healthy 6 s
/// after `compose up` instead of 71 s). The cache in the running container holds exactly
/// the image's entries, and there are some.
fn transpiled_in_the_build(p: &Project, image: &Image) -> Check {
    let count = "ls -1 /tmp/jiti 2>/dev/null | wc -l";
    let built = p.engine.run_on("none", &image.tag, &[], &[], &["sh", "-c", count]);
    let running = p.exec("openclaw", &[], &["sh", "-c", count]);
    let n = |o: &Out| o.stdout.trim().parse::<usize>().ok();
    match (n(&built), n(&running)) {
        (Some(b), Some(r)) if b > 0 && b == r => Ok(format!(
            "the first start transpiled nothing: /tmp/jiti holds the {b} entries the build made"
        )),
        _ => Err(format!(
            "the gateway's first start transpiled its plugins itself: /tmp/jiti has {} entries in the image and {} in the running container (the build's `openclaw plugins list` step)",
            built.text().trim(),
            running.text().trim()
        )),
    }
}

/// `compose up` of the project as it is now, then healthy by the rendered healthcheck
/// with no restart on the way; with `within_budget`, also before Docker would say
/// `unhealthy` (`start_period` + `retries` × `interval`).
fn deployed(p: &Project, case: Case, within_budget: bool) -> Check {
    p.up()?;
    let (secs, unhealthy) = p.wait_healthy_without_restart(case.services(), HEALTHY_LIMIT, within_budget)?;
    let hc: serde_json::Value =
        serde_json::from_str(&p.inspect("openclaw", "{{json .Config.Healthcheck}}")).unwrap_or_default();
    let s = |k: &str| hc[k].as_f64().unwrap_or(0.0) / 1e9;
    let budget = s("StartPeriod") + hc["Retries"].as_f64().unwrap_or(0.0) * s("Interval");
    let late = unhealthy.map_or(String::new(), |at| {
        format!(" (Docker said `unhealthy` first, at {at:.0}s: a slow first start of this release)")
    });
    Ok(format!(
        "{}: healthy {secs:.0}s after `compose up`, no restart{late}; the healthcheck's budget before `unhealthy`: {budget:.0}s",
        case.version
    ))
}

/// The tailnet browser's connect through Tailscale Serve's proxy hop, as the gateway
/// sees it: the client in a container of its own in the gateway's network namespace,
/// dialling 127.0.0.1 with the Host, Origin and `X-Forwarded-*` headers Serve sends for a
/// tagged node (tests/clients/serve-proxy.mjs: no `Tailscale-User-*` headers, so the
/// token and the device's pairing decide); its device identity in `laptop`.
fn serve_browser(p: &Project, laptop: &Path) -> serde_json::Value {
    let netns = format!("container:{}", p.container("openclaw"));
    let url = format!("ws://127.0.0.1:{PORT}/");
    let origin = format!("https://{TAILNET_HOST}");
    let (peer, host) = (
        format!("X-Forwarded-For: {PEER}"),
        format!("X-Forwarded-Host: {TAILNET_HOST}"),
    );
    let mut args = page_args(&url, TAILNET_HOST, &origin, TOKEN, "/scratch/dev");
    args.extend([
        "--header",
        &peer,
        "--header",
        &host,
        "--header",
        "X-Forwarded-Proto: https",
    ]);
    gateway_client(p.engine, &netns, &p.image, laptop, &args)
}

/// (1) The user's state: the paired browser, a key of their own, workspace files.
fn seed_state(p: &Project, laptop: &Path) -> Check {
    let id = pair_and_connect(p, || serve_browser(p, laptop)).map_err(|e| format!("the tailnet browser: {e}"))?;
    let value = format!("\"{USER_VALUE}\"");
    let set = p.exec_as(
        "node",
        "openclaw",
        &GATEWAY_ENV,
        &["openclaw", "config", "set", USER_KEY, &value],
    );
    if !set.ok() {
        return Err(format!("`openclaw config set {USER_KEY}` failed: {}", set.tail(10)));
    }
    user_key_kept(&cat(p, "openclaw", CONFIG)?)?;
    for (rel, text) in WORKSPACE {
        let path = format!("{STATE_DIR}/{rel}");
        let out = p.exec_as(
            "node",
            "openclaw",
            &[],
            &["bash", "-c", WRITE_FILE, "write", &path, text],
        );
        if !out.ok() {
            return Err(format!("writing the workspace file {rel}: {}", out.text()));
        }
    }
    Ok(format!(
        "tailnet browser paired (request {id}), approved with `openclaw devices approve`, health ok; \
         `openclaw config set {USER_KEY} {value}`; {} workspace files written; Tailscale logged in",
        WORKSPACE.len()
    ))
}

/// (2, 4) What the user had is there: the device admitted without pairing, the key, the
/// workspace files byte for byte, the Tailscale state as it was and no login since `since`.
fn state_kept(p: &Project, case: Case, laptop: &Path, login: &Option<String>, since: f64) -> Check {
    let r = serve_browser(p, laptop);
    if !(r["ok"] == true && r["response"]["ok"] == true) {
        return Err(format!("FINDING: the device paired before is not admitted: {r}"));
    }
    let key = user_key_kept(&cat(p, "openclaw", CONFIG)?)?;
    let files = workspace_unchanged(|rel| cat(p, "openclaw", &format!("{STATE_DIR}/{rel}")))?;
    if state(p, case)?.tailscale != *login {
        return Err("FINDING: the Tailscale state changed".into());
    }
    if p.full_logs("openclaw", Some(since), false)
        .contains("logging in to the tailnet")
    {
        return Err(format!(
            "FINDING: the node logged in again:\n{}",
            p.logs("openclaw", Some(since))
        ));
    }
    // still the first run (a gateway that stops seconds after it listens is a crash loop)
    let restarts = p.inspect("openclaw", "{{.RestartCount}}");
    if restarts != "0" {
        return Err(format!(
            "FINDING: the gateway exited and was restarted {restarts} times by its restart policy:\n{}",
            p.logs("openclaw", Some(since))
        ));
    }
    Ok(format!(
        "the paired device admitted without pairing again; {key}; {files}; Tailscale state unchanged, no new login; \
         no restart"
    ))
}

/// (2) The one-time upgrade step ran, and how long it took (the bootstrap's log lines,
/// by the engine's time stamps).
fn doctor_ran_once(p: &Project, since: f64) -> Check {
    let log = p.full_logs("openclaw", Some(since), true);
    let at = |what: &str| -> Result<f64, String> {
        let line = log.lines().find(|l| l.contains(what)).ok_or_else(|| {
            format!(
                "the bootstrap did not log {what:?}:\n{}",
                p.logs("openclaw", Some(since))
            )
        })?;
        // 2026-12-02T13:05:01.123456789Z …: seconds of the day
        let stamp = line.split_whitespace().next().unwrap_or("");
        let time = stamp.split_once('T').map_or("", |(_, t)| t.trim_end_matches('Z'));
        let f: Vec<f64> = time.split(':').filter_map(|x| x.parse().ok()).collect();
        match f[..] {
            [h, m, s] => Ok(h * 3600.0 + m * 60.0 + s),
            _ => Err(format!("no time stamp on {line:?}")),
        }
    };
    let from = at("running `openclaw doctor --fix")?;
    let to = at(&format!(
        "upgraded this volume from OpenClaw {} to {}",
        OLD.version, NEW.version
    ))?;
    Ok(format!(
        "`openclaw doctor --fix --non-interactive` ran once, {:.0}s, before the gateway started",
        (to - from).rem_euclid(86400.0)
    ))
}

/// `compose stop`: what Coolify's redeploy does to the running container first.
fn stopped(p: &Project) -> Result<(), String> {
    let out = p.compose(&["stop"]);
    if out.ok() {
        Ok(())
    } else {
        Err(format!("compose stop: {}", out.tail(10)))
    }
}

/// (3) `compose up` of a render that must refuse the volume: every start exits 1 (twice
/// at least: Docker's restart policy starts it again) with the refusal, and the volume's
/// digest is `before`'s.
fn refused(p: &Project, before: &str) -> Check {
    let since = Project::now();
    p.up()?;
    let exits = p.wait_restarted("openclaw", 2, since, REFUSAL_LIMIT)?;
    stopped(p)?;
    let after = p.volume_digest(DATA_VOLUME)?;
    if exits.is_empty() || exits.iter().any(|c| *c != 1) {
        return Err(format!(
            "FINDING: the starts exited {exits:?}, not 1 each\n{}",
            p.logs("openclaw", Some(since))
        ));
    }
    if after != before {
        return Err(format!(
            "FINDING: the volume changed (tree digest {before:.12} -> {after:.12})\n{}",
            p.logs("openclaw", Some(since))
        ));
    }
    let line = rollback_refusal(&p.full_logs("openclaw", Some(since), false), OLD.version, NEW.version)
        .map_err(|e| format!("FINDING: {e}"))?;
    Ok(format!(
        "{} starts, each exited 1; volume unchanged (tree digest {before:.12}, taken in a helper container); {line}",
        exits.len()
    ))
}

// ---------------------------------------------------------------------------
// Negative controls: broken renders fail the checks

const LAN: Case = Case::new("lan-patch", "2026.9.6");

/// (1) A Node tag the release table does not pin has no image: the build fails at once
/// (the engine never pulls).
fn a_wrong_node_tag_fails_the_build_run() {
    let _lane = lane();
    let dir = render(LAN.profile, LAN.version);
    mutate(
        dir.path(),
        "Dockerfile",
        "node:24.21.0-bookworm-slim",
        "node:24.99.0-bookworm-slim",
    );
    let err = match engine().build(dir.path(), "ocgen-e2e/broken:node-tag") {
        Ok(_) => panic!("a Dockerfile naming node:24.99.0-bookworm-slim built"),
        Err(e) => e,
    };
    assert!(
        err.contains("node:24.99.0-bookworm-slim"),
        "the error does not name the image:\n{err}"
    );
}

/// (5) A bootstrap that runs the gateway as a child instead of `exec`ing it.
fn a_bootstrap_that_does_not_exec_fails_the_signal_check_run() {
    let _lane = lane();
    let dir = render(LAN.profile, LAN.version);
    mutate(
        dir.path(),
        "bootstrap.sh",
        "\nexec \"${as_gateway[@]}\" openclaw gateway run",
        "\n\"${as_gateway[@]}\" openclaw gateway run",
    );
    let image = engine()
        .build(dir.path(), "ocgen-e2e/broken:no-exec")
        .unwrap_or_else(|e| panic!("{e}"));
    let p = Project::new(
        dir.path(),
        "ocgen-e2e-broken-no-exec",
        &image.tag,
        LAN.services(),
        "proxy",
    );
    up_healthy(&p, LAN).unwrap_or_else(|e| panic!("{e}"));
    let err = stops(&p, LAN).expect_err("the signal check passed with a bootstrap that does not exec");
    assert!(err.contains("did not exec"), "{err}");
}

/// (2) The timed check on the render before `start_interval` (the line removed): the
/// first probe waits for the 30 s interval, long after the gateway admits clients.
/// Ignored by default: how late depends on where the admission falls in the 30 s cycle
/// (uniform in 0-30 s, so about one run in eight lands within the limit and this control
/// would fail); run it with `cargo test --test docker_e2e -- --ignored without_start`.
#[test]
#[ignore = "probabilistic: the admission's phase in the 30 s cycle decides; run by hand"]
fn without_start_interval_healthy_comes_late() {
    let _lane = lane();
    let dir = render(LAN.profile, LAN.version);
    mutate(dir.path(), "docker-compose.yaml", "      start_interval: \"1s\"\n", "");
    let image = engine().build(dir.path(), &LAN.tag()).unwrap_or_else(|e| panic!("{e}"));
    let p = Project::new(
        dir.path(),
        "ocgen-e2e-broken-no-start-interval",
        &image.tag,
        LAN.services(),
        "proxy",
    );
    let err = admitted_then_healthy(&p, LAN).expect_err("healthy within the limit without start_interval");
    assert!(err.starts_with("healthy too late"), "{err}");
    eprintln!("negative control: {err}");
}

/// (4) A compose file without the data volume loses openclaw.json on `down` + `up`.
fn a_missing_volume_fails_the_state_check_run() {
    let _lane = lane();
    let dir = render(LAN.profile, LAN.version);
    mutate(
        dir.path(),
        "docker-compose.yaml",
        "    volumes:\n      - \"openclaw-data:/data\"\n",
        "",
    );
    let image = engine().build(dir.path(), &LAN.tag()).unwrap_or_else(|e| panic!("{e}"));
    let p = Project::new(
        dir.path(),
        "ocgen-e2e-broken-no-volume",
        &image.tag,
        LAN.services(),
        "proxy",
    );
    up_healthy(&p, LAN).unwrap_or_else(|e| panic!("{e}"));
    // only `down + up` can lose what is not on a volume (a restart keeps the container)
    let err = keeps_state_over(&p, LAN, after_restart, &["down + up"])
        .expect_err("the state check passed without a data volume");
    assert!(err.contains("down + up"), "{err}");
}

// ---------------------------------------------------------------------------
// The domain profile through Coolify's proxy: the real Traefik's Docker provider

const DOMAIN: &str = "openclaw.test";

/// `profile = "domain"` with the labels Coolify writes (`labels = "traefik"`)
/// on the engine: the real Traefik, run as Coolify runs its proxy, finds the
/// container by its labels (Docker provider) on the network the labels name,
/// and a browser container on that network gets the Control UI over HTTPS,
/// is asked to pair (a remote client, attributed through the trusted proxy),
/// is approved, completes the handshake; a foreign Origin is refused; the
/// sub-agent path inside the container answers.
fn domain_on_2026_9_6_through_traefiks_docker_provider_run() {
    let _lane = lane();
    let dir = domain_render();
    let compose = std::fs::read_to_string(dir.path().join("docker-compose.yaml")).unwrap();
    assert!(compose.contains("traefik.docker.network=proxy"), "{compose}");
    match domain_scenario(dir.path(), true) {
        Ok(report) => eprintln!("domain@2026.9.6 through Traefik's Docker provider:\n{report}"),
        Err(e) => panic!("domain@2026.9.6: {e}"),
    }
}

/// Negative control: labels that name the wrong service port route nowhere.
fn a_wrong_service_port_label_fails_the_route_run() {
    let _lane = lane();
    let dir = domain_render();
    mutate(
        dir.path(),
        "docker-compose.yaml",
        "loadbalancer.server.port=18789",
        "loadbalancer.server.port=18790",
    );
    let err = domain_scenario(dir.path(), false).expect_err("a wrong service port must not route");
    assert!(err.contains(&format!("GET https://{DOMAIN}/ through Traefik")), "{err}");
    // Traefik's router found the container and its service port led nowhere (502), not a
    // proxy that never answered or a route that never appeared (404)
    assert!(
        err.contains("\"status\":502"),
        "expected Traefik's 502 Bad Gateway: {err}"
    );
    eprintln!("negative control: {}", err.lines().next().unwrap_or_default());
}

/// domain on 2026.9.6 with the Traefik labels Coolify writes, for a pinned domain.
fn domain_render() -> tempfile::TempDir {
    render_with(
        "domain",
        "2026.9.6",
        &format!("[coolify]\ndomain = \"{DOMAIN}\"\nlabels = \"traefik\"\n"),
    )
}

fn domain_scenario(dir: &Path, full: bool) -> Result<String, String> {
    let e = engine();
    let image = e.build(dir, "ocgen-e2e/domain:2026.9.6")?;
    let proxy = Proxy::start("proxy", "ocgen-e2e-coolify-proxy", DOMAIN)?;
    let p = Project::on_external_network(dir, "ocgen-e2e-domain-2026-9-6", &image.tag, &["openclaw"], "proxy");
    p.compose(&["down", "-v", "--remove-orphans", "--timeout", "2"]);
    p.up()?;
    let secs = p.wait_healthy(&["openclaw"], HEALTHY_LIMIT)?;
    let mut report = vec![format!(
        "openclaw healthy {secs:.0}s after `compose up` (Traefik on the network `proxy`)"
    )];
    let scratch = browser_dir()?;
    let client = |args: &[&str]| {
        run_gateway_client(
            e,
            "proxy",
            &image.tag,
            scratch.path(),
            &[&["--insecure-tls"], args].concat(),
        )
    };
    // The route: Traefik's Docker provider picks the labels up within seconds.
    // Until it has, Traefik answers 404 (no router); a router whose service leads nowhere
    // answers 502. The gateway is healthy by now, so a 502 that lasts 10 s is the route's
    // answer, not a start-up one: the wait ends there instead of at the 60 s bound.
    let url = format!("https://{DOMAIN}/");
    let start = std::time::Instant::now();
    let mut bad_gateway_since = None;
    loop {
        let o = client(&["--http-get", "/", "--url", &url, "--timeout-ms", "5000"]);
        if o.ok() {
            report.push(format!("GET {url} through Traefik: {}", client_json(&o)["status"]));
            break;
        }
        bad_gateway_since = match client_json(&o)["status"] == 502 {
            true => bad_gateway_since.or_else(|| Some(std::time::Instant::now())),
            false => None,
        };
        let settled = bad_gateway_since.is_some_and(|t| t.elapsed() > std::time::Duration::from_secs(10));
        if start.elapsed() > std::time::Duration::from_secs(60) || settled {
            return Err(format!(
                "GET {url} through Traefik: {}\n--- traefik ---\n{}",
                o.text(),
                proxy.logs()
            ));
        }
        std::thread::sleep(std::time::Duration::from_secs(1));
    }
    if let Some(l) = proxy.logs().lines().find(|l| l.contains("letsencrypt")) {
        // what Traefik does with the resolver the labels name (not defined here: no ACME)
        report.push(format!(
            "Traefik on the `letsencrypt` resolver the labels name: {}",
            l.trim()
        ));
    }
    if !full {
        return Ok(report.join("\n"));
    }
    let redirect = e.run_on(
        "proxy",
        &image.tag,
        &[],
        &[],
        &[
            "node",
            "-e",
            "fetch('http://openclaw.test/',{redirect:'manual'}).then(r=>console.log(r.status,r.headers.get('location')),e=>{console.log(String(e));process.exit(1)})",
        ],
    );
    let line = redirect.stdout.trim().to_string();
    if !(line.starts_with("30") && line.contains("https://openclaw.test/")) {
        return Err(format!(
            "http://{DOMAIN}/ should redirect to https: {}",
            redirect.text()
        ));
    }
    report.push(format!("http://{DOMAIN}/ -> {line}"));
    let origin = format!("https://{DOMAIN}");
    let wss = format!("wss://{DOMAIN}/");
    let ws = |origin: &str, token: &str| {
        client(&[
            "--url",
            &wss,
            "--origin",
            origin,
            "--token",
            token,
            "--device-dir",
            "/scratch/dev",
            "--timeout-ms",
            CLIENT_TIMEOUT_MS,
        ])
    };
    let id = pair_and_connect(&p, || client_json(&ws(&origin, TOKEN)))
        .map_err(|e| format!("the browser through Traefik: {e}"))?;
    report.push(format!(
        "browser through Traefik, first connect: pairing required (request {id})"
    ));
    report.push("approved; handshake with the token: hello-ok, health ok".into());
    let foreign = client_json(&ws("https://evil.test", TOKEN));
    if foreign["ok"] == true || !foreign.to_string().contains("origin not allowed") {
        return Err(format!("a foreign Origin through Traefik was not refused: {foreign}"));
    }
    report.push("Origin https://evil.test refused".into());
    subagent_call(&p)?;
    report.push("sub-agent call ok".into());
    drop(p);
    drop(proxy);
    Ok(report.join("\n"))
}

// ---------------------------------------------------------------------------
// Measurements for docs/engines.md (ignored: they assert nothing)

/// lan-patch on 2026.9.6, `compose up` to `healthy` and the gateway's first admitted
/// client: on Engine 26 with and without `start_interval`, on the floor (20.10, rendered
/// with `docker_engine = 24`); then the cost of one run of the rendered probe, under
/// `/usr/bin/time -v` (the host's, copied in) in the healthy container.
/// `cargo test --test docker_e2e -- --ignored --nocapture measure_`
#[test]
#[ignore = "a measurement, run by hand"]
fn measure_healthy_times_and_probe_cost() {
    let _lane = lane();
    for (engine, extra, start_interval) in [
        (CURRENT, "", true),
        (CURRENT, "", false),
        (FLOOR, "[coolify]\ndocker_engine = 24\n", false),
    ] {
        let case = Case { engine, extra, ..LAN };
        let dir = render_with(case.profile, case.version, extra);
        if engine == CURRENT && !start_interval {
            mutate(dir.path(), "docker-compose.yaml", "      start_interval: \"1s\"\n", "");
        }
        let image = case
            .engine()
            .build(dir.path(), &case.tag())
            .unwrap_or_else(|e| panic!("{e}"));
        let p = Project::new(
            dir.path(),
            &format!("ocgen-e2e-measure-{}", case.project()),
            &image.tag,
            case.services(),
            "proxy",
        )
        .on(case.engine());
        p.compose(&["down", "-v", "--remove-orphans", "--timeout", "2"]);
        let timed = admitted_then_healthy(&p, case);
        eprintln!(
            "measure: Engine {engine}, start_interval {start_interval}: {}",
            timed.unwrap_or_else(|e| e)
        );
        if !(engine == CURRENT && start_interval) {
            continue;
        }
        let test = p.inspect("openclaw", "{{json .Config.Healthcheck.Test}}");
        let test: Vec<String> = serde_json::from_str(&test).unwrap();
        let id = p.container("openclaw");
        assert!(
            p.engine
                .docker(&["cp", "/usr/bin/time", &format!("{id}:/tmp/time")])
                .ok()
        );
        let bash_probe = format!(
            "exec 3<>/dev/tcp/127.0.0.1/{PORT} && printf 'GET /startupz HTTP/1.0\\r\\nHost: 127.0.0.1\\r\\n\\r\\n' >&3 && read -r _ code _ <&3 && [[ $code == 2?? ]]"
        );
        for (name, cmd) in [
            ("rendered node probe", test[1..].to_vec()),
            ("bash /dev/tcp HTTP probe", vec!["bash".into(), "-c".into(), bash_probe]),
        ] {
            for _ in 0..5 {
                let mut argv = vec!["/tmp/time", "-v"];
                argv.extend(cmd.iter().map(String::as_str));
                let out = p.exec("openclaw", &[], &argv);
                let field = |k: &str| {
                    out.stderr
                        .lines()
                        .find_map(|l| l.trim().strip_prefix(k).map(|v| v.trim().to_string()))
                        .unwrap_or_default()
                };
                eprintln!(
                    "measure: {name}: exit {:?}, user {} s, system {} s, elapsed {}, max RSS {} kB",
                    out.code,
                    field("User time (seconds):"),
                    field("System time (seconds):"),
                    field("Elapsed (wall clock) time (h:mm:ss or m:ss):"),
                    field("Maximum resident set size (kbytes):")
                );
            }
        }
    }
}
