//! The Kubernetes target's rendered Deployment run for real: `podman kube play` (Debian's
//! podman 4.3) of the lan-patch and the serve base on 2026.9.6 as `kubectl kustomize`
//! builds them, one pod at a time, each with its image built from the rendered Dockerfile
//! (unchanged) on the fenced Docker Engine 26 and its stand-in bases (tests/common/docker.rs;
//! Tailscale is the suite's stand-in, tests/stubs), the same image in podman's store. What
//! podman needs on this machine (rlimits, `secretKeyRef`, `fsGroup`) and why:
//! tests/common/kube.rs and docs/kubernetes.md. Then, in the pod and from other containers:
//!
//! 1. every probe the manifest declares passes by its own command (the startup probe run
//!    at its period, bounded by its `failureThreshold`, failing until the gateway admits
//!    clients; then readiness and liveness); the gateway runs as the manifest's
//!    `runAsUser` on a read-only root filesystem. serve: tailscaled runs in the gateway's
//!    container as that user, Running, its socket on the `emptyDir`, logged in with the
//!    Secret's auth key, the login on the claim; the gateway gave Tailscale Serve its route;
//! 2. the sub-agent call (`openclaw gateway call health` in the gateway's container, with
//!    the gateway's environment); the same call with a wrong token: OpenClaw's
//!    `unauthorized`. serve: the gateway listens on loopback only (a client on the pod's
//!    address is refused);
//! 3. a browser on the profile's path (tests/common/kube.rs, `Browser`): lan-patch, another
//!    container on the pod's network, to the pod's address (as a LoadBalancer or NodePort
//!    Service forwards to it); serve, Tailscale Serve's hop (a container in the pod's network
//!    namespace dialling the target of the route the gateway gave Serve with the headers
//!    Serve adds, as docker_e2e's serve scenario does it). The Control UI page; a new device is asked to pair, the operator
//!    approves it (`openclaw devices approve` in the gateway's container), the token
//!    handshake gets `health`; the device with a wrong token: `unauthorized`;
//! 4. `podman kube down` + `play` on the same volume: `openclaw.json` byte for byte, every
//!    entry of the state directory kept, the bootstrap finds its config up to date, the
//!    paired device is admitted without pairing again (and a new one is still asked to
//!    pair), every probe and the sub-agent call pass again; serve: the Tailscale node's
//!    state byte for byte and no new login (the bootstrap's `tailscale up` not run again),
//!    Serve's route given again.
//!
//! The sidecar's pod, which podman 4.3 cannot play (a `projected` volume), runs with the
//! same container spec on the Docker engine (tests/common/pod_compose.rs), release
//! 2026.2.23, beside the podman pods: checks 1–4, the Tailscale container as declared and
//! the node's origin listed from the socket the two containers share (docs/kubernetes.md,
//! "The sidecar pod on the Docker engine"). So does the domain's pod (2026.9.6), whose
//! users come through an Ingress no controller can serve here: its network on the pod CIDR
//! its `trusted_proxies` names, the controller's hop made as ingress-nginx makes it.
//!
//! Negative controls: in the same run, the manifest with a wrong probe command (another
//! port) fails each probe, the startup probe fails until the gateway is up, a wrong token
//! is refused, a new device is asked to pair; ignored (a second pod each, ~2–3 min; run by
//! hand, `cargo test --test kube_play -- --ignored`): the lan-patch pod on a new volume
//! after `down` fails check 4, and so does the serve pod whose Tailscale state directory is
//! not on the claim (a new login).

mod common;

use std::sync::OnceLock;
use std::time::Instant;

use common::docker::{GATEWAY_ENV, TOKEN};
use common::kube::{
    Base, Browser, CLIENT_IP, DOMAIN, GATEWAY, POD_CIDR, PROBE_KINDS, Pod, Profile, Runtime, one_pod, prepare,
    prepare_for,
};
use common::{Results, job, outcome, run_all};
use common::{TAILNET_HOST, pair_and_connect};

const VERSION: &str = "2026.9.6";
/// The sidecar's release: one that admits only listed origins, so the gateway's bootstrap
/// asks the Tailscale container for the node's name on their shared socket.
const SIDECAR_VERSION: &str = "2026.2.23";
/// The Tailscale container of the sidecar pod.
const TAILSCALE: &str = "tailscale";
const TS_SOCKET: &str = "/var/run/tailscale/tailscaled.sock";
const PORT: u16 = 18789;
const STATE_DIR: &str = "/data/.openclaw";
const CONFIG: &str = "/data/.openclaw/openclaw.json";
/// A user's change to openclaw.json (what must survive with it).
const USER_KEY: &str = "ui.seamColor";
const USER_VALUE: &str = "#336699";
/// What the bootstrap logs when it runs `tailscale up` (a login with the auth key).
const LOGIN: &str = "logging in to the tailnet";

type Check = Result<String, String>;

