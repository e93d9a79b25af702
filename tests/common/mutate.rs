//! Mutations of deploy.toml for the fuzz tests: deterministic (xorshift),
//! seeded from the starter files and tests/fixtures.

use std::fs;
use std::path::Path;

/// xorshift64*: small, deterministic, good enough to pick mutations.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

pub fn seeds() -> Vec<Vec<u8>> {
    let mut v: Vec<Vec<u8>> = ocgen::config::ProfileName::ALL
        .iter()
        .map(|p| ocgen::render::starter(*p).into_bytes())
        .collect();
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    // The files only: tests/fixtures/errors/ holds the bad inputs of tests/errors.rs.
    for e in fs::read_dir(fixtures).unwrap() {
        let path = e.unwrap().path();
        if path.is_file() {
            v.push(fs::read(path).unwrap());
        }
    }
    v
}

const VALUES: &[&str] = &[
    "0",
    "-1",
    "65536",
    "18789",
    "99999999999999999999999",
    "1e400",
    "nan",
    "-inf",
    "3.5",
    "true",
    "false",
    "\"\"",
    "\"latest\"",
    "\"${X}\"",
    "\"tskey-auth-abc\"",
    "\"a\\u0000b\"",
    "[]",
    "[1, \"a\", true]",
    "{}",
    "{ a = 1 }",
    "1979-05-27T07:32:00Z",
    "'''\nmulti\n'''",
    "\"\u{202e}evil\"",
    "\"dëplöy ✓\"",
    "0x7f",
    "0o777",
];

const KEYS: &[&str] = &[
    "profile",
    "version",
    "port",
    "publish_address",
    "bind",
    "token",
    "base",
    "browser",
    "network",
    "network_external",
    "network_internal",
    "data_volume",
    "image",
    "tag",
    "hostname",
    "auth_key",
    "tags",
    "networking",
    "state",
    "state_volume",
    "config",
    "\"gateway.bind\"",
    "\"a.b\"",
    "x",
    "🙂",
];

const HEADERS: &[&str] = &[
    "[openclaw]",
    "[gateway]",
    "[image]",
    "[coolify]",
    "[tailscale]",
    "[openclaw.config]",
    "[[gateway]]",
    "[profile]",
    "[a.b.c]",
    "[",
];

pub fn mutate(rng: &mut Rng, input: &[u8]) -> Vec<u8> {
    let mut s = input.to_vec();
    for _ in 0..=rng.below(3) {
        match rng.below(10) {
            0 => s.truncate(rng.below(s.len() + 1)),
            1 => {
                // Delete a line.
                let text = String::from_utf8_lossy(&s).into_owned();
                let mut lines: Vec<&str> = text.lines().collect();
                if !lines.is_empty() {
                    lines.remove(rng.below(lines.len()));
                }
                s = lines.join("\n").into_bytes();
            }
            2 | 3 => {
                // Replace the value of some `key = value` line.
                let text = String::from_utf8_lossy(&s).into_owned();
                let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
                let candidates: Vec<usize> = (0..lines.len()).filter(|i| lines[*i].contains(" = ")).collect();
                if !candidates.is_empty() {
                    let i = *rng.pick(&candidates);
                    let key = lines[i].split(" = ").next().unwrap().to_string();
                    lines[i] = format!("{key} = {}", rng.pick(VALUES));
                }
                s = lines.join("\n").into_bytes();
            }
            4 => {
                let line = format!("\n{} = {}\n", rng.pick(KEYS), rng.pick(VALUES));
                let at = rng.below(s.len() + 1);
                s.splice(at..at, line.into_bytes());
            }
            5 => {
                let line = format!("\n{}\n", rng.pick(HEADERS));
                let at = rng.below(s.len() + 1);
                s.splice(at..at, line.into_bytes());
            }
            6 => {
                // Random bytes, including invalid UTF-8.
                let at = rng.below(s.len() + 1);
                let bytes: Vec<u8> = (0..1 + rng.below(4)).map(|_| rng.next() as u8).collect();
                s.splice(at..at, bytes);
            }
            7 => {
                // Deep nesting.
                let depth = 1 + rng.below(5000);
                let v = format!("\nx = {}1{}\n", "[".repeat(depth), "]".repeat(depth));
                s.extend_from_slice(v.as_bytes());
            }
            8 => {
                // A huge value.
                let v = format!("\nhostname = \"{}\"\n", "a".repeat(1 + rng.below(200_000)));
                s.extend_from_slice(v.as_bytes());
            }
            _ => {
                // Swap two bytes.
                if s.len() > 1 {
                    let (a, b) = (rng.below(s.len()), rng.below(s.len()));
                    s.swap(a, b);
                }
            }
        }
    }
    s
}

pub fn rng_pick_seed<'a>(rng: &mut Rng, seeds: &'a [Vec<u8>]) -> &'a [u8] {
    &seeds[rng.below(seeds.len())]
}
