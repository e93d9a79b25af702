//! Run a test file's jobs once, all at the same time, on their own threads
//! (so the rows overlap whatever `--test-threads` is); each test asks for
//! its job's outcome.

use std::collections::HashMap;
use std::time::Instant;

pub type JobFn = fn() -> Result<String, String>;
pub type Job = (String, JobFn);
pub type Results = HashMap<String, Result<String, String>>;

/// Run every job at once; each result carries its time.
pub fn run_all(label: &str, jobs: Vec<Job>) -> Results {
    let started = Instant::now();
    let out = std::thread::scope(|s| {
        let handles: Vec<_> = jobs
            .into_iter()
            .map(|(name, f)| {
                let label = name.clone();
                let h = std::thread::Builder::new()
                    .name(name.clone())
                    .spawn_scoped(s, move || {
                        let t = Instant::now();
                        let r = f().map(|r| format!("{r}\n({:.1?})", t.elapsed()));
                        eprintln!("{label}: done in {:.1?}", t.elapsed());
                        r
                    })
                    .expect("spawn job thread");
                (name, h)
            })
            .collect();
        handles
            .into_iter()
            .map(|(name, h)| {
                let r = h.join().unwrap_or_else(|e| {
                    Err(format!(
                        "panicked: {}",
                        e.downcast_ref::<String>()
                            .cloned()
                            .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
                            .unwrap_or_default()
                    ))
                });
                (name, r)
            })
            .collect::<HashMap<_, _>>()
    });
    eprintln!("{label}: all jobs done in {:.1?}", started.elapsed());
    out
}

/// Print a job's report, or panic with its finding.
pub fn outcome(results: &Results, job: &str) {
    match results.get(job) {
        Some(Ok(report)) => println!("{job}:\n{report}"),
        Some(Err(e)) => panic!("{job}:\n{e}"),
        None => panic!("no job named {job}"),
    }
}
