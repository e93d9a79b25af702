//! Mutation fuzzing of deploy.toml: thousands of truncated, retyped, huge,
//! deeply nested and non-UTF-8 inputs. In process, nothing may panic; through
//! the binary, every run exits 0, 1 (lint findings) or 2 (bad input), never
//! by a signal; every exit 2 names a location; a failed render leaves the
//! output directory untouched. Deterministic: a failure prints its seed.

mod common;

use std::fs;
use std::process::Command;

use common::mutate::{Rng, mutate, rng_pick_seed, seeds};

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
