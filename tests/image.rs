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

use common::docker::{HEALTHY_LIMIT, Project, engine, exclusive, mutate, render, render_with, root};

/// Issue 21: serve on 2026.9.6 with the browser, bytes (`docker image inspect .Size`).
const LIMIT_WITH_BROWSER: u64 = 1_300_000_000;

#[test]
fn serve_on_2026_9_6_is_lean_and_its_browser_renders_a_page() {
    let _one_at_a_time = exclusive();
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

/// The gateway's environment for its own CLI in the container (what a sub-agent inherits).
const GATEWAY_ENV: [(&str, &str); 2] = [
    ("OPENCLAW_STATE_DIR", "/data/.openclaw"),
    ("OPENCLAW_CONFIG_PATH", "/data/.openclaw/openclaw.json"),
];
/// Where the page is served inside the gateway's container.
const PAGE_PORT: u16 = 18790;
/// What the page's script writes into it (the static text says otherwise).
const PAGE_MARK: &str = "written-by-the-page-script-42";
/// deploy.toml: the page's address through the browser tool's SSRF guard.
const PAGE_ALLOWED: &str = "[openclaw.config]\n\"browser.ssrfPolicy.allowedHostnames\" = [\"127.0.0.1\"]\n";

#[test]
fn the_gateways_browser_tool_opens_a_page_on_2026_9_6() {
    let _one_at_a_time = exclusive();
    let msg = browser_tool("2026.9.6", false).unwrap_or_else(|e| panic!("{e}"));
    eprintln!("{msg}");
}

#[test]
fn the_gateways_browser_tool_opens_a_page_on_2026_2_19() {
    let _one_at_a_time = exclusive();
    let msg = browser_tool("2026.2.19", false).unwrap_or_else(|e| panic!("{e}"));
    eprintln!("{msg}");
}

/// Negative control: the render before `browser.noSandbox`/`browser.headless` were
/// written (the two patch steps removed from bootstrap.sh): the tool cannot start the
/// browser. `cargo test --test image -- --ignored --nocapture without_the_browser_keys`
#[test]
#[ignore = "negative control, run by hand"]
fn without_the_browser_keys_the_gateways_browser_tool_fails() {
    let _one_at_a_time = exclusive();
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
    p.up()?;
    let healthy = p.wait_healthy(&["openclaw"], HEALTHY_LIMIT)?;
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
    let start = tool(&["start"]);
    let open = tool(&["open", &url]);
    let snapshot = tool(&["snapshot", "--format", "aria"]);
    let status = tool(&["status"]);
    let report = format!(
        "serve@{version} (image {:.3} GB): healthy {healthy:.0}s after `compose up`; openclaw.json browser = {browser_config}; \
         browser start {:.1}s, open {:.1}s, snapshot {:.1}s",
        image.bytes as f64 / 1e9,
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
