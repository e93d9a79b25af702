//! `ocgen validate`: deploy.toml only (syntax, schema, domain rules), and the
//! openclaw.json the profile will write against the release's own schema.

use clap::Args;

use super::input::load;
use super::report::report;
use super::{Exit, Format, InputArgs};
use crate::diagnostic::Diagnostic;

#[derive(Args, Debug)]
pub struct ValidateArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// Output format of the findings (json: one document on stdout)
    #[arg(long, value_enum, default_value = "human")]
    pub format: Format,
}

pub fn run(args: &ValidateArgs) -> Exit {
    let format = args.format;
    let l = match load(&args.input, format) {
        Ok(l) => l,
        Err(code) => return code,
    };
    // The openclaw.json the profile will write, against the release's own schema.
    let mut diags = l.model.warnings.clone();
    diags.extend(crate::openclaw_schema::check(&l.model));
    report(&diags, &l.source, format);
    if diags.iter().any(Diagnostic::is_error) {
        // deploy.toml itself is valid; what it makes OpenClaw read is not.
        return Exit::Findings;
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
    Exit::Ok
}
