//! Concurrency: at most N real OpenClaw processes at a time, and one cold
//! start per release until its transpile cache is warm.
//!
//! OpenClaw 2026.2.19 transpiles its plugins with jiti into `$TMPDIR/jiti` at
//! every start with a fresh TMPDIR (about a minute of CPU here); sandboxes
//! point `TMPDIR/jiti` and `TMPDIR/node-compile-cache` into a cache kept
//! under `CARGO_TARGET_TMPDIR` ([`cache_dir`]), and until a release has
//! started once with it (a `.warm` marker), its starts run one at a time
//! with [`COLD_START_LIMIT`].

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Condvar, Mutex, MutexGuard, OnceLock};
use std::time::Duration;

use super::all_versions;

/// From starting bootstrap.sh to the gateway listening (warm cache): a bound
/// against hangs, generous because the 2-core machine is shared (2026.9.6
/// did not listen within 60 s with three gateways and other builds running).
pub const START_LIMIT: Duration = Duration::from_secs(150);
/// The same for a release's first start with an empty transpile cache.
pub const COLD_START_LIMIT: Duration = Duration::from_secs(180);

/// A counting semaphore: at most `n` holders of a [`Slot`] at a time.
pub struct Slots {
    free: Mutex<usize>,
    cv: Condvar,
}

pub struct Slot(&'static Slots);

impl Drop for Slot {
    fn drop(&mut self) {
        *self.0.free.lock().unwrap_or_else(|e| e.into_inner()) += 1;
        self.0.cv.notify_one();
    }
}

impl Slots {
    /// `n` slots, or what the environment variable `var` says (a positive number).
    pub fn from_env(var: &str, n: usize) -> Slots {
        Slots::new(count_from_env(var, n))
    }

    /// `n` slots.
    pub fn new(n: usize) -> Slots {
        Slots {
            free: Mutex::new(n),
            cv: Condvar::new(),
        }
    }

    /// Wait for a free slot; it is given back when the [`Slot`] drops.
    pub fn acquire(&'static self) -> Slot {
        let mut free = self.free.lock().unwrap_or_else(|e| e.into_inner());
        while *free == 0 {
            free = self.cv.wait(free).unwrap_or_else(|e| e.into_inner());
        }
        *free -= 1;
        Slot(self)
    }
}

/// What the environment variable `var` says (a positive number), or `n`.
pub fn count_from_env(var: &str, n: usize) -> usize {
    std::env::var(var)
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|&n: &usize| n > 0)
        .unwrap_or(n)
}

/// At most `OCGEN_REAL_GATEWAY_JOBS` (default 3) real OpenClaw processes at a
/// time: the machine has 2 cores and each start is CPU-bound.
pub fn slots() -> &'static Slots {
    static SLOTS: OnceLock<Slots> = OnceLock::new();
    SLOTS.get_or_init(|| Slots::from_env("OCGEN_REAL_GATEWAY_JOBS", 3))
}

pub fn acquire_slot() -> Slot {
    slots().acquire()
}

/// The transpile / compile caches a release's gateway starts share.
pub fn cache_dir(version: &str) -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("real-gateway-cache")
        .join(version)
}

pub fn warm_marker(version: &str) -> PathBuf {
    cache_dir(version).join(".warm")
}

/// While a release's cache is cold, its gateway starts run one at a time
/// (the guard) with the longer limit.
pub fn warm_gate(version: &str) -> (Option<MutexGuard<'static, ()>>, Duration) {
    static GATES: OnceLock<HashMap<&'static str, Mutex<()>>> = OnceLock::new();
    if warm_marker(version).exists() {
        return (None, START_LIMIT);
    }
    let gates = GATES.get_or_init(|| all_versions().into_iter().map(|v| (v, Mutex::new(()))).collect());
    let guard = gates[version].lock().unwrap_or_else(|e| e.into_inner());
    if warm_marker(version).exists() {
        (None, START_LIMIT)
    } else {
        (Some(guard), COLD_START_LIMIT)
    }
}
