//! The `ocgen` executable: the command line is parsed and run by [`ocgen::cli`].
#![forbid(unsafe_code)]

fn main() -> std::process::ExitCode {
    ocgen::cli::main()
}
