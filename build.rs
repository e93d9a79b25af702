//! Link the `ocgen` binary position-dependent (`-no-pie`) on GNU/Linux. As a
//! PIE it carries ~21,000 relative relocations that the dynamic loader applies
//! on every start: ~0.48 M instructions, a fifth of a whole render after the
//! schema stopped being compiled (README, Benchmarks). Packed relocations
//! (`-z pack-relative-relocs`) shrink the table but not that work (measured:
//! 415 K → 404 K). The cost: the executable's own image is not randomized
//! (ASLR still places the stack, heap and shared libraries). ocgen is a
//! short-lived file renderer that reads one trusted file; set OCGEN_PIE=1 to
//! link it as a PIE anyway.
fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=OCGEN_PIE");
    let var = |k: &str| std::env::var(k).unwrap_or_default();
    if var("CARGO_CFG_TARGET_OS") == "linux" && var("CARGO_CFG_TARGET_ENV") == "gnu" && var("OCGEN_PIE").is_empty() {
        println!("cargo:rustc-link-arg-bins=-no-pie");
    }
}
