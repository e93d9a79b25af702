//! The tailnet paths' negative controls and real browser. The per-release
//! tailnet checks (a browser through the Serve stand-in on every serve case, the
//! sidecar's tailnet browser on every sidecar case) run on `tests/user_path.rs`'s
//! gateways, with the machinery of `tests/common/tailnet.rs`: Serve's reverse
//! proxy is `tests/clients/serve-proxy.mjs`, a stand-in that rewrites requests
//! exactly as `ipn/ipnlocal/serve.go` does, in the server namespace on the
//! server's address, proxying to the gateway on 127.0.0.1.
//!
//! Here, each on a gateway of its own:
//! - Tailscale identity with the release's own default (identity_default_*,
//!   `common::tailnet::check_identity`): the Serve stand-in asserts a user-owned
//!   peer's login and nobody for a tagged node or a non-peer, as serve.go
//!   does, and `tailscale whois` answers from the same netmap. With the
//!   release's default (`allowTailscale` true on serve) Alice gets in without
//!   the token (after pairing on 2026.2.23, at once on 2026.5.12 and
//!   2026.9.6); a tagged node or a LAN host forging `Tailscale-User-Login`,
//!   and Serve over plain HTTP (no `X-Forwarded-Proto`), are refused. With the
//!   serve render (`allowTailscale = false`) she is refused without the token:
//!   that runs on every serve case of `tests/user_path.rs`;
//! - the serve render without `gateway.trustedProxies` gets HTTP 403 "Proxy
//!   client attribution is required" through Serve on 2026.9.6 (the defect the
//!   step fixes), with the client and in Chromium;
//! - (ignored) the same in a real Chromium through Serve; the passing real
//!   Chromium on the tailnet runs on `user_path`'s serve gateways of 2026.2.19
//!   and 2026.9.6 (`check_chromium`);
//! - where only listed origins pass (2026.2.23 … 2026.5.12): the serve render
//!   without the tailnet origin is refused ("origin not allowed"); the sidecar
//!   with `[gateway] tls` lists `https://<name>:PORT` and its browser gets in
//!   over wss; the sidecar's node not Running within `TS_WAIT_SECONDS` (3 s):
//!   the gateway still starts, says once that the tailnet origin is not
//!   listed, the LAN browser gets in, the tailnet browser gets `origin not
//!   allowed`.

use std::time::Instant;

mod common;
use common::*;

/// Every check against the gateway `script` starts, through the Serve stand-in.
fn tailnet_path_of(case: Case, label: &str, script: &str) -> Result<String, String> {
    let name = case.name();
    let t = Topology::new()?;
    let g = start_gateway(case, label, script, &Net::Named(t.server.clone()))?
        .map_err(|n| format!("FINDING: {name}: the real gateway did not come up: {}", n.describe()))?;
    let mut report = vec![format!("gateway listening after {:.1?} in {}", g.after, t.server)];
    let checks = (|| -> Result<(), String> {
        report.extend(check_tailnet(&t, &g)?);
        Ok(())
    })();
    g.finish(checks).map_err(|e| format!("{name}: {e}"))?;
    Ok(report.join("\n"))
}

/// The render before the fix: no `gateway.trustedProxies`.
#[test]
#[ignore = "stale since the Serve stand-in proxies to the serve config's target: 2026.9.6 points Serve at its own Tailscale ingress listener (not 18789), which attributes Serve without gateway.trustedProxies; measured: the tailnet browser gets in without the step. Whether serve still needs trustedProxies on 2026.8.1+ is open (issue 18)"]
fn serve_2026_9_6_without_trusted_proxies_is_refused_through_serve() {
    let case = case("serve", "2026.9.6");
    let text = render_bootstrap(case);
    let step = "\n| .gateway.trustedProxies = [\"127.0.0.1\",\"::1\"]";
    assert_eq!(
        text.matches(step).count(),
        1,
        "the serve bootstrap has one trustedProxies step"
    );
    let broken = text.replace(step, "");
    let err = tailnet_path_of(case, "tailnet-serve-no-trusted-proxies", &broken)
        .expect_err("without trustedProxies 2026.9.6 must refuse the tailnet browser");
    assert!(
        err.contains("\"status\":403") && err.contains("GET https://"),
        "expected HTTP 403 for GET / through Serve, got: {err}"
    );
    eprintln!("negative control: {}", err.lines().next().unwrap_or_default());
}