#[test]
fn lan_patch_on_2026_9_6() {
    outcome(results(), "lan-patch");
}

#[test]
fn serve_on_2026_9_6() {
    outcome(results(), "serve");
}

/// The sidecar pod, which podman 4.3 cannot play (`Error: … HostPath, ConfigMap, EmptyDir,
/// and PersistentVolumeClaim are currently the only supported VolumeSource`: the Tailscale
/// container's `projected` ServiceAccount token), run with the same container spec on the
/// Docker engine (tests/common/pod_compose.rs), beside the podman pods (it publishes no
/// port). Checks 1–4 as for the others, and (1) the Tailscale container as declared (root,
/// `NET_ADMIN`, the TUN device containerboot makes, Running, its socket on the in-memory
/// `emptyDir` the gateway's container mounts read-only) and the gateway's bootstrap listing
/// the node's origin it read there; (3) the tailnet peer's browser by the node's MagicDNS
/// name, a page of another tailnet name refused; (4) the origin listed again by the new
/// pod's bootstrap, from the new Tailscale container.
#[test]
fn sidecar_pod_on_2026_2_23_on_the_docker_engine() {
    outcome(results(), "sidecar");
}

/// The domain pod (lan-patch's with `gateway.trustedProxies`), whose users come through an
/// Ingress: no ingress controller can run here (it needs an API server), so the pod runs
/// with the same container spec on the Docker engine, its network on the pod CIDR its
/// `trusted_proxies` names, and the controller's hop is made as ingress-nginx makes it
/// (another container in the pod CIDR, to the pod's address, Host `openclaw.test`, the
/// browser's address in `X-Forwarded-For`). Checks 1–4, and (1) the trust as rendered:
/// `gateway.trustedProxies` the pod CIDR, the domain's origin listed; (3) the paired
/// device recorded from the browser's address.
#[test]
fn a_domain_pod_on_2026_9_6_on_the_docker_engine() {
    outcome(results(), "domain");
}

/// The four pods' scenarios, all started at once on threads of their own when a test first
/// asks (libtest runs two tests at a time on this 2-core machine, so as tests the two Docker
/// pods waited for a podman pod to finish: 236 s, of which the podman pods, one at a time,
/// need ~190): the podman pods still one at a time ([`one_pod`]), the Docker pods beside them.
fn results() -> &'static Results {
    static RESULTS: OnceLock<Results> = OnceLock::new();
    RESULTS.get_or_init(|| {
        run_all(
            "kube_play",
            vec![
                job("lan-patch", || scenario_on(Runtime::Podman, Profile::LanPatch, VERSION)),
                job("serve", || scenario_on(Runtime::Podman, Profile::Serve, VERSION)),
                job("sidecar", || {
                    scenario_on(Runtime::Docker, Profile::Sidecar, SIDECAR_VERSION)
                }),
                job("domain", || scenario_on(Runtime::Docker, Profile::Domain, VERSION)),
            ],
        )
    })
}

/// The profile's pod on `runtime` played, checks 1–4 in order, then nothing of it left:
/// each check's report line, or the first finding with the gateway's log. The images are
/// prepared at the same time (each pod's build and `podman load` beside the others'); the
/// podman pods run one at a time (both publish the gateway's port on the host).
fn scenario_on(runtime: Runtime, profile: Profile, version: &str) -> Check {
    let started = Instant::now();
    let (_dir, base) = prepare_for(runtime, profile, version);
    let _one_at_a_time = (runtime == Runtime::Podman).then(one_pod);
    if base.claim() != Some(profile.claim()) {
        return Err(format!(
            "the base claims {:?}, not {}:\n{}",
            base.claim(),
            profile.claim(),
            base.text
        ));
    }
    let pod = new_pod(runtime, profile, base);
    let mut lines = Vec::new();
    let mut report = |n: u8, c: Check| match c {
        Ok(msg) => {
            lines.push(format!("({n}) {msg}"));
            Ok(())
        }
        Err(e) => Err(format!("({n}) {e}\n--- {GATEWAY} ---\n{}", pod.logs(GATEWAY))),
    };
    report(1, play_started(&pod, "play"))?;
    report(1, probes_pass(&pod))?;
    report(1, wrong_probes_fail(&pod))?;
    report(1, runs_as_declared(&pod))?;
    if profile == Profile::Serve {
        report(1, tailscale_in_the_pod(&pod, profile))?;
    }
    if profile == Profile::Sidecar {
        report(1, tailscale_beside(&pod))?;
        report(1, origin_listed(&pod))?;
    }
    if profile == Profile::Domain {
        report(1, trust_as_rendered(&pod))?;
    }
    report(2, subagent_call(&pod))?;
    report(2, wrong_token_cli(&pod))?;
    let browser = Browser::new(profile, version);
    if profile == Profile::Serve {
        report(2, loopback_only(&pod, &browser))?;
    }
    report(3, pairs(&pod, &browser))?;
    if profile == Profile::Sidecar {
        report(3, other_origin_refused(&pod, &browser))?;
    }
    if profile == Profile::Domain {
        report(3, attributed(&pod))?;
    }
    report(4, keeps_state(&pod, profile, &browser, |_| Ok(())))?;
    if profile == Profile::Sidecar {
        report(4, origin_listed(&pod))?;
    }
    let runtime_notes = pod.notes.join("; ");
    drop(pod);
    let (name, claim, network) = (profile.pod(), profile.claim(), profile.deployment());
    let left = match runtime {
        Runtime::Podman => Pod::leftovers(&name, Some(&claim), &[&network], &network),
        Runtime::Docker => Pod::docker_leftovers(&name, Some(&claim), &network),
    };
    if !left.is_empty() {
        return Err(format!("left behind: {left:?}"));
    }
    lines.push(format!(
        "{}@{version} ({runtime:?}{}): {:.0}s in all",
        profile.name(),
        if runtime_notes.is_empty() {
            String::new()
        } else {
            format!(": {runtime_notes}")
        },
        started.elapsed().as_secs_f64()
    ));
    Ok(lines.join("\n"))
}

