//! ocgen: render the deployment files of an OpenClaw gateway on Coolify.
//!
//! Data flows one way: `deploy.toml` → [`config`] (span-aware parse + JSON
//! Schema) → [`model`] (domain rules, resolved profile and release) →
//! [`lint`] → [`plan`] (every decision, typed) → [`render`] (templates) →
//! [`output`] (atomic writes, staleness).
//!
//! Beside the flow: [`data`] (the embedded profiles and release table),
//! [`commands`] (what each `ocgen` command runs and reports) and [`cli`]
//! (the command line).
#![forbid(unsafe_code)]

// The flow: config → model → lint → plan → render → output.
pub mod config;
pub mod lint;
pub mod model;
pub mod output;
pub mod plan;
pub mod render;

// Beside it.
pub mod cli;
pub mod commands;
pub mod data;
pub mod diagnostic;
pub mod openclaw_schema;

use diagnostic::{Diagnostic, Source};
use model::{LoadOptions, Model};

/// Read `deploy.toml` text from bytes: invalid UTF-8 is an error at its offset.
pub fn decode(name: &str, bytes: Vec<u8>) -> Result<Source, (Source, Vec<Diagnostic>)> {
    match String::from_utf8(bytes) {
        Ok(text) => Ok(Source::new(name, text)),
        Err(e) => {
            let at = e.utf8_error().valid_up_to();
            let text = String::from_utf8_lossy(e.as_bytes()).into_owned();
            let d = Diagnostic::error("OC001", "deploy.toml is not valid UTF-8")
                .with_span(Some(at..at + 1))
                .with_label("invalid byte")
                .with_hint("save the file as UTF-8");
            Err((Source::new(name, text), vec![d]))
        }
    }
}

/// Text → validated model.
pub fn load_model(source: &Source, opts: &LoadOptions) -> Result<Model, Vec<Diagnostic>> {
    let loaded = config::load(&source.text)?;
    model::resolve(loaded, opts)
}

/// Model → the four files, in memory.
pub fn render_files(model: &Model) -> Vec<render::RenderedFile> {
    let plan = plan::plan(model);
    render::render(&plan).unwrap_or_else(|e| panic!("ocgen template bug: {e:#}"))
}
