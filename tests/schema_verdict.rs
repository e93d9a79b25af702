//! The fast schema verdict (`config::verdict`, no schema compiling) must equal
//! the compiled `jsonschema` validator's verdict on every input: the fixtures,
//! the starter files, the example, every fuzz mutation the fuzz tests feed
//! ocgen, and a grid of every key with many values. Its pattern matcher must
//! agree with the `regex` crate on the schema's own patterns.

mod common;

use ocgen::config::{parse, pattern::Pattern, runtime_accepts, verdict};

use common::mutate::{Rng, mutate, rng_pick_seed, seeds};

/// Both verdicts on one text; `None` when it is not TOML.
fn verdicts(text: &[u8]) -> Option<(bool, bool)> {
    let text = std::str::from_utf8(text).ok()?;
    let parsed = parse::parse(text).ok()?;
    Some((verdict::accepts(&parsed.value), runtime_accepts(&parsed.value)))
}

#[derive(Default)]
struct Tally {
    accepted: usize,
    rejected: usize,
}

impl Tally {
    fn check(&mut self, text: &[u8]) {
        let Some((fast, schema)) = verdicts(text) else { return };
        assert_eq!(
            fast,
            schema,
            "fast verdict {fast}, schema verdict {schema} on:\n{}",
            String::from_utf8_lossy(text)
        );
        if schema {
            self.accepted += 1;
        } else {
            self.rejected += 1;
        }
    }
}

#[test]
fn equal_on_fixtures_starters_example_and_the_fuzz_corpus() {
    let mut t = Tally::default();
    let seeds = seeds();
    for s in &seeds {
        t.check(s);
    }
    t.check(include_bytes!("../examples/deploy.toml"));
    // The two fuzz tests' own inputs (same seeds and counts as tests/fuzz.rs).
    for (seed, count) in [(0x5eed_0001, 20_000), (0x5eed_0002, 800)] {
        let mut rng = Rng(seed);
        for _ in 0..count {
            let seed = rng_pick_seed(&mut rng, &seeds);
            t.check(&mutate(&mut rng, seed));
        }
    }
    assert!(
        t.accepted > 1000 && t.rejected > 2000,
        "accepted {} rejected {}",
        t.accepted,
        t.rejected
    );
}

const MIN: &str = "profile = \"serve\"\n[openclaw]\nversion = \"2026.9.6\"\n";