/// The base ready to play on `runtime`: the Secret's values, the pod's own network (named
/// as the Deployment, on the pod CIDR where the profile's trust depends on it).
fn new_pod(runtime: Runtime, profile: Profile, base: Base) -> Pod {
    Pod::new(
        runtime,
        base,
        profile.secret_values(),
        &profile.deployment(),
        profile.subnet(),
    )
    .unwrap_or_else(|e| panic!("{e}"))
}

/// Negative control of check 4: the same pod whose state is not kept, its claim's volume
/// replaced by a new one between `down` and `play` (a fresh volume prepared the same way:
/// podman 4.3 gives an `emptyDir` at `/data` to root, 0755, and the gateway, uid 1000,
/// cannot start on it at all).
#[test]
#[ignore = "a second pod (~2 min): run by hand, cargo test --test kube_play -- --ignored"]
fn a_volume_not_kept_fails_the_state_check() {
    let _one_at_a_time = one_pod();
    let profile = Profile::LanPatch;
    let (_dir, base) = prepare(profile, VERSION);
    let pod = new_pod(Runtime::Podman, profile, base);
    play_started(&pod, "play").unwrap_or_else(|e| panic!("{e}"));
    let browser = Browser::new(profile, VERSION);
    pairs(&pod, &browser).unwrap_or_else(|e| panic!("{e}"));
    let err =
        keeps_state(&pod, profile, &browser, Pod::fresh_volume).expect_err("the state check passed on a new volume");
    assert!(err.starts_with("after down + play"), "{err}");
    for part in [CONFIG, "not admitted"] {
        assert!(err.contains(part), "the state check does not name {part}:\n{err}");
    }
    eprintln!("negative control: {err}");
}

/// Negative control of checks 1 and 4 for serve: a render whose Tailscale state directory
/// is not on the claim (an in-memory `emptyDir` mounted over `/data/tailscale`): check 1
/// finds the state file off the claim's volume, and after `down` + `play` the node logs in
/// again (check 4).
#[test]
#[ignore = "a second serve pod (~3 min): run by hand, cargo test --test kube_play -- --ignored"]
fn serve_state_off_the_claim_logs_in_again() {
    let _one_at_a_time = one_pod();
    let profile = Profile::Serve;
    let (_dir, base) = prepare(profile, VERSION);
    let mount = "        - mountPath: /var/run/tailscale\n          name: tailscale-socket\n";
    let volume = "      - emptyDir:\n          medium: Memory\n        name: tailscale-socket\n";
    let broken = base
        .mutated(
            mount,
            &format!("{mount}        - mountPath: /data/tailscale\n          name: tailscale-state\n"),
        )
        .and_then(|b| {
            b.mutated(
                volume,
                &format!("{volume}{}", volume.replace("tailscale-socket", "tailscale-state")),
            )
        })
        .unwrap_or_else(|e| panic!("{e}"));
    let pod = new_pod(Runtime::Podman, profile, broken);
    play_started(&pod, "play").unwrap_or_else(|e| panic!("{e}"));
    // check 1 sees it already: the state file is not on the claim's volume
    let err = tailscale_in_the_pod(&pod, profile).expect_err("check 1 passed with the node's state off the claim");
    assert!(
        err.contains("is not on the claim's volume (/data) but under /data/tailscale"),
        "{err}"
    );
    eprintln!("negative control, check 1: {err}");
    let browser = Browser::new(profile, VERSION);
    pairs(&pod, &browser).unwrap_or_else(|e| panic!("{e}"));
    let err = keeps_state(&pod, profile, &browser, |_| Ok(()))
        .expect_err("the state check passed with the node's state off the claim");
    assert!(err.starts_with("after down + play"), "{err}");
    assert!(
        err.contains("logged in again"),
        "the state check does not name the new login:\n{err}"
    );
    eprintln!("negative control, check 4: {err}");
}

