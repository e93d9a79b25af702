//! How commands report: diagnostics for people (annotated snippets on
//! stderr) or one JSON document on stdout, and plain errors with no source.

use std::io::{IsTerminal, Write};

use clap::ValueEnum;
use serde::Serialize;

use super::Exit;
use crate::diagnostic::{self, Diagnostic, Source};
use crate::output;

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Human,
    Json,
}

pub(super) fn color() -> bool {
    std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()) && std::io::stderr().is_terminal()
}

/// Print an error that has no source location; bad input.
pub(super) fn fail(message: &str, hint: Option<&str>) -> Exit {
    let mut err = anstream::stderr();
    let _ = writeln!(err, "error: {message}");
    if let Some(h) = hint {
        let _ = writeln!(err, "  help: {h}");
    }
    Exit::Input
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

pub(super) fn report(diags: &[Diagnostic], source: &Source, format: Format) {
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

pub(super) fn print_json(diags: &[Diagnostic], source: &Source, stale: Option<&[output::Stale]>) {
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
