//! `[gateway] tls = "self-signed"` (lan-patch and sidecar): the gateway
//! serves `https://` and `wss://` on its own port, so a browser on the LAN
//! has a secure context (a page over plain `http://` to a LAN address has
//! none, so no device identity, and both known releases refuse its Control
//! UI session). Measured on the real gateways (`tests/user_path.rs`,
//! `*_tls_*`):
//!
//! - Both releases read `gateway.tls` {enabled, certPath, keyPath,
//!   autoGenerate} and serve TLS 1.3 only on the port (a plain `http://`
//!   request gets no answer). Their own `autoGenerate` runs `openssl req
//!   -x509 -newkey rsa:2048 -sha256 -days 3650 -nodes -subj
//!   /CN=openclaw-gateway` into `$OPENCLAW_STATE_DIR/gateway/tls/` (mode
//!   0600); bootstrap.sh runs the same command on the data volume before the
//!   gateway starts, so the certificate exists, survives restarts and its
//!   fingerprint is known to the patch.
//! - Local clients and sub-agents: 2026.9.x dials `wss://127.0.0.1:PORT` and
//!   pins the certificate it reads from `gateway.tls`. 2026.2.19 in the LAN
//!   workaround dials `gateway.remote.url`: a `ws://` URL now fails (the
//!   gateway closes the connection), a `wss://` one without
//!   `gateway.remote.tlsFingerprint` fails the CA check; `wss://127.0.0.1`
//!   with the fingerprint works. (Without the workaround it dials
//!   `wss://<LAN IP>`, which passes the plaintext check but asks for
//!   pairing: the sub-agent is no local client from the LAN address.)
//! - The compose healthcheck of a release with a probe endpoint must speak
//!   https and accept the self-signed certificate (Node's `fetch` refuses
//!   it): `super::compose::health_probe`.

use serde_json::Value;

use super::patch::{PatchOp, PatchStep};
use crate::config::GatewayTls;
use crate::model::Model;

/// Variables bootstrap.sh exports for the patch.
pub const CERT_ENV: &str = "OPENCLAW_GATEWAY_TLS_CERT";
pub const KEY_ENV: &str = "OPENCLAW_GATEWAY_TLS_KEY";
pub const FINGERPRINT_ENV: &str = "OPENCLAW_GATEWAY_TLS_FINGERPRINT";

pub fn enabled(m: &Model) -> bool {
    m.raw.gateway.tls == GatewayTls::SelfSigned
}

/// The `gateway.tls` steps of the patch.
pub fn patch(m: &Model) -> Vec<PatchStep> {
    if !enabled(m) {
        // Switching back to plain http must not leave the gateway on TLS
        // (and 2026.2.19's sub-agents on a ws:// URL it no longer answers);
        // `gateway.tls` set by hand goes through [openclaw.config].
        let by_hand = m
            .raw
            .openclaw
            .config
            .keys()
            .any(|k| k == "gateway.tls" || k.starts_with("gateway.tls."));
        return if by_hand {
            Vec::new()
        } else {
            vec![PatchStep::new(
                "gateway.tls",
                PatchOp::Delete,
                "[gateway] tls = \"off\": plain http; a gateway.tls left from tls = \"self-signed\" would keep TLS on",
            )]
        };
    }
    vec![
        PatchStep::new(
            "gateway.tls.enabled",
            PatchOp::Set(Value::Bool(true)),
            "[gateway] tls = \"self-signed\": https/wss on the gateway port, so LAN browsers have a secure context",
        ),
        PatchStep::new(
            "gateway.tls.certPath",
            PatchOp::SetEnv(CERT_ENV.into()),
            "the self-signed certificate bootstrap.sh keeps on the data volume",
        ),
        PatchStep::new(
            "gateway.tls.keyPath",
            PatchOp::SetEnv(KEY_ENV.into()),
            "its private key (mode 0600)",
        ),
        PatchStep::new(
            "gateway.tls.autoGenerate",
            PatchOp::Set(Value::Bool(false)),
            "bootstrap.sh creates the pair (the same openssl command OpenClaw would run), so its fingerprint is known",
        ),
    ]
}

/// `gateway.remote.url` and, with TLS, the certificate it pins (the LAN
/// sub-agent workaround of releases that need it).
pub fn remote_steps(m: &Model, port: u16) -> Vec<PatchStep> {
    if !enabled(m) {
        return vec![
            PatchStep::new(
                "gateway.remote.url",
                PatchOp::Set(Value::from(format!("ws://127.0.0.1:{port}"))),
                "loopback passes the plaintext ws:// check",
            ),
            PatchStep::new(
                "gateway.remote.tlsFingerprint",
                PatchOp::Delete,
                "a pinned certificate with a ws:// URL fails every sub-agent call (left from tls = \"self-signed\")",
            ),
        ];
    }
    vec![
        PatchStep::new(
            "gateway.remote.url",
            PatchOp::Set(Value::from(format!("wss://127.0.0.1:{port}"))),
            "the gateway speaks TLS only; loopback, as without TLS",
        ),
        PatchStep::new(
            "gateway.remote.tlsFingerprint",
            PatchOp::SetEnv(FINGERPRINT_ENV.into()),
            "sub-agents pin the self-signed certificate (no CA would vouch for it)",
        ),
    ]
}

/// Operator steps once TLS is on.
pub fn steps(m: &Model) -> Vec<String> {
    if !enabled(m) {
        return Vec::new();
    }
    let port = m.raw.gateway.port;
    vec![
        format!(
            "The gateway URL becomes https://<host LAN IP>:{port}/ (plain http:// on that port gets no answer)."
        ),
        "Open it once in each browser and accept the self-signed certificate; compare its SHA-256 fingerprint with the one bootstrap.sh logs (`TLS certificate … SHA-256 fingerprint`).".into(),
        "Approve each browser once as the gateway's user: `docker exec -u node <container> openclaw devices list`, then `… openclaw devices approve <requestId>`.".into(),
    ]
}
