//! `ocgen lint`: the domain lint rules ([`crate::lint`]) on deploy.toml.

use clap::Args;

use super::input::{findings, load};
use super::report::report;
use super::{Exit, Format, InputArgs};

#[derive(Args, Debug)]
pub struct LintArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// Treat lint warnings as errors
    #[arg(long)]
    pub deny_warnings: bool,
    /// Output format of the findings (json: one document on stdout)
    #[arg(long, value_enum, default_value = "human")]
    pub format: Format,
}

pub fn run(args: &LintArgs) -> Exit {
    let l = match load(&args.input, args.format) {
        Ok(l) => l,
        Err(code) => return code,
    };
    let (diags, blocking) = findings(&l, args.deny_warnings);
    report(&diags, &l.source, args.format);
    if args.format == Format::Human {
        let (e, w) = crate::diagnostic::tally(&diags);
        eprintln!("{}: {e} error(s), {w} warning(s)", l.source.name);
    }
    if blocking { Exit::Findings } else { Exit::Ok }
}