/// The render before the fix, in a real browser: 2026.9.6 answers the tailnet
/// browser's page with HTTP 403; no pairing request, never connected.
#[test]
#[ignore = "stale since the Serve stand-in proxies to the serve config's target: 2026.9.6 points Serve at its own Tailscale ingress listener (not 18789), which attributes Serve without gateway.trustedProxies; measured: the tailnet browser gets in without the step. Whether serve still needs trustedProxies on 2026.8.1+ is open (issue 18)"]
fn serve_2026_9_6_without_trusted_proxies_chromium_is_refused() {
    let case = case("serve", "2026.9.6");
    let broken = render_bootstrap(case).replace("\n| .gateway.trustedProxies = [\"127.0.0.1\",\"::1\"]", "");
    let t = Topology::new().unwrap_or_else(|e| panic!("{e}"));
    let g = start_gateway(
        case,
        "chromium-no-trusted-proxies",
        &broken,
        &Net::Named(t.server.clone()),
    )
    .unwrap_or_else(|e| panic!("{e}"))
    .unwrap_or_else(|n| panic!("the real gateway did not come up: {}", n.describe()));
    let seen = chromium_through_serve(&t, &g);
    g.stop().unwrap_or_else(|e| panic!("{e}"));
    let Seen { page, request, .. } = seen.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(request, None, "{page}");
    assert_eq!(page["ok"], false, "{page}");
    let text = page["text"].as_str().unwrap_or_default();
    assert!(
        text.contains("Proxy client attribution is required"),
        "expected the 403 page: {page}"
    );
}

/// The serve render before ocgen listed the tailnet origin, on a release that
/// admits only listed origins (2026.2.23 … 2026.5.12): the tailnet browser's
/// page loads through Serve, but its WebSocket is refused ("origin not
/// allowed"). Skipped when the run has no such release.
#[test]
fn serve_without_the_tailnet_origin_is_refused_where_only_listed_origins_pass() {
    let Some(version) = releases()
        .iter()
        .copied()
        .find(|v| release::origin_check(v) == ocgen::data::versions::OriginCheck::Allowlist)
    else {
        skipped(
            "serve_without_the_tailnet_origin_is_refused_where_only_listed_origins_pass",
            "no release of this run admits only listed origins",
        );
        return;
    };
    let case = case("serve", version);
    let text = render_bootstrap(case);
    let step = "\n| .gateway.controlUi.allowedOrigins = ($ENV.OPENCLAW_TAILNET_ORIGIN | split(\",\"))";
    assert_eq!(
        text.matches(step).count(),
        1,
        "the serve bootstrap of {version} lists the tailnet origin once"
    );
    let err = tailnet_path_of(case, "tailnet-serve-no-origin", &text.replace(step, ""))
        .expect_err("without the tailnet origin the browser must be refused");
    assert!(
        err.contains("origin not allowed"),
        "expected `origin not allowed` for the tailnet browser on {version}, got: {err}"
    );
}

// ---------------------------------------------------------------------------
// sidecar

/// sidecar, published on the server's LAN address (OC111), its node
/// Running: the tailnet browser's path, and the origin the bootstrap listed.
fn sidecar_tailnet_path(case: Case) -> Result<String, String> {
    let name = case.name();
    let t = Topology::new()?;
    let case = case.published_on(&t.server_addr().to_string());
    let script = render_bootstrap(case);
    let beside = Beside {
        sidecar: Some(SidecarNode::Running),
        env: vec![],
        ..Default::default()
    };
    let g = start_gateway_beside(
        case,
        &format!("tailnet-{name}"),
        &script,
        &Net::Named(t.server.clone()),
        &beside,
    )?
    .map_err(|n| format!("FINDING: {name}: the real gateway did not come up: {}", n.describe()))?;
    let mut report = vec![format!("gateway listening after {:.1?} in {}", g.after, t.server)];
    let checks = check_sidecar_tailnet(&t, &g, &script).map(|r| report.extend(r));
    g.finish(checks).map_err(|e| format!("{name}: {e}"))?;
    Ok(report.join("\n"))
}

/// The first release of the run that admits only listed origins.
fn allowlist_release() -> Option<&'static str> {
    releases()
        .iter()
        .copied()
        .find(|v| release::origin_check(v) == ocgen::data::versions::OriginCheck::Allowlist)
}

/// `[gateway] tls`: the listed tailnet origin is `https://…:PORT`, and the
/// browser on it (a real secure context) gets in over wss. Skipped when the
/// run has no release that admits only listed origins.
#[test]
fn sidecar_tls_tailnet_browser_where_only_listed_origins_pass() {
    let Some(version) = allowlist_release() else {
        skipped(
            "sidecar_tls_tailnet_browser_where_only_listed_origins_pass",
            "no release of this run admits only listed origins",
        );
        return;
    };
    match sidecar_tailnet_path(case_tls("sidecar", version)) {
        Ok(report) => println!("{report}"),
        Err(e) => panic!("{e}"),
    }
}

