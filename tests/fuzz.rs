//! Mutation fuzzing of deploy.toml: thousands of truncated, retyped, huge,
//! deeply nested and non-UTF-8 inputs. In process, nothing may panic; through
//! the binary, every run exits 0, 1 (lint findings) or 2 (bad input), never
//! by a signal; every exit 2 names a location; a failed render leaves the
//! output directory untouched. Deterministic: a failure prints its seed.

use std::fs;
use std::path::Path;
use std::process::Command;

/// xorshift64*: small, deterministic, good enough to pick mutations.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

fn seeds() -> Vec<Vec<u8>> {
    let mut v: Vec<Vec<u8>> = ocgen::config::ProfileName::ALL
        .iter()
        .map(|p| ocgen::render::starter(*p).into_bytes())
        .collect();
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    for e in fs::read_dir(fixtures).unwrap() {
        v.push(fs::read(e.unwrap().path()).unwrap());
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

fn mutate(rng: &mut Rng, input: &[u8]) -> Vec<u8> {
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

#[test]
fn in_process_never_panics() {
    let seeds = seeds();
    let mut rng = Rng(0x5eed_0001);
    let mut outcomes = [0usize; 2];
    for i in 0..20_000 {
        let seed = rng_pick_seed(&mut rng, &seeds);
        let input = mutate(&mut rng, seed);
        let result = std::panic::catch_unwind(|| {
            let src = match ocgen::decode("deploy.toml", input.clone()) {
                Ok(s) => s,
                Err((_, d)) => return Err(d),
            };
            match ocgen::load_model(&src, &Default::default()) {
                Ok(m) => {
                    let _ = ocgen::lint::lint(&m);
                    let files = ocgen::render_files(&m);
                    assert_eq!(files.len(), 4);
                    Ok(())
                }
                Err(d) => Err(d),
            }
        });
        match result {
            Ok(Ok(())) => outcomes[0] += 1,
            Ok(Err(diags)) => {
                assert!(!diags.is_empty(), "iteration {i}: rejected without a diagnostic");
                assert!(
                    diags.iter().all(|d| d.span.is_some()),
                    "iteration {i}: diagnostic without a location: {diags:?}"
                );
                outcomes[1] += 1;
            }
            Err(_) => panic!("iteration {i} panicked on input:\n{}", String::from_utf8_lossy(&input)),
        }
    }
    // The fuzzer must exercise both sides.
    assert!(
        outcomes[0] > 500 && outcomes[1] > 5000,
        "accepted/rejected: {outcomes:?}"
    );
}

fn rng_pick_seed<'a>(rng: &mut Rng, seeds: &'a [Vec<u8>]) -> &'a [u8] {
    &seeds[rng.below(seeds.len())]
}

#[test]
fn the_binary_exits_0_1_or_2_with_locations_and_untouched_output() {
    let bin = env!("CARGO_BIN_EXE_ocgen");
    let seeds = seeds();
    let mut rng = Rng(0x5eed_0002);
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    fs::create_dir(&out).unwrap();
    fs::write(out.join("Dockerfile"), "sentinel").unwrap();
    let mut codes = [0usize; 3];
    for i in 0..800 {
        let seed = rng_pick_seed(&mut rng, &seeds);
        let input = mutate(&mut rng, seed);
        fs::write(dir.path().join("deploy.toml"), &input).unwrap();
        let cmd = if i % 2 == 0 { "validate" } else { "render" };
        let args: &[&str] = if cmd == "render" {
            &["render", "-o", "out"]
        } else {
            &["validate"]
        };
        let output = Command::new(bin).args(args).current_dir(dir.path()).output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        let code = output.status.code().unwrap_or_else(|| {
            panic!(
                "iteration {i}: `ocgen {cmd}` died by a signal on:\n{}",
                String::from_utf8_lossy(&input)
            )
        });
        assert!(!stderr.contains("panicked"), "iteration {i}: {stderr}");
        match code {
            0 => {}
            1 => assert!(
                stderr.contains("deploy.toml:"),
                "iteration {i}: findings without a location:\n{stderr}"
            ),
            2 => assert!(
                stderr.contains("--> deploy.toml:"),
                "iteration {i}: exit 2 without a location:\n{stderr}\ninput:\n{}",
                String::from_utf8_lossy(&input)
            ),
            other => panic!("iteration {i}: exit {other}"),
        }
        codes[code as usize] += 1;
        if cmd == "render" {
            if code == 0 {
                // Restore the sentinel state for the next round.
                for e in fs::read_dir(&out).unwrap() {
                    fs::remove_file(e.unwrap().path()).unwrap();
                }
                fs::write(out.join("Dockerfile"), "sentinel").unwrap();
            } else {
                let names: Vec<_> = fs::read_dir(&out).unwrap().map(|e| e.unwrap().file_name()).collect();
                assert_eq!(
                    names,
                    vec![std::ffi::OsString::from("Dockerfile")],
                    "iteration {i}: output touched"
                );
                assert_eq!(
                    fs::read_to_string(out.join("Dockerfile")).unwrap(),
                    "sentinel",
                    "iteration {i}"
                );
            }
        }
    }
    assert!(codes[0] > 20 && codes[2] > 200, "exit codes 0/1/2: {codes:?}");
}
