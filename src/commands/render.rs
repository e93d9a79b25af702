//! `ocgen render`: the four files into DIR, unless a finding blocks them.

use std::io::Write;
use std::path::PathBuf;

use clap::Args;

use super::input::{findings, load};
use super::report::{fail, report};
use super::{Exit, Format, InputArgs};
use crate::output::{self, Outcome};

#[derive(Args, Debug)]
pub struct RenderArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// Output directory
    #[arg(short, long = "output", value_name = "DIR", default_value = ".")]
    pub output: PathBuf,
    /// Treat lint warnings as errors
    #[arg(long)]
    pub deny_warnings: bool,
    /// Print nothing on success
    #[arg(short, long)]
    pub quiet: bool,
    /// Exit 1 when a file was created or changed (for pre-commit hooks and CI)
    #[arg(long)]
    pub exit_code: bool,
}

pub fn run(args: &RenderArgs) -> Exit {
    let dir = args.output.as_path();
    let l = match load(&args.input, Format::Human) {
        Ok(l) => l,
        Err(code) => return code,
    };
    let (diags, blocking) = findings(&l, args.deny_warnings);
    report(&diags, &l.source, Format::Human);
    if blocking {
        let _ = writeln!(
            anstream::stderr(),
            "error: nothing written to {}: fix the findings above",
            dir.display()
        );
        return Exit::Findings;
    }
    let files = crate::render_files(&l.model);
    match output::write_all(dir, &files) {
        Ok(outcomes) => {
            let changed: Vec<_> = outcomes.iter().filter(|(_, o)| *o != Outcome::Unchanged).collect();
            if !args.quiet {
                for (name, outcome) in &outcomes {
                    let what = match outcome {
                        Outcome::Created => "created",
                        Outcome::Updated => "updated",
                        Outcome::Unchanged => "unchanged",
                    };
                    eprintln!("{what:>9} {}", dir.join(name).display());
                }
            }
            if args.exit_code && !changed.is_empty() {
                let names: Vec<_> = changed.iter().map(|(n, _)| n.as_str()).collect();
                let _ = writeln!(
                    anstream::stderr(),
                    "ocgen: regenerated {}; review and stage them",
                    names.join(", ")
                );
                return Exit::Findings;
            }
            Exit::Ok
        }
        Err(e) => fail(
            &format!("{e}; nothing was changed"),
            Some("choose a writable directory with -o DIR"),
        ),
    }
}