/// The sidecar's node is not Running within TS_WAIT_SECONDS (not logged in
/// yet): on a release that admits only listed origins the gateway still
/// starts for the LAN, the log says the tailnet origin is not listed and
/// what to do, the LAN browser gets in, and the tailnet browser gets
/// `origin not allowed` (what every tailnet browser got before the bootstrap
/// asked the sidecar). Skipped when the run has no such release.
#[test]
fn sidecar_not_running_in_time_starts_for_the_lan_and_leaves_the_tailnet_origin_out() {
    let Some(version) = allowlist_release() else {
        skipped(
            "sidecar_not_running_in_time_starts_for_the_lan_and_leaves_the_tailnet_origin_out",
            "no release of this run admits only listed origins",
        );
        return;
    };
    let result = (|| -> Result<String, String> {
        let t = Topology::new()?;
        let case = case("sidecar", version).published_on(&t.server_addr().to_string());
        let name = case.name();
        let beside = Beside {
            sidecar: Some(SidecarNode::NeedsLogin),
            env: vec![("TS_WAIT_SECONDS".into(), "3".into())],
            ..Default::default()
        };
        let started = Instant::now();
        let g = start_gateway_beside(
            case,
            "tailnet-sidecar-not-running",
            &render_bootstrap(case),
            &Net::Named(t.server.clone()),
            &beside,
        )?
        .map_err(|n| {
            format!(
                "FINDING: {name}: the gateway did not start without the tailnet: {}",
                n.describe()
            )
        })?;
        let mut report = vec![format!("gateway listening after {:.1?}", started.elapsed())];
        let checks = (|| -> Result<(), String> {
            let log = bootstrap_log(&g);
            let line = log
                .lines()
                .find(|l| l.contains("tailnet origin not listed"))
                .ok_or("FINDING: the bootstrap did not say that the tailnet origin is not listed")?;
            for needle in ["not Running after 3s", "NeedsLogin", "restart the openclaw service"] {
                if !line.contains(needle) {
                    return Err(format!("FINDING: the log line does not say {needle:?}: {line}"));
                }
            }
            if log.matches("tailnet origin not listed").count() != 1 {
                return Err(format!("FINDING: the log says it more than once:\n{log}"));
            }
            report.push(format!("bootstrap: {}", line.trim()));
            let listed = allowed_origins(&g);
            if listed.iter().any(|o| o.contains(".ts.net")) {
                return Err(format!("FINDING: a tailnet origin was listed anyway: {listed:?}"));
            }
            report.push(format!("allowedOrigins {listed:?}"));
            PageOn::lan(&t, &g).pair_and_connect("LAN browser", &mut report)?;
            let tailnet = PageOn::tailnet(&t, &g, None);
            let dev = g.sb.path("laptop/tailnet browser").display().to_string();
            let refused = tailnet.ws(&tailnet.origin, TOKEN, &dev)?;
            if refused.ok || !refused.error().contains("origin not allowed") {
                return Err(format!(
                    "FINDING: the tailnet browser (origin not listed): expected `origin not allowed`, got {}",
                    refused.brief()
                ));
            }
            report.push(format!(
                "tailnet browser (Origin {}): origin not allowed",
                tailnet.origin
            ));
            Ok(())
        })();
        g.finish(checks).map_err(|e| format!("{name}: {e}"))?;
        Ok(report.join("\n"))
    })();
    match result {
        Ok(report) => println!("{report}"),
        Err(e) => panic!("{e}"),
    }
}

/// The serve bootstrap of `version` with the release's own default for
/// `gateway.auth.allowTailscale` (true for `tailscale.mode = serve` with token auth on
/// every listed release): the render without its step.
fn serve_script_with_the_release_default(version: &'static str) -> String {
    let text = render_bootstrap(case("serve", version));
    assert_eq!(
        text.matches(ALLOW_TAILSCALE_STEP).count(),
        1,
        "the serve bootstrap has one allowTailscale step"
    );
    text.replace(ALLOW_TAILSCALE_STEP, "")
}

/// The release's own default (the render without its step), on a serve gateway of its
/// own: Alice gets in without the token; tagged, forged and plain-HTTP requests do not.
/// (The render itself, `allowTailscale = false`, is checked on every serve case of
/// `tests/user_path.rs`: Alice needs the token too.)
fn identity_default(version: &'static str) {
    if !all_versions().contains(&version) {
        skipped(
            &format!("identity_default_{}", version.replace('.', "_")),
            &format!("{version} is not a release of this run (OCGEN_RELEASES)"),
        );
        return;
    }
    let case = case("serve", version);
    let name = case.name();
    let result = (|| -> Result<Vec<String>, String> {
        let t = Topology::new()?;
        let script = serve_script_with_the_release_default(version);
        let g = start_gateway(
            case,
            &format!("identity-default-{name}"),
            &script,
            &Net::Named(t.server.clone()),
        )?
        .map_err(|n| format!("FINDING: {name}: the real gateway did not come up: {}", n.describe()))?;
        let mut report = vec![format!(
            "{name}: gateway listening after {:.1?}; Serve proxies to {}",
            g.after,
            g.serve_proxies.join(", ")
        )];
        let checks = check_identity(&t, &g, true, &mut report);
        g.finish(checks)
            .map_err(|e| format!("{name}: {e}\n{}", report.join("\n")))?;
        Ok(report)
    })();
    match result {
        Ok(report) => eprintln!("{}", report.join("\n")),
        Err(e) => panic!("{e}"),
    }
}

#[test]
fn identity_default_2026_2_19() {
    identity_default("2026.2.19");
}

#[test]
fn identity_default_2026_2_23() {
    identity_default("2026.2.23");
}

#[test]
fn identity_default_2026_5_12() {
    identity_default("2026.5.12");
}

#[test]
fn identity_default_2026_9_6() {
    identity_default("2026.9.6");
}
