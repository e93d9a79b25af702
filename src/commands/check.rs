//! `ocgen check`: compare DIR with what would be rendered; never writes.

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::Args;

use super::input::{findings, load};
use super::report::{print_json, report};
use super::{Exit, Format, InputArgs};
use crate::output;

#[derive(Args, Debug)]
pub struct CheckArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// Directory holding the rendered files
    #[arg(short, long = "output", value_name = "DIR", default_value = ".")]
    pub output: PathBuf,
    /// Treat lint warnings as errors
    #[arg(long)]
    pub deny_warnings: bool,
    /// Output format of the findings (json: one document on stdout)
    #[arg(long, value_enum, default_value = "human")]
    pub format: Format,
}

pub fn run(args: &CheckArgs) -> Exit {
    let (input, dir, format) = (&args.input, args.output.as_path(), args.format);
    let l = match load(input, format) {
        Ok(l) => l,
        Err(code) => return code,
    };
    let (diags, blocking) = findings(&l, args.deny_warnings);
    let files = crate::render_files(&l.model);
    let stale = output::compare(dir, &files);
    if format == Format::Json {
        print_json(&diags, &l.source, Some(&stale));
    } else {
        report(&diags, &l.source, format);
        let mut out = anstream::stdout();
        for s in &stale {
            let _ = write!(out, "{}", s.diff);
        }
        if !stale.is_empty() {
            let names: Vec<_> = stale.iter().map(|s| format!("{} ({})", s.name, s.reason)).collect();
            let _ = writeln!(
                anstream::stderr(),
                "error: stale in {}: {}",
                dir.display(),
                names.join(", ")
            );
            let _ = writeln!(
                anstream::stderr(),
                "  help: run `{}` to regenerate them",
                fix_command(input, dir)
            );
        }
    }
    if blocking || !stale.is_empty() {
        Exit::Findings
    } else {
        Exit::Ok
    }
}

/// The exact command that regenerates the files.
fn fix_command(input: &InputArgs, dir: &Path) -> String {
    let mut cmd = String::from("ocgen render");
    if input.config != Path::new("deploy.toml") {
        cmd.push_str(&format!(
            " -c {}",
            crate::render::shell_quote(&input.config.display().to_string())
        ));
    }
    if let Some(p) = input.profile {
        cmd.push_str(&format!(" --profile {p}"));
    }
    if input.allow_unknown_version {
        cmd.push_str(" --allow-unknown-version");
    }
    if dir != Path::new(".") {
        cmd.push_str(&format!(
            " -o {}",
            crate::render::shell_quote(&dir.display().to_string())
        ));
    }
    cmd
}
