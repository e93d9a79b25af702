//! Command line: parse arguments, run one command, return the exit code.
//! Exit codes: 0 success, 1 findings (stale files, lint errors), 2 bad input or usage.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, CommandFactory, Parser, Subcommand, ValueEnum};
use serde::Serialize;

use crate::config::ProfileName;
use crate::diagnostic::{self, Diagnostic, Source};
use crate::model::{LoadOptions, Model};
use crate::output::{self, Outcome};

pub const EXIT_OK: u8 = 0;
pub const EXIT_FINDINGS: u8 = 1;
pub const EXIT_INPUT: u8 = 2;

#[derive(Parser, Debug)]
#[command(
    name = "ocgen",
    version,
    about = "Render the Coolify deployment of an OpenClaw gateway from one deploy.toml",
    long_about = "Render the Coolify deployment of an OpenClaw gateway from one deploy.toml.\n\n\
        From deploy.toml, ocgen renders a Dockerfile, docker-compose.yaml, bootstrap.sh and \
        coolify.env for one of three profiles: lan-patch, sidecar or serve.",
    after_help = "Exit codes: 0 success, 1 findings (stale files, lint errors), 2 bad input or usage.\n\
        Start with `ocgen init`, then `ocgen render`.",
    propagate_version = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Write a commented starter deploy.toml (refuses to overwrite)
    Init {
        /// Profile the starter file selects
        #[arg(long, value_enum, default_value = "lan-patch")]
        profile: ProfileName,
        /// Where to write it
        #[arg(default_value = "deploy.toml")]
        path: PathBuf,
    },
    /// Render Dockerfile, docker-compose.yaml, bootstrap.sh and coolify.env into DIR
    Render {
        #[command(flatten)]
        input: InputArgs,
        /// Output directory
        #[arg(short, long = "output", value_name = "DIR", default_value = ".")]
        output: PathBuf,
        /// Treat lint warnings as errors
        #[arg(long)]
        deny_warnings: bool,
        /// Print nothing on success
        #[arg(short, long)]
        quiet: bool,
        /// Exit 1 when a file was created or changed (for pre-commit hooks and CI)
        #[arg(long)]
        exit_code: bool,
    },
    /// Compare the files in DIR with what would be rendered; never writes
    Check {
        #[command(flatten)]
        input: InputArgs,
        /// Directory holding the rendered files
        #[arg(short, long = "output", value_name = "DIR", default_value = ".")]
        output: PathBuf,
        /// Treat lint warnings as errors
        #[arg(long)]
        deny_warnings: bool,
        /// Output format of the findings (json: one document on stdout)
        #[arg(long, value_enum, default_value = "human")]
        format: Format,
    },
    /// Check deploy.toml only (syntax, schema, domain rules)
    Validate {
        #[command(flatten)]
        input: InputArgs,
        /// Output format of the findings (json: one document on stdout)
        #[arg(long, value_enum, default_value = "human")]
        format: Format,
    },
    /// Run the domain lint rules on deploy.toml
    Lint {
        #[command(flatten)]
        input: InputArgs,
        /// Treat lint warnings as errors
        #[arg(long)]
        deny_warnings: bool,
        /// Output format of the findings (json: one document on stdout)
        #[arg(long, value_enum, default_value = "human")]
        format: Format,
    },
    /// Show what moving the deployment to another profile changes
    Plan {
        #[command(flatten)]
        input: InputArgs,
        /// The profile to move to
        #[arg(long, value_enum)]
        to: ProfileName,
    },
    /// Explain a diagnostic code (e.g. OC101), or list them all
    Explain {
        /// Code or rule name; omit to list every code
        code: Option<String>,
    },
    /// Print the JSON Schema of deploy.toml
    Schema {
        /// Print the reference as Markdown tables instead
        #[arg(long)]
        markdown: bool,
    },
    /// Show the OpenClaw releases ocgen covers and each range's rules
    Versions {
        /// Output format (json: one document on stdout; markdown: docs/releases.md)
        #[arg(long, value_enum, default_value = "human")]
        format: VersionsFormat,
    },
    /// Print shell completions
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
}