/// Negative control of the domain pod's checks 1 and 3: `trusted_proxies` not the pod CIDR
/// the ingress controller connects from (the Deployment's `OPENCLAW_TRUSTED_PROXIES`
/// another range): check 1 sees the other trust, and the browser through the controller's
/// hop does not get in.
#[test]
#[ignore = "a second domain pod (~1 min): run by hand, cargo test --test kube_play -- --ignored"]
fn domain_trusting_another_range_keeps_the_ingress_out() {
    let profile = Profile::Domain;
    let (_dir, base) = prepare_for(Runtime::Docker, profile, VERSION);
    let broken = base
        .mutated(&format!("value: {POD_CIDR}\n"), "value: 10.99.0.0/16\n")
        .unwrap_or_else(|e| panic!("{e}"));
    let pod = new_pod(Runtime::Docker, profile, broken);
    play_started(&pod, "play").unwrap_or_else(|e| panic!("{e}"));
    let err = trust_as_rendered(&pod).expect_err("check 1 passed with another range trusted");
    assert!(err.contains("10.99.0.0/16"), "{err}");
    eprintln!("negative control, check 1: {err}");
    let browser = Browser::new(profile, VERSION);
    let err = pairs(&pod, &browser).expect_err("the browser got in through an untrusted hop");
    eprintln!("negative control, check 3: {err}");
}

/// Negative control of the sidecar pod's checks 1 and 3: the gateway's container without
/// the mount of tailscaled's socket (the shared `emptyDir`): its bootstrap finds no
/// tailscaled, lists no tailnet origin, and the tailnet peer's page is refused.
#[test]
#[ignore = "a second sidecar pod (~1.5 min): run by hand, cargo test --test kube_play -- --ignored"]
fn sidecar_without_the_shared_socket_lists_no_origin() {
    let profile = Profile::Sidecar;
    let (_dir, base) = prepare_for(Runtime::Docker, profile, SIDECAR_VERSION);
    let mount = "        - mountPath: /var/run/tailscale\n          name: tailscale-socket\n          readOnly: true\n";
    let broken = base.mutated(mount, "").unwrap_or_else(|e| panic!("{e}"));
    let pod = new_pod(Runtime::Docker, profile, broken);
    play_started(&pod, "play").unwrap_or_else(|e| panic!("{e}"));
    let err = origin_listed(&pod).expect_err("the origin was listed without the shared socket");
    assert!(err.starts_with("the bootstrap did not list"), "{err}");
    eprintln!("negative control, check 1: {}", err.lines().next().unwrap_or_default());
    let browser = Browser::new(profile, SIDECAR_VERSION);
    let r = browser.connect(&pod, TOKEN, "dev");
    assert!(
        r["ok"] != true && r.to_string().contains("origin not allowed"),
        "the tailnet page was not refused: {r}"
    );
    eprintln!("negative control, check 3: the tailnet page refused: {}", r["error"]);
}

// ---------------------------------------------------------------------------
// The checks

/// `podman kube play`, then the startup probe until it passes.
fn play_started(pod: &Pod, what: &str) -> Check {
    let play = pod.play()?;
    let (secs, failed, closed) = pod.wait_started(GATEWAY)?;
    if failed == 0 {
        // it cannot admit clients the moment its container starts: a probe that passes at
        // once does not test the start
        return Err(format!(
            "the startup probe passed at its first run, {secs:.1}s after {what}"
        ));
    }
    Ok(format!(
        "`{}` {play:.1}s; the startup probe passed {secs:.0}s later, after {failed} failed runs ({closed} of them \
         while nothing listened on the port: counted, not run)",
        pod.verb(what)
    ))
}

/// (1) Every probe the manifest declares, by its own command, in its time-out.
fn probes_pass(pod: &Pod) -> Check {
    let probes = pod.base.probes(GATEWAY);
    let kinds: Vec<&str> = probes.iter().map(|p| p.kind).collect();
    if kinds != PROBE_KINDS {
        return Err(format!(
            "the gateway declares the probes {kinds:?}, not {PROBE_KINDS:?}"
        ));
    }
    let mut passed = Vec::new();
    for p in &probes {
        let secs = pod.probe(GATEWAY, p)?;
        passed.push(format!("{} {secs:.1}s (timeout {}s)", p.kind, p.timeout));
    }
    Ok(format!(
        "every declared probe passed by its own command: {}",
        passed.join(", ")
    ))
}

