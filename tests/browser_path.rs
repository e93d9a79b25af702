//! A real browser on the LAN: Debian's Chromium (headless, driven over the
//! DevTools protocol by `tests/clients/chromium.mjs`) on the laptop opens the
//! Control UI of the real gateway that the rendered `bootstrap.sh` started in
//! the server namespace (`tests/common/`), as a user does:
//!
//! - lan-patch with `[gateway] tls = "self-signed"`, on every release: the user
//!   accepts the certificate (Chromium accepts exactly its SPKI hash), opens
//!   `https://<LAN IP>:PORT/#token=…`; the page is a secure context with
//!   WebCrypto, so the Control UI makes its device identity and asks for
//!   pairing; the operator approves the request inside the server (`openclaw
//!   devices approve`); the same page then connects on its own and shows the
//!   gateway's data.
//! - the default plain-http render, `http://<LAN IP>:PORT/`: the page is no
//!   secure context (no WebCrypto). 2026.2.19 refuses the Control UI and no
//!   pairing request ever reaches the gateway (the negative control: the user
//!   never gets in); 2026.9.6's Control UI still pairs and gets in, with the
//!   token in clear on the LAN (both measured here; lint OC120).
mod common;

use std::time::{Duration, Instant};

use common::*;
use serde_json::Value;

const CLI: Duration = Duration::from_secs(60);

/// What a LAN browser got.
struct Outcome {
    /// The driver's last JSON line.
    page: Value,
    /// The pairing request the Control UI made, approved by the operator.
    request: Option<String>,
}

/// A user on the laptop opens the Control UI with the token (https with the
/// certificate accepted, or plain http), the operator approves the browser's
/// pairing request inside the server when one comes, and the page is watched
/// until it shows the connected Control UI (or [`BROWSER_WAIT_MS`] pass).
/// With `refusal`, the page may end on that text instead: the watch stops as
/// soon as it shows, and the gateway is then asked once for a pairing request
/// (none may have come), rather than every half second until a time-out.
fn lan_browser(version: &'static str, tls: bool, refusal: Option<&'static str>) -> Outcome {
    let t = Topology::new().unwrap_or_else(|e| panic!("{e}"));
    let case = if tls {
        case_tls("lan-patch", version)
    } else {
        case("lan-patch", version)
    }
    .published_on(&t.server_addr().to_string());
    let name = case.name();
    let g = start_gateway(
        case,
        &format!("browser-{name}"),
        &render_bootstrap(case),
        &Net::Named(t.server.clone()),
    )
    .unwrap_or_else(|e| panic!("{e}"))
    .unwrap_or_else(|n| panic!("{name}: the real gateway did not come up: {}", n.describe()));
    let spki = tls.then(|| spki_hash(&g.sb.path("data/.openclaw/gateway/tls/gateway-cert.pem")));
    let profile = g.sb.path("out/chromium");
    std::fs::create_dir_all(&profile).unwrap();
    let scheme = if tls { "https" } else { "http" };
    let url = format!("{scheme}://{}:{PORT}/#token={TOKEN}", t.server_addr());
    let laptop = t.laptop_addr().to_string();
    let mut until = control_ui_connected_texts(version).to_vec();
    until.extend(refusal);
    let browser = Browser::open(&t.laptop, &url, &profile, spki.as_deref(), None, &until);
    // The operator approves the browser's request once it is there.
    let start = Instant::now();
    let mut request = None;
    while refusal.is_none() && start.elapsed() < Duration::from_secs(40) {
        if let Some(id) = pending_request(&g, Some(&laptop)).unwrap_or_else(|e| panic!("{name}: {e}")) {
            let approve = g.openclaw(&["devices", "approve", &id, "--json"], &[], CLI).unwrap();
            assert!(approve.ok(), "{name}: devices approve {id}: {}", approve.describe());
            request = Some(id);
            break;
        }
        std::thread::sleep(Duration::from_millis(500));
    }
    let page = browser.result();
    if refusal.is_some() {
        request = pending_request(&g, Some(&laptop)).unwrap_or_else(|e| panic!("{name}: {e}"));
    }
    eprintln!("{name}: Chromium on {url}: pairing request {request:?}; {page}");
    let output = g.output();
    g.stop().unwrap_or_else(|e| panic!("{name}: {e}\n{output}"));
    Outcome { page, request }
}

/// Over https the page is a secure context with WebCrypto; the Control UI asks
/// to be paired, and once the operator approved it, connects on its own.
fn lan_browser_over_https(version: &'static str) {
    let o = lan_browser(version, true, None);
    let p = &o.page;
    assert_eq!(p["secureContext"], true, "{version}: {p}");
    assert_eq!(p["subtle"], true, "{version}: WebCrypto in the page: {p}");
    assert!(
        o.request.is_some(),
        "{version}: the Control UI made no pairing request: {p}"
    );
    assert_eq!(
        p["ok"], true,
        "{version}: the approved browser did not get the connected Control UI: {p}"
    );
}

#[test]
fn lan_browser_over_https_2026_9_6() {
    lan_browser_over_https("2026.9.6");
}

#[test]
fn lan_browser_over_https_2026_2_19() {
    lan_browser_over_https("2026.2.19");
}

/// Negative control, the default plain-http render on 2026.2.19: the page is
/// no secure context, no pairing request reaches the gateway, the session is
/// refused, and the user never gets in.
#[test]
fn lan_browser_over_plain_http_2026_2_19_is_refused() {
    const REFUSAL: &str = "requires HTTPS or localhost";
    let o = lan_browser("2026.2.19", false, Some(REFUSAL));
    let p = &o.page;
    assert_eq!(p["secureContext"], false, "{p}");
    assert_eq!(o.request, None, "a pairing request from an insecure context: {p}");
    assert_eq!(
        p["matched"], REFUSAL,
        "the Control UI should show the gateway's refusal (and never the connected Control UI): {p}"
    );
}

/// Measured: 2026.9.6's Control UI gets in over plain http too (it makes a device
/// identity without WebCrypto); only the transport is in clear (lint OC120).
#[test]
fn lan_browser_over_plain_http_2026_9_6_gets_in_after_pairing() {
    let o = lan_browser("2026.9.6", false, None);
    let p = &o.page;
    assert_eq!(p["secureContext"], false, "{p}");
    assert_eq!(p["subtle"], false, "{p}");
    assert!(o.request.is_some(), "no pairing request: {p}");
    assert_eq!(p["ok"], true, "{p}");
}
