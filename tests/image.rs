//! The image itself (issue 21, docs/image.md), on the engine of tests/docker_e2e.rs: the
//! serve profile on 2026.9.6 with the default `[image] browser = true`, built from the
//! rendered Dockerfile unchanged.
//!
//! - its size stays under the issue's limit (1.3 GB with the browser);
//! - the browser it ships starts as OpenClaw's browser tool launches it
//!   (`tests/docker/browser-launch.mjs`: the first executable of OpenClaw's Linux list,
//!   OpenClaw's arguments, the DevTools endpoint, playwright-core's `connectOverCDP`), as
//!   the gateway's user, with no network: it opens a page served inside the container,
//!   runs its script, takes a screenshot, and leaves no process behind when stopped;
//!   with 2026.9.6's arguments and with 2026.2.19's (no `--headless` by default);
//! - OpenClaw's own browser tool, driven through the gateway as a user or an agent does
//!   (`openclaw browser start | open URL | snapshot` in the gateway's container, as its
//!   user, with the gateway started by the rendered bootstrap under `compose up`), opens
//!   a page served inside the container and reads back what its script wrote: on
//!   2026.9.6 and 2026.2.19. The render must give the tool `browser.noSandbox` (and
//!   `browser.headless`); the ignored negative control
//!   `without_the_browser_keys_the_gateways_browser_tool_fails` removes them from the
//!   rendered patch and shows the tool failing (`No usable sandbox!`).

mod common;

use common::docker::{GATEWAY_ENV, HEALTHY_LIMIT, Project, engine, lane, mutate, render, render_with, root};

/// Issue 21: serve on 2026.9.6 with the browser, bytes (`docker image inspect .Size`).
const LIMIT_WITH_BROWSER: u64 = 1_300_000_000;