#[derive(Args, Debug, Clone)]
pub struct InputArgs {
    /// Path to deploy.toml
    #[arg(short, long = "config", value_name = "FILE", default_value = "deploy.toml")]
    pub config: PathBuf,
    /// Profile to use instead of the file's `profile`
    #[arg(long, value_enum)]
    pub profile: Option<ProfileName>,
    /// Render an OpenClaw version missing from the release table with the
    /// rules of the nearest older known release (warns)
    #[arg(long)]
    pub allow_unknown_version: bool,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Human,
    Json,
}

/// `ocgen versions --format`: the findings' formats plus Markdown.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum VersionsFormat {
    Human,
    Json,
    Markdown,
}

pub fn main() -> ExitCode {
    ExitCode::from(main_code())
}

/// Parse the process's command line and run it; returns the exit code.
pub fn main_code() -> u8 {
    match Cli::try_parse() {
        Ok(cli) => run(cli),
        Err(e) => {
            let _ = e.print();
            if e.use_stderr() { EXIT_INPUT } else { EXIT_OK }
        }
    }
}

fn color() -> bool {
    std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()) && std::io::stderr().is_terminal()
}

/// Run a parsed command line; returns the exit code.
pub fn run(cli: Cli) -> u8 {
    match cli.command {
        Command::Init { profile, path } => init(profile, &path),
        Command::Render {
            input,
            output,
            deny_warnings,
            quiet,
            exit_code,
        } => render(&input, &output, deny_warnings, quiet, exit_code),
        Command::Check {
            input,
            output,
            deny_warnings,
            format,
        } => check(&input, &output, deny_warnings, format),
        Command::Validate { input, format } => validate(&input, format),
        Command::Lint {
            input,
            deny_warnings,
            format,
        } => lint(&input, deny_warnings, format),
        Command::Plan { input, to } => migration_plan(&input, to),
        Command::Explain { code } => explain(code.as_deref()),
        Command::Schema { markdown } => {
            if markdown {
                print!("{}", crate::docs::reference_markdown());
            } else {
                print!("{}", crate::config::SCHEMA_TEXT);
            }
            EXIT_OK
        }
        Command::Versions { format } => versions(format),
        Command::Completions { shell } => {
            clap_complete::generate(shell, &mut Cli::command(), "ocgen", &mut std::io::stdout());
            EXIT_OK
        }
    }
}

/// Print an error that has no source location.
fn fail(message: &str, hint: Option<&str>) -> u8 {
    let mut err = anstream::stderr();
    let _ = writeln!(err, "error: {message}");
    if let Some(h) = hint {
        let _ = writeln!(err, "  help: {h}");
    }
    EXIT_INPUT
}

/// Why deploy.toml could not be read.
enum ReadError {
    /// Read, but not UTF-8: a located diagnostic.
    Decode(Source, Vec<Diagnostic>),
    /// Not readable at all: there is no source to point into.
    Io(Diagnostic),
}

fn read_source(path: &Path) -> Result<Source, ReadError> {
    let name = path.display().to_string();
    match std::fs::read(path) {
        Ok(bytes) => crate::decode(&name, bytes).map_err(|(s, d)| ReadError::Decode(s, d)),
        Err(e) => {
            let hint = if e.kind() == std::io::ErrorKind::NotFound {
                "create one with `ocgen init`, or name it with -c FILE"
            } else {
                "check the path and its permissions"
            };
            Err(ReadError::Io(
                Diagnostic::error("OC000", format!("cannot read {name}: {e}")).with_hint(hint),
            ))
        }
    }
}

/// The outcome of reading input: the model, or the exit code after reporting.
struct Loaded {
    source: Source,
    model: Model,
}

#[derive(Serialize)]
struct JsonReport<'a> {
    ok: bool,
    diagnostics: Vec<diagnostic::Located<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    stale: Option<Vec<JsonStale<'a>>>,
}

#[derive(Serialize)]
struct JsonStale<'a> {
    file: &'a str,
    reason: &'a str,
    diff: &'a str,
}

fn report(diags: &[Diagnostic], source: &Source, format: Format) {
    match format {
        Format::Human => {
            if !diags.is_empty() {
                let text = diagnostic::render_human(diags, source, color());
                let _ = write!(anstream::stderr(), "{text}");
            }
        }
        Format::Json => print_json(diags, source, None),
    }
}

