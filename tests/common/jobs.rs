//! Run a test file's jobs once, all at the same time, on their own threads
//! (so the rows overlap whatever `--test-threads` is); each test asks for
//! its job's outcome.

use std::collections::HashMap;
use std::time::Instant;

pub type JobFn = Box<dyn FnOnce() -> Result<String, String> + Send>;

/// A job: its outcome is every one of its names' (one gateway for the checks of
/// several cases).
pub struct Job {
    names: Vec<String>,
    f: JobFn,
}

/// A job from a closure.
pub fn job(name: impl Into<String>, f: impl FnOnce() -> Result<String, String> + Send + 'static) -> Job {
    Job {
        names: vec![name.into()],
        f: Box::new(f),
    }
}

/// One job whose outcome is the outcome of each of `names`: the checks of several
/// cases made on one gateway.
pub fn shared_job(names: Vec<String>, f: impl FnOnce() -> Result<String, String> + Send + 'static) -> Job {
    assert!(!names.is_empty());
    Job { names, f: Box::new(f) }
}
pub type Results = HashMap<String, Result<String, String>>;

/// Run every job at once; each result carries its time.
pub fn run_all(label: &str, jobs: Vec<Job>) -> Results {
    let started = Instant::now();
    let out = std::thread::scope(|s| {
        let handles: Vec<_> = jobs
            .into_iter()
            .map(|Job { names, f }| {
                let label = names.join(" = ");
                let h = std::thread::Builder::new()
                    .name(names[0].clone())
                    .spawn_scoped(s, move || {
                        let t = Instant::now();
                        let r = f().map(|r| format!("{r}\n({:.1?})", t.elapsed()));
                        eprintln!("{label}: done in {:.1?}", t.elapsed());
                        r
                    })
                    .expect("spawn job thread");
                (names, h)
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|(names, h)| {
                let r = h.join().unwrap_or_else(|e| Err(panic_text(e)));
                names.into_iter().map(move |n| (n, r.clone()))
            })
            .collect::<HashMap<_, _>>()
    });
    eprintln!(
        "{label}: all jobs done in {:.1?}; the bounded commands they ran (wall time, overlapping):\n{}",
        started.elapsed(),
        super::proc::tallies()
    );
    out
}

/// Run the jobs `workers` at a time, each worker taking the next one in the order given
/// (the longest first: no long one left to run alone at the end); a job's panic is its
/// Err.
pub fn run_in_order(label: &str, jobs: Vec<Job>, workers: usize) -> Results {
    let started = Instant::now();
    let queue = std::sync::Mutex::new(jobs.into_iter().collect::<std::collections::VecDeque<_>>());
    let results = std::sync::Mutex::new(Results::new());
    std::thread::scope(|s| {
        for n in 0..workers.max(1) {
            let (queue, results) = (&queue, &results);
            std::thread::Builder::new()
                .name(format!("{label}-{n}"))
                .spawn_scoped(s, move || {
                    loop {
                        // (the queue's lock ends with this statement, not held over the job)
                        let next = queue.lock().unwrap_or_else(|e| e.into_inner()).pop_front();
                        let Some(Job { names, f }) = next else { break };
                        let t = Instant::now();
                        let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f))
                            .unwrap_or_else(|e| Err(panic_text(e)))
                            .map(|r| format!("{r}\n({:.1?})", t.elapsed()));
                        eprintln!(
                            "{}: done in {:.1?}, {:.1?} into the run",
                            names.join(" = "),
                            t.elapsed(),
                            started.elapsed()
                        );
                        let mut results = results.lock().unwrap_or_else(|e| e.into_inner());
                        results.extend(names.into_iter().map(|n| (n, r.clone())));
                    }
                })
                .expect("spawn a worker thread");
        }
    });
    eprintln!(
        "{label}: all jobs done in {:.1?}; the bounded commands they ran (wall time, overlapping):\n{}",
        started.elapsed(),
        super::proc::tallies()
    );
    results.into_inner().unwrap_or_else(|e| e.into_inner())
}

/// Say that a check had nothing to check in this run (e.g. `OCGEN_RELEASES`
/// holds no release it applies to). Written to the process's stderr directly,
/// past the test harness's capture, so a passing test that checked nothing
/// says `SKIPPED` in the run's output instead of passing silently.
pub fn skipped(test: &str, why: &str) {
    use std::io::Write as _;
    let _ = writeln!(std::io::stderr().lock(), "SKIPPED: {test}: {why}");
}

/// Print a job's report, or panic with its finding.
pub fn outcome(results: &Results, job: &str) {
    match results.get(job) {
        Some(Ok(report)) => println!("{job}:\n{report}"),
        Some(Err(e)) => panic!("{job}:\n{e}"),
        None => panic!("no job named {job}"),
    }
}

fn panic_text(e: Box<dyn std::any::Any + Send>) -> String {
    format!(
        "panicked: {}",
        e.downcast_ref::<String>()
            .cloned()
            .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_default()
    )
}

/// Print the reports of the jobs named `{prefix}@{release}` for every release
/// of the run, or panic with every release's finding.
pub fn outcome_on_each_release(results: &Results, prefix: &str) {
    outcome_on_each_release_where(results, prefix, |_| true)
}

/// The same for the releases of the run that `filter` picks (none: nothing to
/// check, said on stderr).
pub fn outcome_on_each_release_where(results: &Results, prefix: &str, filter: impl Fn(&str) -> bool) {
    let picked: Vec<&'static str> = super::releases().iter().copied().filter(|v| filter(v)).collect();
    if picked.is_empty() {
        eprintln!("{prefix}: no release of this run applies");
        return;
    }
    each_release_report(
        prefix,
        picked
            .into_iter()
            .map(|v| {
                let job = format!("{prefix}@{v}");
                let r = results
                    .get(&job)
                    .cloned()
                    .unwrap_or_else(|| Err(format!("no job named {job}")));
                (v, r)
            })
            .collect(),
    )
}

/// Run `f` on every release of the run at once, each on its own thread (the
/// gateway slots bound the load); print each report, or panic with every
/// release's finding.
pub fn on_each_release(label: &str, f: impl Fn(&'static str) -> Result<String, String> + Sync) {
    let f = &f;
    let results = std::thread::scope(|s| {
        let handles: Vec<_> = super::releases().iter().map(|v| (*v, s.spawn(move || f(v)))).collect();
        handles
            .into_iter()
            .map(|(v, h)| (v, h.join().unwrap_or_else(|e| Err(panic_text(e)))))
            .collect()
    });
    each_release_report(label, results)
}

fn each_release_report(label: &str, results: Vec<(&'static str, Result<String, String>)>) {
    assert!(!results.is_empty(), "{label}: no release to run on");
    let mut failed = Vec::new();
    for (v, r) in results {
        match r {
            Ok(report) => println!("{label}@{v}:\n{report}"),
            Err(e) => failed.push(format!("{label}@{v}:\n{e}")),
        }
    }
    assert!(failed.is_empty(), "{}", failed.join("\n\n"));
}
