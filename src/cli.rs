//! Command line: parse arguments, run one command ([`crate::commands`]),
//! return the exit code ([`Exit`]): 0 success, 1 findings (stale files, lint
//! errors), 2 bad input or usage.

use std::process::ExitCode;

use clap::{Args, CommandFactory, Parser, Subcommand};

use crate::commands;
use crate::commands::check::CheckArgs;
use crate::commands::explain::ExplainArgs;
use crate::commands::init::InitArgs;
use crate::commands::lint::LintArgs;
use crate::commands::move_profile::PlanArgs;
use crate::commands::render::RenderArgs;
use crate::commands::schema::SchemaArgs;
use crate::commands::validate::ValidateArgs;
use crate::commands::versions::VersionsArgs;
pub use crate::commands::{Exit, Format, InputArgs};
use crate::config::ProfileName;

#[derive(Parser, Debug)]
#[command(
    name = "ocgen",
    version,
    about = "Render the Coolify deployment of an OpenClaw gateway from one deploy.toml",
    long_about = long_about(),
    after_help = "Exit codes: 0 success, 1 findings (stale files, lint errors), 2 bad input or usage.\n\
        Start with `ocgen init`, then `ocgen render`.",
    propagate_version = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

/// `ocgen --help`'s description, naming every profile.
fn long_about() -> String {
    const NUMBERS: [&str; 10] = [
        "no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine",
    ];
    let names: Vec<&str> = ProfileName::ALL.iter().map(|p| p.as_str()).collect();
    let list = match names.split_last() {
        Some((last, [])) => last.to_string(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
        None => String::new(),
    };
    let count = NUMBERS.get(names.len()).copied().unwrap_or("several");
    format!(
        "Render the Coolify deployment of an OpenClaw gateway from one deploy.toml.\n\n\
         From deploy.toml, ocgen renders a Dockerfile, docker-compose.yaml, bootstrap.sh and \
         coolify.env for one of {count} profiles: {list}."
    )
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Write a commented starter deploy.toml (refuses to overwrite)
    Init(InitArgs),
    /// Render Dockerfile, docker-compose.yaml, bootstrap.sh and coolify.env into DIR
    Render(RenderArgs),
    /// Compare the files in DIR with what would be rendered; never writes
    Check(CheckArgs),
    /// Check deploy.toml only (syntax, schema, domain rules)
    Validate(ValidateArgs),
    /// Run the domain lint rules on deploy.toml
    Lint(LintArgs),
    /// Show what moving the deployment to another profile changes
    Plan(PlanArgs),
    /// Explain a diagnostic code (e.g. OC101), or list them all
    Explain(ExplainArgs),
    /// Print the JSON Schema of deploy.toml
    Schema(SchemaArgs),
    /// Show the OpenClaw releases ocgen covers and each range's rules
    Versions(VersionsArgs),
    /// Print shell completions
    Completions(CompletionsArgs),
}

#[derive(Args, Debug)]
pub struct CompletionsArgs {
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// Parse the process's command line and run it.
pub fn main() -> ExitCode {
    main_exit().into()
}

/// Parse the process's command line and run it; returns how to exit.
pub fn main_exit() -> Exit {
    match Cli::try_parse() {
        Ok(cli) => run(cli),
        Err(e) => {
            let _ = e.print();
            if e.use_stderr() { Exit::Input } else { Exit::Ok }
        }
    }
}

/// Run a parsed command line.
pub fn run(cli: Cli) -> Exit {
    match &cli.command {
        Command::Init(args) => commands::init::run(args),
        Command::Render(args) => commands::render::run(args),
        Command::Check(args) => commands::check::run(args),
        Command::Validate(args) => commands::validate::run(args),
        Command::Lint(args) => commands::lint::run(args),
        Command::Plan(args) => commands::move_profile::run(args),
        Command::Explain(args) => commands::explain::run(args),
        Command::Schema(args) => commands::schema::run(args),
        Command::Versions(args) => commands::versions::run(args),
        Command::Completions(args) => {
            clap_complete::generate(args.shell, &mut Cli::command(), "ocgen", &mut std::io::stdout());
            Exit::Ok
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn help_names_every_profile() {
        let about = long_about();
        assert!(about.contains("one of four profiles"), "{about}");
        for p in ProfileName::ALL {
            assert!(about.contains(p.as_str()), "{p} in {about}");
        }
    }

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }
}
