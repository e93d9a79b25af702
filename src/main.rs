//! The `ocgen` executable.
//!
//! It starts at a C `main` rather than Rust's `fn main`: `std::rt::lang_start`
//! installs a stack-overflow guard whose set-up (glibc's `pthread_getattr_np`
//! parsing `/proc/self/maps`) costs ~0.11 M instructions, 5 % of a whole
//! render (README, Benchmarks). What a CLI needs of the start-up is done here:
//! SIGPIPE ignored (a closed pipe is an `EPIPE` error, as under `lang_start`),
//! a panic turned into exit code 101 (never an abort), stdout flushed at exit.
//! `std::env::args` works unchanged (glibc hands std argv through `.init_array`).
//! The cost: a stack overflow ends in SIGSEGV without Rust's message.
//! (`cargo test` builds this file with its own harness `main`.)
#![cfg_attr(not(test), no_main)]

#[global_allocator]
static ALLOCATOR: ocgen::arena::Arena = ocgen::arena::Arena::new();

#[cfg(not(test))]
mod start {
    use std::ffi::{c_char, c_int};
    use std::io::Write;

    unsafe extern "C" {
        fn signal(signum: c_int, handler: usize) -> usize;
    }
    const SIGPIPE: c_int = 13;
    const SIG_IGN: usize = 1;

    #[unsafe(no_mangle)]
    extern "C" fn main(_argc: c_int, _argv: *const *const c_char) -> c_int {
        // SAFETY: installing SIG_IGN for SIGPIPE before any thread exists, as std does.
        unsafe { signal(SIGPIPE, SIG_IGN) };
        let code = std::panic::catch_unwind(ocgen::cli::main_code).unwrap_or(101);
        let _ = std::io::stdout().flush();
        c_int::from(code)
    }
}
