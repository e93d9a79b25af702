//! Domain lint: the pitfalls the seed research documents, as rules with
//! stable codes. `render` and `check` refuse to write on an error.
//!
//! [`codes`] is the registry of every diagnostic code (what `ocgen explain`
//! prints); `rules` holds one small function per lint rule.

pub mod codes;
mod rules;

pub use codes::{CODES, Code, find};

use crate::diagnostic::Diagnostic;
use crate::model::Model;

/// Run every rule, in the order their findings are reported.
pub fn lint(m: &Model) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    out.extend(rules::serve_needs_loopback(m));
    out.extend(rules::tailnet_bind(m));
    out.extend(rules::custom_bind(m));
    out.extend(rules::tailscale_tag_not_a_version(m));
    out.extend(rules::tailscale_on_internal_network(m));
    out.extend(rules::kernel_mode_without_privileges(m));
    out.extend(rules::tailscale_state_not_persistent(m));
    out.extend(rules::serve_published_port(m));
    out.extend(rules::retired_config_key(m));
    out.extend(rules::tailscale_no_first_start_auth(m));
    out.extend(rules::published_on_all_addresses(m));
    out.extend(rules::domain_without_route(m));
    out.extend(rules::published_port_beside_domain(m));
    out.extend(rules::plain_http_domain(m));
    out.extend(rules::sidecar_tailnet_looks_local(m));
    out.extend(rules::lan_browser_without_https(m));
    out.extend(rules::tls_without_published_port(m));
    out.extend(rules::lan_origin_unknown(m));
    out.extend(rules::release_checks_no_origin(m));
    out.extend(rules::engine_without_start_interval(m));
    out.extend(rules::lan_profile_on_loopback(m));
    if m.raw.target == crate::config::Target::Kubernetes {
        out.retain(|d| !rules::COOLIFY_ONLY.contains(&d.code));
    }
    out.extend(rules::kubernetes_replicas(m));
    out.extend(rules::kubernetes_read_write_many(m));
    out.extend(rules::kubernetes_no_storage_class(m));
    out.extend(rules::kubernetes_domain_incomplete(m));
    out
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;
    use std::path::Path;

    use super::*;

    /// Every `"OCnnn"` string literal in `src/`, but the registry's own.
    fn emitted_codes() -> BTreeSet<String> {
        fn walk(dir: &Path, out: &mut BTreeSet<String>) {
            for entry in std::fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    walk(&path, out);
                } else if path.extension().is_some_and(|e| e == "rs") && !path.ends_with("lint/codes.rs") {
                    let text = std::fs::read_to_string(&path).unwrap();
                    let b = text.as_bytes();
                    for (i, _) in text.match_indices("\"OC") {
                        let digits = b.get(i + 3..i + 6).unwrap_or_default();
                        if digits.len() == 3 && digits.iter().all(u8::is_ascii_digit) && b.get(i + 6) == Some(&b'"') {
                            out.insert(text[i + 1..i + 6].to_string());
                        }
                    }
                }
            }
        }
        let mut out = BTreeSet::new();
        walk(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"), &mut out);
        out
    }

    #[test]
    fn the_registry_is_exactly_the_codes_emitted() {
        let emitted = emitted_codes();
        let listed: BTreeSet<String> = CODES.iter().map(|c| c.code.to_string()).collect();
        assert!(emitted.len() > 20, "the scan found codes: {emitted:?}");
        let unexplained: Vec<_> = emitted.difference(&listed).collect();
        assert!(
            unexplained.is_empty(),
            "emitted but `ocgen explain` does not know: {unexplained:?}"
        );
        let unused: Vec<_> = listed.difference(&emitted).collect();
        assert!(unused.is_empty(), "explained but never emitted: {unused:?}");
        for code in &emitted {
            assert!(find(code).is_some(), "{code}");
        }
    }

    #[test]
    fn every_code_is_unique_and_explained() {
        for (i, c) in CODES.iter().enumerate() {
            assert!(
                CODES[i + 1..].iter().all(|o| o.code != c.code && o.name != c.name),
                "{}",
                c.code
            );
            let text = c.explanation();
            assert!(text.contains("Fix:"), "{} explains the fix", c.code);
            assert!(!text.contains("@{"), "{} expands every release fact", c.code);
        }
    }
}