/// (1) Negative control: the same manifest with the probes' port wrong fails each probe
/// (an HTTP probe's `127.0.0.1:PORT/`, or a TCP probe's `/dev/tcp/127.0.0.1/PORT`).
fn wrong_probes_fail(pod: &Pod) -> Check {
    let (http, tcp) = (format!("127.0.0.1:{PORT}/"), format!("/dev/tcp/127.0.0.1/{PORT}\n"));
    let broken = pod
        .base
        .mutated(&http, &format!("127.0.0.1:{}/", PORT + 1))
        .or_else(|_| pod.base.mutated(&tcp, &format!("/dev/tcp/127.0.0.1/{}\n", PORT + 1)))?;
    for p in broken.probes(GATEWAY) {
        if pod.probe(GATEWAY, &p).is_ok() {
            return Err(format!("the {} on port {} passed", p.kind, PORT + 1));
        }
    }
    Ok(format!(
        "negative control: with port {} in the manifest each probe fails",
        PORT + 1
    ))
}

/// (1) The gateway's container as the manifest says: its `runAsUser`, and the root
/// filesystem read-only (`Read-only file system`, not a permission refusal).
fn runs_as_declared(pod: &Pod) -> Check {
    let spec = &pod.base.deployment()["spec"]["template"]["spec"];
    let user = spec["securityContext"]["runAsUser"].to_string();
    let id = pod.exec(GATEWAY, &[], &["id", "-u"]);
    if id.stdout.trim() != user {
        return Err(format!("the gateway's container runs as {}, not {user}", id.text()));
    }
    if pod.base.container(GATEWAY)["securityContext"]["readOnlyRootFilesystem"] != true {
        return Err("the manifest does not make the root filesystem read-only".into());
    }
    let write = pod.exec(GATEWAY, &[], &["touch", "/usr/local/bin/.ocgen-kube-play"]);
    if write.ok() || !write.text().contains("Read-only file system") {
        return Err(format!("writing under /usr/local/bin: {}", write.text()));
    }
    Ok(format!("uid {user}; the root filesystem is read-only"))
}

/// (2) The sub-agent path: the gateway's own CLI in its container, with its environment.
fn subagent_call(pod: &Pod) -> Check {
    let call = pod.exec(
        GATEWAY,
        &GATEWAY_ENV,
        &["openclaw", "gateway", "call", "health", "--json"],
    );
    if call.ok() && call.stdout.contains("\"ok\": true") {
        Ok("sub-agent call `openclaw gateway call health` ok".into())
    } else {
        Err(format!("sub-agent call failed:\n{}", call.tail(15)))
    }
}

/// (2) The same call with a wrong token: OpenClaw's own refusal.
fn wrong_token_cli(pod: &Pod) -> Check {
    let url = format!("ws://127.0.0.1:{PORT}");
    let call = pod.exec(
        GATEWAY,
        &GATEWAY_ENV,
        &[
            "openclaw",
            "gateway",
            "call",
            "health",
            "--json",
            "--url",
            &url,
            "--token",
            "not-the-token",
        ],
    );
    if !call.ok() && call.text().contains("unauthorized") {
        Ok("with a wrong token: `unauthorized`".into())
    } else {
        Err(format!(
            "the CLI with a wrong token: expected `unauthorized`:\n{}",
            call.tail(15)
        ))
    }
}

/// (1) serve: tailscaled in the gateway's container as the manifest runs it: as the
/// container's user, Running, its socket on the `emptyDir`, the node's login kept on the
/// claim, logged in by this start with the Secret's auth key; the gateway gave Tailscale
/// Serve its route.
fn tailscale_in_the_pod(pod: &Pod, profile: Profile) -> Check {
    let state = profile.tailscale_state().ok_or("the profile runs no tailscaled")?;
    let user = pod.base.deployment()["spec"]["template"]["spec"]["securityContext"]["runAsUser"].to_string();
    // tailscaled's process (the stand-in is a script: its argv names it) and its uid
    let find = "for p in /proc/[0-9]*; do case \"$(tr '\\0' ' ' <\"$p/cmdline\" 2>/dev/null)\" in \
                *tailscaled\\ --tun=*) stat -c %u \"$p\" ;; esac; done";
    let uids = pod.exec(GATEWAY, &[], &["bash", "-c", find]);
    let uids: Vec<&str> = uids.stdout.lines().collect();
    if uids.is_empty() || uids.iter().any(|u| *u != user) {
        return Err(format!(
            "tailscaled in the gateway's container runs as {uids:?}, not uid {user}"
        ));
    }
    let status = pod.exec(GATEWAY, &[], &["tailscale", "status", "--json"]);
    if !status.stdout.contains("\"BackendState\": \"Running\"") {
        return Err(format!("tailscale status: {}", status.tail(10)));
    }
    // the socket's directory is a mount of its own (the emptyDir), the state on the claim's
    let (socket, socket_fs) = pod.mount_of(GATEWAY, "/var/run/tailscale/tailscaled.sock")?;
    if !socket.ends_with("/run/tailscale") {
        return Err(format!("tailscaled's socket is not on its emptyDir but under {socket}"));
    }
    let (mounted, _) = pod.mount_of(GATEWAY, state)?;
    if mounted != "/data" {
        return Err(format!(
            "{state} is not on the claim's volume (/data) but under {mounted}"
        ));
    }
    let saved = pod.exec(GATEWAY, &[], &["cat", state]);
    if !saved.stdout.contains("\"LoggedIn\": true") {
        return Err(format!("{state} does not record a login: {}", saved.text()));
    }
    if !pod.logs_tail(GATEWAY, 400).contains(LOGIN) {
        return Err(format!(
            "the first start did not log in (`{LOGIN}`):\n{}",
            pod.logs(GATEWAY)
        ));
    }
    let route = serve_route(pod)?;
    Ok(format!(
        "tailscaled runs as uid {user} in the gateway's container, Running; its socket on the emptyDir ({socket}, {socket_fs}); \
         logged in with the Secret's auth key, the login in {state} on the claim; {route}"
    ))
}

