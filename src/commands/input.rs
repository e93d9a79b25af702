//! Reading deploy.toml for a command: the shared arguments, the model, and
//! the findings (load warnings plus lint) that block a render.

use std::path::{Path, PathBuf};

use clap::Args;

use super::Exit;
use super::report::{Format, fail, print_json, report};
use crate::config::ProfileName;
use crate::diagnostic::{Diagnostic, Source};
use crate::model::{LoadOptions, Model};

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

/// deploy.toml, read and resolved.
pub(super) struct Loaded {
    pub source: Source,
    pub model: Model,
}

/// The model, or the exit code after reporting why there is none.
pub(super) fn load(input: &InputArgs, format: Format) -> Result<Loaded, Exit> {
    let source = match read_source(&input.config) {
        Ok(s) => s,
        Err(ReadError::Decode(source, diags)) => {
            report(&diags, &source, format);
            return Err(Exit::Input);
        }
        Err(ReadError::Io(d)) => {
            match format {
                Format::Json => print_json(&[d], &Source::new(input.config.display().to_string(), ""), None),
                Format::Human => {
                    fail(&d.message, d.hint.as_deref());
                }
            }
            return Err(Exit::Input);
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
            Err(Exit::Input)
        }
    }
}

/// Warnings from loading plus lint findings; and whether they block.
pub(super) fn findings(l: &Loaded, deny_warnings: bool) -> (Vec<Diagnostic>, bool) {
    let mut diags = l.model.warnings.clone();
    diags.extend(crate::lint::lint(&l.model));
    let blocking = diags.iter().any(|d| d.is_error() || deny_warnings);
    (diags, blocking)
}