fn print_json(diags: &[Diagnostic], source: &Source, stale: Option<&[output::Stale]>) {
    let ok = !diags.iter().any(Diagnostic::is_error) && stale.is_none_or(|s| s.is_empty());
    let doc = JsonReport {
        ok,
        diagnostics: diags.iter().map(|d| diagnostic::locate(d, source)).collect(),
        stale: stale.map(|s| {
            s.iter()
                .map(|s| JsonStale {
                    file: s.name,
                    reason: s.reason,
                    diff: &s.diff,
                })
                .collect()
        }),
    };
    println!("{}", serde_json::to_string_pretty(&doc).expect("report serializes"));
}

fn load(input: &InputArgs, format: Format) -> Result<Loaded, u8> {
    let source = match read_source(&input.config) {
        Ok(s) => s,
        Err(ReadError::Decode(source, diags)) => {
            report(&diags, &source, format);
            return Err(EXIT_INPUT);
        }
        Err(ReadError::Io(d)) => {
            match format {
                Format::Json => print_json(&[d], &Source::new(input.config.display().to_string(), ""), None),
                Format::Human => {
                    fail(&d.message, d.hint.as_deref());
                }
            }
            return Err(EXIT_INPUT);
        }
    };
    let opts = LoadOptions {
        profile: input.profile,
        allow_unknown_version: input.allow_unknown_version,
    };
    match crate::load_model(&source, &opts) {
        Ok(model) => Ok(Loaded { source, model }),
        Err(diags) => {
            report(&diags, &source, format);
            Err(EXIT_INPUT)
        }
    }
}

/// Warnings from loading plus lint findings; and whether they block.
fn findings(l: &Loaded, deny_warnings: bool) -> (Vec<Diagnostic>, bool) {
    let mut diags = l.model.warnings.clone();
    diags.extend(crate::lint::lint(&l.model));
    let blocking = diags.iter().any(|d| d.is_error() || deny_warnings);
    (diags, blocking)
}

fn init(profile: ProfileName, path: &Path) -> u8 {
    let text = crate::render::starter(profile);
    let file = std::fs::OpenOptions::new().write(true).create_new(true).open(path);
    let mut file = match file {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            return fail(
                &format!("{} already exists; ocgen init never overwrites a file", path.display()),
                Some("edit it, or write the starter elsewhere: `ocgen init other.toml`"),
            );
        }
        Err(e) => {
            return fail(
                &format!("cannot create {}: {e}", path.display()),
                Some("check the directory exists and is writable"),
            );
        }
    };
    if let Err(e) = file.write_all(text.as_bytes()) {
        drop(file);
        let _ = std::fs::remove_file(path);
        return fail(&format!("cannot write {}: {e}", path.display()), None);
    }
    eprintln!(
        "wrote {} (profile {profile}); next: `ocgen render -c {}`",
        path.display(),
        path.display()
    );
    EXIT_OK
}

fn render(input: &InputArgs, dir: &Path, deny_warnings: bool, quiet: bool, exit_code: bool) -> u8 {
    let l = match load(input, Format::Human) {
        Ok(l) => l,
        Err(code) => return code,
    };
    let (diags, blocking) = findings(&l, deny_warnings);
    report(&diags, &l.source, Format::Human);
    if blocking {
        let _ = writeln!(
            anstream::stderr(),
            "error: nothing written to {}: fix the findings above",
            dir.display()
        );
        return EXIT_FINDINGS;
    }
    let files = crate::render_files(&l.model);
    match output::write_all(dir, &files) {
        Ok(outcomes) => {
            let changed: Vec<_> = outcomes.iter().filter(|(_, o)| *o != Outcome::Unchanged).collect();
            if !quiet {
                for (name, outcome) in &outcomes {
                    let what = match outcome {
                        Outcome::Created => "created",
                        Outcome::Updated => "updated",
                        Outcome::Unchanged => "unchanged",
                    };
                    eprintln!("{what:>9} {}", dir.join(name).display());
                }
            }
            if exit_code && !changed.is_empty() {
                let names: Vec<_> = changed.iter().map(|(n, _)| n.as_str()).collect();
                let _ = writeln!(
                    anstream::stderr(),
                    "ocgen: regenerated {}; review and stage them",
                    names.join(", ")
                );
                return EXIT_FINDINGS;
            }
            EXIT_OK
        }
        Err(e) => fail(
            &format!("{e}; nothing was changed"),
            Some("choose a writable directory with -o DIR"),
        ),
    }
}