/// Values aimed at every type, enum, bound and pattern of the schema.
fn values() -> Vec<String> {
    let mut v: Vec<String> = [
        "0",
        "1",
        "-1",
        "80",
        "80.0",
        "0.0",
        "1.5",
        "65535",
        "65536",
        "65535.0",
        "1e3",
        "true",
        "false",
        "[]",
        "{}",
        "{ a = 1 }",
        "[\"tag:server\"]",
        "[\"tag:a\", \"tag:9\"]",
        "[\"10.0.0.0/8\", \"fd7a::1\"]",
        "[\"x\"]",
        "[1]",
        "1979-05-27T07:32:00Z",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    for s in strings() {
        v.push(format!("{s:?}"));
    }
    v
}

/// Strings near the edges of the schema's patterns and enums.
fn strings() -> Vec<String> {
    let hex = "0123456789abcdef".repeat(4);
    let mut s: Vec<String> = [
        "",
        " ",
        "a",
        "A",
        "-",
        "_",
        ".",
        "lan-patch",
        "sidecar",
        "serve",
        "Serve",
        "lan",
        "profile",
        "loopback",
        "custom",
        "tailnet",
        "auto",
        "userspace",
        "kernel",
        "volume",
        "ephemeral",
        "2026.9.6",
        "2026.2.19",
        "2026.2.21-2",
        "2026.2.19-",
        "26.9.6",
        "2026.123.1",
        "2026.9.6\n",
        "${X}",
        "${TS_AUTHKEY}",
        "${ts}",
        "${1A}",
        "${_A9}",
        "${}",
        "$X",
        "${X}x",
        "tskey-auth-abc",
        "tag:server",
        "tag:",
        "tag:9a",
        "tag:a-b",
        "debian:bookworm-slim",
        "debian",
        "debian:latest",
        "docker.io/tailscale/tailscale",
        "ghcr.io/a/b:v1",
        "Debian:x",
        "a//b",
        "a:b:c",
        "v1.94.2",
        "v1.94.2@sha256:",
        "latest",
        "openclaw-server",
        "openclaw-",
        "-openclaw",
        "openclaw_server",
        "proxy",
        "openclaw-data",
        ".hidden",
        "a.b",
        "a.b.c",
        "a..b",
        "a.",
        "_a.b-c",
        "9a",
        "dëplöy",
        "a\u{0}b",
        "\u{202e}evil",
        "10.0.0.1",
        "10.0.0.0/8",
        "10.0.0.0/123",
        "1.2.3",
        "1.2.3.4.5",
        "1234.1.1.1",
        "fd7a:115c::1",
        "::1",
        "::",
        "g::1",
        "example.com",
        "openclaw.example.com",
        "https://openclaw.example.com/",
        "http://a.b",
        "ftp://a.b",
        "a.b.",
        "-a.b",
        "a-.b",
        "EXAMPLE.com",
        "coolify",
        "traefik",
        "none",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    s.push(format!("debian@sha256:{hex}"));
    s.push(format!("v1.94.2@sha256:{hex}"));
    s.push(format!("v1.94.2@sha256:{}", &hex[1..]));
    s.push(format!("debian:bookworm@sha256:{hex}"));
    for n in [62, 63, 64, 127, 128, 129] {
        s.push("a".repeat(n));
        s.push(format!("tag:a{}", "b".repeat(n - 1)));
        s.push(format!("x:{}", "t".repeat(n)));
    }
    s
}

#[test]
fn equal_on_every_key_with_every_value() {
    let keys: &[(&str, &[&str])] = &[
        ("", &["profile", "extra"]),
        ("openclaw", &["version", "config", "extra"]),
        (
            "openclaw.config",
            &["a", "\"a.b\"", "\"gateway.x\"", "\"1a\"", "\"a b\"", "\"a..b\""],
        ),
        ("gateway", &["port", "publish_address", "bind", "token", "extra"]),
        ("image", &["base", "browser"]),
        (
            "coolify",
            &[
                "network",
                "network_external",
                "network_internal",
                "data_volume",
                "domain",
                "labels",
                "trusted_proxies",
                "proxy_host",
            ],
        ),
        (
            "tailscale",
            &[
                "image",
                "tag",
                "hostname",
                "auth_key",
                "tags",
                "networking",
                "state",
                "state_volume",
            ],
        ),
    ];
    let mut t = Tally::default();
    for (table, names) in keys {
        for name in *names {
            for value in values() {
                let text = match *table {
                    "" => MIN.replace("profile = \"serve\"", &format!("{name} = {value}")),
                    "openclaw" => format!("profile = \"serve\"\n[openclaw]\n{name} = {value}\n"),
                    "openclaw.config" => format!("{MIN}[openclaw.config]\n{name} = {value}\n"),
                    _ => format!("{MIN}[{table}]\n{name} = {value}\n"),
                };
                t.check(text.as_bytes());
            }
        }
    }
    assert!(
        t.accepted > 100 && t.rejected > 1000,
        "accepted {} rejected {}",
        t.accepted,
        t.rejected
    );
}

#[test]
fn pattern_matcher_agrees_with_the_regex_crate() {
    assert!(!verdict::PATTERNS.is_empty());
    for p in verdict::PATTERNS {
        let ours = Pattern::new(p).unwrap_or_else(|| panic!("pattern outside the subset: {p}"));
        let regex = regex::Regex::new(p).unwrap();
        for s in strings() {
            assert_eq!(ours.is_match(&s), regex.is_match(&s), "pattern {p} on {s:?}");
        }
    }
}
