//! The commands of `ocgen`, one module each: its clap arguments and its body
//! (and, for `plan`, `versions` and `schema --markdown`, the report it
//! prints). They drive the flow (`config` → `model` → `lint` → `plan` →
//! `render` → `output`) and report; no deployment decision is made here.
//!
//! Exit codes ([`Exit`]): 0 success, 1 findings (stale files, lint errors,
//! a written openclaw.json the release's schema refuses), 2 bad input or usage.

pub mod check;
pub mod explain;
pub mod init;
mod input;
pub mod lint;
pub mod move_profile;
pub mod render;
mod report;
pub mod schema;
pub mod validate;
pub mod versions;

pub use input::InputArgs;
pub use report::Format;

/// How `ocgen` exits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Exit {
    /// Success (and `--help`, `--version`).
    Ok = 0,
    /// The input is valid but something needs fixing: stale files, lint
    /// errors (or warnings with `--deny-warnings`), a regenerated file with
    /// `--exit-code`, a written openclaw.json the release's schema refuses.
    Findings = 1,
    /// Bad input or usage: unreadable or invalid deploy.toml, an unknown
    /// argument or code, an output directory that cannot be written.
    Input = 2,
}

impl From<Exit> for u8 {
    fn from(e: Exit) -> u8 {
        e as u8
    }
}

impl From<Exit> for std::process::ExitCode {
    fn from(e: Exit) -> Self {
        std::process::ExitCode::from(u8::from(e))
    }
}

#[cfg(test)]
mod tests {
    use super::Exit;

    #[test]
    fn exit_codes_are_the_documented_numbers() {
        assert_eq!(u8::from(Exit::Ok), 0);
        assert_eq!(u8::from(Exit::Findings), 1);
        assert_eq!(u8::from(Exit::Input), 2);
    }
}