fn check(input: &InputArgs, dir: &Path, deny_warnings: bool, format: Format) -> u8 {
    let l = match load(input, format) {
        Ok(l) => l,
        Err(code) => return code,
    };
    let (diags, blocking) = findings(&l, deny_warnings);
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
        EXIT_FINDINGS
    } else {
        EXIT_OK
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

fn validate(input: &InputArgs, format: Format) -> u8 {
    let l = match load(input, format) {
        Ok(l) => l,
        Err(code) => return code,
    };
    // The openclaw.json the profile will write, against the release's own schema.
    let mut diags = l.model.warnings.clone();
    diags.extend(crate::openclaw_schema::check(&l.model));
    report(&diags, &l.source, format);
    if diags.iter().any(Diagnostic::is_error) {
        return EXIT_INPUT;
    }
    if format == Format::Human {
        let schema = crate::openclaw_schema::schema_release_for(l.model.release).unwrap_or("");
        let own = if schema == l.model.openclaw_version {
            String::new()
        } else {
            format!(
                "; ocgen has no schema of {} itself (scripts/measure-release.sh exports it)",
                l.model.openclaw_version
            )
        };
        eprintln!(
            "{}: valid (profile {}, OpenClaw {}; the openclaw.json it writes passes OpenClaw {schema}'s schema{own})",
            l.source.name, l.model.profile.name, l.model.openclaw_version
        );
    }
    EXIT_OK
}

fn lint(input: &InputArgs, deny_warnings: bool, format: Format) -> u8 {
    let l = match load(input, format) {
        Ok(l) => l,
        Err(code) => return code,
    };
    let (diags, blocking) = findings(&l, deny_warnings);
    report(&diags, &l.source, format);
    if format == Format::Human {
        let (e, w) = diagnostic::tally(&diags);
        eprintln!("{}: {e} error(s), {w} warning(s)", l.source.name);
    }
    if blocking { EXIT_FINDINGS } else { EXIT_OK }
}

fn migration_plan(input: &InputArgs, to: ProfileName) -> u8 {
    let current = match load(input, Format::Human) {
        Ok(l) => l,
        Err(code) => return code,
    };
    let target_input = InputArgs {
        profile: Some(to),
        ..input.clone()
    };
    let target = match load(&target_input, Format::Human) {
        Ok(l) => l,
        Err(code) => return code,
    };
    let (diags, _) = findings(&target, false);
    if !diags.is_empty() {
        let _ = writeln!(anstream::stderr(), "Findings for deploy.toml under profile {to}:");
        report(&diags, &target.source, Format::Human);
    }
    print!("{}", crate::migration::report(&current.model, &target.model));
    EXIT_OK
}

fn explain(code: Option<&str>) -> u8 {
    match code {
        None => {
            for c in crate::lint::CODES {
                println!("{}  {:<7}  {:<32} {}", c.code, c.severity.as_str(), c.name, c.summary);
            }
            EXIT_OK
        }
        Some(code) => match crate::lint::find(code) {
            Some(c) => {
                println!(
                    "{} ({}, {}): {}\n\n{}",
                    c.code,
                    c.name,
                    c.severity.as_str(),
                    c.summary,
                    c.explanation
                );
                EXIT_OK
            }
            None => fail(
                &format!("unknown code `{code}`"),
                Some("`ocgen explain` lists every code"),
            ),
        },
    }
}

fn versions(format: VersionsFormat) -> u8 {
    match format {
        VersionsFormat::Human => print!("{}", crate::versions_report::human()),
        VersionsFormat::Markdown => print!("{}", crate::versions_report::markdown()),
        VersionsFormat::Json => println!(
            "{}",
            serde_json::to_string_pretty(&crate::versions_report::json()).expect("report serializes")
        ),
    }
    EXIT_OK
}
