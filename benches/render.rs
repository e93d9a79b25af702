//! Rendering speed. Budget: a whole `ocgen render` process, median at most
//! 20 ms on the project's 2-core machine (docs/performance.md).
//! `cargo bench --bench render`.
//!
//! - `in-process/<profile>`: parse + validate + lint + plan + render, in memory;
//! - `process/<profile>`: the release binary run as a user runs it, writing
//!   into a directory (files unchanged after the first run, as in a
//!   pre-commit hook) — this is the number the budget is about.
//!
//! The budget's other half (not slower than minijinja-cli rendering the same
//! four files side by side) is measured by `scripts/bench-render.sh`.

use std::path::Path;
use std::process::Command;

use criterion::{Criterion, criterion_group, criterion_main};

fn deploy(profile: &str) -> String {
    // A clean input (lint-free): LAN profiles on a LAN address with TLS chosen.
    let gateway = if profile == "serve" {
        ""
    } else {
        "[gateway]\npublish_address = \"192.168.1.100\"\ntls = \"self-signed\"\n"
    };
    format!("profile = \"{profile}\"\n[openclaw]\nversion = \"2026.9.6\"\n{gateway}")
}

fn in_process(c: &mut Criterion) {
    for profile in ["lan-patch", "sidecar", "serve"] {
        let text = deploy(profile);
        c.bench_function(&format!("in-process/{profile}"), |b| {
            b.iter(|| {
                let src = ocgen::diagnostic::Source::new("deploy.toml", text.clone());
                let model = ocgen::load_model(&src, &Default::default()).unwrap();
                let lint = ocgen::lint::lint(&model);
                assert!(lint.is_empty());
                std::hint::black_box(ocgen::render_files(&model))
            })
        });
    }
}

fn process(c: &mut Criterion) {
    let bin = Path::new(env!("CARGO_BIN_EXE_ocgen"));
    for profile in ["lan-patch", "sidecar", "serve"] {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("deploy.toml"), deploy(profile)).unwrap();
        c.bench_function(&format!("process/{profile}"), |b| {
            b.iter(|| {
                let status = Command::new(bin)
                    .args(["render", "-q"])
                    .current_dir(dir.path())
                    .status()
                    .unwrap();
                assert!(status.success());
            })
        });
    }
}

criterion_group!(benches, in_process, process);
criterion_main!(benches);