/// The route the gateway gave Tailscale Serve (OpenClaw runs `tailscale serve` in the
/// foreground): https:443 of the node to a listener on loopback.
fn serve_route(pod: &Pod) -> Check {
    let target = pod.serve_target()?;
    if target.starts_with("http://127.0.0.1:") {
        Ok(format!("Tailscale Serve: https://{TAILNET_HOST}/ -> {target}"))
    } else {
        Err(format!("Tailscale Serve proxies to {target}, not to loopback"))
    }
}

/// (2) serve: the gateway listens on loopback only: a client on the pod's address, from
/// another container on the pod's network, is refused.
fn loopback_only(pod: &Pod, browser: &Browser) -> Check {
    let page = browser.page_on_pod_address(pod)?;
    if page["ok"] != true && page["error"].as_str().is_some_and(|e| e.contains("ECONNREFUSED")) {
        Ok(format!("loopback only: on the pod's address {}", page["error"]))
    } else {
        Err(format!(
            "the gateway answered (or did not refuse) on the pod's address: {page}"
        ))
    }
}

/// (1) sidecar: the Tailscale container as the manifest runs it: root, `NET_ADMIN` in its
/// effective capabilities, `/dev/net/tun` (containerboot makes it: the pod gives none),
/// Running; tailscaled's socket on the in-memory `emptyDir`, which the gateway's container
/// mounts read-only at the same path.
fn tailscale_beside(pod: &Pod) -> Check {
    let id = pod.exec(TAILSCALE, &[], &["id", "-u"]);
    if id.stdout.trim() != "0" {
        return Err(format!("the Tailscale container runs as {}, not root", id.text()));
    }
    // CAP_NET_ADMIN is bit 12 of the effective set
    let caps = pod.exec(TAILSCALE, &[], &["sh", "-c", "grep ^CapEff: /proc/1/status"]);
    let eff = caps
        .stdout
        .split_whitespace()
        .nth(1)
        .and_then(|h| u64::from_str_radix(h, 16).ok())
        .ok_or_else(|| format!("CapEff of the Tailscale container: {}", caps.text()))?;
    if eff & (1 << 12) == 0 {
        return Err(format!("the Tailscale container lacks NET_ADMIN: CapEff {eff:#x}"));
    }
    let tun = pod.exec(TAILSCALE, &[], &["test", "-c", "/dev/net/tun"]);
    if !tun.ok() {
        return Err(format!(
            "no /dev/net/tun in the Tailscale container:\n{}",
            pod.logs(TAILSCALE)
        ));
    }
    let socket = format!("--socket={TS_SOCKET}");
    let status = pod.exec(TAILSCALE, &[], &["tailscale", &socket, "status", "--json"]);
    if !status.stdout.contains("\"BackendState\": \"Running\"") {
        return Err(format!("tailscale status: {}", status.tail(10)));
    }
    let (dir, fs) = pod.mount_of(TAILSCALE, TS_SOCKET)?;
    let (gw_dir, gw_fs) = pod.mount_of(GATEWAY, TS_SOCKET)?;
    if !dir.ends_with("/run/tailscale") || fs != "tmpfs" || gw_dir != dir || gw_fs != "tmpfs" {
        return Err(format!(
            "tailscaled's socket is not on the in-memory emptyDir in both containers: {dir} ({fs}), in the gateway's {gw_dir} ({gw_fs})"
        ));
    }
    let write = pod.exec(GATEWAY, &[], &["touch", "/var/run/tailscale/.ocgen-kube-play"]);
    if write.ok() || !write.text().contains("Read-only file system") {
        return Err(format!(
            "the gateway's mount of the socket's emptyDir is not read-only: {}",
            write.text()
        ));
    }
    Ok(format!(
        "the Tailscale container: root, NET_ADMIN (CapEff {eff:#x}), /dev/net/tun made by containerboot, Running; \
         its socket on the in-memory emptyDir ({dir}, {fs}), the gateway's mount of it read-only"
    ))
}