#[test]
fn serve_on_2026_9_6_is_lean_and_its_browser_renders_a_page() {
    let _lane = lane();
    let dir = render("serve", "2026.9.6");
    let image = engine()
        .build(dir.path(), "ocgen-image/serve:2026.9.6")
        .unwrap_or_else(|e| panic!("{e}"));
    eprintln!(
        "serve@2026.9.6: image {} is {:.3} GB, built in {:.0}s",
        image.tag,
        image.bytes as f64 / 1e9,
        image.secs
    );
    let script = root().join("tests/docker/browser-launch.mjs");
    let mut failures = Vec::new();
    for flags in [&[][..], &["--openclaw-2026.2.19"][..]] {
        let mut cmd = vec![
            "setpriv",
            "--reuid=1000",
            "--regid=1000",
            "--clear-groups",
            "--inh-caps=-all",
            "--no-new-privs",
            "--",
            "node",
            "/check/browser-launch.mjs",
        ];
        cmd.extend_from_slice(flags);
        let out = engine().run_on(
            "none",
            &image.tag,
            &[(script.as_path(), "/check/browser-launch.mjs")],
            &[],
            &cmd,
        );
        eprintln!("browser {flags:?}: {}", out.stdout.trim());
        if !out.ok() {
            failures.push(format!("browser {flags:?}: {}", out.text()));
        }
    }
    if image.bytes > LIMIT_WITH_BROWSER {
        failures.push(format!(
            "the image is {} bytes, over issue 21's {LIMIT_WITH_BROWSER} (docs/image.md)",
            image.bytes
        ));
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Where the page is served inside the gateway's container.
const PAGE_PORT: u16 = 18790;
/// What the page's script writes into it (the static text says otherwise).
const PAGE_MARK: &str = "written-by-the-page-script-42";
/// deploy.toml: the page's address through the browser tool's SSRF guard.
const PAGE_ALLOWED: &str = "[openclaw.config]\n\"browser.ssrfPolicy.allowedHostnames\" = [\"127.0.0.1\"]\n";

#[test]
fn the_gateways_browser_tool_opens_a_page_on_2026_9_6() {
    let _lane = lane();
    let msg = browser_tool("2026.9.6", false).unwrap_or_else(|e| panic!("{e}"));
    eprintln!("{msg}");
}

#[test]
fn the_gateways_browser_tool_opens_a_page_on_2026_2_19() {
    let _lane = lane();
    let msg = browser_tool("2026.2.19", false).unwrap_or_else(|e| panic!("{e}"));
    eprintln!("{msg}");
}

/// Negative control: the render before `browser.noSandbox`/`browser.headless` were
/// written (the two patch steps removed from bootstrap.sh): the tool cannot start the
/// browser. `cargo test --test image -- --ignored --nocapture without_the_browser_keys`
#[test]
#[ignore = "negative control, run by hand"]
fn without_the_browser_keys_the_gateways_browser_tool_fails() {
    let _lane = lane();
    for version in ["2026.9.6", "2026.2.19"] {
        match browser_tool(version, true) {
            Ok(msg) => panic!("{version}: the browser tool worked without the keys: {msg}"),
            Err(e) => eprintln!("{version} without the browser keys, as expected: {e}"),
        }
    }
}

/// serve on `version` with the default `[image] browser = true`: build, `compose up`,
/// wait for `healthy`, serve a page in the container, then OpenClaw's browser CLI (which
/// asks the gateway, whose browser tool starts and drives Chromium) as the gateway's
/// user: `start`, `open http://127.0.0.1:PAGE_PORT/`, `snapshot`. Err unless the
/// snapshot holds what the page's script wrote. `old_render`: the patch without the
/// browser keys.
fn browser_tool(version: &str, old_render: bool) -> Result<String, String> {
    // The fenced engine has no Internet, so the page is on loopback in the container,
    // which the tool's SSRF guard refuses by default ("browser navigation blocked by
    // policy", 2026.9.6): the deploy.toml allows that one address, as a user who wants
    // the agent on an internal page writes it.
    let dir = render_with("serve", version, PAGE_ALLOWED);
    if old_render {
        let boot = std::fs::read_to_string(dir.path().join("bootstrap.sh")).unwrap();
        let headless = if boot.contains("\n| .browser.headless = true\n") {
            "\n| .browser.headless = true\n"
        } else {
            "\n| .browser.headless = true'"
        };
        mutate(dir.path(), "bootstrap.sh", "\n| .browser.noSandbox = true", "");
        mutate(
            dir.path(),
            "bootstrap.sh",
            "\n| .browser.defaultProfile = \"openclaw\"",
            "",
        );
        mutate(
            dir.path(),
            "bootstrap.sh",
            headless,
            if headless.ends_with('\'') { "'" } else { "\n" },
        );
    }
    let tag = format!("ocgen-image/serve:{version}{}", if old_render { "-old" } else { "" });
    let image = engine().build(dir.path(), &tag)?;
    let name = format!(
        "ocgen-image-browser-{}{}",
        version.replace('.', "-"),
        if old_render { "-old" } else { "" }
    );
    let p = Project::new(dir.path(), &name, &image.tag, &["openclaw"], "proxy");
    p.compose(&["down", "-v", "--remove-orphans", "--timeout", "2"]);
    // timed like a user's start; a slow first start (2026.2.19 transpiles its plugins)
    // may pass through `unhealthy` before it listens
    let (_, healthy, unhealthy) = p.up_admitted_healthy(18789)?;
    let config = p.exec_as("node", "openclaw", &[], &["cat", "/data/.openclaw/openclaw.json"]);
    let config: serde_json::Value =
        serde_json::from_str(&config.stdout).map_err(|e| format!("openclaw.json: {e}: {}", config.text()))?;
    let browser_config = config["browser"].clone();
    serve_page(&p)?;
    let tool = |args: &[&str]| {
        let mut argv = vec!["openclaw", "browser", "--timeout", "90000"];
        argv.extend_from_slice(args);
        let out = p.exec_as("node", "openclaw", &GATEWAY_ENV, &argv);
        eprintln!(
            "{version}: openclaw browser {}: exit {:?} in {:.1}s\n{}",
            args.join(" "),
            out.code,
            out.secs,
            out.tail(12)
        );
        out
    };
    let url = format!("http://127.0.0.1:{PAGE_PORT}/");
    let mut start = tool(&["start"]);
    // 2026.2.19's CLI gives `start` fixed deadlines, `--timeout` ignored
    // (`runBrowserToggle`): 15 s for the start, then 1.5 s for the status it prints. The
    // gateway goes on starting Chromium after either: on a busy 2-core machine the first
    // start took 25.5 s (CI, stop 27); with the container held to 0.3 CPU the status
    // read missed its 1.5 s. A user then waits for `status` to say running and runs
    // `start` again, a no-op; so does this test.
    let mut slow_start = String::new();
    let fixed_deadline = ["gateway timeout after 15000ms", "gateway timeout after 1500ms"];
    if version == "2026.2.19" && !start.ok() && fixed_deadline.iter().any(|d| start.text().contains(d)) {
        let waited = std::time::Instant::now();
        while waited.elapsed() < std::time::Duration::from_secs(90)
            && !tool(&["status"]).stdout.contains("running: true")
        {
            std::thread::sleep(std::time::Duration::from_secs(2));
        }
        let first = start.secs;
        start = tool(&["start"]);
        slow_start = format!(
            " (the first start ended at one of the CLI's fixed deadlines after {first:.1}s; running {:.0}s later)",
            waited.elapsed().as_secs_f64()
        );
    }
    let open = tool(&["open", &url]);
    let snapshot = tool(&["snapshot", "--format", "aria"]);
    let status = tool(&["status"]);
    let report = format!(
        "serve@{version} (image {:.3} GB): healthy {healthy:.0}s after `compose up`{}; openclaw.json browser = {browser_config}; \
         browser start {:.1}s{slow_start}, open {:.1}s, snapshot {:.1}s",
        image.bytes as f64 / 1e9,
        unhealthy.map_or(String::new(), |u| format!(" (unhealthy at {u:.0}s first)")),
        start.secs,
        open.secs,
        snapshot.secs
    );
    if start.ok() && open.ok() && snapshot.ok() && snapshot.stdout.contains(PAGE_MARK) {
        Ok(report)
    } else {
        Err(format!(
            "{report}\nstart: {}\nopen: {}\nsnapshot (want {PAGE_MARK:?}): {}\nstatus: {}\n--- gateway log ---\n{}",
            start.tail(15),
            open.tail(10),
            snapshot.tail(20),
            status.tail(15),
            p.logs("openclaw", None)
        ))
    }
}

/// A page on 127.0.0.1:PAGE_PORT in the gateway's container (the image's Node, as the
/// gateway's user, detached): static text that its script replaces with [`PAGE_MARK`].
fn serve_page(p: &Project) -> Result<(), String> {
    let js = format!(
        r#"require("http").createServer((q, r) => {{ r.writeHead(200, {{"content-type": "text/html"}}); r.end('<!doctype html><title>ocgen page</title><h1 id="t">static text</h1><script>document.getElementById("t").textContent = "written-by-the-page-script-" + (6 * 7)</script>'); }}).listen({PAGE_PORT}, "127.0.0.1")"#
    );
    let id = p.container("openclaw");
    let out = p.engine.docker(&["exec", "-d", "-u", "node", &id, "node", "-e", &js]);
    if !out.ok() {
        return Err(format!("serving the page: {}", out.text()));
    }
    let check = format!(
        "for _ in $(seq 50); do (exec 3<>/dev/tcp/127.0.0.1/{PAGE_PORT}) 2>/dev/null && exit 0; sleep 0.1; done; exit 1"
    );
    let up = p.exec_as("node", "openclaw", &[], &["bash", "-c", &check]);
    if up.ok() {
        Ok(())
    } else {
        Err(format!("the page server did not listen: {}", up.text()))
    }
}

// ---------------------------------------------------------------------------
// The per-profile benchmark (scripts/bench-image.sh is the entry point)

/// The release a version bump comes from (the same Node major: only the install and the
/// final stage rebuild).
fn previous_release(version: &str) -> &'static str {
    match version {
        "2026.9.6" => "2026.9.5",
        "2026.2.19" => "2026.2.17",
        v => panic!("no bump source listed for {v}"),
    }
}

fn env_list(var: &str, default: &str) -> Vec<String> {
    std::env::var(var)
        .ok()
        .filter(|v| !v.trim().is_empty())
        .unwrap_or_else(|| default.to_string())
        .split_whitespace()
        .map(str::to_string)
        .collect()
}

/// The 1-minute load average now (the machine is shared: cold builds are upper bounds).
fn load() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|l| l.split_whitespace().next().map(str::to_string))
        .unwrap_or_else(|| "?".into())
}

