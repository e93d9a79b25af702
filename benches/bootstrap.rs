//! Start-up latency of the serve bootstrap (issue 6): from script start to
//! `exec openclaw`, with stand-in tailscale binaries (tests/stubs) whose node
//! is Running at once. Target: under 0.3 s. `cargo bench --bench bootstrap`.
//! The stand-in gateway exits at once, so a run's wall time is the time to exec.

use std::fs;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};

fn serve_bootstrap() -> String {
    let text = "profile = \"serve\"\n[openclaw]\nversion = \"2026.9.6\"\n";
    let src = ocgen::diagnostic::Source::new("deploy.toml", text);
    let model = ocgen::load_model(&src, &Default::default()).unwrap();
    ocgen::render_files(&model)
        .into_iter()
        .find(|f| f.name == "bootstrap.sh")
        .unwrap()
        .contents
}

fn kill_recorded(pidfile: &Path) {
    for pid in fs::read_to_string(pidfile)
        .unwrap_or_default()
        .split_whitespace()
        .filter(|w| w.parse::<u32>().is_ok())
    {
        let _ = Command::new("kill").arg(pid).stderr(Stdio::null()).status();
    }
    let _ = fs::remove_file(pidfile);
}

fn bench(c: &mut Criterion) {
    let stubs = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/stubs");
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    // The bootstrap runs its config patch and the gateway as uid 1000.
    fs::set_permissions(root, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    fs::write(root.join("bootstrap.sh"), serve_bootstrap()).unwrap();
    let mut group = c.benchmark_group("bootstrap");
    group.sample_size(20).measurement_time(Duration::from_secs(10));
    group.bench_function("serve: start to exec, tailnet Running at once", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                // A fresh volume every time: the patch writes a new config.
                let _ = fs::remove_dir_all(root.join("data"));
                let pidfile = root.join("pids");
                let start = Instant::now();
                let status = Command::new("bash")
                    .arg(root.join("bootstrap.sh"))
                    .env_clear()
                    .env("PATH", format!("{}:/usr/bin:/bin", stubs.display()))
                    .env("HOME", root)
                    .env("OPENCLAW_DATA_DIR", root.join("data"))
                    .env("OPENCLAW_GATEWAY_TOKEN", "bench")
                    .env("TS_SOCKET", root.join("run/tailscaled.sock"))
                    .env("STUB_DEFAULT_SOCKET", root.join("run/tailscaled.sock"))
                    .env("STUB_TS_INITIAL_STATE", "Running")
                    .env("STUB_PIDFILE", &pidfile)
                    .stdin(Stdio::null())
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .status()
                    .unwrap();
                total += start.elapsed();
                assert!(status.success());
                kill_recorded(&pidfile);
            }
            total
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