/// sidecar: this start's bootstrap asked the Tailscale container for the node's name (on
/// the shared socket) and listed its origin; the gateway's `openclaw.json` lists it.
fn origin_listed(pod: &Pod) -> Check {
    let origin = format!("http://{TAILNET_HOST}:{PORT}");
    let log = pod.logs_tail(GATEWAY, 400);
    let line = log
        .lines()
        .find(|l| l.contains("tailnet origin(s) listed") && l.contains(&origin))
        .ok_or_else(|| format!("the bootstrap did not list {origin}:\n{}", pod.logs(GATEWAY)))?;
    let config = pod.exec(GATEWAY, &[], &["cat", CONFIG]);
    let json: serde_json::Value =
        serde_json::from_str(&config.stdout).map_err(|e| format!("{CONFIG}: {e}: {}", config.text()))?;
    let listed = &json["gateway"]["controlUi"]["allowedOrigins"];
    if !listed.as_array().is_some_and(|l| l.iter().any(|o| *o == origin)) {
        return Err(format!(
            "gateway.controlUi.allowedOrigins does not list {origin}: {listed}"
        ));
    }
    Ok(format!("bootstrap: {}; allowedOrigins lists it", line.trim()))
}

/// (1) domain: the gateway trusts the ingress controller's pods and lists the domain's
/// origin: `gateway.trustedProxies` is the pod CIDR, as the bootstrap logged it.
fn trust_as_rendered(pod: &Pod) -> Check {
    let config = pod.exec(GATEWAY, &[], &["cat", CONFIG]);
    let json: serde_json::Value =
        serde_json::from_str(&config.stdout).map_err(|e| format!("{CONFIG}: {e}: {}", config.text()))?;
    let trusted = &json["gateway"]["trustedProxies"];
    if *trusted != serde_json::json!([POD_CIDR]) {
        return Err(format!("gateway.trustedProxies is {trusted}, not [{POD_CIDR:?}]"));
    }
    let origin = format!("https://{DOMAIN}");
    let listed = &json["gateway"]["controlUi"]["allowedOrigins"];
    if !listed.as_array().is_some_and(|l| l.iter().any(|o| *o == origin)) {
        return Err(format!(
            "gateway.controlUi.allowedOrigins does not list {origin}: {listed}"
        ));
    }
    let log = pod.logs_tail(GATEWAY, 400);
    let line = log
        .lines()
        .find(|l| l.contains("trusted proxies:"))
        .ok_or_else(|| format!("the bootstrap did not log its trusted proxies:\n{}", pod.logs(GATEWAY)))?;
    Ok(format!(
        "gateway.trustedProxies {trusted}, allowedOrigins lists {origin}; bootstrap: {}",
        line.trim()
    ))
}

/// (3) domain: the gateway attributed the browser to its own address (from the ingress
/// controller's `X-Forwarded-For`), not the controller's: the paired device's record.
fn attributed(pod: &Pod) -> Check {
    let list = pod.exec(GATEWAY, &GATEWAY_ENV, &["openclaw", "devices", "list", "--json"]);
    if !list.ok() {
        return Err(format!("openclaw devices list: {}", list.tail(10)));
    }
    if list.stdout.contains(CLIENT_IP) {
        Ok(format!(
            "the paired device is recorded from {CLIENT_IP}, the browser's address the controller forwarded"
        ))
    } else {
        Err(format!(
            "no device is recorded from {CLIENT_IP} (the ingress controller's X-Forwarded-For): {}",
            list.stdout
        ))
    }
}

/// (3) sidecar: a page of another tailnet name (not the node's) is refused by its Origin.
fn other_origin_refused(pod: &Pod, browser: &Browser) -> Check {
    let other = format!("http://other-node.tailnet-stub.ts.net:{PORT}");
    let r = browser.connect_as(pod, Some(&other), TOKEN, "dev");
    if r["ok"] != true && r.to_string().contains("origin not allowed") {
        Ok(format!("a page on {other}: `origin not allowed`"))
    } else {
        Err(format!("a page on {other} was not refused by its Origin: {r}"))
    }
}

/// (3) The page, pairing with approval, the token handshake, a wrong token refused, on
/// the profile's path.
fn pairs(pod: &Pod, browser: &Browser) -> Check {
    let page = browser.page(pod)?;
    if page["ok"] != true {
        return Err(format!("the Control UI page ({}): {page}", browser.path(pod)));
    }
    let id = pair_and_connect(
        || browser.connect(pod, TOKEN, "dev"),
        |id| {
            let approve = pod.exec(GATEWAY, &GATEWAY_ENV, &["openclaw", "devices", "approve", id, "--json"]);
            if approve.ok() { Ok(()) } else { Err(approve.tail(10)) }
        },
    )?;
    let wrong = browser.connect(pod, "not-the-token", "dev");
    if wrong["ok"] == true || !wrong.to_string().contains("unauthorized") {
        return Err(format!(
            "the paired device with a wrong token: expected `unauthorized`: {wrong}"
        ));
    }
    Ok(format!(
        "{}: Control UI page (HTTP {}); a new device asked to pair (request {id}), approved, \
         handshake with the token: health ok; with a wrong token: `unauthorized`",
        browser.path(pod),
        page["status"]
    ))
}