/// A result row: printed, and appended to `$OCGEN_BENCH_OUT` if set.
fn row(table: &str, cells: &[String]) {
    let line = format!("BENCH {table} | {} |", cells.join(" | "));
    eprintln!("{line}");
    if let Some(path) = std::env::var_os("OCGEN_BENCH_OUT") {
        use std::io::Write as _;
        let mut f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .expect("OCGEN_BENCH_OUT");
        writeln!(f, "{line}").expect("write OCGEN_BENCH_OUT");
    }
}

/// deploy.toml text after `[openclaw]` for a profile (domain needs its domain).
fn bench_extra(profile: &str, browser: bool, engine24: bool) -> String {
    let mut extra = format!("[image]\nbrowser = {browser}\n");
    if profile == "domain" || engine24 {
        extra.push_str("[coolify]\n");
    }
    if profile == "domain" {
        // the proxy's address given, so no Coolify proxy must be on the network to resolve
        extra.push_str("domain = \"https://claw.example.com\"\ntrusted_proxies = [\"10.0.0.2\"]\n");
    }
    if engine24 {
        extra.push_str("docker_engine = 24\n");
    }
    extra
}

/// The Dockerfile without its comments: profiles whose Dockerfiles are equal but for
/// comments share every layer but the final stage's `COPY bootstrap.sh`.
fn dockerfile_key(dir: &std::path::Path) -> String {
    std::fs::read_to_string(dir.join("Dockerfile"))
        .unwrap()
        .lines()
        .filter(|l| !l.trim_start().starts_with('#'))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The stages whose steps BuildKit ran rather than took from its cache, from its plain
/// log (`#N [stage i/n] STEP`, then `#N CACHED` or `#N DONE …`; `FROM` steps say DONE
/// either way and are left out).
fn rebuilt_stages(log: &str) -> Vec<String> {
    let mut stage_of = std::collections::HashMap::new();
    let mut rebuilt: Vec<String> = Vec::new();
    for line in log.lines() {
        let Some((id, rest)) = line.split_once(' ') else {
            continue;
        };
        if !id.starts_with('#') {
            continue;
        }
        if let Some(step) = rest.strip_prefix('[') {
            if let Some((stage, what)) = step.split_once(' ') {
                if !what.contains("] FROM ") && !stage.starts_with("internal") {
                    stage_of.insert(id.to_string(), stage.to_string());
                }
            }
        } else if rest.starts_with("DONE ") {
            if let Some(stage) = stage_of.get(id) {
                if !rebuilt.contains(stage) {
                    rebuilt.push(stage.clone());
                }
            }
        }
    }
    rebuilt
}

/// Per profile and release: image size with `[image] browser` on and off, build times
/// (`--no-cache` once per distinct Dockerfile, see `OCGEN_BENCH_COLD`), the rebuild after
/// changing `[openclaw] version`, and `compose up` → first admitted client → `healthy` on
/// Engine 26 and on 20.10 (rendered with `docker_engine = 24`, the image copied over).
///
/// Selection (space-separated, defaults in brackets): `OCGEN_BENCH_PROFILES` [lan-patch
/// sidecar serve domain], `OCGEN_BENCH_VERSIONS` [2026.9.6 2026.2.19], `OCGEN_BENCH_COLD`
/// [on]: which browser settings get a `--no-cache` build (on, off, or both: "on off";
/// "none"), `OCGEN_BENCH_COLD_PROFILES`, `OCGEN_BENCH_BUMP_PROFILES`,
/// `OCGEN_BENCH_FLOOR_PROFILES` [all selected profiles]: which profiles get a cold
/// build, a version change, a run on the floor engine; `OCGEN_BENCH_STEPS` [images bump
/// start floor].
#[test]
#[ignore = "a benchmark: scripts/bench-image.sh"]
fn bench_image() {
    use common::docker::{CURRENT, FLOOR, engine_of};
    use std::collections::HashMap;
    let _lane = lane();
    let profiles = env_list("OCGEN_BENCH_PROFILES", "lan-patch sidecar serve domain");
    let versions = env_list("OCGEN_BENCH_VERSIONS", "2026.9.6 2026.2.19");
    let cold_for = env_list("OCGEN_BENCH_COLD", "on");
    let steps = env_list("OCGEN_BENCH_STEPS", "images bump start floor");
    let all = profiles.join(" ");
    let cold_profiles = env_list("OCGEN_BENCH_COLD_PROFILES", &all);
    let bump_profiles = env_list("OCGEN_BENCH_BUMP_PROFILES", &all);
    let floor_profiles = env_list("OCGEN_BENCH_FLOOR_PROFILES", &all);
    let e = engine();
    let gb = |b: u64| format!("{:.3}", b as f64 / 1e9);
    for version in &versions {
        if steps.iter().any(|s| s == "images") {
            // Every image from the store's cache first (what ran is reported), then one
            // `--no-cache` build per distinct Dockerfile: BuildKit does not reuse what a
            // `--no-cache` build made, so doing it first would rebuild the others too.
            // Dockerfile (without comments) -> the profile that built it first
            let mut seen: HashMap<String, String> = HashMap::new();
            let mut cold_builds = Vec::new();
            for browser in [true, false] {
                for profile in &profiles {
                    let dir = render_with(profile, version, &bench_extra(profile, browser, false));
                    let key = dockerfile_key(dir.path());
                    let first = seen.get(&key).cloned();
                    let on_off = if browser { "on" } else { "off" };
                    let load_before = load();
                    let tag = format!(
                        "ocgen-bench/{profile}:{version}-{}",
                        if browser { "browser" } else { "nobrowser" }
                    );
                    let (image, log) = e
                        .build_logged(dir.path(), &tag, false)
                        .unwrap_or_else(|err| panic!("{err}"));
                    let how = match &first {
                        Some(p) => format!("Dockerfile as {p}'s but comments"),
                        None => "from the store's cache".into(),
                    };
                    let rebuilt = rebuilt_stages(&log);
                    let how = if rebuilt.is_empty() {
                        format!("{how}; every stage cached")
                    } else {
                        format!("{how}; ran {}", rebuilt.join(", "))
                    };
                    if first.is_none() && cold_profiles.contains(profile) && cold_for.iter().any(|c| c == on_off) {
                        cold_builds.push((profile.clone(), on_off, dir));
                    }
                    seen.entry(key).or_insert_with(|| profile.clone());
                    row(
                        "image",
                        &[
                            profile.clone(),
                            version.clone(),
                            on_off.into(),
                            gb(image.bytes),
                            how,
                            format!("{:.0} s", image.secs),
                            format!("{load_before} → {}", load()),
                        ],
                    );
                }
            }
            for (profile, on_off, dir) in cold_builds {
                let load_before = load();
                let tag = format!("ocgen-bench/cold:{version}-{on_off}");
                let (image, _) = e
                    .build_logged(dir.path(), &tag, true)
                    .unwrap_or_else(|err| panic!("{err}"));
                row(
                    "image",
                    &[
                        profile,
                        version.clone(),
                        on_off.into(),
                        gb(image.bytes),
                        "cold (`--no-cache`)".into(),
                        format!("{:.0} s", image.secs),
                        format!("{load_before} → {}", load()),
                    ],
                );
                let _ = e.docker(&["image", "rm", &tag]);
            }
        }
        if steps.iter().any(|s| s == "bump") {
            // Build the previous release, then this one: only the install and the final
            // stage may rebuild. Only Dockerfiles that differ by more than comments.
            let mut seen = Vec::new();
            for profile in profiles.iter().filter(|p| bump_profiles.contains(p)) {
                let dir = render_with(profile, version, &bench_extra(profile, true, false));
                let key = dockerfile_key(dir.path());
                if seen.contains(&key) {
                    continue;
                }
                seen.push(key);
                // `version`'s image is built (the images step, or now); the change to the
                // previous release invalidates what a bump to `version` would (the install's
                // `package.json` line), and this store does not have it cached
                // (the stages column says if it had).
                e.build(dir.path(), &format!("ocgen-bench/{profile}:{version}-browser"))
                    .unwrap_or_else(|err| panic!("{err}"));
                let from = previous_release(version);
                let old = render_with(profile, from, &bench_extra(profile, true, false));
                let load_before = load();
                let (image, log) = e
                    .build_logged(old.path(), &format!("ocgen-bench/{profile}:{from}-browser"), false)
                    .unwrap_or_else(|err| panic!("{err}"));
                row(
                    "bump",
                    &[
                        profile.clone(),
                        format!("{version} → {from}"),
                        format!("{:.0} s", image.secs),
                        rebuilt_stages(&log).join(", "),
                        format!("{load_before} → {}", load()),
                    ],
                );
            }
        }
        for (step, engine_name) in [("start", CURRENT), ("floor", FLOOR)] {
            if !steps.iter().any(|s| s == step) {
                continue;
            }
            let target = engine_of(engine_name);
            let floor = engine_name == FLOOR;
            for profile in profiles.iter().filter(|p| !floor || floor_profiles.contains(p)) {
                let dir = render_with(profile, version, &bench_extra(profile, true, floor));
                let tag = format!("ocgen-bench/{profile}:{version}-browser");
                let image = e.build(dir.path(), &tag).unwrap_or_else(|err| panic!("{err}"));
                if floor {
                    e.copy_image_to(target, &image.tag)
                        .unwrap_or_else(|err| panic!("{err}"));
                }
                let services: &[&str] = if profile == "sidecar" {
                    &["tailscale", "openclaw"]
                } else {
                    &["openclaw"]
                };
                let name = format!(
                    "ocgen-bench-{}-{}-{}",
                    engine_name.replace('.', "-"),
                    profile,
                    version.replace('.', "-")
                );
                let p = Project::new(dir.path(), &name, &image.tag, services, "proxy").on(target);
                p.compose(&["down", "-v", "--remove-orphans", "--timeout", "2"]);
                let load_before = load();
                let cells = match p.up_admitted_healthy(18789) {
                    Ok((admitted, healthy, unhealthy)) => {
                        // the sidecar's own healthcheck too
                        let all = p
                            .wait_healthy(services, HEALTHY_LIMIT)
                            .map_or_else(|e| e, |_| String::new());
                        vec![
                            format!("{admitted:.1} s"),
                            format!("{healthy:.1} s"),
                            format!(
                                "{:+.1} s{}{all}",
                                healthy - admitted,
                                unhealthy.map_or(String::new(), |u| format!(" (`unhealthy` at {u:.0} s first)"))
                            ),
                        ]
                    }
                    Err(err) => vec![
                        format!("failed: {}", err.lines().next().unwrap_or_default()),
                        String::new(),
                        String::new(),
                    ],
                };
                let mut all = vec![
                    profile.clone(),
                    version.clone(),
                    format!(
                        "{} ({})",
                        engine_name,
                        if floor {
                            "docker_engine = 24"
                        } else {
                            "start_interval 1s"
                        }
                    ),
                ];
                all.extend(cells);
                all.push(format!("{load_before} → {}", load()));
                row("start", &all);
                drop(p);
                if floor {
                    let _ = target.docker(&["image", "rm", &image.tag]);
                }
            }
        }
    }
}

#[test]
fn rebuilt_stages_reads_buildkits_plain_log() {
    let log = "#1 [internal] load build definition from Dockerfile\n#1 DONE 0.0s\n\
               #12 [base 1/3] FROM docker.io/library/debian:bookworm-slim\n#12 DONE 0.0s\n\
               #6 [base 2/3] RUN printf x\n#6 CACHED\n\
               #9 [openclaw-install 2/2] RUN printf '{}' > package.json\n#9 0.512 added 1 package\n#9 DONE 112.3s\n\
               #17 [final 2/4] COPY bootstrap.sh /usr/local/bin/bootstrap.sh\n#17 DONE 0.1s\n\
               #16 [final 3/4] RUN chmod 0755 /usr/local/bin/bootstrap.sh\n#16 CACHED\n";
    assert_eq!(rebuilt_stages(log), ["openclaw-install", "final"]);
    assert!(rebuilt_stages("#6 [base 2/3] RUN x\n#6 CACHED\n").is_empty());
}
