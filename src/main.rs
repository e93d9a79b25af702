//! The `ocgen` executable: the command line is parsed and run by [`ocgen::cli`].
#![forbid(unsafe_code)]

use std::process::ExitCode;

fn main() -> ExitCode {
    ExitCode::from(ocgen::cli::main_code())
}
