//! Diagnostics: one type for input errors and lint findings, rendered for
//! people (annotated source snippets) or for machines (JSON).

use std::fmt::Write as _;
use std::ops::Range;

use annotate_snippets::{AnnotationKind, Group, Level, Renderer, Snippet};
use serde::Serialize;

/// How serious a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// A source file that diagnostics point into.
#[derive(Debug, Clone)]
pub struct Source {
    /// Path as the user named it (shown in messages).
    pub name: String,
    /// The text; lossy if the file was not UTF-8.
    pub text: String,
}

impl Source {
    pub fn new(name: impl Into<String>, text: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            text: text.into(),
        }
    }

    /// 1-based line and column (in characters) of a byte offset.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = clamp_to_char_boundary(&self.text, offset);
        let before = &self.text[..offset];
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let col = before[line_start..].chars().count() + 1;
        (line, col)
    }
}

fn clamp_to_char_boundary(text: &str, offset: usize) -> usize {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

/// One finding about the input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// Stable code, e.g. `OC002` (input) or `OC101` (lint).
    pub code: &'static str,
    pub severity: Severity,
    /// One line: what is wrong.
    pub message: String,
    /// Byte range in the source the finding is about, when there is one.
    pub span: Option<Range<usize>>,
    /// Label shown under the highlighted source.
    pub label: Option<String>,
    /// What to do about it.
    pub hint: Option<String>,
}

impl Diagnostic {
    pub fn error(code: &'static str, message: impl Into<String>) -> Self {
        Self {
            code,
            severity: Severity::Error,
            message: message.into(),
            span: None,
            label: None,
            hint: None,
        }
    }

    pub fn warning(code: &'static str, message: impl Into<String>) -> Self {
        Self {
            severity: Severity::Warning,
            ..Self::error(code, message)
        }
    }

    pub fn with_span(mut self, span: Option<Range<usize>>) -> Self {
        self.span = span;
        self
    }

    pub fn with_label(mut self, label: impl Into<String>) -> Self {
        self.label = Some(label.into());
        self
    }

    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// A diagnostic resolved against its source, as emitted in JSON output.
#[derive(Debug, Clone, Serialize)]
pub struct Located<'a> {
    pub code: &'a str,
    pub severity: Severity,
    pub message: &'a str,
    pub file: &'a str,
    pub line: Option<usize>,
    pub column: Option<usize>,
    pub hint: Option<&'a str>,
}

pub fn locate<'a>(d: &'a Diagnostic, source: &'a Source) -> Located<'a> {
    let (line, column) = match &d.span {
        Some(span) => {
            let (l, c) = source.line_col(span.start);
            (Some(l), Some(c))
        }
        None => (None, None),
    };
    Located {
        code: d.code,
        severity: d.severity,
        message: &d.message,
        file: &source.name,
        line,
        column,
        hint: d.hint.as_deref(),
    }
}

/// Render diagnostics for a terminal. `color` selects ANSI styling.
pub fn render_human(diags: &[Diagnostic], source: &Source, color: bool) -> String {
    let renderer = if color { Renderer::styled() } else { Renderer::plain() };
    let mut out = String::new();
    for d in diags {
        let level = match d.severity {
            Severity::Error => Level::ERROR,
            Severity::Warning => Level::WARNING,
        };
        let title = level.primary_title(d.message.as_str()).id(d.code);
        let mut groups: Vec<Group<'_>> = Vec::new();
        let first = match &d.span {
            Some(span) => {
                let span = clamp_to_char_boundary(&source.text, span.start)
                    ..clamp_to_char_boundary(&source.text, span.end.max(span.start));
                let mut annotation = AnnotationKind::Primary.span(span);
                if let Some(label) = &d.label {
                    annotation = annotation.label(label.as_str());
                }
                title.element(
                    Snippet::source(source.text.as_str())
                        .path(source.name.as_str())
                        .annotation(annotation),
                )
            }
            None => title.element(Snippet::<annotate_snippets::Annotation<'_>>::source("").path(source.name.as_str())),
        };
        groups.push(first);
        if let Some(hint) = &d.hint {
            groups.push(Group::with_title(Level::HELP.secondary_title(hint.as_str())));
        }
        let _ = writeln!(out, "{}", renderer.render(&groups));
    }
    out
}

/// Count errors and warnings.
pub fn tally(diags: &[Diagnostic]) -> (usize, usize) {
    let errors = diags.iter().filter(|d| d.is_error()).count();
    (errors, diags.len() - errors)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_characters() {
        let s = Source::new("f", "a = 1\nbé = 2\n");
        assert_eq!(s.line_col(0), (1, 1));
        assert_eq!(s.line_col(6), (2, 1));
        // 'é' is two bytes; the '=' after it is column 4.
        assert_eq!(s.line_col(10), (2, 4));
        // Offsets past the end clamp instead of panicking.
        assert_eq!(s.line_col(999), (3, 1));
    }

    #[test]
    fn human_output_names_file_line_col_and_hint() {
        let s = Source::new("deploy.toml", "profile = \"x\"\n");
        let d = Diagnostic::error("OC003", "bad value")
            .with_span(Some(10..13))
            .with_label("here")
            .with_hint("use lan-patch");
        let out = render_human(&[d], &s, false);
        assert!(out.contains("error[OC003]: bad value"), "{out}");
        assert!(out.contains("deploy.toml:1:11"), "{out}");
        assert!(out.contains("help: use lan-patch"), "{out}");
    }
}