/// What must survive `down` + `play`: openclaw.json, the state directory's entries, and
/// the Tailscale node's state where the profile has one.
struct State {
    config: String,
    entries: Vec<String>,
    tailscale: Option<String>,
}

fn state(pod: &Pod, profile: Profile) -> Result<State, String> {
    let config = pod.exec(GATEWAY, &[], &["cat", CONFIG]);
    let ls = pod.exec(GATEWAY, &[], &["ls", "-A", STATE_DIR]);
    if !config.ok() || !ls.ok() {
        return Err(format!("reading the state: {}{}", config.text(), ls.text()));
    }
    let tailscale = match profile.tailscale_state() {
        Some(file) => {
            let s = pod.exec(GATEWAY, &[], &["cat", file]);
            if !s.ok() {
                return Err(format!("reading {file}: {}", s.text()));
            }
            Some(s.stdout)
        }
        None => None,
    };
    Ok(State {
        config: config.stdout,
        // not OpenClaw's atomic writes in flight (`.fs-safe-<uuid>.tmp`, renamed a moment
        // later: seen in a listing before `down`, gone after it)
        entries: ls
            .stdout
            .lines()
            .filter(|e| !e.ends_with(".tmp"))
            .map(str::to_string)
            .collect(),
        tailscale,
    })
}

/// (4) `podman kube down` + `play` on the same volume (`between` runs while it is down),
/// after a user's change to `openclaw.json` (`openclaw config set`, as the gateway's user).
/// Every part that fails is named (the first line says how many).
fn keeps_state(pod: &Pod, profile: Profile, browser: &Browser, between: impl Fn(&Pod) -> Result<(), String>) -> Check {
    let set = pod.exec(
        GATEWAY,
        &GATEWAY_ENV,
        &["openclaw", "config", "set", USER_KEY, USER_VALUE],
    );
    if !set.ok() {
        return Err(format!("openclaw config set {USER_KEY}: {}", set.tail(10)));
    }
    let before = state(pod, profile)?;
    if !before.config.contains(USER_VALUE) {
        return Err(format!("{USER_KEY} is not in {CONFIG}: {}", before.config));
    }
    let down = pod.down()?;
    between(pod)?;
    let played = play_started(pod, "play")?;
    let after = state(pod, profile)?;
    // the new containers' logs: this start's only
    let log = pod.logs_tail(GATEWAY, 400);
    let mut checks = 4;
    let mut lost = Vec::new();
    if after.config != before.config {
        lost.push(format!(
            "{CONFIG} changed:\nbefore: {}\nafter:  {}",
            before.config, after.config
        ));
    }
    let gone: Vec<&String> = before.entries.iter().filter(|e| !after.entries.contains(e)).collect();
    if !gone.is_empty() {
        lost.push(format!("{STATE_DIR} lost {gone:?}"));
    }
    if !log.contains(&format!("config {CONFIG} already up to date")) {
        lost.push(format!(
            "the bootstrap did not find its config up to date:\n{}",
            pod.logs(GATEWAY)
        ));
    }
    if let Some(file) = profile.tailscale_state() {
        checks += 2;
        if after.tailscale != before.tailscale {
            lost.push(format!(
                "{file} changed:\nbefore: {:?}\nafter:  {:?}",
                before.tailscale, after.tailscale
            ));
        }
        if log.contains(LOGIN) {
            lost.push(format!(
                "the node logged in again (`{LOGIN}`: its state was lost?):\n{}",
                pod.logs(GATEWAY)
            ));
        }
    }
    let again = browser.connect(pod, TOKEN, "dev");
    if !(again["ok"] == true && again["response"]["ok"] == true) {
        lost.push(format!("the paired device was not admitted: {again}"));
    }
    if !lost.is_empty() {
        return Err(format!(
            "after down + play, {} of {checks} state checks failed:\n{}",
            lost.len(),
            lost.join("\n")
        ));
    }
    let new = browser.connect(pod, TOKEN, "dev-new");
    if new["code"] != "NOT_PAIRED" {
        return Err(format!("after down + play, a new device was not asked to pair: {new}"));
    }
    let probes = probes_pass(pod)?;
    subagent_call(pod)?;
    let tailscale = match profile.tailscale_state() {
        Some(file) => format!(
            "{file} byte for byte, no new login (`{LOGIN}` not logged); {}; ",
            serve_route(pod)?
        ),
        None => String::new(),
    };
    Ok(format!(
        "{USER_KEY} set; `{}` {down:.1}s; {played}; {CONFIG} byte for byte, {} entries of {STATE_DIR} kept, \
         config up to date; {tailscale}the paired device admitted without pairing (a new one asked to pair); {probes}; \
         sub-agent call ok",
        pod.verb("down"),
        before.entries.len()
    ))
}
